//! Inbound application messages (MQTT 3.1.1 §3.3–§3.7, §4.3; MQTT 5.0 §3.3–§3.7,
//! §4.3): PUBLISH from a client with its limits and Topic Alias, the QoS 1 and QoS 2
//! flows in both directions (PUBACK, PUBREC, PUBREL, PUBCOMP), retained messages.

use super::problem::Problem;
use super::session::{self, Message};
use super::{Broker, ConnId};
use crate::acl::{Acl, Principal};
use crate::mutants::Behaviour as M;
use mqttspec_codec::{Ack, Packet, Publish, QoS, ReasonCode, Version};
use std::sync::Arc;

impl Broker {
    pub(super) fn publish(&mut self, conn: ConnId, mut p: Publish) {
        let v = self.conn_version(conn);
        // MQTT-1.5.3-3 (3.1.1), MQTT-1.5.4-3 (5.0): a U+FEFF is kept, never stripped.
        if self.mutant(M::BomStripped) {
            if let Some(rest) = p.topic.to_string().strip_prefix('\u{FEFF}') {
                p.topic = rest.into();
            }
        }
        let ignore_aliases = self.mutant(M::TopicAliasIgnored);
        let cfg = &self.config;
        // MQTT-3.2.2-11 (5.0): above Maximum QoS is refused with 0x9B.
        if p.qos as u8 > cfg.maximum_qos {
            return self.fail(conn, ReasonCode::QOS_NOT_SUPPORTED);
        }
        // MQTT-3.2.2-14 (5.0): retain when Retain Available is 0 is refused with 0x9A.
        if p.retain && !cfg.retain_available {
            return self.fail(conn, ReasonCode::RETAIN_NOT_SUPPORTED);
        }
        if v.is_v5() {
            if let Some(alias) = p.properties.topic_alias() {
                // MQTT-3.3.2-12 (5.0) accepts 1..=maximum; anything above is invalid (0x94).
                if alias > cfg.topic_alias_maximum {
                    return self.fail(conn, ReasonCode::TOPIC_ALIAS_INVALID);
                }
                let c = self.conns.get_mut(&conn).expect("connection exists");
                if p.topic.is_empty() {
                    match c.aliases.get(&alias) {
                        Some(topic) => p.topic = topic.as_str().into(),
                        // §3.3.2.3.4: an alias nobody set is a Protocol Error.
                        None => return self.fail(conn, ReasonCode::PROTOCOL_ERROR),
                    }
                } else if !ignore_aliases {
                    // MQTT-3.3.2-12 (5.0): any alias up to the maximum sets a mapping.
                    c.aliases.insert(alias, p.topic.to_string());
                }
            }
        }
        let Some(id) = self.session_of(conn) else { return };
        let user = self.conns.get(&conn).and_then(|c| c.user.as_deref());
        let allowed =
            Acl::new(&self.config.acl).may_publish(Principal { user, client: &id }, &p.topic.to_string());
        if !allowed {
            return self.refuse_publish(conn, &id, v, &p);
        }
        let m = self.behaviour();
        // MQTT-2.3.1-6 (3.1.1), MQTT-2.2.1-5 (5.0): an acknowledgement repeats the identifier.
        let ack = |pid: u16, wrong| Ack::new(if m == Some(wrong) { pid.wrapping_add(1).max(1) } else { pid });
        match (p.qos, p.packet_id) {
            (QoS::ExactlyOnce, Some(pid)) => {
                let receive_maximum = self.config.receive_maximum;
                let s = self.sessions.get_mut(&id).expect("session of a connection");
                // MQTT-4.3.3-2 (3.1.1), MQTT-4.3.3-10 (5.0): a resent PUBLISH with the
                // same identifier is not delivered again before PUBREL.
                if !s.inbound_qos2.contains(&pid) || m == Some(M::Qos2RedeliveredOnDuplicate) {
                    // MQTT-3.3.4-7 (5.0): more than Receive Maximum unacknowledged
                    // QoS 2 messages is refused with 0x93.
                    let held = s.inbound_qos2.len() - usize::from(s.inbound_qos2.contains(&pid));
                    if v.is_v5() && held >= usize::from(receive_maximum) {
                        return self.fail(conn, ReasonCode::RECEIVE_MAXIMUM_EXCEEDED);
                    }
                    s.inbound_qos2.insert(pid);
                    if let (Some(M::ExpiredReceiptPurged), Some(secs)) =
                        (m, p.properties.message_expiry_interval())
                    {
                        s.inbound_expiry
                            .insert(pid, self.now + std::time::Duration::from_secs(u64::from(secs)));
                    }
                    let msg = Message::from_publish(&id, p, self.now);
                    self.publish_message(Arc::new(msg));
                }
                // MQTT-3.3.4-1 (both), MQTT-4.3.3-2 (3.1.1), MQTT-4.3.3-8 (5.0): PUBREC.
                if m != Some(M::PubrecMissing) {
                    self.send(conn, Packet::PubRec(ack(pid, M::PubrecWrongId)));
                }
            }
            (QoS::AtLeastOnce, Some(pid)) => {
                // MQTT-4.3.2-5 (5.0): once acknowledged, an identifier may come again
                // with a new message, whatever its DUP.
                let dropped = match m {
                    Some(M::Qos1DupDropped) => p.dup,
                    Some(M::Qos1RepeatedIdDropped) => {
                        let s = self.sessions.get_mut(&id).expect("session of a connection");
                        s.last_qos1_in.replace(pid) == Some(pid)
                    }
                    _ => false,
                };
                if !dropped {
                    let msg = Message::from_publish(&id, p, self.now);
                    self.publish_message(Arc::new(msg));
                }
                // MQTT-3.3.4-1 (both), MQTT-4.3.2-2 (3.1.1), MQTT-4.3.2-4 (5.0): PUBACK.
                if m != Some(M::PubackMissing) {
                    self.send(conn, Packet::PubAck(ack(pid, M::PubackWrongId)));
                }
            }
            _ => {
                let msg = Message::from_publish(&id, p, self.now);
                self.publish_message(Arc::new(msg));
            }
        }
    }

    /// A PUBLISH the ACL does not allow. 5.0: PUBACK / PUBREC 0x87 (§3.4.2.1,
    /// §3.5.2.1); 3.1.1 cannot tell the client, so it acknowledges as usual and drops
    /// the message (MQTT-3.3.5-2 (3.1.1)).
    pub(super) fn refuse_publish(&mut self, conn: ConnId, id: &str, v: Version, p: &Publish) {
        let Some(pid) = p.packet_id else { return };
        // MQTT-3.3.5-2 (3.1.1): acknowledged as usual (or the connection closed).
        if !v.is_v5() && self.mutant(M::UnauthorisedPublishIgnored) {
            return;
        }
        let code = if v.is_v5() { ReasonCode::NOT_AUTHORIZED } else { ReasonCode::SUCCESS };
        let why = Problem::new("not authorized to publish to this topic").about("topic", &p.topic);
        let properties = if v.is_v5() { why.properties() } else { Default::default() };
        let ack = Ack { reason_code: code, properties, ..Ack::new(pid) };
        match p.qos {
            QoS::AtLeastOnce => self.send(conn, Packet::PubAck(ack)),
            QoS::ExactlyOnce => {
                // MQTT-4.3.3-9 (5.0): after PUBREC 0x87 the identifier is free again.
                if !v.is_v5() || self.mutant(M::RefusedQos2IdHeld) {
                    // The PUBREL that follows is answered as for any QoS 2 message.
                    if let Some(s) = self.sessions.get_mut(id) {
                        s.inbound_qos2.insert(pid);
                    }
                }
                self.send(conn, Packet::PubRec(ack));
            }
            QoS::AtMostOnce => {}
        }
    }

    /// Stores (if retained) and routes an application message.
    pub(super) fn publish_message(&mut self, msg: Arc<Message>) {
        self.stats.published += 1;
        let m = self.behaviour();
        // MQTT-3.3.1-12 (3.1.1), MQTT-3.3.1-8 (5.0): RETAIN 0 leaves the store alone.
        let stored = msg.retain || (m == Some(M::NonRetainedStored) && !msg.payload.is_empty());
        if stored && self.config.retain_available {
            if msg.payload.is_empty() && m != Some(M::RetainedEmptyStored) {
                // MQTT-3.3.1-10 MQTT-3.3.1-11 (3.1.1), MQTT-3.3.1-6 MQTT-3.3.1-7 (5.0): an
                // empty payload clears the topic and is not stored.
                if m != Some(M::RetainedNotCleared) {
                    self.retained.remove(&msg.topic);
                }
                if m == Some(M::RetainedEmptyNotForwarded) {
                    return;
                }
            } else if m != Some(M::RetainedNotReplaced) || !self.retained.contains_key(&msg.topic) {
                // MQTT-3.3.1-5 (both), MQTT-3.3.1-7 (3.1.1): the newest retained message
                // replaces the last.
                self.retained.insert(msg.topic.clone(), msg.clone());
            }
        }
        self.route(&msg);
    }

    pub(super) fn puback(&mut self, conn: ConnId, a: Ack) {
        let m = self.behaviour();
        let Some(id) = self.session_of(conn) else { return };
        let mut done = None;
        if let Some(s) = self.sessions.get_mut(&id) {
            // MQTT-4.4.0-2 (5.0): an error code acknowledges it too; it is never resent.
            let kept = m == Some(M::RefusedPubackResent) && a.reason_code.is_error();
            if matches!(s.inflight.get(&a.packet_id), Some(session::Inflight::Publish(d)) if d.qos == QoS::AtLeastOnce)
                && !kept
            {
                done = s.inflight.remove(&a.packet_id);
            }
        }
        if a.reason_code.is_error() {
            self.refused_by_subscriber(&id, done);
        }
        self.pump(&id);
    }

    /// MQTT-4.8.2-6 (5.0): a message the client refused (PUBACK or PUBREC 0x80 or
    /// more) is discarded, even a shared one: no other member gets it.
    fn refused_by_subscriber(&mut self, id: &str, flow: Option<session::Inflight>) {
        if let Some(session::Inflight::Publish(d)) = flow {
            if self.mutant(M::SharedRefusedRerouted) {
                self.move_to_other_member(id, &d);
            }
        }
    }

    pub(super) fn pubrec(&mut self, conn: ConnId, a: Ack) {
        let (v, now) = (self.conn_version(conn), self.now);
        let m = self.behaviour();
        let Some(id) = self.session_of(conn) else { return };
        let Some(s) = self.sessions.get_mut(&id) else { return };
        let qos2 =
            |f: &session::Inflight| matches!(f, session::Inflight::Publish(d) if d.qos == QoS::ExactlyOnce);
        let known =
            s.inflight.get(&a.packet_id).is_some_and(|f| qos2(f) || matches!(f, session::Inflight::Released));
        if known && a.reason_code.is_error() {
            // 5.0 §4.3.3: a PUBREC with an error ends the flow; MQTT-4.4.0-2 (5.0): the
            // PUBLISH counts as acknowledged and is never resent.
            let flow = if m != Some(M::RefusedPubrecResent) { s.inflight.remove(&a.packet_id) } else { None };
            self.refused_by_subscriber(&id, flow);
            self.pump(&id);
            return;
        }
        if known && m == Some(M::PubrelMissing) {
            return;
        }
        // MQTT-4.3.3-7 (5.0): expiry no longer applies to a message already sent.
        let expired = |f: &session::Inflight| matches!(f, session::Inflight::Publish(d) if d.msg.expires_at.is_some_and(|at| at <= now));
        if known && m == Some(M::ExpiryAppliedAtPubrec) && s.inflight.get(&a.packet_id).is_some_and(expired) {
            s.inflight.remove(&a.packet_id);
            self.pump(&id);
            return;
        }
        if known {
            // MQTT-4.3.3-5 (5.0): the PUBREL stays unacknowledged until its PUBCOMP;
            // MQTT-4.3.3-6 (5.0): the PUBLISH is never sent again.
            match m {
                Some(M::PubrelForgottenWhenSent) => drop(s.inflight.remove(&a.packet_id)),
                Some(M::PublishResentAfterPubrel) => {}
                _ => drop(s.inflight.insert(a.packet_id, session::Inflight::Released)),
            }
            // MQTT-4.3.3-1 (3.1.1), MQTT-4.3.3-4 (5.0): PUBREL with the PUBLISH's identifier.
            let pid =
                if m == Some(M::PubrelWrongId) { a.packet_id.wrapping_add(1).max(1) } else { a.packet_id };
            let rel = Packet::PubRel(Ack::new(pid));
            // MQTT-2.2.2-1 (3.1.1), MQTT-2.1.3-1 (5.0): PUBREL's reserved flags are 0010.
            if m == Some(M::PubrelFlagsZero) {
                self.send_tampered(
                    conn,
                    &rel,
                    &mqttspec_codec::Tamper { flags: Some(0), ..Default::default() },
                );
            } else {
                self.send(conn, rel);
            }
        } else if v.is_v5() {
            let why = Problem::new("no QoS 2 message with this packet identifier awaits PUBREC");
            let properties = why.about("packet-identifier", a.packet_id).properties();
            let code = ReasonCode::PACKET_IDENTIFIER_NOT_FOUND;
            let rel = Ack { reason_code: code, properties, ..Ack::new(a.packet_id) };
            self.send(conn, Packet::PubRel(rel));
        }
    }

    pub(super) fn pubrel(&mut self, conn: ConnId, a: Ack) {
        let v = self.conn_version(conn);
        let Some(id) = self.session_of(conn) else { return };
        let (m, now) = (self.behaviour(), self.now);
        let Some(s) = self.sessions.get_mut(&id) else { return };
        // MQTT-4.3.3-13 (5.0): the flow completes even if the message has expired.
        let purged = s.inbound_expiry.remove(&a.packet_id).is_some_and(|at| at <= now);
        if m == Some(M::ExpiredReceiptPurged) && purged {
            s.inbound_qos2.remove(&a.packet_id);
        }
        // MQTT-4.3.3-12 (5.0): after PUBCOMP the identifier is free for a new message.
        let known = if m == Some(M::PubcompKeepsId) {
            s.inbound_qos2.contains(&a.packet_id)
        } else {
            s.inbound_qos2.remove(&a.packet_id)
        };
        let pid = if m == Some(M::PubcompWrongId) { a.packet_id.wrapping_add(1).max(1) } else { a.packet_id };
        let mut comp = Ack::new(pid);
        if !known && v.is_v5() {
            comp.reason_code = ReasonCode::PACKET_IDENTIFIER_NOT_FOUND;
            let why = Problem::new("no QoS 2 message with this packet identifier awaits PUBREL");
            comp.properties = why.about("packet-identifier", a.packet_id).properties();
        }
        if m == Some(M::PubcompMissing) {
            return;
        }
        // MQTT-4.3.3-2 (3.1.1), MQTT-4.3.3-11 MQTT-4.3.3-12 (5.0): PUBREL is answered
        // by PUBCOMP, and the identifier is free for a new message.
        self.send(conn, Packet::PubComp(comp));
    }

    pub(super) fn pubcomp(&mut self, conn: ConnId, a: Ack) {
        let Some(id) = self.session_of(conn) else { return };
        if let Some(s) = self.sessions.get_mut(&id) {
            if matches!(s.inflight.get(&a.packet_id), Some(session::Inflight::Released)) {
                s.inflight.remove(&a.packet_id);
            }
        }
        self.pump(&id);
    }
}
