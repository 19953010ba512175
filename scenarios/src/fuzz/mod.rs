//! `mqttspec fuzz`: a stateful network fuzzer for any broker `run` can reach, judged
//! by the spec rather than by crashes alone.
//!
//! Many sessions run at once on tokio ([`session`] generates them from a seed,
//! [`exec`] carries them out with no fixed sleeps), every packet the broker sends is
//! checked by [`oracle`], and sessions whose answers have a signature not seen before
//! are kept and mutated (black-box feedback). A finding is deduplicated by check and
//! statement, minimised by delta debugging against the target, written by
//! [`scenario`] as a corpus scenario, and verified: it must fail on the target and
//! pass on the reference broker. [`report`] holds the progress line and the summary,
//! [`signature`] the feedback signature, [`wire`] the wire facts the runner needs,
//! [`cli`] the command.

pub mod cli;
pub mod differential;
pub mod exec;
mod known;
pub use known::corpus_seeds;
mod minimise;
pub mod oracle;
mod reader;
pub mod report;
pub mod scenario;
pub mod session;
pub mod signature;
pub mod wire;

use crate::format::catalogue::Catalogue;
use crate::format::load::Loaded;
use crate::net::connector::{Connector, Login, Remote, Target};
use crate::run::{EmbeddedConfig, RunOptions, Verdict, run_all};
use crate::target::profile::Profile;
use crate::version::Version;
use exec::Timing;
use oracle::{Check, Finding};
use rand::SeedableRng;
use rand::rngs::SmallRng;
use report::{Counters, FindingReport, Summary};
use session::{Gen, Names, Op};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What a fuzz run does.
#[derive(Clone)]
pub struct FuzzOptions {
    /// How long to generate sessions.
    pub duration: Duration,
    /// The RNG seed.
    pub seed: u64,
    /// Sessions run at once.
    pub sessions: usize,
    /// Where findings go.
    pub out: PathBuf,
    /// Versions sessions use (taken in turn).
    pub versions: Vec<Version>,
    /// Faults per operation.
    pub fault_rate: f64,
    /// Stop after this many sessions (tests).
    pub max_sessions: Option<u64>,
    /// Show a live progress line.
    pub progress: bool,
    /// Applied to the embedded broker under test (a mutant, say).
    pub embedded: Option<EmbeddedConfig>,
    /// Delta-debugging runs per finding at most.
    pub minimise_budget: usize,
    /// Time for minimising one finding at most.
    pub minimise_time: Duration,
    /// Share of sessions also run against the reference broker (the differential
    /// oracle), 0 to 1.
    pub differential: f64,
}

impl std::fmt::Debug for FuzzOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FuzzOptions")
            .field("duration", &self.duration)
            .field("seed", &self.seed)
            .field("sessions", &self.sessions)
            .field("out", &self.out)
            .finish_non_exhaustive()
    }
}

impl Default for FuzzOptions {
    fn default() -> Self {
        FuzzOptions {
            duration: Duration::from_secs(60),
            seed: 1,
            sessions: 16,
            out: PathBuf::from("fuzz-findings"),
            versions: Version::ALL.to_vec(),
            fault_rate: 0.05,
            max_sessions: None,
            progress: false,
            embedded: None,
            minimise_budget: 120,
            minimise_time: Duration::from_secs(90),
            differential: 0.25,
        }
    }
}

/// A finding with the session that showed it.
#[derive(Debug, Clone)]
struct Found {
    finding: Finding,
    ops: Vec<Op>,
}

/// A broker the fuzzer talks to: per version, how to connect; and how to log in.
#[derive(Debug, Clone)]
struct Endpoint {
    remote: Remote,
}

impl Endpoint {
    fn connector(&self, v: Version) -> &Connector {
        self.remote.connector(v)
    }

    fn login(&self) -> Option<Login> {
        self.remote.login.clone()
    }
}

struct Shared {
    signatures: HashSet<u64>,
    pool: Vec<(Version, Vec<Op>)>,
    findings: BTreeMap<String, Found>,
    informational: BTreeMap<String, differential::Informational>,
}

/// Runs the fuzzer against `target` until the duration is over, `max_sessions` ran,
/// or `stop` resolves; then minimises, writes and verifies what it found.
pub async fn fuzz(
    target: &Target,
    label: &str,
    profile: Option<&Profile>,
    corpus: &[Loaded],
    catalogue: &Catalogue,
    opts: FuzzOptions,
    stop: impl std::future::Future<Output = ()>,
) -> Result<Summary, String> {
    let started = Instant::now();
    let mut brokers = Vec::new();
    let endpoint = match target {
        Target::Embedded => {
            let mut config = mqttspec_broker::Config::default();
            if let Some(change) = &opts.embedded {
                change(&mut config);
            }
            let b =
                mqttspec_broker::BrokerHandle::start(config, loopback()).await.map_err(|e| e.to_string())?;
            let ep = Endpoint { remote: Remote::single(Connector::Tcp(b.local_addr())) };
            brokers.push(b);
            ep
        }
        Target::Remote(r) => Endpoint { remote: r.clone() },
    };
    let reference = mqttspec_broker::BrokerHandle::start(mqttspec_broker::Config::default(), loopback())
        .await
        .map_err(|e| e.to_string())?;
    let reference_ep = Endpoint { remote: Remote::single(Connector::Tcp(reference.local_addr())) };
    brokers.push(reference);
    // Versions the broker refuses (a 3.1.1-only broker answers a 5.0 CONNECT with
    // 3.1.1's 0x01, as 3.1.1 tells it to) are not fuzzed.
    let mut opts = opts;
    let mut accepted = Vec::new();
    let mut refusals = Vec::new();
    for v in &opts.versions {
        let probe = wire::alive(
            endpoint.connector(*v),
            *v,
            "mqttspecfuzzprobe",
            Duration::from_secs(5),
            endpoint.login().as_ref(),
        )
        .await;
        // A broker without 5.0 may close on a 5.0 CONNECT rather than answer it.
        match probe {
            Ok(0) => accepted.push(*v),
            Ok(code) => refusals.push(format!("refuses a {} CONNECT (code 0x{code:02x})", v.as_str())),
            Err(e) => refusals.push(format!("does not answer a {} CONNECT: {e}", v.as_str())),
        }
    }
    for r in &refusals {
        if !accepted.is_empty() {
            eprintln!("{label} {r}: that version is not fuzzed");
        }
    }
    if accepted.is_empty() {
        return Err(format!(
            "{label} accepts a CONNECT in none of the versions asked for: it {}",
            refusals.join("; ")
        ));
    }
    opts.versions = accepted;
    let seeds = Arc::new(known::corpus_seeds(corpus));
    let counters = Arc::new(Counters::default());
    let shared = Arc::new(Mutex::new(Shared {
        signatures: HashSet::new(),
        pool: Vec::new(),
        findings: BTreeMap::new(),
        informational: BTreeMap::new(),
    }));
    // Unique per invocation, so that no retained message or persistent session of an
    // earlier run (or of another finding's minimisation) leaks into a session.
    let run_id = crate::run::default_run_id();
    let hash = run_id
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let run_tag = format!("{:06x}", hash & 0xFF_FFFF);
    let deadline = Instant::now() + opts.duration;
    let progress = report::Progress::new(opts.progress);
    let mut workers = Vec::new();
    for w in 0..opts.sessions.max(1) {
        let (endpoint, seeds, counters, shared, opts) =
            (endpoint.clone(), seeds.clone(), counters.clone(), shared.clone(), opts.clone());
        let reference_ep = reference_ep.clone();
        let (profile, corpus, run_tag) = (profile.cloned(), corpus.to_vec(), run_tag.clone());
        workers.push(tokio::spawn(async move {
            let mut rng =
                SmallRng::seed_from_u64(opts.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(w as u64));
            let mut timing = Timing::default();
            let mut ref_timing = Timing::default();
            let mut n = 0u64;
            while Instant::now() < deadline {
                let total = counters.sessions.fetch_add(1, Ordering::Relaxed);
                if opts.max_sessions.is_some_and(|m| total >= m) {
                    break;
                }
                let version = opts.versions[(n as usize + w) % opts.versions.len()];
                n += 1;
                let parent = {
                    let g = shared.lock().unwrap_or_else(|p| p.into_inner());
                    let same: Vec<&(Version, Vec<Op>)> =
                        g.pool.iter().filter(|(v, _)| *v == version).collect();
                    (!same.is_empty() && rand::Rng::random_bool(&mut rng, 0.5))
                        .then(|| same[rand::Rng::random_range(&mut rng, 0..same.len())].1.clone())
                };
                let seeds = seeds.get(&version).map_or(&[][..], Vec::as_slice);
                let mut generator = Gen { rng: &mut rng, version, fault_rate: opts.fault_rate, seeds };
                let ops = match parent {
                    Some(p) => generator.mutate(&p),
                    None => generator.session(),
                };
                let names = Names::new(&format!("{run_tag}w{w}"), n, endpoint.login());
                let compared = rand::Rng::random_bool(&mut rng, opts.differential);
                let on_target = exec::run(endpoint.connector(version), version, &names, &ops, &mut timing);
                let (out, reference) = if compared {
                    let ref_names = Names::new(&format!("{run_tag}d{w}"), n, None);
                    let connector = reference_ep.connector(version);
                    let on_reference = exec::run(connector, version, &ref_names, &ops, &mut ref_timing);
                    let (out, reference) = tokio::join!(on_target, on_reference);
                    (out, Some(reference))
                } else {
                    (on_target.await, None)
                };
                counters.sent.fetch_add(out.sent, Ordering::Relaxed);
                counters.received.fetch_add(out.received, Ordering::Relaxed);
                let mut findings = out.findings.clone();
                let difference = reference.and_then(|r| differential::compare(&out, &r, &ops, version));
                let mut informational = None;
                match difference {
                    Some(differential::Difference::Violation(f)) => findings.push(f),
                    Some(differential::Difference::Informational(key, op)) => informational = Some((key, op)),
                    None => {}
                }
                // Every eighth session, and any that found something, got no answer at
                // all, or could not connect: does the broker still answer a CONNECT?
                let silent = out.received == 0 && out.sent > 0;
                if out.unreachable.is_some() || silent || n % 8 == 0 || !findings.is_empty() {
                    let probe = format!("{}live", names.prefix);
                    if let Err(e) = wire::alive(
                        endpoint.connector(version),
                        version,
                        &probe,
                        Duration::from_secs(5),
                        endpoint.login().as_ref(),
                    )
                    .await
                    {
                        findings.push(exec::dead(
                            ops.len().saturating_sub(1),
                            version,
                            format!("after this session the broker no longer answers a CONNECT: {e}"),
                        ));
                    }
                }
                let sig = signature::signature(&out, &ops);
                let mut g = shared.lock().unwrap_or_else(|p| p.into_inner());
                if g.signatures.insert(sig) {
                    g.pool.push((version, ops.clone()));
                    if g.pool.len() > 4096 {
                        g.pool.swap_remove(0);
                    }
                }
                counters.signatures.store(g.signatures.len() as u64, Ordering::Relaxed);
                for f in findings {
                    if known::known(profile.as_ref(), &corpus, &f, &ops) {
                        continue;
                    }
                    g.findings.entry(f.key()).or_insert_with(|| Found { finding: f, ops: ops.clone() });
                }
                if let Some((key, op)) = informational {
                    let entry =
                        g.informational.entry(key.clone()).or_insert_with(|| differential::Informational {
                            key,
                            version: version.as_str().to_string(),
                            count: 0,
                            op,
                            session: ops.iter().map(|o| format!("{o:?}")).collect(),
                        });
                    entry.count += 1;
                }
                counters.findings.store(g.findings.len() as u64, Ordering::Relaxed);
                let dead = g.findings.values().any(|f| f.finding.check == Check::Liveness);
                drop(g);
                if dead {
                    break;
                }
            }
        }));
    }
    let all_done = futures_util::future::join_all(workers);
    let ticker = progress.tick(counters.clone(), started);
    tokio::pin!(stop);
    let interrupted = tokio::select! {
        _ = all_done => false,
        _ = &mut stop => true,
    };
    ticker.abort();
    let fuzz_secs = started.elapsed().as_secs_f64();
    progress.finish();
    let (found, informational): (Vec<Found>, Vec<differential::Informational>) = {
        let g = shared.lock().unwrap_or_else(|p| p.into_inner());
        (g.findings.values().cloned().collect(), g.informational.values().cloned().collect())
    };
    let budget = if interrupted { opts.minimise_budget.min(20) } else { opts.minimise_budget };
    std::fs::create_dir_all(&opts.out).map_err(|e| format!("{}: {e}", opts.out.display()))?;
    let mut reports = Vec::new();
    let names_used = std::sync::atomic::AtomicU64::new(0);
    for (k, f) in found.into_iter().enumerate() {
        let ctx = Ctx {
            endpoint: &endpoint,
            reference: &reference_ep,
            target,
            opts: &opts,
            catalogue,
            label,
            tag: &run_tag,
            names: &names_used,
            until: Instant::now() + if interrupted { opts.minimise_time / 6 } else { opts.minimise_time },
        };
        reports.push(ctx.finish(k, f, budget).await);
    }
    for b in brokers {
        b.shutdown().await;
    }
    let mut summary = report::summary(label, &opts, fuzz_secs, &counters, reports, interrupted);
    summary.informational = informational;
    summary.informational.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    let json = serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?;
    let path = opts.out.join("summary.json");
    std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(summary)
}

fn loopback() -> std::net::SocketAddr {
    std::net::SocketAddr::from(([127, 0, 0, 1], 0))
}

struct Ctx<'a> {
    endpoint: &'a Endpoint,
    reference: &'a Endpoint,
    target: &'a Target,
    opts: &'a FuzzOptions,
    catalogue: &'a Catalogue,
    label: &'a str,
    tag: &'a str,
    names: &'a std::sync::atomic::AtomicU64,
    /// When minimising the current finding must stop.
    until: Instant,
}

impl Ctx<'_> {
    /// Minimises, writes the scenario, and verifies it against both brokers.
    async fn finish(&self, k: usize, f: Found, budget: usize) -> FindingReport {
        if f.finding.check == Check::Liveness {
            // The broker is gone or wedged: nothing to minimise or verify against it.
            let mut rep = FindingReport::new(&f.finding, &f.ops);
            rep.verification = "no scenario: the broker stopped answering after this session".into();
            return rep;
        }
        let ops = self.minimise(&f, budget).await;
        // The finding as the minimised session shows it (its step and payload).
        let names = self.fresh('v', self.endpoint.login());
        let mut timing = Timing::default();
        let v = f.finding.version;
        let out = exec::run(self.endpoint.connector(v), v, &names, &ops, &mut timing).await;
        let key = f.finding.key();
        let ref_names = self.fresh('r', None);
        // The scenario's expectations come from a fresh reference broker, as the one it
        // is verified on: the run's shared one holds every session's retained messages.
        let reference = match mqttspec_broker::BrokerHandle::start(
            mqttspec_broker::Config::default(),
            loopback(),
        )
        .await
        {
            Ok(fresh) => {
                let connector = Connector::Tcp(fresh.local_addr());
                let out = exec::run(&connector, v, &ref_names, &ops, &mut Timing::default()).await;
                fresh.shutdown().await;
                out
            }
            Err(_) => {
                exec::run(self.reference.connector(v), v, &ref_names, &ops, &mut Timing::default()).await
            }
        };
        let again = match differential::compare(&out, &reference, &ops, v) {
            Some(differential::Difference::Violation(g)) => Some(g),
            _ => out.findings.iter().find(|g| g.key() == key).cloned(),
        };
        let finding = again.filter(|g| g.key() == key).unwrap_or(f.finding.clone());
        let mut rep = FindingReport::new(&finding, &ops);
        if !reference.findings.is_empty() {
            rep.verification =
                format!("the reference broker shows it too: {}", reference.findings[0].message);
            return rep;
        }
        let slug: String = format!("{:?}", finding.check).to_lowercase();
        let id = format!("fuzz/{k:02}-{slug}-{}", if v == Version::V5 { "v5" } else { "v311" });
        let Some(written) =
            scenario::write(&id, &finding, &ops, &reference.raws, &reference, &ref_names, self.label)
        else {
            rep.verification =
                "no scenario: the finding cites no catalogue statement, or has no step to check".into();
            return rep;
        };
        // Under `fuzz/` of the output directory, as in a corpus: `--corpus OUT` loads it.
        let path = self.opts.out.join(format!("{id}.yaml"));
        if let Err(e) = std::fs::create_dir_all(self.opts.out.join("fuzz")) {
            rep.verification = format!("{}: {e}", self.opts.out.display());
            return rep;
        }
        if let Err(e) = std::fs::write(&path, &written.yaml) {
            rep.verification = format!("{}: {e}", path.display());
            return rep;
        }
        rep.scenario = Some(path.display().to_string());
        rep.verification = self.verify(&path, &written, v).await;
        rep.confirmed = rep.verification.starts_with("confirmed");
        rep
    }

    async fn verify(&self, path: &std::path::Path, w: &scenario::Written, v: Version) -> String {
        let loaded = match crate::format::load::parse(&w.yaml, path, self.catalogue) {
            Ok(l) => l,
            Err(e) => return format!("the scenario does not load: {e}"),
        };
        let mut on_target = RunOptions { probe: false, ..RunOptions::default() };
        on_target.embedded = self.opts.embedded.clone();
        let target = run_all(std::slice::from_ref(&loaded), &[v], self.target, &on_target).await;
        let clean =
            run_all(std::slice::from_ref(&loaded), &[v], &Target::Embedded, &RunOptions::default()).await;
        let (Ok(target), Ok(clean)) = (target, clean) else { return "the scenario could not be run".into() };
        let (t, c) = (&target[0], &clean[0]);
        if c.verdict != Verdict::Pass {
            return format!(
                "unconfirmed: fails on the reference broker too: {}",
                c.message.clone().unwrap_or_default()
            );
        }
        if t.verdict != Verdict::Fail {
            return format!("unconfirmed: {} on the target", t.verdict.label());
        }
        let msg = t.message.clone().unwrap_or_default();
        let at = msg
            .split(": step ")
            .nth(1)
            .and_then(|s| s.split(':').next())
            .and_then(|n| n.parse::<usize>().ok());
        match at {
            Some(n) if n >= w.window_start && n <= w.check_step => {
                format!("confirmed: fails on the target at step {n}, passes on the reference broker")
            }
            _ => format!("unconfirmed: fails on the target elsewhere than the finding's steps: {msg}"),
        }
    }
}
