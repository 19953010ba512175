//! A bounded load generator: pairs of publishers and subscribers exchange QoS 1
//! messages over loopback; every message must arrive exactly once and in order.
//! It measures throughput; it never asserts on time.

use crate::net::client::{Client, Event, Transcript};
use crate::net::connector::Connector;
use bytes::Bytes;
use mqttspec_codec::{Ack, Connect, Packet, Publish, QoS, Subscribe, Subscription, Version};
use std::time::{Duration, Instant};

/// What a load run did.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Connections open at the same time.
    pub connections: usize,
    /// Messages published.
    pub published: u64,
    /// Messages received by subscribers.
    pub delivered: u64,
    /// Messages missing or out of order at subscribers.
    pub lost_or_disordered: u64,
    /// From the first publish to the last delivery.
    pub elapsed: Duration,
}

impl LoadReport {
    /// Delivered messages per second.
    pub fn rate(&self) -> f64 {
        self.delivered as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

async fn connect(connector: &Connector, id: String, timeout: Duration) -> Result<Client, String> {
    let mut c = Client::open(&id, connector, Version::V3_1_1, timeout, Transcript::default())
        .await
        .map_err(|e| e.to_string())?;
    let mut connect = Connect::new(Version::V3_1_1, id.as_str());
    connect.keep_alive = 0;
    let bytes = Packet::Connect(Box::new(connect)).to_bytes(Version::V3_1_1).map_err(|e| e.to_string())?;
    c.write(&bytes, String::new()).await.map_err(|e| e.to_string())?;
    match c.recv(timeout).await.map_err(|f| f.0)? {
        Event::Packet(Packet::ConnAck(a)) if a.code.0 == 0 => Ok(c),
        other => Err(format!("{id}: no CONNACK: {other:?}")),
    }
}

async fn send(c: &mut Client, p: Packet) -> Result<(), String> {
    let bytes = p.to_bytes(Version::V3_1_1).map_err(|e| e.to_string())?;
    c.write(&bytes, String::new()).await.map_err(|e| e.to_string())
}

/// Runs `connections / 2` publisher/subscriber pairs; each publisher sends its share of
/// `messages` QoS 1 messages to its own topic.
pub async fn run(
    connector: &Connector,
    connections: usize,
    messages: u64,
    run_id: &str,
) -> Result<LoadReport, String> {
    let pairs = (connections / 2).max(1);
    let per_pair = messages.div_ceil(pairs as u64);
    let timeout = Duration::from_secs(30);
    let mut subscribers = Vec::with_capacity(pairs);
    let mut publishers = Vec::with_capacity(pairs);
    for i in 0..pairs {
        let topic = format!("mqttspec/load/{run_id}/{i}");
        let mut s = connect(connector, format!("ls{run_id}{i}"), timeout).await?;
        let sub = Subscribe {
            packet_id: 1,
            properties: Default::default(),
            filters: vec![Subscription::new(topic.as_str(), QoS::AtLeastOnce)],
        };
        send(&mut s, Packet::Subscribe(sub)).await?;
        match s.recv(timeout).await.map_err(|f| f.0)? {
            Event::Packet(Packet::SubAck(_)) => {}
            other => return Err(format!("no SUBACK: {other:?}")),
        }
        subscribers.push((s, topic.clone()));
        publishers.push((connect(connector, format!("lp{run_id}{i}"), timeout).await?, topic));
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (mut s, _) in subscribers {
        tasks.push(tokio::spawn(async move {
            let (mut got, mut bad) = (0u64, 0u64);
            while got + bad < per_pair {
                match s.recv(timeout).await {
                    Ok(Event::Packet(Packet::Publish(p))) => {
                        let expected = got.to_string();
                        if p.payload[..] == *expected.as_bytes() {
                            got += 1
                        } else {
                            bad += 1
                        }
                        if let Some(id) = p.packet_id {
                            if send(&mut s, Packet::PubAck(Ack::new(id))).await.is_err() {
                                break;
                            }
                        }
                    }
                    Ok(Event::Packet(_)) => {}
                    _ => break,
                }
            }
            s.drop_connection().await;
            (got, bad)
        }));
    }
    let mut pub_tasks = Vec::new();
    for (mut p, topic) in publishers {
        pub_tasks.push(tokio::spawn(async move {
            let topic = mqttspec_codec::MqttString::from(topic);
            let mut acked = 0u64;
            // A window of 32 unacknowledged messages, as a polite client keeps.
            let mut sent = 0u64;
            while acked < per_pair {
                while sent < per_pair && sent - acked < 32 {
                    let publish = Publish {
                        qos: QoS::AtLeastOnce,
                        packet_id: Some((sent % 60000 + 1) as u16),
                        topic: topic.clone(),
                        payload: Bytes::from(sent.to_string()),
                        ..Publish::default()
                    };
                    if send(&mut p, Packet::Publish(publish)).await.is_err() {
                        return sent;
                    }
                    sent += 1;
                }
                match p.recv(timeout).await {
                    Ok(Event::Packet(Packet::PubAck(_))) => acked += 1,
                    Ok(Event::Packet(_)) => {}
                    _ => break,
                }
            }
            p.drop_connection().await;
            sent
        }));
    }
    let mut published = 0;
    for t in pub_tasks {
        published += t.await.map_err(|e| e.to_string())?;
    }
    let (mut delivered, mut bad) = (0, 0);
    for t in tasks {
        let (g, b) = t.await.map_err(|e| e.to_string())?;
        delivered += g;
        bad += b;
    }
    let elapsed = started.elapsed();
    let expected = per_pair * pairs as u64;
    Ok(LoadReport {
        connections: pairs * 2,
        published,
        delivered,
        lost_or_disordered: bad + expected.saturating_sub(delivered + bad),
        elapsed,
    })
}

impl LoadReport {
    /// Every message arrived, once and in order.
    pub fn is_clean(&self) -> bool {
        self.lost_or_disordered == 0 && self.delivered == self.published
    }
}

impl std::fmt::Display for LoadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} connections, {} published, {} delivered, {} lost or out of order, {:.2} s, {:.0} msg/s",
            self.connections,
            self.published,
            self.delivered,
            self.lost_or_disordered,
            self.elapsed.as_secs_f64(),
            self.rate()
        )
    }
}

/// Runs the load against `target`, starting an embedded reference broker for
/// `embedded` (and stopping it afterwards).
pub async fn run_against(
    target: &crate::Target,
    connections: usize,
    messages: u64,
) -> Result<LoadReport, String> {
    let run_id = crate::run::default_run_id();
    match target {
        crate::Target::Remote(r) => run(&r.connector, connections, messages, &run_id).await,
        crate::Target::Embedded => {
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            let broker = mqttspec_broker::BrokerHandle::start(mqttspec_broker::Config::default(), addr)
                .await
                .map_err(|e| e.to_string())?;
            let report = run(&Connector::Tcp(broker.local_addr()), connections, messages, &run_id).await;
            broker.shutdown().await;
            report
        }
    }
}
