//! One case: a scenario run in one version against one endpoint, step by step.

use super::error::{HarnessError, StepError};
use super::time::{CLOSE_SETTLE_MS, Clock, DEFAULT_NOTHING_MS};
use super::verdict::{CaseResult, Verdict};
use super::{Endpoint, RunOptions};
use crate::format::build::{self, Vars};
use crate::format::load::Loaded;
use crate::format::matching;
use crate::format::model::*;
use crate::net::client::{Client, Direction, Event, Frame, Transcript};
use crate::net::connector::{Connector, Login};
use mqttspec_codec::{Packet, Version as CodecVersion};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

type StepResult = Result<(), StepError>;

/// FNV-1a: a stable, dependency-free short hash for unique names.
pub(super) fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
}

/// The unique prefix and client identifiers of one case.
fn vars_for(loaded: &Loaded, version: Version, run_id: &str) -> Vars {
    let key = format!("{run_id}/{}/{version}", loaded.scenario.id);
    let h = fnv(&key);
    let mut ids = BTreeMap::new();
    for step in &loaded.scenario.steps {
        if let Step::Connect(ConnectStep { client, .. }) | Step::Open(OpenStep { client, .. }) = step {
            // Short, alphanumeric, at most 23 characters: every server must accept
            // these (MQTT-3.1.3-5).
            let id: String = format!("s{:011x}{client}", h & 0xFFF_FFFF_FFFF).chars().take(23).collect();
            ids.insert(client.clone(), id);
        }
    }
    Vars { prefix: format!("mqttspec/{:012x}", h & 0xFFFF_FFFF_FFFF), ids, captures: BTreeMap::new() }
}

pub(super) struct Case {
    version: CodecVersion,
    connector: Connector,
    login: Option<Login>,
    vars: Vars,
    clients: BTreeMap<String, Client>,
    transcript: Transcript,
    clock: Clock,
    /// Topics this case left a retained message on.
    retained: BTreeSet<String>,
    /// Clients that may have left a session behind.
    sessions: BTreeSet<String>,
}

impl Case {
    fn client(&mut self, name: &str) -> Result<&mut Client, StepError> {
        // The loader makes sure every client is introduced first.
        self.clients.get_mut(name).ok_or_else(|| {
            StepError::Harness(HarnessError::NotConnected(format!("client {name:?} has no connection")))
        })
    }

    async fn open(&mut self, name: &str, version: CodecVersion, subprotocols: &[String]) -> StepResult {
        let patience = self.clock.default_patience();
        let transcript = self.transcript.clone();
        let client =
            Client::open_offering(name, &self.connector, subprotocols, version, patience, transcript).await?;
        self.clients.insert(name.to_string(), client);
        Ok(())
    }

    async fn send_packet(&mut self, name: &str, packet: &Packet, tamper: &Option<TamperSpec>) -> StepResult {
        match packet {
            Packet::Publish(p) if p.retain && !p.payload.is_empty() => {
                self.retained.insert(p.topic.to_string());
            }
            // A retained Will may be published later; it is cleared like the rest.
            Packet::Connect(c) => {
                if let Some(w) = c.will.as_ref().filter(|w| w.retain && !w.payload.is_empty()) {
                    self.retained.insert(w.topic.to_string());
                }
                // MQTT-3.1.2-24 (5.0): nothing the broker sends may exceed this.
                let max = c.properties.maximum_packet_size().filter(|_| c.version.is_v5());
                self.client(name)?.announce_max_packet_size(max);
            }
            _ => {}
        }
        let client = self.client(name)?;
        let bytes = build::encode(packet, client.version, tamper)?;
        let label = if tamper.is_some() { format!("{packet:?} (tampered)") } else { format!("{packet:?}") };
        Ok(client.write(&bytes, label).await?)
    }

    /// Waits for an event and checks it against `outcomes`.
    async fn expect(
        &mut self,
        name: &str,
        outcomes: &[Outcome],
        wait: Duration,
    ) -> Result<Option<Packet>, StepError> {
        let raws: Vec<Vec<u8>> = outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Raw(hex) => Some(build::parse_hex(hex)),
                _ => None,
            })
            .collect::<Result<_, _>>()?;
        let client = self.client(name)?;
        let event = match client.recv_frame(wait).await? {
            Frame::Bytes(b) if raws.iter().any(|r| r[..] == b[..]) => {
                client.note_raw(&b);
                return Ok(None);
            }
            Frame::Bytes(b) => Event::Packet(client.decode(&b)?),
            Frame::Closed => Event::Closed,
            Frame::Timeout => Event::Timeout,
        };
        let describe = || -> String {
            outcomes
                .iter()
                .map(|o| match o {
                    Outcome::Closed => "the connection closed".to_string(),
                    Outcome::ClosedSilently => "the connection closed without a packet".to_string(),
                    Outcome::Raw(hex) => format!("bytes {hex}"),
                    Outcome::Packet(p) => matching::spec_kind(p).to_uppercase(),
                    Outcome::Unordered(ps) => format!(
                        "{} in any order",
                        ps.iter()
                            .map(|p| matching::spec_kind(p).to_uppercase())
                            .collect::<Vec<_>>()
                            .join(" + ")
                    ),
                })
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let broker = |why: String| Err(StepError::Broker(why));
        match event {
            Event::Timeout => broker(format!("expected {} within {wait:?}, got nothing", describe())),
            Event::Closed
                if outcomes.iter().any(|o| matches!(o, Outcome::Closed | Outcome::ClosedSilently)) =>
            {
                Ok(None)
            }
            Event::Closed => broker(format!("expected {}, but the connection closed", describe())),
            Event::Packet(p) => {
                let mut mismatches = Vec::new();
                for o in outcomes {
                    match o {
                        Outcome::Packet(spec) => match matching::matches(&self.vars, spec, &p) {
                            Ok(()) => return Ok(Some(p)),
                            Err(matching::Mismatch::Differs(why)) => mismatches.push(why),
                            Err(harness) => return Err(harness.into()),
                        },
                        // A 5.0 broker announces a close with DISCONNECT; accept it
                        // as the close if the connection then ends.
                        Outcome::Closed if matches!(p, Packet::Disconnect(_)) => {
                            return match self.client(name)?.recv(wait).await? {
                                Event::Closed => Ok(None),
                                other => broker(format!(
                                    "DISCONNECT was not followed by the close, but by {other:?}"
                                )),
                            };
                        }
                        Outcome::Closed => mismatches.push(format!(
                            "expected the close, got {}",
                            matching::kind_name(&p).to_uppercase()
                        )),
                        Outcome::ClosedSilently => mismatches.push(format!(
                            "expected the close without a packet, got {}",
                            matching::kind_name(&p).to_uppercase()
                        )),
                        Outcome::Raw(hex) => mismatches.push(format!("expected bytes {hex}")),
                        Outcome::Unordered(specs) => {
                            let mut rest: Vec<&PacketSpec> = specs.iter().collect();
                            match self.first_match(&rest, &p)? {
                                Ok(i) => {
                                    rest.remove(i);
                                    let deadline = tokio::time::Instant::now() + wait;
                                    self.receive_rest(name, rest, deadline, wait).await?;
                                    return Ok(Some(p));
                                }
                                Err(why) => mismatches.push(why),
                            }
                        }
                    }
                }
                broker(mismatches.join("; "))
            }
        }
    }

    fn capture(&mut self, captures: &BTreeMap<String, CaptureField>, p: Option<&Packet>) -> StepResult {
        for (name, field) in captures {
            let value = p
                .and_then(|p| matching::capture(*field, p))
                .ok_or_else(|| StepError::Broker(format!("capture {name}: the packet has no {field:?}")))?;
            self.vars.captures.insert(name.clone(), value);
        }
        Ok(())
    }

    async fn connect(&mut self, c: &ConnectStep) -> StepResult {
        let fields = c.fields();
        let version = fields.protocol.map_or(self.version, Protocol::codec);
        if !self.clients.get(&c.client).is_some_and(Client::is_open) {
            self.open(&c.client, version, &[]).await?;
        }
        self.client(&c.client)?.set_version(version);
        let mut connect = build::build_connect(&self.vars, &fields, &c.client, self.version)?;
        if let Some(login) = &self.login {
            login.apply(&mut connect);
        }
        if !connect.clean_start || connect.properties.session_expiry_interval().is_some_and(|e| e > 0) {
            self.sessions.insert(c.client.clone());
        }
        self.send_packet(&c.client, &Packet::Connect(Box::new(connect)), &c.tamper).await?;
        let default = [Outcome::Packet(PacketSpec::Connack(ConnackFields {
            reason_code: Some(Num::Lit(0)),
            ..ConnackFields::default()
        }))];
        let outcomes = c.expect.as_deref().unwrap_or(&default);
        let got = self.expect(&c.client, outcomes, self.clock.default_patience()).await?;
        self.capture(&c.capture, got.as_ref())
    }

    async fn expect_nothing(&mut self, e: &NothingStep) -> StepResult {
        // Protocol time: the window is the scenario's, never scaled.
        let within = Clock::protocol(e.within_ms.unwrap_or(DEFAULT_NOTHING_MS));
        match self.client(&e.client)?.recv(within).await? {
            Event::Timeout => Ok(()),
            Event::Closed => {
                Err(StepError::Broker(format!("expected nothing for {within:?}, but the connection closed")))
            }
            Event::Packet(p) => Err(StepError::Broker(format!("expected nothing for {within:?}, got {p:?}"))),
        }
    }

    async fn expect_unordered(&mut self, e: &UnorderedStep) -> StepResult {
        let wait = self.clock.wait(e.wait());
        let deadline = tokio::time::Instant::now() + wait;
        self.receive_rest(&e.client, e.packets.iter().collect(), deadline, wait).await
    }

    /// Receives packets matching `remaining`, in any order, until `deadline`.
    async fn receive_rest(
        &mut self,
        name: &str,
        mut remaining: Vec<&PacketSpec>,
        deadline: tokio::time::Instant,
        wait: Duration,
    ) -> StepResult {
        while !remaining.is_empty() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let p = match self.client(name)?.recv(left).await? {
                Event::Timeout => {
                    let kinds: Vec<String> =
                        remaining.iter().map(|s| matching::spec_kind(s).to_uppercase()).collect();
                    return Err(StepError::Broker(format!(
                        "{} expected packet(s) did not arrive within {wait:?}: {}",
                        remaining.len(),
                        kinds.join(", ")
                    )));
                }
                Event::Closed => {
                    return Err(StepError::Broker(
                        "the connection closed while packets were still expected".into(),
                    ));
                }
                Event::Packet(p) => p,
            };
            match self.first_match(&remaining, &p)? {
                Ok(i) => {
                    remaining.remove(i);
                }
                Err(why) => return Err(StepError::Broker(format!("unexpected {p:?}: {why}"))),
            }
        }
        Ok(())
    }

    /// The index of the first spec `p` matches, or why none does.
    fn first_match(&self, specs: &[&PacketSpec], p: &Packet) -> Result<Result<usize, String>, StepError> {
        let mut why = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            match matching::matches(&self.vars, spec, p) {
                Ok(()) => return Ok(Ok(i)),
                Err(matching::Mismatch::Differs(w)) if !why.contains(&w) => why.push(w),
                Err(matching::Mismatch::Differs(_)) => {}
                Err(harness) => return Err(harness.into()),
            }
        }
        Ok(Err(reasons(&why)))
    }

    async fn step(&mut self, step: &Step) -> StepResult {
        match step {
            Step::Connect(c) => self.connect(c).await,
            Step::Open(c) => {
                self.open(&c.client, self.version, c.subprotocols.as_deref().unwrap_or(&[])).await
            }
            Step::Send(s) => {
                let version = self.client(&s.client)?.version;
                let packet = build::build(&self.vars, &s.packet, &s.client, version)?;
                self.send_packet(&s.client, &packet, &s.tamper).await
            }
            Step::SendRaw(s) => {
                let bytes = build::parse_hex(&s.hex)?;
                Ok(self.client(&s.client)?.write(&bytes.into(), "raw bytes".into()).await?)
            }
            Step::SendFrames(f) => {
                let version = self.client(&f.client)?.version;
                let mut bytes = Vec::new();
                for spec in &f.packets {
                    let packet = build::build(&self.vars, spec, &f.client, version)?;
                    self.transcript.add(&f.client, Direction::Event, format!("in frames: {packet:?}"), &[]);
                    bytes.extend_from_slice(&build::encode(&packet, version, &None)?);
                }
                let text = f.frame_type == FrameType::Text;
                Ok(self.client(&f.client)?.send_frames(&bytes, &f.split, text).await?)
            }
            Step::Expect(e) => {
                let outcomes = match (&e.packet, &e.one_of) {
                    (Some(p), _) => vec![Outcome::Packet(p.clone())],
                    (None, Some(o)) => o.clone(),
                    (None, None) => {
                        return Err(HarnessError::Internal("expect without packet or one-of".into()).into());
                    }
                };
                let got = self.expect(&e.client, &outcomes, self.clock.wait(e.wait())).await?;
                self.capture(&e.capture, got.as_ref())
            }
            Step::ExpectClosed(e) => {
                self.expect(&e.client, &[Outcome::Closed], self.clock.wait(e.wait())).await.map(|_| ())
            }
            Step::ExpectNothing(e) => self.expect_nothing(e).await,
            Step::ExpectUnordered(e) => self.expect_unordered(e).await,
            Step::Disconnect(d) => {
                let fields =
                    ReasonFields { reason_code: d.reason_code.clone(), properties: d.properties.clone() };
                let version = self.client(&d.client)?.version;
                let packet = build::build(&self.vars, &PacketSpec::Disconnect(fields), &d.client, version)?;
                self.send_packet(&d.client, &packet, &None).await?;
                let settle = self.clock.patience(CLOSE_SETTLE_MS);
                self.client(&d.client)?.close_and_wait(settle).await;
                Ok(())
            }
            Step::Drop(c) => {
                let settle = self.clock.patience(CLOSE_SETTLE_MS);
                self.client(&c.client)?.close_and_wait(settle).await;
                Ok(())
            }
            Step::Wait(w) => {
                // Protocol time: really elapses, never scaled.
                tokio::time::sleep(Clock::protocol(w.ms)).await;
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
        let mut ids: Vec<String> =
            self.sessions.iter().filter_map(|c| self.vars.ids.get(c).cloned()).collect();
        ids.push(format!(
            "{}x",
            self.vars.ids.values().next().cloned().unwrap_or_else(|| "mqttspecclean".into())
        ));
        let v = if self.version == CodecVersion::V5 { CodecVersion::V5 } else { CodecVersion::V3_1_1 };
        let retained: Vec<String> = self.retained.iter().cloned().collect();
        let patience = self.clock.patience(CLOSE_SETTLE_MS);
        super::cleanup::clean(&self.connector, self.login.as_ref(), v, &ids, &retained, patience).await;
    }
}

/// Runs one scenario in one version against `endpoint`.
pub(super) async fn run_case(
    loaded: &Loaded,
    version: Version,
    endpoint: &Endpoint,
    opts: &RunOptions,
) -> CaseResult {
    let started = std::time::Instant::now();
    let s = &loaded.scenario;
    let Some(caps) = endpoint.caps.get(&version).cloned().flatten() else {
        let why = format!("the target refuses MQTT {version}");
        return CaseResult::without_run(loaded, version, Verdict::Unsupported, why);
    };
    let missing: Vec<String> = s
        .requires
        .iter()
        .filter(|c| !caps.contains(c) && c.may_lack(version).is_some())
        .map(|c| format!("{c:?}"))
        .collect();
    if !missing.is_empty() {
        let why = format!("target lacks {}", missing.join(", "));
        return CaseResult::without_run(loaded, version, Verdict::Unsupported, why);
    }
    let transcript = Transcript::new();
    let mut case = Case {
        version: version.codec(),
        connector: endpoint.connector(version, &s.requires),
        login: endpoint.remote.login.clone(),
        vars: vars_for(loaded, version, &opts.run_id),
        clients: BTreeMap::new(),
        transcript: transcript.clone(),
        clock: opts.clock,
        retained: BTreeSet::new(),
        sessions: BTreeSet::new(),
    };
    let mut result = CaseResult::without_run(loaded, version, Verdict::Pass, String::new());
    result.message = None;
    for (i, step) in s.steps.iter().enumerate() {
        if let Err(e) = case.step(step).await {
            let (verdict, whose) = match &e {
                StepError::Broker(_) => (Verdict::for_failure(s.level), "failed"),
                StepError::Harness(_) => (Verdict::Error, "could not be run (harness error)"),
            };
            result.verdict = verdict;
            result.message = Some(format!("{}: step {}: {e}", loaded.step_location(i), i + 1));
            transcript.add("runner", Direction::Event, format!("step {} {whose}: {e}", i + 1), &[]);
            break;
        }
    }
    case.cleanup().await;
    result.transcript = transcript.entries();
    result.millis = started.elapsed().as_millis() as u64;
    result
}

/// Distinct reasons a packet matched none of the expected ones, the first few of them:
/// one per expected packet would bury the message.
fn reasons(why: &[String]) -> String {
    const SHOWN: usize = 4;
    let mut text = why.iter().take(SHOWN).cloned().collect::<Vec<_>>().join("; ");
    if why.len() > SHOWN {
        text.push_str(&format!("; and {} other differences", why.len() - SHOWN));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::reasons;

    #[test]
    fn a_packet_matching_none_of_many_names_a_few_distinct_reasons() {
        let why: Vec<String> = (0..40).map(|i| format!("payload: expected m{i}")).collect();
        let text = reasons(&why);
        assert!(text.starts_with("payload: expected m0; payload: expected m1"), "{text}");
        assert!(text.ends_with("and 36 other differences"), "{text}");
        assert_eq!(reasons(&why[..2]), "payload: expected m0; payload: expected m1");
    }
}
