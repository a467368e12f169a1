//! The appliance CLI over stdin/stdout, to be the login shell of a real
//! OpenSSH `sshd`: the interop tests then exercise OpenSSH's channel and PTY
//! handling against the same session model as the in-process servers.

use std::io::Read;
use std::sync::Arc;

use rustix::termios::{OptionalActions, Termios, isatty, tcgetattr, tcsetattr};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::asyncos::{Appliance, AsyncOsProfile};
use crate::shell::{INPUT_CHUNKS, OUTPUT_CHUNKS, Output, run_session};

/// Serves one CLI session on stdin/stdout until `exit` or end of input.
///
/// The appliance's state lives only as long as this process. When stdin is
/// a terminal it is put in raw mode (restored on return) so that Ctrl-C
/// reaches the session as byte 0x03 and echo is the session's own, exactly
/// as over an SSH channel. `DropMidFollow` ends with an
/// `ConnectionAborted` error and no further output: a login shell cannot
/// cut sshd's TCP connection, so this is the closest a process can do.
pub async fn serve_stdio(profile: AsyncOsProfile) -> std::io::Result<()> {
    let _raw = RawMode::enable()?;
    let appliance = Arc::new(Appliance::new(profile));
    let (input_tx, input_rx) = mpsc::channel(INPUT_CHUNKS);
    let (out_tx, mut out_rx) = mpsc::channel(OUTPUT_CHUNKS);

    // A plain thread, not tokio's blocking pool: a read blocked on the
    // terminal must not hold up the runtime's shutdown when the session ends.
    std::thread::Builder::new()
        .name("sim-stdin".to_string())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 1024];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if input_tx.blocking_send(buf[..n].to_vec()).is_err() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
        })?;

    // The terminal's own height, as sshd's PTY has it (0 off a terminal:
    // nothing pages).
    let rows =
        rustix::termios::tcgetwinsize(std::io::stdin()).map_or(0, |size| u32::from(size.ws_row));
    let rows = Arc::new(std::sync::atomic::AtomicU32::new(rows));
    let session = tokio::spawn(run_session(appliance, input_rx, out_tx, rows));
    let mut stdout = tokio::io::stdout();
    let result = loop {
        match out_rx.recv().await {
            Some(Output::Data(bytes)) => {
                stdout.write_all(&bytes).await?;
                stdout.flush().await?;
            }
            Some(Output::Exit(_)) | None => break Ok(()),
            Some(Output::DropConnection) => {
                break Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "simulated connection drop",
                ));
            }
        }
    };
    session.abort();
    result
}

/// Raw mode on stdin while alive, when stdin is a terminal.
struct RawMode {
    saved: Option<Termios>,
}

impl RawMode {
    fn enable() -> std::io::Result<Self> {
        let stdin = std::io::stdin();
        if !isatty(&stdin) {
            return Ok(Self { saved: None });
        }
        let saved = tcgetattr(&stdin)?;
        let mut raw = saved.clone();
        raw.make_raw();
        tcsetattr(&stdin, OptionalActions::Flush, &raw)?;
        Ok(Self { saved: Some(saved) })
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            let _ = tcsetattr(std::io::stdin(), OptionalActions::Now, saved);
        }
    }
}
