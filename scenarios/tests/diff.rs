//! `mqttspec diff` on results the binary wrote: two runs of the same cases against the
//! embedded broker, the second with a profile that lists a passing case as a
//! deviation — so the case turns UNEXPECTED-PASS, a failure the old run did not have.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mqttspec(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mqttspec")).args(args).output().expect("mqttspec runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn diff_reports_new_failures_and_fixes_between_two_real_runs() {
    let dir = Dir(std::env::temp_dir().join(format!("mqttspec-diff-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0).unwrap();
    let (old, new, profile) = (dir.0.join("old.json"), dir.0.join("new.json"), dir.0.join("profile.yaml"));
    let case = "3.1-connect/accepts-valid-connect";
    let run = mqttspec(&["run", "--filter", case, "--json", s(&old)]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    std::fs::write(
        &profile,
        format!(
            "broker: Pretend\nversion: \"1\"\ndeviations:\n  - scenario: {case}\n    versions: [\"5.0\"]\n    reason: listed although it passes\n"
        ),
    )
    .unwrap();
    let run = mqttspec(&["run", "--filter", case, "--json", s(&new), "--profile", s(&profile)]);
    assert_eq!(run.status.code(), Some(1), "the listed pass fails the run: {}", text(&run));

    // Old → new: the 5.0 case is a new failure, the 3.1.1 one unchanged; exit 1.
    let diff_json = dir.0.join("diff.json");
    let d = mqttspec(&["diff", s(&old), s(&new), "--json", s(&diff_json)]);
    let out = text(&d);
    assert_eq!(d.status.code(), Some(1), "{out}");
    assert!(out.contains(&format!("new failures (1):\n  [5.0] {case}")), "{out}");
    assert!(out.contains("pass → UNEXPECTED-PASS"), "{out}");
    assert!(out.contains("new failures: 1; unchanged: 1"), "{out}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&diff_json).unwrap()).unwrap();
    assert_eq!(json["deltas"][0]["change"], "new-failure", "{json}");
    assert_eq!(json["deltas"][0]["old"], "pass");
    assert_eq!(json["deltas"][0]["new"], "unexpected-pass");
    assert_eq!(json["unchanged"], 1);

    // New → old: fixed, exit 0.
    let d = mqttspec(&["diff", s(&new), s(&old)]);
    let out = text(&d);
    assert_eq!(d.status.code(), Some(0), "{out}");
    assert!(
        out.contains(&format!("fixed (1):\n  [5.0] {case}")) && out.contains("UNEXPECTED-PASS → pass"),
        "{out}"
    );

    // A run compared with itself: nothing changed.
    let d = mqttspec(&["diff", s(&old), s(&old)]);
    assert_eq!(d.status.code(), Some(0));
    assert!(text(&d).contains("no changes; unchanged: 2"), "{}", text(&d));

    // A matrix.json and a run's results compare too (one broker each), and the run
    // object that wraps results is read as well as a bare list.
    let matrix = dir.0.join("m");
    let m = mqttspec(&["matrix", "--target", "embedded", "--filter", case, "--out", s(&matrix)]);
    assert_eq!(m.status.code(), Some(0), "{}", text(&m));
    let wrapped = dir.0.join("wrapped.json");
    // `run --json` writes {run, results}; a bare list of its results reads too.
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&new).unwrap()).unwrap();
    let bare = dir.0.join("bare.json");
    std::fs::write(&bare, report["results"].to_string()).unwrap();
    let object = serde_json::json!({"run": {"target": "embedded"}, "results": report["results"]});
    std::fs::write(&wrapped, object.to_string()).unwrap();
    for file in [&new, &wrapped, &bare] {
        let d = mqttspec(&["diff", s(&matrix.join("matrix.json")), s(file)]);
        assert_eq!(d.status.code(), Some(1), "{}", text(&d));
        let out = text(&d);
        assert!(out.contains("new failures (1):"), "{}: {out}", file.display());
    }
    let d = mqttspec(&["diff", s(&matrix.join("matrix.json")), s(&wrapped)]);
    assert!(text(&d).contains("== embedded\nnew failures (1):"), "{}", text(&d));

    // With a baseline, the matrix marks the changed cell and lists the change.
    let again = dir.0.join("m2");
    let m = mqttspec(&[
        "matrix",
        "--from",
        s(&matrix.join("matrix.json")),
        "--baseline",
        s(&wrapped),
        "--out",
        s(&again),
    ]);
    assert_eq!(m.status.code(), Some(0), "{}", text(&m));
    let md = std::fs::read_to_string(again.join("matrix.md")).unwrap();
    assert!(md.contains("Changes against the baseline") && md.contains("fixed (1):"), "{md}");
    let page = std::fs::read_to_string(again.join("matrix.html")).unwrap();
    assert!(
        page.contains("class=\"cell pass changed\"") && page.contains("was UNEXPECTED-PASS"),
        "no changed cell"
    );

    // Files that are not results are usage errors (2), never a panic.
    let bad = dir.0.join("bad.json");
    std::fs::write(&bad, "{\"results\": 7}").unwrap();
    let d = mqttspec(&["diff", s(&bad), s(&old)]);
    assert_eq!(d.status.code(), Some(2), "{}", text(&d));
    assert!(text(&d).contains("expected a list of results"), "{}", text(&d));
    let d = mqttspec(&["diff", s(&dir.0.join("missing.json")), s(&old)]);
    assert_eq!(d.status.code(), Some(2), "{}", text(&d));
}
