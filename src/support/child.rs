//! Every process sshfleet starts for a host or an input (an inventory
//! script, `Match exec`, a `ProxyCommand`) runs in a process group of its
//! own, is bounded in time and in what it may print, and is ended with
//! its whole group (grandchildren too) when its time is up, its output
//! too large, or what started it is gone. Every such group is also in a
//! registry of live groups ([`LiveGroup`]), so that a run ended by a
//! signal ends them too ([`kill_live`]) before sshfleet exits: they run
//! in groups of their own, so the terminal's Ctrl-C never reaches them.
//!
//! A process that leaves its group (`setsid`, a daemon's double fork) is
//! out of reach of a group kill. sshfleet is its reaper instead of PID 1
//! ([`adopt_orphans`]): once the process that started it ends (as a group
//! kill ends it), it becomes sshfleet's child, and the run's end ends it
//! ([`kill_live`] with `None`). sshfleet's own wait is bounded too: a
//! command's output is read without blocking, so a pipe such a process
//! holds open ends the wait at the deadline ([`ChildError::Timeout`] says
//! so), and the pipe is closed then, no reader thread left behind.

use std::io::Read as _;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// Why a bounded command gave no result.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ChildError {
    #[error("cannot run it: {0}")]
    Spawn(std::io::Error),
    /// Not done by the deadline: still running, or (`output_held_open`)
    /// ended but its output still held open by a process it started that
    /// left its process group.
    #[error("{}", timeout_message(*after, *output_held_open))]
    Timeout {
        after: Duration,
        output_held_open: bool,
    },
    #[error("printed more than {0} bytes; stopped (with every process it started)")]
    TooLarge(u64),
    #[error("cannot read its output: {0}")]
    Io(std::io::Error),
    /// Ended by a signal (sshfleet's own when a signal is stopping it,
    /// anyone's): what it printed and its status say nothing, so it is
    /// never read as a result (a `Match exec` that did not hold, an empty
    /// inventory), as OpenSSH's "exited abnormally" is an error.
    #[error("was killed by signal {0} before it finished; its result is unknown")]
    Killed(i32),
}

/// What a bounded command printed, and how it ended.
#[derive(Debug)]
pub(crate) struct Output {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    /// At most [`MAX_STDERR`] bytes of it.
    pub stderr: Vec<u8>,
}

/// How much of a command's stderr is kept for an error message.
const MAX_STDERR: u64 = 64 * 1024;

/// Put `command` in a process group of its own, so that ending it ends
/// everything it started.
pub(crate) fn own_group(command: &mut Command) -> &mut Command {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(command, 0);
    command
}

/// How a child's SIGPIPE starts, as the program sshfleet stands in for
/// starts it: a child inherits an ignored signal across `exec`, and a
/// shell cannot take that back, so a command that dies of SIGPIPE under
/// one and runs on under the other gives a different result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sigpipe {
    /// The default action (death): OpenSSH 9.2's `ProxyCommand`
    /// (sshconnect.c resets SIGPIPE to SIG_DFL before `execv`) and
    /// Python's `subprocess` (restore_signals) for Ansible's inventory
    /// scripts start their children so.
    Default,
    /// Ignored: OpenSSH's `ssh` ignores SIGPIPE at the start of `main`
    /// and `Match exec` (readconf.c `execute_in_shell`) leaves it so.
    Ignored,
}

/// A place sshfleet starts a child (`structure::SPAWN_SITES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Site {
    MatchExec,
    InventoryScript,
    ProxyCommand,
}

/// How the program sshfleet stands in for starts one kind of child.
// `file` and `reference` are read by the tests that hold the table to
// the sources (here and `structure`): the rest of sshfleet needs only
// the SIGPIPE.
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug)]
pub(crate) struct ChildStart {
    pub site: Site,
    /// The file that starts it.
    pub file: &'static str,
    /// The program whose start it copies, and where that start is made.
    pub reference: &'static str,
    pub sigpipe: Sigpipe,
    /// The program that reads the user's command.
    pub shell: Shell,
}

/// Which program runs a user's command, as the reference picks it: a
/// command in another shell's syntax (bash's `[[`, fish) means another
/// thing, or nothing, under `/bin/sh`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shell {
    /// `$SHELL` whenever it is set, empty included, else `/bin/sh`; a name
    /// without `/` is a file of the current directory (`execv`); one
    /// that cannot be run stops the configuration ("Shell \"\" is not
    /// executable": readconf.c `execute_in_shell` checks `access(X_OK)`
    /// and calls `fatal`).
    SetOrBinSh,
    /// `$SHELL` when set and not empty, else `/bin/sh` (sshconnect.c
    /// `ssh_proxy_connect`), with `-c "exec COMMAND"`; a name without `/`
    /// is found on PATH (what Debian's 9.2 does, observed).
    NonEmptyOrBinSh,
    /// No shell: the file itself is run.
    None,
}

/// The shell `site`'s reference runs a user's command with
/// ([`ChildStart::shell`]); `Err` (why) where the reference stops.
pub(crate) fn user_shell(site: Site) -> Result<std::path::PathBuf, String> {
    let set = std::env::var_os("SHELL");
    let shell = match child_start(site).shell {
        // `execv`, not `execvp`: a name without `/` is a file of the
        // current directory, never one found on PATH.
        Shell::SetOrBinSh => match set {
            Some(name) if !name.as_encoded_bytes().contains(&b'/') => {
                std::path::Path::new(".").join(name).into_os_string()
            }
            Some(path) => path,
            None => "/bin/sh".into(),
        },
        Shell::NonEmptyOrBinSh => set
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "/bin/sh".into()),
        Shell::None => return Err("this child is run without a shell".to_string()),
    };
    if child_start(site).shell == Shell::SetOrBinSh
        && let Err(e) = rustix::fs::access(shell.as_os_str(), rustix::fs::Access::EXEC_OK)
    {
        return Err(format!(
            "Shell \"{}\" is not executable: {e} (from $SHELL; ssh refuses it too)",
            shell.to_string_lossy().escape_debug()
        ));
    }
    Ok(shell.into())
}

/// Every kind of child, as its reference starts it. Each gets, besides
/// its SIGPIPE: every other signal at its default action (a signal
/// ignored in sshfleet, such as 32 and 33 that glibc's `posix_spawn`
/// leaves ignored in a process it starts, would stay ignored across
/// `exec`), no signal blocked, and no file descriptor but 0, 1 and 2:
/// `ssh` closes every other at its start (`closefrom(STDERR_FILENO + 1)`
/// in `main`) and Python's `subprocess` in the child (`close_fds=True`),
/// so a descriptor sshfleet inherited (`sshfleet ... 7>file`) reaches no
/// child. The umask is left as it is, as all three leave it.
pub(crate) const CHILD_STARTS: [ChildStart; 3] = [
    ChildStart {
        site: Site::MatchExec,
        file: "src/ssh/config/parse.rs",
        reference: "ssh -G (readconf.c execute_in_shell: fork, then execv)",
        sigpipe: Sigpipe::Ignored,
        shell: Shell::SetOrBinSh,
    },
    ChildStart {
        site: Site::InventoryScript,
        file: "src/inventory/script.rs",
        reference: "ansible-inventory (Python subprocess, close_fds=True, restore_signals=True)",
        sigpipe: Sigpipe::Default,
        shell: Shell::None,
    },
    ChildStart {
        site: Site::ProxyCommand,
        file: "src/ssh/transport/proxy.rs",
        reference: "ssh (sshconnect.c ssh_proxy_connect: SIGPIPE to SIG_DFL, then execv)",
        sigpipe: Sigpipe::Default,
        shell: Shell::NonEmptyOrBinSh,
    },
];

/// The start state of `site`'s children.
pub(crate) fn child_start(site: Site) -> &'static ChildStart {
    CHILD_STARTS
        .iter()
        .find(|row| row.site == site)
        .unwrap_or(&CHILD_STARTS[0])
}

/// Start `command` as `site`'s reference starts it ([`CHILD_STARTS`]):
/// the one place a child's signals and file descriptors are set, for
/// every place that starts one.
///
/// The setting runs in the child between `fork` and `exec` (`pre_exec`),
/// which also keeps Rust's `Command` off `posix_spawn`, whose child in
/// glibc 2.36 starts with signals 32 and 33 ignored.
pub(crate) fn start_as(command: &mut Command, site: Site) -> &mut Command {
    #[cfg(unix)]
    {
        let ignore_sigpipe = child_start(site).sigpipe == Sigpipe::Ignored;
        // SAFETY: the closure runs in the forked child before `exec` and
        // makes only system calls (`rt_sigaction`, `sigprocmask`,
        // `close_range`, `fcntl`), which are async-signal-safe; it
        // allocates nothing and takes no lock.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(command, move || {
                set_start_state(ignore_sigpipe)
            });
        }
    }
    #[cfg(not(unix))]
    let _ = site;
    command
}

/// In the child, before `exec`: see [`start_as`].
#[cfg(unix)]
fn set_start_state(ignore_sigpipe: bool) -> std::io::Result<()> {
    for signal in 1..=64 {
        if signal == libc::SIGKILL || signal == libc::SIGSTOP {
            continue;
        }
        let ignored = ignore_sigpipe && signal == libc::SIGPIPE;
        set_disposition(
            signal,
            if ignored {
                libc::SIG_IGN
            } else {
                libc::SIG_DFL
            },
        );
    }
    // SAFETY: an empty set built on the stack, passed to sigprocmask.
    unsafe {
        let mut none = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut none);
        if libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    cloexec_from_3()
}

/// The kernel's `struct sigaction`, zeroed but for its handler: SIG_DFL
/// or SIG_IGN need no flags, restorer or mask, so the layout's tail
/// (which differs between architectures) is zero whatever it is.
#[cfg(target_os = "linux")]
#[repr(C)]
struct KernelSigaction {
    handler: libc::sighandler_t,
    rest: [u64; 4],
}

/// Set `signal`'s disposition. On Linux through the system call itself:
/// glibc's `sigaction` refuses 32 and 33 (its own), which are the ones
/// `posix_spawn` leaves ignored. Past the kernel's last signal (64 on
/// Linux) the call fails, harmlessly.
#[cfg(unix)]
fn set_disposition(signal: i32, handler: libc::sighandler_t) {
    #[cfg(target_os = "linux")]
    // SAFETY: a valid, zeroed kernel sigaction on the stack; the old one
    // is not asked for; the set size is the kernel's (64 signals).
    unsafe {
        let action = KernelSigaction {
            handler,
            rest: [0; 4],
        };
        libc::syscall(
            libc::SYS_rt_sigaction,
            signal,
            &action as *const KernelSigaction,
            std::ptr::null_mut::<KernelSigaction>(),
            8usize,
        );
    }
    #[cfg(not(target_os = "linux"))]
    // SAFETY: `signal` is async-signal-safe.
    unsafe {
        libc::signal(signal, handler);
    }
}

/// Mark every descriptor from 3 up close-on-exec: what the child's
/// `exec` keeps is 0, 1 and 2. Marked rather than closed, so that Rust's
/// own pipe that reports a failed `exec` (close-on-exec already) still
/// works. `close_range` (Linux 5.11) where there is one; otherwise each
/// descriptor below the limit of open files.
#[cfg(unix)]
fn cloexec_from_3() -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    // SAFETY: close_range with CLOSE_RANGE_CLOEXEC only sets flags.
    unsafe {
        if libc::syscall(
            libc::SYS_close_range,
            3u32,
            u32::MAX,
            libc::CLOSE_RANGE_CLOEXEC,
        ) == 0
        {
            return Ok(());
        }
    }
    // SAFETY: getrlimit fills a struct on the stack; fcntl on a
    // descriptor that is not open fails with EBADF, harmlessly.
    unsafe {
        let mut limit = std::mem::zeroed::<libc::rlimit>();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        // Linux's own ceiling on descriptors (`fs.nr_open`) by default.
        let last = i32::try_from(limit.rlim_cur.min(1 << 20)).unwrap_or(1 << 20);
        for fd in 3..last {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
            }
        }
    }
    Ok(())
}

/// End the process group led by `pid` (SIGKILL); it is gone already if
/// this fails.
pub(crate) fn kill_group(pid: u32) {
    #[cfg(unix)]
    if let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// What a live process group is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A command sshfleet waits for ([`run_bounded`]: an inventory script,
    /// `Match exec`): pointless once a run is stopped.
    Bounded,
    /// A `ProxyCommand` carrying a host's session: ended when the session
    /// closes, so that a stopped host can still say goodbye through it.
    Route,
}

/// The process groups sshfleet started and has not ended yet.
static LIVE: std::sync::Mutex<Vec<(u32, Role)>> = std::sync::Mutex::new(Vec::new());

/// Set once sshfleet is ending everything: a group started after that is
/// ended at once.
static ENDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn live() -> std::sync::MutexGuard<'static, Vec<(u32, Role)>> {
    LIVE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A process group in the registry while this lives (its owner ends the
/// group itself; dropping this only takes it off the registry).
#[derive(Debug)]
pub(crate) struct LiveGroup(u32);

impl LiveGroup {
    pub(crate) fn new(pid: u32, role: Role) -> LiveGroup {
        live().push((pid, role));
        if ENDING.load(std::sync::atomic::Ordering::SeqCst) {
            kill_group(pid);
        }
        LiveGroup(pid)
    }
}

impl Drop for LiveGroup {
    fn drop(&mut self) {
        let mut live = live();
        if let Some(at) = live.iter().position(|(pid, _)| *pid == self.0) {
            live.swap_remove(at);
        }
    }
}

/// End every live process group of `role` (every one when `None`); with
/// `None`, also every group started from now on (sshfleet is exiting).
pub(crate) fn kill_live(role: Option<Role>) {
    if role.is_none() {
        ENDING.store(true, std::sync::atomic::Ordering::SeqCst);
    }
    for (pid, r) in live().iter() {
        if role.is_none_or(|role| role == *r) {
            kill_group(*pid);
        }
    }
    if role.is_none() {
        end_adopted();
    }
}

/// Make sshfleet the reaper of its orphaned descendants
/// (`PR_SET_CHILD_SUBREAPER`), so that a process that left its group and
/// outlived its parent is re-parented to sshfleet, where [`kill_live`]
/// finds it, rather than to PID 1, where nothing would.
// Not in unit tests: `commands::main` called in-process leaves the test
// process as it is.
#[cfg_attr(test, allow(dead_code))]
pub(crate) fn adopt_orphans() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::set_child_subreaper(Some(rustix::process::getpid())) {
        tracing::warn!("cannot adopt orphaned processes (PR_SET_CHILD_SUBREAPER): {e}");
    }
}

/// End every process still a child of sshfleet when it is ending: the
/// groups were killed just before, so what is left is what left its group
/// and was re-parented here ([`adopt_orphans`]). Re-parenting follows the
/// parent's death, so the list is read again until only zombies are left
/// (at most a second).
fn end_adopted() {
    #[cfg(target_os = "linux")]
    {
        let deadline = Instant::now() + Duration::from_secs(1);
        loop {
            let running = running_children();
            if running.is_empty() || Instant::now() > deadline {
                return;
            }
            for pid in running {
                kill_group(pid);
                if let Some(pid) = i32::try_from(pid)
                    .ok()
                    .and_then(rustix::process::Pid::from_raw)
                {
                    let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// sshfleet's children that have not ended (zombies left out), from the
/// kernel's own lists (`/proc/self/task/*/children`).
#[cfg(target_os = "linux")]
fn running_children() -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    let mut pids = Vec::new();
    for task in tasks.flatten() {
        let list = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        pids.extend(
            list.split_whitespace()
                .filter_map(|p| p.parse::<u32>().ok()),
        );
    }
    pids.retain(|pid| {
        // `/proc/PID/stat`: `pid (comm) state ...`; the name may hold
        // anything, so the state is the field after its last `)`.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .ok()
            .and_then(|stat| {
                stat.rsplit_once(')')
                    .map(|(_, rest)| rest.trim_start().starts_with('Z'))
            })
            .is_some_and(|zombie| !zombie)
    });
    pids
}

fn timeout_message(after: Duration, output_held_open: bool) -> String {
    let after = humantime::format_duration(after);
    if output_held_open {
        format!(
            "ended, but its output was still open after {after}: a process it started left its \
             process group (setsid, a daemon) and holds it; stopped reading (sshfleet cannot end \
             a process outside the group)"
        )
    } else {
        format!("still running after {after}; stopped (with every process it started)")
    }
}

/// Run `command` (stdin closed) in a group of its own: at most `timeout`
/// long and `max_stdout` bytes of output, or it and its group are killed.
/// The wait never outlasts `timeout`, even when the output stays open
/// after the command ended.
pub(crate) fn run_bounded(
    mut command: Command,
    timeout: Duration,
    max_stdout: u64,
) -> Result<Output, ChildError> {
    let mut child = own_group(&mut command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(ChildError::Spawn)?;
    let pid = child.id();
    let registered = LiveGroup::new(pid, Role::Bounded);
    let deadline = Instant::now() + timeout;
    let ended = Pipe::open(child.stdout.take(), max_stdout)
        .and_then(|out| Ok((out, Pipe::open(child.stderr.take(), MAX_STDERR)?)))
        .map_err(ChildError::Io)
        .and_then(|(mut out, mut err)| {
            let status = wait_reading(&mut child, &mut out, &mut err, deadline, timeout)?;
            Ok((status, out, err))
        });
    // Whatever it left running in its group goes with it. The pipes are
    // dropped with `ended` at the latest, so a process outside the group
    // that still holds one gets EPIPE, and nothing of ours waits on it.
    kill_group(pid);
    let _ = child.kill();
    let _ = child.wait();
    drop(registered);
    let (status, out, err) = ended?;
    #[cfg(unix)]
    if let Some(signal) = std::os::unix::process::ExitStatusExt::signal(&status) {
        return Err(ChildError::Killed(signal));
    }
    Ok(Output {
        status,
        stdout: out.bytes,
        stderr: err.bytes,
    })
}

/// Read both pipes, without blocking, until the command has ended and
/// both are closed, its output is too large, or `deadline`. When the
/// command ends, its group is killed at once: the processes it left
/// running there are the last writers of its pipes.
fn wait_reading(
    child: &mut std::process::Child,
    out: &mut Pipe,
    err: &mut Pipe,
    deadline: Instant,
    timeout: Duration,
) -> Result<ExitStatus, ChildError> {
    let mut status = None;
    loop {
        out.drain().map_err(ChildError::Io)?;
        err.drain().map_err(ChildError::Io)?;
        if out.overflowed {
            return Err(ChildError::TooLarge(out.max));
        }
        if status.is_none()
            && let Some(ended) = child.try_wait().map_err(ChildError::Io)?
        {
            status = Some(ended);
            kill_group(child.id());
            continue; // read what it wrote last before judging the pipes
        }
        if let Some(status) = status
            && out.is_closed()
            && err.is_closed()
        {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            return Err(ChildError::Timeout {
                after: timeout,
                output_held_open: status.is_some(),
            });
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// One output pipe of a command, read without blocking: at most `max`
/// bytes kept, whether more came, and whether it is closed (`None`).
struct Pipe {
    reader: Option<Box<dyn std::io::Read>>,
    bytes: Vec<u8>,
    max: u64,
    overflowed: bool,
}

impl Pipe {
    fn open<R>(pipe: Option<R>, max: u64) -> std::io::Result<Pipe>
    where
        R: std::io::Read + std::os::fd::AsFd + 'static,
    {
        if let Some(pipe) = &pipe {
            set_nonblocking(pipe)?;
        }
        Ok(Pipe {
            reader: pipe.map(|p| Box::new(p) as Box<dyn std::io::Read>),
            bytes: Vec::new(),
            max,
            overflowed: false,
        })
    }

    fn is_closed(&self) -> bool {
        self.reader.is_none()
    }

    /// Read what is there now (a bounded amount, so a flood cannot keep
    /// the caller from its deadline); past `max`, read and drop, so the
    /// writer never stalls on a full pipe.
    fn drain(&mut self) -> std::io::Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        for _ in 0..64 {
            let Some(reader) = self.reader.as_mut() else {
                return Ok(());
            };
            match reader.read(&mut chunk) {
                Ok(0) => self.reader = None,
                Ok(n) => {
                    let room = usize::try_from(self.max)
                        .unwrap_or(usize::MAX)
                        .saturating_sub(self.bytes.len());
                    self.bytes.extend_from_slice(&chunk[..n.min(room)]);
                    self.overflowed |= n > room;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn set_nonblocking(fd: impl std::os::fd::AsFd) -> std::io::Result<()> {
    let flags = rustix::fs::fcntl_getfl(&fd)?;
    rustix::fs::fcntl_setfl(&fd, flags | rustix::fs::OFlags::NONBLOCK)?;
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn sh(script: &str) -> Command {
        let mut c = Command::new("sh");
        c.arg("-c").arg(script);
        c
    }

    /// `run_bounded` on another thread: its result, or a failure if it
    /// has not returned long after its own bound (it hung).
    fn returns(command: Command, timeout: Duration, max: u64) -> Result<Output, ChildError> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(run_bounded(command, timeout, max));
        });
        rx.recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("run_bounded never returned"))
    }

    #[test]
    fn output_held_open_outside_the_group_ends_the_wait_at_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("escaped.pid");
        // The command ends as soon as a grandchild is in a session of its
        // own (out of reach of the group kill), keeping its stdout open.
        let script = format!(
            "setsid sh -c 'echo $$ > {0}; exec sleep 30' & \
             while [ ! -s {0} ]; do sleep 0.01; done; echo hi",
            pidfile.display()
        );
        let result = returns(sh(&script), Duration::from_secs(1), 1024);
        if let Ok(pid) = std::fs::read_to_string(&pidfile) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
        let e = result.unwrap_err();
        assert!(
            matches!(
                e,
                ChildError::Timeout {
                    output_held_open: true,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("output was still open"), "{e}");
    }

    /// Every site is a row once, and the file the row names starts its
    /// children through [`start_as`] with that site.
    #[test]
    fn every_site_is_one_row_of_child_starts_and_its_file_uses_it() {
        for site in [Site::MatchExec, Site::InventoryScript, Site::ProxyCommand] {
            let rows: Vec<&ChildStart> = CHILD_STARTS.iter().filter(|r| r.site == site).collect();
            assert_eq!(rows.len(), 1, "{site:?}");
            let text = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rows[0].file),
            )
            .unwrap();
            let call = format!("crate::support::child::Site::{site:?}");
            assert!(text.contains(&call), "{} never starts {call}", rows[0].file);
            assert!(!rows[0].reference.is_empty());
        }
    }

    /// A child of each site: signals and descriptors as its reference
    /// gives them, whatever sshfleet's own state (here: signal 33 and
    /// SIGUSR1 ignored, SIGUSR2 blocked, a descriptor without CLOEXEC).
    #[test]
    fn a_child_starts_with_default_signals_nothing_blocked_and_only_0_1_2() {
        for row in &CHILD_STARTS {
            let mut command =
                sh("grep -E '^Sig(Ign|Blk)' /proc/self/status; ls /proc/self/fd | tr '\\n' ' '");
            start_as(&mut command, row.site);
            let out = run_in_dirty_parent(command);
            let ign = if row.sigpipe == Sigpipe::Ignored {
                "0000000000001000"
            } else {
                "0000000000000000"
            };
            assert!(
                out.contains(&format!("SigIgn:\t{ign}")),
                "{:?}: {out}",
                row.site
            );
            assert!(
                out.contains("SigBlk:\t0000000000000000"),
                "{:?}: {out}",
                row.site
            );
            // `ls`'s own descriptor for the directory it reads is 3.
            assert!(out.ends_with("0 1 2 3 "), "{:?}: {out}", row.site);
        }
    }

    /// Run `command` from a thread that ignores signal 33 and SIGUSR1 and
    /// blocks SIGUSR2, with a descriptor open without CLOEXEC, and return
    /// what it printed.
    fn run_in_dirty_parent(mut command: Command) -> String {
        std::thread::spawn(move || {
            let file = std::fs::File::open("/proc/self/status").unwrap();
            let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
            // SAFETY: plain system calls on this thread's own state and a
            // descriptor it owns; restored before the thread ends.
            unsafe {
                libc::fcntl(fd, libc::F_SETFD, 0);
                set_disposition(33, libc::SIG_IGN);
                let mut old = std::mem::zeroed::<libc::sigaction>();
                let mut ign = std::mem::zeroed::<libc::sigaction>();
                ign.sa_sigaction = libc::SIG_IGN;
                libc::sigaction(libc::SIGUSR1, &ign, &mut old);
                let mut usr2 = std::mem::zeroed::<libc::sigset_t>();
                libc::sigemptyset(&mut usr2);
                libc::sigaddset(&mut usr2, libc::SIGUSR2);
                libc::pthread_sigmask(libc::SIG_BLOCK, &usr2, std::ptr::null_mut());
                let out = command.stdin(Stdio::null()).output().unwrap();
                libc::sigaction(libc::SIGUSR1, &old, std::ptr::null_mut());
                set_disposition(33, libc::SIG_DFL);
                String::from_utf8(out.stdout).unwrap()
            }
        })
        .join()
        .unwrap()
    }

    #[test]
    fn a_command_that_ends_returns_all_it_printed() {
        // More than a pipe holds, on both pipes: nothing lost, nothing
        // stalled, stderr kept up to its bound.
        let script = "seq 1 30000; seq 1 30000 >&2; echo done";
        let out = returns(sh(script), Duration::from_secs(10), 1024 * 1024).unwrap();
        let mut want: String = (1..=30000).map(|n| format!("{n}\n")).collect();
        want.push_str("done\n");
        assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
        assert_eq!(out.stderr.len(), usize::try_from(MAX_STDERR).unwrap());
        assert!(out.status.success());
    }

    #[test]
    fn a_command_that_never_ends_is_stopped_with_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("grandchild-alive");
        // A grandchild that would outlive its parent, and a parent that
        // never ends.
        let script = format!("(sleep 1; touch {}) & sleep 600", marker.display());
        let e = run_bounded(sh(&script), Duration::from_millis(200), 1024).unwrap_err();
        assert!(
            matches!(
                e,
                ChildError::Timeout {
                    output_held_open: false,
                    ..
                }
            ),
            "{e}"
        );
        std::thread::sleep(Duration::from_millis(1500));
        assert!(!marker.exists(), "the grandchild outlived the command");
    }

    #[test]
    fn endless_output_is_cut_at_the_bound() {
        let e = run_bounded(sh("yes"), Duration::from_secs(30), 4096).unwrap_err();
        assert!(matches!(e, ChildError::TooLarge(4096)), "{e}");
        let out = run_bounded(
            sh("echo hi; echo oops >&2; exit 3"),
            Duration::from_secs(30),
            64,
        )
        .unwrap();
        assert_eq!(
            (
                out.stdout.as_slice(),
                out.stderr.as_slice(),
                out.status.code()
            ),
            (&b"hi\n"[..], &b"oops\n"[..], Some(3))
        );
    }
}
