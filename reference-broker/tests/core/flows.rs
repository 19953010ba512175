//! Flows and limits: Receive Maximum, take-over, Maximum Packet Size, shared
//! subscriptions, determinism, and what the CONNACK and DISCONNECT may carry.

use super::*;

#[test]
fn client_receive_maximum_limits_messages_in_flight() {
    let mut h = Harness::new(Config::default());
    let mut sub = v5("s");
    sub.properties = props([Property::ReceiveMaximum(2)]);
    h.connect(1, sub);
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, v5("p"));
    let mut delivered = Vec::new();
    for id in 1..=5u16 {
        let mut p = Publish::new("t", format!("m{id}"));
        p.qos = QoS::AtLeastOnce;
        p.packet_id = Some(id);
        delivered.extend(publishes(&sent(&h.packet(2, Packet::Publish(p)), 1)).into_iter().cloned());
    }
    assert_eq!(delivered.len(), 2, "two in flight");
    let out = h.packet(1, Packet::PubAck(Ack::new(delivered[0].packet_id.unwrap())));
    let next = publishes(&sent(&out, 1)).into_iter().cloned().collect::<Vec<_>>();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].payload, Bytes::from_static(b"m3"), "in order");
}

#[test]
fn receive_maximum_exceeded_disconnects_with_0x93() {
    let mut h = Harness::new(Config { receive_maximum: 1, ..Config::default() });
    h.connect(1, v5("p"));
    for id in 1..=2u16 {
        let mut p = Publish::new("t", "x");
        p.qos = QoS::ExactlyOnce;
        p.packet_id = Some(id);
        let out = h.packet(1, Packet::Publish(p));
        if id == 2 {
            assert!(closed(&out, 1));
            assert!(
                matches!(&sent(&out, 1)[..], [Packet::Disconnect(d)] if d.reason_code == ReasonCode::RECEIVE_MAXIMUM_EXCEEDED)
            );
        }
    }
}

#[test]
fn take_over_closes_the_old_connection_with_0x8e() {
    let mut h = Harness::new(Config::default());
    h.connect(1, v5("same"));
    h.feed(Input::Open(2));
    let out = h.packet(2, Packet::Connect(Box::new(v5("same"))));
    assert!(closed(&out, 1));
    assert!(
        matches!(&sent(&out, 1)[..], [Packet::Disconnect(d)] if d.reason_code == ReasonCode::SESSION_TAKEN_OVER)
    );
    assert!(matches!(sent(&out, 2).first(), Some(Packet::ConnAck(_))));
}

#[test]
fn oversized_messages_are_dropped_for_small_clients() {
    let mut h = Harness::new(Config::default());
    let mut sub = v5("s");
    sub.properties = props([Property::MaximumPacketSize(32)]);
    h.connect(1, sub);
    h.subscribe(1, "t", QoS::AtMostOnce);
    h.connect(2, v5("p"));
    let out = h.packet(2, Packet::Publish(Publish::new("t", vec![0u8; 64])));
    assert!(publishes(&sent(&out, 1)).is_empty());
    assert_eq!(h.broker.stats().dropped_too_large, 1);
}

#[test]
fn shared_subscriptions_alternate_between_members() {
    let mut h = Harness::new(Config::default());
    for (conn, id) in [(1, "a"), (2, "b")] {
        h.connect(conn, v5(id));
        h.subscribe(conn, "$share/g/t", QoS::AtMostOnce);
    }
    h.connect(3, v5("p"));
    let mut counts = [0, 0];
    for _ in 0..10 {
        let out = h.packet(3, Packet::Publish(Publish::new("t", "x")));
        counts[0] += publishes(&sent(&out, 1)).len();
        counts[1] += publishes(&sent(&out, 2)).len();
    }
    assert_eq!(counts, [5, 5]);
}

#[test]
fn core_is_deterministic() {
    let run = || {
        let mut h = Harness::new(Config::default());
        let mut log = Vec::new();
        h.connect(1, v5(""));
        h.subscribe(1, "#", QoS::ExactlyOnce);
        h.connect(2, v5(""));
        for i in 0..20u16 {
            let mut p = Publish::new(format!("t/{}", i % 3), format!("{i}"));
            p.qos = QoS::from_u8((i % 3) as u8).unwrap();
            p.packet_id = (i % 3 != 0).then_some(i + 1);
            log.extend(h.packet(2, Packet::Publish(p)));
        }
        log
    };
    assert_eq!(run(), run());
}

/// Found by the `broker` fuzz target: the CONNACK itself must respect the client's
/// Maximum Packet Size (MQTT-3.1.2-24), so optional properties give way.
#[test]
fn connack_fits_a_small_maximum_packet_size() {
    let mut h = Harness::new(Config::default());
    let mut c = v5("");
    c.properties = props([Property::MaximumPacketSize(16)]);
    h.feed(Input::Open(1));
    let out = h.packet(1, Packet::Connect(Box::new(c)));
    let [Packet::ConnAck(ack)] = &sent(&out, 1)[..] else { panic!("{out:?}") };
    assert_eq!(ack.code, ReasonCode::SUCCESS);
    assert!(Packet::ConnAck(ack.clone()).encoded_len(Version::V5).unwrap() <= 16);
    assert!(ack.properties.assigned_client_identifier().is_some(), "the most important property stays");
}

/// Found by the `broker` fuzz target: a refusal code that only CONNACK may carry
/// (here 0x85 from a second, 3.1.1-style CONNECT) becomes 0x82 in a DISCONNECT.
#[test]
fn disconnect_never_carries_a_connack_only_code() {
    let mut h = Harness::new(Config::default());
    h.connect(1, v5("a"));
    let mut second = Connect::new(Version::V3_1_1, "");
    second.clean_start = false;
    let bytes = Packet::Connect(Box::new(second)).to_bytes(Version::V3_1_1).unwrap();
    let violation =
        *Packet::decode(&bytes, &DecodeOptions::new(Version::V5)).unwrap_err().violation().unwrap();
    assert_eq!(violation.reason_code(), ReasonCode::CLIENT_IDENTIFIER_NOT_VALID);
    let out = h.feed(Input::Invalid(1, violation));
    assert!(
        matches!(&sent(&out, 1)[..], [Packet::Disconnect(d)] if d.reason_code == ReasonCode::PROTOCOL_ERROR)
    );
}
