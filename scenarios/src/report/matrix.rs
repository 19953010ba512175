//! The cross-broker matrix: one column per broker, one row per case (scenario and
//! version), grouped by the spec section the scenario belongs to; as a self-contained
//! HTML page ([`super::matrix_html`]: filters, a per-statement view, every cell opens
//! the case's transcript), JSON ([`Matrix`], read back by `matrix --from` and
//! `diff`) and Markdown.

use super::diff::Side;
use crate::format::load::Loaded;
use crate::format::model::Level;
use crate::run::{CaseResult, Verdict};
use crate::version::Version;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The whole matrix, as `matrix.json` holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Matrix {
    /// When and with what the matrix was made.
    pub run: RunInfo,
    /// Title and level of every scenario run, by id.
    #[serde(default)]
    pub cases: BTreeMap<String, CaseInfo>,
    /// One column per broker.
    pub columns: Vec<Column>,
}

/// When and with what a matrix was made.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunInfo {
    /// Start of the run, RFC 3339 in UTC (empty in files from before it was recorded).
    #[serde(default)]
    pub date: String,
    /// `mqttspec <version>`.
    #[serde(default)]
    pub tool: String,
    /// The `--filter` the run took, if any.
    #[serde(default)]
    pub filter: Option<String>,
}

impl RunInfo {
    /// A run starting now with this build.
    pub fn now(filter: Option<String>) -> RunInfo {
        RunInfo {
            date: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            tool: format!("mqttspec {}", env!("CARGO_PKG_VERSION")),
            filter,
        }
    }
}

/// What a row shows of its scenario besides results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaseInfo {
    /// The scenario's one-line title.
    pub title: String,
    /// Its requirement level: a listed deviation keeps the colour of its level.
    pub level: Level,
}

/// Titles and levels of `scenarios`, by id.
pub fn case_info(scenarios: &[Loaded]) -> BTreeMap<String, CaseInfo> {
    scenarios
        .iter()
        .map(|l| {
            let info = CaseInfo { title: l.scenario.title.clone(), level: l.scenario.level };
            (l.scenario.id.clone(), info)
        })
        .collect()
}

/// One broker's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Column {
    /// Broker and version (`Mosquitto 2.0.11`).
    pub broker: String,
    /// The `--target` it was run as.
    pub target: String,
    /// What was started (`process /usr/sbin/mosquitto`), if anything.
    pub started: String,
    /// Why it has no results (could not be started), if so.
    pub error: Option<String>,
    /// Wall time of its run, in seconds.
    pub seconds: f64,
    /// The profile whose known deviations were applied (`Mosquitto 2.0.11, 12 known
    /// deviations`), if any.
    #[serde(default)]
    pub profile: Option<String>,
    /// The MQTT versions its profile declares (empty without a profile).
    #[serde(default)]
    pub declared: Vec<Version>,
    /// Its results, one per case.
    pub results: Vec<CaseResult>,
}

impl Column {
    /// Results by verdict label.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for r in &self.results {
            *counts.entry(r.verdict.label()).or_insert(0) += 1;
        }
        counts
    }

    /// The result of a case, if the column has it.
    pub fn result(&self, id: &str, version: Version) -> Option<&CaseResult> {
        self.results.iter().find(|r| r.id == id && r.version == version)
    }

    /// The versions the broker served: those with a result other than unsupported.
    pub fn served(&self) -> Vec<Version> {
        Version::ALL
            .into_iter()
            .filter(|v| self.results.iter().any(|r| r.version == *v && r.verdict != Verdict::Unsupported))
            .collect()
    }
}

impl Matrix {
    /// Reads a `matrix.json`: the current object, or the list of columns older
    /// versions wrote (no run information, titles and levels from `corpus`). Titles
    /// and levels missing from the file are taken from `corpus` too.
    pub fn read(path: &Path, corpus: &[Loaded]) -> Result<Matrix, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Matrix(Matrix),
            Columns(Vec<Column>),
        }
        let shape: Shape = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: not a matrix.json (an object with `run` and `columns`, or a list of columns): {e}",
                path.display()
            )
        })?;
        let mut m = match shape {
            Shape::Matrix(m) => m,
            Shape::Columns(columns) => Matrix { run: RunInfo::default(), cases: BTreeMap::new(), columns },
        };
        for (id, info) in case_info(corpus) {
            m.cases.entry(id).or_insert(info);
        }
        Ok(m)
    }

    /// The level of a case, when known.
    pub fn level(&self, id: &str) -> Option<Level> {
        self.cases.get(id).map(|c| c.level)
    }

    /// Every case of any column, sorted: (section, id, version, statements).
    pub fn rows(&self) -> Vec<(String, String, Version, Vec<String>)> {
        let mut rows: BTreeMap<(String, Version), Vec<String>> = BTreeMap::new();
        for c in &self.columns {
            for r in &c.results {
                rows.entry((r.id.clone(), r.version)).or_insert_with(|| r.statements.clone());
            }
        }
        rows.into_iter()
            .map(|((id, v), s)| (id.split('/').next().unwrap_or("").to_string(), id, v, s))
            .collect()
    }
}

/// How a cell looks: its CSS class and its text. A listed deviation (expected-fail)
/// keeps the severity of the statement it breaks, so that a profile cannot make a
/// MUST violation look like a missed SHOULD.
pub fn cell_style(v: Verdict, level: Option<Level>) -> (&'static str, &'static str) {
    match v {
        Verdict::Pass => ("pass", "pass"),
        Verdict::Fail => ("fail", "FAIL"),
        Verdict::NonStrict => ("nonstrict", "non-strict"),
        Verdict::Informational => ("info", "informational"),
        Verdict::Unsupported => ("unsupported", "unsupported"),
        Verdict::ExpectedFail => match level {
            Some(Level::Must) => ("xfail-must", "expected-fail MUST"),
            Some(Level::Should) => ("xfail-should", "expected-fail SHOULD"),
            Some(Level::May) => ("xfail-may", "expected-fail MAY"),
            None => ("xfail", "expected-fail"),
        },
        Verdict::UnexpectedPass => ("xpass", "UNEXPECTED-PASS"),
        Verdict::Error => ("error", "ERROR"),
    }
}

/// Whether a cell shows the broker breaking (or, listed, known to break) a MUST or a
/// SHOULD, or a listed deviation passing: what "failures only" keeps. MAY-level
/// differences and harness errors are not the broker's failures.
pub fn is_failing(v: Verdict, level: Option<Level>) -> bool {
    match v {
        Verdict::Fail | Verdict::NonStrict | Verdict::UnexpectedPass => true,
        Verdict::ExpectedFail => level != Some(Level::May),
        _ => false,
    }
}

impl Matrix {
    /// What a column's profile cell says: the profile, `none`, or for a file from
    /// before profiles were recorded, `not recorded`.
    pub fn profile_of<'a>(&self, c: &'a Column) -> &'a str {
        match &c.profile {
            Some(p) => p,
            None if self.run.date.is_empty() => "not recorded",
            None => "none",
        }
    }
}

/// The baseline column of each column of `m` (see [`super::diff::matching`]).
pub fn baseline_columns<'a>(m: &Matrix, baseline: Option<&'a [Side]>) -> Vec<Option<&'a Side>> {
    let only = m.columns.len() == 1;
    m.columns
        .iter()
        .map(|c| baseline.and_then(|b| super::diff::matching(b, &c.target, &c.broker, only)))
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn result(id: &str, verdict: Verdict) -> CaseResult {
        CaseResult {
            id: id.into(),
            version: Version::V5,
            statements: vec!["MQTT-3.1.2-3".into()],
            verdict,
            message: Some("<b>why</b>".into()),
            millis: 1,
            transcript: Vec::new(),
        }
    }

    fn column(broker: &str, target: &str, results: Vec<CaseResult>) -> Column {
        let (broker, target) = (broker.into(), target.into());
        Column {
            broker,
            target,
            started: String::new(),
            error: None,
            seconds: 1.0,
            profile: None,
            declared: Vec::new(),
            results,
        }
    }

    /// Two columns: a pass and a FAIL for A, a listed MUST violation for B.
    pub(crate) fn sample() -> Matrix {
        let mut cases = BTreeMap::new();
        cases.insert("3.1-connect/x".into(), CaseInfo { title: "X <title>".into(), level: Level::Must });
        cases.insert("3.3-publish/y".into(), CaseInfo { title: "Y".into(), level: Level::Should });
        Matrix {
            run: RunInfo { date: "2026-01-02T03:04:05Z".into(), tool: "mqttspec 9".into(), filter: None },
            cases,
            columns: vec![
                column(
                    "A",
                    "embedded",
                    vec![result("3.1-connect/x", Verdict::Pass), result("3.3-publish/y", Verdict::Fail)],
                ),
                column("B <x>", "process:b", vec![result("3.1-connect/x", Verdict::ExpectedFail)]),
            ],
        }
    }

    #[test]
    fn matrix_json_round_trips_and_old_lists_of_columns_still_load() {
        let m = sample();
        let dir = std::env::temp_dir().join(format!("mqttspec-matrix-unit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("matrix.json");
        std::fs::write(&path, serde_json::to_string(&m).unwrap()).unwrap();
        let back = Matrix::read(&path, &[]).unwrap();
        assert_eq!(back.run.date, m.run.date);
        assert_eq!(back.columns[1].results[0].verdict, Verdict::ExpectedFail);
        assert_eq!(back.level("3.3-publish/y"), Some(Level::Should));
        std::fs::write(&path, serde_json::to_string(&m.columns).unwrap()).unwrap();
        let old = Matrix::read(&path, &[]).unwrap();
        assert_eq!((old.columns.len(), old.run.date.as_str()), (2, ""));
        std::fs::write(&path, "{\"columns\": 3}").unwrap();
        assert!(Matrix::read(&path, &[]).unwrap_err().contains("not a matrix.json"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
