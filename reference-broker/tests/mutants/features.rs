//! Exchanges for the mutants of the 5.0 delivery features: overlapping subscriptions,
//! identifiers, shared subscriptions, forwarded properties, expiry, aliases, limits.

use super::{H, Script, msg, props, q};
use bytes::Bytes;
use mqttspec_broker::Config;
use mqttspec_broker::core::Input;
use mqttspec_codec::*;
use std::time::Duration;

/// The exchange that shows mutant `id`, and the configuration to run it on.
pub(super) fn script(id: &str) -> Option<(Script, Config)> {
    let s: Script = match id {
        "overlap-lowest-qos"
        | "shared-ignores-granted-qos"
        | "subscription-id-not-forwarded"
        | "subscription-ids-first-only"
        | "separate-copies-first-id"
        | "message-expiry-not-enforced"
        | "message-expiry-not-decremented"
        | "user-properties-reversed"
        | "user-properties-dropped"
        | "payload-format-dropped"
        | "response-topic-dropped"
        | "correlation-data-dropped"
        | "content-type-dropped"
        | "topic-alias-ignored"
        | "topic-alias-carried-over"
        | "server-alias-above-maximum"
        | "server-alias-without-maximum"
        | "maximum-packet-size-ignored"
        | "oversize-disconnects" => features,
        "maximum-packet-size-without-header" | "oversize-qos2-pubrel" => size_limit,
        _ => return None,
    };
    Some((s, Config::default()))
}

/// 5.0 delivery features: overlapping subscriptions, identifiers, shared
/// subscriptions, forwarded properties, expiry, aliases, limits.
fn features(h: &mut H) {
    h.connect(1, "o");
    let with_id = |id: u32| props([Property::SubscriptionIdentifier(id)]);
    for (filter, qos, id) in [("o/#", QoS::AtMostOnce, 5), ("o/+", QoS::ExactlyOnce, 6)] {
        let s = Subscription::new(filter, qos);
        let properties = if h.v.is_v5() { with_id(id) } else { Properties::new() };
        h.packet(1, Packet::Subscribe(Subscribe { packet_id: 2, properties, filters: vec![s] }));
    }
    if h.v.is_v5() {
        h.sub(1, "$share/g/sh", q(QoS::AtMostOnce));
    }
    let mut small = h.client("small");
    if h.v.is_v5() {
        small.properties = props([Property::TopicAliasMaximum(1), Property::MaximumPacketSize(40)]);
    }
    h.connect_with(2, small);
    h.sub(2, "o/#", q(QoS::AtMostOnce));
    h.connect(3, "none");
    h.sub(3, "o/#", q(QoS::AtMostOnce));
    let c = h.persistent("late");
    h.connect_with(4, c.clone());
    h.sub(4, "o/#", q(QoS::AtLeastOnce));
    h.feed(Input::Lost(4));
    h.connect(10, "p");
    let mut p = msg("o/x", "m", QoS::ExactlyOnce, 1);
    if h.v.is_v5() {
        p.properties = props([
            Property::PayloadFormatIndicator(1),
            Property::MessageExpiryInterval(10),
            Property::ResponseTopic("re".into()),
            Property::CorrelationData(Bytes::from_static(b"cd")),
            Property::UserProperty("k".into(), "1".into()),
            Property::UserProperty("k".into(), "2".into()),
            Property::ContentType("ct".into()),
        ]);
    }
    h.publish(10, p);
    let mut short = msg("o/y", "short-lived", QoS::AtLeastOnce, 2);
    if h.v.is_v5() {
        short.properties = props([Property::MessageExpiryInterval(2)]);
    }
    h.publish(10, short);
    h.publish(
        10,
        msg("o/z", "a payload far too long for a forty-byte maximum packet size", QoS::AtMostOnce, 0),
    );
    h.publish(10, msg("sh", "shared", QoS::AtLeastOnce, 3));
    h.now = Duration::from_secs(5);
    h.connect_with(4, c);
    if h.v.is_v5() {
        let alias = |topic: &str, payload| Publish {
            properties: props([Property::TopicAlias(1)]),
            ..msg(topic, payload, QoS::AtMostOnce, 0)
        };
        let pc = h.persistent("aliaser");
        h.connect_with(11, pc.clone());
        h.publish(11, alias("o/a", "first"));
        h.publish(11, alias("", "again"));
        h.feed(Input::Lost(11));
        h.connect_with(12, pc);
        h.publish(12, alias("", "carried"));
    }
}

/// A QoS 2 delivery one byte over a 30-byte Maximum Packet Size: 31 bytes in all (2 of
/// fixed header, "t/a" and its length, the identifier, an empty property block, a
/// 21-byte payload), 29 without the fixed header.
fn size_limit(h: &mut H) {
    let mut s = h.client("limited");
    if h.v.is_v5() {
        s.properties = props([Property::MaximumPacketSize(30)]);
    }
    h.connect_with(1, s);
    h.sub(1, "t/#", q(QoS::ExactlyOnce));
    h.connect(2, "sender");
    h.publish(2, msg("t/a", "twenty-one bytes long", QoS::ExactlyOnce, 1));
    h.publish(2, msg("t/b", "fits", QoS::AtMostOnce, 0));
}
