//! A Windows endpoint running the Cisco Secure Endpoint connector, reached
//! over OpenSSH for Windows, with the TETRA definition update failures of
//! the TAC article (`docs/DEVICES.md`, section "The Secure Endpoint
//! procedure": the connector's service, posture, `-forceupdate`, the DNS,
//! curl and proxy checks and their error codes). How OpenSSH for Windows,
//! cmd.exe and PowerShell answer exec requests, and how Windows in other
//! languages and code pages writes, is in section "How the devices really
//! behave".
//!
//! Every command arrives as an SSH exec request (no PTY), so there is no
//! prompt and no session: `Endpoint::run` answers one command line with
//! its stdout, stderr and exit status, as the endpoint's default shell
//! ([`DefaultShell`]) runs it: cmd.exe (`cmd.exe /c LINE`, as Windows
//! ships) or PowerShell (`powershell.exe -c LINE`). Either can start
//! `powershell.exe -Command` / `-EncodedCommand`. PowerShell, `curl.exe`
//! and cmd.exe write errors and curl's `-v` transcript to stderr;
//! PowerShell started with `-EncodedCommand` writes its error and progress
//! records there as CLIXML. Lines end in CRLF; bytes are in the endpoint's
//! code page ([`CodePage`]).
//!
//! Files: `profile.rs` (what an endpoint is), `scenarios.rs` (the
//! personas), `programs.rs` (what the connector, the cmdlets and curl
//! print), `shells.rs` (how cmd.exe and PowerShell read a command line),
//! `encoding.rs` (code pages).

mod encoding;
mod profile;
mod programs;
mod scenarios;
mod shells;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;

pub use profile::{
    CodePage, CurlOutcome, DefaultShell, EndpointProfile, ForceUpdate, Locale, ProxyOutcome,
    ServiceState,
};
pub use scenarios::{CUSTOM_INSTALL_DIR, EndpointScenario, POLICY_PROXY};
pub(crate) use shells::decode_script;
use shells::*;

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::{Expected, StatsCell, lock};

/// Where the connector is installed by default; one folder per connector
/// version.
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
/// The query that finds the connector's service and the `sfc.exe` it runs
/// (`CiscoAMP…`, docs/DEVICES.md): one `STATE|PATHNAME` line per service.
pub const SERVICE_QUERY: &str = r#"Get-CimInstance -ClassName Win32_Service -Filter "Name LIKE 'CiscoAMP%'" | ForEach-Object { $_.State + '|' + $_.PathName }"#;
/// Any address resolution gives: the server is not contacted, so the name
/// does not matter.
const SERVER_ADDRESS: &str = "3.122.217.64";
/// `sfc.exe -forceupdate` exists from connector 7.2.7 on.
const FORCEUPDATE_SINCE: [u64; 3] = [7, 2, 7];

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
    #[cfg(test)]
    pub(crate) fn crlf(lines: &[String]) -> Vec<u8> {
        Self::encoded(lines, CodePage::Utf8)
    }

    /// The bytes for the wire in the endpoint's code page: every line ends
    /// in CRLF.
    pub(crate) fn encoded(lines: &[String], code_page: CodePage) -> Vec<u8> {
        let mut bytes = Vec::new();
        for line in lines {
            bytes.extend(encoding::encode(line, code_page));
            bytes.extend(encoding::encode("\r\n", code_page));
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
            Command::Curl { .. } if self.profile.has_curl => self.statement_output(command).0,
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
                c if is(c, CURL_MISSING) => !self.profile.has_curl,
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
            Command::Curl { .. } => self.profile.has_curl,
            _ => false,
        };
        let output = match command {
            Command::ListFolders { dir } if dir.eq_ignore_ascii_case(&self.profile.install_dir) => {
                ExecOutput::out(self.profile.folders())
            }
            Command::ListFolders { dir } => not_found(line, "Get-ChildItem", &dir),
            Command::Services => self.services(),
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
            Command::Curl { .. } if !self.profile.has_curl => not_recognized(line, "curl.exe", 1),
            Command::Curl { server, proxy } => self.curl(&server, proxy.as_deref()),
            Command::LastError { dir } => self.last_error(line, &dir),
            Command::NotRecognized { term, column } => not_recognized(line, &term, column),
        };
        (output, native)
    }

    /// Whether `folder` is the connector's own (programs live only there).
    fn program_in(&self, folder: &str) -> bool {
        self.profile.has_connector()
            && folder.eq_ignore_ascii_case(&self.profile.connector_folder())
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
