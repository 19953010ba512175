//! Outgoing Topic Aliases and imposed Keep Alive.

use super::*;

#[test]
fn outgoing_topic_aliases_stay_within_the_clients_maximum() {
    let mut h = Harness::new(Config::default());
    let mut sub = v5("s");
    sub.properties = props([Property::TopicAliasMaximum(1)]);
    h.connect(1, sub);
    h.subscribe(1, "t/#", QoS::AtMostOnce);
    h.connect(2, v5("plain"));
    h.subscribe(2, "t/#", QoS::AtMostOnce);
    h.connect(3, v5("p"));
    let mut to_alias = Vec::new();
    let mut to_plain = Vec::new();
    for topic in ["t/a", "t/a", "t/b", "t/a"] {
        let out = h.packet(3, Packet::Publish(Publish::new(topic, "x")));
        to_alias.push(publishes(&sent(&out, 1))[0].clone());
        to_plain.push(publishes(&sent(&out, 2))[0].clone());
    }
    let seen: Vec<(String, Option<u16>)> =
        to_alias.iter().map(|p| (p.topic.to_string(), p.properties.topic_alias())).collect();
    // First use sets alias 1; then the name may be left out (MQTT-3.1.2-26: never
    // above the client's maximum); t/b finds no free alias and goes in full.
    assert_eq!(
        seen,
        vec![("t/a".into(), Some(1)), ("".into(), Some(1)), ("t/b".into(), None), ("".into(), Some(1))]
    );
    // MQTT-3.1.2-27: a client that set no maximum gets no aliases.
    assert!(to_plain.iter().all(|p| p.properties.topic_alias().is_none() && !p.topic.is_empty()));
}

#[test]
fn a_dropped_publish_sets_no_alias() {
    let mut h = Harness::new(Config::default());
    let mut sub = v5("s");
    sub.properties = props([Property::TopicAliasMaximum(2), Property::MaximumPacketSize(40)]);
    h.connect(1, sub);
    h.subscribe(1, "t", QoS::AtMostOnce);
    h.connect(2, v5("p"));
    let out = h.packet(2, Packet::Publish(Publish::new("t", vec![b'x'; 64])));
    assert!(publishes(&sent(&out, 1)).is_empty());
    let out = h.packet(2, Packet::Publish(Publish::new("t", "small")));
    let got = publishes(&sent(&out, 1))[0].clone();
    assert_eq!((got.topic.to_string(), got.properties.topic_alias()), ("t".to_string(), Some(1)));
}

#[test]
fn max_keep_alive_is_imposed_on_5_0_clients_only() {
    let mut h = Harness::new(Config { max_keep_alive: Some(30), ..Config::default() });
    for (conn, ka, expect) in [(1, 0, Some(30)), (2, 60, Some(30)), (3, 20, None)] {
        let mut c = v5(format!("k{conn}").as_str());
        c.keep_alive = ka;
        let out = h.connect(conn, c);
        assert_eq!(connack(&out, conn).properties.server_keep_alive(), expect, "keep alive {ka}");
    }
    // A 3.1.1 client cannot be told, so its own Keep Alive (here none) stands.
    let mut c = Connect::new(Version::V3_1_1, "old");
    c.keep_alive = 0;
    h.connect(4, c);
    let out = h.at(3600.0);
    assert!(!closed(&out, 4));
    assert!(closed(&out, 1), "the imposed 30 s applies to the 5.0 client");
}

#[test]
fn a_protocol_error_disconnect_explains_itself_when_it_fits() {
    let mut h = Harness::new(Config::default());
    h.connect(1, v5("roomy"));
    let v = Violation { rule: Rule::PublishQos3, version: Version::V5, offset: 0 };
    let out = h.feed(Input::Invalid(1, v));
    let Some(Packet::Disconnect(d)) = sent(&out, 1).first().cloned() else { panic!("{out:?}") };
    assert_eq!(d.reason_code, ReasonCode::MALFORMED_PACKET);
    let text = d.properties.reason_string().expect("a Reason String").to_string();
    assert!(text.starts_with("MQTT-3.3.1-4"), "{text}");
    // A client allowing only small packets gets the bare DISCONNECT.
    let mut small = v5("small");
    small.properties = props([Property::MaximumPacketSize(16)]);
    h.connect(2, small);
    let out = h.feed(Input::Invalid(2, v));
    let Some(Packet::Disconnect(d)) = sent(&out, 2).first().cloned() else { panic!("{out:?}") };
    assert!(d.properties.reason_string().is_none());
}
