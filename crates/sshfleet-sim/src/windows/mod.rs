//! A Windows endpoint running the Cisco Secure Endpoint connector, reached
//! over OpenSSH for Windows, with the TETRA definition update failures of
//! the TAC article (`docs/DEVICES.md`, section "The Secure Endpoint
//! procedure": posture, `-forceupdate`, the DNS, curl and proxy checks and
//! their error codes). How OpenSSH for Windows, cmd.exe and PowerShell
//! answer exec requests is in section "How the devices really behave".
//!
//! Every command arrives as an SSH exec request (no PTY), so there is no
//! prompt and no session: `Endpoint::run` answers one command line with
//! its stdout, stderr and exit status, as the endpoint's default shell
//! ([`DefaultShell`]) runs it: cmd.exe (`cmd.exe /c LINE`, as Windows
//! ships) or PowerShell (`powershell.exe -c LINE`). Either can start
//! `powershell.exe -Command` / `-EncodedCommand`. PowerShell, `curl.exe`
//! and cmd.exe write errors and curl's `-v` transcript to stderr;
//! PowerShell started with `-EncodedCommand` writes its error and progress
//! records there as CLIXML. Lines end in CRLF.

mod shells;

pub(crate) use shells::decode_script;
use shells::*;

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::asyncos::Fault;
use crate::{Expected, StatsCell, lock};

/// Where the connector is installed; one folder per connector version.
pub const AMP_DIR: &str = r"C:\Program Files\Cisco\AMP";
/// The public-cloud TETRA update server (the policy's default).
pub const TETRA_SERVER: &str = "tetra-defs.amp.cisco.com";
/// The newest TETRA version published in the scenarios (the article's
/// AV Definition Summary shows 90606).
pub const LATEST_TETRA: u64 = 90606;
/// The version stale endpoints have (the article's failing endpoint).
pub const STALE_TETRA: u64 = 90600;
/// How long a successful `sfc.exe -forceupdate` takes on the scenarios.
pub const DEFAULT_TETRA_UPDATE_DURATION: Duration = Duration::from_secs(3);
/// The connector version of the article's endpoint.
pub const DEFAULT_CONNECTOR_VERSION: &str = "8.1.7.21417";
/// Any address resolution gives: the server is not contacted, so the name
/// does not matter.
const SERVER_ADDRESS: &str = "3.122.217.64";
/// `sfc.exe -forceupdate` exists from connector 7.2.7 on.
const FORCEUPDATE_SINCE: [u64; 3] = [7, 2, 7];

/// The shell OpenSSH for Windows hands an exec request to: cmd.exe unless
/// an administrator set `HKLM\SOFTWARE\OpenSSH\DefaultShell`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum DefaultShell {
    /// cmd.exe, as Windows ships: `cmd.exe /c LINE`.
    #[default]
    Cmd,
    /// `DefaultShell` set to powershell.exe: `powershell.exe -c LINE`.
    Powershell,
}

/// What `curl.exe -v https://SERVER` finds, once the name resolves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurlOutcome {
    /// `HTTP/1.1 200 OK`.
    Ok,
    /// schannel cannot reach the CRL/OCSP server: `0x80092013`, exit 35.
    RevocationOffline,
    /// The TCP connection times out: exit 28.
    ConnectFailed,
}

/// What `sfc.exe -forceupdate` does to the TETRA version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForceUpdate {
    /// The version becomes `latest_tetra` this long after the command.
    MovesAfter(Duration),
    /// The command succeeds and the version stays where it was.
    DoesNotMove,
}

/// One simulated Windows endpoint.
///
/// Faults reuse [`Fault`] where they make sense for exec requests:
/// `StopAnswering(n)` answers the first `n` exec requests of each SSH
/// connection, then accepts further ones and never answers them;
/// `Trickle(d)` writes output one byte at a time; `DropMidFollow(d)` cuts
/// the connection `d` after an accepted `sfc.exe -forceupdate`, while the
/// client waits for the version to move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointProfile {
    pub hostname: String,
    /// The full version, also the name of its folder under [`AMP_DIR`].
    pub connector_version: String,
    /// Other folders under [`AMP_DIR`], left over by earlier versions; they
    /// hold no `AmpCLI.exe` or `sfc.exe`.
    pub leftover_folders: Vec<String>,
    /// The connector's connection to the cloud (`"connected"` in posture).
    pub connected: bool,
    /// The TETRA version loaded now.
    pub tetra_version: u64,
    /// What a successful update brings the version to.
    pub latest_tetra: u64,
    /// Whether `Resolve-DnsName` resolves (any name).
    pub dns_ok: bool,
    pub curl: CurlOutcome,
    /// `//tetra/lasterror` in `local.xml`: the proxy error codes of the
    /// article, or `None` when the element is empty.
    pub last_error: Option<u64>,
    pub force_update: ForceUpdate,
    /// The shell exec requests run in.
    pub default_shell: DefaultShell,
    pub faults: Vec<Fault>,
}

/// The Windows endpoint scenarios (`sshfleet sim --model windows
/// --scenario`, the tests), named by clap in kebab case (`stale-dns`).
/// Stale endpoints have TETRA 90600, the newest is 90606. Wherever a
/// network cause is found, `-forceupdate` does not move the version (the
/// download still fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum EndpointScenario {
    /// TETRA 90606; a leftover `7.4.5.20701` folder.
    UpToDate,
    /// `Resolve-DnsName` fails; curl cannot resolve (exit 6).
    StaleDns,
    /// curl fails with `0x80092013` (exit 35).
    StaleRevocation,
    /// curl times out connecting (exit 28).
    StaleConnect,
    /// lasterror 4294965193 (cannot connect to the proxy).
    StaleProxyConnect,
    /// lasterror 4294965196 (proxy authentication).
    StaleProxyAuth,
    /// lasterror 4294965187 (proxy download failed).
    StaleProxyDownload,
    /// No cause found; `-forceupdate` brings 90606 after 3 s. Connector
    /// `10.1.2.30000` with a leftover `9.0.0.1` folder, which sorts after
    /// it: the client must pick the highest version, not the last line.
    StaleFixable,
    /// No cause found; `-forceupdate` changes nothing.
    UpdateDoesNotMove,
    /// Connector 7.2.5, stale; `sfc.exe` has no `-forceupdate`.
    OldConnector,
    /// Posture says `"connected": false`; stale, and `-forceupdate`
    /// changes nothing.
    Disconnected,
}

impl EndpointScenario {
    /// Every scenario, in the order of the type.
    pub fn all() -> &'static [EndpointScenario] {
        <Self as clap::ValueEnum>::value_variants()
    }

    /// The endpoint of this scenario; a fixable one's update takes
    /// [`DEFAULT_TETRA_UPDATE_DURATION`].
    pub fn profile(self, hostname: &str) -> EndpointProfile {
        let stale = EndpointProfile::stale(hostname);
        let stuck = EndpointProfile {
            force_update: ForceUpdate::DoesNotMove,
            ..stale.clone()
        };
        match self {
            EndpointScenario::UpToDate => EndpointProfile {
                leftover_folders: vec!["7.4.5.20701".to_string()],
                ..EndpointProfile::up_to_date(hostname)
            },
            EndpointScenario::StaleDns => EndpointProfile {
                dns_ok: false,
                ..stuck
            },
            EndpointScenario::StaleRevocation => EndpointProfile {
                curl: CurlOutcome::RevocationOffline,
                ..stuck
            },
            EndpointScenario::StaleConnect => EndpointProfile {
                curl: CurlOutcome::ConnectFailed,
                ..stuck
            },
            EndpointScenario::StaleProxyConnect => EndpointProfile {
                last_error: Some(4_294_965_193),
                ..stuck
            },
            EndpointScenario::StaleProxyAuth => EndpointProfile {
                last_error: Some(4_294_965_196),
                ..stuck
            },
            EndpointScenario::StaleProxyDownload => EndpointProfile {
                last_error: Some(4_294_965_187),
                ..stuck
            },
            EndpointScenario::StaleFixable => EndpointProfile {
                connector_version: "10.1.2.30000".to_string(),
                leftover_folders: vec!["9.0.0.1".to_string()],
                ..stale
            },
            EndpointScenario::UpdateDoesNotMove => stuck,
            EndpointScenario::OldConnector => EndpointProfile {
                connector_version: "7.2.5.20412".to_string(),
                ..stuck
            },
            EndpointScenario::Disconnected => EndpointProfile {
                connected: false,
                ..stuck
            },
        }
    }

    /// How `secure-endpoint-tetra` must end on this scenario, when the run
    /// knows the newest version (`latest_tetra`, or an up-to-date endpoint
    /// in the same run).
    pub fn expected(self) -> Expected {
        match self {
            EndpointScenario::UpToDate => Expected::Ok,
            EndpointScenario::StaleFixable => Expected::Changed,
            // A cause that blocks the download, a version that does not
            // move, a connector too old to force an update: never fixed.
            EndpointScenario::StaleDns
            | EndpointScenario::StaleRevocation
            | EndpointScenario::StaleConnect
            | EndpointScenario::StaleProxyConnect
            | EndpointScenario::StaleProxyAuth
            | EndpointScenario::StaleProxyDownload
            | EndpointScenario::UpdateDoesNotMove
            | EndpointScenario::OldConnector
            | EndpointScenario::Disconnected => Expected::Failed,
        }
    }
}

scenario_names!(EndpointScenario);

impl EndpointProfile {
    /// Connector 8.1.7.21417, connected, TETRA 90606, nothing wrong; cmd.exe
    /// the default shell, as Windows ships.
    pub fn up_to_date(hostname: &str) -> Self {
        Self {
            hostname: hostname.to_string(),
            connector_version: DEFAULT_CONNECTOR_VERSION.to_string(),
            leftover_folders: Vec::new(),
            connected: true,
            tetra_version: LATEST_TETRA,
            latest_tetra: LATEST_TETRA,
            dns_ok: true,
            curl: CurlOutcome::Ok,
            last_error: None,
            force_update: ForceUpdate::MovesAfter(DEFAULT_TETRA_UPDATE_DURATION),
            default_shell: DefaultShell::Cmd,
            faults: Vec::new(),
        }
    }

    /// TETRA 90600 with no network cause: `-forceupdate` fixes it.
    pub fn stale(hostname: &str) -> Self {
        Self {
            tetra_version: STALE_TETRA,
            ..Self::up_to_date(hostname)
        }
    }

    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// The same endpoint with another default shell.
    pub fn with_default_shell(mut self, shell: DefaultShell) -> Self {
        self.default_shell = shell;
        self
    }

    /// The folders `Get-ChildItem -Directory -Name` lists, sorted by name
    /// (so `10.1.2.30000` comes before `9.0.0.1`).
    pub fn folders(&self) -> Vec<String> {
        let mut folders = self.leftover_folders.clone();
        folders.push(self.connector_version.clone());
        folders.sort_by_key(|f| f.to_ascii_lowercase());
        folders.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        folders
    }

    /// Whether `sfc.exe` knows `-forceupdate` (connector 7.2.7 and later).
    pub fn has_forceupdate(&self) -> bool {
        version_numbers(&self.connector_version).as_slice() >= FORCEUPDATE_SINCE.as_slice()
    }

    pub(crate) fn stop_answering_after(&self) -> Option<usize> {
        Fault::stop_answering_after(&self.faults)
    }

    pub(crate) fn drop_after_force_update(&self) -> Option<Duration> {
        Fault::drop_mid_follow(&self.faults).filter(|_| self.has_forceupdate())
    }

    pub(crate) fn trickle(&self) -> Option<Duration> {
        Fault::trickle(&self.faults)
    }

    /// `8.1.7.21417` → `8.1.7`, as posture reports it.
    fn short_version(&self) -> String {
        self.connector_version
            .split('.')
            .take(3)
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// `7.2.5.20412` → [7, 2, 5, 20412]; a part that is not a number counts 0.
fn version_numbers(version: &str) -> Vec<u64> {
    version
        .split('.')
        .map(|p| p.trim().parse().unwrap_or(0))
        .collect()
}

/// What one command printed, and its exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ExecOutput {
    pub(crate) stdout: Vec<String>,
    pub(crate) stderr: Vec<String>,
    pub(crate) status: u32,
}

impl ExecOutput {
    fn out(lines: Vec<String>) -> Self {
        Self {
            stdout: lines,
            ..Self::default()
        }
    }

    fn err(lines: Vec<String>, status: u32) -> Self {
        Self {
            stderr: lines,
            status,
            ..Self::default()
        }
    }

    /// The bytes for the wire: every line ends in CRLF.
    pub(crate) fn crlf(lines: &[String]) -> Vec<u8> {
        let mut bytes = Vec::new();
        for line in lines {
            bytes.extend_from_slice(line.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        bytes
    }
}

#[derive(Debug)]
struct State {
    tetra_version: u64,
    /// When a forced update lands.
    update_due: Option<Instant>,
}

/// One simulated endpoint: its definitions and counters, shared by all its
/// connections, living as long as the fleet.
pub(crate) struct Endpoint {
    profile: EndpointProfile,
    state: Mutex<State>,
    stats: StatsCell,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("hostname", &self.profile.hostname)
            .finish_non_exhaustive()
    }
}

impl Endpoint {
    pub(crate) fn new(profile: EndpointProfile) -> Self {
        Self {
            state: Mutex::new(State {
                tetra_version: profile.tetra_version,
                update_due: None,
            }),
            stats: StatsCell::default(),
            profile,
        }
    }

    pub(crate) fn profile(&self) -> &EndpointProfile {
        &self.profile
    }

    /// What this host saw, for tests and benchmarks.
    pub(crate) fn stats(&self) -> &StatsCell {
        &self.stats
    }

    /// The TETRA version loaded now (a forced update may have landed).
    pub(crate) fn tetra_version(&self) -> u64 {
        let mut state = lock(&self.state);
        if state.update_due.is_some_and(|due| due <= Instant::now()) {
            state.update_due = None;
            state.tetra_version = self.profile.latest_tetra;
        }
        state.tetra_version
    }

    /// Runs one exec request's command line (already recorded by the
    /// caller) as the default shell does: `cmd.exe /c LINE` or
    /// `powershell.exe -c LINE`.
    pub(crate) fn run(&self, line: &str) -> ExecOutput {
        let line = line.trim();
        match self.profile.default_shell {
            DefaultShell::Cmd => self.cmd(line),
            DefaultShell::Powershell => self.powershell_line(line),
        }
    }

    /// The command lines a shell executes for this exec request: the
    /// statements of a PowerShell script it starts, or the line itself.
    pub(crate) fn executed(&self, line: &str) -> Vec<String> {
        let line = line.trim();
        let first = match self.profile.default_shell {
            DefaultShell::Cmd => cmd_commands(line).into_iter().next().unwrap_or_default(),
            DefaultShell::Powershell => line,
        };
        match powershell_invocation(first).and_then(Result::ok) {
            Some(ps) => ps
                .script
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            None => vec![line.to_string()],
        }
    }

    /// `powershell.exe -c LINE`, as OpenSSH for Windows runs a command when
    /// `DefaultShell` is PowerShell. A `powershell.exe` started in it is a
    /// native program of that session: its output passes through, and the
    /// outer `-c` makes its exit status 0 or 1 (docs/DEVICES.md).
    fn powershell_line(&self, line: &str) -> ExecOutput {
        match powershell_invocation(line) {
            Some(Ok(child)) => {
                let mut out = self.powershell(&child);
                out.status = u32::from(out.status != 0);
                out
            }
            Some(Err(refused)) => refused,
            None => self.powershell(&PowerShell {
                script: line.to_string(),
                clixml: false,
            }),
        }
    }

    /// `cmd.exe /c LINE`: `&` separates commands, each run in turn; the
    /// exit status is the last one's. cmd.exe knows programs on the PATH
    /// (`powershell.exe`, `curl.exe` in System32) and paths to programs,
    /// not PowerShell's cmdlets or syntax.
    fn cmd(&self, line: &str) -> ExecOutput {
        let mut all = ExecOutput::default();
        for command in cmd_commands(line) {
            let out = self.cmd_one(command);
            all.stdout.extend(out.stdout);
            all.stderr.extend(out.stderr);
            all.status = out.status;
        }
        all
    }

    fn cmd_one(&self, command: &str) -> ExecOutput {
        if let Some(invocation) = powershell_invocation(command) {
            return match invocation {
                Ok(ps) => self.powershell(&ps),
                Err(refused) => refused,
            };
        }
        let (program, args) = first_word(command);
        let name = program.rsplit('\\').next().unwrap_or(program);
        let native = if is(name, "curl.exe") {
            Command::parse(command)
        } else {
            Command::parse(&format!("& '{program}' {args}"))
        };
        match native {
            Command::Curl { .. } => self.statement_output(command).0,
            Command::Posture { ref folder }
            | Command::ForceUpdate { ref folder }
            | Command::BadArguments { ref folder, .. }
                if self.program_in(folder) =>
            {
                self.statement_output(&format!("& '{program}' {args}")).0
            }
            _ => ExecOutput::err(
                vec![
                    format!("'{program}' is not recognized as an internal or external command,"),
                    "operable program or batch file.".to_string(),
                ],
                1,
            ),
        }
    }

    /// Runs a PowerShell script statement by statement: `$?` and
    /// `$LASTEXITCODE` as PowerShell keeps them, `if`, `exit`, and
    /// `$ProgressPreference`. Without `exit`, the status is 0 or 1 from `$?`
    /// of the last statement. Under `-EncodedCommand`, error and progress
    /// records go to stderr as CLIXML; native programs write their own
    /// stderr as plain text.
    fn powershell(&self, ps: &PowerShell) -> ExecOutput {
        let mut run = PsRun {
            out: ExecOutput::default(),
            ok: true,
            last_exit: None,
            progress: true,
            modules_loaded: false,
            clixml: ps.clixml,
        };
        let mut exit = None;
        'lines: for (i, line) in ps.script.lines().enumerate() {
            for statement in split_top(line, ';') {
                if let Some(code) = self.ps_statement(statement, i + 1, &mut run) {
                    exit = Some(code);
                    break 'lines;
                }
            }
        }
        let mut out = run.out;
        out.status = exit.unwrap_or(u32::from(!run.ok));
        out
    }

    /// One statement; `Some(code)` when it is an `exit`.
    fn ps_statement(&self, statement: &str, line_no: usize, run: &mut PsRun) -> Option<u32> {
        let s = statement.trim();
        if s.is_empty() {
            return None;
        }
        if let Some((name, value)) = s.split_once('=')
            && is(name.trim(), "$ProgressPreference")
        {
            let value = value.trim().trim_matches(['\'', '"']);
            run.progress = !is(value, "SilentlyContinue");
            run.ok = true;
            return None;
        }
        if let Some(arg) = keyword(s, "exit") {
            let arg = arg.trim();
            return Some(if arg.is_empty() {
                0
            } else if is(arg, "$LASTEXITCODE") {
                run.last_exit.unwrap_or(0)
            } else {
                arg.parse().unwrap_or(0)
            });
        }
        if let Some(rest) = keyword(s, "if") {
            let Some((condition, body)) = if_parts(rest) else {
                run.error(parse_error(s, line_no));
                return None;
            };
            let holds = match condition.trim() {
                c if is(c, "-not $?") => !run.ok,
                "$?" => run.ok,
                c if is(c, "$LASTEXITCODE") => run.last_exit.is_some_and(|code| code != 0),
                _ => false,
            };
            if holds {
                for inner in split_top(body, ';') {
                    if let Some(code) = self.ps_statement(inner, line_no, run) {
                        return Some(code);
                    }
                }
            }
            return None;
        }
        let (output, native) = self.statement_output(s);
        if matches!(Command::parse(s), Command::Resolve { .. })
            && run.clixml
            && run.progress
            && !std::mem::replace(&mut run.modules_loaded, true)
        {
            // The DnsClient module loads on first use, with a progress
            // record unless $ProgressPreference silences it.
            run.out.stderr.extend(clixml(&[CliXml::Progress(
                "Preparing modules for first use.",
            )]));
        }
        run.out.stdout.extend(output.stdout);
        run.ok = output.status == 0;
        if native {
            run.last_exit = Some(output.status);
            run.out.stderr.extend(output.stderr);
        } else if !output.stderr.is_empty() {
            let at = format!("At line:{line_no} char:");
            let lines = output
                .stderr
                .into_iter()
                .map(|l| l.replacen("At line:1 char:", &at, 1))
                .collect();
            run.error(lines);
        }
        None
    }

    /// One PowerShell statement: its output, and whether it was a native
    /// program (whose exit code PowerShell keeps in `$LASTEXITCODE`)
    /// rather than a cmdlet or an error of PowerShell's own.
    fn statement_output(&self, line: &str) -> (ExecOutput, bool) {
        let line = line.trim();
        let command = Command::parse(line);
        let native = match &command {
            Command::Posture { folder }
            | Command::ForceUpdate { folder }
            | Command::BadArguments { folder, .. } => self.program_in(folder),
            Command::Curl { .. } => true,
            _ => false,
        };
        let output = match command {
            Command::ListFolders => ExecOutput::out(self.profile.folders()),
            Command::Posture { folder } if self.program_in(&folder) => {
                ExecOutput::out(vec![self.posture()])
            }
            Command::Posture { folder } => {
                not_recognized(line, &amp_path(&folder, "AmpCLI.exe"), call_column(line))
            }
            Command::ForceUpdate { folder } if self.program_in(&folder) => self.force_update(),
            Command::ForceUpdate { folder } => {
                not_recognized(line, &amp_path(&folder, "sfc.exe"), call_column(line))
            }
            Command::BadArguments { folder, program } => {
                let exe = match program {
                    Program::AmpCli => "AmpCLI.exe",
                    Program::Sfc => "sfc.exe",
                };
                if !self.program_in(&folder) {
                    return (
                        not_recognized(line, &amp_path(&folder, exe), call_column(line)),
                        false,
                    );
                }
                let args = line
                    .rsplit_once(['\'', '"'])
                    .map_or("", |(_, a)| a)
                    .trim()
                    .to_string();
                let text = match program {
                    Program::AmpCli => format!("Unknown command: {args}"),
                    Program::Sfc => format!("Invalid option: {args}"),
                };
                ExecOutput::err(vec![text], 1)
            }
            Command::Resolve { name } => self.resolve(line, &name),
            Command::Curl { server } => self.curl(&server),
            Command::LastError => ExecOutput::out(
                self.profile
                    .last_error
                    .map(|e| e.to_string())
                    .into_iter()
                    .collect(),
            ),
            Command::NotRecognized { term, column } => not_recognized(line, &term, column),
        };
        (output, native)
    }

    /// Whether `folder` is the connector's own (programs live only there).
    fn program_in(&self, folder: &str) -> bool {
        folder.eq_ignore_ascii_case(&self.profile.connector_version)
    }

    fn posture(&self) -> String {
        let json_str = |s: &str| serde_json::Value::String(s.to_string()).to_string();
        format!(
            "{{ \"agent_uuid\": {}, \"connected\": {}, \"connector_version\": {}, \
             \"engines\": {{ \"tetra\": {{ \"enabled\": true, \"version\": {} }}, \
             \"spero\": {{ \"enabled\": true }} }}, \
             \"policy\": {{ \"name\": \"Protect\", \"serial\": 83 }} }}",
            json_str(&agent_uuid(&self.profile.hostname)),
            self.profile.connected,
            json_str(&self.profile.short_version()),
            self.tetra_version(),
        )
    }

    fn force_update(&self) -> ExecOutput {
        if !self.profile.has_forceupdate() {
            return ExecOutput::err(vec!["Invalid option: -forceupdate".to_string()], 1);
        }
        self.stats().update(|s| s.forced_updates += 1);
        if let ForceUpdate::MovesAfter(delay) = self.profile.force_update {
            let mut state = lock(&self.state);
            // An absurd delay is an update that never lands.
            if let Some(due) = Instant::now().checked_add(delay) {
                state.update_due = Some(state.update_due.map_or(due, |t| t.min(due)));
            }
        }
        ExecOutput::default()
    }

    fn resolve(&self, line: &str, name: &str) -> ExecOutput {
        if self.profile.dns_ok {
            return ExecOutput::out(vec![
                String::new(),
                format!(
                    "{:<47}{:<7}{:<6}{:<11}{}",
                    "Name", "Type", "TTL", "Section", "IPAddress"
                ),
                format!(
                    "{:<47}{:<7}{:<6}{:<11}{}",
                    "----", "----", "---", "-------", "---------"
                ),
                format!(
                    "{name:<47}{:<7}{:<6}{:<11}{SERVER_ADDRESS}",
                    "A", "5", "Answer"
                ),
                String::new(),
                String::new(),
            ]);
        }
        let mut lines = vec![
            format!("Resolve-DnsName : {name} : DNS name does not exist"),
            "At line:1 char:1".to_string(),
            format!("+ {line}"),
            format!("+ {}", "~".repeat(line.chars().count())),
            format!(
                "    + CategoryInfo          : ResourceUnavailable: ({name}:String) [Resolve-DnsName], Win32Exception"
            ),
            "    + FullyQualifiedErrorId : DNS_ERROR_RCODE_NAME_ERROR,Microsoft.DnsClient.Commands.ResolveDnsName".to_string(),
        ];
        lines.push(" ".to_string());
        ExecOutput::err(lines, 1)
    }

    fn curl(&self, server: &str) -> ExecOutput {
        if !self.profile.dns_ok {
            return ExecOutput::err(
                vec![
                    format!("* Could not resolve host: {server}"),
                    "* Closing connection 0".to_string(),
                    format!("curl: (6) Could not resolve host: {server}"),
                ],
                6,
            );
        }
        let mut lines = vec![format!("*   Trying {SERVER_ADDRESS}:443...")];
        if self.profile.curl == CurlOutcome::ConnectFailed {
            let failed =
                format!("Failed to connect to {server} port 443 after 21046 ms: Timed out");
            lines.extend([
                format!("* connect to {SERVER_ADDRESS} port 443 failed: Timed out"),
                format!("* {failed}"),
                "* Closing connection 0".to_string(),
                format!("curl: (28) {failed}"),
            ]);
            return ExecOutput::err(lines, 28);
        }
        lines.extend([
            format!("* Connected to {server} ({SERVER_ADDRESS}) port 443 (#0)"),
            "* schannel: disabled automatic use of client certificate".to_string(),
            "* ALPN: offers http/1.1".to_string(),
        ]);
        let shutdown =
            format!("* schannel: shutting down SSL/TLS connection with {server} port 443");
        if self.profile.curl == CurlOutcome::RevocationOffline {
            let failed = "schannel: next InitializeSecurityContext failed: Unknown error (0x80092013) - The revocation function was unable to check revocation because the revocation server was offline.";
            lines.extend([
                format!("* {failed}"),
                "* Closing connection 0".to_string(),
                shutdown,
                format!("curl: (35) {failed}"),
            ]);
            return ExecOutput::err(lines, 35);
        }
        let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT");
        lines.extend([
            "* ALPN: server did not agree on a protocol. Uses default.".to_string(),
            "* using HTTP/1.x".to_string(),
            "> GET / HTTP/1.1".to_string(),
            format!("> Host: {server}"),
            "> User-Agent: curl/8.0.1".to_string(),
            "> Accept: */*".to_string(),
            ">".to_string(),
            "* schannel: server closed the connection".to_string(),
            "< HTTP/1.1 200 OK".to_string(),
            format!("< Date: {date}"),
            "< Server:".to_string(),
            "< Last-Modified: Mon, 17 Apr 2023 15:48:54 GMT".to_string(),
            "< ETag: \"0-5f98a20ced9e3\"".to_string(),
            "< Accept-Ranges: bytes".to_string(),
            "< Content-Length: 0".to_string(),
            "< Connection: close".to_string(),
            "< Content-Type: text/html; charset=UTF-8".to_string(),
            "<".to_string(),
            "* Closing connection 0".to_string(),
            shutdown,
        ]);
        // The body (empty) is curl's only stdout.
        ExecOutput {
            stdout: Vec::new(),
            stderr: lines,
            status: 0,
        }
    }
}

/// A PowerShell to start: its script, and whether its records go to
/// stderr as CLIXML (`-EncodedCommand` with stderr redirected).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PowerShell {
    pub(crate) script: String,
    pub(crate) clixml: bool,
}

/// A stable connector GUID per hostname.
fn agent_uuid(hostname: &str) -> String {
    let hash = |seed: u64| {
        hostname.bytes().fold(seed, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let (a, b) = (hash(0xcbf2_9ce4_8422_2325), hash(0x84222325_cbf29ce4));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const SERVER: &str = TETRA_SERVER;

    fn posture_cmd(folder: &str) -> String {
        format!("& '{AMP_DIR}\\{folder}\\AmpCLI.exe' posture")
    }

    fn force_cmd(folder: &str) -> String {
        format!("& '{AMP_DIR}\\{folder}\\sfc.exe' -forceupdate")
    }

    fn list_cmd() -> String {
        format!("Get-ChildItem -Directory -Name '{AMP_DIR}'")
    }

    fn lasterror_cmd() -> String {
        format!(
            "(Select-Xml -Path '{AMP_DIR}\\local.xml' -XPath '//tetra/lasterror').Node.InnerText"
        )
    }

    fn scenario(name: &str) -> Endpoint {
        let scenario: EndpointScenario = name.parse().unwrap();
        Endpoint::new(scenario.profile("ws01.example.com"))
    }

    fn posture(endpoint: &Endpoint) -> serde_json::Value {
        let folder = endpoint.profile().connector_version.clone();
        let out = endpoint.powershell_line(&posture_cmd(&folder));
        assert_eq!(out.status, 0, "{out:?}");
        assert!(out.stderr.is_empty());
        assert_eq!(out.stdout.len(), 1);
        serde_json::from_str(&out.stdout[0]).unwrap()
    }

    fn tetra(endpoint: &Endpoint) -> u64 {
        posture(endpoint)["engines"]["tetra"]["version"]
            .as_u64()
            .unwrap()
    }

    #[test]
    fn every_scenario_has_a_profile() {
        for scenario in EndpointScenario::all() {
            let p = scenario.profile("ws01");
            assert_eq!(p.hostname, "ws01");
            let stale = p.tetra_version < p.latest_tetra;
            assert_eq!(stale, *scenario != EndpointScenario::UpToDate, "{scenario}");
            assert_eq!(p.latest_tetra, LATEST_TETRA);
            if stale {
                assert_eq!(p.tetra_version, STALE_TETRA);
            }
            let parsed: EndpointScenario = scenario.to_string().parse().unwrap();
            assert_eq!(parsed, *scenario);
        }
        assert_eq!(
            EndpointScenario::StaleProxyAuth.to_string(),
            "stale-proxy-auth"
        );
        assert!("nope".parse::<EndpointScenario>().is_err());
    }

    #[test]
    fn parses_the_playbooks_commands() {
        assert_eq!(Command::parse(&list_cmd()), Command::ListFolders);
        assert_eq!(
            Command::parse(&posture_cmd("8.1.7.21417")),
            Command::Posture {
                folder: "8.1.7.21417".into()
            }
        );
        assert_eq!(
            Command::parse(&force_cmd("8.1.7.21417")),
            Command::ForceUpdate {
                folder: "8.1.7.21417".into()
            }
        );
        assert_eq!(
            Command::parse(&format!("Resolve-DnsName -Name {SERVER}")),
            Command::Resolve {
                name: SERVER.into()
            }
        );
        assert_eq!(
            Command::parse(&format!("curl.exe -v https://{SERVER}")),
            Command::Curl {
                server: SERVER.into()
            }
        );
        assert_eq!(Command::parse(&lasterror_cmd()), Command::LastError);
        // PowerShell does not care about case.
        assert_eq!(
            Command::parse("resolve-dnsname -name x.example"),
            Command::Resolve {
                name: "x.example".into()
            }
        );
        assert_eq!(
            Command::parse("ipconfig /all"),
            Command::NotRecognized {
                term: "ipconfig".into(),
                column: 1
            }
        );
    }

    #[test]
    fn lists_folders_by_name_not_by_version() {
        let e = scenario("up-to-date");
        assert_eq!(
            e.powershell_line(&list_cmd()).stdout,
            ["7.4.5.20701", "8.1.7.21417"]
        );
        let e = scenario("stale-fixable");
        let out = e.powershell_line(&list_cmd());
        assert_eq!(out.stdout, ["10.1.2.30000", "9.0.0.1"]);
        assert_eq!(out.status, 0);
        let e = Endpoint::new(EndpointProfile::up_to_date("ws01"));
        assert_eq!(e.powershell_line(&list_cmd()).stdout, ["8.1.7.21417"]);
    }

    #[test]
    fn posture_is_the_articles_json() {
        let e = Endpoint::new(EndpointProfile::stale("ws01"));
        let out = e.powershell_line(&posture_cmd("8.1.7.21417"));
        let line = &out.stdout[0];
        assert!(line.starts_with("{ \"agent_uuid\": \""), "{line}");
        assert!(
            line.contains("\", \"connected\": true, \"connector_version\": \"8.1.7\", \"engi"),
            "{line}"
        );
        let json = posture(&e);
        assert_eq!(json["engines"]["tetra"]["version"], 90600);
        assert_eq!(json["engines"]["tetra"]["enabled"], true);
        assert_eq!(json["connected"], true);
        let uuid = json["agent_uuid"].as_str().unwrap();
        assert_eq!(uuid.len(), 36);
        assert_eq!(uuid, agent_uuid("ws01"));
        assert_ne!(uuid, agent_uuid("ws02"));

        assert_eq!(posture(&scenario("disconnected"))["connected"], false);
        assert_eq!(tetra(&scenario("up-to-date")), 90606);
        assert_eq!(
            posture(&scenario("stale-fixable"))["connector_version"],
            "10.1.2"
        );
    }

    #[test]
    fn programs_live_only_in_the_connectors_folder() {
        let e = scenario("stale-fixable");
        for cmd in [posture_cmd("9.0.0.1"), force_cmd("9.0.0.1")] {
            let out = e.powershell_line(&cmd);
            assert_eq!(out.status, 1);
            assert!(out.stdout.is_empty());
            assert!(
                out.stderr[0].starts_with(&format!("& : The term '{AMP_DIR}\\9.0.0.1\\")),
                "{out:?}"
            );
            assert!(out.stderr[0].contains(
                "is not recognized as the name of a cmdlet, function, script file, or operable program."
            ));
            assert_eq!(out.stderr[1], "At line:1 char:3");
            assert_eq!(out.stderr[2], format!("+ {cmd}"));
            // The underline covers the quoted path.
            let quoted = format!("'{AMP_DIR}\\9.0.0.1\\");
            assert!(out.stderr[3].starts_with(&format!("+   {}", "~".repeat(quoted.len()))));
        }
        assert_eq!(e.stats().snapshot().forced_updates, 0);
    }

    #[test]
    fn anything_else_is_not_recognized() {
        let e = scenario("up-to-date");
        let out = e.powershell_line("Get-Service CiscoAMP");
        assert_eq!(out.status, 1);
        assert_eq!(
            out.stderr[0],
            "Get-Service : The term 'Get-Service' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
        );
        assert_eq!(out.stderr[1], "At line:1 char:1");
        assert_eq!(out.stderr[3], "+ ~~~~~~~~~~~");
        assert!(out.stderr[4].contains("ObjectNotFound: (Get-Service:String)"));
        assert!(
            e.powershell_line("& 'C:\\Windows\\x.exe'").stderr[0]
                .starts_with("& : The term 'C:\\Windows\\x.exe'")
        );
        let out = e.powershell_line(&format!("& '{AMP_DIR}\\8.1.7.21417\\AmpCLI.exe' status"));
        assert_eq!(out.status, 1);
        assert_eq!(out.stderr, ["Unknown command: status"]);
    }

    #[test]
    fn dns_resolves_or_not() {
        let cmd = format!("Resolve-DnsName -Name {SERVER}");
        let out = scenario("up-to-date").powershell_line(&cmd);
        assert_eq!(out.status, 0);
        assert!(out.stderr.is_empty());
        assert_eq!(out.stdout[0], "");
        assert!(out.stdout[1].starts_with("Name "));
        assert!(out.stdout[1].ends_with("Type   TTL   Section    IPAddress"));
        assert!(out.stdout[2].starts_with("----  "));
        let record: Vec<&str> = out.stdout[3].split_whitespace().collect();
        assert_eq!(record, [SERVER, "A", "5", "Answer", SERVER_ADDRESS]);

        let out = scenario("stale-dns").powershell_line(&cmd);
        assert_eq!(out.status, 1);
        assert!(out.stdout.is_empty());
        assert_eq!(
            out.stderr[0],
            format!("Resolve-DnsName : {SERVER} : DNS name does not exist")
        );
        assert_eq!(out.stderr[1], "At line:1 char:1");
        assert!(out.stderr.iter().any(|l| l.ends_with(
            "FullyQualifiedErrorId : DNS_ERROR_RCODE_NAME_ERROR,Microsoft.DnsClient.Commands.ResolveDnsName"
        )));
        // The name does not matter.
        let out = scenario("stale-dns").powershell_line("Resolve-DnsName -Name example.org");
        assert!(out.stderr[0].starts_with("Resolve-DnsName : example.org : "));
    }

    /// curl.exe as a program (from cmd.exe, the default shell): its own
    /// exit codes.
    fn curl(name: &str) -> ExecOutput {
        scenario(name).run(&format!("curl.exe -v https://{SERVER}"))
    }

    #[test]
    fn curl_per_scenario() {
        let ok = curl("up-to-date");
        assert_eq!(ok.status, 0);
        assert_eq!(ok.stderr[0], format!("*   Trying {SERVER_ADDRESS}:443..."));
        assert!(ok.stderr.contains(&"< HTTP/1.1 200 OK".to_string()));
        assert!(ok.stderr.contains(&format!("> Host: {SERVER}")));
        for name in [
            "stale-proxy-connect",
            "stale-fixable",
            "update-does-not-move",
            "old-connector",
            "disconnected",
        ] {
            assert_eq!(curl(name).status, 0, "{name}");
        }

        let revoked = curl("stale-revocation");
        assert_eq!(revoked.status, 35);
        assert!(!revoked.stderr.iter().any(|l| l.contains("200 OK")));
        let last = revoked.stderr.last().unwrap();
        assert_eq!(
            last,
            "curl: (35) schannel: next InitializeSecurityContext failed: Unknown error (0x80092013) - The revocation function was unable to check revocation because the revocation server was offline."
        );

        let timed_out = curl("stale-connect");
        assert_eq!(timed_out.status, 28);
        assert_eq!(
            timed_out.stderr.last().unwrap(),
            &format!("curl: (28) Failed to connect to {SERVER} port 443 after 21046 ms: Timed out")
        );

        let unresolved = curl("stale-dns");
        assert_eq!(unresolved.status, 6);
        assert_eq!(
            unresolved.stderr.last().unwrap(),
            &format!("curl: (6) Could not resolve host: {SERVER}")
        );
    }

    #[test]
    fn lasterror_per_scenario() {
        for (name, expected) in [
            ("stale-proxy-connect", "4294965193"),
            ("stale-proxy-auth", "4294965196"),
            ("stale-proxy-download", "4294965187"),
        ] {
            let out = scenario(name).powershell_line(&lasterror_cmd());
            assert_eq!(out.stdout, [expected], "{name}");
            assert_eq!(out.status, 0);
        }
        for name in ["up-to-date", "stale-dns", "stale-fixable"] {
            let out = scenario(name).powershell_line(&lasterror_cmd());
            assert_eq!(out, ExecOutput::default(), "{name}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn forced_update_moves_the_version_later() {
        let e = scenario("stale-fixable");
        let out = e.powershell_line(&force_cmd("10.1.2.30000"));
        assert_eq!(out, ExecOutput::default());
        assert_eq!(e.stats().snapshot().forced_updates, 1);
        assert_eq!(tetra(&e), 90600);
        tokio::time::advance(DEFAULT_TETRA_UPDATE_DURATION - Duration::from_millis(1)).await;
        assert_eq!(tetra(&e), 90600);
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(tetra(&e), 90606);
    }

    #[tokio::test(start_paused = true)]
    async fn update_does_not_move() {
        let e = scenario("update-does-not-move");
        assert_eq!(
            e.powershell_line(&force_cmd(DEFAULT_CONNECTOR_VERSION))
                .status,
            0
        );
        assert_eq!(e.stats().snapshot().forced_updates, 1);
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert_eq!(tetra(&e), 90600);
    }

    #[tokio::test(start_paused = true)]
    async fn old_connector_has_no_forceupdate() {
        let e = scenario("old-connector");
        assert!(!e.profile().has_forceupdate());
        let out = e.powershell_line(&force_cmd("7.2.5.20412"));
        assert_eq!(out.status, 1);
        assert!(out.stdout.is_empty());
        assert_eq!(out.stderr, ["Invalid option: -forceupdate"]);
        assert_eq!(e.stats().snapshot().forced_updates, 0);
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert_eq!(tetra(&e), 90600);
        assert_eq!(posture(&e)["connector_version"], "7.2.5");
    }

    #[test]
    fn forceupdate_arrived_in_7_2_7() {
        let mut p = EndpointProfile::stale("ws01");
        for (version, has) in [
            ("7.2.7.11111", true),
            ("7.2.6.99999", false),
            ("7.10.0.1", true),
            ("10.1.2.30000", true),
            ("6.3.1.1", false),
        ] {
            p.connector_version = version.to_string();
            assert_eq!(p.has_forceupdate(), has, "{version}");
        }
    }

    /// What sshfleet sends for a PowerShell step (`powershell.exe ...
    /// -EncodedCommand`), built here the way any client would.
    fn encoded(script: &str) -> String {
        use base64::Engine as _;
        let bytes: Vec<u8> = script.encode_utf16().flat_map(u16::to_le_bytes).collect();
        format!(
            "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    /// A script that keeps the last native exit status.
    fn wrapped(command: &str) -> String {
        encoded(&format!(
            "$ProgressPreference = 'SilentlyContinue'\n{command}\nif (-not $?) {{ if ($LASTEXITCODE) {{ exit $LASTEXITCODE }}; exit 1 }}\nexit $LASTEXITCODE"
        ))
    }

    fn on(shell: DefaultShell, scenario_name: &str) -> Endpoint {
        let scenario: EndpointScenario = scenario_name.parse().unwrap();
        Endpoint::new(scenario.profile("ws01").with_default_shell(shell))
    }

    #[test]
    fn cmd_does_not_know_powershell() {
        let e = on(DefaultShell::Cmd, "up-to-date");
        let out = e.run(&list_cmd());
        assert_eq!(out.status, 1);
        assert!(out.stdout.is_empty());
        assert_eq!(
            out.stderr,
            [
                "'Get-ChildItem' is not recognized as an internal or external command,",
                "operable program or batch file."
            ]
        );
        // `&` separates cmd.exe's commands: the quoted path is split at its space.
        let out = e.run(&posture_cmd("8.1.7.21417"));
        assert_eq!(
            out.stderr[0],
            "''C:\\Program' is not recognized as an internal or external command,"
        );
        // Programs on the PATH, and programs by their path, do run.
        let out = e.run(&format!("curl.exe -v https://{SERVER}"));
        assert_eq!(out.status, 0);
        assert!(out.stderr.contains(&"< HTTP/1.1 200 OK".to_string()));
        let out = e.run(&format!("\"{AMP_DIR}\\8.1.7.21417\\AmpCLI.exe\" posture"));
        assert_eq!(out.status, 0, "{out:?}");
        assert!(out.stdout[0].starts_with("{ \"agent_uuid\""));
        assert_eq!(e.executed(&list_cmd()), [list_cmd()]);
    }

    #[test]
    fn an_encoded_script_runs_the_same_under_either_default_shell() {
        for shell in [DefaultShell::Cmd, DefaultShell::Powershell] {
            let e = on(shell, "stale-fixable");
            let out = e.run(&wrapped(&list_cmd()));
            assert_eq!(out.stdout, ["10.1.2.30000", "9.0.0.1"], "{shell:?}");
            assert_eq!((out.status, out.stderr.len()), (0, 0), "{shell:?}");
            let out = e.run(&wrapped(&posture_cmd("10.1.2.30000")));
            assert_eq!(out.status, 0, "{shell:?}");
            assert!(out.stdout[0].contains("\"version\": 90600"));
            let out = e.run(&wrapped(&format!("Resolve-DnsName -Name {SERVER}")));
            assert_eq!(out.status, 0, "{shell:?}");
            assert_eq!(
                e.executed(&wrapped("Resolve-DnsName -Name x")),
                [
                    "$ProgressPreference = 'SilentlyContinue'",
                    "Resolve-DnsName -Name x",
                    "if (-not $?) { if ($LASTEXITCODE) { exit $LASTEXITCODE }; exit 1 }",
                    "exit $LASTEXITCODE"
                ]
            );
        }
    }

    #[test]
    fn the_last_native_exit_status_survives_only_where_the_script_exits_with_it() {
        let curl = format!("curl.exe -v https://{SERVER}");
        let cmd = on(DefaultShell::Cmd, "stale-revocation");
        assert_eq!(cmd.run(&wrapped(&curl)).status, 35);
        // `powershell -Command` makes any failure 1.
        assert_eq!(cmd.run(&encoded(&curl)).status, 1);
        assert_eq!(
            cmd.run(&format!("powershell.exe -Command {curl}")).status,
            1
        );
        // Under PowerShell as the default shell, the outer `-c` does the same.
        let ps = on(DefaultShell::Powershell, "stale-revocation");
        assert_eq!(ps.run(&wrapped(&curl)).status, 1);
        assert_eq!(ps.run(&curl).status, 1);
        // A failing cmdlet leaves no $LASTEXITCODE: the script exits 1.
        let dns = on(DefaultShell::Cmd, "stale-dns");
        assert_eq!(
            dns.run(&wrapped(&format!("Resolve-DnsName -Name {SERVER}")))
                .status,
            1
        );
        // curl's own stderr is plain text even under -EncodedCommand.
        let out = cmd.run(&wrapped(&curl));
        assert!(
            out.stderr
                .last()
                .unwrap()
                .starts_with("curl: (35) schannel")
        );
    }

    #[test]
    fn encoded_scripts_write_errors_and_progress_as_clixml() {
        let e = on(DefaultShell::Cmd, "stale-dns");
        let resolve = format!("Resolve-DnsName -Name {SERVER}");
        let out = e.run(&wrapped(&resolve));
        assert_eq!(out.stderr[0], "#< CLIXML");
        assert_eq!(out.stderr.len(), 2, "{out:?}");
        let objs = &out.stderr[1];
        assert!(objs.starts_with("<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">Resolve-DnsName : tetra-defs.amp.cisco.com : DNS name does not exist_x000D__x000A_</S><S S=\"Error\">At line:2 char:1_x000D__x000A_</S>"), "{objs}");
        assert!(objs.ends_with("</S></Objs>"));
        assert!(!objs.contains("progress"));
        // Progress left on: the module's first use is a progress record of
        // its own block, then the error's.
        let out = e.run(&encoded(&resolve));
        assert_eq!(out.stderr.len(), 4, "{out:?}");
        assert!(out.stderr[1].contains("<AV>Preparing modules for first use.</AV>"));
        assert!(out.stderr[3].contains("At line:1 char:1"));
        // Not encoded: plain text, as before.
        let out = e.run(&format!("powershell.exe -Command {resolve}"));
        assert_eq!(
            out.stderr[0],
            format!("Resolve-DnsName : {SERVER} : DNS name does not exist")
        );
        let out = e.run("powershell.exe -EncodedCommand not-base64!");
        assert_eq!(out.status, 1);
        assert!(out.stderr[0].contains("-EncodedCommand is not properly encoded"));
        assert_eq!(xml_text("a_x<&>"), "a_x005F_x&lt;&amp;&gt;");
    }

    #[test]
    fn crlf_lines() {
        assert_eq!(
            ExecOutput::crlf(&["a".to_string(), String::new()]),
            b"a\r\n\r\n"
        );
        assert!(ExecOutput::crlf(&[]).is_empty());
    }

    #[test]
    fn long_targets_are_shortened_like_powershell() {
        assert_eq!(ellipsize("short"), "short");
        let long = format!("{AMP_DIR}\\9.0.0.1\\AmpCLI.exe");
        let short = ellipsize(&long);
        assert_eq!(short.chars().count(), 40);
        assert!(short.starts_with("C:\\Program Files\\C") && short.ends_with("AmpCLI.exe"));
    }
}
