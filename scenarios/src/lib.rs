//! # mqttspec
//!
//! YAML conformance scenarios for MQTT brokers and the library that runs them. The
//! `mqttspec` binary and the `cargo test` harness (`tests/conformance.rs`) are thin
//! front ends over this library; neither holds test logic of its own.
//!
//! ## Map of the crate, from the bottom up
//!
//! | module | what it holds |
//! |---|---|
//! | [`version`] | the one `Version` type (`3.1.1` / `5.0`) from the command line to the results |
//! | [`format`] | the scenario file format: model, loader, load-time validation, statement catalogues, building packets from specs and matching received ones |
//! | [`net`] | a scenario client's connection: connectors (tcp, tls, ws, wss), the client that decodes every received byte strictly, the transcript |
//! | [`run`] | running cases: the two kinds of time, typed step errors, verdicts, one case's steps, a whole run in parallel, capability probing |
//! | [`target`] | where a run goes: profiles of third-party brokers, starting them as processes or containers, resolving a `--target` |
//! | [`report`] | what a run says: terminal summary, coverage, JUnit, the cross-broker matrix (by case and by statement), the diff of two runs |
//! | [`app`] | the commands as library calls (`run`, `matrix`): resolve, check, run, stop, report; exit statuses |
//! | [`tools`] | load generation and fuzzing seeds |
//! | [`fuzz`] | `mqttspec fuzz`: the network fuzzer, its oracles, minimised findings as scenarios |
//! | `mutation` | (feature `mutants`) proving scenarios against statement mutants of the reference broker |
//!
//! Each layer uses only the ones above it in this table.

pub mod app;
pub mod format;
pub mod fuzz;
#[cfg(feature = "mutants")]
pub mod mutation;
pub mod net;
pub mod report;
pub mod run;
pub mod target;
pub mod tools;
pub mod version;

pub use format::catalogue::Catalogue;
pub use format::load::{Loaded, default_corpus, load_dir, load_embedded};
pub use net::connector::Target;
pub use run::{CaseResult, RunOptions, Verdict, run_all};
pub use version::Version;
