//! The scenario file format: what a YAML scenario may say, as Rust types.
//!
//! Every struct refuses unknown fields, so a typo is an error with its line and
//! column, never a silently ignored check. Fields of a packet are optional: when a
//! packet is *sent*, missing fields take defaults; when one is *expected*, missing
//! fields are not checked. Values to match may be exact, or a matcher
//! (`{one-of: [...]}`, `{range: [lo, hi]}`, `{regex: "..."}`, `{any: true}`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One conformance scenario.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Scenario {
    /// Unique id, conventionally `chapter/what-it-checks` (the file path).
    pub id: String,
    /// One line.
    pub title: String,
    /// Why the behaviour matters and what the spec says, in our words.
    #[serde(default)]
    pub description: String,
    /// Normative statement IDs checked: a list (each ID must be in the catalogue of
    /// every version the scenario runs in), or a map from version to list, for
    /// behaviours whose IDs differ between versions.
    pub statements: Statements,
    /// Requirement level of the behaviour.
    pub level: Level,
    /// Protocol versions the scenario runs in (once per version).
    pub versions: Vec<VersionName>,
    /// Capabilities the target must have; otherwise the verdict is `unsupported`.
    #[serde(default)]
    pub requires: Vec<Capability>,
    /// Broker configuration the scenario needs (the embedded target starts a broker
    /// configured so; an external target runs it only if its profile says so).
    #[serde(default)]
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub config: Option<BTreeMap<String, serde_yaml::Value>>,
    /// Free-form tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// What to do and what to expect, in order.
    pub steps: Vec<Step>,
}

/// Statement IDs, for all versions or per version.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Statements {
    /// The same IDs in every version.
    All(Vec<String>),
    /// IDs per version.
    PerVersion(BTreeMap<VersionName, Vec<String>>),
}

impl Statements {
    /// The IDs a run in `v` checks.
    pub fn for_version(&self, v: VersionName) -> Vec<String> {
        match self {
            Statements::All(ids) => ids.clone(),
            Statements::PerVersion(map) => map.get(&v).cloned().unwrap_or_default(),
        }
    }

    /// Every ID named, in any version.
    pub fn all(&self) -> Vec<String> {
        match self {
            Statements::All(ids) => ids.clone(),
            Statements::PerVersion(map) => map.values().flatten().cloned().collect(),
        }
    }
}

/// Requirement level.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// MUST / MUST NOT: a failure is `fail`.
    Must,
    /// SHOULD: a failure is `non-strict`.
    Should,
    /// MAY: the result is `informational`.
    May,
}

/// A protocol version a scenario runs in.
#[derive(
    schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize,
)]
pub enum VersionName {
    /// MQTT 3.1.1.
    #[serde(rename = "3.1.1")]
    V311,
    /// MQTT 5.0.
    #[serde(rename = "5.0")]
    V5,
}

impl VersionName {
    /// The codec's version.
    pub fn version(self) -> mqttspec_codec::Version {
        match self {
            VersionName::V311 => mqttspec_codec::Version::V3_1_1,
            VersionName::V5 => mqttspec_codec::Version::V5,
        }
    }

    /// "3.1.1" or "5.0".
    pub fn as_str(self) -> &'static str {
        match self {
            VersionName::V311 => "3.1.1",
            VersionName::V5 => "5.0",
        }
    }
}

/// Something a target may or may not support.
#[derive(
    schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// QoS 1.
    Qos1,
    /// QoS 2.
    Qos2,
    /// Retained messages.
    Retain,
    /// Wildcard subscriptions.
    Wildcards,
    /// Shared subscriptions (5.0).
    SharedSubscriptions,
    /// Subscription identifiers (5.0).
    SubscriptionIdentifiers,
    /// Topic aliases sent by the client (5.0).
    TopicAlias,
    /// Enhanced authentication (5.0).
    EnhancedAuth,
    /// TLS.
    Tls,
}

/// One step.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub enum Step {
    /// Open a TCP connection without sending anything.
    Open(ClientRef),
    /// Open a connection (if needed), send CONNECT, and expect CONNACK (success by
    /// default; `expect` overrides).
    Connect(ConnectStep),
    /// Send a packet, possibly tampered with.
    Send(SendStep),
    /// Send raw bytes given in hex.
    SendRaw(SendRawStep),
    /// Expect the next packet (or one of several outcomes).
    Expect(ExpectStep),
    /// Expect the connection to close (a DISCONNECT before the close is accepted).
    ExpectClosed(ClosedStep),
    /// Expect no packet within a time.
    ExpectNothing(NothingStep),
    /// Expect a set of packets in any order.
    ExpectUnordered(UnorderedStep),
    /// Send DISCONNECT and close.
    Disconnect(DisconnectStep),
    /// Close the TCP connection without DISCONNECT.
    Drop(ClientRef),
    /// Let time pass.
    Wait(WaitStep),
}

/// A step naming only a client.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClientRef {
    /// Client name within the scenario.
    pub client: String,
}

/// `connect`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConnectStep {
    /// Client name within the scenario.
    pub client: String,
    /// "3.1", "3.1.1" or "5.0"; defaults to the version the scenario runs in.
    #[serde(default)]
    pub protocol: Option<String>,
    /// Client identifier (default: `{{id:<client>}}`, unique per run).
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
    /// Faults to apply to the CONNECT.
    #[serde(default)]
    pub tamper: Option<TamperSpec>,
    /// Outcomes accepted instead of a successful CONNACK.
    #[serde(default)]
    pub expect: Option<Vec<Outcome>>,
    /// Values to capture from the CONNACK, by name.
    #[serde(default)]
    pub capture: BTreeMap<String, CaptureField>,
}

/// `send`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SendStep {
    /// Client name.
    pub client: String,
    /// The packet.
    pub packet: PacketSpec,
    /// Faults to apply.
    #[serde(default)]
    pub tamper: Option<TamperSpec>,
}

/// `send-raw`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SendRawStep {
    /// Client name.
    pub client: String,
    /// Bytes in hex; spaces and `#` comments to the end of a line are ignored.
    pub hex: String,
}

/// `expect`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ExpectStep {
    /// Client name.
    pub client: String,
    /// The packet expected next.
    #[serde(default)]
    pub packet: Option<PacketSpec>,
    /// Alternatives, any of which passes.
    #[serde(default)]
    pub one_of: Option<Vec<Outcome>>,
    /// Milliseconds to wait (scaled by `--timeout-scale`).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Values to capture from the matched packet, by name.
    #[serde(default)]
    pub capture: BTreeMap<String, CaptureField>,
}

/// `expect-closed`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ClosedStep {
    /// Client name.
    pub client: String,
    /// Milliseconds to wait.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// `expect-nothing`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NothingStep {
    /// Client name.
    pub client: String,
    /// Milliseconds during which nothing may arrive.
    #[serde(default)]
    pub within_ms: Option<u64>,
}

/// `expect-unordered`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct UnorderedStep {
    /// Client name.
    pub client: String,
    /// Packets expected, in any order.
    pub packets: Vec<PacketSpec>,
    /// Milliseconds to wait for all of them.
    #[serde(default)]
    pub timeout_ms: Option<u64>,
}

/// `disconnect`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DisconnectStep {
    /// Client name.
    pub client: String,
    /// 5.0 reason code.
    #[serde(default)]
    pub reason_code: Option<Num>,
    /// 5.0 properties.
    #[serde(default)]
    pub properties: Option<PropsSpec>,
}

/// `wait`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct WaitStep {
    /// Milliseconds (not scaled).
    pub ms: u64,
}

/// A value the `capture` of an expectation can take.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CaptureField {
    /// The packet identifier.
    PacketId,
    /// The PUBLISH topic.
    Topic,
    /// The Assigned Client Identifier property.
    AssignedClientIdentifier,
    /// The first Subscription Identifier property.
    SubscriptionIdentifier,
}

/// One acceptable outcome of an expectation.
// Scenario data is parsed once per file; variant size does not matter here.
#[allow(clippy::large_enum_variant)]
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The connection closes (with or without a DISCONNECT first).
    Closed,
    /// The next packet is exactly these bytes (hex), compared before decoding: for
    /// replies whose layout the spec leaves open, such as the CONNACK to an unknown
    /// protocol level.
    Raw(String),
    /// A packet matching this.
    #[serde(untagged)]
    Packet(PacketSpec),
}

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
    pub protocol: Option<String>,
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

impl ConnectStep {
    /// The CONNECT this step sends.
    pub fn fields(&self) -> ConnectFields {
        ConnectFields {
            protocol: self.protocol.clone(),
            client_id: self.client_id.clone(),
            clean_start: self.clean_start,
            keep_alive: self.keep_alive.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            will: self.will.clone(),
            properties: self.properties.clone(),
        }
    }
}
