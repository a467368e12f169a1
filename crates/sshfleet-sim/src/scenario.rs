//! Which machines a simulated fleet is made of, and which scenario each
//! host plays: the names `sshfleet sim --scenario` accepts (those of the
//! scenario tables of each model, and `mixed`), the `mixed` spread, and
//! what a shipped playbook must conclude on each.

use std::borrow::Cow;

use crate::{AsyncOsScenario, EndpointScenario, Expected, Named, SimModel};

/// The `--scenario` name that spreads hosts over every scenario of the
/// model.
pub const MIXED: &str = "mixed";

/// One block of the AsyncOS `mixed` spread, repeated over the fleet: per
/// 20 hosts, 7 healthy, 7 broken and one of each of the six fault
/// scenarios (so 35 %, 35 % and 5 % each). The faults come early in the
/// block, so any fleet of 8 hosts or more has every scenario.
const MIXED_BLOCK: [AsyncOsScenario; 20] = {
    use AsyncOsScenario as A;
    [
        A::Healthy,
        A::Broken,
        A::StaleCompletion,
        A::NeverCompletes,
        A::Cluster,
        A::DropMidFollow,
        A::StopAnswering,
        A::Trickle,
        A::Healthy,
        A::Broken,
        A::Healthy,
        A::Broken,
        A::Healthy,
        A::Broken,
        A::Healthy,
        A::Broken,
        A::Healthy,
        A::Broken,
        A::Healthy,
        A::Broken,
    ]
};

/// One block of the Windows `mixed` spread: per 30 endpoints, 11 up to
/// date, 2 fixable and one of each other scenario. An up-to-date endpoint
/// comes first, so any fleet of 19 or more has every scenario and the
/// fleet-relative staleness rule has a newest version to compare with.
const ENDPOINT_MIXED_BLOCK: [EndpointScenario; 30] = {
    use EndpointScenario as E;
    [
        E::UpToDate,
        E::StaleFixable,
        E::StaleDns,
        E::StaleRevocation,
        E::StaleConnect,
        E::StaleProxyConnect,
        E::StaleProxyAuth,
        E::StaleProxyDownload,
        E::UpdateDoesNotMove,
        E::OldConnector,
        E::Disconnected,
        E::ConnectorElsewhere,
        E::NoCurl,
        E::ProxyOnly,
        E::ProxyOnlyFailing,
        E::LocalisedFr,
        E::LocalisedDe,
        E::LastErrorZero,
        E::NoConnector,
        E::UpToDate,
        E::UpToDate,
        E::UpToDate,
        E::StaleFixable,
        E::UpToDate,
        E::UpToDate,
        E::UpToDate,
        E::UpToDate,
        E::UpToDate,
        E::UpToDate,
        E::UpToDate,
    ]
};

/// Which kind of machine a simulated fleet is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Model {
    #[default]
    Asyncos,
    Windows,
}

named_values!(Model, "model" {
    Asyncos => "asyncos", "Secure Email Gateways (AsyncOS CLI), for `esa-ecupdate`";
    Windows => "windows",
        "Windows endpoints with the Secure Endpoint connector (PowerShell over exec requests), \
         for `secure-endpoint-tetra`";
});

impl Model {
    /// The shipped playbook this model rehearses.
    pub fn playbook(self) -> &'static str {
        match self {
            Model::Asyncos => "esa-ecupdate",
            Model::Windows => "secure-endpoint-tetra",
        }
    }

    /// How the banner and inventory name the hosts.
    pub fn noun(self) -> &'static str {
        match self {
            Model::Asyncos => "AsyncOS appliances",
            Model::Windows => "Windows endpoints",
        }
    }

    /// The scenario of `sshfleet sim` without `--scenario`.
    pub fn default_scenario(self) -> ScenarioChoice {
        match self {
            Model::Asyncos => ScenarioChoice::One(AsyncOsScenario::Broken.into()),
            Model::Windows => ScenarioChoice::Mixed,
        }
    }

    /// The default host name prefix.
    pub fn prefix(self) -> &'static str {
        match self {
            Model::Asyncos => "esa",
            Model::Windows => "pc",
        }
    }

    /// Every scenario of this model.
    pub fn scenarios(self) -> Vec<Scenario> {
        match self {
            Model::Asyncos => AsyncOsScenario::all().iter().map(|&s| s.into()).collect(),
            Model::Windows => EndpointScenario::all().iter().map(|&s| s.into()).collect(),
        }
    }

    /// The scenario of host `index` (from 0) in a `mixed` fleet.
    pub fn mixed_scenario(self, index: usize) -> Scenario {
        match self {
            Model::Asyncos => MIXED_BLOCK[index % MIXED_BLOCK.len()].into(),
            Model::Windows => ENDPOINT_MIXED_BLOCK[index % ENDPOINT_MIXED_BLOCK.len()].into(),
        }
    }
}

/// A scenario of either model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scenario {
    AsyncOs(AsyncOsScenario),
    Windows(EndpointScenario),
}

impl Scenario {
    /// The model that plays it.
    pub fn model(self) -> Model {
        match self {
            Scenario::AsyncOs(_) => Model::Asyncos,
            Scenario::Windows(_) => Model::Windows,
        }
    }

    /// The host of this scenario.
    pub fn profile(self, hostname: &str) -> SimModel {
        match self {
            Scenario::AsyncOs(s) => s.profile(hostname).into(),
            Scenario::Windows(s) => s.profile(hostname).into(),
        }
    }

    /// How the model's playbook ([`Model::playbook`]) must end on a host
    /// of this scenario, with default variables and an `update_timeout`
    /// longer than the update.
    pub fn expected(self) -> Expected {
        match self {
            Scenario::AsyncOs(s) => s.expected(),
            Scenario::Windows(s) => s.expected(),
        }
    }
}

impl std::fmt::Display for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scenario::AsyncOs(s) => s.fmt(f),
            Scenario::Windows(s) => s.fmt(f),
        }
    }
}

impl From<AsyncOsScenario> for Scenario {
    fn from(scenario: AsyncOsScenario) -> Self {
        Scenario::AsyncOs(scenario)
    }
}

impl From<EndpointScenario> for Scenario {
    fn from(scenario: EndpointScenario) -> Self {
        Scenario::Windows(scenario)
    }
}

/// What `--scenario` asks for: one scenario, or [`MIXED`]. Its names are
/// those of every model's scenarios, and `mixed`; which model a fleet is
/// made of is `--model`'s to say, so a scenario of the other model is
/// refused when the fleet is planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioChoice {
    One(Scenario),
    Mixed,
}

/// Every choice: the AsyncOS scenarios, the Windows ones, then `mixed`.
const CHOICES: [ScenarioChoice; AsyncOsScenario::ALL.len() + EndpointScenario::ALL.len() + 1] = {
    let mut all =
        [ScenarioChoice::Mixed; AsyncOsScenario::ALL.len() + EndpointScenario::ALL.len() + 1];
    let mut i = 0;
    while i < AsyncOsScenario::ALL.len() {
        all[i] = ScenarioChoice::One(Scenario::AsyncOs(AsyncOsScenario::ALL[i]));
        i += 1;
    }
    let mut j = 0;
    while j < EndpointScenario::ALL.len() {
        all[i + j] = ScenarioChoice::One(Scenario::Windows(EndpointScenario::ALL[j]));
        j += 1;
    }
    all
};

impl Named for ScenarioChoice {
    const ALL: &'static [Self] = &CHOICES;

    fn name(self) -> &'static str {
        match self {
            ScenarioChoice::One(Scenario::AsyncOs(s)) => s.name(),
            ScenarioChoice::One(Scenario::Windows(s)) => s.name(),
            ScenarioChoice::Mixed => MIXED,
        }
    }

    /// Which model's scenario it is, then what it is.
    fn about(self) -> Cow<'static, str> {
        match self {
            ScenarioChoice::One(Scenario::AsyncOs(s)) => format!("AsyncOS: {}", s.about()).into(),
            ScenarioChoice::One(Scenario::Windows(s)) => format!("Windows: {}", s.about()).into(),
            // Counted from the blocks the fleet is dealt from, so the help
            // cannot drift from what `mixed` serves.
            ScenarioChoice::Mixed => {
                let count =
                    |block: &[Scenario], of: Scenario| block.iter().filter(|&&s| s == of).count();
                let esa: Vec<Scenario> = MIXED_BLOCK.iter().map(|&s| s.into()).collect();
                let tetra: Vec<Scenario> = ENDPOINT_MIXED_BLOCK.iter().map(|&s| s.into()).collect();
                format!(
                    "every scenario of the model: per {} AsyncOS hosts {} healthy, {} broken and \
                     one of each fault; per {} Windows endpoints {} up to date, {} fixable and one \
                     of each other",
                    esa.len(),
                    count(&esa, AsyncOsScenario::Healthy.into()),
                    count(&esa, AsyncOsScenario::Broken.into()),
                    tetra.len(),
                    count(&tetra, EndpointScenario::UpToDate.into()),
                    count(&tetra, EndpointScenario::StaleFixable.into()),
                )
                .into()
            }
        }
    }
}

named_values!(@text ScenarioChoice, "scenario");

impl From<Scenario> for ScenarioChoice {
    fn from(scenario: Scenario) -> Self {
        ScenarioChoice::One(scenario)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// What `--scenario mixed`'s help promises besides its counts: every
    /// other scenario of the model once per block.
    #[test]
    fn a_mixed_block_holds_every_other_scenario_once() {
        let blocks: [(Vec<Scenario>, [Scenario; 2]); 2] = [
            (
                MIXED_BLOCK.iter().map(|&s| s.into()).collect(),
                [
                    AsyncOsScenario::Healthy.into(),
                    AsyncOsScenario::Broken.into(),
                ],
            ),
            (
                ENDPOINT_MIXED_BLOCK.iter().map(|&s| s.into()).collect(),
                [
                    EndpointScenario::UpToDate.into(),
                    EndpointScenario::StaleFixable.into(),
                ],
            ),
        ];
        for (block, counted) in blocks {
            let model = block[0].model();
            for scenario in model.scenarios() {
                let n = block.iter().filter(|&&s| s == scenario).count();
                if !counted.contains(&scenario) {
                    assert_eq!(n, 1, "{scenario:?} in the {model:?} mixed block");
                }
            }
        }
        let help = ScenarioChoice::Mixed.about();
        assert!(
            help.contains("per 30 Windows endpoints 11 up to date, 2 fixable"),
            "{help}"
        );
    }

    #[test]
    fn choices_are_every_scenario_of_both_models_and_mixed() {
        let names: Vec<String> = ScenarioChoice::ALL
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            names.len(),
            AsyncOsScenario::all().len() + EndpointScenario::all().len() + 1
        );
        assert_eq!(names.last().map(String::as_str), Some(MIXED));
        let unique: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "a name in both models");
        assert_eq!(
            "stale-dns".parse::<ScenarioChoice>().unwrap(),
            ScenarioChoice::One(EndpointScenario::StaleDns.into())
        );
        assert_eq!(
            "mixed".parse::<ScenarioChoice>().unwrap(),
            ScenarioChoice::Mixed
        );
        assert!("exploding".parse::<ScenarioChoice>().is_err());
    }

    #[test]
    fn every_scenario_belongs_to_its_model() {
        for model in [Model::Asyncos, Model::Windows] {
            for scenario in model.scenarios() {
                assert_eq!(scenario.model(), model, "{scenario}");
                let served = match scenario.profile("h") {
                    SimModel::AsyncOs(_) => Model::Asyncos,
                    SimModel::Windows(_) => Model::Windows,
                    SimModel::Replay(_) => panic!("{scenario} is a recording"),
                };
                assert_eq!(served, model, "{scenario}");
            }
        }
    }
}
