//! SUBACK (MQTT 3.1.1 §3.9, MQTT 5.0 §3.9).

use super::no_properties;
use crate::error::{EncodeError, Rule, Violation};
use crate::property::{self, PropertyContext};
use crate::reader::Reader;
use crate::reason_code::ReasonSet;
use crate::{Buffer, Properties, ReasonCode, Version};
use bytes::{BufMut, Bytes};

/// Subscribe acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct SubAck<B: Buffer = Bytes> {
    /// Packet Identifier of the SUBSCRIBE.
    pub packet_id: u16,
    /// 5.0 properties.
    pub properties: Properties<B>,
    /// One return / reason code per filter, in order.
    pub codes: Vec<ReasonCode>,
}

impl<B: Buffer> SubAck<B> {
    pub(crate) fn decode(r: &mut Reader<'_, B>) -> Result<Self, Violation> {
        let packet_id = r.u16()?;
        let v5 = r.version.is_v5();
        let properties =
            if v5 { property::decode(r, PropertyContext::SubAck)?.0 } else { Properties::default() };
        let mut codes = Vec::with_capacity(r.remaining());
        while !r.is_empty() {
            let at = r.pos();
            let code = ReasonCode(r.u8()?);
            // MQTT-3.9.3-2: only defined codes (3.1.1: 0x00, 0x01, 0x02, 0x80).
            let known = if v5 { ReasonSet::Suback.allows(code) } else { matches!(code.0, 0..=2 | 0x80) };
            if !known && !r.skips(Rule::SubackCode) {
                return Err(r.violation_at(Rule::SubackCode, at));
            }
            codes.push(code);
        }
        // §3.9.3: one code per filter, and a SUBSCRIBE has at least one.
        if codes.is_empty() && !r.skips(Rule::SubackEmpty) {
            return Err(r.violation(Rule::SubackEmpty));
        }
        Ok(SubAck { packet_id, properties, codes })
    }

    pub(crate) fn body_len(&self, v: Version) -> Result<usize, EncodeError> {
        no_properties(&self.properties, v, "SUBACK properties")?;
        Ok(2 + self.codes.len() + if v.is_v5() { self.properties.wire_len() } else { 0 })
    }

    pub(crate) fn encode_body(&self, v: Version, buf: &mut impl BufMut) {
        buf.put_u16(self.packet_id);
        if v.is_v5() {
            self.properties.encode(buf);
        }
        for c in &self.codes {
            buf.put_u8(c.0);
        }
    }
}

impl<B: Buffer> SubAck<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> SubAck {
        SubAck {
            packet_id: self.packet_id,
            properties: self.properties.to_shared(),
            codes: self.codes.clone(),
        }
    }
}
