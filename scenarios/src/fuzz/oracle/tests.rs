//! The oracle's own checks.

use super::*;

#[test]
fn statement_ids_are_read_for_the_version() {
    let text = "MQTT-4.3.2-2 MQTT-4.3.3-2 (5.0), MQTT-4.3.2-1 MQTT-4.3.3-1 (3.1.1): Publish has DUP";
    assert_eq!(ids_in(text, Version::V5), ["MQTT-4.3.2-2", "MQTT-4.3.3-2"]);
    assert_eq!(ids_in(text, Version::V311), ["MQTT-4.3.2-1", "MQTT-4.3.3-1"]);
    assert_eq!(ids_in("MQTT-4.5.0-1 (both): delivered", Version::V311), ["MQTT-4.5.0-1"]);
    assert_eq!(ids_in("MQTT-4.3.3-4 (5.0) / MQTT-4.3.3-1 (3.1.1): PubRel", Version::V311), ["MQTT-4.3.3-1"]);
    assert!(ids_in("§2.2.3 (malformed packet): x", Version::V311).is_empty());
}

#[test]
fn a_delivery_beyond_the_receive_maximum_is_found_and_an_acknowledged_one_is_not() {
    use mqttspec_codec::{Ack, Publish, QoS};
    let names = Names::new("t", 0, None);
    let mut o = Observer::new(Version::V5, &names);
    let op = Op::Connect {
        c: 0,
        id: 0,
        clean: true,
        expiry: 0,
        will: None,
        max_packet: None,
        receive_max: Some(1),
        alias_max: Some(4),
    };
    o.opened(0);
    o.intend(0, &op, &Packet::PingReq);
    let publish = |id: u16| {
        let mut p = Publish::new("t/a", bytes::Bytes::from(format!("m{id}")));
        p.qos = QoS::AtLeastOnce;
        p.packet_id = Some(id);
        Packet::Publish(p)
    };
    assert!(o.flow_control(1, 0, &publish(1)).is_none());
    // Acknowledged before the next one came: within the limit.
    o.sending(0, &Packet::PubAck(Ack::new(1)));
    assert!(o.flow_control(1, 0, &publish(2)).is_none());
    // Not acknowledged: the next one is one too many.
    let f = o.flow_control(2, 0, &publish(3)).expect("a finding");
    assert_eq!(f.statements, vec!["MQTT-3.3.4-9".to_string()]);
    // A resend of one in flight adds nothing.
    assert!(o.flow_control(2, 0, &publish(2)).is_none());
}
