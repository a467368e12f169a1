//! OpenSSH habits: ssh_config (`-F`), ProxyJump through simulated bastions,
//! and legacy algorithms only by opt-in, each over real SSH against the
//! simulator.

use std::path::PathBuf;
use std::process::Output;

use russh::keys::{Algorithm, PrivateKey};
use russh::{Preferred, kex};
use sshfleet_sim::{AsyncOsProfile, Forwarding, SimFleet, SimHost, SimModelConfig};

use crate::support::{USER, new_key, sshfleet_cmd, trusted_client};

/// A fleet of any configuration that trusts one client key, with files in
/// a temporary directory; known_hosts and inventory are written per test.
struct Net {
    dir: tempfile::TempDir,
    fleet: SimFleet,
    key_file: PathBuf,
}

impl Net {
    async fn start(configs: Vec<SimModelConfig>) -> Net {
        let dir = tempfile::tempdir().unwrap();
        let (key_file, auth) = trusted_client(dir.path(), None);
        let fleet = SimFleet::start_models(configs, auth).await.unwrap();
        Net {
            dir,
            fleet,
            key_file,
        }
    }

    fn host(&self, name: &str) -> &SimHost {
        self.fleet.host(name).unwrap()
    }

    fn port(&self, name: &str) -> u16 {
        self.host(name).addr.port()
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// Write `file` and return its path as text.
    fn write(&self, file: &str, text: &str) -> String {
        let path = self.path(file);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    /// Inventory vars reaching simulated host `name` directly on
    /// 127.0.0.1 with the lab's user and key.
    fn direct_vars(&self, name: &str) -> Vec<String> {
        vec![
            "ansible_host: 127.0.0.1".to_string(),
            format!("ansible_port: {}", self.port(name)),
            format!("ansible_user: {USER}"),
            format!("ansible_ssh_private_key_file: {}", self.key_file.display()),
        ]
    }

    /// A known_hosts line for `name` as reached at `address` (its own port).
    fn known(&self, name: &str, address: &str) -> String {
        crate::support::known_hosts_line(address, self.port(name), &self.host(name).host_key) + "\n"
    }

    /// `sshfleet run esa-ecupdate` with a report, plus `extra`.
    async fn run(&self, inventory: &str, extra: &[&str]) -> Outcome {
        let report = self.path("report.json");
        let _ = std::fs::remove_file(&report);
        let mut args: Vec<String> = vec![
            "run".into(),
            "esa-ecupdate".into(),
            "-i".into(),
            self.write("inventory.yaml", inventory),
            "--report".into(),
            report.display().to_string(),
            "--no-progress".into(),
        ];
        args.extend(extra.iter().map(|a| a.to_string()));
        let output = sshfleet_cmd(&args, &[]).await;
        let report = std::fs::read_to_string(&report)
            .ok()
            .map(|t| serde_json::from_str(&t).unwrap());
        Outcome { output, report }
    }
}

struct Outcome {
    output: Output,
    report: Option<serde_json::Value>,
}

impl Outcome {
    fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    fn explain(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.code(),
            String::from_utf8_lossy(&self.output.stdout),
            String::from_utf8_lossy(&self.output.stderr)
        )
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// (status, error) of the one host in the report.
    fn only(&self) -> (String, String) {
        let report = self
            .report
            .as_ref()
            .unwrap_or_else(|| panic!("no report; {}", self.explain()));
        let host = &report["hosts"][0];
        (
            host["status"].as_str().unwrap().to_string(),
            host["error"].as_str().unwrap_or("").to_string(),
        )
    }
}

fn appliance(name: &str) -> SimModelConfig {
    SimModelConfig::new(AsyncOsProfile::healthy(name))
}

fn bastion(name: &str) -> SimModelConfig {
    SimModelConfig {
        forwarding: Forwarding::Allow,
        ..appliance(name)
    }
}

/// An inventory of one host with these vars (YAML lines under the host).
fn inventory(host: &str, vars: &[String]) -> String {
    let mut yaml = format!("all:\n  hosts:\n    {host}:\n");
    for var in vars {
        yaml.push_str(&format!("      {var}\n"));
    }
    if vars.is_empty() {
        yaml = format!("all:\n  hosts:\n    {host}: {{}}\n");
    }
    yaml
}

#[tokio::test(flavor = "multi_thread")]
async fn ssh_config_gives_hostname_port_user_and_key_of_an_alias() {
    let net = Net::start(vec![appliance("esa01.example.com")]).await;
    let port = net.port("esa01.example.com");
    let known = net.write("known_hosts", &net.known("esa01.example.com", "127.0.0.1"));
    let config = net.write(
        "ssh_config",
        &format!(
            "Host esa01-lab\n  HostName 127.0.0.1\n  Port {port}\n  User {USER}\n  IdentityFile {}\nHost *\n  User nobody\n  Port 1\n",
            net.key_file.display()
        ),
    );
    // The inventory names only the alias, as `ssh esa01-lab` would.
    let run = net
        .run(
            &inventory("esa01-lab", &[]),
            &["-F", &config, "--known-hosts", &known],
        )
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(run.only().0, "ok");
    assert_eq!(net.host("esa01.example.com").stats().sessions_opened, 1);

    // `sshfleet inventory -F` shows where and as whom it connects.
    let listed = sshfleet_cmd(
        &[
            "inventory".into(),
            "-i".into(),
            net.path("inventory.yaml").display().to_string(),
            "-F".into(),
            config.clone(),
        ],
        &[],
    )
    .await;
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert!(
        stdout.starts_with(&format!("esa01-lab\t127.0.0.1:{port}\tuser={USER}\t")),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn inventory_vars_win_and_host_patterns_match_ansible_host() {
    let net = Net::start(vec![appliance("esa02.example.com")]).await;
    let port = net.port("esa02.example.com");
    let known = net.write("known_hosts", &net.known("esa02.example.com", "127.0.0.1"));
    // Ansible hands ssh `ansible_host`: a block for the inventory name
    // does not apply, the one for ansible_host does, and the inventory's
    // own port, user and key beat what that block says.
    let config = net.write(
        "ssh_config",
        "Host esa02.example.com\n  HostName 127.0.0.2\nHost esa02-mgmt\n  HostName 127.0.0.1\n  Port 1\n  User nobody\n  IdentityFile /nonexistent/key\n",
    );
    let vars = [
        "ansible_host: esa02-mgmt".to_string(),
        format!("ansible_port: {port}"),
        format!("ansible_user: {USER}"),
        format!("ansible_ssh_private_key_file: {}", net.key_file.display()),
    ];
    let run = net
        .run(
            &inventory("esa02.example.com", &vars),
            &["-F", &config, "--known-hosts", &known],
        )
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(run.only().0, "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn user_known_hosts_file_and_strict_host_key_checking_from_ssh_config() {
    let net = Net::start(vec![appliance("esa03.example.com")]).await;
    let port = net.port("esa03.example.com");
    let fleet_hosts = net.path("fleet_hosts");
    let inv = inventory("esa03.example.com", &net.direct_vars("esa03.example.com"));
    // An ssh_config naming fleet_hosts, with this StrictHostKeyChecking.
    let config = |file: &str, strict: &str| {
        let mut text = format!(
            "Host 127.0.0.1\n  UserKnownHostsFile {}\n",
            fleet_hosts.display()
        );
        if !strict.is_empty() {
            text.push_str(&format!("  StrictHostKeyChecking {strict}\n"));
        }
        net.write(file, &text)
    };

    // Strict by default: the file ssh_config names is where the key is
    // looked for (and is said in the message).
    let strict = config("strict_config", "");
    let run = net.run(&inv, &["-F", &strict]).await;
    let (status, error) = run.only();
    assert_eq!(status, "unreachable", "{}", run.explain());
    assert!(
        error.contains("not known") && error.contains("fleet_hosts"),
        "{error}"
    );

    // accept-new in ssh_config records the key there, as OpenSSH does.
    let accept_new = config("accept_new_config", "accept-new");
    let run = net.run(&inv, &["-F", &accept_new]).await;
    assert_eq!(run.only().0, "ok", "{}", run.explain());
    assert!(
        run.stderr().contains("permanently added"),
        "{}",
        run.explain()
    );
    let recorded = std::fs::read_to_string(&fleet_hosts).unwrap();
    assert_eq!(recorded, net.known("esa03.example.com", "127.0.0.1"));

    // `--known-hosts` wins over UserKnownHostsFile.
    let elsewhere = net.write("empty_known_hosts", "");
    let run = net
        .run(&inv, &["-F", &strict, "--known-hosts", &elsewhere])
        .await;
    let (status, error) = run.only();
    assert_eq!(status, "unreachable", "{}", run.explain());
    assert!(error.contains("empty_known_hosts"), "{error}");

    // `StrictHostKeyChecking no` still refuses a changed key, and says how
    // it is read when the file is loaded.
    let impostor = new_key();
    std::fs::write(
        &fleet_hosts,
        crate::support::known_hosts_line("127.0.0.1", port, impostor.public_key()) + "\n",
    )
    .unwrap();
    let no = config("no_config", "no");
    let run = net.run(&inv, &["-F", &no]).await;
    let (status, error) = run.only();
    assert_eq!(status, "unreachable", "{}", run.explain());
    assert!(error.contains("HAS CHANGED"), "{error}");
    assert!(
        run.stderr()
            .contains("no_config:3: StrictHostKeyChecking no is treated as accept-new"),
        "{}",
        run.explain()
    );
    assert_eq!(net.host("esa03.example.com").stats().sessions_opened, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_ssh_config_is_bad_input_naming_file_and_line() {
    let net = Net::start(vec![appliance("esa04.example.com")]).await;
    let config = net.write(
        "bad_config",
        "Host esa04*\n  User admin\n  Port twenty-two\n",
    );
    let run = net
        .run(&inventory("esa04.example.com", &[]), &["-F", &config])
        .await;
    assert_eq!(run.code(), 5, "{}", run.explain());
    assert!(
        run.stderr()
            .contains("bad_config:3: Port: `twenty-two` is not a port number"),
        "{}",
        run.explain()
    );
    assert!(run.report.is_none());
    assert_eq!(net.host("esa04.example.com").stats().sessions_opened, 0);

    // A missing -F file is bad input too.
    let run = net
        .run(
            &inventory("esa04.example.com", &[]),
            &["-F", "/nonexistent/ssh_config"],
        )
        .await;
    assert_eq!(run.code(), 5, "{}", run.explain());
    assert!(
        run.stderr().contains("/nonexistent/ssh_config"),
        "{}",
        run.explain()
    );
}

/// Run on `target`, reached by name (see [`inner_vars`]), with this `-F`
/// and known_hosts.
async fn run_inner(net: &Net, target: &str, ssh_config: &str, known_hosts: &str) -> Outcome {
    net.run(
        &inventory(target, &inner_vars(net, target)),
        &["-F", ssh_config, "--known-hosts", known_hosts],
    )
    .await
}

/// The key for every host, jump hosts included, from ssh_config: the
/// inventory's key reaches only the target, as with `ssh -J`, whose ssh
/// for the jump is given no `-i`.
fn jump_identity(net: &Net) -> String {
    format!("Host *\n  IdentityFile {}\n", net.key_file.display())
}

/// Vars of a target reached only by name through a bastion: no
/// ansible_host, so its name is what the bastion is asked to connect to.
fn inner_vars(net: &Net, target: &str) -> Vec<String> {
    vec![
        format!("ansible_port: {}", net.port(target)),
        format!("ansible_user: {USER}"),
        format!("ansible_ssh_private_key_file: {}", net.key_file.display()),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_jump_reaches_a_host_only_the_bastion_can_resolve() {
    let net = Net::start(vec![
        bastion("bastion.example.com"),
        appliance("esa-inner.example.com"),
    ])
    .await;
    let (b, t) = ("bastion.example.com", "esa-inner.example.com");
    // Each hop's key is checked under the name and port it is reached at.
    let known = net.write(
        "known_hosts",
        &(net.known(b, "127.0.0.1") + &net.known(t, t)),
    );
    let config = net.write(
        "ssh_config",
        &format!(
            "Host *.example.com\n  ProxyJump jump\nHost jump\n  HostName 127.0.0.1\n  Port {}\n  User {USER}\n{}",
            net.port(b),
            jump_identity(&net)
        ),
    );
    let run = run_inner(&net, t, &config, &known).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(run.only().0, "ok");
    assert_eq!(
        net.host(b).stats().forwarded,
        [format!("{t}:{}", net.port(t))]
    );
    assert_eq!(net.host(b).stats().sessions_opened, 0);
    assert_eq!(net.host(t).stats().sessions_opened, 1);

    // The Ansible way, without ssh_config: `-o ProxyJump=` (or `-J`) in
    // ansible_ssh_common_args. The ssh `-J` starts for the jump host is
    // given no `-i`: the inventory's key does not reach it, and with no
    // key of its own (no ssh_config, no agent, no default key file) it
    // cannot log in there, as with Ansible.
    let mut vars = inner_vars(&net, t);
    vars.push(format!(
        "ansible_ssh_common_args: '-C -o ProxyJump={USER}@127.0.0.1:{}'",
        net.port(b)
    ));
    let run = net
        .run(
            &inventory(t, &vars),
            &["-F", "none", "--known-hosts", &known],
        )
        .await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    assert!(
        run.only().1.starts_with("via jump host")
            && run.only().1.contains("no way to authenticate")
            && run.only().1.contains("IdentityFile in ssh_config")
            && !run.only().1.contains("ansible_ssh_private_key_file"),
        "{}",
        run.explain()
    );
    assert_eq!(net.host(b).stats().forwarded.len(), 1);
    // With the jump's key in an ssh_config it reads, the same route works.
    let only_identity = net.write("ssh_config_identity", &jump_identity(&net));
    let mut vars = inner_vars(&net, t);
    vars.push(format!(
        "ansible_ssh_common_args: '-C -o ProxyJump={USER}@127.0.0.1:{}'",
        net.port(b)
    ));
    let run = net
        .run(
            &inventory(t, &vars),
            &["-F", &only_identity, "--known-hosts", &known],
        )
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(net.host(b).stats().forwarded.len(), 2);
    assert_eq!(net.host(t).stats().sessions_opened, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_jump_through_two_bastions() {
    let net = Net::start(vec![
        bastion("bastion1.example.com"),
        bastion("bastion2.example.com"),
        appliance("esa-deep.example.com"),
    ])
    .await;
    let (b1, b2, t) = (
        "bastion1.example.com",
        "bastion2.example.com",
        "esa-deep.example.com",
    );
    let known = net.write(
        "known_hosts",
        &(net.known(b1, "127.0.0.1") + &net.known(b2, b2) + &net.known(t, t)),
    );
    // The second bastion's name resolves only behind the first.
    let config = net.write(
        "ssh_config",
        &format!(
            "Host esa-deep.example.com\n  ProxyJump {USER}@127.0.0.1:{},ssh://{USER}@{b2}:{}\n{}",
            net.port(b1),
            net.port(b2),
            jump_identity(&net)
        ),
    );
    let run = run_inner(&net, t, &config, &known).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(
        net.host(b1).stats().forwarded,
        [format!("{b2}:{}", net.port(b2))]
    );
    assert_eq!(
        net.host(b2).stats().forwarded,
        [format!("{t}:{}", net.port(t))]
    );
    assert_eq!(net.host(t).stats().sessions_opened, 1);
}

/// Run on `esa-inner.example.com` through `jump` (ProxyJump in
/// ssh_config); known_hosts knows the target, and the jump only if
/// `jump_known`.
async fn through_jump(jump: SimModelConfig, jump_known: bool) -> (Net, Outcome) {
    let j = jump.model.hostname().to_string();
    let t = "esa-inner.example.com";
    let net = Net::start(vec![jump, appliance(t)]).await;
    let mut known = net.known(t, t);
    if jump_known {
        known += &net.known(&j, "127.0.0.1");
    }
    let known = net.write("known_hosts", &known);
    let config = net.write(
        "ssh_config",
        &format!(
            "Host {t}\n  ProxyJump {USER}@127.0.0.1:{}\n{}",
            net.port(&j),
            jump_identity(&net)
        ),
    );
    let run = run_inner(&net, t, &config, &known).await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    assert_eq!(run.only().0, "unreachable");
    assert_eq!(net.host(t).stats().sessions_opened, 0);
    (net, run)
}

#[tokio::test(flavor = "multi_thread")]
async fn jump_host_with_an_unknown_key_stops_before_the_target() {
    let b = "bastion.example.com";
    let (net, run) = through_jump(bastion(b), false).await;
    let error = run.only().1;
    let fingerprint = crate::support::fingerprint(&net.host(b).host_key);
    assert!(
        error.starts_with(&format!(
            "via jump host [127.0.0.1]:{}: host key of",
            net.port(b)
        )) && error.contains("is not known")
            && error.contains(&fingerprint),
        "{error}"
    );
    assert!(net.host(b).stats().forwarded.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn jump_host_that_refuses_forwarding_fails_clearly() {
    // An appliance is no bastion: it refuses direct-tcpip.
    let j = "esa-front.example.com";
    let (net, run) = through_jump(appliance(j), true).await;
    let t = "esa-inner.example.com";
    assert_eq!(
        run.only().1,
        format!(
            "jump host [127.0.0.1]:{} did not forward the connection to {t}:{}: forwarding refused \
             (administratively prohibited: is TCP forwarding allowed there?)",
            net.port(j),
            net.port(t)
        )
    );
    assert_eq!(net.host(j).stats().forwards_refused, 1);
}

/// russh's defaults with only `kex` as the key exchange (plus the
/// extension markers russh sends).
fn offering_kex(kex: kex::Name) -> Preferred {
    let mut names = vec![kex];
    names.extend(
        Preferred::DEFAULT
            .kex
            .iter()
            .filter(|n| n.as_ref().starts_with("ext-info") || n.as_ref().contains("kex-strict"))
            .copied(),
    );
    Preferred {
        kex: names.into(),
        ..Preferred::DEFAULT
    }
}

/// A lab of one old appliance reached directly, with no ssh_config.
struct OldAppliance {
    net: Net,
    name: &'static str,
    known: String,
}

impl OldAppliance {
    async fn start(name: &'static str, config: SimModelConfig) -> OldAppliance {
        let net = Net::start(vec![config]).await;
        let known = net.write("known_hosts", &net.known(name, "127.0.0.1"));
        OldAppliance { net, name, known }
    }

    /// Run with these extra inventory vars and this `-F`.
    async fn run(&self, extra_vars: &[&str], ssh_config: &str) -> Outcome {
        let mut vars = self.net.direct_vars(self.name);
        vars.extend(extra_vars.iter().map(|v| v.to_string()));
        self.net
            .run(
                &inventory(self.name, &vars),
                &["-F", ssh_config, "--known-hosts", &self.known],
            )
            .await
    }

    /// Unreachable without an opt-in, with an error containing `needles`;
    /// reachable with `opt_in` as an inventory var.
    async fn needs(&self, needles: &[&str], opt_in: &str) {
        let run = self.run(&[], "none").await;
        let (status, error) = run.only();
        assert_eq!(status, "unreachable", "{}", run.explain());
        for needle in needles {
            assert!(error.contains(needle), "{needle} not in: {error}");
        }
        let run = self.run(&[opt_in], "none").await;
        assert_eq!(run.code(), 0, "{}", run.explain());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_key_exchange_only_by_opt_in() {
    let old = OldAppliance::start(
        "esa-old.example.com",
        SimModelConfig {
            algorithms: Some(offering_kex(kex::DH_G14_SHA1)),
            ..appliance("esa-old.example.com")
        },
    )
    .await;
    old.needs(
        &[
            "no common key exchange algorithm",
            "the server offers diffie-hellman-group14-sha1",
            "`sshfleet_kex_algorithms: +diffie-hellman-group14-sha1`",
            "`KexAlgorithms +diffie-hellman-group14-sha1` in ssh_config",
        ],
        "sshfleet_kex_algorithms: +diffie-hellman-group14-sha1",
    )
    .await;

    // ssh_config opts in too.
    let config = old.net.write(
        "ssh_config",
        "Host 127.0.0.1\n  KexAlgorithms +diffie-hellman-group14-sha1\n",
    );
    let run = old.run(&[], &config).await;
    assert_eq!(run.code(), 0, "{}", run.explain());

    // A misspelt opt-in is bad input, before any host is touched.
    let run = old
        .run(
            &["sshfleet_kex_algorithms: +diffie-hellman-group14-sha"],
            "none",
        )
        .await;
    assert_eq!(run.code(), 5, "{}", run.explain());
    assert!(
        run.stderr().contains("sshfleet_kex_algorithms")
            && run.stderr().contains("`diffie-hellman-group14-sha`"),
        "{}",
        run.explain()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ssh_rsa_host_key_only_by_opt_in() {
    // A fixed key: generating RSA in a debug build takes seconds of CPU
    // that the other tests running beside this one need.
    let host_key = PrivateKey::from_openssh(include_str!("fixtures/legacy_rsa_host_key")).unwrap();
    let old = OldAppliance::start(
        "esa-rsa.example.com",
        SimModelConfig {
            host_key: Some(host_key),
            algorithms: Some(Preferred {
                key: vec![Algorithm::Rsa { hash: None }].into(),
                ..Preferred::DEFAULT
            }),
            ..appliance("esa-rsa.example.com")
        },
    )
    .await;
    old.needs(
        &[
            "no common host key algorithm",
            "`sshfleet_host_key_algorithms: +ssh-rsa`",
            "`HostKeyAlgorithms +ssh-rsa`",
        ],
        "sshfleet_host_key_algorithms: +ssh-rsa",
    )
    .await;
}

/// The three ways a changed key used to slip past `accept-new` (issue:
/// OpenSSH refuses each as a changed key): recorded under `HostKeyAlias`,
/// in a second `UserKnownHostsFile`, or in a file named with `${VAR}`.
#[tokio::test(flavor = "multi_thread")]
async fn changed_keys_are_refused_wherever_openssh_finds_them() {
    let net = Net::start(vec![appliance("esa04.example.com")]).await;
    let port = net.port("esa04.example.com");
    let inv = inventory("esa04.example.com", &net.direct_vars("esa04.example.com"));
    let impostor = new_key();
    let changed = |host: &str, port: u16| {
        crate::support::known_hosts_line(host, port, impostor.public_key()) + "\n"
    };
    let first = net.path("first_hosts");
    let second = net.path("second_hosts");
    let expect_changed = |run: &Outcome, file: &str| {
        let (status, error) = run.only();
        assert_eq!(status, "unreachable", "{}", run.explain());
        assert!(
            error.contains("HAS CHANGED") && error.contains(file),
            "{}",
            run.explain()
        );
        assert!(
            !run.stderr().contains("permanently added"),
            "{}",
            run.explain()
        );
    };

    // HostKeyAlias: the key is known under the alias alone (no port).
    std::fs::write(&first, changed("fleet-esa04", 22)).unwrap();
    let config = net.write(
        "alias_config",
        &format!(
            "Host 127.0.0.1\n  HostKeyAlias fleet-esa04\n  UserKnownHostsFile {}\n  StrictHostKeyChecking accept-new\n",
            first.display()
        ),
    );
    let run = net.run(&inv, &["-F", &config]).await;
    expect_changed(&run, "first_hosts");
    // The right key under the alias is trusted, and nothing is added.
    std::fs::write(
        &first,
        crate::support::known_hosts_line(
            "fleet-esa04",
            22,
            &net.host("esa04.example.com").host_key,
        ) + "\n",
    )
    .unwrap();
    let run = net.run(&inv, &["-F", &config]).await;
    assert_eq!(run.only().0, "ok", "{}", run.explain());
    assert_eq!(std::fs::read_to_string(&first).unwrap().lines().count(), 1);

    // A second UserKnownHostsFile holds the changed key.
    std::fs::write(&first, "").unwrap();
    std::fs::write(&second, changed("127.0.0.1", port)).unwrap();
    let config = net.write(
        "two_files_config",
        &format!(
            "Host 127.0.0.1\n  UserKnownHostsFile {} {}\n  StrictHostKeyChecking accept-new\n",
            first.display(),
            second.display()
        ),
    );
    let run = net.run(&inv, &["-F", &config]).await;
    expect_changed(&run, "second_hosts");
    assert_eq!(std::fs::read_to_string(&first).unwrap(), "");

    // `${VAR}` in the path is the environment variable, not a relative path.
    let dir = net.path("");
    let config = net.write(
        "env_config",
        "Host 127.0.0.1\n  UserKnownHostsFile ${SSHFLEET_TEST_KH_DIR}/second_hosts\n  StrictHostKeyChecking accept-new\n",
    );
    let args: Vec<String> = [
        "run",
        "esa-ecupdate",
        "-i",
        &net.write("inventory.yaml", &inv),
        "--report",
        &net.path("report.json").display().to_string(),
        "--no-progress",
        "-F",
        &config,
    ]
    .map(str::to_string)
    .to_vec();
    let _ = std::fs::remove_file(net.path("report.json"));
    let output = sshfleet_cmd(&args, &[("SSHFLEET_TEST_KH_DIR", dir.to_str().unwrap())]).await;
    let report = std::fs::read_to_string(net.path("report.json"))
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap());
    expect_changed(&Outcome { output, report }, "second_hosts");
    assert_eq!(net.host("esa04.example.com").stats().sessions_opened, 1);
}

/// `ProxyCommand` in ssh_config is the route, as for `ssh`: the host is
/// reached only through the command, and the first of ProxyCommand and
/// ProxyJump wins.
#[tokio::test(flavor = "multi_thread")]
async fn proxy_command_in_ssh_config_is_the_route() {
    let net = Net::start(vec![appliance("esa05.example.com")]).await;
    let port = net.port("esa05.example.com");
    // The host is named by an alias nothing resolves: only the command
    // knows where it is.
    let inv = inventory(
        "esa05.example.com",
        &[
            format!("ansible_user: {USER}"),
            format!("ansible_ssh_private_key_file: {}", net.key_file.display()),
        ],
    );
    let known = net.write(
        "known_hosts",
        &net.known("esa05.example.com", "esa05.example.com"),
    );
    let config = net.write(
        "proxy_config",
        &format!(
            "Host esa05.example.com\n  ProxyCommand bash -c 'exec 3<>/dev/tcp/127.0.0.1/{port}; cat <&3 & cat >&3'\n  ProxyJump nowhere.invalid\n  Port {port}\n"
        ),
    );
    let run = net
        .run(
            &inv,
            &[
                "-F",
                &config,
                "--known-hosts",
                &known,
                "--connect-retries",
                "0",
            ],
        )
        .await;
    assert_eq!(run.only().0, "ok", "{}", run.explain());
    assert_eq!(net.host("esa05.example.com").stats().sessions_opened, 1);
}

/// `IdentitiesOnly yes`: the agent's keys are not offered, as with `ssh`;
/// without it, the agent's key logs in.
#[tokio::test(flavor = "multi_thread")]
async fn identities_only_leaves_the_agents_keys_out() {
    let agent = std::path::Path::new("/usr/bin/ssh-agent");
    if !agent.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "ssh-agent is missing in CI"
        );
        return;
    }
    let net = Net::start(vec![appliance("esa06.example.com")]).await;
    let port = net.port("esa06.example.com");
    let socket = net.path("agent.sock");
    let mut agent = std::process::Command::new(agent)
        .args(["-D", "-a"])
        .arg(&socket)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if socket.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let added = std::process::Command::new("ssh-add")
        .arg(&net.key_file)
        .env("SSH_AUTH_SOCK", &socket)
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(added.success());
    // No key file in the inventory: only the agent holds the trusted key.
    let inv = inventory(
        "esa06.example.com",
        &[
            "ansible_host: 127.0.0.1".to_string(),
            format!("ansible_port: {port}"),
            format!("ansible_user: {USER}"),
        ],
    );
    let known = net.write("known_hosts", &net.known("esa06.example.com", "127.0.0.1"));
    let run_with = |config: String| {
        let inv = inv.clone();
        let known = known.clone();
        let socket = socket.clone();
        let net = &net;
        async move {
            let config = net.write("agent_config", &config);
            let report = net.path("report.json");
            let _ = std::fs::remove_file(&report);
            let args: Vec<String> = [
                "run",
                "esa-ecupdate",
                "-i",
                &net.write("inventory.yaml", &inv),
                "-F",
                &config,
                "--known-hosts",
                &known,
                "--report",
                &report.display().to_string(),
                "--no-progress",
            ]
            .map(str::to_string)
            .to_vec();
            sshfleet_cmd(&args, &[("SSH_AUTH_SOCK", socket.to_str().unwrap())]).await
        }
    };
    let out = run_with("Host 127.0.0.1\n  IdentityFile /nonexistent/key\n".to_string()).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run_with(
        "Host 127.0.0.1\n  IdentityFile /nonexistent/key\n  IdentitiesOnly yes\n".to_string(),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = agent.kill();
    let _ = agent.wait();
}

/// Keywords newer than the installed `ssh`, through the binary: `Tag`
/// selects the `Match tagged` block that holds the connection settings;
/// `RefuseConnection` stops the run before any host is contacted (exit 5),
/// with the file, line and its message.
#[tokio::test(flavor = "multi_thread")]
async fn tag_selects_match_tagged_and_refuse_connection_refuses_the_host() {
    let net = Net::start(vec![appliance("esa07.example.com")]).await;
    let port = net.port("esa07.example.com");
    let known = net.write("known_hosts", &net.known("esa07.example.com", "127.0.0.1"));
    let config = net.write(
        "ssh_config",
        &format!(
            "Host esa07-lab\n  Tag lab\nHost old-*\n  RefuseConnection \"decommissioned: use esa07-lab\"\n\
             Match tagged lab\n  HostName 127.0.0.1\n  Port {port}\n  User {USER}\n  IdentityFile {}\n\
             Host *\n  User nobody\n  Port 1\n",
            net.key_file.display()
        ),
    );
    let run = net
        .run(
            &inventory("esa07-lab", &[]),
            &["-F", &config, "--known-hosts", &known],
        )
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(net.host("esa07.example.com").stats().sessions_opened, 1);

    let run = net
        .run(
            &inventory("old-esa07", &[]),
            &["-F", &config, "--known-hosts", &known],
        )
        .await;
    assert_eq!(run.code(), 5, "{}", run.explain());
    assert!(
        run.stderr().contains(
            "ssh_config:4: refuseconnection decommissioned: use esa07-lab: RefuseConnection"
        ),
        "{}",
        run.explain()
    );
    assert!(run.report.is_none());
    assert_eq!(net.host("esa07.example.com").stats().sessions_opened, 1);
}
