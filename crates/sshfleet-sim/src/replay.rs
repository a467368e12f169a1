//! A replayed host: a recording of a real session (`sshfleet run --record`,
//! the `sshfleet-recording` format) served as a simulated host. Its
//! behaviour comes from the recording, not from our reading of documents:
//! each recorded command is answered with the recorded text at the
//! recorded pace, a follow runs until the client's Ctrl-C and then answers
//! as the device did, a pager waits for its key, and an exec request gets
//! the recorded stdout, stderr and exit status.
//!
//! A command asked for more often than it was recorded gets its
//! recordings in order, then the last one again (a playbook that polls
//! `AmpCLI posture` sees the version move as it did). A command never
//! recorded gets the device's own answer to unknown commands when the
//! recording holds one, else the documented default of its kind
//! (docs/DEVICES.md: AsyncOS `Unknown command ...`; cmd.exe's `'WORD' is
//! not recognized as an internal or external command,`).
//!
//! Times move: every stamp of the recording's timestamp pattern and every
//! reading of its clock is shifted by (now − recorded clock), so a
//! playbook judging freshness judges the replay as it judged the original
//! ([`sshfleet_recording::Shift`]). The simulator's faults apply on top.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::ChannelId;
use russh::server::Handle;
use sshfleet_recording::{CTRL_C, Event, Mode, Recording, Shift, Start, Timed};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::asyncos::Fault;
use crate::shell::{End, Output};
use crate::{StatsCell, lock};

/// A recording to serve, and the faults to add.
#[derive(Debug, Clone)]
pub struct ReplayProfile {
    /// The host name, the recording's own.
    pub hostname: String,
    pub recording: Arc<Recording>,
    /// Of the simulator's faults, `DropMidFollow`, `StopAnswering` and
    /// `Trickle` apply to a replayed host.
    pub faults: Vec<Fault>,
}

impl ReplayProfile {
    pub fn new(recording: Recording) -> Self {
        Self {
            hostname: recording.header.host.clone(),
            recording: Arc::new(recording),
            faults: Vec::new(),
        }
    }

    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// A PTY shell (AsyncOS) or exec requests (OpenSSH for Windows).
    pub fn mode(&self) -> Mode {
        self.recording.header.mode
    }
}

/// A recorded answer: its events, ready to play (stamps whole in one
/// chunk), and whether it was followed.
#[derive(Debug)]
struct Answer {
    follow: bool,
    events: Vec<Timed>,
}

/// One replayed host, shared by its connections.
#[derive(Debug)]
pub(crate) struct Replayed {
    profile: ReplayProfile,
    shift: Option<Shift>,
    stats: StatsCell,
    login: Vec<Timed>,
    /// Each command's recordings, in the order they were made.
    answers: HashMap<String, Vec<Arc<Answer>>>,
    /// How many times each command was answered so far.
    asked: Mutex<HashMap<String, usize>>,
    prompt: String,
    /// The device's answer to an unknown command, `{}` for the command.
    unknown: Option<String>,
}

const PLACEHOLDER: &str = "{}";

impl Replayed {
    pub(crate) fn new(profile: ReplayProfile) -> Self {
        let recording = profile.recording.clone();
        // The appliance's clock, like the simulator's, reads UTC.
        let shift = Shift::to_now(&recording.header, chrono::Utc::now().naive_utc());
        let ready = |events: &[Timed]| match &shift {
            Some(shift) => shift.regroup(events.to_vec()),
            None => events.to_vec(),
        };
        let mut login = None;
        let mut answers: HashMap<String, Vec<Arc<Answer>>> = HashMap::new();
        let mut unknown = None;
        for exchange in &recording.exchanges {
            match &exchange.start {
                Start::Login => {
                    login.get_or_insert_with(|| ready(&exchange.events));
                }
                Start::Command { command, follow } => {
                    unknown = unknown.or_else(|| unknown_template(command, &exchange.events));
                    answers
                        .entry(command.trim().to_string())
                        .or_default()
                        .push(Arc::new(Answer {
                            follow: *follow,
                            events: ready(&exchange.events),
                        }));
                }
                Start::Exec { command } => {
                    answers
                        .entry(command.trim().to_string())
                        .or_default()
                        .push(Arc::new(Answer {
                            follow: false,
                            events: ready(&exchange.events),
                        }));
                }
            }
        }
        let login = login.unwrap_or_default();
        let prompt = last_line(&login).unwrap_or_else(|| format!("{}> ", profile.hostname));
        Self {
            profile,
            shift,
            stats: StatsCell::default(),
            login,
            answers,
            asked: Mutex::new(HashMap::new()),
            prompt,
            unknown,
        }
    }

    pub(crate) fn profile(&self) -> &ReplayProfile {
        &self.profile
    }

    pub(crate) fn stats(&self) -> &StatsCell {
        &self.stats
    }

    /// The next recorded answer to `command`: each recording in turn, then
    /// the last one again.
    fn answer(&self, command: &str) -> Option<Arc<Answer>> {
        let recorded = self.answers.get(command)?;
        let mut asked = lock(&self.asked);
        let n = asked.entry(command.to_string()).or_default();
        let answer = recorded.get(*n).or_else(|| recorded.last()).cloned();
        *n += 1;
        answer
    }

    /// The recorded command an exec request runs: the request itself, or
    /// a line of the PowerShell script it encodes.
    fn exec_command(&self, request: &str) -> Option<String> {
        let request = request.trim();
        if self.answers.contains_key(request) {
            return Some(request.to_string());
        }
        // The longest recorded command the script runs: one command may
        // begin another (`posture` and `posture -v`), and may span lines.
        let script = encoded_script(request)?;
        self.answers
            .keys()
            .filter(|command| script.contains(command.as_str()))
            .max_by_key(|command| command.len())
            .cloned()
    }

    fn shifted(&self, text: &str) -> String {
        match &self.shift {
            Some(shift) => shift.apply(text),
            None => text.to_string(),
        }
    }

    fn faults(&self) -> &[Fault] {
        &self.profile.faults
    }
}

/// The script of `powershell.exe ... -EncodedCommand BASE64`.
fn encoded_script(request: &str) -> Option<String> {
    let (_, encoded) = request.split_once("-EncodedCommand ")?;
    crate::windows::decode_script(encoded.split_whitespace().next()?)
}

/// The device's own line for an unknown command, if this exchange is one:
/// a line naming the command and saying `Unknown command`.
fn unknown_template(command: &str, events: &[Timed]) -> Option<String> {
    let command = command.trim();
    if command.is_empty() {
        return None;
    }
    let text: String = events
        .iter()
        .filter_map(|t| match &t.event {
            Event::Out(text) => Some(text.as_str()),
            _ => None,
        })
        .collect();
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .find(|l| l.contains("Unknown command") && l.contains(command))
        .map(|l| l.replacen(command, PLACEHOLDER, 1))
}

/// The last, unterminated line of the recorded output: the prompt.
fn last_line(events: &[Timed]) -> Option<String> {
    let text: String = events
        .iter()
        .filter_map(|t| match &t.event {
            Event::Out(text) => Some(text.as_str()),
            _ => None,
        })
        .collect();
    let last = text.rsplit('\n').next()?;
    let last = last.rsplit('\r').next().unwrap_or(last);
    (!last.is_empty()).then(|| last.to_string())
}

/// A shell session on a replayed host until the client leaves, the
/// recording ends it, or a fault does.
pub(crate) async fn run_shell(
    host: Arc<Replayed>,
    input: mpsc::Receiver<Vec<u8>>,
    out: mpsc::Sender<Output>,
) {
    host.stats.update(|s| {
        s.sessions_opened += 1;
        s.sessions_open += 1;
    });
    let mut session = Session {
        host: host.clone(),
        input,
        pending: VecDeque::new(),
        out,
        after_cr: false,
        answered: 0,
    };
    if let Some(reply) = session.run().await.last_output() {
        let _ = session.out.send(reply).await;
    }
    host.stats
        .update(|s| s.sessions_open = s.sessions_open.saturating_sub(1));
}

struct Session {
    host: Arc<Replayed>,
    input: mpsc::Receiver<Vec<u8>>,
    pending: VecDeque<u8>,
    out: mpsc::Sender<Output>,
    after_cr: bool,
    answered: usize,
}

impl Session {
    async fn run(&mut self) -> End {
        match self.interact().await {
            Ok(()) => {
                // `StopAnswering`: read everything, say nothing.
                while self.input.recv().await.is_some() {}
                End::InputClosed
            }
            Err(end) => end,
        }
    }

    async fn interact(&mut self) -> Result<(), End> {
        let host = self.host.clone();
        if host.login.is_empty() {
            let prompt = host.prompt.clone();
            self.emit(&prompt).await?;
        } else {
            self.play(&host.login, false).await?;
        }
        let stop_after = Fault::stop_answering_after(host.faults());
        if stop_after == Some(0) {
            return Ok(());
        }
        loop {
            let line = self.read_line().await?;
            let command = line.trim();
            if command.is_empty() {
                let text = format!("{line}\r\n{}", host.prompt);
                self.emit(&text).await?;
                continue;
            }
            host.stats.record_command(command);
            self.answered += 1;
            match host.answer(command) {
                Some(answer) => {
                    if answer.follow {
                        host.stats.update(|s| s.follows_active += 1);
                    }
                    let played = self.play(&answer.events, answer.follow).await;
                    if answer.follow {
                        host.stats
                            .update(|s| s.follows_active = s.follows_active.saturating_sub(1));
                    }
                    played?;
                }
                None => {
                    let message = match &host.unknown {
                        Some(template) => template.replacen(PLACEHOLDER, command, 1),
                        None => format!("Unknown command or missing feature key: {command}"),
                    };
                    let text = format!("{line}\r\n\r\n{message}\r\n\r\n{}", host.prompt);
                    self.emit(&text).await?;
                }
            }
            if stop_after.is_some_and(|n| self.answered >= n) {
                return Ok(());
            }
        }
    }

    /// Play recorded events at their pace. A key in the recording waits
    /// for the client's: Ctrl-C for Ctrl-C (a follow goes on until it
    /// comes, and one that comes early skips to it), any key for a pager.
    async fn play(&mut self, events: &[Timed], follow: bool) -> Result<(), End> {
        let start = Instant::now();
        // Events are due relative to the last key waited for: (when it
        // came, its recorded time).
        let mut anchor = (start, 0u64);
        let drop_at = if follow {
            Fault::drop_mid_follow(self.host.faults()).and_then(|d| start.checked_add(d))
        } else {
            None
        };
        let interrupt_at = events
            .iter()
            .position(|t| matches!(&t.event, Event::Key(k) if k == CTRL_C));
        let mut index = 0;
        while let Some(timed) = events.get(index) {
            index += 1;
            let due = anchor.0 + Duration::from_millis(timed.ms.saturating_sub(anchor.1));
            match &timed.event {
                Event::Out(text) | Event::Err(text) => {
                    let interrupted = self
                        .wait_until(due, follow && interrupt_at.is_some(), drop_at)
                        .await?;
                    if interrupted && let Some(at) = interrupt_at {
                        // The client stopped the follow early: what the
                        // device said after Ctrl-C comes now.
                        index = at + 1;
                        anchor = (Instant::now(), events.get(at).map_or(0, |t| t.ms));
                        continue;
                    }
                    let text = self.host.shifted(text);
                    self.emit(&text).await?;
                }
                Event::Key(key) if key == CTRL_C => {
                    self.wait_for_key(Some(CTRL_C_BYTE), drop_at).await?;
                    anchor = (Instant::now(), timed.ms);
                }
                Event::Key(_) => {
                    self.wait_for_key(None, drop_at).await?;
                    anchor = (Instant::now(), timed.ms);
                }
                Event::ExitStatus(_) => {}
                Event::Closed => return Err(if follow { End::Dropped } else { End::Exit }),
            }
        }
        Ok(())
    }

    /// Wait until `due`; `true` when Ctrl-C came first and `interruptible`.
    async fn wait_until(
        &mut self,
        due: Instant,
        interruptible: bool,
        drop_at: Option<Instant>,
    ) -> Result<bool, End> {
        loop {
            if interruptible && self.take_ctrl_c() {
                return Ok(true);
            }
            if Instant::now() >= due {
                return Ok(false);
            }
            tokio::select! {
                () = tokio::time::sleep_until(due) => return Ok(false),
                chunk = self.input.recv(), if interruptible => match chunk {
                    Some(bytes) => self.pending.extend(bytes),
                    None => return Err(End::InputClosed),
                },
                () = sleep_until(drop_at), if drop_at.is_some() => return Err(End::Dropped),
            }
        }
    }

    /// Whether Ctrl-C is among the bytes typed; what came before it is
    /// lost, as on the appliance.
    fn take_ctrl_c(&mut self) -> bool {
        match self.pending.iter().position(|b| *b == CTRL_C_BYTE) {
            Some(at) => {
                self.pending.drain(..=at);
                true
            }
            None => false,
        }
    }

    /// Wait for `key` (any key when `None`).
    async fn wait_for_key(&mut self, key: Option<u8>, drop_at: Option<Instant>) -> Result<(), End> {
        loop {
            match key {
                Some(_) if self.take_ctrl_c() => return Ok(()),
                None if self.pending.pop_front().is_some() => return Ok(()),
                _ => {}
            }
            tokio::select! {
                chunk = self.input.recv() => match chunk {
                    Some(bytes) => self.pending.extend(bytes),
                    None => return Err(End::InputClosed),
                },
                () = sleep_until(drop_at), if drop_at.is_some() => return Err(End::Dropped),
            }
        }
    }

    /// One command line, as typed (the recording holds the device's echo).
    async fn read_line(&mut self) -> Result<String, End> {
        let mut line = Vec::new();
        loop {
            let byte = match self.pending.pop_front() {
                Some(b) => b,
                None => match self.input.recv().await {
                    Some(bytes) => {
                        self.pending.extend(bytes);
                        continue;
                    }
                    None => return Err(End::InputClosed),
                },
            };
            let after_cr = std::mem::replace(&mut self.after_cr, false);
            match byte {
                b'\n' if after_cr => {}
                b'\r' | b'\n' => {
                    self.after_cr = byte == b'\r';
                    return Ok(String::from_utf8_lossy(&line).into_owned());
                }
                CTRL_C_BYTE => line.clear(),
                b if b < 0x20 => {}
                b => line.push(b),
            }
        }
    }

    async fn emit(&mut self, text: &str) -> Result<(), End> {
        match Fault::trickle(self.host.faults()) {
            Some(delay) => {
                for byte in text.bytes() {
                    if delay.is_zero() {
                        tokio::task::yield_now().await;
                    } else {
                        tokio::time::sleep(delay).await;
                    }
                    self.send(vec![byte]).await?;
                }
                Ok(())
            }
            None => self.send(text.as_bytes().to_vec()).await,
        }
    }

    async fn send(&mut self, bytes: Vec<u8>) -> Result<(), End> {
        self.out
            .send(Output::Data(bytes))
            .await
            .map_err(|_| End::OutputClosed)
    }
}

const CTRL_C_BYTE: u8 = 0x03;

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// What to write for one exec request, as the recording says.
pub(crate) struct ExecReply {
    events: Vec<Timed>,
}

impl Replayed {
    /// The answer to exec request `request`: the recorded one, or what
    /// the default shell says of a program it cannot find.
    pub(crate) fn exec(&self, request: &str) -> ExecReply {
        self.stats.record_command(request.trim());
        if let Some(answer) = self
            .exec_command(request)
            .and_then(|command| self.answer(&command))
        {
            return ExecReply {
                events: answer.events.clone(),
            };
        }
        let message = match encoded_script(request) {
            // The script's first statement names what PowerShell ran.
            Some(script) => {
                let word = script
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty() && !l.starts_with('$'))
                    .and_then(|l| l.split_whitespace().next())
                    .unwrap_or_default()
                    .to_string();
                format!(
                    "{word} : The term '{word}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.\r\n"
                )
            }
            None => {
                let word = request.split_whitespace().next().unwrap_or_default();
                format!(
                    "'{word}' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
                )
            }
        };
        ExecReply {
            events: vec![
                Timed {
                    ms: 0,
                    event: Event::Err(message),
                },
                Timed {
                    ms: 0,
                    event: Event::ExitStatus(1),
                },
            ],
        }
    }
}

/// Answer one exec request on a replayed host at the recorded pace:
/// stdout, stderr (extended data 1), the exit status, then EOF and close.
/// Returns whether the channel was closed.
pub(crate) async fn answer_exec(
    host: Arc<Replayed>,
    request: String,
    handle: Handle,
    channel: ChannelId,
) -> bool {
    host.stats.update(|s| {
        s.sessions_opened += 1;
        s.sessions_open += 1;
    });
    let reply = host.exec(&request);
    let trickle = Fault::trickle(host.faults());
    let start = Instant::now();
    let mut sent = true;
    for timed in &reply.events {
        tokio::time::sleep_until(start + Duration::from_millis(timed.ms)).await;
        let (ext, text) = match &timed.event {
            Event::Out(text) => (None, text),
            Event::Err(text) => (Some(1), text),
            Event::ExitStatus(status) => {
                let _ = handle.exit_status_request(channel, *status).await;
                continue;
            }
            Event::Key(_) | Event::Closed => continue,
        };
        let text = host.shifted(text).into_bytes();
        if !crate::channel::send(&handle, channel, ext, text, trickle).await {
            sent = false;
            break;
        }
    }
    if sent {
        let _ = handle.eof(channel).await;
        let _ = handle.close(channel).await;
    }
    host.stats
        .update(|s| s.sessions_open = s.sessions_open.saturating_sub(1));
    sent
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use sshfleet_recording::{Clock, Exchange, Header, Pty, Timestamps, VERSION};

    fn out(ms: u64, text: &str) -> Timed {
        Timed {
            ms,
            event: Event::Out(text.to_string()),
        }
    }

    fn command(command: &str, follow: bool, events: Vec<Timed>) -> Exchange {
        Exchange {
            start: Start::Command {
                command: command.to_string(),
                follow,
            },
            events,
        }
    }

    const FORMAT: &str = "%a %b %e %H:%M:%S %Y";

    fn recording() -> Recording {
        let key = |ms| Timed {
            ms,
            event: Event::Key(CTRL_C.to_string()),
        };
        Recording {
            header: Header {
                sshfleet_recording: VERSION,
                host: "esa01.example.com".to_string(),
                mode: Mode::Shell,
                pty: Some(Pty {
                    term: "vt100".to_string(),
                    cols: 511,
                    rows: 10_000,
                }),
                exec_shell: None,
                playbook: "esa-ecupdate".to_string(),
                recorded_at: chrono::Utc::now(),
                clock: Some(Clock {
                    fact: "appliance_clock".to_string(),
                    text: "Tue May 20 11:26:55 2025".to_string(),
                    format: FORMAT.to_string(),
                }),
                timestamps: Some(Timestamps {
                    pattern:
                        r"^(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}) "
                            .to_string(),
                    format: FORMAT.to_string(),
                }),
                vars: Default::default(),
                outcome: None,
                check_mode: false,
            },
            exchanges: vec![
                Exchange {
                    start: Start::Login,
                    events: vec![out(5, "Welcome\r\n\r\nesa01> ")],
                },
                command(
                    "status",
                    false,
                    vec![out(
                        2,
                        "status\r\n\r\nStatus as of: Tue May 20 11:26:55 2025\r\n\r\nesa01> ",
                    )],
                ),
                command(
                    "frob",
                    false,
                    vec![out(
                        2,
                        "frob\r\n\r\nUnknown command or missing feature key: frob\r\n\r\nesa01> ",
                    )],
                ),
                command(
                    "tail ecs",
                    true,
                    vec![
                        out(1, "tail ecs\r\nPress Ctrl-C to stop.\r\nTue May 20 11:2"),
                        out(2, "0:01 2025 Info: first\r\n"),
                        out(60_000, "Tue May 20 11:27:55 2025 Info: much later\r\n"),
                        key(61_000),
                        out(61_001, "\r\nesa01> "),
                    ],
                ),
                command(
                    "tail ecs",
                    true,
                    vec![
                        out(1, "tail ecs\r\nsecond\r\n"),
                        key(10),
                        out(11, "\r\nesa01> "),
                    ],
                ),
            ],
        }
    }

    struct Harness {
        input: mpsc::Sender<Vec<u8>>,
        out: mpsc::Receiver<Output>,
        seen: String,
    }

    impl Harness {
        fn start(profile: ReplayProfile) -> Self {
            let host = Arc::new(Replayed::new(profile));
            let (input, in_rx) = mpsc::channel(64);
            let (out_tx, out) = mpsc::channel(64);
            tokio::spawn(run_shell(host, in_rx, out_tx));
            Self {
                input,
                out,
                seen: String::new(),
            }
        }

        async fn until(&mut self, needle: &str) -> String {
            loop {
                if let Some(at) = self.seen.find(needle) {
                    let taken: String = self.seen.drain(..at + needle.len()).collect();
                    return taken;
                }
                match tokio::time::timeout(Duration::from_secs(5), self.out.recv()).await {
                    Ok(Some(Output::Data(b))) => self.seen.push_str(&String::from_utf8_lossy(&b)),
                    other => panic!("waiting for {needle:?}: {other:?}; seen {:?}", self.seen),
                }
            }
        }

        async fn send(&self, text: &str) {
            self.input.send(text.as_bytes().to_vec()).await.unwrap();
        }
    }

    fn now_year() -> String {
        chrono::Utc::now().format("%Y").to_string()
    }

    #[tokio::test]
    async fn commands_are_answered_as_recorded_with_times_moved_to_now() {
        let mut h = Harness::start(ReplayProfile::new(recording()));
        assert!(h.until("esa01> ").await.starts_with("Welcome"));
        h.send("status\r\n").await;
        let status = h.until("esa01> ").await;
        assert!(!status.contains("2025"), "{status}");
        assert!(status.contains(&now_year()), "{status}");
        // Unknown: the device's own words from the recording.
        h.send("show me\n").await;
        let unknown = h.until("esa01> ").await;
        assert!(
            unknown.contains("Unknown command or missing feature key: show me\r\n"),
            "{unknown}"
        );
        // A follow stopped early skips to what came after Ctrl-C; the
        // stamp split across chunks arrives whole and moved.
        h.send("tail ecs\n").await;
        let first = h.until("Info: first\r\n").await;
        assert!(
            first.contains(&format!("{} Info: first", now_year())),
            "{first}"
        );
        h.send("\x03").await;
        let rest = h.until("esa01> ").await;
        assert!(!rest.contains("much later"), "{rest}");
        // The second recording of the same command, then the last again.
        h.send("tail ecs\n").await;
        h.until("second\r\n").await;
        h.send("\x03").await;
        h.until("esa01> ").await;
        h.send("tail ecs\n").await;
        h.until("second\r\n").await;
    }

    #[tokio::test]
    async fn drop_mid_follow_drops_a_replayed_follow() {
        let profile = ReplayProfile::new(recording())
            .with_fault(Fault::DropMidFollow(Duration::from_millis(50)));
        let mut h = Harness::start(profile);
        h.until("esa01> ").await;
        h.send("tail ecs\n").await;
        h.until("Info: first\r\n").await;
        loop {
            match h.out.recv().await {
                Some(Output::DropConnection) => break,
                Some(Output::Data(_)) => {}
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn exec_requests_find_their_command_in_an_encoded_script() {
        use base64::Engine as _;
        let mut r = recording();
        r.header.mode = Mode::Exec;
        r.exchanges = vec![Exchange {
            start: Start::Exec {
                command: "Get-Thing -Name x".to_string(),
            },
            events: vec![
                out(1, "thing\r\n"),
                Timed {
                    ms: 2,
                    event: Event::ExitStatus(0),
                },
            ],
        }];
        let host = Replayed::new(ReplayProfile::new(r));
        let script =
            "$ProgressPreference = 'SilentlyContinue'\nGet-Thing -Name x\nexit $LASTEXITCODE";
        let bytes: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let request = format!(
            "powershell.exe -NoProfile -EncodedCommand {}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        );
        assert_eq!(host.exec(&request).events.len(), 2);
        let unknown = host.exec("frobnicate /all");
        assert_eq!(
            unknown.events[0].event,
            Event::Err(
                "'frobnicate' is not recognized as an internal or external command,\r\noperable program or batch file.\r\n"
                    .to_string()
            )
        );
        assert_eq!(unknown.events[1].event, Event::ExitStatus(1));
    }
}
