//! Running scenarios: a whole run in parallel ([`run_all`]), one case
//! ([`case`]), the two kinds of time ([`time`]), whose fault a failed step is
//! ([`error`]), verdicts ([`verdict`]), capability probing ([`probe`]) and cleaning
//! up after a case ([`cleanup`]).

mod case;
mod cleanup;
pub mod error;
pub mod probe;
pub mod time;
pub mod verdict;

pub use error::{HarnessError, RunError, StepError};
pub use time::Clock;
pub use verdict::{CaseResult, Verdict};

use crate::format::load::{Loaded, broker_config};
use crate::format::model::Capability;
use crate::net::connector::{Connector, Remote, Target};
use crate::version::Version;
use mqttspec_broker::{BrokerHandle, Config, ListenerConfig, ListenerKind};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Called with each result as soon as its case ends (progress reporting).
pub type OnResult = Arc<dyn Fn(&CaseResult) + Send + Sync>;

/// What a target supports in each version (`None`: it refuses that version).
pub type Capabilities = BTreeMap<Version, Option<BTreeSet<Capability>>>;

/// Called once, before the first case, with what the target supports (the run
/// header).
pub type OnCapabilities = Arc<dyn Fn(&Capabilities) + Send + Sync>;

/// Changes the configuration of every reference broker an embedded run starts (the
/// default one and each scenario's own), e.g. to run it as a statement mutant.
pub type EmbeddedConfig = Arc<dyn Fn(&mut Config) + Send + Sync>;

/// Options of a run.
#[derive(Clone)]
pub struct RunOptions {
    /// Scales patience (never protocol time).
    pub clock: Clock,
    /// Cases run at once.
    pub jobs: usize,
    /// Unique per run, so scenarios never share topics or client ids across runs.
    pub run_id: String,
    /// Progress callback.
    pub on_result: Option<OnResult>,
    /// Probe an external target's capabilities first; when false, assume it has
    /// them all.
    pub probe: bool,
    /// Capabilities an external target is known to have, used instead of probing
    /// (a broker started with a configuration the runner knows).
    pub assume: Option<BTreeSet<Capability>>,
    /// Scenario ids run after all others, one at a time (they bring the target down).
    pub run_last: Vec<String>,
    /// Applied to the configuration of every embedded broker.
    pub embedded: Option<EmbeddedConfig>,
    /// Told what the target supports before the first case runs.
    pub on_capabilities: Option<OnCapabilities>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("clock", &self.clock)
            .field("jobs", &self.jobs)
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            clock: Clock::default(),
            jobs: 8,
            run_id: default_run_id(),
            on_result: None,
            probe: true,
            assume: None,
            run_last: Vec::new(),
            embedded: None,
            on_capabilities: None,
        }
    }
}

/// A run id from the process id and the clock (only for uniqueness, never in logic).
pub fn default_run_id() -> String {
    let t =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:x}", (t as u64) ^ (u64::from(std::process::id()) << 32))
}

/// Capabilities of a target.
pub fn capabilities_of(config: &Config) -> BTreeSet<Capability> {
    // The reference broker drops optional CONNACK properties until the CONNACK fits.
    let mut caps = BTreeSet::from([Capability::EmptyClientId, Capability::SmallMaximumPacketSize]);
    if config.maximum_qos >= 1 {
        caps.insert(Capability::Qos1);
    }
    if config.maximum_qos >= 2 {
        caps.insert(Capability::Qos2);
    }
    if config.retain_available {
        caps.insert(Capability::Retain);
    }
    if config.wildcard_subscription_available {
        caps.insert(Capability::Wildcards);
    }
    if config.shared_subscription_available {
        caps.insert(Capability::SharedSubscriptions);
    }
    if config.subscription_identifier_available {
        caps.insert(Capability::SubscriptionIdentifiers);
    }
    if config.topic_alias_maximum > 0 {
        caps.insert(Capability::TopicAlias);
    }
    // With users the reference broker offers SCRAM-SHA-256 (§4.12).
    if config.users.is_some() {
        caps.insert(Capability::EnhancedAuth);
    }
    caps
}

/// Where a case connects, and what the target there supports in each version
/// (`None`: the target refuses that version).
#[derive(Debug, Clone)]
struct Endpoint {
    remote: Remote,
    caps: Capabilities,
    /// Where the cases that require `websocket` connect, if the target offers it.
    websocket: Option<Connector>,
}

impl Endpoint {
    fn same_caps(remote: Remote, caps: BTreeSet<Capability>) -> Endpoint {
        let caps = [Version::V311, Version::V5].into_iter().map(|v| (v, Some(caps.clone()))).collect();
        Endpoint { remote, caps, websocket: None }.with_websocket_target()
    }

    /// A target reached over WebSocket, or with a WebSocket listener beside its main
    /// one, offers it (§6) to the cases that require it.
    fn with_websocket_target(mut self) -> Endpoint {
        let ws = self.remote.connector.is_websocket().then(|| self.remote.connector.clone());
        if let Some(ws) = ws.or_else(|| self.remote.websocket.as_deref().cloned()) {
            self.websocket = Some(ws);
            for caps in self.caps.values_mut().flatten() {
                caps.insert(Capability::Websocket);
            }
        }
        self
    }

    /// Where a case connects in `version`: its WebSocket listener if it requires one.
    fn connector(&self, version: Version, requires: &[Capability]) -> Connector {
        match &self.websocket {
            Some(ws) if requires.contains(&Capability::Websocket) => ws.clone(),
            _ => self.remote.connector(version).clone(),
        }
    }
}

/// Runs `scenarios` in `versions` against `target`. A case the harness cannot run
/// is an `error` result; only a run that cannot start at all is an `Err`.
pub async fn run_all(
    scenarios: &[Loaded],
    versions: &[Version],
    target: &Target,
    opts: &RunOptions,
) -> Result<Vec<CaseResult>, RunError> {
    // An unreachable target is one clear error, not a run of failed cases.
    if let Target::Remote(remote) = target {
        let connector = &remote.connector;
        let patience = opts.clock.default_patience();
        match tokio::time::timeout(patience, connector.connect()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(RunError::Unreachable(format!("{connector:?}: {e}"))),
            Err(_) => {
                return Err(RunError::Unreachable(format!(
                    "{connector:?}: no connection within {patience:?}"
                )));
            }
        }
    }
    let mut brokers = Vec::new();
    // Cases grouped by the endpoint they use: embedded scenarios with a config of
    // their own get a broker of their own.
    let mut plan: Vec<(Loaded, Version, Endpoint)> = Vec::new();
    let mut default_endpoint = None;
    for loaded in scenarios {
        let endpoint = match (target, &loaded.scenario.config) {
            (Target::Embedded, Some(cfg)) => {
                let config = broker_config(cfg)
                    .map_err(|e| RunError::Config(format!("{}: config: {e}", loaded.path.display())))?;
                start_embedded(config, opts, &mut brokers).await?
            }
            (Target::Embedded, None) => match &default_endpoint {
                Some(ep) => Endpoint::clone(ep),
                None => {
                    let ep = start_embedded(Config::default(), opts, &mut brokers).await?;
                    default_endpoint = Some(ep.clone());
                    ep
                }
            },
            (Target::Remote(remote), _) => match &default_endpoint {
                Some(ep) => Endpoint::clone(ep),
                None => {
                    let ep = probe_target(remote.clone(), opts).await;
                    // A target that accepts no CONNECT at all is broken, not a broker
                    // lacking features: every case "unsupported" would read as a pass.
                    if ep.caps.values().all(Option::is_none) {
                        return Err(RunError::NotMqtt(format!("{:?}", remote.connector)));
                    }
                    default_endpoint = Some(ep.clone());
                    ep
                }
            },
        };
        for v in versions.iter().filter(|v| loaded.scenario.versions.contains(v)) {
            plan.push((loaded.clone(), *v, endpoint.clone()));
        }
    }
    if let Some(tell) = &opts.on_capabilities {
        let caps = match &default_endpoint {
            Some(ep) => ep.caps.clone(),
            // Every embedded scenario has a configuration of its own: the default's.
            None => {
                let mut config = Config::default();
                if let Some(change) = &opts.embedded {
                    change(&mut config);
                }
                let caps = capabilities_of(&config);
                Version::ALL.into_iter().map(|v| (v, Some(caps.clone()))).collect()
            }
        };
        tell(&caps);
    }
    // Cases known to bring the target down run last, one at a time, so that the
    // others see a working broker.
    let (last, first): (Vec<_>, Vec<_>) =
        plan.into_iter().partition(|(l, _, _)| opts.run_last.contains(&l.scenario.id));
    let mut results = run_cases(first, target, opts, opts.jobs).await;
    results.extend(run_cases(last, target, opts, 1).await);
    for b in brokers {
        b.shutdown().await;
    }
    results.sort_by(|a, b| (a.id.as_str(), a.version).cmp(&(b.id.as_str(), b.version)));
    Ok(results)
}

async fn run_cases(
    plan: Vec<(Loaded, Version, Endpoint)>,
    target: &Target,
    opts: &RunOptions,
    jobs: usize,
) -> Vec<CaseResult> {
    let sem = Arc::new(Semaphore::new(jobs.max(1)));
    let mut tasks = Vec::new();
    for (loaded, v, ep) in plan {
        let sem = sem.clone();
        let opts = opts.clone();
        let needs_config = loaded.scenario.config.is_some() && matches!(target, Target::Remote(_));
        let id = loaded.clone();
        let task = tokio::spawn(async move {
            let _permit = sem.acquire_owned().await;
            if needs_config {
                let why = "needs a broker configuration the target's profile does not declare".to_string();
                CaseResult::without_run(&loaded, v, Verdict::Unsupported, why)
            } else {
                case::run_case(&loaded, v, &ep, &opts).await
            }
        });
        tasks.push((id, v, task));
    }
    let mut results = Vec::new();
    for (loaded, v, task) in tasks {
        let result = task.await.unwrap_or_else(|e| {
            let why = format!("the runner failed while running this case: {e}");
            CaseResult::without_run(&loaded, v, Verdict::Error, why)
        });
        if let Some(cb) = &opts.on_result {
            cb(&result);
        }
        results.push(result);
    }
    results
}

/// Starts a reference broker on a loopback port for the embedded target.
async fn start_embedded(
    mut config: Config,
    opts: &RunOptions,
    brokers: &mut Vec<BrokerHandle>,
) -> Result<Endpoint, RunError> {
    if let Some(change) = &opts.embedded {
        change(&mut config);
    }
    let mut caps = capabilities_of(&config);
    // A TCP listener for the cases, and a WebSocket one (§6) for those requiring it.
    let loopback = "127.0.0.1:0".parse().expect("literal address");
    let listener = |kind| ListenerConfig { kind, address: loopback, cert: None, key: None };
    config.listeners = vec![listener(ListenerKind::Tcp), listener(ListenerKind::Ws)];
    let b = BrokerHandle::start_configured(config).await.map_err(RunError::Broker)?;
    let ws = b.local_addrs()[1];
    caps.insert(Capability::Websocket);
    let mut ep = Endpoint::same_caps(Remote::single(Connector::Tcp(b.local_addr())), caps);
    ep.websocket = Some(Connector::Ws { addr: ws, url: format!("ws://{ws}/mqtt"), tls: None });
    brokers.push(b);
    Ok(ep)
}

/// Asks an external target what it supports, before any case runs.
async fn probe_target(remote: Remote, opts: &RunOptions) -> Endpoint {
    if let Some(caps) = &opts.assume {
        return Endpoint::same_caps(remote, caps.clone());
    }
    if !opts.probe {
        return Endpoint::same_caps(remote, Capability::ASSUMED.into_iter().collect());
    }
    let patience = opts.clock.default_patience();
    let prefix = format!("{:x}", case::fnv(&opts.run_id) & 0xFFFF_FFFF);
    let login = remote.probe_login.as_deref().or(remote.login.as_ref());
    let v5 = probe::probe_v5(remote.connector(Version::V5), login, &prefix, patience).await;
    let v311 = probe::probe_v311(remote.connector(Version::V311), login, &prefix, patience).await;
    let caps = [(Version::V311, v311), (Version::V5, v5)].into_iter().collect();
    Endpoint { remote, caps, websocket: None }.with_websocket_target()
}
