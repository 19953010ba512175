//! # mqttspec
//!
//! YAML conformance scenarios for MQTT brokers and the library that runs them. The
//! `mqttspec` binary and the `cargo test` harness (`tests/conformance.rs`) are thin
//! front ends over [`run::run_all`]; neither holds test logic of its own.

pub mod client;
pub mod launch;
pub mod load;
pub mod loadgen;
pub mod matrix;
pub mod model;
pub mod packets;
pub mod probe;
pub mod profile;
pub mod report;
pub mod run;
pub mod seeds;
pub mod target;

pub use load::{Catalogue, Loaded, default_corpus, load_dir};
pub use run::{CaseResult, RunOptions, Target, Verdict, run_all};
