//! One test per normative statement of `layer: codec` in the catalogues, named after
//! its ID (`v311::mqtt_3_1_2_3` is MQTT-3.1.2-3 of 3.1.1). Each builds the offending
//! packet with the encoder's out-of-spec facilities and checks that the strict decoder
//! rejects it with the right rule and statement; statements the codec enforces by
//! construction or by accepting input have tests that show exactly that.
//! `tests/coverage.rs` checks that every catalogue statement has its test here.

use bytes::Bytes;
use mqttspec_codec::*;

fn opts(v: Version) -> DecodeOptions {
    DecodeOptions::new(v)
}

fn enc(p: Packet, v: Version) -> Bytes {
    p.to_bytes(v).expect("canonical encoding")
}

fn tamper(p: Packet, v: Version, t: Tamper) -> Bytes {
    t.encode(&p, v).expect("tampered encoding")
}

/// Decodes `bytes` with `o` and insists on `rule`; returns the violation.
#[track_caller]
fn rejects(bytes: &[u8], o: DecodeOptions, rule: Rule) -> Violation {
    let borrowed = Packet::decode_borrowed(bytes, &o).map(|p| p.to_shared());
    let shared = Packet::decode(&Bytes::copy_from_slice(bytes), &o);
    // The borrowing decoder is the same decoder: same verdict, same violation.
    assert_eq!(borrowed, shared, "borrowed and shared decoding disagree on {bytes:02X?}");
    match shared {
        Ok(p) => panic!("accepted {bytes:02X?} as {p:?}, expected {rule:?}"),
        Err(DecodeError::Incomplete { needed }) => panic!("incomplete ({needed} more) for {bytes:02X?}"),
        Err(DecodeError::Invalid(v)) => {
            assert_eq!(v.rule, rule, "wrong rule for {bytes:02X?}: {v}");
            skipped_no_longer_rejects(bytes, o, rule);
            v
        }
    }
}

/// A decode told to skip `rule` does not reject the same bytes for it (it may still
/// find a different fault further on).
#[track_caller]
fn skipped_no_longer_rejects(bytes: &[u8], o: DecodeOptions, rule: Rule) {
    if !rule.skippable() {
        return;
    }
    let lenient = o.skipping(rule);
    let shared = Packet::decode(&Bytes::copy_from_slice(bytes), &lenient);
    let borrowed = Packet::decode_borrowed(bytes, &lenient).map(|p| p.to_shared());
    assert_eq!(borrowed, shared, "borrowed and shared lenient decoding disagree on {bytes:02X?}");
    if let Err(DecodeError::Invalid(v)) = shared {
        assert_ne!(v.rule, rule, "skipping {rule:?} still rejects {bytes:02X?}: {v}");
    }
}

/// As [`rejects`], and the violation cites `id`.
#[track_caller]
fn rejects_citing(bytes: &[u8], o: DecodeOptions, rule: Rule, id: &str) {
    let v = rejects(bytes, o, rule);
    assert_eq!(v.statement(), Some(id), "{v}");
}

#[track_caller]
fn accepts(bytes: &[u8], o: DecodeOptions) -> Packet {
    let shared = Packet::decode(&Bytes::copy_from_slice(bytes), &o);
    assert_eq!(
        Packet::decode_borrowed(bytes, &o).map(|p| p.to_shared()),
        shared,
        "borrowed decoding differs"
    );
    shared.unwrap_or_else(|e| panic!("rejected {bytes:02X?}: {e}"))
}

fn publish(topic: MqttString) -> Packet {
    Packet::Publish(Publish { topic, payload: Bytes::from_static(b"p"), ..Publish::default() })
}

fn publish_qos1(topic: &str, id: u16) -> Packet {
    Packet::Publish(Publish {
        qos: QoS::AtLeastOnce,
        packet_id: Some(id),
        topic: topic.into(),
        ..Publish::default()
    })
}

fn subscribe(filter: MqttString, options: u8) -> Packet {
    Packet::Subscribe(Subscribe {
        packet_id: 1,
        properties: Properties::new(),
        filters: vec![Subscription { filter, options: SubscriptionOptions(options) }],
    })
}

fn unsubscribe(filters: Vec<MqttString>, packet_id: u16) -> Packet {
    Packet::Unsubscribe(Unsubscribe { packet_id, properties: Properties::new(), filters })
}

fn connect(v: Version) -> Connect {
    Connect::new(v, "client")
}

fn with_will(mut c: Connect, topic: MqttString) -> Connect {
    c.will = Some(Will {
        qos: QoS::AtMostOnce,
        retain: false,
        properties: Properties::new(),
        topic,
        payload: Bytes::from_static(b"bye"),
    });
    c
}

fn connect_flags(v: Version, flags: u8) -> Bytes {
    tamper(
        Packet::Connect(Box::new(connect(v))),
        v,
        Tamper { connect_flags: Some(flags), ..Tamper::default() },
    )
}

const BAD_UTF8: &[u8] = &[b'a', 0xED, 0xA0, 0x80]; // an encoded surrogate U+D800
const NULL: &[u8] = &[b'a', 0x00, b'b'];

/// Statements shared by both versions under different IDs.
#[path = "statements/common.rs"]
mod common;

trait TapId {
    fn tap_id(self, id: &str) -> Self;
}

impl TapId for Connect {
    fn tap_id(mut self, id: &str) -> Self {
        self.client_id = id.into();
        self
    }
}

#[allow(non_snake_case)]
#[path = "statements/v311.rs"]
mod v311;

#[allow(non_snake_case)]
#[path = "statements/v5.rs"]
mod v5;

/// Rules without a numbered statement: §-cited requirements of Table 2-4 and framing.
#[path = "statements/sections.rs"]
mod sections;
