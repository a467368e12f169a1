//! OpenSSH `known_hosts` checking, the way `ssh` itself does it, so an
//! operator's existing file works unchanged and a changed key is never
//! accepted silently.
//!
//! The format is the one described under SSH_KNOWN_HOSTS FILE FORMAT in
//! `sshd(8)`: an optional marker (`@revoked` or `@cert-authority`), a
//! comma-separated list of host patterns (or a single hashed `|1|salt|hash`
//! name), the key type, the base64 key and an optional comment. Fields may be
//! separated by any run of spaces or tabs.

use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use russh::keys::ssh_key::known_hosts::{Entry, HostPatterns, Marker};
use russh::keys::{HashAlg, PublicKey};
use sha1::Sha1;

/// What a known_hosts file says about the key a server presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKeyStatus {
    /// A matching, non-revoked entry exists.
    Trusted,
    /// No entry for this host (for this key algorithm).
    Unknown,
    /// An entry for this host with the same key algorithm holds another key:
    /// possible man-in-the-middle. `line` is the 1-based line of that entry.
    Changed { line: usize },
    /// The presented key is listed under `@revoked`.
    Revoked { line: usize },
}

/// Errors reading or writing a known_hosts file.
#[derive(Debug, thiserror::Error)]
pub enum KnownHostsError {
    #[error("cannot read known_hosts file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot record host key in {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// One parsed line of the file, with its 1-based line number.
#[derive(Debug, Clone)]
struct Line {
    number: usize,
    entry: Entry,
}

/// A parsed known_hosts file. A missing file is an empty one.
#[derive(Debug, Clone)]
pub struct KnownHosts {
    path: PathBuf,
    lines: Vec<Line>,
    warnings: Vec<String>,
}

impl KnownHosts {
    /// Read and parse the file at `path`. A missing file is an empty set;
    /// any other I/O failure is [`KnownHostsError::Read`]. Malformed lines are
    /// skipped, as OpenSSH does, and listed by [`KnownHosts::warnings`].
    pub fn load(path: &Path) -> Result<KnownHosts, KnownHostsError> {
        match fs::read(path) {
            // Lossy: a stray non-UTF-8 byte spoils its own line only.
            Ok(bytes) => Ok(KnownHosts::parse(&String::from_utf8_lossy(&bytes), path)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(KnownHosts::parse("", path)),
            Err(source) => Err(KnownHostsError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Parse known_hosts text; `path` is used for [`KnownHosts::path`] and
    /// in warnings only.
    pub fn parse(text: &str, path: &Path) -> KnownHosts {
        let mut lines = Vec::new();
        let mut warnings = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            // `Entry::from_str` splits fields on a single space.
            let normalised = trimmed.split_whitespace().collect::<Vec<_>>().join(" ");
            match Entry::from_str(&normalised) {
                Ok(entry) => lines.push(Line { number, entry }),
                Err(_) => warnings.push(format!("{}:{number}: cannot parse", path.display())),
            }
        }
        KnownHosts {
            path: path.to_path_buf(),
            lines,
            warnings,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One `path:line: cannot parse` message per malformed line that was
    /// skipped, in file order.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Number of entries that parsed (all markers included).
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// True when the file held no usable entry.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Check `key` for `host` on `port` (entry `host` for 22, `[host]:port` otherwise).
    pub fn check(&self, host: &str, port: u16, key: &PublicKey) -> HostKeyStatus {
        let name = lookup_name(host, port);

        // Revocation wins over everything. Prefer a revoked line for this
        // host, but a key revoked anywhere in the file is revoked.
        let mut revoked_any = None;
        for line in &self.lines {
            if line.entry.marker() == Some(&Marker::Revoked)
                && same_key(line.entry.public_key(), key)
            {
                if host_matches(line.entry.host_patterns(), &name) {
                    return HostKeyStatus::Revoked { line: line.number };
                }
                revoked_any.get_or_insert(line.number);
            }
        }
        if let Some(line) = revoked_any {
            return HostKeyStatus::Revoked { line };
        }

        let mut changed = None;
        for line in &self.lines {
            // `@cert-authority` keys sign host certificates; they are not
            // host keys themselves. `@revoked` was handled above.
            if line.entry.marker().is_some() {
                continue;
            }
            if !host_matches(line.entry.host_patterns(), &name) {
                continue;
            }
            let known = line.entry.public_key();
            if same_key(known, key) {
                return HostKeyStatus::Trusted;
            }
            if known.algorithm() == key.algorithm() {
                changed.get_or_insert(line.number);
            }
        }
        match changed {
            Some(line) => HostKeyStatus::Changed { line },
            None => HostKeyStatus::Unknown,
        }
    }
}

/// The name OpenSSH looks up: `host` for port 22, else `[host]:port`,
/// lower-cased (ssh lower-cases the host name before any lookup).
fn lookup_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

/// Same key material, ignoring any comment.
fn same_key(a: &PublicKey, b: &PublicKey) -> bool {
    a.key_data() == b.key_data()
}

/// OpenSSH `match_hostname`: true when some pattern matches and no negated
/// pattern does. `name` must already be lower-case.
fn host_matches(patterns: &HostPatterns, name: &str) -> bool {
    match patterns {
        HostPatterns::HashedName { salt, hash } => hashed_name_matches(salt, hash, name),
        HostPatterns::Patterns(list) => {
            let mut matched = false;
            for pattern in list {
                let pattern = pattern.to_ascii_lowercase();
                if let Some(negated) = pattern.strip_prefix('!') {
                    if glob_match(negated.as_bytes(), name.as_bytes()) {
                        return false;
                    }
                } else if glob_match(pattern.as_bytes(), name.as_bytes()) {
                    matched = true;
                }
            }
            matched
        }
    }
}

/// `|1|salt|hash`: hash is HMAC-SHA1 of the name keyed by the salt.
fn hashed_name_matches(salt: &[u8], hash: &[u8; 20], name: &str) -> bool {
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(salt) else {
        return false;
    };
    mac.update(name.as_bytes());
    mac.verify_slice(hash).is_ok()
}

/// OpenSSH `match_pattern`: `*` matches any run of characters, `?` exactly
/// one, everything else (brackets and colons included) itself.
fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    // Position after the last `*` seen, and the text position it is
    // currently assumed to have consumed up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p + 1, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((after_star, consumed)) => {
                    p = after_star;
                    t = consumed + 1;
                    star = Some((after_star, consumed + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Append an entry for `host`/`port` to the file at `path`, creating the file
/// and its directory when missing.
pub fn append(path: &Path, host: &str, port: u16, key: &PublicKey) -> Result<(), KnownHostsError> {
    let write_err = |source| KnownHostsError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(write_err)?;
    }

    let mut options = fs::OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Applies only when the file is created.
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(write_err)?;

    let mut text = String::new();
    let len = file.metadata().map_err(write_err)?.len();
    if len > 0 {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1)).map_err(write_err)?;
        file.read_exact(&mut last).map_err(write_err)?;
        if last[0] != b'\n' {
            text.push('\n');
        }
    }
    text.push_str(&entry_line(host, port, key));
    text.push('\n');
    // Append mode: the write goes to the end whatever the read position.
    file.write_all(text.as_bytes()).map_err(write_err)?;
    file.flush().map_err(write_err)
}

/// The OpenSSH-style `SHA256:...` fingerprint of a key.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// The known_hosts line (`[host]:port ssh-ed25519 AAAA...`) that trusts `key`.
pub fn entry_line(host: &str, port: u16, key: &PublicKey) -> String {
    let name = lookup_name(host, port);
    let algorithm = key.algorithm();
    // Key data encoding only fails for unencodable (e.g. oversized) data,
    // which a key that came off the wire cannot be.
    let blob = key.to_bytes().unwrap_or_default();
    format!("{name} {} {}", algorithm.as_str(), STANDARD.encode(blob))
}
