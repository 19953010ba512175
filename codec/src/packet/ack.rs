//! PUBACK, PUBREC, PUBREL and PUBCOMP (MQTT 3.1.1 §3.4–§3.7, MQTT 5.0 §3.4–§3.7).
//!
//! The four acknowledgements of the QoS 1/2 flows share one layout — packet
//! identifier, then in 5.0 an optional reason code and optional properties — so they
//! share one struct; what differs (allowed reason codes, the statement that fixes them,
//! PUBREL's flags) is keyed by packet type here and in the fixed-header table.

use crate::error::{EncodeError, Rule, Violation};
use crate::fixed_header::PacketType;
use crate::property::{self, PropertyContext};
use crate::reader::Reader;
use crate::reason_code::ReasonSet;
use crate::{Buffer, Properties, ReasonCode, Version};
use bytes::{BufMut, Bytes};

/// PUBACK / PUBREC / PUBREL / PUBCOMP body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct Ack<B: Buffer = Bytes> {
    /// Packet Identifier of the PUBLISH being acknowledged.
    pub packet_id: u16,
    /// 5.0 reason code (0x00 Success in 3.1.1, which has none on the wire).
    pub reason_code: ReasonCode,
    /// 5.0 properties.
    pub properties: Properties<B>,
}

impl<B: Buffer> Ack<B> {
    /// Success, no properties.
    pub fn new(packet_id: u16) -> Self {
        Ack { packet_id, ..Ack::default() }
    }

    fn rules(ty: PacketType) -> (ReasonSet, Rule) {
        match ty {
            // MQTT-3.4.2-1 and MQTT-3.5.2-1.
            PacketType::PubAck => (ReasonSet::PubackPubrec, Rule::PubackCode),
            PacketType::PubRec => (ReasonSet::PubackPubrec, Rule::PubrecCode),
            // MQTT-3.6.2-1.
            PacketType::PubRel => (ReasonSet::PubrelPubcomp, Rule::PubrelCode),
            // MQTT-3.7.2-1.
            _ => (ReasonSet::PubrelPubcomp, Rule::PubcompCode),
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_, B>, ty: PacketType) -> Result<Self, Violation> {
        let packet_id = r.u16()?;
        let mut ack = Ack::new(packet_id);
        // 5.0 §3.4.2.1: with a remaining length of 2 the reason is Success; below 4
        // there is no Property Length.
        if r.version.is_v5() && !r.is_empty() {
            let (set, rule) = Self::rules(ty);
            let at = r.pos();
            ack.reason_code = ReasonCode(r.u8()?);
            if !set.allows(ack.reason_code) && !r.skips(rule) {
                return Err(r.violation_at(rule, at));
            }
            if !r.is_empty() {
                ack.properties = property::decode(r, PropertyContext::Ack)?.0;
            }
        }
        r.finish()?;
        Ok(ack)
    }

    fn check(&self, v: Version) -> Result<(), EncodeError> {
        if !v.is_v5() && self.reason_code != ReasonCode::SUCCESS {
            return Err(EncodeError::NotInVersion { what: "acknowledgement reason code", version: v });
        }
        super::no_properties(&self.properties, v, "acknowledgement properties")
    }

    pub(crate) fn body_len(&self, v: Version) -> Result<usize, EncodeError> {
        self.check(v)?;
        Ok(2 + match (v.is_v5(), self.reason_code.0, self.properties.is_empty()) {
            (false, ..) | (true, 0, true) => 0,
            (true, _, true) => 1,
            (true, _, false) => 1 + self.properties.wire_len(),
        })
    }

    pub(crate) fn encode_body(&self, v: Version, buf: &mut impl BufMut) {
        buf.put_u16(self.packet_id);
        if v.is_v5() && (self.reason_code.0 != 0 || !self.properties.is_empty()) {
            buf.put_u8(self.reason_code.0);
            if !self.properties.is_empty() {
                self.properties.encode(buf);
            }
        }
    }
}

impl<B: Buffer> Ack<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> Ack {
        Ack {
            packet_id: self.packet_id,
            reason_code: self.reason_code,
            properties: self.properties.to_shared(),
        }
    }
}
