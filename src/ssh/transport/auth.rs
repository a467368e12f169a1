//! Logging in: key files, the agent, then the password (`password`, then
//! `keyboard-interactive`), never to a host whose key was not verified,
//! never to a jump host.

use std::path::Path;
use std::sync::Arc;

use russh::AgentAuthError;
use russh::MethodKind;
use russh::client::{AuthResult, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::PrivateKeyWithHashAlg;
use russh::keys::agent::AgentIdentity;
use russh::keys::agent::client::AgentClient;

use crate::ssh::algorithms::{self, Algorithms};

use super::*;

mod prompt;

/// Where a target's password may come from, and whether it may be sent
/// (the password itself is a [`crate::support::secrets::Secret`]).
pub(super) struct PasswordGate<'a> {
    /// `--ask-pass`, used when the inventory names no password variable.
    pub(super) asked: Option<&'a Secret>,
    pub(super) host_key_verified: bool,
    pub(super) host_port: String,
}

impl PasswordGate<'_> {
    /// A password leaves sshfleet only for a host whose key was verified.
    pub(super) fn may_be_sent(&self) -> Result<(), ConnectError> {
        if self.host_key_verified {
            Ok(())
        } else {
            Err(ConnectError::HostKeyNotVerified {
                host_port: self.host_port.clone(),
            })
        }
    }
}

/// How many hidden prompts one keyboard-interactive login may answer with
/// the password (OpenSSH's `NumberOfPasswordPrompts`). A server that asks
/// more wants something else: a second factor, a new password.
const MAX_PASSWORD_PROMPTS: usize = 3;

/// How many server rounds one keyboard-interactive login may take (PAM
/// often sends an empty one after the password).
const MAX_INTERACTIVE_ROUNDS: usize = 8;

/// What one login has tried so far.
struct Attempt<'a> {
    user: &'a str,
    /// What was tried, for the error.
    tried: Vec<String>,
    /// The methods the server said it still accepts (`None`: not said yet).
    methods_left: Option<russh::MethodSet>,
    /// The public halves of the identities: an agent key that is one of
    /// them may be used under `IdentitiesOnly` (a `.pub` identity whose
    /// private half is in the agent).
    identities: Vec<russh::keys::PublicKey>,
}

/// Why an agent answers a signing request with a failure for a key the
/// server accepted. OpenSSH's `ssh` first binds the agent to the session
/// (the `session-bind@openssh.com` extension, with the server's host key
/// and its signature over the exchange hash); a key added with
/// destination constraints (`ssh-add -h`) is refused without that
/// binding, and russh gives no access to the exchange signature it needs.
/// A key added with `ssh-add -c` is refused when its confirmation cannot
/// be asked or is declined.
const AGENT_REFUSED: &str = "the agent refused to sign (sshfleet cannot use a key added with destination constraints, `ssh-add -h`: it does not bind the agent to the session as ssh does; a key added with `ssh-add -c` needs a confirmation the agent could not get)";

/// Try the inventory's key file, ssh_config's, then the agent, then the
/// password (the `password` method, then `keyboard-interactive`), as
/// OpenSSH would and as ssh_config allows; return the secrets used so
/// transcripts can redact them.
pub(super) async fn authenticate(
    handle: &mut Handle<Verifier>,
    credentials: &Credentials,
    algorithms: &Algorithms,
    secret: &PasswordGate<'_>,
) -> Result<Vec<String>, ConnectError> {
    let mut attempt = Attempt {
        user: credentials.user.as_str(),
        tried: Vec::new(),
        methods_left: None,
        identities: Vec::new(),
    };
    if credentials.methods.publickey {
        if attempt.key_files(handle, credentials, algorithms).await? {
            return Ok(Vec::new());
        }
        if attempt.agent(handle, credentials, algorithms).await? {
            return Ok(Vec::new());
        }
    }
    if let Some(secrets) = attempt.password(handle, credentials, secret).await? {
        return Ok(secrets);
    }
    let Attempt { user, tried, .. } = attempt;
    if tried.is_empty() && !credentials.methods.publickey {
        return Err(ConnectError::KeysRuledOut {
            user: user.to_string(),
        });
    }
    if tried.is_empty() {
        return Err(ConnectError::NoCredentials {
            user: user.to_string(),
        });
    }
    Err(ConnectError::AuthFailed {
        user: user.to_string(),
        tried,
    })
}

impl Attempt<'_> {
    /// The key files; `Ok(true)` when one logged in.
    async fn key_files(
        &mut self,
        handle: &mut Handle<Verifier>,
        credentials: &Credentials,
        algorithms: &Algorithms,
    ) -> Result<bool, ConnectError> {
        let user = self.user;
        let keys = credentials
            .key_file
            .iter()
            .map(|p| (p, true))
            .chain(credentials.config_key_files.iter().map(|p| (p, false)));
        for (path, required) in keys {
            let named_by = match required {
                true => "ansible_ssh_private_key_file",
                false => "ssh_config IdentityFile",
            };
            let identity = read_identity(path, named_by).await;
            // ssh offers `FILE-cert.pub` beside an identity first; sshfleet
            // offers no user certificate: a failure says so, never silently.
            let mut certificate = path.as_os_str().to_owned();
            certificate.push("-cert.pub");
            if Path::new(&certificate).exists() {
                self.tried.push(format!(
                    "certificate {} (not offered: sshfleet offers no user certificates, where ssh would offer it before the key)",
                    Path::new(&certificate).display()
                ));
            }
            let public_known = identity.public.is_some();
            let listed = identity.public.clone();
            if let Some(public) = identity.public {
                self.identities.push(public);
            }
            if let Some(why) = too_open(path).filter(|_| !identity.is_public) {
                // ssh's "UNPROTECTED PRIVATE KEY FILE!": the key is skipped
                // and authentication goes on without it.
                tracing::warn!("{}: {why}", path.display());
                self.tried
                    .push(format!("key {} (skipped: {why})", path.display()));
                continue;
            }
            let key = match identity.private {
                Ok(key) => key,
                // An encrypted key whose public half is known: ssh offers
                // it through the agent when the agent holds its private
                // half ("explicit agent"), whoever named it; if the agent
                // does not, the failure lists why this key was not used.
                Err(e) if identity.encrypted && public_known => {
                    self.tried
                        .push(format!("key {} (skipped: {e})", path.display()));
                    continue;
                }
                Err(e) if required || identity.refused => return Err(e),
                Err(e) => {
                    // ssh_config often lists keys for other hosts too.
                    if identity.exists && !identity.is_public {
                        self.tried
                            .push(format!("key {} (skipped: {e})", path.display()));
                    } else {
                        tracing::debug!(
                            "IdentityFile {} has no private key here; skipped",
                            path.display()
                        );
                    }
                    continue;
                }
            };
            // ssh offers the key `FILE.pub` holds and then cannot sign for
            // it with another private key: this identity never logs in.
            if let Some(listed) = listed.filter(|_| !identity.is_public)
                && listed.key_data() != key.public_key().key_data()
            {
                self.tried.push(format!(
                    "key {} (skipped: {}.pub beside it holds another key, which ssh offers and this private key cannot sign for)",
                    path.display(),
                    path.display()
                ));
                continue;
            }
            let server = match key.algorithm().is_rsa() {
                true => handle.best_supported_rsa_hash().await?,
                false => None,
            };
            let hash = match algorithms::key_signature(&key.algorithm(), server, algorithms) {
                Ok(hash) => hash,
                Err(why) => {
                    self.tried
                        .push(format!("key {} (not offered: {why})", path.display()));
                    continue;
                }
            };
            let result = handle
                .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
                .await?;
            match result {
                AuthResult::Success => return Ok(true),
                AuthResult::Failure {
                    remaining_methods, ..
                } => self.methods_left = Some(remaining_methods),
            }
            self.tried.push(format!("key {}", path.display()));
        }
        Ok(false)
    }

    /// The agent's keys (only the identities' under `IdentitiesOnly`);
    /// `Ok(true)` when one logged in.
    async fn agent(
        &mut self,
        handle: &mut Handle<Verifier>,
        credentials: &Credentials,
        algorithms: &Algorithms,
    ) -> Result<bool, ConnectError> {
        let user = self.user;
        let Some(mut agent) = connect_agent(&credentials.methods.agent).await else {
            return Ok(false);
        };
        {
            let listed = agent.request_identities().await.unwrap_or_default();
            let mut rsa_hash = None;
            let mut skipped = Vec::new();
            let mut refused = Vec::new();
            for identity in listed {
                let AgentIdentity::PublicKey { key, .. } = identity else {
                    continue;
                };
                if credentials.identities_only
                    && !self
                        .identities
                        .iter()
                        .any(|i| i.key_data() == key.key_data())
                {
                    continue;
                }
                let server = match (key.algorithm().is_rsa(), rsa_hash) {
                    (false, _) => None,
                    (true, Some(known)) => known,
                    (true, None) => *rsa_hash.insert(handle.best_supported_rsa_hash().await?),
                };
                let hash = match algorithms::key_signature(&key.algorithm(), server, algorithms) {
                    Ok(hash) => hash,
                    Err(why) => {
                        skipped.push(format!("{} key: {why}", key.algorithm().as_str()));
                        continue;
                    }
                };
                let named = format!(
                    "{} key {}",
                    key.algorithm().as_str(),
                    key.fingerprint(russh::keys::HashAlg::Sha256)
                );
                let result = handle
                    .authenticate_publickey_with(user, key, hash, &mut agent)
                    .await;
                match result {
                    Ok(AuthResult::Success) => return Ok(true),
                    Ok(AuthResult::Failure {
                        remaining_methods, ..
                    }) => self.methods_left = Some(remaining_methods),
                    Err(AgentAuthError::Key(russh::keys::Error::AgentFailure)) => {
                        refused.push(format!("{named}: {AGENT_REFUSED}"))
                    }
                    Err(e) => refused.push(format!("{named}: {e}")),
                }
            }
            let mut notes = Vec::new();
            if !skipped.is_empty() {
                notes.push(format!("not offered: {}", skipped.join("; ")));
            }
            if !refused.is_empty() {
                notes.push(format!("the agent did not sign: {}", refused.join("; ")));
            }
            self.tried.push(match notes.is_empty() {
                true => "ssh-agent".to_string(),
                false => format!("ssh-agent ({})", notes.join("; ")),
            });
        }
        Ok(false)
    }

    /// The password, through the methods the server and ssh_config
    /// allow; `Ok(Some(secrets))` when it logged in.
    async fn password(
        &mut self,
        handle: &mut Handle<Verifier>,
        credentials: &Credentials,
        secret: &PasswordGate<'_>,
    ) -> Result<Option<Vec<String>>, ConnectError> {
        let user = self.user;
        let methods = &credentials.methods;
        // The inventory's variable wins over --ask-pass, as Ansible's
        // `ansible_password` wins over `-k`.
        let password = match (
            &credentials.password,
            &credentials.password_env,
            secret.asked,
        ) {
            (Some(password), _, _) => Some((
                password.expose().to_string(),
                "password from the inventory".to_string(),
            )),
            (None, Some(var), _) => Some((
                std::env::var(var)
                    .map_err(|_| ConnectError::PasswordEnvUnset { var: var.clone() })?,
                format!("password from ${var}"),
            )),
            (None, None, Some(asked)) => Some((
                asked.expose().to_string(),
                "password from --ask-pass".to_string(),
            )),
            (None, None, None) => None,
        };
        if let Some((password, source)) = password {
            if let Some(because) = &methods.no_password_because {
                self.tried
                    .push(format!("{source} (not sent: ssh_config {because})"));
                return Ok(None);
            }
            secret.may_be_sent()?;
            // Ask which methods the server takes before any password leaves
            // (OpenSSH's `none` request): not every server takes `password`.
            if self.methods_left.is_none() {
                match handle.authenticate_none(user).await? {
                    AuthResult::Success => return Ok(Some(Vec::new())),
                    AuthResult::Failure {
                        remaining_methods, ..
                    } => self.methods_left = Some(remaining_methods),
                }
            }
            let accepts = |methods: &Option<russh::MethodSet>, method: MethodKind| {
                methods.as_ref().is_none_or(|m| m.contains(&method))
            };
            let mut sent_by = Vec::new();
            if methods.password && accepts(&self.methods_left, MethodKind::Password) {
                sent_by.push("password");
                match handle.authenticate_password(user, password.clone()).await? {
                    AuthResult::Success => return Ok(Some(vec![password])),
                    AuthResult::Failure {
                        remaining_methods, ..
                    } => self.methods_left = Some(remaining_methods),
                }
            }
            // Appliances and PAM-based sshds often take the same password
            // only through keyboard-interactive.
            if methods.keyboard_interactive
                && accepts(&self.methods_left, MethodKind::KeyboardInteractive)
            {
                sent_by.push("keyboard-interactive");
                if keyboard_interactive(handle, user, &password).await? {
                    return Ok(Some(vec![password]));
                }
            }
            if sent_by.is_empty() {
                let accepted: Vec<&str> = self
                    .methods_left
                    .iter()
                    .flat_map(|m| m.iter())
                    .map(<&str>::from)
                    .collect();
                let allowed = match (methods.password, methods.keyboard_interactive) {
                    (true, true) => String::new(),
                    _ => format!("; ssh_config allows {}", allowed_password_methods(methods)),
                };
                self.tried.push(format!(
                    "{source} (not sent: the server accepts only {}{allowed})",
                    accepted.join(", ")
                ));
            } else {
                self.tried
                    .push(format!("{source} ({})", sent_by.join(", ")));
            }
        }
        Ok(None)
    }
}

/// Log in through `keyboard-interactive`, answering each hidden
/// login-password prompt (`prompt::LOGIN_PASSWORD_PROMPTS`) with
/// `password`. `Ok(false)`: the server refused. A prompt with echo on (a
/// user name, a yes/no question), a hidden one that is no login-password
/// prompt (a one-time code, a new password), or more prompts than a
/// password login has stop the login with an error naming the prompt;
/// nothing is sent in answer to that round.
async fn keyboard_interactive(
    handle: &mut Handle<Verifier>,
    user: &str,
    password: &str,
) -> Result<bool, ConnectError> {
    let mut reply = handle
        .authenticate_keyboard_interactive_start(user, None)
        .await?;
    let mut answered = 0;
    for _ in 0..MAX_INTERACTIVE_ROUNDS {
        let prompts = match reply {
            KeyboardInteractiveAuthResponse::Success => return Ok(true),
            KeyboardInteractiveAuthResponse::Failure { .. } => return Ok(false),
            KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. } => prompts,
        };
        let stop = |prompt: &str, reason: String| ConnectError::UnexpectedPrompt {
            user: user.to_string(),
            prompt: shown_prompt(prompt),
            reason,
        };
        for prompt in &prompts {
            if prompt.echo {
                return Err(stop(
                    &prompt.prompt,
                    "it is asked with echo on, so it is no password prompt; sshfleet answers \
                     only hidden password prompts and sent nothing"
                        .to_string(),
                ));
            }
            answered += 1;
            if answered > MAX_PASSWORD_PROMPTS {
                return Err(stop(
                    &prompt.prompt,
                    format!(
                        "the server asks for more than {MAX_PASSWORD_PROMPTS} hidden answers; \
                         sshfleet answers only password prompts (is a second factor or a \
                         password change required?)"
                    ),
                ));
            }
            if let Err(refusal) = prompt::judge(&prompt.prompt, user) {
                return Err(stop(&prompt.prompt, refusal.reason(user)));
            }
        }
        let answers = prompts.iter().map(|_| password.to_string()).collect();
        reply = handle
            .authenticate_keyboard_interactive_respond(answers)
            .await?;
    }
    Ok(matches!(reply, KeyboardInteractiveAuthResponse::Success))
}

/// What ssh_config lets a password be sent through, for messages.
fn allowed_password_methods(methods: &Methods) -> &'static str {
    match (methods.password, methods.keyboard_interactive) {
        (true, true) => "password, keyboard-interactive",
        (true, false) => "password",
        (false, true) => "keyboard-interactive",
        (false, false) => "no password method",
    }
}

/// The agent `IdentityAgent` names, if it can be reached.
async fn connect_agent(
    source: &AgentSource,
) -> Option<AgentClient<Box<dyn russh::keys::agent::client::AgentStream + Send + Unpin>>> {
    let path = match source {
        AgentSource::None => return None,
        AgentSource::Environment => PathBuf::from(std::env::var_os("SSH_AUTH_SOCK")?),
        AgentSource::Socket(path) => path.clone(),
    };
    match AgentClient::connect_uds(&path).await {
        Ok(agent) => Some(agent.dynamic()),
        Err(e) => {
            tracing::debug!("agent {}: {e}", path.display());
            None
        }
    }
}

/// How many characters of a prompt an error quotes: a server may send a
/// prompt of any length.
const SHOWN_PROMPT_CHARS: usize = 120;

/// A prompt as an error quotes it: trimmed, escaped (it is the server's
/// text: escapes, bidi and zero-width characters are shown as `\u{..}`),
/// and cut to [`SHOWN_PROMPT_CHARS`].
fn shown_prompt(prompt: &str) -> String {
    let trimmed = prompt.trim();
    let mut shown: String = trimmed
        .chars()
        .take(SHOWN_PROMPT_CHARS)
        .collect::<String>()
        .escape_debug()
        .to_string();
    if trimmed.chars().nth(SHOWN_PROMPT_CHARS).is_some() {
        shown.push_str("...");
    }
    shown
}

/// What one identity file (and its `FILE.pub`) gave.
struct Identity {
    /// Its public half: the file itself if it is a public key, else
    /// `FILE.pub`.
    public: Option<russh::keys::PublicKey>,
    private: Result<russh::keys::PrivateKey, ConnectError>,
    /// The file itself is a public key (an `IdentityFile` may name one).
    is_public: bool,
    /// A private key whose private part needs a passphrase.
    encrypted: bool,
    exists: bool,
    /// The file (or `FILE.pub`) is not one sshfleet reads (a FIFO, a
    /// device, too large): an error even for an ssh_config identity.
    refused: bool,
}

/// Read the identity at `path` through the one bounded reader
/// (`support::bounds`), off the runtime's worker threads: a worker blocked
/// in a read stalls the timers and the signal watcher of the whole run.
async fn read_identity(path: &Path, named_by: &'static str) -> Identity {
    let owned = path.to_path_buf();
    let read = tokio::task::spawn_blocking(move || read_identity_now(&owned, named_by)).await;
    read.unwrap_or_else(|e| Identity {
        public: None,
        private: Err(ConnectError::KeyFile {
            path: path.to_path_buf(),
            message: format!("reading it failed: {e}"),
        }),
        is_public: false,
        encrypted: false,
        exists: true,
        refused: true,
    })
}

/// OpenSSH's `sshkey_perm_ok`: a private key file owned by this user that
/// group or others may read is not used ("UNPROTECTED PRIVATE KEY FILE!",
/// "Permissions 0644 for FILE are too open"); the reason, if so.
fn too_open(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    // What is not a regular file is refused by the reader, saying so.
    if !meta.is_file() {
        return None;
    }
    let mode = meta.mode() & 0o7777;
    (meta.uid() == nix::unistd::getuid().as_raw() && mode & 0o077 != 0).then(|| {
        format!(
            "UNPROTECTED PRIVATE KEY FILE: permissions {mode:04o} are too open (group or others may read it), so ssh ignores this key, and so does sshfleet; chmod 600 it"
        )
    })
}

fn read_identity_now(path: &Path, named_by: &str) -> Identity {
    let refusal = |file: &Path, e: &std::io::Error| ConnectError::KeyFile {
        path: file.to_path_buf(),
        message: match file == path {
            true => format!("{e} (named by {named_by})"),
            false => format!(
                "{e} (the public half beside {}, named by {named_by})",
                path.display()
            ),
        },
    };
    let text = crate::support::bounds::read_input(path);
    let refused_io = |e: &std::io::Error| e.kind() == std::io::ErrorKind::InvalidInput;
    if let Err(e) = &text
        && refused_io(e)
    {
        return Identity {
            public: None,
            private: Err(refusal(path, e)),
            is_public: false,
            encrypted: false,
            exists: true,
            refused: true,
        };
    }
    let exists = !matches!(&text, Err(e) if e.kind() == std::io::ErrorKind::NotFound);
    let own_public = text.as_deref().ok().and_then(parse_public_key);
    let is_public = own_public.is_some();
    let public = match own_public {
        Some(key) => Some(key),
        None => {
            let mut pub_path = path.as_os_str().to_owned();
            pub_path.push(".pub");
            let pub_path = std::path::PathBuf::from(pub_path);
            match crate::support::bounds::read_input(&pub_path) {
                Ok(text) => parse_public_key(&text),
                Err(e) if refused_io(&e) => {
                    return Identity {
                        public: None,
                        private: Err(refusal(&pub_path, &e)),
                        is_public,
                        encrypted: false,
                        exists,
                        refused: true,
                    };
                }
                // As OpenSSH's `sshkey_load_public`: without `FILE.pub`,
                // the public half an OpenSSH-format private key stores in
                // the clear, read without its passphrase (so an encrypted
                // key whose private half is in the agent is used through
                // the agent, ssh's "explicit agent").
                Err(_) => text.as_deref().ok().and_then(public_of_private),
            }
        }
    };
    let mut encrypted = false;
    let private = match text {
        Ok(text) => {
            russh::keys::decode_secret_key(&text, None).map_err(|e| ConnectError::KeyFile {
                path: path.to_path_buf(),
                message: match e {
                    russh::keys::Error::KeyIsEncrypted => {
                        encrypted = true;
                        "it is encrypted; load it into ssh-agent instead".to_string()
                    }
                    other => other.to_string(),
                },
            })
        }
        Err(e) => Err(ConnectError::KeyFile {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
    };
    Identity {
        public,
        private,
        is_public,
        encrypted,
        exists,
        refused: false,
    }
}

/// The public key an OpenSSH-format private key file holds unencrypted
/// (also when the private part is encrypted).
fn public_of_private(text: &str) -> Option<russh::keys::PublicKey> {
    russh::keys::PrivateKey::from_openssh(text)
        .ok()
        .map(|key| key.public_key().clone())
}

/// A public key file's key, as `russh::keys::load_public_key` parses one:
/// the first line that is not blank or a comment, `ALGORITHM BASE64
/// [COMMENT]` or a bare base64 blob.
fn parse_public_key(text: &str) -> Option<russh::keys::PublicKey> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let Some((_, rest)) = line.split_once(char::is_whitespace) else {
        return russh::keys::parse_public_key_base64(line).ok();
    };
    let rest = rest.trim_start();
    let (key, comment) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let mut key = russh::keys::parse_public_key_base64(key).ok()?;
    key.set_comment(comment.trim_start());
    Some(key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// An identity that is a FIFO or a device is refused at once, naming
    /// the file and who named it, for ssh_config's IdentityFile too (which
    /// otherwise skips a key it cannot use).
    #[cfg(unix)]
    #[test]
    fn identities_that_are_not_regular_files_are_refused_naming_who_named_them() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("id");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        for (path, by) in [
            (fifo.as_path(), "ssh_config IdentityFile"),
            (Path::new("/dev/zero"), "ansible_ssh_private_key_file"),
        ] {
            let identity = read_identity_now(path, by);
            assert!(identity.refused);
            let e = identity.private.err().unwrap().to_string();
            assert!(e.contains(&path.display().to_string()), "{e}");
            assert!(e.contains("not a regular file") && e.contains(by), "{e}");
        }
        let missing = read_identity_now(&dir.path().join("none"), "ssh_config IdentityFile");
        assert!(!missing.refused && !missing.exists);
    }

    /// A hostile prompt is quoted escaped and cut: an error line never
    /// carries its escapes or all of a megabyte of it.
    #[test]
    fn a_refused_prompt_is_quoted_escaped_and_cut() {
        assert_eq!(
            shown_prompt(" \u{1b}[2JNew\u{202e} password: "),
            "\\u{1b}[2JNew\\u{202e} password:"
        );
        let long = "x".repeat(10_000);
        assert_eq!(
            shown_prompt(&long),
            format!("{}...", &long[..SHOWN_PROMPT_CHARS])
        );
    }

    /// ssh's `sshkey_perm_ok`: a key file of this user's that group or
    /// others may read is skipped, one only its owner reads is used.
    #[test]
    fn private_keys_others_may_read_are_skipped_as_ssh_skips_them() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("id");
        std::fs::write(&key, "x").unwrap();
        for (mode, skipped) in [
            (0o600, false),
            (0o400, false),
            (0o644, true),
            (0o640, true),
            (0o604, true),
        ] {
            std::fs::set_permissions(&key, std::fs::Permissions::from_mode(mode)).unwrap();
            let why = too_open(&key);
            assert_eq!(why.is_some(), skipped, "{mode:o}");
            if let Some(why) = why {
                assert!(
                    why.contains("UNPROTECTED PRIVATE KEY FILE")
                        && why.contains(&format!("{mode:04o}")),
                    "{why}"
                );
            }
        }
    }
}
