//! Where a run goes: [`profile`]s describe third-party brokers (how to start them —
//! [`spec`] — and their known deviations), [`launch`] and [`container`] start them as
//! processes or containers, [`resolve`] turns a `--target` into something
//! [`crate::run`] can connect to.

pub mod container;
pub mod launch;
pub mod profile;
pub mod profiled;
pub mod resolve;
pub mod spec;
