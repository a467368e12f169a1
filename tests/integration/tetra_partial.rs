//! The tetra playbook's fleet-relative staleness over part of the
//! inventory (`--limit`, `--shard`, `--retry-failed`): the newest version
//! seen over part of the fleet is not the fleet's, so such a run is refused
//! before any host unless `latest_tetra` is given.

use sshfleet_sim::{EndpointScenario, LATEST_TETRA, SimModelConfig};

use crate::support::{Lab, Run};

const FAST: [&str; 4] = [
    "-e",
    "update_poll_interval=500ms",
    "-e",
    "update_timeout=10s",
];

const STALE: &str = "stale-dns.example.com";

async fn lab() -> Lab {
    let profiles = ["up-to-date", "stale-dns"].map(|scenario| {
        let parsed: EndpointScenario = scenario.parse().unwrap();
        SimModelConfig::new(parsed.profile(&format!("{scenario}.example.com")))
    });
    Lab::start_models(profiles.to_vec(), None).await
}

async fn run(lab: &Lab, extra: &[&str]) -> Run {
    let mut args: Vec<&str> = FAST.to_vec();
    args.extend_from_slice(extra);
    lab.run_playbook("secure-endpoint-tetra", &args).await
}

fn sessions(lab: &Lab) -> usize {
    ["up-to-date.example.com", STALE]
        .iter()
        .map(|h| lab.host(h).stats().sessions_opened)
        .sum()
}

/// Refused (exit 5) before any host, naming the option and the fix.
fn assert_refused(lab: &Lab, r: &Run, option: &str, before: usize) {
    assert_eq!(r.code(), 5, "{option}: {}", r.explain());
    let err = r.stderr();
    for needle in [
        option,
        "newest_tetra",
        "-e latest_tetra=VALUE",
        "whole inventory",
    ] {
        assert!(err.contains(needle), "{option}: {needle}: {err}");
    }
    assert_eq!(sessions(lab), before, "{option}: no host touched");
}

/// With latest_tetra given, the partial run judges the stale endpoint stale.
fn assert_judged_stale(r: &Run) {
    assert_ne!(r.code(), 5, "{}", r.explain());
    assert_eq!(r.status(STALE), "failed", "{}", r.explain());
    let ids: Vec<&str> = r.host(STALE)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(ids.contains(&"tetra-stale"), "{}", r.explain());
}

#[tokio::test(flavor = "multi_thread")]
async fn tetra_partial_runs_need_latest_tetra() {
    let lab = lab().await;
    let latest = format!("latest_tetra={LATEST_TETRA}");
    let r = run(&lab, &["-l", STALE]).await;
    assert_refused(&lab, &r, "--limit", 0);
    let mut before = 0;
    // Each shard that holds a host is refused (one of the two does).
    let mut refused = 0;
    for shard in ["1/2", "2/2"] {
        let r = run(&lab, &["--shard", shard]).await;
        let hosts = |r: &Run| {
            r.report
                .as_ref()
                .map(|rep| rep["hosts"].as_array().unwrap().len())
        };
        if r.code() == 5 {
            assert_refused(&lab, &r, "--shard", before);
            refused += 1;
        } else {
            assert_eq!(hosts(&r), Some(0), "{shard}: {}", r.explain());
        }
        let r = run(&lab, &["--shard", shard, "-e", &latest]).await;
        assert_ne!(r.code(), 5, "{shard}: {}", r.explain());
        before = sessions(&lab);
        if hosts(&r) == Some(1) && r.report.as_ref().unwrap()["hosts"][0]["name"] == STALE {
            assert_judged_stale(&r);
        }
    }
    assert!(refused >= 1);
    // The value is used trimmed, and the report keeps what was used.
    let spaced = format!("latest_tetra= {LATEST_TETRA} ");
    let r = run(&lab, &["-l", STALE, "-e", &spaced]).await;
    assert_judged_stale(&r);
    let report = r.report.as_ref().unwrap();
    assert_eq!(report["hosts"].as_array().unwrap().len(), 1);
    assert_eq!(
        report["extra_vars"]["latest_tetra"],
        LATEST_TETRA.to_string(),
        "{report:#}"
    );

    // A whole run needs no latest_tetra; its retry of the failed endpoint does.
    let whole = run(&lab, &[]).await;
    assert_eq!(whole.status(STALE), "failed", "{}", whole.explain());
    let earlier = lab.dir.path().join("earlier.json");
    std::fs::copy(&lab.report, &earlier).unwrap();
    let retry = ["--retry-failed", earlier.to_str().unwrap()];
    let before = sessions(&lab);
    let r = run(&lab, &retry).await;
    assert_refused(&lab, &r, "--retry-failed", before);
    let r = run(&lab, &[&retry[..], &["-e", &latest][..]].concat()).await;
    assert_judged_stale(&r);
}
