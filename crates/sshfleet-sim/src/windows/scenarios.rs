//! The Windows endpoint scenarios: one persona per behaviour of the TAC
//! article's procedure and of the endpoints customers run
//! (docs/DEVICES.md cites the source of each), and how
//! `secure-endpoint-tetra` must end on each.

use super::profile::{CodePage, EndpointProfile, ForceUpdate, Locale, ProxyOutcome, ServiceState};
use super::{CurlOutcome, Expected};

/// Where the connector of `connector-elsewhere` was installed.
pub const CUSTOM_INSTALL_DIR: &str = r"D:\Security\Cisco AMP";
/// The proxy the policy of the proxy personas names.
pub const POLICY_PROXY: &str = "http://proxy.corp.example:8080";

/// The Windows endpoint scenarios (`sshfleet sim --model windows
/// --scenario`, the tests), named and described in the table below.
/// Stale endpoints have TETRA 90600, the newest is 90606. Wherever a
/// network cause is found, `-forceupdate` does not move the version (the
/// download still fails).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EndpointScenario {
    UpToDate,
    StaleDns,
    StaleRevocation,
    StaleConnect,
    StaleProxyConnect,
    StaleProxyAuth,
    StaleProxyDownload,
    StaleFixable,
    UpdateDoesNotMove,
    OldConnector,
    Disconnected,
    ConnectorElsewhere,
    NoCurl,
    ProxyOnly,
    ProxyOnlyFailing,
    LocalisedFr,
    LocalisedDe,
    LastErrorZero,
    NoConnector,
}

named_values!(EndpointScenario, "scenario" {
    UpToDate => "up-to-date", "TETRA 90606; a leftover `7.4.5.20701` folder";
    StaleDns => "stale-dns", "`Resolve-DnsName` fails; curl cannot resolve (exit 6)";
    StaleRevocation => "stale-revocation", "curl fails with `0x80092013` (exit 35)";
    StaleConnect => "stale-connect", "curl times out connecting (exit 28)";
    StaleProxyConnect => "stale-proxy-connect",
        "lasterror 4294965193 (cannot connect to the proxy)";
    StaleProxyAuth => "stale-proxy-auth", "lasterror 4294965196 (proxy authentication)";
    StaleProxyDownload => "stale-proxy-download", "lasterror 4294965187 (proxy download failed)";
    StaleFixable => "stale-fixable",
        "No cause found; `-forceupdate` brings 90606 after 3 s. Connector `10.1.2.30000` \
         with a leftover `9.0.0.1` folder, which sorts after it: the client must use the \
         service's folder, not the last line";
    UpdateDoesNotMove => "update-does-not-move",
        "No cause found; `-forceupdate` changes nothing; lasterror empty";
    OldConnector => "old-connector", "Connector 7.2.5, stale; `sfc.exe` has no `-forceupdate`";
    Disconnected => "disconnected",
        r#"Posture says `"connected": false`; stale, and `-forceupdate` changes nothing"#;
    ConnectorElsewhere => "connector-elsewhere",
        "Installed in `D:\\Security\\Cisco AMP`, not the default folder; stale, \
         `-forceupdate` fixes it";
    NoCurl => "no-curl",
        "Windows Server 2016: no `curl.exe`. Stale, `-forceupdate` changes nothing, \
         nothing else shows why";
    ProxyOnly => "proxy-only",
        "Only the policy's proxy reaches the internet: direct HTTPS times out, the proxy \
         works, `-forceupdate` fixes it";
    ProxyOnlyFailing => "proxy-only-failing",
        "Only the proxy reaches the internet and it refuses the connector's credentials: \
         407, lasterror 4294965196; `-forceupdate` changes nothing";
    LocalisedFr => "localised-fr",
        "French Windows writing cp1252: the revocation check fails with `0x80092013` and \
         a French message";
    LocalisedDe => "localised-de",
        "German Windows writing cp850: the revocation check fails with `0x80092013` and a \
         German message";
    LastErrorZero => "last-error-zero",
        "lasterror `0` (the last update had no error); stale, and `-forceupdate` changes nothing";
    NoConnector => "no-connector", "No connector service: not a Secure Endpoint host";
});

impl EndpointScenario {
    /// Every scenario, in the order of the type.
    pub fn all() -> &'static [EndpointScenario] {
        <Self as crate::Named>::ALL
    }

    /// The endpoint of this scenario; a fixable one's update takes
    /// [`super::DEFAULT_TETRA_UPDATE_DURATION`].
    pub fn profile(self, hostname: &str) -> EndpointProfile {
        let stale = EndpointProfile::stale(hostname);
        let stuck = EndpointProfile {
            force_update: ForceUpdate::DoesNotMove,
            ..stale.clone()
        };
        let revocation = EndpointProfile {
            curl: CurlOutcome::RevocationOffline,
            ..stuck.clone()
        };
        let proxied = EndpointProfile {
            curl: CurlOutcome::ConnectFailed,
            policy_proxy: Some(POLICY_PROXY.to_string()),
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
            EndpointScenario::StaleRevocation => revocation,
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
            EndpointScenario::UpdateDoesNotMove => EndpointProfile {
                last_error: None,
                ..stuck
            },
            EndpointScenario::OldConnector => EndpointProfile {
                connector_version: "7.2.5.20412".to_string(),
                ..stuck
            },
            EndpointScenario::Disconnected => EndpointProfile {
                connected: false,
                ..stuck
            },
            EndpointScenario::ConnectorElsewhere => EndpointProfile {
                install_dir: CUSTOM_INSTALL_DIR.to_string(),
                ..stale
            },
            EndpointScenario::NoCurl => EndpointProfile {
                has_curl: false,
                ..stuck
            },
            EndpointScenario::ProxyOnly => proxied,
            EndpointScenario::ProxyOnlyFailing => EndpointProfile {
                proxy: ProxyOutcome::AuthRequired,
                last_error: Some(4_294_965_196),
                force_update: ForceUpdate::DoesNotMove,
                ..proxied
            },
            EndpointScenario::LocalisedFr => EndpointProfile {
                locale: Locale::French,
                code_page: CodePage::Cp1252,
                ..revocation
            },
            EndpointScenario::LocalisedDe => EndpointProfile {
                locale: Locale::German,
                code_page: CodePage::Cp850,
                ..revocation
            },
            EndpointScenario::LastErrorZero => EndpointProfile {
                last_error: Some(0),
                ..stuck
            },
            EndpointScenario::NoConnector => EndpointProfile {
                service: ServiceState::Missing,
                ..stale
            },
        }
    }

    /// How `secure-endpoint-tetra` must end on this scenario, when the run
    /// knows the newest version (`latest_tetra`, or an up-to-date endpoint
    /// in the same run), without `--check`.
    pub fn expected(self) -> Expected {
        use EndpointScenario as E;
        match self {
            E::UpToDate => Expected::Ok,
            // The forced update moved the version.
            E::StaleFixable | E::ConnectorElsewhere | E::ProxyOnly => Expected::Changed,
            // A cause that blocks the download, a version that does not
            // move, a connector too old to force an update, no connector:
            // never fixed.
            E::StaleDns
            | E::StaleRevocation
            | E::StaleConnect
            | E::StaleProxyConnect
            | E::StaleProxyAuth
            | E::StaleProxyDownload
            | E::UpdateDoesNotMove
            | E::OldConnector
            | E::Disconnected
            | E::NoCurl
            | E::ProxyOnlyFailing
            | E::LocalisedFr
            | E::LocalisedDe
            | E::LastErrorZero
            | E::NoConnector => Expected::Failed,
        }
    }
}
