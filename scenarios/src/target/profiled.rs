//! Running against a target the way its profile asks: its `jobs`, the cases that
//! bring the broker down last, its known deviations marked, and its named
//! configurations.
//!
//! Named configurations: a scenario that needs a broker configuration of its own
//! (`config:` in the scenario, in the reference broker's keys) runs against a
//! `process:` target only when the target's profile can start its broker configured
//! that way. The profile lists such configurations, each standing for one scenario
//! `config:` key for key; the run starts one broker per configuration the selected
//! cases need, runs those cases against it and stops it. A case whose `config:` no
//! configuration provides stays `unsupported` on that target.

use super::launch::{LaunchError, start_process};
use super::profile::Profile;
use crate::format::load::Loaded;
use crate::run::{CaseResult, RunError, RunOptions, run_all};
use crate::version::Version;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A broker configuration a profile can start.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Configuration {
    /// Name, for reports (`max-qos-1`).
    pub name: String,
    /// The scenario `config:` it stands for, key for key, in the reference broker's
    /// configuration keys (`{maximum-qos: 1}`); or `any` for a broker that reads
    /// those keys itself (the reference broker), whose files then get the scenario's
    /// `config:` in place of `{{config}}`.
    pub provides: Provides,
    /// Files replacing (same name) or added to the process section's files.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// The MQTT versions it stands for (default: all). A scenario running in another
    /// version stays `unsupported`: for settings the broker applies differently there.
    #[serde(default)]
    pub versions: Vec<Version>,
    /// Why it is limited to those versions, or anything else a reader must know.
    #[serde(default)]
    pub note: String,
    /// The user the capability probe connects as, for a configuration that refuses
    /// anonymous clients (the cases themselves stay as they are written).
    #[serde(default)]
    pub probe_as: Option<super::profile::LoginSpec>,
}

/// What a configuration stands for.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Provides {
    /// Every scenario `config:` (written into the files as `{{config}}`).
    Any(AnyConfig),
    /// Exactly this one.
    Exactly(BTreeMap<String, serde_yaml::Value>),
}

/// The word `any`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AnyConfig {
    /// `provides: any`.
    Any,
}

impl Profile {
    /// The configuration providing exactly `config`, if the profile has one.
    pub fn configuration_for(&self, scenario: &crate::format::model::Scenario) -> Option<&Configuration> {
        let config = scenario.config.as_ref()?;
        self.configurations.iter().find(|c| {
            (c.provides == Provides::Any(AnyConfig::Any) || c.provides == Provides::Exactly(config.clone()))
                && (c.versions.is_empty() || scenario.versions.iter().all(|v| c.versions.contains(v)))
        })
    }

    /// This profile with `c`'s files (`{{config}}` filled with `config`) merged into
    /// its process section.
    pub fn configured(&self, c: &Configuration, config: &BTreeMap<String, serde_yaml::Value>) -> Profile {
        let mut p = self.clone();
        let yaml = serde_yaml::to_string(config).unwrap_or_default();
        if let Some(spec) = p.process.as_mut() {
            spec.files.extend(c.files.iter().map(|(k, v)| (k.clone(), v.replace("{{config}}", &yaml))));
        }
        p
    }
}

/// Splits `scenarios` into those the main broker runs and, per configuration of
/// `profile` they need, those a broker so configured runs (their `config:` removed:
/// the broker provides it).
pub fn split<'p>(profile: &'p Profile, scenarios: &[Loaded]) -> (Vec<Loaded>, Vec<Group<'p>>) {
    let mut main = Vec::new();
    let mut groups: Vec<Group<'p>> = Vec::new();
    for l in scenarios {
        let (Some(c), Some(config)) = (profile.configuration_for(&l.scenario), l.scenario.config.clone())
        else {
            main.push(l.clone());
            continue;
        };
        let mut provided = l.clone();
        provided.scenario.config = None;
        match groups.iter_mut().find(|g| g.configuration.name == c.name && g.config == config) {
            Some(g) => g.cases.push(provided),
            None => groups.push(Group { configuration: c, config, cases: vec![provided] }),
        }
    }
    (main, groups)
}

/// Cases that one configured broker runs.
#[derive(Debug)]
pub struct Group<'p> {
    /// The profile's configuration.
    pub configuration: &'p Configuration,
    /// The scenarios' `config:`.
    pub config: BTreeMap<String, serde_yaml::Value>,
    /// The cases, their `config:` removed (the broker provides it).
    pub cases: Vec<Loaded>,
}

/// Runs each group against the broker of `profile` (named `name`) started with its
/// configuration, one configuration at a time. A configuration that does not start
/// turns its cases into errors that say why, rather than failing the whole run.
pub async fn run_groups(
    name: &str,
    profile: &Profile,
    groups: Vec<Group<'_>>,
    versions: &[Version],
    opts: &RunOptions,
) -> Result<Vec<CaseResult>, RunError> {
    let mut results = Vec::new();
    for Group { configuration: c, config, cases } in groups {
        let configured = profile.configured(c, &config);
        let launched = match start_process(name, &configured).await {
            Ok(l) => l,
            Err(e @ (LaunchError::Failed(_) | LaunchError::Unavailable(_) | LaunchError::Invalid(_))) => {
                let why = format!("the broker configured as {:?} did not start: {e}", c.name);
                for l in &cases {
                    for v in versions.iter().filter(|v| l.scenario.versions.contains(v)) {
                        results.push(CaseResult::without_run(l, *v, crate::run::Verdict::Error, why.clone()));
                    }
                }
                continue;
            }
        };
        let mut remote = launched.remote.clone();
        remote.probe_login = c.probe_as.as_ref().map(|l| Box::new(l.to_login()));
        let target = crate::Target::Remote(remote);
        let mut opts = opts.clone();
        // The run's header was given for the main broker.
        opts.on_capabilities = None;
        // A broker that reads the scenario's `config:` itself (the reference broker)
        // has exactly the capabilities the embedded target derives from it: nothing to probe —
        // and a probe's anonymous CONNECT would be refused by `allow-anonymous: false`.
        if c.provides == Provides::Any(AnyConfig::Any) {
            match crate::format::load::broker_config(&config) {
                Ok(cfg) => opts.assume = Some(crate::run::capabilities_of(&cfg)),
                Err(e) => {
                    launched.stop().await;
                    return Err(RunError::Config(format!("configuration {:?}: {e}", c.name)));
                }
            }
        }
        let outcome = run_with(Some(&configured), &cases, versions, &target, opts).await;
        launched.stop().await;
        results.extend(outcome?);
    }
    Ok(results)
}

/// Runs `scenarios` against `target` the way `profile` asks — its `jobs` instead of
/// `opts.jobs`, the cases that bring the broker down last — and marks its known
/// deviations in the results. Without a profile, a plain [`run_all`].
pub async fn run_with(
    profile: Option<&Profile>,
    scenarios: &[Loaded],
    versions: &[Version],
    target: &crate::Target,
    mut opts: RunOptions,
) -> Result<Vec<CaseResult>, RunError> {
    if let Some(p) = profile {
        opts.jobs = p.jobs.unwrap_or(opts.jobs);
        opts.run_last = p.run_last();
        // Progress reports the verdict the summary will: `expected-fail`, not `FAIL`,
        // for a listed deviation.
        if let Some(report) = opts.on_result.take() {
            let p = p.clone();
            opts.on_result = Some(std::sync::Arc::new(move |r: &CaseResult| {
                let mut one = [r.clone()];
                p.apply(&mut one);
                report(&one[0]);
            }));
        }
    }
    let mut results = run_all(scenarios, versions, target, &opts).await?;
    if let Some(p) = profile {
        p.apply(&mut results);
    }
    Ok(results)
}
