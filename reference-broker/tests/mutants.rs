//! The statement mutants (`--features mutants`): well-formed ids, statements that
//! exist in the catalogue of their version, and — for every behaviour mutant — a
//! small exchange with the deterministic core whose transcript differs from the
//! correct broker's, in every version the mutant claims to break.
#![cfg(feature = "mutants")]

use bytes::Bytes;
use mqttspec_broker::Config;
use mqttspec_broker::core::{Action, Broker, ConnId, Input};
use mqttspec_broker::mutants::{self, Mutant};
use mqttspec_codec::*;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Duration;

#[path = "mutants/flows.rs"]
mod flows;
#[path = "mutants/problems.rs"]
mod problems;

#[derive(serde::Deserialize)]
struct Statement {
    id: String,
}

fn catalogue(file: &str) -> BTreeSet<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let list: Vec<Statement> = serde_yaml::from_str(&text).unwrap();
    list.into_iter().map(|s| s.id).collect()
}

#[test]
fn ids_are_unique_kebab_case_and_statements_exist() {
    let (v3, v5) = (catalogue("mqtt-3.1.1-statements.yaml"), catalogue("mqtt-5.0-statements.yaml"));
    let all = mutants::all();
    let mut seen = HashSet::new();
    for m in &all {
        assert!(seen.insert(m.id), "duplicate id {}", m.id);
        let kebab =
            m.id.split('-')
                .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert!(kebab, "{} is not kebab-case", m.id);
        assert!(!m.description.is_empty(), "{} has no description", m.id);
        for id in m.v311 {
            assert!(v3.contains(*id), "{}: {id} is not a 3.1.1 statement", m.id);
        }
        for id in m.v5 {
            assert!(v5.contains(*id), "{}: {id} is not a 5.0 statement", m.id);
        }
        assert_eq!(mutants::find(m.id).as_ref(), Some(m));
    }
    assert!(mutants::find("no-such-mutant").is_none());
    let decoders = all.iter().filter(|m| m.id.starts_with("decoder-skip-")).count();
    assert_eq!(decoders, mutants::decoder::rules().count());
    assert!(all.len() - decoders >= 60, "{} behaviour mutants", all.len() - decoders);
}

#[test]
fn every_behaviour_mutant_violates_something() {
    // The WebSocket mutants act in the driver's bridge, not the core: the scenarios
    // of 6-websocket kill them over a real WebSocket (scenarios/tests/mutants.rs).
    let core = |m: &&Mutant| !m.id.starts_with("decoder-skip-") && !m.id.starts_with("ws-");
    for m in mutants::all().iter().filter(core) {
        assert!(!(m.v311.is_empty() && m.v5.is_empty()), "{} violates no statement", m.id);
    }
}

#[test]
fn decoder_mutants_follow_the_codec_rules() {
    let m = mutants::find("decoder-skip-publish-qos3").expect("PublishQos3 has a mutant");
    assert_eq!((m.v311, m.v5), (&["MQTT-3.3.1-4"][..], &["MQTT-3.3.1-4"][..]));
    let m = mutants::find("decoder-skip-var-int-not-minimal").unwrap();
    assert_eq!((m.v311, m.v5), (&[][..], &["MQTT-1.5.5-1"][..]));
    // Rules about what only a server sends, and rules nothing can follow, have none.
    assert!(mutants::find("decoder-skip-connack-code").is_none());
    assert!(mutants::find("decoder-skip-truncated").is_none());
    // An equivalent mutant (the core makes the same check with the same answer) has
    // none either, and says why.
    assert!(mutants::find("decoder-skip-auth-code").is_none());
    assert!(mutants::decoder::equivalent(Rule::AuthCode).is_some());
}

/// Drives a broker and keeps every action, as the transcript to compare.
struct H {
    broker: Broker,
    now: Duration,
    log: Vec<String>,
    v: Version,
}

impl H {
    fn new(config: Config, v: Version) -> H {
        H { broker: Broker::new(config), now: Duration::ZERO, log: Vec::new(), v }
    }

    fn feed(&mut self, input: Input) {
        let out: Vec<Action> = self.broker.handle(self.now, input);
        self.log.extend(out.iter().map(|a| format!("{:?} {a:?}", self.now)));
    }

    fn at(&mut self, secs: u64) {
        self.now = Duration::from_secs(secs);
        self.feed(Input::Tick);
    }

    fn packet(&mut self, conn: ConnId, p: impl Into<Packet>) {
        self.feed(Input::Packet(conn, p.into()));
    }

    fn connect_with(&mut self, conn: ConnId, c: Connect) {
        self.feed(Input::Open(conn));
        self.packet(conn, c);
    }

    fn client(&self, id: &str) -> Connect {
        Connect::new(self.v, id)
    }

    /// A client whose session outlives its connection.
    fn persistent(&self, id: &str) -> Connect {
        let mut c = self.client(id);
        c.clean_start = false;
        if self.v.is_v5() {
            c.properties = props([Property::SessionExpiryInterval(100)]);
        }
        c
    }

    fn connect(&mut self, conn: ConnId, id: &str) {
        let c = self.client(id);
        self.connect_with(conn, c);
    }

    fn sub(&mut self, conn: ConnId, filter: &str, options: SubscriptionOptions) {
        let s = Subscription { filter: filter.into(), options };
        self.packet(
            conn,
            Packet::Subscribe(Subscribe { packet_id: 9, properties: Properties::new(), filters: vec![s] }),
        );
    }

    fn publish(&mut self, conn: ConnId, p: Publish) {
        self.packet(conn, Packet::Publish(p));
    }
}

fn props(p: impl IntoIterator<Item = Property>) -> Properties {
    Properties::build(p).unwrap()
}

fn q(qos: QoS) -> SubscriptionOptions {
    SubscriptionOptions::qos(qos)
}

fn msg(topic: &str, payload: &'static str, qos: QoS, pid: u16) -> Publish {
    Publish {
        qos,
        packet_id: (qos != QoS::AtMostOnce).then_some(pid),
        ..Publish::new(topic, Bytes::from_static(payload.as_bytes()))
    }
}

fn retained(topic: &str, payload: &'static str) -> Publish {
    Publish { retain: true, ..msg(topic, payload, QoS::AtMostOnce, 0) }
}

/// QoS flows in both directions: downgrades, identifiers, acknowledgements, DUP,
/// duplicates, the send window, PINGREQ.
fn flows(h: &mut H) {
    let mut s = h.client("s");
    if h.v.is_v5() {
        s.properties = props([Property::ReceiveMaximum(1)]);
    }
    h.connect_with(1, s);
    h.sub(1, "t", q(QoS::AtLeastOnce));
    h.connect(2, "s2");
    h.sub(2, "u", q(QoS::ExactlyOnce));
    h.connect(3, "p");
    h.publish(3, msg("t", "q2", QoS::ExactlyOnce, 8));
    h.publish(3, Publish { dup: true, ..msg("t", "q2", QoS::ExactlyOnce, 8) });
    h.packet(3, Packet::PubRel(Ack::new(8)));
    h.publish(3, msg("t", "q1", QoS::AtLeastOnce, 7));
    h.publish(3, msg("t", "q0", QoS::AtMostOnce, 0));
    h.publish(3, msg("u", "u0", QoS::AtMostOnce, 0));
    h.publish(3, msg("u", "u1", QoS::ExactlyOnce, 10));
    h.publish(3, msg("u", "u2", QoS::ExactlyOnce, 11));
    h.packet(2, Packet::PubRec(Ack::new(1)));
    h.packet(2, Packet::PubComp(Ack::new(1)));
    h.packet(1, Packet::PingReq);
    h.packet(1, Packet::PubAck(Ack::new(1)));
}

/// Sessions: queueing while offline, resumption, Session Present, Clean Start,
/// take-over, expiry.
fn sessions(h: &mut H) {
    let c = h.persistent("c");
    h.connect_with(1, c.clone());
    h.sub(1, "t", q(QoS::AtLeastOnce));
    h.sub(1, "u", q(QoS::ExactlyOnce));
    h.connect(2, "p");
    h.publish(2, msg("t", "unacked", QoS::AtLeastOnce, 1));
    h.publish(2, msg("u", "released", QoS::ExactlyOnce, 2));
    h.packet(1, Packet::PubRec(Ack::new(2)));
    h.feed(Input::Lost(1));
    for (i, payload) in ["one", "two", "three"].into_iter().enumerate() {
        h.publish(2, msg("t", payload, QoS::AtLeastOnce, 10 + i as u16));
    }
    h.connect_with(3, c.clone());
    h.connect_with(4, c.clone());
    h.connect_with(5, h.persistent("new"));
    let mut clean = h.client("c");
    clean.clean_start = true;
    h.connect_with(6, clean);
    h.publish(2, msg("t", "after-clean", QoS::AtLeastOnce, 20));
    h.feed(Input::Lost(6));
    h.connect_with(7, h.persistent("c"));
    h.connect(8, "e");
    h.feed(Input::Lost(8));
    h.connect_with(9, h.persistent("e"));
}

/// Retained messages: storing, replacing, clearing, flags, on subscribe.
fn retain(h: &mut H) {
    h.connect(1, "live");
    h.sub(1, "r/#", q(QoS::AtMostOnce));
    h.connect(2, "p");
    h.publish(2, retained("r/a", "1"));
    h.publish(2, retained("r/a", "2"));
    h.publish(2, retained("r/b", "x"));
    h.publish(2, retained("r/b", ""));
    h.publish(2, msg("r/c", "not-retained", QoS::AtMostOnce, 0));
    h.publish(2, retained("s/x", "elsewhere"));
    h.packet(2, Packet::Disconnect(Disconnect::default()));
    h.connect(3, "new");
    h.sub(3, "r/+", q(QoS::AtMostOnce));
    h.sub(3, "r/+", q(QoS::AtMostOnce));
    h.connect(4, "p2");
    h.publish(4, msg("r/a", "live", QoS::AtMostOnce, 0));
    if h.v.is_v5() {
        let rh = |r| q(QoS::AtMostOnce).with_retain_handling(r);
        h.connect(5, "rh");
        h.sub(5, "r/+", rh(RetainHandling::SendIfNew));
        h.sub(5, "r/+", rh(RetainHandling::SendIfNew));
        h.sub(5, "r/#", rh(RetainHandling::DoNotSend));
        h.connect(6, "rap");
        h.sub(6, "r/#", q(QoS::AtMostOnce).with_retain_as_published(true));
        h.sub(4, "r/#", q(QoS::AtMostOnce).with_no_local(true));
        h.publish(4, retained("r/a", "3"));
    }
}

/// Wills: after DISCONNECT, after a lost connection, after a protocol error, delays,
/// Will Retain.
fn wills(h: &mut H) {
    h.connect(1, "watch");
    h.sub(1, "w/#", q(QoS::AtMostOnce));
    let will = |h: &H, id: &str, retain: bool, delay: u32| {
        let mut c = h.persistent(id);
        let properties =
            if h.v.is_v5() { props([Property::WillDelayInterval(delay)]) } else { Properties::new() };
        let topic = format!("w/{id}");
        c.will = Some(Will {
            qos: QoS::AtMostOnce,
            retain,
            properties,
            topic: topic.as_str().into(),
            payload: Bytes::from_static(b"bye"),
        });
        c
    };
    let c = will(h, "normal", false, 0);
    h.connect_with(2, c);
    h.packet(2, Packet::Disconnect(Disconnect::default()));
    let c = will(h, "lost", true, 0);
    h.connect_with(3, c);
    h.feed(Input::Lost(3));
    let c = will(h, "error", false, 0);
    h.connect_with(4, c);
    let bad = *Packet::decode(&Bytes::from_static(&[0x30, 0x02, 0x00, 0x00]), &DecodeOptions::new(h.v))
        .unwrap_err()
        .violation()
        .unwrap();
    h.feed(Input::Invalid(4, bad));
    let c = will(h, "delayed", false, 5);
    h.connect_with(5, c.clone());
    h.feed(Input::Lost(5));
    h.at(1);
    let c2 = will(h, "cancelled", false, 5);
    h.connect_with(6, c2.clone());
    h.feed(Input::Lost(6));
    h.at(2);
    h.connect_with(7, c2);
    h.at(10);
    h.connect(8, "sub");
    h.sub(8, "w/#", q(QoS::AtMostOnce));
}

/// Keep alive 10 s: silent until 16 s.
fn keep_alive(h: &mut H) {
    let mut c = h.client("k");
    c.keep_alive = 10;
    h.connect_with(1, c);
    h.at(11);
    h.at(16);
}

/// Every matching rule of §4.7, one subscriber each.
fn topics(h: &mut H) {
    let cases = [
        ("a/+", "a/b/c"),
        ("e/+/f", "e//f"),
        ("h/#", "h"),
        ("p/q", "p/q/r"),
        ("+/sys", "$SYS/sys"),
        ("#", "$SYS/x"),
        ("m//n", "m/n"),
        ("Case/T", "case/t"),
        ("\u{FEFF}bom", "bom"),
        ("full", "\u{FF46}ull"),
        ("\u{FEFF}z", "\u{FEFF}z"),
    ];
    h.connect(100, "p");
    for (i, (filter, _)) in cases.iter().enumerate() {
        h.connect(i as ConnId + 1, &format!("s{i}"));
        h.sub(i as ConnId + 1, filter, q(QoS::AtMostOnce));
    }
    for (_, topic) in cases {
        h.publish(100, msg(topic, "m", QoS::AtMostOnce, 0));
    }
}

/// SUBSCRIBE and UNSUBSCRIBE on a broker with Maximum QoS 1.
fn subscriptions(h: &mut H) {
    h.connect(1, "s");
    let filters = vec![Subscription::new("a", QoS::ExactlyOnce), Subscription::new("b", QoS::AtMostOnce)];
    h.packet(1, Packet::Subscribe(Subscribe { packet_id: 5, properties: Properties::new(), filters }));
    h.sub(1, "x/+", q(QoS::AtMostOnce));
    h.sub(1, "x/y", q(QoS::AtMostOnce));
    let unsub = |pid, f: &[&str]| {
        Packet::Unsubscribe(Unsubscribe {
            packet_id: pid,
            properties: Properties::new(),
            filters: f.iter().map(|f| (*f).into()).collect(),
        })
    };
    h.packet(1, unsub(6, &["x/+", "b"]));
    h.packet(1, unsub(7, &["nothing"]));
    h.connect(2, "p");
    for t in ["x/y", "x/z", "b"] {
        h.publish(2, msg(t, "m", QoS::AtMostOnce, 0));
    }
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
    let bad = *Packet::decode(&Bytes::from_static(&[0x30, 0x02, 0x00, 0x00]), &DecodeOptions::new(h.v))
        .unwrap_err()
        .violation()
        .unwrap();
    h.connect(6, "err");
    h.feed(Input::Invalid(6, bad));
    h.packet(6, Packet::PingReq);
}

/// 5.0 delivery features: overlapping subscriptions, identifiers, shared
/// subscriptions, forwarded properties, expiry, aliases, limits.
fn features(h: &mut H) {
    h.connect(1, "o");
    let with_id = |id: u32| props([Property::SubscriptionIdentifier(id)]);
    for (filter, qos, id) in [("o/#", QoS::AtMostOnce, 5), ("o/+", QoS::ExactlyOnce, 6)] {
        let s = Subscription::new(filter, qos);
        let properties = if h.v.is_v5() { with_id(id) } else { Properties::new() };
        h.packet(1, Packet::Subscribe(Subscribe { packet_id: 2, properties, filters: vec![s] }));
    }
    if h.v.is_v5() {
        h.sub(1, "$share/g/sh", q(QoS::AtMostOnce));
    }
    let mut small = h.client("small");
    if h.v.is_v5() {
        small.properties = props([Property::TopicAliasMaximum(1), Property::MaximumPacketSize(40)]);
    }
    h.connect_with(2, small);
    h.sub(2, "o/#", q(QoS::AtMostOnce));
    h.connect(3, "none");
    h.sub(3, "o/#", q(QoS::AtMostOnce));
    let c = h.persistent("late");
    h.connect_with(4, c.clone());
    h.sub(4, "o/#", q(QoS::AtLeastOnce));
    h.feed(Input::Lost(4));
    h.connect(10, "p");
    let mut p = msg("o/x", "m", QoS::ExactlyOnce, 1);
    if h.v.is_v5() {
        p.properties = props([
            Property::PayloadFormatIndicator(1),
            Property::MessageExpiryInterval(10),
            Property::ResponseTopic("re".into()),
            Property::CorrelationData(Bytes::from_static(b"cd")),
            Property::UserProperty("k".into(), "1".into()),
            Property::UserProperty("k".into(), "2".into()),
            Property::ContentType("ct".into()),
        ]);
    }
    h.publish(10, p);
    let mut short = msg("o/y", "short-lived", QoS::AtLeastOnce, 2);
    if h.v.is_v5() {
        short.properties = props([Property::MessageExpiryInterval(2)]);
    }
    h.publish(10, short);
    h.publish(
        10,
        msg("o/z", "a payload far too long for a forty-byte maximum packet size", QoS::AtMostOnce, 0),
    );
    h.publish(10, msg("sh", "shared", QoS::AtLeastOnce, 3));
    h.now = Duration::from_secs(5);
    h.connect_with(4, c);
    if h.v.is_v5() {
        let alias = |topic: &str, payload| Publish {
            properties: props([Property::TopicAlias(1)]),
            ..msg(topic, payload, QoS::AtMostOnce, 0)
        };
        let pc = h.persistent("aliaser");
        h.connect_with(11, pc.clone());
        h.publish(11, alias("o/a", "first"));
        h.publish(11, alias("", "again"));
        h.feed(Input::Lost(11));
        h.connect_with(12, pc);
        h.publish(12, alias("", "carried"));
    }
}

/// Refused subscriptions (wildcards unsupported), and UNSUBSCRIBE of messages in flight.
fn refusals(h: &mut H) {
    h.connect_with(1, h.persistent("s"));
    let subs = |f: &[(&str, QoS)]| f.iter().map(|(f, q)| Subscription::new(*f, *q)).collect::<Vec<_>>();
    let filters = subs(&[("a", QoS::ExactlyOnce), ("x/+", QoS::AtLeastOnce), ("y/#", QoS::AtMostOnce)]);
    h.packet(1, Packet::Subscribe(Subscribe { packet_id: 5, properties: Properties::new(), filters }));
    h.connect(2, "p");
    for (pid, t) in [(3, "a"), (4, "x/y"), (5, "y/z")] {
        h.publish(2, msg(t, "m", QoS::ExactlyOnce, pid));
    }
    let filters = vec!["nothing".into(), "a".into()];
    h.packet(1, Packet::Unsubscribe(Unsubscribe { packet_id: 6, properties: Properties::new(), filters }));
    h.feed(Input::Lost(1));
    h.connect_with(3, h.persistent("s"));
}

/// Shared subscriptions: a QoS 2 message in flight when the connection breaks and
/// the session ends, and messages the member refuses.
fn shared(h: &mut H) {
    let mut a = h.persistent("a");
    a.properties = props([Property::SessionExpiryInterval(5)]);
    h.connect_with(1, a);
    h.sub(1, "$share/g/t", q(QoS::ExactlyOnce));
    h.connect(2, "p");
    h.publish(2, msg("t", "kept", QoS::ExactlyOnce, 1));
    h.publish(2, msg("t", "refused", QoS::AtLeastOnce, 2));
    h.connect(3, "b");
    h.sub(3, "$share/g/t", q(QoS::ExactlyOnce));
    h.packet(1, Packet::PubAck(Ack { reason_code: ReasonCode(0x80), ..Ack::new(2) }));
    h.feed(Input::Lost(1));
    h.at(10);
}

type Script = fn(&mut H);

#[path = "mutants/conn.rs"]
mod conn;

/// The exchange that shows each behaviour mutant, and the configuration to run it on.
fn script(id: &str) -> Option<(Script, Config)> {
    if let Some(found) = flows::script(id) {
        return Some(found);
    }
    let limited = Config { maximum_qos: 1, ..Config::default() };
    let no_retain = Config { retain_available: false, ..Config::default() };
    let anonymous_refused = Config { allow_anonymous: false, ..Config::default() };
    let s: Script = match id {
        "deliver-at-published-qos"
        | "deliver-at-granted-qos"
        | "downgrade-to-qos-0"
        | "qos2-redelivered-on-duplicate"
        | "dup-on-first-send"
        | "qos0-with-dup"
        | "resend-on-ping"
        | "packet-id-reused"
        | "puback-wrong-id"
        | "puback-missing"
        | "pubrec-wrong-id"
        | "pubrec-missing"
        | "pubcomp-wrong-id"
        | "pubcomp-missing"
        | "pubrel-wrong-id"
        | "pubrel-missing"
        | "pingresp-missing"
        | "receive-maximum-ignored" => flows,
        "offline-messages-lost"
        | "no-resend-on-resume"
        | "no-pubrel-resend-on-resume"
        | "resend-without-dup"
        | "reordered-delivery"
        | "session-present-always-0"
        | "session-present-on-new-session"
        | "clean-start-keeps-session"
        | "session-not-kept"
        | "session-never-expires"
        | "takeover-keeps-old-connection"
        | "takeover-without-disconnect"
        | "takeover-disconnect-session-expiry"
        | "new-session-not-kept"
        | "session-keyed-by-connection" => sessions,
        "retained-not-replaced"
        | "retained-not-cleared"
        | "retained-empty-stored"
        | "retained-empty-not-forwarded"
        | "non-retained-stored"
        | "retain-flag-on-live-delivery"
        | "retain-flag-cleared-on-subscribe"
        | "retained-not-sent-on-subscribe"
        | "retained-sent-for-any-filter"
        | "retained-dropped-with-session"
        | "resubscribe-duplicates"
        | "resubscribe-no-retained"
        | "retain-handling-1-ignored"
        | "retain-handling-2-ignored"
        | "retain-as-published-ignored"
        | "no-local-ignored" => retain,
        "will-on-normal-disconnect"
        | "will-not-on-abrupt-close"
        | "will-not-on-protocol-error"
        | "will-delay-ignored"
        | "will-not-cancelled-by-reconnect"
        | "will-retain-ignored"
        | "will-always-retained"
        | "will-not-stored" => wills,
        "keep-alive-not-enforced" | "keep-alive-without-grace" => keep_alive,
        "plus-matches-many-levels"
        | "plus-skips-empty-level"
        | "hash-excludes-parent"
        | "filter-prefix-matches"
        | "plus-matches-dollar-topics"
        | "hash-matches-dollar-topics"
        | "empty-levels-collapsed"
        | "case-insensitive-matching"
        | "topics-normalised"
        | "bom-stripped" => topics,
        "suback-wrong-id"
        | "suback-per-filter"
        | "suback-missing"
        | "suback-code-above-maximum-qos"
        | "suback-code-above-requested"
        | "suback-codes-reversed"
        | "subscribe-first-filter-only"
        | "subscribe-refused-above-maximum-qos"
        | "unsuback-wrong-id"
        | "unsuback-missing"
        | "unsuback-only-if-removed"
        | "unsubscribe-ignored"
        | "unsubscribe-matches-wildcards"
        | "unsubscribe-first-filter-only"
        | "maximum-qos-not-advertised" => {
            return Some((subscriptions, limited));
        }
        "unsupported-wildcard-granted"
        | "unsupported-plus-granted"
        | "suback-v5-code-in-v311"
        | "suback-single-refusal-code"
        | "unsubscribe-drops-inflight"
        | "unsuback-codes-reversed"
        | "unsuback-without-codes" => {
            return Some((refusals, Config { wildcard_subscription_available: false, ..Config::default() }));
        }
        "shared-qos2-moved-on-loss" | "shared-qos2-moved-at-session-end" | "shared-refused-rerouted" => {
            shared
        }
        "retained-will-accepted" => return Some((connects, no_retain)),
        "refused-connection-kept-open" | "refusal-session-present" => {
            return Some((connects, anonymous_refused));
        }
        "second-connect-ignored"
        | "assigned-id-not-reported"
        | "assigned-id-reused"
        | "protocol-error-ignored"
        | "connack-missing"
        | "connack-reserved-flags-set"
        | "auth-method-advertised"
        | "unsupported-auth-method-accepted" => connects,
        "overlap-lowest-qos"
        | "shared-ignores-granted-qos"
        | "subscription-id-not-forwarded"
        | "subscription-ids-first-only"
        | "separate-copies-first-id"
        | "message-expiry-not-enforced"
        | "message-expiry-not-decremented"
        | "user-properties-reversed"
        | "user-properties-dropped"
        | "payload-format-dropped"
        | "response-topic-dropped"
        | "correlation-data-dropped"
        | "content-type-dropped"
        | "topic-alias-ignored"
        | "topic-alias-carried-over"
        | "server-alias-above-maximum"
        | "server-alias-without-maximum"
        | "maximum-packet-size-ignored"
        | "oversize-disconnects" => features,
        id if problems::drives(id) => return Some((problems::script, problems::config())),
        _ => return conn::script(id),
    };
    Some((s, Config::default()))
}

fn transcript(s: Script, config: Config, mutant: Option<&Mutant>, v: Version) -> Vec<String> {
    let config = Config { mutant: mutant.map(|m| m.id.to_string()), ..config };
    config.validate().unwrap();
    let mut h = H::new(config, v);
    s(&mut h);
    h.log
}

#[test]
fn every_behaviour_mutant_changes_what_the_broker_does() {
    let mut survivors: BTreeMap<&str, Vec<Version>> = BTreeMap::new();
    // The WebSocket mutants act in the driver's bridge, not the core: the scenarios
    // of 6-websocket kill them over a real WebSocket (scenarios/tests/mutants.rs).
    let core = |m: &&Mutant| !m.id.starts_with("decoder-skip-") && !m.id.starts_with("ws-");
    for m in mutants::all().iter().filter(core) {
        let (s, config) = script(m.id).unwrap_or_else(|| panic!("{}: no exchange drives it", m.id));
        for (v, statements) in [(Version::V3_1_1, m.v311), (Version::V5, m.v5)] {
            if statements.is_empty() {
                continue;
            }
            let correct = transcript(s, config.clone(), None, v);
            if transcript(s, config.clone(), Some(m), v) == correct {
                survivors.entry(m.id).or_default().push(v);
            }
        }
    }
    assert!(survivors.is_empty(), "mutants that change nothing: {survivors:?}");
}
