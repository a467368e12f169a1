//! OpenSSH `known_hosts` checking, the way `ssh` itself does it, so an
//! operator's existing file works unchanged and a changed key is never
//! accepted silently.
//!
//! The format is the one described under SSH_KNOWN_HOSTS FILE FORMAT in
//! `sshd(8)`: an optional marker (`@revoked` or `@cert-authority`), a
//! comma-separated list of host patterns (or a single hashed `|1|salt|hash`
//! name), the key type, the base64 key and an optional comment. Fields may be
//! separated by any run of spaces or tabs.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use russh::keys::ssh_key::known_hosts::{Entry, HostPatterns, Marker};
use russh::keys::{Algorithm, HashAlg, PublicKey};
use sha1::Sha1;

use crate::ssh::pattern::PatternList;

/// What a known_hosts file says about the key a server presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostKeyStatus {
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
pub(crate) enum KnownHostsError {
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
    /// The host field's patterns, parsed once (`None` for a hashed name).
    patterns: Option<PatternList>,
}

/// A parsed known_hosts file. A missing file is an empty one.
#[derive(Debug, Clone)]
pub(crate) struct KnownHosts {
    lines: Vec<Line>,
    /// Lines whose host field is plain names only (no wildcard, negation
    /// or hash), by lower-cased name: a lookup in a fleet-sized file
    /// touches only its own lines, not every line.
    by_name: HashMap<String, Vec<usize>>,
    /// Every other line (wildcards, negations, hashed names): scanned.
    scanned: Vec<usize>,
    /// `@revoked` lines, which apply whatever their host field.
    revoked: Vec<usize>,
    warnings: Vec<String>,
}

impl KnownHosts {
    /// Read and parse the file at `path`. A missing file is an empty set;
    /// any other I/O failure is [`KnownHostsError::Read`]. Malformed lines are
    /// skipped, as OpenSSH does, and listed by [`KnownHosts::warnings`].
    pub(crate) fn load(path: &Path) -> Result<KnownHosts, KnownHostsError> {
        match crate::support::bounds::read_input_bytes(path) {
            // Lossy: a stray non-UTF-8 byte spoils its own line only.
            Ok(bytes) => Ok(KnownHosts::parse(&String::from_utf8_lossy(&bytes), path)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(KnownHosts::parse("", path)),
            Err(source) => Err(KnownHostsError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Parse known_hosts text; `path` is used for the file it names and
    /// in warnings only.
    pub(crate) fn parse(text: &str, path: &Path) -> KnownHosts {
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
                Ok(entry) => {
                    let patterns = match entry.host_patterns() {
                        HostPatterns::Patterns(list) => {
                            match PatternList::new(list.iter().map(String::as_str), true) {
                                Ok(list) => Some(list),
                                Err(e) => {
                                    warnings.push(format!("{}:{number}: {e}", path.display()));
                                    continue;
                                }
                            }
                        }
                        HostPatterns::HashedName { .. } => None,
                    };
                    lines.push(Line {
                        number,
                        entry,
                        patterns,
                    });
                }
                Err(_) => warnings.push(format!("{}:{number}: cannot parse", path.display())),
            }
        }
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        let mut scanned = Vec::new();
        let revoked = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.entry.marker() == Some(&Marker::Revoked))
            .map(|(i, _)| i)
            .collect();
        for (index, line) in lines.iter().enumerate() {
            match line.entry.host_patterns() {
                HostPatterns::Patterns(names)
                    if names
                        .iter()
                        .all(|n| !n.contains(['*', '?']) && !n.starts_with('!')) =>
                {
                    for name in names {
                        let slot = by_name.entry(name.to_ascii_lowercase()).or_default();
                        if slot.last() != Some(&index) {
                            slot.push(index);
                        }
                    }
                }
                _ => scanned.push(index),
            }
        }
        KnownHosts {
            lines,
            by_name,
            scanned,
            revoked,
            warnings,
        }
    }

    /// The lines that may match `name` (lower-cased lookup name), in file
    /// order; each still has to be matched.
    fn candidates(&self, name: &str) -> impl Iterator<Item = &Line> {
        let mut indices: Vec<usize> = self
            .by_name
            .get(name)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .chain(&self.scanned)
            .copied()
            .collect();
        indices.sort_unstable();
        indices.into_iter().map(|i| &self.lines[i])
    }

    /// One `path:line: cannot parse` message per malformed line that was
    /// skipped, in file order.
    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Number of entries that parsed (all markers included).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }

    /// Check `key` for `host` on `port` (entry `host` for 22, `[host]:port` otherwise).
    pub(crate) fn check(&self, host: &str, port: u16, key: &PublicKey) -> HostKeyStatus {
        let name = lookup_name(host, port);

        // Revocation wins over everything. Prefer a revoked line for this
        // host, but a key revoked anywhere in the file is revoked.
        let mut revoked_any = None;
        for line in self.revoked.iter().map(|&i| &self.lines[i]) {
            if same_key(line.entry.public_key(), key) {
                if line.matches(&name) {
                    return HostKeyStatus::Revoked { line: line.number };
                }
                revoked_any.get_or_insert(line.number);
            }
        }
        if let Some(line) = revoked_any {
            return HostKeyStatus::Revoked { line };
        }

        let mut changed = None;
        for line in self.candidates(&name) {
            // `@cert-authority` keys sign host certificates; they are not
            // host keys themselves. `@revoked` was handled above.
            if line.entry.marker().is_some() {
                continue;
            }
            if !line.matches(&name) {
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

impl KnownHosts {
    /// A key of another type than `key`'s that this file already trusts
    /// for the host: its type and line. Such a host is not new, whatever
    /// `check` says of `key`'s type.
    pub(crate) fn known_other_type(
        &self,
        host: &str,
        port: u16,
        key: &PublicKey,
    ) -> Option<(String, usize)> {
        let name = lookup_name(host, port);
        self.candidates(&name)
            .filter(|line| line.entry.marker().is_none() && line.matches(&name))
            .map(|line| (line.entry.public_key(), line.number))
            .find(|(known, _)| known.algorithm() != key.algorithm())
            .map(|(known, line)| (known.algorithm().to_string(), line))
    }

    /// The CA keys `@cert-authority` lines trust for this host, with their
    /// line numbers.
    pub(crate) fn authorities(&self, host: &str, port: u16) -> Vec<(usize, PublicKey)> {
        let name = lookup_name(host, port);
        self.candidates(&name)
            .filter(|l| l.entry.marker() == Some(&Marker::CertAuthority) && l.matches(&name))
            .map(|l| (l.number, l.entry.public_key().clone()))
            .collect()
    }

    /// The line that lists `key` as `@revoked`, if any (whatever its hosts).
    pub(crate) fn revoked(&self, key: &PublicKey) -> Option<usize> {
        self.revoked
            .iter()
            .map(|&i| &self.lines[i])
            .find(|l| same_key(l.entry.public_key(), key))
            .map(|l| l.number)
    }

    /// The key types this file knows this host by, in file order: OpenSSH
    /// offers them first, so a host known by its RSA key is not met with
    /// its (unknown) Ed25519 key.
    pub(crate) fn known_algorithms(&self, host: &str, port: u16) -> Vec<Algorithm> {
        let name = lookup_name(host, port);
        let mut out: Vec<Algorithm> = Vec::new();
        for line in self
            .candidates(&name)
            .filter(|l| l.entry.marker().is_none())
        {
            if line.matches(&name) {
                let algorithm = line.entry.public_key().algorithm();
                if !out.contains(&algorithm) {
                    out.push(algorithm);
                }
            }
        }
        out
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

impl Line {
    /// OpenSSH `match_hostname`: some pattern matches and no negated one
    /// does, regardless of case; or the hashed name is this name.
    fn matches(&self, name: &str) -> bool {
        match (&self.patterns, self.entry.host_patterns()) {
            (Some(list), _) => list.matches(name),
            (None, HostPatterns::HashedName { salt, hash }) => {
                hashed_name_matches(salt, hash, name)
            }
            (None, HostPatterns::Patterns(_)) => false,
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

/// Parsed known_hosts files shared by every connection of a run. A file
/// is parsed again only when it changed on disk (a key recorded under
/// accept-new), so a fleet-sized file is parsed once per run, not once per
/// host.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    files: std::sync::Mutex<HashMap<PathBuf, (Stamp, std::sync::Arc<KnownHosts>)>>,
}

/// What says a file changed: its modification time and length (`None`
/// for a missing file).
type Stamp = Option<(Option<std::time::SystemTime>, u64)>;

impl Cache {
    /// The file at `path`, parsed, as [`KnownHosts::load`] would give it.
    pub(crate) fn load(&self, path: &Path) -> Result<std::sync::Arc<KnownHosts>, KnownHostsError> {
        let stamp = match fs::metadata(path) {
            Ok(meta) => Some((meta.modified().ok(), meta.len())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(KnownHostsError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        // Held while parsing: the hosts of a run all connect at once, and
        // one of them parsing while the rest wait beats all of them parsing.
        let mut files = self
            .files
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((seen, parsed)) = files.get(path)
            && *seen == stamp
        {
            return Ok(parsed.clone());
        }
        let parsed = std::sync::Arc::new(KnownHosts::load(path)?);
        files.insert(path.to_path_buf(), (stamp, parsed.clone()));
        Ok(parsed)
    }
}

/// Append an entry for `host`/`port` to the file at `path`, creating the file
/// and its directory when missing.
pub(crate) fn append(
    path: &Path,
    host: &str,
    port: u16,
    key: &PublicKey,
) -> Result<(), KnownHostsError> {
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
pub(crate) fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// The known_hosts line (`[host]:port ssh-ed25519 AAAA...`) that trusts `key`.
pub(crate) fn entry_line(host: &str, port: u16, key: &PublicKey) -> String {
    let name = lookup_name(host, port);
    let algorithm = key.algorithm();
    // Key data encoding only fails for unencodable (e.g. oversized) data,
    // which a key that came off the wire cannot be.
    let blob = key.to_bytes().unwrap_or_default();
    format!("{name} {} {}", algorithm.as_str(), STANDARD.encode(blob))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::process::Command;

    const ED_A: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN88r1m2PhsDzF87nBRtow5iwjq6P+/7lhGKnOdEeRn/";
    const ED_B: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEVJYrLcAEhfqIciz357S+cKXAuyZJwMHtjUf0I/ayup";
    const EC_A: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHD4xD+e7lAHwNYmeXhU3TDrUtB009mBSEiiP1D57P2+UdYJE01RXZIDDv5OOme76u/zsPVVLbS8fWEt5a8c7WM=";
    const SSH_KEYGEN: &str = "/usr/bin/ssh-keygen";

    fn key(s: &str) -> PublicKey {
        PublicKey::from_str(s).unwrap()
    }

    fn kh(text: &str) -> KnownHosts {
        KnownHosts::parse(text, Path::new("/test/known_hosts"))
    }

    fn have_ssh_keygen() -> bool {
        if Path::new(SSH_KEYGEN).exists() {
            true
        } else {
            eprintln!("skipping: {SSH_KEYGEN} not found");
            false
        }
    }

    #[test]
    fn plain_match() {
        let k = kh(&format!("fw1.example.net {ED_A}\n"));
        assert!(k.warnings().is_empty());
        assert_eq!(
            k.check("fw1.example.net", 22, &key(ED_A)),
            HostKeyStatus::Trusted
        );
        assert_eq!(
            k.check("FW1.Example.NET", 22, &key(ED_A)),
            HostKeyStatus::Trusted
        );
        assert_eq!(
            k.check("fw2.example.net", 22, &key(ED_A)),
            HostKeyStatus::Unknown
        );
        // A comment on the presented key does not matter.
        assert_eq!(
            k.check("fw1.example.net", 22, &key(&format!("{ED_A} me@laptop"))),
            HostKeyStatus::Trusted
        );
    }

    #[test]
    fn upper_case_pattern_matches() {
        let k = kh(&format!("FW1.Example.Net {ED_A}\n"));
        assert_eq!(
            k.check("fw1.example.net", 22, &key(ED_A)),
            HostKeyStatus::Trusted
        );
    }

    #[test]
    fn comma_separated_patterns() {
        let k = kh(&format!("fw1,10.0.0.1,fw1.example.net {ED_A}\n"));
        for host in ["fw1", "10.0.0.1", "fw1.example.net"] {
            assert_eq!(
                k.check(host, 22, &key(ED_A)),
                HostKeyStatus::Trusted,
                "{host}"
            );
        }
        assert_eq!(k.check("10.0.0.2", 22, &key(ED_A)), HostKeyStatus::Unknown);
    }

    #[test]
    fn non_standard_port_uses_brackets() {
        let k = kh(&format!("[fw1]:2222 {ED_A}\nfw2 {ED_B}\n"));
        assert_eq!(k.check("fw1", 2222, &key(ED_A)), HostKeyStatus::Trusted);
        // `[fw1]:2222` does not cover port 22, nor another port.
        assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
        assert_eq!(k.check("fw1", 2223, &key(ED_A)), HostKeyStatus::Unknown);
        // A bare `fw2` covers port 22 only.
        assert_eq!(k.check("fw2", 22, &key(ED_B)), HostKeyStatus::Trusted);
        assert_eq!(k.check("fw2", 2222, &key(ED_B)), HostKeyStatus::Unknown);
    }

    #[test]
    fn explicit_port_22_brackets_do_not_match() {
        // OpenSSH looks up plain `host` for port 22, so `[host]:22` never matches.
        let k = kh(&format!("[fw1]:22 {ED_A}\n"));
        assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
    }

    #[test]
    fn wildcards() {
        let k = kh(&format!(
            "*.dc1.example.net {ED_A}\nfw? {ED_B}\n[*.lab]:2222 {EC_A}\n"
        ));
        assert_eq!(
            k.check("fw9.dc1.example.net", 22, &key(ED_A)),
            HostKeyStatus::Trusted
        );
        assert_eq!(
            k.check("dc1.example.net", 22, &key(ED_A)),
            HostKeyStatus::Unknown
        );
        assert_eq!(k.check("fw7", 22, &key(ED_B)), HostKeyStatus::Trusted);
        assert_eq!(k.check("fw10", 22, &key(ED_B)), HostKeyStatus::Unknown);
        assert_eq!(k.check("fw", 22, &key(ED_B)), HostKeyStatus::Unknown);
        assert_eq!(k.check("a.lab", 2222, &key(EC_A)), HostKeyStatus::Trusted);
        assert_eq!(k.check("a.lab", 22, &key(EC_A)), HostKeyStatus::Unknown);
        assert_eq!(k.check("a.lab", 2200, &key(EC_A)), HostKeyStatus::Unknown);
    }

    #[test]
    fn negation_excludes_line() {
        let k = kh(&format!("*.example.net,!bad.example.net {ED_A}\n"));
        assert_eq!(
            k.check("good.example.net", 22, &key(ED_A)),
            HostKeyStatus::Trusted
        );
        assert_eq!(
            k.check("bad.example.net", 22, &key(ED_A)),
            HostKeyStatus::Unknown
        );
        // Order does not matter: a negated match wins.
        let k = kh(&format!("!bad.example.net,*.example.net {ED_A}\n"));
        assert_eq!(
            k.check("bad.example.net", 22, &key(ED_A)),
            HostKeyStatus::Unknown
        );
        // A negated pattern alone matches nothing.
        let k = kh(&format!("!bad.example.net {ED_A}\n"));
        assert_eq!(
            k.check("good.example.net", 22, &key(ED_A)),
            HostKeyStatus::Unknown
        );
        // A line excluded by negation cannot report Changed either.
        let k = kh(&format!("*,!fw1 {ED_B}\n"));
        assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
        assert_eq!(
            k.check("fw2", 22, &key(ED_A)),
            HostKeyStatus::Changed { line: 1 }
        );
    }

    #[test]
    fn changed_key_reports_first_line() {
        let k = kh(&format!(
            "# header\nother {ED_A}\nfw1 {ED_B}\nfw1,fw2 {ED_B}\n"
        ));
        assert_eq!(
            k.check("fw1", 22, &key(ED_A)),
            HostKeyStatus::Changed { line: 3 }
        );
    }

    #[test]
    fn any_matching_entry_with_the_key_is_trusted() {
        // Several keys of one type for a host (e.g. during rotation): the
        // presented key only needs to be one of them.
        let k = kh(&format!("fw1 {ED_B}\nfw1 {ED_A}\n"));
        assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Trusted);
        assert_eq!(k.check("fw1", 22, &key(ED_B)), HostKeyStatus::Trusted);
    }

    #[test]
    fn different_algorithm_is_unknown() {
        let k = kh(&format!("fw1 {EC_A}\n"));
        assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
        let k = kh(&format!("fw1 {EC_A}\nfw1 {ED_B}\n"));
        assert_eq!(
            k.check("fw1", 22, &key(ED_A)),
            HostKeyStatus::Changed { line: 2 }
        );
        assert_eq!(k.check("fw1", 22, &key(EC_A)), HostKeyStatus::Trusted);
    }

    #[test]
    fn revoked() {
        let k = kh(&format!("fw1 {ED_A}\n@revoked fw1 {ED_A}\n"));
        assert_eq!(
            k.check("fw1", 22, &key(ED_A)),
            HostKeyStatus::Revoked { line: 2 }
        );
        // Revoked for another host: still revoked everywhere.
        let k = kh(&format!("fw1 {ED_A}\n@revoked other {ED_A}\n"));
        assert_eq!(
            k.check("fw1", 22, &key(ED_A)),
            HostKeyStatus::Revoked { line: 2 }
        );
        // A line for this host is preferred when reporting.
        let k = kh(&format!("@revoked * {ED_A}\n@revoked fw1 {ED_A}\n"));
        assert_eq!(
            k.check("fw1", 22, &key(ED_A)),
            HostKeyStatus::Revoked { line: 1 }
        );
        let k = kh(&format!("@revoked other {ED_A}\n@revoked fw1 {ED_A}\n"));
        assert_eq!(
            k.check("fw1", 22, &key(ED_A)),
            HostKeyStatus::Revoked { line: 2 }
        );
        // Revoking one key does not touch another, and a revoked line does
        // not count as the host's key.
        let k = kh(&format!("@revoked fw1 {ED_B}\n"));
        assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
        let k = kh(&format!("@revoked fw1 {ED_B}\nfw1 {ED_A}\n"));
        assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Trusted);
    }

    #[test]
    fn cert_authority_lines_ignored_for_plain_keys() {
        let k = kh(&format!("@cert-authority *.example.net {ED_A}\n"));
        assert_eq!(
            k.check("fw1.example.net", 22, &key(ED_A)),
            HostKeyStatus::Unknown
        );
        assert_eq!(
            k.check("fw1.example.net", 22, &key(ED_B)),
            HostKeyStatus::Unknown
        );
        assert!(k.warnings().is_empty());
    }

    #[test]
    fn comments_blank_lines_and_tabs() {
        let text = format!(
            "# a comment\n\n   \n\t# indented comment\nfw1\t{}\n  fw2 \t {}   trailing comment here\r\n@revoked\tfw3\t{}\n",
            ED_A.replacen(' ', "\t", 1),
            ED_B.replacen(' ', "  ", 1),
            EC_A.replacen(' ', " \t", 1),
        );
        let k = kh(&text);
        assert!(k.warnings().is_empty(), "{:?}", k.warnings());
        assert_eq!(k.len(), 3);
        assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Trusted);
        assert_eq!(k.check("fw2", 22, &key(ED_B)), HostKeyStatus::Trusted);
        assert_eq!(
            k.check("fw3", 22, &key(EC_A)),
            HostKeyStatus::Revoked { line: 7 }
        );
        assert_eq!(
            k.check("fw1", 22, &key(ED_B)),
            HostKeyStatus::Changed { line: 5 }
        );
    }

    #[test]
    fn malformed_lines_skipped_with_warnings() {
        let text = format!(
            "fw1 {ED_B}\nthis is not a key\nfw2\n@bogus fw1 {ED_A}\nfw3 ssh-ed25519 !!!notbase64\n\nfw1 {ED_A}\n|1|bad|salt {ED_A}\nfw4 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEVJYrLc\n"
        );
        let k = kh(&text);
        assert_eq!(
            k.warnings(),
            [
                "/test/known_hosts:2: cannot parse",
                "/test/known_hosts:3: cannot parse",
                "/test/known_hosts:4: cannot parse",
                "/test/known_hosts:5: cannot parse",
                "/test/known_hosts:8: cannot parse",
                "/test/known_hosts:9: cannot parse",
            ]
        );
        assert_eq!(k.len(), 2);
        assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Trusted);
        assert_eq!(k.check("fw1", 22, &key(EC_A)), HostKeyStatus::Unknown);
        let k = kh(&format!("junk\nfw1 {ED_B}\n"));
        assert_eq!(
            k.check("fw1", 22, &key(ED_A)),
            HostKeyStatus::Changed { line: 2 }
        );
    }

    /// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as `ssh-keygen -H` writes.
    fn hash_name(salt: &[u8], name: &str) -> String {
        let mut mac = Hmac::<Sha1>::new_from_slice(salt).unwrap();
        mac.update(name.as_bytes());
        let hash = mac.finalize().into_bytes();
        format!("|1|{}|{}", STANDARD.encode(salt), STANDARD.encode(hash))
    }

    #[test]
    fn hashed_entries_computed() {
        let salt = [7u8; 20];
        let text = format!(
            "{} {ED_A}\n{} {ED_B}\n",
            hash_name(&salt, "fw1.example.net"),
            hash_name(&salt, "[fw2.example.net]:2222"),
        );
        let k = kh(&text);
        assert!(k.warnings().is_empty());
        assert_eq!(
            k.check("fw1.example.net", 22, &key(ED_A)),
            HostKeyStatus::Trusted
        );
        assert_eq!(
            k.check("FW1.example.net", 22, &key(ED_A)),
            HostKeyStatus::Trusted
        );
        assert_eq!(
            k.check("fw1.example.net", 22, &key(ED_B)),
            HostKeyStatus::Changed { line: 1 }
        );
        assert_eq!(
            k.check("fw1.example.net", 2222, &key(ED_A)),
            HostKeyStatus::Unknown
        );
        assert_eq!(
            k.check("fw2.example.net", 2222, &key(ED_B)),
            HostKeyStatus::Trusted
        );
        assert_eq!(
            k.check("fw2.example.net", 22, &key(ED_B)),
            HostKeyStatus::Unknown
        );
    }

    #[test]
    fn hashed_entries_from_ssh_keygen() {
        if !have_ssh_keygen() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("known_hosts");
        fs::write(
            &file,
            format!("fw1.example.net {ED_A}\n[fw2.example.net]:2222 {ED_B}\n10.1.2.3 {EC_A}\n"),
        )
        .unwrap();
        let out = Command::new(SSH_KEYGEN)
            .arg("-H")
            .arg("-f")
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let hashed = fs::read_to_string(&file).unwrap();
        assert!(!hashed.contains("example.net"), "not hashed: {hashed}");
        assert_eq!(hashed.lines().filter(|l| l.starts_with("|1|")).count(), 3);

        // Our own HMAC reproduces ssh-keygen's hash for its salt.
        let first = hashed.lines().next().unwrap();
        let hosts = first.split_whitespace().next().unwrap();
        let salt_b64 = hosts.split('|').nth(2).unwrap();
        let salt = STANDARD.decode(salt_b64).unwrap();
        assert_eq!(hash_name(&salt, "fw1.example.net"), hosts);

        let k = KnownHosts::load(&file).unwrap();
        assert!(k.warnings().is_empty(), "{:?}", k.warnings());
        assert_eq!(
            k.check("fw1.example.net", 22, &key(ED_A)),
            HostKeyStatus::Trusted
        );
        assert_eq!(
            k.check("fw2.example.net", 2222, &key(ED_B)),
            HostKeyStatus::Trusted
        );
        assert_eq!(
            k.check("fw2.example.net", 22, &key(ED_B)),
            HostKeyStatus::Unknown
        );
        assert_eq!(k.check("10.1.2.3", 22, &key(EC_A)), HostKeyStatus::Trusted);
        assert_eq!(k.check("10.1.2.3", 22, &key(ED_A)), HostKeyStatus::Unknown);
        assert_eq!(
            k.check("fw1.example.net", 22, &key(ED_B)),
            HostKeyStatus::Changed { line: 1 }
        );
        assert_eq!(
            k.check("fw3.example.net", 22, &key(ED_A)),
            HostKeyStatus::Unknown
        );
    }

    #[test]
    fn load_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope");
        let k = KnownHosts::load(&path).unwrap();
        assert_eq!(k.len(), 0);
        assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
    }

    #[test]
    fn load_unreadable_is_read_error() {
        // A directory cannot be read as a file, even as root.
        let dir = tempfile::tempdir().unwrap();
        match KnownHosts::load(dir.path()) {
            Err(KnownHostsError::Read { path, .. }) => assert_eq!(path, dir.path()),
            other => panic!("expected Read error, got {other:?}"),
        }
    }

    #[test]
    fn load_reports_path_in_warnings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        fs::write(&path, b"fw1 \xff\xfe garbage\n").unwrap();
        let k = KnownHosts::load(&path).unwrap();
        assert_eq!(
            k.warnings(),
            [format!("{}:1: cannot parse", path.display())]
        );
    }

    #[test]
    fn entry_line_format() {
        let k = key(&format!("{ED_A} some comment"));
        assert_eq!(entry_line("fw1", 22, &k), format!("fw1 {ED_A}"));
        assert_eq!(entry_line("fw1", 2222, &k), format!("[fw1]:2222 {ED_A}"));
        assert_eq!(
            entry_line("10.0.0.1", 830, &key(EC_A)),
            format!("[10.0.0.1]:830 {EC_A}")
        );
    }

    #[test]
    fn append_to_missing_file_then_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dir/known_hosts");
        append(&path, "fw1", 2222, &key(ED_A)).unwrap();
        append(&path, "fw2", 22, &key(ED_B)).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("[fw1]:2222 {ED_A}\nfw2 {ED_B}\n"));
        let k = KnownHosts::load(&path).unwrap();
        assert_eq!(k.check("fw1", 2222, &key(ED_A)), HostKeyStatus::Trusted);
        assert_eq!(k.check("fw2", 22, &key(ED_B)), HostKeyStatus::Trusted);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn append_adds_missing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        fs::write(&path, format!("fw1 {ED_A}")).unwrap();
        append(&path, "fw2", 22, &key(ED_B)).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("fw1 {ED_A}\nfw2 {ED_B}\n"));
        let k = KnownHosts::load(&path).unwrap();
        assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Trusted);
        assert_eq!(k.check("fw2", 22, &key(ED_B)), HostKeyStatus::Trusted);
    }

    #[test]
    fn append_to_empty_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_hosts");
        fs::write(&path, "").unwrap();
        append(&path, "fw1", 22, &key(ED_A)).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), format!("fw1 {ED_A}\n"));
    }

    #[test]
    fn fingerprint_matches_ssh_keygen() {
        if !have_ssh_keygen() {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        for kind in ["ed25519", "ecdsa", "rsa"] {
            let path = dir.path().join(format!("id_{kind}"));
            let out = Command::new(SSH_KEYGEN)
                .args(["-q", "-t", kind, "-N", "", "-C", "test", "-f"])
                .arg(&path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let pub_path = path.with_extension("pub");
            let out = Command::new(SSH_KEYGEN)
                .arg("-lf")
                .arg(&pub_path)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // e.g. "256 SHA256:abc... test (ED25519)"
            let listed = String::from_utf8(out.stdout).unwrap();
            let expected = listed.split_whitespace().nth(1).unwrap();
            let k = key(&fs::read_to_string(&pub_path).unwrap());
            assert_eq!(fingerprint(&k), expected, "{kind}");
            assert!(fingerprint(&k).starts_with("SHA256:"));
            assert!(!fingerprint(&k).ends_with('='));
        }
    }
}
