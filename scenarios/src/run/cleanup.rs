//! Leaving the broker as a case found it: sessions the case may have left behind
//! are taken over with Clean Start and ended, retained messages it left are
//! cleared. Best effort and bounded: a broker that does not answer is left alone.

use crate::net::client::{Client, Event, Transcript};
use crate::net::connector::{Connector, Login};
use bytes::Bytes;
use mqttspec_codec::{Connect, Disconnect, Packet, Publish, Version};
use std::time::Duration;

/// Connects once per client id in `ids`; the last connection also clears the
/// `retained` topics.
pub(super) async fn clean(
    connector: &Connector,
    login: Option<&Login>,
    v: Version,
    ids: &[String],
    retained: &[String],
    patience: Duration,
) {
    let quiet = Transcript::default();
    for (i, id) in ids.iter().enumerate() {
        let Ok(mut c) = Client::open("cleanup", connector, v, patience, quiet.clone()).await else {
            return;
        };
        let mut connect = Connect::new(v, id.as_str());
        connect.clean_start = true;
        if let Some(login) = login {
            login.apply(&mut connect);
        }
        let Ok(bytes) = Packet::Connect(Box::new(connect)).to_bytes(v) else { return };
        let _ = c.write(&bytes, String::new()).await;
        if !matches!(c.recv(patience).await, Ok(Event::Packet(Packet::ConnAck(_)))) {
            continue;
        }
        if i + 1 == ids.len() {
            for topic in retained {
                let mut p = Publish::new(topic.as_str(), Bytes::new());
                p.retain = true;
                if let Ok(b) = Packet::Publish(p).to_bytes(v) {
                    let _ = c.write(&b, String::new()).await;
                }
            }
        }
        if let Ok(b) = Packet::Disconnect(Disconnect::<Bytes>::default()).to_bytes(v) {
            let _ = c.write(&b, String::new()).await;
        }
        c.drop_connection().await;
    }
}
