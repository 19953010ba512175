//! DISCONNECT (MQTT 3.1.1 §3.14, MQTT 5.0 §3.14).

use super::{Role, no_properties};
use crate::error::{EncodeError, Rule, Violation};
use crate::property::{self, PropertyContext, PropertyId};
use crate::reader::Reader;
use crate::reason_code::ReasonSet;
use crate::{Buffer, Properties, ReasonCode, Version};
use bytes::{BufMut, Bytes};

/// Disconnect notification.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct Disconnect<B: Buffer = Bytes> {
    /// 5.0 Disconnect Reason Code.
    pub reason_code: ReasonCode,
    /// 5.0 properties.
    pub properties: Properties<B>,
}

impl<B: Buffer> Disconnect<B> {
    /// A DISCONNECT with this reason and no properties.
    pub fn new(reason_code: ReasonCode) -> Self {
        Disconnect { reason_code, properties: Properties::default() }
    }

    pub(crate) fn decode(r: &mut Reader<'_, B>, role: Option<Role>) -> Result<Self, Violation> {
        let mut d = Disconnect::default();
        // 5.0 §3.14.2.1: a remaining length of 0 means Normal disconnection; below 2
        // there is no Property Length.
        if r.version.is_v5() && !r.is_empty() {
            let at = r.pos();
            d.reason_code = ReasonCode(r.u8()?);
            // MQTT-3.14.2-1: only defined Disconnect Reason Codes.
            if !ReasonSet::Disconnect.allows(d.reason_code) && !r.skips(Rule::DisconnectCode) {
                return Err(r.violation_at(Rule::DisconnectCode, at));
            }
            if !r.is_empty() {
                let props_at = r.pos();
                let (props, seen) = property::decode(r, PropertyContext::Disconnect)?;
                // MQTT-3.14.2-2: a server never sends Session Expiry Interval.
                let expiry = seen.has(PropertyId::SESSION_EXPIRY_INTERVAL);
                if role == Some(Role::Client) && expiry && !r.skips(Rule::ServerDisconnectSessionExpiry) {
                    return Err(r.violation_at(Rule::ServerDisconnectSessionExpiry, props_at));
                }
                d.properties = props;
            }
        }
        r.finish()?;
        Ok(d)
    }

    pub(crate) fn body_len(&self, v: Version) -> Result<usize, EncodeError> {
        no_properties(&self.properties, v, "DISCONNECT properties")?;
        if !v.is_v5() {
            if self.reason_code != ReasonCode::SUCCESS {
                return Err(EncodeError::NotInVersion { what: "DISCONNECT reason code", version: v });
            }
            return Ok(0);
        }
        Ok(match (self.reason_code.0, self.properties.is_empty()) {
            (0, true) => 0,
            (_, true) => 1,
            (_, false) => 1 + self.properties.wire_len(),
        })
    }

    pub(crate) fn encode_body(&self, v: Version, buf: &mut impl BufMut) {
        if v.is_v5() && (self.reason_code.0 != 0 || !self.properties.is_empty()) {
            buf.put_u8(self.reason_code.0);
            if !self.properties.is_empty() {
                self.properties.encode(buf);
            }
        }
    }
}

impl<B: Buffer> Disconnect<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> Disconnect {
        Disconnect { reason_code: self.reason_code, properties: self.properties.to_shared() }
    }
}
