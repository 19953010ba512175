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

/// A 5.0 client with a session that outlives its connection by `expiry` seconds,
/// connected on `conn` and subscribed to `t` at QoS 1; returns its CONNECT for
/// reconnecting.
fn persistent_subscriber(h: &mut Harness, conn: ConnId, id: &str, expiry: u32) -> Connect {
    let mut c = v5(id);
    c.clean_start = false;
    c.properties = props([Property::SessionExpiryInterval(expiry)]);
    h.connect(conn, c.clone());
    h.subscribe(conn, "t", QoS::AtLeastOnce);
    c
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
    let c = persistent_subscriber(&mut h, 1, "a", 30);
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
    let sub = persistent_subscriber(&mut h, 1, "s", 100);
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
    let sub = persistent_subscriber(&mut h, 1, "s", 100);
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

// ---- Authentication and authorization -------------------------------------------

fn users() -> mqttspec_broker::auth::Users {
    let mut users = mqttspec_broker::auth::Users::default();
    // Few iterations keep the debug-build tests fast; the format is the same.
    users.insert("alice", mqttspec_broker::auth::Credential::derive("wonderland", b"alice-salt", 64));
    users.insert("bob", mqttspec_broker::auth::Credential::derive("builder", b"bob-salt", 64));
    users
}

fn with_users(mut config: Config) -> Config {
    config.users = Some(users());
    config
}

fn login(version: Version, id: &str, user: &str, password: &str) -> Connect {
    let mut c = Connect::new(version, id);
    c.username = Some(user.into());
    c.password = Some(Bytes::copy_from_slice(password.as_bytes()));
    c
}

fn connack(out: &[Action], conn: ConnId) -> ConnAck {
    match sent(out, conn).first() {
        Some(Packet::ConnAck(a)) => a.clone(),
        other => panic!("expected CONNACK, got {other:?}"),
    }
}

#[test]
fn passwords_are_checked_against_the_password_file() {
    let mut h = Harness::new(with_users(Config::default()));
    h.connect(1, login(Version::V5, "a", "alice", "wonderland"));
    for (conn, version, user, password, code) in [
        (2, Version::V5, "alice", "wrong", 0x86),
        (3, Version::V5, "mallory", "wonderland", 0x86),
        (4, Version::V3_1_1, "alice", "wrong", 0x04),
    ] {
        h.feed(Input::Open(conn));
        let out = h.packet(conn, Packet::Connect(Box::new(login(version, "x", user, password))));
        assert_eq!(connack(&out, conn).code, ReasonCode(code));
        assert!(closed(&out, conn));
    }
}

#[test]
fn anonymous_clients_are_refused_when_not_allowed() {
    let mut h = Harness::new(Config { allow_anonymous: false, ..with_users(Config::default()) });
    for (conn, version, code) in [(1, Version::V5, 0x87), (2, Version::V3_1_1, 0x05)] {
        h.feed(Input::Open(conn));
        let out = h.packet(conn, Packet::Connect(Box::new(Connect::new(version, "anon"))));
        assert_eq!(connack(&out, conn).code, ReasonCode(code));
    }
    h.connect(3, login(Version::V3_1_1, "b", "bob", "builder"));
}

fn acl_config() -> Config {
    use mqttspec_broker::acl::{Access, Rule};
    let rule = |user: Option<&str>, topic: &str, access| Rule {
        user: user.map(str::to_string),
        client: None,
        topic: topic.to_string(),
        access,
    };
    Config {
        acl: vec![
            rule(Some("alice"), "sensors/#", Access::Readwrite),
            rule(None, "sensors/public", Access::Read),
            rule(None, "inbox/%u", Access::Readwrite),
        ],
        ..with_users(Config::default())
    }
}

#[test]
fn acl_refuses_publishes_per_version() {
    let mut h = Harness::new(acl_config());
    h.connect(1, login(Version::V5, "a", "alice", "wonderland"));
    h.subscribe(1, "sensors/#", QoS::AtLeastOnce);
    h.connect(2, login(Version::V5, "b5", "bob", "builder"));
    h.connect(3, login(Version::V3_1_1, "b3", "bob", "builder"));
    let mut p = Publish::new("sensors/t", "1");
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(5);
    // 5.0: PUBACK 0x87; 3.1.1: an ordinary PUBACK (MQTT-3.3.5-2). Neither is delivered.
    let out = h.packet(2, Packet::Publish(p.clone()));
    let Some(Packet::PubAck(ack)) = sent(&out, 2).first().cloned() else { panic!("{out:?}") };
    assert_eq!((ack.packet_id, ack.reason_code), (5, ReasonCode::NOT_AUTHORIZED));
    // With a Reason String, and the topic as a User Property (crate::core::problem).
    assert!(ack.properties.reason_string().is_some());
    let about: Vec<(String, String)> =
        ack.properties.user_properties().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(about, vec![("topic".to_string(), "sensors/t".to_string())]);
    let out = h.packet(3, Packet::Publish(p.clone()));
    assert_eq!(sent(&out, 3), vec![Packet::PubAck(Ack::new(5))]);
    assert!(sent(&out, 1).is_empty());
    p.qos = QoS::ExactlyOnce;
    let out = h.packet(2, Packet::Publish(p.clone()));
    let Some(Packet::PubRec(rec)) = sent(&out, 2).first().cloned() else { panic!("{out:?}") };
    assert_eq!(
        (rec.packet_id, rec.reason_code, rec.properties),
        (5, ReasonCode::NOT_AUTHORIZED, ack.properties)
    );
    // Bob may write his own inbox (%u), alice's publish goes through.
    let out = h.packet(2, Packet::Publish(Publish::new("inbox/bob", "hi")));
    assert!(sent(&out, 2).is_empty() && !closed(&out, 2));
    let out = h.packet(1, Packet::Publish(Publish::new("sensors/t", "ok")));
    assert_eq!(publishes(&sent(&out, 1)).len(), 1);
}

#[test]
fn acl_refuses_subscriptions_and_filters_deliveries() {
    let mut h = Harness::new(acl_config());
    h.connect(1, login(Version::V5, "a", "alice", "wonderland"));
    h.connect(2, login(Version::V5, "b5", "bob", "builder"));
    h.connect(3, login(Version::V3_1_1, "b3", "bob", "builder"));
    let subscribe = |filters: &[&str]| Subscribe {
        packet_id: 1,
        properties: Properties::new(),
        filters: filters.iter().map(|f| Subscription::new(*f, QoS::AtMostOnce)).collect(),
    };
    let out = h.packet(2, Packet::Subscribe(subscribe(&["sensors/private", "sensors/+", "x"])));
    let Some(Packet::SubAck(ack)) = sent(&out, 2).first().cloned() else { panic!("{out:?}") };
    assert_eq!(ack.codes, vec![ReasonCode::NOT_AUTHORIZED, ReasonCode(0), ReasonCode::NOT_AUTHORIZED]);
    let out = h.packet(3, Packet::Subscribe(subscribe(&["x", "sensors/#"])));
    let Some(Packet::SubAck(ack)) = sent(&out, 3).first().cloned() else { panic!("{out:?}") };
    assert_eq!(ack.codes, vec![ReasonCode(0x80), ReasonCode(0)]);
    // Bob's `sensors/+` overlaps sensors/public, but he only receives that topic.
    let out = h.packet(1, Packet::Publish(Publish::new("sensors/private", "p")));
    assert!(sent(&out, 2).is_empty() && sent(&out, 3).is_empty());
    let out = h.packet(1, Packet::Publish(Publish::new("sensors/public", "p")));
    assert_eq!((publishes(&sent(&out, 2)).len(), publishes(&sent(&out, 3)).len()), (1, 1));
    assert_eq!(h.broker.stats().dropped_unauthorized, 2);
}

#[test]
fn acl_refuses_a_will_it_would_not_let_through() {
    let mut h = Harness::new(acl_config());
    h.feed(Input::Open(1));
    let c = with_will(login(Version::V5, "b", "bob", "builder"), "sensors/x", Properties::new());
    let out = h.packet(1, Packet::Connect(Box::new(c)));
    assert_eq!(connack(&out, 1).code, ReasonCode::NOT_AUTHORIZED);
}

#[test]
fn connection_rate_is_limited() {
    let mut h = Harness::new(Config { max_connection_rate: Some(2), ..Config::default() });
    let opened = |h: &mut Harness, conn| !closed(&h.feed(Input::Open(conn)), conn);
    assert!(opened(&mut h, 1) && opened(&mut h, 2));
    assert!(!opened(&mut h, 3), "a third connection within the same instant");
    h.now = Duration::from_millis(500);
    assert!(opened(&mut h, 4), "half a second refills one token");
    assert!(!opened(&mut h, 5));
    assert_eq!(h.broker.stats().refused_connections, 2);
}

/// The client side of SCRAM comes from the `scram` crate, an implementation
/// independent of the broker's.
fn scram_connect(h: &mut Harness, conn: ConnId, user: &str, password: &str) -> Vec<Action> {
    let client = scram::ScramClient::new(user, password, None);
    let (client, first) = client.client_first();
    let mut c = Connect::new(Version::V5, "scram-client");
    c.properties = props([
        Property::AuthenticationMethod("SCRAM-SHA-256".into()),
        Property::AuthenticationData(Bytes::from(first)),
    ]);
    h.feed(Input::Open(conn));
    let out = h.packet(conn, Packet::Connect(Box::new(c)));
    let Some(Packet::Auth(challenge)) = sent(&out, conn).first().cloned() else { panic!("{out:?}") };
    assert_eq!(challenge.reason_code, ReasonCode::CONTINUE_AUTHENTICATION);
    assert_eq!(challenge.properties.authentication_method().unwrap(), "SCRAM-SHA-256");
    let data = challenge.properties.authentication_data().unwrap();
    let client = client.handle_server_first(std::str::from_utf8(&data).unwrap()).unwrap();
    let (client, last) = client.client_final();
    let out = h.packet(conn, Packet::Auth(auth_packet(ReasonCode::CONTINUE_AUTHENTICATION, &last)));
    if let Some(Packet::ConnAck(ack)) = sent(&out, conn).first() {
        if ack.code == ReasonCode::SUCCESS {
            let data = ack.properties.authentication_data().unwrap();
            client.handle_server_final(std::str::from_utf8(&data).unwrap()).expect("server proves itself");
            assert_eq!(ack.properties.authentication_method().unwrap(), "SCRAM-SHA-256");
        }
    }
    out
}

fn auth_packet(code: ReasonCode, data: &str) -> Auth {
    Auth {
        reason_code: code,
        properties: props([
            Property::AuthenticationMethod("SCRAM-SHA-256".into()),
            Property::AuthenticationData(Bytes::copy_from_slice(data.as_bytes())),
        ]),
    }
}

#[test]
fn scram_sha_256_enhanced_authentication() {
    let mut h = Harness::new(with_users(Config::default()));
    let out = scram_connect(&mut h, 1, "alice", "wonderland");
    assert_eq!(connack(&out, 1).code, ReasonCode::SUCCESS);
    let out = scram_connect(&mut h, 2, "alice", "looking-glass");
    assert_eq!(connack(&out, 2).code, ReasonCode::BAD_USER_NAME_OR_PASSWORD);
    assert!(closed(&out, 2));
    let out = scram_connect(&mut h, 3, "nobody", "x");
    assert_eq!(connack(&out, 3).code, ReasonCode::BAD_USER_NAME_OR_PASSWORD);
}

#[test]
fn unsupported_methods_and_out_of_place_auth_are_refused() {
    // No password file: no method is offered (MQTT-4.12.0-1).
    let mut h = Harness::new(Config::default());
    let out = scram_connect_first_only(&mut h, 1, "SCRAM-SHA-256");
    assert_eq!(connack(&out, 1).code, ReasonCode::BAD_AUTHENTICATION_METHOD);
    let mut h = Harness::new(with_users(Config::default()));
    let out = scram_connect_first_only(&mut h, 1, "PLAIN");
    assert_eq!(connack(&out, 1).code, ReasonCode::BAD_AUTHENTICATION_METHOD);
    // During the exchange only AUTH may come: anything else is a protocol error.
    scram_connect_first_only(&mut h, 2, "SCRAM-SHA-256");
    let out = h.packet(2, Packet::PingReq);
    assert_eq!(connack(&out, 2).code, ReasonCode::PROTOCOL_ERROR);
    // AUTH without enhanced authentication in CONNECT (MQTT-4.12.0-7 is the client's
    // duty; the server treats it as a protocol error).
    h.connect(3, v5("plain"));
    let out = h.packet(3, Packet::Auth(auth_packet(ReasonCode::RE_AUTHENTICATE, "n,,n=alice,r=x")));
    assert!(
        matches!(sent(&out, 3).first(), Some(Packet::Disconnect(d)) if d.reason_code == ReasonCode::PROTOCOL_ERROR)
    );
    // An exchange that never ends is reaped like a silent connection.
    scram_connect_first_only(&mut h, 4, "SCRAM-SHA-256");
    let out = h.at(11.0);
    assert!(closed(&out, 4));
}

fn scram_connect_first_only(h: &mut Harness, conn: ConnId, method: &str) -> Vec<Action> {
    let mut c = Connect::new(Version::V5, format!("c{conn}").as_str());
    c.properties = props([
        Property::AuthenticationMethod(method.into()),
        Property::AuthenticationData(Bytes::from_static(b"n,,n=alice,r=abcdef")),
    ]);
    h.feed(Input::Open(conn));
    h.packet(conn, Packet::Connect(Box::new(c)))
}

#[test]
fn scram_re_authentication() {
    let mut h = Harness::new(with_users(Config::default()));
    scram_connect(&mut h, 1, "alice", "wonderland");
    let reauth = |h: &mut Harness, user: &str, password: &str| {
        let client = scram::ScramClient::new(user, password, None);
        let (client, first) = client.client_first();
        let out = h.packet(1, Packet::Auth(auth_packet(ReasonCode::RE_AUTHENTICATE, &first)));
        let Some(Packet::Auth(challenge)) = sent(&out, 1).first().cloned() else { panic!("{out:?}") };
        let data = challenge.properties.authentication_data().unwrap();
        let client = client.handle_server_first(std::str::from_utf8(&data).unwrap()).unwrap();
        let (client, last) = client.client_final();
        let out = h.packet(1, Packet::Auth(auth_packet(ReasonCode::CONTINUE_AUTHENTICATION, &last)));
        (client, out)
    };
    let (client, out) = reauth(&mut h, "alice", "wonderland");
    let Some(Packet::Auth(done)) = sent(&out, 1).first().cloned() else { panic!("{out:?}") };
    assert_eq!(done.reason_code, ReasonCode::SUCCESS);
    client
        .handle_server_final(std::str::from_utf8(&done.properties.authentication_data().unwrap()).unwrap())
        .unwrap();
    // The connection keeps working, then a failed re-authentication ends it
    // (MQTT-4.12.1-2).
    assert_eq!(sent(&h.packet(1, Packet::PingReq), 1), vec![Packet::PingResp]);
    let (_, out) = reauth(&mut h, "alice", "wrong");
    assert!(
        matches!(sent(&out, 1).first(), Some(Packet::Disconnect(d)) if d.reason_code == ReasonCode::NOT_AUTHORIZED)
    );
    assert!(closed(&out, 1));
}

// ---- Outgoing Topic Aliases and imposed Keep Alive ------------------------------

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

/// Found by the `broker` fuzz target (fuzz/regressions/broker/
/// connack-code-for-a-violation-during-authentication): a bad packet in the middle of
/// a SCRAM exchange was answered with a CONNACK carrying 0x8F, a code CONNACK does
/// not have (MQTT-3.2.2-8).
#[test]
fn a_violation_during_authentication_gets_a_connack_code() {
    let mut h = Harness::new(with_users(Config::default()));
    scram_connect_first_only(&mut h, 1, "SCRAM-SHA-256");
    let v = Violation { rule: Rule::TopicFilterEmpty, version: Version::V5, offset: 7 };
    let out = h.feed(Input::Invalid(1, v));
    assert_eq!(connack(&out, 1).code, ReasonCode::PROTOCOL_ERROR);
    assert!(closed(&out, 1));
}
