//! SSH connections to appliances (russh client): connect with a timeout,
//! verify the host key against known_hosts the way OpenSSH does, and
//! authenticate with a key file, the ssh-agent or a password (taken from the
//! environment, or asked once with `--ask-pass`), through the `password`
//! method and then `keyboard-interactive`, as appliances and PAM-based sshds
//! ask for it. Every failure here makes a host `unreachable`.
//!
//! Where to connect comes from the inventory first, then ssh_config (see
//! [`Target`]); a `ProxyJump` chain is followed hop by hop through
//! `direct-tcpip` channels, each hop's host key verified and its session
//! kept open while the target's lives.

use crate::support::secrets::{Field, FromSecret};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, Handle};
use tokio::io::{AsyncRead, AsyncWrite};

mod auth;
mod kexinit;
mod proxy;
mod verify;

use auth::{PasswordGate, authenticate};
use verify::{HandlerError, Verifier, host_key_preference};

use crate::ssh::algorithms::{self, Algorithms};
use crate::ssh::known_hosts::{self};

/// How to treat keys that known_hosts does not know yet. A *changed* key is
/// refused whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HostKeyPolicy {
    /// Refuse unknown keys (OpenSSH `StrictHostKeyChecking yes`).
    Strict,
    /// Record unknown keys, refuse changed ones (`accept-new`).
    AcceptNew,
}

/// What every connection of a run shares: its timeouts, the password
/// asked once, and the known_hosts files parsed once and the lock that
/// serialises appends to them (where to connect and
/// how to trust it are each [`Target`]'s own).
#[derive(Debug, Clone)]
pub(crate) struct TransportContext {
    pub connect_timeout: Duration,
    /// A quiet `tail` must not let a NAT or firewall drop the session.
    pub keepalive_interval: Duration,
    /// Serialises appends to known_hosts across concurrent hosts.
    known_hosts_lock: Arc<Mutex<()>>,
    /// known_hosts files parsed once for the whole run.
    known_hosts_cache: Arc<known_hosts::Cache>,
    /// The password asked with `--ask-pass`, for targets whose inventory
    /// names no password variable (never for jump hosts).
    pub(crate) ask_pass: Option<Secret>,
}

impl Default for TransportContext {
    fn default() -> TransportContext {
        TransportContext {
            connect_timeout: Duration::from_secs(15),
            keepalive_interval: Duration::from_secs(15),
            known_hosts_lock: Arc::new(Mutex::new(())),
            known_hosts_cache: Arc::default(),
            ask_pass: None,
        }
    }
}

/// A password in memory: the one [`Secret`] type; transcripts, recordings
/// and results redact it (see [`crate::support::secrets`]).
pub(crate) use crate::support::secrets::Secret;

/// Who to log in as and how.
#[derive(Debug, Clone, Default)]
pub(crate) struct Credentials {
    pub user: String,
    /// The inventory's key: it must be usable.
    pub key_file: Option<PathBuf>,
    /// ssh_config's `IdentityFile`s, tried after it; as in OpenSSH, one
    /// that is missing is skipped.
    pub config_key_files: Vec<PathBuf>,
    /// Name of the environment variable holding the password, never the password.
    pub password_env: Option<String>,
    /// `IdentitiesOnly yes`: only the key files, never the agent's other keys.
    pub identities_only: bool,
    /// The password itself (from the inventory, perhaps vault-decrypted):
    /// it wins over `password_env` and `--ask-pass`, as Ansible's
    /// `ansible_password` wins over `-k`.
    pub password: Option<Secret>,
    /// What ssh_config allows.
    pub methods: Methods,
}

/// The authentication methods ssh_config allows (`PubkeyAuthentication`,
/// `PasswordAuthentication`, `KbdInteractiveAuthentication`,
/// `PreferredAuthentications`) and where the agent is (`IdentityAgent`).
#[derive(Debug, Clone)]
pub(crate) struct Methods {
    pub publickey: bool,
    pub password: bool,
    pub keyboard_interactive: bool,
    pub agent: AgentSource,
    /// The setting that rules every password method out (`BatchMode yes`,
    /// `NumberOfPasswordPrompts 0`, ...), with its file and line, for the
    /// message when a password was given but not sent.
    pub no_password_because: Option<String>,
}

impl Default for Methods {
    fn default() -> Methods {
        Methods {
            publickey: true,
            password: true,
            keyboard_interactive: true,
            agent: AgentSource::Environment,
            no_password_because: None,
        }
    }
}

/// `IdentityAgent`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AgentSource {
    /// `$SSH_AUTH_SOCK` (the default).
    Environment,
    Socket(PathBuf),
    None,
}

/// `AddressFamily`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum AddressFamily {
    #[default]
    Any,
    Inet,
    Inet6,
}

/// Host key checks beyond known_hosts.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostKeyChecks {
    /// `RevokedHostKeys`: a file of revoked keys, read at connection.
    pub revoked_host_keys: Option<PathBuf>,
    /// `CASignatureAlgorithms`: what a host certificate's CA may sign with.
    pub ca_signature_algorithms: Vec<String>,
    /// `HashKnownHosts`: record new keys with the name hashed.
    pub hash_known_hosts: bool,
    /// `UserKnownHostsFile none`: there is no file to record a new key
    /// in, so OpenSSH 9.2 refuses an unknown key whatever
    /// `StrictHostKeyChecking` says ("Host key verification failed");
    /// `/dev/null` is a file, which accept-new "records" to.
    pub nowhere_to_record: bool,
}

/// The shell a `ProxyCommand` runs under.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum ProxyShell {
    /// OpenSSH's: `$SHELL -c COMMAND` (`/bin/sh` when unset or empty),
    /// for ssh_config's and `-o ProxyCommand`.
    #[default]
    User,
    /// `/bin/sh -c`: Ansible's paramiko runs its proxy command's words
    /// with no shell; sshfleet quotes each word for `/bin/sh`, which
    /// gives the program exactly those words, whatever `$SHELL` is.
    Posix,
}

/// One SSH server to reach and how, every source already applied (see
/// the `target` module): transport only connects it.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// Where to connect: ssh_config's `HostName`, else the name given.
    pub address: String,
    pub port: u16,
    pub credentials: Credentials,
    /// The known_hosts file new keys are recorded in (the first
    /// `UserKnownHostsFile`).
    pub known_hosts: PathBuf,
    /// Files also read, never written: the other `UserKnownHostsFile`s,
    /// then the `GlobalKnownHostsFile`s, as OpenSSH reads them.
    pub known_hosts_also: Vec<PathBuf>,
    /// `HostKeyAlias`: the name keys are looked up and recorded under
    /// (without the port), instead of the address.
    pub host_key_alias: Option<String>,
    pub host_key_policy: HostKeyPolicy,
    pub algorithms: Algorithms,
    /// Jump hosts, first hop first (each with no jumps of its own).
    pub jumps: Vec<Target>,
    /// The host name the inventory hands to ssh (`ansible_host`, else its
    /// name), when the installed ssh refuses it on its command line
    /// ("hostname contains invalid characters", Debian's 9.2 with the
    /// CVE-2023-51385 fix): Ansible's ssh never reaches such a host, so
    /// neither does sshfleet, though the inventory lists it as Ansible's does.
    pub name_refused: Option<String>,
    /// Reach the host through this command's stdin/stdout (its tokens
    /// already expanded) instead of TCP, as OpenSSH's `ProxyCommand`.
    pub proxy_command: Option<String>,
    /// What reads `proxy_command`.
    pub proxy_shell: ProxyShell,
    pub address_family: AddressFamily,
    pub checks: HostKeyChecks,
    /// Which of `address`, `port`, the user and `proxy_command` were
    /// computed from a secret (docs/SECURITY.md I4), decided where each
    /// was computed: every message shows `***` for them.
    pub from_secret: FromSecret,
}

impl Target {
    /// `[host]:port` as known_hosts and OpenSSH write it, for messages:
    /// a field computed from a secret is `***`.
    pub(crate) fn host_port(&self) -> String {
        if self.from_secret.address || self.from_secret.port {
            let address = self.from_secret.shown(Field::Address, &self.address);
            let port = self.from_secret.shown(Field::Port, self.port);
            return format!("[{address}]:{port}");
        }
        host_port(&self.address, self.port)
    }

    /// `address:port` for messages, masked as [`Target::host_port`].
    pub(crate) fn shown_addr(&self) -> String {
        format!(
            "{}:{}",
            self.from_secret.shown(Field::Address, &self.address),
            self.from_secret.shown(Field::Port, self.port)
        )
    }

    /// The user for messages, masked as [`Target::host_port`].
    pub(crate) fn shown_user(&self) -> String {
        self.from_secret.shown(Field::User, &self.credentials.user)
    }

    /// For the transcript: where, as whom, through which jumps.
    pub(crate) fn describe(&self) -> String {
        let mut text = format!("{} as {}", self.shown_addr(), self.shown_user());
        if !self.jumps.is_empty() {
            let hops: Vec<String> = self
                .jumps
                .iter()
                .map(|j| format!("{}@{}", j.shown_user(), j.host_port()))
                .collect();
            text.push_str(&format!(" via {}", hops.join(", ")));
        }
        text
    }
}

/// Why a host could not be reached. The messages are what an operator reads
/// at 3 a.m.: each says what happened and what to do.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConnectError {
    #[error("cannot connect to {addr}: {source}")]
    Tcp {
        addr: String,
        source: std::io::Error,
    },
    #[error("no SSH answer from {addr} within {}s", after.as_secs())]
    Timeout { addr: String, after: Duration },
    #[error(
        "host key of {host_port} is not known ({fingerprint}); if this is the right appliance, \
         add this line to {}: `{entry}` or run once with --accept-new-host-keys",
        known_hosts.display()
    )]
    UnknownHostKey {
        host_port: String,
        fingerprint: String,
        known_hosts: PathBuf,
        entry: String,
    },
    #[error(
        "host key of {host_port} is not known ({fingerprint}) and `UserKnownHostsFile none` leaves \
         nowhere to record it, so it is refused as ssh refuses it whatever StrictHostKeyChecking says; \
         name a known_hosts file that trusts it (`{entry}`)"
    )]
    UnknownHostKeyNowhereToRecord {
        host_port: String,
        fingerprint: String,
        entry: String,
    },
    /// Known under another key type: not a new host, so never recorded
    /// (a second key would silently widen what is trusted).
    #[error(
        "{host_port} presents {fingerprint}, but {}:{line} knows it by its {known_type} key; \
         not connecting and not recording a second key. Check the new key out of band, then \
         replace that line (or make the appliance offer its {known_type} key)",
        known_hosts.display()
    )]
    KnownUnderOtherType {
        host_port: String,
        fingerprint: String,
        known_hosts: PathBuf,
        line: usize,
        known_type: String,
    },
    #[error(
        "WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED for {host_port}! It now presents {fingerprint}, \
         which differs from {}:{line}. Someone could be intercepting the connection (man-in-the-middle), \
         or the appliance was reinstalled. Not connecting; verify the key out of band, then remove that line",
        known_hosts.display()
    )]
    ChangedHostKey {
        host_port: String,
        fingerprint: String,
        known_hosts: PathBuf,
        line: usize,
    },
    #[error(
        "ssh refuses the host name `{0}` on its command line (\"hostname contains invalid characters\": a quote, a backquote, `$\\;&<>|(){{}},`, white space, a control character or a leading `-`); set ansible_host to its address"
    )]
    NameRefused(String),
    #[error("host key {fingerprint} of {host_port} is marked @revoked in {}:{line}; not connecting", known_hosts.display())]
    RevokedHostKey {
        host_port: String,
        fingerprint: String,
        known_hosts: PathBuf,
        line: usize,
    },
    #[error(
        "the host certificate of {host_port} is signed by the authority trusted in {}:{line}, \
         but {reason}; not connecting",
        known_hosts.display()
    )]
    InvalidHostCertificate {
        host_port: String,
        reason: String,
        known_hosts: PathBuf,
        line: usize,
    },
    /// `RevokedHostKeys` lists the key, or cannot be read (OpenSSH then
    /// refuses the connection too).
    #[error("host key of {host_port}: {message}; not connecting")]
    RevokedHostKeysFile { host_port: String, message: String },
    /// `HostKeyAlgorithms` in an order russh cannot offer exactly.
    #[error("{host_port}: {message}; not connecting")]
    HostKeyOrder { host_port: String, message: String },
    #[error(transparent)]
    KnownHosts(#[from] known_hosts::KnownHostsError),
    #[error("authentication failed for user `{user}` (tried: {})", tried.join(", "))]
    AuthFailed { user: String, tried: Vec<String> },
    /// The server closed the connection while keys were offered: a
    /// server that counts offers (sshd's `MaxAuthTries`) ends ssh's login
    /// at the same offer, keys being offered in ssh's order.
    #[error("the server closed the connection while authenticating user `{user}` (tried: {}): {why}; sshd ends a login so after MaxAuthTries offers, as it would end ssh's (offer the right key first: IdentitiesOnly, IdentityFile)", tried.join(", "))]
    AuthClosed {
        user: String,
        tried: Vec<String>,
        why: String,
    },
    /// ssh would now offer what sshfleet cannot (a user certificate, a
    /// key the agent signs only for ssh): going on would log in with a
    /// later key ssh never reaches, so sshfleet stops.
    #[error("authentication stopped for user `{user}` (tried: {}): {why}", tried.join(", "))]
    AuthStopped {
        user: String,
        tried: Vec<String>,
        why: String,
    },
    #[error(
        "no way to authenticate as `{user}`: set ansible_ssh_private_key_file, run an ssh-agent, name a password variable with sshfleet_password_env, or use --ask-pass"
    )]
    NoCredentials { user: String },
    /// At a jump host: the inventory's key and the password never reach
    /// one (as with `ssh -J`), so naming them would not help.
    #[error(
        "no way to authenticate as `{user}` on the jump host: give it an IdentityFile in ssh_config or run an ssh-agent (the inventory's key and password are never offered to a jump host, as with ssh -J)"
    )]
    NoJumpCredentials { user: String },
    /// As `ssh`, which offers no key then either: the advice of
    /// `NoCredentials` (run an agent, name a key) would not help.
    #[error(
        "no way to authenticate as `{user}`: ssh_config rules out keys (PubkeyAuthentication no, or PreferredAuthentications without publickey) and no password was given"
    )]
    KeysRuledOut { user: String },
    #[error("keyboard-interactive login as `{user}` stopped at the prompt `{prompt}`: {reason}")]
    UnexpectedPrompt {
        user: String,
        /// As the server sent it, escaped: it is the server's text.
        prompt: String,
        reason: String,
    },
    #[error("not sending the password to {host_port}: its host key was not verified")]
    HostKeyNotVerified { host_port: String },
    #[error("cannot use private key {}: {message}", path.display())]
    KeyFile { path: PathBuf, message: String },
    #[error("the password variable `{var}` named in the inventory is not set in the environment")]
    PasswordEnvUnset { var: String },
    #[error("{host_port}: {message}")]
    NoCommonAlgorithm { host_port: String, message: String },
    #[error("via jump host {jump}: {source}")]
    Jump {
        jump: String,
        source: Box<ConnectError>,
    },
    #[error("jump host {jump} did not forward the connection to {to}: {reason}")]
    Forward {
        jump: String,
        to: String,
        reason: String,
    },
    #[error("cannot start ProxyCommand `{command}`: {source}")]
    ProxyCommand {
        command: String,
        source: std::io::Error,
    },
    /// A connection through a `ProxyCommand` that failed, and the end of
    /// what the command wrote on stderr (the terminal escapes it).
    #[error("{source} (ProxyCommand `{command}` wrote on stderr: {stderr})")]
    ProxyFailed {
        command: String,
        stderr: String,
        source: Box<ConnectError>,
    },
    #[error("ssh: {0}")]
    Ssh(#[from] russh::Error),
}

impl ConnectError {
    /// Whether trying again later could succeed: the network or the
    /// appliance's SSH service was not there (refused, reset, timed out,
    /// handshake cut). Host key, credential and key-file problems are not:
    /// retrying them only repeats the refusal.
    pub(crate) fn is_transient(&self) -> bool {
        use std::io::ErrorKind::*;
        let io_transient = |e: &std::io::Error| {
            matches!(
                e.kind(),
                ConnectionRefused
                    | ConnectionReset
                    | ConnectionAborted
                    | TimedOut
                    | HostUnreachable
                    | NetworkUnreachable
                    | NotConnected
                    | BrokenPipe
                    | UnexpectedEof
                    | Interrupted
            )
        };
        match self {
            ConnectError::Tcp { source, .. } => io_transient(source),
            ConnectError::Timeout { .. } => true,
            // A jump host that was not there yet may be there next time; a
            // forwarding refusal is its policy.
            ConnectError::Jump { source, .. } | ConnectError::ProxyFailed { source, .. } => {
                source.is_transient()
            }
            ConnectError::Ssh(e) => match e {
                russh::Error::IO(e) => io_transient(e),
                russh::Error::Disconnect
                | russh::Error::HUP
                | russh::Error::ConnectionTimeout
                | russh::Error::KeepaliveTimeout
                | russh::Error::Elapsed(_) => true,
                _ => false,
            },
            _ => false,
        }
    }
}

/// An authenticated SSH connection (and the jump sessions it runs over).
pub(crate) struct Connection {
    handle: Handle<Verifier>,
    /// First hop first; closed after the target, last hop first.
    jumps: Vec<Handle<Verifier>>,
    /// Secrets used to log in, for the transcript to redact.
    pub secrets: Vec<String>,
}

impl Connection {
    pub(crate) async fn open_session(&self) -> Result<russh::Channel<client::Msg>, russh::Error> {
        self.handle.channel_open_session().await
    }

    pub(crate) async fn disconnect(&self) {
        disconnect(&self.handle).await;
        close_jumps(&self.jumps).await;
    }
}

async fn disconnect(handle: &Handle<Verifier>) {
    let _ = handle
        .disconnect(russh::Disconnect::ByApplication, "", "en")
        .await;
}

async fn close_jumps(jumps: &[Handle<Verifier>]) {
    for jump in jumps.iter().rev() {
        disconnect(jump).await;
    }
}

fn host_port(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Connect to a [`Target`], through its jump hosts if it has any: each hop
/// is a full SSH session (host key verified under its own name and port,
/// authenticated), and the next one runs over a `direct-tcpip` channel of
/// the previous.
pub(crate) async fn connect_target(
    target: &Target,
    options: &TransportContext,
) -> Result<Connection, ConnectError> {
    if let Some(name) = &target.name_refused {
        return Err(ConnectError::NameRefused(
            target.from_secret.shown(Field::Address, name),
        ));
    }
    let mut jumps: Vec<Handle<Verifier>> = Vec::with_capacity(target.jumps.len());
    for (index, hop) in target.jumps.iter().enumerate() {
        let previous = index
            .checked_sub(1)
            .and_then(|i| jumps.get(i).zip(target.jumps.get(i)));
        // Never a password to a jump host.
        match reach(previous, hop, options, None).await {
            Ok((handle, _)) => jumps.push(handle),
            Err(e) => {
                close_jumps(&jumps).await;
                // A forwarding refusal already names the jump host at fault.
                return Err(match e {
                    e @ ConnectError::Forward { .. } => e,
                    ConnectError::NoCredentials { user } => ConnectError::Jump {
                        jump: hop.host_port(),
                        source: Box::new(ConnectError::NoJumpCredentials { user }),
                    },
                    e => ConnectError::Jump {
                        jump: hop.host_port(),
                        source: Box::new(e),
                    },
                });
            }
        }
    }
    let previous = jumps.last().zip(target.jumps.last());
    match reach(previous, target, options, options.ask_pass.as_ref()).await {
        Ok((handle, secrets)) => Ok(Connection {
            handle,
            jumps,
            secrets,
        }),
        Err(e) => {
            close_jumps(&jumps).await;
            Err(e)
        }
    }
}

/// One SSH session with `hop`: over TCP, or through the previous jump.
async fn reach(
    previous: Option<(&Handle<Verifier>, &Target)>,
    hop: &Target,
    options: &TransportContext,
    asked: Option<&Secret>,
) -> Result<(Handle<Verifier>, Vec<String>), ConnectError> {
    match previous {
        None => match &hop.proxy_command {
            Some(command) => {
                let (stream, stderr) = proxy::proxy_stream(command, hop.proxy_shell)?;
                match open_session(stream, hop, options, asked).await {
                    Ok(session) => Ok(session),
                    Err(e) => Err(stderr.explain(command, e).await),
                }
            }
            None => open_session(tcp_connect(hop, options).await?, hop, options, asked).await,
        },
        Some((jump, jump_target)) => {
            open_session(forward(jump, jump_target, hop).await?, hop, options, asked).await
        }
    }
}

async fn tcp_connect(
    target: &Target,
    options: &TransportContext,
) -> Result<tokio::net::TcpStream, ConnectError> {
    // For messages only; the socket is opened from (host, port), which also
    // works for IPv6 literals.
    let addr = target.shown_addr();
    let connecting = connect_in_family(target);
    match tokio::time::timeout(options.connect_timeout, connecting).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(source)) => Err(ConnectError::Tcp { addr, source }),
        Err(_) => Err(ConnectError::Timeout {
            addr,
            after: options.connect_timeout,
        }),
    }
}

/// A TCP connection to the target's addresses of its `AddressFamily`,
/// tried in the resolver's order.
async fn connect_in_family(target: &Target) -> std::io::Result<tokio::net::TcpStream> {
    let host = (target.address.as_str(), target.port);
    if target.address_family == AddressFamily::Any {
        return tokio::net::TcpStream::connect(host).await;
    }
    let mut last = None;
    for addr in tokio::net::lookup_host(host).await? {
        let wanted = match target.address_family {
            AddressFamily::Inet => addr.is_ipv4(),
            AddressFamily::Inet6 => addr.is_ipv6(),
            AddressFamily::Any => true,
        };
        if !wanted {
            continue;
        }
        match tokio::net::TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "no {} address (AddressFamily {})",
                if target.address_family == AddressFamily::Inet {
                    "IPv4"
                } else {
                    "IPv6"
                },
                if target.address_family == AddressFamily::Inet {
                    "inet"
                } else {
                    "inet6"
                }
            ),
        )
    }))
}

/// Ask the jump host to open a TCP connection to the next hop.
async fn forward(
    jump: &Handle<Verifier>,
    jump_target: &Target,
    next: &Target,
) -> Result<russh::ChannelStream<client::Msg>, ConnectError> {
    let failed = |reason: String| ConnectError::Forward {
        jump: jump_target.host_port(),
        to: next.shown_addr(),
        reason,
    };
    // OpenSSH's `ssh -W` sends the same originator.
    let channel = jump
        .channel_open_direct_tcpip(next.address.as_str(), u32::from(next.port), "127.0.0.1", 0)
        .await
        .map_err(|e| {
            failed(match e {
                russh::Error::ChannelOpenFailure(f) => channel_open_failure(&f),
                other => other.to_string(),
            })
        })?;
    Ok(channel.into_stream())
}

fn channel_open_failure(failure: &russh::ChannelOpenFailure) -> String {
    match failure {
        russh::ChannelOpenFailure::AdministrativelyProhibited => {
            "forwarding refused (administratively prohibited: is TCP forwarding allowed there?)"
                .to_string()
        }
        russh::ChannelOpenFailure::ConnectFailed => "it could not connect there".to_string(),
        russh::ChannelOpenFailure::UnknownChannelType => {
            "it does not support direct-tcpip channels".to_string()
        }
        russh::ChannelOpenFailure::ResourceShortage => "it is out of resources".to_string(),
        russh::ChannelOpenFailure::Other { code, reason } => format!("refused ({code}: {reason})"),
    }
}

/// Bytes read from the connection ahead of russh: an AsyncOS screen of
/// output or a burst of log lines in one `recv`; larger packets are read
/// straight through.
const READ_BUFFER: usize = 4096;

/// Handshake (host key verified) and authentication over any stream.
/// `asked` is the `--ask-pass` password, for the target only.
async fn open_session<S>(
    stream: S,
    target: &Target,
    options: &TransportContext,
    asked: Option<&Secret>,
) -> Result<(Handle<Verifier>, Vec<String>), ConnectError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let addr = target.shown_addr();
    let (preferred, plan) = host_key_preference(target, &options.known_hosts_cache);
    let server_host_keys = kexinit::ServerHostKeys::default();
    let config = Arc::new(client::Config {
        keepalive_interval: Some(options.keepalive_interval),
        keepalive_max: 4,
        nodelay: true,
        preferred,
        ..client::Config::default()
    });
    let verified = Arc::new(AtomicBool::new(false));
    // OpenSSH records a key under HostKeyAlias alone, without the port.
    let (host, port) = match &target.host_key_alias {
        Some(alias) => (alias.clone(), 22),
        None => (target.address.clone(), target.port),
    };
    let verifier = Verifier {
        host,
        alias: target.host_key_alias.is_some(),
        port,
        known_hosts: target.known_hosts.clone(),
        known_hosts_also: target.known_hosts_also.clone(),
        policy: target.host_key_policy,
        known_hosts_lock: options.known_hosts_lock.clone(),
        known_hosts_cache: options.known_hosts_cache.clone(),
        verified: verified.clone(),
        checks: target.checks.clone(),
        plan: plan.clone(),
        server_host_keys: server_host_keys.clone(),
    };
    // russh reads each packet with two exact reads (its first block, then
    // the rest), so an unbuffered socket costs two or three `recv` calls a
    // packet, more than the packet's own cost on loopback; a small buffer
    // makes it about one per burst of packets.
    let stream = tokio::io::BufReader::with_capacity(
        READ_BUFFER,
        kexinit::Sniff::new(stream, server_host_keys),
    );
    let handshake = client::connect_stream(config, stream, verifier);
    let timeout = || ConnectError::Timeout {
        addr: addr.clone(),
        after: options.connect_timeout,
    };
    let mut handle = tokio::time::timeout(options.connect_timeout, handshake)
        .await
        .map_err(|_| timeout())?
        .map_err(|e| match e {
            HandlerError::HostKey(e) => *e,
            // A name ssh would take that russh left out: say so.
            HandlerError::Ssh(russh::Error::NoCommonAlgo { kind, theirs, .. })
                if matches!(kind, russh::AlgorithmKind::Key)
                    && plan.check(Some(&theirs)).is_err() =>
            {
                ConnectError::HostKeyOrder {
                    host_port: target.host_port(),
                    message: plan.check(Some(&theirs)).err().unwrap_or_default(),
                }
            }
            HandlerError::Ssh(russh::Error::NoCommonAlgo { kind, theirs, .. }) => {
                ConnectError::NoCommonAlgorithm {
                    host_port: target.host_port(),
                    message: algorithms::no_common_algorithm_hint(
                        kind,
                        &theirs,
                        &target.algorithms,
                    ),
                }
            }
            HandlerError::Ssh(e) => ConnectError::Ssh(e),
        })?;
    // russh returns the handle only after the key exchange, whose host key
    // `check_server_key` accepted; `verified` says so explicitly, and no
    // password is sent without it.
    let password = PasswordGate {
        asked,
        host_key_verified: verified.load(Ordering::SeqCst),
        host_port: target.host_port(),
    };
    let authenticated = tokio::time::timeout(
        options.connect_timeout,
        authenticate(
            &mut handle,
            &target.credentials,
            &target.algorithms,
            &password,
        ),
    )
    .await;
    let secrets = match authenticated {
        Ok(Ok(secrets)) => secrets,
        Ok(Err(e)) => {
            disconnect(&handle).await;
            return Err(e);
        }
        Err(_) => {
            disconnect(&handle).await;
            return Err(timeout());
        }
    };
    Ok((handle, secrets))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn no_password_for_a_host_whose_key_was_not_verified() {
        let secret = |host_key_verified| PasswordGate {
            asked: None,
            host_key_verified,
            host_port: "[esa01]:2222".to_string(),
        };
        assert!(secret(true).may_be_sent().is_ok());
        let refused = secret(false).may_be_sent().unwrap_err();
        assert_eq!(
            refused.to_string(),
            "not sending the password to [esa01]:2222: its host key was not verified"
        );
        assert!(!refused.is_transient());
    }

    #[test]
    fn an_asked_password_is_never_shown() {
        let options = TransportContext {
            ask_pass: Some(Secret::new("hunter2".to_string())),
            ..TransportContext::default()
        };
        let shown = format!("{options:?}");
        assert!(
            !shown.contains("hunter2") && shown.contains("Secret(***)"),
            "{shown}"
        );
    }

    #[test]
    fn transient_errors_are_those_a_later_attempt_could_clear() {
        let refused = || ConnectError::Tcp {
            addr: "esa01:22".into(),
            source: std::io::Error::from(std::io::ErrorKind::ConnectionRefused),
        };
        assert!(refused().is_transient());
        assert!(
            ConnectError::Jump {
                jump: "bastion:22".into(),
                source: Box::new(refused()),
            }
            .is_transient()
        );
        let refused_forward = ConnectError::Forward {
            jump: "bastion:22".into(),
            to: "esa01:22".into(),
            reason: "administratively prohibited".into(),
        };
        assert!(!refused_forward.is_transient());
        let auth = ConnectError::Jump {
            jump: "bastion:22".into(),
            source: Box::new(ConnectError::NoCredentials { user: "ops".into() }),
        };
        assert!(!auth.is_transient());
    }
}
