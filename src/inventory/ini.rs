//! Ansible's INI inventory format: `[group]`, `[group:vars]`,
//! `[group:children]`, hosts with inline `key=value` variables, ranges.
//! Values are read as Ansible reads them (Python's `ast.literal_eval`):
//! `22` is a number, `True` a boolean, `'x'` the text x, `b'x'` the text x
//! that is never templated, anything else text.

use std::collections::HashMap;
use std::path::Path;

use serde_yaml::Value;

use super::address::parse_address;
use super::files::Var;
use super::model::{Model, UNGROUPED};
use super::pychars::{py_isspace, py_splitlines, py_strip};
use super::pyliteral::{literal_value, shlex_split};
use super::ranges::expand_range;
use super::{InventoryError, Origin};

enum State {
    Hosts,
    Vars,
    Children,
}

struct Pending {
    line: usize,
    vars: bool,
    parents: Vec<usize>,
}

pub(super) fn parse(model: &mut Model, text: &str, path: &Path) -> Result<(), InventoryError> {
    let invalid = |line: usize, message: String| InventoryError::Invalid {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut group = UNGROUPED;
    let mut state = State::Hosts;
    // Groups named in `[x:vars]` or under `[y:children]` before any
    // `[x]`: Ansible requires them to be defined somewhere in the file.
    let mut pending: HashMap<String, Pending> = HashMap::new();
    // Python's `splitlines()` and `strip()`, as the INI plugin: a vertical
    // tab, `\x1c`, NEL or U+2028 ends a line, `\x1c`-`\x1f` are blanks.
    for (index, raw) in py_splitlines(text).into_iter().enumerate() {
        let line_no = index + 1;
        let line = py_strip(raw);
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some((name, kind)) = section(line) {
            state = match kind {
                None | Some("hosts") => State::Hosts,
                Some("vars") => State::Vars,
                Some("children") => State::Children,
                Some(other) => {
                    return Err(invalid(
                        line_no,
                        format!(
                            "section [{name}:{other}] has unknown type `{other}` (hosts, vars or children)"
                        ),
                    ));
                }
            };
            let is_new = !model.has_group(name);
            group = model.group_id(name);
            if is_new && matches!(state, State::Vars) {
                pending.entry(name.to_string()).or_insert(Pending {
                    line: line_no,
                    vars: true,
                    parents: Vec::new(),
                });
            }
            if !matches!(state, State::Vars)
                && let Some(p) = pending.remove(name)
            {
                for parent in p.parents {
                    model.link(parent, group).map_err(|m| invalid(line_no, m))?;
                }
            }
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            return Err(invalid(
                line_no,
                format!(
                    "invalid section `{line}`: no spaces or other characters are allowed in a section name"
                ),
            ));
        }
        let origin = Origin {
            path: path.to_path_buf(),
            line: line_no,
        };
        match state {
            State::Hosts => {
                host_line(model, group, line, &origin).map_err(|m| invalid(line_no, m))?
            }
            State::Vars => {
                let Some((k, v)) = line.split_once('=') else {
                    // The line is not quoted: it may be a secret written
                    // the YAML way (`ansible_password: ...`).
                    return Err(invalid(
                        line_no,
                        "expected key=value, got a line without `=`".to_string(),
                    ));
                };
                let value = literal_value(py_strip(v))
                    .map_err(|m| invalid(line_no, masked_if_secret(k.trim(), m)))?;
                let var = Var { value, origin };
                model
                    .set_group_var(group, py_strip(k), var)
                    .map_err(|m| invalid(line_no, m))?;
            }
            State::Children => {
                let Some(name) = group_name(line) else {
                    return Err(invalid(
                        line_no,
                        // Not quoted: it may be a secret written here by mistake.
                        "expected a group name, got a word with `:`, `[` or `]`".to_string(),
                    ));
                };
                if model.has_group(name) && !pending.contains_key(name) {
                    let child = model.group_id(name);
                    model.link(group, child).map_err(|m| invalid(line_no, m))?;
                } else {
                    pending
                        .entry(name.to_string())
                        .or_insert(Pending {
                            line: line_no,
                            vars: false,
                            parents: Vec::new(),
                        })
                        .parents
                        .push(group);
                }
            }
        }
    }
    if let Some((name, p)) = pending.into_iter().min_by_key(|(_, p)| p.line) {
        let message = if p.vars {
            format!("section [{name}:vars] is for a group that is never defined")
        } else {
            format!("a [..:children] section names group `{name}`, which is never defined")
        };
        return Err(invalid(p.line, message));
    }
    Ok(())
}

/// `[name]` or `[name:kind]`, as Ansible's section pattern reads it.
fn section(line: &str) -> Option<(&str, Option<&str>)> {
    let inner = line.strip_prefix('[')?;
    let close = inner.find(']')?;
    let rest = inner[close + 1..].trim_start_matches(py_isspace);
    if !(rest.is_empty() || rest.starts_with('#')) {
        return None;
    }
    let body = &inner[..close];
    let (name, kind) = match body.split_once(':') {
        Some((name, kind)) => (name, Some(kind)),
        None => (body, None),
    };
    let name_ok = !name.is_empty() && !name.contains(py_isspace);
    let kind_ok =
        kind.is_none_or(|k| !k.is_empty() && k.chars().all(|c| c.is_alphanumeric() || c == '_'));
    (name_ok && kind_ok).then_some((name, kind))
}

/// A `[..:children]` line as Ansible's `groupname` pattern reads it:
/// `^([^:\]\s]+)\s*(?:#.*)?$`, `\s` being Python's whitespace.
fn group_name(line: &str) -> Option<&str> {
    let end = line
        .find(|c: char| c == ':' || c == ']' || py_isspace(c))
        .unwrap_or(line.len());
    let rest = line[end..].trim_start_matches(py_isspace);
    (end > 0 && (rest.is_empty() || rest.starts_with('#'))).then_some(&line[..end])
}

fn host_line(model: &mut Model, group: usize, line: &str, origin: &Origin) -> Result<(), String> {
    // Nothing after the host name is quoted: it may hold a password.
    let words = shlex_split(line, true).map_err(|e| {
        let host = line.split_whitespace().next().unwrap_or_default();
        format!("cannot parse the host line of `{host}`: {e} (unbalanced quotes)")
    })?;
    let Some((pattern, vars)) = words.split_first() else {
        return Ok(());
    };
    let (names, port) = parse_address(pattern, true);
    if pattern.ends_with(':') && port.is_none() {
        return Err(format!(
            "invalid host pattern `{pattern}`: ending in `:` is reserved for a port"
        ));
    }
    let names = expand_range(&names).map_err(|m| format!("host `{pattern}`: {m}"))?;
    model
        .room_for(names.len())
        .map_err(|m| format!("host `{pattern}`: {m}"))?;
    if names.iter().any(|n| n == "---") {
        return Err("invalid host `---`: is this a YAML file?".to_string());
    }
    let mut parsed = Vec::new();
    for (n, word) in vars.iter().enumerate() {
        // Not quoted: it may be the rest of an unquoted password.
        let Some((k, v)) = word.split_once('=') else {
            return Err(format!(
                "host `{pattern}`: expected key=value host variables, but word {} after the host name has no `=`",
                n + 1
            ));
        };
        parsed.push((
            k.to_string(),
            literal_value(v).map_err(|m| masked_if_secret(k, m))?,
        ));
    }
    if port.is_some_and(|p| !(1..=65535).contains(&p)) {
        return Err(format!("host `{pattern}`: port must be 1–65535"));
    }
    for name in names {
        let created = !model.knows_host(&name);
        let host = model.host_id(&name);
        model.add_host(host, group);
        if let Some(port) = port.filter(|_| created) {
            model.set_host_var(
                host,
                "ansible_port",
                Var {
                    value: Value::from(port),
                    origin: origin.clone(),
                },
            );
        }
        for (k, v) in &parsed {
            model.set_host_var(
                host,
                k,
                Var {
                    value: v.clone(),
                    origin: origin.clone(),
                },
            );
        }
    }
    Ok(())
}

/// An error about the value of `key`, quoting none of it if the key names
/// a secret (docs/SECURITY.md I4).
fn masked_if_secret(key: &str, message: String) -> String {
    if crate::support::secrets::is_secret_name(key) {
        crate::support::secrets::mask_quoted(&message)
    } else {
        message
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_their_line() {
        for (text, line, needle) in [
            ("[web]\nh1 port\n", 2, "key=value"),
            ("[web:bogus]\n", 1, "unknown type"),
            ("[web ]\n", 1, "invalid section"),
            ("[web:vars]\nx\n", 2, "key=value"),
            ("[x:vars]\na=1\n", 1, "never defined"),
            ("[p:children]\nc\n", 2, "never defined"),
            ("h1:\n", 1, "reserved for a port"),
            ("h1 x='a\n", 1, "unbalanced"),
            ("[a:children]\nb\n[b:children]\na\n[a]\n[b]\n", 4, "cycle"),
            ("[a:children]\nb:c\n", 2, "expected a group name"),
            // ansible-core 2.19.14: "Expected group name, got: a b".
            ("[p:children]\na b\n[a]\n", 2, "expected a group name"),
            // A BOM is no blank to Python: `\u{feff}[web]` is a host range.
            ("\u{feff}[web]\nh1\n", 1, "host `\u{feff}[web]`"),
            ("---\n", 1, "YAML"),
            ("[g]\nh1:70000\n", 2, "1–65535"),
            ("[g]\nh[c:a]\n", 2, "begin <= end"),
            (
                "[g]\nh1\n[g:vars]\nansible_group_priority=high\n",
                4,
                "must be an integer",
            ),
        ] {
            let mut model = Model::new();
            match parse(&mut model, text, Path::new("hosts")) {
                Err(InventoryError::Invalid {
                    line: l, message, ..
                }) => {
                    assert_eq!(l, line, "{text}: {message}");
                    assert!(message.contains(needle), "{text}: {message}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    /// ansible-core 2.19.14 (`ansible-inventory --list`): Python's line
    /// boundaries and blanks, not Rust's.
    #[test]
    fn lines_and_blanks_are_pythons() {
        let mut model = Model::new();
        let text = "[web]\nh1 ansible_user=bob\u{b}h2 ansible_port=2222\u{2029}[db]\rh3 \
                    ansible_user=al\u{1f}\u{85}h4\u{1c}\r\n[db:children]\nweb\u{3000}# c\n";
        parse(&mut model, text, Path::new("hosts")).unwrap();
        type Row = (String, Vec<String>, Vec<(String, Value)>);
        let seen: Vec<Row> = model
            .hosts
            .iter()
            .map(|h| {
                let groups = h.groups.iter().map(|&g| model.groups[g].name.clone());
                let vars = h.vars.iter().map(|(k, v)| (k.clone(), v.value.clone()));
                (h.name.clone(), groups.collect(), vars.collect())
            })
            .collect();
        let host = |name: &str, group: &str, vars: &[(&str, Value)]| {
            let vars = vars.iter().map(|(k, v)| (k.to_string(), v.clone()));
            (name.to_string(), vec![group.to_string()], vars.collect())
        };
        assert_eq!(
            seen,
            [
                host("h1", "web", &[("ansible_user", Value::from("bob"))]),
                host("h2", "web", &[("ansible_port", Value::from(2222))]),
                host("h3", "db", &[("ansible_user", Value::from("al"))]),
                host("h4", "db", &[]),
            ]
        );
        // `web\u{3000}# c` under [db:children] is group web.
        let (db, web) = (model.group_id("db"), model.group_id("web"));
        assert_eq!(model.groups[db].children, [web]);
    }
}
