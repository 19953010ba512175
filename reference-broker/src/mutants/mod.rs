//! Statement mutants: the reference broker with one deliberate fault, each a way a
//! real implementation breaks named normative statements, so that a scenario can be
//! proven to tell a conforming broker from one that breaks its statement.
//!
//! Only builds with the `mutants` feature have them; the release broker has none and
//! its branches compile to nothing. A mutant is chosen at start-up with
//! [`crate::Config`]'s `mutant:` (an id of [`all`]), never by recompiling. Two families:
//!
//! - *decoder* mutants ([`decoder`]), generated from the codec's rules: the broker
//!   decodes with exactly one check skipped ([`mqttspec_codec::DecodeOptions::skipping`])
//!   and carries on as if the packet were valid;
//! - *behaviour* mutants ([`Behaviour`], table in `behaviour.rs`), written by reading
//!   each statement: one branch at the place the broker decides that behaviour.

/// Declares the behaviour mutants: the enum the broker's branches test, and (with the
/// feature) each one's id, description and statements.
macro_rules! behaviours {
    ($(
        $(#[$doc:meta])*
        $name:ident $id:literal : $what:literal
            v311: [$($v3:literal),*], v5: [$($v5:literal),*],
    )*) => {
        /// A behaviour mutant: which fault the broker's branches switch on.
        // Without the feature none is ever selected: the variants are only compared
        // against, and the branches fold away.
        #[cfg_attr(not(feature = "mutants"), allow(dead_code))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Behaviour {
            $(#[doc = $what] $name,)*
        }

        #[cfg(feature = "mutants")]
        impl Behaviour {
            /// Every behaviour mutant.
            pub const ALL: &'static [Behaviour] = &[$(Behaviour::$name,)*];

            /// Its id, description and statements.
            pub fn mutant(self) -> $crate::mutants::Mutant {
                match self {
                    $(Behaviour::$name => $crate::mutants::Mutant { id: $id, description: $what, v311: &[$($v3),*], v5: &[$($v5),*] },)*
                }
            }
        }
    };
}

mod behaviour;
#[cfg(feature = "mutants")]
pub mod decoder;

pub use behaviour::Behaviour;

#[cfg(feature = "mutants")]
pub use selection::*;

#[cfg(feature = "mutants")]
mod selection {
    use super::{Behaviour, decoder};
    use mqttspec_codec::Rule;
    use std::sync::OnceLock;

    /// One mutant: an id for `mutant:` in the configuration, what it does, and the
    /// statement IDs it violates in each version (empty: none in that version).
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct Mutant {
        /// Kebab-case id: `decoder-skip-<rule>` or the behaviour's name.
        pub id: &'static str,
        /// One line: how the broker misbehaves.
        pub description: &'static str,
        /// Statement IDs of MQTT 3.1.1 it violates.
        pub v311: &'static [&'static str],
        /// Statement IDs of MQTT 5.0 it violates.
        pub v5: &'static [&'static str],
    }

    /// What a selected mutant changes in the broker.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Fault {
        /// The decoder skips this rule.
        Decoder(Rule),
        /// The core breaks this behaviour.
        Behaviour(Behaviour),
    }

    fn table() -> &'static [(Mutant, Fault)] {
        static TABLE: OnceLock<Vec<(Mutant, Fault)>> = OnceLock::new();
        TABLE.get_or_init(|| {
            let decoders = decoder::rules().map(|r| (decoder::mutant(r), Fault::Decoder(r)));
            let behaviours = Behaviour::ALL.iter().map(|b| (b.mutant(), Fault::Behaviour(*b)));
            decoders.chain(behaviours).collect()
        })
    }

    /// Every mutant: the decoder ones (from [`Rule::ALL`]), then the behaviour ones.
    pub fn all() -> Vec<Mutant> {
        table().iter().map(|(m, _)| m.clone()).collect()
    }

    /// The mutant with this id.
    pub fn find(id: &str) -> Option<Mutant> {
        table().iter().find(|(m, _)| m.id == id).map(|(m, _)| m.clone())
    }

    /// What the mutant with this id changes.
    pub fn fault(id: &str) -> Option<Fault> {
        table().iter().find(|(m, _)| m.id == id).map(|(_, f)| *f)
    }
}
