//! Target profiles: what a third-party broker is known to do differently, each with a
//! reason checked against the specification. A listed scenario that fails is an
//! `expected-fail`; one that passes is an `unexpected-pass`, reported so the list
//! cannot rot.

use crate::format::load::Loaded;
use crate::run::{CaseResult, Verdict};
use crate::version::Version;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A broker's profile.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Profile {
    /// Broker name.
    pub broker: String,
    /// Version the deviations were recorded against.
    pub version: String,
    /// How the broker was run.
    #[serde(default)]
    pub notes: String,
    /// Which MQTT versions, QoS levels and features the broker declares (shown in the
    /// matrix; the runner still probes the target).
    #[serde(default)]
    pub declares: Declared,
    /// Cases run at once against this broker (overrides `--jobs`), for brokers whose
    /// faults leak from one case into the others when they run side by side.
    #[serde(default)]
    pub jobs: Option<usize>,
    /// Credentials the runner's clients log in with, for brokers that refuse clients
    /// without them.
    #[serde(default)]
    pub login: Option<LoginSpec>,
    /// How to start the broker as a local process (`--target process:<name>`).
    #[serde(default)]
    pub process: Option<super::spec::ProcessSpec>,
    /// How to start the broker as a container (`--target container:IMAGE[:TAG]`).
    #[serde(default)]
    pub container: Option<super::spec::ContainerSpec>,
    /// Broker configurations it can start for scenarios that need one
    /// (`process:` targets; see [`super::profiled`]).
    #[serde(default)]
    pub configurations: Vec<super::profiled::Configuration>,
    /// Known deviations.
    #[serde(default)]
    pub deviations: Vec<Deviation>,
}

/// What a broker declares it supports.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Declared {
    /// MQTT versions served.
    #[serde(default)]
    pub versions: Vec<Version>,
    /// Highest QoS.
    #[serde(default)]
    pub maximum_qos: Option<u8>,
    /// Retained messages.
    #[serde(default)]
    pub retain: Option<bool>,
    /// Anything else worth knowing, in a few words.
    #[serde(default)]
    pub limits: Vec<String>,
}

/// A user name and password.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct LoginSpec {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

impl LoginSpec {
    /// As the runner uses it.
    pub fn to_login(&self) -> crate::net::connector::Login {
        crate::net::connector::Login { username: self.username.clone(), password: self.password.clone() }
    }
}

/// One known deviation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Deviation {
    /// Scenario id.
    pub scenario: String,
    /// Versions it applies to (all the scenario's versions if omitted).
    #[serde(default)]
    pub versions: Vec<Version>,
    /// Why, checked against the spec text.
    pub reason: String,
    /// The broker's own issue, where known.
    #[serde(default)]
    pub issue: Option<String>,
    /// The outcome varies from run to run (timing); a pass is not reported.
    #[serde(default)]
    pub intermittent: bool,
    /// The case brings the broker down: it runs after all others, and the cases run
    /// after it are expected to fail too.
    #[serde(default)]
    pub kills_broker: bool,
}

impl Profile {
    /// Reads a profile without checking it against a corpus.
    pub fn read(path: &Path) -> Result<Profile, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Profile::parse(&text, path)
    }

    /// Parses a profile's text; errors name `shown`.
    pub fn parse(text: &str, shown: &Path) -> Result<Profile, String> {
        serde_yaml::from_str(text).map_err(|e| format!("{}: {e}", shown.display()))
    }

    /// Loads a profile and checks every deviation names a scenario of the corpus.
    pub fn load(path: &Path, corpus: &[Loaded]) -> Result<Profile, String> {
        let profile = Profile::read(path)?;
        profile.check(corpus).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(profile)
    }

    /// Scenarios that bring the broker down, to be run last.
    pub fn run_last(&self) -> Vec<String> {
        self.deviations.iter().filter(|d| d.kills_broker).map(|d| d.scenario.clone()).collect()
    }

    /// Checks that every deviation names a scenario of the corpus.
    pub fn check(&self, corpus: &[Loaded]) -> Result<(), String> {
        for d in &self.deviations {
            if !corpus.iter().any(|l| l.scenario.id == d.scenario) {
                return Err(format!(
                    "profile of {}: deviation for unknown scenario {:?}",
                    self.broker, d.scenario
                ));
            }
        }
        Ok(())
    }

    fn deviation(&self, id: &str, version: Version) -> Option<&Deviation> {
        self.deviations
            .iter()
            .find(|d| d.scenario == id && (d.versions.is_empty() || d.versions.contains(&version)))
    }

    /// Rewrites verdicts of listed scenarios.
    pub fn apply(&self, results: &mut [CaseResult]) {
        for r in results {
            let Some(d) = self.deviation(&r.id, r.version) else { continue };
            match r.verdict {
                Verdict::Fail | Verdict::NonStrict | Verdict::Informational => {
                    r.message = Some(format!(
                        "known deviation: {} (was: {})",
                        d.reason.trim(),
                        r.message.clone().unwrap_or_default()
                    ));
                    r.verdict = Verdict::ExpectedFail;
                }
                Verdict::Pass if !d.intermittent => {
                    r.verdict = Verdict::UnexpectedPass;
                    r.message = Some(format!(
                        "listed as a deviation of {} but passed: update the profile",
                        self.broker
                    ));
                }
                _ => {}
            }
        }
    }
}

/// The directory of this source tree holding the committed profiles (the tests'; the
/// CLI uses the copies compiled into the binary, [`builtin`], unless given `--profiles`).
pub fn default_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles")
}

/// Every profile in `dir`, by file stem (`mosquitto`, `nats`, ...).
pub fn all_in(dir: &Path) -> Result<Vec<(String, Profile)>, String> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "yaml")) {
        let name = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        out.push((name, Profile::read(&path)?));
    }
    Ok(out)
}

/// The profiles compiled into the binary, by file stem.
pub fn builtin() -> Result<Vec<(String, Profile)>, String> {
    let prefix = Path::new(crate::format::embedded::PROFILES_PREFIX);
    let mut out = Vec::new();
    for (file, text) in crate::format::embedded::profiles() {
        let shown = prefix.join(&file);
        let text = text.map_err(|e| format!("{}: {e}", shown.display()))?;
        let name = file.strip_suffix(".yaml").unwrap_or(&file).to_string();
        out.push((name, Profile::parse(&text, &shown)?));
    }
    Ok(out)
}

/// Results a profile does not account for (failures, SHOULD-level results, unexpected
/// passes), one line each: what a CI check of a third-party broker asserts is empty.
pub fn unexplained(results: &[CaseResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| r.verdict.is_failure() || r.verdict == Verdict::NonStrict)
        .map(|r| format!("{} {}: {}", r.verdict.label(), r.name(), r.message.clone().unwrap_or_default()))
        .collect()
}
