//! Whole-fleet behaviour: many appliances with every fault at once, and an
//! operator's Ctrl-C in the middle of a run.

use std::time::Duration;

use sshfleet_sim::{AsyncOsProfile, Fault, PromptStyle, UpdateBehaviour};

use crate::support::{Lab, eventually};

/// One appliance of each kind, and the status it must end with.
fn kind(i: usize) -> (AsyncOsProfile, &'static str) {
    let name = format!("esa{i:03}.example.com");
    let mut broken = AsyncOsProfile::broken(&name);
    broken.update =
        UpdateBehaviour::CompletesAfter(Duration::from_millis(1000 + 100 * (i as u64 % 10)));
    match i % 10 {
        0 => (AsyncOsProfile::healthy(&name), "ok"),
        1 => (broken, "changed"),
        2 => {
            broken.stale_completion = true;
            broken.update = UpdateBehaviour::CompletesAfter(Duration::from_secs(2));
            (broken, "changed")
        }
        3 => {
            broken.update = UpdateBehaviour::NeverCompletes;
            (broken, "failed")
        }
        4 => {
            broken.prompt = PromptStyle::Cluster("emea".to_string());
            (broken, "changed")
        }
        5 => (
            broken.with_fault(Fault::DropMidFollow(Duration::from_millis(500))),
            "failed",
        ),
        6 => (
            AsyncOsProfile::healthy(&name).with_fault(Fault::StopAnswering(1)),
            "failed",
        ),
        7 => (
            broken.with_fault(Fault::Trickle(Duration::from_micros(50))),
            "changed",
        ),
        8 => {
            let mut p = AsyncOsProfile::healthy(&name);
            p.prompt = PromptStyle::Machine;
            p.clock_offset = chrono::Duration::hours(9);
            (p, "ok")
        }
        _ => {
            let mut p = AsyncOsProfile::healthy(&name);
            p.version = "14.2.0-620".to_string();
            (p, "ok")
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_mixed_appliances_each_end_right_and_in_parallel() {
    let (profiles, expected): (Vec<_>, Vec<_>) = (0..50).map(kind).unzip();
    let lab = Lab::start(profiles).await;
    // Two more that are down.
    let mut yaml = std::fs::read_to_string(&lab.inventory).unwrap();
    for name in ["esa-down1.example.com", "esa-down2.example.com"] {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        yaml.push_str(&format!(
            "    {name}:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n"
        ));
    }
    std::fs::write(&lab.inventory, yaml).unwrap();

    let run = lab
        .run(&[
            "-f",
            "60",
            "-e",
            "update_timeout=4s",
            "-e",
            "command_timeout=3s",
            "--connect-retries",
            "0",
        ])
        .await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    let report = run.report.as_ref().unwrap();
    let hosts = report["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 52, "every selected host exactly once");
    for (i, want) in expected.iter().enumerate() {
        let name = format!("esa{i:03}.example.com");
        assert_eq!(run.status(&name), *want, "{name}: {}", run.host(&name));
    }
    assert_eq!(run.status("esa-down1.example.com"), "unreachable");
    assert_eq!(report["summary"]["failed"], 15);
    assert_eq!(report["summary"]["unreachable"], 2);

    // Hosts ran side by side: at some moment many hosts were between their
    // first step's start and their last step's end (from the report's step
    // timings; counted, not timed, so a loaded machine cannot fail it).
    let mut edges: Vec<(u64, i64)> = Vec::new();
    for h in hosts {
        let steps = h["steps"].as_array().unwrap();
        let first = steps.first().unwrap()["start_ms"].as_u64().unwrap();
        let last = steps
            .iter()
            .map(|s| s["start_ms"].as_u64().unwrap() + s["duration_ms"].as_u64().unwrap())
            .max()
            .unwrap();
        edges.push((first, 1));
        edges.push((last.max(first + 1), -1));
    }
    edges.sort();
    let (mut open, mut most) = (0i64, 0i64);
    for (_, change) in edges {
        open += change;
        most = most.max(open);
    }
    assert!(
        most >= 20,
        "at most {most} hosts were running at once with -f 60: hosts were not run concurrently"
    );

    // No appliance is left following a log or holding a session.
    for host in lab.fleet.hosts() {
        eventually("sessions closed", || host.stats().sessions_open == 0).await;
        assert_eq!(host.stats().follows_active, 0, "{}", host.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_mid_run_stops_every_follow_and_still_writes_the_report() {
    let profiles: Vec<_> = (0..6)
        .map(|i| {
            let mut p = AsyncOsProfile::broken(&format!("esa{i:02}.example.com"));
            p.update = UpdateBehaviour::NeverCompletes;
            p
        })
        .collect();
    let lab = Lab::start(profiles).await;
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .args(["run", "esa-ecupdate", "-i"])
        .arg(&lab.inventory)
        .arg("--known-hosts")
        .arg(&lab.known_hosts)
        .arg("--report")
        .arg(&lab.report)
        .arg("--lock")
        .arg(lab.dir.path().join("run.lock"))
        .args(["-f", "3", "--no-progress"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    // Wait until three hosts are following updater_logs.
    let following = || {
        lab.fleet
            .hosts()
            .iter()
            .filter(|h| h.stats().follows_active > 0)
            .count()
    };
    eventually("three hosts following", || following() == 3).await;
    let pid = child.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(kill.success());

    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("sshfleet did not stop after SIGINT")
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.report).unwrap()).unwrap();
    assert_eq!(report["interrupted"], true);
    let hosts = report["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 6, "every host is in the report");
    let in_flight: Vec<_> = hosts.iter().filter(|h| h["status"] == "failed").collect();
    let not_run: Vec<_> = hosts.iter().filter(|h| h["status"] == "skipped").collect();
    assert_eq!(in_flight.len(), 3, "{report}");
    assert_eq!(not_run.len(), 3, "{report}");
    for h in &in_flight {
        assert!(h["error"].as_str().unwrap().contains("interrupted"), "{h}");
        assert_ne!(h["status"], "changed");
    }
    for h in &not_run {
        assert!(h["error"].as_str().unwrap().contains("not run"), "{h}");
    }
    // Every remote tail got its Ctrl-C and every session was closed.
    for host in lab.fleet.hosts() {
        eventually("sessions closed", || host.stats().sessions_open == 0).await;
        let stats = host.stats();
        assert_eq!(stats.follows_active, 0, "{}: {stats:?}", host.name);
        if stats.forced_updates > 0 {
            assert_eq!(stats.interrupts, 1, "{}: {stats:?}", host.name);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hosts_start_in_inventory_order() {
    // Names out of sorted order, so that neither name order nor the
    // runtime's task order can pass for inventory order.
    let names = [
        "esa07.example.com",
        "esa02.example.com",
        "esa09.example.com",
        "esa01.example.com",
        "esa05.example.com",
        "esa08.example.com",
        "esa03.example.com",
        "esa06.example.com",
    ];
    let lab = Lab::start(names.iter().map(|n| AsyncOsProfile::healthy(n)).collect()).await;
    for forks in ["1", "3"] {
        let run = lab.run(&["-f", forks, "--log-format", "json"]).await;
        assert_eq!(run.code(), 0, "{}", run.explain());
        let events: Vec<serde_json::Value> = run
            .stdout()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        let started: Vec<&str> = events
            .iter()
            .filter(|e| e["event"] == "host_started")
            .filter_map(|e| e["host"].as_str())
            .collect();
        if forks == "1" {
            assert_eq!(started, names, "-f 1");
        } else {
            // The first three forks go to the first three hosts listed.
            let mut first: Vec<&str> = started[..3].to_vec();
            first.sort_unstable();
            let mut want = names[..3].to_vec();
            want.sort_unstable();
            assert_eq!(first, want, "-f 3: {started:?}");
        }
    }
}

/// `RUST_LOG=sshfleet=debug` reads as a story per host: every debug line
/// of a host's work names the host (and the step), so interleaved hosts
/// can be told apart, and the story shows what was sent and how the host
/// ended. (In its own process: a test binary's parallel threads share
/// tracing's callsite cache, which makes an in-process check unreliable.)
#[tokio::test(flavor = "multi_thread")]
async fn debug_log_tells_each_hosts_story_under_its_name() {
    let lab = Lab::start(vec![
        crate::support::broken_quick("esa01.example.com"),
        AsyncOsProfile::healthy("esa02.example.com"),
    ])
    .await;
    let mut args = lab.run_args(&["--no-progress", "-e", "update_timeout=30s"]);
    args.push("-e".into());
    args.push("command_timeout=30s".into());
    let output = crate::support::sshfleet_cmd(&args, &[("RUST_LOG", "sshfleet=debug")]).await;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let debug: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("sshfleet: debug: "))
        .collect();
    let of = |host: &str| -> Vec<&str> {
        let tag = format!("host{{name={host}}}");
        debug.iter().copied().filter(|l| l.contains(&tag)).collect()
    };
    let esa01 = of("esa01.example.com");
    let esa02 = of("esa02.example.com");
    assert!(
        esa01
            .iter()
            .any(|l| l.contains("step{") && l.contains("ecupdate force")),
        "{stderr}"
    );
    assert!(
        esa01.iter().any(|l| l.contains("outcome: changed")),
        "{stderr}"
    );
    assert!(esa02.iter().any(|l| l.contains("outcome: ok")), "{stderr}");
    assert!(!esa02.iter().any(|l| l.contains("ecupdate")), "{stderr}");
    // Whatever a host was sent or answered is under that host's name.
    for line in &debug {
        if line.contains("sent") || line.contains("outcome:") {
            assert!(line.contains("host{name="), "{line}");
        }
    }
}
