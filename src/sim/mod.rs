//! A simulated fleet: real SSH servers (russh) on loopback whose shells
//! behave like the appliances of the TAC articles, with fault injection.
//! Used by `sshfleet demo`, `sshfleet sim`, the tests and the benchmarks.

pub mod asyncos;
pub mod demo;

pub use asyncos::{AsyncOsProfile, Fault, PromptStyle, UpdateBehaviour};

use std::net::SocketAddr;

use russh::keys::{PrivateKey, PublicKey};

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

/// What a simulated appliance saw, for tests to assert on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimStats {
    pub sessions_opened: usize,
    pub sessions_open: usize,
    pub forced_updates: usize,
    pub follows_active: usize,
    pub interrupts: usize,
    pub commands: Vec<String>,
}

/// A running simulated appliance.
#[derive(Debug, Clone)]
pub struct SimHost {
    pub name: String,
    pub addr: SocketAddr,
    pub host_key: PublicKey,
}

impl SimHost {
    pub fn stats(&self) -> SimStats {
        unimplemented!()
    }
}

/// A running simulated fleet; dropped or shut down, its servers stop.
#[derive(Debug)]
pub struct SimFleet {
    _private: (),
}

impl SimFleet {
    pub async fn start(_hosts: Vec<SimHostConfig>, _auth: SimAuth) -> std::io::Result<SimFleet> {
        unimplemented!()
    }
    pub fn hosts(&self) -> &[SimHost] {
        unimplemented!()
    }
    pub async fn shutdown(self) {}
}

pub fn scenario_profile(_scenario: &str, _hostname: &str) -> Option<AsyncOsProfile> {
    unimplemented!()
}

pub async fn serve_stdio(_profile: AsyncOsProfile) -> std::io::Result<()> {
    unimplemented!()
}
