//! What a step reads from its output: captures (a regex group or a JSON
//! pointer, text or time) and findings (a pattern or a condition, with the
//! message and action the operator sees), each checked on load.

use super::*;

impl Validator<'_> {
    pub(super) fn captures(
        &self,
        i: &str,
        spec: &StepSpec,
        cx: &Context<'_>,
    ) -> Result<Vec<Capture>, PlaybookError> {
        let mut captures = Vec::new();
        for (name, capture) in &spec.capture {
            let path = ["steps", i, "capture", name.as_str()];
            let (pattern, json, required, kind, pick) = match capture {
                CaptureSpec::Pattern(p) => (Some(p), None, true, CaptureKind::Text, Pick::Last),
                CaptureSpec::Full(f) => (
                    f.pattern.as_ref(),
                    f.json.as_ref(),
                    f.required,
                    f.kind,
                    f.pick,
                ),
            };
            if cx.file.vars.contains_key(name) {
                return Err(self.err(
                    &path,
                    format!("`{name}` is a playbook variable; a capture may not overwrite it"),
                ));
            }
            if kind == CaptureKind::Time && !cx.has_timestamp {
                return Err(self.err(
                    &path,
                    "a time capture needs a `timestamp:` section in the playbook",
                ));
            }
            let source = match (pattern, json) {
                (Some(p), None) => CaptureSource::Regex(self.regex(&path, p)?),
                (None, Some(pointer)) if pointer.is_empty() || pointer.starts_with('/') => {
                    if kind == CaptureKind::Time || pick != Pick::Last {
                        return Err(self.err(
                            &path,
                            "a json capture takes neither `as: time` nor `pick:` (`as: number` it takes)",
                        ));
                    }
                    CaptureSource::Json(pointer.clone())
                }
                (None, Some(pointer)) => {
                    return Err(self.err(
                        &path,
                        format!("`{pointer}` is not a JSON pointer (like /engines/tetra/version)"),
                    ));
                }
                _ => {
                    return Err(self.err(
                        &path,
                        "a capture needs exactly one of `pattern:` or `json:`",
                    ));
                }
            };
            captures.push(Capture {
                name: name.clone(),
                source,
                required,
                kind,
                pick,
            });
        }
        Ok(captures)
    }

    /// Findings: a line of the output (`has_output`) or a condition over
    /// `after_output`, the names known once the command ran.
    pub(super) fn findings(
        &self,
        i: &str,
        spec: &StepSpec,
        has_output: bool,
        after_output: &BTreeSet<String>,
        own_times: &BTreeSet<String>,
        cx: &Context<'_>,
    ) -> Result<Vec<Finding>, PlaybookError> {
        let mut findings = Vec::new();
        for (j, f) in spec.findings.iter().enumerate() {
            let j = j.to_string();
            if let Some(var) = &f.newer_than
                && (!cx.has_timestamp || !(cx.times.contains(var) || own_times.contains(var)))
            {
                return Err(self.err(
                    &["steps", i, "findings", &j, "newer_than"],
                    format!(
                        "`{var}` is not a time captured (as: time) by this step or an earlier one"
                    ),
                ));
            }
            let at_finding = |field: &'static str| ["steps", i, "findings", j.as_str(), field];
            let trigger = match (&f.pattern, &f.when) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err(self.err(
                        &["steps", i, "findings", &j],
                        "a finding needs exactly one of `pattern:` (a line of output) or `when:` (a condition)",
                    ));
                }
                (Some(_), None) if !has_output => {
                    return Err(self.err(
                        &at_finding("pattern"),
                        "this step runs no command, so there is no output to match; use `when:`",
                    ));
                }
                (Some(p), None) => FindingTrigger::Pattern(self.regex(&at_finding("pattern"), p)?),
                (None, Some(w)) => {
                    if f.newer_than.is_some() {
                        return Err(self.err(
                            &at_finding("newer_than"),
                            "only a `pattern:` finding reads stamped lines",
                        ));
                    }
                    FindingTrigger::Condition(self.condition(
                        &at_finding("when"),
                        w,
                        after_output,
                    )?)
                }
            };
            if let Some(message) = &f.message {
                self.template(&at_finding("message"), message, after_output)?;
            }
            findings.push(Finding {
                id: f.id.clone(),
                severity: f.severity,
                trigger,
                message: f.message.clone(),
                newer_than: f.newer_than.clone(),
            });
        }
        Ok(findings)
    }
}
