//! SUBSCRIBE (MQTT 3.1.1 §3.8, MQTT 5.0 §3.8).

use super::{QoS, no_properties, packet_id};
use crate::error::{EncodeError, Rule, Violation};
use crate::property::{self, PropertyContext};
use crate::reader::{Reader, check_field, field_len, put_binary};
use crate::{Buffer, MqttString, Properties, Version, topic};
use bytes::{BufMut, Bytes};

/// Subscribe request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct Subscribe<B: Buffer = Bytes> {
    /// Packet Identifier.
    pub packet_id: u16,
    /// 5.0 properties.
    pub properties: Properties<B>,
    /// Topic filters with their options, in order.
    pub filters: Vec<Subscription<B>>,
}

/// One topic filter and its options.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct Subscription<B: Buffer = Bytes> {
    /// Topic Filter.
    pub filter: MqttString<B>,
    /// Subscription Options (3.1.1: the Requested QoS byte).
    pub options: SubscriptionOptions,
}

impl Subscription {
    /// A filter at `qos` with the other options at 0.
    pub fn new(filter: impl Into<MqttString>, qos: QoS) -> Self {
        Subscription { filter: filter.into(), options: SubscriptionOptions::qos(qos) }
    }
}

/// Retain Handling option (5.0 §3.8.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetainHandling {
    /// Send retained messages at subscribe time.
    #[default]
    SendAtSubscribe = 0,
    /// Send them only if the subscription did not exist.
    SendIfNew = 1,
    /// Do not send them.
    DoNotSend = 2,
}

/// The subscription options byte, kept whole so that reserved bits can be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SubscriptionOptions(pub u8);

impl SubscriptionOptions {
    /// Options with only the Maximum QoS set.
    pub const fn qos(qos: QoS) -> Self {
        SubscriptionOptions(qos as u8)
    }

    /// The two QoS bits (3 when a sender set both).
    pub const fn qos_bits(self) -> u8 {
        self.0 & 0x03
    }

    /// Maximum QoS, if the bits name one.
    pub fn max_qos(self) -> Option<QoS> {
        QoS::from_u8(self.qos_bits())
    }

    /// No Local (5.0).
    pub const fn no_local(self) -> bool {
        self.0 & 0x04 != 0
    }

    /// Retain As Published (5.0).
    pub const fn retain_as_published(self) -> bool {
        self.0 & 0x08 != 0
    }

    /// Retain Handling bits (5.0), 0–3.
    pub const fn retain_handling_bits(self) -> u8 {
        (self.0 >> 4) & 0x03
    }

    /// Retain Handling, if the bits name one.
    pub fn retain_handling(self) -> Option<RetainHandling> {
        match self.retain_handling_bits() {
            0 => Some(RetainHandling::SendAtSubscribe),
            1 => Some(RetainHandling::SendIfNew),
            2 => Some(RetainHandling::DoNotSend),
            _ => None,
        }
    }

    /// With No Local set or cleared.
    pub const fn with_no_local(self, on: bool) -> Self {
        SubscriptionOptions(if on { self.0 | 0x04 } else { self.0 & !0x04 })
    }

    /// With Retain As Published set or cleared.
    pub const fn with_retain_as_published(self, on: bool) -> Self {
        SubscriptionOptions(if on { self.0 | 0x08 } else { self.0 & !0x08 })
    }

    /// With the given Retain Handling.
    pub const fn with_retain_handling(self, rh: RetainHandling) -> Self {
        SubscriptionOptions((self.0 & !0x30) | ((rh as u8) << 4))
    }
}

impl<B: Buffer> Subscribe<B> {
    pub(crate) fn decode(r: &mut Reader<'_, B>) -> Result<Self, Violation> {
        let packet_id = packet_id(r)?;
        let v5 = r.version.is_v5();
        let properties =
            if v5 { property::decode(r, PropertyContext::Subscribe)?.0 } else { Properties::default() };
        let mut filters = Vec::with_capacity(r.count_prefixed(1));
        // Bounded by the remaining length: each pass consumes at least three bytes.
        while !r.is_empty() {
            let filter_at = r.pos() + 2;
            // MQTT-3.8.3-1: filters are UTF-8 strings.
            let filter = r.topic_string()?;
            if let Err((rule, at)) = topic::check_filter(filter.as_bytes(), r.version, r.skip) {
                return Err(r.violation_at(rule, filter_at + at));
            }
            let opts_at = r.pos();
            let options = SubscriptionOptions(r.u8()?);
            let fail = |rule| Err(r.violation_at(rule, opts_at));
            let checks = |rule| !r.skips(rule);
            // MQTT-3.8.3-4 (3.1.1): bits 7–2 are reserved; MQTT-3.8.3-5 (5.0): bits 7–6.
            let reserved = if v5 { 0xC0 } else { 0xFC };
            if options.0 & reserved != 0 && checks(Rule::SubscriptionOptionsReserved) {
                return fail(Rule::SubscriptionOptionsReserved);
            }
            // MQTT-3.8.3-4 (3.1.1) / §3.8.3.1 (5.0): QoS 3 is not a QoS.
            if options.qos_bits() == 3 && checks(Rule::SubscriptionQos3) {
                return fail(Rule::SubscriptionQos3);
            }
            if v5 {
                // §3.8.3.1: Retain Handling 3 is a Protocol Error.
                if options.retain_handling_bits() == 3 && checks(Rule::RetainHandling3) {
                    return fail(Rule::RetainHandling3);
                }
                // MQTT-3.8.3-4 (5.0): No Local on a shared subscription is a Protocol Error.
                if options.no_local() && topic::is_shared(filter.as_bytes()) && checks(Rule::SharedNoLocal) {
                    return fail(Rule::SharedNoLocal);
                }
            }
            filters.push(Subscription { filter, options });
        }
        // MQTT-3.8.3-3 (3.1.1) / MQTT-3.8.3-2 (5.0): at least one filter.
        if filters.is_empty() && !r.skips(Rule::SubscribeEmpty) {
            return Err(r.violation(Rule::SubscribeEmpty));
        }
        Ok(Subscribe { packet_id, properties, filters })
    }

    pub(crate) fn body_len(&self, v: Version) -> Result<usize, EncodeError> {
        no_properties(&self.properties, v, "SUBSCRIBE properties")?;
        let mut len = 2;
        if v.is_v5() {
            len += self.properties.wire_len();
        }
        for s in &self.filters {
            check_field("topic filter", s.filter.len())?;
            if !v.is_v5() && s.options.0 & 0xFC != 0 {
                return Err(EncodeError::NotInVersion {
                    what: "subscription options beyond QoS",
                    version: v,
                });
            }
            len += field_len(s.filter.len()) + 1;
        }
        Ok(len)
    }

    pub(crate) fn encode_body(&self, v: Version, buf: &mut impl BufMut) {
        buf.put_u16(self.packet_id);
        if v.is_v5() {
            self.properties.encode(buf);
        }
        for s in &self.filters {
            put_binary(buf, s.filter.as_bytes());
            buf.put_u8(s.options.0);
        }
    }
}

impl<B: Buffer> Subscribe<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> Subscribe {
        Subscribe {
            packet_id: self.packet_id,
            properties: self.properties.to_shared(),
            filters: self.filters.iter().map(Subscription::to_shared).collect(),
        }
    }
}

impl<B: Buffer> Subscription<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> Subscription {
        Subscription { filter: self.filter.to_shared(), options: self.options }
    }
}
