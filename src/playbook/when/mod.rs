//! The condition language of playbook steps (`when:`), e.g.
//! `finding.ecs-token-403 or (proactive and asyncos_version >= 15.0)`.

mod parse;
mod version;

use std::cmp::Ordering;

pub(crate) use version::{compare_versions, is_version};

/// A value a condition can see.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// Where a condition looks names up.
pub(crate) trait Scope {
    /// `None` when the name is not defined.
    fn lookup(&self, name: &str) -> Option<Value>;
}

/// Errors parsing or evaluating a condition.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum WhenError {
    #[error("invalid condition at column {column}: {message}")]
    Syntax { column: usize, message: String },
    #[error("`{name}` is not defined")]
    Undefined { name: String },
    #[error("cannot compare {left:?} with {right:?}")]
    Incomparable { left: String, right: String },
}

/// A parsed condition.
///
/// Grammar, loosest first (so `not` binds tighter than a comparison, as in
/// C's `!`: `not a == b` is `(not a) == b`):
///
/// ```text
/// or      := and ( "or" and )*
/// and     := compare ( "and" compare )*
/// compare := unary ( ("==" | "!=" | "<" | "<=" | ">" | ">=") unary )?
/// unary   := "not" unary | primary
/// primary := "(" or ")" | "defined" "(" NAME ")" | "true" | "false"
///          | NUMBER | VERSION | STRING | NAME
/// ```
///
/// Comparisons do not chain (`a < b < c` is a syntax error).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    source: String,
    expr: Expr,
}

impl Condition {
    pub(crate) fn parse(source: &str) -> Result<Condition, WhenError> {
        let expr = parse::parse(source)?;
        Ok(Condition {
            source: source.to_string(),
            expr,
        })
    }

    /// The text the condition was parsed from.
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// Every variable name the condition reads, for load-time validation.
    ///
    /// In order of first appearance, without duplicates; names only tested
    /// with `defined(...)` are included.
    pub(crate) fn names(&self) -> Vec<String> {
        let mut names = Vec::new();
        self.expr.collect_names(&mut names);
        names
    }

    /// Evaluate against `scope`. `and`/`or` short-circuit, so
    /// `defined(x) and x >= 15` never looks `x` up when it is undefined.
    pub(crate) fn eval(&self, scope: &dyn Scope) -> Result<bool, WhenError> {
        self.expr.eval_bool(scope)
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for Condition {
    type Err = WhenError;

    fn from_str(source: &str) -> Result<Self, Self::Err> {
        Condition::parse(source)
    }
}

// ---------------------------------------------------------------------------
// Syntax tree

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Literal(Literal),
    Name(String),
    Defined(String),
    Not(Box<Expr>),
    /// Two or more operands, evaluated left to right until one is false.
    And(Vec<Expr>),
    /// Two or more operands, evaluated left to right until one is true.
    Or(Vec<Expr>),
    Compare(Box<Expr>, CmpOp, Box<Expr>),
}

/// A literal value plus, for numbers and versions, the text it was written
/// as (so `7.10` stays a version bigger than `7.2`, not the float `7.1`).
#[derive(Debug, Clone, PartialEq)]
struct Literal {
    value: Value,
    written: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    fn holds(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
        }
    }
}

impl Expr {
    fn collect_names(&self, out: &mut Vec<String>) {
        match self {
            Expr::Literal(_) => {}
            Expr::Name(name) | Expr::Defined(name) => {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
            Expr::Not(inner) => inner.collect_names(out),
            Expr::And(operands) | Expr::Or(operands) => {
                for operand in operands {
                    operand.collect_names(out);
                }
            }
            Expr::Compare(a, _, b) => {
                a.collect_names(out);
                b.collect_names(out);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Evaluation

impl Value {
    /// Truthiness of a value in boolean position.
    ///
    /// Bool as is; Number when non-zero; Text by [`Value::text_as_bool`],
    /// any other non-empty text being true.
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0.0,
            Value::Text(text) => Value::text_as_bool(text).unwrap_or(true),
        }
    }

    /// The boolean a text spells, if it spells one: `true`/`yes`/`on`/`1`
    /// and `false`/`no`/`off`/`0`/empty, case-insensitive, ignoring
    /// surrounding whitespace.
    pub(crate) fn text_as_bool(text: &str) -> Option<bool> {
        match text.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Some(true),
            "false" | "no" | "off" | "0" | "" => Some(false),
            _ => None,
        }
    }

    /// The value as plain text, as used in error messages.
    fn render(&self) -> String {
        match self {
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Text(text) => text.clone(),
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

impl<S: std::hash::BuildHasher> Scope for std::collections::HashMap<String, Value, S> {
    fn lookup(&self, name: &str) -> Option<Value> {
        self.get(name).cloned()
    }
}

impl Scope for std::collections::BTreeMap<String, Value> {
    fn lookup(&self, name: &str) -> Option<Value> {
        self.get(name).cloned()
    }
}

/// A comparison operand: its value and, for number/version literals, the
/// text it was written as.
struct Operand {
    value: Value,
    written: Option<String>,
}

impl Operand {
    /// The operand as a version string, if it is one: a Text that looks
    /// like a version, a number literal as written, or a non-negative finite
    /// Number as Rust prints it (`15.0` prints as `15`).
    fn version(&self) -> Option<String> {
        let text = match (&self.written, &self.value) {
            (Some(written), _) => written.clone(),
            (None, Value::Text(text)) => text.clone(),
            (None, Value::Number(n)) if n.is_finite() && *n >= 0.0 => n.to_string(),
            (None, _) => return None,
        };
        is_version(&text).then_some(text)
    }
}

fn lookup(scope: &dyn Scope, name: &str) -> Result<Value, WhenError> {
    scope.lookup(name).ok_or_else(|| WhenError::Undefined {
        name: name.to_string(),
    })
}

impl Expr {
    fn eval_bool(&self, scope: &dyn Scope) -> Result<bool, WhenError> {
        match self {
            Expr::Literal(literal) => Ok(literal.value.truthy()),
            Expr::Name(name) => Ok(lookup(scope, name)?.truthy()),
            Expr::Defined(name) => Ok(scope.lookup(name).is_some()),
            Expr::Not(inner) => Ok(!inner.eval_bool(scope)?),
            Expr::And(operands) => {
                for operand in operands {
                    if !operand.eval_bool(scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Expr::Or(operands) => {
                for operand in operands {
                    if operand.eval_bool(scope)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Expr::Compare(a, op, b) => {
                let left = a.operand(scope)?;
                let right = b.operand(scope)?;
                compare(&left, *op, &right)
            }
        }
    }

    /// The value of a comparison operand: names are looked up as is, and
    /// anything boolean (`not x`, `(a and b)`, `defined(x)`) is a Bool.
    fn operand(&self, scope: &dyn Scope) -> Result<Operand, WhenError> {
        Ok(match self {
            Expr::Literal(literal) => Operand {
                value: literal.value.clone(),
                written: literal.written.clone(),
            },
            Expr::Name(name) => Operand {
                value: lookup(scope, name)?,
                written: None,
            },
            other => Operand {
                value: Value::Bool(other.eval_bool(scope)?),
                written: None,
            },
        })
    }
}

/// Versions first, then numbers, then (for `==`/`!=` only) plain equality.
fn compare(left: &Operand, op: CmpOp, right: &Operand) -> Result<bool, WhenError> {
    if let (Some(a), Some(b)) = (left.version(), right.version())
        && let Some(ord) = compare_versions(&a, &b)
    {
        return Ok(op.holds(ord));
    }
    if let (Value::Number(a), Value::Number(b)) = (&left.value, &right.value)
        && let Some(ord) = a.partial_cmp(b)
    {
        return Ok(op.holds(ord));
    }
    match op {
        CmpOp::Eq => Ok(loosely_equal(&left.value, &right.value)),
        CmpOp::Ne => Ok(!loosely_equal(&left.value, &right.value)),
        CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => Err(WhenError::Incomparable {
            left: left.value.render(),
            right: right.value.render(),
        }),
    }
}

/// Equality once version and numeric comparison did not apply: texts
/// exactly, a Bool against anything by that thing's boolean meaning (a text
/// must spell a boolean, so `true == "banana"` is false), numbers against
/// texts by their printed form. NaN equals nothing.
fn loosely_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Bool(x), Value::Text(t)) | (Value::Text(t), Value::Bool(x)) => {
            Value::text_as_bool(t) == Some(*x)
        }
        (Value::Bool(x), Value::Number(n)) | (Value::Number(n), Value::Bool(x)) => {
            !n.is_nan() && (*n != 0.0) == *x
        }
        (Value::Text(x), Value::Text(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Number(n), Value::Text(t)) | (Value::Text(t), Value::Number(n)) => {
            !n.is_nan() && n.to_string() == *t
        }
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::parse::MAX_NESTING;
    use super::*;
    use std::collections::HashMap;

    fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    fn scope(pairs: &[(&str, Value)]) -> HashMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn eval_in(source: &str, scope: &HashMap<String, Value>) -> Result<bool, WhenError> {
        Condition::parse(source)
            .unwrap_or_else(|e| panic!("{source:?} should parse: {e}"))
            .eval(scope)
    }

    fn truth(source: &str, scope: &HashMap<String, Value>) -> bool {
        eval_in(source, scope).unwrap_or_else(|e| panic!("{source:?} should evaluate: {e}"))
    }

    /// Evaluate a condition that only uses literals.
    fn lit(source: &str) -> bool {
        truth(source, &HashMap::new())
    }

    fn syntax_error(source: &str) -> (usize, String) {
        match Condition::parse(source) {
            Err(WhenError::Syntax { column, message }) => (column, message),
            other => panic!("{source:?} should be a syntax error, got {other:?}"),
        }
    }

    fn names(source: &str) -> Vec<String> {
        match Condition::parse(source) {
            Ok(c) => c.names(),
            Err(e) => panic!("{source:?} should parse: {e}"),
        }
    }

    mod precedence {
        use super::*;

        /// Evaluate `source` for every assignment of booleans to a, b, c
        /// and check it against `expected`.
        fn same_as(source: &str, expected: impl Fn(bool, bool, bool) -> bool) {
            for bits in 0..8u8 {
                let (a, b, c) = (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
                let s = scope(&[
                    ("a", Value::Bool(a)),
                    ("b", Value::Bool(b)),
                    ("c", Value::Bool(c)),
                ]);
                assert_eq!(
                    truth(source, &s),
                    expected(a, b, c),
                    "{source:?} with a={a} b={b} c={c}"
                );
            }
        }

        #[test]
        fn and_binds_tighter_than_or() {
            same_as("a or b and c", |a, b, c| a || (b && c));
            same_as("a and b or c", |a, b, c| (a && b) || c);
        }

        #[test]
        fn not_binds_tighter_than_and_and_or() {
            same_as("not a and b", |a, b, _| !a && b);
            same_as("not a or b", |a, b, _| !a || b);
            same_as("a or not b and c", |a, b, c| a || (!b && c));
            same_as("not not a", |a, _, _| a);
        }

        #[test]
        fn parentheses_override() {
            same_as("(a or b) and c", |a, b, c| (a || b) && c);
            same_as("not (a and b)", |a, b, _| !(a && b));
            same_as("((a))", |a, _, _| a);
        }

        #[test]
        fn comparison_binds_tighter_than_and_and_or() {
            same_as("a == b and c", |a, b, c| (a == b) && c);
            same_as("a or b != c", |a, b, c| a || (b != c));
            same_as("a == (b and c)", |a, b, c| a == (b && c));
        }

        #[test]
        fn not_binds_looser_than_comparison() {
            // Python/Jinja: `not x == 'abc'` is `not (x == 'abc')`.
            let s = scope(&[("x", text("xyz"))]);
            assert!(truth("not x == 'abc'", &s));
            assert!(!truth("not x == 'xyz'", &s));
            assert!(truth("(not x) == false", &s));
            let v = scope(&[("version", text("14.2.0-620"))]);
            assert!(truth("not version >= 15.0", &v));
        }

        #[test]
        fn and_or_chain_left_to_right() {
            same_as("a and b and c", |a, b, c| a && b && c);
            same_as("a or b or c", |a, b, c| a || b || c);
        }
    }

    mod operators {
        use super::*;

        #[test]
        fn numbers() {
            let s = scope(&[("n", Value::Number(15.0))]);
            for (source, expected) in [
                ("n == 15", true),
                ("n == 15.0", true),
                ("n != 15", false),
                ("n != 16", true),
                ("n < 16", true),
                ("n < 15", false),
                ("n <= 15", true),
                ("n <= 14", false),
                ("n > 14", true),
                ("n > 15", false),
                ("n >= 15", true),
                ("n >= 16", false),
                ("15 == n", true),
                ("16 > n", true),
            ] {
                assert_eq!(truth(source, &s), expected, "{source}");
            }
        }

        #[test]
        fn numbers_that_are_not_versions_compare_numerically() {
            let s = scope(&[("neg", Value::Number(-2.5)), ("half", Value::Number(0.5))]);
            assert!(truth("neg < 0", &s));
            assert!(truth("neg < half", &s));
            assert!(truth("half > neg", &s));
            assert!(truth("neg != half", &s));
            assert!(truth("neg == neg", &s));
        }

        #[test]
        fn nan_equals_nothing_and_does_not_order() {
            let s = scope(&[("nan", Value::Number(f64::NAN))]);
            assert!(!truth("nan == nan", &s));
            assert!(truth("nan != 1", &s));
            assert!(matches!(
                eval_in("nan < 1", &s),
                Err(WhenError::Incomparable { .. })
            ));
        }

        #[test]
        fn strings() {
            let s = scope(&[("mode", text("cluster")), ("empty", text(""))]);
            assert!(truth("mode == 'cluster'", &s));
            assert!(truth("mode == \"cluster\"", &s));
            assert!(truth("'cluster' == mode", &s));
            assert!(!truth("mode == 'Cluster'", &s), "text equality is exact");
            assert!(!truth("mode == ' cluster'", &s));
            assert!(truth("mode != 'standalone'", &s));
            assert!(truth("empty == ''", &s));
            assert!(truth("mode != ''", &s));
        }

        #[test]
        fn string_escapes() {
            assert!(lit(r#"'it\'s' == "it's""#));
            assert!(lit(r#""say \"hi\"" == 'say "hi"'"#));
            assert!(lit(r#"'a\\b' == "a\\b""#));
            assert!(lit(r#"'C:\dir' == "C:\\dir""#), "unknown escapes are kept");
            assert!(
                lit(r#"'a and (b' == "a and (b""#),
                "operators inside strings"
            );
        }

        #[test]
        fn ordering_non_versions_is_incomparable() {
            let s = scope(&[("mode", text("cluster")), ("flag", Value::Bool(true))]);
            for source in [
                "mode < 'd'",
                "mode >= 15",
                "flag > false",
                "flag <= 1",
                "'abc' < 'abd'",
                "not flag < 2",
            ] {
                assert!(
                    matches!(eval_in(source, &s), Err(WhenError::Incomparable { .. })),
                    "{source}"
                );
            }
            assert_eq!(
                eval_in("mode < 15", &s),
                Err(WhenError::Incomparable {
                    left: "cluster".to_string(),
                    right: "15".to_string(),
                })
            );
        }

        #[test]
        fn booleans_equal_texts_that_spell_them() {
            let s = scope(&[
                ("yes", text("yes")),
                ("t", text("TRUE")),
                ("off", text("off")),
                ("one", text("1")),
                ("fruit", text("banana")),
                ("b", Value::Bool(true)),
                ("n", Value::Number(2.0)),
                ("zero", Value::Number(0.0)),
            ]);
            assert!(truth("yes == true", &s));
            assert!(truth("true == t", &s));
            assert!(truth("off == false", &s));
            assert!(truth("one == true", &s));
            assert!(truth("b == 'on'", &s));
            assert!(truth("b != 'off'", &s));
            assert!(
                !truth("fruit == true", &s),
                "banana is truthy but not `true`"
            );
            assert!(!truth("fruit == false", &s));
            assert!(truth("n == true", &s));
            assert!(truth("zero == false", &s));
            assert!(truth("b == b", &s));
            assert!(truth("true != false", &s));
        }

        #[test]
        fn numbers_equal_texts_by_printed_form() {
            let s = scope(&[("neg", Value::Number(-1.0)), ("t", text("-1"))]);
            assert!(truth("neg == t", &s));
            assert!(truth("neg == '-1'", &s));
            assert!(!truth("neg == 'minus one'", &s));
        }

        #[test]
        fn comparison_operands_may_be_boolean_expressions() {
            let s = scope(&[("a", Value::Bool(true)), ("b", Value::Bool(false))]);
            assert!(truth("(a and b) == false", &s));
            assert!(truth("defined(a) == true", &s));
            assert!(truth("defined(zzz) == b", &s));
            assert!(truth("(1 < 2) == (3 < 4)", &s));
        }

        #[test]
        fn literal_in_boolean_position() {
            assert!(lit("true"));
            assert!(!lit("false"));
            assert!(lit("1"));
            assert!(!lit("0"));
            assert!(!lit("0.0"));
            assert!(lit("'x'"));
            assert!(!lit("''"));
            assert!(!lit("'no'"));
            assert!(lit("15.0.1-012"));
        }

        #[test]
        fn whitespace_is_optional_around_symbols() {
            let s = scope(&[("x", Value::Number(3.0))]);
            assert!(truth("x>=3", &s));
            assert!(truth("(x==3)and(x!=4)", &s));
            assert!(truth("  \tx  <  4\n", &s));
        }
    }

    mod version_conditions {
        use super::*;

        #[test]
        fn text_versions_against_literals() {
            for (version, at_least_15) in [
                ("15.0.1-012", true),
                ("15.0", true),
                ("15", true),
                ("15.5.0-001", true),
                ("16.0.0-100", true),
                ("14.2.0-620", false),
                ("14.99", false),
                ("9.9.9", false),
            ] {
                let s = scope(&[("v", text(version))]);
                assert_eq!(truth("v >= 15.0", &s), at_least_15, "{version} >= 15.0");
                assert_eq!(truth("v < 15", &s), !at_least_15, "{version} < 15");
            }
        }

        #[test]
        fn literal_versions() {
            assert!(lit("15.0.1-012 > 15.0"));
            assert!(lit("15.0 == 15"));
            assert!(lit("7.2.7 < 7.10"), "7.10 is a version, not the float 7.1");
            assert!(lit("7.10 > 7.2"));
            assert!(lit("7.10 != 7.1"));
            assert!(lit("15.0.1-012 == 15.0.1-12"), "leading zeros");
            assert!(lit("1.09 < 1.10"));
            assert!(lit("15.0.0 == 15"));
            assert!(lit("15.0.0-1 > 15"));
            assert!(lit("14.2.0-620 <= 15.0.1-012"));
        }

        #[test]
        fn quoted_versions_are_versions_too() {
            assert!(lit("'15.0.1-012' > '15.0'"));
            assert!(lit("\"7.2.7\" < '7.10'"));
            assert!(lit("'15.0' == 15"));
        }

        #[test]
        fn number_values_compare_as_versions() {
            let s = scope(&[("n", Value::Number(15.0)), ("v", text("15.0.1-012"))]);
            assert!(truth("v > n", &s));
            assert!(truth("n == 15.0.0", &s));
            assert!(truth("n < 15.0.1", &s));
        }

        #[test]
        fn version_against_non_version_text() {
            let s = scope(&[("v", text("unknown"))]);
            assert!(!truth("v == 15.0", &s));
            assert!(truth("v != 15.0", &s));
            assert!(matches!(
                eval_in("v >= 15.0", &s),
                Err(WhenError::Incomparable { .. })
            ));
        }
    }

    mod truthiness {
        use super::*;

        #[test]
        fn table() {
            let cases = [
                (Value::Bool(true), true),
                (Value::Bool(false), false),
                (Value::Number(1.0), true),
                (Value::Number(-3.5), true),
                (Value::Number(0.0), false),
                (Value::Number(-0.0), false),
                (text("true"), true),
                (text("True"), true),
                (text("TRUE"), true),
                (text("yes"), true),
                (text("Yes"), true),
                (text("on"), true),
                (text("ON"), true),
                (text("1"), true),
                (text("false"), false),
                (text("False"), false),
                (text("no"), false),
                (text("NO"), false),
                (text("off"), false),
                (text("Off"), false),
                (text("0"), false),
                (text(""), false),
                (text("  "), false),
                (text(" true\n"), true),
                (text("false\n"), false),
                (text("banana"), true),
                (text("00"), true),
                (text("2"), true),
                (text("nope"), true),
            ];
            for (value, expected) in cases {
                assert_eq!(value.truthy(), expected, "{value:?}");
                let s = scope(&[("x", value.clone())]);
                assert_eq!(truth("x", &s), expected, "x = {value:?}");
                assert_eq!(truth("not x", &s), !expected, "not x, x = {value:?}");
            }
        }

        #[test]
        fn extra_var_text_works_as_boolean() {
            // `-e proactive=true` arrives as Text("true").
            let on = scope(&[("proactive", text("true"))]);
            let off = scope(&[("proactive", text("false"))]);
            assert!(truth("proactive", &on));
            assert!(!truth("proactive", &off));
            assert!(truth("proactive == true", &on));
            assert!(truth("proactive != true", &off));
            assert!(truth("not proactive", &off));
        }

        #[test]
        fn undefined_name_is_an_error() {
            let s = scope(&[]);
            assert_eq!(
                eval_in("missing", &s),
                Err(WhenError::Undefined {
                    name: "missing".to_string()
                })
            );
            assert_eq!(
                eval_in("not finding.x-y", &s),
                Err(WhenError::Undefined {
                    name: "finding.x-y".to_string()
                })
            );
            assert!(matches!(
                eval_in("missing == 1", &s),
                Err(WhenError::Undefined { .. })
            ));
            assert!(matches!(
                eval_in("1 == missing", &s),
                Err(WhenError::Undefined { .. })
            ));
        }
    }

    mod short_circuit {
        use super::*;
        use std::cell::RefCell;

        /// A scope that records every lookup.
        struct Recording {
            inner: HashMap<String, Value>,
            seen: RefCell<Vec<String>>,
        }

        impl Scope for Recording {
            fn lookup(&self, name: &str) -> Option<Value> {
                self.seen.borrow_mut().push(name.to_string());
                self.inner.lookup(name)
            }
        }

        #[test]
        fn defined_guards_comparison() {
            let empty = scope(&[]);
            assert!(!truth("defined(x) and x >= 15", &empty));
            assert!(truth("not defined(x) or x >= 15", &empty));
            let old = scope(&[("x", text("14.0"))]);
            assert!(!truth("defined(x) and x >= 15", &old));
            let new = scope(&[("x", text("15.0.1-012"))]);
            assert!(truth("defined(x) and x >= 15", &new));
        }

        #[test]
        fn right_side_is_not_evaluated_when_decided() {
            let empty = scope(&[]);
            assert!(!truth("false and missing", &empty));
            assert!(!truth("false and missing < 'x'", &empty));
            assert!(truth("true or missing", &empty));
            assert!(truth("true or 'a' < 'b'", &empty), "would be Incomparable");
            assert!(truth("(false and missing) or true", &empty));
        }

        #[test]
        fn left_side_errors_still_surface() {
            let empty = scope(&[]);
            assert!(matches!(
                eval_in("missing or true", &empty),
                Err(WhenError::Undefined { .. })
            ));
            assert!(matches!(
                eval_in("true and missing", &empty),
                Err(WhenError::Undefined { .. })
            ));
        }

        #[test]
        fn long_chains_do_not_recurse() {
            let long_or = vec!["false"; 100_000].join(" or ") + " or true";
            assert!(lit(&long_or));
            let long_and = vec!["x"; 100_000].join(" and ");
            assert!(truth(&long_and, &scope(&[("x", text("yes"))])));
        }

        #[test]
        fn lookups_stop_once_decided() {
            let s = Recording {
                inner: scope(&[("a", Value::Bool(true)), ("b", Value::Bool(false))]),
                seen: RefCell::new(Vec::new()),
            };
            let c = match Condition::parse("a or c or d") {
                Ok(c) => c,
                Err(e) => panic!("{e}"),
            };
            assert_eq!(c.eval(&s), Ok(true));
            assert_eq!(*s.seen.borrow(), ["a"]);

            s.seen.borrow_mut().clear();
            let c = match Condition::parse("b and c and d") {
                Ok(c) => c,
                Err(e) => panic!("{e}"),
            };
            assert_eq!(c.eval(&s), Ok(false));
            assert_eq!(*s.seen.borrow(), ["b"]);
        }
    }

    mod names {
        use super::*;

        #[test]
        fn in_order_without_duplicates() {
            assert_eq!(
                names("finding.ecs-token-403 or (proactive and asyncos_version >= 15.0)"),
                ["finding.ecs-token-403", "proactive", "asyncos_version"]
            );
            assert_eq!(names("a or b and a or not b"), ["a", "b"]);
        }

        #[test]
        fn include_defined_arguments() {
            assert_eq!(
                names("defined(x) and x >= 15 or defined(finding.y-z)"),
                ["x", "finding.y-z"]
            );
        }

        #[test]
        fn literals_contribute_nothing() {
            assert!(names("true or 15.0 > 'abc' or \"x\" == 1").is_empty());
        }

        #[test]
        fn keywords_inside_dotted_names_are_names() {
            assert_eq!(
                names("finding.and or not.x or facts.true"),
                ["finding.and", "not.x", "facts.true"]
            );
        }

        #[test]
        fn dashed_segments_belong_to_the_name() {
            assert_eq!(names("a.b-c-1.d_e"), ["a.b-c-1.d_e"]);
            assert_eq!(names("_x.1-2"), ["_x.1-2"]);
        }
    }

    mod syntax_errors {
        use super::*;

        #[track_caller]
        fn at(source: &str, column: usize, needle: &str) {
            let (got, message) = syntax_error(source);
            assert_eq!(got, column, "{source:?}: {message}");
            assert!(
                message.contains(needle),
                "{source:?}: {message:?} should mention {needle:?}"
            );
        }

        #[test]
        fn empty() {
            at("", 1, "empty");
            at("   ", 1, "empty");
        }

        #[test]
        fn single_equals_suggests_double() {
            at("x = 1", 3, "`==`");
            at("finding.a=true", 10, "`==`");
        }

        #[test]
        fn unbalanced_parentheses() {
            at("(a and b", 9, "missing `)` to close the `(` at column 1");
            at("a and (b or (c)", 16, "column 7");
            at("(a b)", 4, "missing `)`");
            at("a and b)", 8, "unmatched `)`");
            at("())", 2, "expected a value");
            at(")", 1, "expected a value");
        }

        #[test]
        fn trailing_tokens() {
            at("a b", 3, "after a complete condition");
            at("a == 1 2", 8, "after a complete condition");
            at("(a) (b)", 5, "after a complete condition");
        }

        #[test]
        fn missing_operands() {
            at("a and", 6, "ends where a value was expected");
            at("a ==", 5, "ends where a value was expected");
            at("not", 4, "ends where a value was expected");
            at("and a", 1, "found `and`");
            at("a or or b", 6, "found `or`");
            at("== 1", 1, "found `==`");
        }

        #[test]
        fn unterminated_strings() {
            at("'abc", 1, "unterminated string");
            at("x == \"abc", 6, "no closing `\"`");
            at("x == 'it\\'", 6, "unterminated");
            at("x == 'a\" ", 6, "no closing `'`");
        }

        #[test]
        fn chained_comparisons() {
            at("1 < x < 3", 7, "cannot be chained");
        }

        #[test]
        fn defined_forms() {
            at("defined x", 9, "expected `(` after `defined`");
            at("defined", 8, "expected `(` after `defined`");
            at("defined(1)", 9, "takes a variable name");
            at("defined()", 9, "takes a variable name");
            at("defined(", 9, "takes a variable name");
            at("defined(x", 10, "missing `)` to close the `(` at column 8");
            at("defined (x y)", 12, "close the `(` at column 9");
            at("defined(x and y)", 11, "missing `)`");
        }

        #[test]
        fn dashes_outside_dotted_segments() {
            at("ecs-token", 4, "no arithmetic");
            at("a - b", 3, "no arithmetic");
            at("x > -1", 5, "no arithmetic");
        }

        #[test]
        fn malformed_names_and_numbers() {
            at("a.", 3, "name segment after `.`");
            at("a..b", 3, "name segment after `.`");
            at("a.b.", 5, "name segment after `.`");
            at("x == 15.", 6, "malformed number or version");
            at("x == 15.0a", 6, "malformed number or version");
            at("x == 15.0-", 6, "malformed number or version");
            at("x == 1_000", 6, "malformed number or version");
        }

        #[test]
        fn nesting_is_bounded() {
            let ok = format!("{}a{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
            assert_eq!(names(&ok), ["a"]);
            let deep = format!("{}a{}", "(".repeat(100_000), ")".repeat(100_000));
            at(&deep, MAX_NESTING + 1, "nested more than");
            let nots = format!("{}a", "not ".repeat(100_000));
            at(&nots, 4 * MAX_NESTING + 1, "nested more than");
        }

        #[test]
        fn c_style_operators_get_hints() {
            at("!a", 1, "`not`");
            at("a && b", 3, "`and`");
            at("a || b", 3, "`or`");
            at("x == 1 # comment", 8, "unexpected character `#`");
        }

        #[test]
        fn columns_count_characters_not_bytes() {
            at("'héllo' = x", 9, "`==`");
            at("x == 'é", 6, "unterminated");
            at("'日本' == x and", 14, "ends where a value was expected");
        }

        #[test]
        fn display_includes_column() {
            match Condition::parse("x = 1") {
                Err(e) => assert!(e.to_string().contains("column 3"), "{e}"),
                Ok(c) => panic!("parsed {c:?}"),
            }
        }
    }

    mod realistic {
        use super::*;

        const CONDITION: &str = "finding.ecs-token-403 or (proactive and asyncos_version >= 15.0)";

        #[test]
        fn evaluates_in_several_scopes() {
            type Case = (Vec<(&'static str, Value)>, Result<bool, WhenError>);
            let cases: Vec<Case> = vec![
                // The finding alone decides; nothing else needs to exist.
                (vec![("finding.ecs-token-403", Value::Bool(true))], Ok(true)),
                // No finding, proactive on a new enough appliance.
                (
                    vec![
                        ("finding.ecs-token-403", Value::Bool(false)),
                        ("proactive", text("true")),
                        ("asyncos_version", text("15.0.1-012")),
                    ],
                    Ok(true),
                ),
                // Proactive, but too old.
                (
                    vec![
                        ("finding.ecs-token-403", Value::Bool(false)),
                        ("proactive", text("yes")),
                        ("asyncos_version", text("14.2.0-620")),
                    ],
                    Ok(false),
                ),
                // Exactly 15.0.
                (
                    vec![
                        ("finding.ecs-token-403", text("false")),
                        ("proactive", Value::Bool(true)),
                        ("asyncos_version", text("15.0")),
                    ],
                    Ok(true),
                ),
                // Not proactive: the version is never looked up.
                (
                    vec![
                        ("finding.ecs-token-403", Value::Bool(false)),
                        ("proactive", text("false")),
                    ],
                    Ok(false),
                ),
                // Proactive but the version is unknown.
                (
                    vec![
                        ("finding.ecs-token-403", Value::Bool(false)),
                        ("proactive", text("true")),
                    ],
                    Err(WhenError::Undefined {
                        name: "asyncos_version".to_string(),
                    }),
                ),
                // The finding itself is missing.
                (
                    vec![("proactive", text("true"))],
                    Err(WhenError::Undefined {
                        name: "finding.ecs-token-403".to_string(),
                    }),
                ),
            ];
            let condition = match Condition::parse(CONDITION) {
                Ok(c) => c,
                Err(e) => panic!("{e}"),
            };
            for (pairs, expected) in cases {
                assert_eq!(condition.eval(&scope(&pairs)), expected, "{pairs:?}");
            }
        }

        #[test]
        fn guarded_variant_tolerates_missing_facts() {
            let guarded = "(defined(finding.ecs-token-403) and finding.ecs-token-403) \
                           or (proactive and defined(asyncos_version) \
                           and asyncos_version >= 15.0)";
            let s = scope(&[("proactive", text("on"))]);
            assert!(!truth(guarded, &s));
            let s = scope(&[("proactive", text("on")), ("asyncos_version", text("15.5"))]);
            assert!(truth(guarded, &s));
        }

        #[test]
        fn source_display_and_from_str() {
            let parsed: Result<Condition, _> = CONDITION.parse();
            match parsed {
                Ok(c) => {
                    assert_eq!(c.source(), CONDITION);
                    assert_eq!(c.to_string(), CONDITION);
                    assert_eq!(Condition::parse(CONDITION), Ok(c));
                }
                Err(e) => panic!("{e}"),
            }
        }

        #[test]
        fn btreemap_is_a_scope() {
            let mut s = std::collections::BTreeMap::new();
            s.insert("finding.ecs-token-403".to_string(), Value::Bool(true));
            match Condition::parse(CONDITION) {
                Ok(c) => assert_eq!(c.eval(&s), Ok(true)),
                Err(e) => panic!("{e}"),
            }
        }
    }

    mod versions {
        use super::*;
        use Ordering::{Equal, Greater, Less};

        #[test]
        fn orders_componentwise_numerically() {
            assert_eq!(compare_versions("15.0.1-012", "15.0"), Some(Greater));
            assert_eq!(compare_versions("7.2.7", "7.10"), Some(Less));
            assert_eq!(compare_versions("7.10", "7.2.7"), Some(Greater));
            assert_eq!(compare_versions("14.2.0-620", "15.0"), Some(Less));
            assert_eq!(compare_versions("15.0.1-012", "15.0.1-011"), Some(Greater));
            assert_eq!(compare_versions("15.0.1-012", "15.0.1-012"), Some(Equal));
        }

        #[test]
        fn missing_components_are_zero() {
            assert_eq!(compare_versions("15.0", "15"), Some(Equal));
            assert_eq!(compare_versions("15", "15.0.0-0"), Some(Equal));
            assert_eq!(compare_versions("15", "15.0.0-1"), Some(Less));
            assert_eq!(compare_versions("15.0.1", "15"), Some(Greater));
        }

        #[test]
        fn leading_zeros_do_not_matter() {
            assert_eq!(compare_versions("15.0.1-012", "15.0.1-12"), Some(Equal));
            assert_eq!(compare_versions("007", "7"), Some(Equal));
            assert_eq!(compare_versions("1.09", "1.10"), Some(Less));
            assert_eq!(compare_versions("1.010", "1.9"), Some(Greater));
            assert_eq!(compare_versions("0", "000.0"), Some(Equal));
        }

        #[test]
        fn dot_and_dash_are_equivalent_separators() {
            assert_eq!(compare_versions("15-0-1", "15.0.1"), Some(Equal));
        }

        #[test]
        fn components_longer_than_u64_compare_correctly() {
            let big = "123456789012345678901234567890";
            let bigger = "123456789012345678901234567891";
            assert_eq!(compare_versions(big, bigger), Some(Less));
            assert_eq!(compare_versions(&format!("1.{big}"), "1.2"), Some(Greater));
        }

        #[test]
        fn non_versions_give_none() {
            for bad in [
                "", "abc", "15.", ".15", "15..0", "15.0-", "v15.0", "15.0a", " 15", "15 ", "-1",
                "1e5", "+1",
            ] {
                assert_eq!(compare_versions(bad, "15"), None, "{bad:?}");
                assert_eq!(compare_versions("15", bad), None, "{bad:?}");
                assert!(!is_version(bad), "{bad:?}");
            }
            assert!(is_version("15.0.1-012"));
        }
    }
}
