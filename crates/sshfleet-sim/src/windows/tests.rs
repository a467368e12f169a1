//! The simulated endpoint, command by command.

use super::*;

const SERVER: &str = TETRA_SERVER;

/// `folder` under the default install folder, or a full path.
fn full(folder: &str) -> String {
    if folder.contains('\\') {
        folder.to_string()
    } else {
        format!("{AMP_DIR}\\{folder}")
    }
}

fn posture_cmd(folder: &str) -> String {
    format!("& '{}\\AmpCLI.exe' posture", full(folder))
}

fn force_cmd(folder: &str) -> String {
    format!("& '{}\\sfc.exe' -forceupdate", full(folder))
}

fn list_cmd() -> String {
    format!("Get-ChildItem -Directory -Name '{AMP_DIR}'")
}

fn lasterror_cmd() -> String {
    format!("(Select-Xml -Path '{AMP_DIR}\\local.xml' -XPath '//tetra/lasterror').Node.InnerText")
}

fn scenario(name: &str) -> Endpoint {
    let scenario: EndpointScenario = name.parse().unwrap();
    Endpoint::new(scenario.profile("ws01.example.com"))
}

fn posture(endpoint: &Endpoint) -> serde_json::Value {
    let folder = endpoint.profile().connector_folder();
    let out = endpoint.powershell_line(&posture_cmd(&folder));
    assert_eq!(out.status, 0, "{out:?}");
    assert!(out.stderr.is_empty());
    assert_eq!(out.stdout.len(), 1);
    serde_json::from_str(&out.stdout[0]).unwrap()
}

fn tetra(endpoint: &Endpoint) -> u64 {
    posture(endpoint)["engines"]["tetra"]["version"]
        .as_u64()
        .unwrap()
}

#[test]
fn every_scenario_has_a_profile() {
    for scenario in EndpointScenario::all() {
        let p = scenario.profile("ws01");
        assert_eq!(p.hostname, "ws01");
        let stale = p.tetra_version < p.latest_tetra;
        assert_eq!(stale, *scenario != EndpointScenario::UpToDate, "{scenario}");
        assert_eq!(p.latest_tetra, LATEST_TETRA);
        if stale {
            assert_eq!(p.tetra_version, STALE_TETRA);
        }
        let parsed: EndpointScenario = scenario.to_string().parse().unwrap();
        assert_eq!(parsed, *scenario);
    }
    assert_eq!(
        EndpointScenario::StaleProxyAuth.to_string(),
        "stale-proxy-auth"
    );
    assert!("nope".parse::<EndpointScenario>().is_err());
}

#[test]
fn parses_the_playbooks_commands() {
    assert_eq!(
        Command::parse(&list_cmd()),
        Command::ListFolders {
            dir: AMP_DIR.into()
        }
    );
    assert_eq!(Command::parse(SERVICE_QUERY), Command::Services);
    assert_eq!(
        Command::parse(&posture_cmd("8.1.7.21417")),
        Command::Posture {
            folder: full("8.1.7.21417")
        }
    );
    assert_eq!(
        Command::parse(&force_cmd("8.1.7.21417")),
        Command::ForceUpdate {
            folder: full("8.1.7.21417")
        }
    );
    assert_eq!(
        Command::parse(&format!("curl.exe -v -x {POLICY_PROXY} https://{SERVER}")),
        Command::Curl {
            server: SERVER.into(),
            proxy: Some(POLICY_PROXY.into())
        }
    );
    assert_eq!(
        Command::parse(&format!("Resolve-DnsName -Name {SERVER}")),
        Command::Resolve {
            name: SERVER.into()
        }
    );
    assert_eq!(
        Command::parse(&format!("curl.exe -v https://{SERVER}")),
        Command::Curl {
            server: SERVER.into(),
            proxy: None
        }
    );
    assert_eq!(
        Command::parse(&lasterror_cmd()),
        Command::LastError {
            dir: AMP_DIR.into()
        }
    );
    // PowerShell does not care about case.
    assert_eq!(
        Command::parse("resolve-dnsname -name x.example"),
        Command::Resolve {
            name: "x.example".into()
        }
    );
    assert_eq!(
        Command::parse("ipconfig /all"),
        Command::NotRecognized {
            term: "ipconfig".into(),
            column: 1
        }
    );
}

#[test]
fn lists_folders_by_name_not_by_version() {
    let e = scenario("up-to-date");
    assert_eq!(
        e.powershell_line(&list_cmd()).stdout,
        ["7.4.5.20701", "8.1.7.21417"]
    );
    let e = scenario("stale-fixable");
    let out = e.powershell_line(&list_cmd());
    assert_eq!(out.stdout, ["10.1.2.30000", "9.0.0.1"]);
    assert_eq!(out.status, 0);
    let e = Endpoint::new(EndpointProfile::up_to_date("ws01"));
    assert_eq!(e.powershell_line(&list_cmd()).stdout, ["8.1.7.21417"]);
}

#[test]
fn posture_is_the_articles_json() {
    let e = Endpoint::new(EndpointProfile::stale("ws01"));
    let out = e.powershell_line(&posture_cmd("8.1.7.21417"));
    let line = &out.stdout[0];
    assert!(line.starts_with("{ \"agent_uuid\": \""), "{line}");
    assert!(
        line.contains("\", \"connected\": true, \"connector_version\": \"8.1.7\", \"engi"),
        "{line}"
    );
    let json = posture(&e);
    assert_eq!(json["engines"]["tetra"]["version"], 90600);
    assert_eq!(json["engines"]["tetra"]["enabled"], true);
    assert_eq!(json["connected"], true);
    let uuid = json["agent_uuid"].as_str().unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(uuid, agent_uuid("ws01"));
    assert_ne!(uuid, agent_uuid("ws02"));

    assert_eq!(posture(&scenario("disconnected"))["connected"], false);
    assert_eq!(tetra(&scenario("up-to-date")), 90606);
    assert_eq!(
        posture(&scenario("stale-fixable"))["connector_version"],
        "10.1.2"
    );
}

#[test]
fn programs_live_only_in_the_connectors_folder() {
    let e = scenario("stale-fixable");
    for cmd in [posture_cmd("9.0.0.1"), force_cmd("9.0.0.1")] {
        let out = e.powershell_line(&cmd);
        assert_eq!(out.status, 1);
        assert!(out.stdout.is_empty());
        assert!(
            out.stderr[0].starts_with(&format!("& : The term '{AMP_DIR}\\9.0.0.1\\")),
            "{out:?}"
        );
        assert!(out.stderr[0].contains(
            "is not recognized as the name of a cmdlet, function, script file, or operable program."
        ));
        assert_eq!(out.stderr[1], "At line:1 char:3");
        assert_eq!(out.stderr[2], format!("+ {cmd}"));
        // The underline covers the quoted path.
        let quoted = format!("'{AMP_DIR}\\9.0.0.1\\");
        assert!(out.stderr[3].starts_with(&format!("+   {}", "~".repeat(quoted.len()))));
    }
    assert_eq!(e.stats().snapshot().forced_updates, 0);
}

#[test]
fn anything_else_is_not_recognized() {
    let e = scenario("up-to-date");
    let out = e.powershell_line("Get-Service CiscoAMP");
    assert_eq!(out.status, 1);
    assert_eq!(
        out.stderr[0],
        "Get-Service : The term 'Get-Service' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
    );
    assert_eq!(out.stderr[1], "At line:1 char:1");
    assert_eq!(out.stderr[3], "+ ~~~~~~~~~~~");
    assert!(out.stderr[4].contains("ObjectNotFound: (Get-Service:String)"));
    assert!(
        e.powershell_line("& 'C:\\Windows\\x.exe'").stderr[0]
            .starts_with("& : The term 'C:\\Windows\\x.exe'")
    );
    let out = e.powershell_line(&format!("& '{AMP_DIR}\\8.1.7.21417\\AmpCLI.exe' status"));
    assert_eq!(out.status, 1);
    assert_eq!(out.stderr, ["Unknown command: status"]);
}

#[test]
fn dns_resolves_or_not() {
    let cmd = format!("Resolve-DnsName -Name {SERVER}");
    let out = scenario("up-to-date").powershell_line(&cmd);
    assert_eq!(out.status, 0);
    assert!(out.stderr.is_empty());
    assert_eq!(out.stdout[0], "");
    assert!(out.stdout[1].starts_with("Name "));
    assert!(out.stdout[1].ends_with("Type   TTL   Section    IPAddress"));
    assert!(out.stdout[2].starts_with("----  "));
    let record: Vec<&str> = out.stdout[3].split_whitespace().collect();
    assert_eq!(record, [SERVER, "A", "5", "Answer", SERVER_ADDRESS]);

    let out = scenario("stale-dns").powershell_line(&cmd);
    assert_eq!(out.status, 1);
    assert!(out.stdout.is_empty());
    assert_eq!(
        out.stderr[0],
        format!("Resolve-DnsName : {SERVER} : DNS name does not exist")
    );
    assert_eq!(out.stderr[1], "At line:1 char:1");
    assert!(out.stderr.iter().any(|l| l.ends_with(
            "FullyQualifiedErrorId : DNS_ERROR_RCODE_NAME_ERROR,Microsoft.DnsClient.Commands.ResolveDnsName"
        )));
    // The name does not matter.
    let out = scenario("stale-dns").powershell_line("Resolve-DnsName -Name example.org");
    assert!(out.stderr[0].starts_with("Resolve-DnsName : example.org : "));
}

/// curl.exe as a program (from cmd.exe, the default shell): its own
/// exit codes.
fn curl(name: &str) -> ExecOutput {
    scenario(name).run(&format!("curl.exe -v https://{SERVER}"))
}

#[test]
fn curl_per_scenario() {
    let ok = curl("up-to-date");
    assert_eq!(ok.status, 0);
    assert_eq!(ok.stderr[0], format!("*   Trying {SERVER_ADDRESS}:443..."));
    assert!(ok.stderr.contains(&"< HTTP/1.1 200 OK".to_string()));
    assert!(ok.stderr.contains(&format!("> Host: {SERVER}")));
    for name in [
        "stale-proxy-connect",
        "stale-fixable",
        "update-does-not-move",
        "old-connector",
        "disconnected",
    ] {
        assert_eq!(curl(name).status, 0, "{name}");
    }

    let revoked = curl("stale-revocation");
    assert_eq!(revoked.status, 35);
    assert!(!revoked.stderr.iter().any(|l| l.contains("200 OK")));
    let last = revoked.stderr.last().unwrap();
    assert_eq!(
        last,
        "curl: (35) schannel: next InitializeSecurityContext failed: Unknown error (0x80092013) - The revocation function was unable to check revocation because the revocation server was offline."
    );

    let timed_out = curl("stale-connect");
    assert_eq!(timed_out.status, 28);
    assert_eq!(
        timed_out.stderr.last().unwrap(),
        &format!("curl: (28) Failed to connect to {SERVER} port 443 after 21046 ms: Timed out")
    );

    let unresolved = curl("stale-dns");
    assert_eq!(unresolved.status, 6);
    assert_eq!(
        unresolved.stderr.last().unwrap(),
        &format!("curl: (6) Could not resolve host: {SERVER}")
    );
}

#[test]
fn lasterror_per_scenario() {
    for (name, expected) in [
        ("stale-proxy-connect", "4294965193"),
        ("stale-proxy-auth", "4294965196"),
        ("stale-proxy-download", "4294965187"),
    ] {
        let out = scenario(name).powershell_line(&lasterror_cmd());
        assert_eq!(out.stdout, [expected], "{name}");
        assert_eq!(out.status, 0);
    }
    // 0: the last update had no error.
    for name in [
        "up-to-date",
        "stale-dns",
        "stale-fixable",
        "last-error-zero",
    ] {
        let out = scenario(name).powershell_line(&lasterror_cmd());
        assert_eq!(out.stdout, ["0"], "{name}");
    }
    // An empty element: nothing at all.
    let out = scenario("update-does-not-move").powershell_line(&lasterror_cmd());
    assert_eq!(out, ExecOutput::default());
}

#[tokio::test(start_paused = true)]
async fn forced_update_moves_the_version_later() {
    let e = scenario("stale-fixable");
    let out = e.powershell_line(&force_cmd("10.1.2.30000"));
    assert_eq!(out, ExecOutput::default());
    assert_eq!(e.stats().snapshot().forced_updates, 1);
    assert_eq!(tetra(&e), 90600);
    tokio::time::advance(DEFAULT_TETRA_UPDATE_DURATION - Duration::from_millis(1)).await;
    assert_eq!(tetra(&e), 90600);
    tokio::time::advance(Duration::from_millis(1)).await;
    assert_eq!(tetra(&e), 90606);
}

#[tokio::test(start_paused = true)]
async fn update_does_not_move() {
    let e = scenario("update-does-not-move");
    assert_eq!(
        e.powershell_line(&force_cmd(DEFAULT_CONNECTOR_VERSION))
            .status,
        0
    );
    assert_eq!(e.stats().snapshot().forced_updates, 1);
    tokio::time::advance(Duration::from_secs(3600)).await;
    assert_eq!(tetra(&e), 90600);
}

#[tokio::test(start_paused = true)]
async fn old_connector_has_no_forceupdate() {
    let e = scenario("old-connector");
    assert!(!e.profile().has_forceupdate());
    let out = e.powershell_line(&force_cmd("7.2.5.20412"));
    assert_eq!(out.status, 1);
    assert!(out.stdout.is_empty());
    assert_eq!(out.stderr, ["Invalid option: -forceupdate"]);
    assert_eq!(e.stats().snapshot().forced_updates, 0);
    tokio::time::advance(Duration::from_secs(3600)).await;
    assert_eq!(tetra(&e), 90600);
    assert_eq!(posture(&e)["connector_version"], "7.2.5");
}

#[test]
fn forceupdate_arrived_in_7_2_7() {
    let mut p = EndpointProfile::stale("ws01");
    for (version, has) in [
        ("7.2.7.11111", true),
        ("7.2.6.99999", false),
        ("7.10.0.1", true),
        ("10.1.2.30000", true),
        ("6.3.1.1", false),
    ] {
        p.connector_version = version.to_string();
        assert_eq!(p.has_forceupdate(), has, "{version}");
    }
}

/// What sshfleet sends for a PowerShell step (`powershell.exe ...
/// -EncodedCommand`), built here the way any client would.
fn encoded(script: &str) -> String {
    use base64::Engine as _;
    let bytes: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    format!(
        "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// A script that keeps the last native exit status.
fn wrapped(command: &str) -> String {
    encoded(&format!(
        "$ProgressPreference = 'SilentlyContinue'\n{command}\nif (-not $?) {{ if ($LASTEXITCODE) {{ exit $LASTEXITCODE }}; exit 1 }}\nexit $LASTEXITCODE"
    ))
}

fn on(shell: DefaultShell, scenario_name: &str) -> Endpoint {
    let scenario: EndpointScenario = scenario_name.parse().unwrap();
    Endpoint::new(scenario.profile("ws01").with_default_shell(shell))
}

#[test]
fn cmd_does_not_know_powershell() {
    let e = on(DefaultShell::Cmd, "up-to-date");
    let out = e.run(&list_cmd());
    assert_eq!(out.status, 1);
    assert!(out.stdout.is_empty());
    assert_eq!(
        out.stderr,
        [
            "'Get-ChildItem' is not recognized as an internal or external command,",
            "operable program or batch file."
        ]
    );
    // `&` separates cmd.exe's commands: the quoted path is split at its space.
    let out = e.run(&posture_cmd("8.1.7.21417"));
    assert_eq!(
        out.stderr[0],
        "''C:\\Program' is not recognized as an internal or external command,"
    );
    // Programs on the PATH, and programs by their path, do run.
    let out = e.run(&format!("curl.exe -v https://{SERVER}"));
    assert_eq!(out.status, 0);
    assert!(out.stderr.contains(&"< HTTP/1.1 200 OK".to_string()));
    let out = e.run(&format!("\"{AMP_DIR}\\8.1.7.21417\\AmpCLI.exe\" posture"));
    assert_eq!(out.status, 0, "{out:?}");
    assert!(out.stdout[0].starts_with("{ \"agent_uuid\""));
    assert_eq!(e.executed(&list_cmd()), [list_cmd()]);
}

#[test]
fn an_encoded_script_runs_the_same_under_either_default_shell() {
    for shell in [DefaultShell::Cmd, DefaultShell::Powershell] {
        let e = on(shell, "stale-fixable");
        let out = e.run(&wrapped(&list_cmd()));
        assert_eq!(out.stdout, ["10.1.2.30000", "9.0.0.1"], "{shell:?}");
        assert_eq!((out.status, out.stderr.len()), (0, 0), "{shell:?}");
        let out = e.run(&wrapped(&posture_cmd("10.1.2.30000")));
        assert_eq!(out.status, 0, "{shell:?}");
        assert!(out.stdout[0].contains("\"version\": 90600"));
        let out = e.run(&wrapped(&format!("Resolve-DnsName -Name {SERVER}")));
        assert_eq!(out.status, 0, "{shell:?}");
        assert_eq!(
            e.executed(&wrapped("Resolve-DnsName -Name x")),
            [
                "$ProgressPreference = 'SilentlyContinue'",
                "Resolve-DnsName -Name x",
                "if (-not $?) { if ($LASTEXITCODE) { exit $LASTEXITCODE }; exit 1 }",
                "exit $LASTEXITCODE"
            ]
        );
    }
}

#[test]
fn the_last_native_exit_status_survives_only_where_the_script_exits_with_it() {
    let curl = format!("curl.exe -v https://{SERVER}");
    let cmd = on(DefaultShell::Cmd, "stale-revocation");
    assert_eq!(cmd.run(&wrapped(&curl)).status, 35);
    // `powershell -Command` makes any failure 1.
    assert_eq!(cmd.run(&encoded(&curl)).status, 1);
    assert_eq!(
        cmd.run(&format!("powershell.exe -Command {curl}")).status,
        1
    );
    // Under PowerShell as the default shell, the outer `-c` does the same.
    let ps = on(DefaultShell::Powershell, "stale-revocation");
    assert_eq!(ps.run(&wrapped(&curl)).status, 1);
    assert_eq!(ps.run(&curl).status, 1);
    // A failing cmdlet leaves no $LASTEXITCODE: the script exits 1.
    let dns = on(DefaultShell::Cmd, "stale-dns");
    assert_eq!(
        dns.run(&wrapped(&format!("Resolve-DnsName -Name {SERVER}")))
            .status,
        1
    );
    // curl's own stderr is plain text even under -EncodedCommand.
    let out = cmd.run(&wrapped(&curl));
    assert!(
        out.stderr
            .last()
            .unwrap()
            .starts_with("curl: (35) schannel")
    );
}

#[test]
fn encoded_scripts_write_errors_and_progress_as_clixml() {
    let e = on(DefaultShell::Cmd, "stale-dns");
    let resolve = format!("Resolve-DnsName -Name {SERVER}");
    let out = e.run(&wrapped(&resolve));
    assert_eq!(out.stderr[0], "#< CLIXML");
    assert_eq!(out.stderr.len(), 2, "{out:?}");
    let objs = &out.stderr[1];
    assert!(objs.starts_with("<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">Resolve-DnsName : tetra-defs.amp.cisco.com : DNS name does not exist_x000D__x000A_</S><S S=\"Error\">At line:2 char:1_x000D__x000A_</S>"), "{objs}");
    assert!(objs.ends_with("</S></Objs>"));
    assert!(!objs.contains("progress"));
    // Progress left on: the module's first use is a progress record of
    // its own block, then the error's.
    let out = e.run(&encoded(&resolve));
    assert_eq!(out.stderr.len(), 4, "{out:?}");
    assert!(out.stderr[1].contains("<AV>Preparing modules for first use.</AV>"));
    assert!(out.stderr[3].contains("At line:1 char:1"));
    // Not encoded: plain text, as before.
    let out = e.run(&format!("powershell.exe -Command {resolve}"));
    assert_eq!(
        out.stderr[0],
        format!("Resolve-DnsName : {SERVER} : DNS name does not exist")
    );
    let out = e.run("powershell.exe -EncodedCommand not-base64!");
    assert_eq!(out.status, 1);
    assert!(out.stderr[0].contains("-EncodedCommand is not properly encoded"));
    assert_eq!(xml_text("a_x<&>"), "a_x005F_x&lt;&amp;&gt;");
}

#[test]
fn crlf_lines() {
    assert_eq!(
        ExecOutput::crlf(&["a".to_string(), String::new()]),
        b"a\r\n\r\n"
    );
    assert!(ExecOutput::crlf(&[]).is_empty());
}

#[test]
fn long_targets_are_shortened_like_powershell() {
    assert_eq!(ellipsize("short"), "short");
    let long = format!("{AMP_DIR}\\9.0.0.1\\AmpCLI.exe");
    let short = ellipsize(&long);
    assert_eq!(short.chars().count(), 40);
    assert!(short.starts_with("C:\\Program Files\\C") && short.ends_with("AmpCLI.exe"));
}

#[test]
fn the_service_names_the_folder_in_use() {
    let e = scenario("stale-fixable");
    let out = e.powershell_line(SERVICE_QUERY);
    assert_eq!(
        out.stdout,
        [format!("Running|\"{AMP_DIR}\\10.1.2.30000\\sfc.exe\"")]
    );
    let e = scenario("connector-elsewhere");
    let folder = format!("{CUSTOM_INSTALL_DIR}\\{DEFAULT_CONNECTOR_VERSION}");
    assert_eq!(
        e.powershell_line(SERVICE_QUERY).stdout,
        [format!("Running|\"{folder}\\sfc.exe\"")]
    );
    // Programs run from there, not from the default folder.
    assert_eq!(tetra(&e), STALE_TETRA);
    assert_eq!(
        e.powershell_line(&posture_cmd(DEFAULT_CONNECTOR_VERSION))
            .status,
        1
    );
    let list = e.powershell_line(&list_cmd());
    assert_eq!(list.status, 1);
    assert!(list.stderr[0].contains("Cannot find path"), "{list:?}");
    let lasterror = e.powershell_line(&lasterror_cmd());
    assert_eq!(lasterror.status, 1);
    let at = format!(
        "(Select-Xml -Path '{CUSTOM_INSTALL_DIR}\\local.xml' -XPath '//tetra/lasterror').Node.InnerText"
    );
    assert_eq!(e.powershell_line(&at).stdout, ["0"]);
    // No connector: no service, no output, no error.
    let none = scenario("no-connector").powershell_line(SERVICE_QUERY);
    assert_eq!(none, ExecOutput::default());
    let mut stopped = EndpointProfile::stale("ws01");
    stopped.service = ServiceState::Stopped;
    let out = Endpoint::new(stopped).powershell_line(SERVICE_QUERY);
    assert!(out.stdout[0].starts_with("Stopped|\""), "{out:?}");
}

#[test]
fn without_curl_exe_the_check_says_so_and_curl_is_not_recognized() {
    let check = format!("if ({CURL_MISSING}) {{ exit 9009 }}; curl.exe -v https://{SERVER}");
    let e = on(DefaultShell::Cmd, "no-curl");
    assert_eq!(e.run(&wrapped(&check)).status, 9009);
    let out = e.run(&format!("curl.exe -v https://{SERVER}"));
    assert_eq!(out.status, 1);
    assert_eq!(
        out.stderr[0],
        "'curl.exe' is not recognized as an internal or external command,"
    );
    let out = e.run(&wrapped(&format!("curl.exe -v https://{SERVER}")));
    assert_eq!(out.status, 1);
    assert!(
        out.stderr[1].contains("The term 'curl.exe' is not recognized"),
        "{out:?}"
    );
    // With curl.exe, the check runs it and keeps its exit code.
    let e = on(DefaultShell::Cmd, "stale-connect");
    assert_eq!(e.run(&wrapped(&check)).status, 28);
    let e = on(DefaultShell::Powershell, "up-to-date");
    let out = e.powershell_line(&check);
    assert_eq!(out.status, 0, "{out:?}");
}

#[test]
fn through_the_policys_proxy() {
    let via = format!("curl.exe -v -x {POLICY_PROXY} https://{SERVER}");
    let direct = format!("curl.exe -v https://{SERVER}");
    let ok = scenario("proxy-only");
    assert_eq!(ok.run(&direct).status, 28);
    let out = ok.run(&via);
    assert_eq!(out.status, 0, "{out:?}");
    assert!(
        out.stderr
            .contains(&"< HTTP/1.1 200 Connection established".to_string())
    );
    assert!(out.stderr.contains(&"< HTTP/1.1 200 OK".to_string()));
    let refused = scenario("proxy-only-failing");
    let out = refused.run(&via);
    assert_eq!(out.status, 56);
    assert!(
        out.stderr
            .contains(&"< HTTP/1.1 407 Proxy Authentication Required".to_string())
    );
    assert_eq!(
        out.stderr.last().unwrap(),
        "curl: (56) CONNECT tunnel failed, response 407"
    );
    let mut down = EndpointProfile::stale("ws01");
    down.proxy = ProxyOutcome::Unreachable;
    let out = Endpoint::new(down).run(&via);
    assert_eq!(out.status, 7);
    assert!(
        out.stderr
            .last()
            .unwrap()
            .starts_with("curl: (7) Failed to connect to proxy.corp.example port 8080")
    );
}

#[test]
fn localised_windows_translates_messages_not_codes() {
    let curl = format!("curl.exe -v https://{SERVER}");
    let mut last = Vec::new();
    for name in ["stale-revocation", "localised-fr", "localised-de"] {
        let out = scenario(name).run(&curl);
        assert_eq!(out.status, 35, "{name}");
        let line = out.stderr.last().unwrap().clone();
        assert!(line.contains("Unknown error (0x80092013) - "), "{line}");
        last.push(line);
    }
    assert!(last[1].ends_with("La fonction de révocation n'a pas pu vérifier la révocation car le serveur de révocation était hors connexion."));
    assert!(last[2].ends_with(
        "Die Sperrfunktion konnte die Sperrung nicht überprüfen, da der Sperrserver offline war."
    ));
    // DNS errors keep their error id.
    let mut de = EndpointProfile::stale("ws01");
    de.locale = Locale::German;
    de.dns_ok = false;
    let out = Endpoint::new(de).powershell_line(&format!("Resolve-DnsName -Name {SERVER}"));
    assert_eq!(
        out.stderr[0],
        format!("Resolve-DnsName : {SERVER} : DNS-Name ist nicht vorhanden")
    );
    assert_eq!(out.stderr[1], "In Zeile:1 Zeichen:1");
    assert!(
        out.stderr[5]
            .ends_with("DNS_ERROR_RCODE_NAME_ERROR,Microsoft.DnsClient.Commands.ResolveDnsName")
    );
    // On the wire, in the endpoint's code page.
    let fr = scenario("localised-fr");
    assert_eq!(fr.profile().code_page, CodePage::Cp1252);
    let bytes = ExecOutput::encoded(&["révocation".to_string()], CodePage::Cp1252);
    assert_eq!(bytes, b"r\xe9vocation\r\n");
    let bytes = ExecOutput::encoded(&["überprüfen".to_string()], CodePage::Cp850);
    assert_eq!(bytes, b"\x81berpr\x81fen\r\n");
}
