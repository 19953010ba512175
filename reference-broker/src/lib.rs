//! # mqttspec-broker
//!
//! The reference broker of mqttspec: MQTT 3.1.1 and 5.0 (and 3.1 CONNECT) on one
//! listener, built as a deterministic [`core::Broker`] — packets and time in, actions
//! out — and a thin tokio [`driver`]. Embed it with [`BrokerHandle::start`].

pub mod acl;
pub mod auth;
mod config;
pub mod core;
pub mod driver;
pub mod fuzzing;
#[cfg(feature = "mutants")]
pub mod mutants;
#[cfg(not(feature = "mutants"))]
mod mutants;
pub mod topic;
pub mod transport;

pub use config::{Config, ConfigError, ListenerConfig, ListenerKind};
pub use driver::{BrokerHandle, Listener, bind_listeners, run, run_listeners};
