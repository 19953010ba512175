//! Fixed header (MQTT 3.1.1 §2.2, MQTT 5.0 §2.1) and the two-phase framing check.

use crate::Version;
use crate::error::{Rule, Violation};
use crate::varint::{self, VarInt};

/// Control packet types (MQTT 5.0 Table 2-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum PacketType {
    Connect = 1,
    ConnAck = 2,
    Publish = 3,
    PubAck = 4,
    PubRec = 5,
    PubRel = 6,
    PubComp = 7,
    Subscribe = 8,
    SubAck = 9,
    Unsubscribe = 10,
    UnsubAck = 11,
    PingReq = 12,
    PingResp = 13,
    Disconnect = 14,
    Auth = 15,
}

impl PacketType {
    /// The type for the high nibble of the first byte, if one is defined.
    pub fn from_nibble(n: u8) -> Option<PacketType> {
        use PacketType::*;
        Some(match n {
            1 => Connect,
            2 => ConnAck,
            3 => Publish,
            4 => PubAck,
            5 => PubRec,
            6 => PubRel,
            7 => PubComp,
            8 => Subscribe,
            9 => SubAck,
            10 => Unsubscribe,
            11 => UnsubAck,
            12 => PingReq,
            13 => PingResp,
            14 => Disconnect,
            15 => Auth,
            _ => return None,
        })
    }

    /// The flags Table 2-2 fixes for this type (PUBLISH flags vary and are `None`).
    pub fn fixed_flags(self) -> Option<u8> {
        match self {
            PacketType::Publish => None,
            PacketType::PubRel | PacketType::Subscribe | PacketType::Unsubscribe => Some(0b0010),
            _ => Some(0),
        }
    }

    /// Who may send it: `Some(true)` client only, `Some(false)` server only, `None` both.
    pub fn sent_by_client(self) -> Option<bool> {
        use PacketType::*;
        match self {
            Connect | Subscribe | Unsubscribe | PingReq => Some(true),
            ConnAck | SubAck | UnsubAck | PingResp => Some(false),
            _ => None,
        }
    }

    pub(crate) fn flags_rule(self) -> Rule {
        match self {
            PacketType::PubRel => Rule::PubrelFlags,
            PacketType::Subscribe => Rule::SubscribeFlags,
            PacketType::Unsubscribe => Rule::UnsubscribeFlags,
            PacketType::Disconnect => Rule::DisconnectFlags,
            PacketType::Auth => Rule::AuthFlags,
            _ => Rule::FixedHeaderFlags,
        }
    }
}

/// Result of the cheap framing check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// A whole packet of `len` bytes (header included) is at the front of the buffer.
    Complete {
        /// Total packet length.
        len: usize,
        /// Length of the fixed header (1 + remaining-length bytes).
        header_len: usize,
    },
    /// More bytes are needed: at least `needed`.
    Incomplete {
        /// Lower bound of the missing bytes.
        needed: usize,
    },
}

/// Says whether `buf` starts with a whole packet, without parsing it and without
/// allocating. A packet whose declared size exceeds `max_packet_size` is refused as
/// soon as its remaining length is known, before its body is buffered.
#[inline]
pub fn check_frame(buf: &[u8], max_packet_size: u32, version: Version) -> Result<Frame, Violation> {
    let Some(_) = buf.first() else {
        return Ok(Frame::Incomplete { needed: 2 });
    };
    match varint::read(&buf[1..]) {
        VarInt::Incomplete => Ok(Frame::Incomplete { needed: 1 }),
        VarInt::TooLong => Err(Violation::new(Rule::VarIntTooLong, version, 1)),
        VarInt::Complete { value, len, .. } => {
            let header_len = 1 + len;
            let total = header_len + value as usize;
            if total > max_packet_size as usize {
                return Err(Violation::new(Rule::PacketTooLarge, version, 1));
            }
            if buf.len() < total {
                Ok(Frame::Incomplete { needed: total - buf.len() })
            } else {
                Ok(Frame::Complete { len: total, header_len })
            }
        }
    }
}
