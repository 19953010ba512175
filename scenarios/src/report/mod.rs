//! Summaries of a run: by verdict, by spec chapter, and statement coverage.

pub mod matrix;

use crate::format::catalogue::Catalogue;
use crate::format::load::Loaded;
use crate::run::{CaseResult, Verdict};
use crate::version::Version;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// A text summary: counts by verdict, by chapter, then every non-pass with its reason.
pub fn summary(results: &[CaseResult], elapsed: std::time::Duration) -> String {
    let mut out = String::new();
    let mut by_verdict: BTreeMap<Verdict, usize> = BTreeMap::new();
    let mut by_chapter: BTreeMap<String, BTreeMap<Verdict, usize>> = BTreeMap::new();
    for r in results {
        *by_verdict.entry(r.verdict).or_default() += 1;
        let chapter = r.id.split('/').next().unwrap_or("").to_string();
        *by_chapter.entry(chapter).or_default().entry(r.verdict).or_default() += 1;
    }
    // The broker's results first; cases the harness could not run apart, so that
    // they are never read as the broker's failures.
    for r in results.iter().filter(|r| !matches!(r.verdict, Verdict::Pass | Verdict::Error)) {
        let _ = writeln!(out, "{:<13} {}", r.verdict.label(), r.name());
        if let Some(m) = &r.message {
            let _ = writeln!(out, "              {m}");
        }
    }
    let errors: Vec<&CaseResult> = results.iter().filter(|r| r.verdict.is_error()).collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "\ncould not be run (harness errors, not the broker's fault):");
        for r in errors {
            let _ = writeln!(out, "{:<13} {}", r.verdict.label(), r.name());
            if let Some(m) = &r.message {
                let _ = writeln!(out, "              {m}");
            }
        }
    }
    let _ = writeln!(out, "\nby chapter:");
    for (chapter, counts) in &by_chapter {
        let parts: Vec<String> = counts.iter().map(|(v, n)| format!("{n} {}", v.label())).collect();
        let _ = writeln!(out, "  {chapter:<24} {}", parts.join(", "));
    }
    let parts: Vec<String> = by_verdict.iter().map(|(v, n)| format!("{n} {}", v.label())).collect();
    let _ =
        writeln!(out, "\n{} cases in {:.2} s: {}", results.len(), elapsed.as_secs_f64(), parts.join(", "));
    out
}

/// Statements cited by the corpus and proven by mutants, per version. `unproven`
/// holds the cited statements no killed mutant proves (`scenarios/mutants/unproven.yaml`,
/// kept exact by the test suite); without it, only citations are reported.
pub fn coverage(
    scenarios: &[Loaded],
    catalogue: &Catalogue,
    unproven: Option<&BTreeSet<(Version, String)>>,
) -> String {
    let mut out = String::new();
    for (version, statements) in &catalogue.by_version {
        let cited: BTreeSet<String> = scenarios
            .iter()
            .filter(|l| l.scenario.versions.contains(version))
            .flat_map(|l| l.scenario.statements.for_version(*version))
            .filter(|id| catalogue.has(*version, id))
            .collect();
        let testable: Vec<&str> =
            statements.iter().filter(|s| s.broker_testable).map(|s| s.id.as_str()).collect();
        let cited_testable: Vec<&str> = testable.iter().copied().filter(|id| cited.contains(*id)).collect();
        let _ = write!(
            out,
            "MQTT {}: {} of {} broker-testable statements cited",
            version_label(*version),
            cited_testable.len(),
            testable.len(),
        );
        match unproven {
            Some(u) => {
                let proven =
                    cited_testable.iter().filter(|id| !u.contains(&(*version, id.to_string()))).count();
                let _ = writeln!(
                    out,
                    ", {proven} proven (a mutant breaking it is killed by a case citing it); {} statements in all",
                    statements.len()
                );
                let open: Vec<&str> = cited_testable
                    .iter()
                    .copied()
                    .filter(|id| u.contains(&(*version, id.to_string())))
                    .collect();
                let _ = writeln!(out, "  cited, not yet proven: {}", open.join(" "));
            }
            None => {
                let _ = writeln!(
                    out,
                    " (proof by mutants not known for this corpus); {} statements in all",
                    statements.len()
                );
            }
        }
        let uncited: Vec<&str> = testable.iter().copied().filter(|id| !cited.contains(*id)).collect();
        let _ = writeln!(out, "  not cited: {}", uncited.join(" "));
    }
    out
}

/// The cited statements no killed mutant proves, as `scenarios/mutants/unproven.yaml`
/// (beside the corpus folder) lists them.
pub fn read_unproven(corpus_dir: &std::path::Path) -> Option<BTreeSet<(Version, String)>> {
    let path = corpus_dir.parent()?.join("mutants/unproven.yaml");
    parse_unproven(&std::fs::read_to_string(path).ok()?)
}

/// The text of an `unproven.yaml`, as a set; `None` if it does not parse.
pub fn parse_unproven(text: &str) -> Option<BTreeSet<(Version, String)>> {
    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Entry {
        statement: String,
        version: Version,
    }
    let list: Vec<Entry> = serde_yaml::from_str(text).ok()?;
    Some(list.into_iter().map(|e| (e.version, e.statement)).collect())
}

fn version_label(v: Version) -> &'static str {
    v.as_str()
}

/// The results as JUnit XML: one suite per spec chapter, statement IDs and the
/// protocol version as properties of each case, the transcript of a failure as its
/// output.
/// With `strict` (`--fail-on should`), a `non-strict` case is a failure too, as it is
/// for the exit status.
pub fn junit(results: &[CaseResult], target: &str, strict: bool) -> Result<String, String> {
    use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("mqttspec");
    let mut suites: BTreeMap<String, TestSuite> = BTreeMap::new();
    for r in results {
        let chapter = r.id.split('/').next().unwrap_or("").to_string();
        let mut status = match r.verdict {
            Verdict::Fail | Verdict::UnexpectedPass => TestCaseStatus::non_success(NonSuccessKind::Failure),
            Verdict::NonStrict if strict => TestCaseStatus::non_success(NonSuccessKind::Failure),
            Verdict::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
            Verdict::Unsupported => TestCaseStatus::skipped(),
            _ => TestCaseStatus::success(),
        };
        if let Some(m) = &r.message {
            status.set_message(m.as_str());
        }
        let mut case = TestCase::new(r.name(), status);
        case.set_classname(format!("mqttspec.{chapter}"));
        case.set_time(std::time::Duration::from_millis(r.millis));
        case.add_property(Property::new("verdict", r.verdict.label()));
        case.add_property(Property::new("mqtt-version", r.version.as_str()));
        case.add_property(Property::new("target", target));
        for s in &r.statements {
            case.add_property(Property::new("statement", s.as_str()));
        }
        if r.verdict != Verdict::Pass {
            let text: String = r
                .transcript
                .iter()
                .map(|e| {
                    format!(
                        "{:>9.1} ms {:<8} {:?} {}\n{:>20}{}\n",
                        e.at_ms, e.client, e.direction, e.text, "", e.hex
                    )
                })
                .collect();
            case.set_system_out(text);
        }
        suites.entry(chapter.clone()).or_insert_with(|| TestSuite::new(chapter)).add_test_case(case);
    }
    report.add_test_suites(suites.into_values());
    report.to_string().map_err(|e| e.to_string())
}

/// The transcript of every case that did not pass, for `--verbose`.
pub fn transcripts(results: &[CaseResult]) -> String {
    let mut out = String::new();
    for r in results.iter().filter(|r| r.verdict != Verdict::Pass) {
        let _ = writeln!(out, "--- {} ---", r.name());
        for e in &r.transcript {
            let _ = writeln!(
                out,
                "{:>9.1} ms {:<8} {:?} {}\n{:>20}{}",
                e.at_ms, e.client, e.direction, e.text, "", e.hex
            );
        }
    }
    out
}
