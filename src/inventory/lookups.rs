//! The lookup plugins of [`super::jinja::LOOKUPS`], as ansible-core 2.19's
//! `env.py` and `file.py` compute them, and `lookup`'s way of giving back
//! their values. What sshfleet cannot compute as they do is refused.
//!
//! `env`: each term is text; the variable is the term's first word
//! (`term.split()[0]`: `' HOME # x'` reads `HOME`; a term of no words
//! fails, as in Ansible); an unset variable gives `default=` as it is
//! given (a list, a boolean, None), else `''`.
//!
//! `file`: an absolute or `~` path, as Ansible's `unfrackpath` makes it:
//! `$VAR` and `${VAR}` expanded (an unset one kept), then `~`, then `..`
//! and `.` removed from the text (`os.path.normpath`, not through the
//! file system: `/link/../x` is `/x` whatever `link` points to). Refused
//! (docs/SECURITY.md I4): anything that is not a regular file, and
//! anything under `/proc`, `/sys` or `/dev` by its name or once its
//! symbolic links are followed (`/proc/self/environ` holds the
//! environment's secrets); a vault-encrypted file (Ansible decrypts it).

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt as _, OsStringExt as _};
use std::path::{Path, PathBuf};

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Error, Value as J};

use super::pynum::py_isspace;
use super::pyrepr::{py_repr, refuse};

/// The trees `lookup('file')` never reads: the kernel's views of
/// processes (their environments), devices and settings.
pub(super) const SYSTEM_TREES: &[&str] = &["/proc", "/sys", "/dev"];

/// `lookup`'s value (`wantlist=False`): none is `[]`, one is itself,
/// several texts are joined with `,`, several of other types are the list.
pub(super) fn lookup_value(values: Vec<J>) -> J {
    match values.len() {
        1 => values.into_iter().next().unwrap_or_default(),
        n if n > 1 && values.iter().all(|v| v.kind() == ValueKind::String) => J::from(
            values
                .iter()
                .map(|v| v.as_str().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => J::from(values),
    }
}

/// A term's text; a term holding `{{`, `{%` or `{#` Ansible renders
/// again as a template (an "embedded template"): refused.
fn term(plugin: &str, value: &J) -> Result<String, Error> {
    let text = match value.as_str() {
        Some(s) if value.kind() == ValueKind::String => s.to_string(),
        _ => {
            return Err(refuse(format!(
                "lookup('{plugin}'): the term `{}` is not text (Ansible fails)",
                py_repr(value)
            )));
        }
    };
    if ["{{", "{%", "{#"].iter().any(|m| text.contains(m)) {
        return Err(refuse(format!(
            "lookup('{plugin}'): the term `{text}` holds a template, which ansible-core 2.19 renders again (an embedded template): not supported; write the expression as the term"
        )));
    }
    Ok(text)
}

/// Refuses every keyword but `allowed`.
fn only(plugin: &str, kwargs: &Kwargs, allowed: &[&str]) -> Result<(), Error> {
    for key in kwargs.args() {
        if !allowed.contains(&key) {
            return Err(refuse(format!(
                "lookup('{plugin}'): the option `{key}` is not supported by sshfleet (supported: {})",
                if allowed.is_empty() {
                    "none".to_string()
                } else {
                    allowed.join(", ")
                }
            )));
        }
    }
    Ok(())
}

/// `lookup('env', ...)`; `read` is told each variable read.
pub(super) fn env(terms: &[J], kwargs: &Kwargs, read: &dyn Fn(&str)) -> Result<Vec<J>, Error> {
    only("env", kwargs, &["default"])?;
    let default = if kwargs.has("default") {
        let d: J = kwargs.get("default")?;
        if d.is_undefined() {
            return Err(refuse(
                "lookup('env'): an undefined `default=` is passed on by Ansible as a marker: not supported".to_string(),
            ));
        }
        d
    } else {
        J::from("")
    };
    let mut out = Vec::with_capacity(terms.len());
    for t in terms {
        let text = term("env", t)?;
        let Some(name) = text.split(py_isspace).find(|w| !w.is_empty()) else {
            return Err(refuse(format!(
                "lookup('env'): the term `{text}` has no name in it (Ansible fails: list index out of range)"
            )));
        };
        read(name);
        // Python's os.environ has no name with `=` or NUL: unset.
        let value = if name.contains(['=', '\0']) {
            None
        } else {
            std::env::var_os(name)
        };
        out.push(match value {
            None => default.clone(),
            Some(v) => J::from(v.into_string().map_err(|_| {
                refuse(format!(
                    "lookup('env', '{name}'): the variable's value is not UTF-8, which Python reads with escapes: not supported"
                ))
            })?),
        });
    }
    Ok(out)
}

/// `lookup('file', ...)` with its `lstrip` and `rstrip` options; a file
/// larger than `max` bytes (the most a template may render, which the
/// caller bounds) is refused unread.
pub(super) fn file(terms: &[J], kwargs: &Kwargs, max: usize) -> Result<Vec<J>, Error> {
    only("file", kwargs, &["lstrip", "rstrip"])?;
    let flag = |name: &str, default: bool| -> Result<bool, Error> {
        if !kwargs.has(name) {
            return Ok(default);
        }
        let v: J = kwargs.get(name)?;
        match v.kind() {
            ValueKind::Bool => Ok(v.is_true()),
            _ => Err(refuse(format!(
                "lookup('file'): `{name}={}` is not a boolean (Ansible converts it: write true or false)",
                py_repr(&v)
            ))),
        }
    };
    let (lstrip, rstrip) = (flag("lstrip", false)?, flag("rstrip", true)?);
    let mut out = Vec::with_capacity(terms.len());
    for t in terms {
        let name = term("file", t)?;
        let path = file_path(&name)?;
        let text = read_file(&name, &path, max)?;
        let mut text = text.as_str();
        if lstrip {
            text = text.trim_start_matches(py_isspace);
        }
        if rstrip {
            text = text.trim_end_matches(py_isspace);
        }
        out.push(J::from(text));
    }
    Ok(out)
}

/// The file a term names, as Ansible's `unfrackpath(term, follow=False)`
/// makes it (which `path_dwim` then makes again: a `$` left after the
/// first expansion would be expanded twice, refused).
pub(super) fn file_path(name: &str) -> Result<PathBuf, Error> {
    if !(name.starts_with('/') || name.starts_with('~')) {
        return Err(refuse(format!(
            "lookup('file', '{name}'): a relative path is searched in a play's directories, which sshfleet does not have; use an absolute path or ~/"
        )));
    }
    let once = unfrack(name.as_bytes())?;
    let twice = unfrack(&once)?;
    if once != twice {
        return Err(refuse(format!(
            "lookup('file', '{name}'): the expanded path holds `$` again, which Ansible expands a second time: not supported"
        )));
    }
    Ok(PathBuf::from(OsString::from_vec(once)))
}

fn unfrack(path: &[u8]) -> Result<Vec<u8>, Error> {
    let expanded = expanduser(&expandvars(path))?;
    if !expanded.starts_with(b"/") {
        return Err(refuse(format!(
            "lookup('file', '{}'): the path is relative once expanded, which Ansible reads from its working directory: not supported",
            String::from_utf8_lossy(path)
        )));
    }
    Ok(normpath(&expanded))
}

/// Python's `os.path.expandvars` (bytes): `$name` (ASCII word characters)
/// and `${anything}`; an unset variable is kept as written.
pub(super) fn expandvars(path: &[u8]) -> Vec<u8> {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let mut out = Vec::with_capacity(path.len());
    let mut i = 0;
    while i < path.len() {
        if path[i] != b'$' {
            out.push(path[i]);
            i += 1;
            continue;
        }
        let rest = &path[i + 1..];
        let (name, len) = if rest.first().is_some_and(word) {
            let n = rest.iter().take_while(|b| word(b)).count();
            (&rest[..n], n)
        } else if rest.first() == Some(&b'{') {
            match rest.iter().position(|b| *b == b'}') {
                Some(end) => (&rest[1..end], end + 1),
                None => (&rest[..0], 0),
            }
        } else {
            (&rest[..0], 0)
        };
        let value = (len > 0 && !name.is_empty() && !name.contains(&b'=') && !name.contains(&0))
            .then(|| std::env::var_os(std::ffi::OsStr::from_bytes(name)))
            .flatten();
        match value {
            Some(v) => out.extend_from_slice(v.as_bytes()),
            None => out.extend_from_slice(&path[i..=i + len]),
        }
        i += len + 1;
    }
    out
}

/// Python's `os.path.expanduser` (bytes) for `~` and `~/...` (`$HOME`);
/// `~user` and a missing `$HOME` (the password database) are refused.
fn expanduser(path: &[u8]) -> Result<Vec<u8>, Error> {
    if !path.starts_with(b"~") {
        return Ok(path.to_vec());
    }
    let end = path[1..]
        .iter()
        .position(|b| *b == b'/')
        .map_or(path.len(), |i| i + 1);
    let shown = || String::from_utf8_lossy(path).into_owned();
    if end != 1 {
        return Err(refuse(format!(
            "lookup('file', '{}'): `~user` paths are not supported; use an absolute path or ~/",
            shown()
        )));
    }
    let Some(home) = std::env::var_os("HOME") else {
        return Err(refuse(format!(
            "lookup('file', '{}'): HOME is not set (Python would read the password database): not supported",
            shown()
        )));
    };
    let home = home.into_vec();
    let trimmed = home.len() - home.iter().rev().take_while(|b| **b == b'/').count();
    let mut out = home[..trimmed].to_vec();
    out.extend_from_slice(&path[end..]);
    Ok(if out.is_empty() { b"/".to_vec() } else { out })
}

/// Python's `posixpath.normpath` (bytes): textual.
pub(super) fn normpath(path: &[u8]) -> Vec<u8> {
    if path.is_empty() {
        return b".".to_vec();
    }
    let slashes = if path.starts_with(b"//") && !path.starts_with(b"///") {
        2
    } else {
        usize::from(path.starts_with(b"/"))
    };
    let mut comps: Vec<&[u8]> = Vec::new();
    for comp in path.split(|b| *b == b'/') {
        if comp.is_empty() || comp == b"." {
            continue;
        }
        if comp != b".." || (slashes == 0 && comps.is_empty()) || comps.last() == Some(&&b".."[..])
        {
            comps.push(comp);
        } else {
            comps.pop();
        }
    }
    let mut out = b"/".repeat(slashes);
    out.extend_from_slice(&comps.join(&b'/'));
    if out.is_empty() { b".".to_vec() } else { out }
}

/// Whether `path` is in one of [`SYSTEM_TREES`].
fn in_system_tree(path: &Path) -> bool {
    SYSTEM_TREES.iter().any(|t| path.starts_with(t))
}

/// The text of the file, refused as the module says.
fn read_file(name: &str, path: &Path, max: usize) -> Result<String, Error> {
    let shown = path.display();
    let refused = |why: String| refuse(format!("lookup('file', '{name}'): {shown}: {why}"));
    let system = || {
        refused(format!(
            "sshfleet does not read files under {} (they hold processes' environments and devices)",
            SYSTEM_TREES.join(", ")
        ))
    };
    if in_system_tree(path) {
        return Err(system());
    }
    let real = std::fs::canonicalize(path)
        .map_err(|e| refused(format!("Unable to access the file ({e})")))?;
    if in_system_tree(&real) {
        return Err(system());
    }
    let meta = std::fs::metadata(&real).map_err(|e| refused(e.to_string()))?;
    if !meta.is_file() {
        return Err(refused("not a regular file".to_string()));
    }
    // What a template may render is bounded (`max`); a file larger than
    // that could only be measured or cut in the template, at a cost per
    // call of its whole size (60 MB times `| length` per host took seconds
    // and gigabytes), so it is refused, read no further.
    let head = crate::support::bounds::read_input_head(&real, max as u64 + 1)
        .map_err(|e| refused(e.to_string()))?;
    if head.len() > max {
        return Err(refused(format!(
            "larger than {max} bytes, the most a template may render: sshfleet does not read it"
        )));
    }
    let text = String::from_utf8(head).map_err(|_| refused("not UTF-8 text".to_string()))?;
    if text.is_ascii() && text.starts_with("$ANSIBLE_VAULT") {
        return Err(refused(
            "vault-encrypted, which Ansible decrypts: not supported".to_string(),
        ));
    }
    Ok(text)
}
