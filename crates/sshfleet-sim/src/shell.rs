//! One interactive CLI session on a simulated appliance, independent of the
//! transport: input bytes arrive on an mpsc, output leaves as [`Output`]
//! events. The russh server and `serve_stdio` both drive this same code.
//!
//! There is no line discipline on an SSH channel (nor on a raw tty), so the
//! session echoes, edits and splits lines itself, as the appliance does.
//! Prompts, and `tail` following until Ctrl-C: `docs/DEVICES.md`, section
//! "How the devices really behave".

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::asyncos::{Appliance, Command, Fault};

/// What a session asks its transport to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Output {
    Data(Vec<u8>),
    /// Send exit-status, EOF and close the channel (or end the process).
    Exit(u32),
    /// Drop the whole connection without any goodbye (fault injection).
    DropConnection,
}

const CTRL_C: u8 = 0x03;
const BACKSPACE: u8 = 0x08;
const DELETE: u8 = 0x7f;
const ESC: u8 = 0x1b;
/// Longest command line kept; further input is ignored, as on a full tty.
const MAX_LINE: usize = 4096;
/// What AsyncOS shows when output fills the terminal; any key continues
/// and the prompt is wiped with CR, spaces, CR (docs/DEVICES.md, "The
/// pager").
pub(crate) const PAGER: &str = "-Press Any Key For More-";

/// The terminal height a client asked for (its PTY request, then any
/// window-change request), shared between the SSH side and the session.
/// 0: unknown (no PTY), and nothing pages.
pub(crate) type Rows = Arc<AtomicU32>;

/// Whether output paged to its end, or Ctrl-C at the pager stopped it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Paged {
    Shown,
    Interrupted,
}

/// Why a session ended, modelled or replayed.
#[derive(Debug)]
pub(crate) enum End {
    /// The client closed its side, or the connection is gone.
    InputClosed,
    /// The transport no longer takes output.
    OutputClosed,
    /// `exit` / `quit`, or the recording says the host closed the session.
    Exit,
    /// The `DropMidFollow` fault fired, or the recording drops the
    /// connection.
    Dropped,
}

impl End {
    /// What the transport is told last: exit status 0 after `exit` or the
    /// client's own close, a dropped connection, or nothing when it no
    /// longer listens.
    pub(crate) fn last_output(self) -> Option<Output> {
        match self {
            End::Exit | End::InputClosed => Some(Output::Exit(0)),
            End::Dropped => Some(Output::DropConnection),
            End::OutputClosed => None,
        }
    }
}

/// Escape sequences (arrow keys, ...) are swallowed, not echoed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    /// Saw ESC.
    Start,
    /// Inside `ESC [ ...` until a final byte.
    Csi,
}

/// Counts a value up while alive; decrements even if the task is cancelled.
struct Gauge {
    app: Arc<Appliance>,
    field: fn(&mut crate::SimStats) -> &mut usize,
}

impl Gauge {
    fn up(app: &Arc<Appliance>, field: fn(&mut crate::SimStats) -> &mut usize) -> Self {
        app.stats().update(|s| *field(s) += 1);
        Self {
            app: app.clone(),
            field,
        }
    }
}

impl Drop for Gauge {
    fn drop(&mut self) {
        let field = self.field;
        self.app
            .stats()
            .update(|s| *field(s) = field(s).saturating_sub(1));
    }
}

struct Session {
    app: Arc<Appliance>,
    input: mpsc::Receiver<Vec<u8>>,
    pending: VecDeque<u8>,
    out: mpsc::Sender<Output>,
    line: Vec<u8>,
    /// A CR was just taken as Enter, so a following LF is not a second one.
    after_cr: bool,
    escape: Escape,
    executed: usize,
    rows: Rows,
    /// Rows written since the command started or the pager was answered.
    shown: usize,
}

/// Runs one CLI session until the client leaves, `exit`, or a fault ends it.
pub(crate) async fn run_session(
    app: Arc<Appliance>,
    input: mpsc::Receiver<Vec<u8>>,
    out: mpsc::Sender<Output>,
    rows: Rows,
) {
    let _open = Gauge::up(&app, |s| &mut s.sessions_open);
    app.stats().update(|s| s.sessions_opened += 1);
    let mut session = Session {
        app: app.clone(),
        input,
        pending: VecDeque::new(),
        out,
        line: Vec::new(),
        after_cr: false,
        escape: Escape::None,
        executed: 0,
        rows,
        shown: 0,
    };
    if let Some(reply) = session.run().await.last_output() {
        let _ = session.out.send(reply).await;
    }
}

impl Session {
    async fn run(&mut self) -> End {
        match self.interact().await {
            Ok(()) => self.discard_forever().await,
            Err(end) => end,
        }
    }

    /// Banner, then prompt / read / execute. Returns `Ok` when the session
    /// must go silent: `StopAnswering(n)` answers n commands, prompt
    /// included, then echoes and answers nothing more.
    async fn interact(&mut self) -> Result<(), End> {
        let mut banner = String::new();
        for line in self.app.banner() {
            banner.push_str(&line);
            banner.push_str("\r\n");
        }
        banner.push_str("\r\n");
        banner.push_str(&self.app.prompt());
        self.emit(banner.as_bytes()).await?;
        let stop_after = self.app.profile().stop_answering_after();
        if stop_after == Some(0) {
            return Ok(());
        }
        loop {
            let line = self.read_line().await?;
            let command = Command::parse(&line);
            if command == Command::Empty {
                let prompt = self.app.prompt();
                self.emit(prompt.as_bytes()).await?;
                continue;
            }
            self.app.stats().record_command(line.trim());
            self.executed += 1;
            self.execute(&command).await?;
            let prompt = self.app.prompt();
            self.emit(prompt.as_bytes()).await?;
            if stop_after.is_some_and(|n| self.executed >= n) {
                return Ok(());
            }
        }
    }

    async fn execute(&mut self, command: &Command) -> Result<(), End> {
        // The command line itself is on the screen.
        self.shown = 1;
        match command {
            Command::Exit => Err(End::Exit),
            Command::Tail { log } => self.tail(log).await,
            _ => {
                if *command == Command::Version
                    && let Some(mut left) = Fault::flood(&self.app.profile().faults)
                {
                    const CHUNK: usize = 32 * 1024;
                    let chunk = vec![b'x'; CHUNK];
                    while left > 0 {
                        let n = left.min(CHUNK);
                        self.emit(&chunk[..n]).await?;
                        left -= n;
                    }
                }
                let mut text = String::from("\r\n");
                for line in self.app.answer(command) {
                    text.push_str(&line);
                    text.push_str("\r\n");
                }
                text.push_str("\r\n");
                if let Some(delay) = Fault::slow_cli(&self.app.profile().faults) {
                    tokio::time::sleep(delay).await;
                }
                // Ctrl-C at the pager drops the rest; the prompt follows.
                self.emit_paged(&text).await.map(|_| ())
            }
        }
    }

    /// The height output is paged at: the `PagesAt` fault's, or the
    /// terminal's the client asked for; `None` when nothing pages.
    fn page_height(&self) -> Option<usize> {
        let rows = match self.app.profile().pages_at() {
            Some(rows) => rows,
            None => self.rows.load(Ordering::Relaxed),
        };
        usize::try_from(rows).ok().filter(|r| *r > 0)
    }

    /// Writes `text` (CRLF lines) a screenful at a time: when the
    /// terminal is full and more is to come, the pager waits for a key.
    async fn emit_paged(&mut self, text: &str) -> Result<Paged, End> {
        let Some(height) = self.page_height() else {
            self.emit(text.as_bytes()).await?;
            return Ok(Paged::Shown);
        };
        // The last row holds the pager.
        let per_page = height.saturating_sub(1).max(1);
        let mut rest = text;
        while !rest.is_empty() {
            if self.shown >= per_page {
                if self.wait_at_pager().await? == Paged::Interrupted {
                    return Ok(Paged::Interrupted);
                }
                self.shown = 0;
            }
            let mut end = 0;
            while end < rest.len() && self.shown < per_page {
                match rest[end..].find('\n') {
                    Some(i) => {
                        end += i + 1;
                        self.shown += 1;
                    }
                    None => end = rest.len(),
                }
            }
            let (page, tail) = rest.split_at(end);
            self.emit(page.as_bytes()).await?;
            rest = tail;
        }
        Ok(Paged::Shown)
    }

    /// Shows the pager and waits for a key: Ctrl-C stops the output, any
    /// other key wipes the pager and continues.
    async fn wait_at_pager(&mut self) -> Result<Paged, End> {
        self.emit(PAGER.as_bytes()).await?;
        let key = self.next_byte().await?;
        let wipe = format!("\r{}\r", " ".repeat(PAGER.len()));
        self.emit(wipe.as_bytes()).await?;
        Ok(if key == CTRL_C {
            Paged::Interrupted
        } else {
            Paged::Shown
        })
    }

    /// `tail LOG`: the last lines, then every new line, until Ctrl-C.
    async fn tail(&mut self, log: &str) -> Result<(), End> {
        let Some(mut cursor) = self.app.tail_cursor(log) else {
            let text = format!("\r\nUnknown log name: {log}\r\n\r\n");
            return self.emit(text.as_bytes()).await;
        };
        let _following = Gauge::up(&self.app, |s| &mut s.follows_active);
        let drop_at = self
            .app
            .profile()
            .drop_mid_follow()
            .and_then(|d| Instant::now().checked_add(d));
        let mut changed = self.app.subscribe();
        self.after_cr = false;
        self.emit_paged("Press Ctrl-C to stop.\r\n").await?;
        loop {
            // Subscribe before reading, so a line scheduled in between
            // still wakes us.
            changed.borrow_and_update();
            let (lines, next_due) = self.app.read_log(log, &mut cursor);
            if !lines.is_empty() {
                let mut text = String::new();
                for line in lines {
                    text.push_str(&line);
                    text.push_str("\r\n");
                }
                if self.emit_paged(&text).await? == Paged::Interrupted {
                    self.app.stats().update(|s| s.interrupts += 1);
                    return self.emit(b"\r\n").await;
                }
            }
            // Whatever was typed before Ctrl-C is lost, as on the
            // appliance; what follows it is the next command.
            while let Some(byte) = self.pending.pop_front() {
                if byte == CTRL_C {
                    self.app.stats().update(|s| s.interrupts += 1);
                    return self.emit(b"\r\n").await;
                }
            }
            tokio::select! {
                chunk = self.input.recv() => match chunk {
                    Some(bytes) => self.pending.extend(bytes),
                    None => return Err(End::InputClosed),
                },
                _ = changed.changed() => {}
                _ = sleep_until(next_due), if next_due.is_some() => {}
                _ = sleep_until(drop_at), if drop_at.is_some() => return Err(End::Dropped),
            }
        }
    }

    /// Reads and echoes one command line.
    async fn read_line(&mut self) -> Result<String, End> {
        loop {
            let byte = self.next_byte().await?;
            let after_cr = std::mem::replace(&mut self.after_cr, false);
            match self.escape {
                Escape::Start => {
                    self.escape = if byte == b'[' || byte == b'O' {
                        Escape::Csi
                    } else {
                        Escape::None
                    };
                    continue;
                }
                Escape::Csi => {
                    if (0x40..=0x7e).contains(&byte) {
                        self.escape = Escape::None;
                    }
                    continue;
                }
                Escape::None => {}
            }
            match byte {
                b'\r' | b'\n' => {
                    if byte == b'\n' && after_cr {
                        continue;
                    }
                    self.after_cr = byte == b'\r';
                    self.emit(b"\r\n").await?;
                    let line = String::from_utf8_lossy(&self.line).into_owned();
                    self.line.clear();
                    return Ok(line);
                }
                BACKSPACE | DELETE => {
                    if self.line.is_empty() {
                        continue;
                    }
                    // Remove a whole UTF-8 character.
                    while let Some(b) = self.line.pop() {
                        if b & 0xc0 != 0x80 {
                            break;
                        }
                    }
                    self.emit(b"\x08 \x08").await?;
                }
                CTRL_C => {
                    // Abandon the line, fresh prompt.
                    self.line.clear();
                    let text = format!("\r\n{}", self.app.prompt());
                    self.emit(text.as_bytes()).await?;
                }
                ESC => self.escape = Escape::Start,
                b'\t' => {}
                b if b < 0x20 => {}
                b => {
                    if self.line.len() < MAX_LINE {
                        self.line.push(b);
                        self.emit(&[b]).await?;
                    }
                }
            }
        }
    }

    async fn next_byte(&mut self) -> Result<u8, End> {
        loop {
            if let Some(b) = self.pending.pop_front() {
                return Ok(b);
            }
            match self.input.recv().await {
                Some(bytes) => self.pending.extend(bytes),
                None => return Err(End::InputClosed),
            }
        }
    }

    /// `StopAnswering`: keep the connection, read everything, say nothing.
    async fn discard_forever(&mut self) -> End {
        while self.input.recv().await.is_some() {}
        End::InputClosed
    }

    async fn emit(&mut self, bytes: &[u8]) -> Result<(), End> {
        match self.app.profile().trickle() {
            Some(delay) => {
                let start = Instant::now();
                for (i, b) in bytes.iter().enumerate() {
                    // A zero delay still sends every byte as its own packet.
                    // Otherwise byte i is due `i * delay` after the first:
                    // the timer's millisecond floor does not slow a delay
                    // of microseconds to one byte per millisecond.
                    let due = u32::try_from(i)
                        .ok()
                        .and_then(|i| delay.checked_mul(i))
                        .and_then(|d| start.checked_add(d));
                    match due {
                        _ if i == 0 => {}
                        Some(due) if !delay.is_zero() && due > Instant::now() => {
                            tokio::time::sleep_until(due).await;
                        }
                        _ => tokio::task::yield_now().await,
                    }
                    self.send(vec![*b]).await?;
                }
                Ok(())
            }
            None => self.send(bytes.to_vec()).await,
        }
    }

    async fn send(&mut self, bytes: Vec<u8>) -> Result<(), End> {
        self.out
            .send(Output::Data(bytes))
            .await
            .map_err(|_| End::OutputClosed)
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Bytes typed by a client are delivered in chunks of at most this many,
/// and a session buffers at most this many chunks; more is dropped, like a
/// full tty input queue.
pub(crate) const INPUT_CHUNKS: usize = 256;
pub(crate) const OUTPUT_CHUNKS: usize = 64;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::asyncos::{AsyncOsProfile, Fault, UpdateBehaviour};
    use std::time::Duration;

    struct Harness {
        app: Arc<Appliance>,
        input: mpsc::Sender<Vec<u8>>,
        out: mpsc::Receiver<Output>,
        seen: Vec<u8>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Harness {
        fn start(profile: AsyncOsProfile) -> Self {
            let app = Arc::new(Appliance::new(profile));
            let (input, in_rx) = mpsc::channel(INPUT_CHUNKS);
            let (out_tx, out) = mpsc::channel(OUTPUT_CHUNKS);
            let task = tokio::spawn(run_session(app.clone(), in_rx, out_tx, Rows::default()));
            Self {
                app,
                input,
                out,
                seen: Vec::new(),
                task,
            }
        }

        async fn send(&self, bytes: &[u8]) {
            self.input.send(bytes.to_vec()).await.unwrap();
        }

        /// Output until `needle` appears (consumed), or panics after 5 s.
        async fn until(&mut self, needle: &str) -> String {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                let text = String::from_utf8_lossy(&self.seen).into_owned();
                let found = self
                    .seen
                    .windows(needle.len())
                    .position(|w| w == needle.as_bytes());
                if let Some(at) = found {
                    let taken: Vec<u8> = self.seen.drain(..at + needle.len()).collect();
                    return String::from_utf8_lossy(&taken).into_owned();
                }
                match tokio::time::timeout_at(deadline, self.out.recv()).await {
                    Ok(Some(Output::Data(b))) => self.seen.extend(b),
                    other => panic!("waiting for {needle:?}, got {other:?}; seen {text:?}"),
                }
            }
        }

        async fn quiet_for(&mut self, d: Duration) -> bool {
            tokio::time::timeout(d, self.out.recv()).await.is_err()
        }
    }

    const PROMPT: &str = "esa01.example.com> ";
    /// Long enough for a session to have answered, were it going to.
    const SETTLE: Duration = Duration::from_millis(20);

    #[tokio::test]
    async fn banner_echo_and_crlf() {
        let mut h = Harness::start(AsyncOsProfile::healthy("esa01.example.com"));
        let banner = h.until(PROMPT).await;
        assert!(banner.starts_with("Copyright (c) 2001-2025, Cisco Systems"));
        assert!(banner.contains("\r\nAsyncOS 15.0.1 for Cisco C300V build 012\r\n"));
        h.send(b"versiom\x7fn\r\n").await;
        let out = h.until(PROMPT).await;
        assert!(out.starts_with("versiom\x08 \x08n\r\n"), "{out:?}");
        assert!(out.contains("\r\nVersion: 15.0.1-012\r\n"), "{out:?}");
        // The LF of CRLF is not a second, empty command.
        assert!(h.quiet_for(SETTLE).await);
        h.send(b"\n").await;
        assert_eq!(h.until(PROMPT).await, format!("\r\n{PROMPT}"));
        h.send(b"frobnicate\r").await;
        let out = h.until(PROMPT).await;
        assert!(out.contains("Unknown command or missing feature key: frobnicate\r\n"));
        assert_eq!(h.app.stats().snapshot().commands, ["version", "frobnicate"]);
    }

    #[tokio::test]
    async fn arrow_keys_and_controls_are_not_echoed() {
        let mut h = Harness::start(AsyncOsProfile::healthy("esa01.example.com"));
        h.until(PROMPT).await;
        h.send(b"sta\x1b[A\x01tus\r").await;
        let out = h.until(PROMPT).await;
        assert!(out.starts_with("status\r\n"), "{out:?}");
        assert!(out.contains("System status:                 Online"));
    }

    #[tokio::test]
    async fn tail_follows_until_ctrl_c() {
        let mut profile = AsyncOsProfile::broken("esa01.example.com");
        profile.update = UpdateBehaviour::CompletesAfter(Duration::from_millis(200));
        let mut h = Harness::start(profile);
        h.until(PROMPT).await;
        h.send(b"ecupdate force\r").await;
        h.until("Requesting forced update of Enrollment Client.\r\n")
            .await;
        h.until(PROMPT).await;
        h.send(b"tail updater_logs\r").await;
        h.until("Press Ctrl-C to stop.\r\n").await;
        assert_eq!(h.app.stats().snapshot().follows_active, 1);
        h.until("Info: enrollment_client update completed\r\n")
            .await;
        h.until("waiting for new updates\r\n").await;
        // Typed-ahead command after Ctrl-C runs once the tail stops.
        h.send(b"\x03version\r").await;
        assert_eq!(h.until(PROMPT).await, format!("\r\n{PROMPT}"));
        h.until("Version: 15.0.1-012").await;
        h.until(PROMPT).await;
        let stats = h.app.stats().snapshot();
        assert_eq!(stats.follows_active, 0);
        assert_eq!(stats.interrupts, 1);
        assert_eq!(stats.forced_updates, 1);
        h.send(b"tail ecs\r").await;
        h.until("Info: ECS: Device registration successful.\r\n")
            .await;
        h.send(b"\x03exit\r").await;
        h.until(PROMPT).await;
        h.until("exit\r\n").await;
        assert_eq!(h.out.recv().await, Some(Output::Exit(0)));
        h.task.await.unwrap();
        assert_eq!(h.app.stats().snapshot().sessions_open, 0);
        assert_eq!(h.app.stats().snapshot().sessions_opened, 1);
    }

    #[tokio::test]
    async fn long_output_waits_at_the_pager_for_a_key() {
        let mut h = Harness::start(
            AsyncOsProfile::broken("esa01.example.com").with_fault(Fault::PagesAt(24)),
        );
        h.until(PROMPT).await;
        h.send(b"status\r").await;
        let page = h.until(PAGER).await;
        // The command row, then 22 more: the 24th row is the pager's.
        assert_eq!(page.matches("\r\n").count(), 23, "{page:?}");
        assert!(h.quiet_for(SETTLE).await);
        h.send(b" ").await;
        let wipe = format!("\r{}\r", " ".repeat(PAGER.len()));
        h.until(&wipe).await;
        h.until(PAGER).await;
        // Any key: here, not the space.
        h.send(b"x").await;
        let end = h.until(PROMPT).await;
        assert!(end.contains("Policy, Virus and Outbreak"), "{end:?}");
        // Ctrl-C at the pager drops the rest of the output.
        h.send(b"status\r").await;
        h.until(PAGER).await;
        h.send(b"\x03").await;
        let end = h.until(PROMPT).await;
        assert!(!end.contains("Gauges:"), "{end:?}");
        assert_eq!(h.app.stats().snapshot().commands, ["status", "status"]);
    }

    #[tokio::test]
    async fn the_terminal_height_asked_for_decides_the_paging() {
        let app = Arc::new(Appliance::new(AsyncOsProfile::healthy("esa01.example.com")));
        let (input, in_rx) = mpsc::channel(INPUT_CHUNKS);
        let (out_tx, mut out) = mpsc::channel(OUTPUT_CHUNKS);
        let rows = Rows::new(AtomicU32::new(500));
        tokio::spawn(run_session(app, in_rx, out_tx, rows.clone()));
        let mut seen = String::new();
        let mut read_until = async |needle: &str, seen: &mut String| {
            while !seen.contains(needle) {
                match tokio::time::timeout(Duration::from_secs(5), out.recv()).await {
                    Ok(Some(Output::Data(b))) => seen.push_str(&String::from_utf8_lossy(&b)),
                    other => panic!("waiting for {needle:?}: {other:?}; seen {seen:?}"),
                }
            }
        };
        read_until(PROMPT, &mut seen).await;
        seen.clear();
        input.send(b"status\r".to_vec()).await.unwrap();
        read_until("Gauges:", &mut seen).await;
        read_until(PROMPT, &mut seen).await;
        assert!(!seen.contains(PAGER));
        // A window-change request to 30 rows: now it pages.
        rows.store(30, Ordering::Relaxed);
        seen.clear();
        input.send(b"status\r".to_vec()).await.unwrap();
        read_until(PAGER, &mut seen).await;
        assert!(!seen.contains("Gauges:"));
    }

    #[tokio::test]
    async fn a_tail_backlog_taller_than_the_terminal_is_paged() {
        let mut h = Harness::start(
            AsyncOsProfile::broken("esa01.example.com").with_fault(Fault::PagesAt(8)),
        );
        h.until(PROMPT).await;
        h.send(b"tail ecs\r").await;
        let page = h.until(PAGER).await;
        assert!(page.contains("Press Ctrl-C to stop."), "{page:?}");
        h.send(b" ").await;
        h.until("Invalid Certificate.\r\n").await;
        h.send(b"\x03").await;
        h.until(PROMPT).await;
        assert_eq!(h.app.stats().snapshot().interrupts, 1);
    }

    #[tokio::test]
    async fn tail_of_unknown_log() {
        let mut h = Harness::start(AsyncOsProfile::healthy("esa01.example.com"));
        h.until(PROMPT).await;
        h.send(b"tail nope\r").await;
        assert!(h.until(PROMPT).await.contains("Unknown log name: nope"));
        assert_eq!(h.app.stats().snapshot().follows_active, 0);
    }

    #[tokio::test]
    async fn drop_mid_follow() {
        let profile = AsyncOsProfile::broken("esa01.example.com")
            .with_fault(Fault::DropMidFollow(Duration::from_millis(100)));
        let mut h = Harness::start(profile);
        h.until(PROMPT).await;
        h.send(b"version\r").await;
        h.until(PROMPT).await;
        h.send(b"tail ecs\r").await;
        h.until("Invalid Certificate.\r\n").await;
        assert_eq!(h.out.recv().await, Some(Output::DropConnection));
        assert_eq!(h.app.stats().snapshot().follows_active, 0);
    }

    #[tokio::test]
    async fn stop_answering_after_n_commands() {
        let profile =
            AsyncOsProfile::broken("esa01.example.com").with_fault(Fault::StopAnswering(1));
        let mut h = Harness::start(profile);
        h.until(PROMPT).await;
        h.send(b"version\r").await;
        h.until("BMC: NA\r\n\r\n").await;
        h.until(PROMPT).await;
        h.send(b"status\r").await;
        assert!(h.quiet_for(Duration::from_millis(100)).await);
        assert_eq!(h.app.stats().snapshot().commands, ["version"]);
        // Still reading: the input side never fills up.
        for _ in 0..(INPUT_CHUNKS * 2) {
            h.send(b"x").await;
        }
        drop(h.input);
        assert_eq!(h.out.recv().await, Some(Output::Exit(0)));
    }

    #[tokio::test]
    async fn trickle_writes_one_byte_at_a_time() {
        let profile = AsyncOsProfile::healthy("esa01.example.com")
            .with_fault(Fault::Trickle(Duration::from_millis(1)));
        let mut h = Harness::start(profile);
        for _ in 0..20 {
            match h.out.recv().await {
                Some(Output::Data(b)) => assert_eq!(b.len(), 1),
                other => panic!("{other:?}"),
            }
        }
    }

    #[tokio::test]
    async fn overlong_lines_and_binary_noise_do_not_break_the_shell() {
        let mut h = Harness::start(AsyncOsProfile::healthy("esa01.example.com"));
        h.until(PROMPT).await;
        let noise: Vec<u8> = (0..=255u8)
            .cycle()
            .take(MAX_LINE * 2)
            .filter(|b| *b != b'\r' && *b != b'\n' && *b != CTRL_C)
            .collect();
        h.send(&noise).await;
        h.send(b"\r").await;
        let out = h.until(PROMPT).await;
        assert!(out.contains("Unknown command or missing feature key:"));
        h.send(b"version\r").await;
        assert!(h.until(PROMPT).await.contains("Version: 15.0.1-012"));
    }
}
