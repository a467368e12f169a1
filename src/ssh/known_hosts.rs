//! OpenSSH `known_hosts` checking, the way `ssh` itself does it, so an
//! operator's existing file works unchanged and a changed key is never
//! accepted silently.
//!
//! The format is the one described under SSH_KNOWN_HOSTS FILE FORMAT in
//! `sshd(8)`: an optional marker (`@revoked` or `@cert-authority`), a
//! comma-separated list of host patterns (or a single hashed `|1|salt|hash`
//! name), the key type, the base64 key and an optional comment. Fields are
//! separated by runs of spaces or tabs, and nothing else ([`SEPARATORS`]).

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit as _, Mac};
use russh::keys::ssh_key::known_hosts::{Entry, HostPatterns, Marker};
use russh::keys::{HashAlg, PublicKey};
use sha1::Sha1;

use crate::ssh::pattern::{Caller, PatternList};

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
    /// The line holds a certificate (its type): `entry` holds the key it
    /// certifies. OpenSSH reads such a line (`sshkey_read` takes every
    /// certificate type) and compares it as that key under `@revoked` and
    /// `@cert-authority` (`sshkey_equal_public`); unmarked, it never equals
    /// a presented plain key (`sshkey_equal` compares types) but is another
    /// key listed for the host, and it is no type the host is known by.
    certificate: Option<String>,
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
    /// `@revoked` lines. Each applies only to the names its host field
    /// matches, as in OpenSSH (see [`KnownHosts::revoked`]).
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
            // A path under a file cannot exist either: empty, as in OpenSSH.
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                Ok(KnownHosts::parse("", path))
            }
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
            // hostfile.c reads each line as a C string: it ends at a NUL
            // (a key followed by NUL and anything is still that key).
            let raw = raw.split('\0').next().unwrap_or_default();
            let line = raw.trim_start_matches(SEPARATORS);
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Err(why) = check_marker(line) {
                warnings.push(format!(
                    "{}:{number}: invalid marker: {why}",
                    path.display()
                ));
                continue;
            }
            let normalised = match fields(line) {
                Ok(fields) => fields,
                Err(why) => {
                    warnings.push(format!("{}:{number}: {why}", path.display()));
                    continue;
                }
            };
            let (normalised, certificate) = match certificate_line(&normalised) {
                Some(Ok((plain, kind))) => (plain, Some(kind)),
                Some(Err(why)) => {
                    warnings.push(format!("{}:{number}: {why}", path.display()));
                    continue;
                }
                None => (normalised, None),
            };
            match Entry::from_str(&normalised) {
                Ok(entry) => {
                    let patterns = match entry.host_patterns() {
                        HostPatterns::Patterns(list) => Some(PatternList::new(
                            list.iter().map(String::as_str),
                            Caller::KnownHosts,
                        )),
                        HostPatterns::HashedName { .. } => None,
                    };
                    lines.push(Line {
                        number,
                        entry,
                        patterns,
                        certificate,
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
        // Revocation for this host wins over everything.
        if let Some(line) = self.revoked(host, port, key) {
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
            if line.certificate.is_some() {
                // Another key listed for the host: `known_other_type`.
                continue;
            }
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
            .find(|line| {
                line.certificate.is_some() || line.entry.public_key().algorithm() != key.algorithm()
            })
            .map(|line| {
                let kind = match &line.certificate {
                    Some(kind) => kind.clone(),
                    None => line.entry.public_key().algorithm().to_string(),
                };
                (kind, line.number)
            })
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

    /// The first `@revoked` line that lists `key` for this host. OpenSSH
    /// 9.2 reads only the lines whose host field matches the name it looks
    /// up (hostfile.c `hostkeys_foreach`, `HKF_WANT_MATCH`: a pattern
    /// matches and no negated one does, or the `|1|` hash is of this name)
    /// and checks revocation among those (`check_key_not_revoked`): a key
    /// revoked under another name is not revoked for this one, and `ssh`
    /// connects. (`CheckHostIP yes`, which would add the address's lines,
    /// is refused.)
    pub(crate) fn revoked(&self, host: &str, port: u16, key: &PublicKey) -> Option<usize> {
        let name = lookup_name(host, port);
        self.revoked
            .iter()
            .map(|&i| &self.lines[i])
            .find(|l| same_key(l.entry.public_key(), key) && l.matches(&name))
            .map(|l| l.number)
    }

    /// The first key of each type this file knows this host by, in file
    /// order: OpenSSH offers those types first, so a host known by its RSA
    /// key is not met with its (unknown) Ed25519 key. A type whose first
    /// key is revoked for the host (in any file) is not offered first:
    /// the caller checks that with [`KnownHosts::revoked`].
    pub(crate) fn known_keys(&self, host: &str, port: u16) -> Vec<PublicKey> {
        let name = lookup_name(host, port);
        let mut out: Vec<PublicKey> = Vec::new();
        for line in self
            .candidates(&name)
            .filter(|l| l.entry.marker().is_none() && l.certificate.is_none())
        {
            let key = line.entry.public_key();
            if line.matches(&name) && !out.iter().any(|k| k.algorithm() == key.algorithm()) {
                out.push(key.clone());
            }
        }
        out
    }
}

/// A line whose key field is a certificate (`TYPE-cert-v01@openssh.com
/// BASE64`), as the same line holding the key it certifies, and its type;
/// `None` for any other line. A certificate OpenSSH would not read (not
/// decodable, of another type than its field says, neither a user nor a
/// host certificate, or its CA's signature does not verify: `cert_parse`)
/// is an error, and the line is skipped, as `ssh` skips it.
fn certificate_line(line: &str) -> Option<Result<(String, String), String>> {
    let fields: Vec<&str> = line.split(' ').collect();
    let at = usize::from(fields.first()?.starts_with('@')) + 1;
    let kind = *fields.get(at)?;
    if !kind.ends_with("-cert-v01@openssh.com") {
        return None;
    }
    let blob = fields.get(at + 1).copied().unwrap_or_default();
    let parsed = russh::keys::Certificate::from_openssh(&format!("{kind} {blob}"))
        .map_err(|e| format!("cannot parse the {kind} certificate ({e}); that line is skipped"))
        .and_then(|cert| {
            cert.verify_signature().map_err(|e| {
                format!(
                    "the {kind} certificate's signature does not verify ({e}); that line is skipped"
                )
            })?;
            let plain = PublicKey::from(cert.public_key().clone());
            plain.to_openssh().map_err(|e| e.to_string())
        });
    Some(parsed.map(|plain| {
        let mut out: Vec<&str> = fields[..at].to_vec();
        out.push(&plain);
        (out.join(" "), kind.to_string())
    }))
}

/// The only field separators of a known_hosts line: hostfile.c and
/// `sshkey_read` skip and cut at spaces and tabs, nothing else, so a
/// vertical tab, form feed, no-break space or any other Unicode space is
/// part of the field it stands in (`tests::field_separators` lists them).
pub(crate) const SEPARATORS: [char; 2] = [' ', '\t'];

/// The first field of `text` and what follows its separators.
fn next_field(text: &str) -> (&str, &str) {
    let end = text.find(SEPARATORS).unwrap_or(text.len());
    (&text[..end], text[end..].trim_start_matches(SEPARATORS))
}

/// The line's marker, host field and key as `Entry::from_str` reads them
/// (one space apart, the key in its canonical spelling), cut and read
/// where OpenSSH cuts and reads them (hostfile.c, then `sshkey_read`: see
/// [`super::key_line`]). A hashed host name must be exactly what
/// OpenSSH's `extract_salt` and `host_hash` accept; otherwise `Err`, and
/// the line is ignored, as ssh ignores it.
fn fields(line: &str) -> Result<String, String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = line;
    if line.starts_with('@') {
        let (marker, after) = next_field(rest);
        out.push(marker.to_string());
        rest = after;
    }
    let (host, after) = next_field(rest);
    if host.starts_with("|1|") {
        check_hashed(host)?;
    }
    out.push(host.to_string());
    if after.is_empty() || after.starts_with('#') {
        return Err(
            "the line ends before its key type; that line is ignored, as ssh ignores it".into(),
        );
    }
    let (key, _comment) = super::key_line::read(after).map_err(|e| {
        format!("the key cannot be read: {e}; that line is ignored, as ssh ignores it")
    })?;
    out.push(key);
    Ok(out.join(" "))
}

/// A hashed name `|1|SALT|HASH` as OpenSSH 9.2 compares it: the salt must
/// decode to exactly 20 bytes (`extract_salt`), and the whole field must
/// be the canonical encoding `host_hash` writes (it compares the text).
fn check_hashed(name: &str) -> Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "hashed host name {why}; that line is ignored, as ssh ignores it"
        ))
    };
    let Some((salt, hash)) = name[3..].split_once('|') else {
        return bad("has no hash");
    };
    let Ok(salt_bytes) = STANDARD.decode(salt) else {
        return bad("has a salt that is not base64");
    };
    if salt_bytes.len() != 20 {
        return bad(&format!(
            "has a {}-byte salt (OpenSSH takes 20 only)",
            salt_bytes.len()
        ));
    }
    match STANDARD.decode(hash) {
        Ok(h)
            if h.len() == 20
                && STANDARD.encode(&h) == hash
                && STANDARD.encode(&salt_bytes) == salt =>
        {
            Ok(())
        }
        _ => bad("is not in the form ssh writes (base64 of a 20-byte HMAC-SHA1)"),
    }
}

/// Whether a line's marker (if it starts with `@`) is one OpenSSH 9.2
/// reads, by its `check_markers` grammar (hostfile.c): the marker ends at
/// the line's first space, or when the line has no space at all at its
/// first tab, so `@cert-authority<TAB>* key` (a space later on the line)
/// makes the marker `@cert-authority<TAB>*`, which is invalid; it must be
/// exactly `@cert-authority` or `@revoked` (case matters), at most 31
/// bytes, and only one. OpenSSH ignores a line with an invalid marker
/// ("invalid marker"); so must sshfleet, or it would trust a CA or key
/// that `ssh` does not.
fn check_marker(line: &str) -> Result<(), &'static str> {
    let mut rest = line;
    let mut seen = false;
    while rest.starts_with('@') {
        if seen {
            return Err("more than one marker");
        }
        let Some(end) = rest.find(' ').or_else(|| rest.find('\t')) else {
            return Err("nothing follows the marker");
        };
        if end <= 1 || end >= 32 {
            return Err("not @cert-authority or @revoked");
        }
        if !matches!(&rest[..end], "@cert-authority" | "@revoked") {
            return Err("not @cert-authority or @revoked");
        }
        seen = true;
        rest = rest[end..].trim_start_matches(SEPARATORS);
    }
    Ok(())
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
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                None
            }
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

/// Append an entry for `host`/`port` to the file at `path`, creating the
/// file when missing. No directory is created but `~/.ssh` itself, as
/// OpenSSH 9.2 (`hostfile_create_user_ssh_dir`): a known_hosts file in a
/// directory that does not exist is not written ("Failed to add the host
/// to the list of known hosts"), so no run creates a directory where an
/// input (a `group_vars/`, an `Include`d directory) or an output may later
/// be (docs/SECURITY.md I5).
pub(crate) fn append(
    path: &Path,
    host: &str,
    port: u16,
    key: &PublicKey,
    hashed: bool,
) -> Result<(), KnownHostsError> {
    let write_err = |source| KnownHostsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let user_ssh_dir = super::config::home().join(".ssh");
    if let Some(dir) = path.parent().filter(|d| *d == user_ssh_dir && !d.exists()) {
        let mut builder = fs::DirBuilder::new();
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
    let line = entry_line(host, port, key);
    if hashed {
        // `HashKnownHosts yes`: the name as `|1|salt|HMAC-SHA1(salt, name)`.
        let (_, rest) = line.split_once(' ').unwrap_or_default();
        text.push_str(&hashed_name(&lookup_name(host, port)));
        text.push(' ');
        text.push_str(rest);
    } else {
        text.push_str(&line);
    }
    text.push('\n');
    // Append mode: the write goes to the end whatever the read position.
    file.write_all(text.as_bytes()).map_err(write_err)?;
    file.flush().map_err(write_err)
}

/// A known_hosts name hashed as OpenSSH's `HashKnownHosts` writes it.
pub(crate) fn hashed_name(name: &str) -> String {
    let salt: [u8; 20] = rand::random();
    let hash = match Hmac::<Sha1>::new_from_slice(&salt) {
        Ok(mut mac) => {
            mac.update(name.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    };
    format!("|1|{}|{}", STANDARD.encode(salt), STANDARD.encode(hash))
}

/// `RevokedHostKeys`: whether the file lists one of `keys` (a host key,
/// and for a certificate its CA). The file is a list of public keys as
/// OpenSSH reads one; a binary key revocation list (KRL) is refused, and a
/// file that cannot be read fails the check, as in OpenSSH.
pub(crate) fn revoked_by_file(path: &Path, keys: &[&PublicKey]) -> Result<Option<usize>, String> {
    let bytes = crate::support::bounds::read_input_bytes(path)
        .map_err(|e| format!("RevokedHostKeys {}: {e}", path.display()))?;
    if bytes.starts_with(b"SSHKRL\n\0") {
        return Err(format!(
            "RevokedHostKeys {} is a binary key revocation list (KRL), which sshfleet cannot read; list the revoked public keys one a line instead",
            path.display()
        ));
    }
    // `sshkey_in_file`: each line as `getline` gives it (its newline
    // kept, so a line of only `\r` or a form feed is no blank line) and as
    // C reads it (up to a NUL); leading spaces and tabs skipped; a blank
    // line or a comment skipped; anything else must read as a key
    // (`sshkey_read`), or the check fails and ssh refuses the host.
    for (index, raw) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        let raw = raw.split(|&b| b == 0).next().unwrap_or_default();
        let text = String::from_utf8_lossy(raw);
        let line = text.trim_start_matches(SEPARATORS);
        if line.is_empty() || line.starts_with(['#', '\n']) {
            continue;
        }
        let unreadable = |why: String| {
            format!(
                "RevokedHostKeys {}:{}: not a public key line (`TYPE BASE64 [COMMENT]`: {why}), which OpenSSH refuses as an invalid format",
                path.display(),
                index + 1
            )
        };
        let (key, _comment) = super::key_line::read(line).map_err(|e| unreadable(e.to_string()))?;
        // A certificate revokes the key it certifies (`sshkey_in_file`
        // reads every certificate type and compares public parts).
        let as_key = match certificate_line(&format!("* {key}")) {
            Some(Ok((plain, _))) => plain[2..].to_string(),
            Some(Err(why)) => return Err(unreadable(why)),
            None => key,
        };
        let listed = PublicKey::from_openssh(&as_key).map_err(|e| unreadable(e.to_string()))?;
        if keys.iter().any(|k| same_key(k, &listed)) {
            return Ok(Some(index + 1));
        }
    }
    Ok(None)
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
mod separator_tests;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
