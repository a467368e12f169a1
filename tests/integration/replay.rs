//! Issue 16, record and replay: `run --record` against the simulator,
//! `sim --replay` serving the recordings over real SSH, and the same
//! playbook ending the same on the replay; times shifted both ways;
//! recordings free of secrets; `playbook test` in CI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use sshfleet_sim::serve::SimFiles;
use sshfleet_sim::{AsyncOsProfile, AsyncOsScenario, Fault, UpdateBehaviour};

use crate::sim_cli::SimProcess;
use crate::support::{Lab, never_completes, sshfleet_cmd};

/// `sshfleet run PLAYBOOK` on these files plus `extra`: the exit code,
/// the report, and the output to explain a failure.
async fn run_on(
    files: &SimFiles,
    playbook: &str,
    report: &Path,
    extra: &[&str],
) -> (Option<i32>, Value, String) {
    let mut args: Vec<String> = [
        "run",
        playbook,
        "-i",
        files.inventory.to_str().unwrap(),
        "--known-hosts",
        files.known_hosts.to_str().unwrap(),
        "-F",
        "none",
        "--report",
        report.to_str().unwrap(),
        "--no-progress",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let output = sshfleet_cmd(&args, &[]).await;
    let explain = format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = std::fs::read_to_string(report)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("no report; {explain}"));
    (output.status.code(), report, explain)
}

/// Each host's status and finding ids (sorted).
fn outcomes(report: &Value) -> BTreeMap<String, (String, Vec<String>)> {
    report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let mut ids: Vec<String> = h["findings"]
                .as_array()
                .map(|f| {
                    f.iter()
                        .map(|f| f["id"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            ids.sort();
            let name = h["name"].as_str().unwrap().to_string();
            (name, (h["status"].as_str().unwrap().to_string(), ids))
        })
        .collect()
}

/// Serve `recordings` with `sshfleet sim --replay` (plus `extra`) from
/// `dir`, once its inventory is written.
pub(crate) fn replay(dir: &Path, recordings: &Path, extra: &[&str]) -> (SimProcess, SimFiles) {
    std::fs::create_dir_all(dir).unwrap();
    let files = SimFiles::beside(&dir.join("replay.yaml"));
    let mut args = vec![
        "--replay",
        recordings.to_str().unwrap(),
        "--inventory-out",
        files.inventory.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let mut sim = SimProcess::start(dir, &args);
    sim.wait_for(&files.inventory);
    (sim, files)
}

/// The text of every recording in `dir`, by file name.
fn recordings(dir: &Path) -> BTreeMap<PathBuf, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// No recording holds the client's private key, nor anything of it.
fn assert_no_key_material(recorded: &BTreeMap<PathBuf, String>, key_file: &Path) {
    let key = std::fs::read_to_string(key_file).unwrap();
    let body: Vec<&str> = key
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 16)
        .collect();
    assert!(!body.is_empty());
    for (path, text) in recorded {
        assert!(!text.contains("PRIVATE KEY"), "{}", path.display());
        for line in &body {
            assert!(!text.contains(line), "key material in {}", path.display());
        }
    }
}

#[cfg(unix)]
fn assert_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for path in recordings(dir).keys() {
        assert_eq!(mode(path), 0o600, "{}", path.display());
    }
}

#[cfg(not(unix))]
fn assert_private(_dir: &Path) {}

/// A simulated fleet (`sim` with `sim_args`) run once with `--record`,
/// the simulator stopped, its recordings served by `sim --replay`, and the
/// same playbook run against the replay: both reports, and what is needed
/// to go on.
struct RoundTrip {
    code: Option<i32>,
    recorded: Value,
    explain: String,
    replay_code: Option<i32>,
    replayed: Value,
    replay_explain: String,
    sim_files: SimFiles,
    rec: PathBuf,
    replayer: SimProcess,
    replay_files: SimFiles,
}

async fn round_trip(
    dir: &Path,
    sim_args: &[&str],
    playbook: &str,
    vars: &[&str],
    replay_extra: &[&str],
) -> RoundTrip {
    let lab = dir.join("lab");
    std::fs::create_dir(&lab).unwrap();
    let sim_files = SimFiles::beside(&lab.join("sim.yaml"));
    let mut args = sim_args.to_vec();
    args.extend(["--inventory-out", sim_files.inventory.to_str().unwrap()]);
    let mut sim = SimProcess::start(&lab, &args);
    sim.wait_for(&sim_files.inventory);
    let rec = dir.join("rec");
    let mut args = vec!["--record", rec.to_str().unwrap()];
    args.extend_from_slice(vars);
    let (code, recorded, explain) =
        run_on(&sim_files, playbook, &dir.join("recorded.json"), &args).await;
    assert_eq!(sim.interrupt().code(), Some(0));

    let (replayer, replay_files) = replay(&dir.join("replay"), &rec, &[]);
    let mut args = replay_extra.to_vec();
    args.extend_from_slice(vars);
    let (replay_code, replayed, replay_explain) =
        run_on(&replay_files, playbook, &dir.join("replayed.json"), &args).await;
    RoundTrip {
        code,
        recorded,
        explain,
        replay_code,
        replayed,
        replay_explain,
        sim_files,
        rec,
        replayer,
        replay_files,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_esa_fleet_replayed_from_its_recordings_ends_the_same_and_check_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // As in sim_cli: the trickle host is slow under a parallel test run.
    let vars = ["-e", "update_timeout=12s", "-e", "command_timeout=10s"];
    let transcripts = dir.path().join("transcripts");
    let trip = round_trip(
        dir.path(),
        &[
            "--hosts",
            "8",
            "--scenario",
            "mixed",
            "--update-duration",
            "1s",
        ],
        "esa-ecupdate",
        &vars,
        &["--transcripts", transcripts.to_str().unwrap()],
    )
    .await;
    let explain = &trip.explain;
    assert_eq!(trip.code, Some(2), "{explain}");
    let texts = recordings(&trip.rec);
    assert_eq!(texts.len(), 8, "{texts:?}");
    assert_no_key_material(&texts, &trip.sim_files.key);
    assert_private(&trip.rec);
    let replay_explain = &trip.replay_explain;
    assert_eq!(trip.replay_code, trip.code, "{replay_explain}");
    let want = outcomes(&trip.recorded);
    assert_eq!(
        outcomes(&trip.replayed),
        want,
        "recorded:\n{explain}\nreplayed:\n{replay_explain}"
    );
    // Every scenario's ending is there, the stale completion's included.
    let statuses: std::collections::BTreeSet<&str> =
        want.values().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
        statuses,
        ["changed", "failed", "ok"].into_iter().collect(),
        "{explain}"
    );

    // --check on the replay: every diagnostic, no `ecupdate force` sent.
    let checked_transcripts = dir.path().join("checked");
    let mut args = vec![
        "--check",
        "--transcripts",
        checked_transcripts.to_str().unwrap(),
    ];
    args.extend_from_slice(&vars);
    let (_, checked, check_explain) = run_on(
        &trip.replay_files,
        "esa-ecupdate",
        &dir.path().join("checked.json"),
        &args,
    )
    .await;
    assert_eq!(checked["check_mode"], true, "{check_explain}");
    let would_change = outcomes(&checked)
        .values()
        .filter(|(s, _)| s == "changed")
        .count();
    assert!(would_change > 0, "{check_explain}");
    for (path, text) in recordings(&checked_transcripts) {
        assert!(
            !text.contains(">> ecupdate force"),
            "{} sent a change in check mode:\n{text}",
            path.display()
        );
    }
    assert_eq!(trip.replayer.interrupt().code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn windows_endpoints_replayed_from_their_recordings_end_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let vars = [
        "-e",
        "update_poll_interval=500ms",
        "-e",
        "update_timeout=5s",
    ];
    let trip = round_trip(
        dir.path(),
        &[
            "--model",
            "windows",
            "--hosts",
            "11",
            "--update-duration",
            "1s",
        ],
        "secure-endpoint-tetra",
        &vars,
        &[],
    )
    .await;
    let (explain, replay_explain) = (&trip.explain, &trip.replay_explain);
    assert_eq!(trip.code, Some(2), "{explain}");
    let texts = recordings(&trip.rec);
    assert_eq!(texts.len(), 11);
    assert_no_key_material(&texts, &trip.sim_files.key);
    assert!(
        texts.values().all(|t| t.contains("\"mode\":\"exec\"")),
        "{texts:?}"
    );
    assert_eq!(trip.replay_code, trip.code, "{replay_explain}");
    assert_eq!(
        outcomes(&trip.replayed),
        outcomes(&trip.recorded),
        "recorded:\n{explain}\nreplayed:\n{replay_explain}"
    );
    assert_eq!(trip.replayer.interrupt().code(), Some(0));
}

/// Appliances whose clocks are 400 days off (ahead on one, behind on the
/// other) are recorded; on replay their times are moved to now, both
/// ways, and the stale-completion and future-stamp rules judge exactly as
/// they did: an old backlog completion and a future-stamped one never
/// confirm anything.
#[tokio::test(flavor = "multi_thread")]
async fn replayed_times_move_to_now_both_ways_and_are_judged_as_recorded() {
    let mut ahead = never_completes("esa01.example.com")
        .with_fault(Fault::ClockSteppedBack(Duration::from_secs(3600)));
    ahead.clock_offset = chrono::Duration::days(400);
    let mut behind = AsyncOsScenario::StaleCompletion.profile("esa02.example.com");
    behind.update = UpdateBehaviour::CompletesAfter(Duration::from_millis(800));
    behind.clock_offset = chrono::Duration::days(-400);
    let lab = Lab::start(vec![ahead, behind]).await;
    let rec = lab.dir.path().join("rec");
    let recorded = lab
        .run(&["-e", "update_timeout=4s", "--record", rec.to_str().unwrap()])
        .await;
    assert_eq!(
        recorded.status("esa01.example.com"),
        "failed",
        "{}",
        recorded.explain()
    );
    assert_eq!(
        recorded.status("esa02.example.com"),
        "changed",
        "{}",
        recorded.explain()
    );
    let year = |offset: i64| {
        (chrono::Utc::now() + chrono::Duration::days(offset))
            .format("%Y")
            .to_string()
    };
    let texts = recordings(&rec);
    let esa02 = &texts[&rec.join("esa02.example.com.jsonl")];
    assert!(
        esa02.contains("\"clock\":{\"fact\":\"appliance_clock\",\"text\":\""),
        "{esa02}"
    );

    let files = SimFiles {
        inventory: lab.dir.path().join("replay/replay.yaml"),
        key: lab.dir.path().join("replay/replay.key"),
        known_hosts: lab.dir.path().join("replay/replay.known_hosts"),
    };
    let (replayer, replay_files) = replay(&lab.dir.path().join("replay"), &rec, &[]);
    assert_eq!(replay_files, files);
    let (_, replayed, explain) = run_on(
        &files,
        "esa-ecupdate",
        &lab.dir.path().join("replayed.json"),
        &["-e", "update_timeout=4s"],
    )
    .await;
    let recorded_report = recorded.report.clone().unwrap();
    assert_eq!(
        outcomes(&replayed),
        outcomes(&recorded_report),
        "recorded:\n{}\nreplayed:\n{explain}",
        recorded.explain()
    );
    let host = |report: &Value, name: &str| {
        report["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == name)
            .unwrap()
            .clone()
    };
    // The clock read on the replay is now's, not the recording's.
    for (name, offset) in [("esa01.example.com", 400), ("esa02.example.com", -400)] {
        let was = host(&recorded_report, name)["facts"]["appliance_clock"].to_string();
        let now = host(&replayed, name)["facts"]["appliance_clock"].to_string();
        assert!(was.contains(&year(offset)), "{name}: recorded {was}");
        assert!(now.contains(&year(0)), "{name}: replayed {now}; {explain}");
    }
    // Future-stamped backlog: ignored, and said so, on the replay too.
    let esa01 = host(&replayed, "esa01.example.com");
    assert!(
        esa01["warnings"]
            .to_string()
            .contains("stamped later than the appliance's clock"),
        "{esa01}"
    );
    // The stale completion in the backlog did not confirm: this run's did,
    // stamped now.
    let esa02 = host(&replayed, "esa02.example.com");
    let confirmations = esa02["confirmations"].as_array().unwrap();
    assert!(!confirmations.is_empty(), "{esa02}");
    for confirmation in confirmations {
        let line = confirmation["line"].as_str().unwrap();
        assert!(line.contains(&year(0)), "{line}");
    }
    assert_eq!(replayer.interrupt().code(), Some(0));
}

const PASSWORD: &str = "R3cord-N0t-Th1s";

#[tokio::test(flavor = "multi_thread")]
async fn a_recording_holds_no_password_even_one_the_appliance_echoed() {
    let lab = crate::ask_pass::password_only_lab(
        AsyncOsProfile::healthy("esa01.example.com")
            .with_fault(Fault::Trickle(Duration::from_millis(1))),
        PASSWORD,
        "      sshfleet_password_env: ESA_PASSWORD\n",
    )
    .await;
    let playbook = lab.dir.path().join("type-password.yaml");
    std::fs::write(
        &playbook,
        format!(
            "name: type-password\ndescription: Types the login password at the CLI prompt.\n\
             vars:\n  command_timeout: {{type: duration, default: 30s, description: per command}}\n  \
             login_timeout: {{type: duration, default: 30s, description: to the prompt}}\n\
             shell:\n  prompt: '^[A-Za-z0-9][A-Za-z0-9._-]*> ?$'\n  command_timeout: command_timeout\n  \
             login_timeout: login_timeout\n  exit_command: exit\n\
             steps:\n  - name: Type the password\n    run: {PASSWORD}\n    expect: 'never printed'\n"
        ),
    )
    .unwrap();
    let rec = lab.dir.path().join("rec");
    let mut args = lab.run_args(&["--record", rec.to_str().unwrap(), "--no-progress"]);
    args[1] = playbook.display().to_string();
    let out = sshfleet_cmd(&args, &[("ESA_PASSWORD", PASSWORD)]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let texts = recordings(&rec);
    let text = &texts[&rec.join("esa01.example.com.jsonl")];
    // The appliance did echo it, byte by byte: recorded as `***`.
    assert!(text.contains("{\"command\":\"***\"}"), "{text}");
    let received: String = text
        .lines()
        .filter_map(|l| {
            let line: Value = serde_json::from_str(l).unwrap();
            line["out"].as_str().map(str::to_string)
        })
        .collect();
    assert!(received.contains("missing feature key: ***"), "{received}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert_no_key_material(&texts, &lab.key_file);
}

/// A small lab recorded for `playbook test`: a healthy and a broken
/// appliance whose update is quick.
async fn recorded_pair() -> (Lab, PathBuf) {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa01.example.com"),
        crate::support::broken_quick("esa02.example.com"),
    ])
    .await;
    let rec = lab.dir.path().join("rec");
    let run = lab.run(&["--record", rec.to_str().unwrap()]).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    (lab, rec)
}

async fn playbook_test(rec: &Path, expect: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args: Vec<String> = [
        "playbook",
        "test",
        "esa-ecupdate",
        "--replay",
        rec.to_str().unwrap(),
        "--expect",
        expect.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = sshfleet_cmd(&args, &[]).await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), text)
}

#[tokio::test(flavor = "multi_thread")]
async fn playbook_test_passes_on_a_match_and_names_each_host_that_differs() {
    let (lab, rec) = recorded_pair().await;
    // The recorded run's own report is an expectation.
    let (code, out) = playbook_test(&rec, &lab.report, &[]).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("all 2 hosts ended as"), "{out}");

    // Without --expect, and in the demo: each host as it ended recorded.
    let out = sshfleet_cmd(
        &[
            "playbook".to_string(),
            "test".to_string(),
            "esa-ecupdate".to_string(),
            "--replay".to_string(),
            rec.display().to_string(),
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = sshfleet_cmd(
        &[
            "demo".to_string(),
            "--replay".to_string(),
            rec.display().to_string(),
        ],
        &[],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        stdout.contains("all 2 hosts ended as recorded in"),
        "{stdout}"
    );

    let expect = lab.dir.path().join("expect.yaml");
    std::fs::write(
        &expect,
        "esa01.example.com: {status: ok}\n\
         esa02.example.com: {status: ok, findings: [ecs-token-403]}\n",
    )
    .unwrap();
    let (code, out) = playbook_test(&rec, &expect, &[]).await;
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("esa02.example.com: status: expected ok, got changed"),
        "{out}"
    );
    assert!(
        out.contains(
            "esa02.example.com: findings: expected ecs-token-403, got ecs-empty-polling-uri, ecs-token-403"
        ),
        "{out}"
    );
    assert!(!out.contains("esa01.example.com: "), "{out}");

    // A fault on top of the recording: the appliance stops answering after
    // two commands, all a healthy one needs, but not a broken one.
    let (code, out) = playbook_test(
        &rec,
        &lab.report,
        &["--fault", "stop-answering", "-e", "command_timeout=2s"],
    )
    .await;
    assert_eq!(code, Some(2), "{out}");
    assert!(
        out.contains("esa02.example.com: status: expected changed, got failed"),
        "{out}"
    );
    assert!(!out.contains("esa01.example.com: status"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_recording_is_bad_input_naming_file_and_line() {
    let (lab, rec) = recorded_pair().await;
    let path = rec.join("esa01.example.com.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    let line = text.lines().count() + 1;
    text.push_str("{\"ms\": \"soon\", \"out\": \"x\"}\n");
    std::fs::write(&path, text).unwrap();
    let (code, out) = playbook_test(&rec, &lab.report, &[]).await;
    assert_eq!(code, Some(5), "{out}");
    assert!(
        out.contains(&format!("esa01.example.com.jsonl:{line}: ")),
        "{out}"
    );
    let inventory = lab.dir.path().join("replay.yaml");
    let out = sshfleet_cmd(
        &[
            "sim".to_string(),
            "--replay".to_string(),
            rec.display().to_string(),
            "--inventory-out".to_string(),
            inventory.display().to_string(),
        ],
        &[],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains(&format!("esa01.example.com.jsonl:{line}: ")),
        "{stderr}"
    );
    assert!(!inventory.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_appliance_that_pages_replays_through_its_pager() {
    let lab = Lab::start(vec![
        crate::support::broken_quick("esa01.example.com").with_fault(Fault::PagesAt(24)),
    ])
    .await;
    let rec = lab.dir.path().join("rec");
    let run = lab.run(&["--record", rec.to_str().unwrap()]).await;
    assert_eq!(
        run.status("esa01.example.com"),
        "changed",
        "{}",
        run.explain()
    );
    let text = &recordings(&rec)[&rec.join("esa01.example.com.jsonl")];
    // The pager's answers are in the recording, and waited for on replay.
    assert!(
        text.contains("{\"ms\":") && text.contains(",\"key\":\" \"}"),
        "{text}"
    );
    let (code, out) = playbook_test(&rec, &lab.report, &[]).await;
    assert_eq!(code, Some(0), "{out}");
}

/// A copy of the recordings in `rec` under `lab`'s directory as `name`,
/// with `edit` applied to the header of esa01's recording.
fn edited_copy(lab: &Lab, rec: &Path, name: &str, edit: impl Fn(&mut Value)) -> PathBuf {
    let dir = lab.dir.path().join(name);
    std::fs::create_dir(&dir).unwrap();
    for (path, text) in recordings(rec) {
        let file = dir.join(path.file_name().unwrap());
        let text = if file.ends_with("esa01.example.com.jsonl") {
            let (header, rest) = text.split_once('\n').unwrap();
            let mut header: Value = serde_json::from_str(header).unwrap();
            edit(&mut header);
            format!("{header}\n{rest}")
        } else {
            text
        };
        std::fs::write(file, text).unwrap();
    }
    dir
}

/// What a replay cannot be exact about is refused, exit 5, naming the
/// recording (never the replay's temporary inventory): a `host` that is an
/// inventory pattern (a range would make one recording thousands of
/// hosts), a variable masked as `***` because it held a secret (unless
/// `-e` gives it), a value the playbook refuses, and a `*.jsonl` that is a
/// FIFO or a link to a device (which was skipped, and the test passed).
#[tokio::test(flavor = "multi_thread")]
async fn a_replay_refuses_patterns_masked_secrets_and_fifos_naming_the_recording() {
    let (lab, rec) = recorded_pair().await;
    let test = |dir: &Path, extra: &[&str]| {
        let mut args: Vec<String> = ["playbook", "test", "esa-ecupdate", "--replay"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.push(dir.display().to_string());
        args.extend(extra.iter().map(|s| s.to_string()));
        async move {
            let out = sshfleet_cmd(&args, &[]).await;
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            (out.status.code(), text)
        }
    };
    for (name, host) in [
        ("range", "e[a:z]x[a:z]y[a:z]"),
        ("big", "e[0:99999999999]"),
        ("port", "esa01.example.com:2222"),
    ] {
        let dir = edited_copy(&lab, &rec, name, |h| h["host"] = host.into());
        let (code, out) = test(&dir, &[]).await;
        assert_eq!(code, Some(5), "{host}: {out}");
        assert!(
            out.contains(&format!("{name}/esa01.example.com.jsonl:1: "))
                && out.contains("not a host name"),
            "{host}: {out}"
        );
        assert!(!out.contains("replay.yaml"), "{out}");
    }

    let masked = edited_copy(&lab, &rec, "masked", |h| {
        h["vars"]["command_timeout"] = "***".into();
    });
    let (code, out) = test(&masked, &[]).await;
    assert_eq!(code, Some(5), "{out}");
    for needle in [
        "masked/esa01.example.com.jsonl:1: ",
        "`command_timeout` masked as `***`",
        "-e command_timeout=VALUE",
    ] {
        assert!(out.contains(needle), "{needle}: {out}");
    }
    assert!(!out.contains("replay.yaml"), "{out}");
    let (code, out) = test(&masked, &["-e", "command_timeout=20s"]).await;
    assert_eq!(code, Some(0), "{out}");

    let wrong = edited_copy(&lab, &rec, "wrong", |h| {
        h["vars"]["command_timeout"] = "banana".into();
    });
    let (code, out) = test(&wrong, &[]).await;
    assert_eq!(code, Some(5), "{out}");
    assert!(
        out.contains("wrong/esa01.example.com.jsonl:1: header: variable `command_timeout`"),
        "{out}"
    );

    let fifo = rec.join("b.jsonl");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success());
    std::os::unix::fs::symlink("/dev/zero", rec.join("c.jsonl")).unwrap();
    for args in [
        vec!["playbook", "test", "esa-ecupdate", "--replay"],
        vec!["demo", "--replay"],
    ] {
        let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        args.push(rec.display().to_string());
        let out = sshfleet_cmd(&args, &[]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {stderr}");
        assert!(
            stderr.contains("b.jsonl") && stderr.contains("not a regular file"),
            "{args:?}: {stderr}"
        );
    }
}

/// `esa/1` and `esa_1` were both `DIR/esa_1.log` and `DIR/esa_1.jsonl`:
/// one session silently overwrote the other, and `playbook test` then
/// refused the recording (`esa/1` is not a host name). Each host now has
/// a transcript of its own, and `--record` refuses, before any host, a
/// host whose name a recording cannot carry.
#[tokio::test(flavor = "multi_thread")]
async fn hosts_whose_names_shared_a_file_keep_their_own_transcripts_and_recordings() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let port = lab.host("esa01.example.com").addr.port();
    lab.write_inventory_of(&[("esa/1", port), ("esa_1", port), ("esa 1", port)]);
    let tr = lab.dir.path().join("tr");
    let run = lab
        .run(&["--check", "--transcripts", tr.to_str().unwrap()])
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    let logs = recordings(&tr);
    assert_eq!(logs.len(), 3, "{:?}", logs.keys());
    for file in ["esa%2F1.log", "esa_1.log", "esa%201.log"] {
        let text = &logs[&tr.join(file)];
        assert!(text.contains("outcome: "), "{file}: {text}");
    }

    let rec = lab.dir.path().join("rec");
    let run = lab
        .run(&["--check", "--record", rec.to_str().unwrap()])
        .await;
    assert_eq!(run.code(), 5, "{}", run.explain());
    let err = run.stderr();
    assert!(
        err.contains("--record: host `esa/1` cannot be recorded") && err.contains("inventory.yaml"),
        "{err}"
    );
    assert!(
        !rec.exists() || recordings(&rec).is_empty(),
        "nothing recorded"
    );

    // Names a recording carries, one file each, replayed by `playbook test`.
    lab.write_inventory_of(&[("esa-1", port), ("esa_1", port)]);
    let run = lab
        .run(&["--check", "--record", rec.to_str().unwrap()])
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(recordings(&rec).len(), 2);
    let (code, out) = playbook_test(&rec, &lab.report, &[]).await;
    assert_eq!(code, Some(0), "{out}");
}
