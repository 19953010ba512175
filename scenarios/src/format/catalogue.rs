//! The statement catalogues of `spec/`, compiled into the binary: the denominator
//! coverage is measured against.

use crate::version::Version;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One statement of a catalogue.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Statement {
    pub id: String,
    pub section: String,
    pub party: String,
    pub layer: String,
    pub broker_testable: bool,
    pub summary: String,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub aliases: Option<Vec<String>>,
}

/// Both catalogues, shipped inside the binary.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// Statements by version.
    pub by_version: BTreeMap<Version, Vec<Statement>>,
}

impl Catalogue {
    /// The catalogues of `spec/`, compiled in.
    pub fn builtin() -> Catalogue {
        let parse = |text: &str, name: &str| -> Vec<Statement> {
            serde_yaml::from_str(text).unwrap_or_else(|e| panic!("built-in catalogue {name} is invalid: {e}"))
        };
        let mut by_version = BTreeMap::new();
        by_version.insert(
            Version::V311,
            parse(include_str!("../../../spec/mqtt-3.1.1-statements.yaml"), "mqtt-3.1.1-statements.yaml"),
        );
        by_version.insert(
            Version::V5,
            parse(include_str!("../../../spec/mqtt-5.0-statements.yaml"), "mqtt-5.0-statements.yaml"),
        );
        Catalogue { by_version }
    }

    /// Whether `id` is a statement of `version`.
    pub fn has(&self, version: Version, id: &str) -> bool {
        self.by_version
            .get(&version)
            .is_some_and(|s| s.iter().any(|st| st.id == id || st.aliases.iter().flatten().any(|a| a == id)))
    }
}
