//! A scenario's MQTT client: raw TCP, every received byte decoded by the strict codec,
//! every packet written to the transcript with a timestamp and its bytes in hex.

use crate::net::connector::{Connector, OpenError, Transport};
use crate::net::ws::FrameSender;
use bytes::{Bytes, BytesMut};
use mqttspec_codec::{DecodeOptions, Frame as CodecFrame, Packet, Role, Version, check_frame};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

/// Direction of a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Client → broker.
    Sent,
    /// Broker → client.
    Received,
    /// A connection event or a note.
    Event,
}

/// One transcript line.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// Milliseconds since the case started.
    pub at_ms: f64,
    /// Client name.
    pub client: String,
    /// Direction.
    pub direction: Direction,
    /// Decoded packet or event.
    pub text: String,
    /// Bytes in hex (empty for events).
    pub hex: String,
}

/// Everything that happened in one case, in order. The default transcript records
/// nothing (for cleanup, probes and load generation).
#[derive(Debug, Clone, Default)]
pub struct Transcript(Option<Arc<Mutex<Lines>>>);

/// When the transcript started, and its lines.
type Lines = (Instant, Vec<Entry>);

impl Transcript {
    /// Starts the clock.
    pub fn new() -> Self {
        Transcript(Some(Arc::new(Mutex::new((Instant::now(), Vec::new())))))
    }

    /// Whether lines are recorded.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    /// Adds a line.
    pub fn add(&self, client: &str, direction: Direction, text: String, bytes: &[u8]) {
        let Some(inner) = &self.0 else { return };
        let mut g = inner.lock().unwrap_or_else(|p| p.into_inner());
        let at_ms = g.0.elapsed().as_secs_f64() * 1000.0;
        g.1.push(Entry { at_ms, client: client.to_string(), direction, text, hex: hex(bytes) });
    }

    /// The lines so far.
    pub fn entries(&self) -> Vec<Entry> {
        self.0.as_ref().map(|i| i.lock().unwrap_or_else(|p| p.into_inner()).1.clone()).unwrap_or_default()
    }

    /// The transcript as text, one line per entry.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for e in self.entries() {
            let arrow = match e.direction {
                Direction::Sent => "->",
                Direction::Received => "<-",
                Direction::Event => "--",
            };
            out.push_str(&format!("{:>9.1} ms  {:<6} {arrow} {}\n", e.at_ms, e.client, e.text));
            if !e.hex.is_empty() {
                out.push_str(&format!("{:>20}{}\n", "", e.hex));
            }
        }
        out
    }
}

/// Bytes as spaced hex, long runs shortened.
pub fn hex(bytes: &[u8]) -> String {
    const LIMIT: usize = 96;
    let shown: Vec<String> = bytes.iter().take(LIMIT).map(|b| format!("{b:02x}")).collect();
    let mut s = shown.join(" ");
    if bytes.len() > LIMIT {
        s.push_str(&format!(" … ({} bytes)", bytes.len()));
    }
    s
}

/// What waiting for the broker produced.
// Packets travel by value; boxing each would cost an allocation per packet.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Event {
    /// A packet the strict codec accepted.
    Packet(Packet),
    /// The broker closed the connection (or reset it).
    Closed,
    /// Nothing within the time.
    Timeout,
}

/// One frame, undecoded.
#[derive(Debug)]
pub enum Frame {
    /// The bytes of one whole packet.
    Bytes(Bytes),
    /// The connection closed.
    Closed,
    /// Nothing within the time.
    Timeout,
}

/// Why a receive failed the case regardless of the scenario.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BrokerFault(pub String);

/// Why a client operation failed, and whose fault it is.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The broker's: it sent what the strict decoder refuses, or had closed the
    /// connection a step wanted to use.
    #[error(transparent)]
    Broker(#[from] BrokerFault),
    /// The target could not be reached: nothing a case can judge.
    #[error("{0}")]
    Connect(String),
    /// The caller's: it used a connection it had closed itself.
    #[error("{0}")]
    NotConnected(String),
}

/// One MQTT connection of a scenario.
pub struct Client {
    name: String,
    /// Version packets are encoded and decoded in.
    pub version: Version,
    stream: Option<Box<dyn Transport>>,
    /// WebSocket only: frames of the case's own, in order with the stream's writes.
    frames: Option<FrameSender>,
    /// Whether the broker (rather than this side) ended the connection.
    closed_by_broker: bool,
    buf: BytesMut,
    transcript: Transcript,
    /// The Maximum Packet Size this client announced in its CONNECT (5.0).
    max_packet_size: Option<u32>,
    /// A CONNECT went out on this connection: a second one is a protocol error
    /// (MQTT-3.1.0-2), and what it announces is not in force.
    connect_sent: bool,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("name", &self.name)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// Largest packet accepted from a broker.
const MAX_PACKET: u32 = 16 << 20;

impl Client {
    /// Opens a connection through `connector` within `timeout`.
    pub async fn open(
        name: &str,
        connector: &Connector,
        version: Version,
        timeout: Duration,
        transcript: Transcript,
    ) -> Result<Client, ClientError> {
        Client::open_offering(name, connector, &[], version, timeout, transcript).await
    }

    /// Opens a connection, over WebSocket offering `subprotocols` (`mqtt` when empty).
    /// A WebSocket server that selects another subprotocol is the broker's fault
    /// (MQTT-6.0.0-4).
    pub async fn open_offering(
        name: &str,
        connector: &Connector,
        subprotocols: &[String],
        version: Version,
        timeout: Duration,
        transcript: Transcript,
    ) -> Result<Client, ClientError> {
        let opened = tokio::time::timeout(timeout, connector.open(subprotocols))
            .await
            .map_err(|_| {
                ClientError::Connect(format!("connecting to {connector:?} timed out after {timeout:?}"))
            })?
            .map_err(|e| match e {
                OpenError::Unreachable(e) => {
                    ClientError::Connect(format!("cannot connect to {connector:?}: {e}"))
                }
                OpenError::Broker(e) => {
                    transcript.add(name, Direction::Event, e.clone(), &[]);
                    ClientError::Broker(BrokerFault(e))
                }
            })?;
        transcript.add(name, Direction::Event, format!("connected to {connector:?}"), &[]);
        Ok(Client {
            name: name.to_string(),
            version,
            stream: Some(opened.stream),
            frames: opened.frames,
            closed_by_broker: false,
            buf: BytesMut::with_capacity(4096),
            transcript,
            max_packet_size: None,
            connect_sent: false,
        })
    }

    /// Sends `bytes` in WebSocket frames: the first ones of the sizes in `split`,
    /// the rest in one last frame; as text frames when `text` (which MQTT-6.0.0-1
    /// forbids). `Err` with a message when the connection is not a WebSocket or the
    /// bytes cannot be cut so.
    pub async fn send_frames(
        &mut self,
        bytes: &[u8],
        split: &[usize],
        text: bool,
    ) -> Result<(), ClientError> {
        let harness = |m: String| Err(ClientError::NotConnected(m));
        if self.stream.is_none() {
            return Err(self.not_open());
        }
        let Some(frames) = &self.frames else {
            return harness(format!("client {}: send-frames needs a WebSocket connection", self.name));
        };
        let mut rest = bytes;
        let mut cuts: Vec<&[u8]> = Vec::new();
        for &n in split {
            if n == 0 || n > rest.len() {
                return harness(format!("cannot cut {} bytes into frames of {split:?}", bytes.len()));
            }
            let (a, b) = rest.split_at(n);
            cuts.push(a);
            rest = b;
        }
        if !rest.is_empty() {
            cuts.push(rest);
        }
        for cut in cuts {
            let kind = if text { "text" } else { "binary" };
            self.transcript.add(&self.name, Direction::Sent, format!("WebSocket {kind} frame"), cut);
            let msg = if text {
                match std::str::from_utf8(cut) {
                    Ok(t) => tokio_tungstenite::tungstenite::Message::Text(t.to_string().into()),
                    Err(e) => return harness(format!("a text frame must be UTF-8: {e}")),
                }
            } else {
                tokio_tungstenite::tungstenite::Message::Binary(cut.to_vec().into())
            };
            if frames.send(msg).is_err() {
                self.transcript.add(
                    &self.name,
                    Direction::Event,
                    "write failed: WebSocket closed".into(),
                    &[],
                );
            }
        }
        Ok(())
    }

    /// Whether the TCP connection is still open (as far as we know).
    pub fn is_open(&self) -> bool {
        self.stream.is_some()
    }

    /// Switches the version (a CONNECT of another version was sent).
    pub fn set_version(&mut self, v: Version) {
        self.version = v;
    }

    /// Records the Maximum Packet Size the first CONNECT of the connection announced
    /// (`None`: no limit; a later one is a protocol error and changes nothing): from
    /// then on a larger packet from the broker fails the case, whatever it holds.
    pub fn announce_max_packet_size(&mut self, max: Option<u32>) {
        if !self.connect_sent {
            self.max_packet_size = max;
        }
    }

    /// Writes bytes; `label` describes them in the transcript.
    pub async fn write(&mut self, bytes: &Bytes, label: String) -> Result<(), ClientError> {
        self.transcript.add(&self.name, Direction::Sent, label, bytes);
        self.connect_sent |= bytes.first().is_some_and(|b| b >> 4 == 1);
        let Some(stream) = self.stream.as_mut() else { return Err(self.not_open()) };
        if let Err(e) = stream.write_all(bytes).await {
            // A broker may close before reading everything we send; that shows up in
            // the next expectation, so it is only noted here.
            self.transcript.add(&self.name, Direction::Event, format!("write failed: {e}"), &[]);
        }
        Ok(())
    }

    /// Why a step cannot use the connection: the broker closed it, or the scenario did.
    fn not_open(&self) -> ClientError {
        if self.closed_by_broker {
            ClientError::Broker(BrokerFault(format!(
                "the broker had closed the connection of client {} before this step",
                self.name
            )))
        } else {
            ClientError::NotConnected(format!("client {} was closed by the scenario", self.name))
        }
    }

    /// Closes the socket without DISCONNECT.
    pub async fn drop_connection(&mut self) {
        if let Some(mut s) = self.stream.take() {
            let _ = s.shutdown().await;
            self.transcript.add(&self.name, Direction::Event, "TCP closed by client".into(), &[]);
        }
    }

    /// Closes our side and waits (up to `timeout`) for the broker to close its side,
    /// which it does once it has taken the connection down: so that what a scenario
    /// does next (publish to the now absent session, say) happens after the broker
    /// noticed, not in a race with it. Whatever the broker still sends is discarded
    /// (and noted); reading stops after `timeout` or 1 MiB.
    pub async fn close_and_wait(&mut self, timeout: Duration) {
        let Some(mut s) = self.stream.take() else { return };
        let _ = s.shutdown().await;
        self.transcript.add(&self.name, Direction::Event, "TCP closed by client".into(), &[]);
        let deadline = Instant::now() + timeout;
        let mut discarded = 0usize;
        let mut scratch = [0u8; 4096];
        let outcome = loop {
            if discarded >= 1 << 20 {
                break "the broker kept sending";
            }
            match tokio::time::timeout_at(deadline, s.read(&mut scratch)).await {
                Err(_) => break "the broker did not close in time",
                Ok(Ok(0)) | Ok(Err(_)) => break "the broker closed too",
                Ok(Ok(n)) => discarded += n,
            }
        };
        let note = format!("{outcome} ({discarded} bytes it sent after our close discarded)");
        self.transcript.add(&self.name, Direction::Event, note, &[]);
    }

    /// Waits up to `timeout` for the next whole frame (not decoded) or the close.
    pub async fn recv_frame(&mut self, timeout: Duration) -> Result<Frame, BrokerFault> {
        let deadline = Instant::now() + timeout;
        loop {
            match check_frame(&self.buf, MAX_PACKET, self.version) {
                Ok(CodecFrame::Complete { len, .. }) => {
                    let frame = self.buf.split_to(len).freeze();
                    if let Some(max) = self.max_packet_size.filter(|max| len > *max as usize) {
                        return Err(self.oversized(&frame, max));
                    }
                    return Ok(Frame::Bytes(frame));
                }
                Ok(CodecFrame::Incomplete { .. }) => {}
                Err(v) => {
                    let bytes = self.buf.split();
                    self.transcript.add(&self.name, Direction::Received, format!("MALFORMED: {v}"), &bytes);
                    self.stream = None;
                    self.closed_by_broker = true;
                    return Err(BrokerFault(format!(
                        "the broker sent bytes the strict decoder refuses: {v}"
                    )));
                }
            }
            let Some(stream) = self.stream.as_mut() else { return Ok(Frame::Closed) };
            match tokio::time::timeout_at(deadline, stream.read_buf(&mut self.buf)).await {
                Err(_) => return Ok(Frame::Timeout),
                Ok(Ok(0)) | Ok(Err(_)) => {
                    if !self.buf.is_empty() {
                        let rest = self.buf.split();
                        self.transcript.add(
                            &self.name,
                            Direction::Received,
                            "partial packet before close".into(),
                            &rest,
                        );
                    }
                    self.stream = None;
                    self.closed_by_broker = true;
                    self.transcript.add(&self.name, Direction::Event, "TCP closed by broker".into(), &[]);
                    return Ok(Frame::Closed);
                }
                Ok(Ok(_)) => {}
            }
        }
    }

    /// A packet larger than the client allowed: the broker's fault whatever the
    /// scenario expected (MQTT-3.1.2-24).
    fn oversized(&self, frame: &Bytes, max: u32) -> BrokerFault {
        let opts = DecodeOptions::new(self.version).with_role(Role::Client);
        let what = match Packet::decode(frame, &opts) {
            Ok(p) => format!("{p:?}"),
            Err(e) => format!("MALFORMED: {e}"),
        };
        let len = frame.len();
        let note = format!("{what} ({len} bytes, over the Maximum Packet Size {max})");
        self.transcript.add(&self.name, Direction::Received, note, frame);
        BrokerFault(format!(
            "MQTT-3.1.2-24: the broker sent a {len}-byte packet, more than the Maximum Packet Size of \
             {max} bytes the client announced in CONNECT"
        ))
    }

    /// Records a frame that matched raw bytes without being decoded.
    pub fn note_raw(&self, bytes: &[u8]) {
        self.transcript.add(&self.name, Direction::Received, "raw bytes (matched as given)".into(), bytes);
    }

    /// Decodes one frame strictly, as a client reads what a server sends.
    pub fn decode(&mut self, bytes: &Bytes) -> Result<Packet, BrokerFault> {
        let version = if self.version == Version::V3_1 { Version::V3_1_1 } else { self.version };
        let opts = DecodeOptions::new(version).with_role(Role::Client);
        match Packet::decode(bytes, &opts) {
            Ok(p) => {
                if self.transcript.is_on() {
                    self.transcript.add(&self.name, Direction::Received, format!("{p:?}"), bytes);
                }
                Ok(p)
            }
            Err(e) => {
                self.transcript.add(&self.name, Direction::Received, format!("MALFORMED: {e}"), bytes);
                Err(BrokerFault(format!("the broker sent bytes the strict decoder refuses: {e}")))
            }
        }
    }

    /// Waits up to `timeout` for the next packet or the close.
    pub async fn recv(&mut self, timeout: Duration) -> Result<Event, BrokerFault> {
        match self.recv_frame(timeout).await? {
            Frame::Bytes(b) => self.decode(&b).map(Event::Packet),
            Frame::Closed => Ok(Event::Closed),
            Frame::Timeout => Ok(Event::Timeout),
        }
    }
}
