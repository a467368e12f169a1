//! The ESA procedure on simulated AsyncOS appliances: what an operator sees
//! in the report and what the appliance saw.

use std::time::Duration;

use sshfleet_sim::{AsyncOsProfile, PromptStyle, UpdateBehaviour};

use crate::support::{Lab, eventually};

fn broken(name: &str) -> AsyncOsProfile {
    let mut p = AsyncOsProfile::broken(name);
    p.update = UpdateBehaviour::CompletesAfter(Duration::from_secs(1));
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_appliance_is_ok_and_untouched() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let run = lab.run(&[]).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(run.status("esa01.example.com"), "ok", "{}", run.explain());
    let host = run.host("esa01.example.com");
    assert_eq!(
        host["findings"].as_array().unwrap().len(),
        0,
        "an old, recovered failure is history: {host}"
    );
    assert_eq!(
        host["facts"]["asyncos_version"],
        AsyncOsProfile::healthy("x").version
    );
    assert_eq!(lab.host("esa01.example.com").stats().forced_updates, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_appliance_is_fixed_and_confirmed() {
    let lab = Lab::start(vec![broken("esa02.example.com")]).await;
    let run = lab.run(&["-l", "esa02.example.com"]).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(
        run.status("esa02.example.com"),
        "changed",
        "{}",
        run.explain()
    );
    let host = run.host("esa02.example.com");
    let ids: Vec<&str> = host["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"ecs-token-403"), "{host}");
    assert_eq!(host["actions"], serde_json::json!(["ecupdate force"]));
    assert!(
        host["findings"][0]["evidence"]
            .as_str()
            .unwrap()
            .contains("ECS:"),
        "{host}"
    );
    let sim = lab.host("esa02.example.com");
    assert_eq!(sim.stats().forced_updates, 1);
    // Both follows were stopped with Ctrl-C and the session was closed.
    eventually("session closed", || sim.stats().sessions_open == 0).await;
    let stats = sim.stats();
    assert_eq!(stats.follows_active, 0);
    assert!(stats.interrupts >= 2, "{stats:?}");
    assert!(run.stdout().contains("changed"), "{}", run.explain());
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_completion_line_does_not_confirm_and_the_real_one_is_awaited() {
    let mut p = broken("esa03.example.com");
    p.stale_completion = true;
    p.update = UpdateBehaviour::CompletesAfter(Duration::from_millis(2500));
    // The appliance's clock is hours away from ours: only its own clock may
    // decide which lines belong to this run.
    p.clock_offset = chrono::Duration::hours(-7);
    let lab = Lab::start(vec![p]).await;
    let run = lab.run(&[]).await;
    assert_eq!(
        run.status("esa03.example.com"),
        "changed",
        "{}",
        run.explain()
    );
    let ms = run.host("esa03.example.com")["duration_ms"]
        .as_u64()
        .unwrap();
    assert!(
        ms >= 2500,
        "confirmed after {ms} ms, before the update this run requested could complete"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_completion_with_an_update_that_never_completes_fails() {
    let mut p = broken("esa04.example.com");
    p.stale_completion = true;
    p.update = UpdateBehaviour::NeverCompletes;
    let lab = Lab::start(vec![p]).await;
    let run = lab.run(&["-e", "update_timeout=2s"]).await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    assert_eq!(run.status("esa04.example.com"), "failed");
    let error = run.error("esa04.example.com");
    assert!(
        error.contains("enrollment_client update completed") && error.contains("2s"),
        "{error}"
    );
    assert!(error.contains("older success line"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn update_that_never_completes_fails_after_timeout_and_leaves_no_follow() {
    let mut p = broken("esa05.example.com");
    p.update = UpdateBehaviour::NeverCompletes;
    let lab = Lab::start(vec![p]).await;
    let run = lab.run(&["-e", "update_timeout=1500ms"]).await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    assert_eq!(run.status("esa05.example.com"), "failed");
    let host = run.host("esa05.example.com");
    assert!(
        host["error"].as_str().unwrap().contains("Ctrl-C sent"),
        "{host}"
    );
    // The change was attempted but not confirmed: not "changed".
    let sim = lab.host("esa05.example.com");
    eventually("session closed", || sim.stats().sessions_open == 0).await;
    assert_eq!(sim.stats().follows_active, 0);
    assert_eq!(sim.stats().interrupts, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_and_machine_prompts_work() {
    let mut cluster = broken("esa06.example.com");
    cluster.prompt = PromptStyle::Cluster("prod-mail".to_string());
    let mut machine = AsyncOsProfile::healthy("esa07.mail.very-long-subdomain.example.com");
    machine.prompt = PromptStyle::Machine;
    let lab = Lab::start(vec![cluster, machine]).await;
    let run = lab.run(&[]).await;
    assert_eq!(
        run.status("esa06.example.com"),
        "changed",
        "{}",
        run.explain()
    );
    assert_eq!(
        run.status("esa07.mail.very-long-subdomain.example.com"),
        "ok",
        "{}",
        run.explain()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_mode_reports_what_it_would_do_and_changes_nothing() {
    let lab = Lab::start(vec![
        broken("esa08.example.com"),
        AsyncOsProfile::healthy("esa09.example.com"),
    ])
    .await;
    let run = lab.run(&["--check"]).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(run.report.as_ref().unwrap()["check_mode"], true);
    assert_eq!(run.status("esa08.example.com"), "changed");
    assert_eq!(
        run.host("esa08.example.com")["actions"],
        serde_json::json!(["would run: ecupdate force"])
    );
    assert_eq!(run.status("esa09.example.com"), "ok");
    for name in ["esa08.example.com", "esa09.example.com"] {
        let stats = lab.host(name).stats();
        assert_eq!(stats.forced_updates, 0);
        assert!(
            !stats.commands.iter().any(|c| c.starts_with("ecupdate")),
            "{stats:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn proactive_updates_only_asyncos_15_and_later() {
    let new = AsyncOsProfile::healthy("esa10.example.com");
    let mut old = AsyncOsProfile::healthy("esa11.example.com");
    old.version = "14.2.0-620".to_string();
    let mut new = new;
    new.version = "15.0.1-012".to_string();
    new.update = UpdateBehaviour::CompletesAfter(Duration::from_secs(1));
    let lab = Lab::start(vec![new, old]).await;
    let run = lab.run(&["-e", "proactive=true"]).await;
    assert_eq!(
        run.status("esa10.example.com"),
        "changed",
        "{}",
        run.explain()
    );
    assert_eq!(run.status("esa11.example.com"), "ok", "{}", run.explain());
    assert_eq!(lab.host("esa10.example.com").stats().forced_updates, 1);
    assert_eq!(lab.host("esa11.example.com").stats().forced_updates, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn output_trickling_byte_by_byte_is_read_correctly() {
    let mut p = broken("esa12.example.com");
    p.faults
        .push(sshfleet_sim::Fault::Trickle(Duration::from_micros(200)));
    let lab = Lab::start(vec![p]).await;
    let run = lab.run(&[]).await;
    assert_eq!(
        run.status("esa12.example.com"),
        "changed",
        "{}",
        run.explain()
    );
    assert_eq!(
        run.host("esa12.example.com")["facts"]["asyncos_version"],
        "15.0.1-012"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn transcripts_record_the_session() {
    let lab = Lab::start(vec![broken("esa13.example.com")]).await;
    let dir = lab.dir.path().join("transcripts");
    let run = lab.run(&["--transcripts", dir.to_str().unwrap()]).await;
    assert_eq!(
        run.status("esa13.example.com"),
        "changed",
        "{}",
        run.explain()
    );
    let text = std::fs::read_to_string(dir.join("esa13.example.com.log")).unwrap();
    assert!(text.contains(">> ecupdate force"), "{text}");
    assert!(
        text.contains("enrollment_client update completed"),
        "{text}"
    );
    assert!(text.contains(">> ^C"), "{text}");
    // Each step heads its part; commands read as typed (no `\"`); the
    // appliance closing the session after `exit` is marked; the outcome
    // line ends it.
    assert!(
        text.contains("\n== Force the Enrollment Client update ("),
        "{text}"
    );
    assert!(
        text.contains(">> grep \"Warning|Critical|Device registration successful\" ecs\n"),
        "{text}"
    );
    assert!(!text.contains("\\r\n"), "{text}");
    assert!(text.contains("## the remote closed the session"), "{text}");
    assert!(text.trim_end().ends_with("## outcome: changed"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_host_transcript_ends_with_the_reason() {
    let lab = Lab::start(vec![crate::support::never_completes("esa16.example.com")]).await;
    let dir = lab.dir.path().join("transcripts");
    let run = lab
        .run(&[
            "-e",
            "update_timeout=2s",
            "--transcripts",
            dir.to_str().unwrap(),
        ])
        .await;
    assert_eq!(
        run.status("esa16.example.com"),
        "failed",
        "{}",
        run.explain()
    );
    let text = std::fs::read_to_string(dir.join("esa16.example.com.log")).unwrap();
    let last = text.trim_end().lines().last().unwrap();
    assert!(
        last.contains("## outcome: failed: step `Follow updater_logs until this update completes`"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_terminal_results_are_plain_lines() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa14.example.com"),
        broken("esa15.example.com"),
    ])
    .await;
    // Not `--no-progress`: stdout and stderr are pipes, which alone must
    // turn the bars off (cron, CI, log files).
    let out = crate::support::sshfleet_cmd(&lab.run_args(&[]), &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        !stdout.contains('\x1b') && !stderr.contains('\x1b'),
        "escape codes without a terminal"
    );
    assert!(
        !stderr.contains('\r'),
        "a progress bar was drawn: {stderr:?}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("ok ") && l.contains("esa14.example.com")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("changed ") && l.contains("esa15.example.com")),
        "{stdout}"
    );
    assert!(
        stdout.contains("2 hosts: 1 ok, 1 changed, 0 failed, 0 unreachable"),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_live_bars_are_drawn_and_results_still_printed() {
    let lab = Lab::start(vec![broken("esa16.example.com")]).await;
    let Some(out) = crate::support::sshfleet_on_terminal(&lab.run_args(&[]), &[]).await else {
        return;
    };
    let raw = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{raw}");
    assert!(
        raw.contains('\x1b'),
        "nothing was drawn on the terminal: {raw}"
    );
    let screen = regex::Regex::new(r"\x1b\[[0-9;]*[A-Za-z]")
        .unwrap()
        .replace_all(&raw, "");
    // The overall bar with its counts, and the host's current step.
    assert!(screen.contains("1/1"), "{screen}");
    assert!(screen.contains("ok 0  changed 0"), "{screen}");
    assert!(
        screen.contains("esa16.example.com Follow updater_logs"),
        "{screen}"
    );
    // A step that waits shows the deadline it waits on (update_timeout).
    assert!(
        regex::Regex::new(r"Follow updater_logs until this update completes \(\d+s of 10m\)")
            .unwrap()
            .is_match(&screen),
        "{screen}"
    );
    // The result is a line of its own, not only in the bar.
    assert!(
        screen
            .lines()
            .any(|l| l.contains("changed") && l.contains("esa16.example.com  found:")),
        "{screen}"
    );
}

/// The commands a transcript shows were typed, less Ctrl-C and `exit`.
fn commands_typed(transcript: &str) -> Vec<&str> {
    transcript
        .lines()
        .filter_map(|l| l.split_once(" >> ").map(|(_, command)| command))
        .filter(|c| *c != "^C" && *c != "exit")
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_healthy_appliance_costs_two_commands_and_a_broken_one_six() {
    // Every AsyncOS command is a round trip plus the CLI's own time: the
    // README promises these counts, and the transcripts show them.
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa17.example.com"),
        broken("esa18.example.com"),
    ])
    .await;
    let dir = lab.dir.path().join("transcripts");
    let run = lab.run(&["--transcripts", dir.to_str().unwrap()]).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    let read = |name: &str| std::fs::read_to_string(dir.join(format!("{name}.log"))).unwrap();
    let healthy = read("esa17.example.com");
    assert_eq!(
        commands_typed(&healthy),
        [
            "version",
            "grep \"Warning|Critical|Device registration successful\" ecs"
        ],
        "{healthy}"
    );
    let broken = read("esa18.example.com");
    assert_eq!(
        commands_typed(&broken),
        [
            "version",
            "grep \"Warning|Critical|Device registration successful\" ecs",
            "status",
            "ecupdate force",
            "tail updater_logs",
            "tail ecs",
        ],
        "{broken}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn check_mode_stops_a_broken_appliance_at_three_read_only_commands() {
    let lab = Lab::start(vec![broken("esa19.example.com")]).await;
    let dir = lab.dir.path().join("transcripts");
    let run = lab
        .run(&["--check", "--transcripts", dir.to_str().unwrap()])
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    let text = std::fs::read_to_string(dir.join("esa19.example.com.log")).unwrap();
    assert_eq!(
        commands_typed(&text),
        [
            "version",
            "grep \"Warning|Critical|Device registration successful\" ecs",
            "status",
        ],
        "{text}"
    );
    assert_eq!(lab.host("esa19.example.com").stats().forced_updates, 0);
}
