//! The signature of a session's answers, for black-box feedback: per kind of
//! operation, the kinds of answer (packet type, flags, reason codes, closes) it drew.

use super::exec::{Outcome, Seen};
use super::session::Op;
use mqttspec_codec::Packet;
use std::collections::HashMap;

/// The signature of a session: every (operation kind, answer kind) pair it saw.
pub fn signature(out: &Outcome, ops: &[Op]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |x: u64| h = (h ^ x).wrapping_mul(0x100_0000_01b3);
    let mut seen: HashMap<(u8, u64), ()> = HashMap::new();
    for (i, w) in out.windows.iter().enumerate() {
        let op_kind = ops.get(i).map_or(0, op_code);
        for (_, s) in w {
            let f = match s {
                Seen::Packet(p, _) => features(p),
                Seen::Closed => 0xC105ED,
                Seen::Malformed(_) => 0xBAD,
            };
            seen.insert((op_kind, f), ());
        }
        if w.is_empty() {
            seen.insert((op_kind, 0), ());
        }
    }
    let mut keys: Vec<_> = seen.into_keys().collect();
    keys.sort_unstable();
    for (a, b) in keys {
        mix(u64::from(a));
        mix(b);
    }
    h
}

fn op_code(op: &Op) -> u8 {
    match op {
        Op::Connect { clean, will, .. } => 1 + u8::from(*clean) * 2 + u8::from(will.is_some()) * 4,
        Op::Subscribe { qos, .. } => 10 + qos,
        Op::Unsubscribe { .. } => 14,
        Op::Publish { qos, retain, .. } => 20 + qos + u8::from(*retain) * 4,
        Op::Ping { .. } => 30,
        Op::Disconnect { .. } => 31,
        Op::Drop { .. } => 32,
        Op::Fault { tamper, .. } => 40 + (format!("{tamper:?}").len() % 16) as u8,
        Op::Seed { bytes, .. } => 60 + bytes.first().map_or(0, |b| b >> 4),
    }
}

/// Packet type, flags and reason codes: what tells one answer from another.
fn features(p: &Packet) -> u64 {
    let (t, f, code): (u64, u64, u64) = match p {
        Packet::ConnAck(c) => (2, u64::from(c.session_present), u64::from(c.code.0)),
        Packet::Publish(x) => (3, u64::from(x.dup) << 3 | (x.qos as u64) << 1 | u64::from(x.retain), 0),
        Packet::PubAck(a) => (4, 0, u64::from(a.reason_code.0)),
        Packet::PubRec(a) => (5, 0, u64::from(a.reason_code.0)),
        Packet::PubRel(a) => (6, 0, u64::from(a.reason_code.0)),
        Packet::PubComp(a) => (7, 0, u64::from(a.reason_code.0)),
        Packet::SubAck(s) => {
            (9, 0, s.codes.iter().fold(0u64, |h, c| h.wrapping_mul(257).wrapping_add(u64::from(c.0))))
        }
        Packet::UnsubAck(s) => {
            (11, 0, s.codes.iter().fold(0u64, |h, c| h.wrapping_mul(257).wrapping_add(u64::from(c.0))))
        }
        Packet::PingResp => (13, 0, 0),
        Packet::Disconnect(d) => (14, 0, u64::from(d.reason_code.0)),
        Packet::Auth(a) => (15, 0, u64::from(a.reason_code.0)),
        _ => (1, 0, 0),
    };
    t << 48 | f << 40 | code
}
