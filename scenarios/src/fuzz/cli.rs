//! `mqttspec fuzz` as a command: its flags, and the one path from a `--target` to
//! the summary — resolve (starting what it names), fuzz, note a crash of a started
//! process, stop, report.

use super::report::FindingReport;
use super::{FuzzOptions, fuzz};
use crate::app::{AppError, ExitStatus};
use crate::format::catalogue::Catalogue;
use crate::target::profile::Profile;
use crate::target::resolve::resolve;
use crate::version::Version;
use std::path::PathBuf;
use std::time::Duration;

/// Flags of `mqttspec fuzz`.
#[derive(Debug, clap::Args)]
pub struct FuzzArgs {
    /// Any target `run` accepts: `embedded`, `process:<profile>`, `container:IMAGE`,
    /// `tcp://`, `tls://`, `ws://`, `wss://`.
    #[arg(long, default_value = "embedded")]
    pub target: String,
    /// How long to fuzz: `90s`, `10m`, `1h` or seconds.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub duration: Duration,
    /// RNG seed: the same seed generates the same sessions.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Sessions run at once.
    #[arg(long, default_value_t = 32)]
    pub sessions: usize,
    /// Directory for the findings' scenarios and summary.json.
    #[arg(long, default_value = "fuzz-findings")]
    pub out: PathBuf,
    /// Profile whose known deviations are not reported again (a file or a name);
    /// `process:` and `container:` targets use theirs unless this is given.
    #[arg(long)]
    pub profile: Option<PathBuf>,
    /// Versions to fuzz (`3.1.1`, `5.0`); both by default.
    #[arg(long, value_delimiter = ',')]
    pub versions: Vec<Version>,
    /// Faults injected per operation (0 to 1).
    #[arg(long, default_value_t = 0.05)]
    pub fault_rate: f64,
    /// Share of sessions also run against the embedded reference broker, whose
    /// answers they are compared with (0 to 1).
    #[arg(long, default_value_t = 0.25)]
    pub differential: f64,
    #[command(flatten)]
    pub access: crate::app::TargetAccess,
    /// Scenario directory (seeds, and the profile's deviations).
    #[arg(long)]
    pub corpus: Option<PathBuf>,
    /// Run the embedded broker as this statement mutant (builds with `mutants`).
    #[cfg(feature = "mutants")]
    #[arg(long)]
    pub mutant: Option<String>,
}

/// `90s`, `10m`, `1h`, `500ms` or plain seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = s.find(|c: char| !c.is_ascii_digit() && c != '.').map_or((s, ""), |i| s.split_at(i));
    let n: f64 = num.parse().map_err(|_| format!("{s:?}: expected a duration such as 90s, 10m or 1h"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (ms, s, m, h)")),
    };
    Ok(Duration::from_secs_f64(secs))
}

/// Runs the command; `stop` is the interrupt (what was found is still written).
pub async fn command(
    args: FuzzArgs,
    profiles: &[(String, Profile)],
    stop: impl std::future::Future<Output = ()>,
) -> Result<ExitStatus, AppError> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        return Err(AppError::Usage(format!("--fault-rate {}: expected 0 to 1", args.fault_rate)));
    }
    if !(0.0..=1.0).contains(&args.differential) {
        return Err(AppError::Usage(format!("--differential {}: expected 0 to 1", args.differential)));
    }
    let catalogue = Catalogue::builtin();
    let corpus = crate::app::load_corpus(args.corpus.as_deref(), &catalogue)?;
    let explicit =
        args.profile.as_ref().map(|p| crate::app::profile_arg(p, profiles, &corpus)).transpose()?;
    let tls = args.access.tls();
    let mut resolved = resolve(&args.target, &tls, profiles).await?;
    let login = args.access.login()?;
    if let crate::Target::Remote(remote) = &mut resolved.target {
        if login.is_some() {
            remote.login = login;
        }
    }
    let profile = explicit.or_else(|| resolved.profile.clone());
    let opts = FuzzOptions {
        duration: args.duration,
        seed: args.seed,
        sessions: args.sessions.max(1),
        out: args.out,
        versions: if args.versions.is_empty() { Version::ALL.to_vec() } else { args.versions },
        fault_rate: args.fault_rate,
        differential: args.differential,
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        ..FuzzOptions::default()
    };
    #[cfg(feature = "mutants")]
    let opts = match args.mutant {
        Some(id) if mqttspec_broker::mutants::find(&id).is_some() => FuzzOptions {
            embedded: Some(std::sync::Arc::new(move |c: &mut mqttspec_broker::Config| {
                c.mutant = Some(id.clone())
            })),
            ..opts
        },
        Some(id) => return Err(AppError::Usage(format!("--mutant {id}: no such mutant"))),
        None => opts,
    };
    let label = resolved.label.clone();
    let outcome =
        fuzz(&resolved.target, &label, profile.as_ref(), &corpus, &catalogue, opts.clone(), stop).await;
    let crashed = resolved.launched.as_mut().and_then(|l| l.exited());
    resolved.stop().await;
    let mut summary = outcome.map_err(|e| AppError::Run(crate::run::RunError::Unreachable(e)))?;
    if let Some((status, output)) = crashed {
        let f = super::oracle::Finding::new(
            super::oracle::Check::Crash,
            0,
            0,
            opts.versions[0],
            Vec::new(),
            format!(
                "the broker process exited during the run: {status} (the session that was running is in the liveness finding); its last output:\n{output}"
            ),
        );
        summary.findings.push(FindingReport::new(&f, &[]));
        let json = serde_json::to_string_pretty(&summary).map_err(|e| AppError::Write(e.to_string()))?;
        crate::app::write_file(&opts.out.join("summary.json"), &json)?;
    }
    let mut out = std::io::stdout().lock();
    let _ = std::io::Write::write_all(&mut out, summary.text().as_bytes());
    Ok(if summary.interrupted {
        ExitStatus::Interrupted
    } else if summary.has_findings() {
        ExitStatus::Failed
    } else {
        ExitStatus::Passed
    })
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        assert!(parse_duration("5 parsecs").is_err());
        assert!(parse_duration("").is_err());
    }
}
