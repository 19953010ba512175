//! Running scenarios: targets, one case (scenario × version), verdicts, and a whole
//! run with parallel jobs.

use crate::client::{Client, Direction, Event, Frame, Transcript};
use crate::load::{Loaded, broker_config};
use crate::model::*;
use crate::packets::{self, Vars};
pub use crate::target::Target;
use crate::target::{Connector, Login, Remote};
use mqttspec_broker::{BrokerHandle, Config};
use mqttspec_codec::{Packet, Version};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The outcome of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Behaved as the spec requires.
    Pass,
    /// A MUST is violated.
    Fail,
    /// A SHOULD is not met.
    NonStrict,
    /// A MAY-level behaviour differs; for information only.
    Informational,
    /// The target lacks a capability the scenario needs.
    Unsupported,
    /// Failed, as the target's profile says it does.
    ExpectedFail,
    /// Passed although the target's profile lists it as a deviation.
    UnexpectedPass,
}

impl Verdict {
    /// Short label.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::NonStrict => "non-strict",
            Verdict::Informational => "informational",
            Verdict::Unsupported => "unsupported",
            Verdict::ExpectedFail => "expected-fail",
            Verdict::UnexpectedPass => "UNEXPECTED-PASS",
        }
    }

    /// Whether the run as a whole fails because of this case.
    pub fn is_failure(self) -> bool {
        matches!(self, Verdict::Fail | Verdict::UnexpectedPass)
    }
}

/// The result of one scenario in one version.
#[derive(Debug, Clone, Serialize)]
pub struct CaseResult {
    /// Scenario id.
    pub id: String,
    /// Version.
    pub version: &'static str,
    /// Statements the scenario checks.
    pub statements: Vec<String>,
    /// Verdict.
    pub verdict: Verdict,
    /// Why, when not a pass.
    pub message: Option<String>,
    /// Wall time of the case in milliseconds.
    pub millis: u64,
    /// Every packet sent and received.
    pub transcript: Vec<crate::client::Entry>,
}

impl CaseResult {
    /// `[5.0] chapter/name`.
    pub fn name(&self) -> String {
        format!("[{}] {}", self.version, self.id)
    }
}

/// Called with each result as soon as its case ends (progress reporting).
pub type OnResult = Arc<dyn Fn(&CaseResult) + Send + Sync>;

/// Options of a run.
#[derive(Clone)]
pub struct RunOptions {
    /// Multiplies every timeout.
    pub timeout_scale: f64,
    /// Cases run at once.
    pub jobs: usize,
    /// Unique per run, so scenarios never share topics or client ids across runs.
    pub run_id: String,
    /// Progress callback.
    pub on_result: Option<OnResult>,
    /// Probe an external target's capabilities first; when false, assume it has
    /// them all.
    pub probe: bool,
    /// Scenario ids run after all others, one at a time (they bring the target down).
    pub run_last: Vec<String>,
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("timeout_scale", &self.timeout_scale)
            .field("jobs", &self.jobs)
            .field("run_id", &self.run_id)
            .finish_non_exhaustive()
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            timeout_scale: 1.0,
            jobs: 8,
            run_id: default_run_id(),
            on_result: None,
            probe: true,
            run_last: Vec::new(),
        }
    }
}

/// A run id from the process id and the clock (only for uniqueness, never in logic).
pub fn default_run_id() -> String {
    let t =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{:x}", (t as u64) ^ (u64::from(std::process::id()) << 32))
}

const DEFAULT_TIMEOUT_MS: u64 = 3000;
const DEFAULT_NOTHING_MS: u64 = 300;

/// Capabilities of a target.
pub fn capabilities_of(config: &Config) -> BTreeSet<Capability> {
    let mut caps = BTreeSet::new();
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
    caps
}

/// Where a case connects, and what the target there supports in each version
/// (`None`: the target refuses that version).
#[derive(Debug, Clone)]
struct Endpoint {
    remote: Remote,
    caps: BTreeMap<VersionName, Option<BTreeSet<Capability>>>,
}

impl Endpoint {
    fn same_caps(remote: Remote, caps: BTreeSet<Capability>) -> Endpoint {
        let caps =
            [VersionName::V311, VersionName::V5].into_iter().map(|v| (v, Some(caps.clone()))).collect();
        Endpoint { remote, caps }
    }
}

fn fnv(s: &str) -> u64 {
    // FNV-1a: a stable, dependency-free short hash for unique names.
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

fn vars_for(loaded: &Loaded, version: VersionName, run_id: &str) -> Vars {
    let key = format!("{run_id}/{}/{}", loaded.scenario.id, version.as_str());
    let h = fnv(&key);
    let mut ids = BTreeMap::new();
    for step in &loaded.scenario.steps {
        if let Step::Connect(ConnectStep { client, .. }) | Step::Open(ClientRef { client }) = step {
            // Short, alphanumeric, at most 23 characters: every server must accept
            // these (MQTT-3.1.3-5).
            let id: String = format!("s{:011x}{client}", h & 0xFFF_FFFF_FFFF).chars().take(23).collect();
            ids.insert(client.clone(), id);
        }
    }
    Vars { prefix: format!("mqttspec/{:012x}", h & 0xFFFF_FFFF_FFFF), ids, captures: BTreeMap::new() }
}

struct Case<'a> {
    loaded: &'a Loaded,
    version: Version,
    connector: Connector,
    login: Option<Login>,
    vars: Vars,
    clients: BTreeMap<String, Client>,
    transcript: Transcript,
    scale: f64,
    /// Topics this case left a retained message on.
    retained: BTreeSet<String>,
    /// Clients that may have left a session behind.
    sessions: BTreeSet<String>,
}

impl Case<'_> {
    /// How long a closing client waits for the broker to close its side.
    fn close_settle(&self) -> Duration {
        self.timeout(Some(1000))
    }

    fn timeout(&self, ms: Option<u64>) -> Duration {
        Duration::from_secs_f64(ms.unwrap_or(DEFAULT_TIMEOUT_MS) as f64 * self.scale / 1000.0)
    }

    fn client(&mut self, name: &str) -> Result<&mut Client, String> {
        self.clients.get_mut(name).ok_or_else(|| format!("client {name:?} has no connection"))
    }

    async fn send_packet(
        &mut self,
        name: &str,
        packet: &Packet,
        tamper: &Option<TamperSpec>,
    ) -> Result<(), String> {
        match packet {
            Packet::Publish(p) if p.retain && !p.payload.is_empty() => {
                self.retained.insert(p.topic.to_string());
            }
            // A retained Will may be published later; it is cleared like the rest.
            Packet::Connect(c) => {
                if let Some(w) = c.will.as_ref().filter(|w| w.retain && !w.payload.is_empty()) {
                    self.retained.insert(w.topic.to_string());
                }
            }
            _ => {}
        }
        let client = self.client(name)?;
        let bytes = packets::encode(packet, client.version, tamper)?;
        let label = if tamper.is_some() { format!("{packet:?} (tampered)") } else { format!("{packet:?}") };
        client.write(&bytes, label).await
    }

    /// Waits for an event and checks it against `outcomes`.
    async fn expect(
        &mut self,
        name: &str,
        outcomes: &[Outcome],
        timeout: Duration,
    ) -> Result<Option<Packet>, String> {
        let vars = self.vars.clone();
        let raws: Vec<Vec<u8>> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Raw(hex) => Some(packets::parse_hex(hex)),
                _ => None,
            })
            .collect::<Result<_, _>>()?;
        let client = self.client(name)?;
        let event = match client.recv_frame(timeout).await.map_err(|f| f.0)? {
            Frame::Bytes(b) if raws.iter().any(|r| r[..] == b[..]) => {
                client.note_raw(&b);
                return Ok(None);
            }
            Frame::Bytes(b) => Event::Packet(client.decode(&b).map_err(|f| f.0)?),
            Frame::Closed => Event::Closed,
            Frame::Timeout => Event::Timeout,
        };
        let describe = || -> String {
            outcomes
                .iter()
                .map(|o| match o {
                    Outcome::Closed => "the connection closed".to_string(),
                    Outcome::Raw(hex) => format!("bytes {hex}"),
                    Outcome::Packet(p) => packets::spec_kind(p).to_uppercase(),
                })
                .collect::<Vec<_>>()
                .join(" or ")
        };
        match event {
            Event::Timeout => Err(format!("expected {} within {timeout:?}, got nothing", describe())),
            Event::Closed => {
                if outcomes.iter().any(|o| matches!(o, Outcome::Closed)) {
                    Ok(None)
                } else {
                    Err(format!("expected {}, but the connection closed", describe()))
                }
            }
            Event::Packet(p) => {
                let mut mismatches = Vec::new();
                for o in outcomes {
                    match o {
                        Outcome::Packet(spec) => match packets::matches(&vars, spec, &p) {
                            Ok(()) => return Ok(Some(p)),
                            Err(why) => mismatches.push(why),
                        },
                        // A 5.0 broker announces a close with DISCONNECT; accept it
                        // as the close if the connection then ends.
                        Outcome::Closed if matches!(p, Packet::Disconnect(_)) => {
                            let client = self.client(name)?;
                            return match client.recv(timeout).await.map_err(|f| f.0)? {
                                Event::Closed => Ok(None),
                                other => {
                                    Err(format!("DISCONNECT was not followed by the close, but by {other:?}"))
                                }
                            };
                        }
                        Outcome::Closed => mismatches.push(format!(
                            "expected the close, got {}",
                            packets::kind_name(&p).to_uppercase()
                        )),
                        Outcome::Raw(hex) => mismatches.push(format!("expected bytes {hex}")),
                    }
                }
                Err(mismatches.join("; "))
            }
        }
    }

    fn capture(
        &mut self,
        captures: &BTreeMap<String, CaptureField>,
        p: Option<&Packet>,
    ) -> Result<(), String> {
        for (name, field) in captures {
            let value = p
                .and_then(|p| packets::capture(*field, p))
                .ok_or_else(|| format!("capture {name}: the packet has no {field:?}"))?;
            self.vars.captures.insert(name.clone(), value);
        }
        Ok(())
    }

    async fn step(&mut self, step: &Step) -> Result<(), String> {
        match step {
            Step::Connect(c) => {
                let fields = c.fields();
                let version = packets::protocol_version(&fields.protocol, self.version)?;
                let open = self.clients.get(&c.client).is_some_and(|cl| cl.is_open());
                if !open {
                    let client = Client::open(
                        &c.client,
                        &self.connector,
                        version,
                        self.timeout(None),
                        self.transcript.clone(),
                    )
                    .await?;
                    self.clients.insert(c.client.clone(), client);
                }
                self.client(&c.client)?.set_version(version);
                let mut connect = packets::build_connect(&self.vars, &fields, &c.client, self.version)?;
                if let Some(login) = &self.login {
                    login.apply(&mut connect);
                }
                if !connect.clean_start || connect.properties.session_expiry_interval().is_some_and(|e| e > 0)
                {
                    self.sessions.insert(c.client.clone());
                }
                self.send_packet(&c.client, &Packet::Connect(Box::new(connect)), &c.tamper).await?;
                let default = [Outcome::Packet(PacketSpec::Connack(ConnackFields {
                    reason_code: Some(Num::Lit(0)),
                    ..ConnackFields::default()
                }))];
                let outcomes = c.expect.as_deref().unwrap_or(&default);
                let got = self.expect(&c.client, outcomes, self.timeout(None)).await?;
                self.capture(&c.capture, got.as_ref())
            }
            Step::Open(c) => {
                let client = Client::open(
                    &c.client,
                    &self.connector,
                    self.version,
                    self.timeout(None),
                    self.transcript.clone(),
                )
                .await?;
                self.clients.insert(c.client.clone(), client);
                Ok(())
            }
            Step::Send(s) => {
                let version = self.client(&s.client)?.version;
                let packet = packets::build(&self.vars, &s.packet, &s.client, version)?;
                self.send_packet(&s.client, &packet, &s.tamper).await
            }
            Step::SendRaw(s) => {
                let bytes = packets::parse_hex(&s.hex)?;
                self.client(&s.client)?.write(&bytes.clone().into(), "raw bytes".into()).await
            }
            Step::Expect(e) => {
                let outcomes = match (&e.packet, &e.one_of) {
                    (Some(p), _) => vec![Outcome::Packet(p.clone())],
                    (None, Some(o)) => o.clone(),
                    (None, None) => return Err("expect without packet or one-of".into()),
                };
                let got = self.expect(&e.client, &outcomes, self.timeout(e.timeout_ms)).await?;
                self.capture(&e.capture, got.as_ref())
            }
            Step::ExpectClosed(e) => {
                self.expect(&e.client, &[Outcome::Closed], self.timeout(e.timeout_ms)).await.map(|_| ())
            }
            Step::ExpectNothing(e) => {
                let within = Duration::from_secs_f64(
                    e.within_ms.unwrap_or(DEFAULT_NOTHING_MS) as f64 * self.scale / 1000.0,
                );
                match self.client(&e.client)?.recv(within).await.map_err(|f| f.0)? {
                    Event::Timeout => Ok(()),
                    Event::Closed => {
                        Err(format!("expected nothing for {within:?}, but the connection closed"))
                    }
                    Event::Packet(p) => Err(format!("expected nothing for {within:?}, got {p:?}")),
                }
            }
            Step::ExpectUnordered(e) => {
                let timeout = self.timeout(e.timeout_ms);
                let deadline = tokio::time::Instant::now() + timeout;
                let mut remaining: Vec<&PacketSpec> = e.packets.iter().collect();
                let vars = self.vars.clone();
                while !remaining.is_empty() {
                    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                    match self.client(&e.client)?.recv(left).await.map_err(|f| f.0)? {
                        Event::Timeout => {
                            return Err(format!(
                                "{} expected packets did not arrive within {timeout:?}",
                                remaining.len()
                            ));
                        }
                        Event::Closed => {
                            return Err("the connection closed while packets were still expected".into());
                        }
                        Event::Packet(p) => {
                            match remaining.iter().position(|spec| packets::matches(&vars, spec, &p).is_ok())
                            {
                                Some(i) => {
                                    remaining.remove(i);
                                }
                                None => return Err(format!("unexpected {p:?}")),
                            }
                        }
                    }
                }
                Ok(())
            }
            Step::Disconnect(d) => {
                let fields =
                    ReasonFields { reason_code: d.reason_code.clone(), properties: d.properties.clone() };
                let version = self.client(&d.client)?.version;
                let packet = packets::build(&self.vars, &PacketSpec::Disconnect(fields), &d.client, version)?;
                self.send_packet(&d.client, &packet, &None).await?;
                let settle = self.close_settle();
                self.client(&d.client)?.close_and_wait(settle).await;
                Ok(())
            }
            Step::Drop(c) => {
                let settle = self.close_settle();
                self.client(&c.client)?.close_and_wait(settle).await;
                Ok(())
            }
            Step::Wait(w) => {
                tokio::time::sleep(Duration::from_millis(w.ms)).await;
                Ok(())
            }
        }
    }

    /// Leaves the broker as the case found it: closes clients, clears retained
    /// messages and sessions the case created. Best effort, bounded in time.
    async fn cleanup(&mut self) {
        for c in self.clients.values_mut() {
            c.drop_connection().await;
        }
        if self.retained.is_empty() && self.sessions.is_empty() {
            return;
        }
        let quiet = Transcript::default();
        let timeout = self.timeout(Some(1000));
        let v = if self.version == Version::V5 { Version::V5 } else { Version::V3_1_1 };
        let mut ids: Vec<String> =
            self.sessions.iter().filter_map(|c| self.vars.ids.get(c).cloned()).collect();
        ids.push(format!(
            "{}x",
            self.vars.ids.values().next().cloned().unwrap_or_else(|| "mqttspecclean".into())
        ));
        for (i, id) in ids.iter().enumerate() {
            let Ok(mut c) = Client::open("cleanup", &self.connector, v, timeout, quiet.clone()).await else {
                return;
            };
            let mut connect = mqttspec_codec::Connect::new(v, id.as_str());
            connect.clean_start = true;
            if let Some(login) = &self.login {
                login.apply(&mut connect);
            }
            let Ok(bytes) = Packet::Connect(Box::new(connect)).to_bytes(v) else { return };
            let _ = c.write(&bytes, String::new()).await;
            if !matches!(c.recv(timeout).await, Ok(Event::Packet(Packet::ConnAck(_)))) {
                continue;
            }
            if i + 1 == ids.len() {
                for topic in &self.retained {
                    let mut p = mqttspec_codec::Publish::new(topic.as_str(), bytes::Bytes::new());
                    p.retain = true;
                    if let Ok(b) = Packet::Publish(p).to_bytes(v) {
                        let _ = c.write(&b, String::new()).await;
                    }
                }
            }
            if let Ok(b) =
                Packet::Disconnect(mqttspec_codec::Disconnect::<bytes::Bytes>::default()).to_bytes(v)
            {
                let _ = c.write(&b, String::new()).await;
            }
            c.drop_connection().await;
        }
    }
}

async fn run_case(
    loaded: &Loaded,
    version: VersionName,
    endpoint: &Endpoint,
    opts: &RunOptions,
) -> CaseResult {
    let started = std::time::Instant::now();
    let s = &loaded.scenario;
    let mut result = CaseResult {
        id: s.id.clone(),
        version: version.as_str(),
        statements: s.statements.for_version(version),
        verdict: Verdict::Pass,
        message: None,
        millis: 0,
        transcript: Vec::new(),
    };
    let Some(caps) = endpoint.caps.get(&version).cloned().flatten() else {
        result.verdict = Verdict::Unsupported;
        result.message = Some(format!("the target refuses MQTT {}", version.as_str()));
        return result;
    };
    let missing: Vec<String> =
        s.requires.iter().filter(|c| !caps.contains(c)).map(|c| format!("{c:?}")).collect();
    if !missing.is_empty() {
        result.verdict = Verdict::Unsupported;
        result.message = Some(format!("target lacks {}", missing.join(", ")));
        return result;
    }
    let transcript = Transcript::new();
    let mut case = Case {
        loaded,
        version: version.version(),
        connector: endpoint.remote.connector(version).clone(),
        login: endpoint.remote.login.clone(),
        vars: vars_for(loaded, version, &opts.run_id),
        clients: BTreeMap::new(),
        transcript: transcript.clone(),
        scale: opts.timeout_scale,
        retained: BTreeSet::new(),
        sessions: BTreeSet::new(),
    };
    for (i, step) in s.steps.iter().enumerate() {
        if let Err(why) = case.step(step).await {
            result.verdict = match s.level {
                Level::Must => Verdict::Fail,
                Level::Should => Verdict::NonStrict,
                Level::May => Verdict::Informational,
            };
            result.message = Some(format!("{}: step {}: {why}", case.loaded.step_location(i), i + 1));
            transcript.add("runner", Direction::Event, format!("step {} failed: {why}", i + 1), &[]);
            break;
        }
    }
    case.cleanup().await;
    result.transcript = transcript.entries();
    result.millis = started.elapsed().as_millis() as u64;
    result
}

/// Runs `scenarios` in `versions` against `target`.
pub async fn run_all(
    scenarios: &[Loaded],
    versions: &[VersionName],
    target: &Target,
    opts: &RunOptions,
) -> Result<Vec<CaseResult>, String> {
    // An unreachable target is one clear error, not a run of failed cases.
    if let Target::Remote(remote) = target {
        let connector = &remote.connector;
        let timeout = Duration::from_secs_f64(DEFAULT_TIMEOUT_MS as f64 * opts.timeout_scale / 1000.0);
        match tokio::time::timeout(timeout, connector.connect()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("cannot reach the target: {e}")),
            Err(_) => {
                return Err(format!(
                    "cannot reach the target {connector:?}: no connection within {timeout:?}"
                ));
            }
        }
    }
    let mut brokers = Vec::new();
    // Cases grouped by the endpoint they use: embedded scenarios with a config of
    // their own get a broker of their own.
    let mut plan: Vec<(Loaded, VersionName, Endpoint)> = Vec::new();
    let mut default_endpoint = None;
    for loaded in scenarios {
        let endpoint = match (target, &loaded.scenario.config) {
            (Target::Embedded, Some(cfg)) => {
                let config =
                    broker_config(cfg).map_err(|e| format!("{}: config: {e}", loaded.path.display()))?;
                start_embedded(config, &mut brokers).await?
            }
            (Target::Embedded, None) => match &default_endpoint {
                Some(ep) => Endpoint::clone(ep),
                None => {
                    let ep = start_embedded(Config::default(), &mut brokers).await?;
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
                        return Err(format!(
                            "the target {:?} answered neither an MQTT 3.1.1 nor a 5.0 CONNECT with a successful CONNACK (is it an MQTT broker? does it need --profile credentials?)",
                            remote.connector
                        ));
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
    // Cases known to bring the target down run last, one at a time, so that the
    // others see a working broker.
    let (last, first): (Vec<_>, Vec<_>) =
        plan.into_iter().partition(|(l, _, _)| opts.run_last.contains(&l.scenario.id));
    let mut results = run_cases(first, target, opts, opts.jobs).await?;
    results.extend(run_cases(last, target, opts, 1).await?);
    for b in brokers {
        b.shutdown().await;
    }
    results.sort_by(|a, b| (a.id.as_str(), a.version).cmp(&(b.id.as_str(), b.version)));
    Ok(results)
}

async fn run_cases(
    plan: Vec<(Loaded, VersionName, Endpoint)>,
    target: &Target,
    opts: &RunOptions,
    jobs: usize,
) -> Result<Vec<CaseResult>, String> {
    let sem = Arc::new(Semaphore::new(jobs.max(1)));
    let mut tasks = Vec::new();
    for (loaded, v, ep) in plan {
        let sem = sem.clone();
        let opts = opts.clone();
        let needs_config = loaded.scenario.config.is_some() && matches!(target, Target::Remote(_));
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire_owned().await;
            let result = if needs_config {
                CaseResult {
                    id: loaded.scenario.id.clone(),
                    version: v.as_str(),
                    statements: loaded.scenario.statements.for_version(v),
                    verdict: Verdict::Unsupported,
                    message: Some(
                        "needs a broker configuration the target's profile does not declare".into(),
                    ),
                    millis: 0,
                    transcript: Vec::new(),
                }
            } else {
                run_case(&loaded, v, &ep, &opts).await
            };
            if let Some(cb) = &opts.on_result {
                cb(&result);
            }
            result
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.map_err(|e| format!("a case task failed: {e}"))?);
    }
    Ok(results)
}

/// Starts a reference broker on a loopback port for the embedded target.
async fn start_embedded(config: Config, brokers: &mut Vec<BrokerHandle>) -> Result<Endpoint, String> {
    let caps = capabilities_of(&config);
    let b = BrokerHandle::start(config, "127.0.0.1:0".parse().expect("literal address"))
        .await
        .map_err(|e| format!("starting the reference broker: {e}"))?;
    let ep = Endpoint::same_caps(Remote::single(Connector::Tcp(b.local_addr())), caps);
    brokers.push(b);
    Ok(ep)
}

/// Asks an external target what it supports, before any case runs.
async fn probe_target(remote: Remote, opts: &RunOptions) -> Endpoint {
    if !opts.probe {
        use Capability::*;
        let all = [Qos1, Qos2, Retain, Wildcards, SharedSubscriptions, SubscriptionIdentifiers, TopicAlias];
        return Endpoint::same_caps(remote, all.into_iter().collect());
    }
    let timeout = Duration::from_secs_f64(DEFAULT_TIMEOUT_MS as f64 * opts.timeout_scale / 1000.0);
    let prefix = format!("{:x}", fnv(&opts.run_id) & 0xFFFF_FFFF);
    let login = remote.login.as_ref();
    let v5 = crate::probe::probe_v5(remote.connector(VersionName::V5), login, &prefix, timeout).await;
    let v311 = crate::probe::probe_v311(remote.connector(VersionName::V311), login, &prefix, timeout).await;
    let caps = [(VersionName::V311, v311), (VersionName::V5, v5)].into_iter().collect();
    Endpoint { remote, caps }
}
