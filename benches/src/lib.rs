//! Codec benchmarks (issue 7). Not built yet: this crate holds no code.
