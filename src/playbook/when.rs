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
pub fn compare_versions(_a: &str, _b: &str) -> Option<Ordering> {
    unimplemented!()
}
