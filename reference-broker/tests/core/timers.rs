//! Timers and sessions: Keep Alive, Wills and their delay, session and message
//! expiry, and what a resumed session sends again.

use super::*;

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
