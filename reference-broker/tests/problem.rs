//! Reason Strings and User Properties where the client allows them (MQTT 5.0
//! §3.1.2.11.4, §3.1.2.11.7): `crate::core::problem`, driven through the core.

use mqttspec_broker::Config;
use mqttspec_broker::acl::{Access, Rule};
use mqttspec_broker::core::{Action, Broker, ConnId, Input};
use mqttspec_codec::*;
use std::time::Duration;

/// Opens `conn`, sends `connect`, returns what the broker sent it.
fn connect(b: &mut Broker, conn: ConnId, connect: Connect) -> Vec<Packet> {
    b.handle(Duration::ZERO, Input::Open(conn));
    to(b.handle(Duration::ZERO, Input::Packet(conn, Packet::Connect(Box::new(connect)))), conn)
}

fn to(out: Vec<Action>, conn: ConnId) -> Vec<Packet> {
    out.into_iter()
        .filter_map(|a| match a {
            Action::Send { conn: c, packet, .. } if c == conn => Some(packet),
            _ => None,
        })
        .collect()
}

fn v5(id: &str, props: impl IntoIterator<Item = Property>) -> Connect {
    let mut c = Connect::new(Version::V5, id);
    c.properties = Properties::build(props).unwrap();
    c
}

/// The PUBCOMP answering a PUBREL for an identifier nobody used.
fn unknown_pubrel(b: &mut Broker, conn: ConnId) -> Ack {
    let out = to(b.handle(Duration::ZERO, Input::Packet(conn, Packet::PubRel(Ack::new(9)))), conn);
    match out.as_slice() {
        [Packet::PubComp(a)] => a.clone(),
        other => panic!("{other:?}"),
    }
}

fn has(props: &Properties, id: PropertyId) -> bool {
    props.get(id).is_some()
}

#[test]
fn user_properties_give_way_first_then_the_reason_string() {
    let mut b = Broker::new(Config::default());
    connect(&mut b, 1, v5("roomy", []));
    let full = unknown_pubrel(&mut b, 1);
    assert_eq!(full.reason_code, ReasonCode::PACKET_IDENTIFIER_NOT_FOUND);
    assert!(
        has(&full.properties, PropertyId::REASON_STRING) && has(&full.properties, PropertyId::USER_PROPERTY)
    );
    let len = Packet::PubComp(full.clone()).encoded_len(Version::V5).unwrap() as u32;
    // One byte short of everything: the User Property goes, the Reason String stays.
    connect(&mut b, 2, v5("tight", [Property::MaximumPacketSize(len - 1)]));
    let trimmed = unknown_pubrel(&mut b, 2);
    assert!(has(&trimmed.properties, PropertyId::REASON_STRING));
    assert!(!has(&trimmed.properties, PropertyId::USER_PROPERTY));
    assert!((Packet::PubComp(trimmed).encoded_len(Version::V5).unwrap() as u32) < len);
    // Room for the bare packet only (5 bytes): neither.
    connect(&mut b, 3, v5("bare", [Property::MaximumPacketSize(5)]));
    let bare = unknown_pubrel(&mut b, 3);
    assert_eq!(bare, Ack { reason_code: ReasonCode::PACKET_IDENTIFIER_NOT_FOUND, ..Ack::new(9) });
}

#[test]
fn no_problem_information_spares_connack_and_disconnect() {
    let mut b = Broker::new(Config::default());
    let quiet = || Property::RequestProblemInformation(0);
    connect(&mut b, 1, v5("quiet", [quiet()]));
    assert!(unknown_pubrel(&mut b, 1).properties.is_empty());
    // A refusing CONNACK may still say why (MQTT-3.1.2-29 (5.0) allows it).
    let refused = connect(&mut b, 2, v5("refused", [quiet(), Property::AuthenticationMethod("X".into())]));
    let [Packet::ConnAck(ack)] = refused.as_slice() else { panic!("{refused:?}") };
    assert_eq!(ack.code, ReasonCode::BAD_AUTHENTICATION_METHOD);
    assert!(has(&ack.properties, PropertyId::REASON_STRING));
    // And so may the DISCONNECT of a take-over.
    let out = to(b.handle(Duration::ZERO, Input::Open(3)), 1);
    assert!(out.is_empty());
    let out = b.handle(Duration::ZERO, Input::Packet(3, Packet::Connect(Box::new(v5("quiet", [])))));
    let out = to(out, 1);
    let [Packet::Disconnect(d)] = out.as_slice() else { panic!("{out:?}") };
    assert_eq!(d.reason_code, ReasonCode::SESSION_TAKEN_OVER);
    assert!(has(&d.properties, PropertyId::REASON_STRING));
}

#[test]
fn v311_refusals_carry_no_properties() {
    let acl = vec![Rule { user: None, client: None, topic: "open/#".into(), access: Access::Readwrite }];
    let mut b = Broker::new(Config { acl, ..Config::default() });
    connect(&mut b, 1, Connect::new(Version::V3_1_1, "old"));
    let s = Subscribe {
        packet_id: 1,
        properties: Properties::new(),
        filters: vec![Subscription::new("x", QoS::AtMostOnce)],
    };
    let out = to(b.handle(Duration::ZERO, Input::Packet(1, Packet::Subscribe(s))), 1);
    let [Packet::SubAck(ack)] = out.as_slice() else { panic!("{out:?}") };
    assert_eq!(ack.codes, vec![ReasonCode::V311_SUBACK_FAILURE]);
    assert!(ack.properties.is_empty());
    assert!(Packet::SubAck(ack.clone()).encoded_len(Version::V3_1_1).is_ok());
}
