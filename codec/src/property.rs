//! Properties (MQTT 5.0 §2.2.2, Table 2-4).
//!
//! A [`Properties`] value keeps the property bytes exactly as they travel, shared with
//! the packet they came from: decoding validates them once and allocates nothing,
//! encoding copies them, and a builder can put any identifier, in any order, any number
//! of times — which is how duplicate, misplaced and unknown properties are sent.

use crate::error::Rule;
use crate::reader::{Reader, Result, put_binary};
use crate::{Buffer, MqttString, topic, varint};
use bytes::{BufMut, Bytes, BytesMut};
use std::fmt;

/// A property identifier as it appears on the wire; unknown values are kept.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PropertyId(pub u8);

/// How a property's value is encoded (§2.2.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// One byte.
    Byte,
    /// Two Byte Integer.
    U16,
    /// Four Byte Integer.
    U32,
    /// Variable Byte Integer.
    VarInt,
    /// UTF-8 Encoded String.
    String,
    /// Binary Data.
    Binary,
    /// UTF-8 String Pair.
    Pair,
}

/// Where a property block sits; Table 2-4 says which identifiers each place allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropertyContext {
    /// CONNECT variable header.
    Connect,
    /// CONNECT payload, Will Properties.
    Will,
    /// CONNACK.
    ConnAck,
    /// PUBLISH.
    Publish,
    /// PUBACK, PUBREC, PUBREL, PUBCOMP.
    Ack,
    /// SUBSCRIBE.
    Subscribe,
    /// SUBACK.
    SubAck,
    /// UNSUBSCRIBE.
    Unsubscribe,
    /// UNSUBACK.
    UnsubAck,
    /// DISCONNECT.
    Disconnect,
    /// AUTH.
    Auth,
}

impl PropertyContext {
    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

const CONNECT: u16 = PropertyContext::Connect.bit();
const WILL: u16 = PropertyContext::Will.bit();
const CONNACK: u16 = PropertyContext::ConnAck.bit();
const PUBLISH: u16 = PropertyContext::Publish.bit();
const ACK: u16 = PropertyContext::Ack.bit();
const SUBSCRIBE: u16 = PropertyContext::Subscribe.bit();
const SUBACK: u16 = PropertyContext::SubAck.bit();
const UNSUBACK: u16 = PropertyContext::UnsubAck.bit();
const DISCONNECT: u16 = PropertyContext::Disconnect.bit();
const AUTH: u16 = PropertyContext::Auth.bit();
const EVERYWHERE: u16 = (1 << 11) - 1;

macro_rules! property_ids {
    ($($name:ident = $value:literal, $ty:ident, $where:expr, $text:literal;)*) => {
        impl PropertyId {
            $(#[doc = $text] pub const $name: PropertyId = PropertyId($value);)*

            /// The value encoding, for identifiers Table 2-4 defines.
            pub const fn value_type(self) -> Option<ValueType> {
                match self.0 {
                    $($value => Some(ValueType::$ty),)*
                    _ => None,
                }
            }

            /// The name Table 2-4 gives the identifier.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some($text),)*
                    _ => None,
                }
            }

            const fn contexts(self) -> u16 {
                match self.0 {
                    $($value => $where,)*
                    _ => 0,
                }
            }
        }

        /// Every identifier Table 2-4 defines (27 of them).
        pub const ALL_PROPERTY_IDS: &[PropertyId] = &[$(PropertyId::$name,)*];
    };
}

property_ids! {
    PAYLOAD_FORMAT_INDICATOR = 0x01, Byte, PUBLISH | WILL, "Payload Format Indicator";
    MESSAGE_EXPIRY_INTERVAL = 0x02, U32, PUBLISH | WILL, "Message Expiry Interval";
    CONTENT_TYPE = 0x03, String, PUBLISH | WILL, "Content Type";
    RESPONSE_TOPIC = 0x08, String, PUBLISH | WILL, "Response Topic";
    CORRELATION_DATA = 0x09, Binary, PUBLISH | WILL, "Correlation Data";
    SUBSCRIPTION_IDENTIFIER = 0x0B, VarInt, PUBLISH | SUBSCRIBE, "Subscription Identifier";
    SESSION_EXPIRY_INTERVAL = 0x11, U32, CONNECT | CONNACK | DISCONNECT, "Session Expiry Interval";
    ASSIGNED_CLIENT_IDENTIFIER = 0x12, String, CONNACK, "Assigned Client Identifier";
    SERVER_KEEP_ALIVE = 0x13, U16, CONNACK, "Server Keep Alive";
    AUTHENTICATION_METHOD = 0x15, String, CONNECT | CONNACK | AUTH, "Authentication Method";
    AUTHENTICATION_DATA = 0x16, Binary, CONNECT | CONNACK | AUTH, "Authentication Data";
    REQUEST_PROBLEM_INFORMATION = 0x17, Byte, CONNECT, "Request Problem Information";
    WILL_DELAY_INTERVAL = 0x18, U32, WILL, "Will Delay Interval";
    REQUEST_RESPONSE_INFORMATION = 0x19, Byte, CONNECT, "Request Response Information";
    RESPONSE_INFORMATION = 0x1A, String, CONNACK, "Response Information";
    SERVER_REFERENCE = 0x1C, String, CONNACK | DISCONNECT, "Server Reference";
    REASON_STRING = 0x1F, String, CONNACK | ACK | SUBACK | UNSUBACK | DISCONNECT | AUTH, "Reason String";
    RECEIVE_MAXIMUM = 0x21, U16, CONNECT | CONNACK, "Receive Maximum";
    TOPIC_ALIAS_MAXIMUM = 0x22, U16, CONNECT | CONNACK, "Topic Alias Maximum";
    TOPIC_ALIAS = 0x23, U16, PUBLISH, "Topic Alias";
    MAXIMUM_QOS = 0x24, Byte, CONNACK, "Maximum QoS";
    RETAIN_AVAILABLE = 0x25, Byte, CONNACK, "Retain Available";
    USER_PROPERTY = 0x26, Pair, EVERYWHERE, "User Property";
    MAXIMUM_PACKET_SIZE = 0x27, U32, CONNECT | CONNACK, "Maximum Packet Size";
    WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28, Byte, CONNACK, "Wildcard Subscription Available";
    SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29, Byte, CONNACK, "Subscription Identifier Available";
    SHARED_SUBSCRIPTION_AVAILABLE = 0x2A, Byte, CONNACK, "Shared Subscription Available";
}

impl PropertyId {
    /// Whether Table 2-4 allows this identifier in `ctx`.
    pub fn allowed_in(self, ctx: PropertyContext) -> bool {
        self.contexts() & ctx.bit() != 0
    }

    /// Whether the identifier may appear more than once in `ctx`.
    pub fn repeatable_in(self, ctx: PropertyContext) -> bool {
        self == PropertyId::USER_PROPERTY
            || (self == PropertyId::SUBSCRIPTION_IDENTIFIER && ctx == PropertyContext::Publish)
    }
}

impl fmt::Debug for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => write!(f, "0x{:02X} ({n})", self.0),
            None => write!(f, "0x{:02X}", self.0),
        }
    }
}

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
enum Value<B: Buffer> {
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

    fn value(&self) -> Value<B> {
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

    fn from_value(id: PropertyId, value: Value<B>) -> Option<Property<B>> {
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
    fn encode(&self, buf: &mut impl BufMut) {
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

/// A property block: the bytes after the Property Length, as they travel.
#[derive(Clone, PartialEq, Eq, Default, Hash)]
pub struct Properties<B: Buffer = Bytes> {
    raw: B,
}

impl Properties {
    /// No properties.
    pub const fn new() -> Self {
        Properties { raw: Bytes::new() }
    }

    /// Any bytes as a property block: for unknown identifiers, wrong value types,
    /// non-minimal integers and other deliberate faults.
    pub fn from_raw(raw: impl Into<Bytes>) -> Self {
        Properties { raw: raw.into() }
    }

    /// Encodes `props` in the given order, duplicates and all.
    ///
    /// Panics never; a string or binary value over 65,535 bytes is refused.
    pub fn build<I: IntoIterator<Item = Property>>(
        props: I,
    ) -> std::result::Result<Self, crate::EncodeError> {
        let mut buf = BytesMut::new();
        for p in props {
            match p.value() {
                Value::String(s) => crate::reader::check_field("property string", s.len())?,
                Value::Binary(b) => crate::reader::check_field("property binary data", b.len())?,
                Value::Pair(k, v) => {
                    crate::reader::check_field("user property name", k.len())?;
                    crate::reader::check_field("user property value", v.len())?;
                }
                Value::VarInt(v) if v > varint::MAX => {
                    return Err(crate::EncodeError::FieldTooLong {
                        what: "subscription identifier",
                        len: v as usize,
                    });
                }
                _ => {}
            }
            p.encode(&mut buf);
        }
        Ok(Properties { raw: buf.freeze() })
    }

    /// Appends one property (re-encodes the block).
    pub fn with(self, p: Property) -> std::result::Result<Self, crate::EncodeError> {
        let extra = Properties::build([p])?;
        let mut buf = BytesMut::with_capacity(self.raw.len() + extra.raw.len());
        buf.extend_from_slice(&self.raw);
        buf.extend_from_slice(&extra.raw);
        Ok(Properties { raw: buf.freeze() })
    }
}

impl<B: Buffer> Properties<B> {
    /// The buffer as a property block, unchecked.
    #[cfg(feature = "arbitrary")]
    pub(crate) fn from_buffer(raw: B) -> Self {
        Properties { raw }
    }

    /// The encoded block (without the Property Length).
    pub fn raw(&self) -> &B {
        &self.raw
    }

    /// A copy that owns its bytes.
    pub fn to_shared(&self) -> Properties {
        Properties { raw: Bytes::copy_from_slice(self.raw.as_ref()) }
    }

    /// Whether the block is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.as_ref().is_empty()
    }

    /// Bytes of the block plus its Property Length prefix.
    pub(crate) fn wire_len(&self) -> usize {
        let len = self.raw.as_ref().len();
        varint::len(len as u32) + len
    }

    pub(crate) fn encode(&self, buf: &mut impl BufMut) {
        let raw = self.raw.as_ref();
        varint::write(buf, raw.len() as u32);
        buf.put_slice(raw);
    }

    /// The properties in wire order. Iteration stops at the first entry that cannot be
    /// parsed (only possible for blocks built with [`Properties::from_raw`]).
    pub fn iter(&self) -> PropertyIter<'_, B> {
        PropertyIter { raw: &self.raw, pos: 0 }
    }

    /// The first property with this identifier.
    pub fn get(&self, id: PropertyId) -> Option<Property<B>> {
        self.iter().find(|p| p.id() == id)
    }

    fn get_u32(&self, id: PropertyId) -> Option<u32> {
        self.get(id).and_then(|p| match p.value() {
            Value::U32(v) | Value::VarInt(v) => Some(v),
            Value::U16(v) => Some(u32::from(v)),
            Value::Byte(v) => Some(u32::from(v)),
            _ => None,
        })
    }

    fn get_string(&self, id: PropertyId) -> Option<MqttString<B>> {
        self.get(id).and_then(|p| match p.value() {
            Value::String(s) => Some(s),
            _ => None,
        })
    }

    /// Session Expiry Interval.
    pub fn session_expiry_interval(&self) -> Option<u32> {
        self.get_u32(PropertyId::SESSION_EXPIRY_INTERVAL)
    }
    /// Receive Maximum.
    pub fn receive_maximum(&self) -> Option<u16> {
        self.get_u32(PropertyId::RECEIVE_MAXIMUM).map(|v| v as u16)
    }
    /// Maximum Packet Size.
    pub fn maximum_packet_size(&self) -> Option<u32> {
        self.get_u32(PropertyId::MAXIMUM_PACKET_SIZE)
    }
    /// Topic Alias Maximum.
    pub fn topic_alias_maximum(&self) -> Option<u16> {
        self.get_u32(PropertyId::TOPIC_ALIAS_MAXIMUM).map(|v| v as u16)
    }
    /// Topic Alias.
    pub fn topic_alias(&self) -> Option<u16> {
        self.get_u32(PropertyId::TOPIC_ALIAS).map(|v| v as u16)
    }
    /// Message Expiry Interval.
    pub fn message_expiry_interval(&self) -> Option<u32> {
        self.get_u32(PropertyId::MESSAGE_EXPIRY_INTERVAL)
    }
    /// Will Delay Interval.
    pub fn will_delay_interval(&self) -> Option<u32> {
        self.get_u32(PropertyId::WILL_DELAY_INTERVAL)
    }
    /// Server Keep Alive.
    pub fn server_keep_alive(&self) -> Option<u16> {
        self.get_u32(PropertyId::SERVER_KEEP_ALIVE).map(|v| v as u16)
    }
    /// Maximum QoS.
    pub fn maximum_qos(&self) -> Option<u8> {
        self.get_u32(PropertyId::MAXIMUM_QOS).map(|v| v as u8)
    }
    /// Authentication Method.
    pub fn authentication_method(&self) -> Option<MqttString<B>> {
        self.get_string(PropertyId::AUTHENTICATION_METHOD)
    }
    /// Reason String.
    pub fn reason_string(&self) -> Option<MqttString<B>> {
        self.get_string(PropertyId::REASON_STRING)
    }
    /// Authentication Data.
    pub fn authentication_data(&self) -> Option<B> {
        self.get(PropertyId::AUTHENTICATION_DATA).and_then(|p| match p.value() {
            Value::Binary(b) => Some(b),
            _ => None,
        })
    }
    /// Assigned Client Identifier.
    pub fn assigned_client_identifier(&self) -> Option<MqttString<B>> {
        self.get_string(PropertyId::ASSIGNED_CLIENT_IDENTIFIER)
    }
    /// Every Subscription Identifier, in order.
    pub fn subscription_identifiers(&self) -> impl Iterator<Item = u32> + '_ {
        self.iter().filter_map(|p| match p {
            Property::SubscriptionIdentifier(v) => Some(v),
            _ => None,
        })
    }
    /// Every User Property, in order.
    pub fn user_properties(&self) -> impl Iterator<Item = (MqttString<B>, MqttString<B>)> + '_ {
        self.iter().filter_map(|p| match p {
            Property::UserProperty(k, v) => Some((k, v)),
            _ => None,
        })
    }
}

impl<B: Buffer> fmt::Debug for Properties<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parsed: Vec<Property<B>> = self.iter().collect();
        let parsed_len: usize = parsed.iter().map(Property::encoded_len).sum();
        if parsed_len == self.raw.as_ref().len() {
            f.debug_list().entries(parsed).finish()
        } else {
            write!(f, "Properties(raw {:02X?})", self.raw.as_ref())
        }
    }
}

/// Iterator over a property block.
#[derive(Debug)]
pub struct PropertyIter<'a, B: Buffer = Bytes> {
    raw: &'a B,
    pos: usize,
}

impl<B: Buffer> Iterator for PropertyIter<'_, B> {
    type Item = Property<B>;

    fn next(&mut self) -> Option<Property<B>> {
        let len = self.raw.as_ref().len();
        if self.pos >= len {
            return None;
        }
        // Lenient read: reuse the strict reader as 3.1.1 so that minimality is not
        // judged; validation already happened when the block was decoded.
        let mut r = Reader::new(self.raw, self.pos, len, crate::Version::V3_1_1);
        let parsed = (|| {
            let id = PropertyId(u8::try_from(r.varint().ok()?).ok()?);
            let value = read_value(&mut r, id.value_type()?).ok()?;
            Property::from_value(id, value)
        })();
        match parsed {
            Some(p) => {
                self.pos = r.pos();
                Some(p)
            }
            None => {
                self.pos = len;
                None
            }
        }
    }
}

fn read_value<B: Buffer>(r: &mut Reader<'_, B>, ty: ValueType) -> Result<Value<B>> {
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

/// What a strict decode of a property block saw, for checks that span fields.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Seen(u64);

impl Seen {
    pub(crate) fn has(self, id: PropertyId) -> bool {
        self.0 & (1u64 << id.0) != 0
    }
}

/// Reads Property Length and the block, enforcing §2.2.2.2: known identifier, allowed
/// in this packet, not repeated unless repeatable, value in range. Values are checked
/// where they lie, without taking a share of the buffer for each.
pub(crate) fn decode<B: Buffer>(
    r: &mut Reader<'_, B>,
    ctx: PropertyContext,
) -> Result<(Properties<B>, Seen)> {
    let len = r.varint()? as usize;
    let start = r.pos();
    let mut block = r.sub(len)?;
    let raw = block.rest();
    let version = r.version;
    let mut p = Reader::new(&raw, 0, raw.as_ref().len(), version);
    p.skip = r.skip;
    let mut seen = Seen::default();
    let relocate = |mut v: crate::Violation| {
        v.offset += start;
        v
    };
    while !p.is_empty() {
        let at = p.pos();
        let fail = |rule| crate::Violation::new(rule, version, start + at);
        let id = p.varint().map_err(relocate)?;
        let Some((id, ty)) = u8::try_from(id).ok().map(PropertyId).and_then(|i| Some((i, i.value_type()?)))
        else {
            return Err(fail(Rule::PropertyUnknown));
        };
        if !id.allowed_in(ctx) && !p.skips(Rule::PropertyNotAllowed) {
            return Err(fail(Rule::PropertyNotAllowed));
        }
        if seen.has(id) && !id.repeatable_in(ctx) && !p.skips(Rule::PropertyDuplicate) {
            return Err(fail(Rule::PropertyDuplicate));
        }
        seen.0 |= 1u64 << id.0;
        let value = match ty {
            ValueType::Byte => Checked::Int(p.u8().map_err(relocate)?.into()),
            ValueType::U16 => Checked::Int(p.u16().map_err(relocate)?.into()),
            ValueType::U32 => Checked::Int(p.u32().map_err(relocate)?),
            ValueType::VarInt => Checked::Int(p.varint().map_err(relocate)?),
            ValueType::String => Checked::Str(p.string_ref().map_err(relocate)?),
            ValueType::Binary => {
                p.binary_ref().map_err(relocate)?;
                Checked::Other
            }
            ValueType::Pair => {
                p.string_ref().map_err(relocate)?;
                p.string_ref().map_err(relocate)?;
                Checked::Other
            }
        };
        match check_value(id, ty, value) {
            Err(rule) if !p.skips(rule) => return Err(fail(rule)),
            _ => {}
        }
    }
    Ok((Properties { raw }, seen))
}

/// A property value as the strict decode checks it, borrowed from the block.
enum Checked<'a> {
    Int(u32),
    Str(&'a [u8]),
    Other,
}

fn check_value(id: PropertyId, ty: ValueType, value: Checked<'_>) -> std::result::Result<(), Rule> {
    let bad = match (id, value) {
        // Byte-valued flags are 0 or 1 (§3.1.2.11.6, §3.1.2.11.7, §3.2.2.3.4–§3.2.2.3.13,
        // §3.3.2.3.2).
        (_, Checked::Int(v)) if ty == ValueType::Byte => v > 1,
        // Receive Maximum 0 is a Protocol Error (§3.1.2.11.3, §3.2.2.3.3).
        (PropertyId::RECEIVE_MAXIMUM, Checked::Int(0)) => true,
        // Maximum Packet Size 0 is a Protocol Error (§3.1.2.11.4, §3.2.2.3.6).
        (PropertyId::MAXIMUM_PACKET_SIZE, Checked::Int(0)) => true,
        // MQTT-3.3.2-8: a Topic Alias of 0 is never sent.
        (PropertyId::TOPIC_ALIAS, Checked::Int(0)) => return Err(Rule::TopicAliasZero),
        // Subscription Identifier 0 is a Protocol Error (§3.3.2.3.8, §3.8.2.1.2).
        (PropertyId::SUBSCRIPTION_IDENTIFIER, Checked::Int(0)) => true,
        // MQTT-3.3.2-14: the Response Topic is a topic name (no wildcards, not empty).
        (PropertyId::RESPONSE_TOPIC, Checked::Str(s)) => {
            return topic::check_name(s, false, None).map_err(|_| Rule::ResponseTopicInvalid);
        }
        _ => false,
    };
    if bad { Err(Rule::PropertyValue) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_2_4_has_27_properties() {
        assert_eq!(ALL_PROPERTY_IDS.len(), 27);
    }

    #[test]
    fn build_then_iterate() {
        let props = Properties::build([
            Property::SessionExpiryInterval(10),
            Property::UserProperty("k".into(), "v".into()),
            Property::UserProperty("k".into(), "w".into()),
            Property::SubscriptionIdentifier(200),
        ])
        .unwrap();
        let back: Vec<Property> = props.iter().collect();
        assert_eq!(back.len(), 4);
        assert_eq!(props.session_expiry_interval(), Some(10));
        assert_eq!(props.subscription_identifiers().collect::<Vec<_>>(), vec![200]);
        assert_eq!(props.user_properties().count(), 2);
    }
}
