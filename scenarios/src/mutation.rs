//! Proving scenarios with statement mutants (builds with the `mutants` feature).
//!
//! Each mutant of the reference broker breaks named statements the way real brokers
//! do. For every mutant and version, the cases citing one of the statements it
//! breaks run against an embedded broker carrying that one fault: the mutant is
//! *killed* when one of them no longer passes, *survives* when all still pass, and is
//! *untested* when no case cites what it breaks. A statement is *proven* in a version
//! when a mutant breaking it is killed there by a case citing it — the only sense in
//! which this suite calls a statement covered.

use crate::format::catalogue::Catalogue;
use crate::format::load::Loaded;
use crate::run::{RunError, RunOptions, Verdict, run_all};
use crate::version::Version;
use crate::{CaseResult, Target};
use mqttspec_broker::mutants::{self, Mutant};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// How a mutant fared in one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// A case citing a statement it breaks no longer passes.
    Killed,
    /// Every case citing a statement it breaks still passes.
    Survived,
    /// No case cites a statement it breaks.
    Untested,
}

/// One mutant in one version.
#[derive(Debug, Clone, Serialize)]
pub struct MutantRun {
    /// The mutant's id.
    pub id: String,
    /// What it does wrong.
    pub description: String,
    /// The version.
    pub version: Version,
    /// The statements it breaks in that version.
    pub statements: Vec<String>,
    /// The outcome.
    pub outcome: Outcome,
    /// The cases that ran, `[version] id` with their verdict.
    pub cases: Vec<(String, Verdict)>,
    /// The statements a killing case cites that the mutant breaks: proven.
    pub proves: Vec<String>,
}

fn statements_of(m: &Mutant, v: Version) -> &'static [&'static str] {
    match v {
        Version::V311 => m.v311,
        Version::V5 => m.v5,
    }
}

/// A case that does not pass against the mutant tells it apart from the correct
/// broker. An `error` says nothing about the broker, so it kills nothing.
fn kills(verdict: Verdict) -> bool {
    matches!(verdict, Verdict::Fail | Verdict::NonStrict | Verdict::Informational)
}

/// Runs every mutant whose id contains `filter` (all by default) against the cases
/// citing what it breaks; `parallel` mutants at once.
pub async fn run(
    corpus: &[Loaded],
    filter: Option<&str>,
    parallel: usize,
    opts: RunOptions,
) -> Result<Vec<MutantRun>, RunError> {
    let chosen: Vec<Mutant> =
        mutants::all().into_iter().filter(|m| filter.is_none_or(|f| m.id.contains(f))).collect();
    let sem = Arc::new(Semaphore::new(parallel.max(1)));
    let mut tasks = Vec::new();
    for m in chosen {
        for v in Version::ALL {
            let broken: Vec<String> = statements_of(&m, v).iter().map(|s| s.to_string()).collect();
            if broken.is_empty() {
                continue;
            }
            let cases: Vec<Loaded> = corpus
                .iter()
                .filter(|l| l.scenario.versions.contains(&v))
                .filter(|l| l.scenario.statements.for_version(v).iter().any(|s| broken.contains(s)))
                .cloned()
                .collect();
            let sem = sem.clone();
            let m = m.clone();
            let mut opts = opts.clone();
            let id = m.id.to_string();
            opts.embedded =
                Some(Arc::new(move |c: &mut mqttspec_broker::Config| c.mutant = Some(id.clone())));
            opts.on_result = None;
            tasks.push(tokio::spawn(async move {
                let _permit = sem.acquire_owned().await;
                let results = if cases.is_empty() {
                    Vec::new()
                } else {
                    run_all(&cases, &[v], &Target::Embedded, &opts).await?
                };
                Ok::<_, RunError>(judge(&m, v, broken, &results))
            }));
        }
    }
    let mut runs = Vec::new();
    for t in tasks {
        match t.await {
            Ok(r) => runs.push(r?),
            Err(e) => return Err(RunError::Broker(format!("a mutant's run failed: {e}"))),
        }
    }
    Ok(runs)
}

fn judge(m: &Mutant, v: Version, broken: Vec<String>, results: &[CaseResult]) -> MutantRun {
    let killers: Vec<&CaseResult> = results.iter().filter(|r| kills(r.verdict)).collect();
    let outcome = if results.is_empty() {
        Outcome::Untested
    } else if killers.is_empty() {
        Outcome::Survived
    } else {
        Outcome::Killed
    };
    let proves: BTreeSet<String> =
        killers.iter().flat_map(|r| r.statements.iter()).filter(|s| broken.contains(s)).cloned().collect();
    MutantRun {
        id: m.id.to_string(),
        description: m.description.to_string(),
        version: v,
        statements: broken,
        outcome,
        cases: results.iter().map(|r| (r.name(), r.verdict)).collect(),
        proves: proves.into_iter().collect(),
    }
}

/// Statements proven per version: broken by a mutant that a case citing them killed.
pub fn proven(runs: &[MutantRun]) -> BTreeMap<Version, BTreeSet<String>> {
    let mut out: BTreeMap<Version, BTreeSet<String>> = BTreeMap::new();
    for r in runs {
        out.entry(r.version).or_default().extend(r.proves.iter().cloned());
    }
    out
}

/// Statements cited per version (broker-testable ones of the catalogue).
pub fn cited(corpus: &[Loaded], catalogue: &Catalogue) -> BTreeMap<Version, BTreeSet<String>> {
    let mut out: BTreeMap<Version, BTreeSet<String>> = BTreeMap::new();
    for v in Version::ALL {
        let testable: BTreeSet<&str> = catalogue
            .by_version
            .get(&v)
            .into_iter()
            .flatten()
            .filter(|s| s.broker_testable)
            .map(|s| s.id.as_str())
            .collect();
        let ids = corpus
            .iter()
            .filter(|l| l.scenario.versions.contains(&v))
            .flat_map(|l| l.scenario.statements.for_version(v))
            .filter(|s| testable.contains(s.as_str()));
        out.entry(v).or_default().extend(ids);
    }
    out
}

/// The report: score per version, then every survivor and untested mutant.
pub fn report(runs: &[MutantRun], corpus: &[Loaded], catalogue: &Catalogue) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let proven = proven(runs);
    let cited = cited(corpus, catalogue);
    for r in runs.iter().filter(|r| r.outcome != Outcome::Killed) {
        let label = match r.outcome {
            Outcome::Survived => "SURVIVED",
            _ => "untested",
        };
        let _ = writeln!(out, "{label:<9} [{}] {}: {}", r.version, r.id, r.description);
        let _ = writeln!(out, "          breaks {}", r.statements.join(" "));
    }
    for v in Version::ALL {
        let of_v: Vec<&MutantRun> = runs.iter().filter(|r| r.version == v).collect();
        let killed = of_v.iter().filter(|r| r.outcome == Outcome::Killed).count();
        let survived = of_v.iter().filter(|r| r.outcome == Outcome::Survived).count();
        let untested = of_v.len() - killed - survived;
        let score = if of_v.is_empty() { 100.0 } else { killed as f64 * 100.0 / of_v.len() as f64 };
        let c = cited.get(&v).map_or(0, BTreeSet::len);
        let p =
            proven.get(&v).map_or(0, |p| p.intersection(cited.get(&v).unwrap_or(&BTreeSet::new())).count());
        let _ = writeln!(
            out,
            "MQTT {v}: mutation score {score:.1} % ({killed} killed, {survived} survived, {untested} untested of {}); statements cited {c}, proven {p}",
            of_v.len()
        );
    }
    out
}
