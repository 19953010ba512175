//! One `cargo test` trial per scenario file and version, run against the embedded
//! reference broker. Names look like `[5.0] connect/reserved-flag`, so the usual test
//! filters select scenarios; works under `cargo nextest` as well.

use libtest_mimic::{Arguments, Failed, Trial};
use mqttspec::model::VersionName;
use mqttspec::{Catalogue, RunOptions, Target, Verdict, default_corpus, load_dir, run_all};
use std::sync::Arc;

fn main() {
    let args = Arguments::from_args();
    let catalogue = Catalogue::builtin();
    let scenarios = match load_dir(&default_corpus(), &catalogue) {
        Ok(s) => s,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            std::process::exit(101);
        }
    };
    let runtime = Arc::new(tokio::runtime::Runtime::new().expect("tokio runtime"));
    let mut trials = Vec::new();
    for loaded in scenarios {
        for version in loaded.scenario.versions.clone() {
            let name = format!("[{}] {}", version.as_str(), loaded.scenario.id);
            let runtime = runtime.clone();
            let loaded = loaded.clone();
            trials.push(Trial::test(name, move || run_one(&runtime, loaded, version)));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn run_one(
    runtime: &tokio::runtime::Runtime,
    loaded: mqttspec::Loaded,
    version: VersionName,
) -> Result<(), Failed> {
    let opts = RunOptions { jobs: 1, ..RunOptions::default() };
    let results = runtime
        .block_on(run_all(std::slice::from_ref(&loaded), &[version], &Target::Embedded, &opts))
        .map_err(Failed::from)?;
    let result = results.into_iter().next().ok_or_else(|| Failed::from("no result"))?;
    match result.verdict {
        Verdict::Pass => Ok(()),
        other => {
            let mut text = format!("{}: {}\n", other.label(), result.message.unwrap_or_default());
            for e in &result.transcript {
                text.push_str(&format!(
                    "{:>9.1} ms {:<8} {:?} {}\n{:>20}{}\n",
                    e.at_ms, e.client, e.direction, e.text, "", e.hex
                ));
            }
            Err(text.into())
        }
    }
}
