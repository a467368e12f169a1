//! Inventories as Ansible teams keep them, driven through the real binary
//! against the simulated fleet: INI, directories with group_vars and
//! host_vars, several `-i`, Ansible Vault (password file, environment,
//! wrong password, no terminal for --ask-vault-pass), `inventory --list`
//! with secrets masked, and `-o ProxyCommand` as the route to a host.

use std::path::{Path, PathBuf};

use sshfleet_sim::AsyncOsProfile;

use crate::support::{Lab, USER, broken_quick, sshfleet_cmd};

const PASSWORD: &str = "s3cret-pw";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/integration/fixtures/inventory")
        .join(name)
}

/// `lab`'s run arguments with these inventories instead of its own.
fn run_args(lab: &Lab, inventories: &[&Path], extra: &[&str]) -> Vec<String> {
    let mut args = lab.run_args(&["--no-progress"]);
    // run_args is `run PLAYBOOK -i INVENTORY ...`.
    args.drain(2..4);
    for inv in inventories {
        args.push("-i".into());
        args.push(inv.display().to_string());
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

/// An inventory directory: hosts in INI and YAML files, the user in
/// group_vars/all, the password in a vault-encrypted group_vars file and
/// referenced through Jinja, one host's address in host_vars.
fn estate(lab: &Lab) -> PathBuf {
    let dir = lab.dir.path().join("estate");
    std::fs::create_dir_all(dir.join("group_vars/all")).unwrap();
    std::fs::create_dir_all(dir.join("host_vars")).unwrap();
    let hosts = lab.fleet.hosts();
    std::fs::write(
        dir.join("10-emea"),
        format!(
            "[emea]\n{} ansible_port={}\n\n[emea:vars]\nansible_host=127.0.0.1\n",
            hosts[0].name,
            hosts[0].addr.port()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("20-amer.yml"),
        format!(
            "amer:\n  hosts:\n    {}:\n      ansible_port: {}\n",
            hosts[1].name,
            hosts[1].addr.port()
        ),
    )
    .unwrap();
    std::fs::write(dir.join("README.md"), "notes: [ not an inventory\n").unwrap();
    std::fs::write(
        dir.join("group_vars/all/vars.yml"),
        format!("ansible_user: {USER}\nansible_password: \"{{{{ vault_esa_password }}}}\"\n"),
    )
    .unwrap();
    std::fs::copy(
        fixture("vault-all.yml"),
        dir.join("group_vars/all/vault.yml"),
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("host_vars/{}.yml", hosts[1].name)),
        "ansible_host: 127.0.0.1\n",
    )
    .unwrap();
    dir
}

/// Two appliances that accept [`PASSWORD`] (and the lab's key).
async fn password_lab(profile: fn(&str) -> AsyncOsProfile) -> Lab {
    Lab::start_with(
        vec![profile("esa01.example.com"), profile("esa02.example.com")],
        Some(PASSWORD),
    )
    .await
}

/// The exit code, or a failure showing stderr, when it is not `want`.
fn assert_exit(out: &std::process::Output, want: i32) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(want), "{stderr}");
    stderr
}

fn assert_no_secret(texts: &[&str]) {
    for text in texts {
        assert!(!text.contains(PASSWORD), "the password was printed: {text}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn directory_with_ini_group_vars_and_vault_runs() {
    let lab = password_lab(broken_quick).await;
    let estate = estate(&lab);
    let pass = fixture("vault-pass");
    let args = run_args(
        &lab,
        &[&estate],
        &["--vault-password-file", pass.to_str().unwrap()],
    );
    let out = sshfleet_cmd(&args, &[]).await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    let report = std::fs::read_to_string(&lab.report).unwrap();
    assert!(report.contains("esa01.example.com") && report.contains("esa02.example.com"));
    assert_no_secret(&[&stdout, &stderr, &report]);

    // The same password file through the environment.
    let args = run_args(&lab, &[&estate], &[]);
    let out = sshfleet_cmd(
        &args,
        &[("ANSIBLE_VAULT_PASSWORD_FILE", pass.to_str().unwrap())],
    )
    .await;
    assert_exit(&out, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn several_inventories_and_a_vault_string() {
    let lab = password_lab(broken_quick).await;
    let hosts = lab.fleet.hosts();
    let ini = lab.dir.path().join("first.ini");
    std::fs::write(
        &ini,
        format!(
            "[esa]\n{} ansible_host=127.0.0.1 ansible_port={} ansible_user={USER}\n",
            hosts[0].name,
            hosts[0].addr.port()
        ),
    )
    .unwrap();
    let vault_string = std::fs::read_to_string(fixture("password.vault-string")).unwrap();
    let indented: String = vault_string
        .lines()
        .map(|l| format!("        {l}\n"))
        .collect();
    let yaml = lab.dir.path().join("second.yml");
    std::fs::write(
        &yaml,
        format!(
            "esa:\n  vars:\n    ansible_ssh_pass: !vault |\n{indented}  hosts:\n    {}:\n      ansible_host: 127.0.0.1\n      ansible_port: {}\n      ansible_ssh_user: {USER}\n",
            hosts[1].name,
            hosts[1].addr.port()
        ),
    )
    .unwrap();
    let pass = fixture("vault-pass");
    let args = run_args(
        &lab,
        &[&ini, &yaml],
        &["--vault-password-file", pass.to_str().unwrap()],
    );
    let out = sshfleet_cmd(&args, &[]).await;
    let stderr = assert_exit(&out, 0);
    assert_no_secret(&[&stderr, &String::from_utf8_lossy(&out.stdout)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn vault_without_or_with_a_wrong_password_exits_5_naming_the_file() {
    let lab = password_lab(AsyncOsProfile::broken).await;
    let estate = estate(&lab);
    let wrong = lab.dir.path().join("wrong-pass");
    std::fs::write(&wrong, "not-the-password\n").unwrap();
    for (extra, needle) in [
        (vec![], "no vault password given"),
        (
            vec![
                "--vault-password-file".to_string(),
                wrong.display().to_string(),
            ],
            "does not decrypt",
        ),
    ] {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let out = sshfleet_cmd(&run_args(&lab, &[&estate], &extra), &[]).await;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(5), "{stderr}");
        assert!(
            stderr.contains("group_vars/all/vault.yml:1") && stderr.contains(needle),
            "{stderr}"
        );
        assert_no_secret(&[&stderr]);
    }
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn ask_vault_pass_needs_a_terminal() {
    let lab = Lab::start(vec![AsyncOsProfile::broken("esa01.example.com")]).await;
    // stdin is not a terminal here, as under cron.
    let out = sshfleet_cmd(
        &run_args(&lab, &[&lab.inventory], &["--ask-vault-pass"]),
        &[],
    )
    .await;
    let stderr = assert_exit(&out, 5);
    assert!(
        stderr.contains("--ask-vault-pass needs a terminal"),
        "{stderr}"
    );
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn inventory_list_is_ansible_inventorys_json_with_secrets_masked() {
    let lab = password_lab(AsyncOsProfile::broken).await;
    let estate = estate(&lab);
    let pass = fixture("vault-pass");
    let args: Vec<String> = [
        "inventory",
        "-i",
        estate.to_str().unwrap(),
        "--list",
        "--vault-password-file",
        pass.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = sshfleet_cmd(&args, &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        json["all"]["children"],
        serde_json::json!(["ungrouped", "emea", "amer"])
    );
    assert_eq!(
        json["emea"]["hosts"],
        serde_json::json!(["esa01.example.com"])
    );
    let vars = &json["_meta"]["hostvars"]["esa02.example.com"];
    assert_eq!(vars["ansible_user"], USER);
    assert_eq!(vars["ansible_host"], "127.0.0.1");
    assert_eq!(vars["ansible_password"], "***");
    assert_eq!(vars["vault_esa_password"], "***");
    assert_no_secret(&[&stdout]);

    // The plain listing resolves the connection (vault opened) per host.
    let args: Vec<String> = [
        "inventory",
        "-i",
        estate.to_str().unwrap(),
        "-F",
        "none",
        "--vault-password-file",
        pass.to_str().unwrap(),
        "-l",
        "amer",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let out = sshfleet_cmd(&args, &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        stdout.starts_with("esa02.example.com\t127.0.0.1:"),
        "{stdout}"
    );
    assert_no_secret(&[&stdout]);
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_command_in_ssh_args_is_the_route() {
    let lab = Lab::start(vec![
        broken_quick("esa01.example.com"),
        broken_quick("esa02.example.com"),
    ])
    .await;
    let hosts = lab.fleet.hosts();
    // A relay with nothing but bash: what `nc %h %p` would do.
    let relay = "bash -c 'exec 3<>/dev/tcp/%h/%p; cat <&3 & cat >&3'";
    let inv = lab.dir.path().join("proxied.yml");
    std::fs::write(
        &inv,
        format!(
            "all:\n  vars:\n    ansible_user: {USER}\n    ansible_ssh_private_key_file: {}\n    ansible_host: 127.0.0.1\n  hosts:\n    {}:\n      ansible_port: {}\n      ansible_ssh_common_args: \"-o ProxyCommand=\\\"{relay}\\\"\"\n    {}:\n      ansible_port: {}\n      ansible_ssh_common_args: -o ProxyCommand=false\n",
            lab.key_file.display(),
            hosts[0].name,
            hosts[0].addr.port(),
            hosts[1].name,
            hosts[1].addr.port(),
        ),
    )
    .unwrap();
    let out = sshfleet_cmd(&run_args(&lab, &[&inv], &["--connect-retries", "0"]), &[]).await;
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.report).unwrap()).unwrap();
    let status = |name: &str| {
        report["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == name)
            .map(|h| {
                (
                    h["status"].as_str().unwrap_or("").to_string(),
                    h["error"].as_str().unwrap_or("").to_string(),
                )
            })
            .unwrap()
    };
    let (first, _) = status("esa01.example.com");
    assert_eq!(first, "changed", "{}", String::from_utf8_lossy(&out.stderr));
    assert!(lab.host("esa01.example.com").stats().sessions_opened > 0);
    // `false` ends at once: the host is unreachable, and never reached directly.
    let (second, error) = status("esa02.example.com");
    assert_eq!(second, "unreachable", "{error}");
    assert_eq!(lab.host("esa02.example.com").stats().sessions_opened, 0);
}
