//! Which keywords' values OpenSSH 9.2 expands, and how: `~` (and
//! `~user`), `${VAR}`, `%` tokens. A value sshfleet uses is expanded by
//! this table only; a keyword outside it is taken as written, as OpenSSH
//! takes it (9.2 opens `RevokedHostKeys` literally; later releases
//! expand it). `docs/OPENSSH.md` lists the table, and a test compares it
//! with the lists of ssh_config(5) and with what `ssh -G` expands.

/// How one keyword's value is expanded, in OpenSSH's order: `~` first,
/// then `${VAR}` and `%` tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Expansion {
    pub keyword: &'static str,
    /// `~` and `~user` at the start.
    pub tilde: bool,
    /// `${VAR}`: an unset variable is an error.
    pub env: bool,
    /// The `%` tokens accepted (`%%` always, where any is).
    pub tokens: &'static str,
}

/// ssh_config(5)'s TOKENS list: CertificateFile, ControlPath,
/// IdentityAgent, IdentityFile, KnownHostsCommand, LocalForward, Match
/// exec, RemoteCommand, RemoteForward and UserKnownHostsFile.
pub(crate) const PATH_TOKENS: &str = "CdhikLlnpru";

const fn e(keyword: &'static str, tilde: bool, env: bool, tokens: &'static str) -> Expansion {
    Expansion {
        keyword,
        tilde,
        env,
        tokens,
    }
}

/// Every keyword whose value OpenSSH 9.2 expands (lower-case names).
/// `ForwardAgent` (a socket path), `DynamicForward` (read as a local
/// forwarding) and `GlobalKnownHostsFile` (`~` only) are expanded by 9.2
/// although ssh_config(5) does not list them.
pub(crate) const EXPANSIONS: &[Expansion] = &[
    e("certificatefile", true, true, PATH_TOKENS),
    e("controlpath", true, true, PATH_TOKENS),
    e("dynamicforward", false, true, PATH_TOKENS),
    e("forwardagent", true, true, PATH_TOKENS),
    e("globalknownhostsfile", true, false, ""),
    e("hostname", false, false, "h"),
    e("identityagent", true, true, PATH_TOKENS),
    e("identityfile", true, true, PATH_TOKENS),
    e("include", true, false, ""),
    e("knownhostscommand", false, true, "CdhikLlnprufHIKt"),
    e("localcommand", false, false, "CdhikLlnprufHIKtTu"),
    e("localforward", false, true, PATH_TOKENS),
    e("proxycommand", false, false, "hknpr"),
    // ssh_config(5) lists `%h %n %p %r`; 9.2 expands the ProxyCommand it
    // makes of the list, so `%k` too.
    e("proxyjump", false, false, "hknpr"),
    e("remotecommand", false, false, PATH_TOKENS),
    e("remoteforward", false, true, PATH_TOKENS),
    e("userknownhostsfile", true, true, PATH_TOKENS),
];

/// A keyword that expands nothing: its value is used as written.
const LITERAL: Expansion = e("", false, false, "");

/// How `keyword` (lower-case, canonical) is expanded.
pub(crate) fn expansion(keyword: &str) -> &'static Expansion {
    EXPANSIONS
        .iter()
        .find(|x| x.keyword == keyword)
        .unwrap_or(&LITERAL)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Expanded by 9.2 beyond ssh_config(5)'s lists (`LocalCommand`:
    /// "accepts all tokens", listed apart).
    const UNLISTED: [&str; 3] = ["dynamicforward", "forwardagent", "localcommand"];

    /// The keywords a paragraph of ssh_config(5) lists (`.Cm Name`
    /// lines), lower-cased.
    fn listed(man: &str, starts: &str, ends: &str) -> Vec<String> {
        let from = man.find(starts).unwrap();
        let text = &man[from..];
        let to = text.find(ends).unwrap();
        let mut names: Vec<String> = text[..to]
            .lines()
            .filter_map(|l| l.strip_prefix(".Cm "))
            .map(|l| {
                l.trim_end_matches(" ,")
                    .trim_end_matches(',')
                    .trim()
                    .to_ascii_lowercase()
                    .replace(' ', "")
            })
            .collect();
        names.sort();
        names
    }

    fn man_page() -> Option<String> {
        let out = std::process::Command::new("zcat")
            .arg("/usr/share/man/man5/ssh_config.5.gz")
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The table holds exactly ssh_config(5)'s lists of what accepts
    /// `${VAR}` and the path tokens (with the two 9.2 additions).
    #[test]
    fn table_matches_ssh_config_5() {
        let Some(man) = man_page() else {
            return;
        };
        let tokens = listed(&man, "The local username.", "accept the tokens %%, %C");
        let mut ours: Vec<String> = EXPANSIONS
            .iter()
            .filter(|x| x.tokens.starts_with(PATH_TOKENS) && !UNLISTED.contains(&x.keyword))
            .map(|x| x.keyword.to_string())
            .chain(["matchexec".to_string()])
            .collect();
        ours.sort();
        assert_eq!(ours, tokens, "path tokens");
        let env = listed(
            &man,
            "Arguments to some keywords can be expanded at runtime",
            "support environment variables only",
        );
        let mut ours: Vec<String> = EXPANSIONS
            .iter()
            .filter(|x| x.env && !UNLISTED.contains(&x.keyword))
            .map(|x| x.keyword.to_string())
            .collect();
        ours.sort();
        assert_eq!(ours, env, "${{VAR}}");
        assert!(man.contains(".Cm Hostname\naccepts the tokens %% and %h."));
        assert!(man.contains("and\n.Cm ProxyJump\naccept the tokens %%, %h, %n, %p, and %r."));
    }

    /// [`super::super::expand::PATH_TOKEN_TABLE`] is whole: its tokens are
    /// the ones ssh_config(5) lists for `UserKnownHostsFile` (and the
    /// other path keywords), `%%` aside, and [`PATH_TOKENS`]; each expands
    /// as the installed `ssh -G` expands it in a `UserKnownHostsFile`
    /// (the file new keys are added to: an output, docs/SECURITY.md I5),
    /// and so do `~` and `${VAR}`.
    #[test]
    fn every_path_token_is_ssh_config_5s_and_expands_as_ssh_g() {
        use super::super::expand::{PATH_TOKEN_TABLE, Tokens, expand_path};
        let ours: String = PATH_TOKEN_TABLE.iter().map(|(t, _, _)| *t).collect();
        assert_eq!(ours, PATH_TOKENS);
        let x = expansion("userknownhostsfile");
        assert!(x.tilde && x.env && x.tokens == PATH_TOKENS, "{x:?}");
        if let Some(man) = man_page() {
            let from = man
                .find(".Cm UserKnownHostsFile\naccept the tokens ")
                .unwrap();
            let line = man[from..].lines().nth(1).unwrap();
            let mut listed: Vec<char> = line
                .split([' ', ','])
                .map(|w| w.trim_end_matches('.'))
                .filter(|w| w.len() == 2 && *w != "%%")
                .filter_map(|w| w.strip_prefix('%')?.chars().next())
                .collect();
            let mut ours: Vec<char> = ours.chars().collect();
            listed.sort_unstable();
            ours.sort_unstable();
            assert_eq!(ours, listed, "ssh_config(5): {line}");
        }
        let Some(ssh) = super::super::table_tests::ssh_binary() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let tokens = Tokens {
            host: "real.example",
            original_host: "h",
            port: 2222,
            user: "bob",
            host_key_alias: Some("alias1"),
        };
        let spellings = PATH_TOKEN_TABLE
            .iter()
            .map(|(t, _, _)| format!("/x/%{t}/y"))
            .chain([
                "/x/%%/y".to_string(),
                "~/y".to_string(),
                "${HOME}/y".to_string(),
            ]);
        for value in spellings {
            std::fs::write(
                &config,
                format!(
                    "Host h\n  HostName real.example\n  User bob\n  Port 2222\n  \
                     HostKeyAlias alias1\n  UserKnownHostsFile {value}\n"
                ),
            )
            .unwrap();
            let out = std::process::Command::new(&ssh)
                .args(["-G", "-F"])
                .arg(&config)
                .arg("h")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let printed = text
                .lines()
                .find_map(|l| l.strip_prefix("userknownhostsfile "))
                .unwrap_or_else(|| panic!("{value}: {text}"));
            let expanded = expand_path("userknownhostsfile", &value, &tokens).unwrap();
            assert_eq!(expanded.display().to_string(), printed, "{value}");
        }
    }

    /// What `ssh -G` prints expanded (the keywords it expands before
    /// printing) agrees with the table, and every keyword of the
    /// keyword table that the installed ssh prints is either in this
    /// table or printed as written.
    #[test]
    fn table_matches_ssh_g() {
        let Some(ssh) = super::super::table_tests::ssh_binary() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let home = super::super::home().display().to_string();
        for row in super::super::keywords::KEYWORDS {
            let value = match row.name {
                "localforward" | "remoteforward" => "/tmp/l ~/%h",
                _ => "~/%h",
            };
            std::fs::write(&config, format!("Host h\n  {} {value}\n", row.name)).unwrap();
            let out = std::process::Command::new(&ssh)
                .args(["-G", "-F"])
                .arg(&config)
                .arg("h")
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            let Some(printed) = text
                .lines()
                .find_map(|l| l.strip_prefix(row.name)?.strip_prefix(' '))
            else {
                continue;
            };
            let x = expansion(row.name);
            if printed.contains(&home) {
                assert!(x.tilde, "{}: ssh -G expands ~: {printed}", row.name);
            }
            if printed.ends_with("/h") {
                assert!(x.tokens.contains('h'), "{}: ssh -G expands %h", row.name);
            }
        }
    }
}
