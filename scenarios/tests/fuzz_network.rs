//! `mqttspec fuzz` proven on statement mutants: a short run against the embedded
//! broker carrying one deliberate fault must find that fault's statement and write a
//! minimised scenario that loads with the normal loader, fails on the mutant and
//! passes on the clean broker — one test per mutant family (decoder, QoS downgrade,
//! DUP flag, a missing answer only the differential oracle sees) — and a run against
//! the clean broker must find nothing, differences from the reference broker included.
#![cfg(feature = "mutants")]

use mqttspec::fuzz::{FuzzOptions, fuzz};
use mqttspec::run::{RunOptions, Verdict, run_all};
use mqttspec::{Catalogue, Target, load_dir};
use std::sync::Arc;
use std::time::Duration;

fn options(seed: u64, mutant: Option<&str>, out: &std::path::Path, secs: u64) -> FuzzOptions {
    FuzzOptions {
        duration: Duration::from_secs(secs),
        seed,
        sessions: 8,
        out: out.to_path_buf(),
        embedded: mutant.map(|id| {
            let id = id.to_string();
            Arc::new(move |c: &mut mqttspec_broker::Config| c.mutant = Some(id.clone()))
                as mqttspec::run::EmbeddedConfig
        }),
        ..FuzzOptions::default()
    }
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mqttspec-fuzz-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Fuzzes the broker carrying `mutant` and checks what comes back.
async fn finds(mutant: &str) {
    let catalogue = Catalogue::builtin();
    let corpus = load_dir(&mqttspec::default_corpus(), &catalogue).expect("corpus loads");
    let out = scratch(mutant);
    let m = mqttspec_broker::mutants::find(mutant).expect("a mutant of that id");
    let opts = options(7, Some(mutant), &out, 10);
    let summary =
        fuzz(&Target::Embedded, "embedded", None, &corpus, &catalogue, opts, std::future::pending())
            .await
            .expect("the fuzzer runs");
    let broken = |v: &str| if v == "5.0" { m.v5 } else { m.v311 };
    let hit: Vec<_> = summary
        .findings
        .iter()
        .filter(|f| f.statements.iter().any(|s| broken(&f.version).contains(&s.as_str())))
        .collect();
    assert!(!hit.is_empty(), "{mutant}: no finding of its statements in {}", summary.text());
    let confirmed: Vec<_> = hit.iter().filter(|f| f.confirmed).collect();
    assert!(!confirmed.is_empty(), "{mutant}: no finding confirmed: {}", summary.text());
    // The scenarios load with the normal loader, as a corpus of their own.
    let written = load_dir(&out, &catalogue).expect("the findings load as a corpus");
    for f in confirmed {
        let path = f.scenario.as_ref().expect("a confirmed finding has its scenario");
        let loaded = written
            .iter()
            .find(|l| l.path == std::path::Path::new(path))
            .unwrap_or_else(|| panic!("{path} is not in the loaded corpus"));
        assert!(
            loaded
                .scenario
                .statements
                .all()
                .iter()
                .any(|s| m.v311.contains(&s.as_str()) || m.v5.contains(&s.as_str()))
        );
        let v = loaded.scenario.versions[0];
        let mut on_mutant = RunOptions::default();
        let id = mutant.to_string();
        on_mutant.embedded =
            Some(Arc::new(move |c: &mut mqttspec_broker::Config| c.mutant = Some(id.clone())));
        let bad = run_all(std::slice::from_ref(loaded), &[v], &Target::Embedded, &on_mutant).await.unwrap();
        let good = run_all(std::slice::from_ref(loaded), &[v], &Target::Embedded, &RunOptions::default())
            .await
            .unwrap();
        assert_eq!(bad[0].verdict, Verdict::Fail, "{path} on {mutant}: {:?}", bad[0].message);
        assert_eq!(good[0].verdict, Verdict::Pass, "{path} on the clean broker: {:?}", good[0].message);
        assert!(f.steps < 12, "{path}: not minimised ({} steps)", f.steps);
    }
    let _ = std::fs::remove_dir_all(&out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_a_decoder_mutant() {
    finds("decoder-skip-subscribe-flags").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_delivery_above_the_granted_qos() {
    finds("deliver-at-published-qos").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_dup_on_a_first_transmission() {
    finds("dup-on-first-send").await;
}

/// No invariant of a single run catches an UNSUBACK that never comes: only the
/// differential oracle, which sees the reference broker answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_a_missing_unsuback_by_difference() {
    finds("unsuback-only-if-removed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_clean_reference_broker_yields_no_violation() {
    let catalogue = Catalogue::builtin();
    let corpus = load_dir(&mqttspec::default_corpus(), &catalogue).expect("corpus loads");
    let out = scratch("clean");
    let summary = fuzz(
        &Target::Embedded,
        "embedded",
        None,
        &corpus,
        &catalogue,
        FuzzOptions { differential: 1.0, ..options(11, None, &out, 15) },
        std::future::pending(),
    )
    .await
    .expect("the fuzzer runs");
    assert!(summary.sessions > 100, "too few sessions to say anything: {}", summary.text());
    assert!(summary.findings.is_empty(), "{}", summary.text());
    // Every session also ran against a second reference broker: no difference at all.
    assert!(summary.informational.is_empty(), "{}", summary.text());
    // The seeds reached deep state: more than a handful of distinct answers.
    assert!(summary.signatures > 50, "{}", summary.text());
    let _ = std::fs::remove_dir_all(&out);
}

/// A client's own Topic Alias, used alone once the connection mapped it: a broker
/// that does not record it closes on a well-formed PUBLISH (MQTT-3.3.2-12).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_an_ignored_topic_alias() {
    finds("topic-alias-ignored").await;
}

/// An alias alone on a connection that never set it, after an earlier one did: a
/// broker that kept the mapping routes it (MQTT-3.3.2-7).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_a_topic_alias_carried_over() {
    finds("topic-alias-carried-over").await;
}

/// Topic Aliases toward a client beyond the Topic Alias Maximum it announced (1 or
/// 4, or none at all) (MQTT-3.1.2-26, MQTT-3.3.2-11).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_server_aliases_above_the_maximum() {
    finds("server-alias-above-maximum").await;
}
