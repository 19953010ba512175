//! Deliberately out-of-spec encoding.
//!
//! A conformance suite must send what the specification forbids, then watch the
//! receiver. [`Tamper`] describes the faults applied on top of a packet's canonical
//! encoding; the model types already allow the rest (unknown reason codes and property
//! identifiers, raw property blocks, strings holding any bytes, packet identifier 0,
//! subscription options with reserved bits).

use crate::error::EncodeError;
use crate::{Packet, Version, varint};
use bytes::{BufMut, Bytes, BytesMut};

/// Faults applied when encoding. The default changes nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tamper {
    /// Replace the whole first byte (packet type and flags).
    pub first_byte: Option<u8>,
    /// Replace the low four bits of the first byte (e.g. QoS 3, reserved flags).
    pub flags: Option<u8>,
    /// Declare this remaining length instead of the true one.
    pub remaining_length: Option<u32>,
    /// Write the remaining length in this many bytes (1–5): non-minimal or over-long.
    pub remaining_length_width: Option<usize>,
    /// CONNECT: replace the protocol name bytes.
    pub protocol_name: Option<Bytes>,
    /// CONNECT: replace the protocol level.
    pub protocol_level: Option<u8>,
    /// CONNECT: replace the connect flags byte.
    pub connect_flags: Option<u8>,
    /// CONNACK: replace the acknowledge flags byte.
    pub connack_flags: Option<u8>,
    /// Bytes added after the body (counted in the remaining length unless it is
    /// overridden).
    pub append: Option<Bytes>,
    /// Keep only the first this-many bytes of the whole packet.
    pub truncate: Option<usize>,
    /// Skip the encoder's API checks (5.0-only fields in 3.1.1, a packet identifier on
    /// QoS 0, a CONNECT encoded as another version). Fields that do not exist in the
    /// requested version's layout are still not written.
    pub skip_checks: bool,
}

impl Tamper {
    /// Encodes `packet` as `version` with these faults.
    pub fn encode(&self, packet: &Packet, version: Version) -> Result<Bytes, EncodeError> {
        if !self.skip_checks {
            packet.body_len(version)?;
        }
        let mut body = BytesMut::new();
        packet.encode_body(version, &mut body);
        let mut body = self.patch_body(packet, body);
        if let Some(extra) = &self.append {
            body.extend_from_slice(extra);
        }
        let mut first = ((packet.packet_type() as u8) << 4) | packet.first_byte_flags();
        if let Some(f) = self.flags {
            first = (first & 0xF0) | (f & 0x0F);
        }
        if let Some(b) = self.first_byte {
            first = b;
        }
        let declared = match self.remaining_length {
            Some(v) => v,
            None => crate::reader::body_len(body.len())?,
        };
        let width = self.remaining_length_width.unwrap_or(varint::len(declared.min(varint::MAX)));
        let mut out = BytesMut::with_capacity(1 + width + body.len());
        out.put_u8(first);
        varint::write_padded(&mut out, declared, width);
        out.extend_from_slice(&body);
        if let Some(n) = self.truncate {
            out.truncate(n);
        }
        Ok(out.freeze())
    }

    fn patch_body(&self, packet: &Packet, body: BytesMut) -> BytesMut {
        match packet {
            Packet::Connect(_)
                if self.protocol_name.is_some()
                    || self.protocol_level.is_some()
                    || self.connect_flags.is_some() =>
            {
                // Body: name (2-byte length + bytes), level, flags, rest.
                let name_len = u16::from_be_bytes([body[0], body[1]]) as usize;
                let name = self
                    .protocol_name
                    .clone()
                    .unwrap_or_else(|| Bytes::copy_from_slice(&body[2..2 + name_len]));
                let level = self.protocol_level.unwrap_or(body[2 + name_len]);
                let flags = self.connect_flags.unwrap_or(body[3 + name_len]);
                let mut out = BytesMut::with_capacity(body.len() + name.len());
                out.put_u16(name.len() as u16);
                out.extend_from_slice(&name);
                out.put_u8(level);
                out.put_u8(flags);
                out.extend_from_slice(&body[4 + name_len..]);
                out
            }
            Packet::ConnAck(_) if self.connack_flags.is_some() => {
                let mut body = body;
                body[0] = self.connack_flags.unwrap_or(body[0]);
                body
            }
            _ => body,
        }
    }
}
