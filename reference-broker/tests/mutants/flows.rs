//! Exchanges that show the mutants of the PUBLISH flows: packet identifiers, DUP,
//! unacknowledged state on both sides, expiry once sent, refused deliveries, the send
//! quota, and the encoding of what the server sends.

use super::{H, Script, msg, props, q};
use mqttspec_broker::Config;
use mqttspec_broker::acl::{Access, Rule};
use mqttspec_broker::core::Input;
use mqttspec_codec::*;

/// The exchange that shows mutant `id`, and the configuration to run it on.
pub(super) fn script(id: &str) -> Option<(Script, Config)> {
    let acl = Config {
        acl: vec![Rule { user: None, client: None, topic: "open/#".into(), access: Access::Readwrite }],
        ..Config::default()
    };
    let s: Script = match id {
        "inbound-dup-propagated"
        | "inbound-dup-copied"
        | "qos1-forgotten-when-sent"
        | "qos2-forgotten-when-sent"
        | "pubrel-forgotten-when-sent"
        | "publish-resent-after-pubrel"
        | "expiry-applied-to-resend"
        | "expiry-applied-at-pubrec"
        | "expired-receipt-purged"
        | "qos1-dup-dropped"
        | "qos1-repeated-id-dropped"
        | "pubcomp-keeps-id"
        | "refused-puback-resent"
        | "refused-pubrec-resent"
        | "send-quota-below-maximum"
        | "send-quota-above-maximum"
        | "zero-quota-holds-all"
        | "pubrel-flags-zero"
        | "qos0-with-packet-id"
        | "empty-property-length-omitted"
        | "topic-latin1"
        | "user-property-name-latin1"
        | "user-property-value-latin1"
        | "response-topic-latin1"
        | "content-type-latin1" => deliveries,
        "deliver-at-published-qos"
        | "deliver-at-granted-qos"
        | "downgrade-to-qos-0"
        | "qos2-redelivered-on-duplicate"
        | "dup-on-first-send"
        | "qos0-with-dup"
        | "resend-on-ping"
        | "packet-id-reused"
        | "puback-wrong-id"
        | "puback-missing"
        | "pubrec-wrong-id"
        | "pubrec-missing"
        | "pubcomp-wrong-id"
        | "pubcomp-missing"
        | "pubrel-wrong-id"
        | "pubrel-missing"
        | "pingresp-missing"
        | "receive-maximum-ignored" => flows,
        "unauthorised-publish-ignored" | "refused-qos2-id-held" => return Some((refusals, acl)),
        _ => return None,
    };
    Some((s, Config::default()))
}

/// QoS flows in both directions: downgrades, identifiers, acknowledgements, DUP,
/// duplicates, the send window, PINGREQ.
fn flows(h: &mut H) {
    let mut s = h.client("s");
    if h.v.is_v5() {
        s.properties = props([Property::ReceiveMaximum(1)]);
    }
    h.connect_with(1, s);
    h.sub(1, "t", q(QoS::AtLeastOnce));
    h.connect(2, "s2");
    h.sub(2, "u", q(QoS::ExactlyOnce));
    h.connect(3, "p");
    h.publish(3, msg("t", "q2", QoS::ExactlyOnce, 8));
    h.publish(3, Publish { dup: true, ..msg("t", "q2", QoS::ExactlyOnce, 8) });
    h.packet(3, Packet::PubRel(Ack::new(8)));
    h.publish(3, msg("t", "q1", QoS::AtLeastOnce, 7));
    h.publish(3, msg("t", "q0", QoS::AtMostOnce, 0));
    h.publish(3, msg("u", "u0", QoS::AtMostOnce, 0));
    h.publish(3, msg("u", "u1", QoS::ExactlyOnce, 10));
    h.publish(3, msg("u", "u2", QoS::ExactlyOnce, 11));
    h.packet(2, Packet::PubRec(Ack::new(1)));
    h.packet(2, Packet::PubComp(Ack::new(1)));
    h.packet(1, Packet::PingReq);
    h.packet(1, Packet::PubAck(Ack::new(1)));
}

/// Two persistent subscribers (QoS 1 with Receive Maximum 2, and QoS 2) take messages
/// in every flow, acknowledge some out of order or with errors, let one expire, and
/// resume their sessions.
fn deliveries(h: &mut H) {
    let v5 = h.v.is_v5();
    let mut s = h.persistent("s");
    if v5 {
        s.properties = props([Property::SessionExpiryInterval(100), Property::ReceiveMaximum(2)]);
    }
    h.connect_with(1, s.clone());
    h.sub(1, "u", q(QoS::AtLeastOnce));
    h.sub(1, "zé", q(QoS::AtMostOnce));
    let s2 = h.persistent("s2");
    h.connect_with(2, s2.clone());
    h.sub(2, "t", q(QoS::ExactlyOnce));
    h.connect(3, "p");
    // QoS 1 in: DUP 1, the same identifier again, and one more than the window holds.
    h.publish(3, Publish { dup: true, ..msg("u", "a", QoS::AtLeastOnce, 5) });
    h.publish(3, msg("u", "b", QoS::AtLeastOnce, 5));
    h.publish(3, msg("u", "c", QoS::AtLeastOnce, 6));
    h.packet(1, Packet::PingReq);
    // While the quota is zero: QoS 0 on a non-ASCII topic, with string properties and
    // with none.
    let strings = if v5 {
        props([
            Property::UserProperty("clé".into(), "wert-ü".into()),
            Property::ResponseTopic("ré".into()),
            Property::ContentType("tÿpe".into()),
        ])
    } else {
        Properties::new()
    };
    h.publish(3, Publish { properties: strings, ..msg("zé", "s", QoS::AtMostOnce, 0) });
    h.publish(3, msg("zé", "plain", QoS::AtMostOnce, 0));
    h.packet(1, Packet::PubAck(Ack::new(2)));
    h.packet(1, Packet::PubAck(Ack { reason_code: ReasonCode(0x80), ..Ack::new(3) }));
    // QoS 2 in: a completed identifier used again, one message that expires before its
    // PUBREL, one more.
    h.publish(3, msg("t", "q", QoS::ExactlyOnce, 8));
    h.packet(3, Packet::PubRel(Ack::new(8)));
    h.publish(3, msg("t", "r", QoS::ExactlyOnce, 8));
    h.packet(3, Packet::PubRel(Ack::new(8)));
    let expiring = if v5 { props([Property::MessageExpiryInterval(1)]) } else { Properties::new() };
    h.publish(3, Publish { properties: expiring, ..msg("t", "e", QoS::ExactlyOnce, 12) });
    h.publish(3, msg("t", "x", QoS::ExactlyOnce, 13));
    h.packet(3, Packet::PubRel(Ack::new(13)));
    // QoS 2 out: PUBREC out of order, one PUBCOMP, one refusal.
    h.packet(2, Packet::PubRec(Ack::new(2)));
    h.packet(2, Packet::PubRec(Ack::new(1)));
    h.packet(2, Packet::PubComp(Ack::new(2)));
    h.packet(2, Packet::PubRec(Ack { reason_code: ReasonCode(0x80), ..Ack::new(4) }));
    h.at(5);
    h.packet(3, Packet::PubRel(Ack::new(12)));
    // Both resume; the message sent before it expired is acknowledged afterwards.
    h.feed(Input::Lost(1));
    h.feed(Input::Lost(2));
    h.connect_with(4, s);
    h.connect_with(5, s2);
    h.packet(5, Packet::PubRec(Ack::new(3)));
}

/// With publishing allowed under `open/` only: a refused QoS 1 and QoS 2 PUBLISH, then
/// the refused QoS 2 identifier used again on a permitted topic.
fn refusals(h: &mut H) {
    h.connect(1, "s");
    h.sub(1, "open/t", q(QoS::AtMostOnce));
    h.connect(2, "p");
    h.publish(2, msg("closed/t", "no", QoS::AtLeastOnce, 1));
    h.publish(2, msg("closed/t", "no", QoS::ExactlyOnce, 5));
    h.publish(2, msg("open/t", "yes", QoS::ExactlyOnce, 5));
    h.packet(2, Packet::PubRel(Ack::new(5)));
}
