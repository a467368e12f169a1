//! AsyncOS's pager (`-Press Any Key For More-`): `status` on a fully
//! licensed appliance is longer than a terminal, so the appliance pages it
//! to the height the client asked for. sshfleet asks for a tall terminal,
//! and a playbook's `shell: pager:` answers the pager wherever it shows
//! all the same, keeping it out of what captures and findings read.

use std::time::Duration;

use sshfleet_sim::{AsyncOsProfile, Fault};

use crate::support::{Lab, broken_quick};

const SHIPPED: &str = include_str!("../../playbooks/esa-ecupdate.yaml");
const PAGER_LINE: &str = "  pager: {pattern: '-Press Any Key For More-', answer: ' '}\n";

/// The shipped playbook with a 24-row terminal, a capture of a row far
/// down `status`, and a finding raised by any trace of the pager.
fn small_terminal(pager: bool) -> String {
    assert!(SHIPPED.contains(PAGER_LINE));
    let mut text = SHIPPED.replace(PAGER_LINE, &format!("{PAGER_LINE}  pty_rows: 24\n"));
    if !pager {
        text = text.replace(PAGER_LINE, "");
    }
    let status_step = "    run: status\n    capture:\n";
    assert!(text.contains(status_step));
    text.replace(
        status_step,
        "    run: status\n    findings:\n      - {id: pager-residue, severity: critical, pattern: 'Press Any Key|^ {12,}'}\n    capture:\n      kilobytes_free: '(?m)^    Kilobytes Free +([0-9,]+)$'\n",
    )
    .replace(
        "facts: [asyncos_version, appliance_clock]",
        "facts: [asyncos_version, appliance_clock, kilobytes_free]",
    )
}

/// Whether the host's report holds the finding `id`.
fn found(host: &serde_json::Value, id: &str) -> bool {
    host["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == id)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_terminal_pages_status_and_the_declared_pager_is_answered() {
    // Both are broken, because `status` is read only where a change
    // follows; one stays broken through the pager, one is healthy after.
    let lab = Lab::start(vec![
        broken_quick("esa01.example.com"),
        broken_quick("esa02.example.com"),
    ])
    .await;
    let playbook = lab.dir.path().join("paged.yaml");
    std::fs::write(&playbook, small_terminal(true)).unwrap();
    let run = lab
        .run_playbook(playbook.to_str().unwrap(), &["-e", "command_timeout=10s"])
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(
        run.status("esa01.example.com"),
        "changed",
        "{}",
        run.explain()
    );
    assert_eq!(
        run.status("esa02.example.com"),
        "changed",
        "{}",
        run.host("esa02.example.com")
    );
    for name in ["esa01.example.com", "esa02.example.com"] {
        let host = run.host(name);
        assert!(!found(host, "pager-residue"), "{host}");
        // A row from the third page, read as the appliance printed it.
        assert_eq!(host["facts"]["kilobytes_free"], "71,303,168", "{host}");
        assert!(host["facts"]["appliance_clock"].is_string(), "{host}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_pager_a_paged_status_hangs_until_the_command_timeout() {
    let lab = Lab::start(vec![broken_quick("esa01.example.com")]).await;
    let playbook = lab.dir.path().join("unpaged.yaml");
    std::fs::write(&playbook, small_terminal(false)).unwrap();
    let run = lab
        .run_playbook(playbook.to_str().unwrap(), &["-e", "command_timeout=2s"])
        .await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    let error = run.error("esa01.example.com");
    assert!(
        error.contains("running `status`") && error.contains("Press Any Key For More"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_shipped_playbook_answers_a_pager_that_shows_despite_its_tall_terminal() {
    // This appliance pages every 8 rows whatever the terminal: `status`
    // and the `tail` backlogs stop at the pager too.
    let mut paging = broken_quick("esa01.example.com").with_fault(Fault::PagesAt(8));
    paging.update = sshfleet_sim::UpdateBehaviour::CompletesAfter(Duration::from_millis(500));
    let lab = Lab::start(vec![paging, AsyncOsProfile::healthy("esa02.example.com")]).await;
    let run = lab.run(&[]).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(
        run.status("esa01.example.com"),
        "changed",
        "{}",
        run.explain()
    );
    assert_eq!(run.status("esa02.example.com"), "ok", "{}", run.explain());
    let host = run.host("esa01.example.com");
    assert!(found(host, "ecs-token-403"), "{host}");
    // The pager's text is nowhere in what the report quotes.
    assert!(!host.to_string().contains("Press Any Key"), "{host}");
}
