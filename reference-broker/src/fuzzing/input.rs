//! Client actions for the `broker` fuzz target: well-formed packets of both
//! versions (CONNECT with its properties and Will, PUBLISH, SUBSCRIBE with Retain
//! Handling, UNSUBSCRIBE, the acknowledgements, AUTH exchanges, PINGREQ, DISCONNECT)
//! over a few topics and client identifiers, so that they meet.

use arbitrary::{Result as ArbResult, Unstructured};
use bytes::Bytes;
use mqttspec_codec::{
    Ack, Connect, Disconnect, Packet, Properties, Property, Publish, QoS, ReasonCode, Subscribe,
    Subscription, Unsubscribe, Version,
};

const TOPICS: &[&str] = &["a", "a/b", "$x/a", "a/+", "#", "$share/g/a", "+/b", ""];
const IDS: &[&str] = &["c1", "c2", ""];

pub(super) fn packet(u: &mut Unstructured<'_>, version: Version) -> ArbResult<Packet> {
    let topic = *u.choose(TOPICS)?;
    let qos = QoS::from_u8(u.int_in_range(0..=2)?).unwrap_or_default();
    let pid: u16 = u.int_in_range(1..=4)?;
    Ok(match u.int_in_range(0..=10)? {
        10 => {
            // Enhanced authentication: well-formed SCRAM first messages, garbage, and
            // the reason codes of both directions.
            let data = *u.choose(&[
                &b"n,,n=user,r=nonce"[..],
                b"n,,n=ghost,r=x",
                b"c=biws,r=x,p=AAAA",
                b"",
                b"p=x,,",
            ])?;
            let method = *u.choose(&["SCRAM-SHA-256", "PLAIN"])?;
            let properties = Properties::build([
                Property::AuthenticationMethod(method.into()),
                Property::AuthenticationData(Bytes::from_static(data)),
            ])
            .unwrap_or_default();
            let reason_code = ReasonCode(*u.choose(&[0x00, 0x18, 0x19])?);
            if u.arbitrary()? {
                let mut c = Connect::new(Version::V5, *u.choose(IDS)?);
                c.properties = properties;
                Packet::Connect(Box::new(c))
            } else {
                Packet::Auth(mqttspec_codec::Auth { reason_code, properties })
            }
        }
        0 => {
            let mut c = Connect::new(*u.choose(&[Version::V3_1_1, Version::V5])?, *u.choose(IDS)?);
            c.clean_start = u.arbitrary()?;
            c.keep_alive = u.int_in_range(0..=5)?;
            if c.version.is_v5() {
                let mut props = vec![Property::SessionExpiryInterval(u.int_in_range(0..=10)?)];
                if u.arbitrary()? {
                    props.push(Property::MaximumPacketSize(u.int_in_range(16..=64)?));
                }
                if u.arbitrary()? {
                    props.push(Property::ReceiveMaximum(u.int_in_range(1..=3)?));
                }
                if u.arbitrary()? {
                    props.push(Property::TopicAliasMaximum(u.int_in_range(0..=2)?));
                }
                c.properties = Properties::build(props).unwrap_or_default();
            }
            if u.arbitrary()? {
                c.will = Some(mqttspec_codec::Will {
                    qos,
                    retain: u.arbitrary()?,
                    properties: if c.version.is_v5() {
                        Properties::build([Property::WillDelayInterval(u.int_in_range(0..=3)?)])
                            .unwrap_or_default()
                    } else {
                        Properties::new()
                    },
                    topic: "a".into(),
                    payload: Bytes::from_static(b"will"),
                });
            }
            Packet::Connect(Box::new(c))
        }
        1 | 2 => {
            let mut p = Publish::new(topic, Bytes::from(vec![b'x'; u.int_in_range(0..=80)?]));
            p.qos = qos;
            p.retain = u.arbitrary()?;
            p.packet_id = (qos != QoS::AtMostOnce).then_some(pid);
            if version.is_v5() && u.arbitrary()? {
                p.properties = Properties::build([Property::MessageExpiryInterval(u.int_in_range(0..=3)?)])
                    .unwrap_or_default();
            }
            Packet::Publish(p)
        }
        3 => {
            let mut s = Subscription::new(topic, qos);
            if version.is_v5() {
                s.options = s.options.with_retain_handling(match u.int_in_range(0..=2)? {
                    0 => mqttspec_codec::RetainHandling::SendAtSubscribe,
                    1 => mqttspec_codec::RetainHandling::SendIfNew,
                    _ => mqttspec_codec::RetainHandling::DoNotSend,
                });
            }
            Packet::Subscribe(Subscribe { packet_id: pid, properties: Properties::new(), filters: vec![s] })
        }
        4 => Packet::Unsubscribe(Unsubscribe {
            packet_id: pid,
            properties: Properties::new(),
            filters: vec![topic.into()],
        }),
        5 => Packet::PubAck(Ack::new(pid)),
        6 => Packet::PubRec(Ack::new(pid)),
        7 => Packet::PubRel(Ack::new(pid)),
        8 => Packet::PubComp(Ack::new(pid)),
        _ => {
            if u.arbitrary()? {
                Packet::PingReq
            } else {
                let reason = if version.is_v5() && u.arbitrary()? {
                    ReasonCode::DISCONNECT_WITH_WILL
                } else {
                    ReasonCode::SUCCESS
                };
                Packet::Disconnect(Disconnect::new(reason))
            }
        }
    })
}
