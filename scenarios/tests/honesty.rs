//! A scenario that cannot fail is a defect. Three test doubles stand in for a broker:
//! one accepts TCP connections and closes them at once, one accepts and never
//! answers — every case of the corpus must fail against both — and a *yes-man* that
//! answers every request with a well-formed success (CONNACK 0, PUBACK, PUBREC,
//! PUBCOMP, SUBACK granting what was asked, UNSUBACK, PINGRESP) but routes nothing:
//! every case that expects a delivery must fail against it.

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
    let ran = results.iter().filter(|r| r.verdict != Verdict::Unsupported).count();
    assert!(ran > 100, "only {ran} cases ran");
    let passed = passed_or_blamed_on_harness(&results);
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

/// Answers everything with success, delivers nothing.
async fn yes_man() -> SocketAddr {
    use bytes::BytesMut;
    use mqttspec_codec::{Ack, ConnAck, Packet, QoS, ReasonCode, StreamDecoder, SubAck, UnsubAck, Version};
    use tokio::io::AsyncWriteExt;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut decoder = StreamDecoder::server(1 << 20);
                let mut buf = BytesMut::new();
                loop {
                    let packet = match decoder.decode(&mut buf) {
                        Ok(Some(p)) => p,
                        Ok(None) => match stream.read_buf(&mut buf).await {
                            Ok(n) if n > 0 => continue,
                            _ => return,
                        },
                        // Whatever it cannot read, it accepts silently too.
                        Err(_) => {
                            buf.clear();
                            continue;
                        }
                    };
                    let ok = |id| Ack {
                        packet_id: id,
                        reason_code: ReasonCode(0),
                        properties: Default::default(),
                    };
                    let reply = match packet {
                        Packet::Connect(_) => Packet::ConnAck(ConnAck::default()),
                        Packet::Publish(p) => match (p.qos, p.packet_id) {
                            (QoS::AtLeastOnce, Some(id)) => Packet::PubAck(ok(id)),
                            (QoS::ExactlyOnce, Some(id)) => Packet::PubRec(ok(id)),
                            _ => continue,
                        },
                        Packet::PubRel(a) => Packet::PubComp(ok(a.packet_id)),
                        Packet::Subscribe(s) => Packet::SubAck(SubAck {
                            packet_id: s.packet_id,
                            properties: Default::default(),
                            codes: s.filters.iter().map(|f| ReasonCode(f.options.0 & 0x03)).collect(),
                        }),
                        Packet::Unsubscribe(u) => Packet::UnsubAck(UnsubAck {
                            packet_id: u.packet_id,
                            properties: Default::default(),
                            codes: u.filters.iter().map(|_| ReasonCode(0)).collect(),
                        }),
                        Packet::PingReq => Packet::PingResp,
                        Packet::Disconnect(_) => return,
                        _ => continue,
                    };
                    let version = decoder.version().unwrap_or(Version::V3_1_1);
                    let Ok(bytes) = reply.to_bytes(version) else { return };
                    if stream.write_all(&bytes).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// Whether a scenario expects the broker to deliver a PUBLISH somewhere.
fn expects_delivery(l: &mqttspec::Loaded) -> bool {
    use mqttspec::format::model::{Outcome, PacketSpec, Step};
    let publish = |o: &Outcome| matches!(o, Outcome::Packet(PacketSpec::Publish(_)));
    l.scenario.steps.iter().any(|s| match s {
        Step::Expect(e) => {
            matches!(e.packet, Some(PacketSpec::Publish(_))) || e.one_of.iter().flatten().any(publish)
        }
        Step::ExpectUnordered(e) => e.packets.iter().any(|p| matches!(p, PacketSpec::Publish(_))),
        _ => false,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_delivery_case_fails_against_a_broker_that_routes_nothing() {
    let scenarios: Vec<_> = load_dir(&default_corpus(), &Catalogue::builtin())
        .expect("corpus loads")
        .into_iter()
        .filter(expects_delivery)
        .collect();
    assert!(scenarios.len() > 40, "only {} delivery scenarios", scenarios.len());
    let addr = yes_man().await;
    let opts = RunOptions { probe: false, jobs: 64, ..RunOptions::default() };
    let results = run_all(&scenarios, &[Version::V311, Version::V5], &Target::tcp(addr), &opts)
        .await
        .expect("run completes");
    let passed = passed_or_blamed_on_harness(&results);
    assert!(
        passed.is_empty(),
        "these delivery scenarios pass against a broker that routes nothing: {passed:#?}"
    );
}

/// The cases that passed against a double, or whose verdict blames the harness: a
/// double is a broker misbehaving, and the verdict must say so.
fn passed_or_blamed_on_harness(results: &[mqttspec::CaseResult]) -> Vec<String> {
    results
        .iter()
        .filter(|r| matches!(r.verdict, Verdict::Pass | Verdict::Error))
        .map(|r| format!("{} {}", r.verdict.label(), r.name()))
        .collect()
}
