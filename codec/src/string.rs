//! UTF-8 encoded strings (MQTT 3.1.1 §1.5.3, MQTT 5.0 §1.5.4) and binary data.

use crate::Buffer;
use bytes::Bytes;
use std::fmt;

/// A length-prefixed MQTT string, held as the bytes of the packet it came from
/// (shared as [`Bytes`], or borrowed as `&[u8]`: see [`Buffer`]).
///
/// A decoded `MqttString` is always valid: well-formed UTF-8 without U+0000 (a BOM
/// stays as it arrived, per MQTT-1.5.3-3 / MQTT-1.5.4-3). One built with
/// [`MqttString::from_raw`] may hold anything, so that invalid strings can be sent.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MqttString<B: Buffer = Bytes>(B);

impl MqttString {
    /// A string from static text.
    pub const fn from_static(s: &'static str) -> Self {
        MqttString(Bytes::from_static(s.as_bytes()))
    }

    /// Arbitrary bytes, valid or not: for building out-of-spec packets.
    pub fn from_raw(bytes: impl Into<Bytes>) -> Self {
        MqttString(bytes.into())
    }

    /// The underlying shared buffer.
    pub fn bytes(&self) -> &Bytes {
        &self.0
    }
}

impl<B: Buffer> MqttString<B> {
    /// The buffer as it is, unchecked.
    pub(crate) fn from_buffer(b: B) -> Self {
        MqttString(b)
    }

    /// The underlying buffer.
    pub fn buffer(&self) -> &B {
        &self.0
    }

    /// A copy that owns its bytes (one allocation; none for [`Bytes`] beyond a count).
    pub fn to_shared(&self) -> MqttString {
        MqttString(Bytes::copy_from_slice(self.as_bytes()))
    }

    /// The bytes as they appear on the wire (without the length prefix).
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    /// The text, if the bytes are UTF-8 (always so for decoded strings).
    pub fn as_str(&self) -> Result<&str, std::str::Utf8Error> {
        std::str::from_utf8(self.as_bytes())
    }

    /// The text with invalid sequences replaced, for display.
    pub fn to_string_lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.as_bytes())
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.as_bytes().len()
    }

    /// Whether the string is empty.
    pub fn is_empty(&self) -> bool {
        self.as_bytes().is_empty()
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

impl<B: Buffer> PartialEq<str> for MqttString<B> {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<B: Buffer> PartialEq<&str> for MqttString<B> {
    fn eq(&self, other: &&str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<B: Buffer> fmt::Debug for MqttString<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Ok(s) => fmt::Debug::fmt(s, f),
            Err(_) => write!(f, "invalid-utf8{:?}", self.as_bytes()),
        }
    }
}

impl<B: Buffer> fmt::Display for MqttString<B> {
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
    fold_words(bytes, |w| w | zero_byte(w))
}

/// Every byte is ASCII other than NUL, `+` and `#`: a valid string and a topic name
/// without wildcards.
#[inline]
pub(crate) fn plain_topic(bytes: &[u8]) -> bool {
    // `#` (0x23) and `+` (0x2B) differ only in bit 3: setting it maps both, and only
    // them, to 0x2B, so one comparison finds either.
    fold_words(bytes, |w| w | zero_byte(w) | zero_byte((w | splat(0x08)) ^ splat(b'+')))
}

const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// High bit set in some byte iff `w` holds a zero byte (exact as to whether one does).
#[inline]
fn zero_byte(w: u64) -> u64 {
    w.wrapping_sub(splat(0x01)) & !w & splat(0x80)
}

/// Eight bytes at a time (the tail padded with `a`): true when `flag` leaves no high
/// bit set in any word. Short strings, the usual MQTT case, take one or two words.
#[inline]
fn fold_words(bytes: &[u8], flag: impl Fn(u64) -> u64) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    let mut acc = 0;
    for c in &mut chunks {
        let mut w = [0; 8];
        w.copy_from_slice(c);
        acc |= flag(u64::from_le_bytes(w));
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        acc |= flag(tail_word(bytes, tail.len()));
    }
    acc & splat(0x80) == 0
}

/// The last `n` (< 8) bytes of `bytes` as the low bytes of a little-endian word, the
/// rest padded with `a` (which no check flags). Fixed-size reads only: a variable-length
/// copy would be a call to `memcpy`.
#[inline]
fn tail_word(bytes: &[u8], n: usize) -> u64 {
    debug_assert!(n < 8 && n <= bytes.len());
    if n == 0 {
        return splat(b'a');
    }
    let pad = splat(b'a') << (8 * n);
    if bytes.len() >= 8 {
        // The whole last word, shifted so the bytes already seen drop out.
        let mut w = [0; 8];
        w.copy_from_slice(&bytes[bytes.len() - 8..]);
        return (u64::from_le_bytes(w) >> (8 * (8 - n))) | pad;
    }
    let b = &bytes[bytes.len() - n..];
    let (mut w, mut at) = (0u64, 0);
    if n & 4 != 0 {
        w |= u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        at = 4;
    }
    if n & 2 != 0 {
        w |= u64::from(u16::from_le_bytes([b[at], b[at + 1]])) << (8 * at);
        at += 2;
    }
    if n & 1 != 0 {
        w |= u64::from(b[at]) << (8 * at);
    }
    w | pad
}

/// High bit of each byte of `w` that equals `c`, exactly (no carries between bytes).
#[inline]
pub(crate) fn bytes_equal(w: u64, c: u8) -> u64 {
    let x = w ^ splat(c);
    !(((x & splat(0x7F)) + splat(0x7F)) | x) & splat(0x80)
}

/// Calls `each` with the offset of every `+` and `#` in `bytes`, in order, eight bytes
/// at a time; stops at its first error.
#[inline]
pub(crate) fn for_each_wildcard<E>(
    bytes: &[u8],
    mut each: impl FnMut(usize) -> Result<(), E>,
) -> Result<(), E> {
    let mut visit = |w: u64, base: usize| {
        let mut hits = bytes_equal(w, b'+') | bytes_equal(w, b'#');
        while hits != 0 {
            each(base + (hits.trailing_zeros() / 8) as usize)?;
            hits &= hits - 1;
        }
        Ok(())
    };
    let mut chunks = bytes.chunks_exact(8);
    for (k, c) in (&mut chunks).enumerate() {
        let mut w = [0; 8];
        w.copy_from_slice(c);
        visit(u64::from_le_bytes(w), k * 8)?;
    }
    let n = chunks.remainder().len();
    visit(tail_word(bytes, n), bytes.len() - n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_paths_agree_with_the_byte_rules() {
        // Every single byte, at every position of strings of 1..=17 bytes.
        for len in 1..=17 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut s = vec![b'x'; len];
                    s[at] = b;
                    let ok = (1..=0x7F).contains(&b);
                    assert_eq!(plain(&s), ok, "{s:?}");
                    assert_eq!(plain_topic(&s), ok && b != b'+' && b != b'#', "{s:?}");
                }
            }
        }
        assert!(plain(b"") && plain_topic(b""));
    }

    #[test]
    fn wildcard_offsets_are_exact() {
        let texts: [&[u8]; 7] = [
            b"",
            b"+",
            b"#",
            b"a/+/b/#",
            b"++##++##+",
            b"sensors/+/room0/#",
            b"\x01+\x7f#\x80+\xff#\x2a\x2c\x22\x24",
        ];
        for bytes in texts {
            let mut found = Vec::new();
            for_each_wildcard(bytes, |at| {
                found.push(at);
                Ok::<(), ()>(())
            })
            .unwrap();
            let expected: Vec<usize> = bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'+' || **b == b'#')
                .map(|(i, _)| i)
                .collect();
            assert_eq!(found, expected, "{bytes:?}");
        }
    }
}
