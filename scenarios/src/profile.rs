//! Target profiles: what a third-party broker is known to do differently, each with a
//! reason checked against the specification. A listed scenario that fails is an
//! `expected-fail`; one that passes is an `unexpected-pass`, reported so the list
//! cannot rot.

use crate::load::Loaded;
use crate::model::VersionName;
use crate::run::{CaseResult, Verdict};
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
    /// Known deviations.
    #[serde(default)]
    pub deviations: Vec<Deviation>,
}

/// One known deviation.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Deviation {
    /// Scenario id.
    pub scenario: String,
    /// Versions it applies to (all the scenario's versions if omitted).
    #[serde(default)]
    pub versions: Vec<VersionName>,
    /// Why, checked against the spec text.
    pub reason: String,
    /// The broker's own issue, where known.
    #[serde(default)]
    pub issue: Option<String>,
    /// The outcome varies from run to run (timing); a pass is not reported.
    #[serde(default)]
    pub intermittent: bool,
}

impl Profile {
    /// Loads a profile and checks every deviation names a scenario of the corpus.
    pub fn load(path: &Path, corpus: &[Loaded]) -> Result<Profile, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let profile: Profile = serde_yaml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        for d in &profile.deviations {
            if !corpus.iter().any(|l| l.scenario.id == d.scenario) {
                return Err(format!("{}: deviation for unknown scenario {:?}", path.display(), d.scenario));
            }
        }
        Ok(profile)
    }

    fn deviation(&self, id: &str, version: &str) -> Option<&Deviation> {
        self.deviations.iter().find(|d| {
            d.scenario == id && (d.versions.is_empty() || d.versions.iter().any(|v| v.as_str() == version))
        })
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
