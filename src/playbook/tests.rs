//! Tests of playbook loading and validation.

#![allow(clippy::unwrap_used, clippy::panic)]
use super::*;

const SHIPPED: &str = include_str!("../../playbooks/esa-ecupdate.yaml");

fn parse(text: &str) -> Result<Playbook, PlaybookError> {
    Playbook::parse(text, Path::new("pb.yaml"))
}

fn invalid(text: &str) -> (Option<usize>, String, String) {
    match parse(text) {
        Err(PlaybookError::Invalid {
            line,
            field,
            message,
            ..
        }) => (line, field, message),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn shipped_playbooks_are_valid() {
    for (name, text) in BUILTIN {
        let pb = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(pb.changes_anything());
    }
    let pb = parse(SHIPPED).unwrap();
    assert_eq!(pb.name, "esa-ecupdate");
    assert_eq!(pb.vars["update_timeout"].kind, VarType::Duration);
    // Slow appliances need a longer wait for the prompt: settable with -e.
    let Session::Shell { login_timeout, .. } = &pb.session else {
        panic!("esa-ecupdate drives the interactive CLI");
    };
    assert_eq!(
        *login_timeout,
        DurationRef::Var("login_timeout".to_string())
    );
}

#[test]
fn the_pager_and_the_terminal_height_are_checked() {
    let Session::Shell {
        pager, pty_rows, ..
    } = parse(SHIPPED).unwrap().session
    else {
        panic!("esa-ecupdate drives the interactive CLI");
    };
    let pager = pager.unwrap();
    assert!(pager.pattern.is_match("-Press Any Key For More-"));
    assert_eq!(pager.answer, " ");
    assert_eq!(pty_rows, DEFAULT_PTY_ROWS);
    let with_rows = |rows: &str| {
        SHIPPED.replace(
            "  exit_command: exit\n",
            &format!("  exit_command: exit\n  pty_rows: {rows}\n"),
        )
    };
    let Session::Shell { pty_rows, .. } = parse(&with_rows("24")).unwrap().session else {
        panic!()
    };
    assert_eq!(pty_rows, 24);
    let (_, field, message) = invalid(&with_rows("1"));
    assert_eq!(field, "shell.pty_rows");
    assert!(message.contains("2 to 65535"), "{message}");
    let (_, field, _) = invalid(&SHIPPED.replace("answer: ' '", "answer: ''"));
    assert_eq!(field, "shell.pager.answer");
    let (_, field, message) =
        invalid(&SHIPPED.replace("pattern: '-Press Any Key For More-'", "pattern: '(More'"));
    assert_eq!(field, "shell.pager.pattern");
    assert!(message.contains("invalid regex"), "{message}");
}

#[test]
fn prompt_matches_every_asyncos_form() {
    let Session::Shell { prompt: regex, .. } = parse(SHIPPED).unwrap().session else {
        panic!("esa-ecupdate drives the interactive CLI");
    };
    for prompt in [
        "esa01.example.com> ",
        "(Machine esa01.example.com)> ",
        "(Cluster name)> ",
        "(Machine mail-gw-07.emea.corp.very-long-subdomain.example.co.uk)> ",
        "esa01> ",
    ] {
        assert!(regex.is_match(prompt), "{prompt:?}");
    }
    for not_prompt in [
        "Tue May 20 11:26:55 2025 Info: x> y",
        "Version: 15.0.1-012",
        "esa01.example.com> version",
    ] {
        assert!(!regex.is_match(not_prompt), "{not_prompt:?}");
    }
}

#[test]
fn timestamps_parse_with_padded_days() {
    let pb = parse(SHIPPED).unwrap();
    let ts = pb.timestamp.unwrap();
    let t = ts
        .of_line("Tue May 20 11:26:55 2025 Info: enrollment_client update completed")
        .unwrap();
    assert_eq!(t.to_string(), "2025-05-20 11:26:55");
    let t = ts.of_line("Mon May  5 01:02:03 2025 Info: x").unwrap();
    assert_eq!(t.to_string(), "2025-05-05 01:02:03");
    assert!(ts.of_line("Info: no stamp").is_none());
}

#[test]
fn bad_regex_names_line_and_field() {
    let text = SHIPPED.replace(
        "until: 'enrollment_client update completed'",
        "until: 'enrollment_client (update'",
    );
    let line = text.lines().position(|l| l.contains("(update'")).unwrap() + 1;
    let (l, field, message) = invalid(&text);
    assert_eq!(l, Some(line));
    assert_eq!(field, "steps[4].until");
    assert!(message.contains("invalid regex"), "{message}");
}

#[test]
fn unknown_variable_in_condition_is_rejected() {
    let text = SHIPPED.replace(
        "when: changed\n    follow: tail updater_logs",
        "when: chnaged\n    follow: tail updater_logs",
    );
    let (_, field, message) = invalid(&text);
    assert_eq!(field, "steps[4].when");
    assert!(message.contains("`chnaged`"), "{message}");
}

#[test]
fn capture_used_before_it_is_captured_is_rejected() {
    let text = SHIPPED.replace(
        "when: findings > 0 or (proactive and asyncos_version >= 15.0)",
        "when: later_value == 1",
    );
    let (_, _, message) = invalid(&text);
    assert!(message.contains("later_value"), "{message}");
}

#[test]
fn since_must_name_a_time_capture() {
    let text = SHIPPED.replace(
        "since: appliance_clock\n    after:",
        "since: asyncos_version\n    after:",
    );
    let (_, field, message) = invalid(&text);
    assert_eq!(field, "steps[4].since");
    assert!(message.contains("not a time"), "{message}");
}

#[test]
fn newer_than_may_name_a_time_this_step_captures_but_not_a_later_one() {
    // The shipped playbook reads failures and the clearing success in
    // one grep: the finding is judged against that same step's capture.
    let pb = parse(SHIPPED).unwrap();
    let grep = &pb.steps[1];
    assert_eq!(
        grep.findings[0].newer_than.as_deref(),
        Some("last_registration")
    );
    // A time captured by a later step is not known yet.
    let text = SHIPPED.replace(
        "newer_than: last_registration\n      - id: ecs-empty",
        "newer_than: appliance_clock\n      - id: ecs-empty",
    );
    let (_, field, message) = invalid(&text);
    assert_eq!(field, "steps[1].findings[0].newer_than");
    assert!(message.contains("not a time captured"), "{message}");
    // Nor is a text capture of the same step.
    let text = SHIPPED.replace(
        "        as: time\n        required: false",
        "        required: false",
    );
    let (_, field, _) = invalid(&text);
    assert_eq!(field, "steps[1].findings[0].newer_than");
}

#[test]
fn timeout_must_be_a_duration_or_duration_variable() {
    let text = SHIPPED.replace("timeout: update_timeout", "timeout: proactive");
    let (_, _, message) = invalid(&text);
    assert!(message.contains("not a duration"), "{message}");
    let text = SHIPPED.replace("timeout: update_timeout", "timeout: 90s");
    assert!(parse(&text).is_ok());
}

#[test]
fn unknown_field_is_a_syntax_error_with_location() {
    let text = SHIPPED.replace("    changes: true\n", "    changes: true\n    retry: 3\n");
    match parse(&text) {
        Err(PlaybookError::Syntax { line, message, .. }) => {
            assert!(message.contains("unknown field `retry`"), "{message}");
            assert!(line > 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn fleet_max_compares_versions_and_numbers_as_such() {
    let text = |t: &str| Value::Text(t.to_string());
    let best = FleetMax::highest(&[text("9.0.0"), text("10.1.2"), text("10.1.1")]);
    assert_eq!(best, Some(text("10.1.2")));
    let numbers = [Value::Number(90600.0), Value::Number(90606.0)];
    assert_eq!(FleetMax::highest(&numbers), Some(Value::Number(90606.0)));
    // What does not compare does not win over the first value.
    assert_eq!(
        FleetMax::highest(&[Value::Number(1.0), text("x")]),
        Some(Value::Number(1.0))
    );
    assert_eq!(FleetMax::highest(&[]), None);
}

/// A fleet value compares one kind of value: numbers where any host has
/// one. A text version (`"10"`, from an untyped capture) or a value that is
/// neither never wins over the numbers, wherever it comes.
#[test]
fn fleet_max_compares_one_kind_of_value() {
    let text = |t: &str| Value::Text(t.to_string());
    let numbers = [Value::Number(90600.0), Value::Number(90606.0)];
    for odd in [
        text("10"),
        text("9.0.7"),
        text("90601"),
        text("abc"),
        Value::Bool(true),
    ] {
        for at in 0..=numbers.len() {
            let mut values = numbers.to_vec();
            values.insert(at, odd.clone());
            assert_eq!(
                FleetMax::highest(&values),
                Some(Value::Number(90606.0)),
                "{values:?}"
            );
            assert_eq!(FleetMax::fleet_kind(&values), Some(FleetKind::Number));
            assert_ne!(FleetMax::kind_of(&odd), Some(FleetKind::Number));
        }
    }
    // Without numbers, versions; what is neither never enters.
    assert_eq!(
        FleetMax::highest(&[text("abc"), text("9.0.0"), text("10.1.2")]),
        Some(text("10.1.2"))
    );
    assert_eq!(FleetMax::highest(&[text("abc"), Value::Bool(false)]), None);
}

/// `overridden_by` names a variable of the playbook, which a run over part
/// of the inventory gives instead of the fleet value.
#[test]
fn a_fleet_value_is_overridden_only_by_a_playbook_variable() {
    let pb = parse(SHIPPED).unwrap();
    let text = include_str!("../../playbooks/secure-endpoint-tetra.yaml");
    let tetra = Playbook::parse(text, Path::new("tetra.yaml")).unwrap();
    let overrides: Vec<_> = tetra
        .steps
        .iter()
        .filter_map(|s| match &s.kind {
            StepKind::Fleet(values) => Some(values.clone()),
            _ => None,
        })
        .flatten()
        .map(|v| v.overridden_by)
        .collect();
    assert_eq!(overrides, [Some("latest_tetra".to_string())]);
    let bad = text.replace("overridden_by: latest_tetra", "overridden_by: latest_tetr");
    let err = Playbook::parse(&bad, Path::new("tetra.yaml"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`latest_tetr` is not a variable of this playbook"),
        "{err}"
    );
    assert!(
        pb.steps
            .iter()
            .all(|s| !matches!(s.kind, StepKind::Fleet(_)))
    );
}

#[test]
fn fleet_steps_cut_the_playbook_into_segments() {
    let pb = parse(SHIPPED).unwrap();
    let segments = pb.segments();
    assert_eq!(segments.len(), 1);
    assert_eq!(segments[0].steps, 0..pb.steps.len());
    let text = SHIPPED.replace(
            "  - name: Force the Enrollment Client update\n",
            "  - name: Newest\n    fleet:\n      newest: {max_of: asyncos_version}\n  - name: Force the Enrollment Client update\n",
        );
    let pb = parse(&text).unwrap();
    let segments = pb.segments();
    assert_eq!(segments.len(), 2);
    assert_eq!(segments[0].steps, 0..3);
    assert_eq!(
        segments[0].then,
        vec![FleetMax {
            target: "newest".into(),
            source: "asyncos_version".into(),
            overridden_by: None,
        }]
    );
    assert_eq!(segments[1].steps, 4..pb.steps.len());
    // The value is a known name after the barrier, and only a known name can feed it.
    assert!(
        parse(&text.replace(
            "when: findings > 0 or (proactive and asyncos_version >= 15.0)\n    run: ecupdate",
            "when: newest == 1 or findings > 0\n    run: ecupdate"
        ))
        .is_ok()
    );
    let (_, field, message) = invalid(&text.replace("max_of: asyncos_version", "max_of: tetra"));
    assert_eq!(field, "steps[3].fleet.newest.max_of");
    assert!(message.contains("`tetra`"), "{message}");
    let (_, _, message) = invalid(&text.replace("    fleet:\n", "    when: changed\n    fleet:\n"));
    assert!(message.contains("only a name"), "{message}");
}

#[test]
fn step_needs_run_or_follow() {
    let text = SHIPPED.replace("    run: version\n", "");
    let (_, field, message) = invalid(&text);
    assert_eq!(field, "steps[0]");
    assert!(message.contains("needs `run:`, `follow:`"), "{message}");
    let both = SHIPPED.replace(
        "    run: version\n",
        "    run: version\n    follow: tail x\n",
    );
    let (_, field, message) = invalid(&both);
    assert_eq!(field, "steps[0]");
    assert!(message.contains("not both"), "{message}");
}

const CHECKS: &str = r#"
name: t
vars:
  latest: {type: number}
  poll: {type: duration, default: 5s}
exec: {}
steps:
  - name: read
    run: posture
    exit_status: rc
    capture:
      version: {json: /v}
  - name: decide
    set:
      stale: defined(latest) and version < latest
  - name: report
    findings:
      - id: behind
        severity: warning
        when: stale
        message: "version {{ version }} is behind {{ latest }}"
  - name: confirm
    when: stale
    run: posture
    capture:
      now: {json: /v}
    repeat_until: now > version
    every: poll
    timeout: 1m
    findings:
      - id: failed-read
        severity: critical
        pattern: 'error'
"#;

#[test]
fn set_condition_findings_and_repeat_are_accepted() {
    let pb = parse(CHECKS).unwrap();
    assert!(matches!(pb.steps[1].kind, StepKind::Check));
    assert_eq!(pb.steps[1].sets[0].0, "stale");
    assert!(matches!(
        pb.steps[2].findings[0].trigger,
        FindingTrigger::Condition(_)
    ));
    let StepKind::Run(run) = &pb.steps[3].kind else {
        panic!("`confirm` runs a command")
    };
    let repeat = run.repeat.as_ref().unwrap();
    assert_eq!(repeat.every, DurationRef::Var("poll".into()));
    assert_eq!(
        repeat.timeout,
        DurationRef::Literal(Duration::from_secs(60))
    );
}

#[test]
fn set_condition_findings_and_repeat_are_validated() {
    let cases = [
        // A finding says how it is raised, once.
        (
            "        when: stale\n",
            "        when: stale\n        pattern: x\n",
            "steps[2].findings[0]",
            "exactly one of `pattern:`",
        ),
        (
            "        when: stale\n",
            "",
            "steps[2].findings[0]",
            "exactly one of `pattern:`",
        ),
        // No output to match without a command.
        (
            "        when: stale\n",
            "        pattern: stale\n",
            "steps[2].findings[0].pattern",
            "no output",
        ),
        (
            "      stale: defined(latest)",
            "      latest: defined(latest)",
            "steps[1].set.latest",
            "playbook variable",
        ),
        (
            "      stale: defined(latest) and version < latest",
            "      stale: version < newest",
            "steps[1].set.stale",
            "unknown variable `newest`",
        ),
        (
            "{{ latest }}\"",
            "{{ lastest }}\"",
            "steps[2].findings[0].message",
            "lastest",
        ),
        (
            "    every: poll\n",
            "",
            "steps[3].repeat_until",
            "needs `every:`",
        ),
        (
            "    repeat_until: now > version\n    every: poll\n    timeout: 1m\n",
            "    every: poll\n",
            "steps[3].every",
            "goes with `repeat_until:`",
        ),
        (
            "    repeat_until: now > version\n",
            "",
            "steps[3].timeout",
            "repeat_until",
        ),
        (
            "    repeat_until: now > version\n    every: poll\n",
            "",
            "steps[3].timeout",
            "with `repeat_until:`",
        ),
        (
            "    repeat_until: now > version",
            "    repeat_until: now > then",
            "steps[3].repeat_until",
            "unknown variable `then`",
        ),
        (
            "    every: poll",
            "    every: latest",
            "steps[3].every",
            "not a duration",
        ),
        (
            "    run: posture\n    exit_status: rc\n",
            "    exit_status: rc\n",
            "steps[0]",
            "needs `run:`",
        ),
        (
            "  - name: decide\n",
            "  - name: decide\n    capture: {x: y}\n",
            "steps[1].capture",
            "no output",
        ),
    ];
    for (from, to, field, needle) in cases {
        assert!(CHECKS.contains(from), "{from}");
        let (line, got_field, message) = invalid(&CHECKS.replacen(from, to, 1));
        assert_eq!(got_field, field, "{from:?} -> {to:?}: {message}");
        assert!(message.contains(needle), "{field}: {message}");
        assert!(line.is_some(), "{field}");
    }
}

#[test]
fn exec_playbooks_say_which_shell_their_commands_are_for() {
    let tetra = BUILTIN[1].1;
    assert!(matches!(
        parse(tetra).unwrap().session,
        Session::Exec {
            shell: ExecShell::Powershell
        }
    ));
    let cmd = tetra.replace("  shell: powershell\n", "  shell: cmd\n");
    assert!(matches!(
        parse(&cmd).unwrap().session,
        Session::Exec {
            shell: ExecShell::Cmd
        }
    ));
    // Unsaid, PowerShell: it runs under either default shell.
    let unsaid = tetra.replace("  shell: powershell\n", "");
    assert!(matches!(
        parse(&unsaid).unwrap().session,
        Session::Exec {
            shell: ExecShell::Powershell
        }
    ));
    match parse(&tetra.replace("  shell: powershell\n", "  shell: bash\n")) {
        Err(PlaybookError::Syntax { message, .. }) => {
            assert!(message.contains("unknown variant `bash`"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn builtin_resolves_by_name_and_unknown_name_lists_builtins() {
    assert_eq!(
        Playbook::resolve("esa-ecupdate").unwrap().name,
        "esa-ecupdate"
    );
    match Playbook::resolve("nope") {
        Err(e @ PlaybookError::NotFound { .. }) => {
            assert!(e.to_string().contains("esa-ecupdate"))
        }
        other => panic!("{other:?}"),
    }
}

/// Every way a declared string variable reaches a command: `run:` and
/// `follow:`. Each needs a `pattern:`; with one, values that do not match
/// it whole are refused wherever they come from (default, `-e`).
#[test]
fn a_string_rendered_into_a_command_needs_a_pattern_and_values_must_match_it() {
    for (kind, step) in [
        ("run", "    run: curl.exe -x {{ proxy }}\n"),
        (
            "follow",
            "    follow: tail {{ proxy }}\n    until: done\n    timeout: 1m\n",
        ),
    ] {
        let text = format!(
            "name: t\nvars:\n  proxy: {{type: string}}\nshell: {{prompt: '> $'}}\nsteps:\n  - name: s\n{step}"
        );
        let (_, field, message) = invalid(&text);
        assert_eq!(field, format!("steps[0].{kind}"), "{message}");
        assert!(
            message.contains("proxy") && message.contains("pattern:"),
            "{message}"
        );
    }
    // Used only in messages or conditions, a string needs none.
    parse("name: t\nvars:\n  site: {type: string}\nshell: {prompt: '> $'}\nsteps:\n  - name: s\n    run: status\n    findings:\n      - {id: f, severity: info, pattern: x, message: 'at {{ site }}'}\n").unwrap();

    let with = |default: &str| {
        format!(
            "name: t\nvars:\n  proxy: {{type: string, pattern: 'https?://[a-z0-9.-]+(:[0-9]+)?'{default}}}\nshell: {{prompt: '> $'}}\nsteps:\n  - name: s\n    run: curl.exe -x {{{{ proxy }}}}\n"
        )
    };
    let playbook = parse(&with("")).unwrap();
    let (_, field, message) = invalid(&with(", default: 'http://p:8080; calc'"));
    assert_eq!(field, "vars.proxy.default");
    assert!(message.contains("does not match"), "{message}");
    for bad in [
        "http://p:8080; calc",
        "http://p:8080 -o x",
        "$(whoami)",
        "http://p`n",
    ] {
        let err = vars::parse_extra_vars(&playbook, &[format!("proxy={bad}")]).unwrap_err();
        assert!(err.to_string().contains("does not match"), "{bad}: {err}");
    }
    vars::parse_extra_vars(&playbook, &["proxy=http://proxy.example.com:8080".into()]).unwrap();
    let (_, field, _) = invalid(
        "name: t\nvars:\n  n: {type: number, pattern: '[0-9]+'}\nshell: {prompt: '> $'}\nsteps:\n  - name: s\n    run: status\n",
    );
    assert_eq!(field, "vars.n.pattern");
}
