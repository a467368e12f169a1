//! Values taken from a command's output: a regex group (the last, first
//! or highest-version match), a time, or a JSON pointer.

use chrono::NaiveDateTime;

use super::step_error::StepError;
use super::when::Value;
use super::{CaptureKind, CaptureSource, Pick, Playbook};

/// The value of a capture and, for time captures, the parsed time.
pub(super) fn capture_value(
    playbook: &Playbook,
    capture: &super::Capture,
    output: &str,
) -> Result<Option<(Value, Option<NaiveDateTime>)>, StepError> {
    let regex = match &capture.source {
        CaptureSource::Json(pointer) => {
            return match json_value(output, pointer) {
                Some((value, _)) if capture.kind != CaptureKind::Number => Ok(Some((value, None))),
                Some((Value::Number(n), _)) if n.is_finite() => Ok(Some((Value::Number(n), None))),
                Some((_, shown)) => Err(StepError::NotANumber {
                    capture: capture.name.clone(),
                    value: shown,
                }),
                None => Ok(None),
            };
        }
        CaptureSource::Regex(regex) => regex,
    };
    let value_of = |caps: &regex::Captures<'_>| {
        caps.name(&capture.name)
            .or_else(|| caps.name("value"))
            .or_else(|| caps.get(1))
            .map(|m| m.as_str().trim().to_string())
    };
    let all = regex.captures_iter(output);
    let chosen = match capture.pick {
        Pick::Last => all.last(),
        Pick::First => regex.captures(output),
        Pick::MaxVersion => all.max_by(|a, b| {
            let (a, b) = (
                value_of(a).unwrap_or_default(),
                value_of(b).unwrap_or_default(),
            );
            super::when::compare_versions(&a, &b).unwrap_or(std::cmp::Ordering::Equal)
        }),
    };
    let Some(caps) = chosen else {
        return Ok(None);
    };
    let group = value_of(&caps);
    match capture.kind {
        CaptureKind::Number => {
            let text = group
                .or_else(|| caps.get(0).map(|m| m.as_str().trim().to_string()))
                .unwrap_or_default();
            match text.parse::<f64>() {
                Ok(n) if n.is_finite() => Ok(Some((Value::Number(n), None))),
                _ => Err(StepError::NotANumber {
                    capture: capture.name.clone(),
                    value: format!("{text:?}"),
                }),
            }
        }
        CaptureKind::Text => Ok(group
            .or_else(|| caps.get(0).map(|m| m.as_str().trim().to_string()))
            .map(|text| (Value::Text(text), None))),
        CaptureKind::Time => {
            let Some(stamp) = &playbook.timestamp else {
                return Err(StepError::NoTimestamp);
            };
            let text = match group {
                Some(text) => text,
                None => {
                    // The stamp of the last line that matches.
                    let line = output.lines().rfind(|l| regex.is_match(l));
                    match line
                        .and_then(|l| stamp.regex.captures(l))
                        .and_then(|c| c.name("ts"))
                    {
                        Some(ts) => ts.as_str().to_string(),
                        None => return Ok(None),
                    }
                }
            };
            match super::parse_time(&text, &stamp.format) {
                Some(t) => Ok(Some((Value::Text(text), Some(t)))),
                None => Err(StepError::NotATime {
                    capture: capture.name.clone(),
                    text,
                    format: stamp.format.clone(),
                }),
            }
        }
    }
}

/// The value at `pointer` in the first JSON object or array of `output`
/// (tools print banners or warnings around their JSON), with the JSON
/// text of that value (as an error names it).
fn json_value(output: &str, pointer: &str) -> Option<(Value, String)> {
    let start = output.find(['{', '['])?;
    let mut values =
        serde_json::Deserializer::from_str(&output[start..]).into_iter::<serde_json::Value>();
    let document = values.next()?.ok()?;
    let found = document.pointer(pointer)?;
    let value = match found {
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64()?),
        serde_json::Value::String(s) => Value::Text(s.clone()),
        serde_json::Value::Null => return None,
        other => Value::Text(other.to_string()),
    };
    Some((value, found.to_string()))
}
