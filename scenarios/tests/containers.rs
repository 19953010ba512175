//! The corpus against brokers in containers (testcontainers), reached through
//! 127.0.0.1 and the mapped port, with the images `ci/images/build.sh` builds. Without a
//! container engine the tests say why and return — unless MQTTSPEC_REQUIRE_DOCKER=1
//! (set by `.ci/run` after building the images), which makes that a failure.

use mqttspec::Version;
use mqttspec::target::launch::LaunchError;
use mqttspec::target::profile::{self, Profile};
use mqttspec::{Catalogue, RunOptions, Verdict, default_corpus, load_dir};

async fn engine_ready() -> bool {
    match mqttspec::target::container::docker_available().await {
        Ok(()) => true,
        Err(why) => {
            assert!(
                std::env::var("MQTTSPEC_REQUIRE_DOCKER").as_deref() != Ok("1"),
                "MQTTSPEC_REQUIRE_DOCKER=1 but the container engine is not usable: {why}"
            );
            eprintln!("skipped: no container engine ({why})");
            false
        }
    }
}

fn profiles() -> Vec<(String, Profile)> {
    profile::all_in(&profile::default_dir()).expect("profiles load")
}

/// Containers (running or not) made from `image`.
async fn containers_of(image: &str) -> Vec<String> {
    let out = tokio::process::Command::new("docker")
        .args(["ps", "-a", "-q", "--filter", &format!("ancestor={image}")])
        .output()
        .await
        .expect("docker ps runs");
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

async fn image_exists(image: &str) -> bool {
    let out = tokio::process::Command::new("docker").args(["image", "inspect", image]).output().await;
    out.is_ok_and(|o| o.status.success())
}

async fn corpus_in_container(image: &str, min_passes: usize) {
    if !engine_ready().await {
        return;
    }
    assert!(image_exists(image).await, "image {image} is missing: run ci/images/build.sh");
    let profiles = profiles();
    let resolved =
        mqttspec::target::resolve::resolve(&format!("container:{image}"), &Default::default(), &profiles)
            .await
            .unwrap_or_else(|e| panic!("{image}: {e}"));
    let profile = resolved.profile.clone().expect("the image has a profile");
    let scenarios = load_dir(&default_corpus(), &Catalogue::builtin()).expect("corpus loads");
    let versions = [Version::V311, Version::V5];
    let outcome = mqttspec::app::run_with(
        Some(&profile),
        &scenarios,
        &versions,
        &resolved.target,
        RunOptions::default(),
    )
    .await;
    resolved.stop().await;
    let results = outcome.expect("run completes");
    let bad = profile::unexplained(&results);
    assert!(bad.is_empty(), "{image}: results not covered by its profile:\n{}", bad.join("\n"));
    let passed = results.iter().filter(|r| r.verdict == Verdict::Pass).count();
    assert!(passed >= min_passes, "only {passed} cases passed against {image}");
    assert!(containers_of(image).await.is_empty(), "a container of {image} was left behind");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_container() {
    corpus_in_container("mqttspec/mosquitto:2.0.11", 120).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_container() {
    corpus_in_container("mqttspec/nats:2.9.10", 40).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_container() {
    corpus_in_container(&format!("mqttspec/reference:{}", env!("CARGO_PKG_VERSION")), 140).await;
}

/// A container whose broker never answers is reported, and removed all the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_container_that_never_answers_is_removed() {
    if !engine_ready().await {
        return;
    }
    let image = "mqttspec/mosquitto:2.0.11";
    assert!(image_exists(image).await, "image {image} is missing: run ci/images/build.sh");
    let (_, mut p) = profiles().into_iter().find(|(n, _)| n == "mosquitto").expect("profile");
    let spec = p.container.as_mut().expect("container section");
    // Mosquitto listening on another port inside: 1883 never answers.
    spec.cmd = vec!["-p".into(), "1999".into()];
    spec.startup_timeout_ms = 2000;
    let err =
        mqttspec::target::container::start_container(image, Some(&p)).await.expect_err("must not come up");
    assert!(matches!(&err, LaunchError::Failed(m) if m.contains("did not come up")), "{err}");
    // Other tests run containers of the same image meanwhile: look for this one's command.
    let out = tokio::process::Command::new("docker")
        .args([
            "ps",
            "-a",
            "--no-trunc",
            "--filter",
            &format!("ancestor={image}"),
            "--format",
            "{{.Command}}",
        ])
        .output()
        .await
        .expect("docker ps runs");
    let commands = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(!commands.contains("1999"), "the failed container was left behind: {commands}");
}
