//! The MQTT versions of a run, spelt one way from the command line to the results.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A protocol version scenarios run in: `3.1.1` or `5.0`, in YAML, on the command
/// line, in reports.
#[derive(
    schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize,
)]
pub enum Version {
    /// MQTT 3.1.1.
    #[serde(rename = "3.1.1")]
    V311,
    /// MQTT 5.0.
    #[serde(rename = "5.0")]
    V5,
}

impl Version {
    /// Both versions, in order.
    pub const ALL: [Version; 2] = [Version::V311, Version::V5];

    /// The codec's version.
    pub fn codec(self) -> mqttspec_codec::Version {
        match self {
            Version::V311 => mqttspec_codec::Version::V3_1_1,
            Version::V5 => mqttspec_codec::Version::V5,
        }
    }

    /// `3.1.1` or `5.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V311 => "3.1.1",
            Version::V5 => "5.0",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A version name that is neither `3.1.1` nor `5.0`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an MQTT version mqttspec runs: expected 3.1.1 or 5.0")]
pub struct UnknownVersion(pub String);

impl FromStr for Version {
    type Err = UnknownVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "3.1.1" => Ok(Version::V311),
            "5.0" => Ok(Version::V5),
            other => Err(UnknownVersion(other.to_string())),
        }
    }
}

/// The protocol a CONNECT declares: a scenario's version, or MQTT 3.1 (`MQIsdp`),
/// which a 3.1.1 server may accept or refuse.
#[derive(
    schemars::JsonSchema, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize,
)]
pub enum Protocol {
    /// MQTT 3.1 (`MQIsdp`, level 3).
    #[serde(rename = "3.1")]
    V31,
    /// MQTT 3.1.1.
    #[serde(rename = "3.1.1")]
    V311,
    /// MQTT 5.0.
    #[serde(rename = "5.0")]
    V5,
}

impl Protocol {
    /// The codec's version.
    pub fn codec(self) -> mqttspec_codec::Version {
        match self {
            Protocol::V31 => mqttspec_codec::Version::V3_1,
            Protocol::V311 => mqttspec_codec::Version::V3_1_1,
            Protocol::V5 => mqttspec_codec::Version::V5,
        }
    }
}

impl From<Version> for Protocol {
    fn from(v: Version) -> Self {
        match v {
            Version::V311 => Protocol::V311,
            Version::V5 => Protocol::V5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_spelling_everywhere() {
        for v in Version::ALL {
            assert_eq!(v.to_string().parse::<Version>(), Ok(v));
            let yaml: Version = serde_yaml::from_str(&format!("'{v}'")).unwrap();
            assert_eq!(yaml, v);
        }
        // The same text is refused by the command line and by the YAML.
        assert!("5".parse::<Version>().is_err());
        assert!(serde_yaml::from_str::<Version>("'5'").is_err());
        assert!(serde_yaml::from_str::<Protocol>("'5'").is_err());
        assert_eq!(serde_yaml::from_str::<Protocol>("'3.1'").unwrap(), Protocol::V31);
    }
}
