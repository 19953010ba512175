//! The oracle proper: drives the core, follows each client's view of its
//! connection, and checks every packet the broker sends (MQTT 3.1.1 §3, §4.3–§4.5;
//! MQTT 5.0 §3, §4.3–§4.5).

use super::flows::{Flow, Flows, client_ack, server_flow};
use super::naive_topic;
use super::owed::drops;
use super::state::Run;
use crate::Config;
use crate::core::{Action, Broker, ConnId, Input};
use bytes::BytesMut;
use mqttspec_codec::{DecodeOptions, Packet, QoS, ReasonCode, Role, StreamDecoder, Version};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// What one step of the run remembers while it checks the broker's answers.
struct Step {
    /// Connections whose session resumed in this step, with the flows owed again.
    resumed: HashMap<ConnId, Flows>,
    too_large_before: u64,
    /// Drops of this step may be of the messages it publishes.
    drops_before: u64,
    /// A 3.1.1 PUBACK says nothing of authorization: whether the message went out
    /// to subscribers is what the broker counts as published.
    published_before: u64,
}

impl Run {
    /// ACL rules, a small queue, Receive Maximum and Topic Alias Maximum.
    pub(super) fn new(trace: bool) -> Run {
        let mut users = crate::auth::Users::default();
        users.insert("user", crate::auth::Credential::derive("password", b"salt", 1));
        let rule =
            |topic: &str, access| crate::acl::Rule { user: None, client: None, topic: topic.into(), access };
        let config = Config {
            max_queued_messages: 8,
            receive_maximum: 3,
            topic_alias_maximum: 2,
            users: Some(users),
            // Everything but `$x/a` may be written; `a` itself may not be read.
            acl: vec![
                rule("+/#", crate::acl::Access::Write),
                rule("a/#", crate::acl::Access::Write),
                rule("+/+", crate::acl::Access::Readwrite),
                rule("$share/#", crate::acl::Access::Read),
            ],
            ..Config::default()
        };
        Run {
            broker: Broker::new(config),
            now: Duration::ZERO,
            clients: HashMap::new(),
            grants: HashMap::new(),
            flows: HashMap::new(),
            certain: HashMap::new(),
            inbound: HashMap::new(),
            owed: Vec::new(),
            copies: HashMap::new(),
            subscribed: HashMap::new(),
            stamped: HashSet::new(),
            trace,
        }
    }

    pub(super) fn feed(&mut self, input: Input) -> Result<(), String> {
        self.note_input(&input);
        let trace = self.trace;
        if trace {
            eprintln!("{:>8?} IN  {input:?}", self.now);
        }
        let mut step = Step {
            resumed: HashMap::new(),
            too_large_before: self.broker.stats().dropped_too_large,
            drops_before: drops(&self.broker),
            published_before: self.broker.stats().published,
        };
        for action in self.broker.handle(self.now, input) {
            if trace {
                eprintln!("{:>8?} OUT {action:?}", self.now);
            }
            match action {
                Action::Close(conn) => self.clients.entry(conn).or_default().closed = true,
                Action::Send { conn, version, packet } => {
                    self.check_send(conn, version, packet, &mut step)?;
                }
                // Only a statement mutant sends raw bytes, and the oracle runs none.
                Action::SendRaw { .. } => {}
            }
        }
        self.check_resends(step)
    }

    /// What the oracle learns from an input before the broker sees it: the client's
    /// CONNECT, the acknowledgements it sends, its QoS 1/2 PUBLISHes, what it
    /// subscribes to and unsubscribes from.
    fn note_input(&mut self, input: &Input) {
        if let Input::Open(conn) = input {
            self.clients.entry(*conn).or_default().opened = true;
        }
        if let Input::Packet(conn, Packet::Connect(c)) = input {
            let view = self.clients.entry(*conn).or_default();
            if view.opened && !view.closed && !view.connected {
                view.connected = true;
                view.version = Some(c.version);
                view.max_packet = c.properties.maximum_packet_size();
                view.alias_max = c.properties.topic_alias_maximum().unwrap_or(0);
                if !c.client_id.is_empty() {
                    view.client_id = Some(c.client_id.to_string());
                }
            }
        }
        if let Input::Packet(conn, packet) = input {
            let view = self.clients.entry(*conn).or_default();
            if !view.closed {
                if let Some(flows) = view.session.as_ref().and_then(|k| self.flows.get_mut(k)) {
                    client_ack(flows, packet);
                }
            }
        }
        if let Input::Packet(conn, Packet::Publish(p)) = input {
            if p.qos != QoS::AtMostOnce && p.properties.topic_alias().is_none() {
                let key = (*conn, p.packet_id.unwrap_or(0));
                self.inbound.insert(key, (p.topic.to_string(), p.payload.clone()));
            }
        }
        if let Input::Packet(conn, Packet::Unsubscribe(u)) = input {
            let session = self.clients.get(conn).and_then(|v| v.session.clone());
            if let Some(session) = session {
                // A server may drop what it buffered for an unsubscribed filter (5.0
                // §3.10.4), so neither the filter nor what it brought is owed any more.
                for f in u.filters.iter().map(|f| f.to_string()) {
                    if let Some(certain) = self.certain.get_mut(&session) {
                        certain.remove(&f);
                    }
                    self.owed.retain(|o| o.session != session || !naive_topic::matches(&f, &o.topic));
                }
            }
        }
        if let Input::Packet(conn, Packet::Subscribe(sub)) = input {
            let filters = sub.filters.iter().map(|f| f.filter.to_string()).collect();
            self.clients.entry(*conn).or_default().pending.insert(sub.packet_id, filters);
        }
    }

    /// Checks one packet the broker sends to `conn`: it encodes and decodes back the
    /// same, it is within the client's limits, and it is a legal step of the flows.
    fn check_send(
        &mut self,
        conn: ConnId,
        version: Version,
        packet: Packet,
        step: &mut Step,
    ) -> Result<(), String> {
        let view = self.clients.entry(conn).or_default();
        if view.closed {
            return Err(format!("{packet:?} sent to connection {conn} after closing it"));
        }
        let bytes = packet.to_bytes(version).map_err(|e| format!("{packet:?} does not encode: {e}"))?;
        let read_as = if version == Version::V3_1 { Version::V3_1_1 } else { version };
        let opts = DecodeOptions::new(read_as).with_role(Role::Client);
        let back = Packet::decode(&bytes, &opts)
            .map_err(|e| format!("broker sent {bytes:02X?} ({packet:?}), which breaks {e}"))?;
        if back != packet {
            return Err(format!("{packet:?} decodes as {back:?}"));
        }
        let id = view.client_id.clone();
        if let (Packet::SubAck(ack), Some(id)) = (&packet, &id) {
            let filters = view.pending.remove(&ack.packet_id).unwrap_or_default();
            let v5 = view.version == Some(Version::V5);
            if let Some(session) = view.session.clone() {
                let certain = self.certain.entry(session.clone()).or_default();
                let subscribed = self.subscribed.entry(session).or_default();
                for (f, code) in filters.iter().zip(&ack.codes) {
                    let shared = v5 && naive_topic::split_shared(f).is_some();
                    if code.0 <= 2 {
                        subscribed.insert(f.clone());
                    }
                    if code.0 <= 2 && !shared {
                        certain.insert(f.clone(), code.0);
                    } else {
                        certain.remove(f);
                    }
                }
            }
            let grants = self.grants.entry(id.clone()).or_default();
            for (f, code) in filters.iter().zip(&ack.codes) {
                if code.0 <= 2 {
                    // What the filter matches: `$share/{g}/` only means a
                    // shared subscription in 5.0.
                    let g = grants.entry(naive_topic::match_part(f, v5)).or_insert(0);
                    *g = (*g).max(code.0);
                }
            }
        }
        let topic = match &packet {
            Packet::Publish(p) => Some(view.resolve_topic(p)?),
            _ => None,
        };
        if let (Packet::Publish(p), Some(topic)) = (&packet, &topic) {
            self.delivered(conn, p, topic)?;
        }
        if let Packet::PubAck(a) | Packet::PubRec(a) = &packet {
            if let Some((topic, payload)) = self.inbound.remove(&(conn, a.packet_id)) {
                let published = self.broker.stats().published > step.published_before;
                if a.reason_code == ReasonCode::SUCCESS && published {
                    self.owe_to_absent(conn, topic, payload, step.drops_before);
                }
            }
        }
        if let (Packet::Publish(p), Some(id), Some(topic)) = (&packet, &id, topic) {
            let allowed =
                self.grants.get(id).into_iter().flatten().filter(|(f, _)| naive_topic::matches(f, &topic));
            let max = allowed.map(|(_, q)| *q).max();
            match max {
                None => {
                    return Err(format!(
                        "MQTT-4.5.0-1 (both): {packet:?} delivered to {id:?}, which never subscribed to a matching filter"
                    ));
                }
                Some(q) if p.qos as u8 > q => {
                    return Err(format!(
                        "MQTT-3.8.4-8 (5.0), MQTT-3.3.5-1 (3.1.1): {packet:?} delivered at QoS {} above the granted {q}",
                        p.qos as u8
                    ));
                }
                _ => {}
            }
        }
        self.track_session(conn, &packet, &mut step.resumed)?;
        let view = self.clients.entry(conn).or_default();
        if let Some(max) = view.max_packet {
            if bytes.len() > max as usize {
                return Err(format!(
                    "MQTT-3.1.2-24 (5.0): a {}-byte packet went to a client whose Maximum Packet Size is {max}: {packet:?}",
                    bytes.len()
                ));
            }
        }
        Ok(())
    }

    /// After a step: what a resumed session was owed was sent again.
    fn check_resends(&mut self, step: Step) -> Result<(), String> {
        let Step { resumed, too_large_before, .. } = step;
        // A resend too large for the new connection's Maximum Packet Size is dropped
        // as if delivered (MQTT-3.1.2-25 (5.0)); the broker counts each. Anything else owed
        // and not sent is lost.
        let too_large = self.broker.stats().dropped_too_large - too_large_before;
        let mut missing: Vec<(ConnId, u16, Flow)> = Vec::new();
        for (conn, owed) in resumed {
            if self.clients.get(&conn).is_some_and(|v| v.closed) {
                continue;
            }
            missing.extend(owed.into_iter().map(|(pid, f)| (conn, pid, f)));
        }
        let unexplained =
            missing.iter().filter(|(_, _, f)| matches!(f, Flow::Published { .. })).count() as u64;
        let released = missing.iter().any(|(_, _, f)| *f == Flow::Received);
        if released || unexplained > too_large {
            let (conn, pid, flow) = missing[0];
            return Err(format!(
                "MQTT-4.4.0-1 (both): on resumption (connection {conn}) the session's {flow:?} with packet identifier {pid} was not sent again ({too_large} dropped as too large)"
            ));
        }
        // The dropped ones are done with: their identifiers are free again.
        for (conn, pid, _) in missing {
            let key = self.clients.get(&conn).and_then(|v| v.session.clone());
            if let Some(flows) = key.and_then(|k| self.flows.get_mut(&k)) {
                flows.remove(&pid);
            }
        }
        Ok(())
    }

    /// broker still owes a resend of.
    fn track_session(
        &mut self,
        conn: ConnId,
        packet: &Packet,
        resumed: &mut HashMap<ConnId, Flows>,
    ) -> Result<(), String> {
        let view = self.clients.entry(conn).or_default();
        if let Packet::ConnAck(ack) = packet {
            if ack.code.is_error() {
                return Ok(());
            }
            let key = ack
                .properties
                .assigned_client_identifier()
                .map(|id| id.to_string())
                .or_else(|| view.client_id.clone())
                .unwrap_or_else(|| format!("(unnamed connection {conn})"));
            view.session = Some(key.clone());
            let flows = self.flows.entry(key.clone()).or_default();
            if !ack.session_present {
                // A new session: nothing in flight, nothing subscribed. Only an
                // accepted CONNECT says so; a refused one leaves the old session be.
                flows.clear();
                self.grants.remove(&key);
                self.certain.remove(&key);
                self.owed.retain(|o| o.session != key);
                self.copies.retain(|(s, _), _| *s != key);
                self.subscribed.remove(&key);
                return Ok(());
            }
            resumed.insert(conn, flows.clone());
            return Ok(());
        }
        let Some(key) = view.session.clone() else { return Ok(()) };
        let flows = self.flows.entry(key).or_default();
        let owed = resumed.get_mut(&conn);
        server_flow(flows, packet, owed.is_some())?;
        if let Some(owed) = owed {
            match packet {
                Packet::Publish(p) if p.dup => {
                    owed.remove(&p.packet_id.unwrap_or(0));
                }
                Packet::PubRel(a) => {
                    owed.remove(&a.packet_id);
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Bytes from a client, through the server's strict stream decoder.
    pub(super) fn bytes(&mut self, conn: ConnId, data: &[u8]) -> Result<(), String> {
        let view = self.clients.entry(conn).or_default();
        if view.closed {
            return Ok(());
        }
        let mut decoder = view.decoder.take().unwrap_or_else(|| StreamDecoder::server(1 << 16));
        let mut buf = BytesMut::from(data);
        let mut result = Ok(());
        loop {
            match decoder.decode(&mut buf) {
                Ok(Some(p)) => {
                    result = self.feed(Input::Packet(conn, p));
                    if result.is_err() {
                        break;
                    }
                }
                Ok(None) => break,
                Err(v) => {
                    result = self.feed(Input::Invalid(conn, v));
                    break;
                }
            }
        }
        self.clients.entry(conn).or_default().decoder = Some(decoder);
        result
    }
}
