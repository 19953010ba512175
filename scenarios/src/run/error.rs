//! Whose fault a step's failure is.
//!
//! A [`StepError::Broker`] is the broker not doing what the scenario expects: the
//! case's verdict follows the scenario's level (`fail` for a MUST). A
//! [`StepError::Harness`] is the runner unable to carry the step out at all — the
//! target cannot be reached, a value cannot be built — and becomes the verdict
//! `error`, which is never blamed on the broker.

use crate::format::build::BuildError;
use crate::format::matching::Mismatch;
use crate::net::client::{BrokerFault, ClientError};

/// Why a step did not complete.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The broker did something the scenario does not allow.
    #[error("{0}")]
    Broker(String),
    /// The harness could not run the step.
    #[error(transparent)]
    Harness(#[from] HarnessError),
}

/// A fault of the harness or the scenario, not of the broker.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A packet or value the scenario describes cannot be built (the loader checks
    /// this; here only when a captured value makes it so).
    #[error("cannot build what the scenario describes: {0}")]
    Build(#[from] BuildError),
    /// The target could not be reached for a new connection.
    #[error("{0}")]
    Connect(String),
    /// The scenario used a client it had closed (the loader checks this).
    #[error("{0}")]
    NotConnected(String),
    /// The runner itself failed (a task panicked, a broker could not start).
    #[error("{0}")]
    Internal(String),
}

impl From<BrokerFault> for StepError {
    fn from(f: BrokerFault) -> Self {
        StepError::Broker(f.0)
    }
}

impl From<BuildError> for StepError {
    fn from(e: BuildError) -> Self {
        StepError::Harness(HarnessError::Build(e))
    }
}

impl From<Mismatch> for StepError {
    fn from(m: Mismatch) -> Self {
        match m {
            Mismatch::Differs(why) => StepError::Broker(why),
            Mismatch::Build(e) => e.into(),
        }
    }
}

impl From<ClientError> for StepError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Broker(f) => f.into(),
            ClientError::Connect(why) => StepError::Harness(HarnessError::Connect(why)),
            ClientError::NotConnected(why) => StepError::Harness(HarnessError::NotConnected(why)),
        }
    }
}

/// Why a whole run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Nothing answers at the target's address.
    #[error("cannot reach the target {0}")]
    Unreachable(String),
    /// Something answers, but no MQTT CONNECT is accepted.
    #[error(
        "the target {0} answered neither an MQTT 3.1.1 nor a 5.0 CONNECT with a successful CONNACK (is it an MQTT broker? does it need --username/--password or a profile's login?)"
    )]
    NotMqtt(String),
    /// A scenario's broker configuration is invalid.
    #[error("{0}")]
    Config(String),
    /// The embedded reference broker could not start.
    #[error("starting the reference broker: {0}")]
    Broker(String),
}
