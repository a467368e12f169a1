//! A lab: a simulated fleet, a client key, a known_hosts file and an
//! inventory in a temporary directory, and a way to run the real binary.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, PrivateKey};
use serde_json::Value;
use sshfleet::sim::{AsyncOsProfile, SimAuth, SimFleet, SimHost, SimHostConfig};

pub const USER: &str = "admin";

pub fn new_key() -> PrivateKey {
    PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519).unwrap()
}

pub fn write_key(key: &PrivateKey, path: &Path) {
    key.write_openssh_file(path, LineEnding::LF).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// A fresh client key written to `dir/id_ed25519`, and the simulator
/// credentials that accept it (and `password`, if any) for [`USER`].
pub fn trusted_client(dir: &Path, password: Option<&str>) -> (PathBuf, SimAuth) {
    let client_key = new_key();
    let key_file = dir.join("id_ed25519");
    write_key(&client_key, &key_file);
    let auth = SimAuth {
        username: USER.to_string(),
        password: password.map(str::to_string),
        authorized_keys: vec![client_key.public_key().clone()],
    };
    (key_file, auth)
}

pub struct Lab {
    pub dir: tempfile::TempDir,
    pub fleet: SimFleet,
    pub key_file: PathBuf,
    pub known_hosts: PathBuf,
    pub inventory: PathBuf,
    pub report: PathBuf,
}

impl Lab {
    /// Start `profiles` as a fleet that trusts a fresh client key, with a
    /// known_hosts file that trusts every appliance.
    pub async fn start(profiles: Vec<AsyncOsProfile>) -> Lab {
        Lab::start_with(profiles, None).await
    }

    pub async fn start_with(profiles: Vec<AsyncOsProfile>, password: Option<&str>) -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let (key_file, auth) = trusted_client(dir.path(), password);
        let configs = profiles
            .into_iter()
            .map(|profile| SimHostConfig {
                profile,
                host_key: None,
            })
            .collect();
        let fleet = SimFleet::start(configs, auth).await.unwrap();
        let lab = Lab {
            known_hosts: dir.path().join("known_hosts"),
            inventory: dir.path().join("inventory.yaml"),
            report: dir.path().join("report.json"),
            key_file,
            fleet,
            dir,
        };
        let mut known = String::new();
        for host in lab.fleet.hosts() {
            known.push_str(&sshfleet::known_hosts::entry_line(
                "127.0.0.1",
                host.addr.port(),
                &host.host_key,
            ));
            known.push('\n');
        }
        std::fs::write(&lab.known_hosts, known).unwrap();
        lab.write_inventory();
        lab
    }

    /// Write an inventory of every appliance.
    pub fn write_inventory(&self) {
        let mut yaml = format!(
            "all:\n  vars:\n    ansible_user: {USER}\n    ansible_ssh_private_key_file: {}\n  hosts:\n",
            self.key_file.display()
        );
        for host in self.fleet.hosts() {
            yaml.push_str(&format!(
                "    {}:\n      ansible_host: 127.0.0.1\n      ansible_port: {}\n",
                host.name,
                host.addr.port()
            ));
        }
        std::fs::write(&self.inventory, yaml).unwrap();
    }

    pub fn host(&self, name: &str) -> &SimHost {
        self.fleet.hosts().iter().find(|h| h.name == name).unwrap()
    }

    /// Arguments of `sshfleet run esa-ecupdate` on this lab, plus `extra`.
    pub fn run_args(&self, extra: &[&str]) -> Vec<String> {
        let mut all: Vec<String> = vec![
            "run".into(),
            "esa-ecupdate".into(),
            "-i".into(),
            self.inventory.display().to_string(),
            "--known-hosts".into(),
            self.known_hosts.display().to_string(),
            "--report".into(),
            self.report.display().to_string(),
        ];
        all.extend(extra.iter().map(|a| a.to_string()));
        all
    }

    /// `sshfleet run esa-ecupdate` on this lab, plus `args`.
    pub async fn run(&self, args: &[&str]) -> Run {
        let mut all = self.run_args(&["--no-progress"]);
        all.extend(args.iter().map(|a| a.to_string()));
        let _ = std::fs::remove_file(&self.report);
        let output = sshfleet_cmd(&all, &[]).await;
        let report = std::fs::read_to_string(&self.report)
            .ok()
            .map(|t| serde_json::from_str(&t).unwrap());
        Run { output, report }
    }
}

/// Run the real binary.
pub async fn sshfleet_cmd(args: &[String], env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"));
    cmd.args(args)
        .env_remove("SSH_AUTH_SOCK")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("sshfleet did not finish within 120 s")
        .unwrap()
}

pub struct Run {
    pub output: Output,
    pub report: Option<Value>,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    pub fn host(&self, name: &str) -> &Value {
        let report = self
            .report
            .as_ref()
            .unwrap_or_else(|| panic!("no report; {}", self.explain()));
        report["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in report; {}", self.explain()))
    }
    pub fn status(&self, name: &str) -> String {
        self.host(name)["status"].as_str().unwrap().to_string()
    }
    pub fn error(&self, name: &str) -> String {
        self.host(name)["error"].as_str().unwrap_or("").to_string()
    }
    pub fn explain(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code(),
            self.stdout(),
            self.stderr()
        )
    }
}

/// Wait until `check` holds (the simulator sees a close a moment after the
/// client sends it), failing after a generous bound.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}
