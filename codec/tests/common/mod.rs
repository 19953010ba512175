//! proptest strategies for valid packets of each version, shared by the
//! property-based and differential tests.
#![allow(dead_code)]

use bytes::Bytes;
use mqttspec_codec::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

pub fn text() -> impl Strategy<Value = MqttString> {
    "[a-zA-Z0-9 _\u{FEFF}\u{e9}\u{1F600}-]{0,12}".prop_map(MqttString::from)
}

pub fn topic_name() -> impl Strategy<Value = MqttString> {
    "[a-z0-9$]{1,6}(/[a-z0-9]{0,6}){0,3}".prop_map(MqttString::from)
}

pub fn topic_filter(v5: bool) -> impl Strategy<Value = MqttString> {
    let level = prop_oneof!["[a-z0-9]{0,5}", Just("+".to_string())];
    let share = if v5 { option::of("[a-z]{1,4}").boxed() } else { Just(None).boxed() };
    (vec(level, 1..4), any::<bool>(), share).prop_map(|(levels, hash, share)| {
        let mut f = levels.join("/");
        if hash {
            f.push_str(if f.is_empty() { "#" } else { "/#" });
        }
        if f.is_empty() {
            f.push('a');
        }
        match share {
            Some(name) => format!("$share/{name}/{f}").into(),
            None => f.into(),
        }
    })
}

pub fn binary() -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..24).prop_map(Bytes::from)
}

pub fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![Just(QoS::AtMostOnce), Just(QoS::AtLeastOnce), Just(QoS::ExactlyOnce)]
}

pub fn flag() -> impl Strategy<Value = u8> {
    0u8..=1
}

/// Valid properties for `ctx`: each singleton at most once, user properties freely.
pub fn properties(ctx: PropertyContext) -> BoxedStrategy<Properties> {
    let all: Vec<BoxedStrategy<Property>> = vec![
        flag().prop_map(Property::PayloadFormatIndicator).boxed(),
        any::<u32>().prop_map(Property::MessageExpiryInterval).boxed(),
        text().prop_map(Property::ContentType).boxed(),
        topic_name().prop_map(Property::ResponseTopic).boxed(),
        binary().prop_map(Property::CorrelationData).boxed(),
        (1u32..=varint::MAX).prop_map(Property::SubscriptionIdentifier).boxed(),
        any::<u32>().prop_map(Property::SessionExpiryInterval).boxed(),
        text().prop_map(Property::AssignedClientIdentifier).boxed(),
        any::<u16>().prop_map(Property::ServerKeepAlive).boxed(),
        text().prop_map(Property::AuthenticationMethod).boxed(),
        binary().prop_map(Property::AuthenticationData).boxed(),
        flag().prop_map(Property::RequestProblemInformation).boxed(),
        any::<u32>().prop_map(Property::WillDelayInterval).boxed(),
        flag().prop_map(Property::RequestResponseInformation).boxed(),
        text().prop_map(Property::ResponseInformation).boxed(),
        text().prop_map(Property::ServerReference).boxed(),
        text().prop_map(Property::ReasonString).boxed(),
        (1u16..).prop_map(Property::ReceiveMaximum).boxed(),
        any::<u16>().prop_map(Property::TopicAliasMaximum).boxed(),
        (1u16..).prop_map(Property::TopicAlias).boxed(),
        flag().prop_map(Property::MaximumQos).boxed(),
        flag().prop_map(Property::RetainAvailable).boxed(),
        (1u32..).prop_map(Property::MaximumPacketSize).boxed(),
        flag().prop_map(Property::WildcardSubscriptionAvailable).boxed(),
        flag().prop_map(Property::SubscriptionIdentifierAvailable).boxed(),
        flag().prop_map(Property::SharedSubscriptionAvailable).boxed(),
    ];
    let allowed: Vec<BoxedStrategy<Option<Property>>> =
        all.into_iter().map(|s| option::of(s).boxed()).collect();
    let users = vec((text(), text()).prop_map(|(k, v)| Property::UserProperty(k, v)), 0..3);
    (allowed, users)
        .prop_map(move |(singles, users)| {
            let mut props: Vec<Property> = singles
                .into_iter()
                .flatten()
                .filter(|p| p.id().allowed_in(ctx))
                // A server never sends Session Expiry in DISCONNECT; keep the model
                // valid for both directions.
                .filter(|p| {
                    !(ctx == PropertyContext::Disconnect && p.id() == PropertyId::SESSION_EXPIRY_INTERVAL)
                })
                .collect();
            if ctx == PropertyContext::Auth
                && !props.iter().any(|p| p.id() == PropertyId::AUTHENTICATION_METHOD)
            {
                props.push(Property::AuthenticationMethod("m".into()));
            }
            if matches!(ctx, PropertyContext::Connect | PropertyContext::ConnAck)
                && props.iter().any(|p| p.id() == PropertyId::AUTHENTICATION_DATA)
                && !props.iter().any(|p| p.id() == PropertyId::AUTHENTICATION_METHOD)
            {
                props.push(Property::AuthenticationMethod("m".into()));
            }
            props.extend(users);
            Properties::build(props).unwrap()
        })
        .boxed()
}

pub fn props_if(v: Version, ctx: PropertyContext) -> BoxedStrategy<Properties> {
    if v.is_v5() { properties(ctx) } else { Just(Properties::new()).boxed() }
}

pub fn code_from(v: Version, codes: &'static [u8]) -> BoxedStrategy<ReasonCode> {
    if v.is_v5() {
        proptest::sample::select(codes).prop_map(ReasonCode).boxed()
    } else {
        Just(ReasonCode(0)).boxed()
    }
}

pub fn connect(v: Version) -> impl Strategy<Value = Packet> {
    let will = (qos(), any::<bool>(), props_if(v, PropertyContext::Will), topic_name(), binary()).prop_map(
        |(qos, retain, properties, topic, payload)| Will { qos, retain, properties, topic, payload },
    );
    (
        any::<bool>(),
        any::<u16>(),
        props_if(v, PropertyContext::Connect),
        "[a-zA-Z0-9]{1,23}",
        option::of(will),
        option::of(text()),
        option::of(binary()),
    )
        .prop_map(move |(clean_start, keep_alive, properties, id, will, username, password)| {
            // Before 5.0 a password needs a user name (MQTT-3.1.2-22).
            let password = if v.is_v5() || username.is_some() { password } else { None };
            Packet::from(Connect {
                version: v,
                clean_start,
                keep_alive,
                properties,
                client_id: id.into(),
                will,
                username,
                password,
            })
        })
}

pub const CONNACK_CODES: &[u8] = &[
    0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99,
    0x9A, 0x9B, 0x9C, 0x9D, 0x9F,
];
pub const PUBACK_CODES: &[u8] = &[0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99];
pub const PUBREL_CODES: &[u8] = &[0x00, 0x92];
pub const SUBACK_CODES: &[u8] = &[0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2];
pub const UNSUBACK_CODES: &[u8] = &[0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];
pub const DISCONNECT_CODES: &[u8] = &[
    0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95,
    0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2,
];

pub fn packet(v: Version) -> BoxedStrategy<Packet> {
    let v5 = v.is_v5();
    let connack = (
        any::<bool>(),
        if v5 { code_from(v, CONNACK_CODES) } else { (0u8..=5).prop_map(ReasonCode).boxed() },
        props_if(v, PropertyContext::ConnAck),
    )
        .prop_map(|(sp, code, properties)| {
            Packet::ConnAck(ConnAck { session_present: sp && code.0 == 0, code, properties })
        });
    let publish = (
        any::<bool>(),
        qos(),
        any::<bool>(),
        topic_name(),
        1u16..,
        props_if(v, PropertyContext::Publish),
        binary(),
    )
        .prop_map(|(dup, qos, retain, topic, id, properties, payload)| {
            let q0 = qos == QoS::AtMostOnce;
            Packet::Publish(Publish {
                dup: dup && !q0,
                qos,
                retain,
                topic,
                packet_id: (!q0).then_some(id),
                properties,
                payload,
            })
        });
    let ack = |codes| {
        (any::<u16>(), code_from(v, codes), props_if(v, PropertyContext::Ack))
            .prop_map(|(packet_id, reason_code, properties)| Ack { packet_id, reason_code, properties })
    };
    let options = move || {
        if v5 {
            (0u8..=2, any::<bool>(), any::<bool>(), 0u8..=2)
                .prop_map(|(q, nl, rap, rh)| {
                    SubscriptionOptions(q | (u8::from(nl) << 2) | (u8::from(rap) << 3) | (rh << 4))
                })
                .boxed()
        } else {
            (0u8..=2).prop_map(SubscriptionOptions).boxed()
        }
    };
    let subscribe =
        (1u16.., props_if(v, PropertyContext::Subscribe), vec((topic_filter(v5), options()), 1..4)).prop_map(
            |(packet_id, properties, filters)| {
                let filters = filters
                    .into_iter()
                    .map(|(filter, options)| {
                        // No Local is a Protocol Error on shared subscriptions (MQTT-3.8.3-4).
                        let shared = topic::is_shared(filter.as_bytes());
                        Subscription {
                            filter,
                            options: if shared { options.with_no_local(false) } else { options },
                        }
                    })
                    .collect();
                Packet::Subscribe(Subscribe { packet_id, properties, filters })
            },
        );
    let suback_codes = if v5 {
        vec(code_from(v, SUBACK_CODES), 1..4).boxed()
    } else {
        vec(proptest::sample::select(&[0u8, 1, 2, 0x80][..]).prop_map(ReasonCode), 1..4).boxed()
    };
    let suback = (any::<u16>(), props_if(v, PropertyContext::SubAck), suback_codes)
        .prop_map(|(packet_id, properties, codes)| Packet::SubAck(SubAck { packet_id, properties, codes }));
    let unsubscribe = (1u16.., props_if(v, PropertyContext::Unsubscribe), vec(topic_filter(v5), 1..4))
        .prop_map(|(packet_id, properties, filters)| {
            Packet::Unsubscribe(Unsubscribe { packet_id, properties, filters })
        });
    let unsuback_codes =
        if v5 { vec(code_from(v, UNSUBACK_CODES), 1..4).boxed() } else { Just(vec![]).boxed() };
    let unsuback = (any::<u16>(), props_if(v, PropertyContext::UnsubAck), unsuback_codes).prop_map(
        |(packet_id, properties, codes)| Packet::UnsubAck(UnsubAck { packet_id, properties, codes }),
    );
    let disconnect = (code_from(v, DISCONNECT_CODES), props_if(v, PropertyContext::Disconnect))
        .prop_map(|(reason_code, properties)| Packet::Disconnect(Disconnect { reason_code, properties }));
    let mut all = vec![
        connect(v).boxed(),
        connack.boxed(),
        publish.boxed(),
        ack(PUBACK_CODES).prop_map(Packet::PubAck).boxed(),
        ack(PUBACK_CODES).prop_map(Packet::PubRec).boxed(),
        ack(PUBREL_CODES).prop_map(Packet::PubRel).boxed(),
        ack(PUBREL_CODES).prop_map(Packet::PubComp).boxed(),
        subscribe.boxed(),
        suback.boxed(),
        unsubscribe.boxed(),
        unsuback.boxed(),
        Just(Packet::PingReq).boxed(),
        Just(Packet::PingResp).boxed(),
        disconnect.boxed(),
    ];
    if v5 {
        let auth = (proptest::sample::select(&[0x00u8, 0x18, 0x19][..]), properties(PropertyContext::Auth))
            .prop_map(|(c, properties)| Packet::Auth(Auth { reason_code: ReasonCode(c), properties }));
        all.push(auth.boxed());
    }
    proptest::strategy::Union::new(all).boxed()
}

pub fn any_version() -> impl Strategy<Value = Version> {
    prop_oneof![Just(Version::V3_1_1), Just(Version::V5)]
}

pub fn versioned_packet() -> impl Strategy<Value = (Version, Packet)> {
    any_version().prop_flat_map(|v| (Just(v), packet(v)))
}
