//! Session state (MQTT 3.1.1 §4.1, MQTT 5.0 §4.1): subscriptions, messages in flight
//! and queued, QoS 2 receipts, will and expiry.

use super::ConnId;
use crate::mutants::Behaviour as M;
use crate::topic;
use bytes::Bytes;
use mqttspec_codec::{MqttString, Properties, Property, Publish, QoS, SubscriptionOptions, Version, Will};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

/// An application message as the broker keeps it.
#[derive(Debug)]
pub(crate) struct Message {
    pub topic: String,
    pub payload: Bytes,
    pub qos: QoS,
    pub retain: bool,
    /// Properties forwarded unchanged (MQTT-3.3.2-4 MQTT-3.3.2-15 MQTT-3.3.2-16 (5.0),
    /// MQTT-3.3.2-17 MQTT-3.3.2-18 MQTT-3.3.2-20 (5.0)); Message Expiry, Topic Alias
    /// and Subscription Identifiers are rebuilt per delivery.
    pub properties: Vec<Property>,
    pub expires_at: Option<Duration>,
    /// The Message Expiry Interval as published.
    pub expiry: Option<u32>,
    /// Client identifier of the publisher, for No Local.
    pub origin: String,
    /// DUP of the PUBLISH it came in, which only the inbound-dup mutants look at
    /// (MQTT-3.3.1-3 (both)).
    pub dup: bool,
}

fn forwardable(p: &Property) -> bool {
    !matches!(
        p,
        Property::TopicAlias(_)
            | Property::SubscriptionIdentifier(_)
            | Property::MessageExpiryInterval(_)
            | Property::WillDelayInterval(_)
    )
}

impl Message {
    fn new(
        origin: &str,
        (topic, payload, qos, retain): (MqttString, Bytes, QoS, bool),
        props: &Properties,
        now: Duration,
    ) -> Message {
        Message {
            topic: topic.to_string(),
            payload,
            qos,
            retain,
            properties: props.iter().filter(forwardable).collect(),
            expires_at: props.message_expiry_interval().map(|s| now + Duration::from_secs(u64::from(s))),
            expiry: props.message_expiry_interval(),
            origin: origin.to_string(),
            dup: false,
        }
    }

    pub fn from_publish(origin: &str, p: Publish, now: Duration) -> Message {
        let dup = p.dup;
        Message { dup, ..Message::new(origin, (p.topic, p.payload, p.qos, p.retain), &p.properties, now) }
    }

    pub fn from_will(origin: &str, w: Will, now: Duration) -> Message {
        Message::new(origin, (w.topic, w.payload, w.qos, w.retain), &w.properties, now)
    }
}

/// The QoS a message published at `published` goes out at on a subscription granted
/// `granted`: the lower of the two (MQTT-3.8.4-6 (3.1.1), MQTT-3.8.4-8 (5.0)).
pub(crate) fn delivered_qos(published: QoS, granted: QoS, m: Option<M>) -> QoS {
    match m {
        Some(M::DeliverAtPublishedQos) => published,
        Some(M::DeliverAtGrantedQos) => granted,
        Some(M::DowngradeToQos0) if published > granted => QoS::AtMostOnce,
        _ => published.min(granted),
    }
}

/// The properties forwarded with a message: all that came with it, in their order
/// (MQTT-3.3.2-4 MQTT-3.3.2-15 MQTT-3.3.2-16 MQTT-3.3.2-17 MQTT-3.3.2-18 MQTT-3.3.2-20 (5.0)).
fn forwarded(props: &[Property], m: Option<M>) -> Vec<Property> {
    let dropped = |p: &Property| match m {
        Some(M::UserPropertiesDropped) => matches!(p, Property::UserProperty(..)),
        Some(M::PayloadFormatDropped) => matches!(p, Property::PayloadFormatIndicator(_)),
        Some(M::ResponseTopicDropped) => matches!(p, Property::ResponseTopic(_)),
        Some(M::CorrelationDataDropped) => matches!(p, Property::CorrelationData(_)),
        Some(M::ContentTypeDropped) => matches!(p, Property::ContentType(_)),
        _ => false,
    };
    let mut out: Vec<Property> = props.iter().filter(|p| !dropped(p)).cloned().collect();
    if m == Some(M::UserPropertiesReversed) {
        let users: Vec<Property> =
            out.iter().filter(|p| matches!(p, Property::UserProperty(..))).cloned().rev().collect();
        let mut users = users.into_iter();
        for p in out.iter_mut().filter(|p| matches!(p, Property::UserProperty(..))) {
            *p = users.next().expect("as many as taken");
        }
    }
    out
}

/// One message on its way to one session.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub msg: Arc<Message>,
    pub qos: QoS,
    pub retain: bool,
    pub sub_ids: Vec<u32>,
    /// The shared subscription (group and filter) it was chosen for, if any.
    pub share: Option<(String, String)>,
}

impl Delivery {
    /// A retained message sent because of a new subscription: RETAIN stays set
    /// (MQTT-3.3.1-8 (3.1.1), 5.0 §3.3.1.3).
    pub fn retained(
        msg: Arc<Message>,
        options: SubscriptionOptions,
        sub_id: Option<u32>,
        m: Option<M>,
    ) -> Delivery {
        let qos = delivered_qos(msg.qos, options.max_qos().unwrap_or(QoS::AtMostOnce), m);
        let retain = m != Some(M::RetainFlagClearedOnSubscribe);
        let sub_id = sub_id.filter(|_| m != Some(M::SubscriptionIdNotForwarded));
        Delivery { msg, qos, retain, sub_ids: sub_id.into_iter().collect(), share: None }
    }

    /// The PUBLISH for this delivery, or `None` once the message has expired. A resend
    /// (`dup`) is never dropped: onward delivery has started, and only a message whose
    /// delivery has not started is deleted at expiry (MQTT-3.3.2-5 (5.0)); the resend
    /// is owed (MQTT-4.4.0-1 (both)) and carries what is left of the interval, nothing.
    pub fn to_publish(
        &self,
        now: Duration,
        packet_id: Option<u16>,
        dup: bool,
        v: Version,
        m: Option<M>,
    ) -> Option<Publish> {
        let remaining = match self.msg.expires_at {
            // MQTT-3.3.2-5 (5.0): an expired message whose delivery has not started is
            // not delivered.
            // MQTT-4.3.3-7 (5.0): once sent, expiry no longer applies to it.
            Some(at)
                if at <= now
                    && ((dup && m != Some(M::ExpiryAppliedToResend))
                        || m == Some(M::MessageExpiryNotEnforced)) =>
            {
                Some(0)
            }
            Some(at) if at <= now => return None,
            Some(_) if m == Some(M::MessageExpiryNotDecremented) => self.msg.expiry,
            Some(at) => Some((at - now).as_millis().div_ceil(1000) as u32),
            None => None,
        };
        let properties = if v.is_v5() {
            let mut props = forwarded(&self.msg.properties, m);
            // MQTT-3.3.2-6 (5.0): the forwarded expiry is what is left of it.
            props.extend(remaining.map(Property::MessageExpiryInterval));
            props.extend(self.sub_ids.iter().map(|id| Property::SubscriptionIdentifier(*id)));
            Properties::build(props).unwrap_or_default()
        } else {
            Properties::new()
        };
        // MQTT-3.3.1-1 (both): DUP only on a resend; MQTT-4.3.2-2 MQTT-4.3.3-2 (5.0): never on
        // the first transmission. MQTT-3.3.1-3 (both): the incoming DUP plays no part.
        let dup = match m {
            Some(M::DupOnFirstSend) => true,
            Some(M::InboundDupPropagated) => dup || self.msg.dup,
            Some(M::InboundDupCopied) => self.msg.dup,
            _ => dup,
        };
        // MQTT-4.3.1-1 (5.0): a QoS 0 PUBLISH has DUP 0.
        let qos0_dup = m == Some(M::Qos0WithDup);
        Some(Publish {
            dup: if self.qos == QoS::AtMostOnce { qos0_dup } else { dup },
            qos: self.qos,
            retain: self.retain,
            topic: self.msg.topic.as_str().into(),
            packet_id,
            properties,
            payload: self.msg.payload.clone(),
        })
    }
}

/// Outgoing QoS 1/2 state.
#[derive(Debug, Clone)]
pub(crate) enum Inflight {
    /// PUBLISH sent, waiting for PUBACK or PUBREC.
    Publish(Delivery),
    /// PUBREL sent, waiting for PUBCOMP.
    Released,
}

#[derive(Debug, Clone)]
pub(crate) struct Subscription {
    pub filter: String,
    /// `$share/{group}/{filter}` split into group and filter.
    pub share: Option<(String, String)>,
    pub options: SubscriptionOptions,
    pub id: Option<u32>,
}

#[derive(Debug)]
pub(crate) struct StoredWill {
    pub msg: Arc<Message>,
    pub delay: u32,
}

#[derive(Debug)]
pub(crate) struct Session {
    pub client_id: String,
    /// User name of the connection that last attached, for reading rights.
    pub user: Option<String>,
    pub conn: Option<ConnId>,
    pub subs: Vec<Subscription>,
    pub inflight: BTreeMap<u16, Inflight>,
    pub queue: VecDeque<Delivery>,
    /// QoS 2 PUBLISHes received and acknowledged with PUBREC, awaiting PUBREL.
    pub inbound_qos2: BTreeSet<u16>,
    /// When those QoS 2 messages expire: kept for the expired-receipt-purged mutant only.
    pub inbound_expiry: BTreeMap<u16, Duration>,
    /// Identifier of the last QoS 1 PUBLISH received: kept for the
    /// qos1-repeated-id-dropped mutant only.
    pub last_qos1_in: Option<u16>,
    next_pid: u16,
    /// Session Expiry Interval in seconds; `u32::MAX` never expires.
    pub expiry: u32,
    disconnected_at: Option<Duration>,
    pub will: Option<StoredWill>,
    /// When the will is to be published, once the connection is gone.
    pub will_due: Option<Duration>,
    /// Inbound Topic Aliases of the last connection: only the topic-alias-carried-over
    /// mutant keeps any (MQTT-3.3.2-7 (5.0)).
    pub carried_aliases: HashMap<u16, String>,
}

impl Session {
    /// Payloads of the messages held for the client: queued, or sent and unacknowledged.
    pub fn held_payloads(&self) -> impl Iterator<Item = bytes::Bytes> + '_ {
        let inflight = self.inflight.values().filter_map(|f| match f {
            Inflight::Publish(d) => Some(&d.msg.payload),
            Inflight::Released => None,
        });
        inflight.chain(self.queue.iter().map(|d| &d.msg.payload)).cloned()
    }

    pub fn new(client_id: String) -> Session {
        Session {
            client_id,
            user: None,
            conn: None,
            subs: Vec::new(),
            inflight: BTreeMap::new(),
            queue: VecDeque::new(),
            inbound_qos2: BTreeSet::new(),
            inbound_expiry: BTreeMap::new(),
            last_qos1_in: None,
            next_pid: 0,
            expiry: 0,
            disconnected_at: None,
            will: None,
            will_due: None,
            carried_aliases: HashMap::new(),
        }
    }

    pub fn attach(&mut self, conn: ConnId, _v: Version, expiry: u32) {
        self.conn = Some(conn);
        self.expiry = expiry;
        self.disconnected_at = None;
        // MQTT-3.1.3-9 (5.0): reconnecting before the will delay passes cancels it.
        self.will = None;
        self.will_due = None;
    }

    pub fn detach(&mut self, now: Duration, publish_will: bool, m: Option<M>) {
        self.conn = None;
        self.disconnected_at = Some(now);
        if publish_will {
            if let Some(w) = &self.will {
                // MQTT-3.1.2-8 (5.0): the will waits for its delay (or the session's end).
                let delay = if m == Some(M::WillDelayIgnored) { 0 } else { w.delay };
                let delay = if self.expiry == u32::MAX { delay } else { delay.min(self.expiry) };
                self.will_due = Some(now + Duration::from_secs(u64::from(delay)));
            }
        } else if m != Some(M::WillKeptWithSession) {
            self.will = None;
        }
    }

    pub fn expires_at(&self) -> Option<Duration> {
        if self.conn.is_some() || self.expiry == u32::MAX {
            return None;
        }
        self.disconnected_at.map(|d| d + Duration::from_secs(u64::from(self.expiry)))
    }

    pub fn next_deadline(&self) -> Option<Duration> {
        [self.will_due, self.expires_at()].into_iter().flatten().min()
    }

    /// A free identifier for a new outgoing PUBLISH (MQTT-2.3.1-4 (3.1.1), MQTT-2.2.1-4 (5.0)).
    pub fn next_packet_id(&mut self, m: Option<M>) -> u16 {
        if m == Some(M::PacketIdReused) {
            return 1;
        }
        for _ in 0..=u16::MAX {
            self.next_pid = self.next_pid.wrapping_add(1).max(1);
            if !self.inflight.contains_key(&self.next_pid) {
                break;
            }
        }
        self.next_pid
    }

    /// Adds or replaces (MQTT-3.8.4-3 (both)) a subscription; says whether it existed.
    pub fn add_subscription(
        &mut self,
        filter: &str,
        options: SubscriptionOptions,
        id: Option<u32>,
        v: Version,
        m: Option<M>,
    ) -> bool {
        let share = if v.is_v5() {
            topic::split_shared(filter).map(|(g, f)| (g.to_string(), f.to_string()))
        } else {
            None
        };
        let sub = Subscription { filter: filter.to_string(), share, options, id };
        let replaces = m != Some(M::ResubscribeDuplicates);
        match self.subs.iter_mut().find(|s| s.filter == filter && replaces) {
            Some(existing) => {
                *existing = sub;
                true
            }
            None => {
                self.subs.push(sub);
                false
            }
        }
    }

    pub fn remove_subscription(&mut self, filter: &str) -> bool {
        let before = self.subs.len();
        self.subs.retain(|s| s.filter != filter);
        self.subs.len() != before
    }

    /// The single copy owed to this session for its non-shared subscriptions: the
    /// highest granted QoS among them and every Subscription Identifier
    /// (MQTT-3.3.4-2 MQTT-3.3.4-3 MQTT-3.3.4-4 (5.0), MQTT-3.3.5-1 (3.1.1)).
    pub fn match_direct(&self, msg: &Arc<Message>, m: Option<M>) -> Option<Delivery> {
        let mut best: Option<Delivery> = None;
        for sub in self.subs.iter().filter(|s| s.share.is_none()) {
            if !topic::matching(&sub.filter, &msg.topic, m) {
                continue;
            }
            // MQTT-3.8.3-3 (5.0): No Local keeps a client's own messages from it.
            if sub.options.no_local() && msg.origin == self.client_id && m != Some(M::NoLocalIgnored) {
                continue;
            }
            let first = best.is_none();
            let d = best.get_or_insert_with(|| Delivery {
                msg: msg.clone(),
                qos: QoS::AtMostOnce,
                retain: false,
                sub_ids: Vec::new(),
                share: None,
            });
            let qos = delivered_qos(msg.qos, sub.options.max_qos().unwrap_or(QoS::AtMostOnce), m);
            d.qos = if m == Some(M::OverlapLowestQos) && !first { d.qos.min(qos) } else { d.qos.max(qos) };
            // MQTT-3.3.1-12 MQTT-3.3.1-13 (5.0), MQTT-3.3.1-9 (3.1.1): RETAIN only with
            // Retain As Published.
            let as_published = match m {
                Some(M::RetainFlagOnLiveDelivery) => true,
                Some(M::RetainAsPublishedIgnored) => false,
                _ => sub.options.retain_as_published(),
            };
            d.retain |= as_published && msg.retain;
            // MQTT-3.3.4-3 MQTT-3.3.4-4 (5.0): every matching subscription's identifier.
            match m {
                Some(M::SubscriptionIdNotForwarded) => {}
                Some(M::SubscriptionIdsFirstOnly) if !d.sub_ids.is_empty() => {}
                _ => d.sub_ids.extend(sub.id),
            }
        }
        best
    }

    /// Mutant `separate-copies-first-id`: a copy per matching subscription at that
    /// subscription's QoS, each carrying only the first identifier of `single`.
    pub fn copies_with_first_id(&self, msg: &Arc<Message>, single: &Delivery, m: Option<M>) -> Vec<Delivery> {
        let first: Vec<u32> = single.sub_ids.first().copied().into_iter().collect();
        self.subs
            .iter()
            .filter(|s| s.share.is_none() && topic::matching(&s.filter, &msg.topic, m))
            .map(|sub| Delivery {
                msg: msg.clone(),
                qos: delivered_qos(msg.qos, sub.options.max_qos().unwrap_or(QoS::AtMostOnce), m),
                retain: single.retain,
                sub_ids: first.clone(),
                share: None,
            })
            .collect()
    }

    /// The copy owed for shared subscription number `index`.
    pub fn delivery_for(&self, msg: &Arc<Message>, index: usize, m: Option<M>) -> Delivery {
        let sub = &self.subs[index];
        let granted = sub.options.max_qos().unwrap_or(QoS::AtMostOnce);
        // MQTT-4.8.2-3 (5.0): the chosen member's granted QoS holds.
        let qos =
            if m == Some(M::SharedIgnoresGrantedQos) { msg.qos } else { delivered_qos(msg.qos, granted, m) };
        let as_published = match m {
            Some(M::RetainFlagOnLiveDelivery) => true,
            Some(M::RetainAsPublishedIgnored) => false,
            _ => sub.options.retain_as_published(),
        };
        let sub_id = sub.id.filter(|_| m != Some(M::SubscriptionIdNotForwarded));
        Delivery {
            msg: msg.clone(),
            qos,
            retain: as_published && msg.retain,
            sub_ids: sub_id.into_iter().collect(),
            share: sub.share.clone(),
        }
    }
}
