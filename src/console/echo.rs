//! The terminal's echo, turned off while a password is typed (`-k`,
//! `--ask-vault-pass`) and put back however sshfleet ends: the guard's
//! drop, or a signal that ends the process (`console::shutdown` calls
//! [`restore`] before it exits). A terminal left without echo after
//! sshfleet exited shows nothing the operator types next.

use std::sync::Mutex;

use rustix::termios::{LocalModes, OptionalActions, Termios, tcgetattr, tcsetattr};

/// The terminal's settings before echo went off, while it is off.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);

/// Echo off on stdin while alive.
pub(crate) struct EchoOff(());

impl EchoOff {
    pub(crate) fn enable() -> std::io::Result<EchoOff> {
        let stdin = std::io::stdin();
        let saved = tcgetattr(&stdin)?;
        let mut quiet = saved.clone();
        quiet.local_modes.remove(LocalModes::ECHO);
        // Saved first: a signal between the two calls restores too.
        *SAVED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(saved);
        if let Err(e) = tcsetattr(&stdin, OptionalActions::Flush, &quiet) {
            *SAVED
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
            return Err(e.into());
        }
        Ok(EchoOff(()))
    }
}

impl EchoOff {
    /// Echo off again while alive: after the job was stopped and
    /// continued (SIGCONT), the shell has put echo back on.
    pub(crate) fn again(&self) -> std::io::Result<()> {
        let stdin = std::io::stdin();
        let mut quiet = tcgetattr(&stdin)?;
        quiet.local_modes.remove(LocalModes::ECHO);
        tcsetattr(&stdin, OptionalActions::Now, &quiet)?;
        Ok(())
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        restore();
    }
}

/// Put the terminal back as it was before echo went off, if it is off.
pub(crate) fn restore() {
    let saved = SAVED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    if let Some(saved) = saved {
        let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, &saved);
    }
}
