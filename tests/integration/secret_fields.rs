//! docs/SECURITY.md I4 for the resolved connection fields (issue 23): a
//! port or address computed from a secret is shown as `***` by every
//! sink, although what is shown is no longer the text the template
//! rendered (`403` is the address `0.0.1.147`, `"40311"` the number
//! 40311, `-J u@h:2222` a jump's port). The tainted-ness travels with the
//! value from where it is computed, so this table is fields × secret
//! sources × sinks. The key files are one field (a list masked whole): a
//! `~/k/{{ pin }}` is shown as `/home/u/k/1234`, no text taint knows
//! (round 8, d25).

use std::time::Duration;

use crate::support::sshfleet_cmd;

/// A secret source: the inventory lines defining it, a Jinja expression
/// over it that renders a number (usable as a port and, numerically, as
/// an IPv4 address), that number, and the environment it needs.
struct Source {
    name: &'static str,
    defines: &'static str,
    number: &'static str,
    env: &'static [(&'static str, &'static str)],
    /// The Jinja expression, or `None` when the field is the `!vault`
    /// value itself (`ansible_port: !vault |`).
    expr: Option<&'static str>,
}

/// `vpass` opens this: the port 40311.
const VAULT_PORT: &str = "!vault |
        $ANSIBLE_VAULT;1.1;AES256
        37616237643463663236356564313066366335646366343661366536323461653133626234623538
        3835313761363364663263366262316339626333326337310a616465313037613865383865643637
        33613162643835366131303434663764313333626635643264633965356137383663613764643534
        6562333739626230630a623630616635316337643164666165613835633762663166363237666161
        6464
";

const SOURCES: &[Source] = &[
    Source {
        name: "vault value",
        defines: "",
        number: "40311",
        env: &[],
        expr: None,
    },
    Source {
        name: "secret-named variable, sliced",
        defines: "      db_password: \"40311Xs9\"\n",
        number: "40311",
        env: &[],
        expr: Some("db_password[0:5]"),
    },
    Source {
        name: "lookup('env') of a password variable",
        defines: "",
        number: "40311",
        env: &[("ESA_PASSWORD", "40311")],
        expr: Some("lookup('env', 'ESA_PASSWORD')"),
    },
    Source {
        name: "a password's length",
        defines: "",
        number: "12",
        env: &[("ESA_PASSWORD", "SomeSecret12")],
        expr: Some("lookup('env', 'ESA_PASSWORD') | length"),
    },
];

/// A connection field `sshfleet inventory --json` shows, how an
/// inventory sets it from a secret (`{}` is the secret's expression),
/// and how the JSON host object holds it.
struct FieldRow {
    json: &'static str,
    sets: &'static str,
}

/// Every connection field of `inventory --json`: a key added there
/// without a row here fails `every_json_key_is_classified`.
const FIELDS: &[FieldRow] = &[
    FieldRow {
        json: "address",
        sets: "      ansible_host: {}\n",
    },
    FieldRow {
        json: "port",
        sets: "      ansible_host: 127.0.0.1\n      ansible_port: {}\n",
    },
    FieldRow {
        json: "port",
        sets: "      ansible_host: 127.0.0.1\n      ansible_ssh_common_args: \"-o Port={{{{ {e} }}}}\"\n",
    },
    FieldRow {
        json: "user",
        sets: "      ansible_host: 127.0.0.1\n      ansible_user: {}\n",
    },
    FieldRow {
        json: "proxy_command",
        sets: "      ansible_host: 127.0.0.1\n      ansible_ssh_common_args: \"-o ProxyCommand='nc %h {{{{ {e} }}}}'\"\n",
    },
    FieldRow {
        json: "key_files",
        sets: "      ansible_host: 127.0.0.1\n      ansible_ssh_private_key_file: \"/k/{{{{ {e} }}}}\"\n",
    },
    FieldRow {
        json: "key_files",
        sets: "      ansible_host: 127.0.0.1\n      ansible_ssh_private_key_file: {}\n",
    },
    // `~` expanded: the file shown is no longer the text rendered.
    FieldRow {
        json: "key_files",
        sets: "      ansible_host: 127.0.0.1\n      ansible_ssh_private_key_file: \"~/k/{{{{ {e} }}}}\"\n",
    },
    FieldRow {
        json: "jumps.address",
        sets: "      ansible_host: 127.0.0.1\n      ansible_ssh_common_args: \"-J j@{{{{ {e} }}}}\"\n",
    },
    FieldRow {
        json: "jumps.port",
        sets: "      ansible_host: 127.0.0.1\n      ansible_ssh_common_args: \"-J j@jh.example.com:{{{{ {e} }}}}\"\n",
    },
];

/// The keys of a `--json` host that are not connection fields computed
/// from the inventory's values, or that say only whether one is set.
const NOT_FIELDS: &[&str] = &[
    "host",
    "groups",
    "password",
    "password_env",
    "jumps",
    "jumps.user",
];

/// The inventory line(s) for `row` from `source`.
fn sets(row: &FieldRow, source: &Source) -> Option<String> {
    match source.expr {
        Some(e) if row.sets.contains("{e}") => Some(
            row.sets
                .replace("{e}", e)
                .replace("{{{{", "{{")
                .replace("}}}}", "}}"),
        ),
        Some(e) => Some(row.sets.replace("{}", &format!("\"{{{{ {e} }}}}\""))),
        // A `!vault` value stands whole for a variable: ports only.
        None if row.sets.contains("ansible_port: {}") => Some(row.sets.replace("{}", VAULT_PORT)),
        None => None,
    }
}

async fn inventory(dir: &std::path::Path, yaml: &str, source: &Source, json: bool) -> String {
    let inv = dir.join("inv.yaml");
    std::fs::write(&inv, yaml).unwrap();
    let vp = dir.join("vp");
    std::fs::write(&vp, "vpass").unwrap();
    let mut args: Vec<String> = ["inventory", "-i", inv.to_str().unwrap()]
        .map(String::from)
        .to_vec();
    args.extend(["--vault-password-file".into(), vp.display().to_string()]);
    args.extend(["-F".into(), "none".into()]);
    if json {
        args.push("--json".into());
    }
    let out = tokio::time::timeout(Duration::from_secs(60), sshfleet_cmd(&args, source.env))
        .await
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn field<'j>(host: &'j serde_json::Value, path: &str) -> Option<&'j serde_json::Value> {
    if path == "key_files" {
        // A list of files, masked whole: its first.
        return host.get(path)?.get(0);
    }
    match path.split_once('.') {
        Some((list, key)) => host.get(list)?.get(0)?.get(key),
        None => host.get(path),
    }
}

#[tokio::test]
async fn a_field_computed_from_a_secret_is_masked_in_every_inventory_sink() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for source in SOURCES {
        for row in FIELDS {
            let Some(lines) = sets(row, source) else {
                continue;
            };
            let yaml = format!("all:\n  hosts:\n    h1:\n{}{lines}", source.defines);
            let json = inventory(dir.path(), &yaml, source, true).await;
            let parsed: serde_json::Value = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("{}/{}: {e}: {json}\n{yaml}", source.name, row.json));
            let shown = field(&parsed[0], row.json).cloned();
            if shown.as_ref().and_then(|v| v.as_str()) != Some("***") {
                failures.push(format!(
                    "{} / {} / --json: {shown:?}",
                    source.name, row.json
                ));
            }
            let plain = inventory(dir.path(), &yaml, source, false).await;
            let words = plain.split(|c: char| !c.is_ascii_alphanumeric() && c != '.');
            if words
                .clone()
                .any(|w| w == source.number || w.starts_with("0.0."))
            {
                failures.push(format!("{} / {} / plain: {plain}", source.name, row.json));
            }
            if row.json == "address" && !plain.contains("\t***:") {
                failures.push(format!("{} / address / plain: {plain}", source.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn every_json_key_is_classified() {
    let dir = tempfile::tempdir().unwrap();
    let source = &SOURCES[1];
    let yaml = format!(
        "all:\n  hosts:\n    h1:\n{}      ansible_host: 127.0.0.1\n      ansible_ssh_common_args: \"-J j@jh.example.com:2222\"\n",
        source.defines
    );
    let json = inventory(dir.path(), &yaml, source, true).await;
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    let host = parsed[0].as_object().unwrap();
    let mut keys: Vec<String> = host.keys().cloned().collect();
    if let Some(jump) = host["jumps"].get(0).and_then(|j| j.as_object()) {
        keys.extend(jump.keys().map(|k| format!("jumps.{k}")));
    }
    for key in keys {
        assert!(
            FIELDS.iter().any(|r| r.json == key) || NOT_FIELDS.contains(&key.as_str()),
            "`inventory --json` key `{key}` is neither a field of the table nor classified as none"
        );
    }
}

/// The run's sinks: a port from a secret on a closed loopback port, whose
/// connection error names where it connected.
#[tokio::test]
async fn a_port_from_a_secret_is_masked_in_the_run_sinks() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for source in SOURCES {
        let row = &FIELDS[1];
        let lines = sets(row, source).unwrap();
        let yaml = format!(
            "all:\n  hosts:\n    h1:\n{}{lines}      ansible_password: x-login-pw\n      ansible_ssh_extra_args: -o ConnectionAttempts=1\n",
            source.defines
        );
        let inv = dir.path().join("run.yaml");
        std::fs::write(&inv, yaml).unwrap();
        let vp = dir.path().join("vp");
        std::fs::write(&vp, "vpass").unwrap();
        let (report, html, kh) = (
            dir.path().join("r.json"),
            dir.path().join("r.html"),
            dir.path().join("kh"),
        );
        std::fs::write(&kh, "").unwrap();
        let args: Vec<String> = [
            "run",
            "esa-ecupdate",
            "-i",
            inv.to_str().unwrap(),
            "--vault-password-file",
            vp.to_str().unwrap(),
            "-F",
            "none",
            "--known-hosts",
            kh.to_str().unwrap(),
            "--check",
            "--no-progress",
            "--log-format",
            "json",
            "--report",
            report.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
            "--lock",
            dir.path().join("lock").to_str().unwrap(),
        ]
        .map(String::from)
        .to_vec();
        let out = tokio::time::timeout(Duration::from_secs(60), sshfleet_cmd(&args, source.env))
            .await
            .unwrap();
        let terminal = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
        let sinks = [
            ("terminal and events", terminal.clone()),
            ("report", read(&report)),
            ("HTML", read(&html)),
        ];
        assert!(
            terminal.contains("cannot connect to") && terminal.contains(":***: Connection refused"),
            "{}: the connection error is not there: {terminal}",
            source.name
        );
        for (sink, text) in sinks {
            let n = source.number;
            if [format!(".1:{n}"), format!("]:{n}"), format!("port {n}")]
                .iter()
                .any(|shown| text.contains(shown.as_str()))
            {
                failures.push(format!("{} / port / {sink}", source.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
