//! Host keys during the handshake, as OpenSSH checks them: every
//! known_hosts file, `@revoked`, `@cert-authority`, `HostKeyAlias`, and the
//! key types a host is known by offered first.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use russh::client;
use russh::keys::{PublicKey, PublicKeyOrCertificate};

use crate::ssh::known_hosts::{self, HostKeyStatus};

use super::kexinit;
use super::*;

/// Errors the handler can return from inside the russh handshake.
#[derive(Debug)]
pub(super) enum HandlerError {
    Ssh(russh::Error),
    HostKey(Box<ConnectError>),
}

impl From<russh::Error> for HandlerError {
    fn from(e: russh::Error) -> Self {
        HandlerError::Ssh(e)
    }
}

/// The host key algorithms of one connection: `ssh`'s list and russh's.
#[derive(Debug, Clone, Default)]
pub(super) struct HostKeyPlan {
    /// What OpenSSH 9.2 offers this host, in its order.
    pub(super) openssh: Vec<String>,
    /// What russh offers: `openssh` less what russh cannot offer there.
    pub(super) russh: Vec<String>,
}

impl HostKeyPlan {
    /// `Err(why)` when the server, offering `server`, would give `ssh`
    /// another key than russh: the choice decides which key is checked.
    pub(super) fn check(&self, server: Option<&[String]>) -> Result<(), String> {
        let Some(server) = server else {
            return Err(
                "sshfleet could not read the server's host key algorithms (its first \
                 KEXINIT), so it cannot tell which key ssh would check"
                    .to_string(),
            );
        };
        let ssh = kexinit::choice(&self.openssh, server);
        let ours = kexinit::choice(&self.russh, server);
        match (ssh, ours) {
            (a, b) if a == b => Ok(()),
            (Some(theirs), ours) => {
                let why = if theirs.ends_with("-cert-v01@openssh.com")
                    && crate::ssh::algorithms::HOST_KEY_NAMES
                        .iter()
                        .any(|n| theirs.starts_with(n))
                {
                    "russh offers certificate types only ahead of every plain type, and \
                     HostKeyAlgorithms (or known_hosts' reordering) puts it after one"
                } else {
                    "sshfleet does not implement it"
                };
                Err(format!(
                    "ssh would take the server's {theirs} host key, which sshfleet cannot ask \
                     for here ({why}), and sshfleet would take {} instead: another key than \
                     ssh checks. Put {theirs} first in HostKeyAlgorithms, or leave it out",
                    ours.unwrap_or("nothing")
                ))
            }
            (None, _) => Ok(()),
        }
    }
}

/// The algorithms to offer `target`, its host key types in OpenSSH's
/// order for this host (`algorithms::host_key_order`): what known_hosts
/// knows it by decides the order only where OpenSSH lets it. russh's
/// offer may leave names out; [`HostKeyPlan::check`] refuses a server
/// for which that changes the key.
pub(super) fn host_key_preference(
    target: &Target,
    cache: &known_hosts::Cache,
) -> (russh::Preferred, HostKeyPlan) {
    use crate::ssh::algorithms::{AlgorithmKind, host_key_order};
    let mut preferred = target.algorithms.preferred();
    let (host, port) = match &target.host_key_alias {
        Some(alias) => (alias.as_str(), 22),
        None => (target.address.as_str(), target.port),
    };
    let mut known = host_key_order::KnownForHost::default();
    // As OpenSSH's `order_hostkeyalgs`: every file's lines for the host in
    // one list; a type is known by its first key there, unless that key
    // is `@revoked` for the host (`lookup_key_in_hostkeys_by_type` then
    // says "revoked", not "found").
    let files: Vec<_> = std::iter::once(&target.known_hosts)
        .chain(&target.known_hosts_also)
        .filter_map(|path| cache.load(path).ok())
        .collect();
    let mut first_keys: Vec<PublicKey> = Vec::new();
    for file in &files {
        for key in file.known_keys(host, port) {
            if !first_keys.iter().any(|k| k.algorithm() == key.algorithm()) {
                first_keys.push(key);
            }
        }
        known.authority |= !file.authorities(host, port).is_empty();
    }
    for key in first_keys {
        if files.iter().all(|f| f.revoked(host, port, &key).is_none()) {
            known.key_names.push(key.algorithm().as_str().to_string());
        }
    }
    let order =
        host_key_order::openssh_order(target.algorithms.get(AlgorithmKind::HostKey), &known);
    let offer = host_key_order::russh_offer(&order);
    let plan = HostKeyPlan {
        russh: offer.names(),
        openssh: order,
    };
    preferred.key = std::borrow::Cow::Owned(offer.keys);
    preferred.host_key_certificates = std::borrow::Cow::Owned(offer.certificates);
    (preferred, plan)
}

/// Verifies the server's key during the handshake.
pub(super) struct Verifier {
    /// The name keys are known under, and its port (22 for an alias).
    pub(super) host: String,
    /// `host` is a `HostKeyAlias`: OpenSSH 9.2 records an alias under
    /// accept-new whatever its characters.
    pub(super) alias: bool,
    pub(super) port: u16,
    /// Written to; read first.
    pub(super) known_hosts: PathBuf,
    /// Read after it.
    pub(super) known_hosts_also: Vec<PathBuf>,
    pub(super) policy: HostKeyPolicy,
    pub(super) known_hosts_lock: Arc<Mutex<()>>,
    pub(super) known_hosts_cache: Arc<known_hosts::Cache>,
    /// Set once the presented key passed [`Verifier::verify`]: no password
    /// leaves sshfleet before.
    pub(super) verified: Arc<AtomicBool>,
    /// `RevokedHostKeys`, `CASignatureAlgorithms`, `HashKnownHosts`.
    pub(super) checks: HostKeyChecks,
    /// The host key algorithms offered, and what the server offers.
    pub(super) plan: HostKeyPlan,
    pub(super) server_host_keys: kexinit::ServerHostKeys,
}

impl Verifier {
    /// What every file says, as OpenSSH combines them: a revoked key is
    /// refused wherever it is listed; a key listed anywhere for this host is
    /// trusted; otherwise a different key of the same type anywhere is a
    /// change. Returns the status and the file it came from.
    fn check(&self, key: &PublicKey) -> Result<(HostKeyStatus, PathBuf), ConnectError> {
        let mut verdicts = Vec::new();
        for path in std::iter::once(&self.known_hosts).chain(&self.known_hosts_also) {
            let status = self
                .known_hosts_cache
                .load(path)?
                .check(&self.host, self.port, key);
            verdicts.push((status, path.clone()));
        }
        let find =
            |want: fn(&HostKeyStatus) -> bool| verdicts.iter().find(|(s, _)| want(s)).cloned();
        Ok(find(|s| matches!(s, HostKeyStatus::Revoked { .. }))
            .or_else(|| find(|s| matches!(s, HostKeyStatus::Trusted)))
            .or_else(|| find(|s| matches!(s, HostKeyStatus::Changed { .. })))
            .unwrap_or((HostKeyStatus::Unknown, self.known_hosts.clone())))
    }

    /// A key of another type that some known_hosts file trusts for this
    /// host (file, line, type): such a host is not new, and a key of a new
    /// type is never recorded beside it.
    fn known_other_type(
        &self,
        key: &PublicKey,
    ) -> Result<Option<(PathBuf, usize, String)>, ConnectError> {
        for path in std::iter::once(&self.known_hosts).chain(&self.known_hosts_also) {
            if let Some((known_type, line)) = self
                .known_hosts_cache
                .load(path)?
                .known_other_type(&self.host, self.port, key)
            {
                return Ok(Some((path.clone(), line, known_type)));
            }
        }
        Ok(None)
    }

    /// `Ok(true)` when a CA that known_hosts trusts for this host signed
    /// `cert` and it holds now; `Ok(false)` when no CA is known for the
    /// host (the plain key is checked instead).
    fn verify_certificate(&self, cert: &russh::keys::Certificate) -> Result<bool, ConnectError> {
        let host_port = host_port(&self.host, self.port);
        let certified = PublicKey::from(cert.public_key().clone());
        let mut authorities = Vec::new();
        for path in std::iter::once(&self.known_hosts).chain(&self.known_hosts_also) {
            let file = self.known_hosts_cache.load(path)?;
            for key in [&certified, &PublicKey::from(cert.signature_key().clone())] {
                if let Some(line) = file.revoked(&self.host, self.port, key) {
                    return Err(ConnectError::RevokedHostKey {
                        host_port,
                        fingerprint: format!(
                            "{} {}",
                            key.algorithm(),
                            known_hosts::fingerprint(key)
                        ),
                        known_hosts: path.clone(),
                        line,
                    });
                }
            }
            authorities.extend(
                file.authorities(&self.host, self.port)
                    .into_iter()
                    .map(|(line, ca)| (path.clone(), line, ca)),
            );
        }
        let Some((path, line, ca)) = authorities
            .into_iter()
            .find(|(_, _, ca)| ca.key_data() == cert.signature_key())
        else {
            return Ok(false);
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let fingerprint = ca.fingerprint(russh::keys::HashAlg::Sha256);
        let signed_with = cert.signature().algorithm().to_string();
        let why = if !self.checks.ca_signature_algorithms.contains(&signed_with) {
            Some(format!(
                "its CA signed it with {signed_with}, which CASignatureAlgorithms does not allow"
            ))
        } else if let Err(e) = cert.validate_at(now, [&fingerprint]) {
            Some(e.to_string())
        } else if cert.cert_type() != russh::keys::ssh_key::certificate::CertType::Host {
            Some("it is not a host certificate".to_string())
        } else if !cert.valid_principals().is_empty()
            && !cert.valid_principals().iter().any(|p| p == &self.host)
        {
            Some(format!(
                "it is not valid for `{}` (principals: {})",
                self.host,
                cert.valid_principals().join(", ")
            ))
        } else {
            None
        };
        match why {
            None => Ok(true),
            Some(reason) => Err(ConnectError::InvalidHostCertificate {
                host_port,
                reason,
                known_hosts: path,
                line,
            }),
        }
    }

    /// `RevokedHostKeys`: the presented key (and a certificate's CA) must
    /// not be listed; a file that cannot be read refuses the connection.
    fn check_revoked_file(&self, server_key: &PublicKeyOrCertificate) -> Result<(), ConnectError> {
        let Some(path) = &self.checks.revoked_host_keys else {
            return Ok(());
        };
        let keys: Vec<PublicKey> = match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => vec![key.clone()],
            PublicKeyOrCertificate::Certificate(cert) => vec![
                PublicKey::from(cert.public_key().clone()),
                PublicKey::from(cert.signature_key().clone()),
            ],
        };
        let refs: Vec<&PublicKey> = keys.iter().collect();
        let host_port = host_port(&self.host, self.port);
        match known_hosts::revoked_by_file(path, &refs) {
            Ok(None) => Ok(()),
            Ok(Some(line)) => Err(ConnectError::RevokedHostKey {
                host_port,
                fingerprint: format!(
                    "{} {}",
                    keys[0].algorithm(),
                    known_hosts::fingerprint(&keys[0])
                ),
                known_hosts: path.clone(),
                line,
            }),
            Err(message) => Err(ConnectError::RevokedHostKeysFile { host_port, message }),
        }
    }

    fn verify(&self, key: &PublicKey) -> Result<(), ConnectError> {
        let host_port = host_port(&self.host, self.port);
        let fingerprint = format!("{} {}", key.algorithm(), known_hosts::fingerprint(key));
        let (status, path) = self.check(key)?;
        if status == HostKeyStatus::Unknown
            && let Some((known_hosts, line, known_type)) = self.known_other_type(key)?
        {
            return Err(ConnectError::KnownUnderOtherType {
                host_port,
                fingerprint,
                known_hosts,
                line,
                known_type,
            });
        }
        match status {
            HostKeyStatus::Trusted => Ok(()),
            HostKeyStatus::Changed { line } => Err(ConnectError::ChangedHostKey {
                host_port,
                fingerprint,
                known_hosts: path,
                line,
            }),
            HostKeyStatus::Revoked { line } => Err(ConnectError::RevokedHostKey {
                host_port,
                fingerprint,
                known_hosts: path,
                line,
            }),
            HostKeyStatus::Unknown => match self.policy {
                // OpenSSH 9.2 does not record a host name with these
                // characters ("Host key verification failed"), so such a host
                // is unknown under accept-new too; a HostKeyAlias is recorded.
                _ if !self.alias
                    && self
                        .host
                        .contains(['@', '?', '*', '#', '[', ']', '|', '\'', '"', '\\']) =>
                {
                    Err(ConnectError::UnknownHostKey {
                        host_port,
                        fingerprint,
                        known_hosts: self.known_hosts.clone(),
                        entry: known_hosts::entry_line(&self.host, self.port, key),
                    })
                }
                HostKeyPolicy::Strict => Err(ConnectError::UnknownHostKey {
                    host_port,
                    fingerprint,
                    known_hosts: self.known_hosts.clone(),
                    entry: known_hosts::entry_line(&self.host, self.port, key),
                }),
                HostKeyPolicy::AcceptNew if self.checks.nowhere_to_record => {
                    Err(ConnectError::UnknownHostKeyNowhereToRecord {
                        host_port,
                        fingerprint,
                        entry: known_hosts::entry_line(&self.host, self.port, key),
                    })
                }
                HostKeyPolicy::AcceptNew => {
                    let _guard = self
                        .known_hosts_lock
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    // Another host of this run may have recorded it meanwhile.
                    match self.check(key)?.0 {
                        HostKeyStatus::Trusted => Ok(()),
                        HostKeyStatus::Unknown => {
                            let path = &self.known_hosts;
                            match known_hosts::append(
                                path,
                                &self.host,
                                self.port,
                                key,
                                self.checks.hash_known_hosts,
                            ) {
                                Ok(()) => tracing::warn!(
                                    "permanently added {host_port} ({fingerprint}) to {}",
                                    path.display()
                                ),
                                // As ssh 9.2 ("Failed to add the host to the
                                // list of known hosts"): the key was
                                // accepted by policy; only recording failed.
                                // (`--known-hosts` is checked writable
                                // before the run.)
                                Err(e) => tracing::warn!(
                                    "accepted the new host key of {host_port} ({fingerprint}) but {e}"
                                ),
                            }
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
        // A host certificate is trusted through an @cert-authority line for
        // this host; with no such line OpenSSH retries it as a plain key,
        // and so does sshfleet. A certificate a trusted CA signed that does
        // not hold (expired, other principal, revoked) is refused.
        let server = self
            .server_host_keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        self.plan.check(server.as_deref()).map_err(|message| {
            HandlerError::HostKey(Box::new(ConnectError::HostKeyOrder {
                host_port: host_port(&self.host, self.port),
                message,
            }))
        })?;
        self.check_revoked_file(server_key)
            .map_err(|e| HandlerError::HostKey(Box::new(e)))?;
        let key = match server_key {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.clone(),
            PublicKeyOrCertificate::Certificate(cert) => {
                match self.verify_certificate(cert) {
                    Ok(true) => {
                        self.verified.store(true, Ordering::SeqCst);
                        return Ok(true);
                    }
                    Ok(false) => {}
                    // A revoked key or CA is final.
                    Err(e @ ConnectError::RevokedHostKey { .. }) => {
                        return Err(HandlerError::HostKey(Box::new(e)));
                    }
                    // A certificate that does not qualify is checked as
                    // its plain key, as OpenSSH does (and recorded as one
                    // under accept-new).
                    Err(e) => tracing::warn!("{e}; checking the plain key instead"),
                }
                PublicKey::from(cert.public_key().clone())
            }
        };
        self.verify(&key)
            .map_err(|e| HandlerError::HostKey(Box::new(e)))?;
        self.verified.store(true, Ordering::SeqCst);
        Ok(true)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
