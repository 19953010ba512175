//! The `mqttspec` command line: flags in, a library call, a report out. Every
//! command is a few lines over [`mqttspec::app`].

use clap::{Parser, Subcommand};

#[path = "cli/run.rs"]
mod run_cmd;
use mqttspec::app::{self, AppError, ExitStatus, Selection};
use mqttspec::run::{Clock, RunOptions};
use mqttspec::{Catalogue, Target, report};
use run_cmd::FailOn;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const EXIT_STATUSES: &str = "Exit status: 0 every case passed (known deviations included); 1 a case failed \
(a MUST violated, a listed deviation passed, or with --fail-on should a SHOULD missed); 2 usage or \
configuration error; 3 the harness could not run (some) cases — target unreachable or not starting, \
a case it could not carry out; nothing is said about the broker; 130 interrupted.";

const DIFF_EXIT_STATUSES: &str = "Exit status: 0 no new failures; 1 new failures (a case now FAIL or \
UNEXPECTED-PASS that was neither in the old run, or with --fail-on should now non-strict); 2 a file that \
cannot be read or is not a results file; 3 no new failure, but new harness errors (the new run is \
incomplete: nothing is known about those cases).";

#[derive(Parser)]
#[command(name = "mqttspec", version, about = "MQTT 3.1.1 / 5.0 conformance suite", after_help = EXIT_STATUSES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the scenario corpus against a broker.
    Run(Box<run_cmd::RunArgs>),
    /// Run the corpus against several brokers, one after the other, and write the
    /// cross-broker matrix as HTML, JSON and Markdown.
    Matrix {
        /// A target as for `run`; repeat for every column. Default: the embedded broker
        /// and every profile with a process section whose broker is installed.
        #[arg(long)]
        target: Vec<String>,
        /// Directory for matrix.html, matrix.json and matrix.md.
        #[arg(long, default_value = "matrix")]
        out: PathBuf,
        /// A broker that cannot be started becomes a column saying why, instead of an
        /// error.
        #[arg(long)]
        skip_missing: bool,
        /// Only scenarios whose id contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// Cases run at once.
        #[arg(long, default_value_t = 8)]
        jobs: usize,
        /// Multiply patience (never protocol time).
        #[arg(long, default_value_t = 1.0)]
        timeout_scale: f64,
        /// Scenario folder (default: the corpus compiled into the binary).
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// Profile folder (default: the profiles compiled into the binary).
        #[arg(long)]
        profiles: Option<PathBuf>,
        /// An earlier results file (matrix.json or `run --json`): cells whose verdict
        /// changed since are outlined and say what they were; matrix.md lists the changes.
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// Render this matrix.json again instead of running (e.g. with a --baseline).
        #[arg(long, conflicts_with_all = ["target", "filter", "skip_missing"])]
        from: Option<PathBuf>,
    },
    /// Compare two results files (`run --json` output or matrix.json): per broker,
    /// case and version, the new failures, fixed cases, newly unsupported cases,
    /// harness errors and other changes.
    #[command(after_help = DIFF_EXIT_STATUSES)]
    Diff {
        /// The earlier results.
        old: PathBuf,
        /// The later results.
        new: PathBuf,
        /// What counts as a new failure: `must` (FAIL, UNEXPECTED-PASS) or `should`
        /// (new non-strict results too).
        #[arg(long, value_enum, default_value_t = FailOn::Must)]
        fail_on: FailOn,
        /// Write the changes as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Prove the corpus with statement mutants: for each deliberate fault of the
    /// reference broker, run the cases citing the statements it breaks against a
    /// broker carrying it; report killed, survived and untested mutants, the
    /// mutation score and the statements proven per version. Exits 1 if any mutant
    /// survives or is untested. Only in builds with `--features mutants`.
    #[cfg(feature = "mutants")]
    Mutants {
        /// Only mutants whose id contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// Write every mutant's result as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Mutants run at once.
        #[arg(long, default_value_t = 4)]
        parallel: usize,
        /// Scenario folder (default: the corpus compiled into the binary).
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
    /// Fuzz a broker over the network: stateful sessions, spec-judged findings
    /// written as minimised scenarios (exits 1 when anything was found).
    Fuzz(mqttspec::fuzz::cli::FuzzArgs),
    /// List the scenarios with their statements.
    List {
        /// Scenario folder (default: the corpus compiled into the binary).
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
    /// Statements covered by the corpus, per version, against the catalogues.
    Coverage {
        /// Scenario folder (default: the corpus compiled into the binary).
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
    /// Load a broker with QoS 1 traffic between publisher/subscriber pairs and report
    /// throughput; fails if any message is lost or out of order.
    Load {
        /// `embedded` or a target URL, as for `run`.
        #[arg(long, default_value = "embedded")]
        target: String,
        /// Concurrent connections (half publish, half subscribe).
        #[arg(long, default_value_t = 1000)]
        connections: usize,
        /// Messages in total.
        #[arg(long, default_value_t = 100_000)]
        messages: u64,
    },
    /// Write fuzzing seed corpora: every packet the scenario corpus sends (tampered
    /// ones included), encoded, and the scenario files themselves.
    #[command(hide = true)]
    Seeds {
        /// The fuzz corpus directory (fuzz/corpus).
        #[arg(long)]
        out: PathBuf,
        /// Scenario folder (default: the corpus compiled into the binary).
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
    /// Print the JSON Schema of scenario files (for editor validation and completion).
    Schema,
    /// Print a password file line for the reference broker (`user:SCRAM-SHA-256$...`,
    /// RFC 5803). The password is read from the first line of standard input.
    Passwd {
        /// User name.
        user: String,
        /// PBKDF2 iterations (RFC 7677 asks for at least 4096).
        #[arg(long, default_value_t = mqttspec_broker::auth::DEFAULT_ITERATIONS)]
        iterations: u32,
    },
    /// Run the reference broker.
    Broker {
        /// TCP address to listen on (default 127.0.0.1:1883 when the configuration
        /// names no listeners).
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// YAML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

/// Writes to standard output. A closed pipe (`mqttspec list | head -1`) ends the
/// output quietly; any other write error is reported.
pub(crate) fn say(text: &str) -> Result<(), AppError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(AppError::Write(format!("standard output: {e}")))
        }
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(ExitStatus::Harness as u8);
        }
    };
    // The broker shuts down gracefully on its own signal. Anything else is cut short,
    // which drops (and so stops and removes) the brokers a run started.
    // `run` and `fuzz` handle their own interrupt: they write what they have first.
    let serves = matches!(cli.command, Command::Broker { .. } | Command::Run(_) | Command::Fuzz(_));
    let status = runtime.block_on(async move {
        if serves {
            return command(cli).await;
        }
        tokio::select! {
            r = command(cli) => r,
            _ = shutdown_signal() => {
                eprintln!("interrupted; the brokers this run started were stopped");
                Ok(ExitStatus::Interrupted)
            }
        }
    });
    match status {
        Ok(s) => ExitCode::from(s as u8),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.status() as u8)
        }
    }
}

async fn command(cli: Cli) -> Result<ExitStatus, AppError> {
    let catalogue = Catalogue::builtin();
    let usage = AppError::Usage;
    match cli.command {
        Command::Run(args) => run_cmd::run(*args, &catalogue).await,
        Command::Matrix {
            target,
            out,
            skip_missing,
            filter,
            jobs,
            timeout_scale,
            corpus,
            baseline,
            from,
            profiles,
        } => {
            use mqttspec::report::matrix::{Matrix, RunInfo, case_info};
            let clock = Clock::new(timeout_scale).map_err(|e| usage(e.to_string()))?;
            let all = app::load_corpus(corpus.as_deref(), &catalogue)?;
            let baseline = baseline.map(|p| report::diff::read(&p).map_err(usage)).transpose()?;
            let matrix = match from {
                Some(path) => Matrix::read(&path, &all).map_err(usage)?,
                None => {
                    let run = RunInfo::now(filter.clone());
                    let scenarios = Selection { filter, statement: None }.apply(&all)?;
                    let profiles = app::load_profiles(profiles.as_deref())?;
                    let targets = if target.is_empty() {
                        mqttspec::target::resolve::installed_targets(&profiles)
                    } else {
                        target
                    };
                    // Per-case progress over every column: a broker's run is not a silent minute.
                    let cases: usize = scenarios.iter().map(|l| l.scenario.versions.len()).sum();
                    let on_result = Some(run_cmd::progress_reporter((cases * targets.len()) as u64, false));
                    let opts = RunOptions { clock, jobs, on_result, ..RunOptions::default() };
                    let columns =
                        app::matrix(&targets, &profiles, &all, &scenarios, skip_missing, opts).await?;
                    Matrix { run, cases: case_info(&scenarios), columns }
                }
            };
            app::write_matrix(&out, &matrix, &catalogue, baseline.as_deref())?;
            say(&format!("wrote {}/matrix.html, matrix.md and matrix.json\n", out.display()))?;
            Ok(ExitStatus::Passed)
        }
        Command::Diff { old, new, fail_on, json } => {
            let diff = report::diff::compare(
                &report::diff::read(&old).map_err(usage)?,
                &report::diff::read(&new).map_err(usage)?,
            );
            say(&diff.report())?;
            if let Some(path) = json {
                let text = serde_json::to_string_pretty(&diff).map_err(|e| AppError::Write(e.to_string()))?;
                app::write_file(&path, &text)?;
            }
            Ok(if diff.regressed(fail_on == FailOn::Should) {
                ExitStatus::Failed
            } else if diff.count(report::diff::Change::NewError) > 0 {
                ExitStatus::Harness
            } else {
                ExitStatus::Passed
            })
        }
        #[cfg(feature = "mutants")]
        Command::Mutants { filter, json, parallel, corpus } => {
            use mqttspec::mutation::{self, Outcome};
            let all = app::load_corpus(corpus.as_deref(), &catalogue)?;
            let runs = mutation::run(&all, filter.as_deref(), parallel, RunOptions::default()).await?;
            say(&mutation::report(&runs, &all, &catalogue))?;
            if let Some(path) = json {
                let text = serde_json::to_string_pretty(&runs).map_err(|e| AppError::Write(e.to_string()))?;
                app::write_file(&path, &text)?;
            }
            let all_killed = runs.iter().all(|r| r.outcome == Outcome::Killed);
            Ok(if all_killed { ExitStatus::Passed } else { ExitStatus::Failed })
        }
        Command::Fuzz(args) => {
            mqttspec::fuzz::cli::command(args, &app::load_profiles(None)?, shutdown_signal()).await
        }
        Command::List { corpus } => {
            let mut text = String::new();
            for l in app::load_corpus(corpus.as_deref(), &catalogue)? {
                let versions: Vec<&str> = l.scenario.versions.iter().map(|v| v.as_str()).collect();
                let ids = l.scenario.statements.all().join(" ");
                text.push_str(&format!("{:<48} {:<10} {ids}\n", l.scenario.id, versions.join(",")));
            }
            say(&text)?;
            Ok(ExitStatus::Passed)
        }
        Command::Coverage { corpus } => {
            let scenarios = app::load_corpus(corpus.as_deref(), &catalogue)?;
            let unproven = match &corpus {
                Some(dir) => report::read_unproven(dir),
                None => report::parse_unproven(mqttspec::format::embedded::UNPROVEN),
            };
            say(&report::coverage(&scenarios, &catalogue, unproven.as_ref()))?;
            Ok(ExitStatus::Passed)
        }
        Command::Load { target, connections, messages } => {
            let tls = mqttspec::net::connector::TlsOptions::default();
            let target = Target::parse(&target, &tls).map_err(usage)?;
            let report = mqttspec::tools::loadgen::run_against(&target, connections, messages)
                .await
                .map_err(|e| AppError::Run(mqttspec::run::RunError::Unreachable(e)))?;
            say(&format!("{report}\n"))?;
            Ok(if report.is_clean() { ExitStatus::Passed } else { ExitStatus::Failed })
        }
        Command::Seeds { out, corpus } => {
            let scenarios = app::load_corpus(corpus.as_deref(), &catalogue)?;
            let counts = mqttspec::tools::seeds::write(&scenarios, &out)
                .map_err(|e| AppError::Write(format!("{}: {e}", out.display())))?;
            say(&format!("{counts:?}\n"))?;
            Ok(ExitStatus::Passed)
        }
        Command::Schema => {
            let schema = schemars::schema_for!(mqttspec::format::model::Scenario);
            let text = serde_json::to_string_pretty(&schema).map_err(|e| AppError::Write(e.to_string()))?;
            say(&format!("{text}\n"))?;
            Ok(ExitStatus::Passed)
        }
        Command::Passwd { user, iterations } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .map_err(|e| usage(format!("reading the password: {e}")))?;
            let line = mqttspec::tools::passwd_line(&user, &password, iterations).map_err(usage)?;
            say(&format!("{line}\n"))?;
            Ok(ExitStatus::Passed)
        }
        Command::Broker { listen, config } => {
            let listeners =
                mqttspec::tools::broker_listeners(listen, config.as_deref()).await.map_err(usage)?;
            let (listeners, config) = listeners;
            for l in &listeners {
                eprintln!("mqttspec reference broker listening: {l:?}");
            }
            mqttspec_broker::run_listeners(listeners, config, shutdown_signal()).await;
            Ok(ExitStatus::Passed)
        }
    }
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
