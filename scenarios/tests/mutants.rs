//! Every statement mutant of the reference broker, run against the cases citing the
//! statements it breaks (`mqttspec mutants`). The mutants the corpus does not kill
//! yet are listed in `scenarios/mutants/known-survivors.yaml`, each with why; this
//! test fails when a mutant survives that the list does not name, and when a listed
//! one is killed (so the list only shrinks). `UPDATE_MUTANTS=1` rewrites the list.
#![cfg(feature = "mutants")]

use mqttspec::mutation::{self, MutantRun, Outcome};
use mqttspec::{Catalogue, RunOptions, Version, default_corpus, load_dir};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Known {
    mutant: String,
    version: Version,
    outcome: Outcome,
    reason: String,
}

fn listed(r: &MutantRun) -> Known {
    let reason = match r.outcome {
        Outcome::Untested => format!("no scenario cites {} in {}", r.statements.join(" "), r.version),
        _ => format!(
            "the cases citing {} pass against a broker that {}",
            r.statements.join(" "),
            r.description
        ),
    };
    Known { mutant: r.id.clone(), version: r.version, outcome: r.outcome, reason }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_mutant_is_killed_or_known() {
    let catalogue = Catalogue::builtin();
    let corpus = load_dir(&default_corpus(), &catalogue).expect("corpus loads");
    let runs = mutation::run(&corpus, None, 8, RunOptions::default()).await.expect("mutants run");
    assert!(runs.len() > 200, "only {} mutant runs", runs.len());
    let errors: Vec<String> = runs
        .iter()
        .flat_map(|r| {
            r.cases.iter().filter(|(_, v)| v.is_error()).map(move |(c, _)| format!("{}: {c}", r.id))
        })
        .collect();
    assert!(errors.is_empty(), "harness errors while running mutants: {errors:#?}");
    let now: BTreeSet<Known> = runs.iter().filter(|r| r.outcome != Outcome::Killed).map(listed).collect();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("mutants/known-survivors.yaml");
    if std::env::var_os("UPDATE_MUTANTS").is_some() {
        let header = "# Statement mutants the corpus does not kill yet (tests/mutants.rs keeps this list\n\
                      # exact: a new survivor fails the test, and so does a listed mutant that is killed).\n";
        let list: Vec<&Known> = now.iter().collect();
        std::fs::write(&path, format!("{header}{}", serde_yaml::to_string(&list).unwrap())).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let known: BTreeSet<Known> = serde_yaml::from_str::<Vec<Known>>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .collect();
    let key = |k: &Known| (k.mutant.clone(), k.version, k.outcome);
    let known_keys: BTreeSet<_> = known.iter().map(key).collect();
    let now_keys: BTreeSet<_> = now.iter().map(key).collect();
    let new: Vec<_> = now_keys.difference(&known_keys).collect();
    let gone: Vec<_> = known_keys.difference(&now_keys).collect();
    assert!(new.is_empty(), "mutants the corpus no longer kills (or never did): {new:#?}");
    assert!(gone.is_empty(), "listed mutants now killed: remove them from {}: {gone:#?}", path.display());
    eprint!("{}", mutation::report(&runs, &corpus, &catalogue));

    // A statement counts as covered only when proven: every cited statement has a
    // mutant breaking it that a case citing it kills. Those not yet proven are
    // listed, and the list, too, only shrinks.
    let proven = mutation::proven(&runs);
    let unproven: BTreeSet<(Version, String)> = mutation::cited(&corpus, &catalogue)
        .into_iter()
        .flat_map(|(v, ids)| {
            let p = proven.get(&v).cloned().unwrap_or_default();
            ids.into_iter().filter(move |id| !p.contains(id)).map(move |id| (v, id))
        })
        .collect();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("mutants/unproven.yaml");
    if std::env::var_os("UPDATE_MUTANTS").is_some() {
        let header = "# Statements the corpus cites that no killed mutant proves yet (tests/mutants.rs\n\
                      # keeps this list exact, like known-survivors.yaml).\n";
        let list: Vec<Unproven> =
            unproven.iter().map(|(v, id)| Unproven { statement: id.clone(), version: *v }).collect();
        std::fs::write(&path, format!("{header}{}", serde_yaml::to_string(&list).unwrap())).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let listed: BTreeSet<(Version, String)> = serde_yaml::from_str::<Vec<Unproven>>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .map(|u| (u.version, u.statement))
        .collect();
    let new: Vec<_> = unproven.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&unproven).collect();
    assert!(new.is_empty(), "cited statements no killed mutant proves: {new:#?}");
    assert!(gone.is_empty(), "listed statements now proven: remove them from {}: {gone:#?}", path.display());
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct Unproven {
    statement: String,
    version: Version,
}
