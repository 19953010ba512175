//! PUBLISH (MQTT 3.1.1 §3.3, MQTT 5.0 §3.3).

use super::{QoS, Role, no_properties, packet_id};
use crate::error::{EncodeError, Rule, Violation};
use crate::fixed_header::PacketType;
use crate::property::{self, PropertyContext, PropertyId};
use crate::reader::{Reader, check_field, field_len, put_binary};
use crate::varint;
use crate::{Buffer, MqttString, Properties, Version, topic};
use bytes::{BufMut, Bytes, BytesMut};

/// Application message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct Publish<B: Buffer = Bytes> {
    /// DUP flag.
    pub dup: bool,
    /// QoS level.
    pub qos: QoS,
    /// RETAIN flag.
    pub retain: bool,
    /// Topic Name (empty in 5.0 when a Topic Alias stands for it).
    pub topic: MqttString<B>,
    /// Packet Identifier: present exactly when QoS > 0.
    pub packet_id: Option<u16>,
    /// 5.0 properties.
    pub properties: Properties<B>,
    /// Application payload.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::arb::buffer))]
    pub payload: B,
}

impl Publish {
    /// A QoS 0 message.
    pub fn new(topic: impl Into<MqttString>, payload: impl Into<Bytes>) -> Self {
        Publish { topic: topic.into(), payload: payload.into(), ..Publish::default() }
    }
}

impl<B: Buffer> Publish<B> {
    pub(crate) fn flags(&self) -> u8 {
        (u8::from(self.dup) << 3) | ((self.qos as u8) << 1) | u8::from(self.retain)
    }

    /// Reads everything but the payload, which starts where `r` is left: the caller
    /// hands the payload over without another reference count on the frame.
    #[inline]
    pub(crate) fn decode(r: &mut Reader<'_, B>, flags: u8, role: Option<Role>) -> Result<Self, Violation> {
        let dup = flags & 0x08 != 0;
        let retain = flags & 0x01 != 0;
        // MQTT-3.3.1-4: QoS 3 does not exist.
        // (Skipped, QoS 3 is read as 2.)
        let lenient = r.skips(Rule::PublishQos3).then_some(QoS::ExactlyOnce);
        let Some(qos) = QoS::from_u8((flags >> 1) & 0x03).or(lenient) else {
            return Err(r.violation_at(Rule::PublishQos3, 0));
        };
        // MQTT-3.3.1-2: DUP is 0 on QoS 0.
        if dup && qos == QoS::AtMostOnce && !r.skips(Rule::PublishDupQos0) {
            return Err(r.violation_at(Rule::PublishDupQos0, 0));
        }
        // MQTT-3.3.2-1: the variable header opens with the Topic Name.
        let topic_at = r.pos() + 2;
        let (topic, clean) = r.topic_name()?;
        // MQTT-2.3.1-1 / MQTT-2.2.1-3: QoS 1 and 2 carry a non-zero identifier;
        // MQTT-2.3.1-5 / MQTT-2.2.1-2: QoS 0 carries none (so none is read).
        let packet_id = if qos == QoS::AtMostOnce { None } else { Some(packet_id(r)?) };
        let (properties, alias) = if r.version.is_v5() {
            let props_at = r.pos();
            let (props, seen) = property::decode(r, PropertyContext::Publish)?;
            // MQTT-3.3.4-6: a client never sends a Subscription Identifier.
            let sub_id = seen.has(PropertyId::SUBSCRIPTION_IDENTIFIER);
            if role == Some(Role::Server) && sub_id && !r.skips(Rule::ClientPublishSubscriptionId) {
                return Err(r.violation_at(Rule::ClientPublishSubscriptionId, props_at));
            }
            (props, seen.has(PropertyId::TOPIC_ALIAS))
        } else {
            (Properties::default(), false)
        };
        // MQTT-4.7.3-1, MQTT-3.3.2-2, MQTT-4.7.3-2 (and 5.0 §3.3.2.1: an empty name is
        // allowed only with a Topic Alias).
        if topic.is_empty() && !alias && !r.skips(Rule::TopicNameEmpty) {
            return Err(r.violation_at(Rule::TopicNameEmpty, topic_at));
        }
        if !clean {
            if let Err((rule, at)) = topic::check_name(topic.as_bytes(), alias, r.skip) {
                return Err(r.violation_at(rule, topic_at + at));
            }
        }
        Ok(Publish { dup, qos, retain, topic, packet_id, properties, payload: B::default() })
    }

    pub(crate) fn body_len(&self, v: Version) -> Result<usize, EncodeError> {
        no_properties(&self.properties, v, "PUBLISH properties")?;
        check_field("topic name", self.topic.len())?;
        match (self.qos, self.packet_id) {
            (QoS::AtMostOnce, Some(_)) => {
                return Err(EncodeError::PacketId("a QoS 0 PUBLISH has no packet identifier"));
            }
            (QoS::AtLeastOnce | QoS::ExactlyOnce, None) => {
                return Err(EncodeError::PacketId("a QoS 1/2 PUBLISH needs a packet identifier"));
            }
            _ => {}
        }
        let mut len = field_len(self.topic.len()) + self.payload.as_ref().len();
        if self.packet_id.is_some() {
            len += 2;
        }
        if v.is_v5() {
            len += self.properties.wire_len();
        }
        Ok(len)
    }

    /// The whole packet, fixed header included. The bytes before the topic go in as
    /// one write and nothing is written through the generic `BufMut` path, so a small
    /// message costs a handful of buffer operations.
    #[inline]
    pub(crate) fn encode_packet(&self, v: Version, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let len = crate::reader::body_len(self.body_len(v)?)?;
        let (rl, n) = varint::to_word(len);
        let topic = self.topic.as_bytes();
        // First byte, Remaining Length and the topic's length prefix, as one word.
        let head = u64::from(((PacketType::Publish as u8) << 4) | self.flags())
            | (u64::from(rl) << 8)
            | (u64::from((topic.len() as u16).swap_bytes()) << (8 * (1 + n)));
        let head = head.to_le_bytes();
        buf.reserve(1 + n + len as usize);
        // Fixed-size writes: a variable-length one would be a call to `memcpy`.
        match n {
            1 => buf.extend_from_slice(&head[..4]),
            2 => buf.extend_from_slice(&head[..5]),
            3 => buf.extend_from_slice(&head[..6]),
            _ => buf.extend_from_slice(&head[..7]),
        }
        buf.extend_from_slice(topic);
        if let Some(id) = self.packet_id {
            buf.extend_from_slice(&id.to_be_bytes());
        }
        if v.is_v5() {
            self.properties.encode(buf);
        }
        buf.extend_from_slice(self.payload.as_ref());
        Ok(())
    }

    pub(crate) fn encode_body(&self, v: Version, buf: &mut impl BufMut) {
        put_binary(buf, self.topic.as_bytes());
        if let Some(id) = self.packet_id {
            buf.put_u16(id);
        }
        if v.is_v5() {
            self.properties.encode(buf);
        }
        buf.put_slice(self.payload.as_ref());
    }
}

impl<B: Buffer> Publish<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> Publish {
        Publish {
            dup: self.dup,
            qos: self.qos,
            retain: self.retain,
            topic: self.topic.to_shared(),
            packet_id: self.packet_id,
            properties: self.properties.to_shared(),
            payload: crate::buffer::share(&self.payload),
        }
    }
}
