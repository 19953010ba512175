//! What a run was about — tool, target, profile, versions, the capabilities the
//! target showed, corpus, when and how long — as the header a run prints first and
//! the `run` object around the results in the JSON report.

use crate::format::load::Loaded;
use crate::format::model::{Capability, Level};
use crate::run::{Capabilities, CaseResult};
use crate::version::Version;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// A run's facts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunInfo {
    /// `mqttspec 0.1.0`.
    pub tool: String,
    /// The `--target` text.
    pub target: String,
    /// Broker and version, as far as known.
    pub broker: String,
    /// What the run started for the target (`process /usr/sbin/mosquitto`), if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// The profile whose known deviations were applied (`mosquitto 2.0.18`).
    pub profile: Option<String>,
    /// How many deviations it lists.
    pub known_deviations: usize,
    /// Versions asked for.
    pub versions: Vec<Version>,
    /// What the target showed it supports, per version (`None`: refuses it); empty
    /// until known.
    pub capabilities: BTreeMap<Version, Option<Vec<Capability>>>,
    /// `embedded` or the `--corpus` folder.
    pub corpus: String,
    /// Scenarios in the corpus, and selected by the filters.
    pub corpus_scenarios: usize,
    /// Scenarios selected.
    pub selected_scenarios: usize,
    /// Cases (scenario × version) to run.
    pub cases: usize,
    /// UTC start time, ISO 8601.
    pub start_time: String,
    /// Seconds from the start (broker start-up included) to the last result.
    pub duration_s: f64,
    /// The run was cut short (Ctrl-C, SIGTERM, `--max-duration`): the results are
    /// those of the cases that finished.
    pub interrupted: bool,
}

impl RunInfo {
    /// Records what probing found.
    pub fn set_capabilities(&mut self, caps: &Capabilities) {
        self.capabilities = caps
            .iter()
            .filter(|(v, _)| self.versions.contains(v))
            .map(|(v, c)| (*v, c.as_ref().map(|c| c.iter().copied().collect())))
            .collect();
    }

    /// The header a run prints before its first result.
    pub fn header(&self) -> String {
        let mut out = String::new();
        let _ = write!(out, "{} against {}", self.tool, self.target);
        if self.broker != self.target {
            let _ = write!(out, " ({})", self.broker);
        }
        let _ = writeln!(out);
        if let Some(s) = &self.started {
            let _ = writeln!(out, "  started:      {s}");
        }
        let profile = match &self.profile {
            Some(p) => format!("{p} ({} known deviations)", self.known_deviations),
            None => "none".into(),
        };
        let _ = writeln!(out, "  profile:      {profile}");
        let versions: Vec<&str> = self.versions.iter().map(|v| v.as_str()).collect();
        let _ = writeln!(out, "  versions:     {}", versions.join(", "));
        for (i, (v, caps)) in self.capabilities.iter().enumerate() {
            let what = match caps {
                None => "refuses this version".to_string(),
                Some(c) if c.is_empty() => "none of the optional features".to_string(),
                Some(c) => c.iter().map(|c| capability_name(*c)).collect::<Vec<_>>().join(" "),
            };
            let label = if i == 0 { "capabilities:" } else { "" };
            let _ = writeln!(out, "  {label:<13} {:<6} {what}", v.as_str());
        }
        let _ = writeln!(
            out,
            "  corpus:       {} ({} scenarios; {} selected, {} cases)",
            self.corpus, self.corpus_scenarios, self.selected_scenarios, self.cases
        );
        out
    }
}

/// A capability as scenario files spell it (`shared-subscriptions`).
pub fn capability_name(c: Capability) -> String {
    serde_json::to_value(c).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Each scenario's title and level, by id: what reports add to a result.
#[derive(Debug, Default)]
pub struct About<'a>(BTreeMap<&'a str, (&'a str, Level)>);

impl<'a> About<'a> {
    /// The titles and levels of `scenarios`.
    pub fn of(scenarios: &'a [Loaded]) -> About<'a> {
        About(
            scenarios
                .iter()
                .map(|l| (l.scenario.id.as_str(), (l.scenario.title.as_str(), l.scenario.level)))
                .collect(),
        )
    }

    /// The scenario's title (empty if unknown).
    pub fn title(&self, id: &str) -> &'a str {
        self.0.get(id).map_or("", |(t, _)| t)
    }

    /// `must`, `should` or `may` (empty if unknown).
    pub fn level(&self, id: &str) -> &'static str {
        match self.0.get(id).map(|(_, l)| l) {
            Some(Level::Must) => "must",
            Some(Level::Should) => "should",
            Some(Level::May) => "may",
            None => "",
        }
    }

    /// `[MUST] MQTT-3.1.2-3: title — reason` (the reason's first line): what a
    /// broker author reads first.
    pub fn headline(&self, r: &CaseResult) -> String {
        let level = self.level(&r.id).to_uppercase();
        let statements = if r.statements.is_empty() { r.id.clone() } else { r.statements.join(" ") };
        let reason = r.message.as_deref().unwrap_or("").lines().next().unwrap_or("");
        format!("[{level}] {statements}: {} — {reason}", self.title(&r.id))
    }
}

/// One result in the JSON report, with its scenario's title and level.
#[derive(Debug, Serialize)]
pub struct JsonResult<'a> {
    /// The scenario's title.
    pub title: &'a str,
    /// `must`, `should` or `may`.
    pub level: &'static str,
    /// The result.
    #[serde(flatten)]
    pub result: &'a CaseResult,
}

/// The JSON report: the run, then every result.
#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    /// What the run was about.
    pub run: &'a RunInfo,
    /// Every case's result, transcripts included.
    pub results: Vec<JsonResult<'a>>,
}

impl<'a> JsonReport<'a> {
    /// The report of `results`, whose scenarios are among `scenarios`.
    pub fn new(run: &'a RunInfo, results: &'a [CaseResult], scenarios: &'a [Loaded]) -> JsonReport<'a> {
        let about = About::of(scenarios);
        let results = results
            .iter()
            .map(|r| JsonResult { title: about.title(&r.id), level: about.level(&r.id), result: r })
            .collect();
        JsonReport { run, results }
    }
}

/// A Markdown report for a CI job summary: the run in a line, a table of every case
/// that did not pass — verdict, level, statement, case, title, the reason's first
/// line; the broker's failures first, unsupported cases folded away — and the totals.
pub fn markdown(info: &RunInfo, results: &[CaseResult], scenarios: &[Loaded]) -> String {
    use crate::run::Verdict;
    let about = About::of(scenarios);
    let cell = |t: &str| t.replace('|', "\\|").replace('\n', " ");
    let mut out = String::new();
    let _ = writeln!(out, "### mqttspec: {}\n", cell(&info.broker));
    let versions: Vec<&str> = info.versions.iter().map(|v| v.as_str()).collect();
    let _ = writeln!(
        out,
        "`{}` · profile {} · MQTT {} · {} · started {}{}\n",
        info.target,
        info.profile.as_deref().unwrap_or("none"),
        versions.join(", "),
        info.tool,
        info.start_time,
        if info.interrupted { " · **interrupted**: the cases that finished" } else { "" }
    );
    let rank = |v: Verdict| match v {
        Verdict::Fail => 0,
        Verdict::UnexpectedPass => 1,
        Verdict::Error => 2,
        Verdict::NonStrict => 3,
        Verdict::Informational => 4,
        Verdict::ExpectedFail => 5,
        Verdict::Unsupported => 6,
        Verdict::Pass => 7,
    };
    let mut shown: Vec<&CaseResult> = results.iter().filter(|r| r.verdict != Verdict::Pass).collect();
    shown.sort_by_key(|r| (rank(r.verdict), r.id.as_str(), r.version));
    let table_head = "| verdict | level | statement | case | title | reason |\n|---|---|---|---|---|---|\n";
    let row = |r: &CaseResult| {
        let reason = r.message.as_deref().unwrap_or("").lines().next().unwrap_or("");
        format!(
            "| {} | {} | {} | `{}` | {} | {} |\n",
            r.verdict.label(),
            about.level(&r.id).to_uppercase(),
            r.statements.join(" "),
            r.name(),
            cell(about.title(&r.id)),
            cell(reason)
        )
    };
    let (unsupported, rest): (Vec<&CaseResult>, Vec<&CaseResult>) =
        shown.into_iter().partition(|r| r.verdict == Verdict::Unsupported);
    if rest.is_empty() {
        out.push_str("Every case that ran passed.\n\n");
    } else {
        out.push_str(table_head);
        rest.iter().for_each(|r| out.push_str(&row(r)));
        out.push('\n');
    }
    if !unsupported.is_empty() {
        let _ = writeln!(out, "<details><summary>{} unsupported cases</summary>\n", unsupported.len());
        out.push_str(table_head);
        unsupported.iter().for_each(|r| out.push_str(&row(r)));
        out.push_str("\n</details>\n\n");
    }
    let mut counts: BTreeMap<Verdict, usize> = BTreeMap::new();
    for r in results {
        *counts.entry(r.verdict).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(v, n)| format!("{n} {}", v.label())).collect();
    let _ = writeln!(out, "**{} cases in {:.1} s:** {}", results.len(), info.duration_s, parts.join(", "));
    out
}

/// `t` as UTC ISO 8601 (`2026-12-04T13:46:52Z`).
pub fn utc(t: std::time::SystemTime) -> String {
    let secs = t.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Days since 1970-01-01 to a civil date (proleptic Gregorian), by 400-year eras.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn utc_dates() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(utc(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00Z");
        assert_eq!(utc(UNIX_EPOCH + Duration::from_secs(1_796_392_012)), "2026-12-04T13:46:52Z");
    }

    #[test]
    fn markdown_lists_every_case_that_did_not_pass() {
        use crate::report::tests::result;
        use crate::run::Verdict;
        let results = [
            result("a/ok", Verdict::Pass, ""),
            result("a/listed", Verdict::ExpectedFail, "known deviation: x"),
            result("a/bad", Verdict::Fail, "got a|b\nsecond line"),
            result("a/v5", Verdict::Unsupported, "the target refuses MQTT 5.0"),
        ];
        let info = RunInfo { broker: "B".into(), duration_s: 1.5, ..RunInfo::default() };
        let md = markdown(&info, &results, &[]);
        let fail = md.find("| FAIL |").expect(&md);
        assert!(fail < md.find("| expected-fail |").expect(&md), "failures first: {md}");
        assert!(md.contains("`[5.0] a/bad` |  | got a\\|b |"), "{md}");
        assert!(!md.contains("second line") && !md.contains("a/ok"), "{md}");
        assert!(md.contains("<details><summary>1 unsupported cases</summary>"), "{md}");
        assert!(md.contains("**4 cases in 1.5 s:** 1 pass, 1 FAIL, 1 unsupported, 1 expected-fail"), "{md}");
    }

    #[test]
    fn header_says_what_a_run_is_about() {
        let mut info = RunInfo {
            tool: "mqttspec 9".into(),
            target: "tcp://h:1".into(),
            broker: "tcp://h:1".into(),
            profile: Some("x 1".into()),
            known_deviations: 3,
            versions: vec![Version::V311, Version::V5],
            corpus: "embedded".into(),
            corpus_scenarios: 240,
            selected_scenarios: 10,
            cases: 18,
            ..RunInfo::default()
        };
        let caps: Capabilities = [
            (Version::V311, Some([Capability::Qos1, Capability::Retain].into_iter().collect())),
            (Version::V5, None),
        ]
        .into_iter()
        .collect();
        info.set_capabilities(&caps);
        let h = info.header();
        assert!(h.starts_with("mqttspec 9 against tcp://h:1\n"), "{h}");
        assert!(h.contains("x 1 (3 known deviations)"), "{h}");
        assert!(h.contains("3.1.1  qos1 retain") && h.contains("5.0    refuses this version"), "{h}");
        assert!(h.contains("embedded (240 scenarios; 10 selected, 18 cases)"), "{h}");
    }
}
