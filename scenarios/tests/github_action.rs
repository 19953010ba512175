//! The composite GitHub Action (ci/github/action.yml) users copy: its reporting step's
//! script, run here with the inputs and runner variables GitHub would give it, against
//! a real broker on loopback. It must write JUnit, JSON and the HTML report, fill the
//! step summary, and pass or fail the job by the MUST results.

use std::path::Path;
use std::process::Command;

fn step_script() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ci/github/action.yml");
    let action: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let steps = action["runs"]["steps"].as_sequence().expect("composite steps");
    let step = steps.iter().find(|s| s["name"].as_str() == Some("Run the corpus")).expect("the run step");
    step["run"].as_str().expect("a script").to_string()
}

/// Runs the step as GitHub would: inputs substituted, RUNNER_TEMP holding the
/// installed binary, GITHUB_STEP_SUMMARY a file.
fn run_step(target: &str, dir: &Path) -> (bool, String) {
    let bin = dir.join("runner/mqttspec/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let link = bin.join("mqttspec");
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mqttspec"), &link).unwrap();
    }
    let results = dir.join("results");
    let script = step_script()
        .replace("${{ inputs.target }}", target)
        .replace("${{ inputs.fail-on }}", "must")
        .replace("${{ inputs.timeout-scale }}", "1")
        .replace("${{ inputs.results }}", &results.display().to_string())
        .replace("${{ inputs.profile }}", "")
        .replace("${{ inputs.version }}", "");
    assert!(!script.contains("${{"), "unsubstituted expression left in: {script}");
    let summary = dir.join("summary.md");
    let status = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("RUNNER_TEMP", dir.join("runner"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .status()
        .expect("bash runs");
    (status.success(), std::fs::read_to_string(&summary).unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn action_reports_a_conforming_broker_and_fails_a_broken_one() {
    let dir = std::env::temp_dir().join(format!("mqttspec-action-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let broker = mqttspec_broker::BrokerHandle::start(Default::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("broker");
    let target = format!("tcp://{}", broker.local_addr());
    let good = dir.join("good");
    let (ok, summary) = tokio::task::spawn_blocking({
        let (t, d) = (target.clone(), good.clone());
        move || run_step(&t, &d)
    })
    .await
    .unwrap();
    broker.shutdown().await;
    assert!(ok, "the job failed against the reference broker: {summary}");
    assert!(summary.contains("### mqttspec") && summary.contains("pass"), "{summary}");
    for file in ["junit.xml", "results.json", "summary.txt", "matrix.html"] {
        assert!(good.join("results").join(file).is_file(), "{file} was not written");
    }
    let junit = std::fs::read_to_string(good.join("results/junit.xml")).unwrap();
    assert!(junit.contains("MQTT-3.1.2-3"), "JUnit without statement IDs");

    // A "broker" that accepts and closes at once fails every case: the job must fail.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let closer = tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            drop(s);
        }
    });
    let bad = dir.join("bad");
    let (ok, summary) =
        tokio::task::spawn_blocking(move || run_step(&format!("tcp://{addr}"), &bad)).await.unwrap();
    closer.abort();
    assert!(!ok, "the job passed against a broker that closes every connection: {summary}");
    let _ = std::fs::remove_dir_all(&dir);
}
