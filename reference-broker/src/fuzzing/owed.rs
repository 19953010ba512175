//! Messages owed to sessions whose client is away (MQTT-3.1.2-5 (3.1.1);
//! MQTT 5.0 §4.1) and the number of copies a session may receive (MQTT 3.1.1 §3.3.5,
//! MQTT 5.0 §4.3).

use super::naive_topic;
use super::state::{Owed, Run};
use crate::core::{Broker, ConnId};
use bytes::Bytes;
use mqttspec_codec::{Publish, QoS, Version};
use std::collections::HashSet;

/// All the drops the broker counts (each excuses one message not delivered).
pub(super) fn drops(broker: &Broker) -> u64 {
    let s = broker.stats();
    s.dropped_queue_full + s.dropped_too_large + s.dropped_expired + s.dropped_unauthorized
}

impl Run {
    /// certain subscription at QoS 1 or 2 matching it is owed the message.
    pub(super) fn owe_to_absent(&mut self, from: ConnId, topic: String, payload: Bytes, drops_before: u64) {
        // The publisher is connected, so its own session is never absent.
        debug_assert!(self.clients.get(&from).is_some_and(|v| !v.closed));
        let present: HashSet<&String> =
            self.clients.values().filter(|v| !v.closed).filter_map(|v| v.session.as_ref()).collect();
        for (session, filters) in &self.certain {
            if present.contains(session) {
                continue;
            }
            if filters.iter().any(|(f, q)| *q >= 1 && naive_topic::matches(f, &topic)) {
                self.owed.push(Owed {
                    session: session.clone(),
                    topic: topic.clone(),
                    payload: payload.clone(),
                    drops_before,
                    delivered: false,
                });
            }
        }
    }

    /// (neither DUP nor RETAIN) may come at most once per matching subscription.
    pub(super) fn delivered(&mut self, conn: ConnId, p: &Publish, topic: &str) -> Result<(), String> {
        let Some(session) = self.clients.get(&conn).and_then(|v| v.session.clone()) else { return Ok(()) };
        for o in &mut self.owed {
            if o.session == session && o.topic == topic && o.payload == p.payload && p.qos != QoS::AtMostOnce
            {
                o.delivered = true;
            }
        }
        if p.dup || p.retain || !self.stamped.contains(&p.payload) {
            return Ok(());
        }
        let copies = self.copies.entry((session.clone(), p.payload.clone())).or_default();
        *copies += 1;
        let v5 = self.clients.get(&conn).and_then(|v| v.version) == Some(Version::V5);
        let matching = self
            .subscribed
            .get(&session)
            .into_iter()
            .flatten()
            .filter(|f| naive_topic::matches(&naive_topic::match_part(f, v5), topic))
            .count();
        if *copies > matching.max(1) {
            return Err(format!(
                "MQTT-3.3.5-1 (3.1.1) / §4.3 (5.0): {p:?} reached session {session:?} as a new PUBLISH {copies} times; it has {matching} matching subscriptions"
            ));
        }
        Ok(())
    }

    /// held by the session, or is excused by a counted drop or by the session's end.
    pub(super) fn check_owed(&self) -> Result<(), String> {
        let mut lost = Vec::new();
        for o in self.owed.iter().filter(|o| !o.delivered) {
            match self.broker.held_payloads(&o.session) {
                None => {}
                Some(held) if held.contains(&o.payload) => {}
                Some(_) => lost.push(o),
            }
        }
        let Some(earliest) = lost.iter().map(|o| o.drops_before).min() else { return Ok(()) };
        let excused = drops(&self.broker) - earliest;
        if lost.len() as u64 > excused {
            return Err(format!(
                "MQTT-3.1.2-5 (3.1.1) / §4.1 (5.0): {} message(s) published while their session's client was away were neither delivered nor kept ({excused} drops counted meanwhile); first: {:?}",
                lost.len(),
                lost[0]
            ));
        }
        Ok(())
    }
}
