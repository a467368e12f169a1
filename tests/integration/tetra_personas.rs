//! `secure-endpoint-tetra` against every simulated endpoint persona, over
//! real SSH, in the three ways it is run: with `latest_tetra`, under
//! `--check`, and across a fleet without `latest_tetra`. The personas'
//! expected endings are one table; every cause and precondition the TAC
//! article names is another, checked against the shipped playbook.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sshfleet_sim::{DefaultShell, EndpointProfile, EndpointScenario, LATEST_TETRA, SimModelConfig};

use crate::support::{Lab, Run};

const PLAYBOOK: &str = "secure-endpoint-tetra";

/// Fast enough for tests: the simulated update lands after 3 s; an update
/// that never lands is given up on after 8 s.
const FAST: [&str; 4] = [
    "-e",
    "update_poll_interval=500ms",
    "-e",
    "update_timeout=8s",
];

const S: &str = "tetra-stale";
const MOVED_NOT: &str = "tetra-update-did-not-move";
const FIRST: &str = "tetra-force-comes-first";
const NO_CAUSE: &str = "tetra-no-cause-found";

/// How the playbook must end on one persona.
struct Persona {
    scenario: &'static str,
    /// Status and finding ids when the newest version is known
    /// (`latest_tetra`, or an up-to-date endpoint in the run), without
    /// `--check`.
    run: (&'static str, &'static [&'static str]),
    /// Whether that run sends `sfc.exe -forceupdate`.
    forced: bool,
    /// Status and finding ids under `--check` (nothing is forced).
    check: (&'static str, &'static [&'static str]),
}

const fn p(
    scenario: &'static str,
    run: (&'static str, &'static [&'static str]),
    forced: bool,
    check: (&'static str, &'static [&'static str]),
) -> Persona {
    Persona {
        scenario,
        run,
        forced,
        check,
    }
}

/// Every persona of the simulator (docs/DEVICES.md says where each comes
/// from) and how it must end.
const PERSONAS: [Persona; 19] = [
    p("up-to-date", ("ok", &[]), false, ("ok", &[])),
    p(
        "stale-dns",
        ("failed", &[S, MOVED_NOT, "tetra-dns-unresolved"]),
        true,
        ("failed", &[S, FIRST, "tetra-dns-unresolved"]),
    ),
    p(
        "stale-revocation",
        ("failed", &[S, MOVED_NOT, "tetra-revocation-check-offline"]),
        true,
        ("failed", &[S, FIRST, "tetra-revocation-check-offline"]),
    ),
    p(
        "stale-connect",
        ("failed", &[S, MOVED_NOT, "tetra-https-failed"]),
        true,
        ("failed", &[S, FIRST, "tetra-https-failed"]),
    ),
    p(
        "stale-proxy-connect",
        ("failed", &[S, MOVED_NOT, "tetra-proxy-connect"]),
        true,
        ("failed", &[S, FIRST, "tetra-proxy-connect"]),
    ),
    p(
        "stale-proxy-auth",
        ("failed", &[S, MOVED_NOT, "tetra-proxy-auth"]),
        true,
        ("failed", &[S, FIRST, "tetra-proxy-auth"]),
    ),
    p(
        "stale-proxy-download",
        ("failed", &[S, MOVED_NOT, "tetra-proxy-download"]),
        true,
        ("failed", &[S, FIRST, "tetra-proxy-download"]),
    ),
    p(
        "stale-fixable",
        ("changed", &[S]),
        true,
        ("changed", &[S, FIRST]),
    ),
    p(
        "update-does-not-move",
        ("failed", &[S, MOVED_NOT, NO_CAUSE]),
        true,
        ("changed", &[S, FIRST]),
    ),
    p(
        "old-connector",
        ("failed", &["connector-too-old-to-force-update", S]),
        false,
        ("failed", &["connector-too-old-to-force-update", S]),
    ),
    p(
        "disconnected",
        (
            "failed",
            &[S, "connector-disconnected", MOVED_NOT, NO_CAUSE],
        ),
        true,
        ("changed", &[S, "connector-disconnected", FIRST]),
    ),
    p(
        "connector-elsewhere",
        ("changed", &[S]),
        true,
        ("changed", &[S, FIRST]),
    ),
    p(
        "no-curl",
        (
            "failed",
            &[S, MOVED_NOT, "tetra-https-not-checked", NO_CAUSE],
        ),
        true,
        ("changed", &[S, FIRST, "tetra-https-not-checked"]),
    ),
    // The policy's proxy is in the inventory (tetra_proxy): direct HTTPS
    // fails, the path the connector uses works.
    p(
        "proxy-only",
        ("changed", &[S]),
        true,
        ("changed", &[S, FIRST]),
    ),
    p(
        "proxy-only-failing",
        ("failed", &[S, MOVED_NOT, "tetra-proxy-auth"]),
        true,
        ("failed", &[S, FIRST, "tetra-proxy-auth"]),
    ),
    p(
        "localised-fr",
        ("failed", &[S, MOVED_NOT, "tetra-revocation-check-offline"]),
        true,
        ("failed", &[S, FIRST, "tetra-revocation-check-offline"]),
    ),
    p(
        "localised-de",
        ("failed", &[S, MOVED_NOT, "tetra-revocation-check-offline"]),
        true,
        ("failed", &[S, FIRST, "tetra-revocation-check-offline"]),
    ),
    p(
        "last-error-zero",
        ("failed", &[S, MOVED_NOT, NO_CAUSE]),
        true,
        ("changed", &[S, FIRST]),
    ),
    p(
        "no-connector",
        ("failed", &["connector-service-missing"]),
        false,
        ("failed", &["connector-service-missing"]),
    ),
];

/// Every precondition and cause the article names (and the states of the
/// endpoints it runs on), the finding that reports it, and words of the
/// action its message must give.
const CAUSES: [(&str, &str, &str); 18] = [
    // Preconditions.
    (
        "no connector installed",
        "connector-service-missing",
        "install the connector",
    ),
    (
        "connector service not running",
        "connector-service-stopped",
        "start it",
    ),
    (
        "connector running from a folder with a quote (not put into a command)",
        "connector-path-not-checked",
        "check this endpoint's TETRA version by hand",
    ),
    (
        "definitions behind the published version",
        "tetra-stale",
        "out of date",
    ),
    (
        "connector not connected (\"état du connecteur est connecté\")",
        "connector-disconnected",
        "not connected",
    ),
    (
        "-forceupdate needs connector 7.2.7",
        "connector-too-old-to-force-update",
        "upgrade the connector",
    ),
    (
        "--check: the force comes first",
        "tetra-force-comes-first",
        "forces the update (sfc.exe -forceupdate) first",
    ),
    (
        "forced, and no update happened",
        "tetra-update-did-not-move",
        "sfc.exe -forceupdate was sent",
    ),
    (
        "a diagnostic tool is missing",
        "tetra-https-not-checked",
        "not checked: curl.exe is not on this endpoint",
    ),
    // "Les erreurs courantes".
    (
        "impossible de résoudre l'adresse du serveur",
        "tetra-dns-unresolved",
        "check the endpoint's DNS servers",
    ),
    (
        "échec de la vérification de la liste de révocation (0x80092013)",
        "tetra-revocation-check-offline",
        "reach the revocation servers",
    ),
    (
        "échec de la validation du certificat SSL",
        "tetra-certificate-invalid",
        "trusts the update server's certificate chain",
    ),
    (
        "interruption pendant le téléchargement",
        "tetra-download-interrupted",
        "debug mode for one update interval",
    ),
    (
        "échec de la connexion au serveur proxy (4294965193)",
        "tetra-proxy-connect",
        "check the network path to the proxy",
    ),
    (
        "échec de l'authentification auprès du proxy (4294965196)",
        "tetra-proxy-auth",
        "check the proxy credentials",
    ),
    (
        "échec de la connexion au proxy et du téléchargement (4294965187)",
        "tetra-proxy-download",
        "check the proxy logs",
    ),
    (
        "validation de connexion directe",
        "tetra-https-failed",
        "firewall rules for port 443",
    ),
    (
        "rien de ce qui précède (Additional Information)",
        "tetra-no-cause-found",
        "debug mode for one update interval, collect a support bundle and a packet capture",
    ),
];

/// The one finding that is no verdict: a code the article does not map.
const UNMAPPED: &str = "tetra-last-error-unmapped";

/// Every finding of the shipped playbook: id → messages (an id may be
/// raised by several steps, e.g. through the proxy and from local.xml).
fn playbook_findings() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/playbooks/secure-endpoint-tetra.yaml"
    ))
    .unwrap();
    let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for step in yaml["steps"].as_sequence().unwrap() {
        for finding in step["findings"].as_sequence().into_iter().flatten() {
            let id = finding["id"].as_str().unwrap().to_string();
            let message = finding["message"].as_str().unwrap_or_default();
            found
                .entry(id)
                .or_default()
                .push(message.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    found
}

#[test]
fn every_article_cause_and_precondition_maps_to_a_finding_with_its_action() {
    let findings = playbook_findings();
    for (cause, id, action) in CAUSES {
        let messages = findings
            .get(id)
            .unwrap_or_else(|| panic!("{cause}: no finding {id} in the playbook"));
        for message in messages {
            assert!(message.contains(action), "{cause}: {id} says {message:?}");
        }
    }
    // And the table is complete: every finding of the playbook is in it.
    let named: BTreeSet<&str> = CAUSES.iter().map(|(_, id, _)| *id).collect();
    for id in findings.keys() {
        assert!(
            named.contains(id.as_str()) || id == UNMAPPED,
            "{id} is not in the table of causes"
        );
    }
    // A successful last update is never called a failure.
    for messages in findings.values() {
        for m in messages {
            assert!(!m.contains("code 0"), "{m}");
        }
    }
}

#[test]
fn the_persona_table_covers_every_simulated_endpoint() {
    let table: Vec<EndpointScenario> = PERSONAS
        .iter()
        .map(|p| p.scenario.parse().unwrap())
        .collect();
    assert_eq!(
        table,
        EndpointScenario::all(),
        "one row per scenario, in order"
    );
    let causes: BTreeSet<&str> = CAUSES.iter().map(|(_, id, _)| *id).collect();
    for persona in &PERSONAS {
        let scenario: EndpointScenario = persona.scenario.parse().unwrap();
        // The demo and `sshfleet sim` read the simulator's own expectation.
        assert_eq!(
            scenario.expected().as_str(),
            persona.run.0,
            "{}",
            persona.scenario
        );
        for id in persona.run.1.iter().chain(persona.check.1) {
            assert!(causes.contains(id), "{}: {id}", persona.scenario);
        }
    }
}

/// Every persona, alternately under cmd.exe and PowerShell as the default
/// shell, with the policy's proxy in the inventory where there is one.
async fn persona_lab(extra: Vec<EndpointProfile>) -> Lab {
    let mut profiles: Vec<EndpointProfile> = PERSONAS
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let scenario: EndpointScenario = p.scenario.parse().unwrap();
            let shell = if i % 2 == 0 {
                DefaultShell::Cmd
            } else {
                DefaultShell::Powershell
            };
            scenario
                .profile(&format!("{}.example.com", p.scenario))
                .with_default_shell(shell)
        })
        .collect();
    profiles.extend(extra);
    let configs = profiles.into_iter().map(SimModelConfig::new).collect();
    let lab = Lab::start_models(configs, None).await;
    let mut yaml = std::fs::read_to_string(&lab.inventory).unwrap();
    for host in lab.fleet.hosts() {
        if let Some(proxy) = host.endpoint().and_then(|e| e.policy_proxy.clone()) {
            let at = format!("    {}:\n", host.name);
            yaml = yaml.replace(&at, &format!("{at}      tetra_proxy: {proxy}\n"));
        }
    }
    std::fs::write(&lab.inventory, yaml).unwrap();
    lab
}

async fn run(lab: &Lab, extra: &[&str]) -> Run {
    let mut args: Vec<&str> = FAST.to_vec();
    args.extend_from_slice(extra);
    lab.run_playbook(PLAYBOOK, &args).await
}

fn ids(host: &Value) -> Vec<String> {
    host["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn finding<'a>(host: &'a Value, id: &str) -> &'a Value {
    host["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {host:#}"))
}

/// What the endpoint executed, in order.
fn commands(lab: &Lab, host: &str) -> Vec<String> {
    lab.host(host).stats().commands
}

const DIAGNOSIS: [&str; 4] = ["local.xml", "Resolve-DnsName", "curl.exe", "Get-Command"];

/// The article's order on one endpoint: the force before any diagnosis,
/// and no diagnosis where the version moved.
fn assert_article_order(lab: &Lab, persona: &Persona, status: &str) {
    let name = format!("{}.example.com", persona.scenario);
    let sent = commands(lab, &name);
    let first = |needles: &[&str]| {
        sent.iter()
            .position(|c| needles.iter().any(|n| c.contains(n)))
    };
    let force = first(&["-forceupdate"]);
    assert_eq!(force.is_some(), persona.forced, "{name}: {sent:#?}");
    let diagnosis = first(&DIAGNOSIS);
    if let (Some(force), Some(diagnosis)) = (force, diagnosis) {
        assert!(
            force < diagnosis,
            "{name}: diagnosed before forcing: {sent:#?}"
        );
    }
    if status == "changed" || status == "ok" {
        assert_eq!(diagnosis, None, "{name}: {sent:#?}");
    }
    // The connector was found from its service, never from a listing.
    assert!(!sent.iter().any(|c| c.contains("Get-ChildItem")), "{name}");
}

fn assert_ends(r: &Run, persona: &Persona, want: (&str, &[&str]), mode: &str) {
    let name = format!("{}.example.com", persona.scenario);
    let host = r.host(&name);
    assert_eq!(host["status"], want.0, "{mode} {name}: {host:#}");
    let want_ids: Vec<String> = want.1.iter().map(|s| s.to_string()).collect();
    assert_eq!(ids(host), want_ids, "{mode} {name}: {host:#}");
    // No finding calls a successful last update a failure.
    assert!(!host.to_string().contains("code 0"), "{mode} {name}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_persona_ends_as_the_table_says_with_latest_tetra() {
    let lab = persona_lab(Vec::new()).await;
    let latest = format!("latest_tetra={LATEST_TETRA}");
    let r = run(&lab, &["-e", &latest]).await;
    assert_eq!(r.code(), 2, "{}", r.explain());
    for persona in &PERSONAS {
        assert_ends(&r, persona, persona.run, "default");
        assert_article_order(&lab, persona, persona.run.0);
        let name = format!("{}.example.com", persona.scenario);
        let forced = lab.host(&name).stats().forced_updates;
        assert_eq!(forced, usize::from(persona.forced), "{name}");
    }
    let host = |s: &str| r.host(&format!("{s}.example.com")).clone();

    // Localised Windows, in its code page: the same findings, its words
    // decoded as written.
    let fr = finding(&host("localised-fr"), "tetra-revocation-check-offline").clone();
    let evidence = fr["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("0x80092013")
            && evidence.contains("La fonction de révocation n'a pas pu vérifier"),
        "{evidence}"
    );
    let de = finding(&host("localised-de"), "tetra-revocation-check-offline").clone();
    assert!(
        de["evidence"]
            .as_str()
            .unwrap()
            .contains("Die Sperrfunktion konnte die Sperrung nicht überprüfen"),
        "{de}"
    );
    // The connector outside the default folder: found from its service.
    let elsewhere = host("connector-elsewhere");
    assert_eq!(
        elsewhere["facts"]["connector_dir"],
        format!("{}\\8.1.7.21417", sshfleet_sim::windows::CUSTOM_INSTALL_DIR)
    );
    assert_eq!(
        host("stale-fixable")["facts"]["connector_dir"],
        r"C:\Program Files\Cisco\AMP\10.1.2.30000"
    );
    // No curl.exe: "not checked", and no network verdict from it.
    let no_curl = finding(&host("no-curl"), "tetra-https-not-checked").clone();
    assert!(
        no_curl["message"]
            .as_str()
            .unwrap()
            .starts_with("not checked: curl.exe is not on this endpoint"),
        "{no_curl}"
    );
    assert_eq!(host("no-curl")["facts"]["curl_status"], 9009);
    // lasterror 0 is read, reported, and no finding.
    assert_eq!(host("last-error-zero")["facts"]["tetra_last_error"], "0");
    // The proxy-only network that works is fixed by the forced update,
    // where a diagnosis first would have blamed direct HTTPS.
    assert_eq!(
        host("proxy-only")["actions"],
        serde_json::json!(["sfc.exe -forceupdate"])
    );
    // The failing proxy's code, with the article's action.
    let auth = finding(&host("proxy-only-failing"), "tetra-proxy-auth").clone();
    assert_eq!(auth["evidence"], "4294965196", "{auth}");
    // A failure names the change that ran and did not fix it.
    let dns = r.error("stale-dns.example.com");
    assert!(
        dns.starts_with("tetra-defs.amp.cisco.com does not resolve")
            && dns.ends_with("; sfc.exe -forceupdate applied, not confirmed)"),
        "{dns}"
    );
    let none = r.error("no-connector.example.com");
    assert!(
        none.starts_with("No Secure Endpoint connector service"),
        "{none}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn under_check_every_persona_is_diagnosed_and_nothing_is_forced() {
    let lab = persona_lab(Vec::new()).await;
    let latest = format!("latest_tetra={LATEST_TETRA}");
    let r = run(&lab, &["-e", &latest, "--check"]).await;
    assert_eq!(r.code(), 2, "{}", r.explain());
    for persona in &PERSONAS {
        assert_ends(&r, persona, persona.check, "--check");
        let name = format!("{}.example.com", persona.scenario);
        let host = r.host(&name);
        assert_eq!(lab.host(&name).stats().forced_updates, 0, "{name}");
        assert!(
            !commands(&lab, &name)
                .iter()
                .any(|c| c.contains("-forceupdate")),
            "{name}"
        );
        let would = persona.check.0 == "changed";
        let want: Vec<&str> = if would {
            vec!["would run: sfc.exe -forceupdate"]
        } else {
            Vec::new()
        };
        assert_eq!(host["actions"], serde_json::json!(want), "{name}");
    }
    // The force comes first in a real run, and the check says so.
    let first = finding(r.host("stale-dns.example.com"), FIRST).clone();
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .contains("sfc.exe -forceupdate) first"),
        "{first}"
    );
    // Through the policy's proxy, not directly.
    let sent = commands(&lab, "proxy-only.example.com");
    assert!(
        sent.iter().any(|c| c.contains(
            "curl.exe -v -x http://proxy.corp.example:8080 https://tetra-defs.amp.cisco.com"
        )),
        "{sent:#?}"
    );
    assert!(
        !sent.iter().any(|c| c.contains("Resolve-DnsName")),
        "{sent:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn across_a_fleet_without_latest_tetra_every_persona_ends_the_same() {
    // The up-to-date persona sets the newest version seen.
    let lab = persona_lab(Vec::new()).await;
    let r = run(&lab, &[]).await;
    assert_eq!(r.code(), 2, "{}", r.explain());
    for persona in &PERSONAS {
        assert_ends(&r, persona, persona.run, "fleet");
        assert_article_order(&lab, persona, persona.run.0);
        let name = format!("{}.example.com", persona.scenario);
        if persona.scenario != "no-connector" {
            assert_eq!(
                r.host(&name)["facts"]["newest_tetra"],
                serde_json::json!(LATEST_TETRA),
                "{name}"
            );
        }
    }
}
