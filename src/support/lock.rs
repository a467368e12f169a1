//! One run at a time: a cron job that overruns its schedule, or an operator
//! starting a run by hand while the timer's run is still going, must not
//! send a second `ecupdate force` to appliances that are still updating.
//!
//! The lock is an advisory `flock` on a file (std's `File::try_lock`), held
//! for the whole run. The kernel releases it when the process ends, however
//! it ends (`kill -9` included), so there is never a stale lock to clean up;
//! the file itself stays, holding the last holder's pid for the message a
//! second run prints.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

/// Why this run cannot go on.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LockError {
    #[error(
        "another run{} holds the lock {}; this run touched no host. \
         Wait for it to finish, or give runs against other fleets their own --lock",
        holder.map(|pid| format!(" (pid {pid})")).unwrap_or_default(),
        path.display()
    )]
    Held { path: PathBuf, holder: Option<u32> },
    #[error("cannot use the lock file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("refusing the lock file {}: {reason}", path.display())]
    Unsafe { path: PathBuf, reason: String },
}

/// The lock of a running run; dropping it (or the process ending) releases it.
#[derive(Debug)]
pub(crate) struct RunLock {
    _file: File,
}

/// Where the lock lives without `--lock`: the user's runtime directory
/// (private to the user, emptied at logout), else a per-user name in the
/// temporary directory. Cron and system services have no runtime
/// directory, which is why the README's unattended examples name the lock.
pub(crate) fn default_path() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir.join("sshfleet.lock"),
        _ => std::env::temp_dir().join(format!("sshfleet-{}.lock", user_id())),
    }
}

#[cfg(unix)]
fn user_id() -> u32 {
    rustix::process::getuid().as_raw()
}

#[cfg(not(unix))]
fn user_id() -> u32 {
    0
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    use rustix::process::{Pid, test_kill_process};
    let Some(pid) = i32::try_from(pid).ok().and_then(Pid::from_raw) else {
        return false;
    };
    // EPERM: it exists, as another user's process.
    !matches!(test_kill_process(pid), Err(rustix::io::Errno::SRCH))
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
}

impl RunLock {
    /// Take the lock at `path`, or say who holds it. Never waits.
    pub(crate) fn acquire(path: &Path) -> Result<RunLock, LockError> {
        let io = |source| LockError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = open(path).map_err(io)?;
        check_owned_regular_file(path, &file)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                // The pid of the last sshfleet that held it: shown only
                // while that process lives (the lock may be held by another
                // program, such as flock(1), that wrote no pid).
                let holder = file
                    .read_to_string(&mut text)
                    .ok()
                    .and_then(|_| text.trim().parse().ok())
                    .filter(|&pid| alive(pid));
                return Err(LockError::Held {
                    path: path.to_path_buf(),
                    holder,
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        // Only a lock file is overwritten: empty, or the pid an sshfleet
        // wrote. Any other file (`--lock ~/.bashrc`) is refused, untouched.
        let mut held = String::new();
        let _ = file.read_to_string(&mut held);
        let pid_only = held.strip_suffix('\n').unwrap_or(&held);
        let a_pid = !pid_only.is_empty() && pid_only.bytes().all(|b| b.is_ascii_digit());
        if !held.is_empty() && !a_pid {
            return Err(LockError::Unsafe {
                path: path.to_path_buf(),
                reason: "it holds text that is not a pid: not a lock file sshfleet wrote, so it is not overwritten (name another --lock)".to_string(),
            });
        }
        // A lock file left by an older sshfleet or made by hand keeps its
        // mode when opened: made 0600 here, as docs/SECURITY.md I5 states.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(io)?;
        }
        file.set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()))
            .map_err(io)?;
        Ok(RunLock { _file: file })
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // In a shared temporary directory another user could plant a
        // symlink at our name to make us write our pid into their target.
        let nofollow = rustix::fs::OFlags::NOFOLLOW.bits();
        options
            .mode(0o600)
            .custom_flags(i32::try_from(nofollow).unwrap_or(0));
    }
    options.open(path)
}

/// A hard link planted by another user, or a device, is not our lock file.
#[cfg(unix)]
fn check_owned_regular_file(path: &Path, file: &File) -> Result<(), LockError> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata().map_err(|source| LockError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let reason = if !meta.is_file() {
        "it is not a regular file".to_string()
    } else if meta.uid() != user_id() {
        format!("it belongs to uid {}, not to this user", meta.uid())
    } else if meta.nlink() > 1 {
        "it has other hard links".to_string()
    } else {
        return Ok(());
    };
    Err(LockError::Unsafe {
        path: path.to_path_buf(),
        reason,
    })
}

#[cfg(not(unix))]
fn check_owned_regular_file(_path: &Path, _file: &File) -> Result<(), LockError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn second_holder_is_refused_with_the_first_ones_pid_then_gets_it_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.lock");
        let first = RunLock::acquire(&path).unwrap();
        match RunLock::acquire(&path) {
            Err(LockError::Held { holder, .. }) => assert_eq!(holder, Some(std::process::id())),
            other => panic!("expected Held, got {other:?}"),
        }
        let message = RunLock::acquire(&path).unwrap_err().to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("touched no host"), "{message}");
        drop(first);
        // Other tests of this process spawn commands (ssh -G, Match exec):
        // a child between fork and exec briefly shares every descriptor,
        // the lock's included, so the release may take a moment to show.
        let mut again = RunLock::acquire(&path);
        for _ in 0..200 {
            if again.is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
            again = RunLock::acquire(&path);
        }
        let _again = again.unwrap();
        // The pid is rewritten, not appended.
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{}\n", std::process::id())
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_pid_of_a_process_that_is_gone_is_not_shown() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.lock");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let gone = child.id();
        child.wait().unwrap();
        std::fs::write(&path, format!("{gone}\n")).unwrap();
        let holder = File::open(&path).unwrap();
        holder.lock().unwrap();
        match RunLock::acquire(&path) {
            Err(LockError::Held { holder, .. }) => assert_eq!(holder, None),
            other => panic!("expected Held, got {other:?}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_or_a_hard_link_is_never_written_through() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious");
        std::fs::write(&target, "keep me\n").unwrap();
        let link = dir.path().join("sym.lock");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(RunLock::acquire(&link).is_err());
        let hard = dir.path().join("hard.lock");
        std::fs::hard_link(&target, &hard).unwrap();
        let err = RunLock::acquire(&hard).unwrap_err();
        assert!(err.to_string().contains("hard links"), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_lock_file_left_readable_by_others_becomes_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.lock");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let _lock = RunLock::acquire(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    /// Only an empty file or one holding a pid (what sshfleet writes) is
    /// taken as a lock file and overwritten; any other file is refused,
    /// its text and mode untouched.
    #[test]
    fn a_file_that_is_not_a_lock_file_is_never_overwritten() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("victim");
        for text in [
            "important\ncontent\n",
            "12 34\n",
            "pid: 5\n",
            "\n\n",
            "7\n8\n",
        ] {
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let err = RunLock::acquire(&path).unwrap_err().to_string();
            assert!(err.contains("not a lock file"), "{text:?}: {err}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o644);
        }
        for text in ["", "4242\n", "4242"] {
            std::fs::write(&path, text).unwrap();
            let lock = RunLock::acquire(&path).unwrap();
            drop(lock);
            let pid = std::fs::read_to_string(&path).unwrap();
            assert_eq!(pid.trim(), std::process::id().to_string(), "{text:?}");
        }
    }

    #[test]
    fn missing_directory_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-dir").join("run.lock");
        let err = RunLock::acquire(&path).unwrap_err().to_string();
        assert!(err.contains("no-such-dir"), "{err}");
    }
}
