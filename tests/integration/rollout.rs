//! Staged rollout: `--serial` batches in inventory order, and
//! `--max-fail-percent` stopping before the next batch.

use sshfleet_sim::AsyncOsProfile;

use crate::support::{Lab, broken_quick as broken, dead_port, never_completes, sshfleet_cmd};

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_batch_over_the_failure_threshold_stops_the_rollout_before_the_next_batch() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa01.example.com"),
        broken("esa02.example.com"),
        AsyncOsProfile::healthy("esa03.example.com"),
        never_completes("esa04.example.com"),
        broken("esa05.example.com"),
        broken("esa06.example.com"),
    ])
    .await;
    let run = lab
        .run(&[
            "--serial",
            "2",
            "--max-fail-percent",
            "40",
            "-f",
            "10",
            "-e",
            "update_timeout=5s",
        ])
        .await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    for (name, status) in [
        ("esa01.example.com", "ok"),
        ("esa02.example.com", "changed"),
        ("esa03.example.com", "ok"),
        ("esa04.example.com", "failed"),
        ("esa05.example.com", "skipped"),
        ("esa06.example.com", "skipped"),
    ] {
        assert_eq!(run.status(name), status, "{name}: {}", run.explain());
    }
    for name in ["esa05.example.com", "esa06.example.com"] {
        assert_eq!(
            run.error(name),
            "not run: batch 2 failed 50% > 40%",
            "{}",
            run.explain()
        );
        // Not a single connection to the hosts held back.
        assert_eq!(lab.host(name).stats().sessions_opened, 0, "{name}");
    }
    let report = run.report.as_ref().unwrap();
    assert_eq!(report["summary"]["skipped"], 2);

    // Batches ran one after the other, in inventory order, even with forks
    // to spare: batch 2 started after both results of batch 1.
    let out = run.stdout();
    let batch2 = line_of(&out, "batch 2 of 3: 2 hosts");
    assert!(line_of(&out, "batch 1 of 3: 2 hosts") < batch2, "{out}");
    assert!(
        line_of(&out, "ok          esa01.example.com") < batch2,
        "{out}"
    );
    assert!(
        line_of(&out, "changed     esa02.example.com") < batch2,
        "{out}"
    );
    assert!(
        batch2 < line_of(&out, "ok          esa03.example.com"),
        "{out}"
    );
    assert!(
        line_of(&out, "failed      esa04.example.com")
            < line_of(
                &out,
                "stopping the rollout: batch 2 failed 50% > 40%; 2 hosts not run"
            ),
        "{out}"
    );
    assert!(!out.contains("batch 3 of 3"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn percentage_batches_round_up_and_a_failure_at_the_threshold_goes_on() {
    let lab = Lab::start(
        (1..=4)
            .map(|i| AsyncOsProfile::healthy(&format!("esa{i:02}.example.com")))
            .collect(),
    )
    .await;
    // A down host second in inventory order, so in the first batch of two.
    let port = |name: &str| lab.host(name).addr.port();
    lab.write_inventory_of(&[
        ("esa01.example.com", port("esa01.example.com")),
        ("esa00-down.example.com", dead_port()),
        ("esa02.example.com", port("esa02.example.com")),
        ("esa03.example.com", port("esa03.example.com")),
        ("esa04.example.com", port("esa04.example.com")),
    ]);

    // 5 hosts at 40 %: batches of 2, 2 and 1. One of two down is 50 %,
    // which is not more than 50 %.
    let run = lab
        .run(&[
            "--serial",
            "40%",
            "--max-fail-percent",
            "50",
            "--connect-retries",
            "0",
        ])
        .await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    let out = run.stdout();
    assert!(
        line_of(
            &out,
            "batch 1 of 3: 2 hosts (esa01.example.com, esa00-down.example.com)"
        ) < line_of(&out, "batch 3 of 3: 1 host (esa04.example.com)"),
        "{out}"
    );
    for i in 1..=4 {
        assert_eq!(run.status(&format!("esa{i:02}.example.com")), "ok");
    }
    assert_eq!(run.status("esa00-down.example.com"), "unreachable");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_serial_and_threshold_values_are_usage_errors() {
    let lab = Lab::start(vec![AsyncOsProfile::broken("esa01.example.com")]).await;
    for (extra, needle) in [
        (&["--serial", "0"][..], "at least 1"),
        (&["--serial", "0%"][..], "1% to 100%"),
        (&["--serial", "101%"][..], "1% to 100%"),
        (&["--serial", "half"][..], "not a batch size"),
        (&["--max-fail-percent", "101"][..], "0 to 100"),
        (&["--max-fail-percent=-1"][..], "0 to 100"),
    ] {
        let run = lab.run(extra).await;
        assert_eq!(run.code(), 5, "{extra:?}: {}", run.explain());
        assert!(run.stderr().contains(needle), "{extra:?}: {}", run.stderr());
        assert!(run.report.is_none());
    }
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fleet_value_carries_the_highest_of_earlier_batches() {
    let (lab, playbook) = crate::fleet_values::three_versions().await;
    let mut args = lab.run_args(&["--serial", "1", "--no-progress"]);
    args[1] = playbook.display().to_string();
    let out = sshfleet_cmd(&args, &[]).await;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(2), "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.report).unwrap()).unwrap();
    let host = |i: usize| report["hosts"][i].clone();
    // Batch 1 saw only itself; batch 2 compared with batch 1's newest.
    assert_eq!(host(0)["facts"]["newest_seen"], "15.0.1-012", "{text}");
    assert_eq!(host(0)["status"], "ok");
    assert_eq!(host(1)["facts"]["newest_seen"], "15.0.1-012", "{text}");
    assert_eq!(host(1)["status"], "failed");
    assert_eq!(host(1)["findings"][0]["id"], "behind-fleet");
    assert_eq!(host(2)["facts"]["newest_seen"], "15.5.0-100", "{text}");
    assert_eq!(host(2)["status"], "ok");
}
