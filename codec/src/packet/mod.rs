//! Control packets (MQTT 3.1.1 §3, MQTT 5.0 §3): one model for both versions.
//!
//! Each packet type lives in its own file with the same shape: the struct, a
//! `decode` that enforces the statements of its section (cited above each check), a
//! `body_len` that refuses what the requested version cannot express, and an
//! infallible `encode_body`.

mod ack;
mod auth;
mod connack;
mod connect;
mod disconnect;
mod publish;
mod suback;
mod subscribe;
mod unsuback;
mod unsubscribe;

pub use ack::Ack;
pub use auth::Auth;
pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use disconnect::Disconnect;
pub use publish::Publish;
pub use suback::SubAck;
pub use subscribe::{RetainHandling, Subscribe, Subscription, SubscriptionOptions};
pub use unsuback::UnsubAck;
pub use unsubscribe::Unsubscribe;

use crate::error::{EncodeError, Rule, Violation};
use crate::fixed_header::{Frame, PacketType, check_frame};
use crate::reader::{Reader, body_len};
use crate::{Buffer, DecodeError, Version, varint};
use bytes::{BufMut, Bytes, BytesMut};

/// Quality of Service levels (§4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum QoS {
    /// QoS 0.
    #[default]
    AtMostOnce = 0,
    /// QoS 1.
    AtLeastOnce = 1,
    /// QoS 2.
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS for a two-bit value; 3 has none.
    pub fn from_u8(v: u8) -> Option<QoS> {
        match v {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }
}

/// Which side is reading: the server reads what clients send and vice versa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Decoding packets a client sent.
    Server,
    /// Decoding packets a server sent.
    Client,
}

/// How to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// The version in force. A CONNECT declares its own and is read by that.
    pub version: Version,
    /// Which side reads; `None` accepts packets of either direction.
    pub role: Option<Role>,
    /// Packets larger than this are refused before their body is read.
    pub max_packet_size: u32,
    /// One check not to perform: the decode carries on as if the packet obeyed that
    /// rule. Strict (`None`) unless asked; a test double of a lenient receiver, e.g. a
    /// broker that breaks exactly one statement. Some rules cannot be skipped because
    /// nothing sensible follows them ([`Rule::skippable`]).
    pub skip: Option<Rule>,
}

impl DecodeOptions {
    /// Either direction, no size limit beyond the protocol's.
    pub fn new(version: Version) -> Self {
        DecodeOptions { version, role: None, max_packet_size: u32::MAX, skip: None }
    }

    /// Skip the check of `rule` (see [`DecodeOptions::skip`]).
    pub fn skipping(mut self, rule: Rule) -> Self {
        self.skip = Some(rule);
        self
    }

    /// Whether `rule` is the check this decode skips.
    pub fn skips(&self, rule: Rule) -> bool {
        self.skip == Some(rule)
    }

    /// The packet size above which a frame is refused: none when that check is skipped.
    pub(crate) fn frame_limit(&self) -> u32 {
        if self.skips(Rule::PacketTooLarge) { u32::MAX } else { self.max_packet_size }
    }

    /// Decoding as `role`.
    pub fn with_role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }

    /// Refuse packets larger than `max` bytes.
    pub fn with_max_packet_size(mut self, max: u32) -> Self {
        self.max_packet_size = max;
        self
    }
}

/// Any control packet.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub enum Packet<B: Buffer = Bytes> {
    // Boxed: CONNECT is rare and the largest variant; unboxed it would make every
    // packet value (and every move of one) more than twice as large.
    Connect(Box<Connect<B>>),
    ConnAck(ConnAck<B>),
    Publish(Publish<B>),
    PubAck(Ack<B>),
    PubRec(Ack<B>),
    PubRel(Ack<B>),
    PubComp(Ack<B>),
    Subscribe(Subscribe<B>),
    SubAck(SubAck<B>),
    Unsubscribe(Unsubscribe<B>),
    UnsubAck(UnsubAck<B>),
    PingReq,
    PingResp,
    Disconnect(Disconnect<B>),
    Auth(Auth<B>),
}

impl<B: Buffer> From<Connect<B>> for Packet<B> {
    fn from(c: Connect<B>) -> Packet<B> {
        Packet::Connect(Box::new(c))
    }
}

impl<B: Buffer> Packet<B> {
    /// A copy that owns its bytes, e.g. to keep a packet decoded with
    /// [`Packet::decode_borrowed`] after its input is gone.
    pub fn to_shared(&self) -> Packet {
        match self {
            Packet::Connect(p) => Packet::Connect(Box::new(p.to_shared())),
            Packet::ConnAck(p) => Packet::ConnAck(p.to_shared()),
            Packet::Publish(p) => Packet::Publish(p.to_shared()),
            Packet::PubAck(p) => Packet::PubAck(p.to_shared()),
            Packet::PubRec(p) => Packet::PubRec(p.to_shared()),
            Packet::PubRel(p) => Packet::PubRel(p.to_shared()),
            Packet::PubComp(p) => Packet::PubComp(p.to_shared()),
            Packet::Subscribe(p) => Packet::Subscribe(p.to_shared()),
            Packet::SubAck(p) => Packet::SubAck(p.to_shared()),
            Packet::Unsubscribe(p) => Packet::Unsubscribe(p.to_shared()),
            Packet::UnsubAck(p) => Packet::UnsubAck(p.to_shared()),
            Packet::PingReq => Packet::PingReq,
            Packet::PingResp => Packet::PingResp,
            Packet::Disconnect(p) => Packet::Disconnect(p.to_shared()),
            Packet::Auth(p) => Packet::Auth(p.to_shared()),
        }
    }

    /// The control packet type.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Connect(_) => PacketType::Connect,
            Packet::ConnAck(_) => PacketType::ConnAck,
            Packet::Publish(_) => PacketType::Publish,
            Packet::PubAck(_) => PacketType::PubAck,
            Packet::PubRec(_) => PacketType::PubRec,
            Packet::PubRel(_) => PacketType::PubRel,
            Packet::PubComp(_) => PacketType::PubComp,
            Packet::Subscribe(_) => PacketType::Subscribe,
            Packet::SubAck(_) => PacketType::SubAck,
            Packet::Unsubscribe(_) => PacketType::Unsubscribe,
            Packet::UnsubAck(_) => PacketType::UnsubAck,
            Packet::PingReq => PacketType::PingReq,
            Packet::PingResp => PacketType::PingResp,
            Packet::Disconnect(_) => PacketType::Disconnect,
            Packet::Auth(_) => PacketType::Auth,
        }
    }

    /// Low nibble of the first byte.
    pub(crate) fn first_byte_flags(&self) -> u8 {
        match self {
            Packet::Publish(p) => p.flags(),
            other => other.packet_type().fixed_flags().unwrap_or(0),
        }
    }

    pub(crate) fn body_len(&self, v: Version) -> Result<usize, EncodeError> {
        match self {
            Packet::Connect(p) => p.body_len(v),
            Packet::ConnAck(p) => p.body_len(v),
            Packet::Publish(p) => p.body_len(v),
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => p.body_len(v),
            Packet::Subscribe(p) => p.body_len(v),
            Packet::SubAck(p) => p.body_len(v),
            Packet::Unsubscribe(p) => p.body_len(v),
            Packet::UnsubAck(p) => p.body_len(v),
            Packet::PingReq | Packet::PingResp => Ok(0),
            Packet::Disconnect(p) => p.body_len(v),
            Packet::Auth(p) => p.body_len(v),
        }
    }

    pub(crate) fn encode_body(&self, v: Version, buf: &mut impl BufMut) {
        match self {
            Packet::Connect(p) => p.encode_body(v, buf),
            Packet::ConnAck(p) => p.encode_body(v, buf),
            Packet::Publish(p) => p.encode_body(v, buf),
            Packet::PubAck(p) | Packet::PubRec(p) | Packet::PubRel(p) | Packet::PubComp(p) => {
                p.encode_body(v, buf)
            }
            Packet::Subscribe(p) => p.encode_body(v, buf),
            Packet::SubAck(p) => p.encode_body(v, buf),
            Packet::Unsubscribe(p) => p.encode_body(v, buf),
            Packet::UnsubAck(p) => p.encode_body(v, buf),
            Packet::PingReq | Packet::PingResp => {}
            Packet::Disconnect(p) => p.encode_body(v, buf),
            Packet::Auth(p) => p.encode_body(v, buf),
        }
    }
}

impl Packet {
    /// Encodes the packet as `version` into `buf`.
    #[inline]
    pub fn encode(&self, version: Version, buf: &mut BytesMut) -> Result<(), EncodeError> {
        match self {
            Packet::Publish(p) => p.encode_packet(version, buf),
            _ => self.encode_other(version, buf),
        }
    }

    /// Every packet but PUBLISH: kept out of line, so that the PUBLISH path of
    /// [`Packet::encode`] stays small enough to inline without saving registers.
    #[inline(never)]
    fn encode_other(&self, version: Version, buf: &mut BytesMut) -> Result<(), EncodeError> {
        let len = body_len(self.body_len(version)?)?;
        buf.reserve(1 + varint::len(len) + len as usize);
        buf.put_u8(((self.packet_type() as u8) << 4) | self.first_byte_flags());
        varint::write(buf, len);
        self.encode_body(version, buf);
        Ok(())
    }

    /// Bytes the packet takes when encoded as `version` (fixed header included).
    pub fn encoded_len(&self, version: Version) -> Result<usize, EncodeError> {
        let len = body_len(self.body_len(version)?)?;
        Ok(1 + varint::len(len) + len as usize)
    }

    /// Encodes into a fresh buffer.
    pub fn to_bytes(&self, version: Version) -> Result<Bytes, EncodeError> {
        let mut buf = BytesMut::new();
        self.encode(version, &mut buf)?;
        Ok(buf.freeze())
    }

    /// Decodes exactly one packet that fills `data` completely.
    ///
    /// Zero-copy: strings, binary fields, properties and the payload of the result
    /// share `data`'s buffer.
    pub fn decode(data: &Bytes, opts: &DecodeOptions) -> Result<Packet, DecodeError> {
        match check_frame(data, opts.frame_limit(), opts.version)? {
            Frame::Incomplete { needed } => Err(DecodeError::Incomplete { needed }),
            Frame::Complete { len, .. } if len < data.len() => {
                Err(Violation::new(Rule::TrailingBytes, opts.version, len).into())
            }
            Frame::Complete { header_len, .. } => Ok(decode_frame(data.clone(), header_len, opts)?),
        }
    }

    /// Decodes the packet at the front of `buf` and removes its bytes; leaves `buf`
    /// untouched when it does not hold a whole packet yet.
    pub fn decode_from(buf: &mut Bytes, opts: &DecodeOptions) -> Result<Packet, DecodeError> {
        match check_frame(buf, opts.frame_limit(), opts.version)? {
            Frame::Incomplete { needed } => Err(DecodeError::Incomplete { needed }),
            Frame::Complete { len, header_len } => {
                let frame = buf.split_to(len);
                Ok(decode_frame(frame, header_len, opts)?)
            }
        }
    }

    /// Decodes exactly one packet that fills `data` completely, borrowing from it:
    /// the same strict decode as [`Packet::decode`], without a reference count.
    pub fn decode_borrowed<'a>(
        data: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<Packet<&'a [u8]>, DecodeError> {
        match check_frame(data, opts.frame_limit(), opts.version)? {
            Frame::Incomplete { needed } => Err(DecodeError::Incomplete { needed }),
            Frame::Complete { len, .. } if len < data.len() => {
                Err(Violation::new(Rule::TrailingBytes, opts.version, len).into())
            }
            Frame::Complete { header_len, .. } => Ok(decode_frame(data, header_len, opts)?),
        }
    }
}

/// Decodes one whole packet whose fixed header is `header_len` bytes long.
#[inline]
pub(crate) fn decode_frame<B: Buffer>(
    data: B,
    header_len: usize,
    opts: &DecodeOptions,
) -> Result<Packet<B>, Violation> {
    let version = opts.version;
    let bytes = data.as_ref();
    let first = bytes[0];
    let (nibble, flags) = (first >> 4, first & 0x0F);
    let fail = |rule, at| Err(Violation::new(rule, version, at));
    let Some(ty) = PacketType::from_nibble(nibble) else {
        return fail(Rule::ReservedPacketType, 0);
    };
    // Type 15 is AUTH only in 5.0; before, it is reserved (3.1.1 §2.2.1).
    if ty == PacketType::Auth && !version.is_v5() {
        return fail(Rule::ReservedPacketType, 0);
    }
    // MQTT-2.2.2-2 (3.1.1), MQTT-2.1.3-1 (5.0) and the per-type statements: flags
    // are exactly as Table 2-2 gives them.
    if let Some(fixed) = ty.fixed_flags() {
        if flags != fixed && !opts.skips(ty.flags_rule()) {
            return fail(ty.flags_rule(), 0);
        }
    }
    if let (Some(role), Some(by_client)) = (opts.role, ty.sent_by_client()) {
        if by_client != (role == Role::Server) && !opts.skips(Rule::WrongDirection) {
            return fail(Rule::WrongDirection, 0);
        }
    }
    // The remaining length of a CONNECT is judged once its version is known.
    let minimal = header_len == 2 || bytes[header_len - 1] != 0 || opts.skips(Rule::VarIntNotMinimal);
    let mut r = Reader::new(&data, header_len, bytes.len(), version);
    r.skip = opts.skip;
    let packet = match ty {
        PacketType::Connect => {
            let c = Connect::decode(&mut r)?;
            if !minimal && c.version.is_v5() {
                return Err(Violation::new(Rule::VarIntNotMinimal, c.version, 1));
            }
            return Ok(Packet::Connect(Box::new(c)));
        }
        _ if !minimal && version.is_v5() => return fail(Rule::VarIntNotMinimal, 1),
        PacketType::ConnAck => Packet::ConnAck(ConnAck::decode(&mut r)?),
        PacketType::Publish => {
            let mut p = Publish::decode(&mut r, flags, opts.role)?;
            // The payload is the rest of the frame: the frame itself, advanced.
            let at = r.pos();
            p.payload = data.skip(at);
            Packet::Publish(p)
        }
        PacketType::PubAck => Packet::PubAck(Ack::decode(&mut r, ty)?),
        PacketType::PubRec => Packet::PubRec(Ack::decode(&mut r, ty)?),
        PacketType::PubRel => Packet::PubRel(Ack::decode(&mut r, ty)?),
        PacketType::PubComp => Packet::PubComp(Ack::decode(&mut r, ty)?),
        PacketType::Subscribe => Packet::Subscribe(Subscribe::decode(&mut r)?),
        PacketType::SubAck => Packet::SubAck(SubAck::decode(&mut r)?),
        PacketType::Unsubscribe => Packet::Unsubscribe(Unsubscribe::decode(&mut r)?),
        PacketType::UnsubAck => Packet::UnsubAck(UnsubAck::decode(&mut r)?),
        PacketType::PingReq => {
            r.finish()?;
            Packet::PingReq
        }
        PacketType::PingResp => {
            r.finish()?;
            Packet::PingResp
        }
        PacketType::Disconnect => Packet::Disconnect(Disconnect::decode(&mut r, opts.role)?),
        PacketType::Auth => Packet::Auth(Auth::decode(&mut r)?),
    };
    Ok(packet)
}

/// Refuses a non-empty property block in a version without properties.
pub(crate) fn no_properties<B: Buffer>(
    props: &crate::Properties<B>,
    v: Version,
    what: &'static str,
) -> Result<(), EncodeError> {
    if !v.is_v5() && !props.is_empty() {
        return Err(EncodeError::NotInVersion { what, version: v });
    }
    Ok(())
}

/// Maps a truncation inside a field to the statement that field's flag implies.
pub(crate) fn truncation_as(rule: Rule) -> impl Fn(Violation) -> Violation {
    move |mut v| {
        if v.rule == Rule::Truncated {
            v.rule = rule;
        }
        v
    }
}

/// Refuses a packet identifier of 0 where one is required (MQTT-2.3.1-1 / MQTT-2.2.1-3).
pub(crate) fn packet_id<B: Buffer>(r: &mut Reader<'_, B>) -> Result<u16, Violation> {
    let at = r.pos();
    let id = r.u16()?;
    if id == 0 && !r.skips(Rule::PacketIdZero) {
        return Err(r.violation_at(Rule::PacketIdZero, at));
    }
    Ok(id)
}
