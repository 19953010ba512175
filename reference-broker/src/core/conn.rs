//! Per-connection state and the life of a connection (MQTT 3.1.1 §3.1.2.10, §3.14,
//! §4.8; MQTT 5.0 §3.1.2.10, §3.14, §4.13): admission, keep alive and the CONNECT
//! timeout, closing on a fault (with DISCONNECT in 5.0), DISCONNECT from the client,
//! and what closing means for the session: will, session expiry.

use super::{Action, Broker, ConnId};
use crate::auth;
use crate::mutants::Behaviour as M;
use mqttspec_codec::{
    ConnAck, Connect, Disconnect, Packet, PacketType, Properties, Property, ReasonCode, Rule, Version,
    Violation,
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
    /// The client's Maximum Packet Size.
    pub(super) max_packet_size: u32,
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
    pub(super) fn fail(&mut self, conn: ConnId, reason: ReasonCode) {
        self.fail_with(conn, reason, None);
    }

    /// [`Broker::fail`] with a Reason String for the DISCONNECT, sent only if the
    /// packet still fits the client's Maximum Packet Size (MQTT-3.14.2-3 (5.0)).
    pub(super) fn fail_with(&mut self, conn: ConnId, reason: ReasonCode, text: Option<String>) {
        let Some(c) = self.conns.get(&conn) else { return };
        if c.version == Some(Version::V5) {
            let packet = if c.accepted {
                // Some refusals have codes only CONNACK may carry (0x84, 0x85, ...);
                // after acceptance they are protocol errors (MQTT-3.14.2-1 (5.0)).
                let allowed = reason.is_allowed_in(PacketType::Disconnect);
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
                // CONNACK, which has its own set of codes (MQTT-3.2.2-8 (5.0)).
                let allowed = reason.is_allowed_in(PacketType::ConnAck);
                Packet::ConnAck(ConnAck {
                    session_present: false,
                    code: if allowed { reason } else { ReasonCode::PROTOCOL_ERROR },
                    properties: Properties::new(),
                })
            };
            self.send(conn, packet);
        }
        // MQTT-3.1.2-8 (both): a close that is not a DISCONNECT publishes the will.
        self.drop_conn(conn, !self.mutant(M::WillNotOnProtocolError));
    }

    pub(super) fn invalid(&mut self, conn: ConnId, v: Violation) {
        let Some(c) = self.conns.get(&conn) else { return };
        if c.version.is_none() {
            // The CONNECT itself is at fault. 5.0: CONNACK with the reason code, then
            // close (§4.13.1); 3.1.1: a CONNACK only where the spec names a return code
            // (MQTT-3.1.2-2 MQTT-3.1.3-8 (3.1.1)), otherwise just close (MQTT-3.1.4-1 (3.1.1)).
            if v.rule == Rule::FirstPacketNotConnect {
                self.drop_conn(conn, false);
                return;
            }
            let code = if v.version.is_v5() {
                let r = v.reason_code();
                Some(if r.is_allowed_in(PacketType::ConnAck) { r } else { ReasonCode::PROTOCOL_ERROR })
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
        // MQTT-4.8.0-1 (3.1.1), MQTT-4.13.1-1 (5.0): never carry on after a violation.
        if self.mutant(M::ProtocolErrorIgnored) {
            return;
        }
        tracing::debug!(conn, %v, "closing on violation");
        // MQTT-4.8.0-1 (3.1.1), MQTT-4.13.1-1 (5.0): close, 5.0 with DISCONNECT and reason,
        // and a Reason String naming the rule, for whoever debugs the client.
        let text = format!("{}: {} (byte {})", v.citation(), v.rule.description(), v.offset);
        self.fail_with(conn, v.reason_code(), Some(text));
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

    pub(super) fn disconnect(&mut self, conn: ConnId, d: Disconnect) {
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
        // MQTT-3.1.2-10 MQTT-3.14.4-3 (both): a normal DISCONNECT discards the
        // will; 0x04 asks for it to be published.
        let with_will = v.is_v5() && d.reason_code == ReasonCode::DISCONNECT_WITH_WILL
            || self.mutant(M::WillOnNormalDisconnect);
        self.drop_conn(conn, with_will);
    }
}
