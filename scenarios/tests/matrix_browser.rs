//! The cross-broker matrix as users see it: `mqttspec matrix` writes the report, and a
//! real browser (Debian's chromium, headless) renders it — a screenshot must show the
//! coloured verdict cells, opening the page at a cell's address must open that cell's
//! transcript, and the filters set from the address must hide the rows they say.
//! Without chromium the tests say so and return, unless MQTTSPEC_REQUIRE_CHROMIUM=1
//! (set by `.ci/run`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
    })
}

fn headless(browser: &Path, args: &[&str]) -> std::process::Output {
    Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run"])
        .args(args)
        .output()
        .expect("chromium runs")
}

fn browser() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var("MQTTSPEC_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "MQTTSPEC_REQUIRE_CHROMIUM=1 but no chromium binary is installed"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
    }
    found
}

#[test]
fn matrix_renders_in_a_browser_and_cells_open_their_transcript() {
    let Some(browser) = browser() else { return };
    let out = std::env::temp_dir().join(format!("mqttspec-matrix-{}", std::process::id()));
    // Two columns: the embedded broker and the reference broker's binary as a process.
    let run = Command::new(env!("CARGO_BIN_EXE_mqttspec"))
        .args(["matrix", "--target", "embedded", "--target", "process:reference", "--filter", "3.1-connect/"])
        .arg("--out")
        .arg(&out)
        .output()
        .expect("mqttspec runs");
    assert!(run.status.success(), "mqttspec matrix failed: {}", String::from_utf8_lossy(&run.stderr));
    let page = out.join("matrix.html");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("matrix.json")).unwrap()).unwrap();
    assert_eq!(json["columns"].as_array().map(Vec::len), Some(2), "two columns");
    assert!(json["run"]["date"].as_str().is_some_and(|d| d.starts_with("20")), "run date: {}", json["run"]);
    let md = std::fs::read_to_string(out.join("matrix.md")).unwrap();
    assert!(md.contains("| mqttspec reference broker"), "{md}");

    // The page renders: a screenshot of the size asked for, holding the pass colour.
    let shot = out.join("shot.png");
    let url = format!("file://{}", page.display());
    let r =
        headless(&browser, &["--window-size=1200,800", &format!("--screenshot={}", shot.display()), &url]);
    assert!(shot.is_file(), "no screenshot: {}", String::from_utf8_lossy(&r.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    assert_eq!((info.width, info.height), (1200, 800));
    let step = info.color_type.samples();
    let pass_pixels = buf[..info.buffer_size()].chunks(step).filter(|p| p[..3] == [0xc8, 0xf0, 0xc8]).count();
    assert!(pass_pixels > 1000, "the screenshot shows no pass cells ({pass_pixels} pixels)");

    // A cell's address opens its transcript: the dialog is open and shows the case.
    let dom = headless(&browser, &["--dump-dom", &format!("{url}#c0-0")]);
    let dom = String::from_utf8_lossy(&dom.stdout);
    let dialog = dom.find("<dialog id=\"transcript\"").map(|i| &dom[i..]).expect("the dialog");
    let tag_end = dialog.find('>').unwrap();
    assert!(dialog[..tag_end].contains("open"), "the transcript did not open: {}", &dialog[..tag_end]);
    let pre = dialog.find("<pre id=\"transcript-text\">").map(|i| &dialog[i..]).expect("transcript text");
    assert!(
        pre.contains("3.1-connect/") && pre.contains("Connect"),
        "transcript text: {}",
        &pre[..pre.len().min(400)]
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// The rows of the table `id` in a dumped DOM: (hidden, the row's HTML), section
/// headings left out.
fn rows(dom: &str, id: &str) -> (bool, Vec<(bool, String)>) {
    let start = dom.find(&format!("<table id=\"{id}\"")).unwrap_or_else(|| panic!("no table {id}"));
    let table = &dom[start..];
    let table = &table[..table.find("</table>").expect("table end")];
    let hidden = table[..table.find('>').unwrap()].contains("hidden");
    let body = &table[table.find("<tbody>").expect("tbody")..];
    let rows = body
        .split("<tr")
        .skip(1)
        .filter(|r| !r.starts_with(" class=\"section\""))
        .map(|r| (r[..r.find('>').unwrap()].contains("hidden"), r.to_string()))
        .collect();
    (hidden, rows)
}

/// What the search box looks through in a row: its id, title and statements.
fn searched(row: &str) -> String {
    let start = row.find("data-s=\"").expect("data-s") + 8;
    let end = start + row[start..].find('"').unwrap();
    format!(" {} ", &row[start..end])
}

#[test]
fn filters_from_the_address_hide_what_they_say() {
    let Some(browser) = browser() else { return };
    let out = std::env::temp_dir().join(format!("mqttspec-matrix-filters-{}", std::process::id()));
    let bin = env!("CARGO_BIN_EXE_mqttspec");
    let run = Command::new(bin)
        .args(["matrix", "--target", "embedded", "--filter", "3.1-connect/", "--out"])
        .arg(out.join("real"))
        .output()
        .expect("mqttspec runs");
    assert!(run.status.success(), "mqttspec matrix failed: {}", String::from_utf8_lossy(&run.stderr));
    // The reference broker passes everything: make the first case fail in a copy of
    // the real results, and render the copy against the real run as its baseline.
    let real = out.join("real/matrix.json");
    let mut json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&real).unwrap()).unwrap();
    let first = &mut json["columns"][0]["results"][0];
    let failing = format!("[{}] {}", first["version"].as_str().unwrap(), first["id"].as_str().unwrap());
    first["verdict"] = "fail".into();
    let edited = out.join("edited.json");
    std::fs::write(&edited, json.to_string()).unwrap();
    let render = Command::new(bin)
        .args(["matrix", "--from"])
        .arg(&edited)
        .arg("--baseline")
        .arg(&real)
        .arg("--out")
        .arg(out.join("page"))
        .output()
        .expect("mqttspec runs");
    assert!(render.status.success(), "{}", String::from_utf8_lossy(&render.stderr));
    let url = format!("file://{}", out.join("page/matrix.html").display());
    let dom = |fragment: &str| {
        let o = headless(&browser, &["--dump-dom", &format!("{url}#{fragment}")]);
        String::from_utf8_lossy(&o.stdout).to_string()
    };

    // No filter: every row shows.
    let (_, all) = rows(&dom(""), "cases");
    assert!(all.len() > 10 && all.iter().all(|(hidden, _)| !hidden), "{} rows", all.len());
    // Failures only: the failing row alone.
    let (_, shown) = rows(&dom("failures"), "cases");
    let visible: Vec<&String> = shown.iter().filter(|(h, _)| !h).map(|(_, r)| r).collect();
    assert_eq!(visible.len(), 1, "failures only shows {} rows", visible.len());
    assert!(visible[0].contains(&failing) && visible[0].contains("cell fail changed"), "{}", visible[0]);
    assert!(shown.iter().filter(|(h, _)| *h).all(|(_, r)| r.contains("cell pass")));
    // Changed since the baseline: the same row.
    let (_, changed) = rows(&dom("changed"), "cases");
    assert_eq!(changed.iter().filter(|(h, _)| !h).count(), 1);
    // One version: no row of the other shows.
    let (_, v5) = rows(&dom("v=5.0"), "cases");
    assert!(v5.iter().any(|(h, _)| !h));
    assert!(v5.iter().all(|(h, r)| *h != r.contains("data-v=\"5.0\"")), "5.0 rows only");
    // The search box, by title words and by statement.
    let (_, found) = rows(&dom("q=clean%20start"), "cases");
    assert!(found.iter().any(|(h, _)| !h));
    assert!(found.iter().all(|(h, r)| *h != searched(r).contains("clean start")), "title search");
    // A statement ID finds the cases citing it, not those citing MQTT-3.2.2-16.
    let (_, found) = rows(&dom("q=MQTT-3.2.2-1"), "cases");
    assert!(found.iter().any(|(h, _)| !h));
    assert!(
        found.iter().any(|(h, r)| *h && searched(r).contains("mqtt-3.2.2-16 ")),
        "no -16 row to tell apart"
    );
    assert!(found.iter().all(|(h, r)| *h != searched(r).contains(" mqtt-3.2.2-1 ")), "statement search");
    // The statement view: shown instead of the cases, only the failing case's statements.
    let page = dom("failures&view=statements");
    let (cases_hidden, _) = rows(&page, "cases");
    let (statements_hidden, statements) = rows(&page, "statements");
    assert!(cases_hidden && !statements_hidden, "the statement view replaces the case view");
    let case_id = failing.split("] ").nth(1).unwrap();
    let visible: Vec<&String> = statements.iter().filter(|(h, _)| !h).map(|(_, r)| r).collect();
    assert!(
        !visible.is_empty() && visible.iter().all(|r| r.contains(case_id) && r.contains("cell scell fail"))
    );
    let _ = std::fs::remove_dir_all(&out);
}
