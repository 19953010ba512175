//! The deterministic core, driven directly: packets and time in, actions out. No
//! sockets and no sleeping; `now` is whatever the test says. Every packet the core
//! emits is encoded and decoded again with the strict codec.

use bytes::Bytes;
use mqttspec_broker::Config;
use mqttspec_broker::core::{Action, Broker, ConnId, Input};
use mqttspec_codec::*;
use std::time::Duration;

struct Harness {
    broker: Broker,
    now: Duration,
}

impl Harness {
    fn new(config: Config) -> Self {
        Harness { broker: Broker::new(config), now: Duration::ZERO }
    }

    fn at(&mut self, secs: f64) -> Vec<Action> {
        self.now = Duration::from_secs_f64(secs);
        self.feed(Input::Tick)
    }

    /// Feeds an input; checks every packet out survives the strict codec.
    fn feed(&mut self, input: Input) -> Vec<Action> {
        let actions = self.broker.handle(self.now, input);
        for a in &actions {
            if let Action::Send { version, packet, .. } = a {
                let bytes = packet.to_bytes(*version).expect("core packets encode");
                let v = if *version == Version::V3_1 { Version::V3_1_1 } else { *version };
                let opts = DecodeOptions::new(v).with_role(Role::Client);
                assert_eq!(&Packet::decode(&bytes, &opts).expect("strictly valid"), packet);
            }
        }
        actions
    }

    fn packet(&mut self, conn: ConnId, p: Packet) -> Vec<Action> {
        self.feed(Input::Packet(conn, p))
    }

    fn connect(&mut self, conn: ConnId, c: Connect) -> Vec<Action> {
        self.feed(Input::Open(conn));
        let out = self.packet(conn, Packet::Connect(Box::new(c)));
        assert!(matches!(sent(&out, conn).first(), Some(Packet::ConnAck(a)) if a.code.0 == 0), "{out:?}");
        out
    }

    fn subscribe(&mut self, conn: ConnId, filter: &str, qos: QoS) {
        let s = Subscribe {
            packet_id: 1,
            properties: Properties::new(),
            filters: vec![Subscription::new(filter, qos)],
        };
        let out = self.packet(conn, Packet::Subscribe(s));
        assert!(matches!(sent(&out, conn).first(), Some(Packet::SubAck(_))));
    }
}

fn sent(actions: &[Action], to: ConnId) -> Vec<Packet> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { conn, packet, .. } if *conn == to => Some(packet.clone()),
            _ => None,
        })
        .collect()
}

fn closed(actions: &[Action], who: ConnId) -> bool {
    actions.iter().any(|a| *a == Action::Close(who))
}

fn v5(id: &str) -> Connect {
    Connect::new(Version::V5, id)
}

fn props(p: impl IntoIterator<Item = Property>) -> Properties {
    Properties::build(p).unwrap()
}

fn with_will(mut c: Connect, topic: &str, will_props: Properties) -> Connect {
    c.will = Some(Will {
        qos: QoS::AtMostOnce,
        retain: false,
        properties: will_props,
        topic: topic.into(),
        payload: Bytes::from_static(b"bye"),
    });
    c
}

fn publishes(p: &[Packet]) -> Vec<&Publish> {
    p.iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some(p),
            _ => None,
        })
        .collect()
}

#[test]
fn keep_alive_closes_after_one_and_a_half_intervals() {
    let mut h = Harness::new(Config::default());
    let mut c = v5("a");
    c.keep_alive = 10;
    h.connect(1, c);
    assert_eq!(h.broker.next_wake(), Some(Duration::from_secs(15)));
    assert!(!closed(&h.at(14.9), 1));
    let out = h.at(15.0);
    assert!(closed(&out, 1));
    assert!(
        matches!(&sent(&out, 1)[..], [Packet::Disconnect(d)] if d.reason_code == ReasonCode::KEEP_ALIVE_TIMEOUT)
    );
}

#[test]
fn any_packet_resets_the_keep_alive() {
    let mut h = Harness::new(Config::default());
    let mut c = Connect::new(Version::V3_1_1, "a");
    c.keep_alive = 4;
    h.connect(1, c);
    h.now = Duration::from_secs(5);
    assert_eq!(sent(&h.packet(1, Packet::PingReq), 1), vec![Packet::PingResp]);
    assert!(!closed(&h.at(10.9), 1));
    assert!(closed(&h.at(11.0), 1));
}

#[test]
fn silent_connection_without_connect_is_reaped() {
    let mut h = Harness::new(Config::default());
    h.feed(Input::Open(7));
    assert!(!closed(&h.at(9.0), 7));
    assert!(closed(&h.at(10.0), 7));
    assert_eq!(h.broker.connection_count(), 0);
}

#[test]
fn will_waits_for_its_delay() {
    let mut h = Harness::new(Config::default());
    h.connect(1, v5("watcher"));
    h.subscribe(1, "w", QoS::AtMostOnce);
    let mut c = with_will(v5("a"), "w", props([Property::WillDelayInterval(5)]));
    c.properties = props([Property::SessionExpiryInterval(100)]);
    h.connect(2, c);
    assert!(publishes(&sent(&h.feed(Input::Lost(2)), 1)).is_empty());
    assert!(publishes(&sent(&h.at(4.9), 1)).is_empty());
    let out = h.at(5.0);
    assert_eq!(publishes(&sent(&out, 1)).len(), 1);
    assert!(publishes(&sent(&h.at(60.0), 1)).is_empty(), "published once");
}

#[test]
fn will_goes_out_when_the_session_ends_first() {
    let mut h = Harness::new(Config::default());
    h.connect(1, v5("watcher"));
    h.subscribe(1, "w", QoS::AtMostOnce);
    let mut c = with_will(v5("a"), "w", props([Property::WillDelayInterval(100)]));
    c.properties = props([Property::SessionExpiryInterval(3)]);
    h.connect(2, c);
    h.feed(Input::Lost(2));
    assert!(publishes(&sent(&h.at(2.9), 1)).is_empty());
    assert_eq!(publishes(&sent(&h.at(3.0), 1)).len(), 1);
    assert_eq!(h.broker.session_count(), 1, "only the watcher's session is left");
}

#[test]
fn reconnect_before_the_delay_cancels_the_will() {
    let mut h = Harness::new(Config::default());
    h.connect(1, v5("watcher"));
    h.subscribe(1, "w", QoS::AtMostOnce);
    let session = props([Property::SessionExpiryInterval(100)]);
    let mut c = with_will(v5("a"), "w", props([Property::WillDelayInterval(5)]));
    c.properties = session.clone();
    h.connect(2, c);
    h.feed(Input::Lost(2));
    h.now = Duration::from_secs(2);
    let mut again = v5("a");
    again.clean_start = false;
    again.properties = session;
    let out = h.connect(3, again);
    assert!(matches!(sent(&out, 3).first(), Some(Packet::ConnAck(a)) if a.session_present));
    assert!(publishes(&sent(&h.at(10.0), 1)).is_empty());
}

#[test]
fn normal_disconnect_discards_the_will_and_0x04_keeps_it() {
    let mut h = Harness::new(Config::default());
    h.connect(1, v5("watcher"));
    h.subscribe(1, "w", QoS::AtMostOnce);
    h.connect(2, with_will(v5("a"), "w", Properties::new()));
    assert!(publishes(&sent(&h.packet(2, Packet::Disconnect(Disconnect::default())), 1)).is_empty());
    h.connect(3, with_will(v5("b"), "w", Properties::new()));
    let out = h.packet(3, Packet::Disconnect(Disconnect::new(ReasonCode::DISCONNECT_WITH_WILL)));
    assert_eq!(publishes(&sent(&out, 1)).len(), 1);
}

#[test]
fn session_expires_after_its_interval() {
    let mut h = Harness::new(Config::default());
    let mut c = v5("a");
    c.clean_start = false;
    c.properties = props([Property::SessionExpiryInterval(30)]);
    h.connect(1, c.clone());
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.feed(Input::Lost(1));
    assert_eq!(h.broker.session_count(), 1);
    h.at(29.0);
    assert_eq!(h.broker.session_count(), 1);
    h.at(30.0);
    assert_eq!(h.broker.session_count(), 0);
    let out = h.connect(2, c);
    assert!(matches!(sent(&out, 2).first(), Some(Packet::ConnAck(a)) if !a.session_present));
}

/// A persistent 5.0 subscriber goes offline; a QoS 1 message with the given Message
/// Expiry Interval is queued for it; it resumes at `resume_at` seconds. Returns the
/// harness and what the resume sent to the new connection (3).
fn queue_then_resume(expiry: u32, resume_at: u64) -> (Harness, Vec<Packet>) {
    let mut h = Harness::new(Config::default());
    let mut sub = v5("s");
    sub.clean_start = false;
    sub.properties = props([Property::SessionExpiryInterval(100)]);
    h.connect(1, sub.clone());
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.feed(Input::Lost(1));
    h.connect(2, v5("p"));
    let mut p = Publish::new("t", "x");
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(1);
    p.properties = props([Property::MessageExpiryInterval(expiry)]);
    h.packet(2, Packet::Publish(p));
    h.now = Duration::from_secs(resume_at);
    let out = h.connect(3, sub);
    (h, sent(&out, 3))
}

#[test]
fn expired_messages_are_not_delivered_from_the_queue() {
    let (h, got) = queue_then_resume(2, 3);
    assert!(publishes(&got).is_empty());
    assert_eq!(h.broker.stats().dropped_expired, 1);
}

#[test]
fn forwarded_expiry_is_what_is_left() {
    let (_, got) = queue_then_resume(60, 20);
    let delivered = publishes(&got);
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].properties.message_expiry_interval(), Some(40));
}

#[test]
fn unacknowledged_messages_are_resent_with_dup_on_resume() {
    let mut h = Harness::new(Config::default());
    let mut sub = Connect::new(Version::V3_1_1, "s");
    sub.clean_start = false;
    h.connect(1, sub.clone());
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, Connect::new(Version::V3_1_1, "p"));
    let mut p = Publish::new("t", "x");
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(9);
    let out = h.packet(2, Packet::Publish(p));
    let first = publishes(&sent(&out, 1))[0].clone();
    assert!(!first.dup);
    h.feed(Input::Lost(1));
    let out = h.connect(3, sub);
    let again = publishes(&sent(&out, 3))[0].clone();
    assert!(again.dup);
    assert_eq!(again.packet_id, first.packet_id);
}

/// Found by the `broker` fuzz target (fuzz/regressions/broker/
/// inflight-message-expired-before-resumption): a message sent but not acknowledged
/// was dropped on resumption once its Message Expiry Interval had passed. Its
/// delivery had started, so it must be resent (MQTT-4.4.0-1, MQTT-3.3.2-5).
#[test]
fn inflight_message_is_resent_even_after_it_expired() {
    let mut h = Harness::new(Config::default());
    let mut sub = v5("s");
    sub.clean_start = false;
    sub.properties = props([Property::SessionExpiryInterval(100)]);
    h.connect(1, sub.clone());
    h.subscribe(1, "t", QoS::AtLeastOnce);
    h.connect(2, v5("p"));
    let mut p = Publish::new("t", "x");
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(1);
    p.properties = props([Property::MessageExpiryInterval(1)]);
    let first = publishes(&sent(&h.packet(2, Packet::Publish(p)), 1))[0].clone();
    h.feed(Input::Lost(1));
    h.now = Duration::from_secs(5);
    let out = h.connect(3, sub);
    let got = sent(&out, 3);
    let again = publishes(&got);
    assert_eq!(again.len(), 1, "{got:?}");
    assert!(again[0].dup);
    assert_eq!(again[0].packet_id, first.packet_id);
    assert_eq!(again[0].properties.message_expiry_interval(), Some(0));
}

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
