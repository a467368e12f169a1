//! Tests of the step executor.

#![allow(clippy::unwrap_used, clippy::panic)]
use super::super::capture::capture_value;
use super::*;

const EXEC_PLAYBOOK: &str = r#"
name: t
vars:
  server: {type: string, default: tetra-defs.amp.cisco.com, pattern: '[a-z0-9.-]+'}
exec: {}
steps:
  - name: folder
    run: Get-ChildItem -Directory -Name 'C:\Program Files\Cisco\AMP'
    capture:
      dir: {pattern: '(?m)^(\d+(?:\.\d+)+)\s*$', pick: max_version}
      first_dir: {pattern: '(?m)^(\d+(?:\.\d+)+)\s*$', pick: first}
  - name: posture
    run: '& ''C:\Program Files\Cisco\AMP\{{ dir }}\AmpCLI.exe'' posture'
    capture:
      tetra: {json: /engines/tetra/version}
      connected: {json: /connected}
      version: {json: /connector_version}
  - name: dns
    run: Resolve-DnsName -Name {{ server }}
    exit_status: dns_status
"#;

fn playbook() -> Playbook {
    Playbook::parse(EXEC_PLAYBOOK, std::path::Path::new("t.yaml")).unwrap()
}

fn capture(pb: &Playbook, step: usize, name: &str, output: &str) -> Option<Value> {
    let StepKind::Run(run) = &pb.steps[step].kind else {
        panic!("step {step} runs a command")
    };
    let c = run
        .command
        .captures
        .iter()
        .find(|c| c.name == name)
        .unwrap();
    capture_value(pb, c, output).unwrap().map(|(v, _)| v)
}

#[test]
fn highest_version_is_picked_not_the_last_line() {
    let pb = playbook();
    // Alphabetical order puts 9.x after 10.x.
    let listing = "10.1.2.30000\r\n7.4.5.20701\r\n9.0.0.1\r\n";
    assert_eq!(
        capture(&pb, 0, "dir", listing),
        Some(Value::Text("10.1.2.30000".into()))
    );
    assert_eq!(
        capture(&pb, 0, "first_dir", listing),
        Some(Value::Text("10.1.2.30000".into()))
    );
    assert_eq!(
        capture(&pb, 0, "dir", "7.2.5.1\n7.10.0.2\n"),
        Some(Value::Text("7.10.0.2".into()))
    );
}

#[test]
fn json_captures_read_the_first_json_value_around_noise() {
    let pb = playbook();
    let out = "WARNING: something\r\n{ \"agent_uuid\": \"5c6e\", \"connected\": true, \"connector_version\": \"8.1.7\", \"engines\": { \"tetra\": { \"version\": 90604 } } }\r\ntrailer {\r\n";
    assert_eq!(capture(&pb, 1, "tetra", out), Some(Value::Number(90604.0)));
    assert_eq!(capture(&pb, 1, "connected", out), Some(Value::Bool(true)));
    assert_eq!(
        capture(&pb, 1, "version", out),
        Some(Value::Text("8.1.7".into()))
    );
    assert_eq!(capture(&pb, 1, "tetra", "{\"engines\": {}}"), None);
    assert_eq!(capture(&pb, 1, "tetra", "not json at all"), None);
}

#[test]
fn commands_are_filled_from_variables() {
    let pb = playbook();
    let StepKind::Run(run) = &pb.steps[1].kind else {
        panic!()
    };
    let cmd = &run.command.text;
    let vars: BTreeMap<&str, &str> = [("dir", "8.1.7.21417")].into();
    let filled =
        crate::playbook::render_command(cmd, |n| vars.get(n).map(|s| s.to_string())).unwrap();
    assert_eq!(
        filled,
        r"& 'C:\Program Files\Cisco\AMP\8.1.7.21417\AmpCLI.exe' posture"
    );
    assert_eq!(
        crate::playbook::render_command(cmd, |_| None),
        Err("dir".to_string())
    );
    let StepKind::Run(dns) = &pb.steps[2].kind else {
        panic!()
    };
    assert_eq!(dns.exit_status.as_deref(), Some("dns_status"));
}

#[test]
fn exec_playbooks_are_validated() {
    let invalid = |text: &str| match Playbook::parse(text, std::path::Path::new("t.yaml")) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("accepted: {text}"),
    };
    let e = invalid(&EXEC_PLAYBOOK.replace("{{ server }}", "{{ sever }}"));
    assert!(e.contains("steps[2].run") && e.contains("sever"), "{e}");
    let e = invalid(&EXEC_PLAYBOOK.replace("{json: /connected}", "{json: connected}"));
    assert!(e.contains("not a JSON pointer"), "{e}");
    let e = invalid(&EXEC_PLAYBOOK.replace("exec: {}", "exec: {}\nshell: {prompt: '> $'}"));
    assert!(e.contains("exactly one of `shell:`"), "{e}");
    let follow = format!(
        "{EXEC_PLAYBOOK}  - name: f\n    follow: Get-Content -Wait x.log\n    until: done\n    timeout: 1m\n"
    );
    let e = invalid(&follow);
    assert!(e.contains("interactive `shell:`"), "{e}");
    let shipped = include_str!("../../../playbooks/esa-ecupdate.yaml");
    let e = invalid(&shipped.replace(
        "    run: version\n",
        "    run: version\n    exit_status: rc\n",
    ));
    assert!(e.contains("only in `exec:` sessions"), "{e}");
}

use crate::playbook::remote::Output;

/// A remote that answers from a script, as the engine needs no SSH.
#[derive(Default)]
struct Scripted {
    answers: std::collections::VecDeque<Output>,
    sent: Vec<String>,
}

impl Scripted {
    fn answer(mut self, text: &str, exit_status: u32) -> Self {
        self.answers.push_back(Output {
            text: text.to_string(),
            exit_status: Some(exit_status),
        });
        self
    }
}

impl Remote for Scripted {
    async fn run(&mut self, command: &str, _: Duration) -> Result<Output, RemoteError> {
        self.sent.push(command.to_string());
        self.answers.pop_front().ok_or(RemoteError::Closed {
            what: format!("running `{command}`"),
            last_output: "(nothing)".to_string(),
        })
    }

    async fn follow(
        &mut self,
        _: &str,
        _: Duration,
        _: &CancellationToken,
        _: impl FnMut(&str) -> Verdict + Send,
    ) -> Result<FollowEnd, RemoteError> {
        Err(RemoteError::CannotFollow)
    }
}

async fn run_all(pb: &Playbook, remote: &mut Scripted) -> Execution {
    let host = crate::inventory::Host {
        name: "win01".to_string(),
        groups: Vec::new(),
        vars: Default::default(),
    };
    let vars = HostVars::resolve(pb, &host, &BTreeMap::new()).unwrap();
    let mut state = HostState::new(&vars);
    let job = Job {
        playbook: pb,
        steps: &pb.steps,
        vars: &vars,
        check_mode: false,
        cancel: &CancellationToken::new(),
        observe: &|_, _| {},
    };
    execute(remote, &job, &mut state).await;
    let mut pb = pb.clone();
    pb.facts = vec!["dir".into(), "tetra".into(), "dns_status".into()];
    state.finish(&pb)
}

const POSTURE: &str = r#"{"connected": true, "connector_version": "8.1.7", "engines": {"tetra": {"version": 90604}}}"#;

#[tokio::test]
async fn commands_are_filled_and_a_kept_exit_status_is_no_failure() {
    let pb = playbook();
    let mut remote = Scripted::default()
        .answer("8.1.7.21417\r\n", 0)
        .answer(POSTURE, 0)
        .answer(
            "Resolve-DnsName : tetra-defs.amp.cisco.com : DNS name does not exist",
            1,
        );
    let run = run_all(&pb, &mut remote).await;
    assert_eq!(run.error, None);
    assert_eq!(
        remote.sent[1],
        r"& 'C:\Program Files\Cisco\AMP\8.1.7.21417\AmpCLI.exe' posture"
    );
    assert_eq!(
        remote.sent[2],
        "Resolve-DnsName -Name tetra-defs.amp.cisco.com"
    );
    assert_eq!(run.facts["tetra"], 90604);
    assert_eq!(run.facts["dns_status"], 1);
}

#[tokio::test]
async fn failures_keep_their_words() {
    let pb = playbook();
    let mut remote = Scripted::default()
        .answer("8.1.7.21417\r\n", 0)
        .answer("AmpCLI: access denied", 5);
    let run = run_all(&pb, &mut remote).await;
    assert_eq!(
        run.error.as_deref(),
        Some(
            r#"step `posture`: `& 'C:\Program Files\Cisco\AMP\8.1.7.21417\AmpCLI.exe' posture` exited with status 5; output: "AmpCLI: access denied""#
        )
    );
    let mut remote = Scripted::default().answer("no folders here", 0);
    let run = run_all(&pb, &mut remote).await;
    let error = run.error.unwrap();
    assert!(
        error.starts_with("step `folder`: no `dir` in the output of `Get-ChildItem"),
        "{error}"
    );
    let mut remote = Scripted::default();
    let run = run_all(&pb, &mut remote).await;
    assert_eq!(
        run.error.as_deref(),
        Some(
            r#"step `folder`: the appliance closed the session while running `Get-ChildItem -Directory -Name 'C:\Program Files\Cisco\AMP'`; last output: (nothing)"#
        )
    );
}

const FORCE_PLAYBOOK: &str = r#"
name: t
exec: {}
steps:
  - name: before
    run: get
    capture:
      v: '(\d+)'
  - name: force
    run: force
    changes: true
  - name: confirm
    when: changed
    run: get
    capture:
      after: '(\d+)'
    repeat_until: after > v
    every: 10ms
    timeout: 30ms
    on_timeout: ON_TIMEOUT
    findings:
      - id: did-not-move
        severity: warning
        when: not (after > v)
    set:
      moved: after > v
  - name: diagnose
    when: not moved
    run: diagnose
"#;

fn force_playbook(on_timeout: &str) -> Playbook {
    let text = FORCE_PLAYBOOK.replace("ON_TIMEOUT", on_timeout);
    Playbook::parse(&text, std::path::Path::new("t.yaml")).unwrap()
}

#[tokio::test]
async fn an_unconfirmed_change_is_no_change_and_the_steps_after_it_run() {
    let pb = force_playbook("unconfirmed");
    let mut remote = Scripted::default().answer("1", 0).answer("", 0);
    for _ in 0..5 {
        remote = remote.answer("1", 0);
    }
    let sent_before = |r: &Scripted| r.sent.iter().filter(|c| *c == "diagnose").count();
    // The answers run out at `diagnose` only if it was sent.
    let run = run_all(&pb, &mut remote).await;
    assert!(!run.changed, "{run:?}");
    assert_eq!(run.actions, ["force"]);
    assert!(run.confirmations.is_empty());
    assert_eq!(run.findings.len(), 1);
    assert_eq!(run.findings[0].id, "did-not-move");
    assert_eq!(sent_before(&remote), 1);

    // The version moved: confirmed, changed, no diagnosis.
    let mut remote = Scripted::default()
        .answer("1", 0)
        .answer("", 0)
        .answer("2", 0);
    let run = run_all(&pb, &mut remote).await;
    assert!(run.changed && run.error.is_none(), "{run:?}");
    assert_eq!(run.confirmations.len(), 1);
    assert!(run.findings.is_empty());
    assert!(!remote.sent.contains(&"diagnose".to_string()));

    // The default still fails the host.
    let pb = force_playbook("fail");
    let mut remote = Scripted::default().answer("1", 0).answer("", 0);
    for _ in 0..5 {
        remote = remote.answer("1", 0);
    }
    let run = run_all(&pb, &mut remote).await;
    let error = run.error.unwrap();
    assert!(error.contains("still false"), "{error}");
    assert!(!run.changed);

    // Only a repeated step takes it.
    let text = FORCE_PLAYBOOK.replace("ON_TIMEOUT", "unconfirmed").replace(
        "    run: force\n",
        "    run: force\n    on_timeout: unconfirmed\n",
    );
    let e = Playbook::parse(&text, std::path::Path::new("t.yaml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("`on_timeout:` goes with `repeat_until:`"), "{e}");
}

const NUMBER_PLAYBOOK: &str = r#"
name: t
exec: {}
steps:
  - name: posture
    run: posture
    capture:
      tetra: {json: /engines/tetra/version, as: number}
      count: {pattern: 'count: (\S+)', as: number}
"#;

/// A capture typed `as: number` takes a finite number only: a JSON string,
/// boolean or list (or a non-numeric regex group) fails the step naming
/// the value, so it never reaches a comparison or a fleet value.
#[test]
fn number_captures_take_finite_numbers_only() {
    let pb = Playbook::parse(NUMBER_PLAYBOOK, std::path::Path::new("t.yaml")).unwrap();
    let StepKind::Run(run) = &pb.steps[0].kind else {
        panic!("a run step")
    };
    let by_name = |name: &str| {
        run.command
            .captures
            .iter()
            .find(|c| c.name == name)
            .unwrap()
    };
    let json = |v: &str| format!("{{\"engines\": {{\"tetra\": {{\"version\": {v}}}}}}}");
    let value =
        |name: &str, out: &str| capture_value(&pb, by_name(name), out).map(|v| v.map(|(v, _)| v));
    assert_eq!(
        value("tetra", &json("90606")).unwrap(),
        Some(Value::Number(90606.0))
    );
    for bad in [
        "\"10\"",
        "\"9.0.7\"",
        "\"90601\"",
        "\"abc\"",
        "true",
        "[1,2]",
        "{\"a\":1}",
    ] {
        let err = value("tetra", &json(bad)).unwrap_err().to_string();
        assert!(
            err.contains("not a finite number") && err.contains(bad),
            "{bad}: {err}"
        );
    }
    assert_eq!(value("tetra", "{}").unwrap(), None);
    assert_eq!(
        value("count", "count: 12.5").unwrap(),
        Some(Value::Number(12.5))
    );
    for bad in ["abc", "NaN", "inf", "1e400", "9.0.7"] {
        let err = value("count", &format!("count: {bad}"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("not a finite number") && err.contains(bad),
            "{bad}: {err}"
        );
    }
}

/// The tetra playbook reads the connector's folder from the service's image
/// path whatever its case (Windows paths are case-insensitive,
/// docs/DEVICES.md); a folder with a quote PowerShell reads as one is never
/// put into a command, but the connector still reads as running.
#[test]
fn tetra_reads_the_running_connector_whatever_its_path() {
    let text = include_str!("../../../playbooks/secure-endpoint-tetra.yaml");
    let pb = Playbook::parse(text, std::path::Path::new("tetra.yaml")).unwrap();
    let text = |v: &str| Some(Value::Text(v.to_string()));
    let line = |dir: &str, image: &str| format!("Running|\"{dir}\\10.1.2.30000\\{image}\"\r\n");
    for (dir, image) in [
        (r"C:\Program Files\Cisco\AMP", "sfc.exe"),
        (r"C:\PROGRAM FILES\CISCO\AMP", "SFC.EXE"),
        (r"D:\Security\Cisco AMP", "Sfc.Exe"),
    ] {
        let out = line(dir, image);
        let folder = format!("{dir}\\10.1.2.30000");
        assert_eq!(
            capture(&pb, 0, "connector_dir", &out),
            text(&folder),
            "{out}"
        );
        assert_eq!(capture(&pb, 0, "amp_dir", &out), text(dir), "{out}");
        assert_eq!(
            capture(&pb, 0, "connector_build", &out),
            text("10.1.2.30000")
        );
        assert!(capture(&pb, 0, "connector_image", &out).is_some());
    }
    for dir in [
        r"C:\Users\O'Brien\AMP",
        "C:\\Users\\O\u{2019}Brien\\AMP",
        "C:\\x\u{2018}y",
    ] {
        for image in ["sfc.exe", "SFC.EXE"] {
            let out = line(dir, image);
            let image_path = format!("{dir}\\10.1.2.30000\\{image}");
            assert_eq!(
                capture(&pb, 0, "connector_image", &out),
                text(&image_path),
                "{out}"
            );
            for unsafe_in_a_command in ["connector_dir", "amp_dir", "connector_build"] {
                assert_eq!(capture(&pb, 0, unsafe_in_a_command, &out), None, "{out}");
            }
            assert_eq!(
                capture(&pb, 0, "connector_service_state", &out),
                text("Running")
            );
        }
    }
    let stopped = "Stopped|\"C:\\Program Files\\Cisco\\AMP\\10.1.2.30000\\sfc.exe\"\r\n";
    assert_eq!(capture(&pb, 0, "connector_image", stopped), None);
}
