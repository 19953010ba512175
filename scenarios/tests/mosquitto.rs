//! Runs the corpus against a real Mosquitto process (Debian's `mosquitto`, installed
//! by `.ci/run`) on a free loopback port, with `profiles/mosquitto.yaml`: every case
//! must pass, be unsupported, or fail exactly as the profile says.
//!
//! Without a `mosquitto` binary the test says so and returns, unless
//! `MQTTSPEC_REQUIRE_MOSQUITTO=1` (set by `.ci/run`), which turns that into a failure.

use mqttspec::model::VersionName;
use mqttspec::profile::Profile;
use mqttspec::{Catalogue, RunOptions, Target, Verdict, default_corpus, load_dir, run_all};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn find_mosquitto() -> Option<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("mosquitto")).collect::<Vec<_>>())
        .unwrap_or_default();
    candidates.into_iter().chain([PathBuf::from("/usr/sbin/mosquitto")]).find(|p| p.is_file())
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    l.local_addr().expect("addr").port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_against_mosquitto_matches_its_profile() {
    let Some(binary) = find_mosquitto() else {
        assert!(
            std::env::var("MQTTSPEC_REQUIRE_MOSQUITTO").as_deref() != Ok("1"),
            "mosquitto is not installed but MQTTSPEC_REQUIRE_MOSQUITTO=1"
        );
        eprintln!("skipped: no mosquitto binary (apt-get install mosquitto)");
        return;
    };
    let dir = std::env::temp_dir().join(format!("mqttspec-mosquitto-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let port = free_port();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(&conf, format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"))
        .expect("write config");
    let mut child = tokio::process::Command::new(&binary)
        .arg("-c")
        .arg(&conf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start mosquitto");
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let mut ready = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "mosquitto did not listen on {addr} within 5 s");

    let scenarios = load_dir(&default_corpus(), &Catalogue::builtin()).expect("corpus loads");
    let profile_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("profiles/mosquitto.yaml");
    let profile = Profile::load(&profile_path, &scenarios).expect("profile loads");
    let opts = RunOptions { jobs: 8, ..RunOptions::default() };
    let mut results = run_all(&scenarios, &[VersionName::V311, VersionName::V5], &Target::tcp(addr), &opts)
        .await
        .expect("run completes");
    profile.apply(&mut results);
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(&dir);

    let bad: Vec<String> = results
        .iter()
        .filter(|r| r.verdict.is_failure() || r.verdict == Verdict::NonStrict)
        .map(|r| format!("{} {}: {}", r.verdict.label(), r.name(), r.message.clone().unwrap_or_default()))
        .collect();
    assert!(bad.is_empty(), "results not covered by profiles/mosquitto.yaml:\n{}", bad.join("\n"));
    let passed = results.iter().filter(|r| r.verdict == Verdict::Pass).count();
    assert!(passed > 100, "only {passed} cases passed against mosquitto");
}
