//! Authentication and authorization.

use super::*;

fn users() -> mqttspec_broker::auth::Users {
    let mut users = mqttspec_broker::auth::Users::default();
    // Few iterations keep the debug-build tests fast; the format is the same.
    users.insert("alice", mqttspec_broker::auth::Credential::derive("wonderland", b"alice-salt", 64));
    users.insert("bob", mqttspec_broker::auth::Credential::derive("builder", b"bob-salt", 64));
    users
}

fn with_users(mut config: Config) -> Config {
    config.users = Some(users());
    config
}

fn login(version: Version, id: &str, user: &str, password: &str) -> Connect {
    let mut c = Connect::new(version, id);
    c.username = Some(user.into());
    c.password = Some(Bytes::copy_from_slice(password.as_bytes()));
    c
}

#[test]
fn passwords_are_checked_against_the_password_file() {
    let mut h = Harness::new(with_users(Config::default()));
    h.connect(1, login(Version::V5, "a", "alice", "wonderland"));
    for (conn, version, user, password, code) in [
        (2, Version::V5, "alice", "wrong", 0x86),
        (3, Version::V5, "mallory", "wonderland", 0x86),
        (4, Version::V3_1_1, "alice", "wrong", 0x04),
    ] {
        h.feed(Input::Open(conn));
        let out = h.packet(conn, Packet::Connect(Box::new(login(version, "x", user, password))));
        assert_eq!(connack(&out, conn).code, ReasonCode(code));
        assert!(closed(&out, conn));
    }
}

#[test]
fn anonymous_clients_are_refused_when_not_allowed() {
    let mut h = Harness::new(Config { allow_anonymous: false, ..with_users(Config::default()) });
    for (conn, version, code) in [(1, Version::V5, 0x87), (2, Version::V3_1_1, 0x05)] {
        h.feed(Input::Open(conn));
        let out = h.packet(conn, Packet::Connect(Box::new(Connect::new(version, "anon"))));
        assert_eq!(connack(&out, conn).code, ReasonCode(code));
    }
    h.connect(3, login(Version::V3_1_1, "b", "bob", "builder"));
}

fn acl_config() -> Config {
    use mqttspec_broker::acl::{Access, Rule};
    let rule = |user: Option<&str>, topic: &str, access| Rule {
        user: user.map(str::to_string),
        client: None,
        topic: topic.to_string(),
        access,
    };
    Config {
        acl: vec![
            rule(Some("alice"), "sensors/#", Access::Readwrite),
            rule(None, "sensors/public", Access::Read),
            rule(None, "inbox/%u", Access::Readwrite),
        ],
        ..with_users(Config::default())
    }
}

#[test]
fn acl_refuses_publishes_per_version() {
    let mut h = Harness::new(acl_config());
    h.connect(1, login(Version::V5, "a", "alice", "wonderland"));
    h.subscribe(1, "sensors/#", QoS::AtLeastOnce);
    h.connect(2, login(Version::V5, "b5", "bob", "builder"));
    h.connect(3, login(Version::V3_1_1, "b3", "bob", "builder"));
    let mut p = Publish::new("sensors/t", "1");
    p.qos = QoS::AtLeastOnce;
    p.packet_id = Some(5);
    // 5.0: PUBACK 0x87; 3.1.1: an ordinary PUBACK (MQTT-3.3.5-2). Neither is delivered.
    let out = h.packet(2, Packet::Publish(p.clone()));
    let Some(Packet::PubAck(ack)) = sent(&out, 2).first().cloned() else { panic!("{out:?}") };
    assert_eq!((ack.packet_id, ack.reason_code), (5, ReasonCode::NOT_AUTHORIZED));
    // With a Reason String, and the topic as a User Property (crate::core::problem).
    assert!(ack.properties.reason_string().is_some());
    let about: Vec<(String, String)> =
        ack.properties.user_properties().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(about, vec![("topic".to_string(), "sensors/t".to_string())]);
    let out = h.packet(3, Packet::Publish(p.clone()));
    assert_eq!(sent(&out, 3), vec![Packet::PubAck(Ack::new(5))]);
    assert!(sent(&out, 1).is_empty());
    p.qos = QoS::ExactlyOnce;
    let out = h.packet(2, Packet::Publish(p.clone()));
    let Some(Packet::PubRec(rec)) = sent(&out, 2).first().cloned() else { panic!("{out:?}") };
    assert_eq!(
        (rec.packet_id, rec.reason_code, rec.properties),
        (5, ReasonCode::NOT_AUTHORIZED, ack.properties)
    );
    // Bob may write his own inbox (%u), alice's publish goes through.
    let out = h.packet(2, Packet::Publish(Publish::new("inbox/bob", "hi")));
    assert!(sent(&out, 2).is_empty() && !closed(&out, 2));
    let out = h.packet(1, Packet::Publish(Publish::new("sensors/t", "ok")));
    assert_eq!(publishes(&sent(&out, 1)).len(), 1);
}

#[test]
fn acl_refuses_subscriptions_and_filters_deliveries() {
    let mut h = Harness::new(acl_config());
    h.connect(1, login(Version::V5, "a", "alice", "wonderland"));
    h.connect(2, login(Version::V5, "b5", "bob", "builder"));
    h.connect(3, login(Version::V3_1_1, "b3", "bob", "builder"));
    let subscribe = |filters: &[&str]| Subscribe {
        packet_id: 1,
        properties: Properties::new(),
        filters: filters.iter().map(|f| Subscription::new(*f, QoS::AtMostOnce)).collect(),
    };
    let out = h.packet(2, Packet::Subscribe(subscribe(&["sensors/private", "sensors/+", "x"])));
    let Some(Packet::SubAck(ack)) = sent(&out, 2).first().cloned() else { panic!("{out:?}") };
    assert_eq!(ack.codes, vec![ReasonCode::NOT_AUTHORIZED, ReasonCode(0), ReasonCode::NOT_AUTHORIZED]);
    let out = h.packet(3, Packet::Subscribe(subscribe(&["x", "sensors/#"])));
    let Some(Packet::SubAck(ack)) = sent(&out, 3).first().cloned() else { panic!("{out:?}") };
    assert_eq!(ack.codes, vec![ReasonCode(0x80), ReasonCode(0)]);
    // Bob's `sensors/+` overlaps sensors/public, but he only receives that topic.
    let out = h.packet(1, Packet::Publish(Publish::new("sensors/private", "p")));
    assert!(sent(&out, 2).is_empty() && sent(&out, 3).is_empty());
    let out = h.packet(1, Packet::Publish(Publish::new("sensors/public", "p")));
    assert_eq!((publishes(&sent(&out, 2)).len(), publishes(&sent(&out, 3)).len()), (1, 1));
    assert_eq!(h.broker.stats().dropped_unauthorized, 2);
}

#[test]
fn acl_refuses_a_will_it_would_not_let_through() {
    let mut h = Harness::new(acl_config());
    h.feed(Input::Open(1));
    let c = with_will(login(Version::V5, "b", "bob", "builder"), "sensors/x", Properties::new());
    let out = h.packet(1, Packet::Connect(Box::new(c)));
    assert_eq!(connack(&out, 1).code, ReasonCode::NOT_AUTHORIZED);
}

#[test]
fn connection_rate_is_limited() {
    let mut h = Harness::new(Config { max_connection_rate: Some(2), ..Config::default() });
    let opened = |h: &mut Harness, conn| !closed(&h.feed(Input::Open(conn)), conn);
    assert!(opened(&mut h, 1) && opened(&mut h, 2));
    assert!(!opened(&mut h, 3), "a third connection within the same instant");
    h.now = Duration::from_millis(500);
    assert!(opened(&mut h, 4), "half a second refills one token");
    assert!(!opened(&mut h, 5));
    assert_eq!(h.broker.stats().refused_connections, 2);
}

/// The client side of SCRAM comes from the `scram` crate, an implementation
/// independent of the broker's.
fn scram_connect(h: &mut Harness, conn: ConnId, user: &str, password: &str) -> Vec<Action> {
    let client = scram::ScramClient::new(user, password, None);
    let (client, first) = client.client_first();
    let mut c = Connect::new(Version::V5, "scram-client");
    c.properties = props([
        Property::AuthenticationMethod("SCRAM-SHA-256".into()),
        Property::AuthenticationData(Bytes::from(first)),
    ]);
    h.feed(Input::Open(conn));
    let out = h.packet(conn, Packet::Connect(Box::new(c)));
    let Some(Packet::Auth(challenge)) = sent(&out, conn).first().cloned() else { panic!("{out:?}") };
    assert_eq!(challenge.reason_code, ReasonCode::CONTINUE_AUTHENTICATION);
    assert_eq!(challenge.properties.authentication_method().unwrap(), "SCRAM-SHA-256");
    let data = challenge.properties.authentication_data().unwrap();
    let client = client.handle_server_first(std::str::from_utf8(&data).unwrap()).unwrap();
    let (client, last) = client.client_final();
    let out = h.packet(conn, Packet::Auth(auth_packet(ReasonCode::CONTINUE_AUTHENTICATION, &last)));
    if let Some(Packet::ConnAck(ack)) = sent(&out, conn).first() {
        if ack.code == ReasonCode::SUCCESS {
            let data = ack.properties.authentication_data().unwrap();
            client.handle_server_final(std::str::from_utf8(&data).unwrap()).expect("server proves itself");
            assert_eq!(ack.properties.authentication_method().unwrap(), "SCRAM-SHA-256");
        }
    }
    out
}

fn auth_packet(code: ReasonCode, data: &str) -> Auth {
    Auth {
        reason_code: code,
        properties: props([
            Property::AuthenticationMethod("SCRAM-SHA-256".into()),
            Property::AuthenticationData(Bytes::copy_from_slice(data.as_bytes())),
        ]),
    }
}

#[test]
fn scram_sha_256_enhanced_authentication() {
    let mut h = Harness::new(with_users(Config::default()));
    let out = scram_connect(&mut h, 1, "alice", "wonderland");
    assert_eq!(connack(&out, 1).code, ReasonCode::SUCCESS);
    let out = scram_connect(&mut h, 2, "alice", "looking-glass");
    assert_eq!(connack(&out, 2).code, ReasonCode::BAD_USER_NAME_OR_PASSWORD);
    assert!(closed(&out, 2));
    let out = scram_connect(&mut h, 3, "nobody", "x");
    assert_eq!(connack(&out, 3).code, ReasonCode::BAD_USER_NAME_OR_PASSWORD);
}

#[test]
fn unsupported_methods_and_out_of_place_auth_are_refused() {
    // No password file: no method is offered (MQTT-4.12.0-1).
    let mut h = Harness::new(Config::default());
    let out = scram_connect_first_only(&mut h, 1, "SCRAM-SHA-256");
    assert_eq!(connack(&out, 1).code, ReasonCode::BAD_AUTHENTICATION_METHOD);
    let mut h = Harness::new(with_users(Config::default()));
    let out = scram_connect_first_only(&mut h, 1, "PLAIN");
    assert_eq!(connack(&out, 1).code, ReasonCode::BAD_AUTHENTICATION_METHOD);
    // During the exchange only AUTH may come: anything else is a protocol error.
    scram_connect_first_only(&mut h, 2, "SCRAM-SHA-256");
    let out = h.packet(2, Packet::PingReq);
    assert_eq!(connack(&out, 2).code, ReasonCode::PROTOCOL_ERROR);
    // AUTH without enhanced authentication in CONNECT (MQTT-4.12.0-7 is the client's
    // duty; the server treats it as a protocol error).
    h.connect(3, v5("plain"));
    let out = h.packet(3, Packet::Auth(auth_packet(ReasonCode::RE_AUTHENTICATE, "n,,n=alice,r=x")));
    assert!(
        matches!(sent(&out, 3).first(), Some(Packet::Disconnect(d)) if d.reason_code == ReasonCode::PROTOCOL_ERROR)
    );
    // An exchange that never ends is reaped like a silent connection.
    scram_connect_first_only(&mut h, 4, "SCRAM-SHA-256");
    let out = h.at(11.0);
    assert!(closed(&out, 4));
}

fn scram_connect_first_only(h: &mut Harness, conn: ConnId, method: &str) -> Vec<Action> {
    let mut c = Connect::new(Version::V5, format!("c{conn}").as_str());
    c.properties = props([
        Property::AuthenticationMethod(method.into()),
        Property::AuthenticationData(Bytes::from_static(b"n,,n=alice,r=abcdef")),
    ]);
    h.feed(Input::Open(conn));
    h.packet(conn, Packet::Connect(Box::new(c)))
}

#[test]
fn scram_re_authentication() {
    let mut h = Harness::new(with_users(Config::default()));
    scram_connect(&mut h, 1, "alice", "wonderland");
    let reauth = |h: &mut Harness, user: &str, password: &str| {
        let client = scram::ScramClient::new(user, password, None);
        let (client, first) = client.client_first();
        let out = h.packet(1, Packet::Auth(auth_packet(ReasonCode::RE_AUTHENTICATE, &first)));
        let Some(Packet::Auth(challenge)) = sent(&out, 1).first().cloned() else { panic!("{out:?}") };
        let data = challenge.properties.authentication_data().unwrap();
        let client = client.handle_server_first(std::str::from_utf8(&data).unwrap()).unwrap();
        let (client, last) = client.client_final();
        let out = h.packet(1, Packet::Auth(auth_packet(ReasonCode::CONTINUE_AUTHENTICATION, &last)));
        (client, out)
    };
    let (client, out) = reauth(&mut h, "alice", "wonderland");
    let Some(Packet::Auth(done)) = sent(&out, 1).first().cloned() else { panic!("{out:?}") };
    assert_eq!(done.reason_code, ReasonCode::SUCCESS);
    client
        .handle_server_final(std::str::from_utf8(&done.properties.authentication_data().unwrap()).unwrap())
        .unwrap();
    // The connection keeps working, then a failed re-authentication ends it
    // (MQTT-4.12.1-2).
    assert_eq!(sent(&h.packet(1, Packet::PingReq), 1), vec![Packet::PingResp]);
    let (_, out) = reauth(&mut h, "alice", "wrong");
    assert!(
        matches!(sent(&out, 1).first(), Some(Packet::Disconnect(d)) if d.reason_code == ReasonCode::NOT_AUTHORIZED)
    );
    assert!(closed(&out, 1));
}

/// Found by the `broker` fuzz target (fuzz/regressions/broker/
/// connack-code-for-a-violation-during-authentication): a bad packet in the middle of
/// a SCRAM exchange was answered with a CONNACK carrying 0x8F, a code CONNACK does
/// not have (MQTT-3.2.2-8).
#[test]
fn a_violation_during_authentication_gets_a_connack_code() {
    let mut h = Harness::new(with_users(Config::default()));
    scram_connect_first_only(&mut h, 1, "SCRAM-SHA-256");
    let v = Violation { rule: Rule::TopicFilterEmpty, version: Version::V5, offset: 7 };
    let out = h.feed(Input::Invalid(1, v));
    assert_eq!(connack(&out, 1).code, ReasonCode::PROTOCOL_ERROR);
    assert!(closed(&out, 1));
}
