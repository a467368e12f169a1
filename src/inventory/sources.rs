//! Reading the `-i` sources as Ansible picks its inventory plugin for
//! each: host lists, directories (name order, skipping what Ansible
//! skips), executable scripts, YAML/JSON and INI files.

use std::path::Path;

use serde_yaml::Value;

use super::model::{self, Model};
use super::{InventoryError, LoadOptions, Origin, address, files, ini, script, yaml, yaml11};

/// One alternative of ansible-core's `IGNORED` regex, which decides what
/// names in an inventory directory are skipped.
#[derive(Debug, Clone, Copy)]
pub(super) enum Ignored {
    /// `^PREFIX`.
    Starts(&'static str),
    /// `^NAME$`.
    Is(&'static str),
    /// `ESCAPED_EXT$` (`INVENTORY_IGNORE_EXTS`).
    Ends(&'static str),
}

/// Every alternative of `IGNORED` (`IGNORED_ALWAYS`, then the default
/// `INVENTORY_IGNORE_EXTS`; the default `INVENTORY_IGNORE_PATTERNS` is
/// empty), matched as Python's `re.search` does: its `$` also matches
/// before a final newline, so `notes.txt\n` and `group_vars\n` are
/// skipped too.
pub(super) const IGNORED: [Ignored; 16] = [
    Ignored::Starts("."),
    Ignored::Is("host_vars"),
    Ignored::Is("group_vars"),
    Ignored::Is("vars_plugins"),
    Ignored::Ends(".pyc"),
    Ignored::Ends(".pyo"),
    Ignored::Ends(".swp"),
    Ignored::Ends(".bak"),
    Ignored::Ends("~"),
    Ignored::Ends(".rpm"),
    Ignored::Ends(".md"),
    Ignored::Ends(".txt"),
    Ignored::Ends(".rst"),
    Ignored::Ends(".orig"),
    Ignored::Ends(".cfg"),
    Ignored::Ends(".retry"),
];

/// Whether Ansible skips `name` in an inventory directory.
pub(super) fn is_ignored(name: &str) -> bool {
    // What Python's `$` may stand before: the end, or a final newline.
    let ends = [Some(name), name.strip_suffix('\n')];
    IGNORED.iter().any(|rule| match *rule {
        Ignored::Starts(prefix) => name.starts_with(prefix),
        Ignored::Is(whole) => ends.contains(&Some(whole)),
        Ignored::Ends(ext) => ends.iter().flatten().any(|n| n.ends_with(ext)),
    })
}

/// `-i 'esa01,esa02:2222,'`: a host list (Ansible's `host_list` plugin),
/// when no file has that name.
pub(crate) fn is_host_list(source: &Path) -> bool {
    !source.exists() && source.to_string_lossy().contains(',')
}

pub(super) fn load_source(
    model: &mut Model,
    path: &Path,
    options: &LoadOptions,
) -> Result<(), InventoryError> {
    if is_host_list(path) {
        model.current_source = Some(path.to_path_buf());
        let text = path.to_string_lossy();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, port) = address::parse_address(entry, false);
            // ansible-core's `host_list` adds only hosts not yet in the
            // inventory: a host an earlier source (or entry) defined keeps
            // its port and groups (`if host not in self.inventory.hosts`).
            if model.knows_host(&name) {
                continue;
            }
            let host = model.host_id(&name);
            model.add_host(host, model::UNGROUPED);
            if let Some(port) = port {
                if !(1..=65535).contains(&port) {
                    return Err(InventoryError::InvalidNoLine {
                        path: path.to_path_buf(),
                        message: format!("host `{entry}`: port must be 1–65535"),
                    });
                }
                let origin = Origin {
                    path: path.to_path_buf(),
                    line: 0,
                };
                let value = Value::from(port);
                model.set_host_var(host, "ansible_port", files::Var { value, origin });
            }
        }
        return Ok(());
    }
    let meta = std::fs::metadata(path).map_err(|source| InventoryError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_dir() {
        return load_file(model, path, options);
    }
    // Every file put in it is read next time: no output goes there.
    crate::support::bounds::note_input_dir("the inventory directory", path);
    let mut names: Vec<String> = std::fs::read_dir(path)
        .map_err(|source| InventoryError::Read {
            path: path.to_path_buf(),
            source,
        })?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        if !is_ignored(&name) {
            model.entries_walked += 1;
            if model.entries_walked > MAX_DIRECTORY_ENTRIES {
                return Err(InventoryError::InvalidNoLine {
                    path: path.to_path_buf(),
                    message: format!(
                        "the inventory directories hold more than {MAX_DIRECTORY_ENTRIES} entries once their links are followed (links that lead back or fan out read the same files again and again): refused"
                    ),
                });
            }
            load_source(model, &path.join(name), options)?;
        }
    }
    Ok(())
}

/// The most directory entries an inventory's directories may hold, links
/// followed, as ssh_config's `Include` is bounded (4096 reads): a chain
/// of directories each linking twice to the next read its last file 2^N
/// times (16 levels took 42 s, 30 never ended).
pub(super) const MAX_DIRECTORY_ENTRIES: usize = 10_000;

/// One file, with the plugin Ansible would pick: an executable is a
/// script, unless the script plugin fails before adding anything (the file
/// is no program the kernel runs, it fails, prints no JSON object): then,
/// as Ansible tries its next plugins, it is read as a file. A file with no
/// extension or `.yml`/`.yaml`/`.json` that reads as a YAML mapping is
/// YAML; anything else is INI.
fn load_file(model: &mut Model, path: &Path, options: &LoadOptions) -> Result<(), InventoryError> {
    // Ansible's `inventory_file`: the source's absolute, normalized path.
    model.current_source = Some(super::vars::absolute(path));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode())
            .unwrap_or(0);
        if mode & 0o111 != 0 {
            // ansible-core's plugins in order: script, then (when the
            // script plugin fails before adding anything) yaml and ini.
            return match script::list(path) {
                Ok(listing) => script::apply(model, path, listing),
                Err(failed) => read_as_file(model, path, options)
                    .map_err(|file_error| script_then_file(failed, &file_error)),
            };
        }
    }
    read_as_file(model, path, options)
}

/// A file read as the file plugins (yaml, ini) read it.
fn read_as_file(
    model: &mut Model,
    path: &Path,
    options: &LoadOptions,
) -> Result<(), InventoryError> {
    let (text, decrypted) = files::read_text(path, options.vault.as_ref())?;
    parse_file(model, path, &text).map_err(|e| {
        if decrypted {
            e.of_secret_text(&text)
        } else {
            e
        }
    })
}

/// Both failures, the script's first (it names the script), as Ansible
/// shows every plugin's failure when none read the file.
fn script_then_file(failed: InventoryError, file_error: &InventoryError) -> InventoryError {
    match failed {
        InventoryError::InvalidNoLine { path, message } => InventoryError::InvalidNoLine {
            path,
            message: format!(
                "{message}; read as an inventory file instead (as Ansible then reads it), it \
                 fails too: {file_error}"
            ),
        },
        other => other,
    }
}

/// A static inventory file's text, by its name as Ansible picks a parser.
fn parse_file(model: &mut Model, path: &Path, text: &str) -> Result<(), InventoryError> {
    let ext = path.extension().and_then(|e| e.to_str());
    match ext {
        Some("yml" | "yaml" | "json") => parse_yaml(model, text, path),
        Some("toml") => Err(InventoryError::InvalidNoLine {
            path: path.to_path_buf(),
            message: "TOML inventories are not supported (use YAML, INI or JSON)".to_string(),
        }),
        None => match yaml11::parse_data(text) {
            Ok(root @ Value::Mapping(_)) => {
                let mut builder = yaml::Builder::new(model, path, yaml11::lines_of(text));
                builder.top(&root)
            }
            // A JSON object Ansible's yaml plugin reads, holding a float
            // that is not finite: refused here, not read as INI.
            Err(e) if super::json_data::is_json_object_with_non_finite(text) => {
                Err(InventoryError::Invalid {
                    path: path.to_path_buf(),
                    line: e.line,
                    message: e.message,
                })
            }
            _ => ini::parse(model, text, path),
        },
        Some(_) => ini::parse(model, text, path),
    }
}

pub(super) fn parse_yaml(model: &mut Model, text: &str, path: &Path) -> Result<(), InventoryError> {
    let root = yaml11::parse_data(text).map_err(|e| InventoryError::Invalid {
        path: path.to_path_buf(),
        line: e.line,
        message: e.message,
    })?;
    let mut builder = yaml::Builder::new(model, path, yaml11::lines_of(text));
    builder.top(&root)
}
