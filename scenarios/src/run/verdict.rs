//! Verdicts and the result of one case.

use crate::format::load::Loaded;
use crate::format::model::Level;
use crate::version::Version;
use serde::{Deserialize, Serialize};

/// The outcome of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Behaved as the spec requires.
    Pass,
    /// A MUST is violated.
    Fail,
    /// A SHOULD is not met.
    NonStrict,
    /// A MAY-level behaviour differs; for information only.
    Informational,
    /// The target lacks a capability the scenario needs.
    Unsupported,
    /// Failed, as the target's profile says it does.
    ExpectedFail,
    /// Passed although the target's profile lists it as a deviation.
    UnexpectedPass,
    /// The harness could not run the case (the target unreachable, a value the
    /// scenario describes unbuildable): says nothing about the broker.
    Error,
}

impl Verdict {
    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::NonStrict => "non-strict",
            Verdict::Informational => "informational",
            Verdict::Unsupported => "unsupported",
            Verdict::ExpectedFail => "expected-fail",
            Verdict::UnexpectedPass => "UNEXPECTED-PASS",
            Verdict::Error => "ERROR",
        }
    }

    /// The verdict of a broker failing a scenario of this level.
    pub fn for_failure(level: Level) -> Verdict {
        match level {
            Level::Must => Verdict::Fail,
            Level::Should => Verdict::NonStrict,
            Level::May => Verdict::Informational,
        }
    }

    /// Whether the run as a whole fails because of this case (the broker's fault).
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::UnexpectedPass)
    }

    /// Whether the harness could not run this case.
    pub fn is_error(self) -> bool {
        self == Verdict::Error
    }
}

/// The result of one scenario in one version (read back by `matrix --from` and `diff`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseResult {
    /// Scenario id.
    pub id: String,
    /// Version.
    pub version: Version,
    /// Statements the scenario checks.
    pub statements: Vec<String>,
    /// Verdict.
    pub verdict: Verdict,
    /// Why, when not a pass.
    pub message: Option<String>,
    /// Wall time of the case in milliseconds.
    pub millis: u64,
    /// Every packet sent and received.
    pub transcript: Vec<crate::net::client::Entry>,
}

impl CaseResult {
    /// A result with no steps run (unsupported, or not run at all).
    pub fn without_run(loaded: &Loaded, version: Version, verdict: Verdict, message: String) -> CaseResult {
        CaseResult {
            id: loaded.scenario.id.clone(),
            version,
            statements: loaded.scenario.statements.for_version(version),
            verdict,
            message: Some(message),
            millis: 0,
            transcript: Vec::new(),
        }
    }

    /// `[5.0] chapter/name`.
    pub fn name(&self) -> String {
        format!("[{}] {}", self.version, self.id)
    }
}
