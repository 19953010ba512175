//! `mqttspec run`: the header, progress, summary and reports of one run, and what an
//! interrupted run leaves behind (the reports of the cases that finished, exit 130).

use clap::{Args, ValueEnum};
use mqttspec::app::{self, AppError, ExitStatus, Selection, TargetRequest};
use mqttspec::report::{self, run::RunInfo};
use mqttspec::run::{CaseResult, Clock, RunOptions};
use mqttspec::{Catalogue, Version};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// `mqttspec run`'s flags.
#[derive(Args)]
pub struct RunArgs {
    /// `embedded` (the reference broker, in-process), `process:<profile>` (a
    /// broker started as its profile says; `process:reference` is this binary's
    /// `mqttspec broker`), `container:IMAGE[:TAG]`
    /// (testcontainers), `tcp://host:port`, `tls://host:port`, `ws://host:port/path`
    /// or `wss://host:port/path`.
    #[arg(long, default_value = "embedded")]
    pub target: String,
    #[command(flatten)]
    pub access: app::TargetAccess,
    /// Only this version (3.1.1 or 5.0); both by default.
    #[arg(long)]
    pub version: Option<Version>,
    /// Only scenarios whose id contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Only scenarios checking this statement ID.
    #[arg(long)]
    pub statement: Option<String>,
    /// Cases run at once (a profile's `jobs` overrides it). Most of a case is protocol
    /// time spent waiting, so many run side by side; a broker whose faults leak
    /// between cases says so in its profile.
    #[arg(long, default_value_t = 16)]
    pub jobs: usize,
    /// Multiply patience — how long to wait for what should happen — e.g. by 3 for
    /// a slow broker. Protocol time (keep alive, will delay, expiry, "nothing
    /// within" windows, deadlines) is never scaled.
    #[arg(long, default_value_t = 1.0)]
    pub timeout_scale: f64,
    /// Target profile with known deviations: a file, or a built-in profile's name
    /// (`mosquitto`, `nats`, ...; see --profiles);
    /// `process:` and `container:` targets use theirs unless this is given.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Which verdicts fail the run: `must` (MUST violations and unexpected passes)
    /// or `should` (SHOULD-level non-strict results too).
    #[arg(long, value_enum, default_value_t = FailOn::Must)]
    pub fail_on: FailOn,
    /// Do not probe an external target's capabilities; assume it has them all.
    #[arg(long)]
    pub no_probe: bool,
    /// Write JUnit XML: a failure's message is `[LEVEL] statement: title — reason`;
    /// statement IDs, level and version are properties of each case.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Write the run (tool version, target, profile, capabilities, start time,
    /// duration) and every result, with transcripts, as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Write this run as a one-column HTML report, every transcript included.
    #[arg(long)]
    pub html: Option<PathBuf>,
    /// Write a Markdown table of every case that did not pass, and the totals (for a
    /// CI job summary).
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Stop after this many seconds (broker start-up included) as if interrupted:
    /// the reports hold the cases that finished, and the exit status is 130.
    #[arg(long)]
    pub max_duration: Option<f64>,
    /// Print the transcript of every failed case, and every unsupported case (not
    /// only their count per reason).
    #[arg(long)]
    pub verbose: bool,
    /// Scenario folder (default: the corpus compiled into the binary).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Profile folder (default: the profiles compiled into the binary).
    #[arg(long)]
    pub profiles: Option<PathBuf>,
}

/// What a run has done so far, for the reports of an interrupted run.
#[derive(Default)]
struct SoFar {
    info: Option<RunInfo>,
    results: Vec<CaseResult>,
}

/// Loads, runs with a header and progress, writes the reports and prints the
/// summary; on Ctrl-C, SIGTERM or past `--max-duration`, the same for the cases that
/// finished, with exit status 130.
pub async fn run(a: RunArgs, catalogue: &Catalogue) -> Result<ExitStatus, AppError> {
    let started = std::time::Instant::now();
    let clock = Clock::new(a.timeout_scale).map_err(|e| AppError::Usage(e.to_string()))?;
    let deadline = match a.max_duration {
        Some(s) if s.is_finite() && s > 0.0 => Some(std::time::Duration::from_secs_f64(s)),
        Some(s) => {
            return Err(AppError::Usage(format!("--max-duration {s}: must be a positive number of seconds")));
        }
        None => None,
    };
    let profiles = app::load_profiles(a.profiles.as_deref())?;
    let all = app::load_corpus(a.corpus.as_deref(), catalogue)?;
    let profile = a.profile.as_ref().map(|p| app::profile_arg(p, &profiles, &all)).transpose()?;
    let scenarios = Selection { filter: a.filter.clone(), statement: a.statement.clone() }.apply(&all)?;
    let versions: Vec<Version> = a.version.map_or(Version::ALL.to_vec(), |v| vec![v]);
    let total: usize =
        scenarios.iter().map(|l| versions.iter().filter(|v| l.scenario.versions.contains(v)).count()).sum();
    let so_far = Arc::new(Mutex::new(SoFar::default()));
    let progress = progress_reporter(total as u64, a.verbose);
    let on_result: mqttspec::run::OnResult = Arc::new({
        let so_far = so_far.clone();
        move |r: &CaseResult| {
            so_far.lock().unwrap_or_else(|e| e.into_inner()).results.push(r.clone());
            progress(r);
        }
    });
    let opts = RunOptions {
        clock,
        jobs: a.jobs,
        on_result: Some(on_result),
        probe: !a.no_probe,
        ..RunOptions::default()
    };
    let tls = a.access.tls();
    let login = a.access.login()?;
    let info = RunInfo {
        tool: format!("mqttspec {}", env!("CARGO_PKG_VERSION")),
        target: a.target.clone(),
        broker: a.target.clone(),
        versions: versions.clone(),
        corpus: a.corpus.as_ref().map_or_else(|| "embedded".to_string(), |d| d.display().to_string()),
        corpus_scenarios: all.len(),
        selected_scenarios: scenarios.len(),
        cases: total,
        ..RunInfo::default()
    };
    let on_start = app::OnStart(Arc::new({
        let so_far = so_far.clone();
        move |info: &RunInfo| {
            // On standard error, with the progress: standard output is the summary.
            tell(&format!("{}\n", info.header()));
            so_far.lock().unwrap_or_else(|e| e.into_inner()).info = Some(info.clone());
        }
    }));
    let reported_profile = profile.clone();
    let req = TargetRequest {
        target: &a.target,
        tls,
        profiles: &profiles,
        profile,
        corpus: &all,
        scenarios: &scenarios,
        versions: &versions,
        login,
        info: info.clone(),
        on_start: Some(on_start),
    };
    let expired = async {
        match deadline {
            Some(d) => tokio::time::sleep(d.saturating_sub(started.elapsed())).await,
            None => std::future::pending().await,
        }
    };
    let finished = tokio::select! {
        run = app::run_target(req, opts) => Some(run?),
        _ = crate::shutdown_signal() => None,
        _ = expired => None,
    };
    let (info, results) = match finished {
        Some(run) => (run.info, run.results),
        None => {
            // The run's future is dropped: the brokers it started are stopped.
            let mut so_far = std::mem::take(&mut *so_far.lock().unwrap_or_else(|e| e.into_inner()));
            let mut info = so_far.info.take().unwrap_or(info);
            info.interrupted = true;
            info.duration_s = started.elapsed().as_secs_f64();
            so_far.results.sort_by(|a, b| (a.id.as_str(), a.version).cmp(&(b.id.as_str(), b.version)));
            (info, so_far.results)
        }
    };
    // The reports first: an interrupted CI step may have lost its terminal already.
    let strict = a.fail_on == FailOn::Should;
    let report =
        Report { info: &info, results: &results, scenarios: &scenarios, profile: reported_profile.as_ref() };
    write_reports(&a, &report, catalogue, strict)?;
    if a.verbose {
        crate::say(&report::transcripts(&results))?;
    }
    let elapsed = std::time::Duration::from_secs_f64(info.duration_s);
    crate::say(&report::summary(&results, elapsed, a.verbose))?;
    if info.interrupted {
        tell(&format!(
            "interrupted after {:.1} s: {} of {} cases finished, the reports hold them; the brokers this run started were stopped\n",
            info.duration_s,
            results.len(),
            total
        ));
    }
    Ok(if info.interrupted { ExitStatus::Interrupted } else { ExitStatus::of(&results, strict) })
}

/// Writes to standard error; a closed one (the reader of a pipe gone, as when a CI
/// step is cancelled) is no reason to stop, let alone to panic.
fn tell(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// What a run's report files are made of.
struct Report<'a> {
    info: &'a RunInfo,
    results: &'a [CaseResult],
    scenarios: &'a [mqttspec::Loaded],
    profile: Option<&'a mqttspec::target::profile::Profile>,
}

fn write_reports(a: &RunArgs, r: &Report<'_>, catalogue: &Catalogue, strict: bool) -> Result<(), AppError> {
    let Report { info, results, scenarios, profile } = *r;
    if let Some(path) = &a.junit {
        let xml = report::junit(results, scenarios, info, strict).map_err(AppError::Write)?;
        app::write_file(path, &xml)?;
    }
    if let Some(path) = &a.json {
        let report = report::run::JsonReport::new(info, results, scenarios);
        let text = serde_json::to_string_pretty(&report).map_err(|e| AppError::Write(e.to_string()))?;
        app::write_file(path, &text)?;
    }
    if let Some(path) = &a.html {
        app::write_file(path, &app::html_report(info, results, scenarios, profile, catalogue))?;
    }
    if let Some(path) = &a.markdown {
        app::write_file(path, &report::run::markdown(info, results, scenarios))?;
    }
    Ok(())
}

/// A progress bar on a terminal; plain lines otherwise.
pub(crate) fn progress_reporter(total: u64, verbose: bool) -> mqttspec::run::OnResult {
    use std::io::IsTerminal;
    if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        std::sync::Arc::new(move |r: &mqttspec::CaseResult| {
            bar.inc(1);
            bar.set_message(r.name());
            if bar.position() >= total {
                bar.finish_and_clear();
            }
        })
    } else {
        // Unsupported cases are counted per reason in the summary instead.
        std::sync::Arc::new(move |r: &mqttspec::CaseResult| {
            if verbose || r.verdict != mqttspec::Verdict::Unsupported {
                tell(&format!("{:<13} {} ({} ms)\n", r.verdict.label(), r.name(), r.millis));
            }
        })
    }
}

/// When `run` fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// MUST violations and unexpected passes.
    Must,
    /// SHOULD-level non-strict results too.
    Should,
}
