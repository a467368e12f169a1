//! Generated differential tests: configurations generated from the keyword
//! grammar (Host and Match blocks, negations, Include, tokens, first value
//! winning, algorithm lists, refused, inert and ignored keywords, unknown
//! keywords and IgnoreUnknown, invalid values), each resolved for several
//! host names by sshfleet and by the installed `ssh -G`, and compared
//! keyword by keyword. A refusal counts as agreement when both refuse, or
//! when sshfleet refuses with one of its documented refusals (exit 5). On
//! a difference the configuration is printed.
//!
//! Fixed seed (`SSHFLEET_GEN_SEED` overrides it), at most `SSHFLEET_GEN_CASES`
//! cases (default 3000) within a time budget.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::keywords::{self, Class};
use super::values::Value;
use super::*;
use crate::ssh::algorithms::{AlgorithmKind, ca_signature_names};

/// splitmix64: a small deterministic generator (no dependency, stable
/// across releases, so a seed names a case forever).
struct Rng(u64, bool);

impl Rng {
    /// A value from `valid`, or (outside strict configurations, which
    /// generate only values OpenSSH accepts) sometimes from `invalid`.
    fn pick_v<'a>(&mut self, valid: &[&'a str], invalid: &[&'a str]) -> &'a str {
        if !self.1 && !invalid.is_empty() && self.chance(25) {
            self.pick(invalid)
        } else {
            self.pick(valid)
        }
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

/// The names resolved in every configuration.
const HOSTS: [&str; 6] = ["h1", "web1", "H1", "db.example.com", "10.0.0.5", "bastion"];
const PATTERNS: [&str; 14] = [
    "127.0.0.1",
    "::1",
    "h1",
    "h*",
    "web?",
    "*",
    "!h1",
    "!web*",
    "*.example.com",
    "H1",
    "10.0.0.*",
    "bastion",
    "db*",
    "*1",
];
const USERS: [&str; 4] = ["admin", "ops", "Admin", "root"];

fn pattern_list(rng: &mut Rng, sep: &str) -> String {
    let n = 1 + rng.below(3);
    (0..n)
        .map(|_| rng.pick(&PATTERNS))
        .collect::<Vec<_>>()
        .join(sep)
}

fn block_header(rng: &mut Rng) -> String {
    if rng.chance(55) {
        return format!("Host {}", pattern_list(rng, " "));
    }
    let mut criteria = Vec::new();
    for _ in 0..1 + rng.below(2) {
        let negate = if rng.chance(20) { "!" } else { "" };
        let criterion = match rng.below(8) {
            0 => format!("{negate}host {}", pattern_list(rng, ",")),
            1 => format!("{negate}originalhost {}", pattern_list(rng, ",")),
            2 => format!("{negate}user {}", rng.pick(&USERS)),
            3 => format!("{negate}localuser {}", rng.pick(&["root", "nobody", "*"])),
            4 => format!(
                "{negate}exec \"{}\"",
                rng.pick(&[
                    "true",
                    "false",
                    "test %h = h1",
                    "test %n = web1",
                    "test %r = ops"
                ])
            ),
            5 => format!("{negate}final"),
            6 => format!("{negate}canonical"),
            _ => "all".to_string(),
        };
        criteria.push(criterion);
    }
    format!("Match {}", criteria.join(" "))
}

/// Values for the keywords sshfleet keeps in typed fields, some invalid.
fn typed_line(rng: &mut Rng) -> String {
    match rng.below(16) {
        0 => format!(
            "HostName {}",
            rng.pick(&[
                "%h.example.com",
                "10.0.0.9",
                "Target.Example.com",
                "HÖST.Example.com",
                "%h",
                "x%%y",
                "127.1",
                "0x7F.1",
                "010.1.2.3",
                "0:0:0:0:0:0:0:1",
                "256.1",
                "08.1",
                "FE80::AB"
            ])
        ),
        1 => format!(
            "Port {}",
            rng.pick_v(&["2222", "22"], &["0", "70000", "ssh", "22x"])
        ),
        2 => format!("User {}", rng.pick(&USERS)),
        3 => format!(
            "IdentityFile {}",
            rng.pick(&["~/.ssh/id_%h", "/keys/%r", "~/.ssh/fleet", "/k/%n_%p"])
        ),
        4 => format!("IdentitiesOnly {}", rng.pick_v(&["yes", "no"], &["maybe"])),
        5 => format!("HostKeyAlias {}", rng.pick(&["alias1", "Alias2"])),
        6 => format!(
            "StrictHostKeyChecking {}",
            rng.pick_v(&["yes", "ask", "accept-new", "no", "off"], &["bogus"])
        ),
        7 => format!(
            "UserKnownHostsFile {}",
            rng.pick(&["~/.ssh/kh_%h /dev/null", "/k/known", "~/.ssh/a ~/.ssh/b"])
        ),
        8 => format!(
            "ProxyJump {}",
            rng.pick_v(&["bastion", "ops@b:2200", "none", "a,b"], &["u@:1"])
        ),
        9 => format!(
            "ProxyCommand {}",
            rng.pick(&["nc %h %p", "none", "ssh -W %h:%p %r@jump", "nc %n %k"])
        ),
        10 => format!(
            "KexAlgorithms {}",
            rng.pick_v(
                &[
                    "+diffie-hellman-group14-sha1",
                    "-curve25519*",
                    "^ecdh-sha2-nistp256",
                    "curve25519-sha256,ecdh-sha2-nistp384",
                ],
                &["+ecdh*", "bogus-kex"]
            )
        ),
        11 => format!(
            "HostKeyAlgorithms {}",
            rng.pick_v(
                &[
                    "+ssh-rsa",
                    "-ecdsa*",
                    "^rsa-sha2-256",
                    "ssh-ed25519",
                    "ecdsa-sha2-*,rsa-sha2-512",
                    "-*",
                ],
                &["nomatch*"]
            )
        ),
        12 => format!(
            "Ciphers {}",
            rng.pick_v(
                &["+aes128-cbc", "-aes*-ctr", "aes256-ctr", "^3des-cbc"],
                &["aes*"]
            )
        ),
        13 => format!(
            "MACs {}",
            rng.pick(&["+hmac-md5", "-*sha1*", "hmac-sha2-256", "^hmac-sha1"])
        ),
        14 => format!(
            "{} {}",
            rng.pick(&["PubkeyAcceptedAlgorithms", "PubkeyAcceptedKeyTypes"]),
            rng.pick(&["+ssh-rsa", "-rsa*", "ssh-ed25519"])
        ),
        _ => format!(
            "CASignatureAlgorithms {}",
            rng.pick(&["-rsa*", "+ssh-rsa", "ssh-ed25519", "ecdsa*"])
        ),
    }
}

/// A value for any row of the table, valid or not.
fn table_line(rng: &mut Rng) -> Option<String> {
    let row = keywords::KEYWORDS[rng.below(keywords::KEYWORDS.len())];
    if !super::table_tests::installed_ssh_reads(&row) || matches!(row.value, Value::Structure) {
        return None;
    }
    let value = match (row.class, row.value) {
        (Class::Refused { accepts, .. }, _) if rng.chance(50) && !accepts.is_empty() => {
            rng.pick(accepts).to_string()
        }
        (_, Value::Choice(choices)) if rng.1 || rng.chance(85) => {
            let choice = rng.pick(choices);
            if rng.chance(20) {
                choice.to_ascii_uppercase()
            } else {
                choice.to_string()
            }
        }
        (_, Value::Time) => rng
            .pick_v(&["10", "1h30m", "5M", "none"], &["x", "-1", "3q"])
            .to_string(),
        (_, Value::Int) => rng.pick_v(&["3", "0"], &["x", "2 3"]).to_string(),
        // Free-form values: only outside strict configurations.
        _ if rng.1 => return None,
        _ => rng.pick(&["yes", "no", "x", "a b", "", "none"]).to_string(),
    };
    if row.name == "ignoreunknown" {
        return None;
    }
    Some(format!("{} {value}", camel(row.name, rng)))
}

/// Keywords are case-insensitive: written in mixed case sometimes.
fn camel(name: &str, rng: &mut Rng) -> String {
    if rng.chance(30) {
        name.to_ascii_uppercase()
    } else {
        name.to_string()
    }
}

/// One configuration: blocks of lines, maybe an `Include` of `extra`.
fn generate(rng: &mut Rng, include: &Path) -> (String, String) {
    let mut text = String::new();
    let mut extra = String::new();
    for block in 0..1 + rng.below(5) {
        if block > 0 || rng.chance(30) {
            text.push_str(&block_header(rng));
            text.push('\n');
        }
        for _ in 0..1 + rng.below(4) {
            let line = match rng.below(10) {
                0..=4 => typed_line(rng),
                5..=7 => table_line(rng).unwrap_or_else(|| typed_line(rng)),
                8 if !rng.1 => {
                    if rng.chance(50) {
                        format!("IgnoreUnknown {}", rng.pick(&["Use*", "UseKeychain", "x"]))
                    } else {
                        "UseKeychain yes".to_string()
                    }
                }
                _ => {
                    extra = format!("{}\n{}\n", typed_line(rng), typed_line(rng));
                    format!("Include {}", include.display())
                }
            };
            let sep = if rng.chance(15) { "=" } else { " " };
            text.push_str("  ");
            text.push_str(&line.replacen(' ', sep, 1));
            text.push('\n');
        }
    }
    (text, extra)
}

/// `ssh -G`: keyword to values, or the error it refuses with.
pub(super) fn ssh_g(
    ssh: &Path,
    config: &Path,
    host: &str,
) -> Result<BTreeMap<String, Vec<String>>, String> {
    let out = Command::new(ssh)
        .args(["-G", "-F"])
        .arg(config)
        .arg(host)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        return Err(stderr);
    }
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((key, value)) = line.split_once(' ') {
            fields
                .entry(key.to_ascii_lowercase())
                .or_default()
                .push(value.to_string());
        }
    }
    Ok(fields)
}

/// sshfleet's documented refusals: an error carrying one of these is a
/// refusal by design where `ssh` goes on.
pub(super) fn documented_refusal(message: &str) -> bool {
    let table = keywords::KEYWORDS.iter().any(|row| match row.class {
        Class::Refused { why, .. } => message.contains(why),
        _ => false,
    });
    table
        || message.contains("write the number")
        || message.contains("not supported by sshfleet")
        || message.contains("and sshfleet everywhere")
}

/// Flags and choices as `ssh -G` prints them.
fn normal(value: &str) -> String {
    match value.to_ascii_lowercase().as_str() {
        "yes" | "true" => "true".to_string(),
        "no" | "false" | "off" => "false".to_string(),
        // LogLevel QUIET prints as `silent`, DEBUG1 as `debug`.
        "quiet" => "silent".to_string(),
        "debug1" => "debug".to_string(),
        other => other.to_string(),
    }
}

/// The differences between sshfleet's reading and `ssh -G`'s.
pub(super) fn compare(
    ours: &HostConfig,
    theirs: &BTreeMap<String, Vec<String>>,
    host: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    let first = |key: &str| {
        theirs
            .get(key)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    };
    let mut check = |key: &str, mine: String, want: String| {
        if mine != want {
            out.push(format!("{key}: sshfleet `{mine}`, ssh -G `{want}`"));
        }
    };
    check(
        "hostname",
        ours.host_name
            .clone()
            .unwrap_or_else(|| host.to_ascii_lowercase()),
        first("hostname"),
    );
    check("port", ours.port.unwrap_or(22).to_string(), first("port"));
    check(
        "user",
        ours.user.clone().unwrap_or_else(local_user),
        first("user"),
    );
    check(
        "identitiesonly",
        normal(if ours.identities_only == Some(true) {
            "yes"
        } else {
            "no"
        }),
        normal(&first("identitiesonly")),
    );
    check(
        "hostkeyalias",
        ours.host_key_alias.clone().unwrap_or_default(),
        first("hostkeyalias"),
    );
    if let Some(files) = &ours.identity_files.first().map(|_| &ours.identity_files) {
        check(
            "identityfile",
            files.join(" "),
            theirs
                .get("identityfile")
                .map(|v| v.join(" "))
                .unwrap_or_default(),
        );
    }
    if let Some(files) = &ours.known_hosts_files {
        let hostname = ours
            .host_name
            .clone()
            .unwrap_or_else(|| host.to_ascii_lowercase());
        let user = ours.user.clone().unwrap_or_else(local_user);
        let tokens = Tokens {
            host: &hostname,
            original_host: host,
            port: ours.port.unwrap_or(22),
            user: &user,
            host_key_alias: ours.host_key_alias.as_deref(),
        };
        let expanded: Vec<String> = files
            .iter()
            .map(|f| match expand_path("userknownhostsfile", f, &tokens) {
                Ok(_) if f.eq_ignore_ascii_case("none") => f.clone(),
                Ok(p) => p.display().to_string(),
                Err(e) => e,
            })
            .collect();
        check(
            "userknownhostsfile",
            expanded.join(" "),
            first("userknownhostsfile"),
        );
    }
    let strict = match ours.strict_host_key_checking {
        None => "ask|true",
        Some(StrictHostKeyChecking::Yes) => "ask|true",
        Some(StrictHostKeyChecking::AcceptNew) => "accept-new",
        Some(StrictHostKeyChecking::No) => "false",
    };
    let want = match first("stricthostkeychecking").as_str() {
        "ask" | "true" => "ask|true".to_string(),
        other => other.to_string(),
    };
    check("stricthostkeychecking", strict.to_string(), want);
    let jump = match &ours.proxy_jump {
        Some(hops) if !hops.is_empty() => hops
            .iter()
            .map(|h| {
                let user = h.user.as_ref().map(|u| format!("{u}@")).unwrap_or_default();
                match h.port {
                    Some(p) => format!("{user}{}:{p}", h.host),
                    None => format!("{user}{}", h.host),
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    };
    check("proxyjump", jump, first("proxyjump"));
    let command = ours
        .proxy_command
        .clone()
        .filter(|c| c != "none")
        .unwrap_or_default();
    let theirs_command = first("proxycommand");
    check(
        "proxycommand",
        command,
        if theirs_command == "none" {
            String::new()
        } else {
            theirs_command
        },
    );
    let known = ssh_known_names();
    for kind in AlgorithmKind::ALL {
        let key = kind.keyword().to_ascii_lowercase();
        let supported = kind.supported();
        let mine: Vec<String> = ours
            .algorithms
            .names(kind)
            .into_iter()
            .filter(|n| known.contains(n))
            .collect();
        let want: Vec<String> = first(&key)
            .split(',')
            .filter(|n| supported.contains(n))
            .map(str::to_string)
            .collect();
        check(&key, mine.join(","), want.join(","));
    }
    let ca = ca_signature_names(
        ours.other("casignaturealgorithms")
            .map(|v| {
                crate::ssh::algorithms::AlgorithmChange::parse(AlgorithmKind::HostKey, v.first())
                    .unwrap()
                    .0
            })
            .as_ref(),
    );
    check(
        "casignaturealgorithms",
        ca.join(","),
        first("casignaturealgorithms"),
    );
    for (keyword, value) in &ours.others {
        let Some(row) = keywords::find(keyword) else {
            continue;
        };
        let Some(printed) = theirs.get(*keyword).and_then(|v| v.first()) else {
            continue;
        };
        let mine = match row.value {
            // `Tunnel yes` is printed as its default mode.
            Value::Choice(_) if *keyword == "tunnel" && normal(value.first()) == "true" => {
                "point-to-point".to_string()
            }
            Value::Choice(_) => normal(value.first()),
            // A number as OpenSSH's `strtonum` reads it (`010` is 10).
            Value::Int => super::cnum::strtonum(value.first(), 0, i32::MAX.into())
                .map_or_else(|| value.first().to_string(), |n| n.to_string()),
            Value::Time => super::values::parse_time(value.first())
                .map_or_else(|| value.first().to_string(), |t| t.to_string()),
            _ => continue,
        };
        let want = match row.value {
            Value::Time if printed == "none" => "none".to_string(),
            // `none` is unset: ssh -G prints the default.
            Value::Time if mine == "none" => "none".to_string(),
            _ => normal(printed),
        };
        check(keyword, mine, want);
    }
    out
}

/// Every algorithm name the installed `ssh` knows (`ssh -Q`), so that
/// names only a later OpenSSH has are left out of the comparison.
fn ssh_known_names() -> &'static Vec<String> {
    static NAMES: std::sync::LazyLock<Vec<String>> = std::sync::LazyLock::new(|| {
        let mut names = Vec::new();
        for query in ["kex", "cipher", "mac", "key-sig"] {
            if let Ok(out) = Command::new("ssh").args(["-Q", query]).output() {
                names.extend(
                    String::from_utf8_lossy(&out.stdout)
                        .lines()
                        .map(str::to_string),
                );
            }
        }
        names
    });
    &NAMES
}

#[test]
fn generated_configurations_resolve_as_ssh_g_does() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    let seed: u64 = std::env::var("SSHFLEET_GEN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x005f_f1ee_7024);
    let max_cases: usize = std::env::var("SSHFLEET_GEN_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let budget = Duration::from_secs(120);
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("config");
    let include_path = dir.path().join("included.conf");
    let mut rng = Rng(seed, false);
    let started = Instant::now();
    let (mut cases, mut compared, mut both_refused, mut documented) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    while cases < max_cases && started.elapsed() < budget && failures.len() < 5 {
        // Every other configuration only takes values OpenSSH accepts, so
        // that most of them are compared keyword by keyword.
        rng.1 = cases % 2 == 0;
        let (text, extra) = generate(&mut rng, &include_path);
        std::fs::write(&config_path, &text).unwrap();
        std::fs::write(&include_path, &extra).unwrap();
        let loaded = SshConfig::load(&config_path);
        for host in HOSTS.iter().take(1 + rng.below(3)) {
            cases += 1;
            let ours = loaded
                .as_ref()
                .map_err(|e| e.to_string())
                .and_then(|c| c.lookup(host, None).map_err(|e| e.to_string()));
            let theirs = ssh_g(&ssh, &config_path, host);
            let problem = match (&ours, &theirs) {
                (Err(_), Err(_)) => {
                    both_refused += 1;
                    None
                }
                (Err(e), Ok(_)) if documented_refusal(e) => {
                    documented += 1;
                    None
                }
                (Err(e), Ok(_)) => Some(format!("sshfleet refused, ssh -G did not: {e}")),
                (Ok(_), Err(e)) => Some(format!("ssh -G refused, sshfleet did not: {}", e.trim())),
                (Ok(ours), Ok(theirs)) => {
                    compared += 1;
                    let differences = compare(ours, theirs, host);
                    (!differences.is_empty()).then(|| differences.join("\n  "))
                }
            };
            if let Some(problem) = problem {
                failures.push(format!(
                    "case {cases} (seed {seed}), host `{host}`:\n  {problem}\n--- config ---\n{text}--- included ---\n{extra}"
                ));
                break;
            }
        }
    }
    eprintln!(
        "generated ssh_config cases: {cases} ({compared} compared keyword by keyword, {both_refused} refused by both, {documented} refused by sshfleet by design) in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
