//! docs/SECURITY.md I5: the known_hosts file a host adds its new key to
//! (ssh_config `StrictHostKeyChecking accept-new`, its first
//! `UserKnownHostsFile`) is an output, and its path is expanded per host:
//! every `%` token ssh_config(5) lists for `UserKnownHostsFile`, `~` and
//! `${VAR}`, from the host's own `Host` block. [`TOKENS`] holds one row a
//! way (`every_token_ssh_config_5_lists_is_a_row` fails when ssh_config(5)
//! lists one it lacks); each row's path, as the installed `ssh -G` expands
//! it for the host, is made the inventory, a link to it and a dangling
//! link, and the run must refuse (exit 5, naming the host, the file and
//! why) before any host is contacted: two simulated appliances behind
//! relays that count every connection, none accepted.

use std::path::{Path, PathBuf};

use sshfleet_sim::AsyncOsProfile;

use crate::support::{Lab, Relay, USER, sshfleet_cmd};

/// One way a `UserKnownHostsFile` path differs per host or user: the
/// token (as ssh_config(5) writes it), the path given (`{D}` the lab's
/// directory, `{R}` a directory of this test's own in the home
/// directory; `.yaml`, so that the file can be an inventory read as YAML),
/// and a line its host's block needs for it to mean anything.
struct Token {
    token: &'static str,
    path: &'static str,
    line: &'static str,
}

const fn t(token: &'static str, path: &'static str, line: &'static str) -> Token {
    Token { token, path, line }
}

/// Every token of ssh_config(5)'s TOKENS that `UserKnownHostsFile`
/// accepts, `%%`, `~` and `${VAR}`.
const TOKENS: &[Token] = &[
    t("%%", "{D}/pct/a%%b.yaml", ""),
    t("%C", "{D}/C/%C.yaml", ""),
    t("%d", "%d/{R}/kh.yaml", ""),
    t("%h", "{D}/h/%h.yaml", ""),
    t("%i", "{D}/i/uid%i.yaml", ""),
    t("%k", "{D}/k/%k.yaml", "HostKeyAlias alias-of-b"),
    t("%L", "{D}/L/%L.yaml", ""),
    t("%l", "{D}/l/%l.yaml", ""),
    t("%n", "{D}/n/%n.yaml", ""),
    t("%p", "{D}/p/port%p.yaml", ""),
    t("%r", "{D}/r/%r.yaml", ""),
    t("%u", "{D}/u/%u.yaml", ""),
    t("~", "~/{R}/tilde.yaml", ""),
    t("${VAR}", "${SSHFLEET_I5_KH_DIR}/kh.yaml", ""),
];

/// The variable the `${VAR}` row reads, set for `ssh -G` and sshfleet.
const VAR: &str = "SSHFLEET_I5_KH_DIR";

/// Two appliances, each behind a counting relay; the inventory names them
/// `a.lab` and `b.lab`, which the ssh_config maps to 127.0.0.1.
struct Fixture {
    lab: Lab,
    relays: [Relay; 2],
    /// A directory of this test's own in the home directory (`%d`, `~`),
    /// removed when the fixture is dropped.
    home_dir: PathBuf,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.home_dir);
    }
}

impl Fixture {
    async fn start() -> Fixture {
        let lab = Lab::start(vec![
            AsyncOsProfile::healthy("esa01.example.com"),
            AsyncOsProfile::healthy("esa02.example.com"),
        ])
        .await;
        let relays = [
            Relay::start(lab.host("esa01.example.com").addr, 0).await,
            Relay::start(lab.host("esa02.example.com").addr, 0).await,
        ];
        let mut yaml = format!(
            "all:\n  vars:\n    ansible_user: {USER}\n    ansible_ssh_private_key_file: {}\n  hosts:\n",
            lab.key_file.display()
        );
        for (name, alias, relay) in [
            ("esa01.example.com", "a.lab", &relays[0]),
            ("esa02.example.com", "b.lab", &relays[1]),
        ] {
            yaml.push_str(&format!(
                "    {name}:\n      ansible_host: {alias}\n      ansible_port: {}\n",
                relay.port
            ));
        }
        std::fs::write(&lab.inventory, yaml).unwrap();
        // A name no other run of this test shares: the relays' ports.
        let home_dir = home().join(format!(
            ".sshfleet-i5-{}-{}-{}",
            std::process::id(),
            relays[0].port,
            relays[1].port
        ));
        Fixture {
            lab,
            relays,
            home_dir,
        }
    }

    fn d(&self) -> &Path {
        self.lab.dir.path()
    }

    /// `path` with `{D}` and `{R}` filled in.
    fn path(&self, path: &str) -> String {
        let r = self.home_dir.file_name().unwrap().to_string_lossy();
        path.replace("{D}", &self.d().display().to_string())
            .replace("{R}", &r)
    }

    /// The ssh_config: `a.lab` records new keys in a file of its own,
    /// `b.lab` in `known_hosts` (its block has `line` too).
    fn write_config(&self, known_hosts: &str, line: &str) -> PathBuf {
        self.write_config_as("ssh_config", known_hosts, line)
    }

    /// [`Fixture::write_config`] as `name`: rows run side by side.
    fn write_config_as(&self, name: &str, known_hosts: &str, line: &str) -> PathBuf {
        let config = self.d().join(name);
        std::fs::write(
            &config,
            format!(
                "Host a.lab\n  HostName 127.0.0.1\n  UserKnownHostsFile {}\n\
                 Host b.lab\n  HostName 127.0.0.1\n  {line}\n  UserKnownHostsFile {known_hosts}\n\
                 Host *\n  StrictHostKeyChecking accept-new\n  GlobalKnownHostsFile /dev/null\n",
                self.d().join("a_known_hosts").display()
            ),
        )
        .unwrap();
        config
    }

    /// The file `b.lab` adds its new key to, as the installed `ssh -G`
    /// expands the ssh_config for it (port and user as Ansible passes them).
    fn expanded(&self, config: &Path) -> PathBuf {
        let out = std::process::Command::new("ssh")
            .args(["-G", "-F"])
            .arg(config)
            .args(["-o", &format!("Port={}", self.relays[1].port)])
            .args(["-o", &format!("User={USER}"), "b.lab"])
            .env(VAR, self.d().join("env"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("userknownhostsfile "))
            .unwrap_or_else(|| panic!("ssh -G: {text}"));
        PathBuf::from(line.split(' ').next().unwrap())
    }

    fn args(&self, config: &Path, inventory: &Path, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "run".into(),
            "esa-ecupdate".into(),
            "-i".into(),
            inventory.display().to_string(),
            "-F".into(),
            config.display().to_string(),
            "--lock".into(),
            self.d().join("run.lock").display().to_string(),
            "--report".into(),
            self.lab.report.display().to_string(),
            "--no-progress".into(),
            "--connect-retries".into(),
            "0".into(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        args
    }

    async fn run(&self, args: &[String]) -> std::process::Output {
        let env = self.d().join("env").display().to_string();
        sshfleet_cmd(args, &[(VAR, &env)]).await
    }

    fn accepted(&self) -> usize {
        self.relays.iter().map(Relay::accepted).sum()
    }
}

/// The home directory as OpenSSH takes it (`%d`): the passwd entry's.
fn home() -> PathBuf {
    let out = std::process::Command::new("getent")
        .args(["passwd", &uid()])
        .output()
        .unwrap();
    let entry = String::from_utf8_lossy(&out.stdout);
    PathBuf::from(entry.trim().split(':').nth(5).unwrap())
}

fn uid() -> String {
    let out = std::process::Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Each row's path, as `ssh -G` expands it for `b.lab`, made the
/// inventory, a symbolic link to the inventory, and a dangling link: the
/// run is refused (exit 5) naming `esa02.example.com`, the expanded file
/// and why, before either appliance is contacted, and nothing it names
/// is changed.
#[tokio::test(flavor = "multi_thread")]
async fn every_token_of_a_written_known_hosts_path_is_checked_before_any_host() {
    use futures::StreamExt as _;
    let f = Fixture::start().await;
    std::fs::create_dir_all(&f.home_dir).unwrap();
    // A few rows at once: each refusal is a process that exits at once.
    futures::stream::iter(TOKENS.iter().enumerate())
        .map(|(index, row)| refused_every_way(&f, index, row))
        .buffer_unordered(4)
        .collect::<Vec<()>>()
        .await;
}

/// One row of [`TOKENS`]: its path, as `ssh -G` expands it for `b.lab`,
/// is the inventory, a link to it, then a dangling link.
async fn refused_every_way(f: &Fixture, index: usize, row: &Token) {
    let inventory = f.lab.inventory.clone();
    let yaml = std::fs::read(&inventory).unwrap();
    let given = f.path(row.path);
    let config = f.write_config_as(&format!("ssh_config{index}"), &given, row.line);
    let kh = f.expanded(&config);
    let raw = row.token.trim_start_matches('$');
    assert!(
        !kh.display().to_string().contains(raw) || row.token == "%%",
        "{}: ssh -G left it as {}",
        row.token,
        kh.display()
    );
    std::fs::create_dir_all(kh.parent().unwrap()).unwrap();
    // Where a dangling link leads: a new file in a directory that takes
    // files, which appending through the link would create.
    let gone = f.d().join(format!("gone{index}.yaml"));
    for (variant, victim_inventory, why) in [
        ("is the inventory", kh.clone(), "is the same file as -i"),
        (
            "is a symbolic link to the inventory",
            inventory.clone(),
            "is the same file as -i",
        ),
        (
            "is a dangling symbolic link",
            inventory.clone(),
            "is a symbolic link to",
        ),
    ] {
        let _ = std::fs::remove_file(&kh);
        match variant {
            "is the inventory" => std::fs::write(&kh, &yaml).unwrap(),
            "is a dangling symbolic link" => std::os::unix::fs::symlink(&gone, &kh).unwrap(),
            _ => std::os::unix::fs::symlink(&inventory, &kh).unwrap(),
        }
        let out = f.run(&f.args(&config, &victim_inventory, &[])).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let case = format!("{} ({given}) {variant}", row.token);
        assert_eq!(out.status.code(), Some(5), "{case}: {stderr}");
        let named = format!(
            "host esa02.example.com's known_hosts file (new keys are added to it) {}: {why}",
            kh.display()
        );
        assert!(stderr.contains(&named), "{case}: {stderr}");
        assert_eq!(f.accepted(), 0, "{case}: a host was contacted");
        assert_eq!(std::fs::read(&inventory).unwrap(), yaml, "{case}");
        assert_eq!(std::fs::read(&victim_inventory).unwrap(), yaml, "{case}");
        assert!(!gone.exists(), "{case}: created through the link");
    }
    std::fs::remove_file(&kh).unwrap();
}

/// [`TOKENS`] is whole: a row for `~`, `${VAR}`, `%%` and every token
/// ssh_config(5) lists for `UserKnownHostsFile` (the installed manual).
#[test]
fn every_token_ssh_config_5_lists_is_a_row() {
    let out = std::process::Command::new("zcat")
        .arg("/usr/share/man/man5/ssh_config.5.gz")
        .output()
        .unwrap();
    let man = String::from_utf8_lossy(&out.stdout);
    let from = man
        .find(".Cm UserKnownHostsFile\naccept the tokens ")
        .expect("ssh_config(5) lists the tokens UserKnownHostsFile accepts");
    let line = man[from..].lines().nth(1).unwrap();
    let listed: Vec<&str> = line
        .split([' ', ','])
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| w.len() == 2 && w.starts_with('%'))
        .collect();
    assert_eq!(listed.len(), 12, "{line}");
    for token in listed.iter().copied().chain(["~", "${VAR}"]) {
        assert!(
            TOKENS.iter().any(|row| row.token == token),
            "{token} (ssh_config(5): {line}) is no row of TOKENS"
        );
    }
    for row in TOKENS {
        assert!(
            row.path.contains(row.token.trim_end_matches("VAR}")),
            "{}: {}",
            row.token,
            row.path
        );
    }
}

/// Where nothing collides the run goes on: each host's key is added to
/// its own file, `b.lab`'s where `ssh -G` expands a path of every token
/// (so the refusals above are the check's, not a fixture that never
/// reaches a host). And `GlobalKnownHostsFile` is read, never written:
/// not beside a `UserKnownHostsFile`, nor when `UserKnownHostsFile none`
/// leaves nowhere to record (the host is refused, as ssh refuses it).
/// A host `--limit` leaves out is not contacted, so its file is not
/// checked.
#[tokio::test(flavor = "multi_thread")]
async fn a_written_known_hosts_path_that_collides_with_nothing_gets_the_new_key() {
    let f = Fixture::start().await;
    let every = "{D}/all/%C-%h-%i-%k-%L-%l-%n-%p-%r-%u-%%";
    let config = f.write_config(&f.path(every), "HostKeyAlias alias-of-b");
    let global = f.d().join("global_known_hosts");
    std::fs::write(&global, "").unwrap();
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "GlobalKnownHostsFile /dev/null",
        &format!("GlobalKnownHostsFile {}", global.display()),
    );
    std::fs::write(&config, &text).unwrap();
    let kh = f.expanded(&config);
    std::fs::create_dir_all(kh.parent().unwrap()).unwrap();
    let out = f.run(&f.args(&config, &f.lab.inventory, &[])).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(f.accepted() >= 2, "{stderr}");
    let b = std::fs::read_to_string(&kh).unwrap();
    assert!(
        b.starts_with("alias-of-b ") && b.lines().count() == 1,
        "{}: {b}",
        kh.display()
    );
    let a = std::fs::read_to_string(f.d().join("a_known_hosts")).unwrap();
    assert!(
        a.starts_with(&format!("[127.0.0.1]:{} ", f.relays[0].port)),
        "{a}"
    );
    assert_eq!(std::fs::read(&global).unwrap(), b"", "GlobalKnownHostsFile");

    // `UserKnownHostsFile none`: nowhere to record, GlobalKnownHostsFile
    // untouched.
    std::fs::write(
        &config,
        text.replace(&kh_line(&f.path(every)), &kh_line("none")),
    )
    .unwrap();
    let out = f
        .run(&f.args(&config, &f.lab.inventory, &["--limit", "esa02.example.com"]))
        .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert_ne!(out.status.code(), Some(5), "{stderr}");
    assert_eq!(std::fs::read(&global).unwrap(), b"", "GlobalKnownHostsFile");

    // `b.lab`'s file is the inventory, but `--limit` leaves it out.
    std::fs::write(
        &config,
        text.replace(
            &kh_line(&f.path(every)),
            &kh_line(&f.lab.inventory.display().to_string()),
        ),
    )
    .unwrap();
    std::fs::remove_file(f.d().join("a_known_hosts")).unwrap();
    let out = f
        .run(&f.args(&config, &f.lab.inventory, &["--limit", "esa01.example.com"]))
        .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

fn kh_line(path: &str) -> String {
    format!("UserKnownHostsFile {path}\n")
}

/// What a written known_hosts path may not be, whatever expanded it: a
/// FIFO (it would block), a directory, a device, a path under a file, a
/// dangling link, a directory that takes no new files, and a jump host's
/// file from the jump's own block; each refused (exit 5) naming the host and the file
/// before any host is contacted. A link to a plain file is followed, as
/// OpenSSH appends through it (docs/SECURITY.md I5, the known_hosts row).
#[tokio::test(flavor = "multi_thread")]
async fn a_written_known_hosts_path_that_takes_no_key_is_refused_before_any_host() {
    let f = Fixture::start().await;
    let d = f.d().to_path_buf();
    let plain = d.join("plain");
    std::fs::write(&plain, "").unwrap();
    let fifo = d.join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let dangling = d.join("dangling");
    std::os::unix::fs::symlink(d.join("nowhere"), &dangling).unwrap();
    let linked_fifo = d.join("linked_fifo");
    std::os::unix::fs::symlink(&fifo, &linked_fifo).unwrap();
    for (path, why) in [
        (fifo.clone(), "is not a regular file"),
        (linked_fifo.clone(), "is not a regular file"),
        (d.clone(), "is not a regular file"),
        (PathBuf::from("/dev/zero"), "is not a regular file"),
        (plain.join("kh"), "cannot be used"),
        (dangling.clone(), "is a symbolic link to"),
        // sysfs takes no new files, not even root's.
        (
            PathBuf::from("/sys/sshfleet_known_hosts"),
            "cannot write in /sys",
        ),
    ] {
        let config = f.write_config(&path.display().to_string(), "");
        let out = f.run(&f.args(&config, &f.lab.inventory, &[])).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        let case = path.display().to_string();
        assert_eq!(out.status.code(), Some(5), "{case}: {stderr}");
        let named = format!(
            "host esa02.example.com's known_hosts file (new keys are added to it) {}: {why}",
            path.display()
        );
        assert!(stderr.contains(&named), "{case}: {stderr}");
        assert_eq!(f.accepted(), 0, "{case}: a host was contacted");
    }
    // `--known-hosts` under `--accept-new-host-keys`, named by its flag.
    let config = f.write_config(&plain.display().to_string(), "");
    let named_file = dangling.display().to_string();
    let flags = ["--known-hosts", &named_file, "--accept-new-host-keys"];
    let args = f.args(&config, &f.lab.inventory, &flags);
    let out = f.run(&args).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "--known-hosts: {stderr}");
    let named = format!(
        "--known-hosts {}: is a symbolic link to",
        dangling.display()
    );
    assert!(stderr.contains(&named), "--known-hosts: {stderr}");
    assert_eq!(f.accepted(), 0, "--known-hosts: a host was contacted");
    // A jump host's file, from the jump's own block.
    let config = d.join("jump_config");
    std::fs::write(
        &config,
        format!(
            "Host b.lab\n  HostName 127.0.0.1\n  ProxyJump jump.lab\n\
             Host jump.lab\n  HostName 127.0.0.1\n  Port {}\n  UserKnownHostsFile {}\n\
             Host *\n  StrictHostKeyChecking accept-new\n  UserKnownHostsFile {}\n",
            f.relays[0].port,
            dangling.display(),
            d.join("other_known_hosts").display()
        ),
    )
    .unwrap();
    let out = f.run(&f.args(&config, &f.lab.inventory, &[])).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "jump: {stderr}");
    let named = format!(
        "host esa02.example.com (jump 127.0.0.1)'s known_hosts file (new keys are added to it) {}: is a symbolic link to",
        dangling.display()
    );
    assert!(stderr.contains(&named), "jump: {stderr}");
    assert_eq!(f.accepted(), 0, "jump: a host was contacted");
    assert!(!d.join("nowhere").exists());
    // A link to a plain file: the key is appended through it.
    let linked = d.join("linked");
    std::os::unix::fs::symlink(&plain, &linked).unwrap();
    let config = f.write_config(&linked.display().to_string(), "");
    let out = f.run(&f.args(&config, &f.lab.inventory, &[])).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(std::fs::read_to_string(&plain).unwrap().lines().count(), 1);
}
