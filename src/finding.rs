//! A fault found on a host: what the playbook engine records and the
//! report carries. It sits below both, so the report does not reach into
//! the engine.

use serde::{Deserialize, Serialize};

/// How bad a finding is. Anything above `info` left unresolved fails the
/// host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Info,
    Warning,
    Critical,
}

/// A fault found on an appliance, with the line that shows it (or the
/// values a condition read).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct FoundFault {
    pub id: String,
    pub severity: Severity,
    pub evidence: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
