//! Executable inventory scripts, called as Ansible calls them: `SCRIPT
//! --list` prints JSON groups (`hosts`, `vars`, `children`, or a plain
//! list of hosts) and `_meta.hostvars`; without `_meta`, `SCRIPT --host
//! NAME` is asked for each host's variables.

use std::path::Path;

use serde_json::Value as Json;

use super::list::from_json;
use super::model::{Model, Var};
use super::{InventoryError, Origin};

pub(super) fn load(model: &mut Model, path: &Path) -> Result<(), InventoryError> {
    let fail = |message: String| InventoryError::InvalidNoLine {
        path: path.to_path_buf(),
        message,
    };
    let list = run(path, &["--list"]).map_err(&fail)?;
    let Json::Object(groups) = list else {
        return Err(fail(
            "inventory script output must be a JSON object".to_string(),
        ));
    };
    let origin = Origin {
        path: path.to_path_buf(),
        line: 0,
    };
    let var = |value: &Json| Var {
        value: from_json(value),
        origin: origin.clone(),
    };
    let mut hostvars = None;
    let mut hosts_seen = Vec::new();
    for (name, data) in &groups {
        if name == "_meta" {
            match data.get("hostvars") {
                Some(Json::Object(h)) => hostvars = Some(h.clone()),
                None => {}
                Some(_) => return Err(fail("`_meta.hostvars` must be an object".to_string())),
            }
            continue;
        }
        let group = model.group_id(name);
        let data = match data {
            Json::Object(map)
                if ["hosts", "vars", "children"]
                    .iter()
                    .any(|k| map.contains_key(*k)) =>
            {
                data.clone()
            }
            Json::Object(map) => serde_json::json!({"hosts": [name], "vars": map}),
            other => serde_json::json!({"hosts": other}),
        };
        if let Some(hosts) = data.get("hosts") {
            let Json::Array(hosts) = hosts else {
                return Err(fail(format!("`{name}.hosts` must be a list")));
            };
            for h in hosts {
                let Some(h) = h.as_str() else {
                    return Err(fail(format!("`{name}.hosts` must list host names")));
                };
                let id = model.host_id(h);
                model.add_host(id, group);
                hosts_seen.push(h.to_string());
            }
        }
        if let Some(vars) = data.get("vars") {
            let Json::Object(vars) = vars else {
                return Err(fail(format!("`{name}.vars` must be an object")));
            };
            for (k, v) in vars {
                model.set_group_var(group, k, var(v)).map_err(&fail)?;
            }
        }
        if let Some(children) = data.get("children") {
            let Json::Array(children) = children else {
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
    hosts_seen.dedup();
    for host in hosts_seen {
        let vars = match &hostvars {
            Some(all) => all.get(&host).cloned().unwrap_or(Json::Null),
            None => run(path, &["--host", &host]).map_err(&fail)?,
        };
        let id = model.host_id(&host);
        match vars {
            Json::Null => {}
            Json::Object(vars) => {
                for (k, v) in &vars {
                    model.set_host_var(id, k, var(v));
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

fn run(path: &Path, args: &[&str]) -> Result<Json, String> {
    let output = std::process::Command::new(path)
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run inventory script: {e}"))?;
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
        return Ok(Json::Null);
    }
    serde_json::from_str(&stdout).map_err(|e| format!("inventory script output is not JSON: {e}"))
}
