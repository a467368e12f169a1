//! The shipped `secure-endpoint-tetra` playbook, run by the real binary over
//! SSH against simulated Windows endpoints: every state of the TAC article,
//! the fleet-relative staleness rule, check mode and exec-session faults.

use std::collections::BTreeSet;

use serde_json::Value;
use sshfleet_sim::{
    DefaultShell, EndpointProfile, EndpointScenario, Fault, LATEST_TETRA, STALE_TETRA,
    SimModelConfig,
};

use crate::support::{Lab, Run};

const PLAYBOOK: &str = "secure-endpoint-tetra";
const MOVED_NOT: &str = "tetra-update-did-not-move";

/// Fast enough for tests: the simulated update lands after 3 s; an update
/// that never lands is given up on after 10 s.
const FAST: [&str; 4] = [
    "-e",
    "update_poll_interval=500ms",
    "-e",
    "update_timeout=10s",
];

fn endpoint(scenario: &str) -> EndpointProfile {
    let parsed: EndpointScenario = scenario.parse().unwrap();
    parsed.profile(&format!("{scenario}.example.com"))
}

async fn lab(profiles: Vec<EndpointProfile>) -> Lab {
    let configs = profiles.into_iter().map(SimModelConfig::new).collect();
    Lab::start_models(configs, None).await
}

async fn run(lab: &Lab, extra: &[&str]) -> Run {
    let mut args: Vec<&str> = FAST.to_vec();
    args.extend_from_slice(extra);
    lab.run_playbook(PLAYBOOK, &args).await
}

fn ids(host: &Value) -> BTreeSet<String> {
    host["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Whether the endpoint was sent a command containing `needle`.
fn ran(lab: &Lab, host: &str, needle: &str) -> bool {
    lab.host(host)
        .stats()
        .commands
        .iter()
        .any(|c| c.contains(needle))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_same_endpoints_end_the_same_under_either_default_shell() {
    // (scenario, status, findings) on endpoints as Windows ships them
    // (cmd.exe) and where PowerShell was made the default shell.
    let expected: [(&str, &str, &[&str]); 4] = [
        ("up-to-date", "ok", &[]),
        (
            "stale-dns",
            "failed",
            &["tetra-stale", MOVED_NOT, "tetra-dns-unresolved"],
        ),
        (
            "stale-revocation",
            "failed",
            &["tetra-stale", MOVED_NOT, "tetra-revocation-check-offline"],
        ),
        ("stale-fixable", "changed", &["tetra-stale"]),
    ];
    let mut profiles = Vec::new();
    for shell in [DefaultShell::Cmd, DefaultShell::Powershell] {
        for (scenario, ..) in expected {
            let parsed: EndpointScenario = scenario.parse().unwrap();
            let name = format!("{scenario}-{shell:?}.example.com").to_lowercase();
            profiles.push(parsed.profile(&name).with_default_shell(shell));
        }
    }
    let lab = lab(profiles).await;
    let r = run(&lab, &[]).await;
    assert_eq!(r.code(), 2, "{}", r.explain());
    for shell in ["cmd", "powershell"] {
        for (scenario, status, findings) in expected {
            let name = format!("{scenario}-{shell}.example.com");
            let host = r.host(&name);
            assert_eq!(host["status"], status, "{name}: {host:#}");
            assert_eq!(ids(host), set(findings), "{name}: {host:#}");
            // What the operator reads is PowerShell's error as text, never
            // CLIXML, and never cmd.exe's complaint about PowerShell syntax.
            let text = host.to_string();
            assert!(
                !text.contains("CLIXML") && !text.contains("_x000D_"),
                "{text}"
            );
            assert!(!text.contains("not recognized"), "{text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_endpoint_state_ends_as_the_article_says() {
    // The original states; every persona's status and findings are in
    // `tetra_personas`. Here: the evidence and words an operator reads.
    let states = [
        "up-to-date",
        "stale-dns",
        "stale-revocation",
        "stale-connect",
        "stale-proxy-connect",
        "stale-proxy-auth",
        "stale-proxy-download",
        "stale-fixable",
        "update-does-not-move",
        "old-connector",
        "disconnected",
    ];
    let lab = lab(states.iter().map(|s| endpoint(s)).collect()).await;
    let latest = format!("latest_tetra={LATEST_TETRA}");
    let r = run(&lab, &["-e", &latest]).await;
    // Some endpoints cannot be fixed from here.
    assert_eq!(r.code(), 2, "{}", r.explain());
    let name = |s: &str| format!("{s}.example.com");
    for scenario in states {
        let host = r.host(&name(scenario));
        // Every endpoint with a connector reports its definitions and connection.
        let want_tetra = if scenario == "up-to-date" {
            LATEST_TETRA
        } else {
            STALE_TETRA
        };
        assert_eq!(
            host["facts"]["tetra_version"],
            serde_json::json!(want_tetra),
            "{scenario}"
        );
        assert_eq!(
            host["facts"]["connected"],
            scenario != "disconnected",
            "{scenario}"
        );
    }

    // Up to date: no diagnosis at all.
    assert!(!ran(&lab, &name("up-to-date"), "Resolve-DnsName"));

    // The diagnosis stops at the first cause, in the article's order: the
    // connector's own last error, DNS, HTTPS.
    assert!(!ran(&lab, &name("stale-dns"), "curl.exe"));
    assert!(ran(&lab, &name("stale-dns"), "//tetra/lasterror"));
    assert!(ran(
        &lab,
        &name("stale-revocation"),
        "curl.exe -v https://tetra-defs.amp.cisco.com"
    ));
    assert!(!ran(&lab, &name("stale-proxy-auth"), "Resolve-DnsName"));
    assert!(ran(&lab, &name("stale-proxy-auth"), "//tetra/lasterror"));
    // Each cause comes with the article's action and its evidence.
    let finding = |scenario: &str, id: &str| -> Value {
        r.host(&name(scenario))["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap()
            .clone()
    };
    let revocation = finding("stale-revocation", "tetra-revocation-check-offline");
    assert!(
        revocation["evidence"]
            .as_str()
            .unwrap()
            .contains("0x80092013"),
        "{revocation}"
    );
    assert!(
        revocation["message"].as_str().unwrap().contains("CRL/OCSP"),
        "{revocation}"
    );
    let connect = finding("stale-connect", "tetra-https-failed");
    assert!(
        connect["message"]
            .as_str()
            .unwrap()
            .contains("(28) Failed to connect to tetra-defs.amp.cisco.com port 443"),
        "{connect}"
    );
    for (scenario, id, code, action) in [
        (
            "stale-proxy-connect",
            "tetra-proxy-connect",
            "4294965193",
            "network path to the proxy",
        ),
        (
            "stale-proxy-auth",
            "tetra-proxy-auth",
            "4294965196",
            "proxy credentials",
        ),
        (
            "stale-proxy-download",
            "tetra-proxy-download",
            "4294965187",
            "proxy logs",
        ),
    ] {
        let f = finding(scenario, id);
        assert_eq!(f["evidence"], code, "{f}");
        assert!(f["message"].as_str().unwrap().contains(action), "{f}");
        assert_eq!(r.host(&name(scenario))["facts"]["tetra_last_error"], code);
    }
    let dns = r.error(&name("stale-dns"));
    assert!(
        dns.starts_with("tetra-defs.amp.cisco.com does not resolve"),
        "{dns}"
    );
    // The cause's message first, the ids once, after it, and the change
    // that was applied and did not fix it.
    assert_eq!(dns.matches("tetra-dns-unresolved").count(), 1, "{dns}");
    assert!(
        dns.ends_with(
            "(found tetra-stale, tetra-update-did-not-move, tetra-dns-unresolved; sfc.exe -forceupdate applied, not confirmed)"
        ),
        "{dns}"
    );
    let stale = finding("stale-dns", "tetra-stale");
    assert!(
        stale["evidence"]
            .as_str()
            .unwrap()
            .contains(&format!("tetra_version = {STALE_TETRA}")),
        "{stale}"
    );

    // Fixed, and confirmed by posture showing the new version.
    let fixed = r.host(&name("stale-fixable"));
    assert_eq!(
        fixed["actions"],
        serde_json::json!(["sfc.exe -forceupdate"])
    );
    assert_eq!(
        fixed["facts"]["tetra_version_after"],
        serde_json::json!(LATEST_TETRA)
    );
    // Before and after, as the proof of the change.
    let proof = fixed["confirmations"][0]["line"].as_str().unwrap();
    assert!(
        proof.contains(&format!("tetra_version_after = {LATEST_TETRA}"))
            && proof.contains(&format!("tetra_version = {STALE_TETRA}")),
        "{fixed:#}"
    );
    assert_eq!(
        crate::report::schema_errors(r.report.as_ref().unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(fixed["facts"]["connector_version"], "10.1.2");
    // The connector folder was discovered from the service: the version
    // in use, not the leftover 9.0.0.1 that sorts after it.
    assert!(ran(
        &lab,
        &name("stale-fixable"),
        r"AMP\10.1.2.30000\sfc.exe' -forceupdate"
    ));
    assert_eq!(
        lab.host(&name("stale-fixable")).tetra_version(),
        Some(LATEST_TETRA)
    );

    // Forced but not moved: never reported as fixed; diagnosed, and with
    // no cause found, the article's last resort.
    let stuck = r.error(&name("update-does-not-move"));
    assert!(
        stuck.starts_with("The forced update did not move the TETRA version")
            && stuck.contains("support bundle"),
        "{stuck}"
    );
    assert!(ran(&lab, &name("update-does-not-move"), "Resolve-DnsName"));
    assert_eq!(
        r.host(&name("update-does-not-move"))["facts"]["tetra_version_after"],
        serde_json::json!(STALE_TETRA)
    );

    // Too old to force an update: said so, and not tried.
    let old = r.error(&name("old-connector"));
    assert!(old.contains("7.2.5") && old.contains("7.2.7"), "{old}");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_latest_tetra_stale_means_behind_the_newest_seen_in_the_run() {
    let profiles = vec![
        endpoint("up-to-date"),
        EndpointProfile {
            hostname: "pc-behind.example.com".to_string(),
            ..endpoint("stale-fixable")
        },
    ];
    let lab = lab(profiles).await;
    let r = run(&lab, &[]).await;
    assert_eq!(r.code(), 0, "{}", r.explain());
    assert_eq!(r.status("up-to-date.example.com"), "ok");
    let behind = r.host("pc-behind.example.com");
    assert_eq!(behind["status"], "changed", "{behind:#}");
    assert_eq!(
        behind["facts"]["newest_tetra"],
        serde_json::json!(LATEST_TETRA)
    );
    assert_eq!(ids(behind), set(&["tetra-stale"]));

    // A down endpoint contributes nothing and holds no one up.
    // (Not retried: a host retrying its connection holds the barrier.)
    let lab = lab_with_down_host().await;
    let r = run(&lab, &["--connect-retries", "0"]).await;
    assert_eq!(r.code(), 4, "{}", r.explain());
    assert_eq!(r.status("pc-behind.example.com"), "changed");
}

/// A stale endpoint and an up-to-date one, plus an inventory host where
/// nothing listens.
async fn lab_with_down_host() -> Lab {
    let lab = lab(vec![
        endpoint("up-to-date"),
        EndpointProfile {
            hostname: "pc-behind.example.com".to_string(),
            ..endpoint("stale-fixable")
        },
    ])
    .await;
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut yaml = std::fs::read_to_string(&lab.inventory).unwrap();
    yaml.push_str(&format!(
        "    pc-down.example.com:\n      ansible_host: 127.0.0.1\n      ansible_port: {dead}\n"
    ));
    std::fs::write(&lab.inventory, yaml).unwrap();
    lab
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fleet_all_equally_behind_needs_latest_tetra() {
    let profiles = ["pc1", "pc2"]
        .iter()
        .map(|n| EndpointProfile {
            hostname: format!("{n}.example.com"),
            ..endpoint("stale-fixable")
        })
        .collect();
    let lab = lab(profiles).await;
    // Nobody is behind anybody: nothing is stale, nothing is forced.
    let r = run(&lab, &[]).await;
    assert_eq!(r.code(), 0, "{}", r.explain());
    for host in ["pc1.example.com", "pc2.example.com"] {
        assert_eq!(r.status(host), "ok");
        assert_eq!(lab.host(host).stats().forced_updates, 0);
    }
    // Told the published version, both are stale and fixed.
    let latest = format!("latest_tetra={LATEST_TETRA}");
    let r = run(&lab, &["-e", &latest]).await;
    assert_eq!(r.code(), 0, "{}", r.explain());
    for host in ["pc1.example.com", "pc2.example.com"] {
        assert_eq!(r.status(host), "changed", "{}", r.explain());
        assert_eq!(lab.host(host).tetra_version(), Some(LATEST_TETRA));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn check_mode_diagnoses_and_forces_nothing() {
    let lab = lab(vec![
        endpoint("up-to-date"),
        endpoint("stale-fixable"),
        endpoint("stale-dns"),
    ])
    .await;
    let r = run(&lab, &["--check"]).await;
    assert_eq!(r.code(), 2, "{}", r.explain());
    let fixable = r.host("stale-fixable.example.com");
    assert_eq!(fixable["status"], "changed");
    assert_eq!(
        fixable["actions"],
        serde_json::json!(["would run: sfc.exe -forceupdate"])
    );
    assert_eq!(r.status("stale-dns.example.com"), "failed");
    for host in lab.fleet.hosts() {
        assert_eq!(host.stats().forced_updates, 0, "{}", host.name);
        assert!(!ran(&lab, &host.name, "-forceupdate"), "{}", host.name);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_endpoint_that_stops_answering_fails_naming_the_command() {
    // Answers the folder listing, then never answers again.
    let lab = lab(vec![
        endpoint("up-to-date"),
        EndpointProfile {
            hostname: "silent.example.com".to_string(),
            ..endpoint("stale-fixable")
        }
        .with_fault(Fault::StopAnswering(1)),
    ])
    .await;
    let r = run(&lab, &["-e", "command_timeout=2s"]).await;
    assert_eq!(r.code(), 2, "{}", r.explain());
    assert_eq!(r.status("up-to-date.example.com"), "ok");
    let silent = r.host("silent.example.com");
    assert_eq!(silent["status"], "failed");
    let error = silent["error"].as_str().unwrap();
    assert!(
        error.contains("AmpCLI.exe' posture") && error.contains("2s"),
        "{error}"
    );
    assert!(silent["facts"].get("tetra_version").is_none(), "{silent:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_shows_the_tetra_playbook_on_a_simulated_fleet() {
    let args = vec![
        "demo".to_string(),
        "--playbook".to_string(),
        PLAYBOOK.to_string(),
    ];
    let out = crate::support::sshfleet_cmd(&args, &[("CI", "1")]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    // The demo checks every host's status against its scenario itself.
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("every host ended as its scenario requires"),
        "{stdout}"
    );
    assert!(stdout.contains("tetra-proxy-auth"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_cut_while_waiting_for_the_new_version_is_never_a_success() {
    // The update would land after 3 s; the connection is cut after 1 s.
    let lab = lab(vec![
        endpoint("up-to-date"),
        endpoint("stale-fixable")
            .with_fault(Fault::DropMidFollow(std::time::Duration::from_secs(1))),
    ])
    .await;
    let r = run(&lab, &[]).await;
    assert_eq!(r.code(), 2, "{}", r.explain());
    let cut = r.host("stale-fixable.example.com");
    assert_eq!(cut["status"], "failed", "{cut:#}");
    let error = cut["error"].as_str().unwrap();
    assert!(
        error.contains("Read the version until it moves")
            && error.contains("the connection was lost"),
        "{error}"
    );
    // The forced update was sent; only its confirmation was lost.
    assert_eq!(
        lab.host("stale-fixable.example.com").stats().forced_updates,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn output_in_utf16_reads_as_written_and_gives_the_same_findings() {
    use sshfleet_sim::{CodePage, Locale};
    // French curl output and a German PowerShell error record (CLIXML),
    // both written as UTF-16LE.
    let fr = EndpointProfile {
        hostname: "fr16.example.com".to_string(),
        locale: Locale::French,
        code_page: CodePage::Utf16le,
        ..endpoint("stale-revocation")
    };
    let de = EndpointProfile {
        hostname: "de16.example.com".to_string(),
        locale: Locale::German,
        code_page: CodePage::Utf16le,
        ..endpoint("stale-dns")
    };
    let lab = lab(vec![fr, de]).await;
    let latest = format!("latest_tetra={LATEST_TETRA}");
    let r = run(&lab, &["-e", &latest]).await;
    assert_eq!(r.code(), 2, "{}", r.explain());
    let fr = r.host("fr16.example.com");
    assert_eq!(
        ids(fr),
        set(&["tetra-stale", MOVED_NOT, "tetra-revocation-check-offline"]),
        "{fr:#}"
    );
    let evidence = fr["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "tetra-revocation-check-offline")
        .unwrap()["evidence"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        evidence.contains("(0x80092013) - La fonction de révocation n'a pas pu vérifier"),
        "{evidence}"
    );
    let de = r.host("de16.example.com");
    assert_eq!(
        ids(de),
        set(&["tetra-stale", MOVED_NOT, "tetra-dns-unresolved"]),
        "{de:#}"
    );
    assert_eq!(de["facts"]["tetra_version"], serde_json::json!(STALE_TETRA));
}
