//! docs/SECURITY.md's invariants, each tried as an attacker would with
//! the binary only: one secret rule and one mask in every output, the
//! engine reading what the host sent, no raw escape from any subcommand,
//! inputs that block or never end refused naming the file, and a
//! recording that is data, never connection settings.

use std::path::Path;
use std::time::Duration;

use sshfleet_sim::AsyncOsProfile;

use crate::ask_pass::password_only_lab;
use crate::hostile::raw_controls;
use crate::support::{Lab, running_in_group, sshfleet_cmd};

const PASSWORD: &str = "Ir0nP0rt-l0gin";
const TOKEN: &str = "tok-7Hq2xZ";

/// A shell playbook that types `{{ api_token }}` at the CLI (the appliance
/// echoes it and quotes it back as an unknown command).
fn token_playbook(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("type-token.yaml");
    std::fs::write(&path, token_playbook_text()).unwrap();
    path
}

pub(crate) fn token_playbook_text() -> &'static str {
    "name: type-token\ndescription: Types a token at the CLI prompt.\n\
         vars:\n  api_token: {type: string, pattern: '[A-Za-z0-9-]+', description: a secret by its name}\n  \
         command_timeout: {type: duration, default: 30s, description: per command}\n  \
         login_timeout: {type: duration, default: 30s, description: to the prompt}\n\
         shell:\n  prompt: '^[A-Za-z0-9][A-Za-z0-9._-]*> ?$'\n  command_timeout: command_timeout\n  \
         login_timeout: login_timeout\n  exit_command: exit\n\
         steps:\n  - name: Type the token\n    run: '{{ api_token }}'\n    expect: 'never printed'\n"
}

async fn bounded(args: &[String], env: &[(&str, &str)]) -> std::process::Output {
    tokio::time::timeout(Duration::from_secs(120), sshfleet_cmd(args, env))
        .await
        .unwrap_or_else(|_| panic!("sshfleet {args:?} did not return"))
}

fn text_of(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir`, as text.
fn files_under(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        out.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap(),
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn inventory_list_report_transcripts_and_recordings_mask_the_same_values() {
    let lab = password_only_lab(
        AsyncOsProfile::healthy("esa01.example.com"),
        PASSWORD,
        &format!("      ansible_password: {PASSWORD}\n      api_token: {TOKEN}\n"),
    )
    .await;
    // inventory --list: both masked, with the one mask.
    let args: Vec<String> = ["inventory", "--list", "-i", lab.inventory.to_str().unwrap()]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let out = bounded(&args, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let vars = &list["_meta"]["hostvars"]["esa01.example.com"];
    assert_eq!(vars["ansible_password"], "***", "{list}");
    assert_eq!(vars["api_token"], "***", "{list}");

    // A run that types the token, given again with -e: the report masks
    // the -e value, and no output holds the token or the password.
    let transcripts = lab.dir.path().join("transcripts");
    let record = lab.dir.path().join("record");
    let mut args = lab.run_args(&[
        "--no-progress",
        "-F",
        "none",
        "--transcripts",
        transcripts.to_str().unwrap(),
        "--record",
        record.to_str().unwrap(),
        "-e",
        &format!("api_token={TOKEN}"),
    ]);
    args[1] = token_playbook(lab.dir.path()).display().to_string();
    let out = bounded(&args, &[]).await;
    let report =
        std::fs::read_to_string(&lab.report).unwrap_or_else(|e| panic!("{e}: {}", text_of(&out)));
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(json["extra_vars"]["api_token"], "***", "{report}");
    let mut outputs = vec![
        ("terminal".to_string(), text_of(&out)),
        ("report".to_string(), report),
    ];
    outputs.extend(files_under(&transcripts));
    outputs.extend(files_under(&record));
    assert!(outputs.len() >= 4, "{outputs:?}");
    // The appliance did echo the token: it was masked, not missing.
    assert!(
        outputs
            .iter()
            .any(|(_, t)| t.contains("Unknown command") && t.contains("***")),
        "{outputs:?}"
    );
    for (what, text) in &outputs {
        assert!(!text.contains(TOKEN), "token in {what}: {text}");
        assert!(!text.contains(PASSWORD), "password in {what}: {text}");
    }
}

/// Secret values only the inventory holds (a secret name, a `!vault`),
/// printed by the appliance when a playbook types them: transcripts and
/// recordings mask each, as `inventory --list` does.
#[tokio::test(flavor = "multi_thread")]
async fn transcripts_and_recordings_mask_secret_named_and_vault_values() {
    let vault = include_str!("../inventories/vault/secret.vault");
    let indented: String = vault.lines().map(|l| format!("        {l}\n")).collect();
    // name, value: each secret by its name (or a vault), none by the old rule.
    let secrets = [
        ("mypasswd", "pw-Zq81w"),
        ("my_credential", "cr-Kx22v"),
        ("sshkey", "sk-Lm93u"),
        ("Password_Hint", "hint-Pp44t"),
    ];
    let mut vars = format!("      ansible_password: {PASSWORD}\n");
    for (name, value) in secrets {
        vars.push_str(&format!("      {name}: {value}\n"));
    }
    vars.push_str(&format!("      banner_text: !vault |\n{indented}"));
    vars.push_str(
        "      probe: \"{{ mypasswd }} {{ my_credential }} {{ sshkey }} {{ Password_Hint }} {{ banner_text }}\"\n",
    );
    let lab = password_only_lab(
        AsyncOsProfile::healthy("esa01.example.com"),
        PASSWORD,
        &vars,
    )
    .await;
    let pass_file = lab.dir.path().join("vault-pass");
    std::fs::write(&pass_file, "test-vault-password\n").unwrap();
    let playbook = lab.dir.path().join("type-probe.yaml");
    std::fs::write(
        &playbook,
        token_playbook_text()
            .replace("api_token", "probe")
            .replace("'[A-Za-z0-9-]+'", "'[A-Za-z0-9 -]+'"),
    )
    .unwrap();
    let transcripts = lab.dir.path().join("transcripts");
    let record = lab.dir.path().join("record");
    let mut args = lab.run_args(&[
        "--no-progress",
        "-F",
        "none",
        "--vault-password-file",
        pass_file.to_str().unwrap(),
        "--transcripts",
        transcripts.to_str().unwrap(),
        "--record",
        record.to_str().unwrap(),
    ]);
    args[1] = playbook.display().to_string();
    let out = bounded(&args, &[]).await;
    let mut outputs = files_under(&transcripts);
    outputs.extend(files_under(&record));
    assert!(outputs.len() >= 2, "{outputs:?}\n{}", text_of(&out));
    // The appliance did print the probe: masked, not missing (the probe,
    // computed from secrets, is itself a secret: one mask for all five).
    assert!(
        outputs.iter().all(|(_, t)| t.contains("key: ***")),
        "{outputs:?}\n{}",
        text_of(&out)
    );
    for (what, text) in &outputs {
        for value in secrets
            .iter()
            .map(|(_, v)| *v)
            .chain(["s3cret-pw", PASSWORD])
        {
            assert!(!text.contains(value), "{value} in {what}: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_engine_reads_the_prompt_even_when_the_password_is_in_it() {
    // A weak password that is also the appliance's name: the prompt
    // `esa01.example.com> ` must still be recognised (redaction is for
    // what leaves the session, never for what the engine matches).
    let lab = password_only_lab(
        AsyncOsProfile::healthy("esa01.example.com"),
        "esa01",
        "      sshfleet_password_env: ESA_PASSWORD\n",
    )
    .await;
    let transcripts = lab.dir.path().join("transcripts");
    let mut args = lab.run_args(&[
        "--no-progress",
        "--check",
        "-F",
        "none",
        "--transcripts",
        transcripts.to_str().unwrap(),
    ]);
    args.extend(["-e".to_string(), "login_timeout=10s".to_string()]);
    let out = bounded(&args, &[("ESA_PASSWORD", "esa01")]).await;
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.report).unwrap()).unwrap();
    let host = &report["hosts"][0];
    assert_eq!(host["status"], "ok", "{host}\n{}", text_of(&out));
    let transcript = std::fs::read_to_string(transcripts.join("esa01.example.com.log")).unwrap();
    assert!(transcript.contains("***.example.com> "), "{transcript}");
}

/// `report` with `hostile` inserted into every text a report holds.
fn poison(value: &mut serde_json::Value, hostile: &str) {
    use serde_json::Value as J;
    match value {
        J::String(s) => s.push_str(hostile),
        J::Array(items) => items.iter_mut().for_each(|v| poison(v, hostile)),
        J::Object(map) => {
            for (key, v) in map.iter_mut() {
                // Typed fields stay readable: the rest is hostile.
                if !matches!(
                    key.as_str(),
                    "status" | "result" | "started_at" | "finished_at" | "severity"
                ) {
                    poison(v, hostile);
                }
            }
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_subcommand_prints_a_raw_escape_from_its_inputs() {
    const HOSTILE: &str = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{7f}\u{202e}x\u{2066}\u{2028}";
    let lab = Lab::start(vec![AsyncOsProfile::broken("esa01.example.com")]).await;
    let run = lab.run(&["--check"]).await;
    let mut report = run.report.clone().unwrap();
    poison(&mut report, HOSTILE);
    if let Some(vars) = report["extra_vars"].as_object_mut() {
        vars.insert("x".to_string(), HOSTILE.into());
    }
    report["inventory"] = serde_json::json!([format!("inv{HOSTILE}.yaml")]);
    let dir = lab.dir.path();
    let hostile_report = dir.join("hostile.json");
    std::fs::write(&hostile_report, report.to_string()).unwrap();
    let inventory = dir.join("hostile-inventory.yaml");
    std::fs::write(
        &inventory,
        "all:\n  hosts:\n    \"esa\\e[2J\\u009b\\u202e01\":\n      ansible_host: 127.0.0.1\n      \
         note: \"\\e]0;owned\\a \\u009b2J\\u2069\"\n  children:\n    \"grp\\e[31m\\u200f\":\n      hosts:\n        \
         \"esa\\e[2J\\u009b\\u202e01\": {}\n",
    )
    .unwrap();
    // Names as they are, hostile values: `--list` prints them as JSON.
    let values = dir.join("hostile-values.yaml");
    std::fs::write(
        &values,
        "all:\n  hosts:\n    esa01:\n      ansible_host: 127.0.0.1\n      \
         ansible_user: \"adm\\u009bin\\u202e\"\n      \
         note: \"\\e]0;owned\\a \\u009b2J \\x7f\\u202e\\u2029\"\n",
    )
    .unwrap();
    let playbook = dir.join("hostile-playbook.yaml");
    std::fs::write(
        &playbook,
        "name: \"evil\\e[2J\"\ndescription: \"\\u009b31m\"\nsteps:\n  - name: \"x\\e]0;t\\a\"\n    run: show\n    expect: \"(\\e[\"\n",
    )
    .unwrap();
    let p = |p: &Path| p.display().to_string();
    let merged = dir.join("merged.json");
    let commands: Vec<Vec<String>> = vec![
        vec!["report".into(), "show".into(), p(&hostile_report)],
        vec![
            "report".into(),
            "diff".into(),
            p(&lab.report),
            p(&hostile_report),
        ],
        vec![
            "report".into(),
            "merge".into(),
            p(&hostile_report),
            "--out".into(),
            p(&merged),
        ],
        vec!["inventory".into(), "-i".into(), p(&inventory)],
        vec![
            "inventory".into(),
            "--list".into(),
            "-i".into(),
            p(&inventory),
        ],
        vec!["playbook".into(), "validate".into(), p(&playbook)],
        vec!["inventory".into(), "--list".into(), "-i".into(), p(&values)],
        vec!["inventory".into(), "--json".into(), "-i".into(), p(&values)],
    ];
    for args in commands {
        let out = bounded(&args, &[]).await;
        let text = text_of(&out);
        assert_ne!(out.status.code(), Some(101), "{args:?} panicked: {text}");
        if args[1] == "show" || args[1] == "merge" {
            // The hostile report is read and shown, not refused as unreadable.
            assert_eq!(out.status.code(), Some(0), "{args:?}: {text}");
        }
        assert!(!text.contains("panicked"), "{args:?}: {text}");
        assert_eq!(
            raw_controls(&text),
            Vec::<char>::new(),
            "{args:?}: {text:?}"
        );
        if args[1] == "merge" {
            // The merged file is escaped as `run --report` writes one:
            // nothing raw from the hostile input, still the same report.
            let file = std::fs::read_to_string(&merged).unwrap();
            assert_eq!(raw_controls(&file), Vec::<char>::new(), "{file:?}");
            let json: serde_json::Value = serde_json::from_str(&file).unwrap();
            assert!(
                json["inventory"][0].as_str().unwrap().contains("\\u{202e}"),
                "{json}"
            );
        }
        if args[1] == "--list" && args[3] == p(&values) {
            // Still JSON, the same values.
            assert_eq!(out.status.code(), Some(0), "{text}");
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(
                json["_meta"]["hostvars"]["esa01"]["note"],
                "\u{1b}]0;owned\u{7} \u{9b}2J \u{7f}\u{202e}\u{2029}"
            );
        }
        if args[1] == "--json" {
            // JSON that parses, with the same value (no `\u{9b}` text); a
            // user with control characters is one ssh refuses on its
            // command line, so the host is refused, quoting it.
            assert_eq!(out.status.code(), Some(5), "{text}");
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            let error = json[0]["error"].as_str().unwrap_or_default();
            assert!(error.contains("adm\u{9b}in\u{202e}"), "{json}");
        }
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn inputs_that_block_or_never_end_are_refused_naming_the_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("user.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let inventory = dir.path().join("inventory.yaml");
    std::fs::write(
        &inventory,
        format!(
            "all:\n  hosts:\n    esa01.example.com:\n      ansible_user: \"{{{{ lookup('file', '{}') }}}}\"\n",
            fifo.display()
        ),
    )
    .unwrap();
    let script = dir.path().join("endless.sh");
    std::fs::write(&script, "#!/bin/sh\nyes '{}'\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cases = [
        (&inventory, fifo.display().to_string(), "not a regular file"),
        (
            &script,
            script.display().to_string(),
            "printed more than 4096 bytes",
        ),
    ];
    for (input, names, says) in cases {
        let args: Vec<String> = ["inventory", "-i", input.to_str().unwrap()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = bounded(&args, &[("SSHFLEET_MAX_INPUT_BYTES", "4096")]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{names}: {stderr}");
        assert!(
            stderr.contains(&names) && stderr.contains(says),
            "{names}: {stderr}"
        );
    }
}

/// A file `lookup('file')` reads is bounded by what a template may render
/// (64 KiB), not only by the input bound (64 MiB): a 60 MB file measured
/// by `| length` on every host took seconds and gigabytes per host. At
/// the bound it is read; one byte over, or 60 MB, the host is refused,
/// naming the file and the bound.
#[tokio::test(flavor = "multi_thread")]
async fn a_lookup_larger_than_a_template_may_render_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    for (size, refused) in [(65_536u64, false), (65_537, true), (60_000_000, true)] {
        let file = dir.path().join(format!("big{size}.txt"));
        std::fs::write(&file, "a".repeat(size.min(65_537) as usize)).unwrap();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&file)
            .unwrap()
            .set_len(size)
            .unwrap();
        let inventory = dir.path().join("inventory.yaml");
        std::fs::write(
            &inventory,
            format!(
                "all:\n  hosts:\n    h1:\n      ansible_user: \"u{{{{ lookup('file', '{}') | length }}}}\"\n",
                file.display()
            ),
        )
        .unwrap();
        let args: Vec<String> = ["inventory", "-i", inventory.to_str().unwrap()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let out = bounded(&args, &[]).await;
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if refused {
            assert_eq!(out.status.code(), Some(5), "{size}: {all}");
            assert!(
                all.contains(&file.display().to_string())
                    && all.contains("larger than 65536 bytes, the most a template may render"),
                "{size}: {all}"
            );
        } else {
            assert_eq!(out.status.code(), Some(0), "{size}: {all}");
            assert!(all.contains("user=u65536"), "{size}: {all}");
        }
    }
}

/// A file of the kernel's pseudo-filesystems is no input, whatever leads
/// there: an inventory directory holding a link to `/proc/self/environ`
/// (or `-i` naming it, or an ssh_config `Include` of it) would carry every
/// environment variable, `ESA_PASSWORD` included, into the listing and the
/// report (round 8: `fstat` calls it a regular file).
#[tokio::test(flavor = "multi_thread")]
async fn kernel_files_are_no_input_whatever_link_leads_there() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv");
    std::fs::create_dir(&inv).unwrap();
    std::fs::write(inv.join("a.ini"), "[g]\nh1\n").unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", inv.join("zz.ini")).unwrap();
    let config = dir.path().join("ssh_config");
    std::fs::write(&config, "Include /proc/self/environ\n").unwrap();
    let env = [("ESA_PASSWORD", "TopSecretEnv1")];
    let one_file = inv.join("a.ini");
    let lock = dir.path().join("lock");
    let cases: [Vec<&str>; 4] = [
        vec!["inventory", "-i", inv.to_str().unwrap(), "-F", "none"],
        vec!["inventory", "-i", "/proc/self/environ", "-F", "none"],
        // Before any host (round 9: each host was refused after connecting).
        vec![
            "run",
            "esa-ecupdate",
            "-i",
            one_file.to_str().unwrap(),
            "-F",
            "none",
            "--known-hosts",
            "/proc/self/environ",
            "--lock",
            lock.to_str().unwrap(),
        ],
        vec![
            "inventory",
            "-i",
            one_file.to_str().unwrap(),
            "-F",
            config.to_str().unwrap(),
        ],
    ];
    for args in cases {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let out = bounded(&args, &env).await;
        let all = text_of(&out);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {all}");
        assert!(!all.contains("TopSecretEnv1"), "{args:?}: {all}");
        assert!(
            all.contains("a file of the kernel's procfs"),
            "{args:?}: {all}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recording_header_never_becomes_a_connection_setting() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let record = lab.dir.path().join("record");
    let run = lab
        .run(&["--check", "--record", record.to_str().unwrap()])
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    let file = record.join("esa01.example.com.jsonl");
    let text = std::fs::read_to_string(&file).unwrap();
    let (header, rest) = text.split_once('\n').unwrap();
    let marker = lab.dir.path().join("executed");
    let mut header: serde_json::Value = serde_json::from_str(header).unwrap();
    header["vars"]["ansible_ssh_common_args"] =
        format!("-o ProxyCommand='touch {}'", marker.display()).into();
    std::fs::write(&file, format!("{header}\n{rest}")).unwrap();
    for command in [
        vec!["playbook", "test", "esa-ecupdate", "--replay"],
        vec!["demo", "--replay"],
    ] {
        let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
        args.push(record.display().to_string());
        let out = bounded(&args, &[]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{args:?}: {}", text_of(&out));
        assert!(
            stderr.contains(&format!("{}:1: header: variable", file.display()))
                && stderr.contains("ansible_ssh_common_args"),
            "{stderr}"
        );
        assert!(!marker.exists(), "the recording's command was run");
    }
}

/// A "billion laughs" of `levels` levels of ten aliases (393 bytes at 7).
fn alias_bomb(indent: &str, levels: usize) -> String {
    let mut text = format!("{indent}a0: &a0 \"lol\"\n");
    for i in 1..=levels {
        let aliases = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("{indent}a{i}: &a{i} [{aliases}]\n"));
    }
    text
}

/// `levels` block mappings (`k:`), one inside the other.
fn deep_blocks(indent: usize, levels: usize) -> String {
    (0..levels)
        .map(|i| format!("{}k:\n", " ".repeat(indent + i)))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn yaml_alias_bombs_and_deep_block_nesting_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    };
    let host = "all:\n  hosts:\n    esa01.example.com:\n";
    let mut cases = Vec::new();
    for levels in [7, 10] {
        let bomb = write(
            &format!("bomb{levels}.yaml"),
            format!(
                "{host}      ansible_user: admin\n{}",
                alias_bomb("      ", levels)
            ),
        );
        cases.push((vec!["inventory", "-i"], bomb, "aliases"));
    }
    for levels in [2000, 3000] {
        let deep = write(
            &format!("deep{levels}.yaml"),
            format!("all:\n  vars:\n{}", deep_blocks(4, levels)),
        );
        cases.push((vec!["inventory", "-i"], deep, "nested deeper than"));
    }
    write("gv_bomb/hosts.yaml", host.to_string());
    let gv_bomb = write("gv_bomb/group_vars/all.yaml", alias_bomb("", 7));
    write("gv_deep/hosts.yaml", host.to_string());
    let gv_deep = write("gv_deep/group_vars/all.yaml", deep_blocks(0, 2000));
    let playbook = write(
        "playbook.yaml",
        format!("name: deep\nvars:\n{}", deep_blocks(2, 3000)),
    );
    let playbook_bomb = write("playbook_bomb.yaml", alias_bomb("", 10));
    for (args, path, says) in cases {
        let out = bounded(
            &[args[0], args[1], path.to_str().unwrap()].map(String::from),
            &[],
        )
        .await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{}: {stderr}", path.display());
        assert!(
            stderr.contains(path.to_str().unwrap()) && stderr.contains(says),
            "{stderr}"
        );
    }
    for (inventory, file, says) in [
        (dir.path().join("gv_bomb/hosts.yaml"), gv_bomb, "aliases"),
        (
            dir.path().join("gv_deep/hosts.yaml"),
            gv_deep,
            "nested deeper than",
        ),
    ] {
        let args = ["inventory", "-i", inventory.to_str().unwrap(), "--list"].map(String::from);
        let out = bounded(&args, &[]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{}: {stderr}", file.display());
        assert!(
            stderr.contains("all.yaml") && stderr.contains(says),
            "{stderr}"
        );
    }
    for (file, says) in [(playbook, "nested deeper than"), (playbook_bomb, "aliases")] {
        let args = ["playbook", "validate", file.to_str().unwrap()].map(String::from);
        let out = bounded(&args, &[]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{}: {stderr}", file.display());
        assert!(
            stderr.contains(file.to_str().unwrap()) && stderr.contains(says),
            "{stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inventory_script_and_its_group_end_with_sshfleet_on_a_signal() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    for (signal, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let pid_file = dir.path().join(format!("{signal}.pid"));
        let script = dir.path().join(format!("hang-{signal}.sh"));
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\necho $$ > {}\nsleep 600 &\nsleep 600 &\nwait\n",
                pid_file.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"))
            .args(["inventory", "-i", script.to_str().unwrap()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        // The script has started (it wrote its pid, which leads its group).
        let mut group = None;
        for _ in 0..600 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if let Some(pid) = std::fs::read_to_string(&pid_file)
                .ok()
                .and_then(|t| t.trim().parse::<u32>().ok())
            {
                group = Some(pid);
                break;
            }
        }
        let group = group.expect("the inventory script never started");
        tokio::time::sleep(Duration::from_secs(1)).await;
        let sent = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().unwrap().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
            .await
            .expect("sshfleet did not stop on the signal")
            .unwrap();
        assert_eq!(status.code(), Some(code), "SIG{signal}");
        // Killed processes leave the process table once reaped.
        let mut left = running_in_group(group);
        for _ in 0..100 {
            if left.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            left = running_in_group(group);
        }
        // Whatever is left is not left behind by this test.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status();
        assert!(left.is_empty(), "SIG{signal}: still running: {left:?}");
    }
}

/// A usage error quotes the argument clap refused: escaped, never raw;
/// help and the version are printed as they were, exit codes unchanged.
#[tokio::test(flavor = "multi_thread")]
async fn a_usage_error_quotes_the_refused_argument_escaped() {
    let args: Vec<String> = [
        "run",
        "esa-ecupdate",
        "--shard",
        "1\u{1b}]0;X\u{7}\u{202e}/2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = bounded(&args, &[]).await;
    let text = text_of(&out);
    assert_eq!(out.status.code(), Some(5), "{text}");
    assert_eq!(raw_controls(&text), Vec::<char>::new(), "{text:?}");
    assert!(text.contains("1\\u{202e}/2"), "{text}");
    assert!(text.contains("--shard"), "{text}");
    // Values that are escape sequences from end to end (clap's rendering
    // drops them): the message still names the value, escaped.
    for (args, shown) in [
        (
            vec![
                "run",
                "esa-ecupdate",
                "-i",
                "x",
                "--forks",
                "5\u{1b}[2J\u{1b}[H",
            ],
            "'5\\u{1b}[2J\\u{1b}[H'",
        ),
        (
            vec!["help", "\u{1b}]0;T\u{7}\u{1b}[31mX"],
            "'\\u{1b}]0;T\\u{7}\\u{1b}[31mX'",
        ),
    ] {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let out = bounded(&args, &[]).await;
        let text = text_of(&out);
        assert_eq!(out.status.code(), Some(5), "{text}");
        assert_eq!(raw_controls(&text), Vec::<char>::new(), "{text:?}");
        assert!(text.contains(shown), "{args:?}: {text}");
    }
    for (flag, code) in [("--help", 0), ("--version", 0)] {
        let out = bounded(&[flag.to_string()], &[]).await;
        assert_eq!(out.status.code(), Some(code), "{}", text_of(&out));
        assert!(String::from_utf8_lossy(&out.stdout).contains("sshfleet"));
    }
}

/// docs/SECURITY.md I2 at its one boundary: the program keeps a value as
/// it came, the console escapes it. ESC (`ESC c` resets a terminal), a
/// bidi override and a C1 CSI in
/// an inventory host name (through a run, its debug log, its table and its
/// report), in an ssh_config refusal (`run` and `inventory`), and in a
/// report read back by `report show` reach the terminal escaped; the JSON
/// report file stays valid JSON holding the escaped text the README
/// documents ("Nothing raw from a host").
#[tokio::test(flavor = "multi_thread")]
async fn a_hostile_value_reaches_the_terminal_escaped_at_the_console() {
    const RAW: &str = "esa\u{1b}c\u{202e}\u{9b}31m01";
    const SHOWN: &str = "esa\\u{1b}c\\u{202e}\\u{9b}31m01";
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let port = lab.host("esa01.example.com").addr.port();
    let clean = |what: &str, out: &std::process::Output| {
        let text = text_of(out);
        assert_eq!(raw_controls(&text), Vec::<char>::new(), "{what}: {text:?}");
        assert!(text.contains(SHOWN), "{what}: {text}");
        text
    };

    // An inventory host name, through a run with its debug log.
    lab.write_inventory_of(&[("\"esa\\ec\\u202e\\u009b31m01\"", port)]);
    let args = lab.run_args(&["--no-progress"]);
    let out = bounded(&args, &[("RUST_LOG", "sshfleet=debug")]).await;
    let text = clean("run", &out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains(&format!("host{{name={SHOWN}}}")), "{text}");
    let file = std::fs::read_to_string(&lab.report).unwrap();
    assert_eq!(raw_controls(&file), Vec::<char>::new(), "{file:?}");
    let mut report: serde_json::Value = serde_json::from_str(&file).unwrap();
    assert_eq!(report["hosts"][0]["name"], SHOWN, "{report}");

    // An ssh_config refusal quoting the value, from `run` and `inventory`.
    let config = lab.dir.path().join("ssh_config");
    std::fs::write(&config, "Host *\n  ProxyCommand nc %h %p\n").unwrap();
    let inventory = lab.dir.path().join("proxied.yaml");
    std::fs::write(
        &inventory,
        "all:\n  hosts:\n    web1:\n      ansible_host: \"esa\\ec\\u202e\\u009b31m01;x\"\n",
    )
    .unwrap();
    let (inventory, config) = (
        inventory.display().to_string(),
        config.display().to_string(),
    );
    let mut run = lab.run_args(&["--no-progress", "-F", &config]);
    run[3] = inventory.clone();
    let listing: Vec<String> = ["inventory", "-i", &inventory, "-F", &config]
        .map(str::to_string)
        .to_vec();
    for args in [run, listing] {
        let out = bounded(&args, &[]).await;
        let text = clean(&args[0], &out);
        assert_eq!(out.status.code(), Some(5), "{text}");
        assert!(text.contains("shell metacharacters"), "{text}");
    }

    // A report read back holding the raw value: `report show`, the table
    // and one host's detail.
    report["hosts"][0]["name"] = RAW.into();
    report["hosts"][0]["error"] = format!("refused by {RAW}").into();
    let hostile = lab.dir.path().join("hostile-name.json");
    std::fs::write(&hostile, report.to_string()).unwrap();
    let hostile = hostile.display().to_string();
    for args in [
        vec!["report", "show", &hostile],
        vec!["report", "show", &hostile, "--host", RAW],
    ] {
        let args: Vec<String> = args.into_iter().map(str::to_string).collect();
        let out = bounded(&args, &[]).await;
        let text = clean(&args.join(" "), &out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        if args.len() > 3 {
            assert!(text.contains(&format!("refused by {SHOWN}")), "{text}");
        }
    }
}

/// `-l @FILE` reads a file of host patterns, which is no inventory: a
/// FIFO there is refused (exit 5) in words that name the `--limit` file.
#[tokio::test(flavor = "multi_thread")]
async fn a_limit_file_that_blocks_is_refused_as_the_limit_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("limit.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let inventory = dir.path().join("inventory.yaml");
    std::fs::write(&inventory, "all:\n  hosts:\n    esa01.example.com:\n").unwrap();
    let args: Vec<String> = [
        "inventory",
        "-i",
        inventory.to_str().unwrap(),
        "-l",
        &format!("@{}", fifo.display()),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = bounded(&args, &[]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot read --limit file {}", fifo.display()))
            && !stderr.contains("inventory"),
        "{stderr}"
    );
}

/// docs/SECURITY.md I2: host names that differ only by characters a
/// terminal draws as nothing (zero-width space, BOM, soft hyphen,
/// combining grapheme joiner, a bidi isolate, a Hangul filler, a
/// variation selector, a no-break space, a private-use character) are
/// shown distinctly by `inventory`, `inventory --json` and `--list`, each
/// with its character escaped, and the JSON reads back as the names.
#[tokio::test(flavor = "multi_thread")]
async fn host_names_with_invisible_characters_are_shown_distinctly() {
    let names = [
        "esa01",
        "esa01\u{200b}",
        "esa01\u{feff}",
        "esa\u{ad}01",
        "esa01\u{34f}",
        "esa01\u{2066}",
        "esa01\u{3164}",
        "esa01\u{fe0f}",
        "esa01\u{a0}",
        "esa01\u{e000}",
    ];
    let dir = tempfile::tempdir().unwrap();
    let hosts: serde_json::Map<String, serde_json::Value> = names
        .iter()
        .map(|n| (n.to_string(), serde_json::json!({})))
        .collect();
    let inventory = dir.path().join("zw.json");
    std::fs::write(
        &inventory,
        serde_json::json!({"all": {"hosts": hosts}}).to_string(),
    )
    .unwrap();
    let inv = inventory.display().to_string();
    let plain = bounded(
        &["inventory", "-i", &inv, "-F", "none"].map(String::from),
        &[],
    )
    .await;
    assert_eq!(plain.status.code(), Some(0), "{}", text_of(&plain));
    let stdout = String::from_utf8(plain.stdout).unwrap();
    let shown: Vec<&str> = stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    let mut distinct = shown.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), names.len(), "{stdout}");
    for name in &shown[..] {
        assert!(
            name.chars().all(|c| c.is_ascii_graphic()),
            "shown with an invisible character: {name:?}"
        );
    }
    for extra in ["--json", "--list"] {
        let out = bounded(
            &["inventory", extra, "-i", &inv, "-F", "none"].map(String::from),
            &[],
        )
        .await;
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            !text
                .chars()
                .any(|c| !c.is_ascii() && names.iter().any(|n| n.contains(c))),
            "{extra}: a raw invisible character:\n{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        for name in names {
            assert!(text_contains_name(&json, name), "{extra}: {name:?} lost");
        }
    }
}

/// Whether `name` is a host name anywhere in `json` (as a `host` field or
/// a key).
fn text_contains_name(json: &serde_json::Value, name: &str) -> bool {
    match json {
        serde_json::Value::String(s) => s == name,
        serde_json::Value::Array(items) => items.iter().any(|v| text_contains_name(v, name)),
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(k, v)| k == name || text_contains_name(v, name)),
        _ => false,
    }
}

/// Arguments that are not UTF-8 are taken as the system gives them: a
/// file name is a file name (an inventory named in Latin-1 is read, as
/// ansible-inventory reads it), anything else a usage error, exit 5,
/// never a panic (exit 101).
#[test]
fn arguments_that_are_not_utf8_are_never_a_panic() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"inv\xe9.yaml");
    std::fs::write(dir.path().join(name), "all:\n  hosts:\n    a1:\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .args(["inventory", "-F", "none", "-i"])
        .arg(name)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text_of(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("a1"));
    for args in [
        &[b"\xff".as_slice()][..],
        &[b"run", b"esa-ecupdate", b"-i", b"x", b"--forks", b"\xff"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"))
            .args(args.iter().map(|a| std::ffi::OsStr::from_bytes(a)))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(5), "{}", text_of(&out));
        assert!(!text_of(&out).contains("panicked"), "{}", text_of(&out));
    }
}

/// `--connect-retries` has a bound (100: with the waits capped, about
/// half an hour per host; 4294967295 was about 2000 years); a built-in
/// playbook's name is no file, so `--transcripts .` where no such file is
/// is no collision with it.
#[tokio::test(flavor = "multi_thread")]
async fn retries_are_bounded_and_a_built_in_playbook_is_no_path() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("inv.yaml");
    std::fs::write(
        &inventory,
        "all:\n  hosts:\n    h1: {ansible_host: 127.0.0.1, ansible_port: 1}\n",
    )
    .unwrap();
    let base = |extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = [
            "run",
            "esa-ecupdate",
            "-i",
            inventory.to_str().unwrap(),
            "-F",
            "none",
            "--known-hosts",
            "/dev/null",
            "--no-progress",
            "--lock",
            dir.path().join("l").to_str().unwrap(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let out = bounded(&base(&["--connect-retries", "4294967295"]), &[]).await;
    assert_eq!(out.status.code(), Some(5), "{}", text_of(&out));
    assert!(text_of(&out).contains("0..=100"), "{}", text_of(&out));
    let sessions = dir.path().join("sessions");
    std::fs::create_dir(&sessions).unwrap();
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"))
            .args(base(&["--connect-retries", "0", "--transcripts", "."]))
            .current_dir(&sessions)
            .output(),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text_of(&out));
    assert!(
        !text_of(&out).contains("holds the playbook"),
        "{}",
        text_of(&out)
    );
}

/// Inventory directories are bounded like `Include`: links that fan out
/// (each directory linking twice to the next) read the last file 2^N
/// times; past 10,000 entries the inventory is refused, exit 5, naming
/// the directory, while a small fan-out is still read.
#[test]
fn inventory_directories_whose_links_fan_out_are_bounded() {
    for (levels, refused) in [(6, false), (16, true)] {
        let tmp = tempfile::tempdir().unwrap();
        let fan = tmp.path().join("fan");
        for i in 0..=levels {
            std::fs::create_dir_all(fan.join(format!("d{i}"))).unwrap();
        }
        std::fs::write(
            fan.join(format!("d{levels}/h.yaml")),
            "all:\n  hosts:\n    a1:\n",
        )
        .unwrap();
        for i in 0..levels {
            for link in ["a", "b"] {
                std::os::unix::fs::symlink(
                    format!("../d{}", i + 1),
                    fan.join(format!("d{i}/{link}")),
                )
                .unwrap();
            }
        }
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"))
            .args(["inventory", "-F", "none", "-i"])
            .arg(fan.join("d0"))
            .output()
            .unwrap();
        let text = text_of(&out);
        if refused {
            assert_eq!(out.status.code(), Some(5), "{text}");
            assert!(
                text.contains("more than 10000 entries") && text.contains("fan/d0"),
                "{text}"
            );
        } else {
            assert_eq!(out.status.code(), Some(0), "{text}");
            assert!(text.contains("a1"), "{text}");
        }
    }
}
