//! Two runs compared: what changed per broker, case and version between an old and a
//! new results file — the regression view of CI. Both `run --json` files (a list of
//! results, or an object holding them under `results`) and `matrix.json` files (a
//! list of columns, or an object holding them under `columns`) are read.

use crate::run::Verdict;
use crate::version::Version;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// One result as a results file records it: what a comparison needs, nothing more,
/// so that fields added to the results later do not stop old files from loading.
#[derive(Debug, Clone, Deserialize)]
pub struct Recorded {
    /// Scenario id.
    pub id: String,
    /// Version it ran in.
    pub version: Version,
    /// Verdict.
    pub verdict: Verdict,
    /// Why, when not a pass.
    #[serde(default)]
    pub message: Option<String>,
}

/// One broker's results in a results file.
#[derive(Debug, Clone, Default)]
pub struct Side {
    /// Broker and version (empty for a `run --json` file that does not say).
    pub broker: String,
    /// The `--target` it ran as (empty when the file does not say).
    pub target: String,
    /// What the report calls it: the broker, else the target, else the file name.
    pub label: String,
    /// Its results by case and version.
    pub results: BTreeMap<(String, Version), Recorded>,
}

#[derive(Deserialize)]
struct ColumnFile {
    #[serde(default)]
    broker: String,
    #[serde(default)]
    target: String,
    results: Vec<Recorded>,
}

/// Reads a results file: every broker in it.
pub fn read(path: &Path) -> Result<Vec<Side>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut sides = parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    for s in sides.iter_mut().filter(|s| s.label.is_empty()) {
        s.label = path.display().to_string();
    }
    Ok(sides)
}

/// Parses the text of a results file (see the module comment for the shapes).
pub fn parse(text: &str) -> Result<Vec<Side>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let shape_error = "expected a list of results (run --json), a list of columns (matrix.json), \
                       or an object with a `results` or `columns` field";
    let (list, run) = match &value {
        serde_json::Value::Array(list) => (list, None),
        serde_json::Value::Object(o) => match (o.get("columns"), o.get("results")) {
            (Some(serde_json::Value::Array(list)), _) => (list, None),
            (None, Some(serde_json::Value::Array(list))) => (list, Some(o)),
            _ => return Err(shape_error.into()),
        },
        _ => return Err(shape_error.into()),
    };
    let is_columns = list.first().is_some_and(|v| v.get("results").is_some());
    if is_columns && run.is_none() {
        let columns: Vec<ColumnFile> =
            serde_json::from_value(serde_json::Value::Array(list.clone())).map_err(|e| e.to_string())?;
        return Ok(columns.into_iter().map(|c| side(c.broker, c.target, c.results)).collect());
    }
    let results: Vec<Recorded> =
        serde_json::from_value(serde_json::Value::Array(list.clone())).map_err(|e| e.to_string())?;
    // A run object may say what it ran against, at its top or in a `run` field.
    let field = |name: &str| -> String {
        let from = |o: &serde_json::Map<String, serde_json::Value>| o.get(name)?.as_str().map(str::to_string);
        run.and_then(|o| from(o).or_else(|| o.get("run")?.as_object().and_then(from))).unwrap_or_default()
    };
    Ok(vec![side(field("broker"), field("target"), results)])
}

fn side(broker: String, target: String, results: Vec<Recorded>) -> Side {
    let results = results.into_iter().map(|r| ((r.id.clone(), r.version), r)).collect();
    let label = if broker.is_empty() { target.clone() } else { broker.clone() };
    Side { broker, target, label, results }
}

/// The side of `sides` that holds the same broker as a column of `target` and
/// `broker`: the same target, else the same broker label, else the only side when
/// both runs have one broker each (`only`).
pub fn matching<'a>(sides: &'a [Side], target: &str, broker: &str, only: bool) -> Option<&'a Side> {
    sides
        .iter()
        .find(|s| !s.target.is_empty() && s.target == target)
        .or_else(|| sides.iter().find(|s| !s.broker.is_empty() && s.broker == broker))
        .or_else(|| if only && sides.len() == 1 { sides.first() } else { None })
}

/// How a case's result changed from the old run to the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Now a failure (FAIL or UNEXPECTED-PASS), and not one before (or not run).
    NewFailure,
    /// Now misses a SHOULD (non-strict), and did not before.
    NewNonStrict,
    /// Now a harness error: the case could not be run, nothing is known.
    NewError,
    /// Now unsupported: the target lacks (or no longer declares) what the case needs.
    NewlyUnsupported,
    /// Now a pass, after a failure, non-strict, informational or listed result.
    Fixed,
    /// Any other change of verdict (e.g. FAIL now listed as expected-fail).
    Changed,
    /// A case only the new run has.
    Added,
    /// A case only the old run has.
    Removed,
}

impl Change {
    /// Heading of its group in the report.
    pub fn heading(self) -> &'static str {
        match self {
            Change::NewFailure => "new failures",
            Change::NewNonStrict => "new non-strict (SHOULD)",
            Change::NewError => "new harness errors",
            Change::NewlyUnsupported => "newly unsupported",
            Change::Fixed => "fixed",
            Change::Changed => "changed",
            Change::Added => "added",
            Change::Removed => "removed",
        }
    }
}

/// What the change from `old` to `new` is; `None` when nothing changed.
pub fn classify(old: Option<Verdict>, new: Option<Verdict>) -> Option<Change> {
    use Verdict::*;
    let Some(n) = new else { return old.map(|_| Change::Removed) };
    if old == Some(n) {
        return None;
    }
    let was_failure = old.is_some_and(Verdict::is_failure);
    Some(match (old, n) {
        (_, n) if n.is_failure() && !was_failure => Change::NewFailure,
        (_, NonStrict) if !was_failure => Change::NewNonStrict,
        (_, Error) => Change::NewError,
        (_, Unsupported) => Change::NewlyUnsupported,
        (Some(Fail | NonStrict | Informational | ExpectedFail | UnexpectedPass), Pass) => Change::Fixed,
        (None, _) => Change::Added,
        _ => Change::Changed,
    })
}

/// One changed case.
#[derive(Debug, Clone, Serialize)]
pub struct Delta {
    /// Broker (the new run's label, or its target).
    pub broker: String,
    /// Scenario id.
    pub id: String,
    /// Version.
    pub version: Version,
    /// Kind of change.
    pub change: Change,
    /// Old verdict, if the old run has the case.
    pub old: Option<Verdict>,
    /// New verdict, if the new run has the case.
    pub new: Option<Verdict>,
    /// The new run's message (the old one's for a removed case).
    pub message: Option<String>,
}

/// The comparison of two results files.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    /// Every changed case, by broker, kind of change and case.
    pub deltas: Vec<Delta>,
    /// Cases with the same verdict in both runs.
    pub unchanged: usize,
    /// Brokers of the new run the old run does not have (not compared).
    pub unmatched: Vec<String>,
}

/// Compares every broker of `new` with the same broker in `old`.
pub fn compare(old: &[Side], new: &[Side]) -> Diff {
    let mut diff = Diff::default();
    let only = old.len() == 1 && new.len() == 1;
    for n in new {
        let name = n.label.clone();
        let Some(o) = matching(old, &n.target, &n.broker, only) else {
            diff.unmatched.push(name);
            continue;
        };
        let keys: std::collections::BTreeSet<&(String, Version)> =
            o.results.keys().chain(n.results.keys()).collect();
        let mut deltas = Vec::new();
        for key in keys {
            let (was, now) = (o.results.get(key), n.results.get(key));
            match classify(was.map(|r| r.verdict), now.map(|r| r.verdict)) {
                None => diff.unchanged += 1,
                Some(change) => deltas.push(Delta {
                    broker: name.clone(),
                    id: key.0.clone(),
                    version: key.1,
                    change,
                    old: was.map(|r| r.verdict),
                    new: now.map(|r| r.verdict),
                    message: now.or(was).and_then(|r| r.message.clone()),
                }),
            }
        }
        deltas.sort_by(|a, b| (a.change, &a.id, a.version).cmp(&(b.change, &b.id, b.version)));
        diff.deltas.extend(deltas);
    }
    diff
}

impl Diff {
    /// How many changes of this kind.
    pub fn count(&self, change: Change) -> usize {
        self.deltas.iter().filter(|d| d.change == change).count()
    }

    /// Whether the new run regressed: a new failure, or with `strict` a new
    /// non-strict result.
    pub fn regressed(&self, strict: bool) -> bool {
        self.count(Change::NewFailure) > 0 || (strict && self.count(Change::NewNonStrict) > 0)
    }

    /// The report: per broker, the changes grouped by kind, then a total line.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let mut broker = None;
        let mut change = None;
        for d in &self.deltas {
            if broker != Some(&d.broker) {
                let _ = writeln!(out, "== {}", d.broker);
                broker = Some(&d.broker);
                change = None;
            }
            if change != Some(d.change) {
                let n = self.deltas.iter().filter(|x| x.broker == d.broker && x.change == d.change).count();
                let _ = writeln!(out, "{} ({n}):", d.change.heading());
                change = Some(d.change);
            }
            let label = |v: Option<Verdict>| v.map_or("—", Verdict::label);
            let _ = writeln!(out, "  [{}] {:<52} {} → {}", d.version, d.id, label(d.old), label(d.new));
            if let Some(m) = d.message.as_deref().filter(|m| !m.is_empty()) {
                let _ = writeln!(out, "        {}", m.lines().next().unwrap_or(""));
            }
        }
        for u in &self.unmatched {
            let _ = writeln!(out, "== {u}: not in the old run, not compared");
        }
        let kinds = [
            Change::NewFailure,
            Change::NewNonStrict,
            Change::NewError,
            Change::NewlyUnsupported,
            Change::Fixed,
            Change::Changed,
            Change::Added,
            Change::Removed,
        ];
        let parts: Vec<String> = kinds
            .iter()
            .filter(|k| self.count(**k) > 0)
            .map(|k| format!("{}: {}", k.heading(), self.count(*k)))
            .collect();
        let changes = if parts.is_empty() { "no changes".to_string() } else { parts.join(", ") };
        let _ = writeln!(out, "{changes}; unchanged: {}", self.unchanged);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::*;

    #[test]
    fn changes_are_classified_by_what_the_new_run_says() {
        assert_eq!(classify(Some(Pass), Some(Fail)), Some(Change::NewFailure));
        assert_eq!(classify(Some(ExpectedFail), Some(UnexpectedPass)), Some(Change::NewFailure));
        assert_eq!(classify(None, Some(Fail)), Some(Change::NewFailure));
        assert_eq!(classify(Some(Fail), Some(UnexpectedPass)), Some(Change::Changed));
        assert_eq!(classify(Some(Pass), Some(NonStrict)), Some(Change::NewNonStrict));
        assert_eq!(classify(Some(Pass), Some(Error)), Some(Change::NewError));
        assert_eq!(classify(Some(Pass), Some(Unsupported)), Some(Change::NewlyUnsupported));
        assert_eq!(classify(Some(Fail), Some(Pass)), Some(Change::Fixed));
        assert_eq!(classify(Some(ExpectedFail), Some(Pass)), Some(Change::Fixed));
        assert_eq!(classify(Some(Unsupported), Some(Pass)), Some(Change::Changed));
        assert_eq!(classify(Some(Fail), Some(ExpectedFail)), Some(Change::Changed));
        assert_eq!(classify(None, Some(Pass)), Some(Change::Added));
        assert_eq!(classify(Some(Pass), None), Some(Change::Removed));
        assert_eq!(classify(Some(Fail), Some(Fail)), None);
    }

    #[test]
    fn only_new_failures_regress_and_should_counts_when_asked() {
        let old = parse(
            r#"[{"id":"a","version":"5.0","verdict":"pass"},{"id":"b","version":"5.0","verdict":"fail"}]"#,
        )
        .unwrap();
        let should = parse(r#"[{"id":"a","version":"5.0","verdict":"non-strict"},{"id":"b","version":"5.0","verdict":"fail"}]"#).unwrap();
        let d = compare(&old, &should);
        assert_eq!((d.count(Change::NewNonStrict), d.unchanged), (1, 1));
        assert!(!d.regressed(false) && d.regressed(true));
        let error = parse(
            r#"[{"id":"a","version":"5.0","verdict":"error"},{"id":"b","version":"5.0","verdict":"fail"}]"#,
        )
        .unwrap();
        let d = compare(&old, &error);
        assert!(!d.regressed(true) && d.count(Change::NewError) == 1);
        assert!(d.report().contains("new harness errors (1):\n  [5.0] a"), "{}", d.report());
        // The failure b had before is no news.
        let d = compare(&should, &old);
        assert!(!d.regressed(true) && d.count(Change::Fixed) == 1);
    }

    #[test]
    fn every_shape_of_results_file_is_read() {
        let result = r#"{"id":"3.1-connect/x","version":"5.0","verdict":"fail","message":"m","extra":1}"#;
        let list = format!("[{result}]");
        let object = format!(r#"{{"run":{{"target":"tcp://h:1"}},"results":[{result}]}}"#);
        let columns = format!(r#"[{{"broker":"B","target":"embedded","results":[{result}]}}]"#);
        let matrix = format!(r#"{{"run":{{}},"columns":{columns}}}"#);
        for (text, target) in
            [(&list, ""), (&object, "tcp://h:1"), (&columns, "embedded"), (&matrix, "embedded")]
        {
            let sides = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(sides.len(), 1, "{text}");
            assert_eq!(sides[0].target, target, "{text}");
            let r = &sides[0].results[&("3.1-connect/x".to_string(), Version::V5)];
            assert_eq!(r.verdict, Fail);
        }
        assert!(parse("{}").unwrap_err().contains("expected a list"));
        assert!(parse("[{\"id\":1}]").is_err());
        assert!(parse("not json").unwrap_err().contains("not JSON"));
    }
}
