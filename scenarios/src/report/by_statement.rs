//! The matrix turned around: one row per statement (per version), one cell per
//! broker holding the worst result of the cases citing the statement — which brokers
//! break MQTT-x, and through which cases.

use super::matrix::{Matrix, cell_style, is_failing};
use crate::format::catalogue::Catalogue;
use crate::format::model::Level;
use crate::run::{CaseResult, Verdict};
use crate::version::Version;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One broker's results for one statement.
#[derive(Debug)]
pub struct Cell<'a> {
    /// The worst result: what the cell shows.
    pub worst: (Verdict, Option<Level>),
    /// Cases breaking the statement (see [`is_failing`]).
    pub failing: usize,
    /// Cases the broker ran (not unsupported).
    pub run: usize,
    /// Every result of the cases citing the statement, with its level.
    pub results: Vec<(&'a CaseResult, Option<Level>)>,
}

impl Cell<'_> {
    /// `2 of 3 cases failing`, or `3 cases run`.
    pub fn counts(&self) -> String {
        if self.failing > 0 {
            format!("{} of {} cases failing", self.failing, self.run)
        } else {
            format!("{} cases run", self.run)
        }
    }
}

/// One statement's row.
#[derive(Debug)]
pub struct Row<'a> {
    /// Version whose catalogue holds the statement.
    pub version: Version,
    /// Statement ID.
    pub statement: String,
    /// The cases citing it in that version.
    pub cases: Vec<String>,
    /// One cell per column; `None` when the column has none of the cases.
    pub cells: Vec<Option<Cell<'a>>>,
}

impl Row<'_> {
    /// Whether some broker breaks the statement.
    pub fn failing(&self) -> bool {
        self.cells.iter().flatten().any(|c| c.failing > 0)
    }
}

/// How bad a result is, worst first.
pub fn rank(v: Verdict, level: Option<Level>) -> u8 {
    match (v, level) {
        (Verdict::Fail, _) => 0,
        (Verdict::ExpectedFail, Some(Level::Must)) => 1,
        (Verdict::UnexpectedPass, _) => 2,
        (Verdict::NonStrict, _) => 3,
        (Verdict::ExpectedFail, Some(Level::Should)) => 4,
        (Verdict::Informational, _) => 5,
        (Verdict::ExpectedFail, _) => 6,
        (Verdict::Error, _) => 7,
        (Verdict::Pass, _) => 8,
        (Verdict::Unsupported, _) => 9,
    }
}

/// `MQTT-3.1.2-10` after `MQTT-3.1.2-9`.
pub fn natural(id: &str) -> Vec<(u64, String)> {
    id.split(['-', '.']).map(|p| (p.parse().unwrap_or(u64::MAX), p.to_string())).collect()
}

/// Every statement a case of the matrix cites, by version and then in the
/// specification's order.
pub fn rows(m: &Matrix) -> Vec<Row<'_>> {
    let mut cited: BTreeMap<(Version, String), Vec<String>> = BTreeMap::new();
    for (_, id, version, statements) in m.rows() {
        for s in statements {
            cited.entry((version, s)).or_default().push(id.clone());
        }
    }
    let mut rows: Vec<Row<'_>> = cited
        .into_iter()
        .map(|((version, statement), cases)| {
            let cells = m
                .columns
                .iter()
                .map(|c| {
                    let results: Vec<(&CaseResult, Option<Level>)> = cases
                        .iter()
                        .filter_map(|id| c.result(id, version))
                        .map(|r| (r, m.level(&r.id)))
                        .collect();
                    let worst =
                        results.iter().map(|(r, l)| (r.verdict, *l)).min_by_key(|(v, l)| rank(*v, *l))?;
                    let failing = results.iter().filter(|(r, l)| is_failing(r.verdict, *l)).count();
                    let run = results.iter().filter(|(r, _)| r.verdict != Verdict::Unsupported).count();
                    Some(Cell { worst, failing, run, results })
                })
                .collect();
            Row { version, statement, cases, cells }
        })
        .collect();
    rows.sort_by_key(|r| (r.version, natural(&r.statement)));
    rows
}

/// The statements some broker breaks, as a Markdown table.
pub fn markdown(m: &Matrix, catalogue: &Catalogue) -> String {
    let mut md =
        String::from("\nStatements some broker breaks (the worst of the cases citing it):\n\n| statement |");
    for c in &m.columns {
        let _ = write!(md, " {} |", c.broker);
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(m.columns.len()));
    md.push('\n');
    for row in rows(m).iter().filter(|r| r.failing()) {
        let summary = catalogue
            .by_version
            .get(&row.version)
            .and_then(|list| list.iter().find(|s| s.id == row.statement))
            .map_or(String::new(), |s| format!(": {}", s.summary.replace('|', "\\|")));
        let cells: Vec<String> = row
            .cells
            .iter()
            .map(|c| match c {
                Some(c) if c.failing > 0 => {
                    format!("{} ({} of {})", cell_style(c.worst.0, c.worst.1).1, c.failing, c.run)
                }
                Some(c) => cell_style(c.worst.0, c.worst.1).1.to_string(),
                None => "—".into(),
            })
            .collect();
        let _ = writeln!(md, "| [{}] {}{summary} | {} |", row.version, row.statement, cells.join(" | "));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_statement_shows_the_worst_case_per_broker() {
        let m = super::super::matrix::tests::sample();
        let rows = rows(&m);
        assert_eq!(rows.len(), 1, "both cases cite MQTT-3.1.2-3 in 5.0");
        let a = rows[0].cells[0].as_ref().unwrap();
        assert_eq!(
            (a.worst.0, a.failing, a.run, a.counts().as_str()),
            (Verdict::Fail, 1, 2, "1 of 2 cases failing")
        );
        let b = rows[0].cells[1].as_ref().unwrap();
        assert_eq!((b.worst, b.failing), ((Verdict::ExpectedFail, Some(Level::Must)), 1));
        let md = markdown(&m, &Catalogue::builtin());
        assert!(
            md.contains("| [5.0] MQTT-3.1.2-3: ")
                && md.contains("| FAIL (1 of 2) | expected-fail MUST (1 of 1) |"),
            "{md}"
        );
    }

    #[test]
    fn statements_sort_naturally() {
        let mut ids = ["MQTT-3.1.2-10", "MQTT-3.1.2-9", "MQTT-1.5.4-1"];
        ids.sort_by_key(|s| natural(s));
        assert_eq!(ids, ["MQTT-1.5.4-1", "MQTT-3.1.2-9", "MQTT-3.1.2-10"]);
    }
}
