//! The oracle behind the `broker` fuzz target, in the library so that `cargo test`
//! replays committed inputs through it. Input bytes become a sequence of client
//! actions — connections, well-formed packets, raw bytes, clock advances, abrupt
//! losses — driven into the deterministic core. Oracles: no panic; every packet the
//! core emits passes the strict decoder as the client reads it; nothing goes to a
//! connection after it was closed; no packet exceeds the client's Maximum Packet Size
//! (MQTT-3.1.2-24); no PUBLISH without a matching granted subscription or above its
//! QoS; and the outgoing QoS 1/2 flows of every session are legal: a new PUBLISH never
//! reuses a packet identifier still in flight (MQTT-4.3.2-1 / MQTT-4.3.3-1), DUP is set
//! only on the resends of a session resumption (MQTT-4.3.2-2 / MQTT-4.3.3-2,
//! MQTT-4.4.0-1), a PUBREL answers a PUBREC (MQTT-4.3.3-4 of 5.0, MQTT-4.3.3-1 of
//! 3.1.1), a released PUBLISH is never sent again (MQTT-4.3.3-6), and on resumption
//! every unacknowledged PUBLISH and PUBREL is sent again, so none is lost
//! (MQTT-4.4.0-1). Messages published while a persistent session's client is away are
//! followed too: each PUBLISH carries a unique payload, and a QoS 1 or 2 one that
//! matches a subscription the absent session certainly holds must in the end have been
//! delivered to it or still be held by it, unless the broker counted a drop (queue
//! full, expired, too large, not readable) or the session ended (MQTT-3.1.2-5 of 3.1.1,
//! §4.1 of 5.0); and no message reaches a session as a new PUBLISH more often than the
//! session has subscriptions matching it (MQTT-3.3.5-1 of 3.1.1, §4.3 of 5.0).

use crate::Config;
use crate::core::{Action, Broker, ConnId, Input};
use arbitrary::{Result as ArbResult, Unstructured};
use bytes::{Bytes, BytesMut};
use mqttspec_codec::{
    Ack, Connect, DecodeOptions, Disconnect, Packet, Properties, Property, Publish, QoS, ReasonCode, Role,
    StreamDecoder, Subscribe, Subscription, Unsubscribe, Version,
};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

const TOPICS: &[&str] = &["a", "a/b", "$x/a", "a/+", "#", "$share/g/a", "+/b", ""];
const IDS: &[&str] = &["c1", "c2", ""];

#[derive(Default)]
struct ClientView {
    version: Option<Version>,
    max_packet: Option<u32>,
    decoder: Option<StreamDecoder>,
    closed: bool,
    /// Client identifier from CONNECT, when the client chose one.
    client_id: Option<String>,
    /// A CONNECT was seen (a second one is a protocol error and changes nothing).
    connected: bool,
    /// The connection was opened (the core ignores packets on unknown connections).
    opened: bool,
    /// SUBSCRIBEs awaiting SUBACK: packet identifier -> filters.
    pending: HashMap<u16, Vec<String>>,
    /// The session this connection is attached to, once CONNACK accepted it.
    session: Option<String>,
    /// The client's Topic Alias Maximum, and the aliases the broker set so far.
    alias_max: u16,
    aliases: HashMap<u16, String>,
}

impl ClientView {
    /// The topic of a PUBLISH the broker sent, through its Topic Alias if it has one.
    fn resolve_topic(&mut self, p: &Publish) -> Result<String, String> {
        let Some(alias) = p.properties.topic_alias() else { return Ok(p.topic.to_string()) };
        if alias == 0 || alias > self.alias_max {
            return Err(format!(
                "MQTT-3.1.2-26 / MQTT-3.1.2-27: {p:?} uses Topic Alias {alias}; the client's maximum is {}",
                self.alias_max
            ));
        }
        if !p.topic.is_empty() {
            self.aliases.insert(alias, p.topic.to_string());
            return Ok(p.topic.to_string());
        }
        self.aliases
            .get(&alias)
            .cloned()
            .ok_or_else(|| format!("§3.3.2.3.4: {p:?} uses Topic Alias {alias}, which was never set"))
    }
}

/// What the client side knows of one outgoing QoS 1/2 flow of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    /// A PUBLISH of this QoS was sent and not yet acknowledged.
    Published { qos: QoS },
    /// The client sent PUBREC; a PUBREL is owed until PUBCOMP.
    Received,
}

/// The client's view of a session's outgoing flows, by packet identifier. Observable
/// exactly: a session can only end while its client is away, and the next CONNACK
/// says so (Session Present 0).
type Flows = HashMap<u16, Flow>;

fn packet(u: &mut Unstructured<'_>, version: Version) -> ArbResult<Packet> {
    let topic = *u.choose(TOPICS)?;
    let qos = QoS::from_u8(u.int_in_range(0..=2)?).unwrap_or_default();
    let pid: u16 = u.int_in_range(1..=4)?;
    Ok(match u.int_in_range(0..=10)? {
        10 => {
            // Enhanced authentication: well-formed SCRAM first messages, garbage, and
            // the reason codes of both directions.
            let data = *u.choose(&[
                &b"n,,n=user,r=nonce"[..],
                b"n,,n=ghost,r=x",
                b"c=biws,r=x,p=AAAA",
                b"",
                b"p=x,,",
            ])?;
            let method = *u.choose(&["SCRAM-SHA-256", "PLAIN"])?;
            let properties = Properties::build([
                Property::AuthenticationMethod(method.into()),
                Property::AuthenticationData(Bytes::from_static(data)),
            ])
            .unwrap_or_default();
            let reason_code = ReasonCode(*u.choose(&[0x00, 0x18, 0x19])?);
            if u.arbitrary()? {
                let mut c = Connect::new(Version::V5, *u.choose(IDS)?);
                c.properties = properties;
                Packet::Connect(Box::new(c))
            } else {
                Packet::Auth(mqttspec_codec::Auth { reason_code, properties })
            }
        }
        0 => {
            let mut c = Connect::new(*u.choose(&[Version::V3_1_1, Version::V5])?, *u.choose(IDS)?);
            c.clean_start = u.arbitrary()?;
            c.keep_alive = u.int_in_range(0..=5)?;
            if c.version.is_v5() {
                let mut props = vec![Property::SessionExpiryInterval(u.int_in_range(0..=10)?)];
                if u.arbitrary()? {
                    props.push(Property::MaximumPacketSize(u.int_in_range(16..=64)?));
                }
                if u.arbitrary()? {
                    props.push(Property::ReceiveMaximum(u.int_in_range(1..=3)?));
                }
                if u.arbitrary()? {
                    props.push(Property::TopicAliasMaximum(u.int_in_range(0..=2)?));
                }
                c.properties = Properties::build(props).unwrap_or_default();
            }
            if u.arbitrary()? {
                c.will = Some(mqttspec_codec::Will {
                    qos,
                    retain: u.arbitrary()?,
                    properties: if c.version.is_v5() {
                        Properties::build([Property::WillDelayInterval(u.int_in_range(0..=3)?)])
                            .unwrap_or_default()
                    } else {
                        Properties::new()
                    },
                    topic: "a".into(),
                    payload: Bytes::from_static(b"will"),
                });
            }
            Packet::Connect(Box::new(c))
        }
        1 | 2 => {
            let mut p = Publish::new(topic, Bytes::from(vec![b'x'; u.int_in_range(0..=80)?]));
            p.qos = qos;
            p.retain = u.arbitrary()?;
            p.packet_id = (qos != QoS::AtMostOnce).then_some(pid);
            if version.is_v5() && u.arbitrary()? {
                p.properties = Properties::build([Property::MessageExpiryInterval(u.int_in_range(0..=3)?)])
                    .unwrap_or_default();
            }
            Packet::Publish(p)
        }
        3 => {
            let mut s = Subscription::new(topic, qos);
            if version.is_v5() {
                s.options = s.options.with_retain_handling(match u.int_in_range(0..=2)? {
                    0 => mqttspec_codec::RetainHandling::SendAtSubscribe,
                    1 => mqttspec_codec::RetainHandling::SendIfNew,
                    _ => mqttspec_codec::RetainHandling::DoNotSend,
                });
            }
            Packet::Subscribe(Subscribe { packet_id: pid, properties: Properties::new(), filters: vec![s] })
        }
        4 => Packet::Unsubscribe(Unsubscribe {
            packet_id: pid,
            properties: Properties::new(),
            filters: vec![topic.into()],
        }),
        5 => Packet::PubAck(Ack::new(pid)),
        6 => Packet::PubRec(Ack::new(pid)),
        7 => Packet::PubRel(Ack::new(pid)),
        8 => Packet::PubComp(Ack::new(pid)),
        _ => {
            if u.arbitrary()? {
                Packet::PingReq
            } else {
                let reason = if version.is_v5() && u.arbitrary()? {
                    ReasonCode::DISCONNECT_WITH_WILL
                } else {
                    ReasonCode::SUCCESS
                };
                Packet::Disconnect(Disconnect::new(reason))
            }
        }
    })
}

struct Run {
    broker: Broker,
    now: Duration,
    clients: HashMap<ConnId, ClientView>,
    /// Per client identifier: every filter ever granted, with the highest QoS granted.
    /// An over-approximation (unsubscribes and expiry are not subtracted), so a
    /// delivery outside it is certainly wrong.
    grants: HashMap<String, HashMap<String, u8>>,
    /// Outgoing flows per session.
    flows: HashMap<String, Flows>,
    /// Per session: the filters it certainly holds, with the QoS granted last. Entered
    /// on a successful SUBACK of this session's life; left on any UNSUBSCRIBE of the
    /// filter, a refused SUBACK, or a new session. Shared subscriptions are never
    /// certain (another member may take the message).
    certain: HashMap<String, HashMap<String, u8>>,
    /// QoS 1/2 PUBLISHes from clients awaiting the broker's PUBACK / PUBREC: (connection, packet
    /// identifier) -> (topic, payload).
    inbound: HashMap<(ConnId, u16), (String, Bytes)>,
    /// Messages owed to absent sessions.
    owed: Vec<Owed>,
    /// Per (session, payload): how often it arrived as a new PUBLISH (neither DUP nor
    /// RETAIN).
    copies: HashMap<(String, Bytes), usize>,
    /// Per session, every filter ever granted in its life, as subscribed (so that a
    /// shared and a plain subscription to the same filter count twice).
    subscribed: HashMap<String, HashSet<String>>,
    /// The payloads the run gave its PUBLISHes.
    stamped: HashSet<Bytes>,
    /// Print every input and action to stderr.
    trace: bool,
}

/// A message published while a session's client was away, to a topic the session
/// certainly subscribes to at QoS 1 or 2.
#[derive(Debug)]
struct Owed {
    session: String,
    topic: String,
    payload: Bytes,
    /// The broker's drop count before the step that accepted the message.
    drops_before: u64,
    delivered: bool,
}

/// All the drops the broker counts (each excuses one message not delivered).
fn drops(broker: &Broker) -> u64 {
    let s = broker.stats();
    s.dropped_queue_full + s.dropped_too_large + s.dropped_expired + s.dropped_unauthorized
}

/// Updates a session's flows for an acknowledgement the client sends.
fn client_ack(flows: &mut Flows, packet: &Packet) {
    match packet {
        Packet::PubAck(a) => {
            if matches!(flows.get(&a.packet_id), Some(Flow::Published { qos: QoS::AtLeastOnce, .. })) {
                flows.remove(&a.packet_id);
            }
        }
        Packet::PubRec(a) => {
            let state = flows.get(&a.packet_id).copied();
            let qos2 = matches!(state, Some(Flow::Published { qos: QoS::ExactlyOnce, .. }));
            if a.reason_code.is_error() && (qos2 || state == Some(Flow::Received)) {
                // 5.0 §4.3.3: a PUBREC of 0x80 or more ends the flow.
                flows.remove(&a.packet_id);
            } else if qos2 {
                flows.insert(a.packet_id, Flow::Received);
            }
        }
        Packet::PubComp(a) if flows.get(&a.packet_id) == Some(&Flow::Received) => {
            flows.remove(&a.packet_id);
        }
        _ => {}
    }
}

/// Checks one packet the broker sends on a session against its flows and records it.
/// `resuming`: the packet is part of the answer to a CONNACK with Session Present 1.
fn server_flow(flows: &mut Flows, packet: &Packet, resuming: bool) -> Result<(), String> {
    match packet {
        Packet::Publish(p) if p.qos != QoS::AtMostOnce => {
            let pid = p.packet_id.unwrap_or(0);
            let state = flows.get(&pid).copied();
            if p.dup {
                if !resuming {
                    return Err(format!(
                        "MQTT-4.4.0-1: {packet:?} resent with DUP outside a session resumption"
                    ));
                }
                match state {
                    Some(Flow::Published { .. }) => {}
                    Some(Flow::Received) => {
                        return Err(format!("MQTT-4.3.3-6: {packet:?} resent after its PUBREC"));
                    }
                    None => {
                        return Err(format!(
                            "MQTT-4.3.2-2 / MQTT-4.3.3-2: {packet:?} has DUP set on its first transmission"
                        ));
                    }
                }
            } else if state.is_some() {
                return Err(format!(
                    "MQTT-4.3.2-1 / MQTT-4.3.3-1: {packet:?} reuses packet identifier {pid}, still in flight as {state:?}"
                ));
            }
            flows.insert(pid, Flow::Published { qos: p.qos });
        }
        Packet::PubRel(a)
            if !a.reason_code.is_error() && flows.get(&a.packet_id) != Some(&Flow::Received) =>
        {
            return Err(format!(
                "MQTT-4.3.3-4 (5.0) / MQTT-4.3.3-1 (3.1.1): {packet:?} for a packet identifier the client never sent PUBREC for"
            ));
        }
        _ => {}
    }
    Ok(())
}

impl Run {
    /// A fresh core with the harness's configuration: a password file with one user,
    /// ACL rules, a small queue, Receive Maximum and Topic Alias Maximum.
    fn new(trace: bool) -> Run {
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

    fn feed(&mut self, input: Input) -> Result<(), String> {
        if let Input::Open(conn) = &input {
            self.clients.entry(*conn).or_default().opened = true;
        }
        if let Input::Packet(conn, Packet::Connect(c)) = &input {
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
        if let Input::Packet(conn, packet) = &input {
            let view = self.clients.entry(*conn).or_default();
            if !view.closed {
                if let Some(flows) = view.session.as_ref().and_then(|k| self.flows.get_mut(k)) {
                    client_ack(flows, packet);
                }
            }
        }
        if let Input::Packet(conn, Packet::Publish(p)) = &input {
            if p.qos != QoS::AtMostOnce && p.properties.topic_alias().is_none() {
                let key = (*conn, p.packet_id.unwrap_or(0));
                self.inbound.insert(key, (p.topic.to_string(), p.payload.clone()));
            }
        }
        if let Input::Packet(conn, Packet::Unsubscribe(u)) = &input {
            let session = self.clients.get(conn).and_then(|v| v.session.clone());
            if let Some(session) = session {
                // A server may drop what it buffered for an unsubscribed filter (5.0
                // §3.10.4), so neither the filter nor what it brought is owed any more.
                for f in u.filters.iter().map(|f| f.to_string()) {
                    if let Some(certain) = self.certain.get_mut(&session) {
                        certain.remove(&f);
                    }
                    self.owed.retain(|o| o.session != session || !crate::topic::matches(&f, &o.topic));
                }
            }
        }
        if let Input::Packet(conn, Packet::Subscribe(sub)) = &input {
            let filters = sub.filters.iter().map(|f| f.filter.to_string()).collect();
            self.clients.entry(*conn).or_default().pending.insert(sub.packet_id, filters);
        }
        let trace = self.trace;
        if trace {
            eprintln!("{:>8?} IN  {input:?}", self.now);
        }
        // Connections whose session resumed in this step, with the flows owed again.
        let mut resumed: HashMap<ConnId, Flows> = HashMap::new();
        let too_large_before = self.broker.stats().dropped_too_large;
        // Drops of this step may be of the messages it publishes.
        let drops_before = drops(&self.broker);
        // A 3.1.1 PUBACK says nothing of authorization: whether the message went out
        // to subscribers is what the broker counts as published.
        let published_before = self.broker.stats().published;
        for action in self.broker.handle(self.now, input) {
            if trace {
                eprintln!("{:>8?} OUT {action:?}", self.now);
            }
            match action {
                Action::Close(conn) => self.clients.entry(conn).or_default().closed = true,
                Action::Send { conn, version, packet } => {
                    let view = self.clients.entry(conn).or_default();
                    if view.closed {
                        return Err(format!("{packet:?} sent to connection {conn} after closing it"));
                    }
                    let bytes =
                        packet.to_bytes(version).map_err(|e| format!("{packet:?} does not encode: {e}"))?;
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
                                let shared = v5 && crate::topic::split_shared(f).is_some();
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
                                let f = if v5 {
                                    crate::topic::split_shared(f).map_or(f.as_str(), |(_, i)| i)
                                } else {
                                    f
                                };
                                let g = grants.entry(f.to_string()).or_insert(0);
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
                            let published = self.broker.stats().published > published_before;
                            if a.reason_code == ReasonCode::SUCCESS && published {
                                self.owe_to_absent(conn, topic, payload, drops_before);
                            }
                        }
                    }
                    if let (Packet::Publish(p), Some(id), Some(topic)) = (&packet, &id, topic) {
                        let allowed = self
                            .grants
                            .get(id)
                            .into_iter()
                            .flatten()
                            .filter(|(f, _)| crate::topic::matches(f, &topic));
                        let max = allowed.map(|(_, q)| *q).max();
                        match max {
                            None => {
                                return Err(format!(
                                    "MQTT-4.5.0-1: {packet:?} delivered to {id:?}, which never subscribed to a matching filter"
                                ));
                            }
                            Some(q) if p.qos as u8 > q => {
                                return Err(format!(
                                    "MQTT-3.8.4-8 / MQTT-3.3.5-1: {packet:?} delivered at QoS {} above the granted {q}",
                                    p.qos as u8
                                ));
                            }
                            _ => {}
                        }
                    }
                    self.track_session(conn, &packet, &mut resumed)?;
                    let view = self.clients.entry(conn).or_default();
                    if let Some(max) = view.max_packet {
                        if bytes.len() > max as usize {
                            return Err(format!(
                                "MQTT-3.1.2-24: a {}-byte packet went to a client whose Maximum Packet Size is {max}: {packet:?}",
                                bytes.len()
                            ));
                        }
                    }
                }
            }
        }
        // A resend too large for the new connection's Maximum Packet Size is dropped
        // as if delivered (MQTT-3.1.2-25); the broker counts each. Anything else owed
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
                "MQTT-4.4.0-1: on resumption (connection {conn}) the session's {flow:?} with packet identifier {pid} was not sent again ({too_large} dropped as too large)"
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

    /// Follows the session a packet to `conn` belongs to: CONNACK attaches it (and
    /// Session Present 0 says it starts empty), then [`server_flow`] checks each
    /// PUBLISH and PUBREL. `resumed` collects, per resuming connection, the flows the
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

    /// The broker accepted a QoS 1 or 2 message from `from`: every absent session with a
    /// certain subscription at QoS 1 or 2 matching it is owed the message.
    fn owe_to_absent(&mut self, from: ConnId, topic: String, payload: Bytes, drops_before: u64) {
        // The publisher is connected, so its own session is never absent.
        debug_assert!(self.clients.get(&from).is_some_and(|v| !v.closed));
        let present: HashSet<&String> =
            self.clients.values().filter(|v| !v.closed).filter_map(|v| v.session.as_ref()).collect();
        for (session, filters) in &self.certain {
            if present.contains(session) {
                continue;
            }
            if filters.iter().any(|(f, q)| *q >= 1 && crate::topic::matches(f, &topic)) {
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

    /// A PUBLISH reached `conn`: it settles what its session was owed, and a new one
    /// (neither DUP nor RETAIN) may come at most once per matching subscription.
    fn delivered(&mut self, conn: ConnId, p: &Publish, topic: &str) -> Result<(), String> {
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
            .filter(|f| {
                let inner = if v5 { crate::topic::split_shared(f).map_or(f.as_str(), |(_, i)| i) } else { f };
                crate::topic::matches(inner, topic)
            })
            .count();
        if *copies > matching.max(1) {
            return Err(format!(
                "MQTT-3.3.5-1 (3.1.1) / §4.3 (5.0): {p:?} reached session {session:?} as a new PUBLISH {copies} times; it has {matching} matching subscriptions"
            ));
        }
        Ok(())
    }

    /// At the end of a run: every message owed to a session was delivered, is still
    /// held by the session, or is excused by a counted drop or by the session's end.
    fn check_owed(&self) -> Result<(), String> {
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

    /// Bytes from a client, through the server's strict stream decoder.
    fn bytes(&mut self, conn: ConnId, data: &[u8]) -> Result<(), String> {
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
                let Ok(mut p) = packet(&mut u, version) else { break };
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
        assert!(err.contains("MQTT-3.1.2-5"), "{err}");
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
