//! Decodes (or, with `encode` as the second argument, encodes) one workload in a loop,
//! for profiling with perf or callgrind (`borrowed`: the borrowing decoder):
//! `cargo run --release -p mqttspec-benches --example decode_w1 -- W3 [encode|borrowed]`.

use mqttspec_benches::{decode_mqttspec, decode_mqttspec_borrowed, w1, w2, w3, w4};

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "W1".into());
    let mode = args.next().unwrap_or_default();
    let encode = mode == "encode";
    let borrowed = mode == "borrowed";
    // The W1 message through mqttbytes' encoder, to compare instruction counts.
    let peer = mode == "encode-mqttbytes";
    let w = match which.as_str() {
        "W2" => w2(2_000),
        "W3" => w3(8_000),
        "W4" => w4(1_000),
        _ => w1(20_000),
    };
    let mut total = 0;
    let mut buf = bytes::BytesMut::with_capacity(w.bytes.len());
    for _ in 0..200 {
        if peer {
            let mqttspec_codec::Packet::Publish(p) = &w.packets[0] else { unreachable!() };
            let p = mqttbytes::v4::Publish {
                dup: false,
                qos: mqttbytes::QoS::AtMostOnce,
                retain: false,
                topic: p.topic.to_string(),
                pkid: 0,
                payload: p.payload.clone(),
            };
            buf.clear();
            for _ in 0..w.count() {
                p.write(&mut buf).expect("encodes");
            }
            total += buf.len();
        } else if encode {
            buf.clear();
            let p = &w.packets[0];
            for _ in 0..w.count() {
                p.encode(w.version, &mut buf).expect("workload packets encode");
            }
            total += buf.len();
        } else if borrowed {
            total += decode_mqttspec_borrowed(&w).packets;
        } else {
            total += decode_mqttspec(&w).packets;
        }
    }
    println!("{total}");
}
