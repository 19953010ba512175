//! Exchanges for the CONNECT, CONNACK, DISCONNECT and AUTH mutants (issue 14).

use super::{H, Script, props, q, violation};
use bytes::Bytes;
use mqttspec_broker::Config;
use mqttspec_broker::auth::{Credential, Users};
use mqttspec_broker::core::{Action, Input};
use mqttspec_codec::*;

/// The exchange and configuration for a mutant of this area, if it is one.
pub(super) fn script(id: &str) -> Option<(Script, Config)> {
    let limited = Config { maximum_qos: 1, ..Config::default() };
    let mut users = Users::default();
    users.insert("alice", Credential::derive("wonderland", b"alice-salt", 64));
    let scram = Config { users: Some(users), ..Config::default() };
    let anonymous_refused = Config { allow_anonymous: false, ..Config::default() };
    let short_ids = Config { max_client_id_length: Some(23), ..Config::default() };
    let imposed = Config { server_keep_alive: Some(1), ..Config::default() };
    let no_retain = Config { retain_available: false, ..Config::default() };
    Some(match id {
        "connack-before-version-known" | "connack-code-unchecked" | "disconnect-before-connack" => {
            (refusals, Config::default())
        }
        "accepted-with-nonzero-code"
        | "connack-on-second-connect"
        | "disconnect-without-close"
        | "response-information-unrequested"
        | "client-id-23-refused"
        | "resume-before-connack"
        | "takeover-ignores-clean-start"
        | "takeover-discards-session"
        | "session-state-discarded-while-connected" => (sessions, Config::default()),
        "will-kept-with-session" => (wills, Config::default()),
        "refused-connect-data-processed" => (refused, anonymous_refused),
        "client-id-refused-not-authorized" | "client-id-refusal-kept-open" => (long_id, short_ids),
        "server-keep-alive-not-announced" => (sessions, imposed),
        "will-qos-above-maximum-accepted" => (will_qos, limited),
        "auth-undefined-code"
        | "auth-continue-wrong-code"
        | "auth-rejection-kept-open"
        | "server-auth-omits-method" => (enhanced_auth, scram),
        "success-connack-without-method" | "reauth-failure-kept-open" => (reauthentication, scram),
        "retained-will-accepted" => (connects, no_retain),
        "refused-connection-kept-open" | "refusal-session-present" => (connects, anonymous_refused),
        "refusal-reports-stored-session" => (refused_resume, anonymous_refused),
        "second-connect-ignored"
        | "assigned-id-not-reported"
        | "assigned-id-reused"
        | "protocol-error-ignored"
        | "connack-missing"
        | "connack-reserved-flags-set"
        | "auth-method-advertised"
        | "unsupported-auth-method-accepted" => (connects, Config::default()),
        "second-connect-discards-session" => (second_connect, Config::default()),
        _ => return None,
    })
}

/// CONNECTs refused on a decoding fault: a 3.1.1 one with fixed-header flags 0001, a
/// 5.0 one whose fault (an invalid filter) has a code CONNACK lacks.
fn refusals(h: &mut H) {
    h.feed(Input::Open(1));
    let flags = violation(&[0x11, 0x0c, 0, 4, b'M', b'Q', b'T', b'T', 4, 2, 0, 60, 0, 0], Version::V3_1_1);
    h.feed(Input::Invalid(1, flags));
    h.feed(Input::Open(2));
    let filter = violation(&[0x82, 0x0b, 0, 1, 0, 0, 5, b'a', b'/', b'#', b'/', b'b', 0][..], Version::V5);
    h.feed(Input::Invalid(2, filter));
}

/// A session resumed with a message pending, taken over with each Clean Start, a
/// second CONNECT, a 23-byte ClientId, a subscription kept while connected.
fn sessions(h: &mut H) {
    let c = h.persistent("s");
    h.connect_with(1, c.clone());
    h.sub(1, "t", q(QoS::AtLeastOnce));
    h.connect(2, "p");
    h.feed(Input::Lost(1));
    h.publish(2, super::msg("t", "queued", QoS::AtLeastOnce, 1));
    h.connect_with(3, c.clone());
    h.connect_with(4, c.clone());
    let mut clean = h.persistent("s");
    clean.clean_start = true;
    h.connect_with(5, clean);
    h.publish(2, super::msg("t", "after-clean", QoS::AtLeastOnce, 2));
    let mut asks = h.client("rri");
    if h.v.is_v5() {
        asks.properties = props([Property::RequestResponseInformation(0)]);
    }
    h.connect_with(6, asks);
    h.connect(7, "abcdefghijklmnopqrstuvw");
    h.connect(8, "live");
    h.sub(8, "l", q(QoS::AtMostOnce));
    h.at(2);
    h.publish(2, super::msg("l", "still-subscribed", QoS::AtMostOnce, 0));
    h.packet(8, h.client("live"));
    h.publish(2, super::msg("l", "after-second-connect", QoS::AtMostOnce, 0));
}

/// A persistent client with a Will disconnects normally, comes back without one and
/// loses its connection.
fn wills(h: &mut H) {
    h.connect(1, "watch");
    h.sub(1, "w/#", q(QoS::AtMostOnce));
    let mut c = h.persistent("k");
    c.will = Some(Will {
        qos: QoS::AtMostOnce,
        retain: false,
        properties: Properties::new(),
        topic: "w/k".into(),
        payload: Bytes::from_static(b"old"),
    });
    h.connect_with(2, c);
    h.packet(2, Packet::Disconnect(Disconnect::default()));
    h.connect_with(3, h.persistent("k"));
    h.feed(Input::Lost(3));
}

/// A Will at QoS 2 on a server with Maximum QoS 1.
fn will_qos(h: &mut H) {
    let mut c = h.client("wq");
    c.will = Some(Will {
        qos: QoS::ExactlyOnce,
        retain: false,
        properties: Properties::new(),
        topic: "w".into(),
        payload: Bytes::new(),
    });
    h.connect_with(1, c);
}

/// A SCRAM exchange started, then answered with a wrong proof.
fn enhanced_auth(h: &mut H) {
    let mut c = h.client("sc");
    c.properties = props([
        Property::AuthenticationMethod("SCRAM-SHA-256".into()),
        Property::AuthenticationData(Bytes::from_static(b"n,,n=alice,r=clientnonce")),
    ]);
    h.connect_with(1, c);
    // The proof is wrong whatever the server's nonce: the authentication fails.
    let last = "c=biws,r=clientnonce,p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    h.packet(1, scram_auth(ReasonCode::CONTINUE_AUTHENTICATION, last.into()));
    h.packet(1, Packet::PingReq);
}

/// A CONNECT refused for want of a user name, followed at once by a PUBLISH.
fn refused(h: &mut H) {
    let mut w = h.client("watch");
    w.username = Some("user".into());
    h.connect_with(1, w);
    h.sub(1, "r", q(QoS::AtMostOnce));
    h.connect(2, "anonymous");
    h.publish(2, super::msg("r", "after-refusal", QoS::AtMostOnce, 0));
}

/// A ClientId longer than the server allows, then a PINGREQ on the same connection.
fn long_id(h: &mut H) {
    h.connect(1, "a-client-identifier-of-30-bytes");
    h.at(1);
    h.packet(1, Packet::PingReq);
}

/// The AUTH a client sends in a SCRAM-SHA-256 exchange.
fn scram_auth(code: ReasonCode, data: String) -> Packet {
    let properties = props([
        Property::AuthenticationMethod("SCRAM-SHA-256".into()),
        Property::AuthenticationData(Bytes::from(data.into_bytes())),
    ]);
    Packet::Auth(Auth { reason_code: code, properties })
}

/// Feeds `packet` on connection 1 and answers the server's AUTH with the client-final
/// message for `password`.
fn answer(h: &mut H, packet: Packet, bare: &str, password: &str) {
    let out = h.broker.handle(h.now, Input::Packet(1, packet));
    h.log.extend(out.iter().map(|a| format!("{:?} {a:?}", h.now)));
    let server_first = out.iter().find_map(|a| match a {
        Action::Send { packet: Packet::Auth(a), .. } => a.properties.authentication_data(),
        _ => None,
    });
    let Some(server_first) = server_first else { return };
    let server_first = String::from_utf8_lossy(&server_first).into_owned();
    let last = mqttspec_broker::auth::scram_client_final(password, bare, &server_first).unwrap_or_default();
    h.packet(1, scram_auth(ReasonCode::CONTINUE_AUTHENTICATION, last));
}

/// A completed SCRAM exchange, then a re-authentication with the wrong password.
fn reauthentication(h: &mut H) {
    let mut c = h.client("re");
    c.properties = props([
        Property::AuthenticationMethod("SCRAM-SHA-256".into()),
        Property::AuthenticationData(Bytes::from_static(b"n,,n=alice,r=one")),
    ]);
    h.feed(Input::Open(1));
    answer(h, Packet::Connect(Box::new(c)), "n=alice,r=one", "wonderland");
    let again = scram_auth(ReasonCode::RE_AUTHENTICATE, "n,,n=alice,r=two".into());
    answer(h, again, "n=alice,r=two", "wrong");
    h.packet(1, Packet::PingReq);
}

/// CONNECT edge cases: a second CONNECT, assigned identifiers, refusals, errors.
fn connects(h: &mut H) {
    h.connect(1, "a");
    h.packet(1, h.client("a"));
    h.connect(2, "");
    h.connect(3, "");
    let mut bad = h.client("auth");
    if h.v.is_v5() {
        bad.properties = props([Property::AuthenticationMethod("X-UNKNOWN".into())]);
    } else {
        bad.username = Some("nobody".into());
    }
    h.connect_with(4, bad);
    h.packet(4, h.client("again"));
    let mut w = h.client("w");
    w.will = Some(Will {
        retain: true,
        ..Will {
            qos: QoS::AtMostOnce,
            retain: false,
            properties: Properties::new(),
            topic: "w".into(),
            payload: Bytes::new(),
        }
    });
    h.connect_with(5, w);
    let bad = violation(&[0x30, 0x02, 0x00, 0x00], h.v);
    h.connect(6, "err");
    h.feed(Input::Invalid(6, bad));
    h.packet(6, Packet::PingReq);
}

/// A persistent session's connection closed by a second CONNECT, then resumed: the
/// session (Session Present, its subscription) must have outlived the close.
/// A client with a stored session, refused when it comes back without a user name.
fn refused_resume(h: &mut H) {
    let mut c = h.persistent("back");
    c.username = Some("someone".into());
    h.connect_with(1, c.clone());
    h.sub(1, "s/t", q(QoS::AtLeastOnce));
    h.feed(Input::Lost(1));
    c.username = None;
    h.connect_with(2, c);
}

fn second_connect(h: &mut H) {
    let c = h.persistent("twice");
    h.connect_with(1, c.clone());
    h.sub(1, "s/t", q(QoS::AtLeastOnce));
    h.packet(1, h.client("twice"));
    h.connect_with(2, c);
}
