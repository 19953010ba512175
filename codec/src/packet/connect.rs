//! CONNECT (MQTT 3.1.1 §3.1, MQTT 5.0 §3.1; MQTT 3.1 `MQIsdp` level 3 as well).

use super::{QoS, no_properties, truncation_as};
use crate::error::{EncodeError, Rule, Violation};
use crate::property::{self, PropertyContext, PropertyId};
use crate::reader::{Reader, check_field, field_len, put_binary};
use crate::{Buffer, MqttString, Properties, Version, topic};
use bytes::{BufMut, Bytes};

/// Connection request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct Connect<B: Buffer = Bytes> {
    /// The version this CONNECT declares (protocol name and level).
    pub version: Version,
    /// Clean Session (3.1.1) / Clean Start (5.0).
    pub clean_start: bool,
    /// Keep Alive in seconds.
    pub keep_alive: u16,
    /// 5.0 properties.
    pub properties: Properties<B>,
    /// Client Identifier.
    pub client_id: MqttString<B>,
    /// Will message, if the Will flag is set.
    pub will: Option<Will<B>>,
    /// User Name.
    pub username: Option<MqttString<B>>,
    /// Password.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::arb::opt_buffer))]
    pub password: Option<B>,
}

/// The Will of a CONNECT.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
#[cfg_attr(feature = "arbitrary", arbitrary(bound = "B: crate::arb::ArbBuffer"))]
pub struct Will<B: Buffer = Bytes> {
    /// Will QoS.
    pub qos: QoS,
    /// Will Retain.
    pub retain: bool,
    /// 5.0 Will Properties.
    pub properties: Properties<B>,
    /// Will Topic.
    pub topic: MqttString<B>,
    /// Will Payload.
    #[cfg_attr(feature = "arbitrary", arbitrary(with = crate::arb::buffer))]
    pub payload: B,
}

impl Connect {
    /// A CONNECT with the given client id and everything else at its default.
    pub fn new(version: Version, client_id: impl Into<MqttString>) -> Self {
        Connect {
            version,
            clean_start: true,
            keep_alive: 60,
            properties: Properties::default(),
            client_id: client_id.into(),
            will: None,
            username: None,
            password: None,
        }
    }
}

impl<B: Buffer> Connect<B> {
    pub(crate) fn decode(r: &mut Reader<'_, B>) -> Result<Self, Violation> {
        let name_at = r.pos();
        let name = r.binary()?;
        let level_at = r.pos();
        let level = r.u8()?;
        let version = match Version::from_name_and_level(name.as_ref(), level) {
            Some(version) => version,
            None => {
                // A refused CONNECT is read as the nearest version, so that a server
                // answers in a layout the client understands: 3.1.1 below level 5, 5.0
                // from level 5 up.
                let nearest = if level >= 5 { Version::V5 } else { Version::V3_1_1 };
                r.version = nearest;
                // MQTT-3.1.2-1: the protocol name is fixed; MQTT-3.1.2-2: an unsupported
                // level is refused (3.1.1 with return code 0x01, 5.0 with 0x84).
                let known_name = name.as_ref() == b"MQTT" || name.as_ref() == b"MQIsdp";
                let (rule, at) =
                    if known_name { (Rule::ProtocolLevel, level_at) } else { (Rule::ProtocolName, name_at) };
                if !r.skips(rule) {
                    return Err(r.violation_at(rule, at));
                }
                // Skipped: any name is read as the level says; an unknown level as the
                // nearest version.
                Version::from_name_and_level(b"MQTT", level)
                    .or_else(|| Version::from_name_and_level(b"MQIsdp", level))
                    .unwrap_or(nearest)
            }
        };
        r.version = version;
        let flags_at = r.pos();
        let flags = r.u8()?;
        let flag_fail = |rule| Err(r.violation_at(rule, flags_at));
        let checks = |rule| !r.skips(rule);
        // MQTT-3.1.2-3: the reserved flag is zero.
        if flags & 0x01 != 0 && checks(Rule::ConnectReservedFlag) {
            return flag_fail(Rule::ConnectReservedFlag);
        }
        let clean_start = flags & 0x02 != 0;
        let will_flag = flags & 0x04 != 0;
        let will_qos = (flags >> 3) & 0x03;
        let will_retain = flags & 0x20 != 0;
        let password_flag = flags & 0x40 != 0;
        let username_flag = flags & 0x80 != 0;
        if !will_flag {
            // MQTT-3.1.2-13 (3.1.1) / MQTT-3.1.2-11 (5.0): no Will QoS without a Will.
            if will_qos != 0 && checks(Rule::WillQosWithoutWill) {
                return flag_fail(Rule::WillQosWithoutWill);
            }
            // MQTT-3.1.2-15 (3.1.1) / MQTT-3.1.2-13 (5.0): no Will Retain without a Will.
            if will_retain && checks(Rule::WillRetainWithoutWill) {
                return flag_fail(Rule::WillRetainWithoutWill);
            }
        }
        // MQTT-3.1.2-14 (3.1.1) / MQTT-3.1.2-12 (5.0): Will QoS 3 is not a QoS.
        // (Skipped, Will QoS 3 is read as 2.)
        let lenient = r.skips(Rule::WillQos3).then_some(QoS::ExactlyOnce);
        let Some(will_qos) = QoS::from_u8(will_qos).or(lenient) else {
            return flag_fail(Rule::WillQos3);
        };
        // MQTT-3.1.2-22: before 5.0 a password needs a user name.
        if !version.is_v5() && password_flag && !username_flag && checks(Rule::PasswordWithoutUsername) {
            return flag_fail(Rule::PasswordWithoutUsername);
        }
        let keep_alive = r.u16()?;
        let properties = if version.is_v5() {
            let (props, seen) = property::decode(r, PropertyContext::Connect)?;
            // §3.1.2.11.10: Authentication Data only with an Authentication Method.
            if seen.has(PropertyId::AUTHENTICATION_DATA)
                && !seen.has(PropertyId::AUTHENTICATION_METHOD)
                && !r.skips(Rule::AuthDataWithoutMethod)
            {
                return Err(r.violation(Rule::AuthDataWithoutMethod));
            }
            props
        } else {
            Properties::default()
        };
        // MQTT-3.1.3-3 / MQTT-3.1.3-4: the Client Identifier comes first, as a string.
        let id_at = r.pos();
        let client_id = r.string()?;
        // MQTT-3.1.3-7: before 5.0 an empty Client Identifier needs CleanSession 1
        // (the server answers 0x02 Identifier rejected, MQTT-3.1.3-8).
        if !version.is_v5()
            && client_id.is_empty()
            && !clean_start
            && !r.skips(Rule::EmptyClientIdWithSession)
        {
            return Err(r.violation_at(Rule::EmptyClientIdWithSession, id_at));
        }
        // Skipped "missing" rules read a field that is absent altogether as not there.
        let absent = |r: &Reader<'_, B>, rule| r.is_empty() && r.skips(rule);
        let will = if will_flag {
            match Self::decode_will(r, will_qos, will_retain) {
                // Skipped: will fields cut short are read as no Will at all.
                Err(v) if v.rule == Rule::WillFieldsMissing && r.skips(v.rule) => {
                    r.rest();
                    None
                }
                will => Some(will?),
            }
        } else {
            None
        };
        let username = if username_flag && !absent(r, Rule::UsernameMissing) {
            // MQTT-3.1.2-19 (3.1.1) / MQTT-3.1.2-17 (5.0).
            Some(r.string().map_err(truncation_as(Rule::UsernameMissing))?)
        } else if !r.is_empty() && !password_flag && !username_flag {
            // MQTT-3.1.2-18 (3.1.1) / MQTT-3.1.2-16 (5.0): no user name without its flag.
            // (5.0 allows a password alone; then what follows is the password.)
            if !r.skips(Rule::UnexpectedUsername) {
                return Err(r.violation(Rule::UnexpectedUsername));
            }
            // Skipped: what follows is ignored.
            r.rest();
            None
        } else {
            None
        };
        let password = if password_flag && !absent(r, Rule::PasswordMissing) {
            // MQTT-3.1.2-21 (3.1.1) / MQTT-3.1.2-19 (5.0).
            Some(r.binary().map_err(truncation_as(Rule::PasswordMissing))?)
        } else if !r.is_empty() && !password_flag {
            // MQTT-3.1.2-20 (3.1.1) / MQTT-3.1.2-18 (5.0): no password without its flag.
            if !r.skips(Rule::UnexpectedPassword) {
                return Err(r.violation(Rule::UnexpectedPassword));
            }
            // Skipped: what follows is ignored.
            r.rest();
            None
        } else {
            None
        };
        r.finish()?;
        Ok(Connect { version, clean_start, keep_alive, properties, client_id, will, username, password })
    }

    /// The Will fields of the payload.
    fn decode_will(r: &mut Reader<'_, B>, qos: QoS, retain: bool) -> Result<Will<B>, Violation> {
        // MQTT-3.1.2-9: a Will flag promises Will (Properties,) Topic and Payload.
        let missing = truncation_as(Rule::WillFieldsMissing);
        let properties = if r.version.is_v5() {
            property::decode(r, PropertyContext::Will).map_err(&missing)?.0
        } else {
            Properties::default()
        };
        let topic_at = r.pos() + 2;
        let topic = r.topic_string().map_err(&missing)?;
        if let Err((rule, at)) = topic::check_name(topic.as_bytes(), false, r.skip) {
            return Err(r.violation_at(rule, topic_at + at));
        }
        let payload = r.binary().map_err(&missing)?;
        Ok(Will { qos, retain, properties, topic, payload })
    }

    /// The Connect Flags byte this CONNECT encodes to.
    pub fn flags(&self) -> u8 {
        let mut f = 0u8;
        if self.clean_start {
            f |= 0x02;
        }
        if let Some(w) = &self.will {
            f |= 0x04 | ((w.qos as u8) << 3);
            if w.retain {
                f |= 0x20;
            }
        }
        if self.password.is_some() {
            f |= 0x40;
        }
        if self.username.is_some() {
            f |= 0x80;
        }
        f
    }

    pub(crate) fn body_len(&self, v: Version) -> Result<usize, EncodeError> {
        if v != self.version {
            return Err(EncodeError::VersionMismatch { declared: self.version, requested: v });
        }
        no_properties(&self.properties, v, "CONNECT properties")?;
        check_field("client identifier", self.client_id.len())?;
        let mut len = field_len(v.protocol_name().len()) + 1 + 1 + 2 + field_len(self.client_id.len());
        if v.is_v5() {
            len += self.properties.wire_len();
        }
        if let Some(w) = &self.will {
            no_properties(&w.properties, v, "Will properties")?;
            check_field("will topic", w.topic.len())?;
            check_field("will payload", w.payload.as_ref().len())?;
            len += field_len(w.topic.len()) + field_len(w.payload.as_ref().len());
            if v.is_v5() {
                len += w.properties.wire_len();
            }
        }
        if let Some(u) = &self.username {
            check_field("user name", u.len())?;
            len += field_len(u.len());
        }
        if let Some(p) = &self.password {
            check_field("password", p.as_ref().len())?;
            len += field_len(p.as_ref().len());
        }
        Ok(len)
    }

    pub(crate) fn encode_body(&self, v: Version, buf: &mut impl BufMut) {
        put_binary(buf, v.protocol_name().as_bytes());
        buf.put_u8(v.level());
        buf.put_u8(self.flags());
        buf.put_u16(self.keep_alive);
        if v.is_v5() {
            self.properties.encode(buf);
        }
        put_binary(buf, self.client_id.as_bytes());
        if let Some(w) = &self.will {
            if v.is_v5() {
                w.properties.encode(buf);
            }
            put_binary(buf, w.topic.as_bytes());
            put_binary(buf, w.payload.as_ref());
        }
        if let Some(u) = &self.username {
            put_binary(buf, u.as_bytes());
        }
        if let Some(p) = &self.password {
            put_binary(buf, p.as_ref());
        }
    }
}

impl<B: Buffer> Connect<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> Connect {
        Connect {
            version: self.version,
            clean_start: self.clean_start,
            keep_alive: self.keep_alive,
            properties: self.properties.to_shared(),
            client_id: self.client_id.to_shared(),
            will: self.will.as_ref().map(Will::to_shared),
            username: self.username.as_ref().map(MqttString::to_shared),
            password: self.password.as_ref().map(crate::buffer::share),
        }
    }
}

impl<B: Buffer> Will<B> {
    /// A copy that owns its bytes (each field copied out of the buffer).
    pub fn to_shared(&self) -> Will {
        Will {
            qos: self.qos,
            retain: self.retain,
            properties: self.properties.to_shared(),
            topic: self.topic.to_shared(),
            payload: crate::buffer::share(&self.payload),
        }
    }
}
