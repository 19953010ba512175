//! The oracle behind the `broker` fuzz target, in the library so that `cargo test`
//! replays committed inputs through it. Input bytes become a sequence of client
//! actions — connections, well-formed packets, raw bytes, clock advances, abrupt
//! losses — driven into the deterministic core. Oracles: no panic; every packet the
//! core emits passes the strict decoder as the client reads it; nothing goes to a
//! connection after it was closed; no packet exceeds the client's Maximum Packet Size
//! (MQTT-3.1.2-24 (5.0)); no PUBLISH without a matching granted subscription or above
//! its QoS; and the outgoing QoS 1/2 flows of every session are legal: a new PUBLISH
//! never reuses a packet identifier still in flight (MQTT-4.3.2-1 MQTT-4.3.3-1 (both)),
//! DUP is set only on the resends of a session resumption
//! (MQTT-4.3.2-2 MQTT-4.3.3-2 (5.0), MQTT-4.4.0-1 (both)), a PUBREL answers a PUBREC (MQTT-4.3.3-4 (5.0),
//! MQTT-4.3.3-1 (3.1.1)), a released PUBLISH is never sent again (MQTT-4.3.3-6 (5.0)),
//! and on resumption every unacknowledged PUBLISH and PUBREL is sent again, so none is
//! lost (MQTT-4.4.0-1 (both)). Messages published while a persistent session's client
//! is away are followed too: each PUBLISH carries a unique payload, and a QoS 1 or 2
//! one that matches a subscription the absent session certainly holds must in the end
//! have been delivered to it or still be held by it, unless the broker counted a drop
//! (queue full, expired, too large, not readable) or the session ended
//! (MQTT-3.1.2-5 (3.1.1), 5.0 §4.1); and no message reaches a session as a new PUBLISH more often
//! than the session has subscriptions matching it (MQTT-3.3.5-1 (3.1.1), 5.0 §4.3).
//!
//! The generator of client actions is [`input`]; the oracle that follows the
//! broker's answers is [`oracle`], with the QoS flows of each session in [`flows`]
//! and the messages owed to absent sessions in [`owed`]. Routing is checked with
//! [`naive_topic`], a matcher written apart from the broker's [`crate::topic`].

pub mod flows;
mod input;
pub mod naive_topic;
mod oracle;
mod owed;
mod state;

use crate::core::{ConnId, Input};
use arbitrary::Unstructured;
use bytes::Bytes;
use mqttspec_codec::{Packet, Version};
use state::Run;
use std::time::Duration;

/// Runs one fuzz input through the broker core.
pub fn broker(data: &[u8]) -> Result<(), String> {
    broker_traced(data, false)
}

/// [`broker`], printing every input and action to stderr when `trace` is set (the
/// `fuzz_trace` example replays a saved input this way).
pub fn broker_traced(data: &[u8], trace: bool) -> Result<(), String> {
    let mut u = Unstructured::new(data);
    let mut run = Run::new(trace);
    // Every PUBLISH the run sends carries a payload of its own, so deliveries can be
    // told apart.
    let mut stamp = 0u32;
    // Three client slots; opening a slot starts a fresh connection number, as the
    // driver never reuses one.
    let mut slots: [ConnId; 3] = [1, 2, 3];
    let mut opened = 0u64;
    for _ in 0..64 {
        if u.is_empty() {
            break;
        }
        let slot = u.int_in_range(0..=2usize).unwrap_or(0);
        let step = u.int_in_range(0..=9u8).unwrap_or(0);
        let conn = slots[slot];
        match step {
            0 => {
                opened += 1;
                slots[slot] = 100 + opened;
                run.feed(Input::Open(slots[slot]))?;
            }
            1..=5 => {
                let version = run.clients.get(&conn).and_then(|c| c.version).unwrap_or(Version::V5);
                let Ok(mut p) = input::packet(&mut u, version) else { break };
                if let Packet::Publish(publish) = &mut p {
                    stamp += 1;
                    let mut payload = format!("m{stamp:04}").into_bytes();
                    payload.resize(payload.len().max(publish.payload.len()), b'x');
                    publish.payload = Bytes::from(payload);
                    run.stamped.insert(publish.payload.clone());
                }
                let Ok(bytes) = p.to_bytes(if let Packet::Connect(c) = &p { c.version } else { version })
                else {
                    continue;
                };
                run.bytes(conn, &bytes)?;
            }
            6 => {
                let len = u.int_in_range(0..=24usize).unwrap_or(0);
                let raw = u.bytes(len).unwrap_or_default().to_vec();
                run.bytes(conn, &raw)?;
            }
            7 => {
                let ms = u.int_in_range(0..=20_000u64).unwrap_or(0);
                run.now += Duration::from_millis(ms);
                run.feed(Input::Tick)?;
            }
            8 => run.feed(Input::Lost(conn))?,
            _ => {
                run.now += Duration::from_millis(500);
                run.feed(Input::Tick)?;
            }
        }
    }
    run.check_owed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqttspec_codec::{Connect, Properties, Property, Publish, QoS, Subscribe, Subscription};

    fn send(run: &mut Run, conn: ConnId, p: Packet, v: Version) -> Result<(), String> {
        let bytes = p.to_bytes(v).expect("encodes");
        run.bytes(conn, &bytes)
    }

    fn connect(run: &mut Run, conn: ConnId, id: &str) {
        run.feed(Input::Open(conn)).unwrap();
        let mut c = Connect::new(Version::V5, id);
        c.clean_start = false;
        c.properties = Properties::build([Property::SessionExpiryInterval(100)]).unwrap();
        send(run, conn, c.into(), Version::V5).unwrap();
    }

    /// c1 subscribes at QoS 2 and leaves; c2 publishes one message at `qos` it is owed.
    fn message_for_absent_session(qos: QoS) -> Run {
        let mut run = Run::new(false);
        connect(&mut run, 1, "c1");
        let sub = Subscribe {
            packet_id: 1,
            properties: Properties::new(),
            filters: vec![Subscription::new("a/b", QoS::AtLeastOnce)],
        };
        send(&mut run, 1, Packet::Subscribe(sub), Version::V5).unwrap();
        run.feed(Input::Lost(1)).unwrap();
        connect(&mut run, 2, "c2");
        let mut p = Publish::new("a/b", "m0001");
        p.qos = qos;
        p.packet_id = Some(1);
        run.stamped.insert(p.payload.clone());
        send(&mut run, 2, Packet::Publish(p), Version::V5).unwrap();
        assert_eq!(run.owed.len(), 1, "{:?}", run.owed);
        run
    }

    #[test]
    fn a_message_kept_or_delivered_is_not_lost() {
        for qos in [QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let mut run = message_for_absent_session(qos);
            // Still held while c1 is away.
            run.check_owed().unwrap();
            connect(&mut run, 3, "c1");
            assert!(run.owed[0].delivered, "the resumed session received it at {qos:?}");
            run.check_owed().unwrap();
        }
    }

    #[test]
    fn a_message_the_broker_forgets_is_reported_lost() {
        let mut run = message_for_absent_session(QoS::AtLeastOnce);
        run.broker.lose_held_messages("c1");
        let err = run.check_owed().unwrap_err();
        assert!(err.contains("MQTT-3.1.2-5 (3.1.1)"), "{err}");
        // Reconnecting does not bring it back, and the oracle still says so.
        connect(&mut run, 3, "c1");
        assert!(run.check_owed().unwrap_err().contains("neither delivered nor kept"));
    }

    #[test]
    fn a_second_new_copy_for_one_subscription_is_reported() {
        let mut run = message_for_absent_session(QoS::AtLeastOnce);
        connect(&mut run, 3, "c1");
        let mut again = Publish::new("a/b", "m0001");
        again.qos = QoS::AtLeastOnce;
        again.packet_id = Some(9);
        let err = run.delivered(3, &again, "a/b").unwrap_err();
        assert!(err.contains("2 times") && err.contains("1 matching"), "{err}");
        // A resend (DUP) is not a new copy.
        again.dup = true;
        run.delivered(3, &again, "a/b").unwrap();
    }
}
