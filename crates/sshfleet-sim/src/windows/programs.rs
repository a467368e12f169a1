//! What the endpoint's programs and cmdlets print (docs/DEVICES.md, "The
//! Secure Endpoint procedure" and "Windows endpoints over OpenSSH for
//! Windows"): the connector service's configuration, `AmpCLI.exe posture`,
//! `sfc.exe -forceupdate`, `local.xml`'s last error, `Resolve-DnsName` and
//! `curl.exe -v`, directly or through a proxy. Messages follow the
//! endpoint's language; codes (exit statuses, HRESULTs, error ids) never
//! change with it.

use super::profile::{Locale, ProxyOutcome, ServiceState};
use super::{CurlOutcome, Endpoint, ExecOutput, ForceUpdate, SERVER_ADDRESS, lock};
use tokio::time::Instant;

/// Where the proxy of the proxy personas answers.
const PROXY_ADDRESS: &str = "10.20.0.8";

impl Endpoint {
    /// `Get-CimInstance Win32_Service` for the connector's service, one
    /// `STATE|PATHNAME` line per service (WMI's state names are not
    /// translated). No service: no output, and no error.
    pub(super) fn services(&self) -> ExecOutput {
        let p = &self.profile;
        let state = match p.service {
            ServiceState::Running => "Running",
            ServiceState::Stopped => "Stopped",
            ServiceState::Missing => return ExecOutput::default(),
        };
        ExecOutput::out(vec![format!(
            "{state}|\"{}\\sfc.exe\"",
            p.connector_folder()
        )])
    }

    pub(super) fn posture(&self) -> String {
        let json_str = |s: &str| serde_json::Value::String(s.to_string()).to_string();
        format!(
            "{{ \"agent_uuid\": {}, \"connected\": {}, \"connector_version\": {}, \
             \"engines\": {{ \"tetra\": {{ \"enabled\": true, \"version\": {} }}, \
             \"spero\": {{ \"enabled\": true }} }}, \
             \"policy\": {{ \"name\": \"Protect\", \"serial\": 83 }} }}",
            json_str(&super::agent_uuid(&self.profile.hostname)),
            self.profile.connected,
            json_str(&self.profile.short_version()),
            self.tetra_version(),
        )
    }

    pub(super) fn force_update(&self) -> ExecOutput {
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

    /// `(Select-Xml -Path 'DIR\local.xml' ...).Node.InnerText`: the value,
    /// nothing for an empty element, PowerShell's error for a wrong folder.
    pub(super) fn last_error(&self, line: &str, dir: &str) -> ExecOutput {
        if !dir.eq_ignore_ascii_case(&self.profile.install_dir) || !self.profile.has_connector() {
            let path = format!("{dir}\\local.xml");
            return ExecOutput::err(
                vec![
                    format!("Select-Xml : Cannot find path '{path}' because it does not exist."),
                    self.at_line(1),
                    format!("+ {line}"),
                    format!(
                        "    + CategoryInfo          : ObjectNotFound: ({path}:String) [Select-Xml], ItemNotFoundException"
                    ),
                    "    + FullyQualifiedErrorId : PathNotFound,Microsoft.PowerShell.Commands.SelectXmlCommand".to_string(),
                    " ".to_string(),
                ],
                1,
            );
        }
        ExecOutput::out(
            self.profile
                .last_error
                .map(|e| e.to_string())
                .into_iter()
                .collect(),
        )
    }

    /// PowerShell's `At line:N char:1`, as the endpoint's language says it.
    fn at_line(&self, n: usize) -> String {
        match self.profile.locale {
            Locale::English => format!("At line:{n} char:1"),
            Locale::French => format!("Au caractère Ligne:{n} : 1"),
            Locale::German => format!("In Zeile:{n} Zeichen:1"),
        }
    }

    pub(super) fn resolve(&self, line: &str, name: &str) -> ExecOutput {
        if self.profile.dns_ok {
            let row = |a: &str, b: &str, c: &str, d: &str, e: &str| {
                format!("{a:<47}{b:<7}{c:<6}{d:<11}{e}")
            };
            return ExecOutput::out(vec![
                String::new(),
                row("Name", "Type", "TTL", "Section", "IPAddress"),
                row("----", "----", "---", "-------", "---------"),
                row(name, "A", "5", "Answer", SERVER_ADDRESS),
                String::new(),
                String::new(),
            ]);
        }
        // DNS_ERROR_RCODE_NAME_ERROR (9003), in the endpoint's language.
        let message = match self.profile.locale {
            Locale::English => "DNS name does not exist",
            Locale::French => "Le nom DNS n'existe pas",
            Locale::German => "DNS-Name ist nicht vorhanden",
        };
        let lines = vec![
            format!("Resolve-DnsName : {name} : {message}"),
            self.at_line(1),
            format!("+ {line}"),
            format!("+ {}", "~".repeat(line.chars().count())),
            format!(
                "    + CategoryInfo          : ResourceUnavailable: ({name}:String) [Resolve-DnsName], Win32Exception"
            ),
            "    + FullyQualifiedErrorId : DNS_ERROR_RCODE_NAME_ERROR,Microsoft.DnsClient.Commands.ResolveDnsName".to_string(),
            " ".to_string(),
        ];
        ExecOutput::err(lines, 1)
    }

    /// CRYPT_E_REVOCATION_OFFLINE (0x80092013) as schannel words it, in the
    /// endpoint's language.
    fn revocation_text(&self) -> &'static str {
        match self.profile.locale {
            Locale::English => {
                "The revocation function was unable to check revocation because the revocation server was offline."
            }
            Locale::French => {
                "La fonction de révocation n'a pas pu vérifier la révocation car le serveur de révocation était hors connexion."
            }
            Locale::German => {
                "Die Sperrfunktion konnte die Sperrung nicht überprüfen, da der Sperrserver offline war."
            }
        }
    }

    /// `curl.exe -v [-x PROXY] https://SERVER`: its `-v` transcript on
    /// stderr and its exit code.
    pub(super) fn curl(&self, server: &str, proxy: Option<&str>) -> ExecOutput {
        let mut lines = Vec::new();
        if let Some(proxy) = proxy {
            match self.proxy_tunnel(server, proxy, &mut lines) {
                Ok(()) => {}
                Err(status) => return ExecOutput::err(lines, status),
            }
        } else {
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
            lines.push(format!("*   Trying {SERVER_ADDRESS}:443..."));
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
            lines.push(format!(
                "* Connected to {server} ({SERVER_ADDRESS}) port 443 (#0)"
            ));
        }
        lines.extend([
            "* schannel: disabled automatic use of client certificate".to_string(),
            "* ALPN: offers http/1.1".to_string(),
        ]);
        let shutdown =
            format!("* schannel: shutting down SSL/TLS connection with {server} port 443");
        if self.profile.curl == CurlOutcome::RevocationOffline {
            let failed = format!(
                "schannel: next InitializeSecurityContext failed: Unknown error (0x80092013) - {}",
                self.revocation_text()
            );
            lines.extend([
                format!("* {failed}"),
                "* Closing connection 0".to_string(),
                shutdown,
                format!("curl: (35) {failed}"),
            ]);
            return ExecOutput::err(lines, 35);
        }
        lines.extend(https_exchange(server, shutdown));
        // The body (empty) is curl's only stdout.
        ExecOutput {
            stdout: Vec::new(),
            stderr: lines,
            status: 0,
        }
    }

    /// The CONNECT through `proxy`: `Err(exit status)` when the proxy
    /// cannot be reached or refuses the tunnel.
    fn proxy_tunnel(&self, server: &str, proxy: &str, lines: &mut Vec<String>) -> Result<(), u32> {
        let hostport = proxy
            .split_once("://")
            .map_or(proxy, |(_, rest)| rest)
            .trim_end_matches('/');
        let (host, port) = hostport.rsplit_once(':').unwrap_or((hostport, "1080"));
        lines.push(format!("*   Trying {PROXY_ADDRESS}:{port}..."));
        if self.profile.proxy == ProxyOutcome::Unreachable {
            let failed = format!(
                "Failed to connect to {host} port {port} after 2034 ms: Couldn't connect to server"
            );
            lines.extend([
                format!("* connect to {PROXY_ADDRESS} port {port} failed: Connection refused"),
                format!("* {failed}"),
                "* Closing connection 0".to_string(),
                format!("curl: (7) {failed}"),
            ]);
            return Err(7);
        }
        lines.extend([
            format!("* Connected to {host} ({PROXY_ADDRESS}) port {port} (#0)"),
            "* allocate connect buffer".to_string(),
            format!("* Establish HTTP proxy tunnel to {server}:443"),
            format!("> CONNECT {server}:443 HTTP/1.1"),
            format!("> Host: {server}:443"),
            "> User-Agent: curl/8.0.1".to_string(),
            "> Proxy-Connection: Keep-Alive".to_string(),
            ">".to_string(),
        ]);
        if self.profile.proxy == ProxyOutcome::AuthRequired {
            lines.extend([
                "< HTTP/1.1 407 Proxy Authentication Required".to_string(),
                "< Proxy-Authenticate: Negotiate".to_string(),
                "< Proxy-Authenticate: Basic realm=\"corp\"".to_string(),
                "< Content-Length: 0".to_string(),
                "<".to_string(),
                "* CONNECT tunnel failed, response 407".to_string(),
                "* Closing connection 0".to_string(),
                "curl: (56) CONNECT tunnel failed, response 407".to_string(),
            ]);
            return Err(56);
        }
        lines.extend([
            "< HTTP/1.1 200 Connection established".to_string(),
            "<".to_string(),
            "* CONNECT phase completed".to_string(),
            "* CONNECT tunnel established, response 200".to_string(),
        ]);
        Ok(())
    }
}

/// The article's successful exchange, after the TLS handshake.
fn https_exchange(server: &str, shutdown: String) -> Vec<String> {
    let date = chrono::Utc::now().format("%a, %d %b %Y %H:%M:%S GMT");
    vec![
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
    ]
}
