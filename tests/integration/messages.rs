//! What the operator reads while and after a run: each thing said once, in
//! plain words, in one prefix style.

use sshfleet_sim::AsyncOsProfile;

use crate::support::Lab;

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_known_hosts_file_is_said_once_not_per_host() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa01.example.com"),
        AsyncOsProfile::healthy("esa02.example.com"),
    ])
    .await;
    let missing = lab.dir.path().join("missing_known_hosts");
    let mut args = lab.run_args(&["--no-progress", "--connect-retries", "0"]);
    let at = args.iter().position(|a| a == "--known-hosts").unwrap();
    args[at + 1] = missing.display().to_string();
    let out = crate::support::sshfleet_cmd(&args, &[]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    let said = format!(
        "sshfleet: warning: {} does not exist; pass --known-hosts or run once with --accept-new-host-keys",
        missing.display()
    );
    assert_eq!(err.matches(&said).count(), 1, "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_lines_name_their_hosts_without_a_range() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa03.example.com"),
        AsyncOsProfile::healthy("esa01.example.com"),
        AsyncOsProfile::healthy("esa09.example.com"),
        AsyncOsProfile::healthy("esa02.example.com"),
        AsyncOsProfile::healthy("esa05.example.com"),
    ])
    .await;
    let run = lab.run(&["--serial", "4"]).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    let out = run.stdout();
    assert!(
        out.contains(
            "batch 1 of 2: 4 hosts (esa03.example.com, esa01.example.com, esa09.example.com and 1 more)"
        ),
        "{out}"
    );
    assert!(
        out.contains("batch 2 of 2: 1 host (esa05.example.com)"),
        "{out}"
    );
    assert!(!out.contains(" .. "), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn listing_an_inventory_does_not_ask_for_known_hosts() {
    let home = tempfile::tempdir().unwrap();
    let args: Vec<String> = ["inventory", "-i", "inventory/example.yaml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let out = crate::support::sshfleet_cmd(&args, &[("HOME", home.path().to_str().unwrap())]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("known_hosts"), "{err}");
}
