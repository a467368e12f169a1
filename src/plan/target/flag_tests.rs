//! ssh's own flags in `ansible_ssh_common_args` / `ansible_ssh_extra_args`:
//! the table of flags against the installed `ssh`, and a generated
//! differential against `ssh -G` given the same command line.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Stdio};

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::ssh_args::flag_table;
use super::*;
use crate::inventory::Inventory;
use crate::ssh::algorithms::AlgorithmKind;

fn ssh(args: &[&str]) -> Option<std::process::Output> {
    Command::new("ssh")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .ok()
}

fn ssh_missing() -> bool {
    if ssh(&["-V"]).is_some() {
        return false;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have openssh-client for the ssh flag tests"
    );
    eprintln!("skipped: no `ssh` on this machine (apt-get install openssh-client)");
    true
}

/// The flags ssh's usage lists, each with whether it takes an argument.
fn usage_flags() -> Vec<(char, bool)> {
    let out = ssh(&[]).unwrap();
    let usage = String::from_utf8_lossy(&out.stderr).to_string();
    let mut flags = Vec::new();
    for group in usage.split('[').skip(1) {
        let group = group.split(']').next().unwrap();
        let Some(body) = group.strip_prefix('-') else {
            continue;
        };
        match body.split_once(' ') {
            Some((one, _arg)) => flags.push((one.chars().next().unwrap(), true)),
            None => flags.extend(body.chars().map(|c| (c, false))),
        }
    }
    flags
}

#[test]
fn flags_are_the_ones_ssh_accepts() {
    if ssh_missing() {
        return;
    }
    let table = flag_table();
    let usage = usage_flags();
    assert!(usage.len() > 40, "ssh's usage was not read: {usage:?}");
    for (c, takes) in &usage {
        let row = table.iter().find(|(f, _)| *f == *c);
        let Some((_, table_takes)) = row else {
            panic!("ssh accepts `-{c}` and the flag table has no row for it");
        };
        assert_eq!(table_takes, takes, "`-{c}`: argument or not");
    }
    // Rows ssh accepts without listing them in its usage.
    for (c, takes) in table {
        if usage.iter().any(|(f, _)| *f == c) {
            continue;
        }
        let flag = format!("-{c}");
        let mut args = vec![flag.as_str()];
        if takes {
            args.push("x");
        }
        args.extend(["-G", "h"]);
        let err = String::from_utf8_lossy(&ssh(&args).unwrap().stderr).to_string();
        assert!(!err.contains("unknown option"), "`-{c}`: {err}");
    }
}

/// Words a team might put in its ssh arguments, honoured or inert.
const WORDS: &[&str] = &[
    "-4",
    "-6",
    "-46",
    "-64",
    "-c aes128-ctr",
    "-c aes256-ctr",
    "-caes192-ctr",
    "-o Ciphers=chacha20-poly1305@openssh.com",
    "-m hmac-sha2-256",
    "-m hmac-sha2-512",
    "-o MACs=hmac-sha1",
    "-p 2201",
    "-p2202",
    "-o Port=2203",
    "-l ua",
    "-lub",
    "-o User=uc",
    "-o AddressFamily=inet",
    "-o AddressFamily=any",
    "-4p2204",
    "-C",
    "-Cq",
    "-A",
    "-x",
    "-t",
    "-T",
    "-v",
    "-n",
    "-L 8080:h:80",
    "-D 1080",
    "-R 9000",
    "-c -aes128-ctr",
    "-m -hmac-sha1",
    "-m -hmac-sha1*",
    "-m +hmac-sha1",
    "-m hmac-sha1*",
    "-L 0:h:2",
    "-L 1:h:0",
    "-L 1",
    "-L /a:/b",
    "-L [::1]:1:h:2",
    "-D 0",
    "-D h:0",
    "-D [::1]:1080",
    "-R 0",
    "-R 0:h:2",
    "-R h:0:h:2",
    "-e none",
    "-S none",
    "-w 1:2",
    "-X",
    "-Y",
    "-y",
    "-2",
    "-k",
    "-E /dev/null",
    "-M",
    "-g",
];

/// Words whose argument ssh takes verbatim (getopt's `optarg`: no quote
/// or escape processing, unlike an `-o` value), and words Ansible strips
/// or drops (`_split_ssh_args`). `@K` is a directory holding a key file
/// of each odd name (ssh keeps an `-i` file only when it exists).
const VERBATIM: &[&[&str]] = &[
    &["-l", "CORP\\\\svc"],
    &["-l", "CORP\\svc"],
    &["-l", "a\"b\"c"],
    &["-l", "a b"],
    &["-l", "a'b"],
    &["-l", "x\\"],
    &["-l", "-x"],
    &["-l", "u#v"],
    &["-l", " ul "],
    &["-o", "User=\"q u\""],
    &["-o", "User=a\\\\b"],
    &["-p", "\"2207\""],
    &["-p", " 2208"],
    &["-p", "'2209'"],
    &["-p2210 "],
    &[" -p", "2211"],
    &["-o", "", "-p", "2212"],
    &["-o", "Port=\"2213\""],
    &["-i", "@K/\"q\"z"],
    &["-i", "@K/a\\b"],
    &["-i", "@K/a b"],
    &["-i", "@K/plain"],
    &["-o", "IdentityFile=\"@K/a b\""],
    &["-c", "aes128-ctr "],
    &["-c", "\"aes128-ctr\""],
    &[""],
];

/// The key files `@K` names, created once.
fn key_dir() -> String {
    static DIR: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("sshfleet-flag-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in ["\"q\"z", "a\\b", "a b", "plain"] {
            std::fs::write(dir.join(name), "").unwrap();
        }
        dir.display().to_string()
    })
    .clone()
}

/// The argument words of a generated command line, as Ansible hands
/// them to ssh (stripped, empty ones dropped).
fn ansible_words(words: &[Vec<String>]) -> Vec<String> {
    words
        .iter()
        .flatten()
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect()
}

/// `words` as one `ansible_ssh_common_args` value (sh quoting, as
/// Ansible's shlex.split reads it).
fn args_line(words: &[Vec<String>]) -> String {
    words
        .iter()
        .flatten()
        .map(|w| format!("'{}'", w.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ")
}

fn ours(args: &str) -> Result<Vec<(&'static str, String)>, String> {
    let yaml = format!(
        "all:\n  hosts:\n    h:\n      ansible_ssh_common_args: '{}'\n",
        args.replace('\'', "''")
    );
    let inventory = Inventory::parse(&yaml, Path::new("inv.yaml")).unwrap();
    let host = &inventory.hosts()[0];
    let conn = inventory.connection(host, None).unwrap();
    let target = Resolver::new("/kh".into(), HostKeyPolicy::Strict)
        .resolve(host, &conn)
        .map_err(|e| e.to_string())?;
    let algorithm = |kind| {
        target
            .algorithms
            .get(kind)
            .map(|c| c.text.clone())
            .unwrap_or_default()
    };
    Ok(vec![
        ("port", target.port.to_string()),
        ("user", target.credentials.user.clone()),
        (
            "addressfamily",
            match target.address_family {
                AddressFamily::Any => "any",
                AddressFamily::Inet => "inet",
                AddressFamily::Inet6 => "inet6",
            }
            .to_string(),
        ),
        ("ciphers", algorithm(AlgorithmKind::Cipher)),
        ("macs", algorithm(AlgorithmKind::Mac)),
        (
            "identityfile",
            if args.contains("-i") || args.contains("IdentityFile") {
                let files: Vec<String> = target
                    .credentials
                    .config_key_files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect();
                files.join("|")
            } else {
                String::new()
            },
        ),
    ])
}

fn theirs(args: &str, words: &[String]) -> Result<Vec<(&'static str, String)>, String> {
    let mut argv: Vec<&str> = vec!["-F", "/dev/null"];
    argv.extend(words.iter().map(String::as_str));
    argv.extend(["-G", "h"]);
    let out = ssh(&argv).unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).to_string());
    }
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key} ")))
            .unwrap_or_default()
            .to_string()
    };
    // Without a value set, ssh prints its default list and sshfleet
    // keeps none: compare only a list the arguments set.
    let set = |key: &str, flag: &str| {
        if args.contains(flag) || args.to_ascii_lowercase().contains(&format!("{key}=")) {
            get(key)
        } else {
            String::new()
        }
    };
    let user = match get("user") {
        // ssh -G prints the local user when none is set; sshfleet's
        // default is the same local user.
        u if args.contains("-l") || args.contains("User=") => u,
        _ => String::from("\u{0}default"),
    };
    Ok(vec![
        ("port", get("port")),
        ("user", user),
        ("addressfamily", get("addressfamily")),
        ("ciphers", set("ciphers", "-c")),
        ("macs", set("macs", "-m")),
        (
            "identityfile",
            if args.contains("-i") || args.contains("IdentityFile") {
                // ssh keeps a file twice when `-i` and `-o IdentityFile`
                // both name it (it reads it once).
                let mut files: Vec<&str> = Vec::new();
                for file in text.lines().filter_map(|l| l.strip_prefix("identityfile ")) {
                    if !files.contains(&file) {
                        files.push(file);
                    }
                }
                files.join("|")
            } else {
                String::new()
            },
        ),
    ])
}

#[test]
fn ssh_flags_resolve_as_ssh_g_does() {
    if ssh_missing() {
        return;
    }
    let mut rng = StdRng::seed_from_u64(0x5eed_f1a9);
    let mut differences = Vec::new();
    let keys = key_dir();
    let pool: Vec<Vec<String>> = WORDS
        .iter()
        .map(|w| w.split_whitespace().map(str::to_string).collect())
        .chain(
            VERBATIM
                .iter()
                .map(|w| w.iter().map(|w| w.replace("@K", &keys)).collect()),
        )
        .collect();
    for i in 0..500 {
        let n = rng.random_range(1..=5);
        let mut words: Vec<Vec<String>> = (0..n)
            .map(|_| pool[rng.random_range(0..pool.len())].clone())
            .collect();
        // Each verbatim case at least once, alone.
        if let Some(one) = VERBATIM.get(i) {
            words = vec![one.iter().map(|w| w.replace("@K", &keys)).collect()];
        }
        let args = args_line(&words);
        let (mut mine, want) = match (ours(&args), theirs(&args, &ansible_words(&words))) {
            (Ok(mine), Ok(want)) => (mine, want),
            // Both refuse (`-y` with `-E`): the same decision.
            (Err(_), Err(_)) => continue,
            (Err(e), Ok(_)) => {
                differences.push(format!("`{args}`: sshfleet refused it ({e}), ssh did not"));
                continue;
            }
            (Ok(_), Err(e)) => {
                differences.push(format!("`{args}`: ssh refused it ({e}), sshfleet did not"));
                continue;
            }
        };
        if want[1].1.starts_with('\u{0}') {
            mine[1].1 = want[1].1.clone();
        }
        for ((field, mine), (_, want)) in mine.iter().zip(&want) {
            if mine != want {
                differences.push(format!(
                    "`{args}`: {field}: sshfleet `{mine}`, ssh -G `{want}`"
                ));
            }
        }
    }
    assert!(differences.is_empty(), "\n{}", differences.join("\n"));
}

#[test]
fn flags_that_keep_ssh_from_running_a_command_are_refused() {
    for args in [
        "-G",
        "-V",
        "-Q cipher",
        "-O check",
        "-W h:22",
        "-P",
        "-1",
        "-f",
        "-b 10.0.0.1",
        "-I /lib/p11.so",
        "-Z",
        "-N",
        "-s",
        "-s -N",
        "-N -s",
        "-o RemoteCommand=x -s",
        "-o RemoteCommand=x",
        "-o SessionType=none",
    ] {
        let err = ours(args).expect_err(args);
        assert!(err.contains(&args[..2]), "{args}: {err}");
    }
}
