//! Enhanced authentication (MQTT 5.0 §4.12, §3.15): the SCRAM-SHA-256 AUTH exchange
//! that holds a CONNECT back until it ends, and re-authentication (§4.12.1).

use super::problem::Problem;
use super::{Broker, ConnId};
use crate::auth;
use mqttspec_codec::{Auth, Connect, Packet, Properties, Property, ReasonCode};

/// AUTH with the SCRAM method and `data`; a challenge (0x18) says what is asked for,
/// as far as the client allows it ([`Broker::finalise`]).
fn auth_packet(code: ReasonCode, data: String) -> Packet {
    let mut props = vec![
        Property::AuthenticationMethod(auth::SCRAM_SHA_256.into()),
        Property::AuthenticationData(data.into_bytes().into()),
    ];
    if code == ReasonCode::CONTINUE_AUTHENTICATION {
        let why = Problem::new("SCRAM-SHA-256 server-first-message: answer with the client-final-message");
        props.extend(why.about("scram-step", "server-first-message").properties().iter());
    }
    let properties = Properties::build(props).unwrap_or_default();
    Packet::Auth(Auth { reason_code: code, properties })
}

impl Broker {
    /// Starts a SCRAM-SHA-256 exchange for a 5.0 CONNECT: AUTH 0x18 with the
    /// server-first-message; the CONNECT waits for the client's final message.
    pub(super) fn start_scram(&mut self, conn: ConnId, c: Connect) {
        let data = c.properties.authentication_data().unwrap_or_default();
        let Some(users) = self.config.users.as_ref() else { return };
        let nonce = self.nonces.nonce();
        let decoy = self.nonces.decoy_salt(&String::from_utf8_lossy(&data));
        match auth::ScramPending::start(users, &data, &nonce, &decoy) {
            Ok((pending, server_first)) => {
                let Some(state) = self.conns.get_mut(&conn) else { return };
                state.version = Some(c.version);
                state.auth_method = Some(auth::SCRAM_SHA_256.to_string());
                state.scram = Some(pending);
                state.pending_connect = Some(Box::new(c));
                // MQTT-4.12.0-2 (5.0): more data is asked for with 0x18; MQTT-4.12.0-5 (5.0): the
                // AUTH carries the CONNECT's method.
                self.send(conn, auth_packet(ReasonCode::CONTINUE_AUTHENTICATION, server_first));
            }
            // MQTT-4.12.0-4 (5.0): a refused authentication gets a CONNACK of 0x80 or more.
            Err(_) => {
                let why = Problem::new("the SCRAM client-first-message could not be read");
                self.refuse(conn, c.version, (ReasonCode::NOT_AUTHORIZED, None), why);
            }
        }
    }

    /// AUTH from a 5.0 client: the rest of a CONNECT's exchange, or a
    /// re-authentication (§4.12.1).
    pub(super) fn auth(&mut self, conn: ConnId, a: Auth) {
        let Some(c) = self.conns.get_mut(&conn) else { return };
        // MQTT-4.12.0-7 (5.0): without an Authentication Method in CONNECT, no AUTH; and
        // MQTT-4.12.0-5 MQTT-4.12.1-1 (5.0): every AUTH repeats the CONNECT's method.
        let method = a.properties.authentication_method();
        let same = c.auth_method.is_some()
            && method.as_ref().and_then(|m| m.as_str().ok()) == c.auth_method.as_deref();
        if !same {
            let why = Problem::new("AUTH without the Authentication Method of the CONNECT");
            let method = c.auth_method.clone().unwrap_or_default();
            return self.fail_with(
                conn,
                ReasonCode::PROTOCOL_ERROR,
                Some(why.about("authentication-method", method)),
            );
        }
        let data = a.properties.authentication_data().unwrap_or_default();
        match (a.reason_code, c.scram.take()) {
            (ReasonCode::CONTINUE_AUTHENTICATION, Some(pending)) => match pending.finish(&data) {
                Ok(server_final) => {
                    let user = pending.user().to_string();
                    match c.pending_connect.take() {
                        Some(connect) => {
                            let props = vec![
                                Property::AuthenticationMethod(auth::SCRAM_SHA_256.into()),
                                Property::AuthenticationData(server_final.into_bytes().into()),
                            ];
                            self.accept(conn, *connect, Some(user), props);
                        }
                        // A re-authentication must stay the same user.
                        None if c.user.as_deref() != Some(user.as_str()) => {
                            let why = Problem::new("re-authentication as another user");
                            self.fail_with(
                                conn,
                                ReasonCode::NOT_AUTHORIZED,
                                Some(why.about("user-name", user)),
                            );
                        }
                        None => self.send(conn, auth_packet(ReasonCode::SUCCESS, server_final)),
                    }
                }
                Err(e) => {
                    let code = match (c.accepted, e) {
                        (false, auth::ScramError::BadCredentials) => ReasonCode::BAD_USER_NAME_OR_PASSWORD,
                        // MQTT-4.12.1-2 (5.0): a failed re-authentication closes the connection.
                        _ => ReasonCode::NOT_AUTHORIZED,
                    };
                    let why =
                        Problem::new("SCRAM-SHA-256: the client-final-message proves no known password");
                    self.fail_with(conn, code, Some(why));
                }
            },
            (ReasonCode::RE_AUTHENTICATE, None) if c.accepted => {
                let Some(users) = self.config.users.as_ref() else {
                    return self.fail(conn, ReasonCode::PROTOCOL_ERROR);
                };
                let nonce = self.nonces.nonce();
                let decoy = self.nonces.decoy_salt(&String::from_utf8_lossy(&data));
                match auth::ScramPending::start(users, &data, &nonce, &decoy) {
                    Ok((pending, server_first)) => {
                        if let Some(c) = self.conns.get_mut(&conn) {
                            c.scram = Some(pending);
                        }
                        self.send(conn, auth_packet(ReasonCode::CONTINUE_AUTHENTICATION, server_first));
                    }
                    Err(_) => self.fail(conn, ReasonCode::NOT_AUTHORIZED),
                }
            }
            // Success from a client, 0x18 with no exchange open, 0x19 during one.
            _ => self.fail(conn, ReasonCode::PROTOCOL_ERROR),
        }
    }
}
