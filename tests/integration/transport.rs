//! Host keys and authentication, checked the way OpenSSH checks them.

use sshfleet_sim::AsyncOsProfile;

use crate::support::{Lab, new_key, write_key};

#[tokio::test(flavor = "multi_thread")]
async fn wrong_client_key_is_unreachable() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    write_key(&new_key(), &lab.key_file);
    let run = lab.run(&[]).await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    assert_eq!(run.status("esa01.example.com"), "unreachable");
    let error = run.error("esa01.example.com");
    assert!(
        error.contains("authentication failed for user `admin`"),
        "{error}"
    );
    assert!(error.contains("id_ed25519"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn changed_host_key_is_refused_loudly_even_with_accept_new() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa02.example.com")]).await;
    let port = lab.host("esa02.example.com").addr.port();
    let impostor = new_key();
    std::fs::write(
        &lab.known_hosts,
        format!(
            "# operator's file\n{}\n",
            crate::support::known_hosts_line("127.0.0.1", port, impostor.public_key())
        ),
    )
    .unwrap();
    for extra in [&[][..], &["--accept-new-host-keys"][..]] {
        let run = lab.run(extra).await;
        assert_eq!(run.code(), 4, "{}", run.explain());
        assert_eq!(run.status("esa02.example.com"), "unreachable");
        let error = run.error("esa02.example.com");
        assert!(
            error.contains("HAS CHANGED") && error.contains("known_hosts:2"),
            "{error}"
        );
        assert_eq!(lab.host("esa02.example.com").stats().sessions_opened, 0);
    }
    // The file was not touched.
    assert_eq!(
        std::fs::read_to_string(&lab.known_hosts)
            .unwrap()
            .lines()
            .count(),
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_host_key_is_refused_unless_accept_new_then_recorded() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa03.example.com")]).await;
    std::fs::remove_file(&lab.known_hosts).unwrap();
    let run = lab.run(&[]).await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    let error = run.error("esa03.example.com");
    let fingerprint = crate::support::fingerprint(&lab.host("esa03.example.com").host_key);
    assert!(
        error.contains("not known") && error.contains(&fingerprint),
        "{error}"
    );
    assert!(error.contains("--accept-new-host-keys"), "{error}");

    let run = lab.run(&["--accept-new-host-keys"]).await;
    assert_eq!(run.status("esa03.example.com"), "ok", "{}", run.explain());
    // The operator is told, as OpenSSH tells them.
    assert!(
        run.stderr().contains("permanently added") && run.stderr().contains(&fingerprint),
        "{}",
        run.explain()
    );
    // Now strict mode trusts it.
    let run = lab.run(&[]).await;
    assert_eq!(run.status("esa03.example.com"), "ok", "{}", run.explain());
}

#[tokio::test(flavor = "multi_thread")]
async fn password_from_environment_and_never_in_transcripts() {
    let secret = "S3cr3t-Pa55word";
    let lab = Lab::start_with(
        vec![AsyncOsProfile::healthy("esa04.example.com")],
        Some(secret),
    )
    .await;
    let port = lab.host("esa04.example.com").addr.port();
    std::fs::write(
        &lab.inventory,
        format!(
            "all:\n  hosts:\n    esa04.example.com:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      ansible_user: admin\n      ansible_password: \"{{{{ lookup('env', 'ESA_PASSWORD') }}}}\"\n"
        ),
    )
    .unwrap();
    let dir = lab.dir.path().join("t");
    let args = lab.run_args(&["--transcripts", dir.to_str().unwrap()]);
    let out = crate::support::sshfleet_cmd(&args, &[("ESA_PASSWORD", secret)]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = std::fs::read_to_string(&lab.report).unwrap();
    let transcript = std::fs::read_to_string(dir.join("esa04.example.com.log")).unwrap();
    for text in [&report, &transcript, &stdout.to_string()] {
        assert!(!text.contains(secret), "secret leaked: {text}");
    }

    // Variable not set: a local mistake, found before the first host
    // (exit 5, no report), naming the variable, where the
    // inventory names it, and the host.
    std::fs::remove_file(&lab.report).unwrap();
    let out = crate::support::sshfleet_cmd(&args, &[]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{err}");
    assert!(
        err.contains(&format!(
            "$ESA_PASSWORD (ansible_password in {}:7): esa04.example.com",
            lab.inventory.display()
        )),
        "{err}"
    );
    assert!(!lab.report.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn ssh_agent_authenticates_when_no_key_file_is_named() {
    if !std::path::Path::new("/usr/bin/ssh-agent").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have ssh-agent (openssh-client)"
        );
        eprintln!("skipping: no ssh-agent");
        return;
    }
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa05.example.com")]).await;
    let sock = lab.dir.path().join("agent.sock");
    let mut agent = tokio::process::Command::new("/usr/bin/ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&sock)
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    crate::support::eventually("agent socket", || sock.exists()).await;
    let added = std::process::Command::new("ssh-add")
        .arg(&lab.key_file)
        .env("SSH_AUTH_SOCK", &sock)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    // The key file is gone: only the agent holds the key.
    std::fs::remove_file(&lab.key_file).unwrap();
    let port = lab.host("esa05.example.com").addr.port();
    std::fs::write(
        &lab.inventory,
        format!("all:\n  hosts:\n    esa05.example.com:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      ansible_user: admin\n"),
    )
    .unwrap();
    let args = lab.run_args(&[]);
    let out =
        crate::support::sshfleet_cmd(&args, &[("SSH_AUTH_SOCK", sock.to_str().unwrap())]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Without the agent there is nothing left to authenticate with.
    let out = crate::support::sshfleet_cmd(&args, &[]).await;
    assert_eq!(out.status.code(), Some(4));
    let report = std::fs::read_to_string(&lab.report).unwrap();
    assert!(report.contains("no way to authenticate"), "{report}");
    let _ = agent.kill().await;
}
