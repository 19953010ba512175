//! CONNECT and CONNACK (MQTT 3.1.1 §3.1, §3.2; MQTT 5.0 §3.1, §3.2): credentials,
//! the Client Identifier, session take-over and Clean Start, negotiated limits, and a
//! CONNACK that fits the client's Maximum Packet Size.

use super::problem::Problem;
use super::session::{self, Message, Session};
use super::{Broker, ConnId};
use crate::acl::{Acl, Principal};
use crate::auth;
use crate::mutants::Behaviour as M;
use mqttspec_codec::{
    ConnAck, Connect, Disconnect, Packet, Properties, Property, ReasonCode, Version,
    reason_code::v311_connack,
};
use std::sync::Arc;

/// The Response Information given to a client that requests it (§4.10.3): the root
/// under which it may choose its Response Topics.
const RESPONSE_INFORMATION: &str = "response/";

/// What the server grants a CONNECT.
#[derive(Debug)]
struct Terms {
    /// The Session Expiry Interval the client asked for (3.1.1: 0 or never).
    requested_expiry: u32,
    /// The Session Expiry Interval granted.
    expiry: u32,
    /// The Keep Alive in force.
    keep_alive: u16,
}

impl Broker {
    /// Refuses a CONNECT with CONNACK `v5` (or `v311`, if 3.1.1 has a code for it),
    /// saying `why`.
    pub(super) fn refuse(
        &mut self,
        conn: ConnId,
        version: Version,
        codes: (ReasonCode, Option<u8>),
        why: Problem,
    ) {
        self.refuse_as(conn, version, codes, why, None);
    }

    /// [`Self::refuse`] a CONNECT from `client_id`, whose session may be stored.
    pub(super) fn refuse_as(
        &mut self,
        conn: ConnId,
        version: Version,
        (v5, v311): (ReasonCode, Option<u8>),
        why: Problem,
        client_id: Option<&str>,
    ) {
        let code = if version.is_v5() { Some(v5) } else { v311.map(ReasonCode) };
        if let Some(code) = code {
            // MQTT-3.2.2-4 (3.1.1), MQTT-3.2.2-6 (5.0): a refusal has Session Present 0,
            // whether or not the client's session is stored.
            let stored = client_id.is_some_and(|id| self.sessions.contains_key(id));
            let session_present = self.mutant(M::RefusalSessionPresent)
                || stored && self.mutant(M::RefusalReportsStoredSession);
            let ack = ConnAck { session_present, code, properties: why.properties() };
            self.send_as(conn, version, Packet::ConnAck(ack));
        }
        // MQTT-3.1.4-5 (3.1.1), MQTT-3.1.4-6 (5.0): nothing the client sent after a refused
        // CONNECT is acted on.
        if self.mutant(M::RefusedConnectDataProcessed) {
            if let Some(c) = self.conns.get_mut(&conn) {
                c.version = Some(version);
                c.client_id = Some(format!("refused#{conn}"));
                c.refused = true;
            }
            return;
        }
        // MQTT-3.2.2-5 (3.1.1), MQTT-3.2.2-7 MQTT-4.13.2-1 (5.0): a refusal closes.
        if !self.mutant(M::RefusedConnectionKeptOpen) {
            self.drop_conn(conn, false);
        }
    }

    pub(super) fn connect(&mut self, conn: ConnId, c: Connect) {
        let v = c.version;
        if let Some(state) = self.conns.get_mut(&conn).filter(|_| v.is_v5()) {
            // What the client allows in what it is sent, a refusing CONNACK included.
            state.max_packet_size = c.properties.maximum_packet_size().unwrap_or(u32::MAX);
            state.problem_information =
                !c.properties.iter().any(|p| matches!(p, Property::RequestProblemInformation(0)));
        }
        let cfg = &self.config;
        if let Some(w) = &c.will {
            // MQTT-3.2.2-12 / MQTT-3.2.2-13 (5.0): a will the server cannot honour.
            if v.is_v5() && w.qos as u8 > cfg.maximum_qos && !self.mutant(M::WillQosAboveMaximumAccepted) {
                let why = Problem::new("the Will QoS is above this server's Maximum QoS")
                    .about("maximum-qos", cfg.maximum_qos);
                return self.refuse(conn, v, (ReasonCode::QOS_NOT_SUPPORTED, None), why);
            }
            if v.is_v5() && w.retain && !cfg.retain_available && !self.mutant(M::RetainedWillAccepted) {
                let why = Problem::new("this server keeps no retained messages, so no retained Will")
                    .about("retain-available", 0);
                return self.refuse(conn, v, (ReasonCode::RETAIN_NOT_SUPPORTED, None), why);
            }
        }
        let ignore_method = self.mutant(M::UnsupportedAuthMethodAccepted);
        if let Some(method) = c.properties.authentication_method().filter(|_| v.is_v5() && !ignore_method) {
            // MQTT-4.12.0-1 (5.0): a method the server does not offer is refused with 0x8C.
            if method.as_str().ok() != Some(auth::SCRAM_SHA_256) || cfg.users.is_none() {
                let offered = if cfg.users.is_some() { auth::SCRAM_SHA_256 } else { "none" };
                let why = Problem::new(format!("authentication method not offered (offered: {offered})"))
                    .about("authentication-method", String::from_utf8_lossy(method.as_bytes()));
                return self.refuse(conn, v, (ReasonCode::BAD_AUTHENTICATION_METHOD, None), why);
            }
            return self.start_scram(conn, c);
        }
        let user = c.username.as_ref().map(|u| u.to_string());
        if let (Some(users), Some(name)) = (&cfg.users, &user) {
            // §3.1.3.5 / §5.4.1: the password must match the stored credential.
            if !users.check_password(name, c.password.as_deref().unwrap_or_default()) {
                let codes =
                    (ReasonCode::BAD_USER_NAME_OR_PASSWORD, Some(v311_connack::BAD_USER_NAME_OR_PASSWORD));
                let why = Problem::new("user name or password not accepted").about("user-name", name);
                return self.refuse_as(conn, v, codes, why, c.client_id.as_str().ok());
            }
        }
        if !cfg.allow_anonymous && user.is_none() {
            let why = Problem::new("this server accepts no client without a user name");
            let codes = (ReasonCode::NOT_AUTHORIZED, Some(v311_connack::NOT_AUTHORIZED));
            let why = why.about("allow-anonymous", "false");
            return self.refuse_as(conn, v, codes, why, c.client_id.as_str().ok());
        }
        // MQTT-4.12.0-6 (5.0): no Authentication Method in CONNACK unless the client sent one.
        let advertised = (v.is_v5() && self.mutant(M::AuthMethodAdvertised))
            .then(|| Property::AuthenticationMethod(auth::SCRAM_SHA_256.into()));
        self.accept(conn, c, user, advertised.into_iter().collect());
    }

    /// Refuses a ClientId: MQTT-3.1.3-9 (3.1.1): CONNACK 0x02, then close;
    /// MQTT-3.1.3-8 (5.0): CONNACK 0x85 (optional), then close.
    fn refuse_client_id(&mut self, conn: ConnId, v: Version) {
        let v311 = if self.mutant(M::ClientIdRefusedNotAuthorized) {
            v311_connack::NOT_AUTHORIZED
        } else {
            v311_connack::IDENTIFIER_REJECTED
        };
        if self.mutant(M::ClientIdRefusalKeptOpen) {
            let code = if v.is_v5() { ReasonCode::CLIENT_IDENTIFIER_NOT_VALID } else { ReasonCode(v311) };
            let ack = ConnAck { session_present: false, code, properties: Properties::new() };
            return self.send_as(conn, v, Packet::ConnAck(ack));
        }
        let why = Problem::new("this server does not accept this Client Identifier");
        self.refuse(conn, v, (ReasonCode::CLIENT_IDENTIFIER_NOT_VALID, Some(v311)), why);
    }

    /// Accepts a CONNECT whose credentials were checked: session, will, CONNACK.
    /// `auth_props`: Authentication Method and Data for the CONNACK.
    pub(super) fn accept(
        &mut self,
        conn: ConnId,
        c: Connect,
        user: Option<String>,
        auth_props: Vec<Property>,
    ) {
        let v = c.version;
        let mut props = Vec::new();
        let Some(client_id) = self.client_id_for(&c, &mut props) else {
            return self.refuse_client_id(conn, v);
        };
        // MQTT-3.1.3-2 (both): the session is the ClientId's.
        let client_id =
            if self.mutant(M::SessionKeyedByConnection) { format!("{client_id}#{conn}") } else { client_id };
        if !self.will_allowed(&c, user.as_deref(), &client_id) {
            let topic = c.will.as_ref().map(|w| w.topic.to_string()).unwrap_or_default();
            let why =
                Problem::new("not authorized to publish the Will to its topic").about("will-topic", topic);
            let codes = (ReasonCode::NOT_AUTHORIZED, Some(v311_connack::NOT_AUTHORIZED));
            return self.refuse(conn, v, codes, why);
        }
        props.extend(auth_props);
        let mut terms = self.negotiate(&c, &mut props);
        let resumed = self.take_over(&client_id, c.clean_start);
        // MQTT-3.1.2-4 (3.1.1), MQTT-3.1.2-6 (5.0): without a session to resume, Clean
        // Start 0 creates one, as lasting as any other.
        if !resumed && !c.clean_start && self.mutant(M::NewSessionNotKept) {
            terms.expiry = 0;
        }
        let session_present = match self.behaviour() {
            Some(M::SessionPresentAlways0) => false,
            Some(M::SessionPresentOnNewSession) => resumed || !c.clean_start,
            _ => resumed,
        };
        self.attach(conn, c, user, &client_id, &terms);
        let Some(connack) = self.fitting_connack(conn, v, session_present, props) else {
            return self.refuse_oversized(conn, &client_id, session_present);
        };
        // MQTT-3.1.4-4 (3.1.1), MQTT-3.1.4-5 (5.0): an accepted CONNECT gets CONNACK 0.
        // MQTT-3.2.2-1 MQTT-3.2.2-2 MQTT-3.2.2-3 (3.1.1), MQTT-3.2.2-2 MQTT-3.2.2-3 (5.0):
        // Session Present says whether a session was resumed.
        // MQTT-3.2.0-1 (both): the CONNACK goes first, before what the session owes.
        let resume_first = self.mutant(M::ResumeBeforeConnack);
        if resumed && resume_first {
            self.resume(&client_id);
        }
        // MQTT-3.2.2-1 (5.0): bits 7-1 of the Connect Acknowledge Flags are 0.
        if self.mutant(M::ConnackReservedFlagsSet) {
            let flags = Some(0x02 | u8::from(session_present));
            self.send_tampered(
                conn,
                &connack,
                &mqttspec_codec::Tamper { connack_flags: flags, ..Default::default() },
            );
        } else if !self.mutant(M::ConnackMissing) {
            self.send(conn, connack);
        }
        if resumed && !resume_first {
            self.resume(&client_id);
        }
    }

    /// The CONNECT's Client Identifier, or a new one when it is empty (reported in
    /// `props` to a 5.0 client); `None` when it is not valid UTF-8.
    fn client_id_for(&mut self, c: &Connect, props: &mut Vec<Property>) -> Option<String> {
        match c.client_id.as_str() {
            Ok("") => {
                // MQTT-3.1.3-6 (both): a new identifier, short (it must fit small Maximum
                // Packet Sizes) and unused (MQTT-3.2.2-16 (5.0): unique among the
                // server's sessions).
                let id = loop {
                    if self.mutant(M::AssignedIdReused) {
                        break "~1".to_string();
                    }
                    self.assigned_ids += 1;
                    let id = format!("~{}", self.assigned_ids);
                    if !self.sessions.contains_key(&id) {
                        break id;
                    }
                };
                // MQTT-3.1.3-7 MQTT-3.2.2-16 (5.0): report the identifier the server chose.
                if c.version.is_v5() && !self.mutant(M::AssignedIdNotReported) {
                    props.push(Property::AssignedClientIdentifier(id.as_str().into()));
                }
                Some(id)
            }
            // MQTT-3.1.3-5 (both): 1 to 23 letters and digits are always allowed.
            Ok(id) if id.len() >= 23 && self.mutant(M::ClientId23Refused) => None,
            Ok(id) if self.config.max_client_id_length.is_some_and(|max| id.len() > max) => None,
            Ok(id) => Some(id.to_string()),
            Err(_) => None,
        }
    }

    /// Whether the CONNECT's Will, if any, may be published by this client (§5.4.2:
    /// the Will is a publication like any other).
    fn will_allowed(&self, c: &Connect, user: Option<&str>, client_id: &str) -> bool {
        let Some(w) = &c.will else { return true };
        let who = Principal { user, client: client_id };
        Acl::new(&self.config.acl).may_publish(who, &w.topic.to_string())
    }

    /// Session expiry and Keep Alive as the server grants them; the CONNACK
    /// properties that tell a 5.0 client so, and what the server supports, go to
    /// `props`.
    fn negotiate(&self, c: &Connect, props: &mut Vec<Property>) -> Terms {
        let (v, cfg) = (c.version, &self.config);
        let requested_expiry = if v.is_v5() {
            c.properties.session_expiry_interval().unwrap_or(0)
        } else if c.clean_start {
            0
        } else {
            u32::MAX
        };
        let expiry = requested_expiry.min(cfg.max_session_expiry);
        // MQTT-3.1.2-6 (3.1.1), MQTT-4.1.0-2 (5.0): the session ends with its expiry.
        let expiry = if self.mutant(M::SessionNeverExpires) { u32::MAX } else { expiry };
        if v.is_v5() && expiry != requested_expiry {
            props.push(Property::SessionExpiryInterval(expiry));
        }
        // §3.2.2.3.14 (5.0): the server may impose its own Keep Alive, and the client
        // must then use it (MQTT-3.1.2-21 (5.0)). A 3.1.1 client cannot be told, so
        // its own value stands.
        let imposed = cfg
            .server_keep_alive
            .or_else(|| cfg.max_keep_alive.filter(|max| c.keep_alive == 0 || c.keep_alive > *max))
            .filter(|_| v.is_v5());
        if v.is_v5() {
            // MQTT-3.2.2-22 (5.0): without Server Keep Alive the client's value stands.
            let announced = imposed.filter(|_| !self.mutant(M::ServerKeepAliveNotAnnounced));
            props.extend(announced.map(Property::ServerKeepAlive));
            props.extend(self.capabilities());
            // MQTT-3.1.2-28 (5.0): Response Information only for a client that asks (last:
            // the first to go when the CONNACK must shrink).
            let asked = c.properties.iter().any(|p| matches!(p, Property::RequestResponseInformation(1)));
            if asked || self.mutant(M::ResponseInformationUnrequested) {
                props.push(Property::ResponseInformation(RESPONSE_INFORMATION.into()));
            }
        }
        Terms { requested_expiry, expiry, keep_alive: imposed.unwrap_or(c.keep_alive) }
    }

    /// Takes over a connection of the same client and applies Clean Start; says
    /// whether a session is present for `client_id` afterwards.
    fn take_over(&mut self, client_id: &str, clean_start: bool) -> bool {
        // MQTT-3.1.4-2 (3.1.1), MQTT-3.1.4-3 (5.0): an existing connection with the
        // same client identifier is taken over.
        let old = self.sessions.get(client_id).and_then(|s| s.conn);
        let taken_over = old.is_some() && !self.mutant(M::TakeoverKeepsOldConnection);
        if let Some(old) = old.filter(|_| taken_over) {
            let v5 = self.conns.get(&old).and_then(|c| c.version) == Some(Version::V5);
            if v5 && !self.mutant(M::TakeoverWithoutDisconnect) {
                let why = Problem::new("another connection took over this session");
                let mut d = Disconnect::new(ReasonCode::SESSION_TAKEN_OVER);
                d.properties = why.about("client-identifier", client_id).properties();
                // MQTT-3.14.2-2 (5.0): a server's DISCONNECT has no Session Expiry Interval.
                if self.mutant(M::TakeoverDisconnectSessionExpiry) {
                    let expiry = self.sessions.get(client_id).map_or(0, |s| s.expiry);
                    d.properties =
                        Properties::build([Property::SessionExpiryInterval(expiry)]).unwrap_or_default();
                }
                self.send(old, Packet::Disconnect(d));
            }
            self.drop_conn(old, true);
        }
        // MQTT-3.1.3-9 (5.0): reconnecting within the Will Delay Interval cancels the will.
        if self.mutant(M::WillNotCancelledByReconnect)
            && self.sessions.get(client_id).is_some_and(|s| s.will_due.is_some())
        {
            self.fire_will(client_id);
        }
        // MQTT-3.1.4-3 (3.1.1), MQTT-3.1.4-4 (5.0): a take-over too applies its own Clean
        // Start.
        let clean_start = match self.behaviour() {
            Some(M::TakeoverIgnoresCleanStart) if taken_over => false,
            Some(M::TakeoverDiscardsSession) if taken_over => true,
            _ => clean_start,
        };
        // MQTT-3.1.2-6 (3.1.1), MQTT-3.1.2-4 (5.0): Clean Start discards the session.
        if clean_start && self.sessions.contains_key(client_id) && !self.mutant(M::CleanStartKeepsSession) {
            self.end_session(client_id);
        }
        self.sessions.contains_key(client_id)
    }

    /// Records the accepted CONNECT on the connection and attaches the session
    /// (created if absent) with its Will.
    fn attach(&mut self, conn: ConnId, c: Connect, user: Option<String>, client_id: &str, terms: &Terms) {
        let v = c.version;
        let (max_inflight, m) = (self.config.max_inflight, self.behaviour());
        let carried = self.sessions.get_mut(client_id).map(|s| std::mem::take(&mut s.carried_aliases));
        let conn_state = self.conns.get_mut(&conn).expect("connection exists");
        conn_state.aliases.extend(carried.into_iter().flatten());
        conn_state.version = Some(v);
        conn_state.client_id = Some(client_id.to_string());
        conn_state.accepted = true;
        conn_state.user = user.clone();
        conn_state.keep_alive = terms.keep_alive;
        conn_state.connect_session_expiry = terms.requested_expiry;
        if v.is_v5() {
            conn_state.send_window = c.properties.receive_maximum().unwrap_or(u16::MAX);
            conn_state.max_packet_size = c.properties.maximum_packet_size().unwrap_or(u32::MAX);
            conn_state.alias_max_out = c.properties.topic_alias_maximum().unwrap_or(0);
        } else {
            conn_state.send_window = max_inflight;
        }
        let now = self.now;
        let session =
            self.sessions.entry(client_id.to_string()).or_insert_with(|| Session::new(client_id.to_string()));
        // MQTT-3.1.2-12 (3.1.1): the Will is the connection's; one without keeps none.
        let kept = if m == Some(M::WillKeptWithSession) { session.will.take() } else { None };
        session.attach(conn, v, terms.expiry);
        session.user = user;
        // MQTT-3.1.2-8 (3.1.1), MQTT-3.1.2-7 (5.0): the Will is stored with the session.
        let will = c.will.filter(|_| m != Some(M::WillNotStored));
        session.will = will.map(|mut w| {
            // MQTT-3.1.2-16 MQTT-3.1.2-17 (3.1.1), MQTT-3.1.2-14 MQTT-3.1.2-15 (5.0): the
            // will is retained exactly when Will Retain says so.
            w.retain = match m {
                Some(M::WillRetainIgnored) => false,
                Some(M::WillAlwaysRetained) => true,
                _ => w.retain,
            };
            let delay = w.properties.will_delay_interval().unwrap_or(0);
            let msg = Message::from_will(client_id, w, now);
            session::StoredWill { msg: Arc::new(msg), delay }
        });
        if session.will.is_none() {
            session.will = kept;
        }
    }

    /// The success CONNACK with as many of `props` as fit the client's Maximum Packet
    /// Size, or `None` when not even the essential ones do.
    fn fitting_connack(
        &self,
        conn: ConnId,
        v: Version,
        session_present: bool,
        mut props: Vec<Property>,
    ) -> Option<Packet> {
        // MQTT-3.1.2-24 (5.0): not even the CONNACK may exceed the client's Maximum
        // Packet Size. The properties are ordered by importance; the least important
        // go first until the packet fits.
        // The Assigned Client Identifier (first, if present) is never dropped: without
        // it the client could not resume its session (MQTT-3.2.2-16 (5.0)).
        let max = self.conns.get(&conn).map_or(u32::MAX, |c| c.max_packet_size) as usize;
        // Nor are the Authentication Method and Data (MQTT-4.12.0-5 (5.0)).
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
        loop {
            let properties = Properties::build(props.iter().cloned()).unwrap_or_default();
            let code =
                if self.mutant(M::AcceptedWithNonzeroCode) { ReasonCode(1) } else { ReasonCode::SUCCESS };
            let ack = Packet::ConnAck(ConnAck { session_present, code, properties });
            if ack.encoded_len(v).is_ok_and(|len| len <= max) {
                return Some(ack);
            }
            if props.len() == essential {
                return None;
            }
            props.pop();
        }
    }

    /// Not even the essentials of the CONNACK fit: refuse with the smallest CONNACK
    /// there is, leaving a session that existed before as it was.
    fn refuse_oversized(&mut self, conn: ConnId, client_id: &str, session_present: bool) {
        if session_present {
            let now = self.now;
            if let Some(s) = self.sessions.get_mut(client_id) {
                s.detach(now, false, None);
            }
        } else {
            self.sessions.remove(client_id);
        }
        let max = self.conns.get(&conn).map_or(u32::MAX, |c| c.max_packet_size);
        if let Some(c) = self.conns.get_mut(&conn) {
            c.accepted = false;
            c.client_id = None;
        }
        if max >= 5 {
            self.fail(conn, ReasonCode::PACKET_TOO_LARGE);
        } else {
            self.drop_conn(conn, false);
        }
    }

    /// CONNACK properties that describe what this broker supports, most important
    /// first (a client assuming a default for a missing one does the least harm at
    /// the end of the list).
    pub(super) fn capabilities(&self) -> Vec<Property> {
        let cfg = &self.config;
        let mut props = Vec::new();
        // MQTT-3.2.2-9 (5.0): a server without QoS 2 says what it supports.
        if cfg.maximum_qos < 2 && !self.mutant(M::MaximumQosNotAdvertised) {
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
}
