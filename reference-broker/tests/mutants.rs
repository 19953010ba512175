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

#[path = "mutants/conn.rs"]
mod conn;
#[path = "mutants/features.rs"]
mod features;
#[path = "mutants/flows.rs"]
mod flows;
#[path = "mutants/problems.rs"]
mod problems;
#[path = "mutants/retain.rs"]
mod retain;
#[path = "mutants/sessions.rs"]
mod sessions;
#[path = "mutants/subscriptions.rs"]
mod subscriptions;

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

/// The violation the strict decoder of version `v` finds in `bytes`.
fn violation(bytes: &'static [u8], v: Version) -> Violation {
    *Packet::decode(&Bytes::from_static(bytes), &DecodeOptions::new(v)).unwrap_err().violation().unwrap()
}

type Script = fn(&mut H);

/// The exchange that shows each behaviour mutant, and the configuration to run it on.
fn script(id: &str) -> Option<(Script, Config)> {
    flows::script(id)
        .or_else(|| sessions::script(id))
        .or_else(|| retain::script(id))
        .or_else(|| subscriptions::script(id))
        .or_else(|| features::script(id))
        .or_else(|| problems::drives(id).then(|| (problems::script as Script, problems::config())))
        .or_else(|| conn::script(id))
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
