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
        if !self.enabled || name_rule(name) == NameRule::Skipped {
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

fn read_vars_text(path: &Path, text: &str) -> Result<Vec<(String, Var)>, InventoryError> {
    let root = yaml11::parse_data(text).map_err(|e| InventoryError::Invalid {
        path: path.to_path_buf(),
        line: e.line,
        message: e.message,
    })?;
    let lines = yaml11::lines_of(text);
    let map = match root {
        Value::Null => return Ok(Vec::new()),
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
/// group name before it looks for `DIR/NAME`: the name is joined to the
/// directory as written (`os.path.join`), except that a name starting
/// with `/` (a chroot-style host `/srv/jail`) is skipped: joined, it
/// would read `/srv/jail.yml` from anywhere. Every other name, `..` and
/// inner `/` included, is joined as Ansible joins it (the system resolves
/// it, as for Ansible).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameRule {
    /// Never looked up.
    Skipped,
    /// `DIR/NAME`, `DIR/NAME.yml`, ... as written.
    Joined,
}

/// One row of [`NAME_SHAPES`]: what the name is, whether a name is of
/// that shape, the rule.
pub(super) type NameShape = (&'static str, fn(&str) -> bool, NameRule);

/// Each name shape the plugin tells apart, in the order it tests them:
/// (what the name is, whether it is that shape, the rule). A name that no
/// row matches is a gap in this table (the unit test below fails on one).
pub(super) const NAME_SHAPES: [NameShape; 2] = [
    (
        "starts with `/` (`os.path.sep`): skipped",
        |n| n.starts_with('/'),
        NameRule::Skipped,
    ),
    (
        "anything else (`..`, an inner `/`, `.`): joined as written",
        |n| !n.is_empty() && !n.starts_with('/'),
        NameRule::Joined,
    ),
];

/// The rule of `name`'s shape (an empty name, which no source makes, is
/// never looked up).
pub(super) fn name_rule(name: &str) -> NameRule {
    NAME_SHAPES
        .iter()
        .find(|(_, matches, _)| matches(name))
        .map_or(NameRule::Skipped, |(_, _, rule)| *rule)
}

/// Ansible's `DataLoader.find_vars_files`.
fn find_vars_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    if dir.is_dir() {
        // `group_vars/`, `host_vars/`: a file put there is read next time.
        crate::support::bounds::note_input_dir("the variables directory", dir);
    }
    let candidates = std::iter::once(dir.join(name)).chain(
        EXTENSIONS
            .iter()
            .map(|ext| dir.join(format!("{name}.{ext}"))),
    );
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
        source
            .parent()
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
            ("? [a]\n: 1\n", 1, "plain name"),
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

    /// Every name shape a source can give (INI, YAML, a script, a host
    /// list) falls under exactly one row of `NAME_SHAPES`.
    #[test]
    fn every_name_shape_has_one_rule() {
        for name in [
            "/tmp/x",
            "//x",
            "/",
            "../x",
            "..",
            "a/../../x",
            "a/b",
            "./a",
            ".",
            "a/",
            "~x",
            "$HOME",
            "esa01",
            "10.0.0.1",
            "[::1]",
            "a\\b",
            " /x",
        ] {
            let rows = NAME_SHAPES.iter().filter(|(_, m, _)| m(name)).count();
            assert_eq!(rows, 1, "{name:?} matches {rows} rows");
        }
        assert_eq!(name_rule("/tmp/b25hv"), NameRule::Skipped);
        assert_eq!(name_rule("../hvx"), NameRule::Joined);
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
