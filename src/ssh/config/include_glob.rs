//! `Include` paths expanded as OpenSSH 9.2's `glob(3)` expands them: the
//! OpenBSD glob OpenSSH carries (openbsd-compat/glob.c, used on Linux
//! because glibc's `glob_t` lacks `gl_matchc`), called with no flags. It
//! works on bytes (`?` is one byte, so `??.conf` matches `ä.conf`), a
//! backslash makes the next byte literal (`\site.conf` is `site.conf`), a
//! name starting with `.` is matched only by a pattern segment starting
//! with a literal `.` (`*.conf` never reads `.disabled.conf`), a name is
//! taken when `lstat` finds it (a dangling symbolic link included), and
//! the result is sorted by bytes. Character classes (`[[:alpha:]]`) and a
//! `/` inside brackets are refused rather than approximated.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// One compiled pattern element (glob0's `Char` after compilation).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Byte(u8),
    /// `?`: any one byte.
    One,
    /// `*`: any run of bytes (adjacent stars collapsed).
    All,
    /// `[...]`: inclusive byte ranges, maybe negated (`[!...]`).
    Set {
        negated: bool,
        ranges: Vec<(u8, u8)>,
    },
}

/// glob()'s escape pass: a backslash protects the next byte (a trailing
/// one is itself). `(byte, protected)`.
fn unescape(pattern: &[u8]) -> Vec<(u8, bool)> {
    let mut out = Vec::with_capacity(pattern.len());
    let mut i = 0;
    while i < pattern.len() {
        if pattern[i] == b'\\' && i + 1 < pattern.len() {
            out.push((pattern[i + 1], true));
            i += 2;
        } else {
            out.push((pattern[i], false));
            i += 1;
        }
    }
    out
}

/// glob0's compilation: an unprotected `[` opens a set only when an
/// unprotected `]` follows its first member; protected bytes are literal.
fn compile(pattern: &[u8]) -> Result<Vec<Tok>, String> {
    let p = unescape(pattern);
    let plain = |i: usize, b: u8| p.get(i) == Some(&(b, false));
    let mut out = Vec::new();
    let mut i = 0;
    while i < p.len() {
        let (c, protected) = p[i];
        i += 1;
        match (c, protected) {
            (b'[', false) => {
                let negated = plain(i, b'!');
                let first = i + usize::from(negated);
                let closes = first < p.len() && (first + 1..p.len()).any(|j| plain(j, b']'));
                if !closes {
                    out.push(Tok::Byte(b'['));
                    continue;
                }
                let mut ranges = Vec::new();
                let mut j = first;
                loop {
                    let (member, _) = p[j];
                    if member == b'[' && p.get(j + 1).is_some_and(|n| n.0 == b':') {
                        return Err("character classes ([[:alpha:]]) are not supported by sshfleet in an Include pattern".into());
                    }
                    if member == b'/' {
                        return Err("a `/` inside brackets is not supported by sshfleet in an Include pattern".into());
                    }
                    j += 1;
                    if plain(j, b'-') && p.get(j + 1).is_some_and(|n| *n != (b']', false)) {
                        ranges.push((member, p[j + 1].0));
                        j += 2;
                    } else {
                        ranges.push((member, member));
                    }
                    if plain(j, b']') {
                        break;
                    }
                }
                i = j + 1;
                out.push(Tok::Set { negated, ranges });
            }
            (b'?', false) => out.push(Tok::One),
            (b'*', false) => {
                if out.last() != Some(&Tok::All) {
                    out.push(Tok::All);
                }
            }
            (b, _) => out.push(Tok::Byte(b)),
        }
    }
    Ok(out)
}

/// glob's `match`: `name` against one segment, byte by byte.
fn matches(name: &[u8], pattern: &[Tok]) -> bool {
    let (mut n, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    loop {
        let step = match pattern.get(p) {
            None if n == name.len() => return true,
            None => false,
            Some(Tok::All) => {
                star = Some((p, n));
                p += 1;
                continue;
            }
            Some(_) if n == name.len() => false,
            Some(Tok::One) => true,
            Some(Tok::Byte(b)) => name[n] == *b,
            Some(Tok::Set { negated, ranges }) => {
                let k = name[n];
                ranges.iter().any(|(lo, hi)| *lo <= k && k <= *hi) != *negated
            }
        };
        if step {
            n += 1;
            p += 1;
            continue;
        }
        match star {
            Some((sp, sn)) if sn < name.len() => {
                star = Some((sp, sn + 1));
                p = sp + 1;
                n = sn + 1;
            }
            _ => return false,
        }
    }
}

/// The paths `pattern` names, sorted by bytes; none when nothing matches.
pub(super) fn glob(pattern: &OsStr) -> Result<Vec<PathBuf>, String> {
    let tokens = compile(pattern.as_bytes())?;
    let segments: Vec<&[Tok]> = tokens.split(|t| *t == Tok::Byte(b'/')).collect();
    let mut found = Vec::new();
    walk(Vec::new(), &segments, &mut found);
    found.sort();
    Ok(found
        .into_iter()
        .map(|p| PathBuf::from(OsStr::from_bytes(&p)))
        .collect())
}

/// glob2/glob3: literal segments are appended, a segment with a wildcard
/// is matched against the directory's names; at the end, what `lstat`
/// finds is taken. An unreadable directory matches nothing.
fn walk(mut prefix: Vec<u8>, segments: &[&[Tok]], found: &mut Vec<Vec<u8>>) {
    let Some((segment, rest)) = segments.split_first() else {
        if std::fs::symlink_metadata(OsStr::from_bytes(&prefix)).is_ok() {
            found.push(prefix);
        }
        return;
    };
    let literal: Option<Vec<u8>> = segment
        .iter()
        .map(|t| match t {
            Tok::Byte(b) => Some(*b),
            _ => None,
        })
        .collect();
    let next = |mut path: Vec<u8>, found: &mut Vec<Vec<u8>>| {
        if !rest.is_empty() {
            path.push(b'/');
        }
        walk(path, rest, found);
    };
    if let Some(bytes) = literal {
        prefix.extend(bytes);
        return next(prefix, found);
    }
    let dir = if prefix.is_empty() {
        b".".to_vec()
    } else {
        prefix.clone()
    };
    let Ok(entries) = std::fs::read_dir(OsStr::from_bytes(&dir)) else {
        return;
    };
    let names = [b".".to_vec(), b"..".to_vec()]
        .into_iter()
        .chain(entries.flatten().map(|e| e.file_name().as_bytes().to_vec()));
    for name in names {
        if name.first() == Some(&b'.') && segment.first() != Some(&Tok::Byte(b'.')) {
            continue;
        }
        if matches(&name, segment) {
            let mut path = prefix.clone();
            path.extend(&name);
            next(path, found);
        }
    }
}

#[cfg(test)]
mod tests;
