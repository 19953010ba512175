//! UNSUBACK (MQTT 3.1.1 §3.11, MQTT 5.0 §3.11).

use super::no_properties;
use crate::error::{EncodeError, Rule, Violation};
use crate::property::{self, PropertyContext};
use crate::reader::Reader;
use crate::reason_code::ReasonSet;
use crate::{Properties, ReasonCode, Version};
use bytes::BufMut;

/// Unsubscribe acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct UnsubAck {
    /// Packet Identifier of the UNSUBSCRIBE.
    pub packet_id: u16,
    /// 5.0 properties.
    pub properties: Properties,
    /// 5.0: one reason code per filter. Empty in 3.1.1, which has none.
    pub codes: Vec<ReasonCode>,
}

impl UnsubAck {
    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<UnsubAck, Violation> {
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
            if !ReasonSet::Unsuback.allows(code) {
                return Err(r.violation_at(Rule::UnsubackCode, at));
            }
            codes.push(code);
        }
        // §3.11.3: one code per filter; an UNSUBSCRIBE has at least one filter.
        if codes.is_empty() {
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
