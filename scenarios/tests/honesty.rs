//! A scenario that cannot fail is a defect. Two test doubles stand in for a broker:
//! one accepts TCP connections and closes them at once, the other accepts and never
//! answers. Every case of the corpus must fail against both.

use mqttspec::Version;
use mqttspec::{Catalogue, RunOptions, Target, Verdict, default_corpus, load_dir, run_all};
use std::net::SocketAddr;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

async fn double(close_at_once: bool) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            if close_at_once {
                drop(stream);
            } else {
                // Read and discard everything, answer nothing; ends when the peer does.
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
                });
            }
        }
    });
    addr
}

async fn every_case_fails(close_at_once: bool) {
    let scenarios = load_dir(&default_corpus(), &Catalogue::builtin()).expect("corpus loads");
    let addr = double(close_at_once).await;
    // Short timeouts: against a silent target every wait runs to its end.
    // No capability probe: the doubles would fail it, and every case must run.
    let opts = RunOptions {
        clock: mqttspec::run::Clock::new(0.1).unwrap(),
        jobs: 64,
        probe: false,
        ..RunOptions::default()
    };
    let results = run_all(&scenarios, &[Version::V311, Version::V5], &Target::tcp(addr), &opts)
        .await
        .expect("run completes");
    let ran: Vec<_> = results.iter().filter(|r| r.verdict != Verdict::Unsupported).collect();
    assert!(ran.len() > 100, "only {} cases ran", ran.len());
    // Not a pass, and not an `error` either: the double is a broker misbehaving, and
    // the verdict must say so rather than blame the harness.
    let passed: Vec<String> = ran
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Pass | Verdict::Error))
        .map(|r| format!("{} {}", r.verdict.label(), r.name()))
        .collect();
    assert!(
        passed.is_empty(),
        "these scenarios pass against a broker that {}: {passed:#?}",
        if close_at_once { "closes every connection" } else { "never answers" }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_fails_against_a_target_that_closes_at_once() {
    every_case_fails(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_fails_against_a_target_that_never_answers() {
    every_case_fails(false).await;
}
