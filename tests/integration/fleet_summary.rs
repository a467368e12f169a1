//! Reading a fleet's result: the run's summary and `sshfleet report show`
//! say how many hosts each finding holds (with the playbook's message, the
//! article's action, and the version stale was judged against), narrow to
//! a status or a finding, group by finding, cut long reasons with the full
//! text one command away, and show what confirmed each change.

use sshfleet_sim::{EndpointScenario, SimModelConfig};

use crate::support::{Lab, sshfleet_cmd};

async fn show(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["report".to_string(), "show".to_string()];
    all.extend(args.iter().map(|s| s.to_string()));
    let out = sshfleet_cmd(&all, &[]).await;
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn hosts_per_finding_filters_and_confirmations() {
    // Two stale for DNS, one for proxy authentication, one fixable, one
    // up to date (the fleet's newest version, the reference).
    let scenarios = [
        ("pc01", "up-to-date"),
        ("pc02", "stale-dns"),
        ("pc03", "stale-dns"),
        ("pc04", "stale-proxy-auth"),
        ("pc05", "stale-fixable"),
    ];
    let configs = scenarios
        .iter()
        .map(|(name, s)| {
            let scenario: EndpointScenario = s.parse().unwrap();
            SimModelConfig::new(scenario.profile(&format!("{name}.example.com")))
        })
        .collect();
    let lab = Lab::start_models(configs, None).await;
    let run = lab
        .run_playbook(
            "secure-endpoint-tetra",
            &[
                "-e",
                "update_poll_interval=500ms",
                "-e",
                "update_timeout=10s",
            ],
        )
        .await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    let out = run.stdout();
    let block = &out[out.find("hosts per finding:").expect(&out)..];
    // Messages are wrapped: compare words.
    let words = block.split_whitespace().collect::<Vec<_>>().join(" ");
    // The operator's question, answered: how many per finding, why.
    assert!(
        block.contains("4  tetra-stale (warning; 1 changed, 3 failed)"),
        "{block}"
    );
    assert!(
        block.contains("of these: 2 tetra-dns-unresolved, 1 tetra-proxy-auth"),
        "{block}"
    );
    assert!(
        block.contains("2  tetra-dns-unresolved (critical; 2 failed)"),
        "{block}"
    );
    assert!(
        words.contains("check the proxy credentials in policy."),
        "{block}"
    );
    // Without latest_tetra, stale was judged against the fleet's newest.
    let newest = run.host("pc01.example.com")["facts"]["tetra_version"].clone();
    let judged = block
        .lines()
        .find(|l| l.trim().starts_with("judged with latest_tetra undefined"))
        .expect(block);
    assert!(
        judged.contains(&format!("newest_tetra = {newest}")),
        "{block}"
    );

    let report = lab.report.to_str().unwrap();
    // --status failed: only the failed hosts.
    let (code, out, err) = show(&[report, "--status", "failed"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("3 of 5 hosts shown"), "{out}");
    assert!(!out.contains("pc01.example.com"), "{out}");
    assert!(!out.contains("pc05.example.com"), "{out}");
    // --finding: the hosts of one finding.
    let (code, out, err) = show(&[report, "--finding", "tetra-dns-unresolved"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2 of 5 hosts shown"), "{out}");
    assert!(
        out.contains("pc02.example.com") && out.contains("pc03.example.com"),
        "{out}"
    );
    assert!(!out.contains("pc04.example.com"), "{out}");
    // An id no host has is refused, naming the ids there are.
    let (code, _, err) = show(&[report, "--finding", "tetra-dns"]).await;
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("no host in this report has finding `tetra-dns`"),
        "{err}"
    );
    assert!(err.contains("tetra-dns-unresolved"), "{err}");
    // --group-by finding: one table per finding, most hosts first.
    let (code, out, err) = show(&[report, "--group-by", "finding"]).await;
    assert_eq!(code, 0, "{err}");
    let stale = out.find("== tetra-stale (warning): 4 hosts").expect(&out);
    let dns = out
        .find("== tetra-dns-unresolved (critical): 2 hosts")
        .expect(&out);
    let none = out.find("== no finding: 1 host").expect(&out);
    assert!(stale < dns && dns < none, "{out}");

    // A changed host's reason is the line that proved the change.
    let (_, out, _) = show(&[report]).await;
    let fixed = out
        .lines()
        .find(|l| l.starts_with("pc05.example.com"))
        .unwrap();
    assert!(fixed.contains("changed"), "{out}");
    assert!(fixed.contains("confirmed: "), "{fixed}");
    assert!(!fixed.trim_end().ends_with(" -"), "{fixed}");

    // A long reason is cut in the table, whole with --host.
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.report).unwrap()).unwrap();
    let long = format!("step `x`: {} the end", "word ".repeat(150));
    for host in json["hosts"].as_array_mut().unwrap() {
        if host["name"] == "pc04.example.com" {
            host["error"] = long.clone().into();
        }
    }
    let edited = lab.dir.path().join("long.json");
    std::fs::write(&edited, json.to_string()).unwrap();
    let edited = edited.to_str().unwrap();
    let (_, out, _) = show(&[edited]).await;
    let row = out
        .lines()
        .find(|l| l.starts_with("pc04.example.com"))
        .unwrap();
    assert!(row.len() < 300 && row.ends_with("..."), "{row}");
    assert!(
        out.contains("sshfleet report show REPORT.json --host NAME"),
        "{out}"
    );
    let (code, out, err) = show(&[edited, "--host", "pc04.example.com"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("the end"), "{out}");
    assert!(out.contains("finding tetra-proxy-auth (critical)"), "{out}");
    let (code, _, err) = show(&[edited, "--host", "pc99.example.com"]).await;
    assert_eq!(code, 5, "{err}");
}
