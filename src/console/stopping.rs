//! Whether a signal is ending sshfleet: the one flag the printers
//! (`progress`, `events`) and the signal handling (`shutdown`) share, kept
//! below both so neither imports the other for it.

use std::sync::atomic::{AtomicI32, Ordering};

/// The exit code of a signal ending the process, once one is (0 before).
static STOPPING: AtomicI32 = AtomicI32::new(0);

/// A signal is ending the process with exit `code`.
pub(crate) fn set(code: i32) {
    STOPPING.store(code, Ordering::SeqCst);
}

/// The exit code, once a signal is ending the process: stdout takes
/// nothing more (`console::progress`), and a command that ends meanwhile
/// (its child killed by the signal's handling) exits with it.
pub(crate) fn stopping() -> Option<i32> {
    Some(STOPPING.load(Ordering::SeqCst)).filter(|code| *code != 0)
}
