//! The steps of a scenario, and how an expectation waits and what it accepts.

use super::{ConnectFields, Num, PacketSpec, PropsSpec, Protocol, Str, TamperSpec, WillFields};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
