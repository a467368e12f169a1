//! Every operator a template may use, with an operand of each type a
//! variable can hold, renders as ansible-core 2.19 renders it (issue 25:
//! `nul[1:]`, `lst[1.0] | default('D')`, `'abc'[1.0:]`, `nul in 'None'`,
//! `5 in 'x5'` and `tags in 'a,b'` are errors or other values there):
//! the table `operators.txt` is what Ansible's Templar makes of each
//! expression (`tests/inventories/operators.py` writes it; the
//! integration test `lookup_and_filter_argument_tables_are_ansibles`
//! checks it against the ansible-core on PATH). An Ansible error must be
//! an sshfleet error, an undefined value undefined (`| default` applies
//! to it and to nothing else), an Ansible value sshfleet's value, or one
//! of the refusals listed below, each with its reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use minijinja::machinery::ast::{self, Expr};

use serde_json::{Value, json};

use super::template::Templar;

const TABLE: &str = include_str!("operators.txt");

/// Where sshfleet refuses what Ansible computes: (operator, left operand,
/// right operand or index), `*` any, and why.
const REFUSED: &[(&str, &str, &str, &str)] = &[
    (
        "*",
        "big",
        "*",
        "an integer beyond 64 bits, or one beyond 2**53 made a float: refused (README), Python's integers are unbounded",
    ),
    ("*", "*", "big", "as above"),
    ("*", "9223372036854775807", "*", "as above"),
    (
        "%",
        "*",
        "l0",
        "Python formats text with a list, mapping or Ansible's undefined as a mapping of arguments (`'x' % []` is 'x'): refused",
    ),
    ("%", "*", "l2", "as above"),
    ("%", "*", "d1", "as above"),
    ("%", "*", "nope", "as above"),
    (
        "+a",
        "*",
        "*",
        "minijinja has no unary `+`: a syntax error, where Jinja2 gives the number",
    ),
    (
        "*",
        "*",
        "{1: 'x'}",
        "a mapping literal with a key that is not quoted text: refused (README), Python keeps a key as its type",
    ),
    ("*", "{1: 'x'}", "*", "as above"),
];

fn refused(op: &str, a: &str, b: &str) -> Option<&'static str> {
    REFUSED
        .iter()
        .find(|(o, x, y, _)| {
            (*o == "*" || *o == op) && (*x == "*" || *x == a) && (*y == "*" || *y == b)
        })
        .map(|r| r.3)
}

/// sshfleet's value as the table writes Python's: a float as its repr, a
/// mapping under `m`.
fn plain(v: &Value) -> Value {
    match v {
        Value::Number(n) if n.is_f64() => json!({"f": super::jinja::py_float(n.as_f64().unwrap())}),
        Value::Array(items) => Value::Array(items.iter().map(plain).collect()),
        Value::Object(map) => {
            json!({"m": map.iter().map(|(k, v)| json!([k, plain(v)])).collect::<Vec<_>>()})
        }
        other => other.clone(),
    }
}

struct Row {
    op: &'static str,
    a: &'static str,
    b: &'static str,
    expr: &'static str,
    want: &'static str,
}

/// The sample variables (`S` lines) and the rows.
fn table() -> (BTreeMap<String, serde_yaml::Value>, Vec<Row>) {
    let mut vars = BTreeMap::new();
    let mut rows = Vec::new();
    for line in TABLE.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&'static str> = line.split('\t').collect();
        if f[0] == "S" {
            vars.insert(f[1].to_string(), serde_yaml::from_str(f[2]).unwrap());
        } else {
            rows.push(Row {
                op: f[0],
                a: f[2],
                b: f[3],
                expr: f[4],
                want: f[5],
            });
        }
    }
    (vars, rows)
}

/// Each expression rendered as the only template of a host with the
/// samples as its variables, alone and under `| default('D')`.
fn render_all(
    vars: &BTreeMap<String, serde_yaml::Value>,
    exprs: &[String],
) -> Vec<Result<Value, String>> {
    let mut all = vars.clone();
    for (i, expr) in exprs.iter().enumerate() {
        all.insert(
            format!("row{i}"),
            serde_yaml::Value::from(format!("{{{{ {expr} }}}}")),
        );
    }
    let templar = Templar::new("h", &[], &super::HostVars::from(&all), None, None);
    (0..exprs.len())
        .map(|i| {
            templar
                .var(&format!("row{i}"))
                .map(|v| plain(&v.expect("set")))
        })
        .collect()
}

#[test]
fn every_operator_computes_what_ansible_computes() {
    let (vars, rows) = table();
    let alone: Vec<String> = rows.iter().map(|r| r.expr.to_string()).collect();
    let defaulted: Vec<String> = rows
        .iter()
        .map(|r| format!("({}) | default('D')", r.expr))
        .collect();
    let (alone, defaulted) = (render_all(&vars, &alone), render_all(&vars, &defaulted));
    let mut wrong = Vec::new();
    for ((row, got), got_d) in rows.iter().zip(&alone).zip(&defaulted) {
        let listed = refused(row.op, row.a, row.b).is_some();
        let ok = match (row.want, got, got_d) {
            // Ansible fails, also under `default`.
            ("E", Err(_), Err(_)) => true,
            // Undefined: fails alone, `D` under `default` (or refused).
            ("U", Err(_), Ok(d)) => *d == json!("D"),
            ("U", Err(_), Err(_)) => listed,
            (want, Ok(got), _) if want.starts_with("V ") => {
                *got == serde_json::from_str::<Value>(&want[2..]).unwrap()
            }
            (want, Err(_), _) if want.starts_with("V ") => listed,
            _ => false,
        };
        if !ok {
            wrong.push(format!(
                "{}: Ansible {}, sshfleet {got:?} (under default {got_d:?})",
                row.expr, row.want
            ));
        }
    }
    assert!(rows.len() > 3000, "the table is short: {}", rows.len());
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Every operator of minijinja's expression grammar as sshfleet accepts
/// it, by the name [`operators_of`] gives it. A binary operator added to
/// minijinja fails to compile in [`binop`] until it is named there and
/// listed here; a name listed here without rows in the generated table
/// fails [`every_operator_of_the_grammar_has_generated_rows`].
const GRAMMAR: &[&str] = &[
    "==", "!=", "<", "<=", ">", ">=", "and", "or", "+", "-", "*", "/", "//", "%", "**", "~", "in",
    "not in", "not", "-a", "+a", "chain", "a[b]", "a.1", "a.name", "if", "[b:]", "[:c]", "[::d]",
    "[b:c]", "[:]",
];

fn binop(op: &ast::BinOpKind) -> &'static str {
    use ast::BinOpKind as B;
    match op {
        B::Eq => "==",
        B::Ne => "!=",
        B::Lt => "<",
        B::Lte => "<=",
        B::Gt => ">",
        B::Gte => ">=",
        B::ScAnd => "and",
        B::ScOr => "or",
        B::Add => "+",
        B::Sub => "-",
        B::Mul => "*",
        B::Div => "/",
        B::FloorDiv => "//",
        B::Rem => "%",
        B::Pow => "**",
        B::Concat => "~",
        B::In => "in",
    }
}

/// The operators `expr` (written as `source`) uses, by their names in
/// [`GRAMMAR`]; filters, tests, calls and literals are not operators
/// (`filter_args.txt` has the filters).
fn operators_of(source: &str, expr: &Expr<'_>, out: &mut BTreeSet<&'static str>) {
    let mut walk = |e: &Expr<'_>| operators_of(source, e, out);
    match expr {
        Expr::Var(_) | Expr::Const(_) => {}
        Expr::BinOp(b) => {
            walk(&b.left);
            walk(&b.right);
            out.insert(binop(&b.op));
        }
        Expr::UnaryOp(u) => {
            walk(&u.expr);
            let written_not = source[u.span().start_offset as usize..].starts_with("not");
            out.insert(match u.op {
                ast::UnaryOpKind::Neg => "-a",
                ast::UnaryOpKind::Not if written_not => "not",
                ast::UnaryOpKind::Not => "not in",
            });
        }
        Expr::Compare(c) => {
            walk(&c.expr);
            c.ops.iter().for_each(|o| walk(&o.expr));
            out.insert("chain");
        }
        Expr::IfExpr(i) => {
            walk(&i.test_expr);
            walk(&i.true_expr);
            i.false_expr.iter().for_each(walk);
            out.insert("if");
        }
        Expr::GetAttr(g) => {
            walk(&g.expr);
            out.insert("a.name");
        }
        Expr::GetItem(g) => {
            walk(&g.expr);
            walk(&g.subscript_expr);
            let at = match &g.subscript_expr {
                Expr::Const(c) => c.span().start_offset as usize,
                _ => 0,
            };
            let dotted = at > 0 && source.as_bytes()[at - 1] == b'.';
            out.insert(if dotted { "a.1" } else { "a[b]" });
        }
        Expr::Slice(s) => {
            walk(&s.expr);
            for part in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                walk(part);
            }
            out.insert(
                match (s.start.is_some(), s.stop.is_some(), s.step.is_some()) {
                    (false, false, false) => "[:]",
                    (true, true, _) => "[b:c]",
                    (true, _, _) => "[b:]",
                    (_, true, _) => "[:c]",
                    (_, _, true) => "[::d]",
                },
            );
        }
        Expr::Filter(f) => f.expr.iter().for_each(walk),
        Expr::Test(t) => walk(&t.expr),
        Expr::Call(c) => walk(&c.expr),
        Expr::List(l) => l.items.iter().for_each(walk),
        Expr::Map(m) => m.keys.iter().chain(m.values.iter()).for_each(walk),
    }
}

/// An operator of the grammar without rows in the generated table fails
/// here: add it to `tests/inventories/operators.py`. (Unary `+` is no
/// operator to minijinja: its rows are named by the table.)
#[test]
fn every_operator_of_the_grammar_has_generated_rows() {
    let (_, rows) = table();
    let mut seen = BTreeSet::new();
    for row in &rows {
        match minijinja::machinery::parse_expr(row.expr) {
            Ok(expr) => operators_of(row.expr, &expr, &mut seen),
            Err(_) if row.op == "+a" => {
                seen.insert("+a");
            }
            Err(e) => panic!("{}: {e}", row.expr),
        }
    }
    let missing: Vec<&&str> = GRAMMAR.iter().filter(|g| !seen.contains(*g)).collect();
    let unnamed: Vec<&&str> = seen.iter().filter(|s| !GRAMMAR.contains(s)).collect();
    assert!(
        missing.is_empty() && unnamed.is_empty(),
        "no generated rows for {missing:?}; not in GRAMMAR: {unnamed:?}"
    );
}

/// `not` in its three spellings: `a not in b` (minijinja's `not` around
/// `a in b`), `not x`, and `x is not test`, each negated once.
#[test]
fn each_not_negates_once() {
    let vars: BTreeMap<String, serde_yaml::Value> = serde_yaml::from_str(
        "nothing: a\nl: [a]\n\
         a: \"{{ nothing not in l }}\"\n\
         b: \"{{ not nothing in l }}\"\n\
         c: \"{{ nope is not defined }}\"\n\
         d: \"{{ 'y' if nothing not in l else 'n' }}\"\n\
         e: \"{{ nothing is not defined or 'b' not in l }}\"\n",
    )
    .unwrap();
    let templar = Templar::new("h", &[], &super::HostVars::from(&vars), None, None);
    for (name, want) in [
        ("a", json!(false)),
        ("b", json!(false)),
        ("c", json!(true)),
        ("d", json!("n")),
        ("e", json!(true)),
    ] {
        assert_eq!(templar.var(name).unwrap(), Some(want), "{name}");
    }
}
