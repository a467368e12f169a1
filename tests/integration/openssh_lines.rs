//! How a configuration line is cut, end to end (issue 24, the lexer
//! findings): `sshfleet inventory --json` against the installed `ssh -G`
//! on the lines that were read differently: a line starting with `=`
//! (also in `-o` on Ansible's command line), `Match` arguments cut as
//! OpenSSH 9.2 cuts them (one `=` separates, a single quote is a
//! character), white space OpenSSH does not know (NBSP, VT) kept in the
//! word, and values whose spelling ssh takes or refuses. Where ssh
//! refuses, sshfleet refuses (exit 5, naming the file and line); where
//! ssh reads it, both resolve the same user, address, port, ProxyCommand
//! and key files. (`ssh::config::lexer_tests` generates the whole class.)

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

/// What `ssh -G` prints for these arguments, or its error.
fn ssh_g(config: &Path, args: &[&str]) -> Result<BTreeMap<String, Vec<String>>, String> {
    let out = Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(config)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((k, v)) = line.split_once(' ') {
            fields.entry(k.to_string()).or_default().push(v.to_string());
        }
    }
    Ok(fields)
}

/// `sshfleet inventory --json` for the one host `h1` (`ansible_host:
/// alpha`, plus `vars`), or its exit code and stderr.
fn sshfleet(dir: &Path, config: &Path, vars: &str) -> Result<serde_json::Value, (i32, String)> {
    let inventory = dir.join("inv.yaml");
    std::fs::write(
        &inventory,
        format!("all:\n  hosts:\n    h1:\n      ansible_host: alpha\n{vars}"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .args(["inventory", "--json", "-F"])
        .arg(config)
        .arg("-i")
        .arg(&inventory)
        .env("NO_COLOR", "1")
        .env_remove("SSH_AUTH_SOCK")
        .output()
        .unwrap();
    if !out.status.success() {
        return Err((
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    let hosts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    Ok(hosts[0].clone())
}

#[test]
fn lines_are_cut_as_ssh_cuts_them() {
    if Command::new("ssh").arg("-V").output().is_err() {
        eprintln!("skipped: no ssh here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let common = "      ansible_ssh_common_args: \"-o =User=fu -o '=ProxyCommand=nc %h %p'\"\n";
    // (ssh_config, inventory vars, ssh's arguments, what must hold)
    let cases: &[(&str, &str, &[&str], &str)] = &[
        (
            "=ProxyCommand nc %h %p\n=IdentityFile /x\n",
            "",
            &[],
            "proxy",
        ),
        ("=Host beta\nUser b\n", "", &[], "user"),
        (
            "",
            common,
            &["-o", "=User=fu", "-o", "=ProxyCommand=nc %h %p"],
            "proxy",
        ),
        ("Match host alpha user =root\n  User a\n", "", &[], "a"),
        ("Match host =alpha\n  User a\n", "", &[], "a"),
        ("Match host = alpha\n  User a\n", "", &[], "a"),
        ("Match host=alpha\n  User a\n", "", &[], "a"),
        ("Match host 'alpha'\n  User q\n", "", &[], "user"),
        ("Match host alpha user 'root'\n  User q\n", "", &[], "user"),
        ("Host alpha\u{a0}\n  User q\n", "", &[], "user"),
        ("Host alpha\u{b}\n  User q\n", "", &[], "user"),
        ("IdentityFile /k\u{a0}\n", "", &[], "keys"),
        (
            "IdentityFile /k\u{a0}\nHostName\u{a0}other\n",
            "",
            &[],
            "refused",
        ),
        ("User\u{b}a\n", "", &[], "refused"),
        ("Port 22\u{a0}\n", "", &[], "refused"),
        ("FingerprintHash sha1\n", "", &[], "user"),
        ("EscapeChar ^?\n", "", &[], "refused"),
        ("ControlPersist YES\n", "", &[], "refused"),
    ];
    for (text, vars, ssh_args, expect) in cases {
        std::fs::write(&config, text).unwrap();
        let mut args = ssh_args.to_vec();
        args.push("alpha");
        let theirs = ssh_g(&config, &args);
        let ours = sshfleet(dir.path(), &config, vars);
        let case = format!("{text:?} {vars:?}");
        if *expect == "refused" {
            assert!(theirs.is_err(), "{case}: ssh -G read it");
            let (code, stderr) = ours.expect_err(&case);
            assert_eq!(code, 5, "{case}: {stderr}");
            assert!(
                stderr.contains(":1:") || stderr.contains(":2:"),
                "{case}: {stderr}"
            );
            continue;
        }
        let theirs = theirs.unwrap_or_else(|e| panic!("{case}: ssh -G refused: {e}"));
        let ours = ours.unwrap_or_else(|e| panic!("{case}: sshfleet refused: {e:?}"));
        let one = |k: &str| theirs[k][0].clone();
        assert_eq!(ours["user"], one("user"), "{case}");
        assert_eq!(ours["address"], one("hostname"), "{case}");
        assert_eq!(ours["port"].to_string(), one("port"), "{case}");
        match *expect {
            "a" => assert_eq!(one("user"), "a", "{case}"),
            "proxy" => {
                let want = one("proxycommand")
                    .replace("%h", &one("hostname"))
                    .replace("%p", &one("port"));
                assert_eq!(ours["proxy_command"], want, "{case}");
            }
            "keys" => {
                assert_eq!(
                    ours["key_files"],
                    serde_json::json!(theirs["identityfile"]),
                    "{case}"
                );
            }
            _ => assert_ne!(ours["user"], "q", "{case}"),
        }
        if text.contains("IdentityFile /x") {
            assert_eq!(ours["key_files"], serde_json::json!(["/x"]), "{case}");
        }
    }
}
