//! Retrying what failed: `--retry-failed REPORT.json` across runs, and
//! connection retries with backoff within a run.

use serde_json::Value;
use sshfleet_sim::AsyncOsProfile;

use crate::support::{Lab, Relay, broken_quick, never_completes, new_key};

fn names(report: &Value) -> Vec<String> {
    report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_failed_runs_exactly_the_failed_and_unreachable_hosts_of_a_report() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa01.example.com"),
        broken_quick("esa02.example.com"),
        never_completes("esa03.example.com"),
        AsyncOsProfile::healthy("esa04.example.com"),
    ])
    .await;
    lab.add_down_hosts(&["esa05-down.example.com"]);
    let quick = ["-e", "update_timeout=5s", "--connect-retries", "0"];
    let first = lab.run(&quick).await;
    assert_eq!(first.code(), 2, "{}", first.explain());
    assert_eq!(first.status("esa03.example.com"), "failed");
    assert_eq!(first.status("esa05-down.example.com"), "unreachable");

    // The earlier report also names a host since removed from the inventory.
    let mut earlier = first.report.clone().unwrap();
    earlier["hosts"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"name": "esa99-gone.example.com", "status": "failed"}));
    let earlier_path = lab.dir.path().join("last.json");
    std::fs::write(&earlier_path, earlier.to_string()).unwrap();
    let opened = |name: &str| lab.host(name).stats().sessions_opened;
    assert_eq!(opened("esa03.example.com"), 1);
    // What the retry must run: read from the report, not assumed (on a
    // loaded machine another host may have failed too).
    let to_retry: Vec<String> = names(&earlier)
        .into_iter()
        .filter(|n| {
            n != "esa99-gone.example.com"
                && matches!(first.status(n).as_str(), "failed" | "unreachable")
        })
        .collect();

    let retry = ["--retry-failed", earlier_path.to_str().unwrap()];
    let run = lab.run(&[&quick[..], &retry[..]].concat()).await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    let report = run.report.as_ref().unwrap();
    assert_eq!(names(report), to_retry, "{}", run.explain());
    assert!(
        run.stdout()
            .contains(&format!("retrying {} hosts of", to_retry.len()))
            && run.stdout().contains(&format!(
                ": {} failed or unreachable, 0 not run (skipped)",
                to_retry.len()
            )),
        "{}",
        run.explain()
    );
    assert!(
        run.stderr().contains("esa99-gone.example.com")
            && run.stderr().contains("not in the inventory"),
        "{}",
        run.explain()
    );
    // Only the failed appliances were connected to again.
    for host in lab.fleet.hosts() {
        let again = to_retry.contains(&host.name);
        assert_eq!(opened(&host.name), 1 + usize::from(again), "{}", host.name);
    }

    // --limit narrows the retry further.
    let run = lab
        .run(&[&quick[..], &retry[..], &["-l", "esa05*"][..]].concat())
        .await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    assert_eq!(
        names(run.report.as_ref().unwrap()),
        ["esa05-down.example.com"]
    );
    assert_eq!(opened("esa03.example.com"), 2, "not run again");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_with_nothing_to_retry_runs_nothing_and_succeeds() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let first = lab.run(&[]).await;
    assert_eq!(first.code(), 0, "{}", first.explain());
    let earlier = lab.dir.path().join("last.json");
    std::fs::copy(&lab.report, &earlier).unwrap();
    let run = lab
        .run(&["--retry-failed", earlier.to_str().unwrap()])
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert!(
        run.stdout().contains("nothing to retry"),
        "{}",
        run.explain()
    );
    assert!(names(run.report.as_ref().unwrap()).is_empty());
    // No empty table under it.
    assert!(!run.stdout().contains("HOST"), "{}", run.explain());
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unusable_report_is_a_usage_error_naming_the_file() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let path = lab.dir.path().join("last.json");
    let arg = path.to_str().unwrap();
    for (text, needles) in [
        (
            Some(
                "{\"playbook\": \"esa-ecupdate\",\n \"hosts\": [\n  {\"name\": \"esa01\", \"status\": \"broken\"}]}",
            ),
            &["last.json", "line 3", "unknown variant `broken`"][..],
        ),
        (
            Some("{\"playbook\": \"esa-ecupdate\", \"hosts\": [\n"),
            &["last.json", "line 2"][..],
        ),
        (
            Some("{\"playbook\": \"secure-endpoint-tetra\", \"hosts\": []}"),
            &["last.json", "secure-endpoint-tetra", "not `esa-ecupdate`"][..],
        ),
        (None, &["cannot read report", "last.json"][..]),
    ] {
        match text {
            Some(text) => std::fs::write(&path, text).unwrap(),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
        let run = lab.run(&["--retry-failed", arg]).await;
        assert_eq!(run.code(), 5, "{}", run.explain());
        for needle in needles {
            assert!(run.stderr().contains(needle), "{needle}: {}", run.stderr());
        }
        assert!(run.report.is_none());
    }
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_is_tried_again_then_reported_with_its_attempts() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    lab.add_down_hosts(&["esa-down.example.com"]);
    let run = lab.run(&["--connect-retries", "1"]).await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    let error = run.error("esa-down.example.com");
    assert!(
        error.contains("Connection refused") && error.contains("after 2 connection attempts"),
        "{error}"
    );
    // Retrying one host delays no other.
    assert_eq!(run.status("esa01.example.com"), "ok");

    let run = lab.run(&["--connect-retries", "0"]).await;
    let error = run.error("esa-down.example.com");
    assert!(
        error.contains("Connection refused") && !error.contains("attempts"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_appliance_that_comes_up_between_attempts_is_reached_and_one_that_never_does_is_not() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa01.example.com"),
        AsyncOsProfile::healthy("esa02.example.com"),
    ])
    .await;
    // esa01's SSH service drops the first connection (still starting);
    // esa02's drops every one.
    let late = Relay::start(lab.host("esa01.example.com").addr, 1).await;
    let never = Relay::start(lab.host("esa02.example.com").addr, usize::MAX).await;
    lab.redirect("esa01.example.com", late.port);
    lab.redirect("esa02.example.com", never.port);

    let run = lab.run(&["--connect-retries", "2"]).await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    assert_eq!(run.status("esa01.example.com"), "ok", "{}", run.explain());
    assert_eq!(late.accepted(), 2);
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 1);

    assert_eq!(run.status("esa02.example.com"), "unreachable");
    assert_eq!(never.accepted(), 3, "first attempt and two retries");
    let error = run.error("esa02.example.com");
    assert!(error.contains("after 3 connection attempts"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn host_key_and_login_failures_are_never_retried() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let relay = Relay::start(lab.host("esa01.example.com").addr, 0).await;
    lab.redirect("esa01.example.com", relay.port);

    // The appliance presents a key other than the one known_hosts holds.
    let impostor = new_key();
    std::fs::write(
        &lab.known_hosts,
        format!(
            "{}\n",
            crate::support::known_hosts_line("127.0.0.1", relay.port, impostor.public_key())
        ),
    )
    .unwrap();
    let run = lab.run(&["--connect-retries", "3"]).await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    let error = run.error("esa01.example.com");
    assert!(
        error.contains("HAS CHANGED") && !error.contains("attempts"),
        "{error}"
    );
    assert_eq!(relay.accepted(), 1, "a changed host key was retried");

    // A client key the appliance does not accept.
    std::fs::write(
        &lab.known_hosts,
        format!(
            "{}\n",
            crate::support::known_hosts_line(
                "127.0.0.1",
                relay.port,
                &lab.host("esa01.example.com").host_key
            )
        ),
    )
    .unwrap();
    crate::support::write_key(&new_key(), &lab.key_file);
    let run = lab.run(&["--connect-retries", "3"]).await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    assert!(
        run.error("esa01.example.com")
            .contains("authentication failed"),
        "{}",
        run.explain()
    );
    assert_eq!(relay.accepted(), 2, "a refused login was retried");
}
