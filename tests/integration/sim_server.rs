//! The simulated fleet over real SSH on loopback, driven by a plain russh
//! client the way an operator's session would drive an appliance.

use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, Msg};
use russh::keys::{Algorithm, PrivateKey, PrivateKeyWithHashAlg, PublicKey};
use russh::{Channel, ChannelMsg};
use sshfleet_sim::{
    AsyncOsProfile, AsyncOsScenario, Fault, PromptStyle, SimAuth, SimFleet, SimHost, SimHostConfig,
    UpdateBehaviour,
};
use tokio::time::{Instant, timeout};

const USER: &str = "admin";
const PROMPT: &str = "esa01.example.com> ";
const WAIT: Duration = Duration::from_secs(5);

fn ed25519() -> PrivateKey {
    PrivateKey::random(&mut russh::keys::key::safe_rng(), Algorithm::Ed25519).unwrap()
}

/// Accepts only the host key it was told to expect.
struct Client {
    expected: PublicKey,
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(match key {
            russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } => {
                key.key_data() == self.expected.key_data()
            }
            russh::keys::PublicKeyOrCertificate::Certificate(_) => false,
        })
    }
}

async fn connect(host: &SimHost) -> client::Handle<Client> {
    let config = Arc::new(client::Config::default());
    let handler = Client {
        expected: host.host_key.clone(),
    };
    client::connect(config, host.addr, handler).await.unwrap()
}

async fn login_with_key(host: &SimHost, key: &PrivateKey) -> client::Handle<Client> {
    let mut session = connect(host).await;
    let auth = session
        .authenticate_publickey(
            USER,
            PrivateKeyWithHashAlg::new(Arc::new(key.clone()), None),
        )
        .await
        .unwrap();
    assert!(auth.success(), "key authentication failed");
    session
}

/// An interactive shell channel with a read buffer.
struct Shell {
    channel: Channel<Msg>,
    seen: Vec<u8>,
}

impl Shell {
    async fn open(session: &client::Handle<Client>) -> Shell {
        let channel = session.channel_open_session().await.unwrap();
        channel
            // Taller than `status`: the appliance pages to this height.
            .request_pty(true, "xterm", 200, 200, 0, 0, &[])
            .await
            .unwrap();
        channel.request_shell(true).await.unwrap();
        Shell {
            channel,
            seen: Vec::new(),
        }
    }

    async fn send(&self, bytes: &[u8]) {
        self.channel.data_bytes(bytes.to_vec()).await.unwrap();
    }

    /// Output up to and including `needle`.
    async fn until(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let found = self
                .seen
                .windows(needle.len())
                .position(|w| w == needle.as_bytes());
            if let Some(at) = found {
                let taken: Vec<u8> = self.seen.drain(..at + needle.len()).collect();
                return String::from_utf8_lossy(&taken).into_owned();
            }
            match tokio::time::timeout_at(deadline, self.channel.wait()).await {
                Ok(Some(ChannelMsg::Data { data })) => self.seen.extend_from_slice(&data),
                Ok(Some(_)) => {}
                other => panic!(
                    "waiting for {needle:?}: {other:?}; seen {:?}",
                    String::from_utf8_lossy(&self.seen)
                ),
            }
        }
    }

    /// Runs a command and returns its output up to the next prompt.
    async fn run(&mut self, command: &str, prompt: &str) -> String {
        self.send(format!("{command}\r").as_bytes()).await;
        self.until(prompt).await
    }

    /// Everything else the channel says until it ends, as messages.
    async fn rest(&mut self) -> Vec<ChannelMsg> {
        let mut msgs = Vec::new();
        while let Ok(Some(msg)) = timeout(WAIT, self.channel.wait()).await {
            msgs.push(msg);
        }
        msgs
    }
}

fn test_profile() -> AsyncOsProfile {
    let mut profile = AsyncOsProfile::broken("esa01.example.com");
    profile.update = UpdateBehaviour::CompletesAfter(Duration::from_millis(300));
    profile
}

async fn fleet_of(profiles: Vec<AsyncOsProfile>, key: &PrivateKey) -> SimFleet {
    let auth = SimAuth {
        username: USER.to_string(),
        password: Some("ironport".to_string()),
        authorized_keys: vec![key.public_key().clone()],
    };
    SimFleet::start(profiles.into_iter().map(SimHostConfig::new).collect(), auth)
        .await
        .unwrap()
}

async fn wait_for(host: &SimHost, what: &str, ok: impl Fn(&sshfleet_sim::SimStats) -> bool) {
    let deadline = Instant::now() + WAIT;
    while !ok(&host.stats()) {
        assert!(Instant::now() < deadline, "{what}: {:?}", host.stats());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn the_articles_procedure_over_ssh() {
    let key = ed25519();
    let fleet = fleet_of(vec![test_profile()], &key).await;
    let host = &fleet.hosts()[0];
    let session = login_with_key(host, &key).await;
    let mut shell = Shell::open(&session).await;

    let banner = shell.until(PROMPT).await;
    assert!(banner.contains("AsyncOS 15.0.1 for Cisco C300V build 012\r\n"));

    let version = shell.run("version", PROMPT).await;
    assert!(
        version.contains("\r\nVersion: 15.0.1-012\r\n"),
        "{version:?}"
    );

    let grep = shell.run("grep \"Warning|Critical\" ecs", PROMPT).await;
    assert!(grep.contains(
        "Critical: ECS: Failed to regenerate token. Status Code: 403. Invalid Certificate.\r\n"
    ));

    let update = shell.run("ecupdate force", PROMPT).await;
    assert!(update.contains("\r\nRequesting forced update of Enrollment Client.\r\n"));

    shell.send(b"tail updater_logs\r").await;
    shell.until("Press Ctrl-C to stop.\r\n").await;
    let followed = shell
        .until("Info: enrollment_client update completed\r\n")
        .await;
    assert!(followed.contains("Info: Acquired server manifest, starting update 9030\r\n"));
    assert_eq!(host.stats().follows_active, 1);
    shell.send(b"\x03").await;
    // Ctrl-C: a new line and the prompt (after any line still arriving).
    let after = shell.until(PROMPT).await;
    assert!(
        after.ends_with(&format!("\r\n\r\n{PROMPT}")) || after == format!("\r\n{PROMPT}"),
        "{after:?}"
    );

    let stats = host.stats();
    assert_eq!(stats.forced_updates, 1);
    assert_eq!(stats.interrupts, 1);
    assert_eq!(stats.follows_active, 0);
    assert_eq!(stats.sessions_open, 1);
    assert_eq!(
        stats.commands,
        [
            "version",
            "grep \"Warning|Critical\" ecs",
            "ecupdate force",
            "tail updater_logs"
        ]
    );

    let manual = shell
        .run("grep \"manual update\" updater_logs", PROMPT)
        .await;
    assert!(manual.contains("Info: Received remote command to signal a manual update\r\n"));

    // Registration follows the update shortly; the alert is gone.
    shell.send(b"tail ecs\r").await;
    shell
        .until("Info: ECS: Device registration successful.\r\n")
        .await;
    shell.send(b"\x03").await;
    shell.until(PROMPT).await;
    let alerts = shell.run("displayalerts", PROMPT).await;
    assert!(alerts.contains("There are no alerts."), "{alerts:?}");

    shell.send(b"exit\r").await;
    let rest = shell.rest().await;
    assert!(
        rest.iter()
            .any(|m| matches!(m, ChannelMsg::ExitStatus { exit_status: 0 })),
        "{rest:?}"
    );
    assert!(rest.iter().any(|m| matches!(m, ChannelMsg::Eof)));
    assert!(rest.iter().any(|m| matches!(m, ChannelMsg::Close)));
    wait_for(host, "session closed", |s| s.sessions_open == 0).await;
    fleet.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_are_rejected() {
    let key = ed25519();
    let fleet = fleet_of(vec![test_profile()], &key).await;
    let host = &fleet.hosts()[0];

    let mut session = connect(host).await;
    let wrong = ed25519();
    let auth = session
        .authenticate_publickey(USER, PrivateKeyWithHashAlg::new(Arc::new(wrong), None))
        .await
        .unwrap();
    assert!(!auth.success());
    let auth = session
        .authenticate_password(USER, "not-the-password")
        .await
        .unwrap();
    assert!(!auth.success());
    let auth = session
        .authenticate_publickey(
            "root",
            PrivateKeyWithHashAlg::new(Arc::new(key.clone()), None),
        )
        .await
        .unwrap();
    assert!(!auth.success());
    let auth = session
        .authenticate_password(USER, "ironport")
        .await
        .unwrap();
    assert!(auth.success());
    assert_eq!(host.stats().sessions_opened, 0);
}

#[tokio::test]
async fn host_key_is_the_configured_one() {
    let key = ed25519();
    let host_key = ed25519();
    let auth = SimAuth {
        username: USER.to_string(),
        password: None,
        authorized_keys: vec![key.public_key().clone()],
    };
    let fleet = SimFleet::start(
        vec![SimHostConfig {
            profile: test_profile(),
            host_key: Some(host_key.clone()),
        }],
        auth,
    )
    .await
    .unwrap();
    let host = &fleet.hosts()[0];
    assert_eq!(host.host_key.key_data(), host_key.public_key().key_data());
    // The client refuses any other key, so connecting proves it.
    login_with_key(host, &key).await;

    let impostor = Client {
        expected: ed25519().public_key().clone(),
    };
    let refused = client::connect(Arc::new(client::Config::default()), host.addr, impostor).await;
    assert!(refused.is_err());
}

#[tokio::test]
async fn status_and_logs_use_the_appliance_clock() {
    let key = ed25519();
    let mut profile = test_profile();
    profile.clock_offset = chrono::Duration::hours(-9);
    profile.prompt = PromptStyle::Machine;
    let fleet = fleet_of(vec![profile], &key).await;
    let host = &fleet.hosts()[0];
    let session = login_with_key(host, &key).await;
    let mut shell = Shell::open(&session).await;
    let prompt = "(Machine esa01.example.com)> ";
    shell.until(prompt).await;

    let status = shell.run("status", prompt).await;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("Status as of:"))
        .unwrap()
        .trim()
        .trim_end_matches(" GMT");
    let shown = chrono::NaiveDateTime::parse_from_str(line, "%a %b %e %H:%M:%S %Y").unwrap();
    let expected = chrono::Utc::now().naive_utc() - chrono::Duration::hours(9);
    assert!(
        (shown - expected).num_seconds().abs() < 60,
        "{shown} vs {expected}"
    );
    assert!(status.contains("System status:                 Online\r\n"));

    shell.run("ecupdate force", prompt).await;
    shell.send(b"tail updater_logs\r").await;
    let followed = shell
        .until("Info: enrollment_client update completed\r\n")
        .await;
    let completed = followed.lines().last().unwrap();
    let stamp =
        chrono::NaiveDateTime::parse_from_str(&completed[..24], "%a %b %e %H:%M:%S %Y").unwrap();
    assert!((stamp - expected).num_seconds().abs() < 60, "{completed}");
}

#[tokio::test]
async fn sessions_share_the_appliance() {
    let key = ed25519();
    let fleet = fleet_of(vec![test_profile()], &key).await;
    let host = &fleet.hosts()[0];
    let watcher = login_with_key(host, &key).await;
    let mut watching = Shell::open(&watcher).await;
    watching.until(PROMPT).await;
    watching.send(b"tail ecs\r").await;
    watching.until("Invalid Certificate.\r\n").await;

    let fixer = login_with_key(host, &key).await;
    let mut fixing = Shell::open(&fixer).await;
    fixing.until(PROMPT).await;
    fixing.run("ecupdate force", PROMPT).await;

    watching
        .until("Info: ECS: Device registration successful.\r\n")
        .await;
    let stats = host.stats();
    assert_eq!(stats.sessions_opened, 2);
    assert_eq!(stats.sessions_open, 2);
    assert_eq!(stats.follows_active, 1);
}

#[tokio::test]
async fn drop_mid_follow_cuts_the_connection() {
    let key = ed25519();
    let profile = test_profile().with_fault(Fault::DropMidFollow(Duration::from_millis(200)));
    let fleet = fleet_of(vec![profile], &key).await;
    let host = &fleet.hosts()[0];
    let session = login_with_key(host, &key).await;
    let mut shell = Shell::open(&session).await;
    shell.until(PROMPT).await;
    shell.run("version", PROMPT).await;
    shell.send(b"tail updater_logs\r").await;
    shell.until("Press Ctrl-C to stop.\r\n").await;
    let rest = shell.rest().await;
    // No exit status, no EOF, no close: the connection just went away.
    assert!(
        rest.iter().all(|m| matches!(m, ChannelMsg::Data { .. })),
        "{rest:?}"
    );
    let deadline = Instant::now() + WAIT;
    while !session.is_closed() {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    wait_for(host, "follow ended", |s| {
        s.follows_active == 0 && s.sessions_open == 0
    })
    .await;
}

#[tokio::test]
async fn stop_answering_keeps_the_connection_silent() {
    let key = ed25519();
    let profile = test_profile().with_fault(Fault::StopAnswering(1));
    let fleet = fleet_of(vec![profile], &key).await;
    let host = &fleet.hosts()[0];
    let session = login_with_key(host, &key).await;
    let mut shell = Shell::open(&session).await;
    shell.until(PROMPT).await;
    shell.run("version", PROMPT).await;
    shell.send(b"status\r").await;
    let silence = timeout(Duration::from_millis(300), shell.channel.wait()).await;
    assert!(silence.is_err(), "{silence:?}");
    assert!(!session.is_closed());
    assert_eq!(host.stats().commands, ["version"]);
}

#[tokio::test]
async fn trickle_still_delivers_everything() {
    let key = ed25519();
    let profile = test_profile().with_fault(Fault::Trickle(Duration::from_micros(200)));
    let fleet = fleet_of(vec![profile], &key).await;
    let host = &fleet.hosts()[0];
    let session = login_with_key(host, &key).await;
    let mut shell = Shell::open(&session).await;
    shell.until(PROMPT).await;
    let mut sizes = Vec::new();
    shell.send(b"version\r").await;
    let deadline = Instant::now() + WAIT;
    let mut text = Vec::new();
    while !String::from_utf8_lossy(&text).ends_with(PROMPT) {
        match tokio::time::timeout_at(deadline, shell.channel.wait()).await {
            Ok(Some(ChannelMsg::Data { data })) => {
                sizes.push(data.len());
                text.extend_from_slice(&data);
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(String::from_utf8_lossy(&text).contains("Version: 15.0.1-012"));
    assert!(sizes.iter().all(|n| *n == 1), "{sizes:?}");
}

#[tokio::test]
async fn cluster_scenario_prompt_and_shutdown_disconnects() {
    let key = ed25519();
    let fleet = fleet_of(
        vec![
            AsyncOsScenario::Cluster.profile("esa02.example.com"),
            AsyncOsScenario::Healthy.profile("esa03.example.com"),
        ],
        &key,
    )
    .await;
    assert_eq!(fleet.hosts().len(), 2);
    let host = fleet.host("esa02.example.com").unwrap().clone();
    assert_eq!(host.model(), sshfleet_sim::Model::Asyncos);
    assert!(host.endpoint().is_none());
    assert_eq!(
        host.appliance().map(|p| &p.prompt),
        Some(&PromptStyle::Cluster("esa-cluster".to_string()))
    );
    let session = login_with_key(&host, &key).await;
    let mut shell = Shell::open(&session).await;
    shell.until("(Cluster esa-cluster)> ").await;
    shell.send(b"tail ecs\r").await;
    shell.until("Press Ctrl-C to stop.\r\n").await;

    fleet.shutdown().await;
    let rest = shell.rest().await;
    assert!(
        !rest
            .iter()
            .any(|m| matches!(m, ChannelMsg::ExitStatus { .. }))
    );
    assert!(session.is_closed());
    assert!(tokio::net::TcpStream::connect(host.addr).await.is_err());
}
