//! Enhanced authentication (MQTT 5.0 §4.12, §3.15): the SCRAM-SHA-256 AUTH exchange
//! that holds a CONNECT back until it ends, and re-authentication (§4.12.1).

use super::problem::Problem;
use super::{Broker, ConnId};
use crate::auth;
use crate::mutants::Behaviour as M;
use mqttspec_codec::{Auth, ConnAck, Connect, Packet, Properties, Property, ReasonCode};

impl Broker {
    /// An AUTH of the SCRAM exchange: MQTT-4.12.0-5 (5.0): it carries the CONNECT's method.
    fn auth_packet(&self, code: ReasonCode, data: String) -> Packet {
        let method = Property::AuthenticationMethod(auth::SCRAM_SHA_256.into());
        let method = (!self.mutant(M::ServerAuthOmitsMethod)).then_some(method);
        let data = Property::AuthenticationData(data.into_bytes().into());
        // A challenge (0x18) says what is asked for, as far as the client allows it
        // ([`Broker::finalise`]).
        let mut props: Vec<Property> = method.into_iter().chain([data]).collect();
        if code == ReasonCode::CONTINUE_AUTHENTICATION {
            let why =
                Problem::new("SCRAM-SHA-256 server-first-message: answer with the client-final-message");
            props.extend(why.about("scram-step", "server-first-message").properties().iter());
        }
        let properties = Properties::build(props).unwrap_or_default();
        Packet::Auth(Auth { reason_code: code, properties })
    }

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
                // AUTH carries the CONNECT's method; MQTT-3.15.2-1 (5.0): a defined code.
                let code = match self.behaviour() {
                    Some(M::AuthUndefinedCode) => ReasonCode(0x17),
                    Some(M::AuthContinueWrongCode) => ReasonCode::RE_AUTHENTICATE,
                    _ => ReasonCode::CONTINUE_AUTHENTICATION,
                };
                self.send(conn, self.auth_packet(code, server_first));
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
                            // MQTT-4.12.0-5 (5.0): the successful CONNACK repeats the method.
                            let method = Property::AuthenticationMethod(auth::SCRAM_SHA_256.into());
                            let method = (!self.mutant(M::SuccessConnackWithoutMethod)).then_some(method);
                            let data = Property::AuthenticationData(server_final.into_bytes().into());
                            let props = method.into_iter().chain([data]).collect();
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
                        None => {
                            let success = self.auth_packet(ReasonCode::SUCCESS, server_final);
                            self.send(conn, success);
                        }
                    }
                }
                Err(e) => {
                    let accepted = c.accepted;
                    let code = match (accepted, e) {
                        (false, auth::ScramError::BadCredentials) => ReasonCode::BAD_USER_NAME_OR_PASSWORD,
                        // MQTT-4.12.1-2 (5.0): a failed re-authentication closes the connection.
                        _ => ReasonCode::NOT_AUTHORIZED,
                    };
                    // MQTT-4.12.0-4 (5.0): a rejected authentication closes the connection.
                    if !accepted && self.mutant(M::AuthRejectionKeptOpen) {
                        let ack = ConnAck { session_present: false, code, properties: Properties::new() };
                        return self.send(conn, Packet::ConnAck(ack));
                    }
                    // MQTT-4.12.1-2 (5.0): a failed re-authentication closes the connection.
                    if accepted && self.mutant(M::ReauthFailureKeptOpen) {
                        return;
                    }
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
                        let more = self.auth_packet(ReasonCode::CONTINUE_AUTHENTICATION, server_first);
                        self.send(conn, more);
                    }
                    Err(_) => self.fail(conn, ReasonCode::NOT_AUTHORIZED),
                }
            }
            // Success from a client, 0x18 with no exchange open, 0x19 during one.
            _ => self.fail(conn, ReasonCode::PROTOCOL_ERROR),
        }
    }
}
