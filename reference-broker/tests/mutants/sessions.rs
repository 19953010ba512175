//! Exchanges for the mutants of sessions, Wills and Keep Alive: queueing while offline,
//! resumption, Session Present, Clean Start, take-over, expiry, Will delays and retain.

use super::{H, Script, msg, props, q, violation};
use bytes::Bytes;
use mqttspec_broker::Config;
use mqttspec_broker::core::Input;
use mqttspec_codec::*;

/// The exchange that shows mutant `id`, and the configuration to run it on.
pub(super) fn script(id: &str) -> Option<(Script, Config)> {
    let s: Script = match id {
        "offline-messages-lost"
        | "no-resend-on-resume"
        | "no-pubrel-resend-on-resume"
        | "resend-without-dup"
        | "reordered-delivery"
        | "session-present-always-0"
        | "session-present-on-new-session"
        | "clean-start-keeps-session"
        | "session-not-kept"
        | "session-never-expires"
        | "takeover-keeps-old-connection"
        | "takeover-without-disconnect"
        | "takeover-disconnect-session-expiry"
        | "new-session-not-kept"
        | "session-keyed-by-connection" => sessions,
        "will-on-normal-disconnect"
        | "will-not-on-abrupt-close"
        | "will-not-on-protocol-error"
        | "will-delay-ignored"
        | "will-not-cancelled-by-reconnect"
        | "will-retain-ignored"
        | "will-always-retained"
        | "will-not-stored" => wills,
        "keep-alive-not-enforced" | "keep-alive-without-grace" => keep_alive,
        _ => return None,
    };
    Some((s, Config::default()))
}

/// Sessions: queueing while offline, resumption, Session Present, Clean Start,
/// take-over, expiry.
fn sessions(h: &mut H) {
    let c = h.persistent("c");
    h.connect_with(1, c.clone());
    h.sub(1, "t", q(QoS::AtLeastOnce));
    h.sub(1, "u", q(QoS::ExactlyOnce));
    h.connect(2, "p");
    h.publish(2, msg("t", "unacked", QoS::AtLeastOnce, 1));
    h.publish(2, msg("u", "released", QoS::ExactlyOnce, 2));
    h.packet(1, Packet::PubRec(Ack::new(2)));
    h.feed(Input::Lost(1));
    for (i, payload) in ["one", "two", "three"].into_iter().enumerate() {
        h.publish(2, msg("t", payload, QoS::AtLeastOnce, 10 + i as u16));
    }
    h.connect_with(3, c.clone());
    h.connect_with(4, c.clone());
    h.connect_with(5, h.persistent("new"));
    let mut clean = h.client("c");
    clean.clean_start = true;
    h.connect_with(6, clean);
    h.publish(2, msg("t", "after-clean", QoS::AtLeastOnce, 20));
    h.feed(Input::Lost(6));
    h.connect_with(7, h.persistent("c"));
    h.connect(8, "e");
    h.feed(Input::Lost(8));
    h.connect_with(9, h.persistent("e"));
}

/// Wills: after DISCONNECT, after a lost connection, after a protocol error, delays,
/// Will Retain.
fn wills(h: &mut H) {
    h.connect(1, "watch");
    h.sub(1, "w/#", q(QoS::AtMostOnce));
    let will = |h: &H, id: &str, retain: bool, delay: u32| {
        let mut c = h.persistent(id);
        let properties =
            if h.v.is_v5() { props([Property::WillDelayInterval(delay)]) } else { Properties::new() };
        let topic = format!("w/{id}");
        c.will = Some(Will {
            qos: QoS::AtMostOnce,
            retain,
            properties,
            topic: topic.as_str().into(),
            payload: Bytes::from_static(b"bye"),
        });
        c
    };
    let c = will(h, "normal", false, 0);
    h.connect_with(2, c);
    h.packet(2, Packet::Disconnect(Disconnect::default()));
    let c = will(h, "lost", true, 0);
    h.connect_with(3, c);
    h.feed(Input::Lost(3));
    let c = will(h, "error", false, 0);
    h.connect_with(4, c);
    let bad = violation(&[0x30, 0x02, 0x00, 0x00], h.v);
    h.feed(Input::Invalid(4, bad));
    let c = will(h, "delayed", false, 5);
    h.connect_with(5, c.clone());
    h.feed(Input::Lost(5));
    h.at(1);
    let c2 = will(h, "cancelled", false, 5);
    h.connect_with(6, c2.clone());
    h.feed(Input::Lost(6));
    h.at(2);
    h.connect_with(7, c2);
    h.at(10);
    h.connect(8, "sub");
    h.sub(8, "w/#", q(QoS::AtMostOnce));
}

/// Keep alive 10 s: silent until 16 s.
fn keep_alive(h: &mut H) {
    let mut c = h.client("k");
    c.keep_alive = 10;
    h.connect_with(1, c);
    h.at(11);
    h.at(16);
}
