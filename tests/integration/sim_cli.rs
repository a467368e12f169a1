//! `sshfleet sim --inventory-out`: the real binary serves a fleet, the real
//! binary runs the playbook against it from the files it wrote, and Ctrl-C
//! stops it cleanly.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sshfleet_sim::serve::SimFiles;

use crate::support::sshfleet_cmd;

/// A `sshfleet sim` process, killed if the test fails before stopping it.
pub struct SimProcess {
    child: Option<Child>,
    stdout: PathBuf,
}

impl SimProcess {
    pub fn start(dir: &Path, args: &[&str]) -> SimProcess {
        let stdout = dir.join("sim.stdout");
        let child = Command::new(env!("CARGO_BIN_EXE_sshfleet"))
            .arg("sim")
            .args(args)
            .stdout(std::fs::File::create(&stdout).unwrap())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        SimProcess {
            child: Some(child),
            stdout,
        }
    }

    pub fn output(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// The inventory is written last, whole, once every host listens.
    pub fn wait_for(&mut self, inventory: &Path) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !inventory.exists() {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("sim exited early ({status}):\n{}", self.output());
            }
            assert!(Instant::now() < deadline, "no inventory after 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Ctrl-C, as an operator would, and the exit status.
    pub fn interrupt(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
        rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("sim did not stop within 20 s of SIGINT");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `sshfleet run PLAYBOOK` on the files `sshfleet sim` wrote, with `-e`
/// `vars`: the exit code, the report, and the output to explain a failure.
async fn rehearse(
    files: &SimFiles,
    playbook: &str,
    vars: &[&str],
) -> (Option<i32>, serde_json::Value, String) {
    let report = files.inventory.with_extension("report.json");
    let mut args: Vec<String> = [
        "run",
        playbook,
        "-i",
        files.inventory.to_str().unwrap(),
        "--known-hosts",
        files.known_hosts.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--no-progress",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for var in vars {
        args.extend(["-e".to_string(), var.to_string()]);
    }
    let output = sshfleet_cmd(&args, &[]).await;
    let explain = format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let report = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_else(|| panic!("no report; {explain}"));
    (output.status.code(), report, explain)
}

#[tokio::test(flavor = "multi_thread")]
async fn sim_serves_a_mixed_fleet_that_run_rehearses_against() {
    let dir = tempfile::tempdir().unwrap();
    let files = SimFiles::beside(&dir.path().join("sim.yaml"));
    let mut sim = SimProcess::start(
        dir.path(),
        &[
            "--hosts",
            "12",
            "--scenario",
            "mixed",
            "--update-duration",
            "1s",
            "--inventory-out",
            files.inventory.to_str().unwrap(),
        ],
    );
    sim.wait_for(&files.inventory);
    assert!(files.key.exists() && files.known_hosts.exists());
    let banner = sim.output();
    assert!(
        banner.contains(&format!(
            "sshfleet run esa-ecupdate -i {} --known-hosts {}",
            files.inventory.display(),
            files.known_hosts.display()
        )),
        "{banner}"
    );

    // The trickle host writes one byte per millisecond (slower still in a
    // debug build under a parallel test run): its updater_logs backlog and
    // update take several seconds to arrive, so the update timeout, which
    // is also how long the never-completes host holds the run, is 12 s.
    // Its 60-row `status` takes seconds too: commands get 10 s (the
    // stop-answering host fails then, within the 12 s).
    let (code, report, explain) = rehearse(
        &files,
        "esa-ecupdate",
        &["update_timeout=12s", "command_timeout=10s"],
    )
    .await;
    // Some scenarios must fail.
    assert_eq!(code, Some(2), "{explain}");
    let hosts = report["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 12, "{explain}");
    // Each host's scenario is the inventory group the sim put it in.
    let inventory = crate::support::listed_hosts(&files.inventory).await;
    assert_eq!(inventory.len(), 12);
    let mut scenarios_seen = std::collections::BTreeSet::new();
    let mut names: Vec<_> = inventory.iter().map(|h| h.name.clone()).collect();
    names.sort();
    let want_names: Vec<_> = (1..=12)
        .map(|i| format!("esa{i:02}.sim.example.com"))
        .collect();
    assert_eq!(names, want_names);
    for host in &inventory {
        let scenario = host.groups.last().unwrap().as_str();
        scenarios_seen.insert(scenario.to_string());
        let want = match scenario {
            "healthy" => "ok",
            "broken" | "cluster" | "trickle" | "stale-completion" => "changed",
            "never-completes" | "drop-mid-follow" | "stop-answering" => "failed",
            other => panic!("{}: unexpected group {other}", host.name),
        };
        let entries: Vec<_> = hosts.iter().filter(|h| h["name"] == host.name).collect();
        assert_eq!(
            entries.len(),
            1,
            "{} in the report once; {explain}",
            host.name
        );
        assert_eq!(
            entries[0]["status"], want,
            "{} ({scenario}); {explain}",
            host.name
        );
    }
    // Twelve hosts of `mixed` cover every scenario.
    assert_eq!(
        scenarios_seen.len(),
        sshfleet_sim::AsyncOsScenario::all().len()
    );

    let status = sim.interrupt();
    assert_eq!(status.code(), Some(0), "sim after SIGINT: {status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sim_serves_windows_endpoints_that_the_tetra_playbook_rehearses_against() {
    let dir = tempfile::tempdir().unwrap();
    let files = SimFiles::beside(&dir.path().join("pcs.yaml"));
    let mut sim = SimProcess::start(
        dir.path(),
        &[
            "--model",
            "windows",
            "--hosts",
            "19",
            "--update-duration",
            "1s",
            "--inventory-out",
            files.inventory.to_str().unwrap(),
        ],
    );
    sim.wait_for(&files.inventory);
    let banner = sim.output();
    assert!(
        banner.contains("19 simulated Windows endpoints")
            && banner.contains("sshfleet run secure-endpoint-tetra -i"),
        "{banner}"
    );
    let (code, report, explain) = rehearse(
        &files,
        "secure-endpoint-tetra",
        &["update_poll_interval=500ms", "update_timeout=5s"],
    )
    .await;
    assert_eq!(code, Some(2), "{explain}");
    let inventory = crate::support::listed_hosts(&files.inventory).await;
    let mut scenarios_seen = std::collections::BTreeSet::new();
    for host in &inventory {
        assert!(host.name.starts_with("pc"), "{}", host.name);
        let scenario = host.groups.last().unwrap().as_str();
        scenarios_seen.insert(scenario.to_string());
        // The default `mixed` spread has an up-to-date endpoint, so the
        // newest version seen makes the others stale.
        let parsed: sshfleet_sim::EndpointScenario = scenario.parse().unwrap();
        let want = parsed.expected().as_str();
        let entry = report["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == host.name)
            .unwrap();
        assert_eq!(
            entry["status"], want,
            "{} ({scenario}); {explain}",
            host.name
        );
    }
    assert_eq!(
        scenarios_seen.len(),
        sshfleet_sim::EndpointScenario::all().len()
    );
    assert_eq!(sim.interrupt().code(), Some(0));
}

#[test]
fn sim_without_an_inventory_path_is_a_usage_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .args(["sim", "--hosts", "3"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--inventory-out"));
}

/// `sim ... 2>&1 | head -1`: the reader is gone when the operator presses
/// Ctrl-C. Saying so on a closed stderr must not keep the signal from
/// stopping the simulator (it used to panic in the signal watcher and
/// serve on until SIGKILL).
#[test]
fn ctrl_c_stops_sim_whose_output_nobody_reads_any_more() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("lab.yaml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .args(["sim", "--hosts", "1", "--inventory-out"])
        .arg(&inventory)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !inventory.exists() {
        assert!(Instant::now() < deadline, "no inventory after 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Close both pipes: every later write gets EPIPE.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sim did not stop within 20 s of SIGINT with its output closed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_ne!(status.code(), Some(101), "it panicked: {status}");
}
