//! A scenario client's side of the wire: how to reach a target ([`connector`]) and
//! the client that reads every byte through the strict codec ([`client`]).

pub mod client;
pub mod connector;
