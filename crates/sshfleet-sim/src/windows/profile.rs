//! What one simulated endpoint is: its connector, its network, its
//! Windows (language, code page, tools), its default shell and its faults
//! (docs/DEVICES.md, sections "The Secure Endpoint procedure" and
//! "Windows endpoints over OpenSSH for Windows").

use std::time::Duration;

use super::{
    AMP_DIR, DEFAULT_CONNECTOR_VERSION, DEFAULT_TETRA_UPDATE_DURATION, FORCEUPDATE_SINCE,
    LATEST_TETRA, STALE_TETRA,
};
use crate::asyncos::Fault;

/// The shell OpenSSH for Windows hands an exec request to: cmd.exe unless
/// an administrator set `HKLM\SOFTWARE\OpenSSH\DefaultShell`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DefaultShell {
    #[default]
    Cmd,
    Powershell,
}

named_values!(DefaultShell, "default shell" {
    Cmd => "cmd", "cmd.exe, as Windows ships: `cmd.exe /c LINE`";
    Powershell => "powershell", "`DefaultShell` set to powershell.exe: `powershell.exe -c LINE`";
});

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

/// What `curl.exe -v -x PROXY https://SERVER` finds: the path through the
/// proxy the connector's policy names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyOutcome {
    /// The proxy opens the tunnel; the server answers `HTTP/1.1 200 OK`.
    Ok,
    /// The proxy answers CONNECT with `407 Proxy Authentication Required`:
    /// curl exit 56.
    AuthRequired,
    /// Nothing answers on the proxy's port: curl exit 7.
    Unreachable,
}

/// What `sfc.exe -forceupdate` does to the TETRA version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForceUpdate {
    /// The version becomes `latest_tetra` this long after the command.
    MovesAfter(Duration),
    /// The command succeeds and the version stays where it was.
    DoesNotMove,
}

/// The connector's Windows service (`CiscoAMP…`), whose configuration
/// names `sfc.exe` in the version folder in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceState {
    Running,
    Stopped,
    /// No connector service: not a Secure Endpoint host.
    Missing,
}

/// The language of Windows: error records and system messages are
/// translated, codes are not (docs/DEVICES.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Locale {
    #[default]
    English,
    French,
    German,
}

/// How the endpoint's output bytes are encoded on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CodePage {
    /// What the rest of the simulator writes; the same bytes as any code
    /// page for ASCII output.
    #[default]
    Utf8,
    /// Windows-1252, the ANSI code page of Western European Windows.
    Cp1252,
    /// IBM 850, the OEM (console) code page of Western European Windows.
    Cp850,
    /// UTF-16LE, as PowerShell may write.
    Utf16le,
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
    /// The folder the connector was installed in ([`AMP_DIR`] by
    /// default); `local.xml` is here.
    pub install_dir: String,
    /// The full version, also the name of its folder under `install_dir`.
    pub connector_version: String,
    /// Other folders under `install_dir`, left over by earlier versions;
    /// they hold no `AmpCLI.exe` or `sfc.exe`.
    pub leftover_folders: Vec<String>,
    pub service: ServiceState,
    /// The connector's connection to the cloud (`"connected"` in posture).
    pub connected: bool,
    /// The TETRA version loaded now.
    pub tetra_version: u64,
    /// What a successful update brings the version to.
    pub latest_tetra: u64,
    /// Whether `Resolve-DnsName` resolves (any name).
    pub dns_ok: bool,
    pub curl: CurlOutcome,
    /// Whether `curl.exe` is in System32 (Windows 10 1803, Server 2019 and
    /// later; not Server 2016 or 2012 R2).
    pub has_curl: bool,
    /// The proxy the connector's policy names (`http://HOST:PORT`), if any.
    pub policy_proxy: Option<String>,
    /// What HTTPS through that proxy (any proxy named) finds.
    pub proxy: ProxyOutcome,
    /// `//tetra/lasterror` in `local.xml`: `0` after a successful update,
    /// the proxy error codes of the article, or `None` when empty.
    pub last_error: Option<u64>,
    pub force_update: ForceUpdate,
    /// The shell exec requests run in.
    pub default_shell: DefaultShell,
    pub locale: Locale,
    pub code_page: CodePage,
    pub faults: Vec<Fault>,
}

impl EndpointProfile {
    /// Connector 8.1.7.21417 in the default folder, running, connected,
    /// TETRA 90606, last update without error, nothing wrong; English
    /// Windows with curl.exe; cmd.exe the default shell, as Windows ships.
    pub fn up_to_date(hostname: &str) -> Self {
        Self {
            hostname: hostname.to_string(),
            install_dir: AMP_DIR.to_string(),
            connector_version: DEFAULT_CONNECTOR_VERSION.to_string(),
            leftover_folders: Vec::new(),
            service: ServiceState::Running,
            connected: true,
            tetra_version: LATEST_TETRA,
            latest_tetra: LATEST_TETRA,
            dns_ok: true,
            curl: CurlOutcome::Ok,
            has_curl: true,
            policy_proxy: None,
            proxy: ProxyOutcome::Ok,
            last_error: Some(0),
            force_update: ForceUpdate::MovesAfter(DEFAULT_TETRA_UPDATE_DURATION),
            default_shell: DefaultShell::Cmd,
            locale: Locale::English,
            code_page: CodePage::Utf8,
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

    /// The folder the service runs `sfc.exe` from.
    pub fn connector_folder(&self) -> String {
        format!("{}\\{}", self.install_dir, self.connector_version)
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

    /// Whether the connector is installed at all (its service exists).
    pub fn has_connector(&self) -> bool {
        self.service != ServiceState::Missing
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
    pub(crate) fn short_version(&self) -> String {
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
