//! Reason Strings and User Properties on what the server sends (MQTT 5.0 §3.1.2.11.4,
//! §3.1.2.11.7, and the Reason String and User Property of §3.2.2.3, §3.4.2.2–§3.7.2.2,
//! §3.9.2.1, §3.11.2.1, §3.14.2.2, §3.15.2.2).
//!
//! Where the broker refuses something it says why: a Reason String for people and User
//! Properties naming the thing at issue (a topic, a filter, a packet identifier) for
//! programs. Both are optional, so the client decides: they go only where it asked for
//! them (Request Problem Information) and only while the packet still fits its
//! Maximum Packet Size. Every packet to a connection passes [`Broker::finalise`], so
//! that rule lives in one place whatever packet carries them.

use super::{Broker, ConnId};
use crate::mutants::Behaviour as M;
use mqttspec_codec::{Packet, PacketType, Properties, Property, PropertyId, Version};

/// Why a packet is not a plain success.
#[derive(Debug, Clone)]
pub(super) struct Problem {
    text: String,
    details: Vec<(String, String)>,
}

impl Problem {
    /// A Reason String: a short sentence for whoever reads the client's log.
    pub(super) fn new(text: impl Into<String>) -> Self {
        Problem { text: text.into(), details: Vec::new() }
    }

    /// Adds a User Property naming what the problem is about.
    pub(super) fn about(mut self, key: &str, value: impl ToString) -> Self {
        self.details.push((key.to_string(), value.to_string()));
        self
    }

    /// The Reason String, then the User Properties, as a property block (empty when a
    /// value is too long to encode, which only a client-chosen name could make it).
    pub(super) fn properties(&self) -> Properties {
        let reason = Property::ReasonString(self.text.as_str().into());
        let details =
            self.details.iter().map(|(k, v)| Property::UserProperty(k.as_str().into(), v.as_str().into()));
        Properties::build(std::iter::once(reason).chain(details)).unwrap_or_default()
    }
}

/// The properties of the packets that may carry a Reason String (all but PUBLISH,
/// whose User Properties are the message's own and are never touched here).
fn diagnosable(packet: &mut Packet) -> Option<&mut Properties> {
    match packet {
        Packet::ConnAck(p) => Some(&mut p.properties),
        Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
            Some(&mut p.properties)
        }
        Packet::SubAck(p) => Some(&mut p.properties),
        Packet::UnsubAck(p) => Some(&mut p.properties),
        Packet::Disconnect(p) => Some(&mut p.properties),
        Packet::Auth(p) => Some(&mut p.properties),
        _ => None,
    }
}

/// Removes every property `id` from the packet's block; says whether there was one.
fn strip(packet: &mut Packet, id: PropertyId) -> bool {
    let Some(props) = diagnosable(packet) else { return false };
    if props.get(id).is_none() {
        return false;
    }
    let kept: Vec<Property> = props.iter().filter(|p| p.id() != id).collect();
    *props = Properties::build(kept).unwrap_or_default();
    true
}

/// The mutant that keeps the Reason String (`reason`) or the User Properties of a
/// packet of type `ty` although the packet then exceeds the client's limit.
fn kept_beyond_limit(ty: PacketType, reason: bool) -> Option<M> {
    Some(match (ty, reason) {
        (PacketType::ConnAck, true) => M::ConnackReasonStringOversize,
        (PacketType::ConnAck, false) => M::ConnackUserPropertyOversize,
        (PacketType::PubAck, true) => M::PubackReasonStringOversize,
        (PacketType::PubAck, false) => M::PubackUserPropertyOversize,
        (PacketType::PubRec, true) => M::PubrecReasonStringOversize,
        (PacketType::PubRec, false) => M::PubrecUserPropertyOversize,
        (PacketType::PubRel, true) => M::PubrelReasonStringOversize,
        (PacketType::PubRel, false) => M::PubrelUserPropertyOversize,
        (PacketType::PubComp, true) => M::PubcompReasonStringOversize,
        (PacketType::PubComp, false) => M::PubcompUserPropertyOversize,
        (PacketType::SubAck, true) => M::SubackReasonStringOversize,
        (PacketType::SubAck, false) => M::SubackUserPropertyOversize,
        (PacketType::UnsubAck, true) => M::UnsubackReasonStringOversize,
        (PacketType::UnsubAck, false) => M::UnsubackUserPropertyOversize,
        (PacketType::Disconnect, true) => M::DisconnectReasonStringOversize,
        (PacketType::Disconnect, false) => M::DisconnectUserPropertyOversize,
        (PacketType::Auth, true) => M::AuthReasonStringOversize,
        (PacketType::Auth, false) => M::AuthUserPropertyOversize,
        _ => return None,
    })
}

impl Broker {
    /// What every packet to `conn` goes through before it is sent: the Reason String
    /// and User Properties of a packet other than PUBLISH stay only where the client
    /// allows them.
    pub(super) fn finalise(&self, conn: ConnId, version: Version, mut packet: Packet) -> Packet {
        let ty = packet.packet_type();
        if diagnosable(&mut packet).is_none_or(|p| p.is_empty()) {
            return packet;
        }
        if !version.is_v5() {
            // 3.1.1 packets have no properties at all.
            strip(&mut packet, PropertyId::REASON_STRING);
            strip(&mut packet, PropertyId::USER_PROPERTY);
            return packet;
        }
        let (max, wanted) =
            self.conns.get(&conn).map_or((u32::MAX, true), |c| (c.max_packet_size, c.problem_information));
        let m = self.behaviour();
        // MQTT-3.1.2-29 (5.0): with Request Problem Information 0, no Reason String or
        // User Property on anything but PUBLISH, CONNACK and DISCONNECT.
        if !wanted && !matches!(ty, PacketType::ConnAck | PacketType::Disconnect) {
            if m != Some(M::ProblemInformationReasonStringSent) {
                strip(&mut packet, PropertyId::REASON_STRING);
            }
            if m != Some(M::ProblemInformationUserPropertySent) {
                strip(&mut packet, PropertyId::USER_PROPERTY);
            }
        }
        // Neither may make the packet exceed the client's Maximum Packet Size:
        // MQTT-3.2.2-19 MQTT-3.2.2-20 (5.0) CONNACK, MQTT-3.4.2-2 MQTT-3.4.2-3 (5.0) PUBACK,
        // MQTT-3.5.2-2 MQTT-3.5.2-3 (5.0) PUBREC, MQTT-3.6.2-2 MQTT-3.6.2-3 (5.0) PUBREL,
        // MQTT-3.7.2-2 MQTT-3.7.2-3 (5.0) PUBCOMP, MQTT-3.9.2-1 MQTT-3.9.2-2 (5.0) SUBACK,
        // MQTT-3.11.2-1 MQTT-3.11.2-2 (5.0) UNSUBACK, MQTT-3.14.2-3 MQTT-3.14.2-4 (5.0)
        // DISCONNECT, MQTT-3.15.2-2 MQTT-3.15.2-3 (5.0) AUTH. The User Properties go
        // first, so that whoever reads the log keeps the sentence as long as it fits.
        let too_large = |p: &Packet| p.encoded_len(Version::V5).is_ok_and(|len| len > max as usize);
        let keeps = |reason| m.is_some() && m == kept_beyond_limit(ty, reason);
        if too_large(&packet) && !keeps(false) {
            strip(&mut packet, PropertyId::USER_PROPERTY);
        }
        if too_large(&packet) && !keeps(true) {
            strip(&mut packet, PropertyId::REASON_STRING);
        }
        packet
    }
}
