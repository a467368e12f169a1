//! Unit tests of the ssh_config reader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use crate::ssh::algorithms::AlgorithmKind;

fn parse(text: &str) -> SshConfig {
    SshConfig::parse(text, Path::new("/cfg")).unwrap()
}

fn error(text: &str) -> (usize, String) {
    match SshConfig::parse(text, Path::new("/cfg")) {
        Err(SshConfigError::Invalid { line, message, .. }) => (line, message),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn first_obtained_value_wins() {
    let c = parse(
        "Host esa01\n  Port 2201\n  User admin\nHost esa*\n  Port 2200\n  User ops\n  HostName %h.mgmt.example.com\nHost *\n  Port 22\n",
    );
    let h = c.lookup("esa01", None).unwrap();
    assert_eq!(h.port, Some(2201));
    assert_eq!(h.user.as_deref(), Some("admin"));
    assert_eq!(h.host_name.as_deref(), Some("esa01.mgmt.example.com"));
    let h = c.lookup("esa02", None).unwrap();
    assert_eq!(h.port, Some(2200));
    assert_eq!(h.user.as_deref(), Some("ops"));
    let h = c.lookup("wsa01", None).unwrap();
    assert_eq!(h.port, Some(22));
    assert_eq!(h.host_name, None);
}

#[test]
fn settings_before_any_host_apply_to_all_and_come_first() {
    let c = parse("User first\nHost a\n  User second\n");
    assert_eq!(c.lookup("a", None).unwrap().user.as_deref(), Some("first"));
}

#[test]
fn patterns_negation_wildcards_and_case() {
    let c =
        parse("Host *.example.com !bastion.example.com\n  User fleet\nHost esa0?\n  Port 2222\n");
    assert_eq!(
        c.lookup("esa01.example.com", None).unwrap().user.as_deref(),
        Some("fleet")
    );
    // As ssh: patterns match the name as given, case-sensitively.
    assert_eq!(c.lookup("ESA01.Example.com", None).unwrap().user, None);
    assert_eq!(c.lookup("ESA01", None).unwrap().port, None);
    assert_eq!(c.lookup("bastion.example.com", None).unwrap().user, None);
    assert_eq!(c.lookup("esa07", None).unwrap().port, Some(2222));
    assert_eq!(c.lookup("esa10", None).unwrap().port, None);
    // A block of only negations matches nothing, as in OpenSSH.
    let c = parse("Host !a\n  Port 1\n");
    assert_eq!(c.lookup("b", None).unwrap().port, None);
}

#[test]
fn keyword_forms_quotes_and_comments() {
    let c = parse(
        "# comment\n\nHOST=a\n\tHostName = 192.0.2.1\n  IdentityFile \"/keys/my key\" # trailing\n  port=2022\n  User 'ad min'\n  UserKnownHostsFile /a\\ b /c\\\"d\n",
    );
    let h = c.lookup("a", None).unwrap();
    assert_eq!(h.host_name.as_deref(), Some("192.0.2.1"));
    assert_eq!(h.identity_files, ["/keys/my key"]);
    assert_eq!(h.port, Some(2022));
    assert_eq!(h.user.as_deref(), Some("ad min"));
    assert_eq!(h.known_hosts_files.unwrap(), ["/a b", "/c\"d"]);
}

#[test]
fn identity_files_accumulate() {
    let c = parse(
        "Host a\n  IdentityFile ~/.ssh/a\nHost *\n  IdentityFile ~/.ssh/all\n  IdentityFile ~/.ssh/a\n",
    );
    assert_eq!(
        c.lookup("a", None).unwrap().identity_files,
        ["~/.ssh/a", "~/.ssh/all"]
    );
}

#[test]
fn match_blocks() {
    let c = parse(
        "Host alias\n  HostName esa01.example.com\nMatch host esa*.example.com !originalhost other\n  Port 2022\nMatch user root\n  IdentityFile /root.key\nMatch exec \"false\"\n  User never\nMatch all\n  User everyone\n",
    );
    // `Match host` sees the HostName obtained above it.
    let h = c.lookup("alias", None).unwrap();
    assert_eq!(h.port, Some(2022));
    assert_eq!(h.user.as_deref(), Some("everyone"));
    assert_eq!(c.lookup("other", None).unwrap().port, None);
    assert_eq!(
        c.lookup("x", Some("root")).unwrap().identity_files,
        ["/root.key"]
    );
    assert!(
        c.lookup("x", Some("admin"))
            .unwrap()
            .identity_files
            .is_empty()
    );
    // `exec` runs the command: it holds when it exits 0.
    let c = parse("Match exec \"test %h = x\"\n  Port 7\n");
    assert_eq!(c.lookup("x", None).unwrap().port, Some(7));
    assert_eq!(c.lookup("y", None).unwrap().port, None);
    // `final` blocks apply in a second pass that sees the HostName.
    let c = parse(
        "Match final host x.example.com\n  Port 8\nHost x\n  HostName %h.example.com\nMatch final\n  User f\n",
    );
    let h = c.lookup("x", None).unwrap();
    assert_eq!((h.port, h.user.as_deref()), (Some(8), Some("f")));
    assert_eq!(error("Match nonsense\n").0, 1);
    assert_eq!(error("Match host\n").0, 1);
}

#[test]
fn host_key_settings_and_proxy_jump() {
    let c = parse(
        "Host a\n  UserKnownHostsFile ~/.ssh/fleet_hosts /dev/null\n  StrictHostKeyChecking accept-new\n  ProxyJump ops@bastion1:2222,ssh://bastion2,[2001:db8::1]:22\nHost b\n  ProxyJump none\n  StrictHostKeyChecking off\n",
    );
    let h = c.lookup("a", None).unwrap();
    assert_eq!(
        h.known_hosts_files,
        Some(vec![
            "~/.ssh/fleet_hosts".to_string(),
            "/dev/null".to_string()
        ])
    );
    assert_eq!(
        h.strict_host_key_checking,
        Some(StrictHostKeyChecking::AcceptNew)
    );
    let hops = h.proxy_jump.unwrap();
    assert_eq!(
        hops,
        [
            JumpHost {
                user: Some("ops".into()),
                host: "bastion1".into(),
                port: Some(2222),
                own_route: true,
            },
            JumpHost {
                user: None,
                host: "bastion2".into(),
                port: None,
                own_route: false,
            },
            JumpHost {
                user: None,
                host: "2001:db8::1".into(),
                port: Some(22),
                own_route: false,
            },
        ]
    );
    let h = c.lookup("b", None).unwrap();
    assert_eq!(h.proxy_jump, Some(Vec::new()));
    assert_eq!(h.strict_host_key_checking, Some(StrictHostKeyChecking::No));
}

#[test]
fn algorithms_first_value_wins_and_unknown_names_are_skipped() {
    let c = parse(
        "Host old*\n  KexAlgorithms +diffie-hellman-group14-sha1,sntrup761x25519-sha512@openssh.com\n  HostKeyAlgorithms +ssh-rsa\nHost *\n  KexAlgorithms +diffie-hellman-group1-sha1\n  PubkeyAcceptedKeyTypes +ssh-rsa\n",
    );
    let a = c.lookup("old1", None).unwrap().algorithms;
    assert_eq!(
        a.get(AlgorithmKind::Kex).unwrap().text,
        "+diffie-hellman-group14-sha1,sntrup761x25519-sha512@openssh.com"
    );
    assert_eq!(a.get(AlgorithmKind::HostKey).unwrap().text, "+ssh-rsa");
    assert!(
        a.names(AlgorithmKind::Kex)
            .contains(&"diffie-hellman-group14-sha1".to_string())
    );
    assert!(a.allows_ssh_rsa_signatures());
    assert!(
        c.lookup("new", None)
            .unwrap()
            .algorithms
            .get(AlgorithmKind::HostKey)
            .is_none()
    );
}

#[test]
fn malformed_lines_name_their_line() {
    for (text, line, needle) in [
        ("Host a\n  Port 70000\n", 2, "port number"),
        ("Host a\n  Port\n", 2, "no argument"),
        (
            "\n\nHost a\n  HostName \"unterminated\n",
            4,
            "invalid quotes",
        ),
        ("Host\n", 1, "no argument after keyword"),
        ("Host a\n  Port ssh\n", 2, "write the number"),
        ("Match localnetwork 10.0.0.0/8\n", 1, "not supported"),
        ("Host a\n  ProxyJump user@:22\n", 2, "ProxyJump"),
        ("Host a\n  ProxyJump h:port\n", 2, "port number"),
        ("Host a\n  StrictHostKeyChecking maybe\n", 2, "maybe"),
        ("Host a\n  KexAlgorithms +\n", 2, "no algorithm name"),
        ("Host a\n  Ciphers ,\n", 2, "empty list"),
        ("Host a\n  User a b\n", 2, "garbage at end of line"),
    ] {
        let (l, message) = error(text);
        assert_eq!(l, line, "{text}: {message}");
        assert!(message.contains(needle), "{text}: {message}");
    }
    // Read as ssh reads it; refused for the hosts it is in force for.
    let c = parse("Host a\n  IdentityFile ~/.ssh/%j\n");
    assert!(refusal(&c, "a").contains("/cfg:2: identityfile ~/.ssh/%j: token %j"));
    assert!(c.lookup("b", None).is_ok());
}

#[test]
fn unknown_keywords_are_ignored() {
    let c = parse(
        "IgnoreUnknown Something*,UseKeychain\nHost a\n  ForwardAgent yes\n  SomethingNew 1 2 3\n  UseKeychain yes\n  Port 2\n",
    );
    assert_eq!(c.lookup("a", None).unwrap().port, Some(2));
}

#[test]
fn include_applies_within_its_block_and_names_the_included_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("conf.d")).unwrap();
    std::fs::write(
        d.join("conf.d/10-a.conf"),
        "Port 2010\nHost other\n  User o\n",
    )
    .unwrap();
    std::fs::write(d.join("conf.d/20-b.conf"), "Port 2020\nUser b\n").unwrap();
    std::fs::write(
        d.join("config"),
        format!(
            "Host esa*\n  Include {}/conf.d/*.conf\n  User after\nHost *\n  Port 22\n",
            d.display()
        ),
    )
    .unwrap();
    let c = SshConfig::load(&d.join("config")).unwrap();
    let h = c.lookup("esa01", None).unwrap();
    // Files in glob order; the first obtained value wins.
    assert_eq!(h.port, Some(2010));
    assert_eq!(h.user.as_deref(), Some("b"));
    // Outside the including block the included settings do not apply.
    let h = c.lookup("wsa01", None).unwrap();
    assert_eq!(h.port, Some(22));
    assert_eq!(h.user, None);
    // `Host other` inside the include is still bounded by `Host esa*`.
    assert_eq!(c.lookup("other", None).unwrap().user, None);

    std::fs::write(d.join("conf.d/30-bad.conf"), "\nPort x\n").unwrap();
    let err = SshConfig::load(&d.join("config")).unwrap_err().to_string();
    assert!(err.contains("30-bad.conf:2:"), "{err}");

    std::fs::write(d.join("loop"), format!("Include {}/loop\n", d.display())).unwrap();
    let err = SshConfig::load(&d.join("loop")).unwrap_err().to_string();
    assert!(err.contains("nested"), "{err}");
}

#[test]
fn path_tokens_and_tilde() {
    let tokens = Tokens {
        host: "192.0.2.1",
        original_host: "esa01",
        port: 2222,
        user: "admin",
        host_key_alias: Some("fleet-esa01"),
    };
    let home = home();
    assert_eq!(
        expand_path("identityfile", "~/.ssh/%n-%h-%p-%r-%k_%%", &tokens).unwrap(),
        home.join(".ssh/esa01-192.0.2.1-2222-admin-fleet-esa01_%")
    );
    // `none` is read as written, before expansion (plan::target): a value
    // that reaches expansion is a file, even one called `none`.
    assert_eq!(
        expand_path("userknownhostsfile", "none", &tokens).unwrap(),
        PathBuf::from("none")
    );
    assert_eq!(
        expand_path("identityfile", "%d/k", &tokens).unwrap(),
        home.join("k")
    );
    let path = std::env::var("PATH").unwrap();
    assert_eq!(
        expand_path("identityfile", "${PATH}/x", &tokens).unwrap(),
        PathBuf::from(format!("{path}/x"))
    );
    let err = expand_path("identityfile", "${SSHFLEET_SURELY_UNSET}/x", &tokens).unwrap_err();
    assert!(err.contains("SSHFLEET_SURELY_UNSET"), "{err}");
    // %C is OpenSSH's hash of %l%h%p%r.
    let c = expand_path("identityfile", "%C", &tokens).unwrap();
    assert_eq!(c.display().to_string().len(), 40);
}

#[test]
fn option_none_is_empty() {
    let c = SshConfig::load_option(Path::new("none")).unwrap();
    assert_eq!(c.lookup("a", None).unwrap(), HostConfig::default());
    assert!(matches!(
        SshConfig::load_option(Path::new("/nonexistent/ssh_config")),
        Err(SshConfigError::Read { .. })
    ));
}

#[test]
fn match_all_after_one_criterion_and_included_ca_list() {
    let dir = tempfile::tempdir().unwrap();
    let inc = dir.path().join("inc.conf");
    std::fs::write(&inc, "HostName 10.0.0.9\nCASignatureAlgorithms ecdsa*\n").unwrap();
    let c = parse(&format!(
        "Match host db*,*1 all\n  Include {}\n",
        inc.display()
    ));
    let h = c.lookup("h1", None).unwrap();
    assert_eq!(h.host_name.as_deref(), Some("10.0.0.9"));
    assert_eq!(h.other("casignaturealgorithms").unwrap().first(), "ecdsa*");
    assert!(error("Match all host x\n").1.contains("cannot be combined"));
}

#[test]
fn host_blocks_match_the_final_host_name_in_the_final_pass() {
    // As ssh: the final pass matches `Host` against the host name
    // obtained, lower-cased; a HostName in it changes nothing.
    let c = parse("Host h1\n  User admin\nMatch final\n  Port 3\n  HostName other\n");
    let h = c.lookup("H1", None).unwrap();
    assert_eq!(h.user.as_deref(), Some("admin"));
    assert_eq!(h.port, Some(3));
    assert_eq!(h.host_name.as_deref(), Some("h1"));
}

fn refusal(c: &SshConfig, host: &str) -> String {
    match c.lookup(host, None) {
        Err(e @ SshConfigError::Invalid { .. }) => e.to_string(),
        other => panic!("{host}: expected a refusal, got {other:?}"),
    }
}

#[test]
fn refused_values_name_file_line_keyword_and_why_per_host() {
    let c = parse(
        "Host a\n  CheckHostIP no\nHost b\n  UpdateHostKeys yes\nHost *\n  CheckHostIP yes\n  CanonicalizeHostname always\n",
    );
    // The first value obtained wins: `no` for a, accepted.
    let err = refusal(&c, "a");
    assert!(
        err.starts_with("/cfg:7: canonicalizehostname always:"),
        "{err}"
    );
    let err = refusal(&c, "b");
    assert!(
        err.contains("/cfg:4: updatehostkeys yes: sshfleet never records"),
        "{err}"
    );
    assert!(refusal(&c, "c").contains("/cfg:6: checkhostip yes"));
    // Accepted values, and a refused value in a block that does not apply.
    let err = SshConfig::parse("Host *\n  BindAddress \"\"\n", Path::new("/cfg")).unwrap_err();
    assert!(err.to_string().contains("missing argument"), "{err}");
    let c2 = parse("Host other\n  KnownHostsCommand /bin/x %h\nHost *\n  CheckHostIP no\n");
    assert!(c2.lookup("a", None).is_ok());
    assert!(
        refusal(&c2, "other")
            .contains("/cfg:2: knownhostscommand /bin/x %h: sshfleet does not run")
    );
}

#[test]
fn values_are_checked_as_openssh_checks_them() {
    for (text, needle) in [
        ("ConnectTimeout x\n", "not a time value"),
        ("ConnectTimeout 1h30x\n", "not a time value"),
        ("ServerAliveCountMax many\n", "not a number"),
        ("ForwardX11 maybe\n", "not one of"),
        ("HostKeyAlias a b\n", "garbage at end of line"),
        ("User\n", "no argument"),
        ("Protocol\n", "no argument"),
        ("IPQoS yes\n", "Bad IPQoS"),
        ("LocalForward 80\n", "Missing target argument"),
        ("LocalForward 0 h:2\n", "Bad forwarding"),
        ("EscapeChar ab\n", "Bad escape character"),
        ("KexAlgorithms +ecdh*\n", "wildcards"),
    ] {
        let (line, message) = error(text);
        assert_eq!(line, 1, "{text}");
        assert!(message.contains(needle), "{text}: {message}");
    }
    // Valid forms, deprecated keywords and aliases read.
    let c = parse(
        "ConnectTimeout 1h30m\nCipher blowfish\nDSAAuthentication no\nChallengeResponseAuthentication no\nPubkeyAuthentication yes\nIdentityFile2 /k\nEscapeChar ^a\n",
    );
    let h = c.lookup("x", None).unwrap();
    assert_eq!(
        h.flag("pubkeyauthentication"),
        Some(false),
        "alias, first value wins"
    );
    assert_eq!(h.flag("kbdinteractiveauthentication"), Some(false));
    assert_eq!(h.identity_files, ["/k"]);
    // `ConnectionAttempts 0` is read in any block (as by OpenSSH 9.2's
    // reader) and refused where it is the value obtained (as ssh.c does).
    let c = parse("Host a\n  ConnectionAttempts 0\n");
    assert!(refusal(&c, "a").contains("/cfg:2: connectionattempts: Invalid number"));
    assert!(c.lookup("b", None).is_ok());
}

#[test]
fn ignore_unknown_applies_where_its_block_applies_first_value_winning() {
    let c = parse("Host a\n  IgnoreUnknown Foo*\nHost *\n  IgnoreUnknown Bar\nFooBar 1\n");
    assert!(c.lookup("a", None).is_ok());
    let err = refusal(&c, "b");
    assert!(
        err.contains("/cfg:5: foobar: Bad configuration option"),
        "{err}"
    );
    // Without any IgnoreUnknown before it, refused for every host (the
    // command line may carry one, so it is judged when a host is looked up).
    let c = parse("FooBar 1\nIgnoreUnknown Foo*\n");
    assert!(refusal(&c, "a").contains("/cfg:1: foobar: Bad configuration option"));
}

#[test]
fn match_host_is_case_insensitive_match_user_is_not() {
    let c = parse(
        "Match host WEB*\n  Port 1\nMatch originalhost Db1\n  Port 2\nMatch user Admin\n  Port 3\n",
    );
    assert_eq!(c.lookup("web1", None).unwrap().port, Some(1));
    assert_eq!(c.lookup("DB1", None).unwrap().port, Some(2));
    assert_eq!(c.lookup("x", Some("admin")).unwrap().port, None);
    assert_eq!(c.lookup("x", Some("Admin")).unwrap().port, Some(3));
}

#[test]
fn match_exec_never_runs_a_name_with_shell_metacharacters() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let c = parse(&format!(
        "Match exec \"touch {}; test %h = x\"\n  Port 1\n",
        marker.display()
    ));
    for name in [
        "a;touch /tmp/x",
        "a$(id)",
        "a`id`",
        "a|b",
        "a&b",
        "a b",
        "-oProxyCommand=x",
        "a'b",
        "a\"b",
    ] {
        let err = refusal(&c, name);
        assert!(err.contains("shell metacharacters"), "{name}: {err}");
        assert!(err.starts_with("/cfg:1:"), "{err}");
    }
    assert!(!marker.exists(), "Match exec ran for a refused name");
    // %r with a user name from the inventory, too.
    let c = parse("Match exec \"test %r = x\"\n  Port 1\n");
    assert!(
        c.lookup("h", Some("a;b"))
            .unwrap_err()
            .to_string()
            .contains("user name")
    );
    // A plain name runs it.
    let c = parse(&format!(
        "Match exec \"touch {}\"\n  Port 1\n",
        marker.display()
    ));
    assert_eq!(c.lookup("web-1.example.com", None).unwrap().port, Some(1));
    assert!(marker.exists());
}

/// OpenSSH 9.2 (`ssh -G`): `ProxyJump none` blocks a later ProxyJump but
/// not a later ProxyCommand; `ProxyCommand none` blocks a later ProxyJump;
/// hops block a later ProxyCommand.
#[test]
fn proxy_jump_and_proxy_command_interplay_as_openssh_9_2() {
    let route = |body: &str| {
        let h = parse(&format!("Host x\n{body}")).lookup("x", None).unwrap();
        let jump = h.proxy_jump.map(|hops| hops.len()).unwrap_or(0);
        let command = h.proxy_command.filter(|c| c != "none");
        (jump, command)
    };
    let nc = Some("nc %h %p".to_string());
    assert_eq!(
        route(" ProxyJump none\n ProxyCommand nc %h %p\n"),
        (0, nc.clone())
    );
    assert_eq!(route(" ProxyCommand nc %h %p\n ProxyJump a@b\n"), (0, nc));
    assert_eq!(route(" ProxyCommand none\n ProxyJump a@b\n"), (0, None));
    assert_eq!(route(" ProxyJump a@b\n ProxyCommand foo\n"), (1, None));
    assert_eq!(route(" ProxyJump none\n ProxyJump a@b\n"), (0, None));
    assert_eq!(route(" ProxyCommand none\n ProxyCommand foo\n"), (0, None));
}

/// OpenSSH 9.2 (`ssh -G`): `canonical` holds in the second pass that
/// `Match final` (even `!final`) causes, and only there.
#[test]
fn match_canonical_holds_in_the_final_pass_as_openssh_9_2() {
    let user = |text: &str| parse(text).lookup("x", None).unwrap().user;
    let eve = Some("eve".to_string());
    assert_eq!(
        user("Match final\n Port 1111\nMatch canonical\n User eve\n"),
        eve
    );
    assert_eq!(
        user("Match !final\n Port 1111\nMatch canonical\n User eve\n"),
        eve
    );
    assert_eq!(user("Match canonical\n User eve\n"), None);
    assert_eq!(user("Match !canonical\n User eve\n"), eve);
    assert_eq!(
        user("Match !canonical\n User bob\nMatch final\nMatch canonical\n User eve\n"),
        Some("bob".to_string())
    );
}

/// OpenSSH 9.2 (`ssh -G ... H1`): in the first pass a `Match exec` `%h`
/// is the HostName as expanded, in the case given; the host name obtained
/// is lower-cased after.
#[test]
fn match_exec_sees_the_host_name_in_the_case_given() {
    let c = parse("Host *\n HostName %h\nMatch exec \"test %h = H1\"\n Port 2222\n");
    let h = c.lookup("H1", None).unwrap();
    assert_eq!(h.port, Some(2222));
    assert_eq!(h.host_name.as_deref(), Some("h1"));
}

/// Keywords of releases later than the installed `ssh` (the table's
/// `since`), which the differential tests cannot compare: read as the
/// release that added them reads them (its `readconf.c`).
#[test]
fn newer_keywords_tag_feeds_match_tagged() {
    let c = parse(
        "Host web*\n  Tag prod\nHost db*\n  Tag Staging\nHost *\n  Tag other\n\
         Match tagged prod,!other\n  User deploy\n\
         Match !tagged staging\n  Port 2222\n\
         Match tagged=Stag*\n  IdentityFile ~/.ssh/staging\n",
    );
    let web = c.lookup("web1", None).unwrap();
    assert_eq!(web.user.as_deref(), Some("deploy"));
    assert_eq!(web.port, Some(2222), "`staging` is not `Staging`");
    assert!(web.identity_files.is_empty());
    let db = c.lookup("db1", None).unwrap();
    assert_eq!(db.user, None);
    assert_eq!(db.identity_files, vec!["~/.ssh/staging".to_string()]);
    // The first Tag obtained wins; `other` tags every other host.
    assert_eq!(c.lookup("mail", None).unwrap().user, None);
    // An empty argument holds only while no Tag was obtained, and a Tag
    // written after the Match does not change it (read in order).
    let c = parse("Match tagged \"\"\n  Port 2\nHost a\n  Tag t\nMatch tagged t\n  User u\n");
    let a = c.lookup("a", None).unwrap();
    assert_eq!((a.port, a.user.as_deref()), (Some(2), Some("u")));
    let c = parse("Host a\n  Tag t\nMatch tagged \"\"\n  Port 2\n");
    assert_eq!(c.lookup("a", None).unwrap().port, None);
    assert_eq!(c.lookup("b", None).unwrap().port, Some(2));
}

#[test]
fn newer_keywords_refuse_connection_refuses_the_host_with_its_message() {
    let c =
        parse("Host old-*\n  RefuseConnection \"decommissioned, use new-*\"\nHost *\n  Port 22\n");
    let err = refusal(&c, "old-1");
    assert!(
        err.starts_with("/cfg:2: refuseconnection decommissioned, use new-*: RefuseConnection"),
        "{err}"
    );
    assert!(c.lookup("new-1", None).is_ok());
    // Any value refuses, `no` too (it is a message, not a flag).
    assert!(refusal(&parse("RefuseConnection no\n"), "a").contains("refuseconnection no"));
    let (line, message) = error("Host a\n  RefuseConnection\n");
    assert_eq!(line, 2);
    assert!(message.contains("no argument"), "{message}");
}

#[test]
fn newer_keywords_values_are_checked_as_their_release_checks_them() {
    for good in [
        "ChannelTimeout session=5m global=0\n",
        "ChannelTimeout none\n",
        "ChannelTimeout x11-connection*=30\n",
        "ObscureKeystrokeTiming yes\n",
        "ObscureKeystrokeTiming interval:80\n",
        "ObscureKeystrokeTiming false\n",
        "WarnWeakCrypto no-pq-kex\n",
        "WarnWeakCrypto NO\n",
        "VersionAddendum none\n",
        "Tag a\n",
        "Match tagged=\"\" user=root\n  Port 2\n",
    ] {
        let c = SshConfig::parse(good, Path::new("/cfg")).unwrap_or_else(|e| panic!("{good}: {e}"));
        assert!(c.lookup("h", None).is_ok(), "{good}");
    }
    for (bad, needle) in [
        ("ChannelTimeout session\n", "invalid channel timeout"),
        ("ChannelTimeout =5\n", "invalid channel timeout"),
        ("ChannelTimeout session=5x\n", "invalid channel timeout"),
        ("ChannelTimeout none session=5\n", "must appear alone"),
        ("UserKnownHostsFile none /k\n", "must appear alone"),
        ("GlobalKnownHostsFile /k NONE\n", "must appear alone"),
        ("ObscureKeystrokeTiming YES\n", "unsupported argument"),
        ("ObscureKeystrokeTiming interval:0\n", "out of range"),
        ("ObscureKeystrokeTiming interval:1001\n", "out of range"),
        ("ObscureKeystrokeTiming interval:x\n", "integer value"),
        ("ObscureKeystrokeTiming yes no\n", "invalid arguments"),
        ("WarnWeakCrypto sometimes\n", "not one of"),
        ("Tag a b\n", "garbage at end of line"),
        ("Tag \"\"\n", "missing argument"),
        ("Match tagged\n", "Missing Match criteria for tagged"),
        ("Match host=\n", "Missing Match criteria for host"),
        ("Match version OpenSSH_10*\n", "not supported"),
        ("Match sessiontype exec\n", "not supported"),
        ("Match sessiontype=exec\n", "not supported"),
        ("Match command ls\n", "not supported"),
        ("Include ~/.ssh/%h.conf\n", "not supported by sshfleet"),
        ("Include ${HOME}/.ssh/extra\n", "not supported by sshfleet"),
        (
            "RevokedHostKeys /etc/ssh/a /etc/ssh/b\n",
            "garbage at end of line",
        ),
    ] {
        let (line, message) = error(&format!("\n{bad}"));
        assert_eq!(line, 2, "{bad}");
        assert!(message.contains(needle), "{bad}: {message}");
    }
    // A token ssh 9.2 does not know: refused where the value is in force.
    let c = parse("\nProxyCommand nc %j %p\n");
    assert!(refusal(&c, "a").contains("/cfg:2: proxycommand nc %j %p: token %j"));
    // VersionAddendum other than `none`: refused for the hosts it applies to.
    let c = parse("Host a\n  VersionAddendum my banner\n");
    assert!(refusal(&c, "a").contains("/cfg:2: versionaddendum my banner: sshfleet sends"));
    assert!(c.lookup("b", None).is_ok());
}

/// Depth alone did not bound an `Include` fan-out: 7 files each including
/// the next 8 times were 8^6 reads (36 s, 183 MB). Every read and every
/// line counts toward the configuration's bounds, exit 5 naming the file.
#[test]
fn include_fan_out_is_bounded_in_reads_and_lines() {
    let dir = tempfile::tempdir().unwrap();
    let fan_out = |levels: usize, last: &str| {
        for n in 0..levels {
            let next = dir.path().join(format!("f{}", n + 1));
            let line = format!("Include {}\n", next.display());
            std::fs::write(dir.path().join(format!("f{n}")), line.repeat(8)).unwrap();
        }
        std::fs::write(dir.path().join(format!("f{levels}")), last).unwrap();
        SshConfig::load(&dir.path().join("f0"))
    };
    // 1 + 8 + 64 reads: a configuration as big as real ones get.
    let config = fan_out(2, "Host *\n  User deep\n").unwrap();
    assert_eq!(
        config.lookup("h", None).unwrap().user.as_deref(),
        Some("deep")
    );
    // 8^6 reads of the last file.
    let e = fan_out(6, "Host *\n  User deep\n").unwrap_err();
    assert!(matches!(e, SshConfigError::TooLarge { .. }), "{e}");
    let e = e.to_string();
    assert!(
        e.contains(&format!("{MAX_CONFIG_FILES} file reads")) && e.contains("/f"),
        "{e}"
    );
    // Few reads of a long file: the lines are counted.
    let long = "# comment\n".repeat(MAX_CONFIG_LINES / 8);
    let e = fan_out(1, &long).unwrap_err().to_string();
    assert!(
        e.contains(&format!("{MAX_CONFIG_LINES} lines")) && e.contains("f1"),
        "{e}"
    );
}

/// `strdelim`'s quotes in the keyword and `match_cfg_line`'s empty word,
/// each as `ssh -G` 9.2 reads it.
#[test]
fn quoted_keywords_and_empty_match_words_read_as_openssh_9_2() {
    for (line, port) in [
        ("\"Port\" 2001", Some(2001)),
        ("Po\"rt\" 2001", Some(2001)),
        ("\"Port\"2001", Some(2001)),
        ("Port\"\" 2001", Some(2001)),
        // No closing quote: ssh skips the line.
        ("\"Port 2001", None),
        ("\"\" 2001", None),
    ] {
        let c = parse(&format!("Host h1\n  {line}\n"));
        assert_eq!(c.lookup("h1", None).unwrap().port, port, "{line}");
    }
    let (_, message) = error("Host h1\n  \"Port\"=2001\n");
    assert!(message.contains("=2001"), "{message}");
    for text in [
        "Match host h1 \"\"\n  Port 2001\n",
        "Match all \"\"\n  Port 2001\n",
    ] {
        assert_eq!(
            parse(text).lookup("h1", None).unwrap().port,
            Some(2001),
            "{text}"
        );
    }
    for (text, needle) in [
        ("Match host h1 \"\" user x\n", "extra arguments"),
        ("Match \"\"\n", "One or more attributes"),
    ] {
        let (_, message) = error(text);
        assert!(message.contains(needle), "{text}: {message}");
    }
}

/// ssh checks the owner and mode of every `Include`d file (under `-F`
/// too) but not of the `-F` file itself: world-writable, or writable by a
/// group with another member, is "Bad owner or permissions"; checked
/// against the installed `ssh -G`. (The temporary files' group is this
/// user's; whether it has other members decides `020`: ssh -G says.)
#[test]
fn included_files_others_can_write_are_refused_as_ssh_refuses_them() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("config");
    let inc = dir.path().join("inc.conf");
    std::fs::write(&main, format!("Include {}\n", inc.display())).unwrap();
    std::fs::write(&inc, "Host h1\n  Port 6001\n").unwrap();
    let ssh_g = |path: &Path| {
        std::process::Command::new("ssh")
            .arg("-G")
            .arg("-F")
            .arg(path)
            .arg("h1")
            .output()
            .ok()
            .map(|o| o.status.success())
    };
    for (main_mode, inc_mode, ok) in [
        (0o600, 0o600, Some(true)),
        (0o644, 0o644, Some(true)),
        (0o666, 0o644, Some(true)),
        (0o644, 0o664, None),
        (0o644, 0o646, Some(false)),
        (0o644, 0o620, None),
        (0o644, 0o602, Some(false)),
    ] {
        std::fs::set_permissions(&main, std::fs::Permissions::from_mode(main_mode)).unwrap();
        std::fs::set_permissions(&inc, std::fs::Permissions::from_mode(inc_mode)).unwrap();
        let ours = SshConfig::load(&main);
        match &ours {
            Ok(c) => assert_eq!(c.lookup("h1", None).unwrap().port, Some(6001)),
            Err(e) => assert!(
                e.to_string().contains("Bad owner or permissions on")
                    && e.to_string().contains("inc.conf"),
                "{e}"
            ),
        }
        if let Some(ok) = ok {
            assert_eq!(ours.is_ok(), ok, "{main_mode:o} {inc_mode:o}");
        }
        if let Some(theirs) = ssh_g(&main) {
            assert_eq!(theirs, ours.is_ok(), "ssh -G: {main_mode:o} {inc_mode:o}");
        }
    }
    // Owned by another user who is not root (only root can make one).
    if nix::unistd::getuid().is_root() {
        std::fs::set_permissions(&inc, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::chown(&inc, Some(65534), None).unwrap();
        let err = SshConfig::load(&main).unwrap_err().to_string();
        assert!(err.contains("owned by uid 65534"), "{err}");
        if let Some(theirs) = ssh_g(&main) {
            assert!(!theirs, "ssh -G read an Include owned by another user");
        }
    }
}

/// `%k` in `Match exec`, first pass and final, is `HostKeyAlias` as
/// written (ssh lower-cases it only once every pass is done), while the
/// alias sshfleet keeps is lower-cased: compared with `ssh -G`.
#[test]
fn match_exec_sees_the_host_key_alias_as_written() {
    let Ok(ssh) = std::process::Command::new("ssh").arg("-V").output() else {
        return;
    };
    let _ = ssh;
    let dir = tempfile::tempdir().unwrap();
    for alias in ["kA", "ka", "KA"] {
        for (first, last) in [("kA", "ka"), ("ka", "kA"), ("KA", "kA")] {
            let text = format!(
                "Host a\n  HostKeyAlias {alias}\nMatch final exec \"test %k = {last}\"\n  User finalmatched\nMatch exec \"test %k = {first}\"\n  Port 5\n"
            );
            let file = dir.path().join("cfg");
            std::fs::write(&file, &text).unwrap();
            let out = std::process::Command::new("ssh")
                .args(["-G", "-F"])
                .arg(&file)
                .arg("a")
                .env("SHELL", "/bin/sh")
                .output()
                .unwrap();
            let printed = String::from_utf8_lossy(&out.stdout).to_string();
            let theirs = |key: &str| {
                printed
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{key} ")))
                    .unwrap_or_default()
                    .to_string()
            };
            let ours = SshConfig::load(&file).unwrap().lookup("a", None).unwrap();
            assert_eq!(
                ours.port.unwrap_or(22).to_string(),
                theirs("port"),
                "{text}"
            );
            assert_eq!(
                ours.user.clone().unwrap_or_default() == "finalmatched",
                theirs("user") == "finalmatched",
                "{text}"
            );
            assert_eq!(
                ours.host_key_alias.as_deref(),
                Some(theirs("hostkeyalias").as_str())
            );
        }
    }
}

/// `ProxyCommand -` (ssh's own stdin and stdout as the connection) is
/// refused where it is the host's, naming the line: it used to run as
/// `sh -c -` and end as "Disconnected".
#[test]
fn proxy_command_dash_is_refused_where_it_applies() {
    let c = parse("Host a\n  ProxyCommand -\nHost b\n  Port 23\n");
    let e = refusal(&c, "a");
    assert!(e.contains("cfg:2") && e.contains("stdin and stdout"), "{e}");
    assert!(c.lookup("b", None).is_ok());
}
