//! The condition language of playbook steps (`when:`), e.g.
//! `finding.ecs-token-403 or (proactive and asyncos_version >= 15.0)`.

use std::cmp::Ordering;

/// A value a condition can see.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Number(f64),
    Text(String),
}

/// Where a condition looks names up.
pub trait Scope {
    /// `None` when the name is not defined.
    fn lookup(&self, name: &str) -> Option<Value>;
}

/// Errors parsing or evaluating a condition.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WhenError {
    #[error("invalid condition at column {column}: {message}")]
    Syntax { column: usize, message: String },
    #[error("`{name}` is not defined")]
    Undefined { name: String },
    #[error("cannot compare {left:?} with {right:?}")]
    Incomparable { left: String, right: String },
}

/// A parsed condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    _private: (),
}

impl Condition {
    pub fn parse(_source: &str) -> Result<Condition, WhenError> {
        unimplemented!()
    }

    /// Every variable name the condition reads, for load-time validation.
    pub fn names(&self) -> Vec<String> {
        unimplemented!()
    }

    pub fn eval(&self, _scope: &dyn Scope) -> Result<bool, WhenError> {
        unimplemented!()
    }
}

/// Compare two dotted/dashed versions numerically (`15.0.1-012` > `15.0`).
/// `None` when either side is not a version.
///
/// A version is one or more runs of ASCII digits separated by `.` or `-`
/// (`15`, `15.0`, `15.0.1-012`, `7.2.7`); nothing else, not even surrounding
/// whitespace. Components compare as unbounded non-negative integers (leading
/// zeros ignored, so `012 == 12`), and a missing component counts as `0`
/// (`15.0 == 15`, `15.0.1 > 15.0`). `.` and `-` are equivalent separators.
pub fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    let a = version_components(a)?;
    let b = version_components(b)?;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or("0");
        let y = b.get(i).copied().unwrap_or("0");
        let ord = compare_digit_runs(x, y);
        if ord != Ordering::Equal {
            return Some(ord);
        }
    }
    Some(Ordering::Equal)
}

/// True when `text` is a version in the sense of [`compare_versions`].
pub fn is_version(text: &str) -> bool {
    version_components(text).is_some()
}

fn version_components(text: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = text.split(['.', '-']).collect();
    let valid = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    valid.then_some(parts)
}

/// Numeric comparison of two non-empty digit runs of any length.
fn compare_digit_runs(x: &str, y: &str) -> Ordering {
    let x = x.trim_start_matches('0');
    let y = y.trim_start_matches('0');
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

#[cfg(test)]
mod tests {
    use super::*;

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
