//! A finding as a scenario in the corpus format: the session's operations as steps,
//! what a conforming broker (the embedded reference broker) sends after each as the
//! expectations, and at the operation where the target broke the invariant the
//! check that tells them apart — the field the statement decides (QoS, DUP), the
//! close a refused packet calls for, or nothing where nothing may arrive. The
//! result loads with the normal loader; [`super::verify`] runs it against both.

use super::exec::{Outcome, Seen};
use super::oracle::{Check, Finding};
use super::session::{FILTERS, FaultSpec, Names, Op, TOPICS, payload};
use crate::version::Version;
use mqttspec_codec::Packet;
use serde_json::{Value, json};

/// A scenario's text, and the number (1-based) of the step that checks the finding.
#[derive(Debug, Clone)]
pub struct Written {
    /// YAML text.
    pub yaml: String,
    /// The step that should fail on the target.
    pub check_step: usize,
    /// The first step of the operation where the finding showed: a failure on the
    /// target between it and `check_step` is the finding's.
    pub window_start: usize,
}

fn client(c: usize) -> String {
    format!("c{c}")
}

fn text(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => json!(s),
        Err(_) => json!({"hex": hex(b)}),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(" ")
}

/// What a fault or seed sent, and the Topic Alias a PUBLISH carried (and whether
/// alone), as the reference broker's run had them.
#[derive(Clone, Copy, Default)]
struct Sent<'a> {
    bytes: Option<&'a [u8]>,
    alias: Option<(u16, bool)>,
}

/// The steps an operation becomes (its index `i`, packet identifier `i + 1`).
fn op_steps(i: usize, op: &Op, ops: &[Op], names: &Names, v: Version, sent: Sent) -> Vec<Value> {
    let bytes = sent.bytes;
    let pid = (i % 65535) + 1;
    let topic = |t: usize| format!("{{{{prefix}}}}/{}", TOPICS[t % TOPICS.len()]);
    let filter = |f: usize| format!("{{{{prefix}}}}/{}", FILTERS[f % FILTERS.len()]);
    let c = client(op.slot());
    match op {
        Op::Connect { c: slot, id, clean, expiry, will, max_packet, receive_max, alias_max } => {
            let mut step = json!({"client": c, "clean-start": clean});
            if id != slot && ops.iter().any(|o| o.slot() == *id) {
                step["client-id"] = json!(format!("{{{{id:{}}}}}", client(*id)));
            }
            if let Some(w) = will {
                step["will"] = json!({"topic": topic(w.topic), "payload": format!("w{i}"), "qos": w.qos, "retain": w.retain});
            }
            if v == Version::V5 {
                let mut props = json!({});
                if let Some(n) = alias_max {
                    props["topic-alias-maximum"] = json!(n);
                }
                if *expiry > 0 {
                    props["session-expiry-interval"] = json!(expiry);
                }
                if let Some(m) = max_packet {
                    props["maximum-packet-size"] = json!(m);
                }
                if let Some(n) = receive_max {
                    props["receive-maximum"] = json!(n);
                }
                step["properties"] = props;
            }
            vec![json!({"connect": step})]
        }
        Op::Subscribe { filter: f, qos, .. } => vec![json!({"send": {"client": c, "packet": {"subscribe":
            {"packet-id": pid, "filters": [{"filter": filter(*f), "qos": qos}]}}}})],
        Op::Unsubscribe { filter: f, .. } => vec![json!({"send": {"client": c, "packet": {"unsubscribe":
            {"packet-id": pid, "filters": [filter(*f)]}}}})],
        Op::Publish { topic: t, qos, retain, pad, .. } => {
            let mut p = json!({"topic": topic(*t), "qos": qos, "retain": retain, "payload": text(&payload('m', i, *pad))});
            if *qos > 0 {
                p["packet-id"] = json!(pid);
            }
            if let Some((a, bare)) = sent.alias {
                p["properties"] = json!({"topic-alias": a});
                if bare {
                    p["topic"] = json!("");
                }
            }
            vec![json!({"send": {"client": c, "packet": {"publish": p}}})]
        }
        Op::Ping { .. } => vec![json!({"send": {"client": c, "packet": {"pingreq": {}}}})],
        Op::Disconnect { .. } => vec![json!({"disconnect": {"client": c}})],
        Op::Drop { .. } => vec![json!({"drop": {"client": c}})],
        // A fault whose bytes carry the session's names (a topic, a client
        // identifier) is the packet as the scenario names it, with the fault as a
        // `tamper`: raw bytes would name the reference broker's run instead.
        Op::Fault { base, tamper, .. } if names_in(bytes, names) && as_tamper(tamper).is_some() => {
            let mut steps = op_steps(i, base, ops, names, v, Sent::default());
            let key = if matches!(**base, Op::Connect { .. }) { "connect" } else { "send" };
            steps[0][key]["tamper"] = as_tamper(tamper).unwrap_or_default();
            steps
        }
        Op::Fault { .. } | Op::Seed { .. } => {
            vec![json!({"send-raw": {"client": c, "hex": hex(bytes.unwrap_or_default())}})]
        }
    }
}

fn names_in(bytes: Option<&[u8]>, names: &Names) -> bool {
    let p = names.prefix.as_bytes();
    bytes.is_some_and(|b| b.windows(p.len()).any(|w| w == p))
}

/// A fault as the scenario format's `tamper`, where it has one: a Remaining Length
/// off by some amount has none (the scenario's names have other lengths).
fn as_tamper(f: &FaultSpec) -> Option<Value> {
    let t = match f {
        FaultSpec::Flags(x) => json!({"flags": x}),
        FaultSpec::Width(w) => json!({"remaining-length-width": w}),
        FaultSpec::Truncate(n) => json!({"truncate": n}),
        FaultSpec::Append(b) => json!({"append-hex": hex(b)}),
        FaultSpec::ProtocolLevel(l) => json!({"protocol-level": l}),
        FaultSpec::ConnectFlags(x) => json!({"connect-flags": x}),
        FaultSpec::LengthDelta(_) | FaultSpec::BareAlias => return None,
    };
    let mut t = t;
    t["skip-checks"] = json!(true);
    Some(t)
}

/// A loose expectation of `p`: its kind, and for a PUBLISH its topic and payload.
fn loose(p: &Packet, prefix: &str) -> Value {
    match p {
        Packet::Publish(pb) => {
            let topic = pb.topic.to_string();
            let mut f = json!({"payload": text(&pb.payload)});
            if let Some(rest) = topic.strip_prefix(prefix) {
                f["topic"] = json!(format!("{{{{prefix}}}}{rest}"));
            }
            json!({"publish": f})
        }
        other => json!({crate::format::matching::kind_name(other): {}}),
    }
}

/// The expectation of `p`, and whether it is the one that checks the finding: the
/// field the finding's statement decides, as the reference broker sent it.
fn expectation(p: &Packet, is_check: bool, finding: &Finding, prefix: &str) -> (Value, bool) {
    let mut want = loose(p, prefix);
    // The answer the statement requires (PINGRESP, SUBACK, UNSUBACK, PUBACK, PUBREC).
    if is_check && finding.check == Check::Differential {
        return (want, !matches!(p, Packet::Publish(_) | Packet::PubRel(_) | Packet::PubComp(_)));
    }
    if let (true, Packet::Publish(pb)) = (is_check, p) {
        if finding.payload.as_ref() == Some(&pb.payload) {
            match finding.check {
                // A Topic Alias, if the server uses one, within the client's maximum.
                Check::TopicAlias if finding.alias_max.is_some() => {
                    let max = finding.alias_max.unwrap_or(0);
                    want["publish"]["properties"] = match max {
                        0 => json!({"topic-alias": {"any": false}}),
                        _ => json!({"topic-alias": {"range-or-absent": [1, max]}}),
                    };
                }
                Check::QosAbove => want["publish"]["qos"] = json!(pb.qos as u8),
                // Sent too early for the Receive Maximum: no field tells it, and the
                // scenario acknowledges as the run did, so it may not confirm.
                Check::Flow if finding.message.contains("Receive Maximum") => {}
                Check::Flow => want["publish"]["dup"] = json!(false),
                _ => {}
            }
            return (want, true);
        }
    }
    (want, false)
}

/// Builds the scenario of `finding`, from the minimised `ops`, the reference
/// broker's run of them (`reference`, under `ref_names`) and the raw bytes each
/// fault or seed sent (`raws`).
pub fn write(
    id: &str,
    finding: &Finding,
    ops: &[Op],
    raws: &[Option<Vec<u8>>],
    reference: &Outcome,
    ref_names: &Names,
    target: &str,
) -> Option<Written> {
    let v = finding.version;
    let known: Vec<String> = finding.statements.iter().filter(|s| s.starts_with("MQTT-")).cloned().collect();
    let mut statements = known;
    if finding.check == Check::AcceptedMalformed {
        statements.push(if v == Version::V5 { "MQTT-4.13.1-1".into() } else { "MQTT-4.8.0-1".into() });
    }
    if statements.is_empty() {
        return None;
    }
    let mut steps: Vec<Value> = Vec::new();
    let mut check_step = 0;
    let mut window_start = 1;
    // Which clients have a connection, as the session's run had them: an operation
    // on a closed one was skipped there (all but a connect, fault or seed, which
    // open one).
    let mut open = [false; super::session::CLIENTS];
    // Identifiers of the QoS 1/2 deliveries each client's session received: a reused
    // one must differ from these (over-strict where a flow completed, which the
    // reference broker's run of the scenario then shows).
    let mut delivered: Vec<Vec<Value>> = vec![Vec::new(); super::session::CLIENTS];
    for (i, op) in ops.iter().enumerate() {
        let slot = op.slot();
        let slot_of_op = slot;
        match op {
            Op::Connect { clean, .. } => {
                open[slot] = true;
                if *clean {
                    delivered[slot].clear();
                }
            }
            Op::Fault { .. } | Op::Seed { .. } if !open[slot] => {
                steps.push(json!({"open": {"client": client(slot)}}));
                open[slot] = true;
            }
            _ if !open[slot] => continue,
            Op::Disconnect { .. } | Op::Drop { .. } => open[slot] = false,
            _ => {}
        }
        if i == finding.op {
            window_start = steps.len() + 1;
        }
        let sent = Sent {
            bytes: raws.get(i).and_then(|r| r.as_deref()),
            alias: reference.aliases.get(i).copied().flatten(),
        };
        let mut own = op_steps(i, op, ops, ref_names, v, sent);
        let window: Vec<&(usize, Seen)> =
            reference.windows.get(i).map(|w| w.iter().collect()).unwrap_or_default();
        // A connect step expects the CONNACK itself.
        let mut skip_connack = false;
        // A connect step (a CONNECT, or a tampered one written as one) expects its
        // answer itself.
        if own[0].get("connect").is_some() {
            let c = &slot;
            let first = window.iter().find(|(s, _)| s == c).map(|(_, seen)| seen);
            match first {
                Some(Seen::Packet(Packet::ConnAck(ca), _)) if ca.code.0 != 0 => {
                    own[0]["connect"]["expect"] = json!([{"connack": {"reason-code": ca.code.0}}]);
                }
                Some(Seen::Closed) => own[0]["connect"]["expect"] = json!(["closed"]),
                // A CONNECT on a connection already connected: a protocol error.
                Some(Seen::Packet(Packet::Disconnect(d), _)) => {
                    own[0]["connect"]["expect"] = json!([{"disconnect": {"reason-code": d.reason_code.0}}]);
                }
                _ => {}
            }
            skip_connack = true;
        }
        steps.extend(own);
        for slot in 0..super::session::CLIENTS {
            let mine: Vec<&Seen> = window.iter().filter(|(s, _)| *s == slot).map(|(_, seen)| seen).collect();
            let mut mine: Vec<&Seen> =
                mine.into_iter().skip(usize::from(skip_connack && slot == op.slot())).collect();
            // `disconnect` and `drop` wait for the close themselves.
            if slot == slot_of_op && matches!(op, Op::Disconnect { .. } | Op::Drop { .. }) {
                mine.retain(|s| !matches!(s, Seen::Closed));
            }
            let is_check = i == finding.op && slot == finding.slot;
            let c = client(slot);
            // Several answers with no QoS 2 exchange among them: in any order, as a
            // broker may send them (a delivery to oneself and the PUBACK race). Their
            // deliveries go unacknowledged: an identifier cannot be captured there.
            let unordered = mine.len() > 1
                && mine.iter().all(|s| match s {
                    Seen::Packet(Packet::PubRel(_) | Packet::PubRec(_) | Packet::PubComp(_), _) => false,
                    Seen::Packet(Packet::Publish(pb), _) => pb.qos as u8 <= 1,
                    Seen::Packet(..) => true,
                    _ => false,
                });
            // Otherwise the answers that come first and need no identifier captured
            // (acknowledgements, PUBREC among them, and QoS 0 deliveries) may come in
            // any order too: a PUBREC and the delivery of the same message to oneself
            // race. The PUBRELs they call for go after them.
            let lead = if unordered {
                mine.len()
            } else {
                mine.iter()
                    .take_while(|s| match s {
                        Seen::Packet(Packet::PubRel(_) | Packet::PubComp(_), _) => false,
                        Seen::Packet(Packet::PubRec(a), _) => !a.reason_code.is_error(),
                        Seen::Packet(Packet::Publish(pb), _) => pb.qos as u8 == 0,
                        Seen::Packet(..) => true,
                        _ => false,
                    })
                    .count()
            };
            if lead > 1 {
                let mut wants = Vec::new();
                let mut replies = Vec::new();
                for seen in &mine[..lead] {
                    let Seen::Packet(p, _) = seen else { continue };
                    let (want, checks) = expectation(p, is_check, finding, &ref_names.prefix);
                    if checks {
                        check_step = steps.len() + 1;
                    }
                    wants.push(want);
                    if let Packet::PubRec(a) = p {
                        replies.push(
                            json!({"send": {"client": c, "packet": {"pubrel": {"packet-id": a.packet_id}}}}),
                        );
                    }
                }
                steps.push(json!({"expect-unordered": {"client": c, "packets": wants}}));
                steps.extend(replies);
                mine.drain(..lead);
            }
            // An identifier reused in flight: every delivery of the window is read
            // before any is acknowledged, and the reusing one must differ from those.
            let reuse = is_check
                && finding.check == Check::Flow
                && finding.message.contains("reuses packet identifier");
            // An alias an earlier connection set: the reference broker refuses it, or
            // at least routes it nowhere.
            let carried_over =
                finding.check == Check::TopicAlias && finding.message.contains("earlier network connection");
            let mut deferred = Vec::new();
            for (k, seen) in mine.iter().enumerate() {
                match seen {
                    Seen::Closed => {
                        open[slot] = false;
                        if is_check && (finding.check == Check::AcceptedMalformed || carried_over) {
                            check_step = steps.len() + 1;
                        }
                        steps.push(json!({"expect-closed": {"client": c}}));
                    }
                    Seen::Malformed(_) => return None,
                    Seen::Packet(p, _) => {
                        let (mut want, checks) = expectation(p, is_check, finding, &ref_names.prefix);
                        if checks && reuse {
                            want["publish"].as_object_mut().map(|m| m.remove("dup"));
                            want["publish"]["packet-id"] = json!({"none-of": delivered[slot].clone()});
                        }
                        // The identifiers of our own PUBLISHes are known (step index + 1).
                        let capture = matches!(p, Packet::Publish(pb) if pb.packet_id.is_some())
                            || matches!(p, Packet::PubRel(_));
                        if checks {
                            check_step = steps.len() + 1;
                        }
                        let name = format!("p{i}s{slot}n{k}");
                        let mut step = json!({"client": c, "packet": want});
                        if capture {
                            step["capture"] = json!({&name: "packet-id"});
                            if matches!(p, Packet::Publish(_)) {
                                delivered[slot].push(json!(format!("{{{{{name}}}}}")));
                            }
                        }
                        steps.push(json!({"expect": step}));
                        let reply = match p {
                            Packet::Publish(pb) if pb.qos as u8 == 1 => Some("puback"),
                            Packet::Publish(pb) if pb.qos as u8 == 2 => Some("pubrec"),
                            Packet::PubRec(a) if !a.reason_code.is_error() => Some("pubrel"),
                            Packet::PubRel(_) => Some("pubcomp"),
                            _ => None,
                        };
                        if let Some(r) = reply {
                            let pid = match p {
                                Packet::PubRec(a) => json!(a.packet_id),
                                _ => json!(format!("{{{{{name}}}}}")),
                            };
                            let ack = json!({"send": {"client": c, "packet": {r: {"packet-id": pid}}}});
                            if reuse { deferred.push(ack) } else { steps.push(ack) }
                        }
                    }
                }
            }
            steps.extend(deferred);
            // A PUBREL with no PUBREC before it: nothing more may come.
            let stray_pubrel = finding.check == Check::Flow && finding.message.contains("never sent PUBREC");
            let nothing_expected = stray_pubrel
                || carried_over && check_step == 0
                || matches!(finding.check, Check::NoSubscription | Check::MaxPacketSize | Check::Malformed);
            if is_check && nothing_expected {
                check_step = steps.len() + 1;
                steps.push(json!({"expect-nothing": {"client": c}}));
            }
            // A PUBLISH that calls for no answer, refused by a close: the connection must
            // still answer a PINGREQ.
            if is_check && finding.check == Check::Differential && check_step == 0 {
                steps.push(json!({"send": {"client": c, "packet": {"pingreq": {}}}}));
                check_step = steps.len() + 1;
                steps.push(json!({"expect": {"client": c, "packet": {"pingresp": {}}}}));
            }
            if is_check && finding.check == Check::AcceptedMalformed && check_step == 0 {
                check_step = steps.len() + 1;
                steps.push(json!({"expect-closed": {"client": c}}));
            }
        }
    }
    if check_step == 0 {
        return None;
    }
    let title = format!("fuzz finding: {}", finding.message.chars().take(100).collect::<String>());
    let doc = json!({
        "id": id,
        "title": title,
        "description": format!(
            "Found by `mqttspec fuzz` against {target} and minimised; the expectations are what the reference broker sends, and step {check_step} checks the finding: {}",
            finding.message
        ),
        "statements": statements,
        "level": if finding.should { "should" } else { "must" },
        "versions": [v.as_str()],
        "tags": ["fuzz"],
        "steps": steps,
    });
    let yaml = serde_yaml::to_string(&doc).ok()?;
    Some(Written { yaml, check_step, window_start })
}
