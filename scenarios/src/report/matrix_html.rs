//! The matrix as one self-contained HTML page: run metadata, a legend, filters
//! (failures only, per version, hide unsupported, changed since a baseline, a search
//! box), a view by case and a view by statement. Plain JavaScript, no external file:
//! the page is an artifact users open from a CI run.
//!
//! The filters can be set from the page's address, so that a view can be linked:
//! `#failures&v=5.0&hide-unsupported&changed&view=statements&q=MQTT-3.1.2-3`. An address
//! `#c<column>-<row>` opens that cell's transcript instead.

use super::diff::Side;
use super::matrix::{Matrix, baseline_columns, cell_style, is_failing};
use crate::format::catalogue::Catalogue;
use crate::run::{CaseResult, Verdict};
use crate::version::Version;
use std::collections::BTreeMap;
use std::fmt::Write;

fn esc(s: &str) -> String {
    html_escape::encode_double_quoted_attribute(s).to_string()
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

const STYLE: &str = r#"
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 3px 8px; vertical-align: top; }
thead th { position: sticky; top: 0; background: #f4f4f4; }
th.section { text-align: left; background: #e8eef7; }
td.case { font-family: ui-monospace, monospace; }
td.case small { font-family: system-ui, sans-serif; color: #555; }
td.statements { font-size: 12px; color: #555; max-width: 22em; }
td.statements span, td.stmt span { border-bottom: 1px dotted #999; cursor: help; }
td.cell { text-align: center; cursor: pointer; font-weight: 600; min-width: 7em; }
td.cell small { display: block; font-weight: 400; font-size: 11px; }
.pass { background: #c8f0c8; } .fail { background: #f5b5b5; }
.nonstrict { background: #f8e0a0; } .info { background: #dde8f8; }
.unsupported { background: #eeeeee; color: #777; } .xfail { background: #f2d0e8; }
.xfail-must { background: repeating-linear-gradient(135deg, #f5b5b5 0 6px, #fde8e8 6px 12px); color: #7a1010; }
.xfail-should { background: repeating-linear-gradient(135deg, #f8e0a0 0 6px, #fdf4dc 6px 12px); color: #6a4a00; }
.xfail-may { background: repeating-linear-gradient(135deg, #dde8f8 0 6px, #f3f7fd 6px 12px); }
.xpass { background: #b5d8f5; } .error { background: #444; color: #fff; }
.changed { outline: 3px solid #7b1fa2; outline-offset: -3px; }
body.hide-unsupported td.cell.unsupported { color: transparent; background: none; }
#transcript { width: min(90vw, 70em); max-height: 80vh; }
#transcript pre { white-space: pre-wrap; font-size: 12px; }
.legend { display: grid; grid-template-columns: max-content auto; gap: 2px 10px; margin: 1em 0; font-size: 13px; }
.legend span.swatch { padding: 1px 8px; font-weight: 600; text-align: center; }
.controls { margin: 1em 0; padding: 6px 10px; background: #f7f7f7; border: 1px solid #ddd; }
.controls label { margin-right: 1em; white-space: nowrap; }
.controls input[type=search] { width: 22em; }
table.brokers td, table.brokers th { font-size: 13px; }
"#;

const LEGEND: &[(&str, &str, &str)] = &[
    ("pass", "pass", "behaves as the statement requires"),
    ("fail", "FAIL", "violates a MUST: fails the run"),
    ("nonstrict", "non-strict", "misses a SHOULD (fails the run with --fail-on should)"),
    ("info", "informational", "differs where the spec says MAY; for information only"),
    (
        "xfail-must",
        "expected-fail MUST",
        "violates a MUST, listed in the broker's profile as a known deviation",
    ),
    ("xfail-should", "expected-fail SHOULD", "misses a SHOULD, listed in the broker's profile"),
    ("xfail-may", "expected-fail MAY", "a MAY-level difference listed in the profile"),
    (
        "xpass",
        "UNEXPECTED-PASS",
        "listed as a deviation but passed: the profile is out of date (fails the run)",
    ),
    ("unsupported", "unsupported", "the broker lacks an optional capability the case needs (or the version)"),
    ("error", "ERROR", "the harness could not run the case: says nothing about the broker"),
];

const SCRIPT: &str = r#"
const $ = id => document.getElementById(id);
function openCell(cell) {
  const t = document.getElementById(cell.dataset.t);
  if (!t) return;
  $('transcript-text').textContent = t.content.textContent;
  const d = $('transcript');
  d.dataset.cell = cell.id;
  if (!d.open) d.showModal();
}
function view() { return document.querySelector('input[name=view]:checked').value; }
function apply() {
  const failures = $('f-failures').checked, hideU = $('f-unsupported').checked;
  const changed = $('f-changed') ? $('f-changed').checked : false;
  const versions = new Set([...document.querySelectorAll('input.f-version:checked')].map(i => i.value));
  const q = $('f-search').value.trim().toLowerCase();
  // A statement ID matches itself only: MQTT-3.2.2-1 is not MQTT-3.2.2-16.
  const exact = /^mqtt-[0-9.]+-[0-9]+$/.test(q);
  const found = s => !q || (exact ? (' ' + s + ' ').includes(' ' + q + ' ') : s.includes(q));
  document.body.classList.toggle('hide-unsupported', hideU);
  let shown = 0;
  for (const table of document.querySelectorAll('table.rows')) {
    table.hidden = table.id !== view();
    let section = null, any = false;
    for (const tr of table.tBodies[0].rows) {
      if (tr.classList.contains('section')) {
        if (section) section.hidden = !any;
        section = tr; any = false; continue;
      }
      const show = versions.has(tr.dataset.v) && (!failures || tr.dataset.fail === '1')
        && (!hideU || tr.dataset.unsup !== '1') && (!changed || tr.dataset.changed === '1')
        && found(tr.dataset.s);
      tr.hidden = !show;
      if (show) { any = true; if (!table.hidden) shown++; }
    }
    if (section) section.hidden = !any;
  }
  $('shown').textContent = shown + ' rows shown';
  const parts = [];
  if (failures) parts.push('failures');
  if (hideU) parts.push('hide-unsupported');
  if (changed) parts.push('changed');
  if (versions.size === 1) parts.push('v=' + [...versions][0]);
  if (view() !== 'cases') parts.push('view=' + view());
  if (q) parts.push('q=' + encodeURIComponent(q));
  // The address follows the filters, so that a view can be shared (file: pages may refuse).
  try {
    if (!/^#c\d+-\d+$/.test(location.hash) || parts.length)
      history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname);
  } catch (e) {}
}
function fromHash(hash) {
  for (const part of hash.split('&')) {
    const [k, v] = part.split('=');
    if (k === 'failures') $('f-failures').checked = true;
    else if (k === 'hide-unsupported') $('f-unsupported').checked = true;
    else if (k === 'changed' && $('f-changed')) $('f-changed').checked = true;
    else if (k === 'v') document.querySelectorAll('input.f-version').forEach(i => i.checked = i.value === v);
    else if (k === 'view') document.querySelectorAll('input[name=view]').forEach(i => i.checked = i.value === v);
    else if (k === 'q') $('f-search').value = decodeURIComponent(v || '');
  }
}
document.querySelectorAll('td.cell[data-t]').forEach(c => c.addEventListener('click', () => openCell(c)));
document.querySelectorAll('td.scell').forEach(c => c.addEventListener('click', () => {
  $('f-search').value = c.dataset.q;
  document.querySelector('input[name=view][value=cases]').checked = true;
  apply();
}));
document.querySelectorAll('.controls input').forEach(i => i.addEventListener('input', apply));
const hash = location.hash.slice(1);
const cell = /^c\d+-\d+$/.test(hash) ? document.getElementById(hash) : null;
if (cell) openCell(cell); else fromHash(hash);
apply();
"#;

/// The page. Cells of the case view are `c<column>-<row>`; with a `baseline`, a cell
/// whose verdict differs from the baseline's is outlined and says what it was.
pub fn html(m: &Matrix, catalogue: &Catalogue, title: &str, baseline: Option<&[Side]>) -> String {
    let summaries: BTreeMap<(Version, &str), (&str, &str)> = catalogue
        .by_version
        .iter()
        .flat_map(|(v, list)| {
            list.iter().map(move |s| ((*v, s.id.as_str()), (s.summary.as_str(), s.section.as_str())))
        })
        .collect();
    let summary = |v: Version, id: &str| summaries.get(&(v, id)).map_or("", |s| s.0);
    let bases = baseline_columns(m, baseline);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        esc(title),
        esc(title)
    );
    // Run metadata.
    let date = if m.run.date.is_empty() { "an unrecorded date" } else { m.run.date.as_str() };
    let tool = if m.run.tool.is_empty() { "mqttspec" } else { m.run.tool.as_str() };
    let filter =
        m.run.filter.as_deref().map(|f| format!(", scenarios matching “{}”", esc(f))).unwrap_or_default();
    let base_note = if baseline.is_some() { "; outlined cells changed since the baseline run" } else { "" };
    let _ = writeln!(
        h,
        "<p id=\"run\">Run on {} with {}{filter}: {} cases{base_note}.</p>",
        esc(date),
        esc(tool),
        m.rows().len()
    );
    h.push_str("<table class=\"brokers\"><thead><tr><th>broker</th><th>target</th><th>started</th><th>profile</th><th>versions served (declared)</th><th>time</th><th>results</th></tr></thead><tbody>\n");
    for c in &m.columns {
        let counts: Vec<String> = c.counts().iter().map(|(k, n)| format!("{n} {k}")).collect();
        let served: Vec<&str> = c.served().iter().map(|v| v.as_str()).collect();
        let declared: Vec<&str> = c.declared.iter().map(|v| v.as_str()).collect();
        let declared =
            if declared.is_empty() { String::new() } else { format!(" ({})", declared.join(", ")) };
        let results = match &c.error {
            Some(e) => format!("not run: {}", esc(e)),
            None => esc(&counts.join(", ")),
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}{}</td><td>{:.1} s</td><td>{results}</td></tr>",
            esc(&c.broker),
            esc(&c.target),
            esc(&c.started),
            esc(m.profile_of(c)),
            served.join(", "),
            esc(&declared),
            c.seconds
        );
    }
    h.push_str("</tbody></table>\n<div class=\"legend\">\n");
    for (class, label, meaning) in LEGEND {
        let _ = writeln!(h, "<span class=\"swatch {class}\">{label}</span><span>{meaning}</span>");
    }
    if baseline.is_some() {
        h.push_str("<span class=\"swatch changed\">was …</span><span>changed since the baseline run (<code>matrix --baseline</code>)</span>\n");
    }
    h.push_str("</div>\n");
    // Controls.
    h.push_str(
        "<div class=\"controls\"><label><input type=\"checkbox\" id=\"f-failures\"> failures only</label>",
    );
    for v in Version::ALL {
        let _ = write!(
            h,
            "<label><input type=\"checkbox\" class=\"f-version\" value=\"{v}\" checked> {v}</label>"
        );
    }
    h.push_str("<label><input type=\"checkbox\" id=\"f-unsupported\"> hide unsupported</label>");
    if baseline.is_some() {
        h.push_str("<label><input type=\"checkbox\" id=\"f-changed\"> changed only</label>");
    }
    h.push_str("<input type=\"search\" id=\"f-search\" placeholder=\"case id, title or statement\"> view: <label><input type=\"radio\" name=\"view\" value=\"cases\" checked> by case</label><label><input type=\"radio\" name=\"view\" value=\"statements\"> by statement</label> <span id=\"shown\"></span></div>\n");
    let header: String = m
        .columns
        .iter()
        .map(|c| {
            format!(
                "<th title=\"{}\">{}<br><small>{}</small></th>",
                esc(&c.started),
                esc(&c.broker),
                esc(&c.target)
            )
        })
        .collect();
    // View by case.
    let rows = m.rows();
    let _ = writeln!(
        h,
        "<table id=\"cases\" class=\"rows\"><thead><tr><th>case</th><th>statements</th>{header}</tr></thead><tbody>"
    );
    let mut templates = String::new();
    let mut section = String::new();
    let mut changed_cases = std::collections::BTreeSet::new();
    for (i, (sec, id, version, statements)) in rows.iter().enumerate() {
        if *sec != section {
            section = sec.clone();
            let _ = writeln!(
                h,
                "<tr class=\"section\"><th class=\"section\" colspan=\"{}\">§{}</th></tr>",
                m.columns.len() + 2,
                esc(sec)
            );
        }
        let level = m.level(id);
        let title = m.cases.get(id).map_or("", |c| c.title.as_str());
        let (mut fail, mut unsup, mut changed, mut cells) = (false, true, false, String::new());
        for (j, c) in m.columns.iter().enumerate() {
            let cell = format!("c{j}-{i}");
            let Some(r) = c.result(id, *version) else {
                cells.push_str("<td class=\"cell unsupported\">—</td>");
                continue;
            };
            fail |= is_failing(r.verdict, level);
            unsup &= r.verdict == Verdict::Unsupported;
            let (class, label) = cell_style(r.verdict, level);
            let was = bases[j].map(|b| b.results.get(&(id.clone(), *version)).map(|o| o.verdict));
            let was = match was {
                Some(Some(old)) if old != r.verdict => Some(cell_style(old, level).1),
                Some(None) => Some("not run"),
                _ => None,
            };
            changed |= was.is_some();
            let (extra, note) = match was {
                Some(w) => (" changed", format!("<small>was {w}</small>")),
                None => ("", String::new()),
            };
            let tip = r.message.as_deref().unwrap_or("").lines().next().unwrap_or("");
            let _ = write!(
                cells,
                "<td id=\"{cell}\" class=\"cell {class}{extra}\" data-t=\"t-{cell}\" title=\"{}\">{label}{note}</td>",
                esc(tip)
            );
            let _ = writeln!(templates, "<template id=\"t-{cell}\">{}</template>", esc(&transcript_text(r)));
        }
        if changed {
            changed_cases.insert((id.clone(), *version));
        }
        let spans: Vec<String> = statements
            .iter()
            .map(|s| format!("<span title=\"{}\">{}</span>", esc(summary(*version, s)), esc(s)))
            .collect();
        let search = format!("{id} {title} {}", statements.join(" ")).to_lowercase();
        let _ = writeln!(
            h,
            "<tr data-v=\"{version}\" data-fail=\"{}\" data-unsup=\"{}\" data-changed=\"{}\" data-s=\"{}\"><td class=\"case\">[{version}] {}<br><small>{}</small></td><td class=\"statements\">{}</td>{cells}</tr>",
            u8::from(fail),
            u8::from(unsup),
            u8::from(changed),
            esc(&search),
            esc(id),
            esc(title),
            spans.join(" ")
        );
    }
    h.push_str("</tbody></table>\n");
    // View by statement: which brokers break which statement, through which cases.
    let _ = writeln!(
        h,
        "<table id=\"statements\" class=\"rows\" hidden><thead><tr><th>statement</th><th>cases</th>{header}</tr></thead><tbody>"
    );
    let mut section = (Version::V311, String::new());
    for row in super::by_statement::rows(m) {
        let (version, statement) = (row.version, &row.statement);
        let (text, sec) = summaries.get(&(version, statement.as_str())).copied().unwrap_or(("", ""));
        if (version, sec) != (section.0, section.1.as_str()) {
            section = (version, sec.to_string());
            let _ = writeln!(
                h,
                "<tr class=\"section\"><th class=\"section\" colspan=\"{}\">MQTT {version} §{}</th></tr>",
                m.columns.len() + 2,
                esc(sec)
            );
        }
        let mut cells = String::new();
        for cell in &row.cells {
            let Some(cell) = cell else {
                cells.push_str("<td class=\"cell unsupported\">—</td>");
                continue;
            };
            let (class, label) = cell_style(cell.worst.0, cell.worst.1);
            let tip: Vec<String> = cell
                .results
                .iter()
                .map(|(r, l)| format!("{}: {}", r.id, cell_style(r.verdict, *l).1))
                .collect();
            let _ = write!(
                cells,
                "<td class=\"cell scell {class}\" data-q=\"{}\" title=\"{}\">{label}<small>{}</small></td>",
                esc(&statement.to_lowercase()),
                esc(&tip.join("\n")),
                cell.counts()
            );
        }
        let unsup = row.cells.iter().flatten().all(|c| c.run == 0);
        let search = format!("{statement} {text} {}", row.cases.join(" ")).to_lowercase();
        let changed = row.cases.iter().any(|id| changed_cases.contains(&(id.clone(), version)));
        let _ = writeln!(
            h,
            "<tr data-v=\"{version}\" data-fail=\"{}\" data-unsup=\"{}\" data-changed=\"{}\" data-s=\"{}\"><td class=\"stmt\">[{version}] <span title=\"{}\">{}</span><br><small>{}</small></td><td class=\"statements\">{}</td>{cells}</tr>",
            u8::from(row.failing()),
            u8::from(unsup),
            u8::from(changed),
            esc(&search),
            esc(sec),
            esc(statement),
            esc(text),
            row.cases.iter().map(|i| esc(i)).collect::<Vec<_>>().join("<br>")
        );
    }
    h.push_str("</tbody></table>\n");
    h.push_str(&templates);
    let _ = write!(
        h,
        "<dialog id=\"transcript\"><form method=\"dialog\"><button>close</button></form><pre id=\"transcript-text\"></pre></dialog>\n<script>{SCRIPT}</script>\n</body></html>\n"
    );
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_severity_escape_text_and_mark_changes() {
        let m = super::super::matrix::tests::sample();
        let page = html(&m, &Catalogue::builtin(), "m", None);
        assert!(
            page.contains(
                r#"<td id="c0-1" class="cell fail" data-t="t-c0-1" title="&lt;b&gt;why&lt;/b&gt;">FAIL</td>"#
            ),
            "{page}"
        );
        assert!(page.contains(r#"class="cell xfail-must""#) && page.contains(">expected-fail MUST<"));
        assert!(
            page.contains("B &lt;x&gt;") && !page.contains("<b>why</b>") && page.contains("X &lt;title&gt;")
        );
        assert!(page.contains("§3.1-connect") && page.contains("§3.3-publish"));
        assert!(page.contains("Run on 2026-01-02T03:04:05Z with mqttspec 9"));
        // The statement view: MQTT-3.1.2-3 in 5.0, with its summary, failing at A and B.
        let v5 = Catalogue::builtin().by_version[&Version::V5]
            .iter()
            .find(|s| s.id == "MQTT-3.1.2-3")
            .unwrap()
            .summary
            .clone();
        assert!(page.contains(&format!("<small>{}</small>", esc(&v5))), "statement summary missing");
        assert!(page.contains(">FAIL<small>1 of 2 cases failing</small>"), "{page}");
        assert!(!page.contains("id=\"f-changed\"") && !page.contains(" changed\""));
        let old = super::super::diff::parse(
            r#"[{"broker":"A","target":"embedded","results":[
            {"id":"3.1-connect/x","version":"5.0","verdict":"pass"},
            {"id":"3.3-publish/y","version":"5.0","verdict":"pass"}]}]"#,
        )
        .unwrap();
        let page = html(&m, &Catalogue::builtin(), "m", Some(&old));
        assert!(
            page.contains(r#"class="cell fail changed""#) && page.contains("FAIL<small>was pass</small>")
        );
        assert!(page.contains("id=\"f-changed\""));
        assert_eq!(page.matches(" changed\" data-t=").count(), 1, "only A's changed cell; B has no baseline");
    }
}
