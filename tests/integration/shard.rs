//! `--shard K/N`: the runners of one fleet take disjoint shares that cover
//! it, as `sshfleet inventory` lists them and as `run` runs them.

use crate::support::{Lab, broken_quick, sshfleet_cmd};

/// The host names `sshfleet inventory` lists for `args`.
async fn listed(args: &[&str]) -> Vec<String> {
    let mut all = vec!["inventory".to_string(), "-F".into(), "none".into()];
    all.extend(args.iter().map(|a| a.to_string()));
    let out = sshfleet_cmd(&all, &[]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn shards_are_disjoint_and_cover_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("hosts.yml");
    let mut yaml = String::from("all:\n  hosts:\n");
    for i in 0..60 {
        yaml.push_str(&format!("    pc{i:03}.example.com: {{}}\n"));
    }
    std::fs::write(&inventory, yaml).unwrap();
    let inv = inventory.to_str().unwrap();
    let everything = listed(&["-i", inv]).await;
    assert_eq!(everything.len(), 60);
    let mut seen = Vec::new();
    for k in 1..=3 {
        let share = listed(&["-i", inv, "--shard", &format!("{k}/3")]).await;
        assert!(!share.is_empty() && share.len() < 60, "{k}/3: {share:?}");
        seen.extend(share);
    }
    seen.sort();
    let mut want = everything.clone();
    want.sort();
    assert_eq!(seen, want, "every host in exactly one shard");

    let out = sshfleet_cmd(
        &["inventory", "-i", inv, "--shard", "4/3"].map(str::to_string),
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(5));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("4/3"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn run_takes_only_its_shard() {
    let lab = Lab::start(
        (1..=6)
            .map(|i| broken_quick(&format!("esa{i:02}.example.com")))
            .collect(),
    )
    .await;
    let inv = lab.inventory.to_str().unwrap().to_string();
    let mut covered = 0;
    for k in 1..=2 {
        let report = lab.dir.path().join(format!("shard{k}.json"));
        let args: Vec<String> = [
            "run",
            "esa-ecupdate",
            "-i",
            &inv,
            "--known-hosts",
            lab.known_hosts.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
            "--no-progress",
            "--shard",
            &format!("{k}/2"),
            "-e",
            "update_timeout=30s",
        ]
        .map(str::to_string)
        .to_vec();
        let out = sshfleet_cmd(&args, &[]).await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        let hosts = report["hosts"].as_array().unwrap();
        assert!(hosts.iter().all(|h| h["status"] == "changed"));
        covered += hosts.len();
    }
    assert_eq!(covered, 6);
    // The shards' reports join into the fleet's.
    let shard = |k: u32| {
        lab.dir
            .path()
            .join(format!("shard{k}.json"))
            .display()
            .to_string()
    };
    let merged = lab.dir.path().join("fleet.json");
    let out = sshfleet_cmd(
        &[
            "report".to_string(),
            "merge".into(),
            shard(1),
            shard(2),
            "--out".into(),
            merged.display().to_string(),
        ],
        &[],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    assert_eq!(report["hosts"].as_array().unwrap().len(), 6);
    assert_eq!(report["summary"]["changed"], 6);
    assert!(String::from_utf8_lossy(&out.stdout).contains("6 hosts"));
    // The same shard twice overlaps: refused, nothing written.
    let twice = lab.dir.path().join("twice.json");
    let out = sshfleet_cmd(
        &[
            "report".to_string(),
            "merge".into(),
            shard(1),
            shard(1),
            "--out".into(),
            twice.display().to_string(),
        ],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(5));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("overlap"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!twice.exists());
    // Each appliance was reached by exactly one of the two runs.
    for host in lab.fleet.hosts() {
        assert_eq!(host.stats().sessions_opened, 1, "{}", host.name);
    }
}
