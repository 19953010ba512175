//! Variable Byte Integer (MQTT 3.1.1 §2.2.3, MQTT 5.0 §1.5.5).

use bytes::BufMut;

/// The largest value four bytes can hold.
pub const MAX: u32 = 268_435_455;

/// Outcome of reading a variable byte integer from the front of a slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarInt {
    /// Value, bytes used, and whether the encoding was the shortest possible.
    Complete { value: u32, len: usize, minimal: bool },
    /// The slice ends before the last byte (continuation bit still set).
    Incomplete,
    /// A fourth byte still has its continuation bit set.
    TooLong,
}

/// Reads a variable byte integer without judging minimality (the caller knows the
/// version).
#[inline]
pub(crate) fn read(buf: &[u8]) -> VarInt {
    let mut value: u32 = 0;
    for i in 0..4 {
        let Some(&byte) = buf.get(i) else {
            return VarInt::Incomplete;
        };
        value |= u32::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            // A multi-byte encoding is longer than needed exactly when its last byte
            // contributes nothing.
            let minimal = i == 0 || byte != 0;
            return VarInt::Complete { value, len: i + 1, minimal };
        }
    }
    VarInt::TooLong
}

/// Bytes the shortest encoding of `value` takes.
pub const fn len(value: u32) -> usize {
    match value {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// The shortest encoding of `value` (at most [`MAX`]) as the low bytes of a
/// little-endian word, and its length. Computed in registers: bytes stored one by one
/// and read back as a word would stall store forwarding.
#[inline]
pub(crate) fn to_word(value: u32) -> (u32, usize) {
    let b = |shift: u32, more: bool| ((value >> shift) & 0x7F) | if more { 0x80 } else { 0 };
    match len(value) {
        1 => (value, 1),
        2 => (b(0, true) | (b(7, false) << 8), 2),
        3 => (b(0, true) | (b(7, true) << 8) | (b(14, false) << 16), 3),
        _ => (b(0, true) | (b(7, true) << 8) | (b(14, true) << 16) | (b(21, false) << 24), 4),
    }
}

/// Writes `value` in its shortest form. `value` must not exceed [`MAX`].
pub(crate) fn write(buf: &mut impl BufMut, value: u32) {
    write_padded(buf, value, len(value));
}

/// Writes `value` in exactly `width` bytes (1–5), padding with continuation bytes:
/// the deliberate non-minimal and over-long encodings a conformance suite sends.
pub fn write_padded(buf: &mut impl BufMut, mut value: u32, width: usize) {
    let width = width.clamp(1, 5);
    for i in 0..width {
        let mut byte = (value & 0x7F) as u8;
        value >>= 7;
        if i + 1 < width {
            byte |= 0x80;
        }
        buf.put_u8(byte);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_round_trip() {
        for v in [0, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, MAX] {
            let mut buf = Vec::new();
            write(&mut buf, v);
            assert_eq!(buf.len(), len(v));
            assert_eq!(read(&buf), VarInt::Complete { value: v, len: len(v), minimal: true });
            let (word, n) = to_word(v);
            assert_eq!(&word.to_le_bytes()[..n], &buf[..], "{v}");
        }
    }

    #[test]
    fn padded_is_not_minimal() {
        let mut buf = Vec::new();
        write_padded(&mut buf, 5, 3);
        assert_eq!(buf, [0x85, 0x80, 0x00]);
        assert_eq!(read(&buf), VarInt::Complete { value: 5, len: 3, minimal: false });
    }

    #[test]
    fn five_bytes_is_too_long() {
        assert_eq!(read(&[0xFF, 0xFF, 0xFF, 0xFF, 0x7F]), VarInt::TooLong);
        assert_eq!(read(&[0xFF, 0xFF]), VarInt::Incomplete);
    }
}
