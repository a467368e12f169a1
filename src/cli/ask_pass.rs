//! `--ask-pass`: the login password, asked once on the terminal with echo
//! off, as Ansible's `-k` does. Off a terminal (cron, CI, a pipe) it is
//! refused: a job must name a password variable instead.

use std::io::{BufRead as _, Write as _};

use rustix::termios::isatty;

use crate::support::secrets::Secret;

/// Why no password was obtained.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AskPassError {
    #[error(
        "--ask-pass needs a terminal to ask on, and stdin is not one; unattended runs name the \
         password's environment variable in the inventory (sshfleet_password_env)"
    )]
    NotATerminal,
    #[error("--ask-pass: no password was typed")]
    Empty,
    #[error("--ask-pass: cannot read the terminal: {0}")]
    Io(#[from] std::io::Error),
    /// Ctrl-C at the prompt.
    #[error("interrupted at the password prompt")]
    Interrupted,
}

/// Ask for the password on stdin's terminal (prompt on stderr), echo off.
/// The terminal is restored however this ends: Ctrl-C here, any other
/// signal that ends sshfleet by `console::shutdown`.
pub(crate) async fn ask(prompt: &str) -> Result<Secret, AskPassError> {
    ask_line(prompt).await.map(Secret::new)
}

/// One secret line from stdin's terminal, asked as [`ask`] does (also for
/// `--ask-vault-pass`).
pub(crate) async fn ask_line(prompt: &str) -> Result<String, AskPassError> {
    let stdin = std::io::stdin();
    if !isatty(&stdin) {
        return Err(AskPassError::NotATerminal);
    }
    // Caught from before echo goes off: Ctrl-C must not kill the process
    // and leave the terminal without echo.
    let _handling =
        crate::console::shutdown::Handling::new(&[crate::console::shutdown::StopSignal::Interrupt]);
    let mut interrupt = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    // Ctrl-Z then `fg`: the shell turned echo back on when the job
    // stopped (console::shutdown's SIGNALS, Fate::JobControl).
    let mut continued = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::from_raw(
        rustix::process::Signal::CONT.as_raw(),
    ))?;
    let echo_off = crate::console::echo::EchoOff::enable()?;
    let mut stderr = std::io::stderr();
    let _ = write!(stderr, "{prompt}");
    let _ = stderr.flush();
    let (tx, rx) = tokio::sync::oneshot::channel();
    // A plain thread: a read blocked on the terminal must not hold up the
    // runtime's shutdown after Ctrl-C.
    std::thread::Builder::new()
        .name("ask-pass".to_string())
        .spawn(move || {
            let mut line = String::new();
            let read = std::io::stdin().lock().read_line(&mut line).map(|_| line);
            let _ = tx.send(read);
        })?;
    let mut rx = rx;
    let line = loop {
        tokio::select! {
            read = &mut rx => break read.map_err(|_| AskPassError::Interrupted)??,
            _ = interrupt.recv() => {
                let _ = writeln!(stderr);
                return Err(AskPassError::Interrupted);
            }
            _ = continued.recv() => {
                // As readpassphrase: echo off again, the prompt again.
                echo_off.again()?;
                let _ = write!(stderr, "\n{prompt}");
                let _ = stderr.flush();
            }
        }
    };
    // The Enter typed was not echoed either.
    let _ = writeln!(stderr);
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err(AskPassError::Empty);
    }
    Ok(password.to_string())
}
