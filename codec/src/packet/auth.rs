//! AUTH (MQTT 5.0 §3.15; the packet does not exist in 3.1.1).

use crate::error::{EncodeError, Rule, Violation};
use crate::property::{self, PropertyContext, PropertyId};
use crate::reader::Reader;
use crate::reason_code::ReasonSet;
use crate::{Buffer, Properties, ReasonCode, Version};
use bytes::{BufMut, Bytes};

/// Authentication exchange.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct Auth<B: Buffer = Bytes> {
    /// Authenticate Reason Code.
    pub reason_code: ReasonCode,
    /// Properties (Authentication Method is required when any are present).
    pub properties: Properties<B>,
}

impl<B: Buffer> Auth<B> {
    pub(crate) fn decode(r: &mut Reader<'_, B>) -> Result<Self, Violation> {
        // §3.15.2.1: a remaining length of 0 means Success without properties.
        if r.is_empty() {
            return Ok(Auth::default());
        }
        let at = r.pos();
        let reason_code = ReasonCode(r.u8()?);
        // MQTT-3.15.2-1: only defined Authenticate Reason Codes.
        if !ReasonSet::Auth.allows(reason_code) && !r.skips(Rule::AuthCode) {
            return Err(r.violation_at(Rule::AuthCode, at));
        }
        // §3.15.2.2.2: omitting the Authentication Method is a Protocol Error.
        if r.is_empty() {
            if r.skips(Rule::AuthMethodMissing) {
                return Ok(Auth { reason_code, properties: Properties::default() });
            }
            return Err(r.violation(Rule::AuthMethodMissing));
        }
        let (properties, seen) = property::decode(r, PropertyContext::Auth)?;
        if !seen.has(PropertyId::AUTHENTICATION_METHOD) && !r.skips(Rule::AuthMethodMissing) {
            return Err(r.violation(Rule::AuthMethodMissing));
        }
        r.finish()?;
        Ok(Auth { reason_code, properties })
    }

    pub(crate) fn body_len(&self, v: Version) -> Result<usize, EncodeError> {
        if !v.is_v5() {
            return Err(EncodeError::NotInVersion { what: "AUTH", version: v });
        }
        Ok(if self.reason_code.0 == 0 && self.properties.is_empty() {
            0
        } else {
            1 + self.properties.wire_len()
        })
    }

    pub(crate) fn encode_body(&self, _v: Version, buf: &mut impl BufMut) {
        if self.reason_code.0 != 0 || !self.properties.is_empty() {
            buf.put_u8(self.reason_code.0);
            self.properties.encode(buf);
        }
    }
}

impl<B: Buffer> Auth<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> Auth {
        Auth { reason_code: self.reason_code, properties: self.properties.to_shared() }
    }
}
