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
mod common {
    use super::*;

    pub fn invalid_utf8(v: Version, id: &str) {
        let bytes = enc(publish(MqttString::from_raw(BAD_UTF8)), v);
        let violation = rejects(&bytes, opts(v), Rule::Utf8Invalid);
        assert_eq!(violation.statement(), Some(id));
        assert_eq!(violation.offset, 5, "the byte where the surrogate starts");
        // An overlong encoding of '/' is ill-formed as well.
        let bytes = enc(publish(MqttString::from_raw(&[0xC0, 0xAF][..])), v);
        rejects(&bytes, opts(v), Rule::Utf8Invalid);
    }

    pub fn null_in_string(v: Version, id: &str) {
        let mut c = connect(v);
        c.client_id = MqttString::from_raw(NULL);
        rejects_citing(&enc(Packet::Connect(Box::new(c)), v), opts(v), Rule::Utf8Null, id);
    }

    pub fn bom_kept(v: Version) {
        let topic = "\u{FEFF}x";
        let Packet::Publish(p) = accepts(&enc(publish(topic.into()), v), opts(v)) else { panic!() };
        assert_eq!(p.topic.as_bytes(), topic.as_bytes());
    }

    pub fn fixed_header_flags(v: Version, id: &str) {
        rejects_citing(&[0xC1, 0x00], opts(v), Rule::FixedHeaderFlags, id); // PINGREQ flags 0001
        rejects_citing(&[0x28, 0x02, 0x00, 0x00], opts(v), Rule::FixedHeaderFlags, id); // CONNACK flags 1000
        // The encoder itself always writes the flags Table 2-2 fixes.
        for (p, first) in [
            (Packet::PubRel(Ack::new(1)), 0x62),
            (subscribe("a".into(), 0), 0x82),
            (unsubscribe(vec!["a".into()], 1), 0xA2),
            (Packet::PingReq, 0xC0),
        ] {
            assert_eq!(enc(p, v)[0], first);
        }
    }

    pub fn packet_id_zero(v: Version, id: &str) {
        rejects_citing(&enc(publish_qos1("t", 0), v), opts(v), Rule::PacketIdZero, id);
        let mut s = subscribe("a".into(), 0);
        if let Packet::Subscribe(s) = &mut s {
            s.packet_id = 0;
        }
        rejects_citing(&enc(s, v), opts(v), Rule::PacketIdZero, id);
        rejects_citing(&enc(unsubscribe(vec!["a".into()], 0), v), opts(v), Rule::PacketIdZero, id);
    }

    pub fn qos0_has_no_packet_id(v: Version) {
        let mut p = Publish::new("t", "x");
        p.packet_id = Some(5);
        assert!(matches!(Packet::Publish(p).to_bytes(v), Err(EncodeError::PacketId(_))));
        // A QoS 0 PUBLISH is read without an identifier: what follows the topic is payload.
        let Packet::Publish(p) = accepts(&enc(publish("t".into()), v), opts(v)) else { panic!() };
        assert_eq!(p.packet_id, None);
    }

    pub fn protocol_name(v: Version, id: &str) {
        let t = Tamper { protocol_name: Some(Bytes::from_static(b"MQTX")), ..Tamper::default() };
        rejects_citing(&tamper(Packet::Connect(Box::new(connect(v))), v, t), opts(v), Rule::ProtocolName, id);
    }

    pub fn protocol_level(v: Version, id: &str) -> Violation {
        let t = Tamper { protocol_level: Some(6), ..Tamper::default() };
        let bytes = tamper(Packet::Connect(Box::new(connect(v))), v, t);
        let violation = rejects(&bytes, opts(v), Rule::ProtocolLevel);
        assert_eq!(violation.statement(), Some(id));
        assert_eq!(violation.offset, 8, "the protocol level byte");
        violation
    }

    pub fn reserved_flag(v: Version, id: &str) {
        rejects_citing(&connect_flags(v, 0x03), opts(v), Rule::ConnectReservedFlag, id);
    }

    pub fn will_fields_missing(v: Version, id: &str) {
        // Will flag set, but the payload ends after the client identifier.
        rejects_citing(&connect_flags(v, 0x06), opts(v), Rule::WillFieldsMissing, id);
    }

    pub fn will_qos_without_will(v: Version, id: &str) {
        rejects_citing(&connect_flags(v, 0x0A), opts(v), Rule::WillQosWithoutWill, id);
    }

    pub fn will_qos3(v: Version, id: &str) {
        let c = with_will(connect(v), "w".into());
        let t = Tamper { connect_flags: Some(0x02 | 0x04 | 0x18), ..Tamper::default() };
        rejects_citing(&tamper(Packet::Connect(Box::new(c)), v, t), opts(v), Rule::WillQos3, id);
    }

    pub fn will_retain_without_will(v: Version, id: &str) {
        rejects_citing(&connect_flags(v, 0x22), opts(v), Rule::WillRetainWithoutWill, id);
    }

    pub fn will_fields_without_flag(v: Version) {
        // Will topic and message present while the Will flag is 0: the payload has
        // fields no flag announces.
        let c = with_will(connect(v), "w".into());
        let t = Tamper { connect_flags: Some(0x02), ..Tamper::default() };
        rejects(&tamper(Packet::Connect(Box::new(c)), v, t), opts(v), Rule::UnexpectedUsername);
    }

    pub fn unexpected_username(v: Version, id: &str) {
        let mut c = connect(v);
        c.username = Some("u".into());
        let t = Tamper { connect_flags: Some(0x02), ..Tamper::default() };
        rejects_citing(&tamper(Packet::Connect(Box::new(c)), v, t), opts(v), Rule::UnexpectedUsername, id);
    }

    pub fn username_missing(v: Version, id: &str) {
        rejects_citing(&connect_flags(v, 0x82), opts(v), Rule::UsernameMissing, id);
    }

    pub fn unexpected_password(v: Version, id: &str) {
        let mut c = connect(v);
        c.username = Some("u".into());
        c.password = Some(Bytes::from_static(b"pw"));
        let t = Tamper { connect_flags: Some(0x82), ..Tamper::default() };
        rejects_citing(&tamper(Packet::Connect(Box::new(c)), v, t), opts(v), Rule::UnexpectedPassword, id);
    }

    pub fn password_missing(v: Version, id: &str) {
        let mut c = connect(v);
        c.username = Some("u".into());
        let t = Tamper { connect_flags: Some(0xC2), ..Tamper::default() };
        rejects_citing(&tamper(Packet::Connect(Box::new(c)), v, t), opts(v), Rule::PasswordMissing, id);
    }

    pub fn payload_order(v: Version) {
        // The model has no order to get wrong: the encoder writes ClientId, (Will
        // Properties,) Will Topic, Will Payload, User Name, Password.
        let mut c = with_will(connect(v), "WT".into());
        c.username = Some("UN".into());
        c.password = Some(Bytes::from_static(b"PW"));
        let bytes = enc(Packet::Connect(Box::new(c.clone())), v);
        let find = |needle: &[u8]| bytes.windows(needle.len()).position(|w| w == needle).unwrap();
        let order = [find(b"client"), find(b"WT"), find(b"bye"), find(b"UN"), find(b"PW")];
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        assert_eq!(accepts(&bytes, opts(v)), Packet::Connect(Box::new(c)));
    }

    pub fn client_id_required(v: Version) {
        // The payload ends before the client identifier.
        let bytes = enc(Packet::Connect(Box::new(connect(v))), v);
        let cut = bytes.len() - 8; // "client" and its two-byte length
        let t = Tamper { truncate: Some(cut), remaining_length: Some((cut - 2) as u32), ..Tamper::default() };
        rejects(&tamper(Packet::Connect(Box::new(connect(v))), v, t), opts(v), Rule::Truncated);
    }

    pub fn client_id_utf8(v: Version) {
        let mut c = connect(v);
        c.client_id = MqttString::from_raw(BAD_UTF8);
        rejects(&enc(Packet::Connect(Box::new(c)), v), opts(v), Rule::Utf8Invalid);
    }

    pub fn accepts_short_alnum_client_ids(v: Version) {
        for id in ["a", "0", "abcdefghijklmnopqrstuvw", "ABCDEFGHIJKLMNOPQRSTUVW", "0123456789abcdefABCDEF9"]
        {
            let Packet::Connect(c) = accepts(&enc(Packet::from(connect(v).tap_id(id)), v), opts(v)) else {
                panic!()
            };
            assert_eq!(c.client_id, id);
        }
    }

    pub fn will_topic_utf8(v: Version) {
        let c = with_will(connect(v), MqttString::from_raw(BAD_UTF8));
        rejects(&enc(Packet::Connect(Box::new(c)), v), opts(v), Rule::Utf8Invalid);
    }

    pub fn username_utf8(v: Version) {
        let mut c = connect(v);
        c.username = Some(MqttString::from_raw(BAD_UTF8));
        rejects(&enc(Packet::Connect(Box::new(c)), v), opts(v), Rule::Utf8Invalid);
    }

    pub fn malformed_connect(v: Version) {
        // Whatever is wrong with a CONNECT, the decoder refuses it; the rule says
        // whether a CONNACK may precede the close (only for the cases the spec names).
        for bytes in [connect_flags(v, 0x01), connect_flags(v, 0x06), connect_flags(v, 0x82)] {
            let violation = rejects(&bytes, opts(v), rejects_rule(&bytes, v));
            assert_eq!(violation.rule.v311_connack_code(), None);
        }
    }

    fn rejects_rule(bytes: &[u8], v: Version) -> Rule {
        Packet::decode(&Bytes::copy_from_slice(bytes), &opts(v)).unwrap_err().violation().unwrap().rule
    }

    pub fn session_present_on_error(v: Version, id: &str) {
        let bytes = tamper(
            Packet::ConnAck(ConnAck {
                code: ReasonCode(if v.is_v5() { 0x87 } else { 0x05 }),
                ..ConnAck::default()
            }),
            v,
            Tamper { connack_flags: Some(0x01), ..Tamper::default() },
        );
        rejects_citing(&bytes, opts(v), Rule::ConnackSessionPresentOnError, id);
    }

    pub fn dup_on_qos0(v: Version, id: &str) {
        let bytes = tamper(publish("t".into()), v, Tamper { flags: Some(0b1000), ..Tamper::default() });
        rejects_citing(&bytes, opts(v), Rule::PublishDupQos0, id);
    }

    pub fn qos3(v: Version, id: &str) {
        let bytes = tamper(publish_qos1("t", 1), v, Tamper { flags: Some(0b0110), ..Tamper::default() });
        rejects_citing(&bytes, opts(v), Rule::PublishQos3, id);
    }

    pub fn topic_name_first(v: Version) {
        // The variable header opens with a UTF-8 topic name: bad UTF-8 there is refused,
        // and so is a PUBLISH too short to hold the name's length.
        rejects(&enc(publish(MqttString::from_raw(BAD_UTF8)), v), opts(v), Rule::Utf8Invalid);
        rejects(&[0x30, 0x01, 0x00], opts(v), Rule::Truncated);
    }

    pub fn topic_name_wildcards(v: Version, id: &str) {
        rejects_citing(&enc(publish("a/+".into()), v), opts(v), Rule::TopicNameWildcard, id);
        rejects_citing(&enc(publish("a/#".into()), v), opts(v), Rule::TopicNameWildcard, id);
    }

    pub fn pubrel_flags(v: Version, id: &str) {
        let bytes = tamper(Packet::PubRel(Ack::new(1)), v, Tamper { flags: Some(0), ..Tamper::default() });
        rejects_citing(&bytes, opts(v), Rule::PubrelFlags, id);
    }

    pub fn subscribe_flags(v: Version, id: &str) {
        let bytes = tamper(subscribe("a".into(), 0), v, Tamper { flags: Some(0), ..Tamper::default() });
        rejects_citing(&bytes, opts(v), Rule::SubscribeFlags, id);
    }

    pub fn filter_utf8(v: Version) {
        rejects(&enc(subscribe(MqttString::from_raw(BAD_UTF8), 0), v), opts(v), Rule::Utf8Invalid);
    }

    pub fn subscribe_empty(v: Version, id: &str) {
        let s = Packet::Subscribe(Subscribe { packet_id: 1, properties: Properties::new(), filters: vec![] });
        rejects_citing(&enc(s, v), opts(v), Rule::SubscribeEmpty, id);
    }

    pub fn suback_codes(v: Version, id: &str) {
        let s = Packet::SubAck(SubAck {
            packet_id: 1,
            properties: Properties::new(),
            codes: vec![ReasonCode(0x03)],
        });
        rejects_citing(&enc(s, v), opts(v), Rule::SubackCode, id);
    }

    pub fn unsubscribe_flags(v: Version, id: &str) {
        let bytes =
            tamper(unsubscribe(vec!["a".into()], 1), v, Tamper { flags: Some(0b0011), ..Tamper::default() });
        rejects_citing(&bytes, opts(v), Rule::UnsubscribeFlags, id);
    }

    pub fn unsubscribe_filter_utf8(v: Version) {
        rejects(&enc(unsubscribe(vec![MqttString::from_raw(BAD_UTF8)], 1), v), opts(v), Rule::Utf8Invalid);
    }

    pub fn unsubscribe_empty(v: Version, id: &str) {
        rejects_citing(&enc(unsubscribe(vec![], 1), v), opts(v), Rule::UnsubscribeEmpty, id);
    }

    pub fn disconnect_flags(v: Version, id: &str) {
        let bytes = tamper(
            Packet::Disconnect(Disconnect::default()),
            v,
            Tamper { flags: Some(1), ..Tamper::default() },
        );
        rejects_citing(&bytes, opts(v), Rule::DisconnectFlags, id);
    }

    pub fn wildcards_only_in_filters(v: Version) {
        rejects(&enc(publish("a/#".into()), v), opts(v), Rule::TopicNameWildcard);
        let c = with_will(connect(v), "will/+".into());
        rejects(&enc(Packet::Connect(Box::new(c)), v), opts(v), Rule::TopicNameWildcard);
        accepts(&enc(subscribe("a/#".into(), 0), v), opts(v));
    }

    pub fn hash_rules(v: Version, id: &str) {
        for f in ["a#", "a/#/b", "#/"] {
            rejects_citing(&enc(subscribe(f.into(), 0), v), opts(v), Rule::TopicFilterHash, id);
        }
        rejects_citing(&enc(unsubscribe(vec!["a/b#".into()], 1), v), opts(v), Rule::TopicFilterHash, id);
    }

    pub fn plus_rules(v: Version, id: &str) {
        for f in ["a+", "+a/b", "a/b+/c"] {
            rejects_citing(&enc(subscribe(f.into(), 0), v), opts(v), Rule::TopicFilterPlus, id);
        }
    }

    pub fn non_empty_topics(v: Version, id: &str) {
        rejects_citing(&enc(publish("".into()), v), opts(v), Rule::TopicNameEmpty, id);
        rejects_citing(&enc(subscribe("".into(), 0), v), opts(v), Rule::TopicFilterEmpty, id);
        rejects_citing(&enc(unsubscribe(vec!["".into()], 1), v), opts(v), Rule::TopicFilterEmpty, id);
    }

    pub fn no_null_in_topics(v: Version, id: &str) {
        rejects_citing(&enc(publish(MqttString::from_raw(NULL)), v), opts(v), Rule::TopicNull, id);
        rejects_citing(&enc(subscribe(MqttString::from_raw(NULL), 0), v), opts(v), Rule::TopicNull, id);
    }

    pub fn topic_length_limit(v: Version) {
        let long = "a".repeat(65_536);
        assert!(matches!(
            publish(long.as_str().into()).to_bytes(v),
            Err(EncodeError::FieldTooLong { len: 65_536, .. })
        ));
        let max = "a".repeat(65_535);
        accepts(&enc(publish(max.as_str().into()), v), opts(v));
    }
}

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
mod v311 {
    use super::common::*;
    use super::*;
    const V: Version = Version::V3_1_1;

    #[test]
    fn mqtt_1_5_3_1() {
        invalid_utf8(V, "MQTT-1.5.3-1")
    }
    #[test]
    fn mqtt_1_5_3_2() {
        null_in_string(V, "MQTT-1.5.3-2")
    }
    #[test]
    fn mqtt_1_5_3_3() {
        bom_kept(V)
    }
    #[test]
    fn mqtt_2_2_2_1() {
        fixed_header_flags(V, "MQTT-2.2.2-2")
    }
    #[test]
    fn mqtt_2_2_2_2() {
        fixed_header_flags(V, "MQTT-2.2.2-2")
    }
    #[test]
    fn mqtt_2_3_1_1() {
        packet_id_zero(V, "MQTT-2.3.1-1")
    }
    #[test]
    fn mqtt_2_3_1_5() {
        qos0_has_no_packet_id(V)
    }
    #[test]
    fn mqtt_3_1_2_1() {
        protocol_name(V, "MQTT-3.1.2-1")
    }
    #[test]
    fn mqtt_3_1_2_2() {
        let violation = protocol_level(V, "MQTT-3.1.2-2");
        assert_eq!(violation.rule.v311_connack_code(), Some(0x01), "unacceptable protocol version");
    }
    #[test]
    fn mqtt_3_1_2_3() {
        reserved_flag(V, "MQTT-3.1.2-3")
    }
    #[test]
    fn mqtt_3_1_2_9() {
        will_fields_missing(V, "MQTT-3.1.2-9")
    }
    #[test]
    fn mqtt_3_1_2_11() {
        will_fields_without_flag(V);
        will_qos_without_will(V, "MQTT-3.1.2-13")
    }
    #[test]
    fn mqtt_3_1_2_13() {
        will_qos_without_will(V, "MQTT-3.1.2-13")
    }
    #[test]
    fn mqtt_3_1_2_14() {
        will_qos3(V, "MQTT-3.1.2-14")
    }
    #[test]
    fn mqtt_3_1_2_15() {
        will_retain_without_will(V, "MQTT-3.1.2-15")
    }
    #[test]
    fn mqtt_3_1_2_18() {
        unexpected_username(V, "MQTT-3.1.2-18")
    }
    #[test]
    fn mqtt_3_1_2_19() {
        username_missing(V, "MQTT-3.1.2-19")
    }
    #[test]
    fn mqtt_3_1_2_20() {
        unexpected_password(V, "MQTT-3.1.2-20")
    }
    #[test]
    fn mqtt_3_1_2_21() {
        password_missing(V, "MQTT-3.1.2-21")
    }
    #[test]
    fn mqtt_3_1_2_22() {
        rejects_citing(&connect_flags(V, 0x42), opts(V), Rule::PasswordWithoutUsername, "MQTT-3.1.2-22");
        // 5.0 dropped the requirement.
        let mut c = connect(Version::V5);
        c.password = Some(Bytes::from_static(b"pw"));
        accepts(&enc(Packet::Connect(Box::new(c)), Version::V5), opts(Version::V5));
    }
    #[test]
    fn mqtt_3_1_3_1() {
        payload_order(V)
    }
    #[test]
    fn mqtt_3_1_3_3() {
        client_id_required(V)
    }
    #[test]
    fn mqtt_3_1_3_4() {
        client_id_utf8(V)
    }
    #[test]
    fn mqtt_3_1_3_5() {
        accepts_short_alnum_client_ids(V)
    }
    #[test]
    fn mqtt_3_1_3_7() {
        let mut c = connect(V).tap_id("");
        c.clean_start = false;
        let violation =
            rejects(&enc(Packet::Connect(Box::new(c.clone())), V), opts(V), Rule::EmptyClientIdWithSession);
        assert_eq!(violation.statement(), Some("MQTT-3.1.3-7"));
        assert_eq!(violation.rule.v311_connack_code(), Some(0x02), "identifier rejected (MQTT-3.1.3-8)");
        c.clean_start = true;
        accepts(&enc(Packet::Connect(Box::new(c.clone())), V), opts(V));
        // In 5.0 the server assigns an identifier instead.
        let mut c5 = connect(Version::V5).tap_id("");
        c5.clean_start = false;
        accepts(&enc(Packet::Connect(Box::new(c5)), Version::V5), opts(Version::V5));
    }
    #[test]
    fn mqtt_3_1_3_10() {
        will_topic_utf8(V)
    }
    #[test]
    fn mqtt_3_1_3_11() {
        username_utf8(V)
    }
    #[test]
    fn mqtt_3_1_4_1() {
        malformed_connect(V)
    }
    #[test]
    fn mqtt_3_2_2_4() {
        session_present_on_error(V, "MQTT-3.2.2-4")
    }
    #[test]
    fn mqtt_3_3_1_2() {
        dup_on_qos0(V, "MQTT-3.3.1-2")
    }
    #[test]
    fn mqtt_3_3_1_4() {
        qos3(V, "MQTT-3.3.1-4")
    }
    #[test]
    fn mqtt_3_3_2_1() {
        topic_name_first(V)
    }
    #[test]
    fn mqtt_3_3_2_2() {
        topic_name_wildcards(V, "MQTT-3.3.2-2")
    }
    #[test]
    fn mqtt_3_6_1_1() {
        pubrel_flags(V, "MQTT-3.6.1-1")
    }
    #[test]
    fn mqtt_3_8_1_1() {
        subscribe_flags(V, "MQTT-3.8.1-1")
    }
    #[test]
    fn mqtt_3_8_3_1() {
        filter_utf8(V)
    }
    #[test]
    fn mqtt_3_8_3_3() {
        subscribe_empty(V, "MQTT-3.8.3-3")
    }
    #[test]
    fn mqtt_3_8_3_4() {
        // Reserved bits 7-2 of the requested-QoS byte, and QoS 3.
        for reserved in [0x04, 0x80, 0xFD] {
            let b = enc(subscribe("a".into(), 0), V);
            let mut raw = b.to_vec();
            *raw.last_mut().unwrap() = reserved;
            rejects_citing(&raw, opts(V), Rule::SubscriptionOptionsReserved, "MQTT-3.8.3-4");
        }
        let s =
            Tamper { skip_checks: true, ..Tamper::default() }.encode(&subscribe("a".into(), 3), V).unwrap();
        rejects_citing(&s, opts(V), Rule::SubscriptionQos3, "MQTT-3.8.3-4");
    }
    #[test]
    fn mqtt_3_9_3_2() {
        suback_codes(V, "MQTT-3.9.3-2")
    }
    #[test]
    fn mqtt_3_10_1_1() {
        unsubscribe_flags(V, "MQTT-3.10.1-1")
    }
    #[test]
    fn mqtt_3_10_3_1() {
        unsubscribe_filter_utf8(V)
    }
    #[test]
    fn mqtt_3_10_3_2() {
        unsubscribe_empty(V, "MQTT-3.10.3-2")
    }
    #[test]
    fn mqtt_3_14_1_1() {
        disconnect_flags(V, "MQTT-3.14.1-1")
    }
    #[test]
    fn mqtt_4_7_1_1() {
        wildcards_only_in_filters(V)
    }
    #[test]
    fn mqtt_4_7_1_2() {
        hash_rules(V, "MQTT-4.7.1-2")
    }
    #[test]
    fn mqtt_4_7_1_3() {
        plus_rules(V, "MQTT-4.7.1-3")
    }
    #[test]
    fn mqtt_4_7_3_1() {
        non_empty_topics(V, "MQTT-4.7.3-1")
    }
    #[test]
    fn mqtt_4_7_3_2() {
        no_null_in_topics(V, "MQTT-4.7.3-2")
    }
    #[test]
    fn mqtt_4_7_3_3() {
        topic_length_limit(V)
    }
}

#[allow(non_snake_case)]
mod v5 {
    use super::common::*;
    use super::*;
    const V: Version = Version::V5;

    fn with_props(p: Packet, props: Properties) -> Packet {
        match p {
            Packet::Publish(mut x) => {
                x.properties = props;
                Packet::Publish(x)
            }
            Packet::Disconnect(mut x) => {
                x.properties = props;
                Packet::Disconnect(x)
            }
            other => panic!("no properties helper for {other:?}"),
        }
    }

    #[test]
    fn mqtt_1_5_4_1() {
        invalid_utf8(V, "MQTT-1.5.4-1")
    }
    #[test]
    fn mqtt_1_5_4_2() {
        null_in_string(V, "MQTT-1.5.4-2")
    }
    #[test]
    fn mqtt_1_5_4_3() {
        bom_kept(V)
    }
    #[test]
    fn mqtt_1_5_5_1() {
        // Remaining length 2 written in two bytes.
        let bytes =
            tamper(Packet::PingReq, V, Tamper { remaining_length_width: Some(2), ..Tamper::default() });
        assert_eq!(&bytes[..], &[0xC0, 0x80, 0x00]);
        rejects_citing(&bytes, opts(V), Rule::VarIntNotMinimal, "MQTT-1.5.5-1");
        // The same bytes are fine in 3.1.1, which does not ask for the shortest form.
        accepts(&bytes, opts(Version::V3_1_1));
        // A Subscription Identifier of 1 written as 0x81 0x00.
        let props = Properties::from_raw(vec![0x0B, 0x81, 0x00]);
        rejects_citing(
            &enc(with_props(publish("t".into()), props), V),
            opts(V),
            Rule::VarIntNotMinimal,
            "MQTT-1.5.5-1",
        );
    }
    #[test]
    fn mqtt_1_5_7_1() {
        let props =
            Properties::build([Property::UserProperty("k".into(), MqttString::from_raw(BAD_UTF8))]).unwrap();
        rejects(&enc(with_props(publish("t".into()), props), V), opts(V), Rule::Utf8Invalid);
        let props =
            Properties::build([Property::UserProperty(MqttString::from_raw(NULL), "v".into())]).unwrap();
        rejects(&enc(with_props(publish("t".into()), props), V), opts(V), Rule::Utf8Null);
    }
    #[test]
    fn mqtt_2_1_3_1() {
        fixed_header_flags(V, "MQTT-2.1.3-1")
    }
    #[test]
    fn mqtt_2_2_1_2() {
        qos0_has_no_packet_id(V)
    }
    #[test]
    fn mqtt_2_2_2_1() {
        // A CONNACK without its Property Length is one byte short.
        rejects(&[0x20, 0x02, 0x00, 0x00], opts(V), Rule::Truncated);
        // ...and the encoder writes a zero Property Length when there are none.
        assert_eq!(&enc(Packet::ConnAck(ConnAck::default()), V)[..], &[0x20, 0x03, 0x00, 0x00, 0x00]);
    }
    #[test]
    fn mqtt_3_1_2_1() {
        protocol_name(V, "MQTT-3.1.2-1")
    }
    #[test]
    fn mqtt_3_1_2_2() {
        let violation = protocol_level(V, "MQTT-3.1.2-2");
        assert_eq!(violation.reason_code(), ReasonCode::UNSUPPORTED_PROTOCOL_VERSION);
    }
    #[test]
    fn mqtt_3_1_2_3() {
        reserved_flag(V, "MQTT-3.1.2-3")
    }
    #[test]
    fn mqtt_3_1_2_9() {
        will_fields_missing(V, "MQTT-3.1.2-9");
        // The will properties are there but topic and payload are not.
        let bytes = connect_flags(V, 0x06);
        let mut raw = bytes.to_vec();
        raw.push(0x00); // empty will property block
        raw[1] += 1;
        rejects_citing(&raw, opts(V), Rule::WillFieldsMissing, "MQTT-3.1.2-9");
    }
    #[test]
    fn mqtt_3_1_2_11() {
        will_qos_without_will(V, "MQTT-3.1.2-11")
    }
    #[test]
    fn mqtt_3_1_2_12() {
        will_qos3(V, "MQTT-3.1.2-12")
    }
    #[test]
    fn mqtt_3_1_2_13() {
        will_retain_without_will(V, "MQTT-3.1.2-13")
    }
    #[test]
    fn mqtt_3_1_2_16() {
        unexpected_username(V, "MQTT-3.1.2-16")
    }
    #[test]
    fn mqtt_3_1_2_17() {
        username_missing(V, "MQTT-3.1.2-17")
    }
    #[test]
    fn mqtt_3_1_2_18() {
        unexpected_password(V, "MQTT-3.1.2-18")
    }
    #[test]
    fn mqtt_3_1_2_19() {
        password_missing(V, "MQTT-3.1.2-19")
    }
    #[test]
    fn mqtt_3_1_3_1() {
        payload_order(V)
    }
    #[test]
    fn mqtt_3_1_3_3() {
        client_id_required(V)
    }
    #[test]
    fn mqtt_3_1_3_4() {
        client_id_utf8(V)
    }
    #[test]
    fn mqtt_3_1_3_5() {
        accepts_short_alnum_client_ids(V)
    }
    #[test]
    fn mqtt_3_1_3_11() {
        will_topic_utf8(V)
    }
    #[test]
    fn mqtt_3_1_3_12() {
        username_utf8(V)
    }
    #[test]
    fn mqtt_3_1_4_1() {
        malformed_connect(V)
    }
    #[test]
    fn mqtt_3_2_2_1() {
        let bytes = tamper(
            Packet::ConnAck(ConnAck::default()),
            V,
            Tamper { connack_flags: Some(0x02), ..Tamper::default() },
        );
        rejects_citing(&bytes, opts(V), Rule::ConnackFlagsReserved, "MQTT-3.2.2-1");
    }
    #[test]
    fn mqtt_3_2_2_6() {
        session_present_on_error(V, "MQTT-3.2.2-6")
    }
    #[test]
    fn mqtt_3_2_2_8() {
        for code in [0x01, 0x8B, 0x8E, 0xFF] {
            let p = Packet::ConnAck(ConnAck { code: ReasonCode(code), ..ConnAck::default() });
            rejects_citing(&enc(p, V), opts(V), Rule::ConnackCode, "MQTT-3.2.2-8");
        }
    }
    #[test]
    fn mqtt_3_3_1_2() {
        dup_on_qos0(V, "MQTT-3.3.1-2")
    }
    #[test]
    fn mqtt_3_3_1_4() {
        qos3(V, "MQTT-3.3.1-4")
    }
    #[test]
    fn mqtt_3_3_2_1() {
        topic_name_first(V);
        // An empty topic name is allowed only when a Topic Alias stands for it.
        let props = Properties::build([Property::TopicAlias(3)]).unwrap();
        accepts(&enc(with_props(publish("".into()), props), V), opts(V));
    }
    #[test]
    fn mqtt_3_3_2_2() {
        topic_name_wildcards(V, "MQTT-3.3.2-2")
    }
    #[test]
    fn mqtt_3_3_2_8() {
        let props = Properties::build([Property::TopicAlias(0)]).unwrap();
        let bytes = enc(with_props(publish("t".into()), props), V);
        let violation = rejects(&bytes, opts(V), Rule::TopicAliasZero);
        assert_eq!(violation.statement(), Some("MQTT-3.3.2-8"));
        assert_eq!(violation.reason_code(), ReasonCode::TOPIC_ALIAS_INVALID);
    }
    #[test]
    fn mqtt_3_3_2_13() {
        let props = Properties::build([Property::ResponseTopic(MqttString::from_raw(BAD_UTF8))]).unwrap();
        rejects(&enc(with_props(publish("t".into()), props), V), opts(V), Rule::Utf8Invalid);
    }
    #[test]
    fn mqtt_3_3_2_14() {
        for rt in ["a/+", "#", ""] {
            let props = Properties::build([Property::ResponseTopic(rt.into())]).unwrap();
            let bytes = enc(with_props(publish("t".into()), props), V);
            rejects_citing(&bytes, opts(V), Rule::ResponseTopicInvalid, "MQTT-3.3.2-14");
        }
    }
    #[test]
    fn mqtt_3_3_2_19() {
        let props = Properties::build([Property::ContentType(MqttString::from_raw(BAD_UTF8))]).unwrap();
        rejects(&enc(with_props(publish("t".into()), props), V), opts(V), Rule::Utf8Invalid);
    }
    #[test]
    fn mqtt_3_3_4_6() {
        let props = Properties::build([Property::SubscriptionIdentifier(4)]).unwrap();
        let bytes = enc(with_props(publish("t".into()), props), V);
        rejects_citing(
            &bytes,
            opts(V).with_role(Role::Server),
            Rule::ClientPublishSubscriptionId,
            "MQTT-3.3.4-6",
        );
        // From a server the identifier is expected.
        accepts(&bytes, opts(V).with_role(Role::Client));
    }
    fn ack_code(p: fn(Ack) -> Packet, code: u8, rule: Rule, id: &str) {
        let a = Ack { packet_id: 1, reason_code: ReasonCode(code), properties: Properties::new() };
        rejects_citing(&enc(p(a), V), opts(V), rule, id);
    }
    #[test]
    fn mqtt_3_4_2_1() {
        ack_code(Packet::PubAck, 0x92, Rule::PubackCode, "MQTT-3.4.2-1")
    }
    #[test]
    fn mqtt_3_5_2_1() {
        ack_code(Packet::PubRec, 0x01, Rule::PubrecCode, "MQTT-3.5.2-1")
    }
    #[test]
    fn mqtt_3_6_1_1() {
        pubrel_flags(V, "MQTT-3.6.1-1")
    }
    #[test]
    fn mqtt_3_6_2_1() {
        ack_code(Packet::PubRel, 0x80, Rule::PubrelCode, "MQTT-3.6.2-1")
    }
    #[test]
    fn mqtt_3_7_2_1() {
        ack_code(Packet::PubComp, 0x10, Rule::PubcompCode, "MQTT-3.7.2-1")
    }
    #[test]
    fn mqtt_3_8_1_1() {
        subscribe_flags(V, "MQTT-3.8.1-1")
    }
    #[test]
    fn mqtt_3_8_3_1() {
        filter_utf8(V)
    }
    #[test]
    fn mqtt_3_8_3_2() {
        subscribe_empty(V, "MQTT-3.8.3-2")
    }
    #[test]
    fn mqtt_3_8_3_4() {
        let bytes = enc(subscribe("$share/g/a".into(), 0x04), V);
        rejects_citing(&bytes, opts(V), Rule::SharedNoLocal, "MQTT-3.8.3-4");
        accepts(&enc(subscribe("a".into(), 0x04), V), opts(V));
    }
    #[test]
    fn mqtt_3_8_3_5() {
        for bits in [0x40, 0x80] {
            rejects_citing(
                &enc(subscribe("a".into(), bits), V),
                opts(V),
                Rule::SubscriptionOptionsReserved,
                "MQTT-3.8.3-5",
            );
        }
        // The neighbours of the reserved bits: QoS 3 and Retain Handling 3.
        rejects(&enc(subscribe("a".into(), 0x03), V), opts(V), Rule::SubscriptionQos3);
        rejects(&enc(subscribe("a".into(), 0x30), V), opts(V), Rule::RetainHandling3);
    }
    #[test]
    fn mqtt_3_9_3_2() {
        suback_codes(V, "MQTT-3.9.3-2");
        let s = Packet::SubAck(SubAck {
            packet_id: 1,
            properties: Properties::new(),
            codes: vec![ReasonCode(0x8E)],
        });
        rejects_citing(&enc(s, V), opts(V), Rule::SubackCode, "MQTT-3.9.3-2");
    }
    #[test]
    fn mqtt_3_10_1_1() {
        unsubscribe_flags(V, "MQTT-3.10.1-1")
    }
    #[test]
    fn mqtt_3_10_3_1() {
        unsubscribe_filter_utf8(V)
    }
    #[test]
    fn mqtt_3_10_3_2() {
        unsubscribe_empty(V, "MQTT-3.10.3-2")
    }
    #[test]
    fn mqtt_3_11_3_2() {
        let u = Packet::UnsubAck(UnsubAck {
            packet_id: 1,
            properties: Properties::new(),
            codes: vec![ReasonCode(0x10)],
        });
        rejects_citing(&enc(u, V), opts(V), Rule::UnsubackCode, "MQTT-3.11.3-2");
    }
    #[test]
    fn mqtt_3_14_1_1() {
        disconnect_flags(V, "MQTT-3.14.1-1")
    }
    #[test]
    fn mqtt_3_14_2_1() {
        for code in [0x01, 0x84, 0x91] {
            let d = Packet::Disconnect(Disconnect::new(ReasonCode(code)));
            rejects_citing(&enc(d, V), opts(V), Rule::DisconnectCode, "MQTT-3.14.2-1");
        }
    }
    #[test]
    fn mqtt_3_14_2_2() {
        let props = Properties::build([Property::SessionExpiryInterval(0)]).unwrap();
        let bytes = enc(with_props(Packet::Disconnect(Disconnect::default()), props), V);
        rejects_citing(
            &bytes,
            opts(V).with_role(Role::Client),
            Rule::ServerDisconnectSessionExpiry,
            "MQTT-3.14.2-2",
        );
        accepts(&bytes, opts(V).with_role(Role::Server));
    }
    #[test]
    fn mqtt_3_15_1_1() {
        let auth = Packet::Auth(Auth::default());
        for flags in [1, 2, 8] {
            let bytes = tamper(auth.clone(), V, Tamper { flags: Some(flags), ..Tamper::default() });
            rejects_citing(&bytes, opts(V), Rule::AuthFlags, "MQTT-3.15.1-1");
        }
    }
    #[test]
    fn mqtt_3_15_2_1() {
        let a = Auth {
            reason_code: ReasonCode(0x01),
            properties: Properties::build([Property::AuthenticationMethod("m".into())]).unwrap(),
        };
        rejects_citing(&enc(Packet::Auth(a), V), opts(V), Rule::AuthCode, "MQTT-3.15.2-1");
    }
    #[test]
    fn mqtt_4_7_0_1() {
        wildcards_only_in_filters(V)
    }
    #[test]
    fn mqtt_4_7_1_1() {
        hash_rules(V, "MQTT-4.7.1-1")
    }
    #[test]
    fn mqtt_4_7_1_2() {
        plus_rules(V, "MQTT-4.7.1-2")
    }
    #[test]
    fn mqtt_4_7_3_1() {
        non_empty_topics(V, "MQTT-4.7.3-1")
    }
    #[test]
    fn mqtt_4_7_3_2() {
        no_null_in_topics(V, "MQTT-4.7.3-2")
    }
    #[test]
    fn mqtt_4_7_3_3() {
        topic_length_limit(V)
    }
    #[test]
    fn mqtt_4_8_2_1() {
        rejects_citing(
            &enc(subscribe("$share//a".into(), 0), V),
            opts(V),
            Rule::SharedNameEmpty,
            "MQTT-4.8.2-1",
        );
    }
    #[test]
    fn mqtt_4_8_2_2() {
        for f in ["$share/g+/a", "$share/g#/a", "$share/g", "$share/g/"] {
            rejects_citing(&enc(subscribe(f.into(), 0), V), opts(V), Rule::SharedNameInvalid, "MQTT-4.8.2-2");
        }
        accepts(&enc(subscribe("$share/g/a/+".into(), 0), V), opts(V));
    }
    #[test]
    fn mqtt_4_12_0_2() {
        // The codec checks the code is an Authenticate code; whether the server is
        // asking for more data is a fact of the exchange, which the broker checks.
        let a = Auth {
            reason_code: ReasonCode::CONTINUE_AUTHENTICATION,
            properties: Properties::build([Property::AuthenticationMethod("m".into())]).unwrap(),
        };
        accepts(&enc(Packet::Auth(a), V), opts(V).with_role(Role::Client));
        let bad = Auth {
            reason_code: ReasonCode(0x17),
            properties: Properties::build([Property::AuthenticationMethod("m".into())]).unwrap(),
        };
        rejects(&enc(Packet::Auth(bad), V), opts(V).with_role(Role::Client), Rule::AuthCode);
    }
    #[test]
    fn mqtt_4_12_0_3() {
        let a = Auth {
            reason_code: ReasonCode::CONTINUE_AUTHENTICATION,
            properties: Properties::build([Property::AuthenticationMethod("m".into())]).unwrap(),
        };
        accepts(&enc(Packet::Auth(a), V), opts(V).with_role(Role::Server));
        let bad = Auth { reason_code: ReasonCode(0x18), properties: Properties::new() };
        rejects(&enc(Packet::Auth(bad), V), opts(V).with_role(Role::Server), Rule::AuthMethodMissing);
    }
}

/// Rules without a numbered statement: §-cited requirements of Table 2-4 and framing.
mod sections {
    use super::*;
    const V: Version = Version::V5;

    fn publish_props(raw: Vec<u8>) -> Bytes {
        enc(Packet::Publish(Publish { properties: Properties::from_raw(raw), ..Publish::new("t", "x") }), V)
    }

    #[test]
    fn property_rules() {
        rejects(&publish_props(vec![0x7F, 0x00]), opts(V), Rule::PropertyUnknown);
        rejects(&publish_props(vec![0x11, 0, 0, 0, 1]), opts(V), Rule::PropertyNotAllowed); // session expiry
        rejects(&publish_props(vec![0x01, 0x00, 0x01, 0x00]), opts(V), Rule::PropertyDuplicate);
        rejects(&publish_props(vec![0x01, 0x02]), opts(V), Rule::PropertyValue); // payload format 2
        rejects(&publish_props(vec![0x02, 0x00]), opts(V), Rule::Truncated); // expiry needs 4 bytes
        // User Property and (in PUBLISH) Subscription Identifier repeat freely.
        accepts(
            &publish_props(vec![0x26, 0, 1, b'a', 0, 0, 0x26, 0, 1, b'a', 0, 0]),
            opts(V).with_role(Role::Client),
        );
        accepts(&publish_props(vec![0x0B, 1, 0x0B, 2]), opts(V).with_role(Role::Client));
        let sub = Packet::Subscribe(Subscribe {
            packet_id: 1,
            properties: Properties::from_raw(vec![0x0B, 1, 0x0B, 2]),
            filters: vec![Subscription::new("a", QoS::AtMostOnce)],
        });
        rejects(&enc(sub, V), opts(V), Rule::PropertyDuplicate);
    }

    #[test]
    fn connect_property_values() {
        for (raw, rule) in [
            (vec![0x21, 0, 0], Rule::PropertyValue),            // receive maximum 0
            (vec![0x27, 0, 0, 0, 0], Rule::PropertyValue),      // maximum packet size 0
            (vec![0x17, 2], Rule::PropertyValue),               // request problem information 2
            (vec![0x16, 0, 1, 9], Rule::AuthDataWithoutMethod), // data without method
        ] {
            let mut c = Connect::new(V, "c");
            c.properties = Properties::from_raw(raw);
            rejects(&enc(Packet::Connect(Box::new(c)), V), opts(V), rule);
        }
    }

    #[test]
    fn framing_rules() {
        rejects(&[0x00, 0x00], opts(V), Rule::ReservedPacketType);
        rejects(&[0xF0, 0x00], opts(Version::V3_1_1), Rule::ReservedPacketType);
        rejects(&[0xC0, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], opts(V), Rule::VarIntTooLong);
        rejects(&[0xC0, 0x01, 0x00], opts(V), Rule::TrailingBytes); // PINGREQ with a body
        rejects(&[0x40, 0x01, 0x00], opts(Version::V3_1_1), Rule::Truncated); // PUBACK too short
        rejects(&[0x40, 0x03, 0x00, 0x01, 0x00], opts(Version::V3_1_1), Rule::TrailingBytes);
        // Remaining length 10 but 3 bytes present: just incomplete, not a violation.
        assert!(matches!(
            Packet::decode(&Bytes::from_static(&[0x30, 0x0A, 0x00, 0x01, b't']), &opts(V)),
            Err(DecodeError::Incomplete { needed: 7 })
        ));
        let big = opts(V).with_max_packet_size(16);
        rejects(&[0x30, 0x7F], big, Rule::PacketTooLarge); // refused from the header alone
        rejects(&[0x20, 0x02, 0, 0], opts(V).with_role(Role::Server), Rule::WrongDirection);
        rejects(&[0x82, 0x06, 0, 1, 0, 1, b'a', 0], opts(V).with_role(Role::Client), Rule::WrongDirection);
    }
}
