//! One host's session: the playbook's `Remote` over an SSH connection (a
//! PTY shell or one exec request per command), and what the session keeps
//! of itself (transcript, recording), redacted with its secrets.

pub(crate) mod clixml;
mod codepage;
pub(crate) mod prompt_host;
pub(crate) mod recording;
pub(crate) mod shell;
pub(crate) mod transcript;
