//! Summaries of a run: by verdict, by spec chapter, and statement coverage.

pub mod by_statement;
pub mod diff;
pub mod matrix;
pub mod matrix_html;
pub mod matrix_md;
pub mod run;

use crate::format::catalogue::Catalogue;
use crate::format::load::Loaded;
use crate::run::{CaseResult, Verdict};
use crate::version::Version;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// A text summary: every case that did not pass with its reason, then counts by
/// chapter and by verdict. Unsupported cases are counted per reason (a 3.1.1-only
/// broker's "refuses MQTT 5.0" once, not per case) unless `verbose`.
pub fn summary(results: &[CaseResult], elapsed: std::time::Duration, verbose: bool) -> String {
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
    let listed = |v: Verdict| !matches!(v, Verdict::Pass | Verdict::Error | Verdict::Unsupported);
    for r in results.iter().filter(|r| listed(r.verdict) || (verbose && r.verdict == Verdict::Unsupported)) {
        let _ = writeln!(out, "{:<13} {}", r.verdict.label(), r.name());
        if let Some(m) = &r.message {
            let _ = writeln!(out, "              {m}");
        }
    }
    if !verbose {
        let mut by_reason: BTreeMap<&str, Vec<&CaseResult>> = BTreeMap::new();
        for r in results.iter().filter(|r| r.verdict == Verdict::Unsupported) {
            by_reason.entry(r.message.as_deref().unwrap_or("")).or_default().push(r);
        }
        for (reason, cases) in by_reason {
            let first = cases[0].name();
            let more = if cases.len() > 1 {
                format!(", {first} and {} more", cases.len() - 1)
            } else {
                format!(", {first}")
            };
            let _ = writeln!(
                out,
                "{:<13} {} cases: {reason}{more} (--verbose lists them)",
                "unsupported",
                cases.len()
            );
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
        let untestable = untestable();
        let argued = |id: &str| untestable.iter().any(|(v, u)| v == version && u == id);
        let uncited: Vec<&str> =
            testable.iter().copied().filter(|id| !cited.contains(*id) && !argued(id)).collect();
        let _ = writeln!(out, "  not cited: {}", uncited.join(" "));
        let argued: Vec<&str> =
            testable.iter().copied().filter(|id| !cited.contains(*id) && argued(id)).collect();
        if !argued.is_empty() {
            let _ = writeln!(out, "  argued untestable (spec/UNTESTABLE.md): {}", argued.join(" "));
        }
    }
    out
}

/// The statements `spec/UNTESTABLE.md` argues no client can observe, per version: its
/// headings `### ID (3.1.1, 5.0)`.
pub fn untestable() -> Vec<(Version, String)> {
    parse_untestable(include_str!("../../../spec/UNTESTABLE.md"))
}

/// Reads the `### ID (versions)` headings of an UNTESTABLE.md text.
pub fn parse_untestable(text: &str) -> Vec<(Version, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("### ") else { continue };
        let Some((id, versions)) = rest.split_once(" (") else { continue };
        for v in versions.trim_end_matches(')').split(',') {
            if let Ok(v) = v.trim().parse::<Version>() {
                out.push((v, id.trim().to_string()));
            }
        }
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

/// The results as JUnit XML: one suite per spec chapter, statement IDs, level and
/// protocol version as properties of each case, the transcript of a non-pass as its
/// output. A failure's message leads with what a broker author needs —
/// `[MUST] MQTT-3.1.2-3: title — reason` — and its step location is relative to the
/// corpus. Class names have no dots (Jenkins and GitLab read dots as packages).
/// With `strict` (`--fail-on should`), a `non-strict` case is a failure too, as it is
/// for the exit status.
pub fn junit(
    results: &[CaseResult],
    scenarios: &[Loaded],
    info: &run::RunInfo,
    strict: bool,
) -> Result<String, String> {
    let about = run::About::of(scenarios);
    // Step locations relative to the corpus, not to wherever it was on the machine
    // that ran it.
    let corpus = match info.corpus.as_str() {
        "embedded" => format!("{}/", crate::format::embedded::CORPUS_PREFIX),
        dir => format!("{}/", dir.trim_end_matches('/')),
    };
    let relative = |text: &str| text.replace(corpus.as_str(), "");
    use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new("mqttspec");
    report.set_time(std::time::Duration::from_secs_f64(info.duration_s.max(0.0)));
    let mut suites: BTreeMap<String, TestSuite> = BTreeMap::new();
    let target = match &info.profile {
        Some(p) if info.broker != info.target => format!("{} ({}; profile {p})", info.target, info.broker),
        Some(p) => format!("{} (profile {p})", info.target),
        None if info.broker != info.target => format!("{} ({})", info.target, info.broker),
        None => info.target.clone(),
    };
    for r in results {
        let chapter = r.id.split('/').next().unwrap_or("").to_string();
        let mut status = match r.verdict {
            Verdict::Fail | Verdict::UnexpectedPass => TestCaseStatus::non_success(NonSuccessKind::Failure),
            Verdict::NonStrict if strict => TestCaseStatus::non_success(NonSuccessKind::Failure),
            Verdict::Error => TestCaseStatus::non_success(NonSuccessKind::Error),
            Verdict::Unsupported => TestCaseStatus::skipped(),
            _ => TestCaseStatus::success(),
        };
        if r.verdict != Verdict::Pass {
            status.set_message(relative(&about.headline(r)));
            status.set_type(r.verdict.label());
        }
        let mut case = TestCase::new(r.name(), status);
        case.set_classname(class_name(&chapter));
        case.set_time(std::time::Duration::from_millis(r.millis));
        case.add_property(Property::new("verdict", r.verdict.label()));
        case.add_property(Property::new("level", about.level(&r.id)));
        case.add_property(Property::new("mqtt-version", r.version.as_str()));
        case.add_property(Property::new("target", target.as_str()));
        for s in &r.statements {
            case.add_property(Property::new("statement", s.as_str()));
        }
        if r.verdict != Verdict::Pass {
            let mut text = format!("{}\n", relative(r.message.as_deref().unwrap_or("")));
            for e in &r.transcript {
                text.push_str(&format!(
                    "{:>9.1} ms {:<8} {:?} {}\n{:>20}{}\n",
                    e.at_ms, e.client, e.direction, e.text, "", e.hex
                ));
            }
            case.set_system_out(text);
        }
        suites
            .entry(chapter.clone())
            .or_insert_with(|| TestSuite::new(class_name(&chapter)))
            .add_test_case(case);
    }
    report.add_test_suites(suites.into_values());
    report.to_string().map_err(|e| e.to_string())
}

/// A JUnit class name without dots: `mqttspec-3_1-connect` for chapter `3.1-connect`.
fn class_name(chapter: &str) -> String {
    format!("mqttspec-{}", chapter.replace('.', "_"))
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 5.0 result of `id` citing MQTT-3.1.2-3.
    pub(crate) fn result(id: &str, verdict: Verdict, message: &str) -> CaseResult {
        CaseResult {
            id: id.into(),
            version: Version::V5,
            statements: vec!["MQTT-3.1.2-3".into()],
            verdict,
            message: Some(message.into()),
            millis: 1,
            transcript: Vec::new(),
        }
    }

    #[test]
    fn unsupported_cases_are_counted_per_reason_unless_verbose() {
        let mut results: Vec<CaseResult> = (0..5)
            .map(|i| {
                result(&format!("3.1-connect/c{i}"), Verdict::Unsupported, "the target refuses MQTT 5.0")
            })
            .collect();
        results.push(result("3.3-publish/p", Verdict::ExpectedFail, "known deviation: x"));
        let short = summary(&results, std::time::Duration::ZERO, false);
        assert!(
            short.contains(
                "unsupported   5 cases: the target refuses MQTT 5.0, [5.0] 3.1-connect/c0 and 4 more"
            ),
            "{short}"
        );
        assert!(!short.contains("c3"), "{short}");
        assert!(short.contains("expected-fail [5.0] 3.3-publish/p"), "{short}");
        assert!(!short.contains("FAIL"), "a listed deviation is never called FAIL: {short}");
        let long = summary(&results, std::time::Duration::ZERO, true);
        assert!(long.contains("unsupported   [5.0] 3.1-connect/c3"), "{long}");
    }
}
