//! Codec throughput: decode (the stream read in 64 KiB chunks, as a broker reads a
//! socket) and encode (N packets into a reused buffer), mqttspec-codec side by side
//! with peer codecs on identical bytes. Ratios, not absolute numbers, are the result:
//! see benches/README.md.

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mqttspec_benches::*;
use mqttspec_codec::{Packet, Version};
use std::hint::black_box;

fn workloads() -> Vec<Workload> {
    vec![w1(20_000), w2(2_000), w3(8_000), w4(1_000)]
}

fn decode(c: &mut Criterion) {
    for w in workloads() {
        let expected = Seen { packets: w.count(), payload: w.payload_bytes() };
        // Every decoder must find the same packets and payload before it is timed.
        assert_eq!(decode_mqttspec(&w), expected, "mqttspec on {}", w.name);
        let mut g = c.benchmark_group(format!("decode/{}", w.name));
        g.throughput(Throughput::Bytes(w.bytes.len() as u64));
        g.bench_function("mqttspec", |b| b.iter(|| black_box(decode_mqttspec(&w))));
        if decode_mqttbytes(&w) == expected {
            g.bench_function("mqttbytes", |b| b.iter(|| black_box(decode_mqttbytes(&w))));
        } else {
            eprintln!("mqttbytes cannot decode {} as expected; skipped", w.name);
        }
        if decode_rumqttc(&w) == expected {
            g.bench_function("rumqttc", |b| b.iter(|| black_box(decode_rumqttc(&w))));
        } else {
            eprintln!("rumqttc cannot decode {} as expected; skipped", w.name);
        }
        if decode_mqttrs(&w) == Some(expected) {
            g.bench_function("mqttrs", |b| b.iter(|| black_box(decode_mqttrs(&w))));
        }
        if decode_mqtt_protocol(&w) == Some(expected) {
            g.bench_function("mqtt-protocol", |b| b.iter(|| black_box(decode_mqtt_protocol(&w))));
        }
        g.bench_function("memcpy", |b| b.iter(|| black_box(memcpy(&w))));
        g.finish();
    }
}

fn encode(c: &mut Criterion) {
    for w in [w1(20_000), w3(8_000)] {
        let mut g = c.benchmark_group(format!("encode/{}", w.name));
        g.throughput(Throughput::Bytes(w.bytes.len() as u64));
        let mut buf = BytesMut::with_capacity(w.bytes.len());
        g.bench_function("mqttspec", |b| {
            b.iter(|| {
                buf.clear();
                for p in &w.packets {
                    p.encode(w.version, &mut buf).expect("encodes");
                }
                assert_eq!(buf.len(), w.bytes.len());
            })
        });
        let Packet::Publish(first) = &w.packets[0] else { unreachable!("workloads of publishes") };
        let topic = first.topic.to_string();
        if w.version == Version::V3_1_1 {
            let p = mqttbytes::v4::Publish {
                dup: false,
                qos: mqttbytes::QoS::AtMostOnce,
                retain: false,
                topic: topic.clone(),
                pkid: 0,
                payload: first.payload.clone(),
            };
            g.bench_function("mqttbytes", |b| {
                b.iter(|| {
                    buf.clear();
                    for _ in 0..w.count() {
                        p.write(&mut buf).expect("encodes");
                    }
                    assert_eq!(buf.len(), w.bytes.len());
                })
            });
            let p = rumqttc::mqttbytes::v4::Packet::Publish(rumqttc::mqttbytes::v4::Publish {
                dup: false,
                qos: rumqttc::mqttbytes::QoS::AtMostOnce,
                retain: false,
                topic: topic.clone(),
                pkid: 0,
                payload: first.payload.clone(),
            });
            g.bench_function("rumqttc", |b| {
                b.iter(|| {
                    buf.clear();
                    for _ in 0..w.count() {
                        p.write(&mut buf, 1 << 20).expect("encodes");
                    }
                    assert_eq!(buf.len(), w.bytes.len());
                })
            });
            let p = mqttrs::Packet::Publish(mqttrs::Publish {
                dup: false,
                qospid: mqttrs::QosPid::AtMostOnce,
                retain: false,
                topic_name: &topic,
                payload: &first.payload,
            });
            let mut out = vec![0u8; w.bytes.len()];
            g.bench_function("mqttrs", |b| {
                b.iter(|| {
                    let mut at = 0;
                    for _ in 0..w.count() {
                        at += mqttrs::encode_slice(&p, &mut out[at..]).expect("encodes");
                    }
                    assert_eq!(at, w.bytes.len());
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
