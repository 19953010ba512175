use super::*;
const V: Version = Version::V5;

fn publish_props(raw: Vec<u8>) -> Bytes {
    enc(Packet::Publish(Publish { properties: Properties::from_raw(raw), ..Publish::new("t", "x") }), V)
}

#[test]
fn property_rules() {
    rejects(&publish_props(vec![0x7F, 0x00]), opts(V), Rule::PropertyUnknown);
    rejects(&publish_props(vec![0x11, 0, 0, 0, 1]), opts(V), Rule::PropertyNotAllowed); // session expiry
    rejects(&publish_props(vec![0x01, 0x00, 0x01, 0x00]), opts(V), Rule::PropertyDuplicate);
    rejects(&publish_props(vec![0x01, 0x02]), opts(V), Rule::PropertyValue); // payload format 2
    rejects(&publish_props(vec![0x02, 0x00]), opts(V), Rule::Truncated); // expiry needs 4 bytes
    // User Property and (in PUBLISH) Subscription Identifier repeat freely.
    accepts(
        &publish_props(vec![0x26, 0, 1, b'a', 0, 0, 0x26, 0, 1, b'a', 0, 0]),
        opts(V).with_role(Role::Client),
    );
    accepts(&publish_props(vec![0x0B, 1, 0x0B, 2]), opts(V).with_role(Role::Client));
    let sub = Packet::Subscribe(Subscribe {
        packet_id: 1,
        properties: Properties::from_raw(vec![0x0B, 1, 0x0B, 2]),
        filters: vec![Subscription::new("a", QoS::AtMostOnce)],
    });
    rejects(&enc(sub, V), opts(V), Rule::PropertyDuplicate);
}

#[test]
fn connect_property_values() {
    for (raw, rule) in [
        (vec![0x21, 0, 0], Rule::PropertyValue),            // receive maximum 0
        (vec![0x27, 0, 0, 0, 0], Rule::PropertyValue),      // maximum packet size 0
        (vec![0x17, 2], Rule::PropertyValue),               // request problem information 2
        (vec![0x16, 0, 1, 9], Rule::AuthDataWithoutMethod), // data without method
    ] {
        let mut c = Connect::new(V, "c");
        c.properties = Properties::from_raw(raw);
        rejects(&enc(Packet::Connect(Box::new(c)), V), opts(V), rule);
    }
}

#[test]
fn framing_rules() {
    rejects(&[0x00, 0x00], opts(V), Rule::ReservedPacketType);
    rejects(&[0xF0, 0x00], opts(Version::V3_1_1), Rule::ReservedPacketType);
    rejects(&[0xC0, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], opts(V), Rule::VarIntTooLong);
    rejects(&[0xC0, 0x01, 0x00], opts(V), Rule::TrailingBytes); // PINGREQ with a body
    rejects(&[0x40, 0x01, 0x00], opts(Version::V3_1_1), Rule::Truncated); // PUBACK too short
    rejects(&[0x40, 0x03, 0x00, 0x01, 0x00], opts(Version::V3_1_1), Rule::TrailingBytes);
    // Remaining length 10 but 3 bytes present: just incomplete, not a violation.
    assert!(matches!(
        Packet::decode(&Bytes::from_static(&[0x30, 0x0A, 0x00, 0x01, b't']), &opts(V)),
        Err(DecodeError::Incomplete { needed: 7 })
    ));
    let big = opts(V).with_max_packet_size(16);
    rejects(&[0x30, 0x7F], big, Rule::PacketTooLarge); // refused from the header alone
    rejects(&[0x20, 0x02, 0, 0], opts(V).with_role(Role::Server), Rule::WrongDirection);
    rejects(&[0x82, 0x06, 0, 1, 0, 1, b'a', 0], opts(V).with_role(Role::Client), Rule::WrongDirection);
}
