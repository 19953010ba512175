//! Reason codes (MQTT 5.0 §2.4, Table 2-6) and the 3.1.1 CONNACK return codes
//! (MQTT 3.1.1 §3.2.2.3) and SUBACK return codes (§3.9.3).
//!
//! A reason code is a newtype over the wire byte, so values the specification does not
//! define still decode (in lenient paths) and can be sent on purpose.

use std::fmt;

/// One reason-code byte as it appears on the wire.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ReasonCode(pub u8);

macro_rules! codes {
    ($($name:ident = $value:literal, $text:literal;)*) => {
        impl ReasonCode {
            $(#[doc = $text] pub const $name: ReasonCode = ReasonCode($value);)*
        }
        /// The name Table 2-6 gives a value, where one value has a single name.
        fn known_name(code: u8) -> Option<&'static str> {
            // 0x00..0x02 have several names depending on the packet; the first listed wins.
            match code {
                $($value => Some($text),)*
                #[allow(unreachable_patterns)]
                _ => None,
            }
        }
    };
}

codes! {
    SUCCESS = 0x00, "Success";
    GRANTED_QOS_1 = 0x01, "Granted QoS 1";
    GRANTED_QOS_2 = 0x02, "Granted QoS 2";
    DISCONNECT_WITH_WILL = 0x04, "Disconnect with Will Message";
    NO_MATCHING_SUBSCRIBERS = 0x10, "No matching subscribers";
    NO_SUBSCRIPTION_EXISTED = 0x11, "No subscription existed";
    CONTINUE_AUTHENTICATION = 0x18, "Continue authentication";
    RE_AUTHENTICATE = 0x19, "Re-authenticate";
    UNSPECIFIED_ERROR = 0x80, "Unspecified error";
    MALFORMED_PACKET = 0x81, "Malformed Packet";
    PROTOCOL_ERROR = 0x82, "Protocol Error";
    IMPLEMENTATION_SPECIFIC_ERROR = 0x83, "Implementation specific error";
    UNSUPPORTED_PROTOCOL_VERSION = 0x84, "Unsupported Protocol Version";
    CLIENT_IDENTIFIER_NOT_VALID = 0x85, "Client Identifier not valid";
    BAD_USER_NAME_OR_PASSWORD = 0x86, "Bad User Name or Password";
    NOT_AUTHORIZED = 0x87, "Not authorized";
    SERVER_UNAVAILABLE = 0x88, "Server unavailable";
    SERVER_BUSY = 0x89, "Server busy";
    BANNED = 0x8A, "Banned";
    SERVER_SHUTTING_DOWN = 0x8B, "Server shutting down";
    BAD_AUTHENTICATION_METHOD = 0x8C, "Bad authentication method";
    KEEP_ALIVE_TIMEOUT = 0x8D, "Keep Alive timeout";
    SESSION_TAKEN_OVER = 0x8E, "Session taken over";
    TOPIC_FILTER_INVALID = 0x8F, "Topic Filter invalid";
    TOPIC_NAME_INVALID = 0x90, "Topic Name invalid";
    PACKET_IDENTIFIER_IN_USE = 0x91, "Packet Identifier in use";
    PACKET_IDENTIFIER_NOT_FOUND = 0x92, "Packet Identifier not found";
    RECEIVE_MAXIMUM_EXCEEDED = 0x93, "Receive Maximum exceeded";
    TOPIC_ALIAS_INVALID = 0x94, "Topic Alias invalid";
    PACKET_TOO_LARGE = 0x95, "Packet too large";
    MESSAGE_RATE_TOO_HIGH = 0x96, "Message rate too high";
    QUOTA_EXCEEDED = 0x97, "Quota exceeded";
    ADMINISTRATIVE_ACTION = 0x98, "Administrative action";
    PAYLOAD_FORMAT_INVALID = 0x99, "Payload format invalid";
    RETAIN_NOT_SUPPORTED = 0x9A, "Retain not supported";
    QOS_NOT_SUPPORTED = 0x9B, "QoS not supported";
    USE_ANOTHER_SERVER = 0x9C, "Use another server";
    SERVER_MOVED = 0x9D, "Server moved";
    SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E, "Shared Subscriptions not supported";
    CONNECTION_RATE_EXCEEDED = 0x9F, "Connection rate exceeded";
    MAXIMUM_CONNECT_TIME = 0xA0, "Maximum connect time";
    SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED = 0xA1, "Subscription Identifiers not supported";
    WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED = 0xA2, "Wildcard Subscriptions not supported";
}

impl ReasonCode {
    /// Alias of [`ReasonCode::SUCCESS`] used in DISCONNECT.
    pub const NORMAL_DISCONNECTION: ReasonCode = ReasonCode(0x00);
    /// Alias of [`ReasonCode::SUCCESS`] used in SUBACK.
    pub const GRANTED_QOS_0: ReasonCode = ReasonCode(0x00);
    /// 3.1.1 SUBACK failure return code (§3.9.3).
    pub const V311_SUBACK_FAILURE: ReasonCode = ReasonCode(0x80);

    /// Whether MQTT 5.0 (Table 2-6) defines this code for packets of type `ty`.
    pub fn is_allowed_in(self, ty: crate::PacketType) -> bool {
        use crate::PacketType as T;
        let set = match ty {
            T::ConnAck => ReasonSet::Connack,
            T::PubAck | T::PubRec => ReasonSet::PubackPubrec,
            T::PubRel | T::PubComp => ReasonSet::PubrelPubcomp,
            T::SubAck => ReasonSet::Suback,
            T::UnsubAck => ReasonSet::Unsuback,
            T::Disconnect => ReasonSet::Disconnect,
            T::Auth => ReasonSet::Auth,
            _ => return false,
        };
        set.allows(self)
    }

    /// Whether the code reports an error (0x80 and above).
    pub const fn is_error(self) -> bool {
        self.0 >= 0x80
    }
}

impl fmt::Debug for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match known_name(self.0) {
            Some(name) => write!(f, "0x{:02X} ({name})", self.0),
            None => write!(f, "0x{:02X}", self.0),
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// The 3.1.1 CONNACK return codes (§3.2.2.3, Table 3.1).
pub mod v311_connack {
    /// Connection accepted.
    pub const ACCEPTED: u8 = 0x00;
    /// The server does not support the requested protocol level.
    pub const UNACCEPTABLE_PROTOCOL_VERSION: u8 = 0x01;
    /// The client identifier is correct UTF-8 but not allowed by the server.
    pub const IDENTIFIER_REJECTED: u8 = 0x02;
    /// The MQTT service is unavailable.
    pub const SERVER_UNAVAILABLE: u8 = 0x03;
    /// The data in the user name or password is malformed.
    pub const BAD_USER_NAME_OR_PASSWORD: u8 = 0x04;
    /// The client is not authorized to connect.
    pub const NOT_AUTHORIZED: u8 = 0x05;
}

/// Which reason codes a packet may carry (MQTT 5.0 Table 2-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReasonSet {
    Connack,
    PubackPubrec,
    PubrelPubcomp,
    Suback,
    Unsuback,
    Disconnect,
    Auth,
}

impl ReasonSet {
    pub(crate) fn allows(self, code: ReasonCode) -> bool {
        let c = code.0;
        match self {
            ReasonSet::Connack => matches!(
                c,
                0x00 | 0x80..=0x8A | 0x8C | 0x90 | 0x95 | 0x97 | 0x99..=0x9D | 0x9F
            ),
            ReasonSet::PubackPubrec => {
                matches!(c, 0x00 | 0x10 | 0x80 | 0x83 | 0x87 | 0x90 | 0x91 | 0x97 | 0x99)
            }
            ReasonSet::PubrelPubcomp => matches!(c, 0x00 | 0x92),
            ReasonSet::Suback => {
                matches!(c, 0x00..=0x02 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91 | 0x97 | 0x9E | 0xA1 | 0xA2)
            }
            ReasonSet::Unsuback => matches!(c, 0x00 | 0x11 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91),
            ReasonSet::Disconnect => matches!(
                c,
                0x00 | 0x04 | 0x80..=0x83 | 0x87 | 0x89 | 0x8B..=0x90 | 0x93..=0xA2
            ),
            ReasonSet::Auth => matches!(c, 0x00 | 0x18 | 0x19),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connack_set_matches_table_2_6() {
        let allowed: Vec<u8> = (0..=255u8).filter(|c| ReasonSet::Connack.allows(ReasonCode(*c))).collect();
        assert_eq!(
            allowed,
            vec![
                0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95,
                0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F
            ]
        );
    }

    #[test]
    fn disconnect_set_matches_table_2_6() {
        let allowed: Vec<u8> = (0..=255u8).filter(|c| ReasonSet::Disconnect.allows(ReasonCode(*c))).collect();
        assert_eq!(
            allowed,
            vec![
                0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x93,
                0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2
            ]
        );
    }

    #[test]
    fn unknown_codes_keep_their_value() {
        assert_eq!(format!("{:?}", ReasonCode(0x42)), "0x42");
        assert_eq!(format!("{:?}", ReasonCode::PROTOCOL_ERROR), "0x82 (Protocol Error)");
    }
}
