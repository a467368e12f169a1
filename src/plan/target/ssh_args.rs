//! The ssh arguments of a host (`ansible_ssh_common_args`,
//! `ansible_ssh_extra_args`) read as ssh reads its command line.

use super::TargetError;
use crate::inventory::ConnectionVars;
use crate::ssh::config::SshConfig;

/// ssh(1) flags that take an argument (OpenSSH 9): skipped with it
/// unless read below.
const FLAGS_WITH_ARG: &str = "BbcDEeFIiJLlmOoPpQRSWw";

/// The options of a host's `ansible_ssh_common_args` /
/// `ansible_ssh_extra_args`, read as ssh reads its command line: after the
/// `-o Port=`, `-o User=` and `-o IdentityFile=` Ansible puts first (which
/// is why those vars still win), before ssh_config, first value winning.
/// `-o Keyword=value`, `-J jump`, `-p port`, `-l user` and `-i key` are
/// used (`-o ProxyCommand` and `-o ProxyJump` included: which of them
/// wins is OpenSSH's rule, applied with ssh_config's, see
/// [`CommandLineRoute`], returned with them); `-F` is refused; other
/// flags do not change where or as whom sshfleet connects and are
/// ignored.
pub(super) fn ssh_args_config(
    name: &str,
    conn: &ConnectionVars,
) -> Result<(SshConfig, CommandLineRoute), TargetError> {
    let mut options: Vec<String> = Vec::new();
    let mut route = CommandLineRoute::default();
    // Ansible puts `-o StrictHostKeyChecking=no` before the ssh args when
    // host key checking is off (sshfleet reads `no` as accept-new, warned).
    if conn.host_key_checking == Some(false) {
        options.push("StrictHostKeyChecking=no".to_string());
    }
    for args in &conn.ssh_args {
        let var = args.var.as_str();
        let invalid = |message: String| TargetError {
            host: name.to_string(),
            var: format!(
                "{var} ({}:{})",
                args.origin.path.display(),
                args.origin.line
            ),
            message,
        };
        let mut words = args.words.iter();
        while let Some(word) = words.next() {
            let Some(flags) = word.strip_prefix('-').filter(|f| !f.is_empty()) else {
                return Err(invalid(format!("`{word}` is not an ssh option")));
            };
            // Flags without an argument may be bundled (`-4C`); `-4` and
            // `-6` are `AddressFamily`, as ssh reads them.
            let pos = flags.find(|c| FLAGS_WITH_ARG.contains(c));
            for c in flags[..pos.unwrap_or(flags.len())].chars() {
                match c {
                    '4' => options.push("AddressFamily=inet".to_string()),
                    '6' => options.push("AddressFamily=inet6".to_string()),
                    _ => {}
                }
            }
            let Some(pos) = pos else {
                continue;
            };
            let flag = &flags[pos..=pos];
            let value = match &flags[pos + 1..] {
                "" => words
                    .next()
                    .cloned()
                    .ok_or_else(|| invalid(format!("`{word}` needs a value")))?,
                attached => attached.to_string(),
            };
            let option = match flag {
                "o" => value,
                "J" => {
                    route.dash_j(&value).map_err(invalid)?;
                    // `-J x` is `-o ProxyJump=x`, as ssh itself treats it.
                    format!("ProxyJump={value}")
                }
                "p" => format!("Port={value}"),
                "l" => format!("User={value}"),
                "i" => format!("IdentityFile={value}"),
                // The flags that set a keyword sshfleet reads (or refuses).
                "b" => format!("BindAddress={value}"),
                "B" => format!("BindInterface={value}"),
                "c" => format!("Ciphers={value}"),
                "m" => format!("MACs={value}"),
                "I" => format!("PKCS11Provider={value}"),
                "F" => {
                    return Err(invalid(
                        "`-F` (another ssh_config file) is not supported here; use sshfleet's -F"
                            .to_string(),
                    ));
                }
                _ => continue,
            };
            let keyword = option
                .split(|c: char| c == '=' || c.is_whitespace())
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let rest =
                option[keyword.len()..].trim_start_matches(|c: char| c == '=' || c.is_whitespace());
            match keyword.as_str() {
                "proxycommand" if rest.is_empty() => {
                    return Err(invalid("`-o ProxyCommand` needs a command".to_string()));
                }
                "proxycommand" => route.proxy_command(),
                "proxyjump" if flag == "o" => route.proxy_jump(rest),
                _ => {}
            }
            options.push(option);
        }
    }
    let config =
        SshConfig::from_options(options.iter().map(String::as_str)).map_err(|message| {
            TargetError {
                host: name.to_string(),
                var: ARGS_VARS.to_string(),
                message,
            }
        })?;
    Ok((config, route))
}

/// What ssh's command line has set of the route so far, for the two
/// checks its `-J` makes (ssh.c, OpenSSH 9.2): a `-J` after any
/// `ProxyJump` (`none` included) is "Only a single -J option is
/// permitted", after any `ProxyCommand` (`none` included, and the one a
/// jump sets) "Cannot specify -J with ProxyCommand". Which route then
/// wins is [`HostConfig`](crate::ssh::config::HostConfig)'s rule, the one ssh_config's lines follow.
#[derive(Debug, Default)]
pub(super) struct CommandLineRoute {
    jump_set: bool,
    command_set: bool,
}

impl CommandLineRoute {
    fn proxy_jump(&mut self, value: &str) {
        let none = value
            .split('#')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case("none");
        if none {
            self.jump_set = true;
        } else if !self.jump_set && !self.command_set {
            self.jump_set = true;
            self.command_set = true;
        }
    }

    fn proxy_command(&mut self) {
        self.command_set = true;
    }

    /// The command line decided the route: ssh_config can add neither a
    /// jump nor a command (what [`HostConfig`](crate::ssh::config::HostConfig) records as a ProxyCommand
    /// obtained, `none` or the one a jump sets), so errors in the route
    /// name the ssh arguments.
    pub(super) fn decided(&self) -> bool {
        self.command_set
    }

    fn dash_j(&mut self, value: &str) -> Result<(), String> {
        if self.jump_set {
            return Err(format!(
                "`-J {value}` after another jump: ssh refuses it (only a single -J option is permitted)"
            ));
        }
        if self.command_set {
            return Err(format!(
                "`-J {value}` after a ProxyCommand: ssh refuses it (cannot specify -J with ProxyCommand)"
            ));
        }
        self.proxy_jump(value);
        Ok(())
    }
}

/// The variables the ssh arguments come from, for errors.
pub(super) const ARGS_VARS: &str = "ansible_ssh_common_args/ansible_ssh_extra_args";
