//! A lab: a simulated fleet, a client key, a known_hosts file and an
//! inventory in a temporary directory, and a way to run the real binary.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, HashAlg, PrivateKey, PublicKey};
use serde_json::Value;
use sshfleet_sim::{AsyncOsProfile, SimAuth, SimFleet, SimHost, SimModelConfig, UpdateBehaviour};

pub const USER: &str = "admin";

/// The known_hosts line (`[host]:port key`) that trusts `key`, as an
/// operator would write it.
pub fn known_hosts_line(host: &str, port: u16, key: &PublicKey) -> String {
    let name = if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    };
    format!("{name} {}", key.to_openssh().unwrap())
}

/// `SHA256:...`, as `ssh-keygen -l` and sshfleet's messages print it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// A host as `sshfleet inventory` lists it.
pub struct ListedHost {
    pub name: String,
    /// Outermost first (`all` first), as the inventory command prints them.
    pub groups: Vec<String>,
}

/// The hosts of an inventory file, in file order, read by the real binary
/// (`sshfleet inventory`).
pub async fn listed_hosts(inventory: &Path) -> Vec<ListedHost> {
    let out = sshfleet_cmd(
        &[
            "inventory".into(),
            "-F".into(),
            "none".into(),
            "-i".into(),
            inventory.display().to_string(),
        ],
        &[],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let groups = fields
                .iter()
                .find_map(|f| f.strip_prefix("groups="))
                .unwrap_or_default();
            ListedHost {
                name: fields[0].to_string(),
                groups: groups.split(',').map(str::to_string).collect(),
            }
        })
        .collect()
}

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

/// A broken appliance whose `ecupdate force` completes in 300 ms.
pub fn broken_quick(name: &str) -> AsyncOsProfile {
    let mut p = AsyncOsProfile::broken(name);
    p.update = UpdateBehaviour::CompletesAfter(Duration::from_millis(300));
    p
}

/// A broken appliance whose update never completes (the run waits on it).
pub fn never_completes(name: &str) -> AsyncOsProfile {
    let mut p = AsyncOsProfile::broken(name);
    p.update = UpdateBehaviour::NeverCompletes;
    p
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
        let configs = profiles.into_iter().map(SimModelConfig::new).collect();
        Lab::start_models(configs, password).await
    }

    /// Start hosts of any model (appliances, Windows endpoints), stood up
    /// by the simulator's own lab builder (client key, known_hosts,
    /// inventory), as `sshfleet sim` and the demo stand theirs up.
    pub async fn start_models(configs: Vec<SimModelConfig>, password: Option<&str>) -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = configs
            .iter()
            .map(|c| c.model.hostname().to_string())
            .collect();
        let files = sshfleet_sim::serve::SimFiles {
            inventory: dir.path().join("inventory.yaml"),
            key: dir.path().join("id_ed25519"),
            known_hosts: dir.path().join("known_hosts"),
        };
        let lab = sshfleet_sim::serve::start_lab(
            files,
            configs,
            password.map(str::to_string),
            |ports, key| {
                let hosts: Vec<(&str, u16)> = names
                    .iter()
                    .map(String::as_str)
                    .zip(ports.iter().copied())
                    .collect();
                Ok(inventory_yaml(key, &hosts))
            },
        )
        .await
        .unwrap();
        Lab {
            known_hosts: lab.files.known_hosts,
            inventory: lab.files.inventory,
            report: dir.path().join("report.json"),
            key_file: lab.files.key,
            fleet: lab.fleet,
            dir,
        }
    }

    /// Write an inventory of these hosts (name, port on 127.0.0.1), in
    /// this order.
    pub fn write_inventory_of(&self, hosts: &[(&str, u16)]) {
        std::fs::write(&self.inventory, inventory_yaml(&self.key_file, hosts)).unwrap();
    }

    /// The inventory's hosts plus these, at a port nothing listens on.
    pub fn add_down_hosts(&self, names: &[&str]) {
        let mut hosts: Vec<_> = self
            .fleet
            .hosts()
            .iter()
            .map(|h| (h.name.as_str(), h.addr.port()))
            .collect();
        hosts.extend(names.iter().map(|n| (*n, dead_port())));
        self.write_inventory_of(&hosts);
    }

    pub fn host(&self, name: &str) -> &SimHost {
        self.fleet.hosts().iter().find(|h| h.name == name).unwrap()
    }

    /// Make the inventory reach `name` on `port` (a [`Relay`], or nothing).
    /// known_hosts is keyed by port, so the entry is copied to it.
    pub fn redirect(&self, name: &str, port: u16) {
        let host = self.host(name);
        let from = format!("ansible_port: {}\n", host.addr.port());
        let yaml = std::fs::read_to_string(&self.inventory).unwrap();
        assert!(yaml.contains(&from));
        std::fs::write(
            &self.inventory,
            yaml.replace(&from, &format!("ansible_port: {port}\n")),
        )
        .unwrap();
        let mut known = std::fs::read_to_string(&self.known_hosts).unwrap();
        known.push_str(&known_hosts_line("127.0.0.1", port, &host.host_key));
        known.push('\n');
        std::fs::write(&self.known_hosts, known).unwrap();
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
            "--lock".into(),
            self.dir.path().join("run.lock").display().to_string(),
        ];
        all.extend(extra.iter().map(|a| a.to_string()));
        all
    }

    /// `sshfleet run esa-ecupdate` on this lab, plus `args`.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_playbook("esa-ecupdate", args).await
    }

    /// `sshfleet run PLAYBOOK` on this lab, plus `args`.
    pub async fn run_playbook(&self, playbook: &str, args: &[&str]) -> Run {
        let mut all = self.run_args(&["--no-progress"]);
        all[1] = playbook.to_string();
        all.extend(args.iter().map(|a| a.to_string()));
        let _ = std::fs::remove_file(&self.report);
        let output = sshfleet_cmd(&all, &[]).await;
        let report = std::fs::read_to_string(&self.report)
            .ok()
            .map(|t| serde_json::from_str(&t).unwrap());
        Run { output, report }
    }
}

/// An inventory of these hosts (name, port on 127.0.0.1), in this order,
/// reached as [`USER`] with `key`. Written as text, one `ansible_port:`
/// line a host, so a test can redirect a host by editing it.
fn inventory_yaml(key: &Path, hosts: &[(&str, u16)]) -> String {
    let mut yaml = format!(
        "all:\n  vars:\n    ansible_user: {USER}\n    ansible_ssh_private_key_file: {}\n  hosts:\n",
        key.display()
    );
    for (name, port) in hosts {
        yaml.push_str(&format!(
            "    {name}:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n"
        ));
    }
    yaml
}

/// A loopback port nothing listens on (bound, then released).
pub fn dead_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Run the real binary. Each call gets its own runtime directory, so the
/// default run lock of tests running side by side never collides.
pub async fn sshfleet_cmd(args: &[String], env: &[(&str, &str)]) -> Output {
    let runtime_dir = tempfile::tempdir().unwrap();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"));
    cmd.args(args)
        .env_remove("SSH_AUTH_SOCK")
        .env("NO_COLOR", "1")
        .env("XDG_RUNTIME_DIR", runtime_dir.path());
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("sshfleet did not finish within 120 s")
        .unwrap()
}

/// Run the real binary on a pseudo-terminal, as an operator's terminal
/// would (`script`, util-linux); what it drew is stdout. `None` where
/// `script` is missing, which CI machines never are.
pub async fn sshfleet_on_terminal(args: &[String], env: &[(&str, &str)]) -> Option<Output> {
    if !Path::new("/usr/bin/script").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI machines have /usr/bin/script (bsdutils)"
        );
        return None;
    }
    let command = std::iter::once(env!("CARGO_BIN_EXE_sshfleet").to_string())
        .chain(args.iter().cloned())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let mut cmd = tokio::process::Command::new("/usr/bin/script");
    cmd.args(["-qec", &command, "/dev/null"])
        .env_remove("CI")
        .env_remove("SSH_AUTH_SOCK")
        .env("TERM", "xterm");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Some(cmd.output().await.unwrap())
}

/// A TCP relay in front of a simulated appliance. It counts the
/// connections it accepts and cuts the first `cut_first` of them at once,
/// as an appliance whose SSH service is not up yet does; the rest reach
/// the appliance.
pub struct Relay {
    pub port: u16,
    accepted: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    pub async fn start(target: SocketAddr, cut_first: usize) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if count.fetch_add(1, Ordering::SeqCst) < cut_first {
                    drop(client);
                    continue;
                }
                tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Relay {
            port,
            accepted,
            task,
        }
    }

    /// Connections accepted so far (cut or relayed).
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
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

/// The process group of process `pid` (a number, or `self`).
pub fn group_of(pid: &str) -> u32 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // pid (comm) state ppid pgrp ...
    let (_, rest) = stat.rsplit_once(')').unwrap();
    rest.split_whitespace().nth(2).unwrap().parse().unwrap()
}

/// The processes of process group `group` that still run (a zombie has ended).
pub fn running_in_group(group: u32) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.get(2) == Some(&group.to_string().as_str()) && fields.first() != Some(&"Z") {
            out.push(stat);
        }
    }
    out
}
