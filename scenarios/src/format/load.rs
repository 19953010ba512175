//! Loading scenario files, with errors that say file, line (and column, where the
//! YAML parser knows it) and what is wrong.

use super::catalogue::Catalogue;
use super::model::Scenario;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A scenario with where it came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The scenario.
    pub scenario: Scenario,
    /// Its file.
    pub path: PathBuf,
    /// Line of each step in the file (1-based), for failure messages.
    pub step_lines: Vec<usize>,
    /// The file's text (the fuzzing seeds include it).
    pub text: std::sync::Arc<str>,
}

impl Loaded {
    /// `file:line` of step `i`.
    pub fn step_location(&self, i: usize) -> String {
        format!("{}:{}", self.path.display(), self.step_lines.get(i).copied().unwrap_or(1))
    }

    /// The spec chapter the scenario belongs to (its folder).
    pub fn chapter(&self) -> &str {
        self.scenario.id.split('/').next().unwrap_or("")
    }
}

/// A scenario file that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct LoadError {
    /// The file (with `:line:column` where known).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The corpus folder of this source tree (the tests' corpus; the CLI uses the copy
/// compiled into the binary, [`load_embedded`], unless given `--corpus`).
pub fn default_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// Loads every `*.yaml` under `dir`, in path order. All errors are collected.
pub fn load_dir(dir: &Path, catalogue: &Catalogue) -> Result<Vec<Loaded>, Vec<LoadError>> {
    if !dir.is_dir() {
        return Err(vec![LoadError {
            path: dir.display().to_string(),
            message:
                "no such scenario folder (--corpus takes the folder holding the <section>-<topic>/ folders)"
                    .into(),
        }]);
    }
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "yaml"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(vec![LoadError {
            path: dir.display().to_string(),
            message: "no *.yaml scenario files in this folder or below it (--corpus takes the folder \
                      holding the <section>-<topic>/ folders)"
                .into(),
        }]);
    }
    let sources = files.into_iter().map(|f| {
        let rel = f.strip_prefix(dir).unwrap_or(&f).to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(&f).map_err(|e| e.to_string());
        (rel, f, text)
    });
    load_sources(sources, catalogue)
}

/// Loads the corpus compiled into the binary; messages name its files as
/// `corpus/<folder>/<file>.yaml`.
pub fn load_embedded(catalogue: &Catalogue) -> Result<Vec<Loaded>, Vec<LoadError>> {
    let sources = super::embedded::corpus().into_iter().map(|(rel, text)| {
        let shown = Path::new(super::embedded::CORPUS_PREFIX).join(&rel);
        (rel, shown, text)
    });
    load_sources(sources, catalogue)
}

/// Parses `(path in the corpus, path shown in messages, text)` triples; every
/// scenario's id must be its path in the corpus without `.yaml`.
fn load_sources(
    sources: impl Iterator<Item = (String, PathBuf, Result<String, String>)>,
    catalogue: &Catalogue,
) -> Result<Vec<Loaded>, Vec<LoadError>> {
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    let mut ids = BTreeSet::new();
    for (rel, f, text) in sources {
        let expected_id = rel.strip_suffix(".yaml").unwrap_or(&rel).to_string();
        match text {
            Err(e) => errors.push(LoadError { path: f.display().to_string(), message: e }),
            Ok(text) => match parse(&text, &f, catalogue) {
                Err(e) => errors.push(e),
                Ok(l) if l.scenario.id != expected_id => errors.push(LoadError {
                    path: f.display().to_string(),
                    message: format!(
                        "id {:?} must equal the file's path in the corpus, {expected_id:?}",
                        l.scenario.id
                    ),
                }),
                Ok(l) if !ids.insert(l.scenario.id.clone()) => {
                    errors.push(LoadError { path: f.display().to_string(), message: "duplicate id".into() })
                }
                Ok(l) => loaded.push(l),
            },
        }
    }
    if errors.is_empty() { Ok(loaded) } else { Err(errors) }
}

/// Parses and validates one scenario.
pub fn parse(text: &str, path: &Path, catalogue: &Catalogue) -> Result<Loaded, LoadError> {
    let err = |message: String| LoadError { path: path.display().to_string(), message };
    // Steps and packets are written as single-key maps (`- send: {...}`), which
    // serde_yaml reads as enums only through `singleton_map_recursive`.
    let de = serde_yaml::Deserializer::from_str(text);
    let scenario: Scenario = serde_yaml::with::singleton_map_recursive::deserialize(de).map_err(|e| {
        let at = e.location().map(|l| format!(":{}:{}", l.line(), l.column())).unwrap_or_default();
        LoadError { path: format!("{}{at}", path.display()), message: e.to_string() }
    })?;
    if scenario.versions.is_empty() {
        return Err(err("versions: at least one of 3.1.1 and 5.0".into()));
    }
    for v in &scenario.versions {
        let ids = scenario.statements.for_version(*v);
        if ids.is_empty() {
            return Err(err(format!("statements: none given for {}", v.as_str())));
        }
        for id in ids {
            if !catalogue.has(*v, &id) {
                // The line that names it, so that the error points at the typo.
                let line = text.lines().position(|l| l.contains(id.as_str())).map_or(1, |n| n + 1);
                return Err(LoadError {
                    path: format!("{}:{line}", path.display()),
                    message: format!("statements: {id} is not in the catalogue of {}", v.as_str()),
                });
            }
        }
    }
    if let super::model::Statements::PerVersion(map) = &scenario.statements {
        if let Some(extra) = map.keys().find(|v| !scenario.versions.contains(v)) {
            return Err(err(format!("statements: {} is not one of the scenario's versions", extra.as_str())));
        }
    }
    if let Some(cfg) = &scenario.config {
        broker_config(cfg).map_err(|e| err(format!("config: {e}")))?;
    }
    let step_lines = step_lines(text, scenario.steps.len());
    // Everything else that can be known without a broker is checked now, so that a
    // run never blames a broker for a fault of the scenario.
    super::validate::scenario(&scenario).map_err(|(i, message)| LoadError {
        path: format!("{}:{}", path.display(), step_lines.get(i).copied().unwrap_or(1)),
        message: format!("step {}: {message}", i + 1),
    })?;
    Ok(Loaded { scenario, path: path.to_path_buf(), step_lines, text: text.into() })
}

/// Fuzzing entry: any bytes, as UTF-8 text, into the loader. Errors are fine; panics
/// are not (the caller is the `scenario_loader` fuzz target and its corpus replay).
pub fn fuzz(data: &[u8]) {
    thread_local! {
        static CATALOGUE: Catalogue = Catalogue::builtin();
    }
    let text = String::from_utf8_lossy(data);
    CATALOGUE.with(|c| {
        let _ = parse(&text, Path::new("fuzz.yaml"), c);
    });
}

/// The broker configuration a scenario asks for.
pub fn broker_config(cfg: &BTreeMap<String, serde_yaml::Value>) -> Result<mqttspec_broker::Config, String> {
    let value = serde_yaml::to_value(cfg).map_err(|e| e.to_string())?;
    let config: mqttspec_broker::Config = serde_yaml::from_value(value).map_err(|e| e.to_string())?;
    config.validate().map_err(|(field, message)| format!("{field}: {message}"))?;
    Ok(config)
}

/// Finds the line of each item of the top-level `steps:` list.
fn step_lines(text: &str, count: usize) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut in_steps = false;
    let mut indent = None;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("steps:") {
            in_steps = true;
            continue;
        }
        if !in_steps {
            continue;
        }
        let trimmed = line.trim_start();
        if !line.is_empty() && !line.starts_with(' ') && !line.starts_with('-') && !trimmed.starts_with('#') {
            break;
        }
        if let Some(rest) = trimmed.strip_prefix("- ").or(if trimmed == "-" { Some("") } else { None }) {
            let _ = rest;
            let this = line.len() - trimmed.len();
            if *indent.get_or_insert(this) == this {
                lines.push(n + 1);
            }
        }
    }
    lines.resize(count.max(lines.len()), 1);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalogue {
        Catalogue::builtin()
    }

    #[test]
    fn unknown_field_names_file_line_and_field() {
        let text = "id: x\ntitle: t\nstatements: [MQTT-3.1.2-3]\nlevel: must\nversions: ['5.0']\nsteps:\n  - wait: {ms: 1, seconds: 2}\n";
        let e = parse(text, Path::new("a/x.yaml"), &cat()).unwrap_err().to_string();
        assert!(e.starts_with("a/x.yaml:7:"), "{e}");
        assert!(e.contains("seconds"), "{e}");
    }

    #[test]
    fn unknown_statement_is_refused() {
        let text =
            "id: x\ntitle: t\nstatements: [MQTT-9.9.9-9]\nlevel: must\nversions: ['3.1.1']\nsteps: []\n";
        let e = parse(text, Path::new("x.yaml"), &cat()).unwrap_err().to_string();
        assert!(e.starts_with("x.yaml:3:") && e.contains("MQTT-9.9.9-9") && e.contains("3.1.1"), "{e}");
    }

    #[test]
    fn client_used_before_connect_is_refused() {
        let text = "id: x\ntitle: t\nstatements: [MQTT-3.1.2-3]\nlevel: must\nversions: ['3.1.1']\nsteps:\n  - drop: {client: a}\n";
        let e = parse(text, Path::new("x.yaml"), &cat()).unwrap_err().to_string();
        assert!(e.contains("used before a connect"), "{e}");
    }

    #[test]
    fn embedded_files_are_named_as_in_the_source_tree() {
        let text =
            "id: a/x\ntitle: t\nstatements: [MQTT-9.9.9-9]\nlevel: must\nversions: ['3.1.1']\nsteps: []\n";
        let sources = [("a/x.yaml".to_string(), PathBuf::from("corpus/a/x.yaml"), Ok(text.to_string()))];
        let errors = load_sources(sources.into_iter(), &cat()).unwrap_err();
        assert!(errors[0].to_string().starts_with("corpus/a/x.yaml:3: "), "{}", errors[0]);
        let wrong_id = [(
            "b/y.yaml".to_string(),
            PathBuf::from("corpus/b/y.yaml"),
            Ok(text.replace("MQTT-9.9.9-9", "MQTT-3.1.2-3")),
        )];
        let errors = load_sources(wrong_id.into_iter(), &cat()).unwrap_err();
        assert!(errors[0].to_string().contains("\"b/y\""), "{}", errors[0]);
    }

    #[test]
    fn step_lines_are_found() {
        let text = "id: x\nsteps:\n  - wait: {ms: 1}\n  # note\n  - connect:\n      client: a\n  - drop: {client: a}\n";
        assert_eq!(step_lines(text, 3), vec![3, 5, 7]);
    }
}
