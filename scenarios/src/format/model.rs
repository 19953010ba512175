//! The scenario file format: what a YAML scenario may say, as Rust types.
//!
//! Every struct refuses unknown fields, so a typo is an error with its line and
//! column, never a silently ignored check. Fields of a packet are optional: when a
//! packet is *sent*, missing fields take defaults; when one is *expected*, missing
//! fields are not checked. Values to match may be exact, or a matcher
//! (`{one-of: [...]}`, `{range: [lo, hi]}`, `{regex: "..."}`, `{any: true}`).

pub use super::fields::*;
pub use crate::version::{Protocol, Version};
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
    pub versions: Vec<Version>,
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
    PerVersion(BTreeMap<Version, Vec<String>>),
}

impl Statements {
    /// The IDs a run in `v` checks.
    pub fn for_version(&self, v: Version) -> Vec<String> {
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
    /// Accepting a zero-length ClientId (and assigning one).
    EmptyClientId,
    /// Accepting a 5.0 client whose Maximum Packet Size (5 bytes) leaves no room for
    /// the optional properties of the CONNACK: what a case needs to see the bare
    /// acknowledgements (5 or 6 bytes) with no room for a Reason String beside them.
    SmallMaximumPacketSize,
    /// MQTT over WebSocket (§6). A case requiring it runs every client over the
    /// target's WebSocket listener.
    Websocket,
}

impl Capability {
    /// What `--no-probe` assumes an external target has: everything a plain listener
    /// can offer (not enhanced authentication or TLS, which need its set-up).
    pub const ASSUMED: [Capability; 9] = [
        Capability::Qos1,
        Capability::Qos2,
        Capability::Retain,
        Capability::Wildcards,
        Capability::SharedSubscriptions,
        Capability::SubscriptionIdentifiers,
        Capability::TopicAlias,
        Capability::EmptyClientId,
        Capability::SmallMaximumPacketSize,
    ];

    /// The spec text that lets a server of `version` lack this capability, if any.
    /// Only such a lack makes a case `unsupported`; where the spec gives a server no
    /// such option, the case runs whatever the target declares, and its verdict
    /// stands.
    pub fn may_lack(self, version: Version) -> Option<&'static str> {
        use Capability::*;
        match (self, version) {
            (Qos1 | Qos2, Version::V311) => Some(
                "3.1.1 §3.8.4: \"The Server might grant a lower maximum QoS than the subscriber requested\"",
            ),
            (Qos1 | Qos2, Version::V5) => Some("5.0 §3.2.2.3.4 Maximum QoS (MQTT-3.2.2-9)"),
            // 3.1.1 has no Retain Available: the server MUST store retained messages
            // (MQTT-3.3.1-5) and process wildcard filters (§4.7.1).
            (Retain | Wildcards, Version::V311) => None,
            (Retain, Version::V5) => Some("5.0 §3.2.2.3.5 Retain Available (MQTT-3.2.2-14)"),
            (Wildcards, Version::V5) => Some("5.0 §3.2.2.3.11 Wildcard Subscription Available"),
            (SharedSubscriptions, _) => Some("5.0 §3.2.2.3.13 Shared Subscription Available"),
            (SubscriptionIdentifiers, _) => Some("5.0 §3.2.2.3.12 Subscription Identifiers Available"),
            (TopicAlias, _) => Some("5.0 §3.2.2.3.8 Topic Alias Maximum (0: none accepted)"),
            (EnhancedAuth, _) => {
                Some("5.0 §4.12: a server may not support the Authentication Method (MQTT-4.12.0-1)")
            }
            (Tls, _) => Some("3.1.1 §4.2 / 5.0 §4.2: TLS is one of several transports"),
            (Websocket, _) => Some(
                "3.1.1 §4.2 / 5.0 §4.2: WebSocket is one of several transports; §6 applies only \"if MQTT is transported over a WebSocket connection\"",
            ),
            (EmptyClientId, _) => Some(
                "MQTT-3.1.3-6: \"The Server MAY allow a Client to supply a ClientId that has a length of zero bytes\"",
            ),
            (SmallMaximumPacketSize, _) => Some(
                "5.0 §3.1.4: \"The Server MAY check that the contents of the CONNECT packet meet any further \
                 restrictions\"; a Maximum Packet Size below its CONNACK is one it may refuse",
            ),
        }
    }
}

/// One step.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub enum Step {
    /// Open a connection without sending anything.
    Open(OpenStep),
    /// Open a connection (if needed), send CONNECT, and expect CONNACK (success by
    /// default; `expect` overrides).
    Connect(ConnectStep),
    /// Send a packet, possibly tampered with.
    Send(SendStep),
    /// Send raw bytes given in hex.
    SendRaw(SendRawStep),
    /// Send packets in WebSocket frames cut where the scenario says (WebSocket only).
    SendFrames(SendFramesStep),
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

/// `open`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OpenStep {
    /// Client name within the scenario.
    pub client: String,
    /// WebSocket only: the subprotocols the upgrade offers, in order (default:
    /// `mqtt` alone). The server must select `mqtt` (MQTT-6.0.0-4).
    #[serde(default)]
    pub subprotocols: Option<Vec<String>>,
}

/// `send-frames` (WebSocket only): packets encoded one after another into one byte
/// stream, which is cut into WebSocket frames.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct SendFramesStep {
    /// Client name.
    pub client: String,
    /// The packets, in order.
    pub packets: Vec<PacketSpec>,
    /// Sizes in bytes of the first frames; whatever is left goes in one last frame
    /// (empty: everything in one frame).
    #[serde(default)]
    pub split: Vec<usize>,
    /// `binary` (default) or `text` (which MQTT-6.0.0-1 forbids; the bytes must be
    /// UTF-8).
    #[serde(default)]
    pub frame_type: FrameType,
}

/// The type of a WebSocket data frame.
#[derive(schemars::JsonSchema, Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FrameType {
    /// Binary data frame (opcode 2), the only one MQTT may use.
    #[default]
    Binary,
    /// Text data frame (opcode 1).
    Text,
}

/// `connect`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConnectStep {
    /// Client name within the scenario.
    pub client: String,
    /// "3.1", "3.1.1" or "5.0"; defaults to the version the scenario runs in.
    #[serde(default)]
    pub protocol: Option<Protocol>,
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
    /// Patience in milliseconds (default 3000; scaled by `--timeout-scale`). See
    /// [`WaitFor`].
    #[serde(default)]
    pub patience_ms: Option<u64>,
    /// Protocol time in milliseconds: a deadline the spec sets (never scaled).
    /// At most one of `patience-ms` and `within-ms`.
    #[serde(default)]
    pub within_ms: Option<u64>,
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
    /// Patience in milliseconds (default 3000; scaled by `--timeout-scale`). See
    /// [`WaitFor`].
    #[serde(default)]
    pub patience_ms: Option<u64>,
    /// Protocol time in milliseconds: a deadline the spec sets (never scaled).
    /// At most one of `patience-ms` and `within-ms`.
    #[serde(default)]
    pub within_ms: Option<u64>,
}

/// `expect-nothing`.
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct NothingStep {
    /// Client name.
    pub client: String,
    /// Protocol time: milliseconds during which nothing may arrive (default 300),
    /// never scaled by `--timeout-scale`.
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
    /// Patience in milliseconds (default 3000; scaled by `--timeout-scale`). See
    /// [`WaitFor`].
    #[serde(default)]
    pub patience_ms: Option<u64>,
    /// Protocol time in milliseconds: a deadline the spec sets (never scaled).
    /// At most one of `patience-ms` and `within-ms`.
    #[serde(default)]
    pub within_ms: Option<u64>,
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
    /// Protocol time: milliseconds that really pass, never scaled.
    pub ms: u64,
}

/// How long an expectation waits: one of the two kinds of time.
///
/// *Patience* (`patience-ms`, default 3000) is how long to wait for something that
/// should happen; `--timeout-scale` multiplies it, because a slow broker deserves
/// more. *Protocol time* (`within-ms`, and `wait`) is a window the spec or the
/// scenario defines, such as "closed within one and a half keep-alives" or "nothing
/// within 300 ms"; it is never scaled, because a broker that is late has broken the
/// rule however slow it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitFor {
    /// Patience in milliseconds (the default when `None`); scaled.
    Patience(Option<u64>),
    /// Protocol time in milliseconds; never scaled.
    Within(u64),
}

impl WaitFor {
    /// From a step's `patience-ms` and `within-ms` (the loader refuses both).
    pub fn of(patience_ms: Option<u64>, within_ms: Option<u64>) -> WaitFor {
        match within_ms {
            Some(ms) => WaitFor::Within(ms),
            None => WaitFor::Patience(patience_ms),
        }
    }
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
    /// The Authentication Data property (AUTH, CONNACK), as text: a SCRAM
    /// server-first-message for `{{scram-final:...}}`.
    AuthenticationData,
}

/// One acceptable outcome of an expectation.
// Scenario data is parsed once per file; variant size does not matter here.
#[allow(clippy::large_enum_variant)]
#[derive(schemars::JsonSchema, Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The connection closes (with or without a DISCONNECT first).
    Closed,
    /// The connection closes with no packet first: for closes where a DISCONNECT
    /// is forbidden (before a CONNACK below 0x80, MQTT-3.14.0-1 (5.0)).
    ClosedSilently,
    /// The next packet is exactly these bytes (hex), compared before decoding: for
    /// replies whose layout the spec leaves open, such as the CONNACK to an unknown
    /// protocol level.
    Raw(String),
    /// These packets, in any order: the next packet matches one of them and the rest
    /// follow within the same wait. For a choice the spec leaves to the server between
    /// one packet and several, such as one copy or a copy per overlapping subscription
    /// (MQTT-3.3.4-4 / MQTT-3.3.4-5 in 5.0).
    Unordered(Vec<PacketSpec>),
    /// A packet matching this.
    #[serde(untagged)]
    Packet(PacketSpec),
}

impl ConnectStep {
    /// The CONNECT this step sends.
    pub fn fields(&self) -> ConnectFields {
        ConnectFields {
            protocol: self.protocol,
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

/// Each expectation that waits reads its time the same way.
macro_rules! waits {
    ($($step:ty),*) => {$(
        impl $step {
            /// How long this expectation waits.
            pub fn wait(&self) -> WaitFor {
                WaitFor::of(self.patience_ms, self.within_ms)
            }
        }
    )*};
}

waits!(ExpectStep, ClosedStep, UnorderedStep);
