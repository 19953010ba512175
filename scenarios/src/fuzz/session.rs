//! What a fuzz session does: a short list of client operations that mostly follow
//! the protocol (MQTT 3.1.1 §3, MQTT 5.0 §3) — connects with wills, persistent
//! sessions and take-overs, subscriptions, QoS 0/1/2 publishes, pings, clean and
//! abrupt disconnects — with faults injected at a controlled rate through the codec's
//! out-of-spec encoder ([`Tamper`]) and packets the scenario corpus sends. Everything
//! is drawn from a seeded RNG, so a seed names a run.

use crate::version::Version;
use bytes::Bytes;
use mqttspec_codec::{
    Connect, Disconnect, Packet, Properties, Property, Publish, QoS, Subscribe, Subscription, Tamper,
    Unsubscribe, Will,
};
use rand::Rng;
use rand::rngs::SmallRng;

/// Clients a session uses at most.
pub const CLIENTS: usize = 3;
/// Topic names, under the session's prefix.
pub const TOPICS: [&str; 4] = ["a", "b", "a/b", "a/c"];
/// Topic filters, under the session's prefix.
pub const FILTERS: [&str; 8] = ["a", "b", "a/b", "+", "#", "a/+", "a/#", "+/b"];

/// A will: topic index, QoS, retain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WillSpec {
    /// Index into [`TOPICS`].
    pub topic: usize,
    /// Will QoS.
    pub qos: u8,
    /// Will Retain.
    pub retain: bool,
}

/// One thing a client of the session does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// CONNECT on client slot `c` (opening a connection if it has none) as client
    /// identity `id`: two slots with one identity make a take-over.
    Connect {
        /// Slot.
        c: usize,
        /// Client identity (index).
        id: usize,
        /// Clean Session / Clean Start.
        clean: bool,
        /// 5.0 Session Expiry Interval (0: none).
        expiry: u32,
        /// Will.
        will: Option<WillSpec>,
        /// 5.0 Maximum Packet Size the client accepts.
        max_packet: Option<u32>,
        /// 5.0 Receive Maximum: QoS 1/2 deliveries the client takes in flight at once.
        receive_max: Option<u16>,
        /// 5.0 Topic Alias Maximum the client accepts (absent: none, as 0).
        alias_max: Option<u16>,
    },
    /// SUBSCRIBE to one filter.
    Subscribe {
        /// Slot.
        c: usize,
        /// Index into [`FILTERS`].
        filter: usize,
        /// Requested QoS.
        qos: u8,
    },
    /// UNSUBSCRIBE from one filter.
    Unsubscribe {
        /// Slot.
        c: usize,
        /// Index into [`FILTERS`].
        filter: usize,
    },
    /// PUBLISH; its payload is unique in the session (the step's index).
    Publish {
        /// Slot.
        c: usize,
        /// Index into [`TOPICS`].
        topic: usize,
        /// QoS.
        qos: u8,
        /// RETAIN.
        retain: bool,
        /// Payload padding, so that Maximum Packet Size is exercised.
        pad: u16,
        /// 5.0 Topic Alias to use: the session sets the mapping with the topic name,
        /// then sends the alias alone while the mapping holds on the connection, and
        /// only within the Topic Alias Maximum the server returned (MQTT-3.3.2-9).
        alias: Option<u16>,
    },
    /// PINGREQ.
    Ping {
        /// Slot.
        c: usize,
    },
    /// DISCONNECT and close.
    Disconnect {
        /// Slot.
        c: usize,
    },
    /// Close the connection without DISCONNECT.
    Drop {
        /// Slot.
        c: usize,
    },
    /// A well-formed operation encoded with a fault.
    Fault {
        /// Slot.
        c: usize,
        /// The operation (not a fault, drop or disconnect).
        base: Box<Op>,
        /// The fault.
        tamper: FaultSpec,
    },
    /// Bytes the scenario corpus sends (a seed).
    Seed {
        /// Slot.
        c: usize,
        /// The bytes.
        bytes: Bytes,
    },
}

/// A fault, as the codec's [`Tamper`] fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultSpec {
    /// Low nibble of the first byte.
    Flags(u8),
    /// Declared remaining length off by this much.
    LengthDelta(i8),
    /// Remaining length written in this many bytes.
    Width(usize),
    /// Keep this many bytes of the body.
    Truncate(usize),
    /// Bytes added after the body.
    Append(Vec<u8>),
    /// CONNECT protocol level.
    ProtocolLevel(u8),
    /// CONNECT flags byte.
    ConnectFlags(u8),
    /// A 5.0 PUBLISH with an empty topic name and its Topic Alias, whether or not
    /// the connection set that alias: one set only on an earlier connection must not
    /// route it (MQTT-3.3.2-7).
    BareAlias,
}

impl Op {
    /// A plain CONNECT on slot `c` as identity `id`: clean, no expiry, no will, no
    /// limits but a Topic Alias Maximum of 4 (for tests to start from).
    #[cfg(test)]
    pub(crate) fn plain_connect(c: usize, id: usize) -> Op {
        Op::Connect {
            c,
            id,
            clean: true,
            expiry: 0,
            will: None,
            max_packet: None,
            receive_max: None,
            alias_max: Some(4),
        }
    }

    /// The client slot it acts on.
    pub fn slot(&self) -> usize {
        match self {
            Op::Connect { c, .. }
            | Op::Subscribe { c, .. }
            | Op::Unsubscribe { c, .. }
            | Op::Publish { c, .. }
            | Op::Ping { c }
            | Op::Disconnect { c }
            | Op::Drop { c }
            | Op::Fault { c, .. }
            | Op::Seed { c, .. } => *c,
        }
    }
}

/// Names a session's values: topic prefix and client identifiers.
#[derive(Debug, Clone)]
pub struct Names {
    /// Topic prefix unique to the session.
    pub prefix: String,
    /// Client identifier of each identity.
    pub ids: Vec<String>,
    /// Credentials every CONNECT carries (for brokers that refuse anonymous clients).
    pub login: Option<crate::net::connector::Login>,
}

impl Names {
    /// Names for session `n` of run `run`.
    pub fn new(run: &str, n: u64, login: Option<crate::net::connector::Login>) -> Names {
        let base = format!("fz{run}s{n}");
        Names { prefix: base.clone(), ids: (0..CLIENTS).map(|i| format!("{base}c{i}")).collect(), login }
    }

    /// A topic name.
    pub fn topic(&self, i: usize) -> String {
        format!("{}/{}", self.prefix, TOPICS[i % TOPICS.len()])
    }

    /// A topic filter.
    pub fn filter(&self, i: usize) -> String {
        format!("{}/{}", self.prefix, FILTERS[i % FILTERS.len()])
    }
}

/// The payload of the PUBLISH at step `i` (and of a will, `w`).
pub fn payload(kind: char, i: usize, pad: u16) -> Bytes {
    let mut p = format!("{kind}{i}").into_bytes();
    p.resize(p.len() + usize::from(pad), b'.');
    Bytes::from(p)
}

fn qos(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

/// The packet a well-formed operation sends at step `i`, with packet identifier `pid`.
pub fn packet(op: &Op, i: usize, pid: u16, names: &Names, v: Version) -> Option<Packet> {
    Some(match op {
        Op::Connect { id, clean, expiry, will, max_packet, receive_max, alias_max, .. } => {
            let mut c = Connect::new(v.codec(), names.ids[*id % CLIENTS].as_str());
            if let Some(login) = &names.login {
                login.apply(&mut c);
            }
            c.clean_start = *clean;
            c.keep_alive = 60;
            if v == Version::V5 {
                let mut props = Vec::new();
                if let Some(n) = alias_max {
                    props.push(Property::TopicAliasMaximum(*n));
                }
                if *expiry > 0 {
                    props.push(Property::SessionExpiryInterval(*expiry));
                }
                if let Some(m) = max_packet {
                    props.push(Property::MaximumPacketSize(*m));
                }
                if let Some(n) = receive_max {
                    props.push(Property::ReceiveMaximum(*n));
                }
                c.properties = Properties::build(props).ok()?;
            }
            if let Some(w) = will {
                c.will = Some(Will {
                    qos: qos(w.qos),
                    retain: w.retain,
                    properties: Properties::new(),
                    topic: names.topic(w.topic).as_str().into(),
                    payload: payload('w', i, 0),
                });
            }
            Packet::Connect(Box::new(c))
        }
        Op::Subscribe { filter, qos: q, .. } => Packet::Subscribe(Subscribe {
            packet_id: pid,
            properties: Properties::new(),
            filters: vec![Subscription::new(names.filter(*filter).as_str(), qos(*q))],
        }),
        Op::Unsubscribe { filter, .. } => Packet::Unsubscribe(Unsubscribe {
            packet_id: pid,
            properties: Properties::new(),
            filters: vec![names.filter(*filter).as_str().into()],
        }),
        Op::Publish { topic, qos: q, retain, pad, alias, .. } => {
            let mut p = Publish::new(names.topic(*topic).as_str(), payload('m', i, *pad));
            p.qos = qos(*q);
            p.retain = *retain;
            p.packet_id = (*q > 0).then_some(pid);
            if let (Some(a), Version::V5) = (alias, v) {
                p.properties = Properties::build(vec![Property::TopicAlias(*a)]).ok()?;
            }
            Packet::Publish(p)
        }
        Op::Ping { .. } => Packet::PingReq,
        Op::Disconnect { .. } => Packet::Disconnect(Disconnect::default()),
        Op::Drop { .. } | Op::Fault { .. } | Op::Seed { .. } => return None,
    })
}

/// The codec's fault description.
pub fn tamper(f: &FaultSpec, encoded_len: usize) -> Tamper {
    let mut t = Tamper { skip_checks: true, ..Tamper::default() };
    match f {
        FaultSpec::Flags(x) => t.flags = Some(*x & 0x0F),
        FaultSpec::LengthDelta(d) => {
            let body = encoded_len.saturating_sub(2) as i64;
            t.remaining_length = Some((body + i64::from(*d)).clamp(0, 1 << 20) as u32);
        }
        FaultSpec::Width(w) => t.remaining_length_width = Some((*w).clamp(1, 5)),
        FaultSpec::Truncate(n) => t.truncate = Some(*n),
        FaultSpec::Append(b) => t.append = Some(Bytes::copy_from_slice(b)),
        FaultSpec::ProtocolLevel(l) => t.protocol_level = Some(*l),
        FaultSpec::ConnectFlags(x) => t.connect_flags = Some(*x),
        // Well-formed bytes: the fault is in what the alias refers to.
        FaultSpec::BareAlias => t.skip_checks = false,
    }
    t
}

/// A client's Topic Alias Maximum: mostly 4, sometimes 1 or none.
fn alias_max(r: &mut SmallRng) -> Option<u16> {
    match r.random_range(0..10u8) {
        0 => None,
        1 => Some(1),
        _ => Some(4),
    }
}

/// What generation draws from.
#[derive(Debug)]
pub struct Gen<'a> {
    /// The RNG.
    pub rng: &'a mut SmallRng,
    /// Version of the session.
    pub version: Version,
    /// Faults per operation, 0.0–1.0.
    pub fault_rate: f64,
    /// Seed packets from the scenario corpus.
    pub seeds: &'a [Bytes],
}

impl Gen<'_> {
    fn well_formed(&mut self, c: usize) -> Op {
        let r = &mut *self.rng;
        match r.random_range(0..20u8) {
            0..=2 => Op::Connect {
                c,
                id: if r.random_bool(0.85) { c } else { r.random_range(0..CLIENTS) },
                clean: r.random_bool(0.5),
                expiry: if r.random_bool(0.5) { 0 } else { r.random_range(1..=300) },
                will: r.random_bool(0.3).then(|| WillSpec {
                    topic: r.random_range(0..TOPICS.len()),
                    qos: r.random_range(0..=2),
                    retain: r.random_bool(0.3),
                }),
                max_packet: r.random_bool(0.15).then(|| r.random_range(20..=400)),
                receive_max: r.random_bool(0.2).then(|| r.random_range(1..=3)),
                alias_max: alias_max(r),
            },
            3..=6 => {
                Op::Subscribe { c, filter: r.random_range(0..FILTERS.len()), qos: r.random_range(0..=2) }
            }
            7 => Op::Unsubscribe { c, filter: r.random_range(0..FILTERS.len()) },
            8..=15 => Op::Publish {
                c,
                topic: r.random_range(0..TOPICS.len()),
                qos: r.random_range(0..=2),
                retain: r.random_bool(0.2),
                pad: if r.random_bool(0.1) { r.random_range(0..500) } else { 0 },
                alias: r.random_bool(0.3).then(|| r.random_range(1..=3)),
            },
            16 => Op::Ping { c },
            17 => Op::Disconnect { c },
            _ => Op::Drop { c },
        }
    }

    fn fault(&mut self, c: usize) -> Op {
        if !self.seeds.is_empty() && self.rng.random_bool(0.3) {
            let bytes = self.seeds[self.rng.random_range(0..self.seeds.len())].clone();
            return Op::Seed { c, bytes };
        }
        let mut base = self.well_formed(c);
        while matches!(base, Op::Disconnect { .. } | Op::Drop { .. }) {
            base = self.well_formed(c);
        }
        let r = &mut *self.rng;
        if let (Version::V5, Op::Publish { alias, .. }) = (self.version, &mut base) {
            if r.random_bool(0.3) {
                *alias = Some(r.random_range(1..=3));
                return Op::Fault { c, base: Box::new(base), tamper: FaultSpec::BareAlias };
            }
        }
        let tamper = match r.random_range(0..7u8) {
            0 => FaultSpec::Flags(r.random_range(0..16)),
            1 => FaultSpec::LengthDelta(r.random_range(-3..=3)),
            2 => FaultSpec::Width(r.random_range(2..=5)),
            3 => FaultSpec::Truncate(r.random_range(1..12)),
            4 => FaultSpec::Append((0..r.random_range(1..4)).map(|_| r.random()).collect()),
            5 => FaultSpec::ProtocolLevel(r.random_range(0..8)),
            _ => FaultSpec::ConnectFlags(r.random()),
        };
        Op::Fault { c, base: Box::new(base), tamper }
    }

    /// One operation on a random slot of `clients`.
    pub fn op(&mut self, clients: usize) -> Op {
        let c = self.rng.random_range(0..clients.max(1));
        if self.rng.random_bool(self.fault_rate) { self.fault(c) } else { self.well_formed(c) }
    }

    /// A fresh session: every client connects first, then 4–24 operations.
    pub fn session(&mut self) -> Vec<Op> {
        let clients = self.rng.random_range(1..=CLIENTS);
        let mut ops = Vec::new();
        for c in 0..clients {
            let clean = self.rng.random_bool(0.6);
            let expiry = if self.version == Version::V5 && !clean { 120 } else { 0 };
            let receive_max = self.rng.random_bool(0.2).then(|| self.rng.random_range(1..=3));
            let alias_max = alias_max(self.rng);
            ops.push(Op::Connect {
                c,
                id: c,
                clean,
                expiry,
                will: None,
                max_packet: None,
                receive_max,
                alias_max,
            });
        }
        for _ in 0..self.rng.random_range(4..=24) {
            let op = self.op(clients);
            ops.push(op);
        }
        if self.version == Version::V5 && self.rng.random_bool(0.15) {
            let at = self.rng.random_range(clients..=ops.len());
            let c = self.rng.random_range(0..clients);
            let chain = self.alias_reconnect(c);
            ops.splice(at..at, chain);
        }
        ops
    }

    /// A client that set a Topic Alias resumes its session on a new connection and
    /// sends the alias alone: the new connection must not know it (MQTT-3.3.2-7).
    fn alias_reconnect(&mut self, c: usize) -> Vec<Op> {
        let r = &mut *self.rng;
        let topic = r.random_range(0..TOPICS.len());
        let alias = Some(r.random_range(1..=3));
        let publish = |qos| Op::Publish { c, topic, qos, retain: false, pad: 0, alias };
        let resume = Op::Connect {
            c,
            id: c,
            clean: false,
            expiry: 120,
            will: None,
            max_packet: None,
            receive_max: None,
            alias_max: Some(4),
        };
        let qos = r.random_range(0..=2);
        vec![
            publish(qos),
            if r.random_bool(0.5) { Op::Disconnect { c } } else { Op::Drop { c } },
            resume,
            Op::Fault { c, base: Box::new(publish(qos)), tamper: FaultSpec::BareAlias },
        ]
    }

    /// A variation of `ops`: operations inserted, removed, replaced or duplicated.
    pub fn mutate(&mut self, ops: &[Op]) -> Vec<Op> {
        let mut out = ops.to_vec();
        let clients = ops.iter().map(|o| o.slot() + 1).max().unwrap_or(1);
        for _ in 0..self.rng.random_range(1..=4) {
            let at = self.rng.random_range(0..=out.len());
            match self.rng.random_range(0..4u8) {
                0 => {
                    let op = self.op(clients);
                    out.insert(at, op);
                }
                1 if at < out.len() && out.len() > 1 => {
                    out.remove(at);
                }
                2 if at < out.len() => out[at] = self.op(clients),
                _ if at < out.len() => {
                    let copy = out[at].clone();
                    out.insert(at, copy);
                }
                _ => {}
            }
        }
        out.truncate(48);
        out
    }
}
