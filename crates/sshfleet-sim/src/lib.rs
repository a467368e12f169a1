//! A simulated fleet: real SSH servers (russh) on loopback whose shells
//! behave like the appliances of the TAC articles, with fault injection.
//! Used by `sshfleet demo`, `sshfleet sim`, the tests and the benchmarks.
//! The device facts it models are in `docs/DEVICES.md`.
//!
//! Layout: [`asyncos`] is the appliance (profile, logs, commands), `shell`
//! one interactive session over any byte transport, `server` the russh
//! side, `stdio` the same session as the login shell of a real sshd, and
//! [`serve`] a whole fleet on loopback for `sshfleet sim`. [`windows`] is
//! a second model, a Windows endpoint with the Secure Endpoint connector,
//! answering SSH exec requests as its default shell (cmd.exe or
//! PowerShell) does; start endpoints (alone
//! or beside appliances) with [`SimFleet::start_models`]. [`replay`] serves
//! a recording of a real session (`sshfleet run --record`, the
//! `sshfleet-recording` format) as a host of its own.
//!
//! This crate knows nothing of `sshfleet` itself (the product depends on
//! it, never the other way round): what a shipped playbook must conclude
//! on each scenario is stated here as an [`Expected`] outcome.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// The values of a closed set that the simulator is configured with
/// (models, scenarios, shells, faults), each with the one name it is
/// spelled by and a line saying what it is. The simulator knows nothing of
/// command lines: whoever offers these as options (the product's
/// `sshfleet sim`) builds its parser from [`Named::ALL`], so the names are
/// spelled one way, here.
pub trait Named: Copy + Eq + std::fmt::Debug + Send + Sync + 'static {
    /// Every value, in the order a listing shows them.
    const ALL: &'static [Self];
    /// The name it is spelled by (kebab case, `stale-dns`).
    fn name(self) -> &'static str;
    /// What it is, in one line.
    fn about(self) -> std::borrow::Cow<'static, str>;
}

/// [`Named`], `Display` and `FromStr` for a fieldless enum from one table
/// of `Variant => "name", "about"` rows. `ALL` and `name` are made from the
/// same rows and `name` is an exhaustive `match`, so a variant without a
/// row does not compile and `ALL` cannot miss one.
macro_rules! named_values {
    ($ty:ty, $noun:literal { $($variant:ident => $name:literal, $about:literal;)+ }) => {
        impl $crate::Named for $ty {
            const ALL: &'static [Self] = &[$(Self::$variant),+];

            fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),+
                }
            }

            fn about(self) -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(match self {
                    $(Self::$variant => $about),+
                })
            }
        }

        named_values!(@text $ty, $noun);
    };
    (@text $ty:ty, $noun:literal) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::Named::name(*self))
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $crate::SimError;

            fn from_str(name: &str) -> Result<Self, Self::Err> {
                <Self as $crate::Named>::ALL
                    .iter()
                    .copied()
                    .find(|v| $crate::Named::name(*v) == name)
                    .ok_or_else(|| $crate::SimError::Invalid(format!(concat!("unknown ", $noun, " `{}`"), name)))
            }
        }
    };
}

pub mod asyncos;
mod channel;
mod limits;
mod log;
pub mod replay;
mod scenario;
pub mod serve;
mod server;
mod shell;
mod stdio;
pub mod windows;

pub use asyncos::{
    AsyncOsProfile, AsyncOsScenario, DEFAULT_UPDATE_DURATION, Fault, PromptStyle, UpdateBehaviour,
};
pub use replay::ReplayProfile;
pub use scenario::{MIXED, Model, Scenario, ScenarioChoice};
pub use stdio::serve_stdio;
pub use windows::{
    CodePage, CurlOutcome, DefaultShell, EndpointProfile, EndpointScenario, ForceUpdate,
    LATEST_TETRA, Locale, POLICY_PROXY, ProxyOutcome, STALE_TETRA, ServiceState,
};

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use russh::Preferred;
use russh::keys::{Algorithm, PrivateKey, PublicKey};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use asyncos::Appliance;
use windows::Endpoint;

/// Errors of the simulator's own: options a user got wrong, and the
/// environment failing under it.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// Bad options (`--hosts 0`, an unknown scenario, ...): nothing was
    /// served.
    #[error("{0}")]
    Invalid(String),
    /// A file, socket or key the simulator needs could not be made.
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl SimError {
    /// Whether the user caused it (bad options), as opposed to the
    /// environment.
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, SimError::Invalid(_))
    }

    pub(crate) fn io(what: impl Into<String>, source: impl Into<std::io::Error>) -> Self {
        SimError::Io {
            what: what.into(),
            source: source.into(),
        }
    }
}

/// How a shipped playbook must end on a host of a scenario: the test
/// oracle of the demo, `sshfleet sim`'s banner and the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    /// Healthy, nothing done.
    Ok,
    /// Fixed, and the fix confirmed by the device.
    Changed,
    /// Not fixed, or the fix never confirmed.
    Failed,
    /// Never reached (nothing listens).
    Unreachable,
}

impl Expected {
    /// As the product's report spells the status.
    pub fn as_str(self) -> &'static str {
        match self {
            Expected::Ok => "ok",
            Expected::Changed => "changed",
            Expected::Failed => "failed",
            Expected::Unreachable => "unreachable",
        }
    }
}

/// Credentials every simulated appliance accepts.
#[derive(Debug, Clone, Default)]
pub struct SimAuth {
    pub username: String,
    pub password: Option<String>,
    pub authorized_keys: Vec<PublicKey>,
}

/// One appliance to simulate.
#[derive(Debug, Clone)]
pub struct SimHostConfig {
    pub profile: AsyncOsProfile,
    /// `None` generates a fresh ed25519 key.
    pub host_key: Option<PrivateKey>,
}

impl SimHostConfig {
    /// An appliance with a fresh host key.
    pub fn new(profile: AsyncOsProfile) -> Self {
        Self {
            profile,
            host_key: None,
        }
    }
}

/// Which simulated machine a host is.
#[derive(Debug, Clone)]
pub enum SimModel {
    /// A Secure Email Gateway: interactive shell, exec refused.
    AsyncOs(AsyncOsProfile),
    /// A Windows endpoint: exec requests answered as its default shell
    /// (cmd.exe or PowerShell) does, shell and PTY refused.
    Windows(EndpointProfile),
    /// A recorded real session, served as recorded (shell or exec, as it
    /// was recorded).
    Replay(ReplayProfile),
}

impl SimModel {
    pub fn hostname(&self) -> &str {
        match self {
            SimModel::AsyncOs(p) => &p.hostname,
            SimModel::Windows(p) => &p.hostname,
            SimModel::Replay(p) => &p.hostname,
        }
    }

    /// The playbook variables an inventory gives this host: what an
    /// operator knows of it from elsewhere. For an endpoint whose
    /// connector's policy names a proxy, `tetra_proxy` (the policy is read
    /// in the Secure Endpoint console; docs/DEVICES.md).
    pub fn inventory_vars(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        let mut vars = std::collections::BTreeMap::new();
        if let SimModel::Windows(EndpointProfile {
            policy_proxy: Some(proxy),
            ..
        }) = self
        {
            vars.insert("tetra_proxy".to_string(), proxy.clone().into());
        }
        vars
    }
}

impl From<AsyncOsProfile> for SimModel {
    fn from(profile: AsyncOsProfile) -> Self {
        SimModel::AsyncOs(profile)
    }
}

impl From<ReplayProfile> for SimModel {
    fn from(profile: ReplayProfile) -> Self {
        SimModel::Replay(profile)
    }
}

impl From<EndpointProfile> for SimModel {
    fn from(profile: EndpointProfile) -> Self {
        SimModel::Windows(profile)
    }
}

/// One host of any model to simulate, for [`SimFleet::start_models`].
#[derive(Debug, Clone)]
pub struct SimModelConfig {
    pub model: SimModel,
    /// `None` generates a fresh ed25519 key.
    pub host_key: Option<PrivateKey>,
    /// What the server offers; `None` is russh's defaults. An old appliance
    /// offers only legacy algorithms (and needs a matching `host_key`).
    pub algorithms: Option<Preferred>,
    pub forwarding: Forwarding,
    /// How the host takes logins.
    pub login: Login,
}

/// What an AsyncOS sshd offers as Cisco documents its defaults
/// (docs/DEVICES.md, "How the devices really behave": no curve25519, no
/// hmac-sha2, an RSA host key), less what russh cannot serve (DH group
/// exchange, umac-64, hmac-md5, hmac-ripemd160, 3des and blowfish).
pub fn asyncos_sshd_algorithms() -> Preferred {
    use russh::keys::Algorithm;
    use russh::keys::ssh_key::HashAlg;
    use russh::{cipher, kex, mac};
    let mut kex = vec![
        kex::ECDH_SHA2_NISTP256,
        kex::ECDH_SHA2_NISTP384,
        kex::ECDH_SHA2_NISTP521,
        kex::DH_G14_SHA1,
        kex::DH_G1_SHA1,
    ];
    // The protocol's own extension markers, which any server sends.
    kex.extend(
        Preferred::DEFAULT
            .kex
            .iter()
            .filter(|n| n.as_ref().starts_with("ext-info") || n.as_ref().contains("kex-strict"))
            .copied(),
    );
    Preferred {
        kex: kex.into(),
        key: vec![
            Algorithm::Rsa {
                hash: Some(HashAlg::Sha256),
            },
            Algorithm::Rsa { hash: None },
        ]
        .into(),
        cipher: vec![
            cipher::AES_128_CTR,
            cipher::AES_192_CTR,
            cipher::AES_256_CTR,
            cipher::AES_128_CBC,
            cipher::AES_256_CBC,
        ]
        .into(),
        mac: vec![mac::HMAC_SHA1].into(),
        ..Preferred::DEFAULT
    }
}

/// The login methods a host offers (docs/DEVICES.md, "Logins").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Login {
    /// Public keys, the password, and keyboard-interactive.
    #[default]
    Any,
    /// Only `keyboard-interactive` (a PAM-based sshd): the password is
    /// asked at a hidden `Password:` prompt, never by the `password`
    /// method.
    KeyboardInteractiveOnly,
}

impl SimModelConfig {
    /// A host with a fresh host key.
    pub fn new(model: impl Into<SimModel>) -> Self {
        Self {
            model: model.into(),
            host_key: None,
            algorithms: None,
            forwarding: Forwarding::Refuse,
            login: Login::Any,
        }
    }
}

impl From<SimHostConfig> for SimModelConfig {
    fn from(config: SimHostConfig) -> Self {
        Self {
            host_key: config.host_key,
            ..Self::new(config.profile)
        }
    }
}

/// Whether a simulated host opens `direct-tcpip` channels (`ssh -J`,
/// `ProxyJump`), as a bastion does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Forwarding {
    /// Refuse them (administratively prohibited), as appliances do.
    #[default]
    Refuse,
    /// Connect where asked. The hostnames of the fleet's simulated hosts
    /// resolve here, and only here: names that only the bastion's network
    /// knows.
    Allow,
}

/// The fleet's hostnames as the simulated network resolves them.
pub(crate) type Directory = Arc<Mutex<HashMap<String, IpAddr>>>;

/// What a simulated host saw, for tests to assert on.
///
/// On a Windows endpoint the "sessions" are exec requests: every one is
/// counted opened, and open while it is being answered.
/// Commands recorded per host at most: a long benchmark must not grow
/// without bound.
const MAX_RECORDED_COMMANDS: usize = 10_000;

/// Recovers the data of a poisoned lock: a panicking session must not take
/// the whole simulated host down with it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The live [`SimStats`] of one simulated host, shared by its sessions.
#[derive(Debug, Default)]
pub(crate) struct StatsCell(Mutex<SimStats>);

impl StatsCell {
    pub(crate) fn snapshot(&self) -> SimStats {
        lock(&self.0).clone()
    }

    /// Forced updates so far, without copying the command log.
    pub(crate) fn forced_updates(&self) -> usize {
        lock(&self.0).forced_updates
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut SimStats)) {
        f(&mut lock(&self.0));
    }

    pub(crate) fn record_command(&self, line: &str) {
        self.update(|s| {
            if s.commands.len() < MAX_RECORDED_COMMANDS {
                s.commands.push(line.to_string());
            }
        });
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Shell sessions started, ever.
    pub sessions_opened: usize,
    /// Shell sessions running now.
    pub sessions_open: usize,
    /// `ecupdate force` commands; on an endpoint, accepted
    /// `sfc.exe -forceupdate` commands.
    pub forced_updates: usize,
    /// `tail` commands following a log now.
    pub follows_active: usize,
    /// `tail` commands ended by Ctrl-C.
    pub interrupts: usize,
    /// Every non-empty command line executed, in order, trimmed; on an
    /// endpoint, every exec command, answered or not.
    pub commands: Vec<String>,
    /// `direct-tcpip` channels opened, as `host:port` asked for.
    pub forwarded: Vec<String>,
    /// `direct-tcpip` channels refused.
    pub forwards_refused: usize,
}

/// A running simulated appliance.
#[derive(Debug, Clone)]
pub struct SimHost {
    pub name: String,
    pub addr: SocketAddr,
    pub host_key: PublicKey,
    served: Served,
}

/// The state behind one running host, shared by its connections.
#[derive(Debug, Clone)]
pub(crate) enum Served {
    AsyncOs(Arc<Appliance>),
    Windows(Arc<Endpoint>),
    Replay(Arc<replay::Replayed>),
}

impl Served {
    pub(crate) fn stats(&self) -> &StatsCell {
        match self {
            Served::AsyncOs(appliance) => appliance.stats(),
            Served::Windows(endpoint) => endpoint.stats(),
            Served::Replay(host) => host.stats(),
        }
    }
}

impl SimHost {
    pub fn stats(&self) -> SimStats {
        self.served.stats().snapshot()
    }

    /// Its OpenSSH known_hosts line, `[127.0.0.1]:PORT ssh-ed25519 AAAA...`
    /// (a port other than 22 is written in brackets).
    pub fn known_hosts_line(&self) -> String {
        let ip = self.addr.ip();
        let name = match self.addr.port() {
            22 => ip.to_string(),
            port => format!("[{ip}]:{port}"),
        };
        // Encoding an in-memory ed25519 (or RSA) key cannot fail.
        let key = self.host_key.to_openssh().unwrap_or_default();
        format!("{name} {key}")
    }

    /// Which kind of machine it is.
    pub fn model(&self) -> Model {
        match &self.served {
            Served::AsyncOs(_) => Model::Asyncos,
            Served::Windows(_) => Model::Windows,
            Served::Replay(host) => match host.profile().mode() {
                sshfleet_recording::Mode::Shell => Model::Asyncos,
                sshfleet_recording::Mode::Exec => Model::Windows,
            },
        }
    }

    /// The appliance's profile as started, or `None` for an endpoint.
    pub fn appliance(&self) -> Option<&AsyncOsProfile> {
        match &self.served {
            Served::AsyncOs(appliance) => Some(appliance.profile()),
            Served::Windows(_) | Served::Replay(_) => None,
        }
    }

    /// The endpoint's profile as started, or `None` for an appliance.
    pub fn endpoint(&self) -> Option<&EndpointProfile> {
        match &self.served {
            Served::AsyncOs(_) | Served::Replay(_) => None,
            Served::Windows(endpoint) => Some(endpoint.profile()),
        }
    }

    /// The TETRA version an endpoint has loaded now (a forced update may
    /// have moved it), or `None` for an appliance.
    pub fn tetra_version(&self) -> Option<u64> {
        match &self.served {
            Served::AsyncOs(_) | Served::Replay(_) => None,
            Served::Windows(endpoint) => Some(endpoint.tetra_version()),
        }
    }
}

/// A running simulated fleet; dropped or shut down, its servers stop.
#[derive(Debug)]
pub struct SimFleet {
    hosts: Vec<SimHost>,
    /// Sending `true`, or dropping it, tells every server to stop.
    shutdown: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
}

impl SimFleet {
    /// Starts one SSH server per appliance on `127.0.0.1:0`.
    pub async fn start(hosts: Vec<SimHostConfig>, auth: SimAuth) -> std::io::Result<SimFleet> {
        Self::start_models(hosts.into_iter().map(Into::into).collect(), auth).await
    }

    /// Starts one SSH server per Windows endpoint on `127.0.0.1:0`, each
    /// with a fresh host key.
    pub async fn start_endpoints(
        endpoints: Vec<EndpointProfile>,
        auth: SimAuth,
    ) -> std::io::Result<SimFleet> {
        Self::start_models(
            endpoints.into_iter().map(SimModelConfig::new).collect(),
            auth,
        )
        .await
    }

    /// Starts one SSH server per host, of any model, on `127.0.0.1:0`.
    pub async fn start_models(
        hosts: Vec<SimModelConfig>,
        auth: SimAuth,
    ) -> std::io::Result<SimFleet> {
        let auth = Arc::new(auth);
        let directory = Directory::default();
        let (shutdown, _) = watch::channel(false);
        let mut fleet = SimFleet {
            hosts: Vec::with_capacity(hosts.len()),
            shutdown,
            servers: Vec::with_capacity(hosts.len()),
        };
        // On an early return, dropping `fleet` stops the servers already up.
        for config in hosts {
            let host_key = match config.host_key {
                Some(key) => key,
                None => generate_host_key()?,
            };
            let public = host_key.public_key().clone();
            let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
            let addr = listener.local_addr()?;
            let name = config.model.hostname().to_string();
            lock(&directory).insert(name.to_ascii_lowercase(), addr.ip());
            let served = match config.model {
                SimModel::AsyncOs(profile) => Served::AsyncOs(Arc::new(Appliance::new(profile))),
                SimModel::Windows(profile) => Served::Windows(Arc::new(Endpoint::new(profile))),
                SimModel::Replay(profile) => {
                    Served::Replay(Arc::new(replay::Replayed::new(profile)))
                }
            };
            let mut server_config = server::config(host_key);
            if let Some(algorithms) = config.algorithms {
                server_config.preferred = algorithms;
            }
            if config.login == Login::KeyboardInteractiveOnly {
                server_config.methods =
                    russh::MethodSet::from(&[russh::MethodKind::KeyboardInteractive][..]);
            }
            let forward_to = (config.forwarding == Forwarding::Allow).then(|| directory.clone());
            fleet.servers.push(tokio::spawn(server::accept_loop(
                listener,
                Arc::new(server_config),
                served.clone(),
                auth.clone(),
                forward_to,
                fleet.shutdown.subscribe(),
            )));
            fleet.hosts.push(SimHost {
                name,
                addr,
                host_key: public,
                served,
            });
        }
        Ok(fleet)
    }

    pub fn hosts(&self) -> &[SimHost] {
        &self.hosts
    }

    /// The host whose profile has this hostname.
    pub fn host(&self, name: &str) -> Option<&SimHost> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// Disconnects every client and stops every server, then returns.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for server in std::mem::take(&mut self.servers) {
            let _ = server.await;
        }
    }
}

impl Drop for SimFleet {
    fn drop(&mut self) {
        // The servers finish on their own (disconnecting their clients)
        // once they see this.
        let _ = self.shutdown.send(true);
    }
}

fn generate_host_key() -> std::io::Result<PrivateKey> {
    PrivateKey::random(&mut russh::keys::key::safe_rng(), Algorithm::Ed25519)
        .map_err(std::io::Error::other)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::fmt::Display;
    use std::str::FromStr;

    /// Every value of `T` parses back from its name and prints as it,
    /// and no two share a name or lack a description: what the product's
    /// `--help` lists and accepts is exactly the table.
    fn names_round_trip<T: Named + Display + FromStr>()
    where
        T::Err: std::fmt::Debug,
    {
        let mut seen = BTreeSet::new();
        for &value in T::ALL {
            let name = value.name();
            assert!(seen.insert(name), "{name} names two values");
            assert_eq!(value.to_string(), name);
            assert_eq!(name.parse::<T>().unwrap(), value, "{name}");
            assert!(!value.about().is_empty(), "{name} says nothing");
            assert!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{name} is not kebab case"
            );
        }
        assert!(format!("{}x", T::ALL[0].name()).parse::<T>().is_err());
    }

    #[test]
    fn every_named_value_round_trips_through_its_name() {
        names_round_trip::<Model>();
        names_round_trip::<ScenarioChoice>();
        names_round_trip::<AsyncOsScenario>();
        names_round_trip::<EndpointScenario>();
        names_round_trip::<DefaultShell>();
        names_round_trip::<serve::ShellChoice>();
        names_round_trip::<serve::ReplayFault>();
    }
}
