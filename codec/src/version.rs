//! Protocol versions (MQTT 3.1.1 §3.1.2.1–3.1.2.2, MQTT 5.0 §3.1.2.1–3.1.2.2).

use std::fmt;

/// The protocol revision a packet is encoded in.
///
/// 3.1 exists only so that a CONNECT carrying `MQIsdp`/level 3 can be decoded and
/// built; every other packet of 3.1 has the 3.1.1 layout and is handled as such.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Version {
    /// MQTT 3.1, protocol name `MQIsdp`, level 3.
    V3_1,
    /// MQTT 3.1.1, protocol name `MQTT`, level 4.
    V3_1_1,
    /// MQTT 5.0, protocol name `MQTT`, level 5.
    V5,
}

impl Version {
    /// The Protocol Level byte of CONNECT.
    pub const fn level(self) -> u8 {
        match self {
            Version::V3_1 => 3,
            Version::V3_1_1 => 4,
            Version::V5 => 5,
        }
    }

    /// The Protocol Name of CONNECT.
    pub const fn protocol_name(self) -> &'static str {
        match self {
            Version::V3_1 => "MQIsdp",
            Version::V3_1_1 | Version::V5 => "MQTT",
        }
    }

    /// Whether the packet layouts of MQTT 5.0 (properties, reason codes) apply.
    pub const fn is_v5(self) -> bool {
        matches!(self, Version::V5)
    }

    /// The version a (name, level) pair announces, if it is one we know.
    pub fn from_name_and_level(name: &[u8], level: u8) -> Option<Version> {
        match (name, level) {
            (b"MQTT", 4) => Some(Version::V3_1_1),
            (b"MQTT", 5) => Some(Version::V5),
            (b"MQIsdp", 3) => Some(Version::V3_1),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Version::V3_1 => "3.1",
            Version::V3_1_1 => "3.1.1",
            Version::V5 => "5.0",
        })
    }
}
