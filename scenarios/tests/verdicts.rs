//! Whose fault a verdict names: a fault of the harness is an `error`, never a `fail`,
//! and a broker's misbehaviour is never an `error`.

use mqttspec::format::load::parse;
use mqttspec::{Catalogue, RunOptions, Target, Verdict, Version, run_all};
use std::net::SocketAddr;
use std::path::Path;
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy to `upstream` that forwards the first `n` connections and then stops
/// listening, so that the next connection attempt is refused: the target going away
/// in the middle of a case.
async fn vanishing_proxy(upstream: SocketAddr, n: usize) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        for _ in 0..n {
            let Ok((mut inbound, _)) = listener.accept().await else { return };
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
        drop(listener);
    });
    addr
}

const TWO_CLIENTS: &str = "id: x/two-clients
title: two clients
statements: [MQTT-3.1.0-1]
level: must
versions: ['3.1.1']
steps:
  - connect: {client: a}
  - connect: {client: b}
";

#[tokio::test]
async fn a_target_gone_mid_case_is_an_error_not_a_fail() {
    let broker = mqttspec_broker::BrokerHandle::start(
        mqttspec_broker::Config::default(),
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let loaded = parse(TWO_CLIENTS, Path::new("x/two-clients.yaml"), &Catalogue::builtin()).unwrap();
    // One connection for the runner's reachability check, one for client `a`.
    let proxy = vanishing_proxy(broker.local_addr(), 2).await;
    let opts = RunOptions { probe: false, jobs: 1, ..RunOptions::default() };
    let results =
        run_all(std::slice::from_ref(&loaded), &[Version::V311], &Target::tcp(proxy), &opts).await.unwrap();
    let r = &results[0];
    assert_eq!(r.verdict, Verdict::Error, "{r:?}");
    let message = r.message.as_deref().unwrap_or_default();
    assert!(
        message.contains("x/two-clients.yaml:8: step 2") && message.contains("cannot connect"),
        "{message}"
    );
    // The same case against the broker itself passes: the scenario is fine.
    let results =
        run_all(&[loaded], &[Version::V311], &Target::tcp(broker.local_addr()), &opts).await.unwrap();
    assert_eq!(results[0].verdict, Verdict::Pass, "{:?}", results[0]);
    broker.shutdown().await;
}

#[tokio::test]
async fn a_broker_that_hangs_up_is_a_fail_not_an_error() {
    // Accepts TCP, reads, never answers MQTT, closes: the broker's fault.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            drop(s);
        }
    });
    let loaded = parse(TWO_CLIENTS, Path::new("x/two-clients.yaml"), &Catalogue::builtin()).unwrap();
    let opts = RunOptions { probe: false, jobs: 1, ..RunOptions::default() };
    let results = run_all(&[loaded], &[Version::V311], &Target::tcp(addr), &opts).await.unwrap();
    assert_eq!(results[0].verdict, Verdict::Fail, "{:?}", results[0]);
}

/// A second CONNECT on a connection is a protocol error (MQTT-3.1.0-2): the Maximum
/// Packet Size it announces is not in force, so the broker's DISCONNECT, sized for the
/// first CONNECT's limit (none), is no fault of the broker's.
const SECOND_CONNECT_LIMIT: &str = "id: x/second-connect-limit
title: a second CONNECT's Maximum Packet Size is not in force
statements: [MQTT-3.1.0-2]
level: must
versions: ['5.0']
steps:
  - connect: {client: a}
  - send: {client: a, packet: {connect: {properties: {maximum-packet-size: 20}}}}
  - expect: {client: a, packet: {disconnect: {reason-code: 0x82}}}
  - expect-closed: {client: a}
";

#[tokio::test]
async fn a_second_connects_limit_is_not_held_against_the_broker() {
    let loaded =
        parse(SECOND_CONNECT_LIMIT, Path::new("x/second-connect-limit.yaml"), &Catalogue::builtin()).unwrap();
    let results =
        run_all(&[loaded], &[Version::V5], &Target::Embedded, &RunOptions::default()).await.unwrap();
    assert_eq!(results[0].verdict, Verdict::Pass, "{:?}", results[0]);
    // The DISCONNECT (with its Reason String) is larger than the second CONNECT's limit.
    let disconnect = results[0].transcript.iter().find(|e| e.hex.starts_with("e0")).expect("a DISCONNECT");
    assert!(disconnect.hex.split_whitespace().count() > 20, "{}", disconnect.hex);
}
