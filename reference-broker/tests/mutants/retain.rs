//! Exchanges for the mutants of retained messages.

use super::{H, Script, msg, q};
use mqttspec_broker::Config;
use mqttspec_codec::*;

/// The exchange that shows mutant `id`, and the configuration to run it on.
pub(super) fn script(id: &str) -> Option<(Script, Config)> {
    let s: Script = match id {
        "retained-not-replaced"
        | "retained-not-cleared"
        | "retained-empty-stored"
        | "retained-empty-not-forwarded"
        | "non-retained-stored"
        | "retain-flag-on-live-delivery"
        | "retain-flag-cleared-on-subscribe"
        | "retained-not-sent-on-subscribe"
        | "retained-sent-for-any-filter"
        | "retained-dropped-with-session"
        | "resubscribe-duplicates"
        | "resubscribe-no-retained"
        | "retain-handling-1-ignored"
        | "retain-handling-2-ignored"
        | "retain-as-published-ignored"
        | "no-local-ignored" => retain,
        _ => return None,
    };
    Some((s, Config::default()))
}

fn retained(topic: &str, payload: &'static str) -> Publish {
    Publish { retain: true, ..msg(topic, payload, QoS::AtMostOnce, 0) }
}

/// Retained messages: storing, replacing, clearing, flags, on subscribe.
fn retain(h: &mut H) {
    h.connect(1, "live");
    h.sub(1, "r/#", q(QoS::AtMostOnce));
    h.connect(2, "p");
    h.publish(2, retained("r/a", "1"));
    h.publish(2, retained("r/a", "2"));
    h.publish(2, retained("r/b", "x"));
    h.publish(2, retained("r/b", ""));
    h.publish(2, msg("r/c", "not-retained", QoS::AtMostOnce, 0));
    h.publish(2, retained("s/x", "elsewhere"));
    h.packet(2, Packet::Disconnect(Disconnect::default()));
    h.connect(3, "new");
    h.sub(3, "r/+", q(QoS::AtMostOnce));
    h.sub(3, "r/+", q(QoS::AtMostOnce));
    h.connect(4, "p2");
    h.publish(4, msg("r/a", "live", QoS::AtMostOnce, 0));
    if h.v.is_v5() {
        let rh = |r| q(QoS::AtMostOnce).with_retain_handling(r);
        h.connect(5, "rh");
        h.sub(5, "r/+", rh(RetainHandling::SendIfNew));
        h.sub(5, "r/+", rh(RetainHandling::SendIfNew));
        h.sub(5, "r/#", rh(RetainHandling::DoNotSend));
        h.connect(6, "rap");
        h.sub(6, "r/#", q(QoS::AtMostOnce).with_retain_as_published(true));
        h.sub(4, "r/#", q(QoS::AtMostOnce).with_no_local(true));
        h.publish(4, retained("r/a", "3"));
    }
}
