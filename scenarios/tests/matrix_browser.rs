//! The cross-broker matrix as users see it: `mqttspec matrix` writes the report, and a
//! real browser (Debian's chromium, headless) renders it — a screenshot must show the
//! coloured verdict cells, and opening the page at a cell's address must open that
//! cell's transcript. Without chromium the test says so and returns, unless
//! MQTTSPEC_REQUIRE_CHROMIUM=1 (set by `.ci/run`).

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

#[test]
fn matrix_renders_in_a_browser_and_cells_open_their_transcript() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("MQTTSPEC_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "MQTTSPEC_REQUIRE_CHROMIUM=1 but no chromium binary is installed"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium)");
        return;
    };
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
    assert_eq!(json.as_array().map(Vec::len), Some(2), "two columns");
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
