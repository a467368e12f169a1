//! The operations where minijinja and Jinja2 (as ansible-core 2.19 runs
//! it) compute different values, routed to functions with Python's
//! semantics. The template is parsed and each such node is rewritten into
//! a call of a function registered in [`super::environment`]; everything else
//! is copied as written.
//!
//! | node | minijinja | Ansible | rewritten to |
//! | --- | --- | --- | --- |
//! | `a ~ b` | Rust's text of a float (`1e+20` as `100000000000000000000.0`, `nan` as `NaN`) | Python's `str()` | `__cat(a, b)` |
//! | `x.name` | an error when `x` is undefined | undefined (chainable: `nope.x \| default('d')` is `d`) | `__attr(x, 'name')` |
//! | `x[key]` | an error when `x` is undefined | undefined | `__item(x, key)` |
//! | an argument `f(nope)` | passed as missing (`join(nope)` joins with '') | an error | `f(__def(nope))` |
//! | an argument `f(none)` | passed as missing (`join(none)` joins with '') | None (`opsNonex`) | `f(__def(none))`, refused |
//! | `a % b` | an error on text; Rust's sign (`7 % -3` is 1) | `%`-formatting of text; Python's sign (`-2`) | `__mod(a, b, tuple)` |
//! | `a ** b` | `2 ** -1` an error, `(-8) ** (1/3)` nan, `1.5 ** 5000` inf | `0.5`, a complex number, an `OverflowError` | `__pow(a, b)` (a complex or overflowing result refused) |
//! | `a < b` (and `<=`, `>`, `>=`) | `1 < 'a'` is true | a `TypeError` | `__order(a, b, '<')` |
//! | `a / b`, `a // b` | `1 / 0` is `inf`; `7.5 // -2` is `-3.0` | an error; `-4.0` | `__div(a, b)`, `__floordiv(a, b)` |
//! | `a and b`, `a or b` of two literals | folded when parsed: `'' and 'x'` is `false` | the operand (`''`) | `__keep(a) and b` (not a literal: not folded; still short-circuit) |
//! | `a + b`, `a - b` beyond 64 bits | a 128-bit integer, printed as a float | the exact (unbounded) integer | `__i64(a - b)`: refused beyond 64 bits |
//! | `-a` | `-true` an error | `-1` | `__neg(a)` (beyond 64 bits refused) |
//! | `a == b`, `a != b` | `true == 1` is false | `True == 1` | `__eq(a, b, negated)` |
//! | `a in b`, `a not in b` | `5 in 'x5'`, `none in 'None'` true; `[1] in {..}` false | a `TypeError` | `__in(a, b)` |
//! | `a[b:c:d]` | `none[1:]` is `[]`, `'abc'[1.0:]` is `bc`, `''[::-1]` panics | a `TypeError`; `''` | `__slice(a, b, c, d)` |
//! | `a[b]`, `a.1` | `[1, 2][1.0]` is 2 | undefined (a float is no index) | `__item(a, b)` |
//! | `a < b == c` | minijinja's chain | `a < b and b == c` | each comparison its function, joined by `and` |
//! | `a * b` | `'ab' * 2.0` repeats; `[1] * 10**10` built lazily, then allocated whole (an abort) | a `TypeError`; a `MemoryError` | `__mul(a, b)`: Python's types; a result beyond the output bound refused |
//! | `(a, b)`, `()` | a list: `(1, 2) == [1, 2]` is true, printed `[1, 2]` | a tuple: false, `(1, 2)` | refused (the arguments of `%` excepted) |
//!
//! A method call (`x.split('.')`) keeps minijinja's call, with its
//! receiver rewritten.

use minijinja::machinery::ast::{self, CallArg, Expr, Stmt};
use minijinja::machinery::{Span, parse, parse_expr};
use minijinja::syntax::SyntaxConfig;
use minijinja::value::ValueKind;
use minijinja::{Error, ErrorKind, Value as J};

use super::jinja::{MAX_OUTPUT, py_repr, py_str, refuse};

/// The operations rewritten, each with the function that computes it as
/// Python does (the table a test checks against the registered
/// functions).
pub(super) const REWRITTEN: &[(&str, &str)] = &[
    ("~", "__cat"),
    ("f(arg)", "__def"),
    ("%", "__mod"),
    ("/", "__div"),
    ("//", "__floordiv"),
    ("**", "__pow"),
    ("< <= > >=", "__order"),
    (".name", "__attr"),
    ("[key]", "__item"),
    ("and or", "__keep"),
    ("*", "__mul"),
    ("+ -", "__i64"),
    ("-x", "__neg"),
    ("== !=", "__eq"),
    ("in", "__in"),
    ("[a:b:c]", "__slice"),
];

/// The operators that build a longer text or list than their operands
/// (`*` repeats, `+` and `~` join, `%` formats): each refuses a result
/// beyond the output bound rather than build it (docs/SECURITY.md I3).
#[cfg(test)]
pub(super) const GROWING: &[&str] = &["*", "+", "~", "%"];

/// A whole template (text, `{{ }}` and `{% if %}`), rewritten.
pub(super) fn template(source: &str) -> Result<String, String> {
    let stmt = parse(
        source,
        "<template>",
        SyntaxConfig,
        super::jinja::whitespace(),
    )
    .map_err(|e| format!("template syntax error: {e}"))?;
    let mut exprs = Vec::new();
    collect(&stmt, &mut exprs)?;
    let mut out = String::with_capacity(source.len());
    let mut copied = 0usize;
    for expr in exprs {
        let (start, end) = full(expr, source);
        out.push_str(source.get(copied..start).ok_or("template out of place")?);
        out.push_str(&emit(source, expr)?);
        copied = end;
    }
    out.push_str(source.get(copied..).ok_or("template out of place")?);
    Ok(out)
}

/// One expression (the inside of a template that is one `{{ }}`),
/// rewritten.
pub(super) fn expression(source: &str) -> Result<String, String> {
    let expr = parse_expr(source).map_err(|e| format!("template syntax error: {e}"))?;
    let (start, end) = full(&expr, source);
    Ok(format!(
        "{}{}{}",
        source.get(..start).ok_or("template out of place")?,
        emit(source, &expr)?,
        source.get(end..).ok_or("template out of place")?
    ))
}

/// The expressions of a template's statements, in source order. Only
/// the statements of [`super::jinja::STATEMENTS`] reach here.
fn collect<'s, 'a>(stmt: &'s Stmt<'a>, out: &mut Vec<&'s Expr<'a>>) -> Result<(), String> {
    match stmt {
        Stmt::Template(t) => t.children.iter().try_for_each(|s| collect(s, out)),
        Stmt::EmitExpr(e) => {
            out.push(&e.expr);
            Ok(())
        }
        Stmt::EmitRaw(_) => Ok(()),
        Stmt::IfCond(c) => {
            out.push(&c.expr);
            c.true_body.iter().try_for_each(|s| collect(s, out))?;
            c.false_body.iter().try_for_each(|s| collect(s, out))
        }
        _ => Err("a statement other than if/elif/else is not supported by sshfleet".to_string()),
    }
}

/// Where `expr` is written: its own span and its children's (minijinja
/// starts a filter's or test's span at its name, after its operand).
fn full(expr: &Expr<'_>, source: &str) -> (usize, usize) {
    let own = span(expr);
    let (own_start, end) = (own.start_offset as usize, own.end_offset as usize);
    // minijinja starts a comparison's, an `x if c else y`'s and a `not
    // in`'s span at the token before it (`{{`, `if`, ...): where they
    // are written starts at their first operand.
    let start = match expr {
        Expr::BinOp(_) | Expr::Compare(_) | Expr::IfExpr(_) => usize::MAX,
        Expr::UnaryOp(u)
            if matches!(u.op, ast::UnaryOpKind::Not)
                && !source
                    .get(own_start..)
                    .unwrap_or_default()
                    .starts_with("not") =>
        {
            usize::MAX
        }
        _ => own_start,
    };
    let (start, end) = children(expr)
        .into_iter()
        .map(|c| full(c, source))
        .fold((start, end), |(s, e), (cs, ce)| (s.min(cs), e.max(ce)));
    let start = start.min(end);
    (with_open_parens(source, start, end), end)
}

/// `start` moved back over the `(` whose `)` lie inside `start..end`
/// (`(a) | f`: the filter's operand is written without its parenthesis).
fn with_open_parens(source: &str, start: usize, end: usize) -> usize {
    let mut open = 0i64;
    let mut quote = None;
    let mut escaped = false;
    for c in source.get(start..end).unwrap_or_default().chars() {
        match (quote, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => open += 1,
            (None, ')') => open -= 1,
            _ => {}
        }
    }
    let mut start = start;
    let bytes = source.as_bytes();
    while open < 0 && start > 0 {
        start -= 1;
        match bytes.get(start) {
            Some(b'(') => open += 1,
            Some(b) if b.is_ascii_whitespace() => {}
            _ => return start + 1,
        }
    }
    start
}

fn span(expr: &Expr<'_>) -> Span {
    match expr {
        Expr::Var(s) => s.span(),
        Expr::Const(s) => s.span(),
        Expr::Slice(s) => s.span(),
        Expr::UnaryOp(s) => s.span(),
        Expr::BinOp(s) => s.span(),
        Expr::Compare(s) => s.span(),
        Expr::IfExpr(s) => s.span(),
        Expr::Filter(s) => s.span(),
        Expr::Test(s) => s.span(),
        Expr::GetAttr(s) => s.span(),
        Expr::GetItem(s) => s.span(),
        Expr::Call(s) => s.span(),
        Expr::List(s) => s.span(),
        Expr::Map(s) => s.span(),
    }
}

fn arg_expr<'s, 'a>(arg: &'s CallArg<'a>) -> &'s Expr<'a> {
    match arg {
        CallArg::Pos(e) | CallArg::Kwarg(_, e) | CallArg::PosSplat(e) | CallArg::KwargSplat(e) => e,
    }
}

/// The direct sub-expressions of `expr`, in source order.
fn children<'s, 'a>(expr: &'s Expr<'a>) -> Vec<&'s Expr<'a>> {
    let mut out: Vec<&Expr<'a>> = Vec::new();
    match expr {
        Expr::Var(_) | Expr::Const(_) => {}
        Expr::Slice(s) => {
            out.push(&s.expr);
            out.extend(s.start.iter().chain(s.stop.iter()).chain(s.step.iter()));
        }
        Expr::UnaryOp(u) => out.push(&u.expr),
        Expr::BinOp(b) => out.extend([&b.left, &b.right]),
        Expr::Compare(c) => {
            out.push(&c.expr);
            out.extend(c.ops.iter().map(|o| &o.expr));
        }
        Expr::IfExpr(i) => {
            out.extend([&i.test_expr, &i.true_expr]);
            out.extend(i.false_expr.iter());
        }
        Expr::Filter(f) => {
            out.extend(f.expr.iter());
            out.extend(f.args.iter().map(arg_expr));
        }
        Expr::Test(t) => {
            out.push(&t.expr);
            out.extend(t.args.iter().map(arg_expr));
        }
        Expr::GetAttr(g) => out.push(&g.expr),
        Expr::GetItem(g) => out.extend([&g.expr, &g.subscript_expr]),
        Expr::Call(c) => {
            out.push(&c.expr);
            out.extend(c.args.iter().map(arg_expr));
        }
        Expr::List(l) => out.extend(l.items.iter()),
        Expr::Map(m) => {
            for (k, v) in m.keys.iter().zip(m.values.iter()) {
                out.extend([k, v]);
            }
        }
    }
    // `x if c else y` is written test second: splice in source order
    // (each child's own span lies inside where it is written).
    out.sort_by_key(|e| span(e).start_offset);
    out
}

/// Each binary operator: computed by minijinja as Python computes it
/// (`None`), or by the function that does (the table above). The match
/// is exhaustive: an operator minijinja adds fails to compile until it is
/// placed here.
fn python_function(op: &ast::BinOpKind) -> Option<&'static str> {
    use ast::BinOpKind as Op;
    match op {
        // `and`/`or`: the operand itself, as Python.
        Op::ScAnd | Op::ScOr => None,
        // Python's equality (`True == 1`) and membership (`5 in 'x5'`
        // is its TypeError).
        Op::Eq | Op::Ne => Some("__eq"),
        Op::In => Some("__in"),
        // minijinja computes integers in 128 bits, Python without bound:
        // the same below 64 bits, where sshfleet stops.
        Op::Add | Op::Sub => Some("__i64"),
        // Python's repetition (by an integer only), bounded.
        Op::Mul => Some("__mul"),
        Op::Concat => Some("__cat"),
        Op::Rem => Some("__mod"),
        Op::Div => Some("__div"),
        Op::FloorDiv => Some("__floordiv"),
        Op::Pow => Some("__pow"),
        Op::Lt | Op::Lte | Op::Gt | Op::Gte => Some("__order"),
    }
}

/// Whether the word `not` is written at `at` (minijinja starts the span
/// of `a not in b` at the token before `a`: `{{`, `if`, a variable
/// `nothing`).
fn written_not(source: &str, at: usize) -> bool {
    source
        .get(at..)
        .unwrap_or_default()
        .trim_start()
        .strip_prefix("not")
        .is_some_and(|rest| {
            !rest
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
}

/// One comparison of a chain, as the function that computes it.
fn compare(op: &ast::CompareOpKind, left: &str, right: &str) -> String {
    use ast::CompareOpKind as C;
    match op {
        C::Eq => format!("__eq({left}, {right}, false)"),
        C::Ne => format!("__eq({left}, {right}, true)"),
        C::In => format!("__in({left}, {right})"),
        C::NotIn => format!("(not __in({left}, {right}))"),
        C::Lt => format!("__order({left}, {right}, \"<\")"),
        C::Lte => format!("__order({left}, {right}, \"<=\")"),
        C::Gt => format!("__order({left}, {right}, \">\")"),
        C::Gte => format!("__order({left}, {right}, \">=\")"),
    }
}

/// Whether `expr` is a subscript, attribute, slice or method call of an
/// unparenthesized `-x`: Jinja2 reads `-x[0]` as `-(x[0])`, minijinja as
/// `(-x)[0]`.
fn negated_postfix(expr: &Expr<'_>) -> bool {
    let (own, base) = match expr {
        Expr::GetAttr(g) => (g.span(), &g.expr),
        Expr::GetItem(g) => (g.span(), &g.expr),
        Expr::Slice(g) => (g.span(), &g.expr),
        Expr::Call(c) => match &c.expr {
            Expr::GetAttr(g) => (c.span(), &g.expr),
            _ => return false,
        },
        _ => return false,
    };
    match base {
        Expr::UnaryOp(u) if matches!(u.op, ast::UnaryOpKind::Neg) => {
            u.span().start_offset == own.start_offset
        }
        other => negated_postfix(other),
    }
}

/// Whether a list node is a tuple literal: minijinja reads `(a, b)` and
/// `()` as lists, whose span starts at the `(`.
fn is_tuple(source: &str, list: &ast::Spanned<ast::List<'_>>) -> bool {
    source.as_bytes().get(list.span().start_offset as usize) == Some(&b'(')
}

/// `expr`'s text with the table's nodes rewritten.
fn emit(source: &str, expr: &Expr<'_>) -> Result<String, String> {
    if negated_postfix(expr) {
        return Err(
            "a negated subscript, attribute or method call (`-x[0]`) is not read as Jinja2 reads it by sshfleet: write `-(x[0])`"
                .to_string(),
        );
    }
    if let Expr::IfExpr(i) = expr
        && i.false_expr.is_none()
    {
        // Jinja2 gives a value no filter or test reads as minijinja's
        // undefined (`| default` does not apply to it in Ansible, which
        // prints it as empty text and refuses to store it).
        return Err(
            "a conditional expression without `else` (`'a' if c`) is not computed as Ansible computes it by sshfleet: write `'a' if c else ''`"
                .to_string(),
        );
    }
    match expr {
        // minijinja folds `and`/`or` of two literals into `false` where
        // Python gives back the falsy operand; a call is not a literal.
        Expr::BinOp(b) if matches!(b.op, ast::BinOpKind::ScAnd | ast::BinOpKind::ScOr) => {
            let op = if matches!(b.op, ast::BinOpKind::ScAnd) {
                "and"
            } else {
                "or"
            };
            let (left, right) = (emit(source, &b.left)?, emit(source, &b.right)?);
            Ok(format!("(__keep({left}) {op} {right})"))
        }
        Expr::BinOp(b) if python_function(&b.op).is_some() => {
            let function = python_function(&b.op).unwrap_or_default();
            let left = emit(source, &b.left)?;
            let right = match &b.right {
                // `'%s %s' % (a, b)`: the tuple is `%`'s arguments, not a
                // value (its items are still checked).
                Expr::List(l) if is_tuple(source, l) && matches!(b.op, ast::BinOpKind::Rem) => {
                    let (start, end) = full(&b.right, source);
                    splice(source, start, end, l.items.iter(), &[])?
                }
                right => emit(source, right)?,
            };
            Ok(match b.op {
                // `%` formats text: a tuple is the arguments, anything
                // else one argument.
                ast::BinOpKind::Rem => {
                    let tuple = matches!(&b.right, Expr::List(l) if is_tuple(source, l));
                    format!("{function}({left}, {right}, {tuple})")
                }
                ast::BinOpKind::Lt => format!("{function}({left}, {right}, \"<\")"),
                ast::BinOpKind::Lte => format!("{function}({left}, {right}, \"<=\")"),
                ast::BinOpKind::Gt => format!("{function}({left}, {right}, \">\")"),
                ast::BinOpKind::Gte => format!("{function}({left}, {right}, \">=\")"),
                ast::BinOpKind::Add => format!("{function}(({left}) + ({right}))"),
                ast::BinOpKind::Sub => format!("{function}(({left}) - ({right}))"),
                ast::BinOpKind::Eq => format!("{function}({left}, {right}, false)"),
                ast::BinOpKind::Ne => format!("{function}({left}, {right}, true)"),
                _ => format!("{function}({left}, {right})"),
            })
        }
        // `a < b == c`: Python's `a < b and b == c` (each operand is
        // computed without side effects, so `b` may be computed twice).
        Expr::Compare(c) => {
            let mut operands = vec![emit(source, &c.expr)?];
            for o in &c.ops {
                operands.push(emit(source, &o.expr)?);
            }
            let parts: Vec<String> = c
                .ops
                .iter()
                .zip(operands.windows(2))
                .map(|(o, pair)| compare(&o.op, &pair[0], &pair[1]))
                .collect();
            Ok(format!("({})", parts.join(" and ")))
        }
        Expr::Slice(s) => {
            let part = |e: &Option<Expr<'_>>| match e {
                Some(e) => emit(source, e),
                None => Ok("none".to_string()),
            };
            Ok(format!(
                "__slice({}, {}, {}, {})",
                emit(source, &s.expr)?,
                part(&s.start)?,
                part(&s.stop)?,
                part(&s.step)?
            ))
        }
        Expr::List(l) if is_tuple(source, l) => Err(
            "a tuple (`(1, 2)`, `()`) is not supported by sshfleet: Python's tuple is not a list (`(1, 2) == [1, 2]` is False, it prints as `(1, 2)`); write a list `[1, 2]`"
                .to_string(),
        ),
        // Python keeps a key as its type (`{1: 'a', true: 'c'}` is one
        // key, `{1: 'a', '1': 'b'}` two): only quoted text keys are read.
        Expr::Map(m)
            if m.keys.iter().any(
                |k| !matches!(k, Expr::Const(c) if c.value.kind() == ValueKind::String),
            ) =>
        {
            Err("a mapping literal with a key that is not quoted text (`{1: 'a'}`, a variable as a key) is not supported by sshfleet: Python keeps a key as its type (1, 1.0 and true are one key, 1 and '1' two), which sshfleet does not; quote the key".to_string())
        }
        Expr::UnaryOp(u) if matches!(u.op, ast::UnaryOpKind::Neg) => {
            Ok(format!("__neg({})", emit(source, &u.expr)?))
        }
        // `a not in b`: minijinja's `not` around `a in b`, written
        // without a `not` of its own in front (`not x` and `x is not t`
        // are copied with their operand rewritten, below).
        Expr::UnaryOp(u)
            if matches!(&u.expr, Expr::BinOp(b) if matches!(b.op, ast::BinOpKind::In))
                && !written_not(source, u.span().start_offset as usize) =>
        {
            Ok(format!("(not ({}))", emit(source, &u.expr)?))
        }
        Expr::GetAttr(g) => Ok(format!("__attr({}, {:?})", emit(source, &g.expr)?, g.name)),
        Expr::GetItem(g) => Ok(format!(
            "__item({}, {})",
            emit(source, &g.expr)?,
            emit(source, &g.subscript_expr)?
        )),
        // A method call: minijinja's, on the rewritten receiver.
        Expr::Call(c) if matches!(&c.expr, Expr::GetAttr(_)) => {
            let Expr::GetAttr(g) = &c.expr else {
                return Err("method call out of place".to_string());
            };
            let name_end = g.span().end_offset as usize;
            let (_, end) = full(expr, source);
            let mut out = format!("({}).{}", emit(source, &g.expr)?, g.name);
            let args: Vec<&Expr<'_>> = c.args.iter().map(arg_expr).collect();
            out.push_str(&splice(source, name_end, end, args.iter().copied(), &args)?);
            Ok(out)
        }
        other => {
            let (start, end) = full(other, source);
            let args: Vec<&Expr<'_>> = match other {
                // `default(nope)` gives back its undefined argument.
                Expr::Filter(f) if !matches!(f.name, "default" | "d") => {
                    f.args.iter().map(arg_expr).collect()
                }
                Expr::Test(t) => t.args.iter().map(arg_expr).collect(),
                Expr::Call(c) => c.args.iter().map(arg_expr).collect(),
                _ => Vec::new(),
            };
            splice(source, start, end, children(other).into_iter(), &args)
        }
    }
}

/// `source[start..end]` with each of `parts` (inside it, in order)
/// replaced by its rewritten text.
/// An argument (`wrapped`) is checked to be defined (`__def`): minijinja
/// passes an undefined argument as a missing one (`join(nope)` would join
/// with ''), Ansible fails.
fn splice<'s, 'a: 's>(
    source: &str,
    start: usize,
    end: usize,
    parts: impl Iterator<Item = &'s Expr<'a>>,
    wrapped: &[&'s Expr<'a>],
) -> Result<String, String> {
    let mut out = String::new();
    let mut copied = start;
    for part in parts {
        let (s, e) = full(part, source);
        if s < copied || e > end {
            return Err("template expression out of place".to_string());
        }
        out.push_str(source.get(copied..s).ok_or("template out of place")?);
        if wrapped.iter().any(|w| std::ptr::eq(*w, part)) {
            out.push_str(&format!("__def({})", emit(source, part)?));
        } else {
            out.push_str(&emit(source, part)?);
        }
        copied = e;
    }
    out.push_str(source.get(copied..end).ok_or("template out of place")?);
    Ok(out)
}

/// The table's functions, registered where the filters are.
pub(super) fn register(env: &mut minijinja::Environment<'_>) {
    env.add_function("__cat", cat);
    env.add_function("__def", |v: J| -> Result<J, Error> {
        if v.is_undefined() {
            Err(undefined())
        } else if v.is_none() {
            // minijinja passes `none` to a parameter that may be left out
            // as a missing argument (`join(none)` joins with '',
            // `int(default=none)` gives 0); Python passes None
            // (`opsNonex`, `None`).
            Err(refuse(
                "a `none` argument to a filter, test or function is read as a missing argument by sshfleet, not as None as Ansible reads it"
                    .to_string(),
            ))
        } else {
            Ok(v)
        }
    });
    env.add_function("__mod", super::pyops::modulo);
    env.add_function("__div", super::pyops::div);
    env.add_function("__floordiv", super::pyops::floordiv);
    env.add_function("__pow", super::pyops::pow);
    env.add_function("__mul", super::pyops::mul);
    env.add_function("__order", super::pyops::order);
    env.add_function("__in", super::pyops::contains);
    env.add_function("__neg", super::pyops::neg);
    env.add_function("__slice", super::pyops::slice);
    env.add_function("__eq", |a: J, b: J, negate: bool| {
        super::pyops::py_eq(&valid(a)?, &valid(b)?).map(|eq| eq != negate)
    });
    env.add_function("__attr", attr);
    env.add_function("__item", item);
    env.add_function("__keep", |v: J| v);
    env.add_function("__i64", i64_only);
}

/// A value a lookup gave that holds an error (a variable that cannot be
/// rendered) as that error.
fn valid(value: J) -> Result<J, Error> {
    if value.kind() != ValueKind::Invalid {
        return Ok(value);
    }
    // minijinja keeps the error inside; its text is
    // `<invalid value: KIND: DETAIL>`.
    let text = value.to_string();
    let inner = text
        .strip_prefix("<invalid value: ")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(&text);
    let detail = inner.split_once(": ").map_or(inner, |(_, d)| d);
    Err(Error::new(ErrorKind::InvalidOperation, detail.to_string()))
}

/// A number as it came, when Python's exact integer is one sshfleet
/// holds: minijinja keeps `+`, `-`, `*` of integers exact to 128 bits,
/// Python without bound; beyond 64 bits sshfleet refuses, as everywhere.
/// A text or a list that `+` joined is bounded as `*` repeats one: each
/// operand is within the bound, so the sum is at most twice it before it
/// is refused, and no chain of `+` grows beyond.
fn i64_only(value: J) -> Result<J, Error> {
    if value.is_integer() && value.as_i64().is_none() {
        return Err(refuse(format!(
            "the integer {value} is beyond 64 bits, which sshfleet does not compute (Python's integers are unbounded)"
        )));
    }
    let (what, most) = match value.kind() {
        ValueKind::String => ("text", MAX_OUTPUT),
        ValueKind::Seq | ValueKind::Iterable => ("list", super::pyops::MAX_ITEMS),
        _ => return Ok(value),
    };
    let len = value
        .as_str()
        .map_or_else(|| value.len().unwrap_or(0), str::len);
    if len > most {
        return Err(refuse(format!(
            "`+`: the joined {what} would be longer than {most}, the most a template may build"
        )));
    }
    Ok(value)
}

fn undefined() -> Error {
    Error::new(ErrorKind::UndefinedError, "undefined value")
}

/// `a ~ b`: Python's `str()` of each, joined.
fn cat(a: J, b: J) -> Result<J, Error> {
    if a.is_undefined() || b.is_undefined() {
        return Err(undefined());
    }
    let mut out = py_str(&valid(a)?)?;
    out.push_str(&py_str(&valid(b)?)?);
    if out.len() > MAX_OUTPUT {
        return Err(refuse(format!(
            "~: the text would be longer than {MAX_OUTPUT} bytes, the most a template may render to"
        )));
    }
    Ok(J::from(out))
}

/// Public attributes of Python's types that Jinja2's `x.name` (and
/// `x['name']` of a missing key) finds before undefined: minijinja has
/// none of them, so each is refused rather than read as undefined.
pub(super) const PY_ATTRS: &[(ValueKind, &[&str])] = &[
    (
        ValueKind::Map,
        &[
            "clear",
            "copy",
            "fromkeys",
            "get",
            "items",
            "keys",
            "pop",
            "popitem",
            "setdefault",
            "update",
            "values",
        ],
    ),
    (
        ValueKind::Seq,
        &[
            "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove",
            "reverse", "sort",
        ],
    ),
    (
        ValueKind::String,
        &[
            "capitalize",
            "casefold",
            "center",
            "count",
            "encode",
            "endswith",
            "expandtabs",
            "find",
            "format",
            "format_map",
            "index",
            "isalnum",
            "isalpha",
            "isascii",
            "isdecimal",
            "isdigit",
            "isidentifier",
            "islower",
            "isnumeric",
            "isprintable",
            "isspace",
            "istitle",
            "isupper",
            "join",
            "ljust",
            "lower",
            "lstrip",
            "maketrans",
            "partition",
            "removeprefix",
            "removesuffix",
            "replace",
            "rfind",
            "rindex",
            "rjust",
            "rpartition",
            "rsplit",
            "rstrip",
            "split",
            "splitlines",
            "startswith",
            "strip",
            "swapcase",
            "title",
            "translate",
            "upper",
            "zfill",
        ],
    ),
    (
        ValueKind::Number,
        &[
            "as_integer_ratio",
            "bit_count",
            "bit_length",
            "conjugate",
            "denominator",
            "from_bytes",
            "fromhex",
            "hex",
            "imag",
            "is_integer",
            "numerator",
            "real",
            "to_bytes",
        ],
    ),
    (
        ValueKind::Bool,
        &[
            "as_integer_ratio",
            "bit_count",
            "bit_length",
            "conjugate",
            "denominator",
            "from_bytes",
            "imag",
            "numerator",
            "real",
            "to_bytes",
        ],
    ),
];

fn py_attr_refused(base: &J, name: &str) -> Result<(), Error> {
    let known = PY_ATTRS
        .iter()
        .any(|(kind, names)| *kind == base.kind() && names.contains(&name));
    if known {
        return Err(refuse(format!(
            "the attribute `.{name}` of {} is Python's (a method or number) in Ansible, which sshfleet does not have",
            py_repr(base)
        )));
    }
    Ok(())
}

/// `x.name` as Ansible: undefined of undefined (chainable), else the
/// value's item.
fn attr(base: J, name: String) -> Result<J, Error> {
    let base = valid(base)?;
    if base.is_undefined() {
        return Ok(J::UNDEFINED);
    }
    py_attr_refused(&base, &name)?;
    valid(base.get_item(&J::from(name))?)
}

/// `x[key]` as Ansible: undefined of undefined (chainable), else the
/// item (a missing key falls back to Python's attribute).
fn item(base: J, key: J) -> Result<J, Error> {
    let base = valid(base)?;
    let key = valid(key)?;
    if base.is_undefined() {
        return Ok(J::UNDEFINED);
    }
    if key.is_undefined() {
        return Err(undefined());
    }
    let found = valid(super::pyops::get_item(&base, &key)?)?;
    if found.is_undefined()
        && let Some(name) = key.as_str()
    {
        py_attr_refused(&base, name)?;
    }
    Ok(found)
}
