//! Ansible's YAML inventory format (also its `.json` files): groups, hosts,
//! children and vars, merged over every place they appear, with their lines
//! kept for errors.

use std::path::Path;

use serde_yaml::Value;

use super::files::Var;
use super::model::Model;
use super::ranges::expand_range;
use super::vars::kind;
use super::{InventoryError, Origin};
use crate::support::yaml_lines::YamlLines;

pub(super) struct Builder<'a> {
    model: &'a mut Model,
    path: &'a Path,
    lines: YamlLines,
}

impl<'a> Builder<'a> {
    pub(super) fn new(model: &'a mut Model, path: &'a Path, lines: YamlLines) -> Builder<'a> {
        Builder { model, path, lines }
    }

    fn line(&self, ypath: &[String]) -> usize {
        let refs: Vec<&str> = ypath.iter().map(String::as_str).collect();
        self.lines.nearest_line_of(&refs).unwrap_or(1)
    }

    fn invalid(&self, ypath: &[String], message: String) -> InventoryError {
        InventoryError::Invalid {
            path: self.path.to_path_buf(),
            line: self.line(ypath),
            message,
        }
    }

    fn origin(&self, ypath: &[String]) -> Origin {
        Origin {
            path: self.path.to_path_buf(),
            line: self.line(ypath),
        }
    }

    pub(super) fn top(&mut self, root: &Value) -> Result<(), InventoryError> {
        match root {
            Value::Null => Ok(()),
            Value::Mapping(map) => {
                if let Some(plugin) = map.get("plugin") {
                    let name = super::vars::scalar_text(plugin).unwrap_or_default();
                    return Err(self.invalid(
                        &["plugin".to_string()],
                        format!("inventory plugin `{name}` is not supported (sshfleet reads static YAML, INI and JSON inventories and inventory scripts)"),
                    ));
                }
                for (key, value) in map {
                    let name = self.key_name(key, &[], "group")?;
                    self.group(&name, value, std::slice::from_ref(&name), None)?;
                }
                Ok(())
            }
            other => Err(self.invalid(
                &[],
                format!(
                    "an inventory must be a mapping of group names (usually `all:`), found {}",
                    kind(other)
                ),
            )),
        }
    }

    fn group(
        &mut self,
        name: &str,
        value: &Value,
        ypath: &[String],
        parent: Option<usize>,
    ) -> Result<(), InventoryError> {
        let id = self.model.group_id(name);
        if let Some(parent) = parent {
            self.model
                .link(parent, id)
                .map_err(|m| self.invalid(ypath, m))?;
        }
        let map = match value {
            Value::Null => return Ok(()),
            Value::Mapping(map) => map,
            other => {
                return Err(self.invalid(
                    ypath,
                    format!(
                        "group `{name}` must be a mapping with `hosts`, `children` or `vars`, found {}",
                        kind(other)
                    ),
                ));
            }
        };
        for (key, value) in map {
            let key = self.key_name(key, ypath, "key")?;
            let here = extend(ypath, &key);
            // Ansible reads a string section as a mapping of that one key
            // (`hosts: esa01`, `children: web`, `vars: x` setting x to null).
            let as_map;
            let value = match value {
                Value::String(s) if matches!(key.as_str(), "hosts" | "vars" | "children") => {
                    let mut m = serde_yaml::Mapping::new();
                    m.insert(Value::String(s.clone()), Value::Null);
                    as_map = Value::Mapping(m);
                    &as_map
                }
                other => other,
            };
            match key.as_str() {
                "hosts" => self.group_hosts(id, value, &here)?,
                "vars" => {
                    for (k, v) in self.vars(value, &here, &format!("group `{name}`"))? {
                        self.model
                            .set_group_var(id, &k, v)
                            .map_err(|m| self.invalid(&extend(&here, &k), m))?;
                    }
                }
                "children" => match value {
                    Value::Null => {}
                    Value::Mapping(children) => {
                        for (child, child_value) in children {
                            let child = self.key_name(child, &here, "group")?;
                            let child_path = extend(&here, &child);
                            self.group(&child, child_value, &child_path, Some(id))?;
                        }
                    }
                    other => {
                        return Err(self.invalid(
                            &here,
                            format!(
                                "`children` of group `{name}` must be a mapping of group names, found {}",
                                kind(other)
                            ),
                        ));
                    }
                },
                _ => {
                    return Err(self.invalid(
                        &here,
                        format!(
                            "unknown key `{key}` in group `{name}`: a group may only have `hosts`, `children` and `vars`"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn group_hosts(
        &mut self,
        group: usize,
        value: &Value,
        ypath: &[String],
    ) -> Result<(), InventoryError> {
        let map = match value {
            Value::Null => return Ok(()),
            Value::Mapping(map) => map,
            other => {
                let name = &self.model.groups[group].name;
                return Err(self.invalid(
                    ypath,
                    format!(
                        "`hosts` of group `{name}` must be a mapping of host names (each followed by `:`), found {}",
                        kind(other)
                    ),
                ));
            }
        };
        for (key, host_value) in map.iter() {
            let pattern = self.key_name(key, ypath, "host")?;
            let here = extend(ypath, &pattern);
            let (names_pattern, port) = super::address::parse_address(&pattern, true);
            let names = expand_range(&names_pattern)
                .and_then(|names| self.model.room_for(names.len()).map(|()| names))
                .map_err(|m| self.invalid(&here, format!("host `{pattern}`: {m}")))?;
            let vars = match host_value {
                Value::Null => Vec::new(),
                Value::Mapping(_) => self.vars(host_value, &here, &format!("host `{pattern}`"))?,
                other => {
                    return Err(self.invalid(
                        &here,
                        format!(
                            "host `{pattern}` must be empty or a mapping of variables, found {}",
                            kind(other)
                        ),
                    ));
                }
            };
            if port.is_some_and(|p| !(1..=65535).contains(&p)) {
                return Err(self.invalid(&here, format!("host `{pattern}`: port must be 1–65535")));
            }
            for name in names {
                let created = !self.model.knows_host(&name);
                let id = self.model.host_id(&name);
                self.model.add_host(id, group);
                if let Some(port) = port.filter(|_| created) {
                    let origin = self.origin(&here);
                    self.model.set_host_var(
                        id,
                        "ansible_port",
                        Var {
                            value: Value::from(port),
                            origin,
                        },
                    );
                }
                for (k, v) in &vars {
                    self.model.set_host_var(id, k, v.clone());
                }
            }
        }
        Ok(())
    }

    /// A `vars` mapping (of a group or a host), checked.
    fn vars(
        &self,
        value: &Value,
        ypath: &[String],
        owner: &str,
    ) -> Result<Vec<(String, Var)>, InventoryError> {
        let map = match value {
            Value::Null => return Ok(Vec::new()),
            Value::Mapping(map) => map,
            other => {
                return Err(self.invalid(
                    ypath,
                    format!(
                        "variables of {owner} must be a mapping, found {}",
                        kind(other)
                    ),
                ));
            }
        };
        let mut vars = Vec::new();
        for (key, value) in map.iter() {
            let key = self.key_name(key, ypath, "variable")?;
            let here = extend(ypath, &key);
            let origin = self.origin(&here);
            vars.push((
                key,
                Var {
                    value: value.clone(),
                    origin,
                },
            ));
        }
        Ok(vars)
    }

    fn key_name(
        &self,
        key: &Value,
        ypath: &[String],
        what: &str,
    ) -> Result<String, InventoryError> {
        match key {
            // Keys that are not text are refused by the reader
            // (`mapping_keys`); an empty one is no name.
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            other => Err(self.invalid(
                ypath,
                format!("a {what} name must be a plain name, found {}", kind(other)),
            )),
        }
    }
}

pub(super) fn extend(ypath: &[String], segment: &str) -> Vec<String> {
    let mut path = ypath.to_vec();
    path.push(segment.to_string());
    path
}
