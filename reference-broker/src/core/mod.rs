//! The deterministic broker core (MQTT 3.1.1 §3–§4, MQTT 5.0 §3–§4).
//!
//! Decoded packets, codec violations, connection events and the current time go in;
//! packets to send and connections to close come out. The core never reads a clock,
//! never does I/O and holds no randomness, so tests and fuzzers can drive it exactly:
//! time is a [`Duration`] since an arbitrary start, chosen by the caller.
//!
//! This file holds the types, the entry point [`Broker::handle`] and the dispatch of
//! each packet to its flow; one `impl Broker` per flow lives beside it:
//!
//! - [`conn`]: per-connection state, keep alive, timers, closing, DISCONNECT
//! - [`connect`]: CONNECT, CONNACK, session take-over
//! - [`enhanced_auth`]: the SCRAM-SHA-256 AUTH exchange and re-authentication
//! - [`publish`]: inbound PUBLISH, the QoS 1/2 acknowledgements, retained messages
//! - [`deliver`]: routing, delivery, queues, expiry, outgoing Topic Aliases, resumption
//! - [`subscribe`]: SUBSCRIBE and UNSUBSCRIBE
//! - [`problem`]: Reason Strings and User Properties, where the client allows them
//!
//! Topic names and filters are the crate's [`crate::topic`] module.

mod conn;
mod connect;
mod deliver;
mod enhanced_auth;
mod index;
mod problem;
mod publish;
mod session;
mod subscribe;

use crate::Config;
use crate::auth;
use crate::mutants::Behaviour;
use conn::Conn;
use mqttspec_codec::{Packet, ReasonCode, Rule, Version, Violation};
use session::{Message, Session};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

/// A connection, numbered by the driver.
pub type ConnId = u64;

/// Something that happened.
// Packets travel by value on the hot path; boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Input {
    /// A network connection was accepted.
    Open(ConnId),
    /// A packet arrived that the strict codec accepted.
    Packet(ConnId, Packet),
    /// Bytes arrived that the strict codec refused.
    Invalid(ConnId, Violation),
    /// The network connection ended without DISCONNECT (or was reset).
    Lost(ConnId),
    /// Time passed; only timers run.
    Tick,
}

/// Something the driver must do.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Encode `packet` as `version` and write it to `conn`.
    Send {
        /// Destination.
        conn: ConnId,
        /// Version the connection speaks.
        version: Version,
        /// The packet.
        packet: Packet,
    },
    /// Write these bytes to `conn` as they are: what the codec would refuse to encode,
    /// sent only by a statement mutant that breaks an encoding rule.
    SendRaw {
        /// Destination.
        conn: ConnId,
        /// The whole packet.
        bytes: bytes::Bytes,
    },
    /// Flush what was queued for `conn`, then close it. The core has already
    /// forgotten the connection.
    Close(ConnId),
}

/// Counters a test or operator can read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Messages dropped because a session's queue was full.
    pub dropped_queue_full: u64,
    /// Messages dropped because they exceeded the receiver's Maximum Packet Size.
    pub dropped_too_large: u64,
    /// Messages dropped because their Message Expiry Interval had passed.
    pub dropped_expired: u64,
    /// Application messages accepted from publishers.
    pub published: u64,
    /// Application messages sent to subscribers.
    pub delivered: u64,
    /// Messages not delivered because the subscriber may not read their topic.
    pub dropped_unauthorized: u64,
    /// Connections closed at once: too many, or too many too fast.
    pub refused_connections: u64,
}

/// The broker state machine.
#[derive(Debug)]
pub struct Broker {
    config: Config,
    conns: HashMap<ConnId, Conn>,
    sessions: HashMap<String, Session>,
    retained: BTreeMap<String, Arc<Message>>,
    /// Sessions by the filters they subscribe to.
    index: index::SubIndex,
    /// Round-robin position per shared subscription group.
    share_cursor: HashMap<(String, String), usize>,
    assigned_ids: u64,
    now: Duration,
    out: Vec<Action>,
    stats: Stats,
    /// SCRAM nonces, from the seed the driver supplies.
    nonces: auth::NonceSource,
    /// Connection-rate token bucket: tokens left and when they were counted.
    rate_tokens: f64,
    rate_at: Duration,
    /// The statement mutant this broker runs as (`mutants` feature only).
    #[cfg(feature = "mutants")]
    fault: Option<crate::mutants::Fault>,
}

impl Broker {
    /// A broker with `config` and no state, whose SCRAM nonces come from a fixed seed:
    /// fine for tests and fuzzing; a served broker uses [`Broker::with_seed`].
    pub fn new(config: Config) -> Self {
        Broker::with_seed(config, [0; 32])
    }

    /// A broker whose SCRAM nonces are derived from `seed` (give it 32 random bytes).
    pub fn with_seed(config: Config, seed: [u8; 32]) -> Self {
        let rate_tokens = config.max_connection_rate.map_or(0.0, f64::from);
        #[cfg(feature = "mutants")]
        let fault = config.mutant.as_deref().map(|id| {
            crate::mutants::fault(id)
                .unwrap_or_else(|| panic!("no mutant {id:?} (Config::validate refuses it)"))
        });
        Broker {
            #[cfg(feature = "mutants")]
            fault,
            nonces: auth::NonceSource::new(seed),
            rate_tokens,
            rate_at: Duration::ZERO,
            config,
            conns: HashMap::new(),
            sessions: HashMap::new(),
            retained: BTreeMap::new(),
            index: index::SubIndex::default(),
            share_cursor: HashMap::new(),
            assigned_ids: 0,
            now: Duration::ZERO,
            out: Vec::new(),
            stats: Stats::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The behaviour mutant this broker runs as; always `None` without the `mutants`
    /// feature, so that every mutant branch compiles away.
    #[inline(always)]
    pub(crate) fn behaviour(&self) -> Option<Behaviour> {
        #[cfg(feature = "mutants")]
        if let Some(crate::mutants::Fault::Behaviour(b)) = self.fault {
            return Some(b);
        }
        None
    }

    /// Whether this broker runs as behaviour mutant `m`.
    #[inline(always)]
    pub(crate) fn mutant(&self, m: Behaviour) -> bool {
        self.behaviour() == Some(m)
    }

    /// Whether this broker's decoder skips `rule` (a decoder mutant): where the core
    /// would otherwise refuse what the codec let through.
    #[inline(always)]
    pub(crate) fn skips(&self, rule: Rule) -> bool {
        #[cfg(feature = "mutants")]
        if self.fault == Some(crate::mutants::Fault::Decoder(rule)) {
            return true;
        }
        let _ = rule;
        false
    }

    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The payloads a session still holds for its client (queued or in flight), or
    /// `None` when there is no such session: what the fuzz oracle checks a message
    /// published to an absent client against.
    pub(crate) fn held_payloads(&self, client_id: &str) -> Option<Vec<bytes::Bytes>> {
        self.sessions.get(client_id).map(|s| s.held_payloads().collect())
    }

    /// Forgets what a session holds for its client, as a broker with a queueing bug
    /// would: lets the tests show that the fuzz oracle notices.
    #[cfg(test)]
    pub(crate) fn lose_held_messages(&mut self, client_id: &str) {
        if let Some(s) = self.sessions.get_mut(client_id) {
            s.queue.clear();
            s.inflight.clear();
        }
    }

    /// Open connections.
    pub fn connection_count(&self) -> usize {
        self.conns.len()
    }

    /// Sessions, connected or not.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    /// Retained messages currently stored.
    pub fn retained_count(&self) -> usize {
        self.retained.len()
    }

    /// Feeds one input at time `now` (monotonic; earlier values are treated as `now`
    /// unchanged) and returns what to do.
    pub fn handle(&mut self, now: Duration, input: Input) -> Vec<Action> {
        self.now = self.now.max(now);
        match input {
            Input::Open(conn) => self.open(conn),
            Input::Packet(conn, packet) => {
                if let Some(c) = self.conns.get_mut(&conn) {
                    c.last_seen = self.now;
                    self.packet(conn, packet);
                }
            }
            Input::Invalid(conn, violation) => self.invalid(conn, violation),
            Input::Lost(conn) => self.lost(conn),
            Input::Tick => {}
        }
        self.timers();
        std::mem::take(&mut self.out)
    }

    /// When the core next needs a [`Input::Tick`], if ever.
    pub fn next_wake(&self) -> Option<Duration> {
        let conns = self.conns.values().filter_map(|c| self.conn_deadline(c));
        let sessions = self.sessions.values().filter_map(|s| s.next_deadline());
        conns.chain(sessions).min()
    }

    fn packet(&mut self, conn: ConnId, packet: Packet) {
        let Some(c) = self.conns.get(&conn) else { return };
        if c.refused {
            // The `refused-connect-data-processed` mutant: one packet, then the close.
            self.dispatch(conn, packet);
            return self.drop_conn(conn, false);
        }
        self.dispatch(conn, packet);
    }

    fn dispatch(&mut self, conn: ConnId, packet: Packet) {
        let Some(c) = self.conns.get(&conn) else { return };
        if c.pending_connect.is_some() {
            // §4.12: until the exchange ends, only AUTH (or DISCONNECT) may come.
            return match packet {
                Packet::Auth(a) => self.auth(conn, a),
                Packet::Disconnect(_) => self.drop_conn(conn, false),
                _ => self.fail(conn, ReasonCode::PROTOCOL_ERROR),
            };
        }
        match (c.version.is_some(), packet) {
            (false, Packet::Connect(connect)) => self.connect(conn, *connect),
            // MQTT-3.1.0-2 (both): a second CONNECT is a protocol error.
            (true, Packet::Connect(_)) if self.mutant(Behaviour::SecondConnectIgnored) => {}
            // MQTT-3.2.0-2 (5.0): never a second CONNACK on a connection.
            (true, Packet::Connect(_)) if self.mutant(Behaviour::ConnackOnSecondConnect) => {
                let v = self.conn_version(conn);
                let why = problem::Problem::new("a second CONNECT").about("section", "3.1");
                self.refuse(conn, v, (ReasonCode::PROTOCOL_ERROR, None), why);
            }
            (true, Packet::Connect(_)) => {
                // MQTT-3.1.2-4 (3.1.1), MQTT-3.1.2-23 (5.0): the session outlives the close.
                if self.mutant(Behaviour::SecondConnectDiscardsSession) {
                    let id = self.session_of(conn).unwrap_or_default();
                    if let Some(s) = self.sessions.get_mut(&id) {
                        s.expiry = 0;
                    }
                }
                let why = problem::Problem::new("a second CONNECT").about("section", "3.1");
                self.fail_with(conn, ReasonCode::PROTOCOL_ERROR, Some(why));
            }
            (false, _) if self.skips(Rule::FirstPacketNotConnect) => {}
            (false, _) => self.drop_conn(conn, false),
            (true, Packet::Publish(p)) => self.publish(conn, p),
            (true, Packet::PubAck(a)) => self.puback(conn, a),
            (true, Packet::PubRec(a)) => self.pubrec(conn, a),
            (true, Packet::PubRel(a)) => self.pubrel(conn, a),
            (true, Packet::PubComp(a)) => self.pubcomp(conn, a),
            (true, Packet::Subscribe(s)) => self.subscribe(conn, s),
            (true, Packet::Unsubscribe(u)) => self.unsubscribe(conn, u),
            // MQTT-3.12.4-1 (both): PINGREQ is answered with PINGRESP.
            (true, Packet::PingReq) => {
                if self.mutant(Behaviour::ResendOnPing) {
                    self.resend(conn);
                }
                if !self.mutant(Behaviour::PingrespMissing) {
                    self.send(conn, Packet::PingResp);
                }
            }
            (true, Packet::Disconnect(d)) => self.disconnect(conn, d),
            (true, Packet::Auth(a)) => self.auth(conn, a),
            // Server-to-client packets are refused by the codec's direction check; the
            // core stays total anyway.
            (true, _) if self.skips(Rule::WrongDirection) => {}
            (true, _) => self.fail(conn, ReasonCode::PROTOCOL_ERROR),
        }
    }

    fn send(&mut self, conn: ConnId, packet: Packet) {
        // MQTT-3.3.4-10 MQTT-4.9.0-3 (5.0): a zero send quota holds back QoS 1/2
        // PUBLISHes only; everything else goes out at once.
        if self.mutant(Behaviour::ZeroQuotaHoldsAll)
            && !matches!(packet, Packet::Publish(_))
            && self.quota_exhausted(conn)
        {
            if let Some(c) = self.conns.get_mut(&conn) {
                c.held.push(packet);
            }
            return;
        }
        if let Some(version) = self.conns.get(&conn).and_then(|c| c.version) {
            self.send_as(conn, version, packet);
        }
    }

    /// Sends `packet` encoded with `tamper`'s faults (a statement mutant's
    /// mis-encoding); a packet that cannot be built even so is not sent.
    #[cfg_attr(not(feature = "mutants"), allow(dead_code))]
    fn send_tampered(&mut self, conn: ConnId, packet: &Packet, tamper: &mqttspec_codec::Tamper) {
        let Some(version) = self.conns.get(&conn).and_then(|c| c.version) else { return };
        if let Ok(bytes) = tamper.encode(packet, version) {
            self.out.push(Action::SendRaw { conn, bytes });
        }
    }

    /// Sends `packet` encoded as `version`, whatever the connection speaks (a
    /// statement mutant's mis-encoding).
    #[cfg_attr(not(feature = "mutants"), allow(dead_code))]
    fn send_encoded_as(&mut self, conn: ConnId, packet: &Packet, version: Version) {
        if let Ok(bytes) = packet.to_bytes(version) {
            self.out.push(Action::SendRaw { conn, bytes });
        }
    }

    fn send_as(&mut self, conn: ConnId, version: Version, packet: Packet) {
        let packet = self.finalise(conn, version, packet);
        self.out.push(Action::Send { conn, version, packet });
    }

    fn conn_version(&self, conn: ConnId) -> Version {
        self.conns.get(&conn).and_then(|c| c.version).unwrap_or(Version::V3_1_1)
    }

    fn session_of(&self, conn: ConnId) -> Option<String> {
        self.conns.get(&conn).and_then(|c| c.client_id.clone())
    }
}
