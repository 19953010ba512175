//! Codec throughput: decode (the stream read in 64 KiB chunks, as a broker reads a
//! socket) and encode (N packets into a reused buffer), mqttspec-codec side by side
//! with peer codecs on identical bytes. Ratios, not absolute numbers, are the result:
//! see benches/README.md.

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mqttspec_benches::*;
use mqttspec_codec::{Packet, Property, PropertyId, Version};
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
        assert_eq!(decode_mqttspec_borrowed(&w), expected, "mqttspec (borrowed) on {}", w.name);
        g.bench_function("mqttspec-borrowed", |b| b.iter(|| black_box(decode_mqttspec_borrowed(&w))));
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
        if decode_ntex(&w) == expected {
            g.bench_function("ntex-mqtt", |b| b.iter(|| black_box(decode_ntex(&w))));
        } else {
            eprintln!("ntex-mqtt cannot decode {} as expected; skipped", w.name);
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

/// Encodes `n` packets into `buf` (cleared first) with `one`, and checks the length.
fn encode_n(buf: &mut BytesMut, n: usize, expected_len: usize, mut one: impl FnMut(&mut BytesMut)) {
    buf.clear();
    for _ in 0..n {
        one(buf);
    }
    assert_eq!(buf.len(), expected_len);
}

fn encode(c: &mut Criterion) {
    // Every codec encodes the same message (the workload's first) N times into one
    // reused buffer; the peers' packets hold the same fields, so the output is as long
    // as the workload's stream (their property order may differ).
    for w in [w1(20_000), w3(8_000)] {
        let mut g = c.benchmark_group(format!("encode/{}", w.name));
        g.throughput(Throughput::Bytes(w.bytes.len() as u64));
        let (n, len) = (w.count(), w.bytes.len());
        let mut buf = BytesMut::with_capacity(len);
        let packet = &w.packets[0];
        g.bench_function("mqttspec", |b| {
            b.iter(|| encode_n(&mut buf, n, len, |buf| packet.encode(w.version, buf).expect("encodes")))
        });
        let Packet::Publish(first) = packet else { unreachable!("workloads of publishes") };
        let topic = first.topic.to_string();
        let pkid = first.packet_id.unwrap_or(0);
        if w.version == Version::V3_1_1 {
            let p = mqttbytes::v4::Publish {
                dup: false,
                qos: mqttbytes::QoS::AtMostOnce,
                retain: false,
                topic: topic.clone(),
                pkid,
                payload: first.payload.clone(),
            };
            g.bench_function("mqttbytes", |b| {
                b.iter(|| {
                    encode_n(&mut buf, n, len, |buf| {
                        p.write(buf).expect("encodes");
                    })
                })
            });
            let p = rumqttc::mqttbytes::v4::Packet::Publish(rumqttc::mqttbytes::v4::Publish {
                dup: false,
                qos: rumqttc::mqttbytes::QoS::AtMostOnce,
                retain: false,
                topic: topic.clone(),
                pkid,
                payload: first.payload.clone(),
            });
            g.bench_function("rumqttc", |b| {
                b.iter(|| {
                    encode_n(&mut buf, n, len, |buf| {
                        p.write(buf, 1 << 20).expect("encodes");
                    })
                })
            });
            let p = mqttrs::Packet::Publish(mqttrs::Publish {
                dup: false,
                qospid: mqttrs::QosPid::AtMostOnce,
                retain: false,
                topic_name: &topic,
                payload: &first.payload,
            });
            let mut out = vec![0u8; len];
            g.bench_function("mqttrs", |b| {
                b.iter(|| {
                    let mut at = 0;
                    for _ in 0..n {
                        at += mqttrs::encode_slice(&p, &mut out[at..]).expect("encodes");
                    }
                    assert_eq!(at, len);
                })
            });
        } else {
            let user: Vec<(String, String)> =
                first.properties.user_properties().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let content_type = first.properties.get(PropertyId::CONTENT_TYPE).and_then(|p| match p {
                Property::ContentType(s) => Some(s.to_string()),
                _ => None,
            });
            let p = mqttbytes::v5::Publish {
                dup: false,
                qos: mqttbytes::QoS::AtLeastOnce,
                retain: false,
                topic: topic.clone(),
                pkid,
                properties: Some(mqttbytes::v5::PublishProperties {
                    payload_format_indicator: None,
                    message_expiry_interval: first.properties.message_expiry_interval(),
                    topic_alias: first.properties.topic_alias(),
                    response_topic: None,
                    correlation_data: None,
                    user_properties: user.clone(),
                    subscription_identifiers: Vec::new(),
                    content_type: content_type.clone(),
                }),
                payload: first.payload.clone(),
            };
            g.bench_function("mqttbytes", |b| {
                b.iter(|| {
                    encode_n(&mut buf, n, len, |buf| {
                        p.write(buf).expect("encodes");
                    })
                })
            });
            use rumqttc::v5::mqttbytes::v5 as r5;
            let p = r5::Packet::Publish(r5::Publish {
                dup: false,
                qos: rumqttc::v5::mqttbytes::QoS::AtLeastOnce,
                retain: false,
                topic: bytes::Bytes::from(topic.clone()),
                pkid,
                properties: Some(r5::PublishProperties {
                    payload_format_indicator: None,
                    message_expiry_interval: first.properties.message_expiry_interval(),
                    topic_alias: first.properties.topic_alias(),
                    response_topic: None,
                    correlation_data: None,
                    user_properties: user,
                    subscription_identifiers: Vec::new(),
                    content_type,
                }),
                payload: first.payload.clone(),
            });
            g.bench_function("rumqttc", |b| {
                b.iter(|| {
                    encode_n(&mut buf, n, len, |buf| {
                        p.write(buf, None).expect("encodes");
                    })
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
