//! CONNACK (MQTT 3.1.1 §3.2, MQTT 5.0 §3.2).

use super::no_properties;
use crate::error::{EncodeError, Rule, Violation};
use crate::property::{self, PropertyContext};
use crate::reader::Reader;
use crate::reason_code::ReasonSet;
use crate::{Buffer, Properties, ReasonCode, Version};
use bytes::{BufMut, Bytes};

/// Connection acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct ConnAck<B: Buffer = Bytes> {
    /// Session Present.
    pub session_present: bool,
    /// 5.0 Connect Reason Code, or the 3.1.1 Connect Return Code (0x00–0x05).
    pub code: ReasonCode,
    /// 5.0 properties.
    pub properties: Properties<B>,
}

impl<B: Buffer> ConnAck<B> {
    pub(crate) fn decode(r: &mut Reader<'_, B>) -> Result<Self, Violation> {
        let flags_at = r.pos();
        let flags = r.u8()?;
        // MQTT-3.2.2-1 (5.0; §3.2.2.1 in 3.1.1): bits 7–1 are reserved and zero.
        if flags & 0xFE != 0 && !r.skips(Rule::ConnackFlagsReserved) {
            return Err(r.violation_at(Rule::ConnackFlagsReserved, flags_at));
        }
        let session_present = flags & 1 != 0;
        let code_at = r.pos();
        let code = ReasonCode(r.u8()?);
        // MQTT-3.2.2-8 (5.0) / §3.2.2.3 (3.1.1): only defined codes.
        let known = if r.version.is_v5() { ReasonSet::Connack.allows(code) } else { code.0 <= 5 };
        if !known && !r.skips(Rule::ConnackCode) {
            return Err(r.violation_at(Rule::ConnackCode, code_at));
        }
        // MQTT-3.2.2-4 (3.1.1) / MQTT-3.2.2-6 (5.0): a refusal has Session Present 0.
        if session_present && code.0 != 0 && !r.skips(Rule::ConnackSessionPresentOnError) {
            return Err(r.violation_at(Rule::ConnackSessionPresentOnError, flags_at));
        }
        let properties = if r.version.is_v5() {
            property::decode(r, PropertyContext::ConnAck)?.0
        } else {
            Properties::default()
        };
        r.finish()?;
        Ok(ConnAck { session_present, code, properties })
    }

    pub(crate) fn body_len(&self, v: Version) -> Result<usize, EncodeError> {
        no_properties(&self.properties, v, "CONNACK properties")?;
        Ok(2 + if v.is_v5() { self.properties.wire_len() } else { 0 })
    }

    pub(crate) fn encode_body(&self, v: Version, buf: &mut impl BufMut) {
        buf.put_u8(u8::from(self.session_present));
        buf.put_u8(self.code.0);
        if v.is_v5() {
            self.properties.encode(buf);
        }
    }
}

impl<B: Buffer> ConnAck<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> ConnAck {
        ConnAck {
            session_present: self.session_present,
            code: self.code,
            properties: self.properties.to_shared(),
        }
    }
}
