//! UNSUBSCRIBE (MQTT 3.1.1 §3.10, MQTT 5.0 §3.10).

use super::{no_properties, packet_id};
use crate::error::{EncodeError, Rule, Violation};
use crate::property::{self, PropertyContext};
use crate::reader::{Reader, check_field, field_len, put_binary};
use crate::{Buffer, MqttString, Properties, Version, topic};
use bytes::{BufMut, Bytes};

/// Unsubscribe request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct Unsubscribe<B: Buffer = Bytes> {
    /// Packet Identifier.
    pub packet_id: u16,
    /// 5.0 properties.
    pub properties: Properties<B>,
    /// Topic filters, in order.
    pub filters: Vec<MqttString<B>>,
}

impl<B: Buffer> Unsubscribe<B> {
    pub(crate) fn decode(r: &mut Reader<'_, B>) -> Result<Self, Violation> {
        let packet_id = packet_id(r)?;
        let properties = if r.version.is_v5() {
            property::decode(r, PropertyContext::Unsubscribe)?.0
        } else {
            Properties::default()
        };
        let mut filters = Vec::with_capacity(r.count_prefixed(0));
        while !r.is_empty() {
            let at = r.pos() + 2;
            // MQTT-3.10.3-1: contiguous UTF-8 filters.
            let filter = r.topic_string()?;
            if let Err((rule, off)) = topic::check_filter(filter.as_bytes(), r.version, r.skip) {
                return Err(r.violation_at(rule, at + off));
            }
            filters.push(filter);
        }
        // MQTT-3.10.3-2: at least one filter.
        if filters.is_empty() && !r.skips(Rule::UnsubscribeEmpty) {
            return Err(r.violation(Rule::UnsubscribeEmpty));
        }
        Ok(Unsubscribe { packet_id, properties, filters })
    }

    pub(crate) fn body_len(&self, v: Version) -> Result<usize, EncodeError> {
        no_properties(&self.properties, v, "UNSUBSCRIBE properties")?;
        let mut len = 2 + if v.is_v5() { self.properties.wire_len() } else { 0 };
        for f in &self.filters {
            check_field("topic filter", f.len())?;
            len += field_len(f.len());
        }
        Ok(len)
    }

    pub(crate) fn encode_body(&self, v: Version, buf: &mut impl BufMut) {
        buf.put_u16(self.packet_id);
        if v.is_v5() {
            self.properties.encode(buf);
        }
        for f in &self.filters {
            put_binary(buf, f.as_bytes());
        }
    }
}

impl<B: Buffer> Unsubscribe<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> Unsubscribe {
        Unsubscribe {
            packet_id: self.packet_id,
            properties: self.properties.to_shared(),
            filters: self.filters.iter().map(MqttString::to_shared).collect(),
        }
    }
}
