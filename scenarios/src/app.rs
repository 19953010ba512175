//! The commands as library calls: the CLI parses flags and calls these, so that every
//! command takes the one path — resolve the target, check its profile, run, stop
//! what was started, report — and says how it ended in one exit status.

use crate::format::catalogue::Catalogue;
use crate::format::load::{LoadError, Loaded, load_dir, load_embedded};
use crate::net::connector::TlsOptions;
use crate::report::matrix::Column;
use crate::report::run::RunInfo;
use crate::run::{CaseResult, RunError, RunOptions, Verdict};
use crate::target::launch::LaunchError;
use crate::target::profile::Profile;
pub use crate::target::profiled::run_with;
use crate::target::resolve::resolve;
use crate::version::Version;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a command ended, as the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: every case passed (or failed as its profile says it does).
    Passed = 0,
    /// 1: a case failed: the broker violates a statement (or, with
    /// `--fail-on should`, misses a SHOULD), or a listed deviation passed.
    Failed = 1,
    /// 2: usage or configuration error: bad flags, a scenario or profile that does
    /// not load, a target that does not parse.
    Usage = 2,
    /// 3: the harness could not run (some) cases: the target unreachable or not
    /// starting, a case the runner could not carry out. Says nothing about the broker.
    Harness = 3,
    /// 130: interrupted (SIGINT / SIGTERM); what the run started was stopped.
    Interrupted = 130,
}

impl ExitStatus {
    /// The status a run's results call for: any failure first (the broker's fault is
    /// the news), then any harness error, else success.
    pub fn of(results: &[CaseResult], strict: bool) -> ExitStatus {
        if results.iter().any(|r| r.verdict.is_failure() || (strict && r.verdict == Verdict::NonStrict)) {
            ExitStatus::Failed
        } else if results.iter().any(|r| r.verdict.is_error()) {
            ExitStatus::Harness
        } else {
            ExitStatus::Passed
        }
    }
}

/// Why a command could not do its work.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The user's input is wrong (flags, files, scenarios, profiles).
    #[error("{0}")]
    Usage(String),
    /// The target could not be started or reached.
    #[error("{0}")]
    Launch(#[from] LaunchError),
    /// The run could not start.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A report could not be written.
    #[error("{0}")]
    Write(String),
}

impl AppError {
    /// The exit status this error ends the process with.
    pub fn status(&self) -> ExitStatus {
        match self {
            AppError::Usage(_) | AppError::Write(_) => ExitStatus::Usage,
            AppError::Launch(LaunchError::Unavailable(_) | LaunchError::Invalid(_)) => ExitStatus::Usage,
            AppError::Launch(LaunchError::Failed(_)) | AppError::Run(_) => ExitStatus::Harness,
        }
    }
}

/// The scenarios of `dir`, or of the corpus compiled into the binary; every load
/// error listed.
pub fn load_corpus(dir: Option<&Path>, catalogue: &Catalogue) -> Result<Vec<Loaded>, AppError> {
    let loaded = match dir {
        Some(dir) => load_dir(dir, catalogue),
        None => load_embedded(catalogue),
    };
    loaded.map_err(|errors: Vec<LoadError>| {
        AppError::Usage(errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
    })
}

/// The profiles of `dir` (`--profiles`), or those compiled into the binary.
pub fn load_profiles(dir: Option<&Path>) -> Result<Vec<(String, Profile)>, AppError> {
    match dir {
        Some(dir) => crate::target::profile::all_in(dir),
        None => crate::target::profile::builtin(),
    }
    .map_err(AppError::Usage)
}

/// How the runner's clients reach a target: TLS trust and a login — the flags `run`
/// and `fuzz` share.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TargetAccess {
    /// CA certificate(s) (PEM) that sign a TLS target's certificate.
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// Accept any TLS certificate.
    #[arg(long)]
    pub insecure: bool,
    /// User name every CONNECT carries unless the scenario sets its own (for
    /// brokers that refuse anonymous clients); overrides a profile's login.
    #[arg(long, requires = "password")]
    pub username: Option<String>,
    /// Password to go with --username (from MQTTSPEC_PASSWORD if set, which keeps it
    /// out of the process list).
    #[arg(long, env = "MQTTSPEC_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
}

impl TargetAccess {
    /// The TLS settings.
    pub fn tls(&self) -> TlsOptions {
        TlsOptions { ca: self.ca.clone(), insecure: self.insecure }
    }

    /// The login, if a user name was given; a password without one is a usage error.
    pub fn login(&self) -> Result<Option<crate::net::connector::Login>, AppError> {
        if self.username.is_none() && self.password.as_ref().is_some_and(|p| !p.is_empty()) {
            return Err(AppError::Usage("--password (or MQTTSPEC_PASSWORD) needs --username".into()));
        }
        let login = self.username.clone().zip(self.password.clone());
        Ok(login.map(|(username, password)| crate::net::connector::Login { username, password }))
    }
}

/// A `--profile`: a file, or the name of a committed profile (`mosquitto`).
pub fn profile_arg(
    text: &Path,
    profiles: &[(String, Profile)],
    corpus: &[Loaded],
) -> Result<Profile, AppError> {
    if !text.exists() {
        if let Some((_, p)) = profiles.iter().find(|(n, _)| Path::new(n) == text) {
            p.check(corpus).map_err(AppError::Usage)?;
            return Ok(p.clone());
        }
        let known: Vec<&str> = profiles.iter().map(|(n, _)| n.as_str()).collect();
        return Err(AppError::Usage(format!(
            "--profile {}: neither a file nor a known profile (known: {})",
            text.display(),
            known.join(", ")
        )));
    }
    Profile::load(text, corpus).map_err(AppError::Usage)
}

/// Which scenarios a run takes.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only ids containing this text.
    pub filter: Option<String>,
    /// Only scenarios citing this statement.
    pub statement: Option<String>,
}

impl Selection {
    /// The selected scenarios; none is a usage error.
    pub fn apply(&self, scenarios: &[Loaded]) -> Result<Vec<Loaded>, AppError> {
        let chosen: Vec<Loaded> = scenarios
            .iter()
            .filter(|l| self.filter.as_ref().is_none_or(|f| l.scenario.id.contains(f.as_str())))
            .filter(|l| self.statement.as_ref().is_none_or(|s| l.scenario.statements.all().contains(s)))
            .cloned()
            .collect();
        if chosen.is_empty() {
            return Err(AppError::Usage("no scenario matches the filters".into()));
        }
        Ok(chosen)
    }
}

/// One target run to completion.
#[derive(Debug)]
pub struct TargetRun {
    /// Broker and version, for reports.
    pub label: String,
    /// What was started for it (empty when nothing was).
    pub description: String,
    /// The profile whose deviations were applied.
    pub profile: Option<Profile>,
    /// Every case's result.
    pub results: Vec<CaseResult>,
    /// Wall time of the run, start-up of the broker included.
    pub elapsed: Duration,
    /// What the run was about (header, JSON report).
    pub info: RunInfo,
}

/// Called once the target is up and probed, before the first case: the run header.
#[derive(Clone)]
pub struct OnStart(pub Arc<dyn Fn(&RunInfo) + Send + Sync>);

impl std::fmt::Debug for OnStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnStart")
    }
}

/// Everything a run against one target needs.
#[derive(Debug, Clone)]
pub struct TargetRequest<'a> {
    /// The `--target` text.
    pub target: &'a str,
    /// TLS settings of a `tls://` or `wss://` target.
    pub tls: TlsOptions,
    /// The known profiles (for `process:`/`container:` targets).
    pub profiles: &'a [(String, Profile)],
    /// A profile chosen explicitly, instead of the target's own.
    pub profile: Option<Profile>,
    /// The whole corpus (profiles are checked against it).
    pub corpus: &'a [Loaded],
    /// The scenarios to run.
    pub scenarios: &'a [Loaded],
    /// The versions to run them in.
    pub versions: &'a [Version],
    /// Credentials every CONNECT carries unless the scenario sets its own
    /// (`--username`/`--password`; instead of a profile's).
    pub login: Option<crate::net::connector::Login>,
    /// The run's facts known before it starts (tool, target, versions, corpus);
    /// the run adds the broker, profile, capabilities and times.
    pub info: RunInfo,
    /// Told the run's facts before the first case.
    pub on_start: Option<OnStart>,
}

fn results_sorted(outcome: &mut Result<Vec<CaseResult>, RunError>) {
    if let Ok(r) = outcome {
        r.sort_by(|a, b| (a.id.as_str(), a.version).cmp(&(b.id.as_str(), b.version)));
    }
}

/// Resolves the target (starting its broker), checks the profile, runs, and stops
/// what was started — also when the run fails.
pub async fn run_target(req: TargetRequest<'_>, mut opts: RunOptions) -> Result<TargetRun, AppError> {
    let started = Instant::now();
    let mut info = req.info.clone();
    info.start_time = crate::report::run::utc(std::time::SystemTime::now());
    let mut resolved = resolve(req.target, &req.tls, req.profiles).await?;
    if let (Some(login), crate::Target::Remote(remote)) = (req.login, &mut resolved.target) {
        remote.login = Some(login);
    }
    let profile = req.profile.or_else(|| resolved.profile.clone());
    if let Some(Err(e)) = profile.as_ref().map(|p| p.check(req.corpus)) {
        resolved.stop().await;
        return Err(AppError::Usage(e));
    }
    info.broker = resolved.label.clone();
    info.started = resolved.launched.as_ref().map(|l| l.description.clone());
    info.profile = profile.as_ref().map(|p| format!("{} {}", p.broker, p.version));
    info.known_deviations = profile.as_ref().map_or(0, |p| p.deviations.len());
    let shared = Arc::new(Mutex::new(info));
    opts.on_capabilities = Some(Arc::new({
        let (shared, on_start) = (shared.clone(), req.on_start.clone());
        move |caps: &crate::run::Capabilities| {
            let mut info = shared.lock().unwrap_or_else(|e| e.into_inner());
            info.set_capabilities(caps);
            if let Some(tell) = &on_start {
                (tell.0)(&info);
            }
        }
    }));
    // A `process:` broker also runs, one configured broker at a time, the cases whose
    // `config:` its profile can start it with.
    let process = req.target.strip_prefix("process:").zip(profile.as_ref());
    let (main, groups) = match process {
        Some((_, p)) => crate::target::profiled::split(p, req.scenarios),
        None => (req.scenarios.to_vec(), Vec::new()),
    };
    let mut outcome = run_with(profile.as_ref(), &main, req.versions, &resolved.target, opts.clone()).await;
    if let (Ok(results), Some((name, p))) = (&mut outcome, process) {
        match crate::target::profiled::run_groups(name, p, groups, req.versions, &opts).await {
            Ok(more) => results.extend(more),
            Err(e) => outcome = Err(e),
        }
        results_sorted(&mut outcome);
    }
    let label = resolved.label.clone();
    let description = resolved.launched.as_ref().map(|l| l.description.clone()).unwrap_or_default();
    resolved.stop().await;
    let mut info = shared.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let elapsed = started.elapsed();
    info.duration_s = elapsed.as_secs_f64();
    Ok(TargetRun { label, description, profile, results: outcome?, elapsed, info })
}

/// Runs the corpus against each target in turn and returns the matrix's columns. A
/// target that cannot be started is an error, or with `skip_missing` a column
/// saying why.
pub async fn matrix(
    targets: &[String],
    profiles: &[(String, Profile)],
    corpus: &[Loaded],
    scenarios: &[Loaded],
    skip_missing: bool,
    opts: RunOptions,
) -> Result<Vec<Column>, AppError> {
    let mut columns = Vec::new();
    for t in targets {
        eprintln!("== {t}");
        let req = TargetRequest {
            target: t,
            tls: TlsOptions::default(),
            profiles,
            profile: None,
            corpus,
            scenarios,
            versions: &Version::ALL,
            login: None,
            info: RunInfo { target: t.clone(), versions: Version::ALL.to_vec(), ..RunInfo::default() },
            on_start: None,
        };
        match run_target(req, opts.clone()).await {
            Ok(run) => {
                eprint!("{}", crate::report::summary(&run.results, run.elapsed, false));
                let profile = run.profile.as_ref();
                columns.push(Column {
                    broker: run.label,
                    target: t.clone(),
                    started: run.description,
                    error: None,
                    seconds: run.elapsed.as_secs_f64(),
                    profile: profile.map(|p| {
                        format!("{} {}, {} known deviations", p.broker, p.version, p.deviations.len())
                    }),
                    declared: profile.map(|p| p.declares.versions.clone()).unwrap_or_default(),
                    results: run.results,
                });
            }
            Err(AppError::Launch(e)) if skip_missing => {
                eprintln!("   {e}");
                columns.push(Column {
                    broker: t.clone(),
                    target: t.clone(),
                    started: String::new(),
                    error: Some(e.to_string()),
                    seconds: 0.0,
                    profile: None,
                    declared: Vec::new(),
                    results: Vec::new(),
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(columns)
}

/// Writes matrix.html, matrix.md and matrix.json into `out`; with a `baseline` (the
/// brokers of an earlier results file), the cells that changed are marked.
pub fn write_matrix(
    out: &Path,
    matrix: &crate::report::matrix::Matrix,
    catalogue: &Catalogue,
    baseline: Option<&[crate::report::diff::Side]>,
) -> Result<Vec<PathBuf>, AppError> {
    use crate::report::matrix_html;
    std::fs::create_dir_all(out).map_err(|e| AppError::Write(format!("{}: {e}", out.display())))?;
    let json = serde_json::to_string_pretty(matrix).map_err(|e| AppError::Write(e.to_string()))?;
    let files = [
        ("matrix.html", matrix_html::html(matrix, catalogue, "mqttspec cross-broker matrix", baseline)),
        ("matrix.md", crate::report::matrix_md::markdown(matrix, catalogue, baseline)),
        ("matrix.json", json),
    ];
    let mut written = Vec::new();
    for (name, text) in files {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|e| AppError::Write(format!("{}: {e}", path.display())))?;
        written.push(path);
    }
    Ok(written)
}

/// One run as a one-column HTML report (the matrix's page, every transcript behind
/// its cell): what `run --html` writes, so that CI uploads the report of the run
/// whose verdict it reports.
pub fn html_report(
    info: &RunInfo,
    results: &[CaseResult],
    scenarios: &[Loaded],
    profile: Option<&Profile>,
    catalogue: &Catalogue,
) -> String {
    let column = Column {
        broker: info.broker.clone(),
        target: info.target.clone(),
        started: info.started.clone().unwrap_or_default(),
        error: None,
        seconds: info.duration_s,
        profile: info.profile.as_ref().map(|p| format!("{p}, {} known deviations", info.known_deviations)),
        declared: profile.map(|p| p.declares.versions.clone()).unwrap_or_default(),
        results: results.to_vec(),
    };
    let mut title = format!("mqttspec: {} ({})", info.broker, info.start_time);
    if let Some(p) = &info.profile {
        title.push_str(&format!(", profile {p}"));
    }
    if info.interrupted {
        title.push_str(", interrupted");
    }
    let run = crate::report::matrix::RunInfo {
        date: info.start_time.clone(),
        tool: format!("mqttspec {}", env!("CARGO_PKG_VERSION")),
        filter: None,
    };
    let cases = crate::report::matrix::case_info(scenarios);
    let matrix = crate::report::matrix::Matrix { run, cases, columns: vec![column] };
    crate::report::matrix_html::html(&matrix, catalogue, &title, None)
}

/// Writes `text` to a report file.
pub fn write_file(path: &Path, text: &str) -> Result<(), AppError> {
    std::fs::write(path, text).map_err(|e| AppError::Write(format!("{}: {e}", path.display())))
}
