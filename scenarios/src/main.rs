//! The `mqttspec` command line: run the corpus, list it, report coverage, or run the
//! reference broker.

use clap::{Parser, Subcommand};
use mqttspec::model::VersionName;
use mqttspec::{Catalogue, RunOptions, Target, Verdict, default_corpus, load_dir, report};
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
        /// `embedded` (the reference broker, in-process), `process:<profile>` (a
        /// broker started from scenarios/profiles/<profile>.yaml), `container:IMAGE[:TAG]`
        /// (testcontainers), `tcp://host:port`, `tls://host:port`, `ws://host:port/path`
        /// or `wss://host:port/path`.
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
        /// Target profile with known deviations (e.g. scenarios/profiles/mosquitto.yaml);
        /// `process:` and `container:` targets use theirs unless this is given.
        #[arg(long)]
        profile: Option<PathBuf>,
        /// Which verdicts fail the run: `must` (MUST violations and unexpected passes,
        /// the default) or `should` (SHOULD-level non-strict results too).
        #[arg(long, default_value = "must")]
        fail_on: String,
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
        /// Multiply every timeout.
        #[arg(long, default_value_t = 1.0)]
        timeout_scale: f64,
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
    // The broker shuts down gracefully on its own signal. Anything else is cut short,
    // which drops (and so stops and removes) the brokers a run started.
    let serves = matches!(cli.command, Command::Broker { .. });
    let work = async move {
        if serves {
            return real_main(cli).await;
        }
        tokio::select! {
            r = real_main(cli) => r,
            _ = shutdown_signal() => Err("interrupted; the brokers this run started were stopped".into()),
        }
    };
    match runtime.block_on(work) {
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
            fail_on,
        } => {
            let strict = match fail_on.as_str() {
                "must" => false,
                "should" => true,
                other => return Err(format!("--fail-on {other}: expected must or should")),
            };
            let target_text = target.clone();
            let profiles = mqttspec::profile::all_in(&mqttspec::profile::default_dir())?;
            let tls = mqttspec::target::TlsOptions { ca, insecure };
            let resolved =
                mqttspec::launch::resolve(&target, &tls, &profiles).await.map_err(|e| e.to_string())?;
            let target = resolved.target.clone();
            let versions = match version.as_deref() {
                None => vec![VersionName::V311, VersionName::V5],
                Some("3.1.1") => vec![VersionName::V311],
                Some("5.0") | Some("5") => vec![VersionName::V5],
                Some(other) => return Err(format!("--version {other}: expected 3.1.1 or 5.0")),
            };
            let mut scenarios = load(corpus, &catalogue)?;
            let profile = match profile {
                Some(p) => Some(mqttspec::profile::Profile::load(&p, &scenarios)?),
                None => resolved.profile.clone(),
            };
            if let Some(p) = &profile {
                p.check(&scenarios)?;
            }
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
            let outcome =
                mqttspec::profile::run_with(profile.as_ref(), &scenarios, &versions, &target, opts).await;
            resolved.stop().await;
            let results = outcome?;
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
            let failed =
                results.iter().any(|r| r.verdict.is_failure() || (strict && r.verdict == Verdict::NonStrict));
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Matrix { target, out, skip_missing, filter, jobs, timeout_scale, corpus } => {
            let all = load(corpus, &catalogue)?;
            let mut scenarios = all.clone();
            if let Some(f) = &filter {
                scenarios.retain(|l| l.scenario.id.contains(f.as_str()));
            }
            let profiles = mqttspec::profile::all_in(&mqttspec::profile::default_dir())?;
            let targets =
                if target.is_empty() { mqttspec::launch::installed_targets(&profiles) } else { target };
            let mut columns = Vec::new();
            for t in &targets {
                eprintln!("== {t}");
                let started = std::time::Instant::now();
                let tls = mqttspec::target::TlsOptions::default();
                let resolved = match mqttspec::launch::resolve(t, &tls, &profiles).await {
                    Ok(r) => r,
                    Err(e) if skip_missing => {
                        eprintln!("   {e}");
                        columns.push(mqttspec::matrix::Column {
                            broker: t.clone(),
                            target: t.clone(),
                            started: String::new(),
                            error: Some(e.to_string()),
                            seconds: 0.0,
                            results: Vec::new(),
                        });
                        continue;
                    }
                    Err(e) => return Err(format!("{t}: {e}")),
                };
                if let Some(p) = &resolved.profile {
                    p.check(&all)?;
                }
                let opts = RunOptions { timeout_scale, jobs, ..RunOptions::default() };
                let versions = [VersionName::V311, VersionName::V5];
                let profile = resolved.profile.as_ref();
                let outcome =
                    mqttspec::profile::run_with(profile, &scenarios, &versions, &resolved.target, opts).await;
                let label = resolved.label.clone();
                let description =
                    resolved.launched.as_ref().map(|l| l.description.clone()).unwrap_or_default();
                resolved.stop().await;
                let results = outcome.map_err(|e| format!("{t}: {e}"))?;
                eprint!("{}", report::summary(&results, started.elapsed()));
                columns.push(mqttspec::matrix::Column {
                    broker: label,
                    target: t.clone(),
                    started: description,
                    error: None,
                    seconds: started.elapsed().as_secs_f64(),
                    results,
                });
            }
            std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
            let title = "mqttspec cross-broker matrix";
            let write = |name: &str, text: String| {
                let path = out.join(name);
                std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
            };
            write("matrix.html", mqttspec::matrix::html(&columns, title))?;
            write("matrix.md", mqttspec::matrix::markdown(&columns))?;
            write("matrix.json", serde_json::to_string_pretty(&columns).map_err(|e| e.to_string())?)?;
            println!("wrote {}/matrix.html, matrix.md and matrix.json", out.display());
            Ok(ExitCode::SUCCESS)
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
                Target::Remote(r) => (r.connector, None),
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
