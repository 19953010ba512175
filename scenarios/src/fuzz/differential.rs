//! The differential oracle: the same session against the embedded reference broker,
//! compared operation by operation on the acting client's own connection. Only the
//! first difference counts (after it the two brokers' states differ), and it is judged
//! by the statement that decides it:
//! - a well-formed PINGREQ, SUBSCRIBE or UNSUBSCRIBE (and in 5.0 a QoS 1/2 PUBLISH) that
//!   the reference broker answered, and the target met with a close (silent, or a 5.0
//!   DISCONNECT calling it malformed or a protocol error), silence or another packet,
//!   breaks the statement that requires the answer: MQTT-3.12.4-1, MQTT-3.8.4-1,
//!   MQTT-3.10.4-4 and -5, MQTT-3.3.4-1;
//! - every other difference (a CONNACK or SUBACK code, a close a 5.0 server may give
//!   with its reason, a 3.1.1 PUBLISH closed on as MQTT-3.3.5-2 allows, a close
//!   against an answer to a fault or seed) is decided by no statement: it is reported
//!   as informational, counted, never as a violation.
//!
//! Comparison ends at the first fault or seed: nothing is waited for after one beyond
//! a short quiet spell, so a late answer could shift every window after it.

use super::exec::{Outcome, Seen};
use super::oracle::{Check, Finding};
use super::session::Op;
use crate::version::Version;
use mqttspec_codec::Packet;
use serde::Serialize;

/// What the acting client saw in answer to one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The packet the operation calls for (or the first one), with its codes.
    Packet(&'static str, Vec<u8>),
    /// The connection closed; with the 5.0 DISCONNECT reason code, if one came first.
    Closed(Option<u8>),
    /// Nothing within the wait.
    Nothing,
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Packet(k, codes) if codes.is_empty() => write!(f, "{k}"),
            Answer::Packet(k, codes) => {
                let c: Vec<String> = codes.iter().map(|c| format!("0x{c:02x}")).collect();
                write!(f, "{k} {}", c.join(","))
            }
            Answer::Closed(None) => write!(f, "a close"),
            Answer::Closed(Some(c)) => write!(f, "DISCONNECT 0x{c:02x} and a close"),
            Answer::Nothing => write!(f, "nothing"),
        }
    }
}

/// The packet kind an operation calls for from the server, if any.
fn wanted(op: &Op) -> Option<&'static str> {
    match op {
        Op::Connect { .. } => Some("connack"),
        Op::Subscribe { .. } => Some("suback"),
        Op::Unsubscribe { .. } => Some("unsuback"),
        Op::Publish { qos: 1, .. } => Some("puback"),
        Op::Publish { qos: 2, .. } => Some("pubrec"),
        Op::Ping { .. } => Some("pingresp"),
        _ => None,
    }
}

fn codes(p: &Packet) -> Vec<u8> {
    match p {
        // Session Present: whether the broker kept a session is an answer too.
        Packet::ConnAck(c) => vec![c.code.0, u8::from(c.session_present)],
        Packet::SubAck(s) => s.codes.iter().map(|c| c.0).collect(),
        Packet::UnsubAck(u) => u.codes.iter().map(|c| c.0).collect(),
        Packet::PubAck(a) | Packet::PubRec(a) => vec![a.reason_code.0],
        _ => Vec::new(),
    }
}

/// The acting slot's answer to operation `i`: the wanted packet if it came, else the
/// close (with a DISCONNECT's code), else the first other packet, else nothing.
/// Deliveries (PUBLISH) and the acknowledgements of other flows are not answers.
pub fn answer(out: &Outcome, ops: &[Op], i: usize) -> Answer {
    let Some(op) = ops.get(i) else { return Answer::Nothing };
    let slot = op.slot();
    let want = wanted(op);
    let mine = out.windows.get(i).into_iter().flatten().filter(|(s, _)| *s == slot).map(|(_, s)| s);
    let mut disconnect = None;
    let mut other = None;
    for seen in mine {
        match seen {
            Seen::Packet(p, _) => {
                let k = crate::format::matching::kind_name(p);
                if Some(k) == want {
                    return Answer::Packet(k, codes(p));
                }
                match p {
                    Packet::Disconnect(d) => disconnect = Some(d.reason_code.0),
                    Packet::Publish(_) | Packet::PubRel(_) | Packet::PubComp(_) => {}
                    Packet::PubAck(_) | Packet::PubRec(_) if want.is_none() => {}
                    _ => other = other.or(Some(Answer::Packet(k, codes(p)))),
                }
            }
            Seen::Closed | Seen::Malformed(_) => return Answer::Closed(disconnect),
        }
    }
    other.unwrap_or(Answer::Nothing)
}

/// Whether the packet operation `i` calls for reached its client in a later window.
fn answered_later(out: &Outcome, op: &Op, i: usize) -> bool {
    let Some(want) = wanted(op) else { return false };
    out.windows.iter().skip(i + 1).flatten().any(|(s, seen)| {
        *s == op.slot() && matches!(seen, Seen::Packet(p, _) if crate::format::matching::kind_name(p) == want)
    })
}

/// A difference the statements do not decide.
#[derive(Debug, Clone, Serialize)]
pub struct Informational {
    /// What differed, without the session's particulars: what informational
    /// differences are counted by.
    pub key: String,
    /// MQTT version.
    pub version: String,
    /// Sessions that showed it.
    pub count: u64,
    /// The operation where it showed, in the first session that did.
    pub op: usize,
    /// That session, one operation a line.
    pub session: Vec<String>,
}

/// The first difference between the target's run and the reference broker's.
#[derive(Debug, Clone)]
pub enum Difference {
    /// Decided by a statement: a finding.
    Violation(Finding),
    /// Decided by none: (key, operation).
    Informational(String, usize),
}

/// A short name of an operation's kind, for informational keys.
fn op_kind(op: &Op) -> String {
    match op {
        Op::Connect { .. } => "CONNECT".into(),
        Op::Subscribe { qos, .. } => format!("SUBSCRIBE (QoS {qos})"),
        Op::Unsubscribe { .. } => "UNSUBSCRIBE".into(),
        Op::Publish { qos, retain, .. } => {
            format!("PUBLISH (QoS {qos}{})", if *retain { ", retained" } else { "" })
        }
        Op::Ping { .. } => "PINGREQ".into(),
        Op::Disconnect { .. } => "DISCONNECT".into(),
        Op::Drop { .. } => "a drop".into(),
        Op::Fault { base, tamper, .. } => format!("a fault ({tamper:?}) in {}", op_kind(base)),
        Op::Seed { bytes, .. } => format!("a corpus packet (type {})", bytes.first().map_or(0, |b| b >> 4)),
    }
}

/// The statement that requires the reference broker's answer to `op`, in `v`, when a
/// conforming server may not refuse it by closing.
fn deciding(op: &Op, v: Version) -> Option<&'static [&'static str]> {
    match op {
        Op::Ping { .. } => Some(&["MQTT-3.12.4-1"]),
        Op::Subscribe { .. } => Some(&["MQTT-3.8.4-1"]),
        // Whether the filter was subscribed to or not (the session may not know).
        Op::Unsubscribe { .. } => Some(&["MQTT-3.10.4-4", "MQTT-3.10.4-5"]),
        // 3.1.1 lets a server close on a PUBLISH it does not authorise (MQTT-3.3.5-2).
        Op::Publish { qos: 1 | 2, .. } if v == Version::V5 => Some(&["MQTT-3.3.4-1"]),
        _ => None,
    }
}

/// A 5.0 PUBLISH of any QoS with a Topic Alias within the maximum the server returned
/// (the alias alone once the connection mapped it), closed on as malformed, a
/// protocol error or an invalid alias where the reference broker carried on: the
/// server must accept it (MQTT-3.3.2-12).
fn alias_refused(
    target: &Outcome,
    reference: &Outcome,
    ops: &[Op],
    i: usize,
    v: Version,
    (t, r): (&Answer, &Answer),
) -> Option<Finding> {
    let alias = target.aliases.get(i).copied().flatten()?;
    let same_use = reference.aliases.get(i).copied().flatten() == Some(alias);
    let refused = matches!(t, Answer::Closed(None | Some(0x81 | 0x82 | 0x94)));
    let op = &ops[i];
    if v != Version::V5
        || !same_use
        || !refused
        || matches!(r, Answer::Closed(_))
        || !matches!(op, Op::Publish { .. })
    {
        return None;
    }
    let (a, alone) = alias;
    let message = format!(
        "a well-formed {} with Topic Alias {a}{} the reference broker carried on from got {t} from the target",
        op_kind(op),
        if alone { " alone" } else { " and its topic name" }
    );
    Some(Finding::new(Check::Differential, i, op.slot(), v, vec!["MQTT-3.3.2-12".into()], message))
}

/// Compares the two runs of `ops` and judges their first difference.
pub fn compare(target: &Outcome, reference: &Outcome, ops: &[Op], v: Version) -> Option<Difference> {
    // A run cut short (the broker unreachable) is the liveness check's business.
    if target.unreachable.is_some() || reference.unreachable.is_some() {
        return None;
    }
    for (i, op) in ops.iter().enumerate() {
        if matches!(op, Op::Disconnect { .. } | Op::Drop { .. }) {
            continue;
        }
        let (t, r) = (answer(target, ops, i), answer(reference, ops, i));
        // A close is a close: 5.0 only says a server SHOULD send a DISCONNECT first.
        let same = t == r || matches!((&t, &r), (Answer::Closed(_), Answer::Closed(_)));
        if same && matches!(op, Op::Fault { .. } | Op::Seed { .. }) {
            return None;
        }
        if same {
            continue;
        }
        if matches!(op, Op::Fault { .. } | Op::Seed { .. }) {
            // Bytes the strict codec refuses are the malformed-packet oracle's to judge.
            let raw = target.raws.get(i).and_then(|r| r.as_deref());
            if raw.is_some_and(|b| super::wire::refusal(b, v).is_some()) {
                return None;
            }
            // Nothing is waited for after a fault or seed beyond a short quiet spell,
            // so its answer may come in a later window: only a close against a packet
            // tells the two apart, and nothing after it is compared.
            let packet_vs_close = matches!(
                (&t, &r),
                (Answer::Packet(..), Answer::Closed(_)) | (Answer::Closed(_), Answer::Packet(..))
            );
            return packet_vs_close.then(|| {
                Difference::Informational(
                    format!("{}: the reference broker answered {r}, the target {t}", op_kind(op)),
                    i,
                )
            });
        }
        if let Some(f) = alias_refused(target, reference, ops, i, v, (&t, &r)) {
            return Some(Difference::Violation(f));
        }
        let Some(statements) = deciding(op, v) else {
            return Some(Difference::Informational(
                format!("{}: the reference broker answered {r}, the target {t}", op_kind(op)),
                i,
            ));
        };
        let required = matches!(&r, Answer::Packet(k, _) if Some(*k) == wanted(op));
        // An answer later than the wait is slow, not missing (a loaded broker).
        if t == Answer::Nothing && answered_later(target, op, i) {
            return Some(Difference::Informational(
                format!("{}: the reference broker answered {r}, the target only after the wait", op_kind(op)),
                i,
            ));
        }
        // A 5.0 server may close with a reason of its own (busy, quota, not
        // authorised...); "malformed" or "protocol error" about a well-formed packet
        // the same state made acceptable is no such reason.
        let refused = match &t {
            Answer::Closed(None) | Answer::Nothing => true,
            Answer::Closed(Some(code)) => matches!(code, 0x81 | 0x82),
            Answer::Packet(k, _) => Some(*k) != wanted(op),
        };
        if !(required && refused) {
            return Some(Difference::Informational(
                format!("{}: the reference broker answered {r}, the target {t}", op_kind(op)),
                i,
            ));
        }
        let message = format!(
            "a well-formed {} the reference broker answered with {r} got {t} from the target",
            op_kind(op)
        );
        return Some(Difference::Violation(Finding::new(
            Check::Differential,
            i,
            op.slot(),
            v,
            statements.iter().map(|s| s.to_string()).collect(),
            message,
        )));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqttspec_codec::{Ack, ConnAck, Disconnect, Properties, ReasonCode};

    fn outcome(windows: Vec<Vec<(usize, Seen)>>) -> Outcome {
        Outcome { windows, ..Outcome::default() }
    }

    fn connect() -> Op {
        Op::plain_connect(0, 0)
    }

    fn connack_with(code: u8) -> Seen {
        let ack =
            ConnAck { session_present: false, code: ReasonCode(code), properties: Properties::default() };
        Seen::Packet(Packet::ConnAck(ack), 4)
    }

    fn connack() -> Seen {
        connack_with(0)
    }

    #[test]
    fn a_ping_closed_instead_of_answered_breaks_the_pingresp_statement() {
        let ops = vec![connect(), Op::Ping { c: 0 }];
        let reference = outcome(vec![vec![(0, connack())], vec![(0, Seen::Packet(Packet::PingResp, 2))]]);
        let target = outcome(vec![vec![(0, connack())], vec![(0, Seen::Closed)]]);
        for v in Version::ALL {
            match compare(&target, &reference, &ops, v) {
                Some(Difference::Violation(f)) => {
                    assert_eq!(f.statements, vec!["MQTT-3.12.4-1".to_string()]);
                    assert_eq!(f.op, 1);
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(compare(&reference, &reference, &ops, Version::V5).is_none());
    }

    #[test]
    fn differences_no_statement_decides_are_informational() {
        // A 3.1.1 PUBLISH may be closed on (MQTT-3.3.5-2); a 5.0 server may close with
        // a reason of its own; CONNACK codes may differ.
        let publish = Op::Publish { c: 0, topic: 0, qos: 1, retain: false, pad: 0, alias: None };
        let ops = vec![connect(), publish];
        let reference =
            outcome(vec![vec![(0, connack())], vec![(0, Seen::Packet(Packet::PubAck(Ack::new(2)), 4))]]);
        let closed = outcome(vec![vec![(0, connack())], vec![(0, Seen::Closed)]]);
        assert!(matches!(
            compare(&closed, &reference, &ops, Version::V311),
            Some(Difference::Informational(_, 1))
        ));
        assert!(matches!(compare(&closed, &reference, &ops, Version::V5), Some(Difference::Violation(_))));
        let busy = Seen::Packet(Packet::Disconnect(Disconnect::new(ReasonCode(0x89))), 4);
        let busy = outcome(vec![vec![(0, connack())], vec![(0, busy), (0, Seen::Closed)]]);
        assert!(matches!(compare(&busy, &reference, &ops, Version::V5), Some(Difference::Informational(..))));
        let refused = outcome(vec![vec![(0, connack_with(0x87)), (0, Seen::Closed)]]);
        match compare(&refused, &reference, &ops, Version::V5) {
            Some(Difference::Informational(key, 0)) => assert!(key.starts_with("CONNECT"), "{key}"),
            other => panic!("{other:?}"),
        }
    }
}
