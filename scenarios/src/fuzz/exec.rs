//! Carrying out one session against a broker: a connection per client slot, a
//! reader task per connection decoding every byte the broker sends with the strict
//! codec (as a client reads it), acknowledgements sent as a client owes them, and the
//! invariants of [`super::oracle`] checked on every packet. No fixed sleeps: after an
//! operation the session waits for the answer it calls for (CONNACK, SUBACK, PUBACK,
//! PUBCOMP, PINGRESP) or the close, then for a short quiet spell that adapts to the
//! broker's latency, for deliveries to the other clients.

use super::oracle::{Check, Finding, Observer};
use super::reader::{Event, read_loop};
pub use super::reader::{Seen, Timing};
use super::session::{self, Names, Op};
use super::wire::{connect_level, refusal};
use crate::net::connector::{Connector, Transport};
use crate::version::Version;
use mqttspec_codec::{Ack, Frame, Packet, check_frame};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;
use tokio::io::{AsyncWriteExt, WriteHalf};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// How one session went.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Per operation: what each slot saw before the next operation.
    pub windows: Vec<Vec<(usize, Seen)>>,
    /// Invariants the broker broke.
    pub findings: Vec<Finding>,
    /// Packets sent.
    pub sent: u64,
    /// Packets received.
    pub received: u64,
    /// A connection could not be opened (the broker may be down).
    pub unreachable: Option<String>,
    /// Per operation: the bytes a fault or seed sent.
    pub raws: Vec<Option<Vec<u8>>>,
    /// Per operation: the Topic Alias a PUBLISH carried, and whether its topic name
    /// was left empty (the alias alone).
    pub aliases: Vec<Option<(u16, bool)>>,
}

struct Conn {
    writer: WriteHalf<Box<dyn Transport>>,
    reader: JoinHandle<()>,
    generation: u64,
    /// The version the broker answers in: that of the last CONNECT sent (0 while
    /// unknown: a CONNECT of an undefined level may be answered in either).
    level: Arc<AtomicU8>,
    /// Our side is shut down (DISCONNECT or drop): nothing more goes out.
    shut: bool,
    /// Bytes that were not exactly one whole packet went out: where the broker's
    /// packets start is unknown, and so is the version of its answers.
    desync: bool,
    /// A fault or seed went out: what Topic Aliases it set is unknown.
    raw_sent: bool,
    /// The Topic Alias Maximum of the server's CONNACK (0 until one came).
    alias_max: u16,
    /// Topic Aliases this connection set: alias to topic index.
    aliases: HashMap<u16, usize>,
}

/// A session being carried out.
struct Exec<'a> {
    connector: &'a Connector,
    version: Version,
    names: &'a Names,
    conns: Vec<Option<Conn>>,
    generation: u64,
    tx: mpsc::UnboundedSender<Event>,
    rx: mpsc::UnboundedReceiver<Event>,
    observer: Observer,
    out: Outcome,
    /// Acknowledgements owed, sent once what already arrived is judged.
    acks: Vec<(usize, Packet)>,
    /// Every Topic Alias a connection of the session set.
    alias_history: HashSet<u16>,
}

/// What an operation waits for on its slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Nothing,
    Kind(&'static str),
}

fn kind(p: &Packet) -> &'static str {
    crate::format::matching::kind_name(p)
}

impl Exec<'_> {
    async fn open(&mut self, slot: usize) -> bool {
        if let Some(c) = self.conns[slot].take() {
            c.reader.abort();
        }
        let stream = match tokio::time::timeout(Duration::from_secs(5), self.connector.connect()).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                self.out.unreachable = Some(e);
                return false;
            }
            Err(_) => {
                self.out.unreachable = Some(format!("{:?}: no connection within 5 s", self.connector));
                return false;
            }
        };
        let (r, writer) = tokio::io::split(stream);
        self.generation += 1;
        // Until a CONNECT declares one, the broker cannot know the version.
        let level = Arc::new(AtomicU8::new(0));
        let reader = tokio::spawn(read_loop(r, slot, self.generation, level.clone(), self.tx.clone()));
        self.conns[slot] = Some(Conn {
            writer,
            reader,
            generation: self.generation,
            level,
            desync: false,
            shut: false,
            raw_sent: false,
            alias_max: 0,
            aliases: HashMap::new(),
        });
        self.observer.opened(slot);
        true
    }

    /// Writes to `slot`; whether the bytes went out on a connection still ours to
    /// write on.
    async fn write(&mut self, slot: usize, bytes: &[u8]) -> bool {
        if let Some(c) = self.conns[slot].as_mut().filter(|c| !c.shut) {
            let whole = matches!(check_frame(bytes, 16 << 20, self.version.codec()), Ok(Frame::Complete { len, .. }) if len == bytes.len());
            c.desync |= !whole;
            if c.desync {
                c.level.store(0, Ordering::Relaxed);
            } else if let Some(level) = connect_level(bytes) {
                // A CONNECT the broker must refuse may be refused before its level is
                // read: the answer's version is then the broker's guess.
                let refused = refusal(bytes, self.version).is_some();
                c.level.store(if refused { 0 } else { level }, Ordering::Relaxed);
            }
            self.out.sent += 1;
            // A failure means the broker closed: its Closed event says so.
            return c.writer.write_all(bytes).await.is_ok();
        }
        false
    }

    async fn send(&mut self, slot: usize, p: &Packet) {
        if let Ok(b) = p.to_bytes(self.version.codec()) {
            if self.write(slot, &b).await {
                self.observer.sending(slot, p);
            }
        }
    }

    fn close(&mut self, slot: usize) {
        if let Some(c) = self.conns[slot].take() {
            c.reader.abort();
        }
        self.observer.closed(slot);
    }

    /// Operation `i` uses packet identifier `i + 1`: unique in the session, and the
    /// same in the scenario a finding becomes.
    fn pid(i: usize) -> u16 {
        (i % 65535) as u16 + 1
    }

    /// Handles one event: checks, acknowledges, records. Returns the kind it was.
    async fn event(&mut self, i: usize, (slot, generation, seen): Event) -> Option<&'static str> {
        let current = self.conns[slot].as_ref().map(|c| c.generation);
        if current != Some(generation) {
            return None;
        }
        self.out.received += 1;
        let what = match &seen {
            Seen::Packet(p, len) => {
                if let Some(f) = self.observer.received(i, slot, p, *len) {
                    self.out.findings.push(f);
                }
                if let (Packet::ConnAck(ca), Some(c)) = (p, self.conns[slot].as_mut()) {
                    c.alias_max = ca.properties.topic_alias_maximum().unwrap_or(0);
                }
                match p {
                    Packet::Publish(pb) if pb.packet_id.is_some() => {
                        let ack = Ack::new(pb.packet_id.unwrap_or(0));
                        let reply = if pb.qos == mqttspec_codec::QoS::AtLeastOnce {
                            Packet::PubAck(ack)
                        } else {
                            Packet::PubRec(ack)
                        };
                        self.acks.push((slot, reply));
                    }
                    Packet::PubRel(a) => self.acks.push((slot, Packet::PubComp(Ack::new(a.packet_id)))),
                    Packet::PubRec(a) if !a.reason_code.is_error() => {
                        self.acks.push((slot, Packet::PubRel(Ack::new(a.packet_id))))
                    }
                    _ => {}
                }
                Some(kind(p))
            }
            Seen::Closed => {
                self.close(slot);
                Some("closed")
            }
            Seen::Malformed(why) => {
                self.out.findings.push(Finding::malformed(i, slot, self.version, why));
                self.close(slot);
                Some("closed")
            }
        };
        self.out.windows[i].push((slot, seen));
        what
    }

    /// Sends the acknowledgements owed.
    async fn flush(&mut self) {
        for (slot, p) in std::mem::take(&mut self.acks) {
            self.send(slot, &p).await;
        }
    }

    /// Waits for `want` on `slot` (or its close), then for quiet.
    async fn settle(&mut self, i: usize, slot: usize, want: Want, timing: &mut Timing) -> bool {
        let start = Instant::now();
        let mut met = want == Want::Nothing || self.conns[slot].is_none();
        let mut deadline = if met { start + timing.quiet() } else { start + timing.patience };
        loop {
            self.flush().await;
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Err(_) | Ok(None) => return met,
                Ok(Some(ev)) => {
                    let ev_slot = ev.0;
                    let got = self.event(i, ev).await;
                    // Whatever else already arrived was sent before our acknowledgements
                    // could reach the broker: judged before they go.
                    let mut more = None;
                    while let Ok(ev) = self.rx.try_recv() {
                        let s = ev.0;
                        let g = self.event(i, ev).await;
                        if s == slot && (g == Some("closed") || g == want_kind(want)) {
                            more = g;
                        }
                    }
                    let got = more.or(got);
                    let ev_slot = if more.is_some() { slot } else { ev_slot };
                    let gone = self.conns[slot].is_none();
                    if !met && (gone || ev_slot == slot && (got == Some("closed") || got == want_kind(want)))
                    {
                        met = true;
                        timing.observe(start.elapsed());
                    }
                    if met {
                        deadline = Instant::now() + timing.quiet();
                    }
                }
            }
        }
    }

    async fn op(&mut self, i: usize, op: &Op, timing: &mut Timing) {
        let slot = op.slot();
        // What already arrived (a close above all) counts before this operation.
        while let Ok(ev) = self.rx.try_recv() {
            self.event(i.saturating_sub(1), ev).await;
        }
        self.flush().await;
        self.observer.step(slot);
        let open = self.conns[slot].is_some();
        match op {
            Op::Drop { .. } => {
                if let Some(mut c) = self.conns[slot].take() {
                    let _ = c.writer.shutdown().await;
                    c.shut = true;
                    self.conns[slot] = Some(c);
                    self.out.sent += 1;
                }
                // The broker's close ends the window (or patience does).
                if open {
                    self.settle(i, slot, Want::Kind("closed"), timing).await;
                }
                self.close(slot);
            }
            Op::Fault { base, tamper, .. } => {
                if !open && !self.open(slot).await {
                    return;
                }
                let pid = Self::pid(i);
                let Some(mut p) = session::packet(base, i, pid, self.names, self.version) else { return };
                if let Packet::Publish(pb) = &mut p {
                    if *tamper == session::FaultSpec::BareAlias {
                        self.bare_alias(i, slot, pb);
                    } else {
                        pb.properties = mqttspec_codec::Properties::new();
                    }
                }
                let len = p.encoded_len(self.version.codec()).unwrap_or(0);
                let t = session::tamper(tamper, len);
                let Ok(bytes) = t.encode(&p, self.version.codec()) else { return };
                self.raw(i, slot, &bytes, timing).await;
            }
            Op::Seed { bytes, .. } => {
                if !open && !self.open(slot).await {
                    return;
                }
                self.raw(i, slot, bytes, timing).await;
            }
            _ => {
                if matches!(op, Op::Connect { .. }) {
                    if !open && !self.open(slot).await {
                        return;
                    }
                } else if !open {
                    return;
                }
                let pid = Self::pid(i);
                let Some(mut p) = session::packet(op, i, pid, self.names, self.version) else { return };
                if let (Op::Publish { topic, .. }, Packet::Publish(pb)) = (op, &mut p) {
                    self.out.aliases[i] = self.alias(slot, *topic, pb);
                }
                self.observer.intend(i, op, &p);
                let want = match op {
                    Op::Connect { .. } => Want::Kind("connack"),
                    Op::Subscribe { .. } => Want::Kind("suback"),
                    Op::Unsubscribe { .. } => Want::Kind("unsuback"),
                    Op::Publish { qos: 1, .. } => Want::Kind("puback"),
                    Op::Publish { qos: 2, .. } => Want::Kind("pubcomp"),
                    Op::Ping { .. } => Want::Kind("pingresp"),
                    _ => Want::Nothing,
                };
                self.send(slot, &p).await;
                if matches!(op, Op::Disconnect { .. }) {
                    if let Some(mut c) = self.conns[slot].take() {
                        let _ = c.writer.shutdown().await;
                        c.shut = true;
                        self.conns[slot] = Some(c);
                    }
                    self.settle(i, slot, Want::Kind("closed"), timing).await;
                    self.close(slot);
                } else {
                    self.settle(i, slot, want, timing).await;
                }
            }
        }
    }

    /// Uses the Topic Alias a well-formed PUBLISH draws, as a client may: within the
    /// server's Topic Alias Maximum, with the topic name while the connection has not
    /// mapped it to this topic, alone once it has.
    fn alias(&mut self, slot: usize, topic: usize, pb: &mut mqttspec_codec::Publish) -> Option<(u16, bool)> {
        let a = pb.properties.topic_alias();
        let c = self.conns[slot].as_mut()?;
        let Some(a) = a.filter(|a| *a <= c.alias_max) else {
            pb.properties = mqttspec_codec::Properties::new();
            return None;
        };
        let bare = c.aliases.get(&a) == Some(&topic) && !c.raw_sent;
        if bare {
            pb.topic = "".into();
        }
        c.aliases.insert(a, topic);
        self.alias_history.insert(a);
        Some((a, bare))
    }

    /// A PUBLISH with its Topic Alias alone, whatever the connection mapped. Where the
    /// connection never set the alias (and sent nothing the oracle cannot follow)
    /// but an earlier one did, a broker that routes it carried a mapping over
    /// (MQTT-3.3.2-7).
    fn bare_alias(&mut self, i: usize, slot: usize, pb: &mut mqttspec_codec::Publish) {
        let Some(drawn) = pb.properties.topic_alias() else { return };
        pb.topic = "".into();
        let Some(c) = self.conns[slot].as_ref() else { return };
        // An alias an earlier connection set, if there is one this one has not.
        let mut earlier: Vec<u16> =
            self.alias_history.iter().copied().filter(|a| !c.aliases.contains_key(a)).collect();
        earlier.sort_unstable();
        let a = earlier.first().copied().filter(|a| *a <= c.alias_max).unwrap_or(drawn);
        if let Ok(props) = mqttspec_codec::Properties::build(vec![mqttspec_codec::Property::TopicAlias(a)]) {
            pb.properties = props;
        }
        self.out.aliases[i] = Some((a, true));
        let unset = !c.raw_sent && !c.desync && !c.aliases.contains_key(&a);
        if unset && a <= c.alias_max && self.alias_history.contains(&a) {
            self.observer.forbid(
                pb.payload.clone(),
                format!("MQTT-3.3.2-7 (5.0): a PUBLISH with Topic Alias {a} alone, an alias only an earlier network connection had set, was routed"),
            );
        }
    }

    /// Sends bytes that may break the spec. When the strict codec, reading as a
    /// server, refuses a whole packet, the broker must not carry on: a PINGREQ sent
    /// after it must find the connection closed, not answered.
    async fn raw(&mut self, i: usize, slot: usize, bytes: &[u8], timing: &mut Timing) {
        // After bytes that were not one whole packet, where this one starts for the
        // broker is unknown: it is not judged.
        let desync = self.conns[slot].as_ref().is_some_and(|c| c.desync);
        let refused = if desync { None } else { refusal(bytes, self.version) };
        self.observer.raw(slot);
        if let Some(c) = self.conns[slot].as_mut() {
            c.raw_sent = true;
        }
        self.out.raws[i] = Some(bytes.to_vec());
        self.write(slot, bytes).await;
        self.settle(i, slot, Want::Nothing, timing).await;
        let Some(v) = refused else { return };
        if self.conns[slot].is_none() {
            return;
        }
        // A SUBSCRIBE refused filter by filter (every code a failure) is refused too,
        // as the corpus accepts for an invalid filter.
        let failed = self.out.windows[i].iter().any(|(s, seen)| {
            *s == slot
                && matches!(seen, Seen::Packet(Packet::SubAck(a), _) if !a.codes.is_empty() && a.codes.iter().all(|c| c.0 >= 0x80))
        });
        if failed {
            return;
        }
        self.write(slot, &[0xC0, 0x00]).await;
        let before = self.out.windows[i].len();
        self.settle(i, slot, Want::Kind("pingresp"), timing).await;
        let answered = self.out.windows[i][before..]
            .iter()
            .any(|(s, seen)| *s == slot && matches!(seen, Seen::Packet(Packet::PingResp, _)));
        if answered {
            self.out.findings.push(Finding::accepted(i, slot, self.version, &v, bytes));
        }
    }
}

fn want_kind(w: Want) -> Option<&'static str> {
    match w {
        Want::Nothing => None,
        Want::Kind(k) => Some(k),
    }
}

/// Runs `ops` in `version` against `connector`.
pub async fn run(
    connector: &Connector,
    version: Version,
    names: &Names,
    ops: &[Op],
    timing: &mut Timing,
) -> Outcome {
    let (tx, rx) = mpsc::unbounded_channel();
    let mut exec = Exec {
        connector,
        version,
        names,
        conns: (0..session::CLIENTS).map(|_| None).collect(),
        generation: 0,
        tx,
        rx,
        observer: Observer::new(version, names),
        out: Outcome::default(),
        acks: Vec::new(),
        alias_history: HashSet::new(),
    };
    for (i, op) in ops.iter().enumerate() {
        exec.out.windows.push(Vec::new());
        exec.out.raws.push(None);
        exec.out.aliases.push(None);
        exec.op(i, op, timing).await;
        if exec.out.unreachable.is_some() {
            break;
        }
    }
    for slot in 0..session::CLIENTS {
        if let Some(mut c) = exec.conns[slot].take() {
            let _ = c.writer.shutdown().await;
            c.shut = true;
            c.reader.abort();
        }
    }
    exec.out
}

/// A finding of the liveness check.
pub fn dead(op: usize, version: Version, why: String) -> Finding {
    Finding::new(Check::Liveness, op, 0, version, Vec::new(), why)
}
