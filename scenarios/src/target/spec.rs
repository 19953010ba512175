//! How a profile says to start its broker: as a local process, or as a container.

use crate::version::Version;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How to run a broker as a local process. Strings may hold `{{dir}}` (the scratch
/// directory), `{{home}}`, `{{workspace}}` (this source tree, where it was built),
/// `{{mqttspec}}` (the running `mqttspec` binary, for the reference broker), `{{port}}` (the MQTT
/// port) and `{{port:NAME}}` (another free loopback port, the same wherever NAME is
/// the same).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProcessSpec {
    /// The broker's command line. A bare program name is looked up in PATH, then in
    /// `search`.
    pub command: Vec<String>,
    /// Other places the program may be (`/usr/sbin/mosquitto`, `{{home}}/.cargo/bin/rumqttd`).
    #[serde(default)]
    pub search: Vec<String>,
    /// How to install it, printed when it is missing.
    #[serde(default)]
    pub install: String,
    /// Files written into the scratch directory first: name -> contents.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// Environment of the broker and its helpers.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Programs started before the broker and stopped after it (epmd for Erlang
    /// brokers), each waited for until its port accepts connections.
    #[serde(default)]
    pub helpers: Vec<Helper>,
    /// Port name of the listener per MQTT version, for brokers with one listener per
    /// version (default: `port` for both).
    #[serde(default)]
    pub listeners: BTreeMap<Version, String>,
    /// Port name of a WebSocket listener (MQTT over WebSocket, §6), for brokers
    /// started with one: the cases that require `websocket` connect there
    /// (`ws://127.0.0.1:PORT/mqtt`); without one they are `unsupported`.
    #[serde(default)]
    pub websocket: Option<String>,
    /// Make the scratch directory writable by everyone (brokers that drop privileges).
    #[serde(default)]
    pub world_writable: bool,
    /// How long the broker may take to answer its first CONNECT.
    #[serde(default = "default_startup_ms")]
    pub startup_timeout_ms: u64,
}

/// A program a broker needs running beside it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Helper {
    /// Command line (templated like the broker's).
    pub command: Vec<String>,
    /// Port name it listens on once ready.
    pub port: String,
}

/// How to run a broker as a container.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ContainerSpec {
    /// The image `ci/images/` builds here (`mqttspec/mosquitto:2.0.11`).
    pub image: String,
    /// The broker's published image, for users with a registry (`eclipse-mosquitto:2`).
    #[serde(default)]
    pub official_image: Option<String>,
    /// MQTT port inside the container.
    #[serde(default = "default_container_port")]
    pub port: u16,
    /// Arguments replacing the image's command.
    #[serde(default)]
    pub cmd: Vec<String>,
    /// How long the broker may take to answer its first CONNECT.
    #[serde(default = "default_startup_ms")]
    pub startup_timeout_ms: u64,
}

pub(super) fn default_startup_ms() -> u64 {
    30_000
}

fn default_container_port() -> u16 {
    1883
}
