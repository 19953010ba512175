//! Per-connection state and the life of a connection (MQTT 3.1.1 §3.1.2.10, §3.14,
//! §4.8; MQTT 5.0 §3.1.2.10, §3.14, §4.13): admission, keep alive and the CONNECT
//! timeout, closing on a fault (with DISCONNECT in 5.0), DISCONNECT from the client,
//! and what closing means for the session: will, session expiry.

use super::problem::Problem;
use super::{Action, Broker, ConnId};
use crate::auth;
use crate::mutants::Behaviour as M;
use mqttspec_codec::{
    ConnAck, Connect, Disconnect, Packet, PacketType, Properties, ReasonCode, Rule, Version, Violation,
};
use std::collections::HashMap;
use std::time::Duration;

/// Per-connection state.
#[derive(Debug)]
pub(super) struct Conn {
    /// Set by CONNECT; `None` until then.
    pub(super) version: Option<Version>,
    pub(super) client_id: Option<String>,
    /// CONNACK with success was sent.
    pub(super) accepted: bool,
    pub(super) opened_at: Duration,
    pub(super) last_seen: Duration,
    pub(super) keep_alive: u16,
    /// Topic Alias mappings set by the client (MQTT-3.3.2-7 (5.0): per connection).
    pub(super) aliases: HashMap<u16, String>,
    /// The client's Receive Maximum (5.0) or the configured in-flight window.
    pub(super) send_window: u16,
    /// The client's Maximum Packet Size (known from its CONNECT on, so that a refusing
    /// CONNACK fits it too).
    pub(super) max_packet_size: u32,
    /// The client's Request Problem Information (5.0; absent means 1).
    pub(super) problem_information: bool,
    /// Session Expiry Interval requested in CONNECT (5.0), for the DISCONNECT check.
    pub(super) connect_session_expiry: u32,
    /// The user name, checked against the password file when there is one.
    pub(super) user: Option<String>,
    /// The enhanced authentication method of the CONNECT (5.0).
    pub(super) auth_method: Option<String>,
    /// A SCRAM exchange waiting for the client's final message.
    pub(super) scram: Option<auth::ScramPending>,
    /// A CONNECT waiting for its authentication exchange to end.
    pub(super) pending_connect: Option<Box<Connect>>,
    /// The client's Topic Alias Maximum: aliases the server may use towards it.
    pub(super) alias_max_out: u16,
    /// Topic Aliases the server has set on this connection.
    pub(super) aliases_out: HashMap<String, u16>,
    /// Refused, but kept for one more packet (the `refused-connect-data-processed`
    /// mutant only).
    pub(super) refused: bool,
    /// Packets the zero-quota-holds-all mutant keeps back while the send quota is zero.
    pub(super) held: Vec<mqttspec_codec::Packet>,
}

/// How long a connection may stay silent before sending CONNECT.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl Broker {
    pub(super) fn conn_deadline(&self, c: &Conn) -> Option<Duration> {
        if !c.accepted {
            // Also bounds an authentication exchange that never ends.
            return Some(c.opened_at + CONNECT_TIMEOUT);
        }
        // MQTT-3.1.2-24 (3.1.1) / MQTT-3.1.2-22 (5.0): one and a half keep-alives.
        let per_second = if self.mutant(M::KeepAliveWithoutGrace) { 1000 } else { 1500 };
        let enforced = c.keep_alive > 0 && !self.mutant(M::KeepAliveNotEnforced);
        enforced.then(|| c.last_seen + Duration::from_millis(u64::from(c.keep_alive) * per_second))
    }

    /// Takes a token from the connection-rate bucket; false when it is empty.
    pub(super) fn rate_allows(&mut self) -> bool {
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

    pub(super) fn open(&mut self, conn: ConnId) {
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
                problem_information: true,
                connect_session_expiry: 0,
                user: None,
                auth_method: None,
                scram: None,
                pending_connect: None,
                alias_max_out: 0,
                aliases_out: HashMap::new(),
                refused: false,
                held: Vec::new(),
            },
        );
    }

    /// Ends a connection because of a fault: 5.0 clients get a DISCONNECT (or a
    /// CONNACK before acceptance) with `reason`; then the will goes out.
    pub(super) fn fail(&mut self, conn: ConnId, reason: ReasonCode) {
        self.fail_with(conn, reason, None);
    }

    /// [`Broker::fail`] saying why (the Reason String and User Properties stay only
    /// where the client allows them: [`Broker::finalise`]).
    pub(super) fn fail_with(&mut self, conn: ConnId, reason: ReasonCode, why: Option<Problem>) {
        let Some(c) = self.conns.get(&conn) else { return };
        if c.version == Some(Version::V5) {
            let properties = why.map(|w| w.properties()).unwrap_or_default();
            let packet = if c.accepted {
                // Some refusals have codes only CONNACK may carry (0x84, 0x85, ...);
                // after acceptance they are protocol errors (MQTT-3.14.2-1 (5.0)).
                let allowed = reason.is_allowed_in(PacketType::Disconnect);
                let code = if allowed { reason } else { ReasonCode::PROTOCOL_ERROR };
                Packet::Disconnect(Disconnect { reason_code: code, properties })
            } else {
                // Before acceptance (during an authentication exchange) the answer is a
                // CONNACK, which has its own set of codes (MQTT-3.2.2-8 (5.0)).
                let code = self.connack_code(reason);
                Packet::ConnAck(ConnAck { session_present: false, code, properties })
            };
            let disconnected = matches!(packet, Packet::Disconnect(_));
            self.send(conn, packet);
            // MQTT-3.14.4-1 MQTT-3.14.4-2 (5.0): after its DISCONNECT the server sends
            // nothing more and closes.
            if disconnected && self.mutant(M::DisconnectWithoutClose) {
                return;
            }
        }
        // MQTT-3.1.2-8 (both): a close that is not a DISCONNECT publishes the will.
        self.drop_conn(conn, !self.mutant(M::WillNotOnProtocolError));
    }

    /// The code of a CONNACK refusing for `reason`: CONNACK has its own set of codes
    /// (MQTT-3.2.2-8 (5.0)), so a reason it lacks is sent as a Protocol Error.
    pub(super) fn connack_code(&self, reason: ReasonCode) -> ReasonCode {
        if reason.is_allowed_in(PacketType::ConnAck) || self.mutant(M::ConnackCodeUnchecked) {
            reason
        } else {
            ReasonCode::PROTOCOL_ERROR
        }
    }

    pub(super) fn invalid(&mut self, conn: ConnId, v: Violation) {
        let Some(c) = self.conns.get(&conn) else { return };
        if c.version.is_none() {
            // The CONNECT itself is at fault. 5.0: CONNACK with the reason code, then
            // close (§4.13.1); 3.1.1: a CONNACK only where the spec names a return code
            // (MQTT-3.1.2-2 MQTT-3.1.3-8 (3.1.1)), otherwise just close (MQTT-3.1.4-1 (3.1.1)).
            // The violation carries the version the CONNECT declared (the driver reads it
            // from the bytes when the fault came before the protocol level), 3.1.1 when
            // it declared none it could read: a 5.0 CONNACK is for 5.0 clients only.
            if v.rule == Rule::FirstPacketNotConnect {
                self.drop_conn(conn, false);
                return;
            }
            let version = if self.mutant(M::ConnackBeforeVersionKnown) { Version::V5 } else { v.version };
            let code = if version.is_v5() {
                Some(self.connack_code(v.reason_code()))
            } else {
                v.rule.v311_connack_code().map(ReasonCode)
            };
            if let Some(code) = code {
                let ack = ConnAck { session_present: false, code, properties: Properties::new() };
                // MQTT-3.14.0-1 (5.0): no DISCONNECT before a CONNACK below 0x80.
                let packet = if version.is_v5() && self.mutant(M::DisconnectBeforeConnack) {
                    Packet::Disconnect(Disconnect::new(code))
                } else {
                    Packet::ConnAck(ack)
                };
                self.send_as(conn, version, packet);
            }
            self.drop_conn(conn, false);
            return;
        }
        // MQTT-4.8.0-1 (3.1.1), MQTT-4.13.1-1 (5.0): never carry on after a violation.
        if self.mutant(M::ProtocolErrorIgnored) {
            return;
        }
        tracing::debug!(conn, %v, "closing on violation");
        // MQTT-4.8.0-1 (3.1.1), MQTT-4.13.1-1 (5.0): close, 5.0 with DISCONNECT and reason,
        // and a Reason String naming the rule, for whoever debugs the client.
        let text = format!("{}: {} (byte {})", v.citation(), v.rule.description(), v.offset);
        let why = Problem::new(text).about("statement", v.citation());
        self.fail_with(conn, v.reason_code(), Some(why));
    }

    pub(super) fn lost(&mut self, conn: ConnId) {
        // MQTT-3.1.2-8 (both): a lost connection publishes the will.
        self.drop_conn(conn, !self.mutant(M::WillNotOnAbruptClose));
    }

    /// Forgets `conn`, closes it, and detaches its session. `publish_will`: the end
    /// was not a normal DISCONNECT.
    pub(super) fn drop_conn(&mut self, conn: ConnId, publish_will: bool) {
        let Some(c) = self.conns.remove(&conn) else { return };
        self.out.push(Action::Close(conn));
        let Some(id) = c.client_id else { return };
        let (now, m) = (self.now, self.behaviour());
        let Some(s) = self.sessions.get_mut(&id) else { return };
        if s.conn != Some(conn) {
            return;
        }
        s.detach(now, publish_will, m);
        if m == Some(M::TopicAliasCarriedOver) {
            s.carried_aliases = c.aliases;
        }
        if s.will_due == Some(now) || (s.will_due.is_some() && s.expiry == 0) {
            self.fire_will(&id);
        }
        // MQTT-4.8.2-4 (5.0): a shared QoS 2 message in flight waits for its client.
        if m == Some(M::SharedQos2MovedOnLoss) {
            self.move_shared_qos2(&id);
        }
        // MQTT-3.1.2-4 (3.1.1), MQTT-3.1.2-23 (5.0): a session with an expiry outlives its
        // connection.
        let kept = |s: &super::Session| s.expiry != 0 && m != Some(M::SessionNotKept);
        if self.sessions.get(&id).is_some_and(|s| !kept(s)) {
            self.end_session(&id);
        }
    }

    pub(super) fn end_session(&mut self, id: &str) {
        // MQTT-4.8.2-5 (5.0): a shared message in flight to an ending session goes
        // to no other member.
        if self.mutant(M::SharedQos2MovedAtSessionEnd) {
            self.move_shared_qos2(id);
        }
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
        // MQTT-3.1.2-7 (3.1.1): retained messages are not session state.
        if self.mutant(M::RetainedDroppedWithSession) {
            self.retained.retain(|_, msg| msg.origin != id);
        }
    }

    pub(super) fn fire_will(&mut self, id: &str) {
        let Some(s) = self.sessions.get_mut(id) else { return };
        s.will_due = None;
        if let Some(will) = s.will.take() {
            self.publish_message(will.msg);
        }
    }

    pub(super) fn timers(&mut self) {
        let now = self.now;
        let expired: Vec<(ConnId, bool, u16)> = self
            .conns
            .iter()
            .filter(|(_, c)| self.conn_deadline(c).is_some_and(|d| d <= now))
            .map(|(id, c)| (*id, c.accepted, c.keep_alive))
            .collect();
        for (conn, connected, keep_alive) in expired {
            if connected {
                let why = Problem::new("no packet for one and a half times the Keep Alive");
                let why = why.about("keep-alive", keep_alive);
                self.fail_with(conn, ReasonCode::KEEP_ALIVE_TIMEOUT, Some(why));
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
        // MQTT-4.1.0-1 (both), MQTT-4.1.0-2 (3.1.1): session state stays while the
        // connection is open; the Session Expiry Interval runs from its close.
        if self.mutant(M::SessionStateDiscardedWhileConnected) {
            self.discard_connected_state();
        }
    }

    /// The `session-state-discarded-while-connected` mutant: expiry counted from the
    /// connect, so a connected session loses its subscriptions and messages.
    fn discard_connected_state(&mut self) {
        let now = self.now;
        let due: Vec<String> = self
            .sessions
            .iter()
            .filter(|(_, s)| {
                let opened = s.conn.and_then(|c| self.conns.get(&c)).map(|c| c.opened_at);
                let expiry = Duration::from_secs(u64::from(s.expiry));
                s.expiry != u32::MAX && opened.is_some_and(|at| at + expiry <= now)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for id in due {
            let Some(s) = self.sessions.get_mut(&id) else { continue };
            let subs = std::mem::take(&mut s.subs);
            s.queue.clear();
            for sub in &subs {
                self.index.remove(&id, &sub.filter, sub.share.is_some());
            }
        }
    }

    pub(super) fn disconnect(&mut self, conn: ConnId, d: Disconnect) {
        let Some(c) = self.conns.get(&conn) else { return };
        let v = c.version.unwrap_or(Version::V3_1_1);
        if v.is_v5() {
            if let Some(new_expiry) = d.properties.session_expiry_interval() {
                // §3.14.2.2.2: 0 in CONNECT and non-zero in DISCONNECT is a Protocol Error.
                if c.connect_session_expiry == 0 && new_expiry != 0 {
                    let why = Problem::new("a Session Expiry Interval in DISCONNECT after 0 in CONNECT");
                    return self.fail_with(
                        conn,
                        ReasonCode::PROTOCOL_ERROR,
                        Some(why.about("section", "3.14.2.2.2")),
                    );
                }
                let capped = new_expiry.min(self.config.max_session_expiry);
                if let Some(s) = c.client_id.as_ref().and_then(|id| self.sessions.get_mut(id)) {
                    s.expiry = capped;
                }
            }
        }
        // MQTT-3.1.2-10 MQTT-3.14.4-3 (both): a normal DISCONNECT discards the
        // will; 0x04 asks for it to be published.
        let with_will = v.is_v5() && d.reason_code == ReasonCode::DISCONNECT_WITH_WILL
            || self.mutant(M::WillOnNormalDisconnect);
        self.drop_conn(conn, with_will);
    }
}
