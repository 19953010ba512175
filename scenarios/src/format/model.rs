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

mod steps;
pub use steps::*;

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
