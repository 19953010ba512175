//! The wire facts the session runner needs: which version a CONNECT declares, whether
//! the strict codec refuses a whole packet (MQTT 3.1.1 §4.8, 5.0 §4.13: the broker
//! must then close), and whether the broker still answers a fresh CONNECT.

use crate::net::connector::Connector;
use crate::version::Version;
use bytes::Bytes;
use mqttspec_codec::{DecodeOptions, Frame, Packet, Role, check_frame};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The protocol level a CONNECT declares (5: 5.0; 3 or 4: 3.1.1 framing; 0: other).
pub(super) fn connect_level(bytes: &[u8]) -> Option<u8> {
    if bytes.first()? >> 4 != 1 {
        return None;
    }
    let mut at = 1;
    while *bytes.get(at)? & 0x80 != 0 {
        at += 1;
    }
    let name_len = usize::from(u16::from_be_bytes([*bytes.get(at + 1)?, *bytes.get(at + 2)?]));
    let name = bytes.get(at + 3..at + 3 + name_len)?;
    let level = *bytes.get(at + 3 + name_len)?;
    let known = matches!((name, level), (b"MQTT", 4 | 5) | (b"MQIsdp", 3));
    Some(if known { level } else { 0 })
}

pub(super) fn version_of(level: u8) -> Option<Version> {
    match level {
        5 => Some(Version::V5),
        3 | 4 => Some(Version::V311),
        _ => None,
    }
}

/// The rule a whole packet breaks, as a server reads it; `None` when the bytes are
/// not exactly one whole packet, or break nothing the codec checks.
pub fn refusal(bytes: &[u8], version: Version) -> Option<mqttspec_codec::Violation> {
    match check_frame(bytes, 16 << 20, version.codec()) {
        Ok(Frame::Complete { len, .. }) if len == bytes.len() => {}
        Ok(_) => return None,
        // A broken fixed header: the broker cannot even frame it.
        Err(v) => return Some(v),
    }
    let opts = DecodeOptions::new(version.codec()).with_role(Role::Server);
    let b = Bytes::copy_from_slice(bytes);
    match Packet::decode(&b, &opts) {
        Err(mqttspec_codec::DecodeError::Invalid(v)) => Some(v),
        _ => None,
    }
}

/// Whether the broker still answers a fresh CONNECT with a CONNACK; its code.
pub async fn alive(
    connector: &Connector,
    version: Version,
    id: &str,
    patience: Duration,
    login: Option<&crate::net::connector::Login>,
) -> Result<u8, String> {
    let attempt = async {
        let mut s = connector.connect().await?;
        let mut c = mqttspec_codec::Connect::new(version.codec(), id);
        if let Some(l) = login {
            l.apply(&mut c);
        }
        let bytes = Packet::Connect(Box::new(c)).to_bytes(version.codec()).map_err(|e| e.to_string())?;
        s.write_all(&bytes).await.map_err(|e| e.to_string())?;
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed the connection without a CONNACK".into());
        }
        if buf[0] >> 4 != 2 {
            return Err(format!(
                "answered a CONNECT with {} instead of CONNACK",
                crate::net::client::hex(&buf[..n])
            ));
        }
        let _ = s.write_all(&[0xE0, 0x00]).await;
        Ok(if n >= 4 { buf[3] } else { 0xFF })
    };
    match tokio::time::timeout(patience, attempt).await {
        Ok(r) => r,
        Err(_) => Err(format!("no CONNACK within {patience:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connect_declares_its_level_only_with_a_known_name() {
        // 10 len | 00 04 "MQTT" | level 5 | flags | keep alive ...
        assert_eq!(connect_level(&[0x10, 0x0d, 0, 4, b'M', b'Q', b'T', b'T', 5, 2, 0, 60]), Some(5));
        assert_eq!(connect_level(&[0x10, 0x0d, 0, 4, b'M', b'Q', b'T', b'X', 5, 2, 0, 60]), Some(0));
        assert_eq!(connect_level(&[0x10, 0x0d, 0, 6, b'M', b'Q', b'I', b's', b'd', b'p', 3]), Some(3));
        assert_eq!(connect_level(&[0x30, 0x02, 0, 0]), None);
        assert_eq!(connect_level(&[0x10]), None);
    }

    #[test]
    fn only_a_whole_refused_packet_is_a_refusal() {
        // PINGREQ with a payload byte: whole, and refused.
        assert!(refusal(&[0xC0, 0x01, 0xFF], Version::V5).is_some());
        // A well-formed PINGREQ, and a truncated PUBLISH: neither.
        assert!(refusal(&[0xC0, 0x00], Version::V5).is_none());
        assert!(refusal(&[0x30, 0x05, 0x00], Version::V311).is_none());
    }
}
