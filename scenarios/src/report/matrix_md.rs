//! The cross-broker matrix as Markdown (`matrix.md`): a summary per broker, the cases
//! that do not pass everywhere, the statements some broker breaks
//! ([`super::by_statement`]) and, with a baseline, what changed.

use super::diff::Side;
use super::matrix::{Matrix, cell_style};
use std::fmt::Write;

/// The matrix as Markdown: when and with what it was made, a summary per broker, the
/// cases that are not a pass everywhere, the statements some broker breaks, and with a
/// baseline what changed.
pub fn markdown(
    m: &Matrix,
    catalogue: &crate::format::catalogue::Catalogue,
    baseline: Option<&[Side]>,
) -> String {
    let mut md = String::new();
    if !m.run.date.is_empty() {
        let _ = writeln!(md, "Run {} with {}.\n", m.run.date, m.run.tool);
    }
    md.push_str("| broker | target | profile | versions | pass | FAIL | non-strict | informational | unsupported | expected-fail | unexpected-pass | error | time |\n");
    md.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for c in &m.columns {
        let n = c.counts();
        let get = |k: &str| n.get(k).copied().unwrap_or(0);
        let versions: Vec<&str> = c.served().iter().map(|v| v.as_str()).collect();
        let _ = writeln!(
            md,
            "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} s |",
            c.broker,
            c.target,
            m.profile_of(c),
            versions.join(", "),
            get("pass"),
            get("FAIL"),
            get("non-strict"),
            get("informational"),
            get("unsupported"),
            get("expected-fail"),
            get("UNEXPECTED-PASS"),
            get("ERROR"),
            c.seconds
        );
    }
    md.push_str("\nCases that do not pass everywhere:\n\n| case |");
    for c in &m.columns {
        let _ = write!(md, " {} |", c.broker);
    }
    md.push_str("\n|---|");
    md.push_str(&"---|".repeat(m.columns.len()));
    md.push('\n');
    for (_, id, version, _) in m.rows() {
        let level = m.level(&id);
        let verdicts: Vec<&str> = m
            .columns
            .iter()
            .map(|c| c.result(&id, version).map_or("—", |r| cell_style(r.verdict, level).1))
            .collect();
        if verdicts.iter().all(|v| *v == "pass") {
            continue;
        }
        let _ = writeln!(md, "| [{version}] {id} | {} |", verdicts.join(" | "));
    }
    md.push_str(&super::by_statement::markdown(m, catalogue));
    if let Some(b) = baseline {
        let new: Vec<Side> = m
            .columns
            .iter()
            .map(|c| Side {
                broker: c.broker.clone(),
                target: c.target.clone(),
                label: c.broker.clone(),
                results: c
                    .results
                    .iter()
                    .map(|r| {
                        let rec = super::diff::Recorded {
                            id: r.id.clone(),
                            version: r.version,
                            verdict: r.verdict,
                            message: r.message.clone(),
                        };
                        ((r.id.clone(), r.version), rec)
                    })
                    .collect(),
            })
            .collect();
        let _ = write!(
            md,
            "\nChanges against the baseline:\n\n```\n{}```\n",
            super::diff::compare(b, &new).report()
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::matrix::tests::sample;

    #[test]
    fn markdown_keeps_the_severity_of_listed_deviations_and_lists_changes() {
        let m = sample();
        let md = markdown(&m, &crate::Catalogue::builtin(), None);
        assert!(md.starts_with("Run 2026-01-02T03:04:05Z with mqttspec 9."), "{md}");
        assert!(md.contains("| [5.0] 3.1-connect/x | pass | expected-fail MUST |"), "{md}");
        assert!(md.contains("| [5.0] 3.3-publish/y | FAIL | — |"), "{md}");
        let old = super::super::diff::parse(
            r#"[{"broker":"A","target":"embedded","results":[
            {"id":"3.1-connect/x","version":"5.0","verdict":"pass"},
            {"id":"3.3-publish/y","version":"5.0","verdict":"pass"}]}]"#,
        )
        .unwrap();
        let md = markdown(&m, &crate::Catalogue::builtin(), Some(&old));
        assert!(md.contains("new failures (1):\n  [5.0] 3.3-publish/y"), "{md}");
        assert!(md.contains("== B <x>: not in the old run"), "{md}");
    }
}
