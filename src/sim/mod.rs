//! A simulated fleet: real SSH servers (russh) on loopback whose shells
//! behave like the appliances of the TAC articles, with fault injection.
//! Used by `sshfleet demo`, `sshfleet sim`, the tests and the benchmarks.
//!
//! Layout: [`asyncos`] is the appliance (profile, logs, commands), `shell`
//! one interactive session over any byte transport, `server` the russh
//! side, `stdio` the same session as the login shell of a real sshd, and
//! [`serve`] a whole fleet on loopback for `sshfleet sim`.

pub mod asyncos;
pub mod demo;
mod log;
pub mod serve;
mod server;
mod shell;
mod stdio;

pub use asyncos::{
    AsyncOsProfile, DEFAULT_UPDATE_DURATION, Fault, PromptStyle, SCENARIOS, UpdateBehaviour,
    scenario_profile,
};
pub use stdio::serve_stdio;

use std::net::SocketAddr;
use std::sync::Arc;

use russh::keys::{Algorithm, PrivateKey, PublicKey};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use asyncos::Appliance;

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

/// What a simulated appliance saw, for tests to assert on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStats {
    /// Shell sessions started, ever.
    pub sessions_opened: usize,
    /// Shell sessions running now.
    pub sessions_open: usize,
    /// `ecupdate force` commands.
    pub forced_updates: usize,
    /// `tail` commands following a log now.
    pub follows_active: usize,
    /// `tail` commands ended by Ctrl-C.
    pub interrupts: usize,
    /// Every non-empty command line executed, in order, trimmed.
    pub commands: Vec<String>,
}

/// A running simulated appliance.
#[derive(Debug, Clone)]
pub struct SimHost {
    pub name: String,
    pub addr: SocketAddr,
    pub host_key: PublicKey,
    appliance: Arc<Appliance>,
}

impl SimHost {
    pub fn stats(&self) -> SimStats {
        self.appliance.stats()
    }

    pub fn profile(&self) -> &AsyncOsProfile {
        self.appliance.profile()
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
    /// Starts one SSH server per host on `127.0.0.1:0`.
    pub async fn start(hosts: Vec<SimHostConfig>, auth: SimAuth) -> std::io::Result<SimFleet> {
        let auth = Arc::new(auth);
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
            let name = config.profile.hostname.clone();
            let appliance = Arc::new(Appliance::new(config.profile));
            fleet.servers.push(tokio::spawn(server::accept_loop(
                listener,
                Arc::new(server::config(host_key)),
                appliance.clone(),
                auth.clone(),
                fleet.shutdown.subscribe(),
            )));
            fleet.hosts.push(SimHost {
                name,
                addr,
                host_key: public,
                appliance,
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
