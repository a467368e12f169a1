//! docs/SECURITY.md I4 as a table: every source of a secret (and a value
//! a template computed from one) × every text sshfleet shows or stores. A secret flows into other values (a port, a
//! user, a ProxyCommand, an ssh option) and into what the appliance
//! prints; wherever it lands, the text holds `***`, never the value.

use std::path::Path;
use std::time::Duration;

use sshfleet_sim::AsyncOsProfile;

use crate::ask_pass::password_only_lab;
use crate::support::sshfleet_cmd;

/// The login password of every lab here.
const LOGIN: &str = "L0gin-Pw-9x";

/// Where a secret comes from: its name, the inventory lines that define
/// it, the Jinja expression that reads it, the environment it needs, and
/// whether its value is written in the inventory (so `inventory --list`
/// could quote it elsewhere).
struct Source {
    name: &'static str,
    value: &'static str,
    defines: &'static str,
    reads: &'static str,
    env: &'static [(&'static str, &'static str)],
    written: bool,
}

/// The decrypted text of `tests/inventories/vault/secret.vault`.
const VAULT_VALUE: &str = "s3cret-pw";

fn sources() -> Vec<Source> {
    let vault = include_str!("../inventories/vault/secret.vault");
    let indented: String = vault.lines().map(|l| format!("        {l}\n")).collect();
    let vault_lines: &'static str =
        Box::leak(format!("      banner: !vault |\n{indented}").into_boxed_str());
    vec![
        Source {
            name: "login password",
            value: LOGIN,
            defines: "      ansible_password: L0gin-Pw-9x\n",
            reads: "ansible_password",
            env: &[],
            written: true,
        },
        Source {
            name: "vault value",
            value: VAULT_VALUE,
            defines: vault_lines,
            reads: "banner",
            env: &[],
            written: false,
        },
        Source {
            name: "secret-named variable",
            value: "Tok4-Secret-7q",
            defines: "      my_api_token: Tok4-Secret-7q\n",
            reads: "my_api_token",
            env: &[],
            written: true,
        },
        Source {
            name: "environment password",
            value: "Env-Pw-5521z",
            defines: "      my_admin: \"{{ lookup('env', 'ESA_ADMIN_PW') }}\"\n      sshfleet_password_env: ESA_ADMIN_PW\n",
            reads: "my_admin",
            env: &[("ESA_ADMIN_PW", "Env-Pw-5521z")],
            written: false,
        },
        // A value computed from a secret is a secret (issue 25): the
        // vault value's first six characters, upper-cased.
        Source {
            name: "derived from a secret",
            value: "S3CRET",
            defines: vault_lines,
            reads: "banner[0:6] | upper",
            env: &[],
            written: false,
        },
    ]
}

fn text_of(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn sshfleet(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::time::timeout(Duration::from_secs(120), sshfleet_cmd(&args, env))
        .await
        .unwrap_or_else(|_| panic!("sshfleet {args:?} did not return"))
}

/// Hosts that put `source`'s secret into connection values: its port, its
/// user and key file, an ssh option, a ProxyCommand; and, where the value
/// is written, a plain variable holding it.
fn inventory_text(source: &Source) -> String {
    let r = source.reads;
    let mut text = String::from("all:\n  vars:\n    ansible_host: 127.0.0.1\n  hosts:\n");
    for (host, uses) in [
        (
            "in-port",
            format!("      ansible_port: \"{{{{ {r} }}}}\"\n"),
        ),
        (
            "in-user",
            format!(
                "      ansible_user: \"{{{{ {r} }}}}\"\n      ansible_ssh_private_key_file: \"/keys/{{{{ {r} }}}}\"\n"
            ),
        ),
        (
            "in-option",
            format!("      ansible_ssh_common_args: \"-o ConnectTimeout={{{{ {r} }}}}\"\n"),
        ),
        (
            "in-proxy",
            format!(
                "      ansible_ssh_common_args: \"-o ProxyCommand='nc -X {{{{ {r} }}}} %h %p'\"\n"
            ),
        ),
    ] {
        text.push_str(&format!("    {host}:\n{}{uses}", source.defines));
        if source.written {
            text.push_str(&format!("      motd: \"today: {}\"\n", source.value));
        }
    }
    text
}

/// The sinks of the `inventory` command, each as (sink, text).
async fn inventory_sinks(dir: &Path, source: &Source) -> Vec<(String, String)> {
    let file: String = source
        .reads
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let inventory = dir.join(format!("{file}.yaml"));
    std::fs::write(&inventory, inventory_text(source)).unwrap();
    let pass_file = dir.join("vault-pass");
    std::fs::write(&pass_file, "test-vault-password\n").unwrap();
    let (inv, pass) = (inventory.to_str().unwrap(), pass_file.to_str().unwrap());
    let common = ["-i", inv, "--vault-password-file", pass, "-F", "none"];
    let mut sinks = Vec::new();
    for (sink, extra) in [
        ("error of `inventory -l in-port`", &["-l", "in-port"][..]),
        (
            "error of `inventory -l in-option`",
            &["-l", "in-option"][..],
        ),
        ("`inventory` lines", &["-l", "in-user,in-proxy"][..]),
        ("`inventory --json`", &["--json"][..]),
        ("`inventory --list`", &["--list"][..]),
        (
            "error of `run`",
            &["-l", "in-port", "--check", "--no-progress"][..],
        ),
    ] {
        let mut args = if sink.contains("`run`") {
            vec!["run", "esa-ecupdate"]
        } else {
            vec!["inventory"]
        };
        args.extend(common);
        args.extend(extra);
        let out = sshfleet(&args, source.env).await;
        sinks.push((sink.to_string(), text_of(&out)));
    }
    sinks
}

/// The sinks of a run whose appliance prints the secret back (a playbook
/// types it at the CLI): the terminal, the JSON log, the report, the HTML
/// page, the transcript and the recording.
async fn run_sinks(source: &Source) -> Vec<(String, String)> {
    let mut vars = String::from(source.defines);
    if source.reads != "ansible_password" {
        vars.push_str(&format!("      ansible_password: {LOGIN}\n"));
    }
    vars.push_str(&format!("      probe: \"{{{{ {} }}}}\"\n", source.reads));
    let lab = password_only_lab(AsyncOsProfile::healthy("esa01.example.com"), LOGIN, &vars).await;
    let dir = lab.dir.path();
    let pass_file = dir.join("vault-pass");
    std::fs::write(&pass_file, "test-vault-password\n").unwrap();
    let playbook = dir.join("type-probe.yaml");
    std::fs::write(
        &playbook,
        crate::threat_model::token_playbook_text().replace("api_token", "probe"),
    )
    .unwrap();
    let (transcripts, record, html) = (dir.join("tr"), dir.join("rec"), dir.join("r.html"));
    let mut args = lab.run_args(&[
        "--log-format",
        "json",
        "-F",
        "none",
        "--vault-password-file",
        pass_file.to_str().unwrap(),
        "--transcripts",
        transcripts.to_str().unwrap(),
        "--record",
        record.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    args[1] = playbook.display().to_string();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sshfleet(&args, source.env).await;
    let read =
        |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{e}: {}", text_of(&out)));
    vec![
        (
            "terminal".into(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
        (
            "JSON log".into(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        ("report".into(), read(&lab.report)),
        ("HTML".into(), read(&html)),
        (
            "transcript".into(),
            read(&transcripts.join("esa01.example.com.log")),
        ),
        (
            "recording".into(),
            read(&record.join("esa01.example.com.jsonl")),
        ),
    ]
}

/// Sinks that cannot hold a source's value at all: `inventory --list`
/// shows templates as written, so a value read from a vault or the
/// environment never reaches it.
fn cannot_hold(source: &Source, sink: &str) -> bool {
    sink == "`inventory --list`" && !source.written
}

#[tokio::test(flavor = "multi_thread")]
async fn every_secret_source_is_masked_in_every_sink() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for source in sources() {
        let mut sinks = inventory_sinks(dir.path(), &source).await;
        sinks.extend(run_sinks(&source).await);
        assert_eq!(sinks.len(), 12, "{}: a sink is missing", source.name);
        for (sink, text) in sinks {
            if text.contains(source.value) {
                failures.push(format!("{} in clear in {sink}:\n{text}", source.name));
            } else if !cannot_hold(&source, &sink) && !text.contains("***") {
                // Masked, not missing: the value did reach this sink.
                failures.push(format!("{}: no *** in {sink}:\n{text}", source.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Passwords with a control inside, each as the appliance echoes it: a
/// tab, a colour change, a carriage return, DEL, a C1 (NEL), and a plain
/// password the host echoes with an 8-bit CSI inside (which a terminal
/// hides, as it does `ESC [`).
const CONTROL_PASSWORDS: [(&str, &str); 7] = [
    ("Tab\tPw456x", "Tab\tPw456x"),
    ("PtyPw\u{1b}[31m123", "PtyPw\u{1b}[31m123"),
    ("Cr\rPw789xy", "Cr\rPw789xy"),
    ("De\u{7f}lPw3zz", "De\u{7f}lPw3zz"),
    ("Ce\u{85}lPw4yy", "Ce\u{85}lPw4yy"),
    ("Hunter2Secret", "Hun\u{9b}1mter2Secret"),
    ("Hunter2Plain", "Hunter2Plain"),
];

/// What of `password` no text may hold: the password itself, as JSON and
/// as the console escapes it, and each run of at least four characters
/// between its controls (what a terminal leaves of it).
fn revealing_forms(password: &str) -> Vec<String> {
    let mut forms = vec![
        password.to_string(),
        serde_json::to_string(password)
            .unwrap()
            .trim_matches('"')
            .to_string(),
        password.escape_debug().to_string(),
    ];
    forms.extend(
        password
            .split(char::is_control)
            .filter(|run| run.chars().count() >= 4)
            .map(str::to_string),
    );
    // `Hun` + `ter2Secret`: what is left once the host's CSI is hidden.
    forms.push(password.chars().skip(3).collect());
    forms
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_with_controls_echoed_by_the_appliance_is_masked_in_every_stored_text() {
    let lab =
        crate::support::Lab::start(vec![crate::support::broken_quick("esa01.example.com")]).await;
    let recorded = lab.dir.path().join("recorded");
    let run = lab
        .run(&["--check", "--record", recorded.to_str().unwrap()])
        .await;
    assert!(
        recorded.join("esa01.example.com.jsonl").exists(),
        "{}",
        run.explain()
    );
    let original = std::fs::read_to_string(recorded.join("esa01.example.com.jsonl")).unwrap();
    let mut failures = Vec::new();
    for (i, (password, echo)) in CONTROL_PASSWORDS.iter().enumerate() {
        let dir = lab.dir.path().join(format!("case{i}"));
        let recordings = dir.join("R");
        std::fs::create_dir_all(&recordings).unwrap();
        // The appliance quotes the password in the line a finding cites.
        let quoted = serde_json::to_string(&format!("Invalid Certificate. pw={echo} end")).unwrap();
        let text = original.replace("Invalid Certificate.", quoted.trim_matches('"'));
        assert_ne!(text, original);
        std::fs::write(recordings.join("esa01.example.com.jsonl"), text).unwrap();
        let (_sim, files) = crate::replay::replay(&dir, &recordings, &[]);
        let passwords = dir.join("pw.yaml");
        // A YAML double-quoted scalar: Ansible's reader refuses raw
        // control characters (DEL too), so every one is escaped.
        let quoted: String = password
            .chars()
            .map(|c| match c {
                '"' | '\\' => format!("\\{c}"),
                c if c.is_control() => format!("\\u{:04x}", u32::from(c)),
                c => c.to_string(),
            })
            .collect();
        let yaml = format!("all:\n  vars:\n    ansible_password: \"{quoted}\"\n");
        std::fs::write(&passwords, yaml).unwrap();
        let sinks = run_into_every_sink(&dir, &files, &passwords).await;
        // The appliance did echo it: masked, not missing (in the report
        // too, but where a carriage return hid the line the finding
        // looks for).
        assert!(
            sinks[3].1.contains("pw=*** end"),
            "{password:?}: {}",
            sinks[3].1
        );
        if !password.contains('\r') {
            assert!(
                sinks[1].1.contains("*** end"),
                "{password:?}: {}",
                sinks[1].1
            );
        }
        for (sink, text) in &sinks {
            for form in revealing_forms(password) {
                if text.contains(&form) {
                    failures.push(format!("{password:?}: {form:?} in {sink}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// docs/SECURITY.md I4, short secrets: a vault value or a secret-named
/// value of one to three characters is too short to be searched for in
/// every text, so it is masked where it stands, as a whole field: the
/// user and address of `inventory`, `--json`, `--list`, and what a run
/// shows and stores of its host.
#[tokio::test(flavor = "multi_thread")]
async fn a_short_secret_is_masked_by_field_in_every_sink() {
    let vault = |plain: &str| -> String {
        crate::secret_errors::vault_encrypt(plain, "test-vault-password")
            .lines()
            .map(|l| format!("        {l}\n"))
            .collect()
    };
    let dir = tempfile::tempdir().unwrap();
    let pass = dir.path().join("vault-pass");
    std::fs::write(&pass, "test-vault-password\n").unwrap();
    // Each host: its inventory lines, and the short secret it shows.
    let hosts = [
        (
            "vault-user",
            format!("      ansible_user: !vault |\n{}", vault("Qz7")),
            "Qz7",
        ),
        (
            "vault-addr",
            format!("      ansible_host: !vault |\n{}", vault("zq9")),
            "zq9",
        ),
        ("file-user", String::new(), "Xw4"),
        ("named", "      db_pass: K8v\n".to_string(), "K8v"),
    ];
    let mut text = String::from("all:\n  hosts:\n");
    for (host, vars, _) in &hosts {
        text.push_str(&format!("    {host}:\n{vars}"));
    }
    let inventory = dir.path().join("short.yaml");
    std::fs::write(&inventory, text).unwrap();
    let host_vars = dir.path().join("host_vars");
    std::fs::create_dir(&host_vars).unwrap();
    std::fs::write(
        host_vars.join("file-user.yaml"),
        crate::secret_errors::vault_encrypt("ansible_user: Xw4\n", "test-vault-password"),
    )
    .unwrap();
    let (inv, pass) = (inventory.to_str().unwrap(), pass.to_str().unwrap());
    let mut failures = Vec::new();
    for extra in [&[][..], &["--json"][..], &["--list"][..]] {
        let mut args = vec![
            "inventory",
            "-i",
            inv,
            "--vault-password-file",
            pass,
            "-F",
            "none",
        ];
        args.extend(extra);
        let out = sshfleet(&args, &[]).await;
        let shown = text_of(&out);
        assert_eq!(out.status.code(), Some(0), "{shown}");
        for (host, _, value) in &hosts {
            // `inventory` lines and `--json` show no variable but the
            // connection's: a secret-named one is only in `--list`.
            let held = *host != "named" || extra == ["--list"];
            if shown.contains(value) || (held && !shown.contains("***")) {
                failures.push(format!("{host} in `inventory {extra:?}`:\n{shown}"));
            }
        }
    }
    // A run: the user of the one host is a short vault value.
    let vars = format!("      ansible_user: !vault |\n{}", vault("Qz7"));
    let lab = password_only_lab(AsyncOsProfile::healthy("esa01.example.com"), LOGIN, &vars).await;
    let vault_pass = lab.dir.path().join("vault-pass");
    std::fs::write(&vault_pass, "test-vault-password\n").unwrap();
    let transcripts = lab.dir.path().join("tr");
    let args = lab.run_args(&[
        "-F",
        "none",
        "--vault-password-file",
        vault_pass.to_str().unwrap(),
        "--transcripts",
        transcripts.to_str().unwrap(),
    ]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = sshfleet(&args, &[]).await;
    let report = std::fs::read_to_string(&lab.report).unwrap_or_default();
    let transcript =
        std::fs::read_to_string(transcripts.join("esa01.example.com.log")).unwrap_or_default();
    for (sink, shown) in [
        ("run's terminal", text_of(&out)),
        ("report", report),
        ("transcript", transcript),
    ] {
        if shown.is_empty() || shown.contains("Qz7") {
            failures.push(format!("run's {sink}:\n{shown}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A plain password the appliance prints back and redraws in part, each
/// way a terminal goes back over text (docs/SECURITY.md I4): a terminal
/// shows `1Sekr1tPw42`, the bytes never spell it.
const REDRAWN_ECHOES: [&str; 5] = [
    "1Sekr1tPwXX\u{8}\u{8}42",
    "1Sekr1tQQ\u{1b}[2DPw42",
    "1Sekr1tPwXX\u{1b}[2D\u{1b}[K42",
    "1Sekr1tPwXX\u{1b}[3D\u{1b}[1C42",
    "QQQQQQQQQQQQ\rInvalid Certificate. pw=1Sekr1tPw42",
];

/// No stored or shown text (terminal, report, HTML, transcript,
/// recording) holds a run of four characters of a password the appliance
/// redrew on the screen, through a replayed appliance as an attacker's
/// recording would drive it; the line is still there, masked.
#[tokio::test(flavor = "multi_thread")]
async fn a_password_redrawn_by_the_appliance_leaves_no_run_of_it_in_any_sink() {
    const PASSWORD: &str = "1Sekr1tPw42";
    let lab =
        crate::support::Lab::start(vec![crate::support::broken_quick("esa01.example.com")]).await;
    let recorded = lab.dir.path().join("recorded");
    let run = lab
        .run(&["--check", "--record", recorded.to_str().unwrap()])
        .await;
    let original = std::fs::read_to_string(recorded.join("esa01.example.com.jsonl"))
        .unwrap_or_else(|e| panic!("{e}: {}", run.explain()));
    let chars: Vec<char> = PASSWORD.chars().collect();
    let runs: Vec<String> = chars.windows(4).map(|w| w.iter().collect()).collect();
    let mut failures = Vec::new();
    for (i, echo) in REDRAWN_ECHOES.iter().enumerate() {
        let dir = lab.dir.path().join(format!("redraw{i}"));
        let recordings = dir.join("R");
        std::fs::create_dir_all(&recordings).unwrap();
        let quoted = serde_json::to_string(&format!("Invalid Certificate. pw={echo} end")).unwrap();
        let text = original.replace("Invalid Certificate.", quoted.trim_matches('"'));
        assert_ne!(text, original);
        std::fs::write(recordings.join("esa01.example.com.jsonl"), text).unwrap();
        let (_sim, files) = crate::replay::replay(&dir, &recordings, &[]);
        let passwords = dir.join("pw.yaml");
        let yaml = format!("all:\n  vars:\n    ansible_password: \"{PASSWORD}\"\n");
        std::fs::write(&passwords, yaml).unwrap();
        let sinks = run_into_every_sink(&dir, &files, &passwords).await;
        // Masked, not missing.
        if !sinks[3].1.contains("pw=*** end") {
            failures.push(format!("{echo:?}: no `pw=*** end` in the transcript"));
        }
        for (sink, text) in &sinks {
            for run in &runs {
                if text.contains(run.as_str()) {
                    failures.push(format!("{echo:?}: {run:?} in {sink}"));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A `--check` run of the replayed host in `files`, its password from
/// `passwords`, into every sink: what the terminal, the report, the HTML
/// page, the transcript and the recording hold, by name.
async fn run_into_every_sink(
    dir: &Path,
    files: &sshfleet_sim::serve::SimFiles,
    passwords: &Path,
) -> [(&'static str, String); 5] {
    let (report, html, tr, rec) = (
        dir.join("r.json"),
        dir.join("r.html"),
        dir.join("tr"),
        dir.join("rec"),
    );
    let lock = dir.join("lock");
    let args = [
        "run",
        "esa-ecupdate",
        "-i",
        files.inventory.to_str().unwrap(),
        "-i",
        passwords.to_str().unwrap(),
        "--known-hosts",
        files.known_hosts.to_str().unwrap(),
        "--check",
        "--no-progress",
        "--report",
        report.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
        "--transcripts",
        tr.to_str().unwrap(),
        "--record",
        rec.to_str().unwrap(),
        "--lock",
        lock.to_str().unwrap(),
    ];
    let out = sshfleet(&args, &[]).await;
    let read =
        |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{e}: {}", text_of(&out)));
    [
        ("terminal", text_of(&out)),
        ("report", read(&report)),
        ("HTML", read(&html)),
        ("transcript", read(&tr.join("esa01.example.com.log"))),
        ("recording", read(&rec.join("esa01.example.com.jsonl"))),
    ]
}
