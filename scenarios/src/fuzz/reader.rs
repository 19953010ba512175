//! The reading side of a fuzz session's connection: every byte the broker sends,
//! decoded with the strict codec as a client reads it, and the timing that decides
//! how long to wait for it.

use super::wire::version_of;
use crate::net::connector::Transport;
use crate::version::Version;
use bytes::BytesMut;
use mqttspec_codec::{DecodeOptions, Frame, Packet, Role, check_frame};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, ReadHalf};
use tokio::sync::mpsc;

/// What a client slot saw in the window of one operation.
#[derive(Debug, Clone)]
pub enum Seen {
    /// A packet the strict codec accepted, and its size in bytes.
    Packet(Packet, usize),
    /// The broker closed the connection.
    Closed,
    /// Bytes the strict codec refuses.
    Malformed(String),
}

/// Timing of a run: how long to wait for an answer, and the quiet spell after it.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Longest wait for an answer the protocol calls for.
    pub patience: Duration,
    /// Smoothed answer latency, in microseconds.
    pub latency_us: f64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing { patience: Duration::from_secs(2), latency_us: 2000.0 }
    }
}

impl Timing {
    pub(super) fn quiet(&self) -> Duration {
        Duration::from_micros((self.latency_us * 1.5).clamp(500.0, 20_000.0) as u64)
    }

    pub(super) fn observe(&mut self, d: Duration) {
        self.latency_us = self.latency_us * 0.9 + d.as_micros() as f64 * 0.1;
    }
}

/// What a reader reports: slot, connection generation, what came.
pub(super) type Event = (usize, u64, Seen);

/// Reads one connection until it closes or sends what the codec refuses.
pub(super) async fn read_loop(
    mut r: ReadHalf<Box<dyn Transport>>,
    slot: usize,
    generation: u64,
    level: Arc<AtomicU8>,
    tx: mpsc::UnboundedSender<Event>,
) {
    let mut buf = BytesMut::with_capacity(4096);
    loop {
        let known = version_of(level.load(Ordering::Relaxed));
        let framing = known.unwrap_or(Version::V5).codec();
        match check_frame(&buf, 16 << 20, framing) {
            Ok(Frame::Complete { len, .. }) => {
                let frame = buf.split_to(len).freeze();
                let decode = |v: Version| {
                    Packet::decode(&frame, &DecodeOptions::new(v.codec()).with_role(Role::Client))
                };
                let decoded = match known {
                    Some(v) => decode(v),
                    // Either version's answer is acceptable.
                    None => decode(Version::V5).or_else(|_| decode(Version::V311)),
                };
                let seen = match decoded {
                    Ok(p) => Seen::Packet(p, len),
                    Err(e) => Seen::Malformed(format!("{e} in {}", crate::net::client::hex(&frame))),
                };
                let stop = matches!(seen, Seen::Malformed(_));
                if tx.send((slot, generation, seen)).is_err() || stop {
                    return;
                }
                continue;
            }
            Ok(Frame::Incomplete { .. }) => {}
            Err(v) => {
                let _ = tx.send((
                    slot,
                    generation,
                    Seen::Malformed(format!("{v} in {}", crate::net::client::hex(&buf))),
                ));
                return;
            }
        }
        match r.read_buf(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = tx.send((slot, generation, Seen::Closed));
                return;
            }
            Ok(_) => {}
        }
    }
}
