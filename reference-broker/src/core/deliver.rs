//! Outbound application messages (MQTT 3.1.1 §3.3.5, §4.3–§4.6; MQTT 5.0 §3.3.4,
//! §4.3–§4.9, §4.8.2): routing to matching and shared subscriptions, the send window
//! (Receive Maximum), queues of absent sessions, Message Expiry, Maximum Packet Size,
//! outgoing Topic Aliases, and the resends of a resumed session (§4.4).

use super::conn::Conn;
use super::session::{self, Message};
use super::{Broker, ConnId};
use crate::acl::{Acl, Principal};
use crate::mutants::Behaviour as M;
use crate::topic;
use mqttspec_codec::{Ack, MqttString, Packet, Properties, Property, Publish, QoS, Version};
use std::collections::BTreeMap;
use std::sync::Arc;

impl Broker {
    pub(super) fn route(&mut self, msg: &Arc<Message>) {
        let mut shared: BTreeMap<(String, String), Vec<(String, usize)>> = BTreeMap::new();
        let mut direct: Vec<(String, session::Delivery)> = Vec::new();
        let m = self.behaviour();
        // The index proposes sessions by the §4.7 rules; a matcher that breaks one
        // looks at all of them.
        let candidates = if m.is_some_and(topic::breaks_matching) {
            self.sessions.keys().cloned().collect()
        } else {
            self.index.candidates(&msg.topic)
        };
        for id in candidates {
            let Some(s) = self.sessions.get(&id) else { continue };
            if let Some(d) = s.match_direct(msg, m) {
                // MQTT-3.8.4-3 (both): a filter subscribed twice is one subscription, and
                // one copy goes out.
                if m == Some(M::ResubscribeDuplicates) {
                    let hit = |x: &&session::Subscription| {
                        x.share.is_none() && topic::matching(&x.filter, &msg.topic, m)
                    };
                    let filters: Vec<&str> = s.subs.iter().filter(hit).map(|x| x.filter.as_str()).collect();
                    let distinct: std::collections::BTreeSet<&str> = filters.iter().copied().collect();
                    let extra = filters.len() - distinct.len();
                    direct.extend(std::iter::repeat_n((id.clone(), d.clone()), extra));
                }
                // MQTT-3.3.4-5 (5.0): a copy per subscription carries that subscription's
                // identifier; the mutant sends such copies with the first one's on each.
                if m == Some(M::SeparateCopiesFirstId) {
                    direct.extend(s.copies_with_first_id(msg, &d, m).into_iter().map(|c| (id.clone(), c)));
                    continue;
                }
                direct.push((id.clone(), d));
            }
            for (i, sub) in s.subs.iter().enumerate() {
                if let Some((group, filter)) = &sub.share {
                    if topic::matching(filter, &msg.topic, m) {
                        shared.entry((group.clone(), filter.clone())).or_default().push((id.clone(), i));
                    }
                }
            }
        }
        direct.sort_by(|a, b| a.0.cmp(&b.0));
        for (id, d) in direct {
            self.deliver(&id, d);
        }
        for (key, mut members) in shared {
            // One member of each group receives the message, round-robin, preferring
            // connected sessions (5.0 §4.8.2 Shared Subscriptions).
            members.sort();
            let online: Vec<&(String, usize)> = members
                .iter()
                .filter(|(id, _)| self.sessions.get(id).is_some_and(|s| s.conn.is_some()))
                .collect();
            let pool: Vec<&(String, usize)> =
                if online.is_empty() { members.iter().collect() } else { online };
            let cursor = self.share_cursor.entry(key).or_insert(0);
            let (id, index) = pool[*cursor % pool.len()].clone();
            *cursor = cursor.wrapping_add(1);
            let d = self.sessions.get(&id).map(|s| s.delivery_for(msg, index, m));
            if let Some(d) = d {
                self.deliver(&id, d);
            }
        }
    }

    /// Sends `d`, a shared delivery session `from` had, to another connected member
    /// of its group: what the shared-subscription mutants do where the spec keeps it
    /// with its client or discards it (MQTT-4.8.2-4 MQTT-4.8.2-5 MQTT-4.8.2-6 (5.0)).
    pub(super) fn move_to_other_member(&mut self, from: &str, d: &session::Delivery) {
        let Some(share) = &d.share else { return };
        let other = self.sessions.iter().filter(|(id, s)| id.as_str() != from && s.conn.is_some()).find_map(
            |(id, s)| s.subs.iter().position(|x| x.share.as_ref() == Some(share)).map(|i| (id.clone(), i)),
        );
        let m = self.behaviour();
        if let Some(nd) =
            other.and_then(|(id, i)| Some((self.sessions.get(&id)?.delivery_for(&d.msg, i, m), id)))
        {
            self.deliver(&nd.1, nd.0);
        }
    }

    /// MQTT-4.8.2-4 MQTT-4.8.2-5 (5.0): the shared QoS 2 messages in flight to session
    /// `id` stay with it, through a lost connection and until the session ends. The
    /// mutants that break this take them away and move them to another member.
    pub(super) fn move_shared_qos2(&mut self, id: &str) {
        let Some(s) = self.sessions.get_mut(id) else { return };
        let pids: Vec<u16> = s
            .inflight
            .iter()
            .filter(|(_, f)| {
                matches!(f, session::Inflight::Publish(d) if d.share.is_some() && d.qos == QoS::ExactlyOnce)
            })
            .map(|(pid, _)| *pid)
            .collect();
        let moved: Vec<session::Inflight> = pids.iter().filter_map(|pid| s.inflight.remove(pid)).collect();
        for flow in moved {
            if let session::Inflight::Publish(d) = flow {
                self.move_to_other_member(id, &d);
            }
        }
    }

    /// Sends or queues one delivery for session `id`.
    pub(super) fn deliver(&mut self, id: &str, d: session::Delivery) {
        let (max_queued, m) = (self.config.max_queued_messages, self.behaviour());
        let Some(s) = self.sessions.get_mut(id) else { return };
        let who = Principal { user: s.user.as_deref(), client: &s.client_id };
        if !Acl::new(&self.config.acl).may_receive(who, &d.msg.topic) {
            self.stats.dropped_unauthorized += 1;
            return;
        }
        let Some(conn) = s.conn else {
            // Offline: QoS 1/2 is queued for the session (MQTT-3.1.2-5 (3.1.1),
            // MQTT-3.1.2-23 (5.0)); QoS 0 may be dropped, and is.
            if d.qos != QoS::AtMostOnce && m != Some(M::OfflineMessagesLost) {
                if s.queue.len() >= max_queued {
                    self.stats.dropped_queue_full += 1;
                } else {
                    s.queue.push_back(d);
                }
            }
            return;
        };
        if d.qos == QoS::AtMostOnce {
            self.transmit(conn, d, None, false);
            return;
        }
        let window = self.send_window(conn);
        let s = self.sessions.get_mut(id).expect("checked above");
        // MQTT-3.3.4-9 (5.0): no more unacknowledged QoS 1/2 than the client's
        // Receive Maximum; the rest waits, in order.
        if s.inflight.len() >= usize::from(window) || !s.queue.is_empty() {
            if s.queue.len() >= max_queued {
                self.stats.dropped_queue_full += 1;
            } else {
                s.queue.push_back(d);
            }
            return;
        }
        self.send_new(conn, id, d);
    }

    /// Sends a new QoS 1/2 delivery under an unused identifier, and keeps it
    /// unacknowledged until its PUBACK or PUBREC (MQTT-4.3.2-3 MQTT-4.3.3-3 (5.0)).
    fn send_new(&mut self, conn: ConnId, id: &str, d: session::Delivery) {
        let m = self.behaviour();
        let Some(s) = self.sessions.get_mut(id) else { return };
        let pid = s.next_packet_id(m);
        let forgotten = match m {
            Some(M::Qos1ForgottenWhenSent) => d.qos == QoS::AtLeastOnce,
            Some(M::Qos2ForgottenWhenSent) => d.qos == QoS::ExactlyOnce,
            _ => false,
        };
        if !forgotten {
            s.inflight.insert(pid, session::Inflight::Publish(d.clone()));
        }
        self.transmit(conn, d, Some(pid), false);
    }

    /// The send quota: the client's Receive Maximum (MQTT-3.3.4-9 MQTT-4.9.0-2 (5.0)),
    /// or the configured window. MQTT-4.9.0-1 (5.0): it starts at the Receive Maximum,
    /// never zero and never above it.
    pub(super) fn send_window(&self, conn: ConnId) -> u16 {
        if self.mutant(M::ReceiveMaximumIgnored) {
            return u16::MAX;
        }
        let Some(c) = self.conns.get(&conn) else { return 1 };
        match self.behaviour() {
            Some(M::SendQuotaBelowMaximum) if c.version == Some(Version::V5) => {
                c.send_window.saturating_sub(1)
            }
            Some(M::SendQuotaAboveMaximum) if c.version == Some(Version::V5) => {
                c.send_window.saturating_add(1)
            }
            _ => c.send_window,
        }
    }

    /// Whether `conn`'s session has as many QoS 1/2 PUBLISHes unacknowledged as its
    /// send quota allows.
    pub(super) fn quota_exhausted(&self, conn: ConnId) -> bool {
        let window = usize::from(self.send_window(conn));
        self.session_of(conn)
            .and_then(|id| self.sessions.get(&id))
            .is_some_and(|s| s.inflight.len() >= window)
    }

    /// Builds and sends a PUBLISH; drops it if expired or too large for the client.
    pub(super) fn transmit(&mut self, conn: ConnId, d: session::Delivery, pid: Option<u16>, dup: bool) {
        let now = self.now;
        let Some(c) = self.conns.get(&conn) else { return };
        let (version, max) = (c.version.unwrap_or(Version::V3_1_1), c.max_packet_size);
        let m = self.behaviour();
        let Some(publish) = d.to_publish(now, pid, dup, version, m) else {
            // MQTT-3.3.2-5 (5.0): an expired message is not delivered.
            self.stats.dropped_expired += 1;
            self.forget_inflight(conn, pid);
            return;
        };
        let (publish, new_alias) = self.alias_out(c, publish);
        let packet = Packet::Publish(miscoded(publish, m));
        // MQTT-3.1.2-24 MQTT-3.1.2-25 (5.0): never exceed the client's Maximum
        // Packet Size; the message is dropped as if delivered.
        let size = packet.encoded_len(version).map(|len| match m {
            Some(M::MaximumPacketSizeWithoutHeader) => len - fixed_header_len(len),
            _ => len,
        });
        let too_large = size.map_or(true, |len| len > max as usize);
        if too_large && m == Some(M::OversizeDisconnects) {
            return self.fail(conn, mqttspec_codec::ReasonCode::PACKET_TOO_LARGE);
        }
        if too_large && m != Some(M::MaximumPacketSizeIgnored) {
            self.stats.dropped_too_large += 1;
            self.forget_inflight(conn, pid);
            // MQTT-3.1.2-25 (5.0): dropped "as if it had completed sending": no PUBREL
            // follows a PUBLISH that never went.
            if let (Some(M::OversizeQos2Pubrel), Some(id)) = (m, pid) {
                if d.qos == QoS::ExactlyOnce {
                    self.send(conn, Packet::PubRel(mqttspec_codec::Ack::new(id)));
                }
            }
            return;
        }
        // Only a mapping the client has actually been sent exists for it.
        if let (Some((topic, alias)), Some(c)) = (new_alias, self.conns.get_mut(&conn)) {
            c.aliases_out.insert(topic, alias);
        }
        self.stats.delivered += 1;
        match (m, &packet) {
            // MQTT-2.3.1-5 (3.1.1), MQTT-2.2.1-2 (5.0): a QoS 0 PUBLISH has no identifier.
            (Some(M::Qos0WithPacketId), Packet::Publish(p)) if p.qos == QoS::AtMostOnce => {
                let p = Packet::Publish(Publish { packet_id: Some(1), ..p.clone() });
                self.send_tampered(
                    conn,
                    &p,
                    &mqttspec_codec::Tamper { skip_checks: true, ..Default::default() },
                );
            }
            // MQTT-2.2.2-1 (5.0): no properties is a Property Length of 0, never none.
            (Some(M::EmptyPropertiesOmitted), Packet::Publish(p))
                if version == Version::V5 && p.properties.is_empty() =>
            {
                self.send_encoded_as(conn, &packet, Version::V3_1_1);
            }
            _ => self.send(conn, packet),
        }
    }

    /// Outgoing Topic Alias (5.0 §3.3.2.3.4): a topic already mapped on this
    /// connection goes as an empty name plus its alias; a new topic takes the next
    /// free alias while there is one. Aliases stay within the client's Topic Alias
    /// Maximum, and none are used when it is 0 or absent
    /// (MQTT-3.1.2-26 MQTT-3.1.2-27 MQTT-3.3.2-11 (5.0)).
    /// Returns the PUBLISH and the mapping it would create.
    pub(super) fn alias_out(&self, c: &Conn, mut publish: Publish) -> (Publish, Option<(String, u16)>) {
        let limit = match self.behaviour() {
            Some(M::ServerAliasWithoutMaximum) if c.alias_max_out == 0 => 16,
            Some(M::ServerAliasAboveMaximum) if c.alias_max_out > 0 => c.alias_max_out.saturating_add(16),
            _ => c.alias_max_out,
        };
        if c.version != Some(Version::V5) || limit == 0 {
            return (publish, None);
        }
        let topic = publish.topic.to_string();
        let (alias, new) = match c.aliases_out.get(&topic) {
            Some(a) => (*a, None),
            None if c.aliases_out.len() < usize::from(limit) => {
                let a = c.aliases_out.len() as u16 + 1;
                (a, Some((topic, a)))
            }
            None => return (publish, None),
        };
        let Ok(properties) =
            Properties::build(publish.properties.iter().chain([Property::TopicAlias(alias)]))
        else {
            return (publish, None);
        };
        publish.properties = properties;
        if new.is_none() {
            publish.topic = "".into();
        }
        (publish, new)
    }

    pub(super) fn forget_inflight(&mut self, conn: ConnId, pid: Option<u16>) {
        let Some(pid) = pid else { return };
        if let Some(id) = self.session_of(conn) {
            if let Some(s) = self.sessions.get_mut(&id) {
                s.inflight.remove(&pid);
            }
        }
    }

    /// Sends queued messages while the window allows.
    pub(super) fn pump(&mut self, id: &str) {
        let m = self.behaviour();
        if m == Some(M::ZeroQuotaHoldsAll) {
            let conn = self.sessions.get(id).and_then(|s| s.conn);
            if let Some(conn) = conn.filter(|c| !self.quota_exhausted(*c)) {
                let held = self.conns.get_mut(&conn).map(|c| std::mem::take(&mut c.held)).unwrap_or_default();
                for packet in held {
                    self.send(conn, packet);
                }
            }
        }
        loop {
            let Some(conn) = self.sessions.get(id).and_then(|s| s.conn) else { return };
            let window = self.send_window(conn);
            let Some(s) = self.sessions.get_mut(id) else { return };
            if s.inflight.len() >= usize::from(window) {
                return;
            }
            // MQTT-4.6.0-5 MQTT-4.6.0-6 (both): in the order received.
            let next = if m == Some(M::ReorderedDelivery) { s.queue.pop_back() } else { s.queue.pop_front() };
            let Some(d) = next else { return };
            if d.qos == QoS::AtMostOnce {
                self.transmit(conn, d, None, false);
                continue;
            }
            self.send_new(conn, id, d);
        }
    }

    /// After reconnecting to an existing session: resend unacknowledged messages
    /// with DUP (MQTT-4.4.0-1 (both)), then PUBRELs, then the queue.
    pub(super) fn resume(&mut self, id: &str) {
        let Some(conn) = self.sessions.get(id).and_then(|s| s.conn) else { return };
        self.resend(conn);
        self.pump(id);
    }

    /// Resends what is unacknowledged on `conn`'s session: on resumption only
    /// (MQTT-4.4.0-1 (both)), and with DUP (MQTT-3.3.1-1 (both)).
    pub(super) fn resend(&mut self, conn: ConnId) {
        let Some(s) = self.session_of(conn).and_then(|id| self.sessions.get(&id)) else { return };
        let inflight: Vec<(u16, session::Inflight)> =
            s.inflight.iter().map(|(k, v)| (*k, v.clone())).collect();
        let m = self.behaviour();
        for (pid, state) in inflight {
            match state {
                session::Inflight::Publish(_) if m == Some(M::NoResendOnResume) => {}
                session::Inflight::Publish(d) => {
                    self.transmit(conn, d, Some(pid), m != Some(M::ResendWithoutDup));
                }
                session::Inflight::Released if m == Some(M::NoPubrelResendOnResume) => {}
                session::Inflight::Released => self.send(conn, Packet::PubRel(Ack::new(pid))),
            }
        }
    }
}

/// `s` re-encoded as ISO-8859-1 (`?` for what it cannot hold): the charset mix-up of
/// the `*-latin1` mutants.
fn latin1(s: &MqttString) -> MqttString {
    let bytes: Vec<u8> = s.to_string().chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
    MqttString::from_raw(bytes)
}

/// The PUBLISH as a `*-latin1` mutant encodes it. MQTT-3.3.2-1 (both): the Topic Name
/// is a UTF-8 Encoded String; MQTT-1.5.7-1 MQTT-3.3.2-13 MQTT-3.3.2-19 (5.0): so are
/// both strings of a User Property, the Response Topic and the Content Type.
fn miscoded(mut p: Publish, m: Option<M>) -> Publish {
    match m {
        Some(M::TopicLatin1) => p.topic = latin1(&p.topic),
        Some(
            M::UserPropertyNameLatin1
            | M::UserPropertyValueLatin1
            | M::ResponseTopicLatin1
            | M::ContentTypeLatin1,
        ) => {
            let props = p.properties.iter().map(|q| match (m, q) {
                (Some(M::UserPropertyNameLatin1), Property::UserProperty(k, v)) => {
                    Property::UserProperty(latin1(&k), v)
                }
                (Some(M::UserPropertyValueLatin1), Property::UserProperty(k, v)) => {
                    Property::UserProperty(k, latin1(&v))
                }
                (Some(M::ResponseTopicLatin1), Property::ResponseTopic(t)) => {
                    Property::ResponseTopic(latin1(&t))
                }
                (Some(M::ContentTypeLatin1), Property::ContentType(t)) => Property::ContentType(latin1(&t)),
                (_, q) => q,
            });
            if let Ok(props) = Properties::build(props) {
                p.properties = props;
            }
        }
        _ => {}
    }
    p
}

/// The fixed header's length in a packet of `total` bytes: the type byte and the
/// Remaining Length's one to four bytes.
fn fixed_header_len(total: usize) -> usize {
    (1..=4usize).find(|n| total.saturating_sub(1 + n) < 128usize.pow(*n as u32)).map_or(5, |n| 1 + n)
}
