//! Property identifiers, their value types and where each may appear (Table 2-4).

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

pub(crate) const CONNECT: u16 = PropertyContext::Connect.bit();
pub(crate) const WILL: u16 = PropertyContext::Will.bit();
pub(crate) const CONNACK: u16 = PropertyContext::ConnAck.bit();
pub(crate) const PUBLISH: u16 = PropertyContext::Publish.bit();
pub(crate) const ACK: u16 = PropertyContext::Ack.bit();
pub(crate) const SUBSCRIBE: u16 = PropertyContext::Subscribe.bit();
pub(crate) const SUBACK: u16 = PropertyContext::SubAck.bit();
pub(crate) const UNSUBACK: u16 = PropertyContext::UnsubAck.bit();
pub(crate) const DISCONNECT: u16 = PropertyContext::Disconnect.bit();
pub(crate) const AUTH: u16 = PropertyContext::Auth.bit();
pub(crate) const EVERYWHERE: u16 = (1 << 11) - 1;

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
