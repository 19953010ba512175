//! One property with its typed value.

use super::id::{PropertyId, ValueType};
use crate::reader::{Reader, Result, put_binary};
use crate::{Buffer, MqttString, varint};
use bytes::{BufMut, Bytes};

/// One property with its typed value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // each variant is the Table 2-4 property of the same name
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub enum Property<B: Buffer = Bytes> {
    PayloadFormatIndicator(u8),
    MessageExpiryInterval(u32),
    ContentType(MqttString<B>),
    ResponseTopic(MqttString<B>),
    CorrelationData(#[cfg_attr(feature = "arbitrary", arbitrary(with = crate::arb::buffer))] B),
    SubscriptionIdentifier(u32),
    SessionExpiryInterval(u32),
    AssignedClientIdentifier(MqttString<B>),
    ServerKeepAlive(u16),
    AuthenticationMethod(MqttString<B>),
    AuthenticationData(#[cfg_attr(feature = "arbitrary", arbitrary(with = crate::arb::buffer))] B),
    RequestProblemInformation(u8),
    WillDelayInterval(u32),
    RequestResponseInformation(u8),
    ResponseInformation(MqttString<B>),
    ServerReference(MqttString<B>),
    ReasonString(MqttString<B>),
    ReceiveMaximum(u16),
    TopicAliasMaximum(u16),
    TopicAlias(u16),
    MaximumQos(u8),
    RetainAvailable(u8),
    UserProperty(MqttString<B>, MqttString<B>),
    MaximumPacketSize(u32),
    WildcardSubscriptionAvailable(u8),
    SubscriptionIdentifierAvailable(u8),
    SharedSubscriptionAvailable(u8),
}

/// A property value, untyped by identifier.
pub(crate) enum Value<B: Buffer> {
    Byte(u8),
    U16(u16),
    U32(u32),
    VarInt(u32),
    String(MqttString<B>),
    Binary(B),
    Pair(MqttString<B>, MqttString<B>),
}

impl<B: Buffer> Property<B> {
    /// The identifier.
    pub fn id(&self) -> PropertyId {
        use Property::*;
        PropertyId(match self {
            PayloadFormatIndicator(_) => 0x01,
            MessageExpiryInterval(_) => 0x02,
            ContentType(_) => 0x03,
            ResponseTopic(_) => 0x08,
            CorrelationData(_) => 0x09,
            SubscriptionIdentifier(_) => 0x0B,
            SessionExpiryInterval(_) => 0x11,
            AssignedClientIdentifier(_) => 0x12,
            ServerKeepAlive(_) => 0x13,
            AuthenticationMethod(_) => 0x15,
            AuthenticationData(_) => 0x16,
            RequestProblemInformation(_) => 0x17,
            WillDelayInterval(_) => 0x18,
            RequestResponseInformation(_) => 0x19,
            ResponseInformation(_) => 0x1A,
            ServerReference(_) => 0x1C,
            ReasonString(_) => 0x1F,
            ReceiveMaximum(_) => 0x21,
            TopicAliasMaximum(_) => 0x22,
            TopicAlias(_) => 0x23,
            MaximumQos(_) => 0x24,
            RetainAvailable(_) => 0x25,
            UserProperty(..) => 0x26,
            MaximumPacketSize(_) => 0x27,
            WildcardSubscriptionAvailable(_) => 0x28,
            SubscriptionIdentifierAvailable(_) => 0x29,
            SharedSubscriptionAvailable(_) => 0x2A,
        })
    }

    pub(crate) fn value(&self) -> Value<B> {
        use Property::*;
        match self {
            PayloadFormatIndicator(v)
            | RequestProblemInformation(v)
            | RequestResponseInformation(v)
            | MaximumQos(v)
            | RetainAvailable(v)
            | WildcardSubscriptionAvailable(v)
            | SubscriptionIdentifierAvailable(v)
            | SharedSubscriptionAvailable(v) => Value::Byte(*v),
            ServerKeepAlive(v) | ReceiveMaximum(v) | TopicAliasMaximum(v) | TopicAlias(v) => Value::U16(*v),
            MessageExpiryInterval(v)
            | SessionExpiryInterval(v)
            | WillDelayInterval(v)
            | MaximumPacketSize(v) => Value::U32(*v),
            SubscriptionIdentifier(v) => Value::VarInt(*v),
            ContentType(s)
            | ResponseTopic(s)
            | AssignedClientIdentifier(s)
            | AuthenticationMethod(s)
            | ResponseInformation(s)
            | ServerReference(s)
            | ReasonString(s) => Value::String(s.clone()),
            CorrelationData(b) | AuthenticationData(b) => Value::Binary(b.clone()),
            UserProperty(k, v) => Value::Pair(k.clone(), v.clone()),
        }
    }

    pub(crate) fn from_value(id: PropertyId, value: Value<B>) -> Option<Property<B>> {
        use Property::*;
        Some(match (id.0, value) {
            (0x01, Value::Byte(v)) => PayloadFormatIndicator(v),
            (0x02, Value::U32(v)) => MessageExpiryInterval(v),
            (0x03, Value::String(s)) => ContentType(s),
            (0x08, Value::String(s)) => ResponseTopic(s),
            (0x09, Value::Binary(b)) => CorrelationData(b),
            (0x0B, Value::VarInt(v)) => SubscriptionIdentifier(v),
            (0x11, Value::U32(v)) => SessionExpiryInterval(v),
            (0x12, Value::String(s)) => AssignedClientIdentifier(s),
            (0x13, Value::U16(v)) => ServerKeepAlive(v),
            (0x15, Value::String(s)) => AuthenticationMethod(s),
            (0x16, Value::Binary(b)) => AuthenticationData(b),
            (0x17, Value::Byte(v)) => RequestProblemInformation(v),
            (0x18, Value::U32(v)) => WillDelayInterval(v),
            (0x19, Value::Byte(v)) => RequestResponseInformation(v),
            (0x1A, Value::String(s)) => ResponseInformation(s),
            (0x1C, Value::String(s)) => ServerReference(s),
            (0x1F, Value::String(s)) => ReasonString(s),
            (0x21, Value::U16(v)) => ReceiveMaximum(v),
            (0x22, Value::U16(v)) => TopicAliasMaximum(v),
            (0x23, Value::U16(v)) => TopicAlias(v),
            (0x24, Value::Byte(v)) => MaximumQos(v),
            (0x25, Value::Byte(v)) => RetainAvailable(v),
            (0x26, Value::Pair(k, v)) => UserProperty(k, v),
            (0x27, Value::U32(v)) => MaximumPacketSize(v),
            (0x28, Value::Byte(v)) => WildcardSubscriptionAvailable(v),
            (0x29, Value::Byte(v)) => SubscriptionIdentifierAvailable(v),
            (0x2A, Value::Byte(v)) => SharedSubscriptionAvailable(v),
            _ => return None,
        })
    }

    /// Bytes this property takes on the wire (identifier included).
    pub fn encoded_len(&self) -> usize {
        1 + match self.value() {
            Value::Byte(_) => 1,
            Value::U16(_) => 2,
            Value::U32(_) => 4,
            Value::VarInt(v) => varint::len(v),
            Value::String(s) => 2 + s.len(),
            Value::Binary(b) => 2 + b.as_ref().len(),
            Value::Pair(k, v) => 4 + k.len() + v.len(),
        }
    }

    /// Writes identifier and value. Strings longer than 65,535 bytes are cut by the
    /// caller's length check ([`Properties::build`] refuses them).
    pub(crate) fn encode(&self, buf: &mut impl BufMut) {
        buf.put_u8(self.id().0);
        match self.value() {
            Value::Byte(v) => buf.put_u8(v),
            Value::U16(v) => buf.put_u16(v),
            Value::U32(v) => buf.put_u32(v),
            Value::VarInt(v) => varint::write(buf, v.min(varint::MAX)),
            Value::String(s) => put_binary(buf, s.as_bytes()),
            Value::Binary(b) => put_binary(buf, b.as_ref()),
            Value::Pair(k, v) => {
                put_binary(buf, k.as_bytes());
                put_binary(buf, v.as_bytes());
            }
        }
    }
}

pub(crate) fn read_value<B: Buffer>(r: &mut Reader<'_, B>, ty: ValueType) -> Result<Value<B>> {
    Ok(match ty {
        ValueType::Byte => Value::Byte(r.u8()?),
        ValueType::U16 => Value::U16(r.u16()?),
        ValueType::U32 => Value::U32(r.u32()?),
        ValueType::VarInt => Value::VarInt(r.varint()?),
        ValueType::String => Value::String(r.string()?),
        ValueType::Binary => Value::Binary(r.binary()?),
        ValueType::Pair => Value::Pair(r.string()?, r.string()?),
    })
}
