//! UTF-8 encoded strings (MQTT 3.1.1 §1.5.3, MQTT 5.0 §1.5.4) and binary data.

use bytes::Bytes;
use std::fmt;

/// A length-prefixed MQTT string, held as the bytes of the packet it came from.
///
/// A decoded `MqttString` is always valid: well-formed UTF-8 without U+0000 (a BOM
/// stays as it arrived, per MQTT-1.5.3-3 / MQTT-1.5.4-3). One built with
/// [`MqttString::from_raw`] may hold anything, so that invalid strings can be sent.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MqttString(Bytes);

impl MqttString {
    /// A string from static text.
    pub const fn from_static(s: &'static str) -> Self {
        MqttString(Bytes::from_static(s.as_bytes()))
    }

    /// Arbitrary bytes, valid or not: for building out-of-spec packets.
    pub fn from_raw(bytes: impl Into<Bytes>) -> Self {
        MqttString(bytes.into())
    }

    /// The bytes as they appear on the wire (without the length prefix).
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The underlying shared buffer.
    pub fn bytes(&self) -> &Bytes {
        &self.0
    }

    /// The text, if the bytes are UTF-8 (always so for decoded strings).
    pub fn as_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(&self.0)
    }

    /// The text with invalid sequences replaced, for display.
    pub fn to_string_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for MqttString {
    fn from(s: &str) -> Self {
        MqttString(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<String> for MqttString {
    fn from(s: String) -> Self {
        MqttString(Bytes::from(s))
    }
}

impl PartialEq<str> for MqttString {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for MqttString {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl fmt::Debug for MqttString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Ok(s) => fmt::Debug::fmt(s, f),
            Err(_) => write!(f, "invalid-utf8{:?}", &self.0[..]),
        }
    }
}

impl fmt::Display for MqttString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

/// Why string bytes are not a valid MQTT string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StringFault {
    /// Ill-formed UTF-8 (encoded surrogates are ill-formed too), at this byte.
    Utf8(usize),
    /// U+0000, at this byte.
    Null(usize),
}

/// Checks the rules of §1.5.3 / §1.5.4 that every string must meet.
///
/// The common case, ASCII without U+0000, is settled by one branch-free pass the
/// compiler vectorises; only other text goes through the full UTF-8 validation.
pub(crate) fn check(bytes: &[u8]) -> Result<(), StringFault> {
    if plain(bytes) {
        return Ok(());
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        return Err(StringFault::Utf8(e.valid_up_to()));
    }
    match bytes.iter().position(|&b| b == 0) {
        Some(at) => Err(StringFault::Null(at)),
        None => Ok(()),
    }
}

/// Every byte is ASCII other than NUL (so the string is valid).
#[inline]
fn plain(bytes: &[u8]) -> bool {
    // 1..=0x7F, tested as one unsigned comparison; no early exit, so it vectorises.
    !bytes.iter().fold(false, |bad, &b| bad | (b.wrapping_sub(1) >= 0x7F))
}

/// Every byte is ASCII other than NUL, `+` and `#`: a valid string and a topic name
/// without wildcards.
#[inline]
pub(crate) fn plain_topic(bytes: &[u8]) -> bool {
    !bytes.iter().fold(false, |bad, &b| bad | (b.wrapping_sub(1) >= 0x7F) | (b == b'+') | (b == b'#'))
}
