//! A bounded reader over one packet's bytes, and the matching writer helpers.
//!
//! Every length-prefixed region is read through [`Reader::sub`], which hands out a
//! reader that cannot see past the region; [`Reader::finish`] then insists the region
//! was consumed exactly. Length/content disagreement is therefore a structural error
//! in one place, not a check repeated in every packet.

use crate::error::{Rule, Violation};
use crate::string::{self, StringFault};
use crate::varint::{self, VarInt};
use crate::{Buffer, EncodeError, MqttString, Version};
use bytes::{BufMut, Bytes};

pub(crate) type Result<T> = std::result::Result<T, Violation>;

pub(crate) struct Reader<'a, B: Buffer = Bytes> {
    data: &'a B,
    pos: usize,
    end: usize,
    pub(crate) version: Version,
    /// The one check to skip ([`crate::DecodeOptions::skipping`]); `None` when strict.
    pub(crate) skip: Option<Rule>,
}

impl<'a, B: Buffer> Reader<'a, B> {
    /// A reader over `data[pos..end]`; offsets in errors count from `data[0]`.
    pub(crate) fn new(data: &'a B, pos: usize, end: usize, version: Version) -> Self {
        Reader { data, pos, end, version, skip: None }
    }

    /// Whether `rule` is the check a lenient decode skips.
    #[inline]
    pub(crate) fn skips(&self, rule: Rule) -> bool {
        self.skip == Some(rule)
    }

    pub(crate) fn fail<T>(&self, rule: Rule) -> Result<T> {
        Err(self.violation(rule))
    }

    pub(crate) fn violation(&self, rule: Rule) -> Violation {
        Violation::new(rule, self.version, self.pos)
    }

    pub(crate) fn violation_at(&self, rule: Rule, offset: usize) -> Violation {
        Violation::new(rule, self.version, offset)
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn remaining(&self) -> usize {
        self.end - self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos == self.end
    }

    fn need(&self, n: usize) -> Result<()> {
        if self.remaining() < n { self.fail(Rule::Truncated) } else { Ok(()) }
    }

    pub(crate) fn u8(&mut self) -> Result<u8> {
        self.need(1)?;
        let b = self.bytes()[self.pos];
        self.pos += 1;
        Ok(b)
    }

    pub(crate) fn u16(&mut self) -> Result<u16> {
        self.need(2)?;
        let d = self.bytes();
        let v = u16::from_be_bytes([d[self.pos], d[self.pos + 1]]);
        self.pos += 2;
        Ok(v)
    }

    pub(crate) fn u32(&mut self) -> Result<u32> {
        self.need(4)?;
        let d = &self.bytes()[self.pos..self.pos + 4];
        self.pos += 4;
        Ok(u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
    }

    /// A variable byte integer; 5.0 also demands the shortest form (MQTT-1.5.5-1).
    pub(crate) fn varint(&mut self) -> Result<u32> {
        match varint::read(&self.bytes()[self.pos..self.end]) {
            VarInt::Complete { value, len, minimal } => {
                if !minimal && self.version.is_v5() && !self.skips(Rule::VarIntNotMinimal) {
                    return self.fail(Rule::VarIntNotMinimal);
                }
                self.pos += len;
                Ok(value)
            }
            VarInt::Incomplete => self.fail(Rule::Truncated),
            VarInt::TooLong => self.fail(Rule::VarIntTooLong),
        }
    }

    /// The whole input, borrowed for as long as the reader's buffer.
    #[inline]
    fn bytes(&self) -> &'a [u8] {
        self.data.as_ref()
    }

    /// The next `n` bytes, shared with the input (no copy).
    pub(crate) fn take(&mut self, n: usize) -> Result<B> {
        self.need(n)?;
        let b = self.data.sub(self.pos..self.pos + n);
        self.pos += n;
        Ok(b)
    }

    /// Everything up to the end of this reader's region.
    pub(crate) fn rest(&mut self) -> B {
        let b = self.data.sub(self.pos..self.end);
        self.pos = self.end;
        b
    }

    /// How many length-prefixed fields, each followed by `extra` bytes, the rest of the
    /// region holds (counting stops at the first that does not fit): a capacity hint,
    /// so lists are allocated once.
    pub(crate) fn count_prefixed(&self, extra: usize) -> usize {
        let data: &[u8] = &self.bytes()[self.pos..self.end];
        let (mut at, mut n) = (0, 0);
        while let Some(len) = data.get(at..at + 2) {
            at += 2 + usize::from(u16::from_be_bytes([len[0], len[1]])) + extra;
            if at > data.len() {
                break;
            }
            n += 1;
        }
        n
    }

    /// The next `n` bytes, borrowed (no share of the buffer is taken).
    pub(crate) fn take_ref(&mut self, n: usize) -> Result<&'a [u8]> {
        self.need(n)?;
        let b = &self.bytes()[self.pos..self.pos + n];
        self.pos += n;
        Ok(b)
    }

    /// Two-byte length, then that many bytes.
    pub(crate) fn binary(&mut self) -> Result<B> {
        let len = self.u16()? as usize;
        self.take(len)
    }

    /// A binary field, borrowed.
    pub(crate) fn binary_ref(&mut self) -> Result<&'a [u8]> {
        let len = self.u16()? as usize;
        self.take_ref(len)
    }

    /// A UTF-8 encoded string, checked against §1.5.3 / §1.5.4.
    pub(crate) fn string(&mut self) -> Result<MqttString<B>> {
        let start = self.pos + 2;
        let len = self.string_ref()?.len();
        Ok(MqttString::from_buffer(self.data.sub(start..start + len)))
    }

    /// A UTF-8 encoded string, checked and borrowed.
    pub(crate) fn string_ref(&mut self) -> Result<&'a [u8]> {
        self.string_ref_as(Rule::Utf8Null)
    }

    /// A string that is to be a Topic Filter (or a Will Topic): a U+0000 in it breaks
    /// MQTT-4.7.3-2, the more precise citation than the general string rule.
    pub(crate) fn topic_string(&mut self) -> Result<MqttString<B>> {
        let start = self.pos + 2;
        let len = self.string_ref_as(Rule::TopicNull)?.len();
        Ok(MqttString::from_buffer(self.data.sub(start..start + len)))
    }

    /// A checked, borrowed string; `null` is the rule a U+0000 breaks there.
    fn string_ref_as(&mut self, null: Rule) -> Result<&'a [u8]> {
        let len = self.u16()? as usize;
        let start = self.pos;
        let bytes = self.take_ref(len)?;
        self.check_string(bytes, start, null)?;
        Ok(bytes)
    }

    /// The UTF-8 rules on a string field at `start`, unless the rule it breaks is the
    /// one skipped (the first fault decides).
    fn check_string(&self, bytes: &[u8], start: usize, null: Rule) -> Result<()> {
        match string::check(bytes) {
            Err(f) => {
                let v = self.string_fault(f, start, null);
                if self.skips(v.rule) { Ok(()) } else { Err(v) }
            }
            Ok(()) => Ok(()),
        }
    }

    /// The violation for a string field starting at `start`; `null` is the rule a
    /// U+0000 breaks there.
    fn string_fault(&self, fault: StringFault, start: usize, null: Rule) -> Violation {
        match fault {
            StringFault::Utf8(at) => self.violation_at(Rule::Utf8Invalid, start + at),
            StringFault::Null(at) => self.violation_at(null, start + at),
        }
    }

    /// A string that is to be a Topic Name; the flag says whether it is already known
    /// to hold neither wildcard nor U+0000, so that [`topic::check_name`] can be skipped
    /// for the common case (one scan instead of three).
    pub(crate) fn topic_name(&mut self) -> Result<(MqttString<B>, bool)> {
        let len = self.u16()? as usize;
        let start = self.pos;
        let bytes = self.take(len)?;
        if string::plain_topic(bytes.as_ref()) {
            return Ok((MqttString::from_buffer(bytes), true));
        }
        // MQTT-4.7.3-2 is the more precise citation for a U+0000 in a topic.
        self.check_string(bytes.as_ref(), start, Rule::TopicNull)?;
        Ok((MqttString::from_buffer(bytes), false))
    }

    /// A reader over the next `len` bytes; this reader moves past them.
    pub(crate) fn sub(&mut self, len: usize) -> Result<Reader<'a, B>> {
        self.need(len)?;
        let sub =
            Reader { skip: self.skip, ..Reader::new(self.data, self.pos, self.pos + len, self.version) };
        self.pos += len;
        Ok(sub)
    }

    /// The region must be used up.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.is_empty() || self.skips(Rule::TrailingBytes) {
            Ok(())
        } else {
            self.fail(Rule::TrailingBytes)
        }
    }
}

/// Length of a string or binary field including its two-byte prefix.
pub(crate) fn field_len(len: usize) -> usize {
    2 + len
}

/// Refuses a field a two-byte prefix cannot describe.
pub(crate) fn check_field(what: &'static str, len: usize) -> std::result::Result<(), EncodeError> {
    if len > u16::MAX as usize { Err(EncodeError::FieldTooLong { what, len }) } else { Ok(()) }
}

/// Writes a two-byte length prefix and the bytes. The caller has checked the length.
pub(crate) fn put_binary(buf: &mut impl BufMut, bytes: &[u8]) {
    buf.put_u16(bytes.len() as u16);
    buf.put_slice(bytes);
}

/// Remaining length of a body, refusing what four bytes cannot describe.
pub(crate) fn body_len(len: usize) -> std::result::Result<u32, EncodeError> {
    if len > varint::MAX as usize { Err(EncodeError::PacketTooLarge { len }) } else { Ok(len as u32) }
}
