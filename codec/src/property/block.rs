//! A property block as it travels, its builder and its iterator.

use super::id::PropertyId;
use super::value::{Property, Value, read_value};
use crate::reader::Reader;
use crate::{Buffer, MqttString, varint};
use bytes::{BufMut, Bytes, BytesMut};
use std::fmt;

/// A property block: the bytes after the Property Length, as they travel.
#[derive(Clone, PartialEq, Eq, Default, Hash)]
pub struct Properties<B: Buffer = Bytes> {
    pub(crate) raw: B,
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
