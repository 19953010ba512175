//! Conformance scenarios, runner and CLI (issue 4). Not built yet: this crate holds no code.
