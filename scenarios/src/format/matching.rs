//! Comparing what a broker sent against a scenario's expectation. A difference is
//! the broker's ([`Mismatch::Differs`]); a value the scenario cannot even express
//! (a template naming nothing, a bad regex) is the scenario's ([`Mismatch::Build`]).

use super::build::{BuildError, Vars, parse_hex};
use crate::format::model::*;
use bytes::Bytes;
use mqttspec_codec::{Ack, MqttString, Packet, Properties, Property, ReasonCode};
use regex::Regex;

/// Why a received packet does not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mismatch {
    /// The broker sent something else: says which field and how.
    #[error("{0}")]
    Differs(String),
    /// The expectation itself cannot be evaluated.
    #[error(transparent)]
    Build(#[from] BuildError),
}

fn check_num(vars: &Vars, what: &str, want: &Option<Num>, got: Option<u64>) -> Result<(), Mismatch> {
    let Some(want) = want else { return Ok(()) };
    let ok = match (want, got) {
        (Num::Match(NumMatch::Any(true)), g) => g.is_some(),
        (Num::Match(NumMatch::Any(false)), g) => g.is_none(),
        (Num::Match(NumMatch::RangeOrAbsent([lo, hi])), g) => g.is_none_or(|g| (*lo..=*hi).contains(&g)),
        (_, None) => false,
        (Num::Lit(v), Some(g)) => *v == g,
        (Num::Template(t), Some(g)) => vars.expand(t)?.parse::<u64>().ok() == Some(g),
        (Num::Match(NumMatch::OneOf(vs)), Some(g)) => vs.contains(&g),
        (Num::Match(NumMatch::Range([lo, hi])), Some(g)) => (*lo..=*hi).contains(&g),
        (Num::Match(NumMatch::NoneOf(vs)), Some(g)) => {
            let mut taken = Vec::with_capacity(vs.len());
            for v in vs {
                taken.push(vars.num(v, what)?);
            }
            !taken.contains(&g)
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Mismatch::Differs(format!(
            "{what}: expected {}, got {}",
            show_num(want),
            got.map_or("nothing".into(), |g| format!("{g} (0x{g:02X})"))
        )))
    }
}

fn show_num(n: &Num) -> String {
    match n {
        Num::Lit(v) => format!("{v} (0x{v:02X})"),
        Num::Template(t) => t.clone(),
        Num::Match(m) => format!("{m:?}"),
    }
}

fn check_str(vars: &Vars, what: &str, want: &Option<Str>, got: Option<&[u8]>) -> Result<(), Mismatch> {
    let Some(want) = want else { return Ok(()) };
    let shown = got.map_or("nothing".to_string(), |g| format!("{:?}", String::from_utf8_lossy(g)));
    let ok = match (want, got) {
        (Str::Match(StrMatch::Any(true)), g) => g.is_some(),
        (Str::Match(StrMatch::Any(false)), g) => g.is_none(),
        (_, None) => false,
        (Str::Text(t), Some(g)) => vars.expand(t)?.as_bytes() == g,
        (Str::Hex { hex }, Some(g)) => parse_hex(hex)? == g,
        (Str::Match(StrMatch::OneOf(vs)), Some(g)) => {
            let mut any = false;
            for v in vs {
                any |= vars.expand(v)?.as_bytes() == g;
            }
            any
        }
        (Str::Match(StrMatch::Regex(r)), Some(g)) => {
            let re = Regex::new(&format!("^(?:{})$", vars.expand(r)?))
                .map_err(|e| BuildError(format!("{what}: bad regex: {e}")))?;
            std::str::from_utf8(g).is_ok_and(|s| re.is_match(s))
        }
    };
    if ok { Ok(()) } else { Err(Mismatch::Differs(format!("{what}: expected {want:?}, got {shown}"))) }
}

fn find_num(props: &Properties, f: impl Fn(&Property) -> Option<u64>) -> Option<u64> {
    props.iter().find_map(|p| f(&p))
}

fn find_bytes(props: &Properties, f: impl Fn(&Property) -> Option<Bytes>) -> Option<Bytes> {
    props.iter().find_map(|p| f(&p))
}

/// Property names as scenarios spell them, for `absent`.
pub fn property_name_to_id(name: &str) -> Option<mqttspec_codec::PropertyId> {
    mqttspec_codec::property::ALL_PROPERTY_IDS
        .iter()
        .copied()
        .find(|id| id.name().is_some_and(|n| n.to_lowercase().replace(' ', "-") == name))
}

fn check_props(vars: &Vars, want: &Option<PropsSpec>, got: &Properties) -> Result<(), Mismatch> {
    let Some(w) = want else { return Ok(()) };
    macro_rules! num {
        ($field:ident, $variant:ident) => {
            check_num(
                vars,
                stringify!($field),
                &w.$field,
                find_num(got, |p| match p {
                    Property::$variant(v) => Some(u64::from(*v)),
                    _ => None,
                }),
            )?;
        };
    }
    macro_rules! string {
        ($field:ident, $variant:ident) => {
            check_str(
                vars,
                stringify!($field),
                &w.$field,
                find_bytes(got, |p| match p {
                    Property::$variant(v) => Some(v.bytes().clone()),
                    _ => None,
                })
                .as_deref(),
            )?;
        };
    }
    num!(payload_format_indicator, PayloadFormatIndicator);
    num!(message_expiry_interval, MessageExpiryInterval);
    string!(content_type, ContentType);
    string!(response_topic, ResponseTopic);
    check_str(
        vars,
        "correlation-data",
        &w.correlation_data,
        find_bytes(got, |p| match p {
            Property::CorrelationData(v) => Some(v.clone()),
            _ => None,
        })
        .as_deref(),
    )?;
    if let Some(ids) = &w.subscription_identifier {
        let mut got_ids: Vec<u64> = got.subscription_identifiers().map(u64::from).collect();
        let mut want_ids: Vec<u64> =
            ids.iter().map(|i| vars.num(i, "subscription-identifier")).collect::<Result<_, _>>()?;
        // MQTT-3.3.4-4 (5.0): the identifiers may come in any order.
        got_ids.sort_unstable();
        want_ids.sort_unstable();
        if got_ids != want_ids {
            return Err(Mismatch::Differs(format!(
                "subscription-identifier: expected {want_ids:?}, got {got_ids:?}"
            )));
        }
    }
    num!(session_expiry_interval, SessionExpiryInterval);
    string!(assigned_client_identifier, AssignedClientIdentifier);
    num!(server_keep_alive, ServerKeepAlive);
    string!(authentication_method, AuthenticationMethod);
    num!(request_problem_information, RequestProblemInformation);
    num!(will_delay_interval, WillDelayInterval);
    num!(request_response_information, RequestResponseInformation);
    string!(response_information, ResponseInformation);
    string!(server_reference, ServerReference);
    string!(reason_string, ReasonString);
    num!(receive_maximum, ReceiveMaximum);
    num!(topic_alias_maximum, TopicAliasMaximum);
    num!(topic_alias, TopicAlias);
    num!(maximum_qos, MaximumQos);
    num!(retain_available, RetainAvailable);
    num!(maximum_packet_size, MaximumPacketSize);
    num!(wildcard_subscription_available, WildcardSubscriptionAvailable);
    num!(subscription_identifier_available, SubscriptionIdentifierAvailable);
    num!(shared_subscription_available, SharedSubscriptionAvailable);
    if let Some(pairs) = &w.user_property {
        let got_pairs: Vec<(MqttString, MqttString)> = got.user_properties().collect();
        if got_pairs.len() != pairs.len() {
            return Err(Mismatch::Differs(format!(
                "user-property: expected {} pairs, got {got_pairs:?}",
                pairs.len()
            )));
        }
        // MQTT-3.3.2-18 (5.0): order is kept, so it is compared.
        for ((k, v), (gk, gv)) in pairs.iter().zip(&got_pairs) {
            check_str(vars, "user-property name", &Some(k.clone()), Some(gk.as_bytes()))?;
            check_str(vars, "user-property value", &Some(v.clone()), Some(gv.as_bytes()))?;
        }
    }
    for name in &w.absent {
        let id = property_name_to_id(name)
            .ok_or_else(|| BuildError(format!("absent: unknown property {name:?}")))?;
        if got.get(id).is_some() {
            return Err(Mismatch::Differs(format!("{name}: expected absent, but present")));
        }
    }
    Ok(())
}

/// The spec's name for a packet kind, as scenarios spell it.
pub fn kind_name(p: &Packet) -> &'static str {
    match p {
        Packet::Connect(_) => "connect",
        Packet::ConnAck(_) => "connack",
        Packet::Publish(_) => "publish",
        Packet::PubAck(_) => "puback",
        Packet::PubRec(_) => "pubrec",
        Packet::PubRel(_) => "pubrel",
        Packet::PubComp(_) => "pubcomp",
        Packet::Subscribe(_) => "subscribe",
        Packet::SubAck(_) => "suback",
        Packet::Unsubscribe(_) => "unsubscribe",
        Packet::UnsubAck(_) => "unsuback",
        Packet::PingReq => "pingreq",
        Packet::PingResp => "pingresp",
        Packet::Disconnect(_) => "disconnect",
        Packet::Auth(_) => "auth",
    }
}

/// The kind a spec describes.
pub fn spec_kind(s: &PacketSpec) -> &'static str {
    match s {
        PacketSpec::Connect(_) => "connect",
        PacketSpec::Connack(_) => "connack",
        PacketSpec::Publish(_) => "publish",
        PacketSpec::Puback(_) => "puback",
        PacketSpec::Pubrec(_) => "pubrec",
        PacketSpec::Pubrel(_) => "pubrel",
        PacketSpec::Pubcomp(_) => "pubcomp",
        PacketSpec::Subscribe(_) => "subscribe",
        PacketSpec::Suback(_) => "suback",
        PacketSpec::Unsubscribe(_) => "unsubscribe",
        PacketSpec::Unsuback(_) => "unsuback",
        PacketSpec::Pingreq(_) => "pingreq",
        PacketSpec::Pingresp(_) => "pingresp",
        PacketSpec::Disconnect(_) => "disconnect",
        PacketSpec::Auth(_) => "auth",
    }
}

fn check_ack(vars: &Vars, f: &AckFields, a: &Ack) -> Result<(), Mismatch> {
    check_num(vars, "packet-id", &f.packet_id, Some(u64::from(a.packet_id)))?;
    check_num(vars, "reason-code", &f.reason_code, Some(u64::from(a.reason_code.0)))?;
    check_props(vars, &f.properties, &a.properties)
}

fn check_codes(vars: &Vars, want: &Option<Vec<Num>>, got: &[ReasonCode]) -> Result<(), Mismatch> {
    let Some(want) = want else { return Ok(()) };
    if want.len() != got.len() {
        return Err(Mismatch::Differs(format!("reason-codes: expected {} codes, got {got:?}", want.len())));
    }
    for (w, g) in want.iter().zip(got) {
        check_num(vars, "reason-code", &Some(w.clone()), Some(u64::from(g.0)))?;
    }
    Ok(())
}

/// Whether `got` matches `want`; the error says which field differs.
pub fn matches(vars: &Vars, want: &PacketSpec, got: &Packet) -> Result<(), Mismatch> {
    if spec_kind(want) != kind_name(got) {
        return Err(Mismatch::Differs(format!(
            "expected {}, got {}",
            spec_kind(want).to_uppercase(),
            kind_name(got).to_uppercase()
        )));
    }
    match (want, got) {
        (PacketSpec::Connack(f), Packet::ConnAck(c)) => {
            check_num(vars, "reason-code", &f.reason_code, Some(u64::from(c.code.0)))?;
            if let Some(sp) = f.session_present {
                if sp != c.session_present {
                    return Err(Mismatch::Differs(format!(
                        "session-present: expected {sp}, got {}",
                        c.session_present
                    )));
                }
            }
            check_props(vars, &f.properties, &c.properties)
        }
        (PacketSpec::Publish(f), Packet::Publish(p)) => {
            check_str(vars, "topic", &f.topic, Some(p.topic.as_bytes()))?;
            check_num(vars, "qos", &f.qos, Some(p.qos as u64))?;
            for (what, want, got) in [("retain", f.retain, p.retain), ("dup", f.dup, p.dup)] {
                if want.is_some_and(|w| w != got) {
                    return Err(Mismatch::Differs(format!("{what}: expected {}, got {got}", !got)));
                }
            }
            check_num(vars, "packet-id", &f.packet_id, p.packet_id.map(u64::from))?;
            check_str(vars, "payload", &f.payload, Some(&p.payload))?;
            check_props(vars, &f.properties, &p.properties)
        }
        (PacketSpec::Puback(f), Packet::PubAck(a))
        | (PacketSpec::Pubrec(f), Packet::PubRec(a))
        | (PacketSpec::Pubrel(f), Packet::PubRel(a))
        | (PacketSpec::Pubcomp(f), Packet::PubComp(a)) => check_ack(vars, f, a),
        (PacketSpec::Suback(f), Packet::SubAck(s)) => {
            check_num(vars, "packet-id", &f.packet_id, Some(u64::from(s.packet_id)))?;
            check_codes(vars, &f.reason_codes, &s.codes)?;
            check_props(vars, &f.properties, &s.properties)
        }
        (PacketSpec::Unsuback(f), Packet::UnsubAck(s)) => {
            check_num(vars, "packet-id", &f.packet_id, Some(u64::from(s.packet_id)))?;
            check_codes(vars, &f.reason_codes, &s.codes)?;
            check_props(vars, &f.properties, &s.properties)
        }
        (PacketSpec::Disconnect(f), Packet::Disconnect(d)) => {
            check_num(vars, "reason-code", &f.reason_code, Some(u64::from(d.reason_code.0)))?;
            check_props(vars, &f.properties, &d.properties)
        }
        (PacketSpec::Auth(f), Packet::Auth(a)) => {
            check_num(vars, "reason-code", &f.reason_code, Some(u64::from(a.reason_code.0)))?;
            check_props(vars, &f.properties, &a.properties)
        }
        (PacketSpec::Pingresp(_), Packet::PingResp) | (PacketSpec::Pingreq(_), Packet::PingReq) => Ok(()),
        _ => {
            Err(Mismatch::Build(BuildError(format!("matching {} packets is not supported", spec_kind(want)))))
        }
    }
}

/// Reads a captured field from a packet.
pub fn capture(field: CaptureField, p: &Packet) -> Option<String> {
    match (field, p) {
        (CaptureField::PacketId, Packet::Publish(p)) => p.packet_id.map(|i| i.to_string()),
        (
            CaptureField::PacketId,
            Packet::PubAck(a) | Packet::PubRec(a) | Packet::PubRel(a) | Packet::PubComp(a),
        ) => Some(a.packet_id.to_string()),
        (CaptureField::PacketId, Packet::SubAck(s)) => Some(s.packet_id.to_string()),
        (CaptureField::PacketId, Packet::UnsubAck(s)) => Some(s.packet_id.to_string()),
        (CaptureField::Topic, Packet::Publish(p)) => Some(p.topic.to_string()),
        (CaptureField::AssignedClientIdentifier, Packet::ConnAck(c)) => {
            c.properties.assigned_client_identifier().map(|s| s.to_string())
        }
        (CaptureField::SubscriptionIdentifier, Packet::Publish(p)) => {
            p.properties.subscription_identifiers().next().map(|i| i.to_string())
        }
        (CaptureField::AuthenticationData, Packet::Auth(a)) => {
            a.properties.authentication_data().map(|d| String::from_utf8_lossy(&d).into_owned())
        }
        (CaptureField::AuthenticationData, Packet::ConnAck(c)) => {
            c.properties.authentication_data().map(|d| String::from_utf8_lossy(&d).into_owned())
        }
        _ => None,
    }
}

/// Checks, before any run, that an expectation can be evaluated: a client can
/// receive the packet, its regular expressions compile, the properties it says must
/// be absent exist. Templates are checked by the loader.
pub fn check_expectation(vars: &Vars, spec: &PacketSpec) -> Result<(), BuildError> {
    if matches!(
        spec,
        PacketSpec::Connect(_)
            | PacketSpec::Subscribe(_)
            | PacketSpec::Unsubscribe(_)
            | PacketSpec::Pingreq(_)
    ) {
        return Err(BuildError(format!("a client cannot receive {}", spec_kind(spec).to_uppercase())));
    }
    let value = serde_yaml::to_value(spec).map_err(|e| BuildError(e.to_string()))?;
    let mut problems = Vec::new();
    walk(&value, &mut |key, v| match (key, v) {
        ("regex", serde_yaml::Value::String(r)) => {
            let expanded = vars.expand(r).unwrap_or_else(|_| r.clone());
            if let Err(e) = Regex::new(&format!("^(?:{expanded})$")) {
                problems.push(format!("bad regex {r:?}: {e}"));
            }
        }
        ("absent", serde_yaml::Value::Sequence(names)) => {
            for n in names {
                let name = n.as_str().unwrap_or_default();
                if property_name_to_id(name).is_none() {
                    problems.push(format!("absent: unknown property {name:?}"));
                }
            }
        }
        _ => {}
    });
    match problems.into_iter().next() {
        Some(p) => Err(BuildError(p)),
        None => Ok(()),
    }
}

fn walk(v: &serde_yaml::Value, f: &mut dyn FnMut(&str, &serde_yaml::Value)) {
    match v {
        serde_yaml::Value::Mapping(m) => {
            for (k, v) in m {
                f(k.as_str().unwrap_or_default(), v);
                walk(v, f);
            }
        }
        serde_yaml::Value::Sequence(items) => items.iter().for_each(|i| walk(i, f)),
        // Externally tagged enums (`{regex: ...}`) serialize as YAML tags.
        serde_yaml::Value::Tagged(t) => {
            f(t.tag.to_string().trim_start_matches('!'), &t.value);
            walk(&t.value, f);
        }
        _ => {}
    }
}
