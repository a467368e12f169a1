//! `ProxyJump` values against the installed OpenSSH: a generated
//! differential with `ssh -G -o ProxyJump=VALUE`, which prints what its
//! `parse_jump` kept (`proxyjump EXTRA,LAST`) or refuses the value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::jump::{Jump, JumpHost};

/// What `ssh -G` made of the value: `Ok(printed proxyjump)` (empty for
/// none), or `Err(its message)`. `None` without an ssh to ask.
fn ssh_g(value: &str) -> Option<Result<String, String>> {
    let out = Command::new("ssh")
        .args(["-G", "-F", "none", "-o"])
        .arg(format!("ProxyJump={value}"))
        .arg("target.invalid")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Some(Err(String::from_utf8_lossy(&out.stderr).to_string()));
    }
    let printed = stdout
        .lines()
        .find_map(|l| l.strip_prefix("proxyjump "))
        .unwrap_or_default();
    Some(Ok(printed.to_string()))
}

/// sshfleet's reading, printed as `ssh -G` prints it.
fn ours(value: &str) -> Result<String, String> {
    // The value as ssh's option parser hands it to parse_jump: after the
    // white space and `=` that follow the keyword.
    let value = value.trim_start_matches([' ', '\t', '=']);
    let hops = JumpHost::parse_list(value)?;
    if value.eq_ignore_ascii_case("none") {
        assert!(hops.is_empty());
        return Ok(String::new());
    }
    Ok(Jump::parse(value)?.to_string())
}

const USERS: [&str; 9] = [
    "", "u@", "ops.x@", "a@b@", "@", "-u@", "u;x@", "u%40x@", "a+b@",
];
const HOSTS: [&str; 16] = [
    "h",
    "b-1.example",
    "10.0.0.9",
    "[::1]",
    "::1",
    "fd00::5",
    "[fd00::5]",
    "admin",
    "-h",
    "h;x",
    "[h]x",
    "",
    "none",
    "NONE",
    "h.",
    "a..b",
];
const PORTS: [&str; 12] = [
    "", ":", ":22", ":2222", ":0", ":65536", ":22:33", "/22", ":ssh", ":+22", ":022", ":-1",
];
const URI_TAILS: [&str; 6] = ["", "/", "", "/", "?x=1", "/%41"];
const URI_USERS: [&str; 9] = [
    "", "u@", "u%40x@", "u;fp=x@", ";x@", "u%4@", "u%zz@", "%2du@", "a+b@",
];
const SEPARATORS: [&str; 9] = [",", ",", ",", ", ", ",,", " ,", " #c,", "#", "  "];

fn hop(rng: &mut StdRng) -> String {
    // The first entries of each list are valid: half the picks come from
    // them, so that accepted lists of several hops are frequent too.
    let pick = |rng: &mut StdRng, xs: &[&str]| {
        let end = if rng.random_range(0..2) == 0 {
            4
        } else {
            xs.len()
        };
        xs[rng.random_range(0..end)].to_string()
    };
    if rng.random_range(0..4) == 0 {
        let host = pick(rng, &HOSTS);
        format!(
            "ssh://{}{}{}{}",
            pick(rng, &URI_USERS),
            host,
            pick(rng, &PORTS),
            pick(rng, &URI_TAILS)
        )
    } else {
        format!(
            "{}{}{}",
            pick(rng, &USERS),
            pick(rng, &HOSTS),
            pick(rng, &PORTS)
        )
    }
}

fn values() -> Vec<String> {
    let mut values: Vec<String> = [
        "admin@fd00::5:2222",
        "::1",
        "u@::1",
        "ssh://[::1]",
        "u@h:22:33",
        "ssh://h:22:33",
        "ssh://u@h?x=1",
        "a, b",
        "b:",
        "\"b\"",
        "ssh://u@b:33/",
        "ssh://u%40x@b",
        "none,a",
        "a,none",
        "none",
        "None",
        "a #c",
        "a,b #c,d",
        "a,b c,d",
        " b",
        "=b",
        "SSH://h",
        "ssh://u@b/x",
        "[::1]:22",
        "a,,b",
        ",a",
        "a,",
    ]
    .map(String::from)
    .to_vec();
    let mut rng = StdRng::seed_from_u64(24);
    for _ in 0..400 {
        let mut value = hop(&mut rng);
        for _ in 0..rng.random_range(0..3) {
            let sep = SEPARATORS[rng.random_range(0..SEPARATORS.len())];
            value = format!("{}{sep}{value}", hop(&mut rng));
        }
        values.push(value);
    }
    values
}

#[test]
fn proxy_jump_values_are_read_as_ssh_reads_them() {
    if ssh_g("h").is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have openssh-client for the ProxyJump differential"
        );
        eprintln!("skipped: no `ssh` on this machine");
        return;
    }
    let mut differ = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for value in values() {
        let theirs = ssh_g(&value).unwrap();
        let mine = ours(&value);
        match (&theirs, &mine) {
            (Ok(a), Ok(b)) if a == b => accepted += 1,
            (Err(_), Err(_)) => refused += 1,
            // Refusing what ssh takes is allowed only where sshfleet says
            // it cannot follow ssh.
            (Ok(_), Err(why)) if why.contains("not supported by sshfleet") => refused += 1,
            _ => differ.push(format!("{value:?}: ssh {theirs:?}, sshfleet {mine:?}")),
        }
    }
    assert!(
        differ.is_empty(),
        "{} differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    assert!(
        accepted > 40 && refused > 40,
        "{accepted} accepted, {refused} refused"
    );
}

#[test]
fn hops_go_in_order_and_a_leading_none_means_no_own_route() {
    let hops = JumpHost::parse_list("none,a").unwrap();
    assert_eq!(hops.len(), 1);
    assert!(!hops[0].own_route);
    let hops = JumpHost::parse_list("a,none").unwrap();
    assert_eq!(
        hops.iter()
            .map(|h| (h.host.as_str(), h.own_route))
            .collect::<Vec<_>>(),
        [("a", true), ("none", false)]
    );
    let hops = JumpHost::parse_list("u@a:2,ssh://v@b:3/,[::1]").unwrap();
    let seen: Vec<String> = hops.iter().map(ToString::to_string).collect();
    assert_eq!(seen, ["u@[a]:2", "v@[b]:3", "[::1]"]);
    for refused in [
        "admin@fd00::5:2222",
        "ssh://[::1]",
        "u@h:22:33",
        "a, b",
        "ssh://u@h?x=1",
    ] {
        assert!(JumpHost::parse_list(refused).is_err(), "{refused}");
    }
}
