#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use crate::report::finding::{Confirmation, FoundFault};
use crate::report::{RunInputs, StepRun};

/// A report with every field of the published schema filled in.
fn full_report() -> Report {
    let mut failed = HostOutcome::new("esa01.example.com", Status::Failed);
    failed.duration_ms = 4200;
    failed
        .facts
        .insert("asyncos_version".into(), "15.0.1".into());
    failed.findings.push(FoundFault {
        id: "ecs-token-403".into(),
        severity: Severity::Critical,
        evidence: "Critical: ECS: Failed to regenerate token.".into(),
        message: Some("ecupdate force renews it.".into()),
    });
    failed.actions.push("ecupdate force".into());
    failed.confirmations.push(Confirmation {
        step: "wait".into(),
        line: "enrollment_client update completed".into(),
        at: Some("Mon Dec  7 08:00:00 2026".into()),
    });
    failed.error = Some("step `wait`: not seen".into());
    failed.warnings.push("the prompt names esa09".into());
    failed.steps = vec![
        StepRun {
            name: "connect".into(),
            start_ms: 0,
            duration_ms: 300,
            result: StepResult::Ok,
        },
        StepRun {
            name: "wait".into(),
            start_ms: 300,
            duration_ms: 3900,
            result: StepResult::Failed,
        },
    ];
    let ok = HostOutcome::new("esa02.example.com", Status::Ok);
    let record = RunInputs {
        inventories: vec!["prod.yaml".into()],
        limit: Some("emea".into()),
        extra_vars: vec!["update_timeout=5s".into()],
    };
    Report::new(
        "esa-ecupdate",
        false,
        chrono::Utc::now(),
        false,
        vec![failed, ok],
    )
    .with_record(&record)
}

/// Text that breaks out of any HTML context it is not escaped in: a tag,
/// an attribute (either quote), a comment, a script.
const HOSTILE: &str = "\"'><x-pwn onmouseover=alert(1)>--><script>document.title='PWNED'</script>";

/// The JSON pointer of every string in `value`.
fn strings(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(_) => out.push(at),
        serde_json::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                strings(v, format!("{at}/{i}"), out);
            }
        }
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                strings(v, format!("{at}/{k}"), out);
            }
        }
        _ => {}
    }
}

/// `report` with every string it can hold as text (not the statuses,
/// severities and times) replaced by HOSTILE, numbered, and the keys of
/// its maps (facts, extra vars) too.
fn poisoned(report: &Report) -> (Report, usize) {
    let mut json = serde_json::to_value(report).unwrap();
    let mut pointers = Vec::new();
    strings(&json, String::new(), &mut pointers);
    let mut n = 0;
    for pointer in pointers {
        let before = json.pointer(&pointer).cloned().unwrap();
        *json.pointer_mut(&pointer).unwrap() = format!("{HOSTILE}{n}").into();
        if serde_json::from_value::<Report>(json.clone()).is_ok() {
            n += 1;
        } else {
            *json.pointer_mut(&pointer).unwrap() = before;
        }
    }
    for map in ["/extra_vars", "/hosts/0/facts"] {
        let object = json.pointer_mut(map).unwrap().as_object_mut().unwrap();
        let entries: Vec<_> = std::mem::take(object).into_iter().collect();
        for (_, v) in entries {
            object.insert(format!("{HOSTILE}{n}"), v);
            n += 1;
        }
    }
    (serde_json::from_value(json).unwrap(), n)
}

#[test]
fn the_fixture_fills_every_field_of_the_published_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../docs/report.schema.json")).unwrap();
    let report = serde_json::to_value(full_report()).unwrap();
    let mut missing = Vec::new();
    let mut check = |path: &str, object: &serde_json::Value, props: &serde_json::Value| {
        for key in props["properties"].as_object().unwrap().keys() {
            if object.get(key).is_none() {
                missing.push(format!("{path}.{key}"));
            }
        }
    };
    check("report", &report, &schema);
    let host = &report["hosts"][0];
    check("host", host, &schema["$defs"]["host"]);
    check("finding", &host["findings"][0], &schema["$defs"]["finding"]);
    check(
        "confirmation",
        &host["confirmations"][0],
        &schema["$defs"]["confirmation"],
    );
    check("step", &host["steps"][0], &schema["$defs"]["step"]);
    assert_eq!(missing, Vec::<String>::new());
}

#[test]
fn every_text_of_the_report_is_escaped() {
    let (report, n) = poisoned(&full_report());
    // Playbook, inventory, limit, vars, version, names, facts, findings,
    // actions, confirmations, reasons, warnings, step names.
    assert!(n >= 20, "only {n} texts poisoned");
    let page = render(&report, Some(HOSTILE));
    assert!(!page.contains("<x-pwn"), "{page}");
    assert_eq!(page.matches("<script").count(), 1, "{page}");
    assert!(!page.contains("'PWNED'"), "{page}");
    // What the page shows of them, it shows as text.
    assert!(page.contains(&*esc(HOSTILE)));
}

#[test]
fn the_policy_allows_exactly_the_inline_style_and_script() {
    let page = render(&full_report(), None);
    let between = |open: &str, close: &str| {
        let start = page.find(open).unwrap() + open.len();
        let end = start + page[start..].find(close).unwrap();
        page[start..end].to_string()
    };
    let policy = content_security_policy();
    assert!(page.contains(&format!("content=\"{policy}\"")));
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(policy.contains(&hash_source(&between("<style>", "</style>"))));
    assert!(policy.contains(&hash_source(&between("<script>", "</script>"))));
    // Nothing in the page is loaded from anywhere.
    for attribute in ["src=", "href=\"http", "url(", "@import"] {
        assert!(!page.contains(attribute), "{attribute}");
    }
}

#[test]
fn findings_are_grouped_by_cause_with_the_playbook_action() {
    let mut report = full_report();
    let mut second = report.hosts[0].clone();
    second.name = "esa03.example.com".into();
    second.status = Status::Changed;
    report.hosts.push(second);
    let page = render(&report, None);
    let findings = &page[page.find("id=\"findings\"").unwrap()..page.find("id=\"hosts\"").unwrap()];
    assert_eq!(
        findings
            .matches("<tr><td class=\"cause\"><code>ecs-token-403</code>")
            .count(),
        1
    );
    assert!(findings.contains("<td class=\"num\">2</td>"), "{findings}");
    assert!(findings.contains("ecupdate force renews it."), "{findings}");
    assert!(findings.contains("1 changed, 1 failed"), "{findings}");
}

#[test]
fn the_timeline_puts_steps_on_the_run_axis() {
    let mut report = full_report();
    report.finished_at = report.started_at + chrono::Duration::milliseconds(8400);
    let page = render(&report, None);
    // 300 ms of 8400 starts the failed step at 3.571 % of the axis.
    assert!(
        page.contains("<rect class=\"s1 failed\" x=\"3.571%\""),
        "{page}"
    );
    assert_eq!(tick_ms(8400), 1000);
    assert_eq!(tick_ms(95_000), 10_000);
    assert_eq!(tick_ms(6 * 3_600_000), 3_600_000);
    assert_eq!(offset_label(90_000), "1m30s");
    assert_eq!(offset_label(500), "0.5s");
    assert_eq!(offset_label(120_000), "2m");
}

#[test]
fn control_and_bidi_characters_of_a_report_are_escaped_as_report_show_does() {
    const CONTROLS: &str = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{7f}\u{202e}\u{2028}";
    let mut json = serde_json::to_value(full_report()).unwrap();
    let mut pointers = Vec::new();
    strings(&json, String::new(), &mut pointers);
    let mut n = 0;
    for pointer in pointers {
        let before = json.pointer(&pointer).cloned().unwrap();
        *json.pointer_mut(&pointer).unwrap() = format!("{CONTROLS}{n}").into();
        if serde_json::from_value::<Report>(json.clone()).is_ok() {
            n += 1;
        } else {
            *json.pointer_mut(&pointer).unwrap() = before;
        }
    }
    assert!(n >= 15, "only {n} texts poisoned");
    let report: Report = serde_json::from_value(json).unwrap();
    let page = render(&report, Some(CONTROLS));
    let raw: Vec<char> = page
        .chars()
        .filter(|&c| {
            (c.is_control() && c != '\n' && c != '\t')
                || crate::support::escape::BIDI_AND_SEPARATORS.contains(&c)
        })
        .collect();
    assert_eq!(raw, Vec::<char>::new());
    assert!(page.contains("\\u{1b}]0;owned\\u{7}\\u{1b}[2J\\u{9b}31m\\u{7f}\\u{202e}\\u{2028}0"));
}
