//! Decoding a byte stream: framing first, then the strict parse (MQTT 5.0 §2.1.4,
//! §3.1.2.11.4 Maximum Packet Size).

use crate::Version;
use crate::error::{Rule, Violation};
use crate::fixed_header::{Frame, PacketType, check_frame};
use crate::packet::{DecodeOptions, Packet, Role};
use bytes::BytesMut;

/// A packet borrowed from the read buffer, and the bytes it took there.
pub type Borrowed<'a> = (Packet<&'a [u8]>, usize);

/// Cuts packets off the front of a growing buffer.
///
/// Framing is two-phase: [`StreamDecoder::needed`] (and the first step of
/// [`StreamDecoder::decode`]) looks only at the fixed header, so a partial packet costs
/// nothing and an oversized one is refused before its body is buffered. A decoder for
/// the server side learns the version from the CONNECT; one for the client side is
/// told it.
#[derive(Debug, Clone)]
pub struct StreamDecoder {
    opts: DecodeOptions,
    version_known: bool,
}

impl StreamDecoder {
    /// Reads what clients send; the version comes from their CONNECT.
    pub fn server(max_packet_size: u32) -> Self {
        StreamDecoder {
            opts: DecodeOptions::new(Version::V5)
                .with_role(Role::Server)
                .with_max_packet_size(max_packet_size),
            version_known: false,
        }
    }

    /// Reads what a server sends, in the version the client connected with.
    pub fn client(version: Version, max_packet_size: u32) -> Self {
        StreamDecoder {
            opts: DecodeOptions::new(version).with_role(Role::Client).with_max_packet_size(max_packet_size),
            version_known: true,
        }
    }

    /// Any direction, known version: for tools reading captures.
    pub fn with_options(opts: DecodeOptions) -> Self {
        StreamDecoder { opts, version_known: true }
    }

    /// The version in force, once known.
    pub fn version(&self) -> Option<Version> {
        self.version_known.then_some(self.opts.version)
    }

    /// Skips the check of `rule` (see [`DecodeOptions::skip`]).
    pub fn skipping(mut self, rule: Rule) -> Self {
        self.opts.skip = Some(rule);
        self
    }

    /// Changes the largest packet accepted (e.g. after CONNECT announces one).
    pub fn set_max_packet_size(&mut self, max: u32) {
        self.opts.max_packet_size = max;
    }

    /// Bytes still missing before `buf` holds a whole packet (0 when it does).
    pub fn needed(&self, buf: &[u8]) -> Result<usize, Violation> {
        match check_frame(buf, self.opts.frame_limit(), self.opts.version)? {
            Frame::Complete { .. } => Ok(0),
            Frame::Incomplete { needed } => Ok(needed),
        }
    }

    /// Decodes the packet at the front of `buf`, removing its bytes; `Ok(None)` when
    /// the packet is not complete yet (nothing is consumed).
    #[inline]
    pub fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<Packet>, Violation> {
        let (len, header_len) = match check_frame(buf, self.opts.frame_limit(), self.opts.version)? {
            Frame::Incomplete { .. } => return Ok(None),
            Frame::Complete { len, header_len } => (len, header_len),
        };
        // MQTT-3.1.0-1: a server's first packet from the client is CONNECT.
        if !self.version_known
            && PacketType::from_nibble(buf[0] >> 4) != Some(PacketType::Connect)
            && !self.opts.skips(Rule::FirstPacketNotConnect)
        {
            return Err(Violation::new(Rule::FirstPacketNotConnect, self.opts.version, 0));
        }
        let frame = buf.split_to(len).freeze();
        // The frame is whole (checked above), so parse it directly.
        let packet = crate::packet::decode_frame(frame, header_len, &self.opts)?;
        if let Packet::Connect(c) = &packet {
            if !self.version_known {
                self.opts.version = c.version;
                self.version_known = true;
            }
        }
        Ok(Some(packet))
    }

    /// Decodes the packet at the front of `buf` borrowing from it, and says how many
    /// bytes it took: the caller removes them once done with the packet. `Ok(None)`
    /// when the packet is not complete yet. The checks are those of
    /// [`StreamDecoder::decode`]; only the storage differs (no reference counts).
    #[inline]
    pub fn decode_borrowed<'a>(&mut self, buf: &'a [u8]) -> Result<Option<Borrowed<'a>>, Violation> {
        let (len, header_len) = match check_frame(buf, self.opts.frame_limit(), self.opts.version)? {
            Frame::Incomplete { .. } => return Ok(None),
            Frame::Complete { len, header_len } => (len, header_len),
        };
        if !self.version_known
            && PacketType::from_nibble(buf[0] >> 4) != Some(PacketType::Connect)
            && !self.opts.skips(Rule::FirstPacketNotConnect)
        {
            return Err(Violation::new(Rule::FirstPacketNotConnect, self.opts.version, 0));
        }
        let packet = crate::packet::decode_frame(&buf[..len], header_len, &self.opts)?;
        if let Packet::Connect(c) = &packet {
            if !self.version_known {
                self.opts.version = c.version;
                self.version_known = true;
            }
        }
        Ok(Some((packet, len)))
    }
}
