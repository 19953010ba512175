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
    let s = Tamper { skip_checks: true, ..Tamper::default() }.encode(&subscribe("a".into(), 3), V).unwrap();
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
