//! The corpus against third-party brokers started as processes from their profiles
//! (scenarios/profiles/*.yaml): every case must pass, be unsupported, or fail exactly
//! as the profile says. A broker that is not installed is skipped with the reason —
//! unless MQTTSPEC_REQUIRE_BROKERS lists it (comma-separated; `.ci/run` lists the ones
//! it installs), which turns the skip into a failure.

use mqttspec::Version;
use mqttspec::app::{AppError, TargetRequest};
use mqttspec::target::launch::{self, LaunchError};
use mqttspec::target::profile::{self, Profile};
use mqttspec::{Catalogue, RunOptions, Verdict, default_corpus, load_dir};

fn required(name: &str) -> bool {
    std::env::var("MQTTSPEC_REQUIRE_BROKERS").is_ok_and(|list| list.split(',').any(|b| b.trim() == name))
}

fn profile(name: &str) -> Profile {
    let all = profile::all_in(&profile::default_dir()).expect("profiles load");
    all.into_iter().find(|(n, _)| n == name).map(|(_, p)| p).unwrap_or_else(|| panic!("no profile {name}"))
}

async fn corpus_matches_profile(name: &str, min_passes: usize) {
    let profiles = profile::all_in(&profile::default_dir()).expect("profiles load");
    let scenarios = load_dir(&default_corpus(), &Catalogue::builtin()).expect("corpus loads");
    let versions = [Version::V311, Version::V5];
    let target = format!("process:{name}");
    // As `mqttspec run --target process:NAME` does it: the profile's broker, and one
    // broker per named configuration the corpus's `config:` cases need.
    let req = TargetRequest {
        target: &target,
        tls: Default::default(),
        profiles: &profiles,
        profile: None,
        corpus: &scenarios,
        scenarios: &scenarios,
        versions: &versions,
        login: None,
        info: Default::default(),
        on_start: None,
    };
    let results = match mqttspec::app::run_target(req, RunOptions::default()).await {
        Ok(run) => run.results,
        Err(AppError::Launch(LaunchError::Unavailable(why))) => {
            assert!(!required(name), "{name} is listed in MQTTSPEC_REQUIRE_BROKERS but: {why}");
            eprintln!("skipped: {why}");
            return;
        }
        Err(e) => panic!("{name}: {e}"),
    };
    let bad = profile::unexplained(&results);
    assert!(bad.is_empty(), "results not covered by profiles/{name}.yaml:\n{}", bad.join("\n"));
    let passed = results.iter().filter(|r| r.verdict == Verdict::Pass).count();
    assert!(passed >= min_passes, "only {passed} cases passed against {name}");
    // Every case a named configuration provides ran against it, not `unsupported`, in
    // every version the broker speaks.
    let profile = profile(name);
    let speaks = |v| profile.declares.versions.is_empty() || profile.declares.versions.contains(&v);
    for l in &scenarios {
        if profile.configuration_for(&l.scenario).is_some() {
            for r in results.iter().filter(|r| r.id == l.scenario.id && speaks(r.version)) {
                assert_ne!(r.verdict, Verdict::Unsupported, "{} [{}]: {:?}", r.id, r.version, r.message);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto() {
    corpus_matches_profile("mosquitto", 120).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats() {
    corpus_matches_profile("nats", 40).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rabbitmq() {
    corpus_matches_profile("rabbitmq", 30).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ejabberd() {
    corpus_matches_profile("ejabberd", 120).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amqtt() {
    corpus_matches_profile("amqtt", 30).await;
}

// No test for rumqttd: version 0.20 closes connections at random during the corpus
// (a SUBSCRIBE or PUBLISH answered by a close, a different case each run, serial or
// not), so no profile can pin its results down. Its profile still starts it for
// `mqttspec matrix`, where its column is a snapshot.

/// The `mqttspec broker` binary as a third-party broker would be run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_binary() {
    corpus_matches_profile("reference", 140).await;
}

/// A broker that never comes up is an error naming it, and leaves nothing behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_that_never_listens_is_reported_and_cleaned_up() {
    let mut p = profile("reference");
    let spec = p.process.as_mut().expect("process section");
    // `sleep` never listens; the scratch directory must still go away.
    spec.command = vec!["sleep".into(), "30".into(), "{{dir}}".into()];
    spec.search.clear();
    spec.startup_timeout_ms = 1500;
    let err = launch::start_process("never", &p).await.expect_err("must not come up");
    assert!(matches!(&err, LaunchError::Failed(m) if m.contains("never did not come up")), "{err}");
    let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name().to_string_lossy().starts_with(&format!("mqttspec-never-{}-", std::process::id()))
        })
        .collect();
    assert!(left.is_empty(), "scratch directories left behind: {left:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_broker_says_how_to_install_it() {
    let mut p = profile("mosquitto");
    let spec = p.process.as_mut().expect("process section");
    spec.command[0] = "mosquitto-that-is-not-there".into();
    spec.search.clear();
    let err = launch::start_process("mosquitto", &p).await.expect_err("not installed");
    assert!(matches!(&err, LaunchError::Unavailable(m) if m.contains("apt-get install mosquitto")), "{err}");
}
