//! Byte-level tests: every packet type in every version, each wire field on its own
//! line. Each test encodes the model and compares with the annotated bytes, then
//! decodes the bytes and compares with the model.

use bytes::Bytes;
use mqttspec_codec::*;

fn check(packet: Packet, version: Version, wire: &[u8]) {
    let encoded = packet.to_bytes(version).expect("encodes");
    assert_eq!(&encoded[..], wire, "encoding of {packet:?} as {version}");
    let opts = DecodeOptions::new(version);
    let decoded = Packet::decode(&Bytes::copy_from_slice(wire), &opts).expect("decodes");
    assert_eq!(decoded, packet, "decoding as {version}");
}

#[test]
fn connect_v311_full() {
    let mut c = Connect::new(Version::V3_1_1, "c1");
    c.clean_start = true;
    c.keep_alive = 30;
    c.will = Some(Will {
        qos: QoS::AtLeastOnce,
        retain: true,
        properties: Properties::new(),
        topic: "w".into(),
        payload: Bytes::from_static(b"x"),
    });
    c.username = Some("u".into());
    c.password = Some(Bytes::from_static(b"p"));
    check(
        Packet::Connect(Box::new(c)),
        Version::V3_1_1,
        &[
            0x10, // CONNECT, flags 0000
            26,   // remaining length
            0x00,
            0x04,
            b'M',
            b'Q',
            b'T',
            b'T',        // protocol name
            0x04,        // protocol level 4
            0b1110_1110, // user name, password, will retain, will QoS 1, will, clean session
            0x00,
            30, // keep alive
            0x00,
            0x02,
            b'c',
            b'1', // client identifier
            0x00,
            0x01,
            b'w', // will topic
            0x00,
            0x01,
            b'x', // will message
            0x00,
            0x01,
            b'u', // user name
            0x00,
            0x01,
            b'p', // password
        ],
    );
}

#[test]
fn connect_v31_mqisdp() {
    let c = Connect::new(Version::V3_1, "abc");
    check(
        Packet::Connect(Box::new(c)),
        Version::V3_1,
        &[
            0x10, // CONNECT
            17,   // remaining length
            0x00, 0x06, b'M', b'Q', b'I', b's', b'd', b'p', // protocol name of 3.1
            0x03, // protocol level 3
            0x02, // clean session
            0x00, 60, // keep alive
            0x00, 0x03, b'a', b'b', b'c', // client identifier
        ],
    );
}

#[test]
fn connect_v5_with_properties() {
    let mut c = Connect::new(Version::V5, "");
    c.keep_alive = 10;
    c.properties =
        Properties::build([Property::SessionExpiryInterval(120), Property::ReceiveMaximum(5)]).unwrap();
    c.will = Some(Will {
        qos: QoS::AtMostOnce,
        retain: false,
        properties: Properties::build([Property::WillDelayInterval(3)]).unwrap(),
        topic: "t".into(),
        payload: Bytes::new(),
    });
    check(
        Packet::Connect(Box::new(c)),
        Version::V5,
        &[
            0x10, // CONNECT
            32,   // remaining length
            0x00,
            0x04,
            b'M',
            b'Q',
            b'T',
            b'T',        // protocol name
            0x05,        // protocol level 5
            0b0000_0110, // will, clean start
            0x00,
            10, // keep alive
            8,  // property length
            0x11,
            0x00,
            0x00,
            0x00,
            120, // session expiry interval 120
            0x21,
            0x00,
            0x05, // receive maximum 5
            0x00,
            0x00, // empty client identifier
            5,    // will property length
            0x18,
            0x00,
            0x00,
            0x00,
            0x03, // will delay interval 3
            0x00,
            0x01,
            b't', // will topic
            0x00,
            0x00, // empty will payload
        ],
    );
}

#[test]
fn connack_both_versions() {
    let ok = ConnAck { session_present: true, code: ReasonCode::SUCCESS, properties: Properties::new() };
    check(
        Packet::ConnAck(ok.clone()),
        Version::V3_1_1,
        &[
            0x20, // CONNACK
            0x02, // remaining length
            0x01, // session present
            0x00, // return code: accepted
        ],
    );
    let mut v5 =
        ConnAck { session_present: false, code: ReasonCode::NOT_AUTHORIZED, properties: Properties::new() };
    v5.properties = Properties::build([Property::AssignedClientIdentifier("id".into())]).unwrap();
    check(
        Packet::ConnAck(v5),
        Version::V5,
        &[
            0x20, // CONNACK
            8,    // remaining length
            0x00, // no session
            0x87, // reason: not authorized
            5,    // property length
            0x12, 0x00, 0x02, b'i', b'd', // assigned client identifier "id"
        ],
    );
}

#[test]
fn publish_qos0_and_qos2() {
    check(
        Packet::Publish(Publish::new("a/b", "hi")),
        Version::V3_1_1,
        &[
            0x30, // PUBLISH, DUP 0, QoS 0, RETAIN 0
            7,    // remaining length
            0x00, 0x03, b'a', b'/', b'b', // topic name
            b'h', b'i', // payload
        ],
    );
    let p = Publish {
        dup: true,
        qos: QoS::ExactlyOnce,
        retain: true,
        topic: "t".into(),
        packet_id: Some(0x1234),
        properties: Properties::build([Property::TopicAlias(1), Property::SubscriptionIdentifier(300)])
            .unwrap(),
        payload: Bytes::from_static(b"!"),
    };
    check(
        Packet::Publish(p),
        Version::V5,
        &[
            0x3D, // PUBLISH, DUP 1, QoS 2, RETAIN 1
            13,   // remaining length
            0x00, 0x01, b't', // topic name
            0x12, 0x34, // packet identifier
            6,    // property length
            0x23, 0x00, 0x01, // topic alias 1
            0x0B, 0xAC, 0x02, // subscription identifier 300 (two-byte varint)
            b'!', // payload
        ],
    );
}

#[test]
fn acknowledgements() {
    check(
        Packet::PubAck(Ack::new(1)),
        Version::V3_1_1,
        &[
            0x40, 0x02, // PUBACK, remaining length 2
            0x00, 0x01, // packet identifier
        ],
    );
    check(
        Packet::PubRec(Ack::new(2)),
        Version::V5,
        &[
            0x50, 0x02, // PUBREC, remaining length 2: reason Success is implied
            0x00, 0x02, // packet identifier
        ],
    );
    let rel = Ack {
        packet_id: 3,
        reason_code: ReasonCode::PACKET_IDENTIFIER_NOT_FOUND,
        properties: Properties::new(),
    };
    check(
        Packet::PubRel(rel),
        Version::V5,
        &[
            0x62, 0x03, // PUBREL (flags 0010), remaining length 3
            0x00, 0x03, // packet identifier
            0x92, // reason: packet identifier not found; no property length
        ],
    );
    let comp = Ack {
        packet_id: 4,
        reason_code: ReasonCode::SUCCESS,
        properties: Properties::build([Property::ReasonString("ok".into())]).unwrap(),
    };
    check(
        Packet::PubComp(comp),
        Version::V5,
        &[
            0x70, 0x09, // PUBCOMP, remaining length 9
            0x00, 0x04, // packet identifier
            0x00, // reason: success
            0x05, // property length
            0x1F, 0x00, 0x02, b'o', b'k', // reason string "ok"
        ],
    );
}

#[test]
fn subscribe_suback() {
    let sub = Subscribe {
        packet_id: 10,
        properties: Properties::new(),
        filters: vec![Subscription::new("a/+", QoS::AtLeastOnce), Subscription::new("#", QoS::ExactlyOnce)],
    };
    check(
        Packet::Subscribe(sub.clone()),
        Version::V3_1_1,
        &[
            0x82, // SUBSCRIBE, flags 0010
            12,   // remaining length
            0x00, 10, // packet identifier
            0x00, 0x03, b'a', b'/', b'+', 0x01, // filter "a/+", QoS 1
            0x00, 0x01, b'#', 0x02, // filter "#", QoS 2
        ],
    );
    let mut v5 = sub;
    v5.filters[0].options = SubscriptionOptions::qos(QoS::AtLeastOnce)
        .with_no_local(true)
        .with_retain_as_published(true)
        .with_retain_handling(RetainHandling::DoNotSend);
    v5.properties = Properties::build([Property::SubscriptionIdentifier(5)]).unwrap();
    check(
        Packet::Subscribe(v5),
        Version::V5,
        &[
            0x82, // SUBSCRIBE
            15,   // remaining length
            0x00,
            10, // packet identifier
            2,  // property length
            0x0B,
            5, // subscription identifier 5
            0x00,
            0x03,
            b'a',
            b'/',
            b'+',
            0b0010_1101, // retain handling 2, RAP, no local, QoS 1
            0x00,
            0x01,
            b'#',
            0x02, // "#", QoS 2
        ],
    );
    let ack =
        SubAck { packet_id: 10, properties: Properties::new(), codes: vec![ReasonCode(1), ReasonCode(0x80)] };
    check(
        Packet::SubAck(ack.clone()),
        Version::V3_1_1,
        &[
            0x90, 4, // SUBACK, remaining length
            0x00, 10, // packet identifier
            0x01, 0x80, // granted QoS 1, failure
        ],
    );
    check(
        Packet::SubAck(ack),
        Version::V5,
        &[
            0x90, 5, // SUBACK, remaining length
            0x00, 10,   // packet identifier
            0x00, // property length
            0x01, 0x80, // granted QoS 1, unspecified error
        ],
    );
}

#[test]
fn unsubscribe_unsuback() {
    let u = Unsubscribe { packet_id: 9, properties: Properties::new(), filters: vec!["a".into()] };
    check(
        Packet::Unsubscribe(u.clone()),
        Version::V3_1_1,
        &[
            0xA2, 5, // UNSUBSCRIBE (flags 0010), remaining length
            0x00, 9, // packet identifier
            0x00, 0x01, b'a', // filter
        ],
    );
    check(
        Packet::Unsubscribe(u),
        Version::V5,
        &[
            0xA2, 6, // UNSUBSCRIBE, remaining length
            0x00, 9,    // packet identifier
            0x00, // property length
            0x00, 0x01, b'a', // filter
        ],
    );
    check(
        Packet::UnsubAck(UnsubAck { packet_id: 9, ..UnsubAck::default() }),
        Version::V3_1_1,
        &[
            0xB0, 2, // UNSUBACK, remaining length
            0x00, 9, // packet identifier
        ],
    );
    let ack = UnsubAck {
        packet_id: 9,
        properties: Properties::new(),
        codes: vec![ReasonCode::NO_SUBSCRIPTION_EXISTED],
    };
    check(
        Packet::UnsubAck(ack),
        Version::V5,
        &[
            0xB0, 4, // UNSUBACK, remaining length
            0x00, 9,    // packet identifier
            0x00, // property length
            0x11, // no subscription existed
        ],
    );
}

#[test]
fn ping_disconnect_auth() {
    for v in [Version::V3_1_1, Version::V5] {
        check(Packet::PingReq, v, &[0xC0, 0x00]); // PINGREQ, remaining length 0
        check(Packet::PingResp, v, &[0xD0, 0x00]); // PINGRESP, remaining length 0
        check(Packet::Disconnect(Disconnect::default()), v, &[0xE0, 0x00]); // DISCONNECT, normal
    }
    check(
        Packet::Disconnect(Disconnect::new(ReasonCode::DISCONNECT_WITH_WILL)),
        Version::V5,
        &[
            0xE0, 0x01, // DISCONNECT, remaining length 1
            0x04, // disconnect with will message; no property length
        ],
    );
    check(Packet::Auth(Auth::default()), Version::V5, &[0xF0, 0x00]); // AUTH success, no body
    let auth = Auth {
        reason_code: ReasonCode::CONTINUE_AUTHENTICATION,
        properties: Properties::build([Property::AuthenticationMethod("m".into())]).unwrap(),
    };
    check(
        Packet::Auth(auth),
        Version::V5,
        &[
            0xF0, 0x06, // AUTH, remaining length 6
            0x18, // continue authentication
            0x04, // property length
            0x15, 0x00, 0x01, b'm', // authentication method "m"
        ],
    );
}

#[test]
fn five_zero_features_refused_in_v311() {
    let mut p = Publish::new("t", "x");
    p.properties = Properties::build([Property::ContentType("a".into())]).unwrap();
    assert!(matches!(Packet::Publish(p).to_bytes(Version::V3_1_1), Err(EncodeError::NotInVersion { .. })));
    assert!(matches!(
        Packet::Auth(Auth::default()).to_bytes(Version::V3_1_1),
        Err(EncodeError::NotInVersion { .. })
    ));
    let d = Disconnect::new(ReasonCode::DISCONNECT_WITH_WILL);
    assert!(matches!(Packet::Disconnect(d).to_bytes(Version::V3_1_1), Err(EncodeError::NotInVersion { .. })));
    let s = Subscribe {
        packet_id: 1,
        properties: Properties::new(),
        filters: vec![Subscription {
            filter: "a".into(),
            options: SubscriptionOptions::qos(QoS::AtMostOnce).with_no_local(true),
        }],
    };
    assert!(matches!(Packet::Subscribe(s).to_bytes(Version::V3_1_1), Err(EncodeError::NotInVersion { .. })));
    let c = Connect::new(Version::V5, "x");
    assert!(matches!(
        Packet::Connect(Box::new(c)).to_bytes(Version::V3_1_1),
        Err(EncodeError::VersionMismatch { .. })
    ));
}

#[test]
fn bom_is_kept() {
    // MQTT-1.5.3-3 / MQTT-1.5.4-3: U+FEFF at the start of a string is not stripped.
    let topic = "\u{FEFF}t";
    for v in [Version::V3_1_1, Version::V5] {
        let bytes = Packet::Publish(Publish::new(topic, "")).to_bytes(v).unwrap();
        assert_eq!(&bytes[4..7], &[0xEF, 0xBB, 0xBF]);
        let Packet::Publish(p) = Packet::decode(&bytes, &DecodeOptions::new(v)).unwrap() else { panic!() };
        assert_eq!(p.topic.as_bytes(), topic.as_bytes());
    }
}

#[test]
fn decoded_fields_share_the_input_buffer() {
    let bytes = Packet::Publish(Publish::new("topic", vec![7u8; 100])).to_bytes(Version::V5).unwrap();
    let Packet::Publish(p) = Packet::decode(&bytes, &DecodeOptions::new(Version::V5)).unwrap() else {
        panic!()
    };
    let range = bytes.as_ptr_range();
    assert!(range.contains(&p.payload.as_ptr()), "payload is a slice of the input");
    assert!(range.contains(&p.topic.as_bytes().as_ptr()), "topic is a slice of the input");
}
