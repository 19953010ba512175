//! The deterministic core, driven directly: packets and time in, actions out. No
//! sockets and no sleeping; `now` is whatever the test says. Every packet the core
//! emits is encoded and decoded again with the strict codec.

use bytes::Bytes;
use mqttspec_broker::Config;
use mqttspec_broker::core::{Action, Broker, ConnId, Input};
use mqttspec_codec::*;
use std::time::Duration;

struct Harness {
    broker: Broker,
    now: Duration,
}

impl Harness {
    fn new(config: Config) -> Self {
        Harness { broker: Broker::new(config), now: Duration::ZERO }
    }

    fn at(&mut self, secs: f64) -> Vec<Action> {
        self.now = Duration::from_secs_f64(secs);
        self.feed(Input::Tick)
    }

    /// Feeds an input; checks every packet out survives the strict codec.
    fn feed(&mut self, input: Input) -> Vec<Action> {
        let actions = self.broker.handle(self.now, input);
        for a in &actions {
            if let Action::Send { version, packet, .. } = a {
                let bytes = packet.to_bytes(*version).expect("core packets encode");
                let v = if *version == Version::V3_1 { Version::V3_1_1 } else { *version };
                let opts = DecodeOptions::new(v).with_role(Role::Client);
                assert_eq!(&Packet::decode(&bytes, &opts).expect("strictly valid"), packet);
            }
        }
        actions
    }

    fn packet(&mut self, conn: ConnId, p: Packet) -> Vec<Action> {
        self.feed(Input::Packet(conn, p))
    }

    fn connect(&mut self, conn: ConnId, c: Connect) -> Vec<Action> {
        self.feed(Input::Open(conn));
        let out = self.packet(conn, Packet::Connect(Box::new(c)));
        assert!(matches!(sent(&out, conn).first(), Some(Packet::ConnAck(a)) if a.code.0 == 0), "{out:?}");
        out
    }

    fn subscribe(&mut self, conn: ConnId, filter: &str, qos: QoS) {
        let s = Subscribe {
            packet_id: 1,
            properties: Properties::new(),
            filters: vec![Subscription::new(filter, qos)],
        };
        let out = self.packet(conn, Packet::Subscribe(s));
        assert!(matches!(sent(&out, conn).first(), Some(Packet::SubAck(_))));
    }
}

fn sent(actions: &[Action], to: ConnId) -> Vec<Packet> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Send { conn, packet, .. } if *conn == to => Some(packet.clone()),
            _ => None,
        })
        .collect()
}

fn closed(actions: &[Action], who: ConnId) -> bool {
    actions.iter().any(|a| *a == Action::Close(who))
}

fn v5(id: &str) -> Connect {
    Connect::new(Version::V5, id)
}

/// A 5.0 client with a session that outlives its connection by `expiry` seconds,
/// connected on `conn` and subscribed to `t` at QoS 1; returns its CONNECT for
/// reconnecting.
fn persistent_subscriber(h: &mut Harness, conn: ConnId, id: &str, expiry: u32) -> Connect {
    let mut c = v5(id);
    c.clean_start = false;
    c.properties = props([Property::SessionExpiryInterval(expiry)]);
    h.connect(conn, c.clone());
    h.subscribe(conn, "t", QoS::AtLeastOnce);
    c
}

fn props(p: impl IntoIterator<Item = Property>) -> Properties {
    Properties::build(p).unwrap()
}

fn with_will(mut c: Connect, topic: &str, will_props: Properties) -> Connect {
    c.will = Some(Will {
        qos: QoS::AtMostOnce,
        retain: false,
        properties: will_props,
        topic: topic.into(),
        payload: Bytes::from_static(b"bye"),
    });
    c
}

fn publishes(p: &[Packet]) -> Vec<&Publish> {
    p.iter()
        .filter_map(|p| match p {
            Packet::Publish(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn connack(out: &[Action], conn: ConnId) -> ConnAck {
    match sent(out, conn).first() {
        Some(Packet::ConnAck(a)) => a.clone(),
        other => panic!("expected CONNACK, got {other:?}"),
    }
}

#[path = "core/aliases.rs"]
mod aliases;
#[path = "core/auth.rs"]
mod auth;
#[path = "core/flows.rs"]
mod flows;
#[path = "core/timers.rs"]
mod timers;
