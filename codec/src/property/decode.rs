//! The strict decode of a property block (§2.2.2.2).

use super::block::Properties;
use super::id::{PropertyContext, PropertyId, ValueType};
use crate::error::Rule;
use crate::reader::{Reader, Result};
use crate::{Buffer, topic};

/// What a strict decode of a property block saw, for checks that span fields.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Seen(u64);

impl Seen {
    pub(crate) fn has(self, id: PropertyId) -> bool {
        self.0 & (1u64 << id.0) != 0
    }
}

/// Reads Property Length and the block, enforcing §2.2.2.2: known identifier, allowed
/// in this packet, not repeated unless repeatable, value in range. Values are checked
/// where they lie, without taking a share of the buffer for each.
pub(crate) fn decode<B: Buffer>(
    r: &mut Reader<'_, B>,
    ctx: PropertyContext,
) -> Result<(Properties<B>, Seen)> {
    let len = r.varint()? as usize;
    let start = r.pos();
    let mut block = r.sub(len)?;
    let raw = block.rest();
    let version = r.version;
    let mut p = Reader::new(&raw, 0, raw.as_ref().len(), version);
    p.skip = r.skip;
    let mut seen = Seen::default();
    let relocate = |mut v: crate::Violation| {
        v.offset += start;
        v
    };
    while !p.is_empty() {
        let at = p.pos();
        let fail = |rule| crate::Violation::new(rule, version, start + at);
        let id = p.varint().map_err(relocate)?;
        let Some((id, ty)) = u8::try_from(id).ok().map(PropertyId).and_then(|i| Some((i, i.value_type()?)))
        else {
            return Err(fail(Rule::PropertyUnknown));
        };
        if !id.allowed_in(ctx) && !p.skips(Rule::PropertyNotAllowed) {
            return Err(fail(Rule::PropertyNotAllowed));
        }
        if seen.has(id) && !id.repeatable_in(ctx) && !p.skips(Rule::PropertyDuplicate) {
            return Err(fail(Rule::PropertyDuplicate));
        }
        seen.0 |= 1u64 << id.0;
        let value = match ty {
            ValueType::Byte => Checked::Int(p.u8().map_err(relocate)?.into()),
            ValueType::U16 => Checked::Int(p.u16().map_err(relocate)?.into()),
            ValueType::U32 => Checked::Int(p.u32().map_err(relocate)?),
            ValueType::VarInt => Checked::Int(p.varint().map_err(relocate)?),
            ValueType::String => Checked::Str(p.string_ref().map_err(relocate)?),
            ValueType::Binary => {
                p.binary_ref().map_err(relocate)?;
                Checked::Other
            }
            ValueType::Pair => {
                p.string_ref().map_err(relocate)?;
                p.string_ref().map_err(relocate)?;
                Checked::Other
            }
        };
        match check_value(id, ty, value) {
            Err(rule) if !p.skips(rule) => return Err(fail(rule)),
            _ => {}
        }
    }
    Ok((Properties { raw }, seen))
}

/// A property value as the strict decode checks it, borrowed from the block.
pub(crate) enum Checked<'a> {
    Int(u32),
    Str(&'a [u8]),
    Other,
}

pub(crate) fn check_value(
    id: PropertyId,
    ty: ValueType,
    value: Checked<'_>,
) -> std::result::Result<(), Rule> {
    let bad = match (id, value) {
        // Byte-valued flags are 0 or 1 (§3.1.2.11.6, §3.1.2.11.7, §3.2.2.3.4–§3.2.2.3.13,
        // §3.3.2.3.2).
        (_, Checked::Int(v)) if ty == ValueType::Byte => v > 1,
        // Receive Maximum 0 is a Protocol Error (§3.1.2.11.3, §3.2.2.3.3).
        (PropertyId::RECEIVE_MAXIMUM, Checked::Int(0)) => true,
        // Maximum Packet Size 0 is a Protocol Error (§3.1.2.11.4, §3.2.2.3.6).
        (PropertyId::MAXIMUM_PACKET_SIZE, Checked::Int(0)) => true,
        // MQTT-3.3.2-8: a Topic Alias of 0 is never sent.
        (PropertyId::TOPIC_ALIAS, Checked::Int(0)) => return Err(Rule::TopicAliasZero),
        // Subscription Identifier 0 is a Protocol Error (§3.3.2.3.8, §3.8.2.1.2).
        (PropertyId::SUBSCRIPTION_IDENTIFIER, Checked::Int(0)) => true,
        // MQTT-3.3.2-14: the Response Topic is a topic name (no wildcards, not empty).
        (PropertyId::RESPONSE_TOPIC, Checked::Str(s)) => {
            return topic::check_name(s, false, None).map_err(|_| Rule::ResponseTopicInvalid);
        }
        _ => false,
    };
    if bad { Err(Rule::PropertyValue) } else { Ok(()) }
}
