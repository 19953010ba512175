//! What an oracle reports: which invariant broke, where, citing which statements.

use crate::version::Version;
use serde::Serialize;

/// Which invariant a finding breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The broker sent bytes the strict codec refuses.
    Malformed,
    /// The broker carried on after a packet the codec refuses.
    AcceptedMalformed,
    /// A PUBLISH without a matching subscription.
    NoSubscription,
    /// A PUBLISH above the QoS published or granted.
    QosAbove,
    /// An illegal outgoing QoS 1/2 flow (identifier reuse, DUP, PUBREL).
    Flow,
    /// A packet above the client's Maximum Packet Size.
    MaxPacketSize,
    /// The broker no longer answers a fresh CONNECT.
    Liveness,
    /// The broker process exited.
    Crash,
    /// The reference broker gave the answer a statement requires; the target did not.
    Differential,
    /// A Topic Alias misused: a client's alias resolved to another topic, or one an
    /// earlier connection set still routed (MQTT-3.3.2-12, MQTT-3.3.2-7); a server's
    /// alias beyond the client's Topic Alias Maximum (MQTT-3.1.2-26/-27, MQTT-3.3.2-11).
    TopicAlias,
}

/// One broken invariant.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Which invariant.
    pub check: Check,
    /// Index of the operation in whose window it showed.
    pub op: usize,
    /// The client slot.
    pub slot: usize,
    /// The version of the session.
    #[serde(serialize_with = "version_text")]
    pub version: Version,
    /// The statements broken, in that version.
    pub statements: Vec<String>,
    /// What happened.
    pub message: String,
    /// The PUBLISH payload concerned, if any (to point the scenario at it).
    #[serde(skip)]
    pub payload: Option<bytes::Bytes>,
    /// The QoS the PUBLISH should have had at most.
    #[serde(skip)]
    pub max_qos: Option<u8>,
    /// The bytes the broker should have refused (an accepted malformed packet).
    #[serde(skip)]
    pub raw: Option<bytes::Bytes>,
    /// The client's Topic Alias Maximum a server alias had to stay within.
    #[serde(skip)]
    pub alias_max: Option<u16>,
    /// SHOULD-level: a 5.0 malformation no statement obliges the server to detect.
    /// 5.0 §4.13.1 leaves "the rigor with which a Client or Server checks" a packet
    /// to the implementation, and MQTT-4.13.1-1 binds once one is detected; where a
    /// statement requires the check (MQTT-3.8.3-5, say) it stays a MUST.
    #[serde(skip)]
    pub should: bool,
}

fn version_text<S: serde::Serializer>(v: &Version, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

impl Finding {
    pub(in crate::fuzz) fn new(
        check: Check,
        op: usize,
        slot: usize,
        version: Version,
        statements: Vec<String>,
        message: String,
    ) -> Finding {
        Finding {
            check,
            op,
            slot,
            version,
            statements,
            message,
            payload: None,
            max_qos: None,
            raw: None,
            alias_max: None,
            should: false,
        }
    }

    pub(in crate::fuzz) fn malformed(op: usize, slot: usize, version: Version, why: &str) -> Finding {
        let ids = ids_in(why, version);
        Finding::new(
            Check::Malformed,
            op,
            slot,
            version,
            ids,
            format!("the broker sent what the strict codec refuses: {why}"),
        )
    }

    pub(in crate::fuzz) fn accepted(
        op: usize,
        slot: usize,
        version: Version,
        v: &mqttspec_codec::Violation,
        bytes: &[u8],
    ) -> Finding {
        let ids = match v.statement() {
            Some(s) => vec![s.to_string()],
            None => vec![v.citation().to_string()],
        };
        let message = format!(
            "the broker answered a PINGREQ after a packet it must refuse ({v}): {}",
            crate::net::client::hex(bytes)
        );
        let mut f = Finding::new(Check::AcceptedMalformed, op, slot, version, ids, message);
        f.raw = Some(bytes::Bytes::copy_from_slice(bytes));
        f.should = version == Version::V5 && v.statement().is_none();
        f
    }

    /// Statement and check: what findings are deduplicated by.
    pub fn key(&self) -> String {
        format!(
            "{:?} {} {}",
            self.check,
            self.statements.join(" "),
            if self.version == Version::V5 { "5.0" } else { "3.1.1" }
        )
    }
}

/// The statement IDs a message cites for `version`: groups like
/// `MQTT-a MQTT-b (5.0), MQTT-c (3.1.1): text`, or bare IDs.
pub fn ids_in(text: &str, version: Version) -> Vec<String> {
    let head = text.split(": ").next().unwrap_or("");
    let tag = if version == Version::V5 { "(5.0)" } else { "(3.1.1)" };
    let mut out = Vec::new();
    for group in head.split([',', '/']) {
        let applies = group.contains(tag) || group.contains("(both)") || !group.contains('(');
        if applies {
            out.extend(group.split_whitespace().filter(|w| w.starts_with("MQTT-")).map(str::to_string));
        }
    }
    if out.is_empty() {
        out.extend(
            text.split_whitespace()
                .filter(|w| w.starts_with("MQTT-"))
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '.').to_string()),
        );
        out.truncate(1);
    }
    out
}
