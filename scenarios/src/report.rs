//! Summaries of a run: by verdict, by spec chapter, and statement coverage.

use crate::load::{Catalogue, Loaded};
use crate::model::VersionName;
use crate::run::{CaseResult, Verdict};
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
    for r in results.iter().filter(|r| r.verdict != Verdict::Pass) {
        let _ = writeln!(out, "{:<13} {}", r.verdict.label(), r.name());
        if let Some(m) = &r.message {
            let _ = writeln!(out, "              {m}");
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

/// Statements covered by at least one scenario, per version.
pub fn coverage(scenarios: &[Loaded], catalogue: &Catalogue) -> String {
    let mut out = String::new();
    for (version, statements) in &catalogue.by_version {
        let covered: BTreeSet<String> = scenarios
            .iter()
            .filter(|l| l.scenario.versions.contains(version))
            .flat_map(|l| l.scenario.statements.for_version(*version))
            .filter(|id| catalogue.has(*version, id))
            .collect();
        let testable: Vec<&str> =
            statements.iter().filter(|s| s.broker_testable).map(|s| s.id.as_str()).collect();
        let covered_testable = testable.iter().filter(|id| covered.contains(**id)).count();
        let _ = writeln!(
            out,
            "MQTT {}: {} of {} statements covered; {} of {} broker-testable",
            version_label(*version),
            covered.len(),
            statements.len(),
            covered_testable,
            testable.len()
        );
        let uncovered: Vec<&str> = testable.iter().copied().filter(|id| !covered.contains(*id)).collect();
        let _ = writeln!(out, "  uncovered broker-testable: {}", uncovered.join(" "));
    }
    out
}

fn version_label(v: VersionName) -> &'static str {
    v.as_str()
}
