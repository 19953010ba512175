//! Decode and encode errors.
//!
//! A rejected packet is described by a [`Rule`]: the check that failed. The rule knows
//! the normative statement it enforces in each version (or, where the specification
//! states the requirement without a numbered statement, the section), whether the
//! fault makes the packet *malformed* or is a *protocol error*, and the reason code a
//! 5.0 server answers with. Tests compare rules, never message text.

use crate::{ReasonCode, Version};
use std::fmt;

/// Whose fault, and how bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The bytes cannot be parsed as the specification lays them out (MQTT 5.0 §4.13.1).
    Malformed,
    /// The bytes parse, but what they say is forbidden (MQTT 5.0 §4.13.1).
    ProtocolError,
}

/// Where a requirement is written: a numbered normative statement, or only a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Citation {
    /// A normative statement ID such as `MQTT-3.1.2-3`.
    Statement(&'static str),
    /// A section number, for requirements the specification states without an ID.
    Section(&'static str),
}

impl Citation {
    /// The statement ID, if this citation is one.
    pub fn statement(self) -> Option<&'static str> {
        match self {
            Citation::Statement(id) => Some(id),
            Citation::Section(_) => None,
        }
    }
}

impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Citation::Statement(id) => f.write_str(id),
            Citation::Section(s) => write!(f, "§{s}"),
        }
    }
}

macro_rules! rules {
    ($(
        $(#[$doc:meta])*
        $name:ident { v3: $v3:expr, v5: $v5:expr, kind: $kind:ident, reason: $reason:ident, what: $what:literal }
    )*) => {
        /// A check the strict decoder performs. Each names its statement per version.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Rule {
            $($(#[$doc])* $name,)*
        }

        impl Rule {
            /// Every rule, for tables and coverage reports.
            pub const ALL: &'static [Rule] = &[$(Rule::$name,)*];

            fn info(self) -> (Citation, Citation, Kind, ReasonCode, &'static str) {
                match self {
                    $(Rule::$name => ($v3, $v5, Kind::$kind, ReasonCode::$reason, $what),)*
                }
            }
        }
    };
}

use Citation::{Section as S, Statement as N};

rules! {
    /// Packet type 0 (and 15 before 5.0) is reserved.
    ReservedPacketType { v3: S("2.2.1"), v5: S("2.1.2"), kind: Malformed, reason: MALFORMED_PACKET, what: "reserved control packet type" }
    /// Fixed-header flags differ from Table 2.2 (types without a statement of their own).
    FixedHeaderFlags { v3: N("MQTT-2.2.2-2"), v5: N("MQTT-2.1.3-1"), kind: Malformed, reason: MALFORMED_PACKET, what: "fixed-header flags differ from the value the flags table fixes" }
    /// PUBREL flags are not 0010.
    PubrelFlags { v3: N("MQTT-3.6.1-1"), v5: N("MQTT-3.6.1-1"), kind: Malformed, reason: MALFORMED_PACKET, what: "PUBREL fixed-header flags are not 0010" }
    /// SUBSCRIBE flags are not 0010.
    SubscribeFlags { v3: N("MQTT-3.8.1-1"), v5: N("MQTT-3.8.1-1"), kind: Malformed, reason: MALFORMED_PACKET, what: "SUBSCRIBE fixed-header flags are not 0010" }
    /// UNSUBSCRIBE flags are not 0010.
    UnsubscribeFlags { v3: N("MQTT-3.10.1-1"), v5: N("MQTT-3.10.1-1"), kind: Malformed, reason: MALFORMED_PACKET, what: "UNSUBSCRIBE fixed-header flags are not 0010" }
    /// DISCONNECT flags are not 0000.
    DisconnectFlags { v3: N("MQTT-3.14.1-1"), v5: N("MQTT-3.14.1-1"), kind: Malformed, reason: MALFORMED_PACKET, what: "DISCONNECT fixed-header flags are not 0000" }
    /// AUTH flags are not 0000.
    AuthFlags { v3: S("2.2.1"), v5: N("MQTT-3.15.1-1"), kind: Malformed, reason: MALFORMED_PACKET, what: "AUTH fixed-header flags are not 0000" }
    /// A variable byte integer continues past its fourth byte.
    VarIntTooLong { v3: S("2.2.3"), v5: S("1.5.5"), kind: Malformed, reason: MALFORMED_PACKET, what: "variable byte integer longer than four bytes" }
    /// A variable byte integer uses more bytes than its value needs (5.0 only).
    VarIntNotMinimal { v3: S("2.2.3"), v5: N("MQTT-1.5.5-1"), kind: Malformed, reason: MALFORMED_PACKET, what: "variable byte integer not in its shortest form" }
    /// The packet exceeds the receiver's maximum packet size.
    PacketTooLarge { v3: S("2.2.3"), v5: S("3.1.2.11.4"), kind: ProtocolError, reason: PACKET_TOO_LARGE, what: "packet larger than the maximum packet size" }
    /// A field runs past the end that the remaining length sets.
    Truncated { v3: S("2.2.3"), v5: S("2.1.4"), kind: Malformed, reason: MALFORMED_PACKET, what: "field runs past the remaining length" }
    /// Bytes are left over after the last field the packet can hold.
    TrailingBytes { v3: S("2.2.3"), v5: S("2.1.4"), kind: Malformed, reason: MALFORMED_PACKET, what: "bytes left over after the packet's last field" }
    /// A string is not well-formed UTF-8 (including encoded surrogates).
    Utf8Invalid { v3: N("MQTT-1.5.3-1"), v5: N("MQTT-1.5.4-1"), kind: Malformed, reason: MALFORMED_PACKET, what: "string is not well-formed UTF-8" }
    /// A string contains U+0000.
    Utf8Null { v3: N("MQTT-1.5.3-2"), v5: N("MQTT-1.5.4-2"), kind: Malformed, reason: MALFORMED_PACKET, what: "string contains U+0000" }
    /// A packet that needs a non-zero packet identifier carries 0.
    PacketIdZero { v3: N("MQTT-2.3.1-1"), v5: N("MQTT-2.2.1-3"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "packet identifier is zero" }
    /// PUBLISH with both QoS bits set.
    PublishQos3 { v3: N("MQTT-3.3.1-4"), v5: N("MQTT-3.3.1-4"), kind: Malformed, reason: MALFORMED_PACKET, what: "PUBLISH QoS is 3" }
    /// PUBLISH QoS 0 with DUP set.
    PublishDupQos0 { v3: N("MQTT-3.3.1-2"), v5: N("MQTT-3.3.1-2"), kind: Malformed, reason: MALFORMED_PACKET, what: "PUBLISH QoS 0 has DUP set" }
    /// CONNECT protocol name is not one this version defines.
    ProtocolName { v3: N("MQTT-3.1.2-1"), v5: N("MQTT-3.1.2-1"), kind: ProtocolError, reason: UNSUPPORTED_PROTOCOL_VERSION, what: "CONNECT protocol name is not MQTT (or MQIsdp for 3.1)" }
    /// CONNECT protocol level is not supported.
    ProtocolLevel { v3: N("MQTT-3.1.2-2"), v5: N("MQTT-3.1.2-2"), kind: ProtocolError, reason: UNSUPPORTED_PROTOCOL_VERSION, what: "CONNECT protocol level is not supported" }
    /// CONNECT reserved flag is set.
    ConnectReservedFlag { v3: N("MQTT-3.1.2-3"), v5: N("MQTT-3.1.2-3"), kind: Malformed, reason: MALFORMED_PACKET, what: "CONNECT reserved flag bit 0 is set" }
    /// Will QoS bits set without the Will flag.
    WillQosWithoutWill { v3: N("MQTT-3.1.2-13"), v5: N("MQTT-3.1.2-11"), kind: Malformed, reason: MALFORMED_PACKET, what: "Will QoS is non-zero while the Will flag is 0" }
    /// Will Retain set without the Will flag.
    WillRetainWithoutWill { v3: N("MQTT-3.1.2-15"), v5: N("MQTT-3.1.2-13"), kind: Malformed, reason: MALFORMED_PACKET, what: "Will Retain is set while the Will flag is 0" }
    /// Will QoS is 3.
    WillQos3 { v3: N("MQTT-3.1.2-14"), v5: N("MQTT-3.1.2-12"), kind: Malformed, reason: MALFORMED_PACKET, what: "Will QoS is 3" }
    /// Will flag set but the will fields are missing.
    WillFieldsMissing { v3: N("MQTT-3.1.2-9"), v5: N("MQTT-3.1.2-9"), kind: Malformed, reason: MALFORMED_PACKET, what: "Will flag is set but Will Topic / Will Message are missing" }
    /// User Name flag set but no user name follows.
    UsernameMissing { v3: N("MQTT-3.1.2-19"), v5: N("MQTT-3.1.2-17"), kind: Malformed, reason: MALFORMED_PACKET, what: "User Name flag is set but no User Name follows" }
    /// Password flag set but no password follows.
    PasswordMissing { v3: N("MQTT-3.1.2-21"), v5: N("MQTT-3.1.2-19"), kind: Malformed, reason: MALFORMED_PACKET, what: "Password flag is set but no Password follows" }
    /// Bytes follow where a user name would be although its flag is 0.
    UnexpectedUsername { v3: N("MQTT-3.1.2-18"), v5: N("MQTT-3.1.2-16"), kind: Malformed, reason: MALFORMED_PACKET, what: "payload continues although the User Name flag is 0" }
    /// Bytes follow where a password would be although its flag is 0.
    UnexpectedPassword { v3: N("MQTT-3.1.2-20"), v5: N("MQTT-3.1.2-18"), kind: Malformed, reason: MALFORMED_PACKET, what: "payload continues although the Password flag is 0" }
    /// 3.1.1: Password flag without User Name flag.
    PasswordWithoutUsername { v3: N("MQTT-3.1.2-22"), v5: S("3.1.2.9"), kind: Malformed, reason: MALFORMED_PACKET, what: "Password flag is set without the User Name flag" }
    /// 3.1.1: zero-length client identifier with CleanSession 0.
    EmptyClientIdWithSession { v3: N("MQTT-3.1.3-7"), v5: S("3.1.3.1"), kind: ProtocolError, reason: CLIENT_IDENTIFIER_NOT_VALID, what: "zero-length ClientId with CleanSession 0" }
    /// CONNACK acknowledge-flags bits 7–1 are not zero.
    ConnackFlagsReserved { v3: S("3.2.2.1"), v5: N("MQTT-3.2.2-1"), kind: Malformed, reason: MALFORMED_PACKET, what: "CONNACK reserved acknowledge-flag bits are set" }
    /// CONNACK with an error code but Session Present 1.
    ConnackSessionPresentOnError { v3: N("MQTT-3.2.2-4"), v5: N("MQTT-3.2.2-6"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "CONNACK refuses the connection but sets Session Present" }
    /// CONNACK return / reason code is not defined.
    ConnackCode { v3: S("3.2.2.3"), v5: N("MQTT-3.2.2-8"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "CONNACK code is not a defined connect return/reason code" }
    /// PUBLISH topic name is empty (and, in 5.0, no Topic Alias stands for it).
    TopicNameEmpty { v3: N("MQTT-4.7.3-1"), v5: N("MQTT-4.7.3-1"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "topic name is empty" }
    /// PUBLISH topic name contains a wildcard.
    TopicNameWildcard { v3: N("MQTT-3.3.2-2"), v5: N("MQTT-3.3.2-2"), kind: ProtocolError, reason: TOPIC_NAME_INVALID, what: "topic name contains + or #" }
    /// A topic name or filter contains U+0000.
    TopicNull { v3: N("MQTT-4.7.3-2"), v5: N("MQTT-4.7.3-2"), kind: Malformed, reason: MALFORMED_PACKET, what: "topic contains U+0000" }
    /// A topic filter is empty.
    TopicFilterEmpty { v3: N("MQTT-4.7.3-1"), v5: N("MQTT-4.7.3-1"), kind: ProtocolError, reason: TOPIC_FILTER_INVALID, what: "topic filter is empty" }
    /// `#` is not alone in the last level of a filter.
    TopicFilterHash { v3: N("MQTT-4.7.1-2"), v5: N("MQTT-4.7.1-1"), kind: ProtocolError, reason: TOPIC_FILTER_INVALID, what: "# is not alone in the last level of the filter" }
    /// `+` does not fill a whole level of a filter.
    TopicFilterPlus { v3: N("MQTT-4.7.1-3"), v5: N("MQTT-4.7.1-2"), kind: ProtocolError, reason: TOPIC_FILTER_INVALID, what: "+ does not fill a whole filter level" }
    /// `$share/` with an empty share name.
    SharedNameEmpty { v3: S("4.7"), v5: N("MQTT-4.8.2-1"), kind: ProtocolError, reason: TOPIC_FILTER_INVALID, what: "shared subscription has an empty ShareName" }
    /// `$share/` name with `+`/`#`, or no filter after the name.
    SharedNameInvalid { v3: S("4.7"), v5: N("MQTT-4.8.2-2"), kind: ProtocolError, reason: TOPIC_FILTER_INVALID, what: "shared subscription ShareName holds + or #, or no / and filter follow it" }
    /// No Local on a shared subscription.
    SharedNoLocal { v3: S("3.8.3.1"), v5: N("MQTT-3.8.3-4"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "No Local is set on a shared subscription" }
    /// SUBSCRIBE without any filter.
    SubscribeEmpty { v3: N("MQTT-3.8.3-3"), v5: N("MQTT-3.8.3-2"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "SUBSCRIBE carries no topic filter" }
    /// Reserved bits of the subscription options are set.
    SubscriptionOptionsReserved { v3: N("MQTT-3.8.3-4"), v5: N("MQTT-3.8.3-5"), kind: Malformed, reason: MALFORMED_PACKET, what: "reserved bits of the subscription options are set" }
    /// Requested QoS 3.
    SubscriptionQos3 { v3: N("MQTT-3.8.3-4"), v5: S("3.8.3.1"), kind: Malformed, reason: MALFORMED_PACKET, what: "subscription requests QoS 3" }
    /// Retain Handling 3.
    RetainHandling3 { v3: S("3.8.3.1"), v5: S("3.8.3.1"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "Retain Handling is 3" }
    /// UNSUBSCRIBE without any filter.
    UnsubscribeEmpty { v3: N("MQTT-3.10.3-2"), v5: N("MQTT-3.10.3-2"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "UNSUBSCRIBE carries no topic filter" }
    /// SUBACK return / reason code not defined.
    SubackCode { v3: N("MQTT-3.9.3-2"), v5: N("MQTT-3.9.3-2"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "SUBACK code is not a defined subscribe return/reason code" }
    /// SUBACK without any code.
    SubackEmpty { v3: S("3.9.3"), v5: S("3.9.3"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "SUBACK carries no return/reason code" }
    /// UNSUBACK reason code not defined.
    UnsubackCode { v3: S("3.11"), v5: N("MQTT-3.11.3-2"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "UNSUBACK reason code is not a defined unsubscribe reason code" }
    /// UNSUBACK without any reason code (5.0).
    UnsubackEmpty { v3: S("3.11"), v5: S("3.11.3"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "UNSUBACK carries no reason code" }
    /// PUBACK reason code not defined.
    PubackCode { v3: S("3.4"), v5: N("MQTT-3.4.2-1"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "PUBACK reason code is not defined for PUBACK" }
    /// PUBREC reason code not defined.
    PubrecCode { v3: S("3.5"), v5: N("MQTT-3.5.2-1"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "PUBREC reason code is not defined for PUBREC" }
    /// PUBREL reason code not defined.
    PubrelCode { v3: S("3.6"), v5: N("MQTT-3.6.2-1"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "PUBREL reason code is not defined for PUBREL" }
    /// PUBCOMP reason code not defined.
    PubcompCode { v3: S("3.7"), v5: N("MQTT-3.7.2-1"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "PUBCOMP reason code is not defined for PUBCOMP" }
    /// DISCONNECT reason code not defined.
    DisconnectCode { v3: S("3.14"), v5: N("MQTT-3.14.2-1"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "DISCONNECT reason code is not defined for DISCONNECT" }
    /// AUTH reason code not defined.
    AuthCode { v3: S("3.15"), v5: N("MQTT-3.15.2-1"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "AUTH reason code is not defined for AUTH" }
    /// A server's DISCONNECT carries Session Expiry Interval.
    ServerDisconnectSessionExpiry { v3: S("3.14"), v5: N("MQTT-3.14.2-2"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "server DISCONNECT carries Session Expiry Interval" }
    /// A client's PUBLISH carries a Subscription Identifier.
    ClientPublishSubscriptionId { v3: S("3.3"), v5: N("MQTT-3.3.4-6"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "client PUBLISH carries a Subscription Identifier" }
    /// Topic Alias 0.
    TopicAliasZero { v3: S("3.3"), v5: N("MQTT-3.3.2-8"), kind: ProtocolError, reason: TOPIC_ALIAS_INVALID, what: "Topic Alias is 0" }
    /// Response Topic contains a wildcard or is empty.
    ResponseTopicInvalid { v3: S("3.3"), v5: N("MQTT-3.3.2-14"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "Response Topic is not a valid topic name" }
    /// Property identifier not defined by Table 2-4.
    PropertyUnknown { v3: S("2.2"), v5: S("2.2.2.2"), kind: Malformed, reason: MALFORMED_PACKET, what: "property identifier is not defined" }
    /// Property defined, but not for this packet.
    PropertyNotAllowed { v3: S("2.2"), v5: S("2.2.2.2"), kind: Malformed, reason: MALFORMED_PACKET, what: "property is not allowed in this packet" }
    /// A property that may appear once appears again.
    PropertyDuplicate { v3: S("2.2"), v5: S("2.2.2.2"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "property appears more than once" }
    /// A property value is outside its allowed range.
    PropertyValue { v3: S("2.2"), v5: S("2.2.2.2"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "property value is outside its allowed range" }
    /// Authentication Data without Authentication Method.
    AuthDataWithoutMethod { v3: S("3.1"), v5: S("3.1.2.11.10"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "Authentication Data without Authentication Method" }
    /// AUTH without Authentication Method.
    AuthMethodMissing { v3: S("3.15"), v5: S("3.15.2.2.2"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "AUTH without Authentication Method" }
    /// A packet that does not exist in this version (AUTH before 5.0).
    NotInVersion { v3: S("2.2.1"), v5: S("2.1.2"), kind: Malformed, reason: MALFORMED_PACKET, what: "packet type does not exist in this protocol version" }
    /// A packet travelling in a direction Table 2-1 does not allow.
    WrongDirection { v3: S("2.2.1"), v5: S("2.1.2"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "packet type is not sent in this direction" }
    /// The first packet on a connection is not CONNECT.
    FirstPacketNotConnect { v3: N("MQTT-3.1.0-1"), v5: N("MQTT-3.1.0-1"), kind: ProtocolError, reason: PROTOCOL_ERROR, what: "first packet from the client is not CONNECT" }
}

impl Rule {
    /// Where the requirement is written, for `version`.
    pub fn citation(self, version: Version) -> Citation {
        let (v3, v5, ..) = self.info();
        if version.is_v5() { v5 } else { v3 }
    }

    /// The normative statement ID for `version`, if the requirement has one.
    pub fn statement(self, version: Version) -> Option<&'static str> {
        self.citation(version).statement()
    }

    /// Malformed packet or protocol error.
    pub fn kind(self) -> Kind {
        self.info().2
    }

    /// The reason code a 5.0 server sends (CONNACK before acceptance, DISCONNECT after).
    pub fn reason_code(self) -> ReasonCode {
        self.info().3
    }

    /// The 3.1.1 CONNACK return code a server sends before closing, where the
    /// specification asks for one.
    pub fn v311_connack_code(self) -> Option<u8> {
        match self {
            Rule::ProtocolLevel => Some(crate::reason_code::v311_connack::UNACCEPTABLE_PROTOCOL_VERSION),
            Rule::EmptyClientIdWithSession => Some(crate::reason_code::v311_connack::IDENTIFIER_REJECTED),
            _ => None,
        }
    }

    /// One line saying what is wrong.
    pub fn description(self) -> &'static str {
        self.info().4
    }

    /// Whether a decode can skip this check and carry on ([`crate::DecodeOptions::skip`]).
    /// Not these: without a packet type, a length that ends, the bytes a field needs,
    /// or a property's type there is nothing to carry on with; and
    /// [`Rule::NotInVersion`] is never raised (AUTH before 5.0 is a reserved type).
    pub fn skippable(self) -> bool {
        !matches!(
            self,
            Rule::ReservedPacketType
                | Rule::VarIntTooLong
                | Rule::Truncated
                | Rule::PropertyUnknown
                | Rule::NotInVersion
        )
    }
}

/// A packet the strict decoder rejects: which rule, for which version, at which byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Violation {
    /// The check that failed.
    pub rule: Rule,
    /// The version the packet was read as.
    pub version: Version,
    /// Byte offset from the first byte of the packet.
    pub offset: usize,
}

impl Violation {
    pub(crate) fn new(rule: Rule, version: Version, offset: usize) -> Self {
        Violation { rule, version, offset }
    }

    /// The statement ID, if the requirement has one in this version.
    pub fn statement(&self) -> Option<&'static str> {
        self.rule.statement(self.version)
    }

    /// The statement ID or section.
    pub fn citation(&self) -> Citation {
        self.rule.citation(self.version)
    }

    /// Malformed or protocol error.
    pub fn kind(&self) -> Kind {
        self.rule.kind()
    }

    /// The reason code a 5.0 server answers with.
    pub fn reason_code(&self) -> ReasonCode {
        self.rule.reason_code()
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind() {
            Kind::Malformed => "malformed packet",
            Kind::ProtocolError => "protocol error",
        };
        write!(
            f,
            "{} ({kind}, MQTT {}, byte {}): {}; a 5.0 server answers {}",
            self.citation(),
            self.version,
            self.offset,
            self.rule.description(),
            self.reason_code()
        )
    }
}

impl std::error::Error for Violation {}

/// Why bytes did not yield a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Not a whole packet yet: at least `needed` more bytes must arrive. Not a fault.
    #[error("incomplete packet: at least {needed} more bytes needed")]
    Incomplete {
        /// Lower bound of the bytes still missing.
        needed: usize,
    },
    /// The packet breaks the specification.
    #[error(transparent)]
    Invalid(#[from] Violation),
}

impl DecodeError {
    /// The violation, if this is not a mere "need more bytes".
    pub fn violation(&self) -> Option<&Violation> {
        match self {
            DecodeError::Invalid(v) => Some(v),
            DecodeError::Incomplete { .. } => None,
        }
    }
}

/// Why a packet could not be encoded as asked. Out-of-spec packets are built through
/// [`crate::Tamper`]; these errors are API misuse, never silent loss of data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// A 5.0-only feature was asked of an earlier version.
    #[error("{what} does not exist in MQTT {version}")]
    NotInVersion {
        /// The feature.
        what: &'static str,
        /// The version asked for.
        version: Version,
    },
    /// CONNECT declares one version, the encoder was asked for another.
    #[error("CONNECT declares MQTT {declared} but was encoded as {requested}")]
    VersionMismatch {
        /// The version inside the CONNECT.
        declared: Version,
        /// The version passed to the encoder.
        requested: Version,
    },
    /// A length-prefixed field is longer than 65,535 bytes.
    #[error("{what} is {len} bytes; a two-byte length prefix holds at most 65535")]
    FieldTooLong {
        /// The field.
        what: &'static str,
        /// Its length.
        len: usize,
    },
    /// The remaining length would exceed 268,435,455.
    #[error("packet body of {len} bytes exceeds the largest remaining length (268435455)")]
    PacketTooLarge {
        /// The body length.
        len: usize,
    },
    /// QoS 1/2 PUBLISH without identifier, or QoS 0 with one.
    #[error("{0}")]
    PacketId(&'static str),
}
