//! The `mqttspec` command line: run the corpus, list it, report coverage, or run the
//! reference broker.

use clap::{Parser, Subcommand};
use mqttspec::model::VersionName;
use mqttspec::{Catalogue, RunOptions, Target, Verdict, default_corpus, load_dir, report, run_all};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "mqttspec", version, about = "MQTT 3.1.1 / 5.0 conformance suite")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the scenario corpus against a broker.
    Run {
        /// `embedded` (the reference broker, in-process), `tcp://host:port`,
        /// `tls://host:port`, `ws://host:port/path` or `wss://host:port/path`.
        #[arg(long, default_value = "embedded")]
        target: String,
        /// CA certificate(s) (PEM) that sign a TLS target's certificate.
        #[arg(long)]
        ca: Option<PathBuf>,
        /// Accept any TLS certificate.
        #[arg(long)]
        insecure: bool,
        /// Only this version (3.1.1 or 5.0); both by default.
        #[arg(long)]
        version: Option<String>,
        /// Only scenarios whose id contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// Only scenarios checking this statement ID.
        #[arg(long)]
        statement: Option<String>,
        /// Cases run at once.
        #[arg(long, default_value_t = 8)]
        jobs: usize,
        /// Multiply every timeout (e.g. 3 for a slow broker).
        #[arg(long, default_value_t = 1.0)]
        timeout_scale: f64,
        /// Target profile with known deviations (e.g. scenarios/profiles/mosquitto.yaml).
        #[arg(long)]
        profile: Option<PathBuf>,
        /// Do not probe an external target's capabilities; assume it has them all.
        #[arg(long)]
        no_probe: bool,
        /// Write JUnit XML (statement IDs and version as properties of each case).
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Write every result, with transcripts, as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Print the transcript of every failed case.
        #[arg(long)]
        verbose: bool,
        /// Scenario directory.
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
    /// List the scenarios with their statements.
    List {
        /// Scenario directory.
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
    /// Statements covered by the corpus, per version, against the catalogues.
    Coverage {
        /// Scenario directory.
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
        /// Scenario directory.
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

fn load(corpus: Option<PathBuf>, catalogue: &Catalogue) -> Result<Vec<mqttspec::Loaded>, String> {
    let dir = corpus.unwrap_or_else(default_corpus);
    load_dir(&dir, catalogue)
        .map_err(|errors| errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))
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
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(real_main(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn real_main(cli: Cli) -> Result<ExitCode, String> {
    let catalogue = Catalogue::builtin();
    match cli.command {
        Command::Run {
            target,
            ca,
            insecure,
            version,
            filter,
            statement,
            jobs,
            timeout_scale,
            profile,
            no_probe,
            junit,
            json,
            verbose,
            corpus,
        } => {
            let target_text = target.clone();
            let target = Target::parse(&target, &mqttspec::target::TlsOptions { ca, insecure })?;
            let versions = match version.as_deref() {
                None => vec![VersionName::V311, VersionName::V5],
                Some("3.1.1") => vec![VersionName::V311],
                Some("5.0") | Some("5") => vec![VersionName::V5],
                Some(other) => return Err(format!("--version {other}: expected 3.1.1 or 5.0")),
            };
            let mut scenarios = load(corpus, &catalogue)?;
            let profile = profile.map(|p| mqttspec::profile::Profile::load(&p, &scenarios)).transpose()?;
            if let Some(f) = &filter {
                scenarios.retain(|l| l.scenario.id.contains(f.as_str()));
            }
            if let Some(s) = &statement {
                scenarios.retain(|l| l.scenario.statements.all().iter().any(|x| x == s));
            }
            if scenarios.is_empty() {
                return Err("no scenario matches the filters".into());
            }
            let started = std::time::Instant::now();
            let total: usize = scenarios
                .iter()
                .map(|l| versions.iter().filter(|v| l.scenario.versions.contains(v)).count())
                .sum();
            let progress = progress_reporter(total as u64);
            let opts = RunOptions {
                timeout_scale,
                jobs,
                on_result: Some(progress.clone()),
                probe: !no_probe,
                ..RunOptions::default()
            };
            let mut results = run_all(&scenarios, &versions, &target, &opts).await?;
            if let Some(p) = &profile {
                p.apply(&mut results);
            }
            if verbose {
                for r in results.iter().filter(|r| r.verdict != Verdict::Pass) {
                    println!("--- {} ---", r.name());
                    for e in &r.transcript {
                        println!(
                            "{:>9.1} ms {:<8} {:?} {}\n{:>20}{}",
                            e.at_ms, e.client, e.direction, e.text, "", e.hex
                        );
                    }
                }
            }
            print!("{}", report::summary(&results, started.elapsed()));
            if let Some(path) = junit {
                let target_label = match &profile {
                    Some(p) => format!("{target_text} ({} {})", p.broker, p.version),
                    None if target_text == "embedded" => {
                        format!("embedded (mqttspec reference broker {})", env!("CARGO_PKG_VERSION"))
                    }
                    None => target_text.clone(),
                };
                let xml = report::junit(&results, &target_label)?;
                std::fs::write(&path, xml).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            if let Some(path) = json {
                let text = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
            }
            let failed = results.iter().any(|r| r.verdict.is_failure());
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::List { corpus } => {
            for l in load(corpus, &catalogue)? {
                let versions: Vec<&str> = l.scenario.versions.iter().map(|v| v.as_str()).collect();
                println!(
                    "{:<48} {:<10} {}",
                    l.scenario.id,
                    versions.join(","),
                    l.scenario.statements.all().join(" ")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Coverage { corpus } => {
            let scenarios = load(corpus, &catalogue)?;
            print!("{}", report::coverage(&scenarios, &catalogue));
            Ok(ExitCode::SUCCESS)
        }
        Command::Load { target, connections, messages } => {
            let target = Target::parse(&target, &mqttspec::target::TlsOptions::default())?;
            let (connector, broker) = match target {
                Target::Remote(c) => (c, None),
                Target::Embedded => {
                    let b = mqttspec_broker::BrokerHandle::start(
                        mqttspec_broker::Config::default(),
                        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                    (mqttspec::target::Connector::Tcp(b.local_addr()), Some(b))
                }
            };
            let report =
                mqttspec::loadgen::run(&connector, connections, messages, &mqttspec::run::default_run_id())
                    .await?;
            if let Some(b) = broker {
                b.shutdown().await;
            }
            println!(
                "{} connections, {} published, {} delivered, {} lost or out of order, {:.2} s, {:.0} msg/s",
                report.connections,
                report.published,
                report.delivered,
                report.lost_or_disordered,
                report.elapsed.as_secs_f64(),
                report.rate()
            );
            Ok(if report.lost_or_disordered == 0 && report.delivered == report.published {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Seeds { out, corpus } => {
            let dir = corpus.unwrap_or_else(default_corpus);
            let scenarios = load(Some(dir.clone()), &catalogue)?;
            let counts =
                mqttspec::seeds::write(&scenarios, &out).map_err(|e| format!("{}: {e}", out.display()))?;
            println!("{counts:?}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema => {
            let schema = schemars::schema_for!(mqttspec::model::Scenario);
            println!("{}", serde_json::to_string_pretty(&schema).map_err(|e| e.to_string())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Passwd { user, iterations } => {
            if user.is_empty() || user.contains([':', '\n']) {
                return Err("the user name must be non-empty and hold no ':' or newline".into());
            }
            if iterations == 0 {
                return Err("--iterations must be at least 1".into());
            }
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).map_err(|e| format!("reading the password: {e}"))?;
            let password = password.strip_suffix('\n').unwrap_or(&password);
            let password = password.strip_suffix('\r').unwrap_or(password);
            if password.is_empty() {
                return Err("no password on standard input".into());
            }
            let credential = mqttspec_broker::auth::hash_password(password, iterations)
                .map_err(|e| format!("no random salt: {e}"))?;
            println!("{user}:{credential}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Broker { listen, config } => {
            let listen_given = listen.is_some();
            let listen = listen.unwrap_or_else(|| std::net::SocketAddr::from(([127, 0, 0, 1], 1883)));
            let config = match config {
                Some(path) => mqttspec_broker::Config::load(&path).map_err(|e| e.to_string())?,
                None => mqttspec_broker::Config::default(),
            };
            let mut config = config;
            if config.listeners.is_empty() || listen_given {
                config.listeners.insert(
                    0,
                    mqttspec_broker::ListenerConfig {
                        kind: mqttspec_broker::ListenerKind::Tcp,
                        address: listen,
                        cert: None,
                        key: None,
                    },
                );
            }
            let listeners = mqttspec_broker::bind_listeners(&config.listeners).await?;
            for l in &listeners {
                eprintln!("mqttspec reference broker listening: {l:?}");
            }
            mqttspec_broker::run_listeners(listeners, config, shutdown_signal()).await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A progress bar on a terminal; plain lines otherwise.
fn progress_reporter(total: u64) -> mqttspec::run::OnResult {
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
        std::sync::Arc::new(|r: &mqttspec::CaseResult| {
            eprintln!("{:<13} {} ({} ms)", r.verdict.label(), r.name(), r.millis);
        })
    }
}

async fn shutdown_signal() {
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
