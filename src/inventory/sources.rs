//! Reading the `-i` sources as Ansible picks its inventory plugin for
//! each: host lists, directories (name order, skipping what Ansible
//! skips), executable scripts, YAML/JSON and INI files.

use std::path::Path;

use serde_yaml::Value;

use super::model::{self, Model};
use super::{InventoryError, LoadOptions, Origin, address, files, ini, script, yaml, yaml11};

/// Names in an inventory directory that Ansible skips.
const IGNORED_EXTENSIONS: [&str; 12] = [
    ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry",
];

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
        let skipped = name.starts_with('.')
            || matches!(name.as_str(), "host_vars" | "group_vars" | "vars_plugins")
            || IGNORED_EXTENSIONS.iter().any(|ext| name.ends_with(ext));
        if !skipped {
            load_source(model, &path.join(name), options)?;
        }
    }
    Ok(())
}

/// One file, with the plugin Ansible would pick: an executable is a
/// script; a file with no extension or `.yml`/`.yaml`/`.json` that reads as
/// a YAML mapping is YAML; anything else is INI.
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
            return script::load(model, path);
        }
    }
    let (text, decrypted) = files::read_text(path, options.vault.as_ref())?;
    parse_file(model, path, &text).map_err(|e| {
        if decrypted {
            e.of_secret_text(&text)
        } else {
            e
        }
    })
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
