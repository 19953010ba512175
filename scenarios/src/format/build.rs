//! Turning scenario packet specs into codec packets, to send: templates expanded,
//! numbers range-checked, hex parsed, properties built, faults applied.

use crate::format::model::*;
use bytes::Bytes;
use mqttspec_codec::{
    Ack, Auth, ConnAck, Connect, Disconnect, MqttString, Packet, Properties, Property, Publish, QoS,
    ReasonCode, SubAck, Subscribe, Subscription, SubscriptionOptions, Tamper, UnsubAck, Unsubscribe, Version,
    Will,
};
use std::collections::BTreeMap;

/// A scenario value that cannot be turned into what it describes: a template naming
/// nothing, bad hex, a number out of range, a matcher where a value is sent. The
/// loader builds every sent packet once, so at run time this is a harness error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

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
    pub fn expand(&self, s: &str) -> Result<String, BuildError> {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find("}}").ok_or_else(|| BuildError(format!("unclosed template in {s:?}")))?;
            let name = after[..end].trim();
            let value = if name == "prefix" {
                self.prefix.clone()
            } else if let Some(args) = name.strip_prefix("scram-final:") {
                self.scram_final(args)?
            } else if let Some(client) = name.strip_prefix("id:") {
                self.ids
                    .get(client)
                    .cloned()
                    .ok_or_else(|| BuildError(format!("no client {client:?} for {{{{{name}}}}}")))?
            } else {
                self.captures
                    .get(name)
                    .cloned()
                    .ok_or_else(|| BuildError(format!("nothing captured as {name:?} yet")))?
            };
            out.push_str(&value);
            rest = &after[end + 2..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// `{{scram-final:<user>:<password>:<client nonce>:<capture>}}`: the SCRAM-SHA-256
    /// client-final-message answering the server-first-message captured as `<capture>`,
    /// for a client-first-message `n,,n=<user>,r=<client nonce>`.
    fn scram_final(&self, args: &str) -> Result<String, BuildError> {
        let parts: Vec<&str> = args.split(':').collect();
        let [user, password, nonce, capture] = parts[..] else {
            return Err(BuildError(format!(
                "scram-final:{args}: give <user>:<password>:<client nonce>:<capture>"
            )));
        };
        let server_first = self
            .captures
            .get(capture)
            .ok_or_else(|| BuildError(format!("nothing captured as {capture:?} yet")))?;
        let bare = format!("n={user},r={nonce}");
        mqttspec_broker::auth::scram_client_final(password, &bare, server_first)
            .ok_or_else(|| BuildError(format!("{server_first:?} is not a SCRAM server-first-message")))
    }

    pub(crate) fn num(&self, n: &Num, what: &str) -> Result<u64, BuildError> {
        match n {
            Num::Lit(v) => Ok(*v),
            Num::Template(t) => {
                let s = self.expand(t)?;
                s.parse().map_err(|_| BuildError(format!("{what}: {s:?} is not a number")))
            }
            Num::Match(_) => Err(BuildError(format!("{what}: a matcher cannot be sent"))),
        }
    }

    fn num_as<T: TryFrom<u64>>(&self, n: &Num, what: &str) -> Result<T, BuildError> {
        let v = self.num(n, what)?;
        T::try_from(v).map_err(|_| BuildError(format!("{what}: {v} is out of range")))
    }

    fn bytes(&self, s: &Str, what: &str) -> Result<Bytes, BuildError> {
        match s {
            Str::Text(t) => Ok(Bytes::from(self.expand(t)?)),
            Str::Hex { hex } => {
                parse_hex(hex).map(Bytes::from).map_err(|e| BuildError(format!("{what}: {e}")))
            }
            Str::Match(_) => Err(BuildError(format!("{what}: a matcher cannot be sent"))),
        }
    }

    fn string(&self, s: &Str, what: &str) -> Result<MqttString, BuildError> {
        self.bytes(s, what).map(MqttString::from_raw)
    }
}

/// Parses hex with optional spaces, newlines and `#` comments.
pub fn parse_hex(text: &str) -> Result<Vec<u8>, BuildError> {
    let digits: String = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    // Checked first, so that the pairs below are whole characters.
    if let Some(bad) = digits.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(BuildError(format!("bad hex: {bad:?} is not a hex digit in {text:?}")));
    }
    if digits.len() % 2 != 0 {
        return Err(BuildError(format!("odd number of hex digits in {text:?}")));
    }
    (0..digits.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&digits[i..i + 2], 16)
                .map_err(|_| BuildError(format!("bad hex {:?}", &digits[i..i + 2])))
        })
        .collect()
}

fn qos(v: u8) -> Result<QoS, BuildError> {
    QoS::from_u8(v).ok_or_else(|| BuildError(format!("QoS {v} does not exist (use tamper to send it)")))
}

/// Builds a property block.
pub fn build_props(vars: &Vars, p: &Option<PropsSpec>) -> Result<Properties, BuildError> {
    let Some(p) = p else { return Ok(Properties::new()) };
    if let Some(hex) = &p.raw_hex {
        return parse_hex(hex).map(Properties::from_raw);
    }
    if !p.absent.is_empty() {
        return Err(BuildError("`absent` only makes sense in an expectation".into()));
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
    Properties::build(out).map_err(|e| BuildError(e.to_string()))
}

/// Builds the CONNECT of a connect step or `send: {packet: {connect: ...}}`.
pub fn build_connect(
    vars: &Vars,
    f: &ConnectFields,
    client: &str,
    version: Version,
) -> Result<Connect, BuildError> {
    let version = f.protocol.map_or(version, Protocol::codec);
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

fn ack(vars: &Vars, f: &AckFields) -> Result<Ack, BuildError> {
    Ok(Ack {
        packet_id: f.packet_id.as_ref().map(|p| vars.num_as(p, "packet-id")).transpose()?.unwrap_or(1),
        reason_code: ReasonCode(
            f.reason_code.as_ref().map(|r| vars.num_as(r, "reason-code")).transpose()?.unwrap_or(0),
        ),
        properties: build_props(vars, &f.properties)?,
    })
}

fn codes(vars: &Vars, f: &CodesFields) -> Result<Vec<ReasonCode>, BuildError> {
    f.reason_codes.iter().flatten().map(|c| vars.num_as(c, "reason-code").map(ReasonCode)).collect()
}

/// Builds the packet a send step describes.
pub fn build(vars: &Vars, spec: &PacketSpec, client: &str, version: Version) -> Result<Packet, BuildError> {
    let pid = |p: &Option<Num>| -> Result<u16, BuildError> {
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
pub fn encode(packet: &Packet, version: Version, tamper: &Option<TamperSpec>) -> Result<Bytes, BuildError> {
    match tamper {
        None => packet.to_bytes(version).map_err(|e| BuildError(e.to_string())),
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
            tamper.encode(packet, version).map_err(|e| BuildError(e.to_string()))
        }
    }
}
