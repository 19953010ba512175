//! Load-time checks: everything about a scenario that can be known without a broker.
//!
//! A fault found here is the scenario's, reported with its file and line before any
//! case runs; a fault the runner meets anyway is a harness `error`, never a broker
//! `fail`. Checked per step, in order: the client exists and is connected (not used
//! after the scenario dropped it), every `{{template}}` names the prefix, a client of
//! the scenario or a value captured by an *earlier* step, the packet a step sends
//! builds and encodes in every version the scenario runs in (numbers in range, hex
//! well-formed, matchers only where something is matched), an expectation names only
//! packets a client can receive, compiles its regular expressions and names real
//! properties, and waits for at most one kind of time.

use super::build::{self, Vars};
use super::fields::{PacketSpec, TamperSpec};
use super::matching;
use super::model::{Capability, CaptureField, FrameType, Outcome, Scenario, Step};
use mqttspec_codec::Version as CodecVersion;
use std::collections::{BTreeMap, BTreeSet};

/// What went wrong at which step (0-based).
pub type StepFault = (usize, String);

/// Where a client of the scenario stands at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conn {
    /// Connected (or at least opened), speaking this version.
    Open(CodecVersion),
    /// The scenario closed it (`drop`, `disconnect`) at this step.
    Closed(usize),
}

/// A stand-in value of each capture kind, for building packets ahead of the run.
fn sample(field: CaptureField) -> &'static str {
    match field {
        CaptureField::PacketId | CaptureField::SubscriptionIdentifier => "1",
        CaptureField::Topic => "sample/topic",
        CaptureField::AssignedClientIdentifier => "sampleid",
        CaptureField::AuthenticationData => "r=samplenonce,s=c2FsdA==,i=1",
    }
}

/// Checks a parsed scenario; the first fault found, with its step.
pub fn scenario(s: &Scenario) -> Result<(), StepFault> {
    let mut ids = BTreeMap::new();
    let websocket = s.requires.contains(&Capability::Websocket);
    for (i, step) in s.steps.iter().enumerate() {
        let ws_only = match step {
            Step::SendFrames(_) => true,
            Step::Open(o) => o.subprotocols.is_some(),
            _ => false,
        };
        if ws_only && !websocket {
            return Err((i, "send-frames and open's subprotocols need `requires: [websocket]`".into()));
        }
    }
    for step in &s.steps {
        if let Step::Connect(c) = step {
            ids.insert(c.client.clone(), format!("sample{}", c.client));
        } else if let Step::Open(c) = step {
            ids.insert(c.client.clone(), format!("sample{}", c.client));
        }
    }
    for v in &s.versions {
        let mut vars = Vars { prefix: "mqttspec/sample".into(), ids: ids.clone(), captures: BTreeMap::new() };
        let mut clients: BTreeMap<String, Conn> = BTreeMap::new();
        for (i, step) in s.steps.iter().enumerate() {
            let at = |m: String| (i, m);
            check_templates(step, &vars).map_err(at)?;
            check_step(i, step, v.codec(), &mut clients, &vars).map_err(|m| (i, format!("[{v}] {m}")))?;
            for (name, field) in captures(step) {
                vars.captures.insert(name.clone(), sample(*field).to_string());
            }
        }
    }
    Ok(())
}

/// The capture map of a step, if it has one.
fn captures(step: &Step) -> impl Iterator<Item = (&String, &CaptureField)> {
    let map = match step {
        Step::Connect(c) => Some(&c.capture),
        Step::Expect(e) => Some(&e.capture),
        _ => None,
    };
    map.into_iter().flatten()
}

/// The client a step uses and whether it (re)connects it.
fn client_of(step: &Step) -> Option<(&str, bool)> {
    Some(match step {
        Step::Connect(c) => (&c.client, true),
        Step::Open(c) => (&c.client, true),
        Step::Send(s) => (&s.client, false),
        Step::SendRaw(s) => (&s.client, false),
        Step::SendFrames(s) => (&s.client, false),
        Step::Expect(s) => (&s.client, false),
        Step::ExpectClosed(s) => (&s.client, false),
        Step::ExpectNothing(s) => (&s.client, false),
        Step::ExpectUnordered(s) => (&s.client, false),
        Step::Disconnect(s) => (&s.client, false),
        Step::Drop(s) => (&s.client, false),
        Step::Wait(_) => return None,
    })
}

fn check_step(
    i: usize,
    step: &Step,
    version: CodecVersion,
    clients: &mut BTreeMap<String, Conn>,
    vars: &Vars,
) -> Result<(), String> {
    let Some((client, connects)) = client_of(step) else { return Ok(()) };
    if client.is_empty() || !client.chars().all(|ch| ch.is_ascii_alphanumeric()) {
        return Err(format!("client name {client:?} must be ASCII letters and digits"));
    }
    let conn_version = match (clients.get(client), connects) {
        (_, true) => match step {
            Step::Connect(c) => c.protocol.map_or(version, |p| p.codec()),
            _ => version,
        },
        (None, false) => return Err(format!("client {client:?} is used before a connect step")),
        (Some(Conn::Closed(at)), false) => {
            return Err(format!(
                "client {client:?} is used after the scenario closed it at step {} and before it connects again",
                at + 1
            ));
        }
        (Some(Conn::Open(v)), false) => *v,
    };
    let built = |r: Result<(), build::BuildError>| r.map_err(|e| e.0);
    match step {
        Step::Connect(c) => {
            clients.insert(client.to_string(), Conn::Open(conn_version));
            let connect = build::build_connect(vars, &c.fields(), client, version).map_err(|e| e.0)?;
            let packet = mqttspec_codec::Packet::Connect(Box::new(connect));
            built(encode(&packet, conn_version, &c.tamper))?;
            if let Some(outcomes) = &c.expect {
                check_outcomes(outcomes, vars)?;
            }
        }
        Step::Open(_) => {
            clients.insert(client.to_string(), Conn::Open(conn_version));
        }
        Step::Send(s) => {
            let packet = build::build(vars, &s.packet, client, conn_version).map_err(|e| e.0)?;
            built(encode(&packet, conn_version, &s.tamper))?;
        }
        Step::SendRaw(s) => {
            build::parse_hex(&s.hex).map_err(|e| format!("hex: {e}"))?;
        }
        Step::SendFrames(f) => {
            let mut bytes = Vec::new();
            for spec in &f.packets {
                let packet = build::build(vars, spec, client, conn_version).map_err(|e| e.0)?;
                bytes.extend_from_slice(&build::encode(&packet, conn_version, &None).map_err(|e| e.0)?);
            }
            if f.split.contains(&0) || f.split.iter().sum::<usize>() > bytes.len() {
                return Err(format!("split {:?}: the packets are {} bytes", f.split, bytes.len()));
            }
            if f.frame_type == FrameType::Text && std::str::from_utf8(&bytes).is_err() {
                return Err("a text frame must hold UTF-8: these packets are not".into());
            }
        }
        Step::Expect(e) => {
            let outcomes = match (&e.packet, &e.one_of) {
                (Some(p), None) => vec![Outcome::Packet(p.clone())],
                (None, Some(o)) => o.clone(),
                _ => return Err("expect needs exactly one of `packet` and `one-of`".into()),
            };
            check_outcomes(&outcomes, vars)?;
            one_kind_of_time(e.patience_ms, e.within_ms)?;
            for field in e.capture.values() {
                let can = outcomes.iter().all(|o| match o {
                    Outcome::Packet(p) => capturable(*field, p),
                    _ => false,
                });
                if !can {
                    return Err(format!("capture {field:?}: not every outcome of this expect carries it"));
                }
            }
        }
        Step::ExpectClosed(e) => one_kind_of_time(e.patience_ms, e.within_ms)?,
        Step::ExpectUnordered(e) => {
            let outcomes: Vec<Outcome> = e.packets.iter().cloned().map(Outcome::Packet).collect();
            check_outcomes(&outcomes, vars)?;
            one_kind_of_time(e.patience_ms, e.within_ms)?;
        }
        Step::Disconnect(d) => {
            let spec = PacketSpec::Disconnect(super::fields::ReasonFields {
                reason_code: d.reason_code.clone(),
                properties: d.properties.clone(),
            });
            let packet = build::build(vars, &spec, client, conn_version).map_err(|e| e.0)?;
            built(encode(&packet, conn_version, &None))?;
            clients.insert(client.to_string(), Conn::Closed(i));
        }
        Step::Drop(_) => {
            clients.insert(client.to_string(), Conn::Closed(i));
        }
        Step::ExpectNothing(_) | Step::Wait(_) => {}
    }
    Ok(())
}

fn encode(
    packet: &mqttspec_codec::Packet,
    version: CodecVersion,
    tamper: &Option<TamperSpec>,
) -> Result<(), build::BuildError> {
    build::encode(packet, version, tamper).map(|_| ())
}

fn one_kind_of_time(patience: Option<u64>, within: Option<u64>) -> Result<(), String> {
    if patience.is_some() && within.is_some() {
        return Err("give `patience-ms` (how long to wait, scaled by --timeout-scale) or `within-ms` \
                    (a deadline the spec sets, never scaled), not both"
            .into());
    }
    Ok(())
}

/// Whether a packet of this kind carries the captured field.
fn capturable(field: CaptureField, p: &PacketSpec) -> bool {
    use PacketSpec as P;
    match field {
        CaptureField::PacketId => matches!(
            p,
            P::Publish(_)
                | P::Puback(_)
                | P::Pubrec(_)
                | P::Pubrel(_)
                | P::Pubcomp(_)
                | P::Suback(_)
                | P::Unsuback(_)
        ),
        CaptureField::Topic | CaptureField::SubscriptionIdentifier => matches!(p, P::Publish(_)),
        CaptureField::AssignedClientIdentifier => matches!(p, P::Connack(_)),
        CaptureField::AuthenticationData => matches!(p, P::Connack(_) | P::Auth(_)),
    }
}

fn check_outcomes(outcomes: &[Outcome], vars: &Vars) -> Result<(), String> {
    for o in outcomes {
        match o {
            Outcome::Closed | Outcome::ClosedSilently => {}
            Outcome::Raw(hex) => {
                build::parse_hex(hex).map_err(|e| format!("raw: {e}"))?;
            }
            Outcome::Packet(spec) => matching::check_expectation(vars, spec).map_err(|e| e.0)?,
            Outcome::Unordered(specs) if specs.len() < 2 => {
                return Err("unordered: list two packets or more (one packet is `packet`)".into());
            }
            Outcome::Unordered(specs) => {
                for spec in specs {
                    matching::check_expectation(vars, spec).map_err(|e| e.0)?;
                }
            }
        }
    }
    Ok(())
}

/// Every `{{...}}` in the step names something defined by now.
fn check_templates(step: &Step, vars: &Vars) -> Result<(), String> {
    let value = serde_yaml::to_value(step).map_err(|e| e.to_string())?;
    let mut texts = Vec::new();
    strings(&value, &mut texts);
    for text in texts {
        let mut rest = text.as_str();
        while let Some(start) = rest.find("{{") {
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| format!("unclosed template in {text:?}"))?;
            let name = after[..end].trim();
            if name == "prefix" {
            } else if let Some(args) = name.strip_prefix("scram-final:") {
                let captured = args.rsplit(':').next().filter(|c| vars.captures.contains_key(*c));
                if args.split(':').count() != 4 || captured.is_none() {
                    return Err(format!(
                        "template {{{{{name}}}}}: scram-final:<user>:<password>:<client nonce>:<capture of the server-first-message>, captured by an earlier step"
                    ));
                }
            } else if let Some(client) = name.strip_prefix("id:") {
                if !vars.ids.contains_key(client) {
                    return Err(format!("template {{{{{name}}}}}: the scenario has no client {client:?}"));
                }
            } else if !vars.captures.contains_key(name) {
                let known: BTreeSet<&str> = vars.captures.keys().map(String::as_str).collect();
                let known = if known.is_empty() {
                    "nothing is captured before this step".to_string()
                } else {
                    format!("captured before this step: {}", known.into_iter().collect::<Vec<_>>().join(", "))
                };
                return Err(format!(
                    "template {{{{{name}}}}} names no value: not `prefix`, not `id:<client>`, and not captured by an earlier step ({known})"
                ));
            }
            rest = &after[end + 2..];
        }
    }
    Ok(())
}

fn strings(v: &serde_yaml::Value, out: &mut Vec<String>) {
    match v {
        serde_yaml::Value::String(s) => out.push(s.clone()),
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| strings(i, out)),
        serde_yaml::Value::Mapping(m) => m.iter().for_each(|(k, v)| {
            strings(k, out);
            strings(v, out);
        }),
        serde_yaml::Value::Tagged(t) => strings(&t.value, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::format::catalogue::Catalogue;
    use crate::format::load::parse;
    use std::path::Path;

    fn load(steps: &str) -> Result<(), String> {
        let text = format!(
            "id: x\ntitle: t\nstatements: [MQTT-3.1.2-3]\nlevel: must\nversions: ['3.1.1', '5.0']\nsteps:\n{steps}"
        );
        parse(&text, Path::new("c/x.yaml"), &Catalogue::builtin()).map(|_| ()).map_err(|e| e.to_string())
    }

    #[test]
    fn a_misspelt_capture_is_a_load_error_with_file_and_line() {
        let e = load(
            "  - connect: {client: a}\n  - send: {client: a, packet: {publish: {topic: t, qos: 1, packet-id: 5}}}\n  - expect: {client: a, packet: {puback: {}}, capture: {pid: packet-id}}\n  - send: {client: a, packet: {pubrel: {packet-id: \"{{pdi}}\"}}}\n",
        )
        .unwrap_err();
        assert!(e.starts_with("c/x.yaml:10: step 4:"), "{e}");
        assert!(e.contains("{{pdi}}") && e.contains("captured before this step: pid"), "{e}");
    }

    #[test]
    fn a_capture_used_before_it_is_defined_is_refused() {
        let e = load(
            "  - connect: {client: a}\n  - send: {client: a, packet: {puback: {packet-id: \"{{pid}}\"}}}\n  - expect: {client: a, packet: {puback: {}}, capture: {pid: packet-id}}\n",
        )
        .unwrap_err();
        assert!(e.contains("c/x.yaml:8: step 2") && e.contains("nothing is captured"), "{e}");
    }

    #[test]
    fn bad_hex_unknown_property_bad_regex_and_unknown_client_are_refused() {
        for (steps, needle) in [
            ("  - connect: {client: a}\n  - send-raw: {client: a, hex: \"30 0\"}\n", "odd number"),
            ("  - connect: {client: a}\n  - send-raw: {client: a, hex: \"zz\"}\n", "bad hex"),
            (
                "  - connect: {client: a}\n  - expect: {client: a, packet: {connack: {properties: {absent: [no-such-thing]}}}}\n",
                "unknown property",
            ),
            (
                "  - connect: {client: a}\n  - expect: {client: a, packet: {publish: {topic: {regex: \"a(\"}}}}\n",
                "bad regex",
            ),
            ("  - connect: {client: a, client-id: \"{{id:b}}\"}\n", "no client \"b\""),
            (
                "  - connect: {client: a}\n  - drop: {client: a}\n  - send: {client: a, packet: {pingreq: {}}}\n",
                "closed it at step",
            ),
            ("  - connect: {client: a}\n  - expect: {client: a, packet: {pingreq: {}}}\n", "cannot receive"),
            (
                "  - connect: {client: a}\n  - expect: {client: a, one-of: [unordered: [publish: {}]]}\n",
                "two packets or more",
            ),
            (
                "  - connect: {client: a}\n  - expect: {client: a, one-of: [unordered: [publish: {}, pingreq: {}]]}\n",
                "cannot receive",
            ),
            (
                "  - connect: {client: a}\n  - expect-closed: {client: a, patience-ms: 1, within-ms: 2}\n",
                "not both",
            ),
            (
                "  - connect: {client: a}\n  - send: {client: a, packet: {publish: {topic: t, qos: 1, packet-id: 70000}}}\n",
                "out of range",
            ),
            (
                "  - connect: {client: a}\n  - expect: {client: a, packet: {suback: {}}, capture: {t: topic}}\n",
                "capture Topic",
            ),
        ] {
            let e = load(steps).unwrap_err();
            assert!(e.contains(needle), "{needle}: {e}");
        }
    }

    #[test]
    fn a_correct_scenario_loads() {
        load(
            "  - connect: {client: a, client-id: \"{{id:a}}\"}\n  - send: {client: a, packet: {subscribe: {packet-id: 1, filters: [{filter: \"{{prefix}}/t\", qos: 1}]}}}\n  - expect: {client: a, packet: {suback: {packet-id: 1}}, capture: {p: packet-id}}\n  - send: {client: a, packet: {unsubscribe: {packet-id: \"{{p}}\", filters: [\"{{prefix}}/t\"]}}}\n  - expect: {client: a, packet: {unsuback: {}}, within-ms: 500}\n  - disconnect: {client: a}\n  - connect: {client: a}\n",
        )
        .unwrap();
    }
}
