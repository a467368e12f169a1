//! `group_vars/` and `host_vars/` beside each inventory source, found as
//! Ansible's `host_group_vars` plugin finds them: `NAME`, else `NAME.yml`,
//! `NAME.yaml`, `NAME.json` (the first that exists), or a directory `NAME/`
//! whose files (no extension or one of those, not hidden, not ending in
//! `~`) are read in name order, recursing into subdirectories.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::vars::kind;
use super::vault::{self, VaultSecret};
use super::{InventoryError, Origin, yaml11};

const EXTENSIONS: [&str; 3] = ["yml", "yaml", "json"];

pub(super) struct VarsFiles {
    /// `false` for an inventory given as text: nothing beside it is read.
    enabled: bool,
    vault: Option<VaultSecret>,
    cache: HashMap<PathBuf, Vec<(String, Var)>>,
    /// The files found for each `group_vars/NAME` or `host_vars/NAME`,
    /// and each source's base directory: every host asks again for its
    /// groups' (and `all`'s), and a fleet of thousands would otherwise
    /// stat the same missing files thousands of times.
    found: HashMap<PathBuf, Vec<PathBuf>>,
    bases: HashMap<PathBuf, Option<PathBuf>>,
}

impl VarsFiles {
    pub(super) fn new(vault: Option<VaultSecret>) -> VarsFiles {
        VarsFiles {
            enabled: true,
            vault,
            cache: HashMap::new(),
            found: HashMap::new(),
            bases: HashMap::new(),
        }
    }

    #[cfg(test)]
    pub(super) fn none() -> VarsFiles {
        VarsFiles {
            enabled: false,
            ..VarsFiles::new(None)
        }
    }

    /// `group_vars/NAME` of every source, in source order.
    pub(super) fn group_vars(
        &mut self,
        name: &str,
        sources: &[PathBuf],
    ) -> Result<Vec<(String, Var)>, InventoryError> {
        self.every_source("group_vars", name, sources)
    }

    /// `group_vars/NAME` beside one source.
    pub(super) fn group_vars_in(
        &mut self,
        name: &str,
        source: &Path,
    ) -> Result<Vec<(String, Var)>, InventoryError> {
        match self.base_dir(source) {
            Some(dir) => self.entity(&dir.join("group_vars"), name),
            None => Ok(Vec::new()),
        }
    }

    /// `host_vars/NAME` of every source, in source order.
    pub(super) fn host_vars(
        &mut self,
        name: &str,
        sources: &[PathBuf],
    ) -> Result<Vec<(String, Var)>, InventoryError> {
        self.every_source("host_vars", name, sources)
    }

    fn every_source(
        &mut self,
        dir: &str,
        name: &str,
        sources: &[PathBuf],
    ) -> Result<Vec<(String, Var)>, InventoryError> {
        let mut out = Vec::new();
        for source in sources {
            if let Some(base) = self.base_dir(source) {
                out.extend(self.entity(&base.join(dir), name)?);
            }
        }
        Ok(out)
    }

    fn base_dir(&mut self, source: &Path) -> Option<PathBuf> {
        self.bases
            .entry(source.to_path_buf())
            .or_insert_with(|| base_dir(source))
            .clone()
    }

    fn entity(&mut self, dir: &Path, name: &str) -> Result<Vec<(String, Var)>, InventoryError> {
        let mut out = Vec::new();
        if !self.enabled || matches!(name_rule(name), Some(NameRule::Skipped) | None) {
            return Ok(out);
        }
        let files = self
            .found
            .entry(dir.join(name))
            .or_insert_with(|| find_vars_files(dir, name))
            .clone();
        for file in files {
            out.extend(self.file(&file)?);
        }
        Ok(out)
    }

    /// One vars file: a mapping of variables (vault-encrypted or not).
    pub(super) fn file(&mut self, path: &Path) -> Result<Vec<(String, Var)>, InventoryError> {
        if let Some(vars) = self.cache.get(path) {
            return Ok(vars.clone());
        }
        let vars = read_vars_file(path, self.vault.as_ref())?;
        self.cache.insert(path.to_path_buf(), vars.clone());
        Ok(vars)
    }
}

/// Read a file's text, decrypting it if it is a vault; whether it was
/// one (its text is then secret: errors about it quote none of it).
pub(super) fn read_text(
    path: &Path,
    secret: Option<&VaultSecret>,
) -> Result<(String, bool), InventoryError> {
    // A regular file of bounded size and nesting (crate::support::bounds).
    let text =
        crate::support::bounds::read_yaml_input(path).map_err(|source| InventoryError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    if vault::is_vault(&text) {
        return vault::decrypt(&text, secret)
            .map(|text| (text, true))
            .map_err(|e| InventoryError::Invalid {
                path: path.to_path_buf(),
                line: 1,
                message: format!("vault-encrypted file: {e}"),
            });
    }
    Ok((text, false))
}

fn read_vars_file(
    path: &Path,
    secret: Option<&VaultSecret>,
) -> Result<Vec<(String, Var)>, InventoryError> {
    let (text, decrypted) = read_text(path, secret)?;
    read_vars_text(path, &text).map_err(|e| {
        if decrypted {
            e.of_secret_text(&text)
        } else {
            e
        }
    })
}

/// Whether Python reads `value` as false: `None`, `False`, a zero, an
/// empty text, list or mapping.
fn is_py_falsy(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Sequence(items) => items.is_empty(),
        Value::Mapping(map) => map.is_empty(),
        Value::Tagged(t) => is_py_falsy(&t.value),
    }
}

fn read_vars_text(path: &Path, text: &str) -> Result<Vec<(String, Var)>, InventoryError> {
    let root = yaml11::parse_data(text).map_err(|e| InventoryError::Invalid {
        path: path.to_path_buf(),
        line: e.line,
        message: e.message,
    })?;
    let lines = yaml11::lines_of(text);
    let map = match root {
        // ansible-core's `host_group_vars` skips a file whose data is
        // falsy in Python (`if new_data:`), mapping or not.
        ref falsy if is_py_falsy(falsy) => return Ok(Vec::new()),
        Value::Mapping(map) => map,
        other => {
            return Err(InventoryError::Invalid {
                path: path.to_path_buf(),
                line: 1,
                message: format!(
                    "a vars file must be a mapping of variables, found {}",
                    kind(&other)
                ),
            });
        }
    };
    let mut vars = Vec::new();
    for (key, value) in map {
        let Some(key) = super::vars::scalar_text(&key) else {
            return Err(InventoryError::Invalid {
                path: path.to_path_buf(),
                line: 1,
                message: "a variable name must be a plain name".to_string(),
            });
        };
        let line = lines.line_of(&[key.as_str()]).unwrap_or(1);
        vars.push((
            key,
            Var {
                value,
                origin: Origin {
                    path: path.to_path_buf(),
                    line,
                },
            },
        ));
    }
    Ok(vars)
}

/// What ansible-core 2.19's `host_group_vars` plugin does with a host or
/// group name before it looks for `DIR/NAME`: a name starting with `/` (a
/// chroot-style host `/srv/jail`) is skipped (joined, it would read
/// `/srv/jail.yml` from anywhere); any other is joined to the directory
/// and the path goes through the loader's `path_dwim`, which expands
/// `$VAR`/`${VAR}` from the environment and resolves `.`, `..` and `//`
/// lexically (`unfrackpath(follow=False)`), before the system looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameRule {
    /// Never looked up.
    Skipped,
    /// `$VAR` and `${VAR}` replaced by the environment's value (an unset
    /// one kept as written), then resolved as [`NameRule::Resolved`].
    Expanded,
    /// `.`, `..`, empty components and a trailing `/` resolved lexically:
    /// `a/../x` is `x` even where `a` does not exist.
    Resolved,
    /// Joined as written.
    Joined,
}

/// One row of [`NAME_SHAPES`]: what the name is, whether a name is of
/// that shape, the rule.
pub(super) type NameShape = (&'static str, fn(&str) -> bool, NameRule);

/// Each name shape the plugin tells apart, first match wins. The unit
/// test below fails on a name no row matches.
pub(super) const NAME_SHAPES: [NameShape; 4] = [
    ("starts with `/`", |n| n.starts_with('/'), NameRule::Skipped),
    ("holds a `$`", |n| n.contains('$'), NameRule::Expanded),
    (
        "has a `.`, `..` or empty component",
        |n| n.split('/').any(|c| matches!(c, "" | "." | "..")),
        NameRule::Resolved,
    ),
    (
        "plain components",
        |n| {
            !n.is_empty() && !n.contains('$') && n.split('/').all(|c| !matches!(c, "" | "." | ".."))
        },
        NameRule::Joined,
    ),
];

/// The rule of `name`'s shape.
pub(super) fn name_rule(name: &str) -> Option<NameRule> {
    NAME_SHAPES
        .iter()
        .find(|(_, matches, _)| matches(name))
        .map(|(_, _, rule)| *rule)
}

/// `path_dwim` of an absolute path: Python's `os.path.expandvars` (`$NAME`
/// or `${NAME}`, NAME of ASCII letters, digits and `_`; unset ones kept),
/// then `os.path.normpath`.
fn dwim(path: &str) -> PathBuf {
    static VAR: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\$(?:([A-Za-z0-9_]+)|\{([^}]*)\})")
            .unwrap_or_else(|e| unreachable!("static regex: {e}"))
    });
    let expanded = VAR.replace_all(path, |c: &regex::Captures<'_>| {
        let name = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
        std::env::var(name).unwrap_or_else(|_| c[0].to_string())
    });
    let mut out: Vec<&str> = Vec::new();
    for part in expanded.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    PathBuf::from(format!("/{}", out.join("/")))
}

/// Ansible's `DataLoader.find_vars_files`.
fn find_vars_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    // `group_vars/`, `host_vars/`: a file put there is read next time,
    // and so is one put in it once it is made.
    crate::support::bounds::note_input_dir("the variables directory", dir);
    if !dir.is_dir() {
        // Ansible looks no further (not even at `host_vars/../NAME`).
        return Vec::new();
    }
    let path = |suffix: &str| match name_rule(name) {
        Some(NameRule::Expanded | NameRule::Resolved) => {
            // Under the base directory's real path, as the plugin joins.
            let real = dir
                .parent()
                .and_then(|p| p.canonicalize().ok())
                .zip(dir.file_name())
                .map_or_else(|| dir.to_path_buf(), |(p, d)| p.join(d));
            dwim(&format!("{}/{name}{suffix}", real.display()))
        }
        _ => dir.join(format!("{name}{suffix}")),
    };
    let candidates =
        std::iter::once(path("")).chain(EXTENSIONS.iter().map(|ext| path(&format!(".{ext}"))));
    for path in candidates {
        if path.is_dir() {
            return dir_vars_files(&path);
        }
        if path.exists() {
            return vec![path];
        }
    }
    Vec::new()
}

fn dir_vars_files(dir: &Path) -> Vec<PathBuf> {
    crate::support::bounds::note_input_dir("the variables directory", dir);
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => return Vec::new(),
    };
    names.sort();
    let mut found = Vec::new();
    for name in names {
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let path = dir.join(&name);
        let ext = Path::new(&name).extension().and_then(|e| e.to_str());
        if path.is_dir() && ext.is_none() {
            found.extend(dir_vars_files(&path));
        } else if ext.is_none_or(|e| EXTENSIONS.contains(&e)) {
            if path.is_file() {
                found.push(path);
            } else if let Err(why) = crate::support::bounds::check_entry(&path)
                && why.kind() != std::io::ErrorKind::NotFound
            {
                // ansible-core's `_get_dir_vars_files` skips what is not a
                // regular file (a FIFO, a device, a directory with an
                // extension) without a word; sshfleet skips it too, so the
                // variables are the same, but says so: variables an operator
                // put there are not set.
                tracing::warn!(
                    "{}: skipped, as ansible-core skips it: {why}; its variables are not set",
                    path.display()
                );
            }
        }
    }
    found
}

/// A variable with where it was set.
#[derive(Debug, Clone)]
pub(super) struct Var {
    pub(super) value: Value,
    pub(super) origin: Origin,
}

/// Where a source's `group_vars/` and `host_vars/` are: beside a file, or
/// inside a directory.
pub(super) fn base_dir(source: &Path) -> Option<PathBuf> {
    // A host list has no directory of its own (Ansible skips it).
    if super::is_host_list(source) {
        return None;
    }
    Some(if source.is_dir() {
        source.to_path_buf()
    } else {
        // `hosts.ini`'s parent is the empty path, which `canonicalize`
        // (the real directory `$VAR`, `./` and `../` names join) refuses.
        source
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn bad_vars_files_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        for (text, line, needle) in [
            ("- a\n- b\n", 1, "must be a mapping"),
            ("a: 1\nb: [\n", 3, ""),
            ("? [a]\n: 1\n", 1, "unhashable key"),
            ("$ANSIBLE_VAULT;1.1;AES256\n6162\n", 1, "no vault password"),
        ] {
            let path = dir.path().join("vars.yml");
            std::fs::write(&path, text).unwrap();
            match VarsFiles::new(None).file(&path) {
                Err(InventoryError::Invalid {
                    line: l, message, ..
                }) => {
                    assert_eq!(l, line, "{text}: {message}");
                    assert!(message.contains(needle), "{text}: {message}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
        assert!(matches!(
            VarsFiles::new(None).file(&dir.path().join("missing.yml")),
            Err(InventoryError::Read { .. })
        ));
    }

    #[test]
    fn found_as_ansible_finds_them() {
        let dir = tempfile::tempdir().unwrap();
        let gv = dir.path().join("group_vars");
        std::fs::create_dir_all(gv.join("web/sub")).unwrap();
        for f in [
            "web/b.yml",
            "web/a",
            "web/sub/c.json",
            "web/.hidden.yml",
            "web/x.txt",
            "web/y.yml~",
            "db.yaml",
            "db.json",
        ] {
            std::fs::write(gv.join(f), "").unwrap();
        }
        let names = |v: Vec<PathBuf>| -> Vec<String> {
            v.iter()
                .map(|p| p.strip_prefix(&gv).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(
            names(find_vars_files(&gv, "web")),
            ["web/a", "web/b.yml", "web/sub/c.json"]
        );
        assert_eq!(names(find_vars_files(&gv, "db")), ["db.yaml"]);
        assert!(find_vars_files(&gv, "none").is_empty());
    }

    /// Every name of up to four characters over the characters the rules
    /// tell apart falls under a row of `NAME_SHAPES`; each rule as
    /// ansible-core applies it.
    #[test]
    fn every_name_shape_has_a_rule() {
        let alphabet = ['a', '/', '.', '$', '{', '}', '~', ' '];
        let mut names = vec![String::new()];
        for _ in 0..4 {
            names = names
                .iter()
                .flat_map(|n| alphabet.iter().map(move |c| format!("{n}{c}")))
                .collect();
            for name in &names {
                assert!(name_rule(name).is_some(), "{name:?} has no row");
            }
        }
        assert_eq!(name_rule("/tmp/b25hv"), Some(NameRule::Skipped));
        assert_eq!(name_rule("../hvx"), Some(NameRule::Resolved));
        assert_eq!(name_rule("${HOME}x"), Some(NameRule::Expanded));
        assert_eq!(name_rule("esa01.example.com"), Some(NameRule::Joined));
        assert_eq!(dwim("/a/b/../c/./d//e/"), PathBuf::from("/a/c/d/e"));
        assert_eq!(dwim("/a/../../x"), PathBuf::from("/x"));
        assert_eq!(
            dwim("/a/$SSHFLEET_NO_SUCH_VAR/${}"),
            PathBuf::from("/a/$SSHFLEET_NO_SUCH_VAR/${}")
        );
        let home = std::env::var("HOME").unwrap_or_default();
        assert_eq!(dwim("/a/${HOME}"), dwim(&format!("/a/{home}")));
    }

    /// A host or group named `/PATH` reads nothing: not `/PATH.yml`
    /// (issue 25), as ansible-core skips it; `../NAME` is read beside
    /// `host_vars/`, as ansible-core joins it.
    #[test]
    fn a_name_starting_with_a_slash_reads_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let hv = dir.path().join("inv/host_vars");
        std::fs::create_dir_all(&hv).unwrap();
        std::fs::write(dir.path().join("inv/hvx.yml"), "u: beside\n").unwrap();
        std::fs::write(dir.path().join("abs.yml"), "u: leaked\n").unwrap();
        let mut files = VarsFiles::new(None);
        let abs = dir.path().join("abs").display().to_string();
        assert!(files.entity(&hv, &abs).unwrap().is_empty());
        let got = files.entity(&hv, "../hvx").unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "u");
    }
}

#[cfg(test)]
mod falsy_tests {
    /// A vars file whose YAML Python reads as false is skipped, as
    /// ansible-core's `if new_data:`; any other value that is not a mapping
    /// is refused.
    #[test]
    fn a_falsy_vars_file_is_ignored_as_ansible() {
        let path = std::path::Path::new("group_vars/all.yml");
        for text in ["", "~", "false", "no", "0", "0.0", "''", "[]", "{}", "-0.0"] {
            let vars = super::read_vars_text(path, text);
            assert!(vars.is_ok_and(|v| v.is_empty()), "{text:?}");
        }
        for text in ["true", "1", "'x'", "[1]", "0.5"] {
            assert!(super::read_vars_text(path, text).is_err(), "{text:?}");
        }
    }
}
