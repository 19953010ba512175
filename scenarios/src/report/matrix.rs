//! The cross-broker matrix: one column per broker, one row per case (scenario and
//! version), grouped by the spec section the scenario belongs to; as a self-contained
//! HTML page (every cell opens the case's transcript), JSON and Markdown.

use crate::run::{CaseResult, Verdict};
use crate::version::Version;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// One broker's results.
#[derive(Debug, Clone, Serialize)]
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
    /// Its results, one per case.
    pub results: Vec<CaseResult>,
}

impl Column {
    fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for r in &self.results {
            *counts.entry(r.verdict.label()).or_insert(0) += 1;
        }
        counts
    }

    fn result(&self, id: &str, version: Version) -> Option<&CaseResult> {
        self.results.iter().find(|r| r.id == id && r.version == version)
    }
}

/// Every case of any column, sorted, with its statements: (section, id, version, statements).
fn rows(columns: &[Column]) -> Vec<(String, String, Version, Vec<String>)> {
    let mut rows: BTreeMap<(String, Version), Vec<String>> = BTreeMap::new();
    for c in columns {
        for r in &c.results {
            rows.entry((r.id.clone(), r.version)).or_insert_with(|| r.statements.clone());
        }
    }
    rows.into_iter().map(|((id, v), s)| (id.split('/').next().unwrap_or("").to_string(), id, v, s)).collect()
}

fn css_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::NonStrict => "nonstrict",
        Verdict::Informational => "info",
        Verdict::Unsupported => "unsupported",
        Verdict::ExpectedFail => "xfail",
        Verdict::UnexpectedPass => "xpass",
        Verdict::Error => "error",
    }
}

fn esc(s: &str) -> String {
    html_escape::encode_safe(s).to_string()
}

fn transcript_text(r: &CaseResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}  {}", r.name(), r.verdict.label());
    if !r.statements.is_empty() {
        let _ = writeln!(out, "statements: {}", r.statements.join(" "));
    }
    if let Some(m) = &r.message {
        let _ = writeln!(out, "{m}");
    }
    let _ = writeln!(out);
    for e in &r.transcript {
        let _ = writeln!(out, "{:>9.1} ms {:<8} {:?} {}", e.at_ms, e.client, e.direction, e.text);
        if !e.hex.is_empty() {
            let _ = writeln!(out, "{:>20}{}", "", e.hex);
        }
    }
    if r.transcript.is_empty() {
        let _ = writeln!(out, "(no packets: the case did not run against this broker)");
    }
    out
}

/// The self-contained HTML page. A cell's transcript opens on click, or on load when
/// the page's address ends in `#<cell id>` (cells are `c<column>-<row>`).
pub fn html(columns: &[Column], title: &str) -> String {
    let rows = rows(columns);
    let mut h = String::new();
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }}
table {{ border-collapse: collapse; }}
th, td {{ border: 1px solid #ccc; padding: 3px 8px; vertical-align: top; }}
thead th {{ position: sticky; top: 0; background: #f4f4f4; }}
th.section {{ text-align: left; background: #e8eef7; }}
td.case {{ font-family: ui-monospace, monospace; }}
td.statements {{ font-size: 12px; color: #555; max-width: 22em; }}
td.cell {{ text-align: center; cursor: pointer; font-weight: 600; min-width: 7em; }}
.pass {{ background: #c8f0c8; }} .fail {{ background: #f5b5b5; }}
.nonstrict {{ background: #f8e0a0; }} .info {{ background: #dde8f8; }}
.unsupported {{ background: #eeeeee; color: #777; }} .xfail {{ background: #f2d0e8; }}
.xpass {{ background: #b5d8f5; }} .error {{ background: #444; color: #fff; }}
#transcript {{ width: min(90vw, 70em); max-height: 80vh; }}
#transcript pre {{ white-space: pre-wrap; font-size: 12px; }}
.legend span {{ padding: 2px 8px; margin-right: 4px; }}
</style></head><body>
<h1>{title}</h1>
<p class="legend"><span class="pass">pass</span><span class="fail">FAIL (MUST)</span><span class="nonstrict">non-strict (SHOULD)</span><span class="info">informational (MAY)</span><span class="unsupported">unsupported</span><span class="xfail">expected-fail (known deviation)</span><span class="xpass">unexpected-pass</span><span class="error">ERROR (harness, not the broker)</span> Click a cell for its transcript.</p>
<table><thead><tr><th>case</th><th>statements</th>"#
    );
    for c in columns {
        let summary: Vec<String> = c.counts().iter().map(|(k, n)| format!("{n} {k}")).collect();
        let note = c.error.as_deref().map(|e| format!("<br><small>{}</small>", esc(e))).unwrap_or_default();
        let _ = write!(
            h,
            "<th title=\"{}\">{}<br><small>{} · {:.1} s</small>{note}<br><small>{}</small></th>",
            esc(&c.started),
            esc(&c.broker),
            esc(&c.target),
            c.seconds,
            esc(&summary.join(", "))
        );
    }
    h.push_str("</tr></thead><tbody>\n");
    let mut templates = String::new();
    let mut section = String::new();
    for (i, (sec, id, version, statements)) in rows.iter().enumerate() {
        if *sec != section {
            section = sec.clone();
            let _ = writeln!(
                h,
                "<tr><th class=\"section\" colspan=\"{}\">§{}</th></tr>",
                columns.len() + 2,
                esc(sec)
            );
        }
        let _ = write!(
            h,
            "<tr><td class=\"case\">[{version}] {}</td><td class=\"statements\">{}</td>",
            esc(id),
            esc(&statements.join(" "))
        );
        for (j, c) in columns.iter().enumerate() {
            let cell = format!("c{j}-{i}");
            match c.result(id, *version) {
                Some(r) => {
                    let _ = write!(
                        h,
                        "<td id=\"{cell}\" class=\"cell {}\" data-t=\"t-{cell}\">{}</td>",
                        css_class(r.verdict),
                        r.verdict.label()
                    );
                    let _ = writeln!(
                        templates,
                        "<template id=\"t-{cell}\">{}</template>",
                        esc(&transcript_text(r))
                    );
                }
                None => h.push_str("<td class=\"cell unsupported\">—</td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table>\n");
    h.push_str(&templates);
    h.push_str(
        r#"<dialog id="transcript"><form method="dialog"><button>close</button></form><pre id="transcript-text"></pre></dialog>
<script>
function openCell(cell) {
  const t = document.getElementById(cell.dataset.t);
  if (!t) return;
  document.getElementById('transcript-text').textContent = t.content.textContent;
  const d = document.getElementById('transcript');
  d.dataset.cell = cell.id;
  if (!d.open) d.showModal();
}
document.querySelectorAll('td.cell[data-t]').forEach(c => c.addEventListener('click', () => openCell(c)));
if (location.hash.length > 1) {
  const c = document.getElementById(location.hash.slice(1));
  if (c) openCell(c);
}
</script>
</body></html>
"#,
    );
    h
}

/// The matrix as Markdown: a summary per broker, then the cases that are not a pass
/// everywhere.
pub fn markdown(columns: &[Column]) -> String {
    let mut m = String::new();
    m.push_str("| broker | target | pass | FAIL | non-strict | informational | unsupported | expected-fail | unexpected-pass | error | time |\n");
    m.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for c in columns {
        let n = c.counts();
        let get = |k: &str| n.get(k).copied().unwrap_or(0);
        let _ = writeln!(
            m,
            "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {:.1} s |",
            c.broker,
            c.target,
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
    m.push_str("\nCases that do not pass everywhere:\n\n| case |");
    for c in columns {
        let _ = write!(m, " {} |", c.broker);
    }
    m.push_str("\n|---|");
    m.push_str(&"---|".repeat(columns.len()));
    m.push('\n');
    for (_, id, version, _) in rows(columns) {
        let verdicts: Vec<&str> =
            columns.iter().map(|c| c.result(&id, version).map_or("—", |r| r.verdict.label())).collect();
        if verdicts.iter().all(|v| *v == "pass") {
            continue;
        }
        let _ = writeln!(m, "| [{version}] {id} | {} |", verdicts.join(" | "));
    }
    m
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn cells_carry_their_verdict_and_escaped_transcript() {
        let cols = vec![
            Column {
                broker: "A".into(),
                target: "embedded".into(),
                started: String::new(),
                error: None,
                seconds: 1.0,
                results: vec![result("3.1-connect/x", Verdict::Pass), result("3.3-publish/y", Verdict::Fail)],
            },
            Column {
                broker: "B <x>".into(),
                target: "process:b".into(),
                started: String::new(),
                error: None,
                seconds: 2.0,
                results: vec![result("3.1-connect/x", Verdict::ExpectedFail)],
            },
        ];
        let page = html(&cols, "m");
        assert!(page.contains(r#"<td id="c0-1" class="cell fail" data-t="t-c0-1">FAIL</td>"#), "{page}");
        assert!(page.contains(r#"class="cell xfail""#));
        assert!(page.contains("B &lt;x&gt;") && !page.contains("<b>why</b>"));
        assert!(page.contains("§3.1-connect") && page.contains("§3.3-publish"));
        let md = markdown(&cols);
        assert!(md.contains("| [5.0] 3.1-connect/x | pass | expected-fail |"), "{md}");
        assert!(md.contains("| [5.0] 3.3-publish/y | FAIL | — |"), "{md}");
    }
}
