//! One `cargo test` trial per scenario file and version, run against the embedded
//! reference broker. Names look like `[5.0] connect/reserved-flag`, so the usual test
//! filters select scenarios; works under `cargo nextest` as well.

use libtest_mimic::{Arguments, Failed, Trial};
use mqttspec::Version;
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
    let all = scenarios.clone();
    for loaded in scenarios {
        for version in loaded.scenario.versions.clone() {
            let name = format!("[{}] {}", version.as_str(), loaded.scenario.id);
            let runtime = runtime.clone();
            let loaded = loaded.clone();
            trials.push(Trial::test(name, move || run_one(&runtime, loaded, version)));
        }
    }
    // Patience scales, protocol time does not: the whole corpus passes whether the
    // runner is twice as impatient or three times as patient.
    for scale in [0.5, 3.0] {
        let runtime = runtime.clone();
        let all = all.clone();
        trials.push(Trial::test(format!("whole corpus at --timeout-scale {scale}"), move || {
            run_scaled(&runtime, &all, scale)
        }));
    }
    libtest_mimic::run(&args, trials).exit();
}

fn run_one(
    runtime: &tokio::runtime::Runtime,
    loaded: mqttspec::Loaded,
    version: Version,
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

fn run_scaled(runtime: &tokio::runtime::Runtime, all: &[mqttspec::Loaded], scale: f64) -> Result<(), Failed> {
    let clock = mqttspec::run::Clock::new(scale).map_err(|e| Failed::from(e.to_string()))?;
    let opts = RunOptions { clock, ..RunOptions::default() };
    let results =
        runtime.block_on(run_all(all, &Version::ALL, &Target::Embedded, &opts)).map_err(|e| e.to_string())?;
    let bad: Vec<String> = results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| format!("{} {}: {}", r.verdict.label(), r.name(), r.message.clone().unwrap_or_default()))
        .collect();
    if bad.is_empty() { Ok(()) } else { Err(bad.join("\n").into()) }
}
