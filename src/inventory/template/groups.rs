//! Ansible's `groups` as templates read it.

use std::sync::Arc;

use minijinja::value::{Enumerator, Object};

use super::{J, World};

/// Ansible's `groups`: each group's hosts, except a group whose host
/// order varies from run to run in Ansible, which is refused when read.
#[derive(Debug)]
pub(super) struct Groups {
    pub(super) world: Arc<World>,
}

impl Object for Groups {
    fn get_value(self: &Arc<Self>, key: &J) -> Option<J> {
        let name = key.as_str()?;
        let hosts = self.world.facts.groups.get(name)?;
        if self.world.facts.unordered.contains(name) {
            self.world.refuse(format!(
                "`groups['{name}']`: Ansible lists this group's hosts in an order that varies \
                 from run to run (two of its subgroups at one level bring new subgroups, and \
                 Ansible walks them in Python's hash order), so sshfleet cannot give Ansible's \
                 list"
            ));
            return Some(J::UNDEFINED);
        }
        Some(J::from_serialize(hosts))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(
            self.world
                .facts
                .group_order
                .iter()
                .map(|k| J::from(k.as_str()))
                .collect(),
        )
    }
}
