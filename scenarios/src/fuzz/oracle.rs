//! The invariants a network fuzz session checks on every packet the broker sends,
//! each finding citing the statement it breaks. They hold in every state, so they
//! need no model of the broker: every byte decodes strictly (the codec names the
//! statement); no PUBLISH reaches a session without a matching granted subscription
//! (MQTT-4.5.0-1 (both)); none above the QoS it was published at or granted with
//! (MQTT-3.8.4-6 (3.1.1), MQTT-3.8.4-8 (5.0)); the outgoing QoS 1/2 flows of each
//! session are legal — identifiers not reused in flight, DUP only on resends, PUBREL
//! only after PUBREC — judged by the same code as the in-process `broker` fuzz target
//! ([`mqttspec_broker::fuzzing::flows`]); nothing above the client's Maximum Packet
//! Size (MQTT-3.1.2-24 (5.0)); a packet the codec refuses is not carried on from
//! (the statement the codec names); and the broker still answers a fresh CONNECT.

use super::session::{self, Names, Op};
use crate::version::Version;
use mqttspec_broker::fuzzing::flows::{Flow, Flows, client_ack, server_flow};
use mqttspec_codec::Packet;
use std::collections::HashMap;

pub use finding::{Check, Finding, ids_in};

#[derive(Debug, Default)]
struct SlotView {
    identity: Option<usize>,
    connected: bool,
    resuming: bool,
    max_packet: Option<u32>,
    /// 5.0 Receive Maximum this connection announced.
    receive_max: Option<u16>,
    /// QoS 1/2 deliveries on this connection not yet acknowledged (PUBACK, PUBCOMP).
    unacked: std::collections::HashSet<u16>,
    pending_subs: HashMap<u16, (String, u8)>,
    aliases: HashMap<u16, String>,
    /// 5.0 Topic Alias Maximum this connection announced (`None`: unknown, after a
    /// CONNECT the oracle could not read).
    alias_max: Option<u16>,
    /// A CONNECT, or bytes that may have been one, went out on this connection: a
    /// later CONNECT is a protocol error whose limits are not in force.
    sent_connect: bool,
}

#[derive(Debug, Default)]
struct SessionView {
    /// Every filter ever asked for or granted, with the highest QoS (an
    /// over-approximation: a delivery outside it is certainly wrong).
    ever: HashMap<String, u8>,
    flows: Flows,
    /// A fault or seed was sent as this identity: routing is not judged.
    tainted: bool,
}

/// Follows the session as its clients see it.
#[derive(Debug)]
pub struct Observer {
    version: Version,
    prefix: String,
    slots: Vec<SlotView>,
    sessions: HashMap<usize, SessionView>,
    /// The slot each identity last connected on.
    owner: HashMap<usize, usize>,
    /// Published payloads and their QoS.
    published: HashMap<bytes::Bytes, u8>,
    /// A connection of each slot is open and its CONNECT is pending.
    intended_identity: Vec<Option<usize>>,
    names_ids: Vec<String>,
    /// The topic of each PUBLISH sent with a Topic Alias.
    alias_topics: HashMap<bytes::Bytes, String>,
    /// Payloads no one may receive, and what a delivery breaks.
    forbidden: HashMap<bytes::Bytes, String>,
}

impl Observer {
    /// A fresh observer.
    pub fn new(version: Version, names: &Names) -> Observer {
        Observer {
            version,
            prefix: names.prefix.clone(),
            slots: (0..session::CLIENTS).map(|_| SlotView::default()).collect(),
            sessions: HashMap::new(),
            owner: HashMap::new(),
            published: HashMap::new(),
            intended_identity: vec![None; session::CLIENTS],
            names_ids: names.ids.clone(),
            alias_topics: HashMap::new(),
            forbidden: HashMap::new(),
        }
    }

    pub(super) fn opened(&mut self, slot: usize) {
        self.slots[slot] = SlotView::default();
        // A new connection is no one until its own CONNECT says who.
        self.intended_identity[slot] = None;
    }

    pub(super) fn closed(&mut self, slot: usize) {
        self.slots[slot].connected = false;
    }

    fn stale(&self, slot: usize) -> bool {
        self.slots[slot].identity.is_some_and(|id| self.owner.get(&id) != Some(&slot))
    }

    /// A new operation starts on `slot`: a resumption's resends are over.
    pub(super) fn step(&mut self, slot: usize) {
        self.slots[slot].resuming = false;
    }

    /// Raw bytes go out on `slot`: what they do to routing is unknown.
    pub(super) fn raw(&mut self, slot: usize) {
        self.slots[slot].sent_connect = true;
        let identity = self.slots[slot].identity.or(self.intended_identity[slot]);
        match identity {
            Some(id) => self.sessions.entry(id).or_default().tainted = true,
            // Before any CONNECT the bytes may be one, as any identity.
            None => self.sessions.values_mut().for_each(|s| s.tainted = true),
        }
        if identity.is_none() {
            for id in 0..session::CLIENTS {
                self.sessions.entry(id).or_default().tainted = true;
            }
        }
    }

    /// No one may receive `payload`: a delivery breaks what `text` cites.
    pub(super) fn forbid(&mut self, payload: bytes::Bytes, text: String) {
        self.forbidden.insert(payload, text);
    }

    /// A well-formed operation is about to be sent.
    pub(super) fn intend(&mut self, i: usize, op: &Op, p: &Packet) {
        match (op, p) {
            // A second CONNECT on a connection is a protocol error and changes nothing
            // (nor does one a partial packet before it swallowed), whether or not the
            // first one's CONNACK has come yet.
            (Op::Connect { .. }, _)
                if self.slots[op.slot()].connected || self.slots[op.slot()].sent_connect => {}
            (Op::Connect { id, max_packet, receive_max, will, alias_max, .. }, _) => {
                self.intended_identity[op.slot()] = Some(*id);
                let v5 = self.version == Version::V5;
                self.slots[op.slot()].sent_connect = true;
                self.slots[op.slot()].alias_max = Some(alias_max.unwrap_or(0));
                self.slots[op.slot()].max_packet = if v5 { *max_packet } else { None };
                self.slots[op.slot()].receive_max = if v5 { *receive_max } else { None };
                if let Some(w) = will {
                    self.published.insert(session::payload('w', i, 0), w.qos);
                }
            }
            (Op::Subscribe { qos, .. }, Packet::Subscribe(s)) => {
                let filter = s.filters[0].filter.to_string();
                self.slots[op.slot()].pending_subs.insert(s.packet_id, (filter.clone(), *qos));
                if let Some(id) = self.slots[op.slot()].identity {
                    let e = self.sessions.entry(id).or_default().ever.entry(filter).or_insert(0);
                    *e = (*e).max(*qos);
                }
            }
            (Op::Publish { qos, topic, .. }, Packet::Publish(pb)) => {
                self.published.insert(pb.payload.clone(), *qos);
                if pb.properties.topic_alias().is_some() {
                    let topic = format!("{}/{}", self.prefix, session::TOPICS[topic % session::TOPICS.len()]);
                    self.alias_topics.insert(pb.payload.clone(), topic);
                }
            }
            _ => {}
        }
    }

    /// A packet goes out on `slot` (acknowledgements update the flows).
    pub(super) fn sending(&mut self, slot: usize, p: &Packet) {
        if let Packet::PubAck(a) | Packet::PubComp(a) = p {
            self.slots[slot].unacked.remove(&a.packet_id);
        }
        if let Some(id) = self.slots[slot].identity {
            client_ack(&mut self.sessions.entry(id).or_default().flows, p);
        }
    }

    /// Checks a packet the broker sent on `slot` in the window of operation `i`.
    pub(super) fn received(&mut self, i: usize, slot: usize, p: &Packet, len: usize) -> Option<Finding> {
        let v = self.version;
        // Too large, and still read and followed (its flow goes on), as a client that
        // reads it would.
        let over = self.slots[slot].max_packet.filter(|max| len as u64 > u64::from(*max)).map(|max| {
            let text = format!(
                "MQTT-3.1.2-24 (5.0): a {len}-byte {} went to a client whose Maximum Packet Size is {max}",
                crate::format::matching::kind_name(p)
            );
            Finding::new(Check::MaxPacketSize, i, slot, v, ids_in(&text, v), text)
        });
        let other = self.follow(i, slot, p);
        over.or_else(|| self.flow_control(i, slot, p)).or(other)
    }

    /// MQTT-3.3.4-9 (5.0): no more QoS 1/2 PUBLISHes unacknowledged than the client's
    /// Receive Maximum. An acknowledgement counts from when it went out: the broker
    /// cannot have sent the next one before that.
    fn flow_control(&mut self, i: usize, slot: usize, p: &Packet) -> Option<Finding> {
        let Packet::Publish(pb) = p else { return None };
        let id = pb.packet_id?;
        let view = &mut self.slots[slot];
        let max = view.receive_max?;
        if !view.unacked.insert(id) || view.unacked.len() <= usize::from(max) {
            return None;
        }
        let text = format!(
            "MQTT-3.3.4-9 (5.0): a QoS {} PUBLISH (identifier {id}) went to a client whose Receive Maximum is {max}, with {max} already unacknowledged",
            pb.qos as u8
        );
        let mut f = Finding::new(Check::Flow, i, slot, self.version, ids_in(&text, self.version), text);
        f.payload = Some(pb.payload.clone());
        Some(f)
    }

    /// Follows a packet the broker sent to `slot`; the invariant it breaks, if any.
    fn follow(&mut self, i: usize, slot: usize, p: &Packet) -> Option<Finding> {
        let v = self.version;
        let fail = |check, text: String| Some(Finding::new(check, i, slot, v, ids_in(&text, v), text));
        match p {
            Packet::ConnAck(c) => {
                let view = &mut self.slots[slot];
                if !c.code.is_error() && !view.connected {
                    view.connected = true;
                    view.identity = self.intended_identity[slot];
                    view.resuming = c.session_present;
                    if let Some(id) = view.identity {
                        self.owner.insert(id, slot);
                        let s = self.sessions.entry(id).or_default();
                        if !c.session_present {
                            s.flows.clear();
                        }
                    }
                }
                None
            }
            Packet::SubAck(s) => {
                let view = &mut self.slots[slot];
                let (filter, _) = view.pending_subs.remove(&s.packet_id)?;
                let granted = s.codes.first().map_or(0x80, |c| c.0);
                if let (Some(id), true) = (view.identity, granted <= 2) {
                    let e = self.sessions.entry(id).or_default().ever.entry(filter).or_insert(0);
                    *e = (*e).max(granted);
                }
                None
            }
            Packet::Publish(pb) if self.forbidden.contains_key(&pb.payload) => {
                let text = self.forbidden.get(&pb.payload).cloned().unwrap_or_default();
                let mut f = Finding::new(Check::TopicAlias, i, slot, v, ids_in(&text, v), text);
                f.payload = Some(pb.payload.clone());
                Some(f)
            }
            // Followed all the same, so that its flow goes on.
            Packet::Publish(pb) if self.alias_over(slot, pb).is_some() => {
                let (max, text) = self.alias_over(slot, pb)?;
                let followed = if self.stale(slot) { None } else { self.delivered(i, slot, pb, p) };
                let mut f = Finding::new(Check::TopicAlias, i, slot, v, ids_in(&text, v), text);
                f.payload = Some(pb.payload.clone());
                f.alias_max = Some(max);
                Some(followed.unwrap_or(f))
            }
            // What still reaches a connection whose session another one took over
            // belongs to the old session, whose state the oracle no longer follows.
            Packet::Publish(_) | Packet::PubRel(_) if self.stale(slot) => None,
            Packet::Publish(pb) => self.delivered(i, slot, pb, p),
            Packet::PubRel(a) => {
                let resuming = self.slots[slot].resuming;
                let id = self.slots[slot].identity?;
                let tainted = self.sessions.get(&id).is_some_and(|s| s.tainted);
                let flows = &mut self.sessions.entry(id).or_default().flows;
                // On resumption a PUBREL may answer a PUBREC of ours whose PUBCOMP the
                // broker never read (it went out as the connection closed); raw bytes
                // may have carried a PUBREC the oracle cannot follow.
                if (resuming || tainted) && !flows.contains_key(&a.packet_id) {
                    flows.insert(a.packet_id, Flow::Received);
                    return None;
                }
                server_flow(flows, p, resuming).err().and_then(|e| fail(Check::Flow, e))
            }
            _ => None,
        }
    }

    /// A server Topic Alias beyond the Topic Alias Maximum the connection announced:
    /// that maximum, and what it breaks.
    fn alias_over(&self, slot: usize, pb: &mqttspec_codec::Publish) -> Option<(u16, String)> {
        let a = pb.properties.topic_alias()?;
        let max = self.slots[slot].alias_max?;
        if a <= max {
            return None;
        }
        let text = if max == 0 {
            format!(
                "MQTT-3.1.2-27 (5.0): a PUBLISH came with Topic Alias {a} to a client that announced no Topic Alias Maximum"
            )
        } else {
            format!(
                "MQTT-3.1.2-26 MQTT-3.3.2-11 (5.0): a PUBLISH came with Topic Alias {a} to a client whose Topic Alias Maximum is {max}"
            )
        };
        Some((max, text))
    }

    fn delivered(
        &mut self,
        i: usize,
        slot: usize,
        pb: &mqttspec_codec::Publish,
        p: &Packet,
    ) -> Option<Finding> {
        let v = self.version;
        let fail = |check, text: String| Some(Finding::new(check, i, slot, v, ids_in(&text, v), text));
        let view = &mut self.slots[slot];
        let topic = match pb.properties.topic_alias() {
            Some(a) if pb.topic.is_empty() => view.aliases.get(&a).cloned().unwrap_or_default(),
            Some(a) => {
                view.aliases.insert(a, pb.topic.to_string());
                pb.topic.to_string()
            }
            None => pb.topic.to_string(),
        };
        let resuming = view.resuming;
        let id = view.identity?;
        let session = self.sessions.entry(id).or_default();
        // On resumption a DUP PUBLISH may be the resend of one whose PUBACK or PUBREC
        // the broker never read (it went out as the connection closed).
        // Likewise a PUBLISH resent after a PUBREC of ours the broker never read.
        if let (true, true, Some(pid)) = (resuming, pb.dup, pb.packet_id) {
            session.flows.insert(pid, Flow::Published { qos: pb.qos });
        }
        // DUP on a packet identifier with nothing in flight is a first transmission,
        // whatever the state of the connection.
        let first_with_dup = pb.dup && pb.packet_id.is_some_and(|pid| !session.flows.contains_key(&pid));
        let checked = if first_with_dup {
            Err(format!(
                "MQTT-4.3.2-2 MQTT-4.3.3-2 (5.0), MQTT-4.3.2-1 MQTT-4.3.3-1 (3.1.1): {p:?} has DUP set on its first transmission"
            ))
        } else {
            server_flow(&mut session.flows, p, resuming)
        };
        if let Err(e) = checked {
            // Followed as sent, so that one fault is not reported again by the
            // acknowledgements after it.
            if let Some(pid) = pb.packet_id {
                session.flows.insert(pid, Flow::Published { qos: pb.qos });
            }
            let mut f = fail(Check::Flow, e)?;
            f.payload = Some(pb.payload.clone());
            return Some(f);
        }
        if session.tainted || topic.is_empty() {
            return None;
        }
        // A client's PUBLISH with a Topic Alias is routed as if it carried the topic
        // name the alias maps to (MQTT-3.3.2-12).
        if let Some(sent) = self.alias_topics.get(&pb.payload).filter(|t| **t != topic) {
            let text = format!(
                "MQTT-3.3.2-12 (5.0): a PUBLISH sent to {sent:?} with a Topic Alias was delivered as {topic:?}"
            );
            let mut f = Finding::new(Check::TopicAlias, i, slot, v, ids_in(&text, v), text);
            f.payload = Some(pb.payload.clone());
            return Some(f);
        }
        let who = &self.names_ids[id];
        let granted = session
            .ever
            .iter()
            .filter(|(f, _)| mqttspec_broker::topic::matches(f, &topic))
            .map(|(_, q)| *q)
            .max();
        let Some(granted) = granted else {
            return fail(
                Check::NoSubscription,
                format!(
                    "MQTT-4.5.0-1 (both): PUBLISH to {topic:?} delivered to {who:?}, which never subscribed to a matching filter"
                ),
            );
        };
        let qos = pb.qos as u8;
        let published = self.published.get(&pb.payload).copied();
        let allowed = published.map_or(granted, |q| q.min(granted));
        if qos > allowed && topic.starts_with(&self.prefix) {
            let mut f = Finding::new(
                Check::QosAbove,
                i,
                slot,
                v,
                ids_in(if v == Version::V5 { "MQTT-3.8.4-8" } else { "MQTT-3.8.4-6" }, v),
                format!(
                    "PUBLISH to {topic:?} delivered at QoS {qos}, above min(published {}, granted {granted})",
                    published.map_or("?".into(), |q| q.to_string())
                ),
            );
            f.payload = Some(pb.payload.clone());
            f.max_qos = Some(allowed);
            return Some(f);
        }
        None
    }
}

mod finding;
#[cfg(test)]
mod tests;
