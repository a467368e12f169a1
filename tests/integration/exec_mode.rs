//! Exec sessions (one SSH exec request per command, no prompt) against the
//! simulated Windows endpoint: the step-language features the Secure
//! Endpoint procedure needs, end to end over SSH.

use sshfleet_sim::{EndpointProfile, EndpointScenario, SimAuth, SimFleet};

use crate::support::{USER, new_key, sshfleet_cmd, write_key};

const PLAYBOOK: &str = r#"
name: posture
vars:
  tetra_server: {type: string, default: tetra-defs.amp.cisco.com, pattern: '[a-z0-9.-]+'}
exec:
  command_timeout: 20s
facts: [connector_dir, tetra_version, connected, dns_status]
steps:
  - name: Find the connector folder
    run: Get-ChildItem -Directory -Name 'C:\Program Files\Cisco\AMP'
    capture:
      connector_dir: {pattern: '(?m)^\s*(\d+(?:\.\d+)+)\s*$', pick: max_version}
  - name: Read the definitions
    run: '& ''C:\Program Files\Cisco\AMP\{{ connector_dir }}\AmpCLI.exe'' posture'
    capture:
      tetra_version: {json: /engines/tetra/version}
      connected: {json: /connected}
  - name: Resolve the update server
    run: Resolve-DnsName -Name {{ tetra_server }}
    exit_status: dns_status
"#;

#[tokio::test(flavor = "multi_thread")]
async fn exec_playbook_reads_posture_json_from_the_highest_connector_folder() {
    let dir = tempfile::tempdir().unwrap();
    let key = new_key();
    let key_file = dir.path().join("id_ed25519");
    write_key(&key, &key_file);
    let endpoints: Vec<EndpointProfile> = ["stale-fixable", "stale-dns"]
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.parse::<EndpointScenario>()
                .unwrap()
                .profile(&format!("pc{i}.example.com"))
        })
        .collect();
    let auth = SimAuth {
        username: USER.to_string(),
        password: None,
        authorized_keys: vec![key.public_key().clone()],
    };
    let fleet = SimFleet::start_endpoints(endpoints, auth).await.unwrap();
    let (mut known, mut inventory) = (
        String::new(),
        format!(
            "all:\n  vars:\n    ansible_user: {USER}\n    ansible_ssh_private_key_file: {}\n  hosts:\n",
            key_file.display()
        ),
    );
    for host in fleet.hosts() {
        known.push_str(&crate::support::known_hosts_line(
            "127.0.0.1",
            host.addr.port(),
            &host.host_key,
        ));
        known.push('\n');
        inventory.push_str(&format!(
            "    {}:\n      ansible_host: 127.0.0.1\n      ansible_port: {}\n",
            host.name,
            host.addr.port()
        ));
    }
    let paths = [
        "known_hosts",
        "inventory.yaml",
        "posture.yaml",
        "report.json",
    ]
    .map(|f| dir.path().join(f));
    std::fs::write(&paths[0], known).unwrap();
    std::fs::write(&paths[1], inventory).unwrap();
    std::fs::write(&paths[2], PLAYBOOK).unwrap();
    let args: Vec<String> = [
        "run",
        paths[2].to_str().unwrap(),
        "-i",
        paths[1].to_str().unwrap(),
        "--known-hosts",
        paths[0].to_str().unwrap(),
        "--report",
        paths[3].to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = sshfleet_cmd(&args, &[]).await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&paths[3]).unwrap()).unwrap();
    let facts = |i: usize| report["hosts"][i]["facts"].clone();
    // 10.1.2.30000 lists before the leftover 9.0.0.1: the highest version wins.
    assert_eq!(facts(0)["connector_dir"], "10.1.2.30000", "{text}");
    // Facts keep their types: a number, a bool.
    assert_eq!(facts(0)["tetra_version"], 90600, "{text}");
    assert_eq!(facts(0)["connected"], true, "{text}");
    assert_eq!(facts(0)["dns_status"], 0, "{text}");
    // A failing command's status is a value, not a step failure, when kept.
    assert_eq!(facts(1)["dns_status"], 1, "{text}");
    let stats = fleet.hosts()[0].stats();
    assert!(
        stats
            .commands
            .iter()
            .any(|c| c.contains(r"AMP\10.1.2.30000\AmpCLI.exe")),
        "{stats:?}"
    );
    assert!(
        stats
            .commands
            .iter()
            .any(|c| c == "Resolve-DnsName -Name tetra-defs.amp.cisco.com"),
        "{stats:?}"
    );

    // Without `exit_status:`, a non-zero exit fails the step and names it.
    std::fs::write(
        &paths[2],
        PLAYBOOK
            .replace("    exit_status: dns_status\n", "")
            .replace(", dns_status]", "]"),
    )
    .unwrap();
    let out = sshfleet_cmd(&args, &[]).await;
    assert_eq!(out.status.code(), Some(2));
    let report = std::fs::read_to_string(&paths[3]).unwrap();
    assert!(
        report.contains("exited with status 1") && report.contains("DNS name does not exist"),
        "{report}"
    );
}

/// `exec: {shell: cmd}` sends commands as written: what cmd.exe and
/// PowerShell both run works on either default shell, and PowerShell
/// syntax on an endpoint as Windows ships it gets cmd.exe's own error.
#[tokio::test(flavor = "multi_thread")]
async fn cmd_playbooks_send_commands_as_written() {
    use sshfleet_sim::{DefaultShell, SimModelConfig};
    const CMD_PLAYBOOK: &str = r#"
name: plain
exec:
  shell: cmd
  command_timeout: 20s
facts: [curl_status]
steps:
  - name: Reach the update server
    run: curl.exe -v https://tetra-defs.amp.cisco.com
    exit_status: curl_status
  - name: List the connector folders
    run: Get-ChildItem -Directory -Name 'C:\Program Files\Cisco\AMP'
"#;
    let profiles = [DefaultShell::Cmd, DefaultShell::Powershell].map(|shell| {
        let name = format!("{shell:?}.example.com").to_lowercase();
        SimModelConfig::new(
            EndpointScenario::StaleRevocation
                .profile(&name)
                .with_default_shell(shell),
        )
    });
    let lab = crate::support::Lab::start_models(profiles.to_vec(), None).await;
    let playbook = lab.dir.path().join("plain.yaml");
    std::fs::write(&playbook, CMD_PLAYBOOK).unwrap();
    let run = lab.run_playbook(playbook.to_str().unwrap(), &[]).await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    // curl.exe's own status from cmd.exe; `powershell -c` keeps only 1.
    assert_eq!(run.host("cmd.example.com")["facts"]["curl_status"], 35);
    assert_eq!(
        run.host("powershell.example.com")["facts"]["curl_status"],
        1
    );
    let error = run.error("cmd.example.com");
    assert!(
        error.contains("exited with status 1")
            && error
                .contains("'Get-ChildItem' is not recognized as an internal or external command"),
        "{error}"
    );
    assert_eq!(
        run.status("powershell.example.com"),
        "ok",
        "{}",
        run.explain()
    );
    // Sent as written: the endpoint saw the commands themselves.
    assert_eq!(
        lab.host("cmd.example.com").stats().commands[0],
        "curl.exe -v https://tetra-defs.amp.cisco.com"
    );
}
