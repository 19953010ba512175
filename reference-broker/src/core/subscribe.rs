//! SUBSCRIBE and UNSUBSCRIBE (MQTT 3.1.1 §3.8–§3.11; MQTT 5.0 §3.8–§3.11, §4.8.2):
//! authorization and capability checks per filter, the granted QoS, Retain Handling,
//! and the acknowledgements.

use super::problem::Problem;
use super::session::{self, Message};
use super::{Broker, ConnId};
use crate::acl::{Acl, Principal};
use crate::mutants::Behaviour as M;
use crate::topic;
use mqttspec_codec::{
    Packet, Properties, QoS, ReasonCode, SubAck, Subscribe, SubscriptionOptions, UnsubAck, Unsubscribe,
};
use std::sync::Arc;

/// Says which of `filters` got a code other than the plain success in `codes`: how
/// many in the Reason String, each as a User Property (none if all succeeded).
fn refused(filters: impl Iterator<Item = String>, codes: &[ReasonCode], what: &str) -> Properties {
    // Granted QoS (0-2) and 0x00 Success are the plain successes.
    let failed: Vec<String> = filters.zip(codes).filter(|(_, c)| c.0 > 2).map(|(f, _)| f).collect();
    if failed.is_empty() {
        return Properties::new();
    }
    let why = Problem::new(format!("{} of {} topic filters {what}", failed.len(), codes.len()));
    failed.into_iter().fold(why, |why, f| why.about("topic-filter", f)).properties()
}

impl Broker {
    pub(super) fn subscribe(&mut self, conn: ConnId, sub: Subscribe) {
        let v = self.conn_version(conn);
        let Some(id) = self.session_of(conn) else { return };
        let sub_id = sub.properties.subscription_identifiers().next();
        // §3.8.2.1.2: a Subscription Identifier the server does not support ends the
        // connection with 0xA1.
        if sub_id.is_some() && !self.config.subscription_identifier_available {
            let why = Problem::new("this server does not support Subscription Identifiers");
            let why = why.about("subscription-identifier-available", 0);
            return self.fail_with(conn, ReasonCode::SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED, Some(why));
        }
        let cfg = self.config.clone();
        let m = self.behaviour();
        let user = self.conns.get(&conn).and_then(|c| c.user.clone());
        let user = user.as_deref();
        let mut codes = Vec::with_capacity(sub.filters.len());
        let mut retained_for: Vec<(String, SubscriptionOptions)> = Vec::new();
        // MQTT-3.8.4-4 (3.1.1), MQTT-3.8.4-5 (5.0): every filter, as if subscribed one by one.
        let count = if m == Some(M::SubscribeFirstFilterOnly) { 1 } else { sub.filters.len() };
        for f in sub.filters.iter().take(count) {
            let filter = f.filter.to_string();
            let shared = topic::split_shared(&filter).is_some() && v.is_v5();
            let wildcard = filter.contains(['+', '#']);
            let who = Principal { user, client: &id };
            let proper = if shared {
                topic::split_shared(&filter).map_or(filter.as_str(), |(_, f)| f)
            } else {
                &filter
            };
            // MQTT-3.9.3-2 (3.1.1): a 3.1.1 refusal has only 0x80 to say so.
            let v5_codes = v.is_v5() || m == Some(M::SubackV5CodeInV311);
            let refused = |code| if v5_codes { code } else { ReasonCode::V311_SUBACK_FAILURE };
            // MQTT-3.8.3-2 (3.1.1): without wildcard support, every filter holding a
            // wildcard is refused.
            let wildcard_refused = wildcard
                && !cfg.wildcard_subscription_available
                && match m {
                    Some(M::UnsupportedWildcardGranted) => false,
                    Some(M::UnsupportedPlusGranted) => filter.contains('#'),
                    _ => true,
                };
            let code = if !Acl::new(&cfg.acl).may_subscribe(who, proper) {
                // 5.0 §3.9.3: 0x87.
                refused(ReasonCode::NOT_AUTHORIZED)
            } else if shared && !cfg.shared_subscription_available {
                ReasonCode::SHARED_SUBSCRIPTIONS_NOT_SUPPORTED
            } else if wildcard_refused {
                refused(ReasonCode::WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED)
            } else if m == Some(M::SubscribeRefusedAboveMaximumQos) && f.options.qos_bits() > cfg.maximum_qos
            {
                // MQTT-3.2.2-10 (5.0): a QoS-limited server still accepts the SUBSCRIBE.
                ReasonCode::UNSPECIFIED_ERROR
            } else {
                let requested = f.options.max_qos().unwrap_or(QoS::AtMostOnce);
                // MQTT-3.2.2-10 (5.0): grant at most the server's Maximum QoS.
                let granted = QoS::from_u8((requested as u8).min(cfg.maximum_qos)).unwrap_or(QoS::AtMostOnce);
                let options = SubscriptionOptions((f.options.0 & !0x03) | granted as u8);
                let s = self.sessions.get_mut(&id).expect("session of a connection");
                let existed = s.add_subscription(&filter, options, sub_id, v, m);
                if !existed {
                    self.index.add(&id, &filter, v.is_v5());
                }
                // MQTT-3.3.1-9 MQTT-3.3.1-10 MQTT-3.3.1-11 (5.0): Retain Handling;
                // MQTT-3.3.1-6 MQTT-3.8.4-3 (3.1.1): retained messages on every subscribe. Shared subscriptions receive
                // none (§4.8.2).
                let send_retained = !shared
                    && match (f.options.retain_handling_bits(), m) {
                        (_, Some(M::RetainedNotSentOnSubscribe)) => false,
                        (0, Some(M::ResubscribeNoRetained)) => !existed,
                        (0, _)
                        | (1, Some(M::RetainHandling1Ignored))
                        | (2, Some(M::RetainHandling2Ignored)) => true,
                        (1, _) => !existed,
                        _ => false,
                    };
                if send_retained {
                    retained_for.push((filter.clone(), options));
                }
                // MQTT-3.8.4-5 (3.1.1), MQTT-3.8.4-7 (5.0): the code is the QoS granted.
                match m {
                    Some(M::SubackCodeAboveMaximumQos) => ReasonCode(requested as u8),
                    Some(M::SubackCodeAboveRequested) => ReasonCode(cfg.maximum_qos),
                    _ => ReasonCode(granted as u8),
                }
            };
            codes.push(code);
        }
        let properties = refused(sub.filters.iter().map(|f| f.filter.to_string()), &codes, "refused");
        // MQTT-3.9.3-1 (both): codes in the order of the filters.
        if m == Some(M::SubackCodesReversed) {
            codes.reverse();
        }
        // MQTT-3.9.3-2 (5.0), MQTT-3.8.4-5 (3.1.1): a code for every filter, refused or not.
        if let Some(refusal) =
            codes.iter().find(|c| c.is_error()).filter(|_| m == Some(M::SubackSingleRefusalCode))
        {
            codes = vec![*refusal];
        }
        // MQTT-3.8.4-1 MQTT-3.8.4-2 (both): every SUBSCRIBE gets a SUBACK with its
        // identifier; MQTT-3.8.4-4 MQTT-3.8.4-5 (3.1.1), MQTT-3.8.4-5 (5.0): one SUBACK, a code per filter.
        let packet_id =
            if m == Some(M::SubackWrongId) { sub.packet_id.wrapping_add(1).max(1) } else { sub.packet_id };
        let acks = if m == Some(M::SubackPerFilter) {
            codes.iter().map(|c| vec![*c]).collect()
        } else {
            vec![codes]
        };
        for codes in acks.into_iter().filter(|_| m != Some(M::SubackMissing)) {
            self.send(conn, Packet::SubAck(SubAck { packet_id, properties: properties.clone(), codes }));
        }
        // MQTT-3.3.2-3 (both): only retained messages whose topic matches the filter.
        let any = m == Some(M::RetainedSentForAnyFilter);
        for (filter, options) in retained_for {
            let matching: Vec<Arc<Message>> = self
                .retained
                .values()
                .filter(|msg| any || topic::matching(&filter, &msg.topic, m))
                .cloned()
                .collect();
            for msg in matching {
                let d = session::Delivery::retained(msg, options, sub_id, m);
                self.deliver(&id, d);
            }
        }
    }

    pub(super) fn unsubscribe(&mut self, conn: ConnId, u: Unsubscribe) {
        let v = self.conn_version(conn);
        let m = self.behaviour();
        let Some(id) = self.session_of(conn) else { return };
        let s = self.sessions.get_mut(&id).expect("session of a connection");
        let mut codes = Vec::with_capacity(u.filters.len());
        // MQTT-3.10.4-6 (both): filter by filter.
        let count = if m == Some(M::UnsubscribeFirstFilterOnly) { 1 } else { u.filters.len() };
        for f in u.filters.iter().take(count) {
            let given = f.to_string();
            // MQTT-3.10.4-1 (both): filters are compared character by character, and
            // MQTT-3.10.4-2 (both): a match is deleted.
            let removed: Vec<String> = match m {
                Some(M::UnsubscribeIgnored) => {
                    s.subs.iter().filter(|sub| sub.filter == given).map(|sub| sub.filter.clone()).collect()
                }
                Some(M::UnsubscribeMatchesWildcards) => {
                    let hit: Vec<String> = s
                        .subs
                        .iter()
                        .filter(|sub| topic::matches(&given, &sub.filter))
                        .map(|sub| sub.filter.clone())
                        .collect();
                    hit.into_iter().filter(|f| s.remove_subscription(f)).collect()
                }
                _ => s.remove_subscription(&given).then(|| given.clone()).into_iter().collect(),
            };
            for filter in &removed {
                if m != Some(M::UnsubscribeIgnored) {
                    self.index.remove(&id, filter, v.is_v5());
                }
                // MQTT-3.10.4-3 (both): QoS 1/2 messages already sent on the removed
                // subscription stay in flight until their flows complete.
                if m == Some(M::UnsubscribeDropsInflight) {
                    s.inflight.retain(|_, f| match f {
                        session::Inflight::Publish(d) => !topic::matches(filter, &d.msg.topic),
                        session::Inflight::Released => true,
                    });
                }
            }
            codes.push(if removed.is_empty() {
                ReasonCode::NO_SUBSCRIPTION_EXISTED
            } else {
                ReasonCode::SUCCESS
            });
        }
        let removed_any = codes.contains(&ReasonCode::SUCCESS);
        let properties = refused(u.filters.iter().map(|f| f.to_string()), &codes, "were not subscribed");
        // MQTT-3.11.3-1 MQTT-3.11.3-2 (5.0): a defined code for every filter, in the
        // order of the filters; 3.1.1 has none.
        let mut codes = if v.is_v5() && m != Some(M::UnsubackWithoutCodes) { codes } else { Vec::new() };
        if m == Some(M::UnsubackCodesReversed) {
            codes.reverse();
        }
        // MQTT-3.10.4-4 MQTT-3.10.4-5 (both): an UNSUBACK with its identifier, even
        // when nothing was removed.
        let silent = match m {
            Some(M::UnsubackMissing) => true,
            Some(M::UnsubackOnlyIfRemoved) => !removed_any,
            _ => false,
        };
        let packet_id =
            if m == Some(M::UnsubackWrongId) { u.packet_id.wrapping_add(1).max(1) } else { u.packet_id };
        if !silent {
            self.send(conn, Packet::UnsubAck(UnsubAck { packet_id, properties, codes }));
        }
    }
}
