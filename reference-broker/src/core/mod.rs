//! The deterministic broker core (MQTT 3.1.1 §3–§4, MQTT 5.0 §3–§4).
//!
//! Decoded packets, codec violations, connection events and the current time go in;
//! packets to send and connections to close come out. The core never reads a clock,
//! never does I/O and holds no randomness, so tests and fuzzers can drive it exactly:
//! time is a [`Duration`] since an arbitrary start, chosen by the caller.

mod index;
mod session;
pub mod topic;

use crate::Config;
use crate::acl::{Acl, Principal};
use crate::auth;
use mqttspec_codec::{
    Ack, ConnAck, Connect, Disconnect, Packet, Properties, Property, Publish, QoS, ReasonCode, SubAck,
    Subscribe, UnsubAck, Unsubscribe, Version, Violation, reason_code::v311_connack,
};
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

/// Per-connection state.
#[derive(Debug)]
struct Conn {
    /// Set by CONNECT; `None` until then.
    version: Option<Version>,
    client_id: Option<String>,
    /// CONNACK with success was sent.
    accepted: bool,
    opened_at: Duration,
    last_seen: Duration,
    keep_alive: u16,
    /// Topic Alias mappings set by the client (MQTT-3.3.2-7: per connection).
    aliases: HashMap<u16, String>,
    /// The client's Receive Maximum (5.0) or the configured in-flight window.
    send_window: u16,
    /// The client's Maximum Packet Size.
    max_packet_size: u32,
    /// Session Expiry Interval requested in CONNECT (5.0), for the DISCONNECT check.
    connect_session_expiry: u32,
    /// The user name, checked against the password file when there is one.
    user: Option<String>,
    /// The enhanced authentication method of the CONNECT (5.0).
    auth_method: Option<String>,
    /// A SCRAM exchange waiting for the client's final message.
    scram: Option<auth::ScramPending>,
    /// A CONNECT waiting for its authentication exchange to end.
    pending_connect: Option<Box<Connect>>,
    /// The client's Topic Alias Maximum: aliases the server may use towards it.
    alias_max_out: u16,
    /// Topic Aliases the server has set on this connection.
    aliases_out: HashMap<String, u16>,
}

fn auth_packet(code: ReasonCode, data: String) -> Packet {
    let properties = Properties::build([
        Property::AuthenticationMethod(auth::SCRAM_SHA_256.into()),
        Property::AuthenticationData(data.into_bytes().into()),
    ])
    .unwrap_or_default();
    Packet::Auth(mqttspec_codec::Auth { reason_code: code, properties })
}

/// How long a connection may stay silent before sending CONNECT.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

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
        Broker {
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

    fn conn_deadline(&self, c: &Conn) -> Option<Duration> {
        if !c.accepted {
            // Also bounds an authentication exchange that never ends.
            return Some(c.opened_at + CONNECT_TIMEOUT);
        }
        // MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0): one and a half keep-alives.
        (c.keep_alive > 0).then(|| c.last_seen + Duration::from_millis(u64::from(c.keep_alive) * 1500))
    }

    fn send(&mut self, conn: ConnId, packet: Packet) {
        if let Some(version) = self.conns.get(&conn).and_then(|c| c.version) {
            self.out.push(Action::Send { conn, version, packet });
        }
    }

    fn send_as(&mut self, conn: ConnId, version: Version, packet: Packet) {
        self.out.push(Action::Send { conn, version, packet });
    }

    /// Takes a token from the connection-rate bucket; false when it is empty.
    fn rate_allows(&mut self) -> bool {
        let Some(rate) = self.config.max_connection_rate.map(f64::from) else { return true };
        let elapsed = self.now.saturating_sub(self.rate_at).as_secs_f64();
        self.rate_at = self.now;
        self.rate_tokens = (self.rate_tokens + elapsed * rate).min(rate);
        if self.rate_tokens < 1.0 {
            return false;
        }
        self.rate_tokens -= 1.0;
        true
    }

    fn open(&mut self, conn: ConnId) {
        if self.conns.len() >= self.config.max_connections || !self.rate_allows() {
            self.stats.refused_connections += 1;
            self.out.push(Action::Close(conn));
            return;
        }
        self.conns.insert(
            conn,
            Conn {
                version: None,
                client_id: None,
                accepted: false,
                opened_at: self.now,
                last_seen: self.now,
                keep_alive: 0,
                aliases: HashMap::new(),
                send_window: self.config.max_inflight,
                max_packet_size: u32::MAX,
                connect_session_expiry: 0,
                user: None,
                auth_method: None,
                scram: None,
                pending_connect: None,
                alias_max_out: 0,
                aliases_out: HashMap::new(),
            },
        );
    }

    /// Ends a connection because of a fault: 5.0 clients get a DISCONNECT (or a
    /// CONNACK before acceptance) with `reason`; then the will goes out.
    fn fail(&mut self, conn: ConnId, reason: ReasonCode) {
        self.fail_with(conn, reason, None);
    }

    /// [`Broker::fail`] with a Reason String for the DISCONNECT, sent only if the
    /// packet still fits the client's Maximum Packet Size (MQTT-3.14.2-3).
    fn fail_with(&mut self, conn: ConnId, reason: ReasonCode, text: Option<String>) {
        let Some(c) = self.conns.get(&conn) else { return };
        if c.version == Some(Version::V5) {
            let packet = if c.accepted {
                // Some refusals have codes only CONNACK may carry (0x84, 0x85, ...);
                // after acceptance they are protocol errors (MQTT-3.14.2-1).
                let allowed = reason.is_allowed_in(mqttspec_codec::PacketType::Disconnect);
                let plain = Disconnect::new(if allowed { reason } else { ReasonCode::PROTOCOL_ERROR });
                let properties =
                    text.and_then(|t| Properties::build([Property::ReasonString(t.as_str().into())]).ok());
                let explained = properties
                    .map(|properties| Packet::Disconnect(Disconnect { properties, ..plain.clone() }));
                match explained {
                    Some(p)
                        if p.encoded_len(Version::V5).is_ok_and(|len| len <= c.max_packet_size as usize) =>
                    {
                        p
                    }
                    _ => Packet::Disconnect(plain),
                }
            } else {
                // Before acceptance (during an authentication exchange) the answer is a
                // CONNACK, which has its own set of codes (MQTT-3.2.2-8).
                let allowed = reason.is_allowed_in(mqttspec_codec::PacketType::ConnAck);
                Packet::ConnAck(ConnAck {
                    session_present: false,
                    code: if allowed { reason } else { ReasonCode::PROTOCOL_ERROR },
                    properties: Properties::new(),
                })
            };
            self.send(conn, packet);
        }
        self.drop_conn(conn, true);
    }

    fn invalid(&mut self, conn: ConnId, v: Violation) {
        let Some(c) = self.conns.get(&conn) else { return };
        if c.version.is_none() {
            // The CONNECT itself is at fault. 5.0: CONNACK with the reason code, then
            // close (§4.13.1); 3.1.1: a CONNACK only where the spec names a return code
            // (MQTT-3.1.2-2, MQTT-3.1.3-8), otherwise just close (MQTT-3.1.4-1).
            if v.rule == mqttspec_codec::Rule::FirstPacketNotConnect {
                self.drop_conn(conn, false);
                return;
            }
            let code = if v.version.is_v5() {
                let r = v.reason_code();
                Some(if r.is_allowed_in(mqttspec_codec::PacketType::ConnAck) {
                    r
                } else {
                    ReasonCode::PROTOCOL_ERROR
                })
            } else {
                v.rule.v311_connack_code().map(ReasonCode)
            };
            if let Some(code) = code {
                let ack = ConnAck { session_present: false, code, properties: Properties::new() };
                self.send_as(conn, v.version, Packet::ConnAck(ack));
            }
            self.drop_conn(conn, false);
            return;
        }
        tracing::debug!(conn, %v, "closing on violation");
        // MQTT-4.8.0-1 (3.1.1 §4.8) / 5.0 §4.13: close, 5.0 with DISCONNECT and reason,
        // and a Reason String naming the rule, for whoever debugs the client.
        let text = format!("{}: {} (byte {})", v.citation(), v.rule.description(), v.offset);
        self.fail_with(conn, v.reason_code(), Some(text));
    }

    fn lost(&mut self, conn: ConnId) {
        self.drop_conn(conn, true);
    }

    /// Forgets `conn`, closes it, and detaches its session. `publish_will`: the end
    /// was not a normal DISCONNECT.
    fn drop_conn(&mut self, conn: ConnId, publish_will: bool) {
        let Some(c) = self.conns.remove(&conn) else { return };
        self.out.push(Action::Close(conn));
        let Some(id) = c.client_id else { return };
        let now = self.now;
        let Some(s) = self.sessions.get_mut(&id) else { return };
        if s.conn != Some(conn) {
            return;
        }
        s.detach(now, publish_will);
        if s.will_due == Some(now) || (s.will_due.is_some() && s.expiry == 0) {
            self.fire_will(&id);
        }
        if self.sessions.get(&id).is_some_and(|s| s.expiry == 0) {
            self.end_session(&id);
        }
    }

    fn end_session(&mut self, id: &str) {
        if self.sessions.get(id).is_some_and(|s| s.will.is_some() && s.will_due.is_some()) {
            // MQTT-3.1.2-8 (5.0): the will goes out when the session ends, if earlier
            // than its delay.
            self.fire_will(id);
        }
        if let Some(s) = self.sessions.remove(id) {
            for sub in &s.subs {
                self.index.remove(id, &sub.filter, sub.share.is_some());
            }
        }
    }

    fn fire_will(&mut self, id: &str) {
        let Some(s) = self.sessions.get_mut(id) else { return };
        s.will_due = None;
        if let Some(will) = s.will.take() {
            self.publish_message(will.msg);
        }
    }

    fn timers(&mut self) {
        let now = self.now;
        let expired: Vec<(ConnId, bool)> = self
            .conns
            .iter()
            .filter(|(_, c)| self.conn_deadline(c).is_some_and(|d| d <= now))
            .map(|(id, c)| (*id, c.accepted))
            .collect();
        for (conn, connected) in expired {
            if connected {
                self.fail(conn, ReasonCode::KEEP_ALIVE_TIMEOUT);
            } else {
                self.drop_conn(conn, false);
            }
        }
        let wills: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.will_due.is_some_and(|d| d <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for id in wills {
            self.fire_will(&id);
        }
        let ended: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.expires_at().is_some_and(|d| d <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for id in ended {
            self.end_session(&id);
        }
    }

    fn packet(&mut self, conn: ConnId, packet: Packet) {
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
            // MQTT-3.1.0-2: a second CONNECT is a protocol error.
            (true, Packet::Connect(_)) => self.fail(conn, ReasonCode::PROTOCOL_ERROR),
            (false, _) => self.drop_conn(conn, false),
            (true, Packet::Publish(p)) => self.publish(conn, p),
            (true, Packet::PubAck(a)) => self.puback(conn, a),
            (true, Packet::PubRec(a)) => self.pubrec(conn, a),
            (true, Packet::PubRel(a)) => self.pubrel(conn, a),
            (true, Packet::PubComp(a)) => self.pubcomp(conn, a),
            (true, Packet::Subscribe(s)) => self.subscribe(conn, s),
            (true, Packet::Unsubscribe(u)) => self.unsubscribe(conn, u),
            (true, Packet::PingReq) => self.send(conn, Packet::PingResp),
            (true, Packet::Disconnect(d)) => self.disconnect(conn, d),
            (true, Packet::Auth(a)) => self.auth(conn, a),
            // Server-to-client packets are refused by the codec's direction check; the
            // core stays total anyway.
            (true, _) => self.fail(conn, ReasonCode::PROTOCOL_ERROR),
        }
    }

    fn refuse(&mut self, conn: ConnId, version: Version, v5: ReasonCode, v311: Option<u8>) {
        let code = if version.is_v5() { Some(v5) } else { v311.map(ReasonCode) };
        if let Some(code) = code {
            let ack = ConnAck { session_present: false, code, properties: Properties::new() };
            self.send_as(conn, version, Packet::ConnAck(ack));
        }
        self.drop_conn(conn, false);
    }

    fn connect(&mut self, conn: ConnId, c: Connect) {
        let v = c.version;
        let cfg = &self.config;
        if let Some(w) = &c.will {
            // MQTT-3.2.2-12 / MQTT-3.2.2-13 (5.0): a will the server cannot honour.
            if v.is_v5() && w.qos as u8 > cfg.maximum_qos {
                return self.refuse(conn, v, ReasonCode::QOS_NOT_SUPPORTED, None);
            }
            if v.is_v5() && w.retain && !cfg.retain_available {
                return self.refuse(conn, v, ReasonCode::RETAIN_NOT_SUPPORTED, None);
            }
        }
        if let Some(method) = c.properties.authentication_method().filter(|_| v.is_v5()) {
            // MQTT-4.12.0-1: a method the server does not offer is refused with 0x8C.
            if method.as_str().ok() != Some(auth::SCRAM_SHA_256) || cfg.users.is_none() {
                return self.refuse(conn, v, ReasonCode::BAD_AUTHENTICATION_METHOD, None);
            }
            return self.start_scram(conn, c);
        }
        let user = c.username.as_ref().map(|u| u.to_string());
        if let (Some(users), Some(name)) = (&cfg.users, &user) {
            // §3.1.3.5 / §5.4.1: the password must match the stored credential.
            if !users.check_password(name, c.password.as_deref().unwrap_or_default()) {
                let v311 = Some(v311_connack::BAD_USER_NAME_OR_PASSWORD);
                return self.refuse(conn, v, ReasonCode::BAD_USER_NAME_OR_PASSWORD, v311);
            }
        }
        if !cfg.allow_anonymous && user.is_none() {
            return self.refuse(conn, v, ReasonCode::NOT_AUTHORIZED, Some(v311_connack::NOT_AUTHORIZED));
        }
        self.accept(conn, c, user, Vec::new());
    }

    /// Starts a SCRAM-SHA-256 exchange for a 5.0 CONNECT: AUTH 0x18 with the
    /// server-first-message; the CONNECT waits for the client's final message.
    fn start_scram(&mut self, conn: ConnId, c: Connect) {
        let data = c.properties.authentication_data().unwrap_or_default();
        let Some(users) = self.config.users.as_ref() else { return };
        let nonce = self.nonces.nonce();
        let decoy = self.nonces.decoy_salt(&String::from_utf8_lossy(&data));
        match auth::ScramPending::start(users, &data, &nonce, &decoy) {
            Ok((pending, server_first)) => {
                let Some(state) = self.conns.get_mut(&conn) else { return };
                state.version = Some(c.version);
                state.auth_method = Some(auth::SCRAM_SHA_256.to_string());
                state.scram = Some(pending);
                state.pending_connect = Some(Box::new(c));
                // MQTT-4.12.0-2: more data is asked for with 0x18; MQTT-4.12.0-5: the
                // AUTH carries the CONNECT's method.
                self.send(conn, auth_packet(ReasonCode::CONTINUE_AUTHENTICATION, server_first));
            }
            // MQTT-4.12.0-4: a refused authentication gets a CONNACK of 0x80 or more.
            Err(_) => self.refuse(conn, c.version, ReasonCode::NOT_AUTHORIZED, None),
        }
    }

    /// AUTH from a 5.0 client: the rest of a CONNECT's exchange, or a
    /// re-authentication (§4.12.1).
    fn auth(&mut self, conn: ConnId, a: mqttspec_codec::Auth) {
        let Some(c) = self.conns.get_mut(&conn) else { return };
        // MQTT-4.12.0-7: without an Authentication Method in CONNECT, no AUTH; and
        // MQTT-4.12.0-5 / MQTT-4.12.1-1: every AUTH repeats the CONNECT's method.
        let method = a.properties.authentication_method();
        let same = c.auth_method.is_some()
            && method.as_ref().and_then(|m| m.as_str().ok()) == c.auth_method.as_deref();
        if !same {
            return self.fail(conn, ReasonCode::PROTOCOL_ERROR);
        }
        let data = a.properties.authentication_data().unwrap_or_default();
        match (a.reason_code, c.scram.take()) {
            (ReasonCode::CONTINUE_AUTHENTICATION, Some(pending)) => match pending.finish(&data) {
                Ok(server_final) => {
                    let user = pending.user().to_string();
                    match c.pending_connect.take() {
                        Some(connect) => {
                            let props = vec![
                                Property::AuthenticationMethod(auth::SCRAM_SHA_256.into()),
                                Property::AuthenticationData(server_final.into_bytes().into()),
                            ];
                            self.accept(conn, *connect, Some(user), props);
                        }
                        // A re-authentication must stay the same user.
                        None if c.user.as_deref() != Some(user.as_str()) => {
                            self.fail(conn, ReasonCode::NOT_AUTHORIZED);
                        }
                        None => self.send(conn, auth_packet(ReasonCode::SUCCESS, server_final)),
                    }
                }
                Err(e) => {
                    let code = match (c.accepted, e) {
                        (false, auth::ScramError::BadCredentials) => ReasonCode::BAD_USER_NAME_OR_PASSWORD,
                        // MQTT-4.12.1-2: a failed re-authentication closes the connection.
                        _ => ReasonCode::NOT_AUTHORIZED,
                    };
                    self.fail(conn, code);
                }
            },
            (ReasonCode::RE_AUTHENTICATE, None) if c.accepted => {
                let Some(users) = self.config.users.as_ref() else {
                    return self.fail(conn, ReasonCode::PROTOCOL_ERROR);
                };
                let nonce = self.nonces.nonce();
                let decoy = self.nonces.decoy_salt(&String::from_utf8_lossy(&data));
                match auth::ScramPending::start(users, &data, &nonce, &decoy) {
                    Ok((pending, server_first)) => {
                        if let Some(c) = self.conns.get_mut(&conn) {
                            c.scram = Some(pending);
                        }
                        self.send(conn, auth_packet(ReasonCode::CONTINUE_AUTHENTICATION, server_first));
                    }
                    Err(_) => self.fail(conn, ReasonCode::NOT_AUTHORIZED),
                }
            }
            // Success from a client, 0x18 with no exchange open, 0x19 during one.
            _ => self.fail(conn, ReasonCode::PROTOCOL_ERROR),
        }
    }

    /// Accepts a CONNECT whose credentials were checked: session, will, CONNACK.
    /// `auth_props`: Authentication Method and Data for the CONNACK.
    fn accept(&mut self, conn: ConnId, c: Connect, user: Option<String>, auth_props: Vec<Property>) {
        let v = c.version;
        let mut props = Vec::new();
        let client_id = match c.client_id.as_str() {
            Ok("") => {
                // Short (it must fit small Maximum Packet Sizes) and unused
                // (MQTT-3.2.2-16: unique among the server's sessions).
                let id = loop {
                    self.assigned_ids += 1;
                    let id = format!("~{}", self.assigned_ids);
                    if !self.sessions.contains_key(&id) {
                        break id;
                    }
                };
                // MQTT-3.2.2-16 (5.0): report the identifier the server chose.
                if v.is_v5() {
                    props.push(Property::AssignedClientIdentifier(id.as_str().into()));
                }
                id
            }
            Ok(id) => id.to_string(),
            Err(_) => return self.refuse(conn, v, ReasonCode::CLIENT_IDENTIFIER_NOT_VALID, Some(2)),
        };
        if let Some(w) = &c.will {
            // §5.4.2: the Will is a publication like any other.
            let who = Principal { user: user.as_deref(), client: &client_id };
            if !Acl::new(&self.config.acl).may_publish(who, &w.topic.to_string()) {
                let v311 = Some(v311_connack::NOT_AUTHORIZED);
                return self.refuse(conn, v, ReasonCode::NOT_AUTHORIZED, v311);
            }
        }
        let cfg = &self.config;
        props.extend(auth_props);
        let requested_expiry = if v.is_v5() {
            c.properties.session_expiry_interval().unwrap_or(0)
        } else if c.clean_start {
            0
        } else {
            u32::MAX
        };
        let expiry = requested_expiry.min(cfg.max_session_expiry);
        if v.is_v5() && expiry != requested_expiry {
            props.push(Property::SessionExpiryInterval(expiry));
        }
        // §3.2.2.3.14 (5.0): the server may impose its own Keep Alive, and the client
        // must then use it (MQTT-3.1.2-21). A 3.1.1 client cannot be told, so its own
        // value stands.
        let imposed = cfg
            .server_keep_alive
            .or_else(|| cfg.max_keep_alive.filter(|max| c.keep_alive == 0 || c.keep_alive > *max))
            .filter(|_| v.is_v5());
        let keep_alive = imposed.unwrap_or(c.keep_alive);
        if v.is_v5() {
            props.extend(imposed.map(Property::ServerKeepAlive));
            props.extend(self.capabilities());
        }

        // MQTT-3.1.4-3 (5.0) / MQTT-3.1.4-2 (3.1.1): an existing connection with the
        // same client identifier is taken over.
        if let Some(old) = self.sessions.get(&client_id).and_then(|s| s.conn) {
            if self.conns.get(&old).and_then(|c| c.version) == Some(Version::V5) {
                self.send(old, Packet::Disconnect(Disconnect::new(ReasonCode::SESSION_TAKEN_OVER)));
            }
            self.drop_conn(old, true);
        }
        // MQTT-3.1.2-6 (3.1.1) / MQTT-3.1.2-4 (5.0): Clean Start discards the session.
        if c.clean_start && self.sessions.contains_key(&client_id) {
            self.end_session(&client_id);
        }
        let session_present = self.sessions.contains_key(&client_id);
        let max_inflight = self.config.max_inflight;
        let conn_state = self.conns.get_mut(&conn).expect("connection exists");
        conn_state.version = Some(v);
        conn_state.client_id = Some(client_id.clone());
        conn_state.accepted = true;
        conn_state.user = user.clone();
        conn_state.keep_alive = keep_alive;
        conn_state.connect_session_expiry = requested_expiry;
        if v.is_v5() {
            conn_state.send_window = c.properties.receive_maximum().unwrap_or(u16::MAX);
            conn_state.max_packet_size = c.properties.maximum_packet_size().unwrap_or(u32::MAX);
            conn_state.alias_max_out = c.properties.topic_alias_maximum().unwrap_or(0);
        } else {
            conn_state.send_window = max_inflight;
        }
        let now = self.now;
        let session =
            self.sessions.entry(client_id.clone()).or_insert_with(|| Session::new(client_id.clone()));
        session.attach(conn, v, expiry);
        session.user = user;
        session.will = c.will.map(|w| {
            let delay = w.properties.will_delay_interval().unwrap_or(0);
            let msg = Message::from_will(&client_id, w, now);
            session::StoredWill { msg: Arc::new(msg), delay }
        });
        // MQTT-3.1.2-24 (5.0): not even the CONNACK may exceed the client's Maximum
        // Packet Size. The properties are ordered by importance; the least important
        // go first until the packet fits.
        // The Assigned Client Identifier (first, if present) is never dropped: without
        // it the client could not resume its session (MQTT-3.2.2-16).
        let max = self.conns.get(&conn).map_or(u32::MAX, |c| c.max_packet_size) as usize;
        // Nor are the Authentication Method and Data (MQTT-4.12.0-5).
        let essential = props
            .iter()
            .take_while(|p| {
                matches!(
                    p,
                    Property::AssignedClientIdentifier(_)
                        | Property::AuthenticationMethod(_)
                        | Property::AuthenticationData(_)
                )
            })
            .count();
        let connack = loop {
            let properties = Properties::build(props.iter().cloned()).unwrap_or_default();
            let ack = Packet::ConnAck(ConnAck { session_present, code: ReasonCode::SUCCESS, properties });
            if ack.encoded_len(v).is_ok_and(|len| len <= max) {
                break Some(ack);
            }
            if props.len() == essential {
                break None;
            }
            props.pop();
        };
        let Some(connack) = connack else {
            // Not even the essentials fit: refuse with the smallest CONNACK there is,
            // leaving a session that existed before as it was.
            if session_present {
                let now = self.now;
                if let Some(s) = self.sessions.get_mut(&client_id) {
                    s.detach(now, false);
                }
            } else {
                self.sessions.remove(&client_id);
            }
            if let Some(c) = self.conns.get_mut(&conn) {
                c.accepted = false;
                c.client_id = None;
            }
            if max >= 5 {
                self.fail(conn, ReasonCode::PACKET_TOO_LARGE);
            } else {
                self.drop_conn(conn, false);
            }
            return;
        };
        // MQTT-3.2.2-1..3 (3.1.1) / MQTT-3.2.2-2, -3 (5.0): Session Present.
        self.send(conn, connack);
        if session_present {
            self.resume(&client_id);
        }
    }

    /// CONNACK properties that describe what this broker supports.
    /// CONNACK properties that describe what this broker supports, most important
    /// first (a client assuming a default for a missing one does the least harm at
    /// the end of the list).
    fn capabilities(&self) -> Vec<Property> {
        let cfg = &self.config;
        let mut props = Vec::new();
        if cfg.maximum_qos < 2 {
            props.push(Property::MaximumQos(cfg.maximum_qos));
        }
        if !cfg.retain_available {
            props.push(Property::RetainAvailable(0));
        }
        if !cfg.wildcard_subscription_available {
            props.push(Property::WildcardSubscriptionAvailable(0));
        }
        if !cfg.subscription_identifier_available {
            props.push(Property::SubscriptionIdentifierAvailable(0));
        }
        if !cfg.shared_subscription_available {
            props.push(Property::SharedSubscriptionAvailable(0));
        }
        props.push(Property::ReceiveMaximum(cfg.receive_maximum));
        props.push(Property::MaximumPacketSize(cfg.max_packet_size));
        props.push(Property::TopicAliasMaximum(cfg.topic_alias_maximum));
        props
    }

    fn conn_version(&self, conn: ConnId) -> Version {
        self.conns.get(&conn).and_then(|c| c.version).unwrap_or(Version::V3_1_1)
    }

    fn session_of(&self, conn: ConnId) -> Option<String> {
        self.conns.get(&conn).and_then(|c| c.client_id.clone())
    }

    fn publish(&mut self, conn: ConnId, mut p: Publish) {
        let v = self.conn_version(conn);
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
                // MQTT-3.3.2-12 accepts 1..=maximum; anything above is invalid (0x94).
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
                } else {
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
        match (p.qos, p.packet_id) {
            (QoS::ExactlyOnce, Some(pid)) => {
                let receive_maximum = self.config.receive_maximum;
                let s = self.sessions.get_mut(&id).expect("session of a connection");
                // MQTT-4.3.3-9 (3.1.1) / MQTT-4.3.3-10 (5.0): a resent PUBLISH with the
                // same identifier is not delivered again before PUBREL.
                if !s.inbound_qos2.contains(&pid) {
                    // MQTT-3.3.4-7 (5.0): more than Receive Maximum unacknowledged
                    // QoS 2 messages is refused with 0x93.
                    if v.is_v5() && s.inbound_qos2.len() >= usize::from(receive_maximum) {
                        return self.fail(conn, ReasonCode::RECEIVE_MAXIMUM_EXCEEDED);
                    }
                    s.inbound_qos2.insert(pid);
                    let msg = Message::from_publish(&id, p, self.now);
                    self.publish_message(Arc::new(msg));
                }
                self.send(conn, Packet::PubRec(Ack::new(pid)));
            }
            (QoS::AtLeastOnce, Some(pid)) => {
                let msg = Message::from_publish(&id, p, self.now);
                self.publish_message(Arc::new(msg));
                self.send(conn, Packet::PubAck(Ack::new(pid)));
            }
            _ => {
                let msg = Message::from_publish(&id, p, self.now);
                self.publish_message(Arc::new(msg));
            }
        }
    }

    /// A PUBLISH the ACL does not allow. 5.0: PUBACK / PUBREC 0x87 (§3.4.2.1,
    /// §3.5.2.1); 3.1.1 cannot tell the client, so it acknowledges as usual and drops
    /// the message (MQTT-3.3.5-2).
    fn refuse_publish(&mut self, conn: ConnId, id: &str, v: Version, p: &Publish) {
        let Some(pid) = p.packet_id else { return };
        let code = if v.is_v5() { ReasonCode::NOT_AUTHORIZED } else { ReasonCode::SUCCESS };
        let ack = Ack { reason_code: code, ..Ack::new(pid) };
        match p.qos {
            QoS::AtLeastOnce => self.send(conn, Packet::PubAck(ack)),
            QoS::ExactlyOnce => {
                if !v.is_v5() {
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
    fn publish_message(&mut self, msg: Arc<Message>) {
        self.stats.published += 1;
        if msg.retain && self.config.retain_available {
            if msg.payload.is_empty() {
                // MQTT-3.3.1-10/-11 (3.1.1) / MQTT-3.3.1-6/-7 (5.0): empty clears.
                self.retained.remove(&msg.topic);
            } else {
                // MQTT-3.3.1-5 (both): the newest retained message replaces the last.
                self.retained.insert(msg.topic.clone(), msg.clone());
            }
        }
        self.route(&msg);
    }

    fn route(&mut self, msg: &Arc<Message>) {
        let mut shared: BTreeMap<(String, String), Vec<(String, usize)>> = BTreeMap::new();
        let mut direct: Vec<(String, session::Delivery)> = Vec::new();
        for id in self.index.candidates(&msg.topic) {
            let Some(s) = self.sessions.get(&id) else { continue };
            if let Some(d) = s.match_direct(msg) {
                direct.push((id.clone(), d));
            }
            for (i, sub) in s.subs.iter().enumerate() {
                if let Some((group, filter)) = &sub.share {
                    if topic::matches(filter, &msg.topic) {
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
            // connected sessions (MQTT-4.8.2 "Shared Subscriptions").
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
            let d = self.sessions.get(&id).map(|s| s.delivery_for(msg, index));
            if let Some(d) = d {
                self.deliver(&id, d);
            }
        }
    }

    /// Sends or queues one delivery for session `id`.
    fn deliver(&mut self, id: &str, d: session::Delivery) {
        let max_queued = self.config.max_queued_messages;
        let Some(s) = self.sessions.get_mut(id) else { return };
        let who = Principal { user: s.user.as_deref(), client: &s.client_id };
        if !Acl::new(&self.config.acl).may_receive(who, &d.msg.topic) {
            self.stats.dropped_unauthorized += 1;
            return;
        }
        let Some(conn) = s.conn else {
            // Offline: QoS 1/2 is queued for the session (MQTT-3.1.2-5 3.1.1 /
            // §4.1 5.0); QoS 0 may be dropped, and is.
            if d.qos != QoS::AtMostOnce {
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
        let window = self.conns.get(&conn).map_or(1, |c| c.send_window);
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
        let pid = s.next_packet_id();
        s.inflight.insert(pid, session::Inflight::Publish(d.clone()));
        self.transmit(conn, d, Some(pid), false);
    }

    /// Builds and sends a PUBLISH; drops it if expired or too large for the client.
    fn transmit(&mut self, conn: ConnId, d: session::Delivery, pid: Option<u16>, dup: bool) {
        let now = self.now;
        let Some(c) = self.conns.get(&conn) else { return };
        let (version, max) = (c.version.unwrap_or(Version::V3_1_1), c.max_packet_size);
        let Some(publish) = d.to_publish(now, pid, dup, version) else {
            // MQTT-3.3.2-5 (5.0): an expired message is not delivered.
            self.stats.dropped_expired += 1;
            self.forget_inflight(conn, pid);
            return;
        };
        let (publish, new_alias) = self.alias_out(c, publish);
        let packet = Packet::Publish(publish);
        // MQTT-3.1.2-24 / MQTT-3.1.2-25 (5.0): never exceed the client's Maximum
        // Packet Size; the message is dropped as if delivered.
        if packet.encoded_len(version).map_or(true, |len| len > max as usize) {
            self.stats.dropped_too_large += 1;
            self.forget_inflight(conn, pid);
            return;
        }
        // Only a mapping the client has actually been sent exists for it.
        if let (Some((topic, alias)), Some(c)) = (new_alias, self.conns.get_mut(&conn)) {
            c.aliases_out.insert(topic, alias);
        }
        self.stats.delivered += 1;
        self.send(conn, packet);
    }

    /// Outgoing Topic Alias (5.0 §3.3.2.3.4): a topic already mapped on this
    /// connection goes as an empty name plus its alias; a new topic takes the next
    /// free alias while there is one. Aliases stay within the client's Topic Alias
    /// Maximum, and none are used when it is 0 or absent (MQTT-3.1.2-26, -27).
    /// Returns the PUBLISH and the mapping it would create.
    fn alias_out(&self, c: &Conn, mut publish: Publish) -> (Publish, Option<(String, u16)>) {
        if c.version != Some(Version::V5) || c.alias_max_out == 0 {
            return (publish, None);
        }
        let topic = publish.topic.to_string();
        let (alias, new) = match c.aliases_out.get(&topic) {
            Some(a) => (*a, None),
            None if c.aliases_out.len() < usize::from(c.alias_max_out) => {
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

    fn forget_inflight(&mut self, conn: ConnId, pid: Option<u16>) {
        let Some(pid) = pid else { return };
        if let Some(id) = self.session_of(conn) {
            if let Some(s) = self.sessions.get_mut(&id) {
                s.inflight.remove(&pid);
            }
        }
    }

    /// Sends queued messages while the window allows.
    fn pump(&mut self, id: &str) {
        loop {
            let Some(s) = self.sessions.get_mut(id) else { return };
            let Some(conn) = s.conn else { return };
            let window = self.conns.get(&conn).map_or(1, |c| c.send_window);
            if s.inflight.len() >= usize::from(window) {
                return;
            }
            let Some(d) = s.queue.pop_front() else { return };
            if d.qos == QoS::AtMostOnce {
                self.transmit(conn, d, None, false);
                continue;
            }
            let pid = s.next_packet_id();
            s.inflight.insert(pid, session::Inflight::Publish(d.clone()));
            self.transmit(conn, d, Some(pid), false);
        }
    }

    /// After reconnecting to an existing session: resend unacknowledged messages
    /// with DUP (MQTT-4.4.0-1), then PUBRELs, then the queue.
    fn resume(&mut self, id: &str) {
        let Some(s) = self.sessions.get(id) else { return };
        let Some(conn) = s.conn else { return };
        let inflight: Vec<(u16, session::Inflight)> =
            s.inflight.iter().map(|(k, v)| (*k, v.clone())).collect();
        for (pid, state) in inflight {
            match state {
                session::Inflight::Publish(d) => self.transmit(conn, d, Some(pid), true),
                session::Inflight::Released => self.send(conn, Packet::PubRel(Ack::new(pid))),
            }
        }
        self.pump(id);
    }

    fn puback(&mut self, conn: ConnId, a: Ack) {
        let Some(id) = self.session_of(conn) else { return };
        if let Some(s) = self.sessions.get_mut(&id) {
            if matches!(s.inflight.get(&a.packet_id), Some(session::Inflight::Publish(d)) if d.qos == QoS::AtLeastOnce)
            {
                s.inflight.remove(&a.packet_id);
            }
        }
        self.pump(&id);
    }

    fn pubrec(&mut self, conn: ConnId, a: Ack) {
        let v = self.conn_version(conn);
        let Some(id) = self.session_of(conn) else { return };
        let Some(s) = self.sessions.get_mut(&id) else { return };
        let known = matches!(s.inflight.get(&a.packet_id), Some(session::Inflight::Publish(d)) if d.qos == QoS::ExactlyOnce)
            || matches!(s.inflight.get(&a.packet_id), Some(session::Inflight::Released));
        if known && a.reason_code.is_error() {
            // 5.0 §4.3.3: a PUBREC with an error ends the flow.
            s.inflight.remove(&a.packet_id);
            self.pump(&id);
            return;
        }
        if known {
            s.inflight.insert(a.packet_id, session::Inflight::Released);
            self.send(conn, Packet::PubRel(Ack::new(a.packet_id)));
        } else if v.is_v5() {
            let rel = Ack { reason_code: ReasonCode::PACKET_IDENTIFIER_NOT_FOUND, ..Ack::new(a.packet_id) };
            self.send(conn, Packet::PubRel(rel));
        }
    }

    fn pubrel(&mut self, conn: ConnId, a: Ack) {
        let v = self.conn_version(conn);
        let Some(id) = self.session_of(conn) else { return };
        let Some(s) = self.sessions.get_mut(&id) else { return };
        let known = s.inbound_qos2.remove(&a.packet_id);
        let mut comp = Ack::new(a.packet_id);
        if !known && v.is_v5() {
            comp.reason_code = ReasonCode::PACKET_IDENTIFIER_NOT_FOUND;
        }
        // MQTT-4.3.3-11 (3.1.1) / MQTT-4.3.3-12 (5.0): PUBREL is answered by PUBCOMP.
        self.send(conn, Packet::PubComp(comp));
    }

    fn pubcomp(&mut self, conn: ConnId, a: Ack) {
        let Some(id) = self.session_of(conn) else { return };
        if let Some(s) = self.sessions.get_mut(&id) {
            if matches!(s.inflight.get(&a.packet_id), Some(session::Inflight::Released)) {
                s.inflight.remove(&a.packet_id);
            }
        }
        self.pump(&id);
    }

    fn subscribe(&mut self, conn: ConnId, sub: Subscribe) {
        let v = self.conn_version(conn);
        let Some(id) = self.session_of(conn) else { return };
        let sub_id = sub.properties.subscription_identifiers().next();
        // §3.8.2.1.2: a Subscription Identifier the server does not support ends the
        // connection with 0xA1.
        if sub_id.is_some() && !self.config.subscription_identifier_available {
            return self.fail(conn, ReasonCode::SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED);
        }
        let cfg = self.config.clone();
        let user = self.conns.get(&conn).and_then(|c| c.user.clone());
        let user = user.as_deref();
        let mut codes = Vec::with_capacity(sub.filters.len());
        let mut retained_for: Vec<(String, mqttspec_codec::SubscriptionOptions)> = Vec::new();
        for f in &sub.filters {
            let filter = f.filter.to_string();
            let shared = topic::split_shared(&filter).is_some() && v.is_v5();
            let wildcard = filter.contains(['+', '#']);
            let who = Principal { user, client: &id };
            let proper = if shared {
                topic::split_shared(&filter).map_or(filter.as_str(), |(_, f)| f)
            } else {
                &filter
            };
            let code = if !Acl::new(&cfg.acl).may_subscribe(who, proper) {
                // 5.0 §3.9.3: 0x87; 3.1.1 has only Failure (MQTT-3.9.3-2).
                if v.is_v5() { ReasonCode::NOT_AUTHORIZED } else { ReasonCode::V311_SUBACK_FAILURE }
            } else if shared && !cfg.shared_subscription_available {
                ReasonCode::SHARED_SUBSCRIPTIONS_NOT_SUPPORTED
            } else if wildcard && !cfg.wildcard_subscription_available {
                ReasonCode::WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED
            } else {
                let requested = f.options.max_qos().unwrap_or(QoS::AtMostOnce);
                // MQTT-3.2.2-10 (5.0): grant at most the server's Maximum QoS.
                let granted = QoS::from_u8((requested as u8).min(cfg.maximum_qos)).unwrap_or(QoS::AtMostOnce);
                let options = mqttspec_codec::SubscriptionOptions((f.options.0 & !0x03) | granted as u8);
                let s = self.sessions.get_mut(&id).expect("session of a connection");
                let existed = s.add_subscription(&filter, options, sub_id, v);
                if !existed {
                    self.index.add(&id, &filter, v.is_v5());
                }
                // MQTT-3.3.1-9..11 (5.0): Retain Handling; MQTT-3.8.4-3 (3.1.1):
                // retained messages on every subscribe. Shared subscriptions receive
                // none (§4.8.2).
                let send_retained = !shared
                    && match f.options.retain_handling_bits() {
                        0 => true,
                        1 => !existed,
                        _ => false,
                    };
                if send_retained {
                    retained_for.push((filter.clone(), options));
                }
                ReasonCode(granted as u8)
            };
            codes.push(code);
        }
        // MQTT-3.8.4-1, -2 (both): every SUBSCRIBE gets a SUBACK with its identifier.
        self.send(
            conn,
            Packet::SubAck(SubAck { packet_id: sub.packet_id, properties: Properties::new(), codes }),
        );
        for (filter, options) in retained_for {
            let matching: Vec<Arc<Message>> =
                self.retained.values().filter(|m| topic::matches(&filter, &m.topic)).cloned().collect();
            for msg in matching {
                let d = session::Delivery::retained(msg, options, sub_id);
                self.deliver(&id, d);
            }
        }
    }

    fn unsubscribe(&mut self, conn: ConnId, u: Unsubscribe) {
        let v = self.conn_version(conn);
        let Some(id) = self.session_of(conn) else { return };
        let s = self.sessions.get_mut(&id).expect("session of a connection");
        let mut codes = Vec::with_capacity(u.filters.len());
        for f in &u.filters {
            let filter = f.to_string();
            // MQTT-3.10.4-1: filters are compared character by character.
            if s.remove_subscription(&filter) {
                self.index.remove(&id, &filter, v.is_v5());
                codes.push(ReasonCode::SUCCESS);
            } else {
                codes.push(ReasonCode::NO_SUBSCRIPTION_EXISTED);
            }
        }
        let codes = if v.is_v5() { codes } else { Vec::new() };
        // MQTT-3.10.4-4, -5 (3.1.1) / MQTT-3.10.4-4, -5 (5.0): UNSUBACK with its identifier.
        self.send(
            conn,
            Packet::UnsubAck(UnsubAck { packet_id: u.packet_id, properties: Properties::new(), codes }),
        );
    }

    fn disconnect(&mut self, conn: ConnId, d: Disconnect) {
        let Some(c) = self.conns.get(&conn) else { return };
        let v = c.version.unwrap_or(Version::V3_1_1);
        if v.is_v5() {
            if let Some(new_expiry) = d.properties.session_expiry_interval() {
                // §3.14.2.2.2: 0 in CONNECT and non-zero in DISCONNECT is a Protocol Error.
                if c.connect_session_expiry == 0 && new_expiry != 0 {
                    return self.fail(conn, ReasonCode::PROTOCOL_ERROR);
                }
                let capped = new_expiry.min(self.config.max_session_expiry);
                if let Some(s) = c.client_id.as_ref().and_then(|id| self.sessions.get_mut(id)) {
                    s.expiry = capped;
                }
            }
        }
        // MQTT-3.1.2-10 (5.0) / MQTT-3.14.4-3 (3.1.1): a normal DISCONNECT discards the
        // will; 0x04 asks for it to be published.
        let with_will = v.is_v5() && d.reason_code == ReasonCode::DISCONNECT_WITH_WILL;
        self.drop_conn(conn, with_will);
    }
}
