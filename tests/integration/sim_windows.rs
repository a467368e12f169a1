//! Simulated Windows endpoints over real SSH on loopback, driven by plain
//! russh exec channels the way sshfleet runs PowerShell commands.

use std::sync::Arc;
use std::time::Duration;

use russh::ChannelMsg;
use russh::client;
use sshfleet_sim::{
    DefaultShell, EndpointProfile, EndpointScenario, ForceUpdate, SimAuth, SimFleet, SimHost,
};
use tokio::time::timeout;

const USER: &str = "admin";
const PASSWORD: &str = "secret";
const DIR: &str = r"C:\Program Files\Cisco\AMP";
const SERVER: &str = "tetra-defs.amp.cisco.com";
const WAIT: Duration = Duration::from_secs(5);

struct Client;

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

async fn login(host: &SimHost) -> client::Handle<Client> {
    let config = Arc::new(client::Config::default());
    let mut session = client::connect(config, host.addr, Client).await.unwrap();
    let auth = session.authenticate_password(USER, PASSWORD).await.unwrap();
    assert!(auth.success());
    session
}

/// stdout, stderr and exit status of one exec request.
#[derive(Debug)]
struct Ran {
    stdout: String,
    stderr: String,
    status: Option<u32>,
}

async fn exec(session: &client::Handle<Client>, command: &str) -> Ran {
    let mut channel = session.channel_open_session().await.unwrap();
    channel.exec(true, command).await.unwrap();
    let mut ran = Ran {
        stdout: String::new(),
        stderr: String::new(),
        status: None,
    };
    while let Some(msg) = timeout(WAIT, channel.wait()).await.unwrap() {
        match msg {
            ChannelMsg::Data { data } => ran.stdout.push_str(&String::from_utf8_lossy(&data)),
            ChannelMsg::ExtendedData { data, ext: 1 } => {
                ran.stderr.push_str(&String::from_utf8_lossy(&data))
            }
            ChannelMsg::ExitStatus { exit_status } => ran.status = Some(exit_status),
            _ => {}
        }
    }
    ran
}

async fn fleet(profiles: Vec<EndpointProfile>) -> SimFleet {
    let auth = SimAuth {
        username: USER.to_string(),
        password: Some(PASSWORD.to_string()),
        authorized_keys: Vec::new(),
    };
    SimFleet::start_endpoints(profiles, auth).await.unwrap()
}

/// An endpoint of `name` whose administrator made PowerShell the default
/// shell, so that PowerShell commands can be sent as they are.
fn scenario(name: &str) -> EndpointProfile {
    let scenario: EndpointScenario = name.parse().unwrap();
    scenario
        .profile(&format!("{name}.example.com"))
        .with_default_shell(DefaultShell::Powershell)
}

/// `powershell.exe -EncodedCommand` for `script`, as any client builds it.
fn encoded(script: &str) -> String {
    use base64::Engine as _;
    let bytes: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
    format!(
        "powershell.exe -NoProfile -NonInteractive -EncodedCommand {}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

#[tokio::test]
async fn windows_as_shipped_runs_exec_requests_in_cmd() {
    let cmd = |name: &str| {
        let scenario: EndpointScenario = name.parse().unwrap();
        scenario.profile(&format!("{name}.example.com"))
    };
    let fleet = fleet(vec![cmd("stale-fixable"), cmd("stale-dns")]).await;
    let session = login(&fleet.hosts()[0]).await;
    let list = format!("Get-ChildItem -Directory -Name '{DIR}'");
    let ran = exec(&session, &list).await;
    assert_eq!(ran.status, Some(1));
    assert_eq!(
        ran.stderr,
        "'Get-ChildItem' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
    );
    let ran = exec(&session, &encoded(&list)).await;
    assert_eq!(
        (ran.stdout.as_str(), ran.status),
        ("10.1.2.30000\r\n9.0.0.1\r\n", Some(0))
    );
    assert_eq!(fleet.hosts()[0].stats().commands, [list.as_str(), &list]);

    // A failing cmdlet's error record comes as CLIXML on stderr.
    let session = login(&fleet.hosts()[1]).await;
    let ran = exec(
        &session,
        &encoded(&format!(
            "$ProgressPreference = 'SilentlyContinue'\nResolve-DnsName -Name {SERVER}"
        )),
    )
    .await;
    assert_eq!(ran.status, Some(1));
    assert!(ran.stdout.is_empty());
    assert!(
        ran.stderr
            .starts_with("#< CLIXML\r\n<Objs Version=\"1.1.0.1\""),
        "{ran:?}"
    );
    assert!(
        ran.stderr
            .contains("DNS name does not exist_x000D__x000A_</S>"),
        "{ran:?}"
    );
}

fn posture_cmd(folder: &str) -> String {
    format!("& '{DIR}\\{folder}\\AmpCLI.exe' posture")
}

fn force_cmd(folder: &str) -> String {
    format!("& '{DIR}\\{folder}\\sfc.exe' -forceupdate")
}

async fn tetra(session: &client::Handle<Client>, folder: &str) -> u64 {
    let ran = exec(session, &posture_cmd(folder)).await;
    assert_eq!(ran.status, Some(0), "{ran:?}");
    assert!(ran.stdout.ends_with("}\r\n"), "{ran:?}");
    let json: serde_json::Value = serde_json::from_str(ran.stdout.trim_end()).unwrap();
    json["engines"]["tetra"]["version"].as_u64().unwrap()
}

#[tokio::test]
async fn folders_and_posture_over_exec() {
    let fleet = fleet(vec![scenario("stale-fixable")]).await;
    let session = login(&fleet.hosts()[0]).await;
    let ran = exec(&session, &format!("Get-ChildItem -Directory -Name '{DIR}'")).await;
    assert_eq!(ran.stdout, "10.1.2.30000\r\n9.0.0.1\r\n");
    assert_eq!(ran.status, Some(0));
    assert_eq!(tetra(&session, "10.1.2.30000").await, 90600);

    let wrong = exec(&session, &posture_cmd("9.0.0.1")).await;
    assert_eq!(wrong.status, Some(1));
    assert!(wrong.stdout.is_empty());
    assert!(
        wrong
            .stderr
            .contains("is not recognized as the name of a cmdlet")
    );

    // No shell on an endpoint.
    let channel = session.channel_open_session().await.unwrap();
    assert!(
        channel.request_shell(true).await.is_err() || {
            let mut channel = channel;
            matches!(
                timeout(WAIT, channel.wait()).await.unwrap(),
                Some(ChannelMsg::Failure)
            )
        }
    );
}

#[tokio::test]
async fn diagnostics_per_scenario() {
    let names = [
        "up-to-date",
        "stale-dns",
        "stale-revocation",
        "stale-connect",
        "stale-proxy-connect",
        "stale-proxy-auth",
        "stale-proxy-download",
    ];
    let fleet = fleet(names.iter().map(|n| scenario(n)).collect()).await;
    let resolve = format!("Resolve-DnsName -Name {SERVER}");
    let curl = format!("curl.exe -v https://{SERVER}");
    let lasterror =
        format!("(Select-Xml -Path '{DIR}\\local.xml' -XPath '//tetra/lasterror').Node.InnerText");
    for (name, dns, curl_status, curl_needle, last) in [
        // lasterror 0: the last update had no error.
        ("up-to-date", 0, 0, "< HTTP/1.1 200 OK\r\n", "0\r\n"),
        (
            "stale-dns",
            1,
            6,
            "curl: (6) Could not resolve host: ",
            "0\r\n",
        ),
        (
            "stale-revocation",
            0,
            35,
            "(0x80092013) - The revocation function",
            "0\r\n",
        ),
        (
            "stale-connect",
            0,
            28,
            "curl: (28) Failed to connect to ",
            "0\r\n",
        ),
        ("stale-proxy-connect", 0, 0, "200 OK", "4294965193\r\n"),
        ("stale-proxy-auth", 0, 0, "200 OK", "4294965196\r\n"),
        ("stale-proxy-download", 0, 0, "200 OK", "4294965187\r\n"),
    ] {
        let host = fleet.host(&format!("{name}.example.com")).unwrap();
        let session = login(host).await;
        let ran = exec(&session, &resolve).await;
        assert_eq!(ran.status, Some(dns), "{name}: {ran:?}");
        if dns == 0 {
            assert!(
                ran.stdout.contains("Type   TTL   Section    IPAddress\r\n"),
                "{ran:?}"
            );
        } else {
            assert!(ran.stderr.contains("DNS_ERROR_RCODE_NAME_ERROR"), "{ran:?}");
        }
        let ran = exec(&session, &curl).await;
        // `powershell -c` keeps only whether curl failed (docs/DEVICES.md).
        let status = u32::from(curl_status != 0);
        assert_eq!(ran.status, Some(status), "{name}: {ran:?}");
        assert!(ran.stderr.contains(curl_needle), "{name}: {ran:?}");
        let ran = exec(&session, &lasterror).await;
        assert_eq!((ran.stdout.as_str(), ran.status), (last, Some(0)), "{name}");
        let stats = host.stats();
        assert_eq!(stats.commands, [resolve.as_str(), &curl, &lasterror]);
    }
}

#[tokio::test]
async fn forced_update_moves_the_version_and_persists() {
    let quick = EndpointProfile {
        force_update: ForceUpdate::MovesAfter(Duration::from_millis(300)),
        ..scenario("stale-fixable")
    };
    let fleet = fleet(vec![
        quick,
        scenario("update-does-not-move"),
        scenario("old-connector"),
    ])
    .await;
    let fixable = &fleet.hosts()[0];
    let session = login(fixable).await;
    let ran = exec(&session, &force_cmd("10.1.2.30000")).await;
    assert_eq!(
        (ran.stdout.as_str(), ran.stderr.as_str(), ran.status),
        ("", "", Some(0))
    );
    assert_eq!(tetra(&session, "10.1.2.30000").await, 90600);
    tokio::time::sleep(Duration::from_millis(400)).await;
    drop(session);
    // A new connection sees the same endpoint.
    let session = login(fixable).await;
    assert_eq!(tetra(&session, "10.1.2.30000").await, 90606);
    let stats = fixable.stats();
    assert_eq!(stats.forced_updates, 1);
    assert_eq!(stats.commands.len(), 3);
    assert_eq!(fixable.tetra_version(), Some(90606));
    // An endpoint is no appliance.
    assert_eq!(fixable.model(), sshfleet_sim::Model::Windows);
    assert!(fixable.appliance().is_none() && fixable.endpoint().is_some());

    let stuck = &fleet.hosts()[1];
    let session = login(stuck).await;
    assert_eq!(
        exec(&session, &force_cmd("8.1.7.21417")).await.status,
        Some(0)
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(tetra(&session, "8.1.7.21417").await, 90600);
    assert_eq!(stuck.stats().forced_updates, 1);

    let old = &fleet.hosts()[2];
    let session = login(old).await;
    let ran = exec(&session, &force_cmd("7.2.5.20412")).await;
    assert_eq!(ran.status, Some(1));
    assert_eq!(ran.stderr, "Invalid option: -forceupdate\r\n");
    assert_eq!(old.stats().forced_updates, 0);
    assert_eq!(old.stats().commands, [force_cmd("7.2.5.20412")]);
}
