//! Executable inventory scripts, called as Ansible calls them: `SCRIPT
//! --list` prints JSON groups (`hosts`, `vars`, `children`, or a plain
//! list of hosts) and `_meta.hostvars`; without `_meta`, `SCRIPT --host
//! NAME` is asked for each host's variables.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_yaml::{Mapping, Value};

use super::files::Var;
use super::model::Model;
use super::{InventoryError, Origin};

pub(super) fn load(model: &mut Model, path: &Path) -> Result<(), InventoryError> {
    load_within(
        model,
        path,
        Budget::new(SCRIPT_TIMEOUT, crate::support::bounds::max_input()),
    )
}

/// What all of one script's calls may take together: `--list` and every
/// `--host` share one deadline and one output bound (docs/SECURITY.md I6),
/// so a script without `_meta` cannot take 120 s per host.
struct Budget {
    timeout: Duration,
    deadline: Instant,
    max_bytes: u64,
    bytes_left: u64,
}

impl Budget {
    fn new(timeout: Duration, max_bytes: u64) -> Budget {
        Budget {
            timeout,
            deadline: Instant::now() + timeout,
            max_bytes,
            bytes_left: max_bytes,
        }
    }
}

fn load_within(model: &mut Model, path: &Path, mut budget: Budget) -> Result<(), InventoryError> {
    let fail = |message: String| InventoryError::InvalidNoLine {
        path: path.to_path_buf(),
        message,
    };
    let list = execute(path, &["--list"], &mut budget).map_err(&fail)?;
    let Value::Mapping(groups) = list else {
        return Err(fail(
            "inventory script output must be a JSON object".to_string(),
        ));
    };
    let origin = Origin {
        path: path.to_path_buf(),
        line: 0,
    };
    let var = |value: &Value| Var {
        value: value.clone(),
        origin: origin.clone(),
    };
    let mut hostvars = None;
    let mut hosts_seen: Vec<String> = Vec::new();
    for (name, data) in &groups {
        let name = name.as_str().unwrap_or_default();
        if name == "_meta" {
            match data.get("hostvars") {
                Some(Value::Mapping(h)) => hostvars = Some(h.clone()),
                None => {}
                Some(_) => return Err(fail("`_meta.hostvars` must be an object".to_string())),
            }
            continue;
        }
        let group = model.group_id(name);
        // As Ansible: a list is the group's hosts; an object with none of
        // hosts/vars/children is a host of the group's name with those vars.
        let data: Mapping = match data {
            Value::Mapping(map)
                if ["hosts", "vars", "children"]
                    .iter()
                    .any(|k| map.contains_key(*k)) =>
            {
                map.clone()
            }
            Value::Mapping(map) => Mapping::from_iter([
                (
                    Value::from("hosts"),
                    Value::Sequence(vec![Value::from(name)]),
                ),
                (Value::from("vars"), Value::Mapping(map.clone())),
            ]),
            other => Mapping::from_iter([(Value::from("hosts"), other.clone())]),
        };
        if let Some(hosts) = data.get("hosts") {
            let Value::Sequence(hosts) = hosts else {
                return Err(fail(format!("`{name}.hosts` must be a list")));
            };
            for h in hosts {
                let Some(h) = h.as_str() else {
                    return Err(fail(format!("`{name}.hosts` must list host names")));
                };
                let id = model.host_id(h);
                model.add_host(id, group);
                if !hosts_seen.iter().any(|s| s == h) {
                    hosts_seen.push(h.to_string());
                }
            }
        }
        if let Some(vars) = data.get("vars") {
            let Value::Mapping(vars) = vars else {
                return Err(fail(format!("`{name}.vars` must be an object")));
            };
            for (k, v) in vars {
                let k = k.as_str().unwrap_or_default();
                model.set_group_var(group, k, var(v)).map_err(&fail)?;
            }
        }
        if let Some(children) = data.get("children") {
            let Value::Sequence(children) = children else {
                return Err(fail(format!("`{name}.children` must be a list")));
            };
            for c in children {
                let Some(c) = c.as_str() else {
                    return Err(fail(format!("`{name}.children` must list group names")));
                };
                let child = model.group_id(c);
                model.link(group, child).map_err(&fail)?;
            }
        }
    }
    for host in hosts_seen {
        let vars = match &hostvars {
            Some(all) => all.get(host.as_str()).cloned().unwrap_or(Value::Null),
            None => execute(path, &["--host", &host], &mut budget).map_err(&fail)?,
        };
        let id = model.host_id(&host);
        match vars {
            Value::Null => {}
            Value::Mapping(vars) => {
                for (k, v) in &vars {
                    model.set_host_var(id, k.as_str().unwrap_or_default(), var(v));
                }
            }
            _ => {
                return Err(fail(format!(
                    "variables of host `{host}` must be an object"
                )));
            }
        }
    }
    Ok(())
}

/// The longest an inventory script may run: a script that asks a CMDB
/// answers in seconds; one that hangs must not hold the run forever.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Run the script (bounded in time and output by what is left of its
/// `budget`, see [`crate::support::child`]) and read its JSON, keeping the
/// order of its keys (the order Ansible adds groups and hosts in).
fn execute(path: &Path, args: &[&str], budget: &mut Budget) -> Result<Value, String> {
    use crate::support::child::ChildError;
    let spent = || {
        format!(
            "inventory script `{}`: its calls (`--list` and every `--host`) took more than {} s or printed more than {} bytes together, the bound of one script; stopped at `{}`",
            path.display(),
            budget.timeout.as_secs(),
            budget.max_bytes,
            args.join(" ")
        )
    };
    let time_left = budget.deadline.saturating_duration_since(Instant::now());
    if time_left.is_zero() || budget.bytes_left == 0 {
        return Err(spent());
    }
    // The file named, never a program of that name on PATH (`-i inv.py`
    // is ./inv.py to Ansible).
    let mut command = std::process::Command::new(super::vars::absolute(path));
    command.args(args);
    let output = crate::support::child::run_bounded(command, time_left, budget.bytes_left)
        .map_err(|e| match e {
            ChildError::Spawn(e) => format!("cannot run inventory script: {e}"),
            ChildError::Timeout { .. } | ChildError::TooLarge(_) => {
                format!("{} ({e})", spent())
            }
            e => format!(
                "inventory script `{} {}`: {e}",
                path.display(),
                args.join(" ")
            ),
        })?;
    budget.bytes_left = budget.bytes_left.saturating_sub(output.stdout.len() as u64);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!(
            "inventory script `{} {}` failed ({}): {}",
            path.display(),
            args.join(" "),
            output.status,
            stderr.trim()
        ));
    }
    let stdout = String::from_utf8(output.stdout)
        .map_err(|_| "inventory script output is not UTF-8".to_string())?;
    if stdout.trim().is_empty() && args.first() == Some(&"--host") {
        return Ok(Value::Null);
    }
    // Validate as JSON first (a YAML reader would accept more), then keep
    // the order.
    serde_json::from_str::<serde_json::Value>(&stdout)
        .map_err(|e| format!("inventory script output is not JSON: {e}"))?;
    if let Some((line, number)) = super::vars::json_int_beyond_64_bits(&stdout) {
        // Not quoted: it may be the value of a secret-named variable.
        return Err(format!(
            "inventory script output holds an integer of {} digits on its line {line}, beyond \
             64 bits, which sshfleet does not carry (Ansible's JSON reader keeps it exact)",
            number.trim_start_matches('-').len()
        ));
    }
    let value: Value = serde_yaml::from_str(&stdout)
        .map_err(|e| format!("inventory script output is not JSON: {e}"))?;
    super::vars::ansible_json(value).map_err(|e| format!("inventory script output: {e}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn script(dir: &Path, body: &str) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let path = dir.join("inv.sh");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[test]
    fn script_errors_name_the_script() {
        let dir = tempfile::tempdir().unwrap();
        for (body, needle) in [
            ("echo oops >&2; exit 3", "failed"),
            ("echo not json", "not JSON"),
            ("echo '[1]'", "must be a JSON object"),
            (
                "echo '{\"g\": {\"hosts\": \"h1\"}}'",
                "`g.hosts` must be a list",
            ),
            ("echo '{\"g\": {\"hosts\": [1]}}'", "must list host names"),
            (
                "echo '{\"g\": {\"vars\": [1]}}'",
                "`g.vars` must be an object",
            ),
            (
                "echo '{\"g\": {\"children\": {}}}'",
                "`g.children` must be a list",
            ),
            (
                "echo '{\"g\": {\"children\": [1]}}'",
                "must list group names",
            ),
            (
                "echo '{\"_meta\": {\"hostvars\": []}}'",
                "`_meta.hostvars` must be an object",
            ),
            (
                "echo '{\"g\": {\"hosts\": [\"h1\"]}, \"_meta\": {\"hostvars\": {\"h1\": [1]}}}'",
                "variables of host `h1`",
            ),
            ("echo '{\"g\": {\"children\": [\"g\"]}}'", "child of itself"),
            ("printf '\\377'", "not UTF-8"),
        ] {
            let path = script(dir.path(), body);
            let mut model = Model::new();
            match load(&mut model, &path) {
                Err(InventoryError::InvalidNoLine { path: p, message }) => {
                    assert_eq!(p, path);
                    assert!(message.contains(needle), "{body}: {message}");
                }
                other => panic!("{body}: {other:?}"),
            }
        }
    }

    /// Five hosts without `_meta`, each `--host` well within the bound on
    /// its own: together past it, so the script is stopped at a `--host`
    /// (each call used to have the whole bound). The same for output.
    #[test]
    fn all_calls_of_one_script_share_one_time_and_output_bound() {
        let dir = tempfile::tempdir().unwrap();
        let hosts = "{\"all\": {\"hosts\": [\"h1\", \"h2\", \"h3\", \"h4\", \"h5\"]}}";
        let path = script(
            dir.path(),
            &format!("[ \"$1\" = --list ] && echo '{hosts}' && exit 0\nsleep 0.6; echo '{{}}'"),
        );
        let budget = Budget::new(Duration::from_millis(1500), 1 << 20);
        let err = load_within(&mut Model::new(), &path, budget)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("inv.sh")
                && err.contains("took more than 1 s")
                && err.contains("--host h"),
            "{err}"
        );
        let path = script(
            dir.path(),
            &format!(
                "[ \"$1\" = --list ] && echo '{hosts}' && exit 0\necho '{{\"v\": \"{}\"}}'",
                "x".repeat(100)
            ),
        );
        let budget = Budget::new(Duration::from_secs(60), 400);
        let err = load_within(&mut Model::new(), &path, budget)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("printed more than 400 bytes") && err.contains("--host h"),
            "{err}"
        );
        let budget = Budget::new(Duration::from_secs(60), 1 << 20);
        assert!(load_within(&mut Model::new(), &path, budget).is_ok());
    }

    #[test]
    fn a_script_that_cannot_start_is_named() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("inv");
        std::fs::write(&path, "#!/nonexistent/interpreter\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        let err = load(&mut Model::new(), &path).unwrap_err().to_string();
        assert!(err.contains("cannot run inventory script"), "{err}");
    }

    #[test]
    fn plain_lists_and_malformed_groups_as_ansible() {
        let dir = tempfile::tempdir().unwrap();
        let path = script(
            dir.path(),
            r#"case "$1" in --list) echo '{"web": ["w1"], "solo": {"x": 1}}';; --host) echo '{"from_host": "'$2'"}';; esac"#,
        );
        let mut model = Model::new();
        load(&mut model, &path).unwrap();
        let names: Vec<&str> = model.hosts.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["w1", "solo"]);
        assert!(model.hosts[0].vars.contains_key("from_host"));
    }
}
