//! Capability detection for external targets: what a 5.0 CONNACK announces, and for
//! 3.1.1 small probes (granted QoS, wildcard subscriptions, retained delivery).

use crate::format::model::Capability;
use crate::net::client::{Client, Event, Transcript};
use crate::net::connector::{Connector, Login};
use bytes::Bytes;
use mqttspec_codec::{
    Connect, Disconnect, Packet, Properties, Property, Publish, QoS, SubAck, Subscribe, Subscription, Version,
};
use std::collections::BTreeSet;
use std::time::Duration;

/// What probing found for one version: `None` when the target refuses that version.
pub type Probed = Option<BTreeSet<Capability>>;

async fn connect(
    addr: &Connector,
    login: Option<&Login>,
    v: Version,
    id: &str,
    timeout: Duration,
) -> Result<(Client, Packet), String> {
    connect_with(addr, login, Connect::new(v, id), timeout).await
}

async fn connect_with(
    addr: &Connector,
    login: Option<&Login>,
    mut connect: Connect,
    timeout: Duration,
) -> Result<(Client, Packet), String> {
    let v = connect.version;
    let mut c =
        Client::open("probe", addr, v, timeout, Transcript::default()).await.map_err(|e| e.to_string())?;
    if let Some(l) = login {
        l.apply(&mut connect);
    }
    let bytes = Packet::Connect(Box::new(connect)).to_bytes(v).map_err(|e| e.to_string())?;
    c.write(&bytes, String::new()).await.map_err(|e| e.to_string())?;
    match c.recv(timeout).await.map_err(|f| f.0)? {
        Event::Packet(p @ Packet::ConnAck(_)) => Ok((c, p)),
        other => Err(format!("no CONNACK: {other:?}")),
    }
}

async fn send(c: &mut Client, p: Packet) -> Result<(), String> {
    let bytes = p.to_bytes(c.version).map_err(|e| e.to_string())?;
    c.write(&bytes, String::new()).await.map_err(|e| e.to_string())
}

async fn next(c: &mut Client, timeout: Duration) -> Option<Packet> {
    match c.recv(timeout).await {
        Ok(Event::Packet(p)) => Some(p),
        _ => None,
    }
}

/// Capabilities a 5.0 target announces in CONNACK (absent properties mean "yes").
pub async fn probe_v5(addr: &Connector, login: Option<&Login>, prefix: &str, timeout: Duration) -> Probed {
    let (mut c, ack) = connect(addr, login, Version::V5, &format!("{prefix}p5"), timeout).await.ok()?;
    let Packet::ConnAck(ack) = ack else { return None };
    if ack.code.is_error() {
        return None;
    }
    let p = &ack.properties;
    let flag = |id| {
        p.get(id).is_none_or(|prop| {
            !matches!(
                prop,
                mqttspec_codec::Property::RetainAvailable(0)
                    | mqttspec_codec::Property::WildcardSubscriptionAvailable(0)
                    | mqttspec_codec::Property::SubscriptionIdentifierAvailable(0)
                    | mqttspec_codec::Property::SharedSubscriptionAvailable(0)
            )
        })
    };
    use mqttspec_codec::PropertyId as Id;
    let mut caps = BTreeSet::new();
    let max_qos = p.maximum_qos().unwrap_or(2);
    if max_qos >= 1 {
        caps.insert(Capability::Qos1);
    }
    if max_qos >= 2 {
        caps.insert(Capability::Qos2);
    }
    for (id, cap) in [
        (Id::RETAIN_AVAILABLE, Capability::Retain),
        (Id::WILDCARD_SUBSCRIPTION_AVAILABLE, Capability::Wildcards),
        (Id::SUBSCRIPTION_IDENTIFIER_AVAILABLE, Capability::SubscriptionIdentifiers),
        (Id::SHARED_SUBSCRIPTION_AVAILABLE, Capability::SharedSubscriptions),
    ] {
        if flag(id) {
            caps.insert(cap);
        }
    }
    if p.topic_alias_maximum().unwrap_or(0) > 0 {
        caps.insert(Capability::TopicAlias);
    }
    let _ = send(&mut c, Packet::Disconnect(Disconnect::default())).await;
    c.drop_connection().await;
    if empty_client_id_accepted(addr, login, Version::V5, timeout).await {
        caps.insert(Capability::EmptyClientId);
    }
    if small_maximum_packet_size_accepted(addr, login, &format!("{prefix}m5"), timeout).await {
        caps.insert(Capability::SmallMaximumPacketSize);
    }
    Some(caps)
}

/// Capabilities of a 3.1.1 target, found by trying them.
pub async fn probe_v311(addr: &Connector, login: Option<&Login>, prefix: &str, timeout: Duration) -> Probed {
    let (mut c, ack) = connect(addr, login, Version::V3_1_1, &format!("{prefix}p3"), timeout).await.ok()?;
    let Packet::ConnAck(ack) = ack else { return None };
    if ack.code.0 != 0 {
        return None;
    }
    let mut caps = BTreeSet::new();
    let topic = format!("mqttspec/probe/{prefix}");
    let subscribe = |id: u16, filter: String| {
        Packet::Subscribe(Subscribe {
            packet_id: id,
            properties: Default::default(),
            filters: vec![Subscription::new(filter, QoS::ExactlyOnce)],
        })
    };
    // Granted QoS of a plain filter says which QoS levels the target supports.
    send(&mut c, subscribe(1, format!("{topic}/r"))).await.ok()?;
    if let Some(Packet::SubAck(SubAck { codes, .. })) = next(&mut c, timeout).await {
        match codes.first().map(|c| c.0) {
            Some(2) => {
                caps.insert(Capability::Qos1);
                caps.insert(Capability::Qos2);
            }
            Some(1) => {
                caps.insert(Capability::Qos1);
            }
            _ => {}
        }
    }
    send(&mut c, subscribe(2, format!("{topic}/+"))).await.ok()?;
    if let Some(Packet::SubAck(SubAck { codes, .. })) = next(&mut c, timeout).await {
        if codes.first().is_some_and(|c| c.0 != 0x80) {
            caps.insert(Capability::Wildcards);
        }
    }
    // A retained message must come back, flagged, to a fresh subscription.
    let mut p = Publish::new(format!("{topic}/kept"), Bytes::from_static(b"probe"));
    p.retain = true;
    send(&mut c, Packet::Publish(p)).await.ok()?;
    // Drain the live copy delivered to the wildcard subscription.
    let _ = next(&mut c, timeout / 4).await;
    send(&mut c, subscribe(3, format!("{topic}/kept"))).await.ok()?;
    let mut got_retained = false;
    for _ in 0..3 {
        match next(&mut c, timeout / 2).await {
            Some(Packet::Publish(p)) if p.retain => {
                got_retained = true;
                break;
            }
            Some(_) => continue,
            None => break,
        }
    }
    if got_retained {
        caps.insert(Capability::Retain);
        let mut clear = Publish::new(format!("{topic}/kept"), Bytes::new());
        clear.retain = true;
        let _ = send(&mut c, Packet::Publish(clear)).await;
    }
    let _ = send(&mut c, Packet::Disconnect(Disconnect::default())).await;
    c.drop_connection().await;
    if empty_client_id_accepted(addr, login, Version::V3_1_1, timeout).await {
        caps.insert(Capability::EmptyClientId);
    }
    Some(caps)
}

/// Whether the target accepts a zero-length ClientId with a clean session (a server
/// MAY refuse it: MQTT-3.1.3-6).
async fn empty_client_id_accepted(
    addr: &Connector,
    login: Option<&Login>,
    v: Version,
    timeout: Duration,
) -> bool {
    let Ok((mut c, Packet::ConnAck(ack))) = connect(addr, login, v, "", timeout).await else { return false };
    let _ = send(&mut c, Packet::Disconnect(Disconnect::default())).await;
    c.drop_connection().await;
    ack.code.0 == 0
}

/// Whether the target accepts a 5.0 client whose Maximum Packet Size is 5 bytes (a
/// server MAY refuse it: §3.1.4). Any success counts, even a CONNACK above the limit:
/// that one the cases fail as a broker fault (MQTT-3.1.2-24), it is no lack.
async fn small_maximum_packet_size_accepted(
    addr: &Connector,
    login: Option<&Login>,
    id: &str,
    timeout: Duration,
) -> bool {
    let mut connect = Connect::new(Version::V5, id);
    connect.properties = Properties::build([Property::MaximumPacketSize(5)]).unwrap_or_default();
    let Ok((mut c, Packet::ConnAck(ack))) = connect_with(addr, login, connect, timeout).await else {
        return false;
    };
    let _ = send(&mut c, Packet::Disconnect(Disconnect::default())).await;
    c.drop_connection().await;
    ack.code.0 == 0
}
