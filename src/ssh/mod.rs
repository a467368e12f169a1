//! SSH as OpenSSH does it: the configuration (`config`), host keys
//! (`known_hosts`), the algorithms offered, and connecting a `Target`
//! (`transport`). Nothing here knows of Ansible, playbooks or reports.

pub(crate) mod algorithms;
pub(crate) mod config;
pub(crate) mod key_line;
pub(crate) mod known_hosts;
pub(crate) mod pattern;
pub(crate) mod transport;
