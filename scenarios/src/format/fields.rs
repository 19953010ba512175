//! Packets in scenario files: the fields of each packet type, 5.0 properties by
//! name, faults to apply when sending, and the values and matchers fields take.
//! Fields are optional: when a packet is *sent*, missing fields take defaults; when
//! one is *expected*, missing fields are not checked.

use crate::version::Protocol;
use serde::{Deserialize, Serialize};

/// A packet, to send or to match.
#[allow(clippy::large_enum_variant)]
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum PacketSpec {
    Connect(ConnectFields),
    Connack(ConnackFields),
    Publish(PublishFields),
    Puback(AckFields),
    Pubrec(AckFields),
    Pubrel(AckFields),
    Pubcomp(AckFields),
    Subscribe(SubscribeFields),
    Suback(CodesFields),
    Unsubscribe(UnsubscribeFields),
    Unsuback(CodesFields),
    Pingreq(Empty),
    Pingresp(Empty),
    Disconnect(ReasonFields),
    Auth(ReasonFields),
}

/// No fields.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// CONNECT.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConnectFields {
    /// "3.1", "3.1.1" or "5.0"; defaults to the version the scenario runs in.
    #[serde(default)]
    pub protocol: Option<Protocol>,
    /// Client identifier.
    #[serde(default)]
    pub client_id: Option<Str>,
    /// Clean Session / Clean Start (default true).
    #[serde(default)]
    pub clean_start: Option<bool>,
    /// Keep Alive seconds (default 60).
    #[serde(default)]
    pub keep_alive: Option<Num>,
    /// User Name.
    #[serde(default)]
    pub username: Option<Str>,
    /// Password (text or hex).
    #[serde(default)]
    pub password: Option<Str>,
    /// Will.
    #[serde(default)]
    pub will: Option<WillFields>,
    /// 5.0 properties.
    #[serde(default)]
    pub properties: Option<PropsSpec>,
}

/// Will.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WillFields {
    /// Will Topic.
    pub topic: Str,
    /// Will Payload.
    #[serde(default)]
    pub payload: Option<Str>,
    /// Will QoS.
    #[serde(default)]
    pub qos: Option<Num>,
    /// Will Retain.
    #[serde(default)]
    pub retain: Option<bool>,
    /// 5.0 Will Properties.
    #[serde(default)]
    pub properties: Option<PropsSpec>,
}

/// CONNACK.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConnackFields {
    /// Session Present.
    #[serde(default)]
    pub session_present: Option<bool>,
    /// Reason / return code.
    #[serde(default)]
    pub reason_code: Option<Num>,
    /// 5.0 properties.
    #[serde(default)]
    pub properties: Option<PropsSpec>,
}

/// PUBLISH.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PublishFields {
    /// Topic Name.
    #[serde(default)]
    pub topic: Option<Str>,
    /// QoS.
    #[serde(default)]
    pub qos: Option<Num>,
    /// RETAIN.
    #[serde(default)]
    pub retain: Option<bool>,
    /// DUP.
    #[serde(default)]
    pub dup: Option<bool>,
    /// Packet Identifier.
    #[serde(default)]
    pub packet_id: Option<Num>,
    /// Payload (text or hex).
    #[serde(default)]
    pub payload: Option<Str>,
    /// 5.0 properties.
    #[serde(default)]
    pub properties: Option<PropsSpec>,
}

/// PUBACK, PUBREC, PUBREL, PUBCOMP.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AckFields {
    /// Packet Identifier.
    #[serde(default)]
    pub packet_id: Option<Num>,
    /// 5.0 reason code.
    #[serde(default)]
    pub reason_code: Option<Num>,
    /// 5.0 properties.
    #[serde(default)]
    pub properties: Option<PropsSpec>,
}

/// SUBSCRIBE.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SubscribeFields {
    /// Packet Identifier (default 1).
    #[serde(default)]
    pub packet_id: Option<Num>,
    /// Topic filters.
    pub filters: Vec<FilterSpec>,
    /// 5.0 properties.
    #[serde(default)]
    pub properties: Option<PropsSpec>,
}

/// One SUBSCRIBE filter.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FilterSpec {
    /// Topic Filter.
    pub filter: Str,
    /// Maximum QoS.
    #[serde(default)]
    pub qos: Option<Num>,
    /// No Local.
    #[serde(default)]
    pub no_local: Option<bool>,
    /// Retain As Published.
    #[serde(default)]
    pub retain_as_published: Option<bool>,
    /// Retain Handling.
    #[serde(default)]
    pub retain_handling: Option<Num>,
    /// The whole options byte, overriding the fields above (for reserved bits).
    #[serde(default)]
    pub options: Option<Num>,
}

/// SUBACK, UNSUBACK.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CodesFields {
    /// Packet Identifier.
    #[serde(default)]
    pub packet_id: Option<Num>,
    /// Return / reason codes, one per filter.
    #[serde(default)]
    pub reason_codes: Option<Vec<Num>>,
    /// 5.0 properties.
    #[serde(default)]
    pub properties: Option<PropsSpec>,
}

/// UNSUBSCRIBE.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnsubscribeFields {
    /// Packet Identifier (default 1).
    #[serde(default)]
    pub packet_id: Option<Num>,
    /// Topic filters.
    pub filters: Vec<Str>,
    /// 5.0 properties.
    #[serde(default)]
    pub properties: Option<PropsSpec>,
}

/// DISCONNECT, AUTH.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ReasonFields {
    /// 5.0 reason code.
    #[serde(default)]
    pub reason_code: Option<Num>,
    /// 5.0 properties.
    #[serde(default)]
    pub properties: Option<PropsSpec>,
}

/// 5.0 properties by name. In a match, listed properties must be present with the
/// value; `absent` names properties that must not be.
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct PropsSpec {
    pub payload_format_indicator: Option<Num>,
    pub message_expiry_interval: Option<Num>,
    pub content_type: Option<Str>,
    pub response_topic: Option<Str>,
    pub correlation_data: Option<Str>,
    pub subscription_identifier: Option<Vec<Num>>,
    pub session_expiry_interval: Option<Num>,
    pub assigned_client_identifier: Option<Str>,
    pub server_keep_alive: Option<Num>,
    pub authentication_method: Option<Str>,
    pub authentication_data: Option<Str>,
    pub request_problem_information: Option<Num>,
    pub will_delay_interval: Option<Num>,
    pub request_response_information: Option<Num>,
    pub response_information: Option<Str>,
    pub server_reference: Option<Str>,
    pub reason_string: Option<Str>,
    pub receive_maximum: Option<Num>,
    pub topic_alias_maximum: Option<Num>,
    pub topic_alias: Option<Num>,
    pub maximum_qos: Option<Num>,
    pub retain_available: Option<Num>,
    pub user_property: Option<Vec<(Str, Str)>>,
    pub maximum_packet_size: Option<Num>,
    pub wildcard_subscription_available: Option<Num>,
    pub subscription_identifier_available: Option<Num>,
    pub shared_subscription_available: Option<Num>,
    /// Match only: property names that must not appear.
    #[serde(default)]
    pub absent: Vec<String>,
    /// Send only: the whole property block as hex (replaces the fields above).
    #[serde(default)]
    pub raw_hex: Option<String>,
}

/// Faults applied to a sent packet (see `mqttspec_codec::Tamper`).
#[derive(schemars::JsonSchema, Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(missing_docs)]
pub struct TamperSpec {
    pub first_byte: Option<u8>,
    pub flags: Option<u8>,
    pub remaining_length: Option<u32>,
    pub remaining_length_width: Option<usize>,
    pub protocol_name: Option<String>,
    pub protocol_level: Option<u8>,
    pub connect_flags: Option<u8>,
    pub connack_flags: Option<u8>,
    pub append_hex: Option<String>,
    pub truncate: Option<usize>,
    #[serde(default)]
    pub skip_checks: bool,
}

/// A number: literal, a `{{capture}}` template, or a matcher.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Num {
    /// A literal.
    Lit(u64),
    /// A template such as `"{{pid}}"`.
    Template(String),
    /// A matcher (expectations only).
    Match(NumMatch),
}

/// Number matchers.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub enum NumMatch {
    /// Any value (the field must be present).
    Any(bool),
    /// One of these.
    OneOf(Vec<u64>),
    /// Inclusive range.
    Range([u64; 2]),
    /// Absent, or within this inclusive range: an optional property a sender may
    /// leave out but must keep within bounds when it uses it (a Topic Alias, say).
    RangeOrAbsent([u64; 2]),
    /// None of these (literals or `{{capture}}` templates): e.g. a packet identifier
    /// that must differ from one still in flight.
    NoneOf(Vec<Num>),
}

/// A string or bytes: text (with templates), raw hex, or a matcher.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Str {
    /// UTF-8 text; `{{prefix}}`, `{{id:<client>}}` and captures are expanded.
    Text(String),
    /// Raw bytes in hex, for invalid strings.
    Hex {
        /// The bytes.
        hex: String,
    },
    /// A matcher (expectations only).
    Match(StrMatch),
}

/// String matchers.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub enum StrMatch {
    /// Any value.
    Any(bool),
    /// One of these (templates expanded).
    OneOf(Vec<String>),
    /// A regular expression the whole text must match.
    Regex(String),
}
