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
    let bytes = tamper(Packet::PingReq, V, Tamper { remaining_length_width: Some(2), ..Tamper::default() });
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
    let props = Properties::build([Property::UserProperty(MqttString::from_raw(NULL), "v".into())]).unwrap();
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
    let s =
        Packet::SubAck(SubAck { packet_id: 1, properties: Properties::new(), codes: vec![ReasonCode(0x8E)] });
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
    rejects_citing(&enc(subscribe("$share//a".into(), 0), V), opts(V), Rule::SharedNameEmpty, "MQTT-4.8.2-1");
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
