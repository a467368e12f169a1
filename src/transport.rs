//! SSH connections to appliances (russh client): connect with a timeout,
//! verify the host key against known_hosts the way OpenSSH does, and
//! authenticate with a key file, the ssh-agent or a password taken from the
//! environment. Every failure here makes a host `unreachable`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, AuthResult, Handle};
use russh::keys::agent::AgentIdentity;
use russh::keys::agent::client::AgentClient;
use russh::keys::{PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate};

use crate::known_hosts::{self, HostKeyStatus, KnownHosts};

/// How to treat keys that known_hosts does not know yet. A *changed* key is
/// refused whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKeyPolicy {
    /// Refuse unknown keys (OpenSSH `StrictHostKeyChecking yes`).
    Strict,
    /// Record unknown keys, refuse changed ones (`accept-new`).
    AcceptNew,
}

/// Settings shared by every connection of a run.
#[derive(Debug, Clone)]
pub struct TransportOptions {
    pub known_hosts: PathBuf,
    pub host_key_policy: HostKeyPolicy,
    pub connect_timeout: Duration,
    /// A quiet `tail` must not let a NAT or firewall drop the session.
    pub keepalive_interval: Duration,
    /// Serialises appends to known_hosts across concurrent hosts.
    known_hosts_lock: Arc<Mutex<()>>,
}

impl TransportOptions {
    pub fn new(known_hosts: PathBuf, host_key_policy: HostKeyPolicy) -> TransportOptions {
        TransportOptions {
            known_hosts,
            host_key_policy,
            connect_timeout: Duration::from_secs(15),
            keepalive_interval: Duration::from_secs(15),
            known_hosts_lock: Arc::new(Mutex::new(())),
        }
    }
}

/// The default known_hosts file, as OpenSSH uses it.
pub fn default_known_hosts() -> PathBuf {
    std::env::home_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(".ssh")
        .join("known_hosts")
}

/// Who to log in as and how.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub user: String,
    pub key_file: Option<PathBuf>,
    /// Name of the environment variable holding the password, never the password.
    pub password_env: Option<String>,
}

/// Why a host could not be reached. The messages are what an operator reads
/// at 3 a.m.: each says what happened and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
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
    #[error("host key {fingerprint} of {host_port} is marked @revoked in {}:{line}; not connecting", known_hosts.display())]
    RevokedHostKey {
        host_port: String,
        fingerprint: String,
        known_hosts: PathBuf,
        line: usize,
    },
    #[error(transparent)]
    KnownHosts(#[from] known_hosts::KnownHostsError),
    #[error("authentication failed for user `{user}` (tried: {})", tried.join(", "))]
    AuthFailed { user: String, tried: Vec<String> },
    #[error(
        "no way to authenticate as `{user}`: set ansible_ssh_private_key_file, run an ssh-agent, or name a password variable with sshfleet_password_env"
    )]
    NoCredentials { user: String },
    #[error("cannot use private key {}: {message}", path.display())]
    KeyFile { path: PathBuf, message: String },
    #[error("the password variable `{var}` named in the inventory is not set in the environment")]
    PasswordEnvUnset { var: String },
    #[error("ssh: {0}")]
    Ssh(#[from] russh::Error),
}

impl ConnectError {
    /// Whether trying again later could succeed: the network or the
    /// appliance's SSH service was not there (refused, reset, timed out,
    /// handshake cut). Host key, credential and key-file problems are not:
    /// retrying them only repeats the refusal.
    pub fn is_transient(&self) -> bool {
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

/// Errors the handler can return from inside the russh handshake.
#[derive(Debug)]
enum HandlerError {
    Ssh(russh::Error),
    HostKey(Box<ConnectError>),
}

impl From<russh::Error> for HandlerError {
    fn from(e: russh::Error) -> Self {
        HandlerError::Ssh(e)
    }
}

/// Verifies the server's key during the handshake.
struct Verifier {
    host: String,
    port: u16,
    options: TransportOptions,
    presented: Arc<Mutex<Option<PublicKey>>>,
}

impl Verifier {
    fn verify(&self, key: &PublicKey) -> Result<(), ConnectError> {
        let path = &self.options.known_hosts;
        let host_port = host_port(&self.host, self.port);
        let fingerprint = format!("{} {}", key.algorithm(), known_hosts::fingerprint(key));
        let file = KnownHosts::load(path)?;
        match file.check(&self.host, self.port, key) {
            HostKeyStatus::Trusted => Ok(()),
            HostKeyStatus::Changed { line } => Err(ConnectError::ChangedHostKey {
                host_port,
                fingerprint,
                known_hosts: path.clone(),
                line,
            }),
            HostKeyStatus::Revoked { line } => Err(ConnectError::RevokedHostKey {
                host_port,
                fingerprint,
                known_hosts: path.clone(),
                line,
            }),
            HostKeyStatus::Unknown => match self.options.host_key_policy {
                HostKeyPolicy::Strict => Err(ConnectError::UnknownHostKey {
                    host_port,
                    fingerprint,
                    known_hosts: path.clone(),
                    entry: known_hosts::entry_line(&self.host, self.port, key),
                }),
                HostKeyPolicy::AcceptNew => {
                    let _guard = self
                        .options
                        .known_hosts_lock
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    // Another host of this run may have recorded it meanwhile.
                    match KnownHosts::load(path)?.check(&self.host, self.port, key) {
                        HostKeyStatus::Trusted => Ok(()),
                        HostKeyStatus::Unknown => {
                            known_hosts::append(path, &self.host, self.port, key)?;
                            tracing::warn!(
                                "permanently added {host_port} ({fingerprint}) to {}",
                                path.display()
                            );
                            Ok(())
                        }
                        _ => self.verify(key),
                    }
                }
            },
        }
    }
}

impl client::Handler for Verifier {
    type Error = HandlerError;

    async fn check_server_key(
        &mut self,
        server_key: &PublicKeyOrCertificate,
    ) -> Result<bool, HandlerError> {
        // A host certificate is checked through the key it certifies; trust in
        // CAs (@cert-authority) is not offered, so such a key must be listed.
        let key = match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            PublicKeyOrCertificate::Certificate(cert) => PublicKey::from(cert.public_key().clone()),
        };
        if let Ok(mut slot) = self.presented.lock() {
            *slot = Some(key.clone());
        }
        self.verify(&key)
            .map(|()| true)
            .map_err(|e| HandlerError::HostKey(Box::new(e)))
    }
}

/// An authenticated SSH connection.
pub struct Connection {
    handle: Handle<Verifier>,
    pub host_key: Option<PublicKey>,
    /// Secrets used to log in, for the transcript to redact.
    pub secrets: Vec<String>,
}

impl Connection {
    pub async fn open_session(&self) -> Result<russh::Channel<client::Msg>, russh::Error> {
        self.handle.channel_open_session().await
    }

    pub async fn disconnect(&self) {
        let _ = self
            .handle
            .disconnect(russh::Disconnect::ByApplication, "", "en")
            .await;
    }
}

fn host_port(host: &str, port: u16) -> String {
    if port == 22 {
        host.to_string()
    } else {
        format!("[{host}]:{port}")
    }
}

/// Connect, verify the host key and authenticate.
pub async fn connect(
    host: &str,
    port: u16,
    credentials: &Credentials,
    options: &TransportOptions,
) -> Result<Connection, ConnectError> {
    // For messages only; the socket is opened from (host, port), which also
    // works for IPv6 literals.
    let addr = format!("{host}:{port}");
    let config = Arc::new(client::Config {
        keepalive_interval: Some(options.keepalive_interval),
        keepalive_max: 4,
        nodelay: true,
        ..client::Config::default()
    });
    let presented = Arc::new(Mutex::new(None));
    let verifier = Verifier {
        host: host.to_string(),
        port,
        options: options.clone(),
        presented: presented.clone(),
    };
    let handshake = async {
        let stream = tokio::net::TcpStream::connect((host, port))
            .await
            .map_err(|source| ConnectError::Tcp {
                addr: addr.clone(),
                source,
            })?;
        client::connect_stream(config, stream, verifier)
            .await
            .map_err(|e| match e {
                HandlerError::HostKey(e) => *e,
                HandlerError::Ssh(e) => ConnectError::Ssh(e),
            })
    };
    let mut handle = tokio::time::timeout(options.connect_timeout, handshake)
        .await
        .map_err(|_| ConnectError::Timeout {
            addr: addr.clone(),
            after: options.connect_timeout,
        })??;
    let secrets = tokio::time::timeout(
        options.connect_timeout,
        authenticate(&mut handle, credentials),
    )
    .await
    .map_err(|_| ConnectError::Timeout {
        addr: addr.clone(),
        after: options.connect_timeout,
    })??;
    let host_key = presented.lock().ok().and_then(|k| k.clone());
    Ok(Connection {
        handle,
        host_key,
        secrets,
    })
}

/// Try key file, then agent, then password, as OpenSSH would; return the
/// secrets used so transcripts can redact them.
async fn authenticate(
    handle: &mut Handle<Verifier>,
    credentials: &Credentials,
) -> Result<Vec<String>, ConnectError> {
    let user = credentials.user.as_str();
    let mut tried = Vec::new();

    if let Some(path) = &credentials.key_file {
        let key = load_key(path)?;
        let hash = handle.best_supported_rsa_hash().await?.flatten();
        let result = handle
            .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
            .await?;
        if matches!(result, AuthResult::Success) {
            return Ok(Vec::new());
        }
        tried.push(format!("key {}", path.display()));
    }

    if std::env::var_os("SSH_AUTH_SOCK").is_some()
        && let Ok(mut agent) = AgentClient::connect_env().await
    {
        let identities = agent.request_identities().await.unwrap_or_default();
        let hash = handle.best_supported_rsa_hash().await?.flatten();
        for identity in identities {
            let AgentIdentity::PublicKey { key, .. } = identity else {
                continue;
            };
            let result = handle
                .authenticate_publickey_with(user, key, hash, &mut agent)
                .await;
            if matches!(result, Ok(AuthResult::Success)) {
                return Ok(Vec::new());
            }
        }
        tried.push("ssh-agent".to_string());
    }

    if let Some(var) = &credentials.password_env {
        let password =
            std::env::var(var).map_err(|_| ConnectError::PasswordEnvUnset { var: var.clone() })?;
        let result = handle.authenticate_password(user, password.clone()).await?;
        if matches!(result, AuthResult::Success) {
            return Ok(vec![password]);
        }
        tried.push(format!("password from ${var}"));
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

fn load_key(path: &Path) -> Result<russh::keys::PrivateKey, ConnectError> {
    russh::keys::load_secret_key(path, None).map_err(|e| ConnectError::KeyFile {
        path: path.to_path_buf(),
        message: match e {
            russh::keys::Error::KeyIsEncrypted => {
                "it is encrypted; load it into ssh-agent instead".to_string()
            }
            other => other.to_string(),
        },
    })
}
