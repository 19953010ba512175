//! The reference broker (issue 3). Not built yet: this crate holds no code.
