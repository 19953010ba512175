//! UNSUBACK (MQTT 3.1.1 §3.11, MQTT 5.0 §3.11).

use super::no_properties;
use crate::error::{EncodeError, Rule, Violation};
use crate::property::{self, PropertyContext};
use crate::reader::Reader;
use crate::reason_code::ReasonSet;
use crate::{Buffer, Properties, ReasonCode, Version};
use bytes::{BufMut, Bytes};

/// Unsubscribe acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct UnsubAck<B: Buffer = Bytes> {
    /// Packet Identifier of the UNSUBSCRIBE.
    pub packet_id: u16,
    /// 5.0 properties.
    pub properties: Properties<B>,
    /// 5.0: one reason code per filter. Empty in 3.1.1, which has none.
    pub codes: Vec<ReasonCode>,
}

impl<B: Buffer> UnsubAck<B> {
    pub(crate) fn decode(r: &mut Reader<'_, B>) -> Result<Self, Violation> {
        let packet_id = r.u16()?;
        if !r.version.is_v5() {
            r.finish()?;
            return Ok(UnsubAck { packet_id, ..UnsubAck::default() });
        }
        let properties = property::decode(r, PropertyContext::UnsubAck)?.0;
        let mut codes = Vec::with_capacity(r.remaining());
        while !r.is_empty() {
            let at = r.pos();
            let code = ReasonCode(r.u8()?);
            // MQTT-3.11.3-2: only defined Unsubscribe Reason Codes.
            if !ReasonSet::Unsuback.allows(code) && !r.skips(Rule::UnsubackCode) {
                return Err(r.violation_at(Rule::UnsubackCode, at));
            }
            codes.push(code);
        }
        // §3.11.3: one code per filter; an UNSUBSCRIBE has at least one filter.
        if codes.is_empty() && !r.skips(Rule::UnsubackEmpty) {
            return Err(r.violation(Rule::UnsubackEmpty));
        }
        Ok(UnsubAck { packet_id, properties, codes })
    }

    pub(crate) fn body_len(&self, v: Version) -> Result<usize, EncodeError> {
        no_properties(&self.properties, v, "UNSUBACK properties")?;
        if v.is_v5() {
            Ok(2 + self.properties.wire_len() + self.codes.len())
        } else if self.codes.is_empty() {
            Ok(2)
        } else {
            Err(EncodeError::NotInVersion { what: "UNSUBACK reason codes", version: v })
        }
    }

    pub(crate) fn encode_body(&self, v: Version, buf: &mut impl BufMut) {
        buf.put_u16(self.packet_id);
        if v.is_v5() {
            self.properties.encode(buf);
            for c in &self.codes {
                buf.put_u8(c.0);
            }
        }
    }
}

impl<B: Buffer> UnsubAck<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> UnsubAck {
        UnsubAck {
            packet_id: self.packet_id,
            properties: self.properties.to_shared(),
            codes: self.codes.clone(),
        }
    }
}
