//! The fuzzer's liveness and crash checks, on a broker broken on purpose
//! (`tests/fixtures/fake_broker.py`, started as a `process:` target): one that exits
//! at the first SUBSCRIBE must be reported as a crash with its exit status and last
//! output, and one that stops answering must be reported as no longer live.

use clap::Parser;
use mqttspec::app::ExitStatus;
use mqttspec::fuzz::cli::{FuzzArgs, command};
use mqttspec::target::profile::Profile;
use std::path::{Path, PathBuf};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: FuzzArgs,
}

fn have_python() -> bool {
    std::process::Command::new("python3").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// A profile starting the fake broker in `mode`.
fn profile(mode: &str) -> (String, Profile) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fake_broker.py");
    let text = format!(
        "broker: fake broker ({mode})\nversion: \"0\"\nprocess:\n  command: [python3, {:?}, \"{{{{port}}}}\", {mode}]\n",
        script.display().to_string()
    );
    let p = Profile::parse(&text, Path::new("fake.yaml")).expect("the test profile parses");
    (format!("fake-{mode}"), p)
}

/// Fuzzes the fake broker in `mode`; the exit status and summary.json.
async fn fuzz(mode: &str) -> (ExitStatus, serde_json::Value, PathBuf) {
    let out = std::env::temp_dir().join(format!("mqttspec-fuzz-{mode}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let target = format!("--target=process:fake-{mode}");
    let out_arg = format!("--out={}", out.display());
    let cli = Cli::parse_from(["fuzz", &target, "--duration=15s", "--sessions=4", "--seed=2", &out_arg]);
    let status = command(cli.args, &[profile(mode)], std::future::pending()).await.expect("the fuzzer runs");
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json is written");
    (status, serde_json::from_str(&text).expect("summary.json is JSON"), out)
}

fn checks(summary: &serde_json::Value) -> Vec<(String, String)> {
    summary["findings"]
        .as_array()
        .expect("a findings list")
        .iter()
        .map(|f| {
            (f["check"].as_str().unwrap_or("").to_string(), f["message"].as_str().unwrap_or("").to_string())
        })
        .collect()
}

/// Fuzzes the fake broker in `mode`, which must fail the run with a finding of
/// `check`: every finding (check, message), that one's message, and summary.json.
async fn finding(mode: &str, check: &str) -> (Vec<(String, String)>, String, serde_json::Value) {
    assert!(have_python(), "python3 is needed to start the fake broker (apt-get install python3)");
    let (status, summary, out) = fuzz(mode).await;
    let _ = std::fs::remove_dir_all(&out);
    assert_eq!(status, ExitStatus::Failed);
    let found = checks(&summary);
    let message = found
        .iter()
        .find(|(c, _)| c == check)
        .map(|(_, m)| m.clone())
        .unwrap_or_else(|| panic!("no {check} finding: {found:?}"));
    (found, message, summary)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_that_exits_is_a_crash_finding_with_its_last_output() {
    let (found, crash, _) = finding("crash", "crash").await;
    assert!(crash.contains("exit status: 3"), "{crash}");
    assert!(crash.contains("fake broker: a SUBSCRIBE arrived, exiting"), "{crash}");
    // The session that brought it down is reported as the broker gone.
    assert!(found.iter().any(|(c, _)| c == "liveness"), "{found:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_that_stops_answering_is_a_liveness_finding() {
    let (found, dead, summary) = finding("hang", "liveness").await;
    assert!(dead.contains("no longer answers a CONNECT"), "{dead}");
    // Still running: no crash.
    assert!(!found.iter().any(|(c, _)| c == "crash"), "{found:?}");
    let session = summary["findings"].as_array().unwrap().iter().find(|f| f["check"] == "liveness").unwrap();
    let ops = session["session"].as_array().expect("the session is reported");
    assert!(ops.iter().any(|o| o.as_str().is_some_and(|s| s.contains("Subscribe"))), "{ops:?}");
}
