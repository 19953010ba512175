//! Turning scenario packet specs into codec packets (to send) and comparing received
//! packets against them (to expect).

use crate::model::*;
use bytes::Bytes;
use mqttspec_codec::{
    Ack, Auth, ConnAck, Connect, Disconnect, MqttString, Packet, Properties, Property, Publish, QoS,
    ReasonCode, SubAck, Subscribe, Subscription, SubscriptionOptions, Tamper, UnsubAck, Unsubscribe, Version,
    Will,
};
use regex::Regex;
use std::collections::BTreeMap;

/// Template values: `{{prefix}}`, `{{id:<client>}}`, and captures.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    /// Unique topic prefix of this run of this scenario.
    pub prefix: String,
    /// Unique client identifiers by client name.
    pub ids: BTreeMap<String, String>,
    /// Captured values by name.
    pub captures: BTreeMap<String, String>,
}

impl Vars {
    /// Expands every `{{...}}` in `s`.
    pub fn expand(&self, s: &str) -> Result<String, String> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| format!("unclosed template in {s:?}"))?;
            let name = after[..end].trim();
            let value = if name == "prefix" {
                self.prefix.clone()
            } else if let Some(client) = name.strip_prefix("id:") {
                self.ids
                    .get(client)
                    .cloned()
                    .ok_or_else(|| format!("no client {client:?} for {{{{{name}}}}}"))?
            } else {
                self.captures.get(name).cloned().ok_or_else(|| format!("nothing captured as {name:?} yet"))?
            };
            out.push_str(&value);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn num(&self, n: &Num, what: &str) -> Result<u64, String> {
        match n {
            Num::Lit(v) => Ok(*v),
            Num::Template(t) => {
                let s = self.expand(t)?;
                s.parse().map_err(|_| format!("{what}: {s:?} is not a number"))
            }
            Num::Match(_) => Err(format!("{what}: a matcher cannot be sent")),
        }
    }

    fn num_as<T: TryFrom<u64>>(&self, n: &Num, what: &str) -> Result<T, String> {
        let v = self.num(n, what)?;
        T::try_from(v).map_err(|_| format!("{what}: {v} is out of range"))
    }

    fn bytes(&self, s: &Str, what: &str) -> Result<Bytes, String> {
        match s {
            Str::Text(t) => Ok(Bytes::from(self.expand(t)?)),
            Str::Hex { hex } => parse_hex(hex).map(Bytes::from).map_err(|e| format!("{what}: {e}")),
            Str::Match(_) => Err(format!("{what}: a matcher cannot be sent")),
        }
    }

    fn string(&self, s: &Str, what: &str) -> Result<MqttString, String> {
        self.bytes(s, what).map(MqttString::from_raw)
    }
}

/// Parses hex with optional spaces, newlines and `#` comments.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: String = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    if digits.len() % 2 != 0 {
        return Err(format!("odd number of hex digits in {text:?}"));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16).map_err(|_| format!("bad hex {:?}", &digits[i..i + 2]))
        })
        .collect()
}

fn qos(v: u8) -> Result<QoS, String> {
    QoS::from_u8(v).ok_or_else(|| format!("QoS {v} does not exist (use tamper to send it)"))
}

/// Builds a property block.
pub fn build_props(vars: &Vars, p: &Option<PropsSpec>) -> Result<Properties, String> {
    let Some(p) = p else { return Ok(Properties::new()) };
    if let Some(hex) = &p.raw_hex {
        return parse_hex(hex).map(Properties::from_raw);
    }
    if !p.absent.is_empty() {
        return Err("`absent` only makes sense in an expectation".into());
    }
    let mut out = Vec::new();
    macro_rules! num {
        ($field:ident, $variant:ident) => {
            if let Some(v) = &p.$field {
                out.push(Property::$variant(vars.num_as(v, stringify!($field))?));
            }
        };
    }
    macro_rules! string {
        ($field:ident, $variant:ident) => {
            if let Some(v) = &p.$field {
                out.push(Property::$variant(vars.string(v, stringify!($field))?));
            }
        };
    }
    num!(payload_format_indicator, PayloadFormatIndicator);
    num!(message_expiry_interval, MessageExpiryInterval);
    string!(content_type, ContentType);
    string!(response_topic, ResponseTopic);
    if let Some(v) = &p.correlation_data {
        out.push(Property::CorrelationData(vars.bytes(v, "correlation-data")?));
    }
    for id in p.subscription_identifier.iter().flatten() {
        out.push(Property::SubscriptionIdentifier(vars.num_as(id, "subscription-identifier")?));
    }
    num!(session_expiry_interval, SessionExpiryInterval);
    string!(assigned_client_identifier, AssignedClientIdentifier);
    num!(server_keep_alive, ServerKeepAlive);
    string!(authentication_method, AuthenticationMethod);
    if let Some(v) = &p.authentication_data {
        out.push(Property::AuthenticationData(vars.bytes(v, "authentication-data")?));
    }
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
    for (k, v) in p.user_property.iter().flatten() {
        out.push(Property::UserProperty(vars.string(k, "user-property")?, vars.string(v, "user-property")?));
    }
    num!(maximum_packet_size, MaximumPacketSize);
    num!(wildcard_subscription_available, WildcardSubscriptionAvailable);
    num!(subscription_identifier_available, SubscriptionIdentifierAvailable);
    num!(shared_subscription_available, SharedSubscriptionAvailable);
    Properties::build(out).map_err(|e| e.to_string())
}

/// The version a CONNECT's `protocol` names.
pub fn protocol_version(p: &Option<String>, default: Version) -> Result<Version, String> {
    match p.as_deref() {
        None => Ok(default),
        Some("3.1") => Ok(Version::V3_1),
        Some("3.1.1") => Ok(Version::V3_1_1),
        Some("5.0") => Ok(Version::V5),
        Some(other) => Err(format!("protocol {other:?}: expected 3.1, 3.1.1 or 5.0")),
    }
}

/// Builds the CONNECT of a connect step or `send: {packet: {connect: ...}}`.
pub fn build_connect(
    vars: &Vars,
    f: &ConnectFields,
    client: &str,
    version: Version,
) -> Result<Connect, String> {
    let version = protocol_version(&f.protocol, version)?;
    let client_id = match &f.client_id {
        Some(s) => vars.string(s, "client-id")?,
        None => MqttString::from(vars.ids.get(client).cloned().unwrap_or_default()),
    };
    let mut c = Connect::new(version, client_id);
    c.clean_start = f.clean_start.unwrap_or(true);
    if let Some(k) = &f.keep_alive {
        c.keep_alive = vars.num_as(k, "keep-alive")?;
    }
    c.username = f.username.as_ref().map(|u| vars.string(u, "username")).transpose()?;
    c.password = f.password.as_ref().map(|p| vars.bytes(p, "password")).transpose()?;
    c.properties = build_props(vars, &f.properties)?;
    if let Some(w) = &f.will {
        c.will = Some(Will {
            qos: qos(w.qos.as_ref().map(|q| vars.num_as(q, "will qos")).transpose()?.unwrap_or(0))?,
            retain: w.retain.unwrap_or(false),
            properties: build_props(vars, &w.properties)?,
            topic: vars.string(&w.topic, "will topic")?,
            payload: w
                .payload
                .as_ref()
                .map(|p| vars.bytes(p, "will payload"))
                .transpose()?
                .unwrap_or_default(),
        });
    }
    Ok(c)
}

fn ack(vars: &Vars, f: &AckFields) -> Result<Ack, String> {
    Ok(Ack {
        packet_id: f.packet_id.as_ref().map(|p| vars.num_as(p, "packet-id")).transpose()?.unwrap_or(1),
        reason_code: ReasonCode(
            f.reason_code.as_ref().map(|r| vars.num_as(r, "reason-code")).transpose()?.unwrap_or(0),
        ),
        properties: build_props(vars, &f.properties)?,
    })
}

fn codes(vars: &Vars, f: &CodesFields) -> Result<Vec<ReasonCode>, String> {
    f.reason_codes.iter().flatten().map(|c| vars.num_as(c, "reason-code").map(ReasonCode)).collect()
}

/// Builds the packet a send step describes.
pub fn build(vars: &Vars, spec: &PacketSpec, client: &str, version: Version) -> Result<Packet, String> {
    let pid = |p: &Option<Num>| -> Result<u16, String> {
        p.as_ref().map(|p| vars.num_as(p, "packet-id")).transpose().map(|p| p.unwrap_or(1))
    };
    Ok(match spec {
        PacketSpec::Connect(f) => Packet::Connect(Box::new(build_connect(vars, f, client, version)?)),
        PacketSpec::Connack(f) => Packet::ConnAck(ConnAck {
            session_present: f.session_present.unwrap_or(false),
            code: ReasonCode(
                f.reason_code.as_ref().map(|r| vars.num_as(r, "reason-code")).transpose()?.unwrap_or(0),
            ),
            properties: build_props(vars, &f.properties)?,
        }),
        PacketSpec::Publish(f) => {
            let q = qos(f.qos.as_ref().map(|q| vars.num_as(q, "qos")).transpose()?.unwrap_or(0))?;
            let packet_id = match (&f.packet_id, q) {
                (Some(p), _) => Some(vars.num_as(p, "packet-id")?),
                (None, QoS::AtMostOnce) => None,
                (None, _) => Some(1),
            };
            Packet::Publish(Publish {
                dup: f.dup.unwrap_or(false),
                qos: q,
                retain: f.retain.unwrap_or(false),
                topic: f.topic.as_ref().map(|t| vars.string(t, "topic")).transpose()?.unwrap_or_default(),
                packet_id,
                properties: build_props(vars, &f.properties)?,
                payload: f
                    .payload
                    .as_ref()
                    .map(|p| vars.bytes(p, "payload"))
                    .transpose()?
                    .unwrap_or_default(),
            })
        }
        PacketSpec::Puback(f) => Packet::PubAck(ack(vars, f)?),
        PacketSpec::Pubrec(f) => Packet::PubRec(ack(vars, f)?),
        PacketSpec::Pubrel(f) => Packet::PubRel(ack(vars, f)?),
        PacketSpec::Pubcomp(f) => Packet::PubComp(ack(vars, f)?),
        PacketSpec::Subscribe(f) => {
            let mut filters = Vec::new();
            for s in &f.filters {
                let options = match &s.options {
                    Some(raw) => SubscriptionOptions(vars.num_as(raw, "options")?),
                    None => {
                        let q: u8 = s.qos.as_ref().map(|q| vars.num_as(q, "qos")).transpose()?.unwrap_or(0);
                        let rh: u8 = s
                            .retain_handling
                            .as_ref()
                            .map(|r| vars.num_as(r, "retain-handling"))
                            .transpose()?
                            .unwrap_or(0);
                        SubscriptionOptions(
                            q | (u8::from(s.no_local.unwrap_or(false)) << 2)
                                | (u8::from(s.retain_as_published.unwrap_or(false)) << 3)
                                | (rh << 4),
                        )
                    }
                };
                filters.push(Subscription { filter: vars.string(&s.filter, "filter")?, options });
            }
            Packet::Subscribe(Subscribe {
                packet_id: pid(&f.packet_id)?,
                properties: build_props(vars, &f.properties)?,
                filters,
            })
        }
        PacketSpec::Suback(f) => Packet::SubAck(SubAck {
            packet_id: pid(&f.packet_id)?,
            properties: build_props(vars, &f.properties)?,
            codes: codes(vars, f)?,
        }),
        PacketSpec::Unsubscribe(f) => Packet::Unsubscribe(Unsubscribe {
            packet_id: pid(&f.packet_id)?,
            properties: build_props(vars, &f.properties)?,
            filters: f.filters.iter().map(|s| vars.string(s, "filter")).collect::<Result<_, _>>()?,
        }),
        PacketSpec::Unsuback(f) => Packet::UnsubAck(UnsubAck {
            packet_id: pid(&f.packet_id)?,
            properties: build_props(vars, &f.properties)?,
            codes: codes(vars, f)?,
        }),
        PacketSpec::Pingreq(_) => Packet::PingReq,
        PacketSpec::Pingresp(_) => Packet::PingResp,
        PacketSpec::Disconnect(f) => Packet::Disconnect(Disconnect {
            reason_code: ReasonCode(
                f.reason_code.as_ref().map(|r| vars.num_as(r, "reason-code")).transpose()?.unwrap_or(0),
            ),
            properties: build_props(vars, &f.properties)?,
        }),
        PacketSpec::Auth(f) => Packet::Auth(Auth {
            reason_code: ReasonCode(
                f.reason_code.as_ref().map(|r| vars.num_as(r, "reason-code")).transpose()?.unwrap_or(0),
            ),
            properties: build_props(vars, &f.properties)?,
        }),
    })
}

/// Encodes `packet` as `version`, applying `tamper` if given.
pub fn encode(packet: &Packet, version: Version, tamper: &Option<TamperSpec>) -> Result<Bytes, String> {
    match tamper {
        None => packet.to_bytes(version).map_err(|e| e.to_string()),
        Some(t) => {
            let tamper = Tamper {
                first_byte: t.first_byte,
                flags: t.flags,
                remaining_length: t.remaining_length,
                remaining_length_width: t.remaining_length_width,
                protocol_name: t.protocol_name.as_ref().map(|n| Bytes::from(n.clone())),
                protocol_level: t.protocol_level,
                connect_flags: t.connect_flags,
                connack_flags: t.connack_flags,
                append: t.append_hex.as_deref().map(parse_hex).transpose()?.map(Bytes::from),
                truncate: t.truncate,
                skip_checks: t.skip_checks,
            };
            tamper.encode(packet, version).map_err(|e| e.to_string())
        }
    }
}

// ---------------------------------------------------------------- matching

fn check_num(vars: &Vars, what: &str, want: &Option<Num>, got: Option<u64>) -> Result<(), String> {
    let Some(want) = want else { return Ok(()) };
    let ok = match (want, got) {
        (Num::Match(NumMatch::Any(true)), g) => g.is_some(),
        (Num::Match(NumMatch::Any(false)), g) => g.is_none(),
        (_, None) => false,
        (Num::Lit(v), Some(g)) => *v == g,
        (Num::Template(t), Some(g)) => vars.expand(t)?.parse::<u64>().ok() == Some(g),
        (Num::Match(NumMatch::OneOf(vs)), Some(g)) => vs.contains(&g),
        (Num::Match(NumMatch::Range([lo, hi])), Some(g)) => (*lo..=*hi).contains(&g),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{what}: expected {}, got {}",
            show_num(want),
            got.map_or("nothing".into(), |g| format!("{g} (0x{g:02X})"))
        ))
    }
}

fn show_num(n: &Num) -> String {
    match n {
        Num::Lit(v) => format!("{v} (0x{v:02X})"),
        Num::Template(t) => t.clone(),
        Num::Match(m) => format!("{m:?}"),
    }
}

fn check_str(vars: &Vars, what: &str, want: &Option<Str>, got: Option<&[u8]>) -> Result<(), String> {
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
                .map_err(|e| format!("{what}: bad regex: {e}"))?;
            std::str::from_utf8(g).is_ok_and(|s| re.is_match(s))
        }
    };
    if ok { Ok(()) } else { Err(format!("{what}: expected {want:?}, got {shown}")) }
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

fn check_props(vars: &Vars, want: &Option<PropsSpec>, got: &Properties) -> Result<(), String> {
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
            return Err(format!("subscription-identifier: expected {want_ids:?}, got {got_ids:?}"));
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
            return Err(format!("user-property: expected {} pairs, got {got_pairs:?}", pairs.len()));
        }
        // MQTT-3.3.2-18 (5.0): order is kept, so it is compared.
        for ((k, v), (gk, gv)) in pairs.iter().zip(&got_pairs) {
            check_str(vars, "user-property name", &Some(k.clone()), Some(gk.as_bytes()))?;
            check_str(vars, "user-property value", &Some(v.clone()), Some(gv.as_bytes()))?;
        }
    }
    for name in &w.absent {
        let id = property_name_to_id(name).ok_or_else(|| format!("absent: unknown property {name:?}"))?;
        if got.get(id).is_some() {
            return Err(format!("{name}: expected absent, but present"));
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

fn check_ack(vars: &Vars, f: &AckFields, a: &Ack) -> Result<(), String> {
    check_num(vars, "packet-id", &f.packet_id, Some(u64::from(a.packet_id)))?;
    check_num(vars, "reason-code", &f.reason_code, Some(u64::from(a.reason_code.0)))?;
    check_props(vars, &f.properties, &a.properties)
}

fn check_codes(vars: &Vars, want: &Option<Vec<Num>>, got: &[ReasonCode]) -> Result<(), String> {
    let Some(want) = want else { return Ok(()) };
    if want.len() != got.len() {
        return Err(format!("reason-codes: expected {} codes, got {got:?}", want.len()));
    }
    for (w, g) in want.iter().zip(got) {
        check_num(vars, "reason-code", &Some(w.clone()), Some(u64::from(g.0)))?;
    }
    Ok(())
}

/// Whether `got` matches `want`; the error says which field differs.
pub fn matches(vars: &Vars, want: &PacketSpec, got: &Packet) -> Result<(), String> {
    if spec_kind(want) != kind_name(got) {
        return Err(format!(
            "expected {}, got {}",
            spec_kind(want).to_uppercase(),
            kind_name(got).to_uppercase()
        ));
    }
    match (want, got) {
        (PacketSpec::Connack(f), Packet::ConnAck(c)) => {
            check_num(vars, "reason-code", &f.reason_code, Some(u64::from(c.code.0)))?;
            if let Some(sp) = f.session_present {
                if sp != c.session_present {
                    return Err(format!("session-present: expected {sp}, got {}", c.session_present));
                }
            }
            check_props(vars, &f.properties, &c.properties)
        }
        (PacketSpec::Publish(f), Packet::Publish(p)) => {
            check_str(vars, "topic", &f.topic, Some(p.topic.as_bytes()))?;
            check_num(vars, "qos", &f.qos, Some(p.qos as u64))?;
            for (what, want, got) in [("retain", f.retain, p.retain), ("dup", f.dup, p.dup)] {
                if want.is_some_and(|w| w != got) {
                    return Err(format!("{what}: expected {}, got {got}", !got));
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
        _ => Err(format!("matching {} packets is not supported", spec_kind(want))),
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
        _ => None,
    }
}
