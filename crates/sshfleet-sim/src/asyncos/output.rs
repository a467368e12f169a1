//! What an appliance prints: `status`'s licences, counters and gauges, the
//! log lines of the article's manual update and of routine updates, and the
//! article's alert and ecs lines (`docs/DEVICES.md`, "The ESA procedure").

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};

/// The licensed features of a fully licensed appliance, as `status` lists
/// them (one `Feature - NAME:` line each), with their days left (or
/// `Perpetual`).
pub(super) const FEATURES: [(&str, &str); 16] = [
    ("Bounce Verification", "Perpetual"),
    ("Incoming Mail Handling", "Perpetual"),
    ("Cisco Secure Email Encryption", "1826 days"),
    ("Sophos Anti-Malware", "1826 days"),
    ("McAfee", "1826 days"),
    ("Outbreak Filters", "1826 days"),
    ("Cisco Anti-Spam", "1826 days"),
    ("Intelligent Multi-Scan", "1826 days"),
    ("Graymail Safe-unsubscription", "1826 days"),
    ("Data Loss Prevention", "1826 days"),
    ("File Reputation", "1826 days"),
    ("File Analysis", "1826 days"),
    ("Cloud Administration", "1826 days"),
    ("Email Security Appliance Platform", "Perpetual"),
    ("Image Analyzer", "1826 days"),
    ("External Threat Feeds", "1826 days"),
];

/// The rows of `status` after its features: counters (reset, uptime,
/// lifetime) and gauges.
pub(super) const COUNTERS_AND_GAUGES: &str = "
Counters:                      Reset                 Uptime              Lifetime
  Receiving
    Messages Received          1,284                  1,284                 93,517
    Recipients Received        1,517                  1,517                110,203
  Rejection
    Rejected Recipients          412                    412                 30,114
    Dropped Messages               9                      9                    655
  Queue
    Soft Bounced Events           21                     21                  1,529
  Completion
    Completed Recipients       1,101                  1,101                 79,845
  Current IDs
    Message ID (MID)                                                        93,517
    Injection Conn. ID (ICID)                                              214,774
    Delivery Conn. ID (DCID)                                                61,032

Gauges:                        Current
  System
    RAM Utilization               17%
    CPU Utilization                2%
    Overall CPU load average    0.04
    Disk I/O Utilization           0%
    Logging Disk Utilization       3%
  Connections
    Current Inbound Conn.          2
    Current Outbound Conn.         1
  Queue
    Active Recipients              0
    Messages In Work Queue         0
    Kilobytes Used                 0
    Kilobytes Free        71,303,168
  Quarantine
    Messages In Quarantine
      Policy, Virus and Outbreak   3
    Kilobytes In Quarantine
      Policy, Virus and Outbreak  27";

pub(crate) const MODEL: &str = "C300V";
pub(crate) const ALERT_TEXT: &str = "Connection to URL Retrospective registration service failed. Certificate verification failed. Contact Cisco TAC for assistance.";
pub(crate) const ECS_WARNING: &str = "Warning: ECS: Cloud query failed. 'Empty polling URI.' 7-xyxxyzxyxxyz (or b'xyxxyzxyxxyzxyxxyzxyxx==' in base64 format) having URLs. Contact Cisco TAC for assistance.";
pub(crate) const ECS_CRITICAL: &str =
    "Critical: ECS: Failed to regenerate token. Status Code: 403. Invalid Certificate.";
pub(crate) const ECS_REGISTERED: &str = "Info: ECS: Device registration successful.";
pub(crate) const UPDATE_COMPLETED: &str = "Info: enrollment_client update completed";
/// How many lines `tail` shows before it starts following.
pub(crate) const TAIL_BACKLOG: usize = 10;

/// The manual Enrollment Client update of the article, as (fraction of the
/// update's duration, message).
pub(super) fn manual_update_sequence(update_id: u32) -> Vec<(f64, String)> {
    const FILE: &str = "enrollment_client/3.0/enrollment_client/default/109101";
    let steps: [(f64, &str); 20] = [
        (
            0.00,
            "Info: Received remote command to signal a manual update",
        ),
        (0.30, ""),
        (0.30, "Info: Server manifest specified an update for case"),
        (
            0.32,
            "Info: Server manifest specified an update for enrollment_client",
        ),
        (
            0.32,
            "Info: enrollment_client was signalled to start a new update",
        ),
        (
            0.33,
            "Info: enrollment_client processing files from the server manifest",
        ),
        (0.35, "Info: enrollment_client started downloading files"),
        (0.36, "Info: enrollment_client waiting on download lock"),
        (0.37, "Info: enrollment_client acquired download lock"),
        (0.40, ""),
        (0.55, "Info: enrollment_client released download lock"),
        (0.56, ""),
        (0.60, "Info: enrollment_client started applying files"),
        (
            0.62,
            "Info: enrollment_client applying file \"enrollment_client\"",
        ),
        (0.65, "Info: enrollment_client installing new libexec"),
        (0.70, "Info: enrollment_client restarting"),
        (0.95, "Info: enrollment_client verifying applied files"),
        (0.97, "Info: enrollment_client updating the client manifest"),
        (1.00, UPDATE_COMPLETED),
        (1.00, "Info: enrollment_client waiting for new updates"),
    ];
    steps
        .iter()
        .enumerate()
        .map(|(i, (f, msg))| {
            let msg = match i {
                1 => format!("Info: Acquired server manifest, starting update {update_id}"),
                9 => format!(
                    "Info: enrollment_client beginning download of remote file \"http://updates.ironport.com/{FILE}\""
                ),
                11 => format!("Info: enrollment_client successfully downloaded file \"{FILE}\""),
                _ => (*msg).to_string(),
            };
            (*f, msg)
        })
        .collect()
}

/// How many lines of the sequence a `NeverCompletes` update gets through:
/// up to `beginning download of remote file`.
pub(super) const NEVER_COMPLETES_LINES: usize = 10;
/// Nominal duration over which a `NeverCompletes` update writes those lines.
pub(super) const NEVER_COMPLETES_SPAN: Duration = Duration::from_secs(1);

/// A routine scheduled update of another component, for the backlog.
pub(super) fn scheduled_update_sequence(update_id: u32, component: &str) -> Vec<String> {
    vec![
        format!("Info: Acquired server manifest, starting update {update_id}"),
        format!("Info: Server manifest specified an update for {component}"),
        format!("Info: {component} was signalled to start a new update"),
        format!("Info: {component} processing files from the server manifest"),
        format!("Info: {component} started downloading files"),
        format!(
            "Info: {component} successfully downloaded file \"{component}/1.0/{component}/default/{update_id}\""
        ),
        format!("Info: {component} started applying files"),
        format!("Info: {component} verifying applied files"),
        format!("Info: {component} updating the client manifest"),
        format!("Info: {component} update completed"),
        format!("Info: {component} waiting for new updates"),
    ]
}

/// Adds `delta` to a timestamp, saturating instead of overflowing.
pub(super) fn shift(t: NaiveDateTime, delta: TimeDelta) -> NaiveDateTime {
    t.checked_add_signed(delta).unwrap_or(t)
}

pub(super) fn to_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}
