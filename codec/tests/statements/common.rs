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
    for id in ["a", "0", "abcdefghijklmnopqrstuvw", "ABCDEFGHIJKLMNOPQRSTUVW", "0123456789abcdefABCDEF9"] {
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
    let s =
        Packet::SubAck(SubAck { packet_id: 1, properties: Properties::new(), codes: vec![ReasonCode(0x03)] });
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
    let bytes =
        tamper(Packet::Disconnect(Disconnect::default()), v, Tamper { flags: Some(1), ..Tamper::default() });
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
