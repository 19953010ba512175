//! Exchanges for the mutants of topic matching, SUBSCRIBE and UNSUBSCRIBE, refused
//! subscriptions and shared subscriptions.

use super::{H, Script, msg, props, q};
use mqttspec_broker::Config;
use mqttspec_broker::core::{ConnId, Input};
use mqttspec_codec::*;

/// The exchange that shows mutant `id`, and the configuration to run it on.
pub(super) fn script(id: &str) -> Option<(Script, Config)> {
    let limited = Config { maximum_qos: 1, ..Config::default() };
    let no_wildcards = Config { wildcard_subscription_available: false, ..Config::default() };
    Some(match id {
        "plus-matches-many-levels"
        | "plus-skips-empty-level"
        | "hash-excludes-parent"
        | "filter-prefix-matches"
        | "plus-matches-dollar-topics"
        | "hash-matches-dollar-topics"
        | "empty-levels-collapsed"
        | "case-insensitive-matching"
        | "topics-normalised"
        | "bom-stripped" => (topics, Config::default()),
        "suback-wrong-id"
        | "suback-per-filter"
        | "suback-missing"
        | "suback-code-above-maximum-qos"
        | "suback-code-above-requested"
        | "suback-codes-reversed"
        | "subscribe-first-filter-only"
        | "subscribe-refused-above-maximum-qos"
        | "unsuback-wrong-id"
        | "unsuback-missing"
        | "unsuback-only-if-removed"
        | "unsubscribe-ignored"
        | "unsubscribe-matches-wildcards"
        | "unsubscribe-first-filter-only"
        | "maximum-qos-not-advertised" => (subscriptions, limited),
        "unsupported-wildcard-granted"
        | "unsupported-plus-granted"
        | "suback-v5-code-in-v311"
        | "suback-single-refusal-code"
        | "unsubscribe-drops-inflight"
        | "unsuback-codes-reversed"
        | "unsuback-without-codes" => (refusals, no_wildcards),
        "shared-qos2-moved-on-loss" | "shared-qos2-moved-at-session-end" | "shared-refused-rerouted" => {
            (shared, Config::default())
        }
        _ => return None,
    })
}

/// Every matching rule of §4.7, one subscriber each.
fn topics(h: &mut H) {
    let cases = [
        ("a/+", "a/b/c"),
        ("e/+/f", "e//f"),
        ("h/#", "h"),
        ("p/q", "p/q/r"),
        ("+/sys", "$SYS/sys"),
        ("#", "$SYS/x"),
        ("m//n", "m/n"),
        ("Case/T", "case/t"),
        ("\u{FEFF}bom", "bom"),
        ("full", "\u{FF46}ull"),
        ("\u{FEFF}z", "\u{FEFF}z"),
    ];
    h.connect(100, "p");
    for (i, (filter, _)) in cases.iter().enumerate() {
        h.connect(i as ConnId + 1, &format!("s{i}"));
        h.sub(i as ConnId + 1, filter, q(QoS::AtMostOnce));
    }
    for (_, topic) in cases {
        h.publish(100, msg(topic, "m", QoS::AtMostOnce, 0));
    }
}

/// SUBSCRIBE and UNSUBSCRIBE on a broker with Maximum QoS 1.
fn subscriptions(h: &mut H) {
    h.connect(1, "s");
    let filters = vec![Subscription::new("a", QoS::ExactlyOnce), Subscription::new("b", QoS::AtMostOnce)];
    h.packet(1, Packet::Subscribe(Subscribe { packet_id: 5, properties: Properties::new(), filters }));
    h.sub(1, "x/+", q(QoS::AtMostOnce));
    h.sub(1, "x/y", q(QoS::AtMostOnce));
    let unsub = |pid, f: &[&str]| {
        Packet::Unsubscribe(Unsubscribe {
            packet_id: pid,
            properties: Properties::new(),
            filters: f.iter().map(|f| (*f).into()).collect(),
        })
    };
    h.packet(1, unsub(6, &["x/+", "b"]));
    h.packet(1, unsub(7, &["nothing"]));
    h.connect(2, "p");
    for t in ["x/y", "x/z", "b"] {
        h.publish(2, msg(t, "m", QoS::AtMostOnce, 0));
    }
}

/// Refused subscriptions (wildcards unsupported), and UNSUBSCRIBE of messages in flight.
fn refusals(h: &mut H) {
    h.connect_with(1, h.persistent("s"));
    let subs = |f: &[(&str, QoS)]| f.iter().map(|(f, q)| Subscription::new(*f, *q)).collect::<Vec<_>>();
    let filters = subs(&[("a", QoS::ExactlyOnce), ("x/+", QoS::AtLeastOnce), ("y/#", QoS::AtMostOnce)]);
    h.packet(1, Packet::Subscribe(Subscribe { packet_id: 5, properties: Properties::new(), filters }));
    h.connect(2, "p");
    for (pid, t) in [(3, "a"), (4, "x/y"), (5, "y/z")] {
        h.publish(2, msg(t, "m", QoS::ExactlyOnce, pid));
    }
    let filters = vec!["nothing".into(), "a".into()];
    h.packet(1, Packet::Unsubscribe(Unsubscribe { packet_id: 6, properties: Properties::new(), filters }));
    h.feed(Input::Lost(1));
    h.connect_with(3, h.persistent("s"));
}

/// Shared subscriptions: a QoS 2 message in flight when the connection breaks and
/// the session ends, and messages the member refuses.
fn shared(h: &mut H) {
    let mut a = h.persistent("a");
    a.properties = props([Property::SessionExpiryInterval(5)]);
    h.connect_with(1, a);
    h.sub(1, "$share/g/t", q(QoS::ExactlyOnce));
    h.connect(2, "p");
    h.publish(2, msg("t", "kept", QoS::ExactlyOnce, 1));
    h.publish(2, msg("t", "refused", QoS::AtLeastOnce, 2));
    h.connect(3, "b");
    h.sub(3, "$share/g/t", q(QoS::ExactlyOnce));
    h.packet(1, Packet::PubAck(Ack { reason_code: ReasonCode(0x80), ..Ack::new(2) }));
    h.feed(Input::Lost(1));
    h.at(10);
}
