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
    let mut op = Op::plain_connect(0, 0);
    if let Op::Connect { receive_max, .. } = &mut op {
        *receive_max = Some(1);
    }
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

/// Found against Mosquitto: a connection opened again and sent raw bytes (a
/// tampered CONNECT, as another client) was taken for the identity its slot had
/// connected as before, so a subscription made there was credited to the wrong
/// session and a delivery through it looked above the granted QoS.
#[test]
fn a_reopened_connection_has_no_identity_until_its_connect() {
    use mqttspec_codec::{ConnAck, Properties, Publish, QoS, ReasonCode, SubAck, Subscribe, Subscription};
    let names = Names::new("t", 0, None);
    let mut o = Observer::new(Version::V5, &names);
    let connect = |c, id, clean| {
        let mut op = Op::plain_connect(c, id);
        if let Op::Connect { clean: ref mut cl, .. } = op {
            *cl = clean;
        }
        op
    };
    let connack = |present| {
        Packet::ConnAck(ConnAck {
            session_present: present,
            code: ReasonCode(0),
            properties: Properties::new(),
        })
    };
    let subscribe = |o: &mut Observer, i, slot, filter: usize, qos| {
        let op = Op::Subscribe { c: slot, filter, qos };
        let p = Subscribe {
            packet_id: 1,
            properties: Properties::new(),
            filters: vec![Subscription::new(names.filter(filter).as_str(), QoS::AtMostOnce)],
        };
        o.intend(i, &op, &Packet::Subscribe(p));
        let ack = SubAck { packet_id: 1, properties: Properties::new(), codes: vec![ReasonCode(qos)] };
        assert!(o.received(i, slot, &Packet::SubAck(ack), 5).is_none());
    };
    // Slot 0 is identity 0, then its connection closes; slot 2 is identity 2, on `#` at QoS 0.
    for (slot, id) in [(0, 0), (2, 2)] {
        o.opened(slot);
        o.intend(0, &connect(slot, id, true), &Packet::PingReq);
        assert!(o.received(0, slot, &connack(false), 4).is_none());
    }
    subscribe(&mut o, 1, 2, 4, 0);
    o.closed(0);
    // Slot 0 opens again and sends a CONNECT the oracle cannot read (as identity 2,
    // taking its session over), then subscribes to `a/#` at QoS 1.
    o.opened(0);
    o.raw(0);
    assert!(o.received(2, 0, &connack(true), 4).is_none());
    subscribe(&mut o, 3, 0, 6, 1);
    // Identity 2 takes its session back on slot 2 and gets its own QoS 1 message
    // through `a/#`.
    o.closed(2);
    o.opened(2);
    o.intend(4, &connect(2, 2, false), &Packet::PingReq);
    assert!(o.received(4, 2, &connack(true), 4).is_none());
    let mut p = Publish::new(names.topic(3).as_str(), session::payload('m', 5, 0));
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(1);
    let op = Op::Publish { c: 2, topic: 3, qos: 1, retain: false, pad: 0, alias: None };
    o.intend(5, &op, &Packet::Publish(p.clone()));
    let f = o.received(5, 2, &Packet::Publish(p), 20);
    assert!(f.is_none(), "{f:?}");
}

/// Found against the reference broker as a process: the limits a CONNECT announces
/// are in force only for the first CONNECT of a connection (a later one is a
/// protocol error, even while the first one's CONNACK is late), and after a CONNECT
/// the oracle could not read (raw bytes) they are unknown, not zero.
#[test]
fn only_the_first_readable_connect_of_a_connection_sets_its_limits() {
    use mqttspec_codec::{Disconnect, Properties, Property, Publish, ReasonCode};
    let names = Names::new("t", 0, None);
    let mut o = Observer::new(Version::V5, &names);
    let connect = |max_packet, alias_max| Op::Connect {
        c: 0,
        id: 0,
        clean: true,
        expiry: 0,
        will: None,
        max_packet,
        receive_max: None,
        alias_max,
    };
    // Raw bytes, then a CONNECT announcing a 20-byte limit, before any CONNACK.
    o.opened(0);
    o.raw(0);
    o.intend(0, &connect(Some(20), None), &Packet::PingReq);
    let mut d = Disconnect::new(ReasonCode(0x82));
    d.properties =
        Properties::build(vec![Property::ReasonString("a second CONNECT".repeat(2).into())]).unwrap();
    assert!(o.received(0, 0, &Packet::Disconnect(d), 38).is_none());
    // After raw bytes the client's Topic Alias Maximum is unknown: a server alias is
    // not judged.
    let mut p = Publish::new(names.topic(0).as_str(), bytes::Bytes::from_static(b"x"));
    p.properties = Properties::build(vec![Property::TopicAlias(1)]).unwrap();
    assert!(o.received(1, 0, &Packet::Publish(p.clone()), 12).is_none());
    // A readable first CONNECT announcing none: the same alias breaks MQTT-3.1.2-27.
    o.opened(0);
    o.intend(2, &connect(None, None), &Packet::PingReq);
    let f = o.received(2, 0, &Packet::Publish(p), 12).expect("a finding");
    assert_eq!(f.statements, vec!["MQTT-3.1.2-27".to_string()]);
}
