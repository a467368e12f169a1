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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FoundFault {
    pub id: String,
    pub severity: Severity,
    pub evidence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A line from the appliance that confirmed what a step waited for (the
/// `enrollment_client update completed` that proves an update), or, for a
/// step that polled until a condition held, the values that made it hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Confirmation {
    /// The playbook step that waited for it.
    pub step: String,
    pub line: String,
    /// The appliance-local time the line carries (no zone: the appliance's
    /// clock), when the playbook says how its lines are stamped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}
