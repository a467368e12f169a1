//! Logging in: public keys (identity files and the agent's, in ssh's
//! order), then the password (`password`, then
//! `keyboard-interactive`), never to a host whose key was not verified,
//! never to a jump host.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::AgentAuthError;
use russh::MethodKind;
use russh::client::{AuthResult, Handle, KeyboardInteractiveAuthResponse};
use russh::keys::PrivateKeyWithHashAlg;
use russh::keys::agent::AgentIdentity;
use russh::keys::agent::client::AgentClient;

use crate::ssh::algorithms::{self, Algorithms};

use super::*;

mod identity;
mod prompt;

use identity::{Identity, read_identity, too_open};

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
}

/// The error of the inventory's key file that cannot be read.
fn unreadable(private: Result<russh::keys::PrivateKey, ConnectError>, path: &Path) -> ConnectError {
    private.err().unwrap_or_else(|| ConnectError::KeyFile {
        path: path.to_path_buf(),
        message: "cannot be read".to_string(),
    })
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

/// Try the public keys (the identity files and the agent's, in ssh's
/// order), then the password (the `password` method, then `keyboard-interactive`), as
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
    };
    if credentials.methods.publickey {
        match attempt.public_keys(handle, credentials, algorithms).await {
            Ok(true) => return Ok(Vec::new()),
            Ok(false) => {}
            Err(ConnectError::Ssh(
                e @ (russh::Error::SendError | russh::Error::Disconnect | russh::Error::HUP),
            )) => {
                return Err(ConnectError::AuthClosed {
                    user: attempt.user.to_string(),
                    tried: attempt.tried,
                    why: e.to_string(),
                });
            }
            Err(e) => return Err(e),
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

/// An agent connection, as russh's client gives it.
type Agent = AgentClient<Box<dyn russh::keys::agent::client::AgentStream + Send + Unpin>>;

/// One identity in the order ssh lists its identity files: the
/// inventory's key (Ansible's `-o IdentityFile`, first on ssh's command
/// line), then ssh_config's, each followed by the `FILE-cert.pub` ssh
/// loads beside it.
enum FileOffer<'p> {
    Key(Box<IdentityFile<'p>>),
    /// A user certificate ssh offers here; sshfleet offers none.
    Certificate(PathBuf),
}

struct IdentityFile<'p> {
    path: &'p Path,
    /// The inventory's key: one sshfleet cannot read is an error.
    required: bool,
    identity: Identity,
}

/// What the agent's keys gave, for the failure's one `ssh-agent` entry.
#[derive(Default)]
struct AgentNotes {
    skipped: Vec<String>,
    /// The server's `rsa-sha2-*` choice (as russh reports it), asked once.
    rsa_hash: Option<Option<Option<russh::keys::HashAlg>>>,
}

/// A signer that signs nothing: a key ssh offers but cannot sign with
/// (encrypted, no private half here, a `FILE.pub` of another key) is
/// still offered as ssh offers it (a query the server counts against its
/// `MaxAuthTries`), and the server's "yes" is left unanswered, as ssh
/// leaves it when it then cannot load the private key.
struct NoSigner;

/// Why the key was not signed: declined (the server's yes left
/// unanswered), or the connection is gone.
#[derive(Debug)]
enum NotSigned {
    Declined,
    Closed,
}

impl From<russh::SendError> for NotSigned {
    fn from(_: russh::SendError) -> Self {
        NotSigned::Closed
    }
}

impl russh::Signer for NoSigner {
    type Error = NotSigned;

    fn auth_sign(
        &mut self,
        _key: &AgentIdentity,
        _hash_alg: Option<russh::keys::HashAlg>,
        _to_sign: Vec<u8>,
    ) -> impl std::future::Future<Output = Result<Vec<u8>, NotSigned>> + Send {
        std::future::ready(Err(NotSigned::Declined))
    }
}

impl AgentNotes {
    /// The failure's entry for the agent: what it did not offer.
    fn summary(&self) -> String {
        match self.skipped.is_empty() {
            true => "ssh-agent".to_string(),
            false => format!("ssh-agent (not offered: {})", self.skipped.join("; ")),
        }
    }

    /// The server's RSA signature choice, asked once.
    async fn rsa_hash(
        &mut self,
        handle: &mut Handle<Verifier>,
    ) -> Result<Option<Option<russh::keys::HashAlg>>, ConnectError> {
        if let Some(known) = self.rsa_hash {
            return Ok(known);
        }
        Ok(*self
            .rsa_hash
            .insert(handle.best_supported_rsa_hash().await?))
    }
}

impl Attempt<'_> {
    /// The public keys in OpenSSH 9.2's order (`sshconnect2.c`
    /// `pubkey_prepare`): first the identity files whose key the agent
    /// holds, in the agent's order, signed by the agent; then the agent's
    /// other keys and certificates (none under `IdentitiesOnly`); then the
    /// other identity files and their certificates, signed from disk or,
    /// where sshfleet cannot sign, offered and left unsigned as ssh
    /// leaves them. Which key logs in decides what the host lets the
    /// session do (an `authorized_keys` `command=` or `from=`), and every
    /// offer counts against a server's `MaxAuthTries`. Where ssh would
    /// offer what sshfleet cannot (a user certificate, a key the agent
    /// refuses to sign for sshfleet), sshfleet stops rather than log in
    /// with a later key. `Ok(true)` when one logged in.
    async fn public_keys(
        &mut self,
        handle: &mut Handle<Verifier>,
        credentials: &Credentials,
        algorithms: &Algorithms,
    ) -> Result<bool, ConnectError> {
        let mut files = self.identity_files(credentials).await?;
        let mut agent = connect_agent(&credentials.methods.agent).await;
        let listed = match agent.as_mut() {
            Some(agent) => agent.request_identities().await.unwrap_or_default(),
            None => Vec::new(),
        };
        // The agent's keys, each either an identity file's (taken out of
        // `files`, in the agent's order) or its own.
        let mut via_agent = Vec::new();
        let mut agent_only = Vec::new();
        for listed in listed {
            let key = match listed {
                AgentIdentity::PublicKey { key, .. } => key,
                AgentIdentity::Certificate { comment, .. } => {
                    if !credentials.identities_only {
                        agent_only.push(Err(comment));
                    }
                    continue;
                }
            };
            let file = files.iter().position(|f| {
                matches!(f, FileOffer::Key(f) if f.identity.public.as_ref()
                    .is_some_and(|p| p.key_data() == key.key_data()))
            });
            match file.map(|at| files.remove(at)) {
                Some(FileOffer::Key(file)) => via_agent.push((*file, key)),
                _ if !credentials.identities_only => agent_only.push(Ok(key)),
                _ => {}
            }
        }
        let mut notes = AgentNotes::default();
        if let Some(agent) = agent.as_mut() {
            for (file, key) in via_agent {
                let skipped = notes.skipped.len();
                if self
                    .agent_key(handle, agent, key, algorithms, &mut notes)
                    .await?
                {
                    return Ok(true);
                }
                if notes.skipped.len() == skipped {
                    self.tried
                        .push(format!("key {} (signed by ssh-agent)", file.path.display()));
                }
            }
            for key in agent_only {
                let key = match key {
                    Ok(key) => key,
                    Err(comment) => {
                        return Err(self.stop(format!(
                            "ssh would now offer the user certificate the agent holds (`{comment}`); sshfleet offers no user certificates, so it stops rather than log in with a later key ssh would not reach"
                        )));
                    }
                };
                if self
                    .agent_key(handle, agent, key, algorithms, &mut notes)
                    .await?
                {
                    return Ok(true);
                }
            }
            self.tried.push(notes.summary());
        }
        for file in files {
            let file = match file {
                FileOffer::Key(file) => *file,
                FileOffer::Certificate(path) => {
                    return Err(self.stop(format!(
                        "ssh would now offer the user certificate {}; sshfleet offers no user certificates, so it stops rather than log in with a later key ssh would not reach",
                        path.display()
                    )));
                }
            };
            if self.key_file(handle, file, algorithms).await? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The identity files in ssh's order, each read once; a file sshfleet
    /// does not read (a FIFO, a device, too large) is refused before any
    /// key is offered.
    async fn identity_files<'c>(
        &mut self,
        credentials: &'c Credentials,
    ) -> Result<Vec<FileOffer<'c>>, ConnectError> {
        let mut files = Vec::new();
        let named = credentials
            .key_file
            .iter()
            .map(|p| (p, true))
            .chain(credentials.config_key_files.iter().map(|p| (p, false)));
        for (path, required) in named {
            let named_by = match required {
                true => "ansible_ssh_private_key_file",
                false => "ssh_config IdentityFile",
            };
            let identity = read_identity(path, named_by).await;
            if identity.refused
                && let Err(e) = identity.private
            {
                return Err(e);
            }
            files.push(FileOffer::Key(Box::new(IdentityFile {
                path,
                required,
                identity,
            })));
            // ssh loads `FILE-cert.pub` beside each identity and offers it
            // after the key (ssh.c `load_public_identity_files`), when it
            // reads as a certificate.
            let mut certificate = path.as_os_str().to_owned();
            certificate.push("-cert.pub");
            let certificate = PathBuf::from(certificate);
            let is_certificate = crate::support::bounds::read_input(&certificate)
                .ok()
                .is_some_and(|text| russh::keys::Certificate::from_openssh(text.trim()).is_ok());
            if is_certificate {
                files.push(FileOffer::Certificate(certificate));
            }
        }
        Ok(files)
    }

    /// Stop: ssh would now offer what sshfleet cannot.
    fn stop(&self, why: String) -> ConnectError {
        ConnectError::AuthStopped {
            user: self.user.to_string(),
            tried: self.tried.clone(),
            why,
        }
    }

    /// One key the agent holds, signed by it; `Ok(true)` when it logged
    /// in. An agent that refuses to sign stops the login: ssh's agent may
    /// have signed (a key added with `ssh-add -h` is signed for ssh, which
    /// binds the agent to the session), and a later key would then log in
    /// where ssh's does not.
    async fn agent_key(
        &mut self,
        handle: &mut Handle<Verifier>,
        agent: &mut Agent,
        key: russh::keys::PublicKey,
        algorithms: &Algorithms,
        notes: &mut AgentNotes,
    ) -> Result<bool, ConnectError> {
        let server = match key.algorithm().is_rsa() {
            true => notes.rsa_hash(handle).await?,
            false => None,
        };
        let hash = match algorithms::key_signature(&key.algorithm(), server, algorithms) {
            Ok(hash) => hash,
            Err(why) => {
                notes
                    .skipped
                    .push(format!("{} key: {why}", key.algorithm().as_str()));
                return Ok(false);
            }
        };
        let named = format!(
            "{} key {}",
            key.algorithm().as_str(),
            key.fingerprint(russh::keys::HashAlg::Sha256)
        );
        match handle
            .authenticate_publickey_with(self.user, key, hash, agent)
            .await
        {
            Ok(AuthResult::Success) => Ok(true),
            Ok(AuthResult::Failure {
                remaining_methods, ..
            }) => {
                self.methods_left = Some(remaining_methods);
                Ok(false)
            }
            Err(AgentAuthError::Key(russh::keys::Error::AgentFailure)) => {
                Err(self.stop(format!("ssh-agent, {named}: {AGENT_REFUSED}")))
            }
            Err(e) => Err(self.stop(format!("ssh-agent, {named}: {e}"))),
        }
    }

    /// One identity file signed from disk, or, where sshfleet cannot sign
    /// with it, offered unsigned as ssh offers it; `Ok(true)` when it
    /// logged in.
    async fn key_file(
        &mut self,
        handle: &mut Handle<Verifier>,
        file: IdentityFile<'_>,
        algorithms: &Algorithms,
    ) -> Result<bool, ConnectError> {
        let IdentityFile {
            path,
            required,
            identity,
        } = file;
        let public = identity.public.clone();
        let too_open = too_open(path).filter(|_| !identity.is_public);
        let unsigned = match (&identity.private, too_open) {
            // ssh's "UNPROTECTED PRIVATE KEY FILE!": the key is not used.
            (_, Some(why)) => {
                tracing::warn!("{}: {why}", path.display());
                Some(why)
            }
            (Ok(key), None) => match &public {
                // ssh offers the key `FILE.pub` holds and then cannot sign
                // for it with another private key.
                Some(listed)
                    if !identity.is_public && listed.key_data() != key.public_key().key_data() =>
                {
                    Some(format!(
                        "{}.pub beside it holds another key, which ssh offers and this private key cannot sign for",
                        path.display()
                    ))
                }
                _ => None,
            },
            (Err(e), None) if public.is_some() => Some(e.to_string()),
            (Err(_), None) if required => return Err(unreadable(identity.private, path)),
            (Err(e), None) => {
                // ssh_config often lists keys for other hosts too.
                if identity.exists && !identity.is_public {
                    self.tried
                        .push(format!("key {} (skipped: {e})", path.display()));
                }
                return Ok(false);
            }
        };
        if let Some(why) = unsigned {
            return match public {
                Some(public) => {
                    self.offer_unsigned(handle, path, public, &why, algorithms)
                        .await
                }
                None => {
                    self.tried
                        .push(format!("key {} (skipped: {why})", path.display()));
                    Ok(false)
                }
            };
        }
        let Ok(key) = identity.private else {
            return Ok(false);
        };
        let server = match key.algorithm().is_rsa() {
            true => handle.best_supported_rsa_hash().await?,
            false => None,
        };
        let hash = match algorithms::key_signature(&key.algorithm(), server, algorithms) {
            Ok(hash) => hash,
            Err(why) => {
                self.tried
                    .push(format!("key {} (not offered: {why})", path.display()));
                return Ok(false);
            }
        };
        let result = handle
            .authenticate_publickey(self.user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
            .await?;
        match result {
            AuthResult::Success => return Ok(true),
            AuthResult::Failure {
                remaining_methods, ..
            } => self.methods_left = Some(remaining_methods),
        }
        self.tried.push(format!("key {}", path.display()));
        Ok(false)
    }

    /// `public` offered as ssh offers a key it then cannot sign with: the
    /// server counts the offer; its "yes" is left unanswered.
    async fn offer_unsigned(
        &mut self,
        handle: &mut Handle<Verifier>,
        path: &Path,
        public: russh::keys::PublicKey,
        why: &str,
        algorithms: &Algorithms,
    ) -> Result<bool, ConnectError> {
        let server = match public.algorithm().is_rsa() {
            true => handle.best_supported_rsa_hash().await?,
            false => None,
        };
        let hash = match algorithms::key_signature(&public.algorithm(), server, algorithms) {
            Ok(hash) => hash,
            Err(not_offered) => {
                self.tried.push(format!(
                    "key {} (not offered: {not_offered})",
                    path.display()
                ));
                return Ok(false);
            }
        };
        let accepted = match handle
            .authenticate_publickey_with(self.user, public, hash, &mut NoSigner)
            .await
        {
            Ok(AuthResult::Success) => return Ok(true),
            Ok(AuthResult::Failure {
                remaining_methods, ..
            }) => {
                self.methods_left = Some(remaining_methods);
                false
            }
            Err(NotSigned::Declined) => true,
            Err(NotSigned::Closed) => return Err(ConnectError::Ssh(russh::Error::SendError)),
        };
        self.tried.push(match accepted {
            true => format!(
                "key {} (the server would take it; not signed: {why})",
                path.display()
            ),
            false => format!("key {} (offered, not signed: {why})", path.display()),
        });
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
async fn connect_agent(source: &AgentSource) -> Option<Agent> {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
}
