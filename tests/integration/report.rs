//! What a run leaves for the morning after: the JSON report (checked
//! against its published schema, `docs/report.schema.json`), the reasons
//! under the final table, `sshfleet report show|diff`, and
//! `--metrics-file` for node_exporter's textfile collector.

use serde_json::Value;
use sshfleet_sim::AsyncOsProfile;

use crate::support::{Lab, broken_quick, sshfleet_cmd};

/// Every error the published schema finds in `report`.
pub fn schema_errors(report: &Value) -> Vec<String> {
    let schema: Value =
        serde_json::from_str(include_str!("../../docs/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

async fn sshfleet(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let out = sshfleet_cmd(&args, &[]).await;
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_leaves_a_schema_valid_report_with_proof_reasons_and_metrics() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa01.example.com"),
        broken_quick("esa02.example.com"),
    ])
    .await;
    lab.add_down_hosts(&["esa03-down.example.com"]);
    let metrics = lab.dir.path().join("sshfleet.prom");
    let run = lab
        .run(&[
            "-e",
            "update_timeout=5s",
            "--connect-retries",
            "0",
            "--metrics-file",
            metrics.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    let report = run.report.as_ref().unwrap();
    assert_eq!(schema_errors(report), Vec::<String>::new(), "{report:#}");

    // What was run, and by which sshfleet.
    assert_eq!(report["sshfleet_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        report["inventory"],
        serde_json::json!([lab.inventory.display().to_string()])
    );
    assert_eq!(report["extra_vars"]["update_timeout"], "5s");

    // The changed host carries the lines that proved the change.
    let changed = run.host("esa02.example.com");
    assert_eq!(changed["status"], "changed", "{}", run.explain());
    let lines: Vec<&str> = changed["confirmations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["line"].as_str().unwrap())
        .collect();
    assert!(
        lines[0].ends_with("enrollment_client update completed")
            && lines[1].ends_with("ECS: Device registration successful."),
        "{lines:?}"
    );
    assert!(changed["confirmations"][0]["at"].is_string(), "{changed:#}");
    assert!(run.host("esa01.example.com").get("confirmations").is_none());

    // The reasons end the output, below the table.
    let stdout = run.stdout();
    let table_end = stdout.rfind("3 hosts: 1 ok, 1 changed").unwrap();
    let why = &stdout[table_end..];
    assert!(
        why.contains("esa03-down.example.com: cannot connect to 127.0.0.1"),
        "{}",
        run.explain()
    );

    let text = std::fs::read_to_string(&metrics).unwrap();
    for line in [
        "sshfleet_hosts{playbook=\"esa-ecupdate\",status=\"changed\"} 1",
        "sshfleet_hosts{playbook=\"esa-ecupdate\",status=\"unreachable\"} 1",
        "sshfleet_findings{playbook=\"esa-ecupdate\",finding=\"ecs-token-403\"} 1",
        "sshfleet_run_exit_code{playbook=\"esa-ecupdate\"} 4",
        "# TYPE sshfleet_run_duration_seconds gauge",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
    }
    // No run exited 0 yet: no last success to claim.
    assert!(!text.contains("sshfleet_last_success"), "{text}");
    // Only the file itself: the temporary one was renamed over it.
    assert!(
        std::fs::read_dir(lab.dir.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".tmp")),
    );

    // `report show` prints the table again, with the reason column.
    let path = lab.report.to_str().unwrap();
    let (code, out, err) = sshfleet(&["report", "show", path]).await;
    assert_eq!(code, 0, "{err}");
    let header = out.lines().find(|l| l.starts_with("HOST")).unwrap();
    assert!(header.ends_with("REASON"), "{out}");
    let down = out
        .lines()
        .find(|l| l.starts_with("esa03-down.example.com"))
        .unwrap();
    assert!(
        down.contains("unreachable") && down.contains("cannot connect"),
        "{out}"
    );
    assert!(
        out.contains("3 hosts: 1 ok, 1 changed, 0 failed, 1 unreachable"),
        "{out}"
    );

    // `report diff`: yesterday esa01 had a finding and failed; esa02 was
    // not in the run.
    let mut old = report.clone();
    let hosts = old["hosts"].as_array_mut().unwrap();
    hosts.retain(|h| h["name"] != "esa02.example.com");
    hosts[0]["status"] = "failed".into();
    hosts[0]["findings"] = serde_json::json!([
        {"id": "ecs-token-403", "severity": "critical", "evidence": "Critical: ECS: ..."}
    ]);
    let old_path = lab.dir.path().join("yesterday.json");
    std::fs::write(&old_path, old.to_string()).unwrap();
    let (code, out, err) = sshfleet(&["report", "diff", old_path.to_str().unwrap(), path]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            "esa01.example.com: failed -> ok; no longer found ecs-token-403",
            "esa02.example.com: new in this run, changed",
        ],
        "{out}"
    );
    // Nothing changed: nothing printed, nothing for cron to mail.
    let (code, out, _) = sshfleet(&["report", "diff", path, path]).await;
    assert_eq!((code, out.as_str()), (0, ""));
}

#[tokio::test(flavor = "multi_thread")]
async fn report_commands_refuse_missing_malformed_and_mismatched_reports() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    let (code, out, err) = sshfleet(&["report", "show", missing]).await;
    assert_eq!(code, 5, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("cannot read report") && err.contains("missing.json"),
        "{err}"
    );
    // The cause is said once.
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");

    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, "{\"playbook\": \"esa-ecupdate\", \"hosts\": [").unwrap();
    let (code, _, err) = sshfleet(&["report", "show", cut.to_str().unwrap()]).await;
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("cut.json: not an sshfleet JSON report"),
        "{err}"
    );

    let report = |playbook: &str| {
        serde_json::json!({
            "playbook": playbook, "check_mode": false,
            "started_at": "2026-01-01T00:00:00Z", "finished_at": "2026-01-01T00:01:00Z",
            "interrupted": false,
            "summary": {"ok": 1, "changed": 0, "failed": 0, "unreachable": 0, "skipped": 0},
            "hosts": [{"name": "a", "status": "ok", "duration_ms": 5, "facts": {},
                       "findings": [], "actions": [], "error": null}]
        })
    };
    let esa = dir.path().join("esa.json");
    let tetra = dir.path().join("tetra.json");
    std::fs::write(&esa, report("esa-ecupdate").to_string()).unwrap();
    std::fs::write(&tetra, report("secure-endpoint-tetra").to_string()).unwrap();
    let (code, out, err) = sshfleet(&[
        "report",
        "diff",
        esa.to_str().unwrap(),
        tetra.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 5, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("reports of different playbooks (`esa-ecupdate` and `secure-endpoint-tetra`)"),
        "{err}"
    );
    // A report of an older sshfleet (no version, no inventory) still shows,
    // and one host is one host.
    let (code, out, err) = sshfleet(&["report", "show", esa.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 host: 1 ok"), "{out}");
    let (code, _, err) = sshfleet(&["report", "diff", esa.to_str().unwrap(), missing]).await;
    assert_eq!(code, 5, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unwritable_metrics_file_says_its_cause_once() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let metrics = lab.dir.path().join("no-such-dir").join("sshfleet.prom");
    let run = lab
        .run(&["--metrics-file", metrics.to_str().unwrap()])
        .await;
    // Found before any host is touched, as every other output path.
    assert_eq!(run.code(), 5, "{}", run.explain());
    assert!(run.report.is_none(), "{}", run.explain());
    let err = run.stderr();
    assert!(
        err.contains("--metrics-file") && err.contains("nothing was run"),
        "{err}"
    );
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(!err.contains("at path"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cause_left_to_the_chain_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("missing").join("sim.yaml");
    let (code, _, err) = sshfleet(&[
        "sim",
        "--hosts",
        "1",
        "--inventory-out",
        out.to_str().unwrap(),
    ])
    .await;
    assert_ne!(code, 0, "{err}");
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
}

/// Issue 28: each host's steps, on the run's time axis, in the report and
/// in the HTML page `--html` writes with it.
#[tokio::test(flavor = "multi_thread")]
async fn a_run_records_each_hosts_steps_and_writes_the_html_page() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa01.example.com"),
        broken_quick("esa02.example.com"),
    ])
    .await;
    lab.add_down_hosts(&["esa03-down.example.com"]);
    let page = lab.dir.path().join("run.html");
    let run = lab
        .run(&[
            "-e",
            "update_timeout=5s",
            "--connect-retries",
            "0",
            "--html",
            page.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    let report = run.report.as_ref().unwrap();
    assert_eq!(schema_errors(report), Vec::<String>::new(), "{report:#}");
    let steps = |host: &str| -> Vec<(String, u64, u64, String)> {
        run.host(host)["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["start_ms"].as_u64().unwrap(),
                    s["duration_ms"].as_u64().unwrap(),
                    s["result"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let names = |host: &str| -> Vec<String> { steps(host).into_iter().map(|s| s.0).collect() };
    assert_eq!(
        names("esa01.example.com"),
        [
            "connect",
            "Read the AsyncOS version",
            "Look for the certificate failure in ecs"
        ]
    );
    assert_eq!(
        names("esa02.example.com"),
        [
            "connect",
            "Read the AsyncOS version",
            "Look for the certificate failure in ecs",
            "Read the appliance clock",
            "Force the Enrollment Client update",
            "Follow updater_logs until this update completes",
            "Confirm the device registered again"
        ]
    );
    // One after the other, each on the host's own line of time.
    let broken = steps("esa02.example.com");
    for pair in broken.windows(2) {
        assert!(pair[1].1 >= pair[0].1 + pair[0].2, "{broken:?}");
    }
    assert!(broken.iter().all(|s| s.3 == "ok"), "{broken:?}");
    // No session: the connection is where the host ended.
    let down = steps("esa03-down.example.com");
    assert_eq!(down.len(), 1, "{down:?}");
    assert_eq!(
        (down[0].0.as_str(), down[0].3.as_str()),
        ("connect", "failed")
    );

    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains("<title>sshfleet report: esa-ecupdate ("),
        "{html}"
    );
    for host in [
        "esa01.example.com",
        "esa02.example.com",
        "esa03-down.example.com",
    ] {
        assert!(html.contains(&format!("data-name=\"{host}\"")), "{host}");
    }
    // A bar per step of the timeline, the failed connection marked.
    assert_eq!(html.matches("<rect class=\"s").count(), 3 + 7 + 1);
    assert_eq!(html.matches("<rect class=\"s0 failed\"").count(), 1);
    assert!(
        run.stdout()
            .contains(&format!("HTML report written to {}", page.display()))
    );
}
