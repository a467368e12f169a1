//! Ansible's `hostvars` as templates read it, with its implicit
//! localhost.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object};

use super::{J, Scope, World};

/// The names ansible-core 2.19 gives its implicit localhost
/// (`C.LOCALHOST`): `hostvars[NAME]` reaches a host for each even when
/// no source names one.
pub(crate) const LOCALHOST: [&str; 3] = ["127.0.0.1", "localhost", "::1"];

/// Why the implicit localhost's own name is refused: Ansible names it
/// after the first of its names a template of the run asked for.
pub(super) const IMPLICIT_NAME: &str = "`inventory_hostname` of the implicit localhost (`hostvars['localhost']` where no source names it) is whichever of `localhost`, `127.0.0.1`, `::1` a template of the run asked for first in ansible-core 2.19: sshfleet does not pick one";

/// Ansible's `hostvars`: every host's scope; `localhost`, `127.0.0.1`
/// and `::1` reach the inventory's first such host, else the implicit one.
#[derive(Debug)]
pub(super) struct HostVars(pub(super) Arc<World>);

impl Object for HostVars {
    fn get_value(self: &Arc<Self>, key: &J) -> Option<J> {
        let asked = key.as_str()?;
        let facts = &self.0.facts;
        let host = match facts.hosts.get(asked) {
            Some(h) if !h.implicit => asked,
            _ if LOCALHOST.contains(&asked) => match &facts.localhost {
                Ok(name) => name.as_str(),
                Err(why) => {
                    self.0.refuse(why.clone());
                    return Some(J::UNDEFINED);
                }
            },
            _ => {
                if let Ok(mut missing) = self.0.missing.lock() {
                    *missing = Some(format!("`hostvars['{asked}']` is undefined (no such host)"));
                }
                return None;
            }
        };
        Some(J::from_object(Scope {
            world: self.0.clone(),
            host: host.to_string(),
            nested: true,
            in_vars: false,
        }))
    }

    /// Iterating `hostvars` gives the inventory's hosts, not the implicit
    /// localhost (Ansible iterates `inventory.hosts`).
    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.0
                .facts
                .hosts
                .iter()
                .filter(|(_, h)| !h.implicit)
                .map(|(k, _)| J::from(k.as_str()))
                .collect(),
        )
    }
}

/// What the implicit localhost's vars files did not set of
/// `inventory_file` and `inventory_dir` (undefined: no source added it)
/// and `ansible_python_interpreter` (Ansible gives it the controller's
/// Python, `sys.executable`: refused).
pub(super) fn implicit_unset(world: &World, name: &str) -> Option<J> {
    match name {
        "ansible_python_interpreter" => {
            world.refuse(
                "`ansible_python_interpreter` of the implicit localhost is the Python running ansible-core (`sys.executable`): sshfleet does not compute it"
                    .to_string(),
            );
            Some(J::UNDEFINED)
        }
        _ => {
            if let Ok(mut missing) = world.missing.lock() {
                *missing = Some(format!("`{name}` is undefined"));
            }
            None
        }
    }
}
