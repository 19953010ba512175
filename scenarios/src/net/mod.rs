//! A scenario client's side of the wire: how to reach a target ([`connector`]) and
//! the client that reads every byte through the strict codec ([`client`]), and the
//! client end of MQTT over WebSocket ([`ws`]).

pub mod client;
pub mod connector;
pub mod ws;
