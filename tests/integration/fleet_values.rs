//! Fleet-wide values (`fleet:` steps): every host reaches the barrier, the
//! value is computed across the fleet, and each host goes on with it.

use sshfleet_sim::AsyncOsProfile;

use crate::support::Lab;

const PLAYBOOK: &str = r#"
name: behind-the-fleet
vars:
  command_timeout: {type: duration, default: 20s}
shell:
  prompt: '^(?:\((?:Machine|Cluster) [^)]+\)|[A-Za-z0-9][A-Za-z0-9._-]*)> ?$'
  command_timeout: command_timeout
facts: [asyncos_version, newest_seen]
steps:
  - name: Read the version
    run: version
    capture:
      asyncos_version: '(?m)^\s*Version:\s*(?P<asyncos_version>\S+)'
  - name: Newest version in this run
    fleet:
      newest_seen: {max_of: asyncos_version}
  - name: Flag appliances behind the rest of the fleet
    when: asyncos_version < newest_seen
    run: version
    findings:
      - {id: behind-fleet, severity: warning, pattern: 'Version:'}
"#;

/// Three appliances of different versions, and [`PLAYBOOK`] written beside
/// them.
pub async fn three_versions() -> (Lab, std::path::PathBuf) {
    let with_version = |name: &str, version: &str| {
        let mut p = AsyncOsProfile::healthy(name);
        p.version = version.to_string();
        p
    };
    let lab = Lab::start(vec![
        with_version("esa01.example.com", "15.0.1-012"),
        // Sorts after 15.x as text; a version comparison must not be fooled.
        with_version("esa02.example.com", "9.7.2-145"),
        with_version("esa03.example.com", "15.5.0-100"),
    ])
    .await;
    let playbook = lab.dir.path().join("behind.yaml");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    (lab, playbook)
}

#[tokio::test(flavor = "multi_thread")]
async fn hosts_are_compared_with_the_newest_version_seen_across_the_fleet() {
    let (lab, playbook) = three_versions().await;
    // A host that is down must not hold the others at the barrier.
    let mut yaml = std::fs::read_to_string(&lab.inventory).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    yaml.push_str(&format!(
        "    esa-down.example.com:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n"
    ));
    std::fs::write(&lab.inventory, yaml).unwrap();
    let mut args = lab.run_args(&["-f", "2", "--no-progress", "--connect-retries", "0"]);
    args[1] = playbook.display().to_string();
    let out = crate::support::sshfleet_cmd(&args, &[]).await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(2), "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.report).unwrap()).unwrap();
    let host = |name: &str| {
        report["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == name)
            .unwrap()
            .clone()
    };
    for name in [
        "esa01.example.com",
        "esa02.example.com",
        "esa03.example.com",
    ] {
        assert_eq!(host(name)["facts"]["newest_seen"], "15.5.0-100", "{text}");
    }
    assert_eq!(host("esa03.example.com")["status"], "ok", "{text}");
    for behind in ["esa01.example.com", "esa02.example.com"] {
        assert_eq!(host(behind)["status"], "failed", "{text}");
        assert_eq!(host(behind)["findings"][0]["id"], "behind-fleet", "{text}");
    }
    assert_eq!(host("esa-down.example.com")["status"], "unreachable");
    // Each host reconnected after the barrier instead of holding a session.
    for sim in lab.fleet.hosts() {
        assert_eq!(sim.stats().sessions_opened, 2, "{}", sim.name);
    }
}

/// A fleet value compares one kind of value: a host whose value is no
/// version (wherever it comes in the fleet) is left out of it with a
/// warning on that host, and the others are judged as without it.
#[tokio::test(flavor = "multi_thread")]
async fn a_value_that_does_not_compare_is_left_out_and_fails_no_other_host() {
    let with_version = |name: &str, version: &str| {
        let mut p = AsyncOsProfile::healthy(name);
        p.version = version.to_string();
        p
    };
    let lab = Lab::start(vec![
        with_version("esa01.example.com", "abc"),
        with_version("esa02.example.com", "9.7.2-145"),
        with_version("esa03.example.com", "15.5.0-100"),
    ])
    .await;
    let playbook = lab.dir.path().join("behind.yaml");
    std::fs::write(&playbook, PLAYBOOK).unwrap();
    let r = lab.run_playbook(playbook.to_str().unwrap(), &[]).await;
    for name in ["esa02.example.com", "esa03.example.com"] {
        assert_eq!(
            r.host(name)["facts"]["newest_seen"],
            "15.5.0-100",
            "{}",
            r.explain()
        );
    }
    assert_eq!(r.status("esa03.example.com"), "ok", "{}", r.explain());
    assert_eq!(r.status("esa02.example.com"), "failed", "{}", r.explain());
    assert_eq!(
        r.host("esa02.example.com")["findings"][0]["id"],
        "behind-fleet"
    );
    let odd = r.host("esa01.example.com");
    let warnings = odd["warnings"].to_string();
    assert!(
        warnings.contains("\\\"abc\\\"")
            && warnings.contains("left out of the fleet value `newest_seen`"),
        "{odd:#}"
    );
}
