//! What the oracle knows during a run: each client's view of its connection, the
//! broker under test, the flows and grants it has seen, and the messages owed to
//! sessions whose client is away.

use super::flows::Flows;
use crate::core::{Broker, ConnId};
use bytes::Bytes;
use mqttspec_codec::{Publish, StreamDecoder, Version};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

#[derive(Default)]
pub(super) struct ClientView {
    pub(super) version: Option<Version>,
    pub(super) max_packet: Option<u32>,
    pub(super) decoder: Option<StreamDecoder>,
    pub(super) closed: bool,
    /// Client identifier from CONNECT, when the client chose one.
    pub(super) client_id: Option<String>,
    /// A CONNECT was seen (a second one is a protocol error and changes nothing).
    pub(super) connected: bool,
    /// The connection was opened (the core ignores packets on unknown connections).
    pub(super) opened: bool,
    /// SUBSCRIBEs awaiting SUBACK: packet identifier -> filters.
    pub(super) pending: HashMap<u16, Vec<String>>,
    /// The session this connection is attached to, once CONNACK accepted it.
    pub(super) session: Option<String>,
    /// The client's Topic Alias Maximum, and the aliases the broker set so far.
    pub(super) alias_max: u16,
    pub(super) aliases: HashMap<u16, String>,
}

impl ClientView {
    /// The topic of a PUBLISH the broker sent, through its Topic Alias if it has one.
    pub(super) fn resolve_topic(&mut self, p: &Publish) -> Result<String, String> {
        let Some(alias) = p.properties.topic_alias() else { return Ok(p.topic.to_string()) };
        if alias == 0 || alias > self.alias_max {
            return Err(format!(
                "MQTT-3.1.2-26 MQTT-3.1.2-27 (5.0): {p:?} uses Topic Alias {alias}; the client's maximum is {}",
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

pub(super) struct Run {
    pub(super) broker: Broker,
    pub(super) now: Duration,
    pub(super) clients: HashMap<ConnId, ClientView>,
    /// Per client identifier: every filter ever granted, with the highest QoS granted.
    /// An over-approximation (unsubscribes and expiry are not subtracted), so a
    /// delivery outside it is certainly wrong.
    pub(super) grants: HashMap<String, HashMap<String, u8>>,
    /// Outgoing flows per session.
    pub(super) flows: HashMap<String, Flows>,
    /// Per session: the filters it certainly holds, with the QoS granted last. Entered
    /// on a successful SUBACK of this session's life; left on any UNSUBSCRIBE of the
    /// filter, a refused SUBACK, or a new session. Shared subscriptions are never
    /// certain (another member may take the message).
    pub(super) certain: HashMap<String, HashMap<String, u8>>,
    /// QoS 1/2 PUBLISHes from clients awaiting the broker's PUBACK / PUBREC: (connection, packet
    /// identifier) -> (topic, payload).
    pub(super) inbound: HashMap<(ConnId, u16), (String, Bytes)>,
    /// Messages owed to absent sessions.
    pub(super) owed: Vec<Owed>,
    /// Per (session, payload): how often it arrived as a new PUBLISH (neither DUP nor
    /// RETAIN).
    pub(super) copies: HashMap<(String, Bytes), usize>,
    /// Per session, every filter ever granted in its life, as subscribed (so that a
    /// shared and a plain subscription to the same filter count twice).
    pub(super) subscribed: HashMap<String, HashSet<String>>,
    /// The payloads the run gave its PUBLISHes.
    pub(super) stamped: HashSet<Bytes>,
    /// Print every input and action to stderr.
    pub(super) trace: bool,
}

/// A message published while a session's client was away, to a topic the session
/// certainly subscribes to at QoS 1 or 2.
#[derive(Debug)]
pub(super) struct Owed {
    pub(super) session: String,
    pub(super) topic: String,
    pub(super) payload: Bytes,
    /// The broker's drop count before the step that accepted the message.
    pub(super) drops_before: u64,
    pub(super) delivered: bool,
}
