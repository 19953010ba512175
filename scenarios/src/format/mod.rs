//! The scenario file format, from YAML text to checked, runnable scenarios.
//!
//! [`model`] and [`fields`] are what a file may say (every struct refuses unknown
//! fields); [`load`] reads files and reports file:line:column; [`validate`] checks,
//! before any broker is involved, everything a run could otherwise only discover
//! half way (templates, captures, hex, property names, packets per version);
//! [`build`] turns packet specs into codec packets and [`matching`] compares what a
//! broker sent against an expectation; [`catalogue`] holds the statement catalogues;
//! [`embedded`] the corpus and profiles compiled into the binary.

pub mod build;
pub mod catalogue;
pub mod embedded;
pub mod fields;
pub mod load;
pub mod matching;
pub mod model;
pub mod validate;
