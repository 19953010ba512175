//! The tokio driver: accepts TCP, TLS and WebSocket connections, frames and decodes bytes with the strict
//! codec, feeds the core, writes what it says, and wakes it for its timers.
//!
//! One task per connection reads; a second writes from a bounded queue, so a slow
//! reader on one connection never blocks the core or other clients (a connection
//! whose queue fills is dropped as a stalled consumer).

use crate::Config;
use crate::config::{ListenerConfig, ListenerKind};
use crate::core::{Action, Broker, ConnId, Input};
use crate::transport;
use bytes::BytesMut;
use mqttspec_codec::{Packet, StreamDecoder};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

enum Outgoing {
    Bytes(bytes::Bytes),
    Close,
}

struct Shared {
    core: Mutex<Broker>,
    writers: Mutex<HashMap<ConnId, mpsc::Sender<Outgoing>>>,
    start: Instant,
    timer: Notify,
    next_conn: AtomicU64,
    outgoing_buffer: usize,
    max_packet_size: u32,
    /// The rule a decoder mutant skips; never one without the `mutants` feature.
    decode_skip: Option<mqttspec_codec::Rule>,
    /// The `protocol-error-ignored` mutant: read on past a packet the decoder refused;
    /// never without the `mutants` feature.
    ignore_errors: bool,
    /// The configured behaviour mutant, for the WebSocket bridge; never one without
    /// the `mutants` feature.
    behaviour: Option<crate::mutants::Behaviour>,
}

/// The configured behaviour mutant, if one is configured.
fn behaviour(config: &Config) -> Option<crate::mutants::Behaviour> {
    #[cfg(feature = "mutants")]
    if let Some(crate::mutants::Fault::Behaviour(b)) =
        config.mutant.as_deref().and_then(crate::mutants::fault)
    {
        return Some(b);
    }
    let _ = config;
    None
}

/// Whether the configured mutant ignores protocol errors (`protocol-error-ignored`).
fn ignore_errors(config: &Config) -> bool {
    behaviour(config) == Some(crate::mutants::Behaviour::ProtocolErrorIgnored)
}

/// The rule the configured decoder mutant skips, if one is configured.
fn decode_skip(config: &Config) -> Option<mqttspec_codec::Rule> {
    #[cfg(feature = "mutants")]
    if let Some(crate::mutants::Fault::Decoder(rule)) =
        config.mutant.as_deref().and_then(crate::mutants::fault)
    {
        return Some(rule);
    }
    let _ = config;
    None
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one connection's task must not take the broker down with it.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    fn now(&self) -> std::time::Duration {
        Instant::now().duration_since(self.start)
    }

    /// Feeds the core and carries out what it returns (and what that causes).
    fn feed(&self, input: Input) {
        let mut pending = vec![input];
        while let Some(input) = pending.pop() {
            let actions = lock(&self.core).handle(self.now(), input);
            for action in actions {
                if let Some(stalled) = self.apply(action) {
                    pending.push(Input::Lost(stalled));
                }
            }
        }
        self.timer.notify_one();
    }

    /// Queues `bytes` for `conn`; returns it if it could not take more output.
    fn write(&self, conn: ConnId, bytes: bytes::Bytes) -> Option<ConnId> {
        let mut writers = lock(&self.writers);
        let tx = writers.get(&conn)?;
        match tx.try_send(Outgoing::Bytes(bytes)) {
            Ok(()) => None,
            Err(mpsc::error::TrySendError::Full(_)) => {
                // Its writer goes now, so that the rest of a burst (the retained
                // messages of a `#` subscription, say) neither queues nor warns again.
                writers.remove(&conn);
                tracing::warn!(conn, "outgoing queue full: dropping stalled consumer");
                Some(conn)
            }
            Err(mpsc::error::TrySendError::Closed(_)) => None,
        }
    }

    /// Returns a connection that could not take more output.
    fn apply(&self, action: Action) -> Option<ConnId> {
        match action {
            Action::Send { conn, version, packet } => {
                let bytes = match packet.to_bytes(version) {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::error!(conn, %e, "core produced a packet the codec cannot encode");
                        return None;
                    }
                };
                tracing::trace!(conn, ?packet, "send");
                self.write(conn, bytes)
            }
            Action::SendRaw { conn, bytes } => {
                tracing::trace!(conn, len = bytes.len(), "send raw bytes");
                self.write(conn, bytes)
            }
            Action::Close(conn) => {
                if let Some(tx) = lock(&self.writers).remove(&conn) {
                    // Close travels behind the packets already queued; if the queue is
                    // full, dropping the sender ends the writer too.
                    let _ = tx.try_send(Outgoing::Close);
                }
                None
            }
        }
    }
}

/// A bound listener, ready to serve.
pub enum Listener {
    /// MQTT over TCP.
    Tcp(TcpListener),
    /// MQTT over TLS.
    Tls(TcpListener, TlsAcceptor),
    /// MQTT over WebSocket.
    Ws(TcpListener),
    /// MQTT over WebSocket over TLS.
    Wss(TcpListener, TlsAcceptor),
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, l) = match self {
            Listener::Tcp(l) => ("tcp", l),
            Listener::Tls(l, _) => ("tls", l),
            Listener::Ws(l) => ("ws", l),
            Listener::Wss(l, _) => ("wss", l),
        };
        match l.local_addr() {
            Ok(a) => write!(f, "{kind}://{a}"),
            Err(_) => write!(f, "{kind}://(unbound)"),
        }
    }
}

impl Listener {
    fn tcp(&self) -> &TcpListener {
        match self {
            Listener::Tcp(l) | Listener::Tls(l, _) | Listener::Ws(l) | Listener::Wss(l, _) => l,
        }
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.tcp().local_addr()
    }
}

/// Binds every configured listener (certificates are loaded here, so a bad file is
/// reported before anything is served).
pub async fn bind_listeners(configs: &[ListenerConfig]) -> Result<Vec<Listener>, String> {
    let mut out = Vec::new();
    for c in configs {
        let tcp = TcpListener::bind(c.address).await.map_err(|e| format!("{}: {e}", c.address))?;
        let acceptor = || -> Result<TlsAcceptor, String> {
            let (Some(cert), Some(key)) = (&c.cert, &c.key) else {
                return Err(format!("{}: tls and wss listeners need cert and key", c.address));
            };
            Ok(TlsAcceptor::from(transport::tls_server_config(cert, key)?))
        };
        out.push(match c.kind {
            ListenerKind::Tcp => Listener::Tcp(tcp),
            ListenerKind::Tls => Listener::Tls(tcp, acceptor()?),
            ListenerKind::Ws => Listener::Ws(tcp),
            ListenerKind::Wss => Listener::Wss(tcp, acceptor()?),
        });
    }
    Ok(out)
}

/// A running broker.
#[derive(Debug)]
pub struct BrokerHandle {
    local_addrs: Vec<SocketAddr>,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl BrokerHandle {
    /// Binds `addr` (use port 0 in tests) and starts serving plain TCP.
    pub async fn start(config: Config, addr: SocketAddr) -> std::io::Result<BrokerHandle> {
        let listener = TcpListener::bind(addr).await?;
        Ok(BrokerHandle::serve(config, vec![Listener::Tcp(listener)]))
    }

    /// Binds the listeners of `config` and starts serving.
    pub async fn start_configured(config: Config) -> Result<BrokerHandle, String> {
        let listeners = bind_listeners(&config.listeners).await?;
        if listeners.is_empty() {
            return Err("no listeners configured".into());
        }
        Ok(BrokerHandle::serve(config, listeners))
    }

    fn serve(config: Config, listeners: Vec<Listener>) -> BrokerHandle {
        let local_addrs = listeners.iter().filter_map(|l| l.local_addr().ok()).collect();
        let (shutdown, rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut rx = rx;
            run_listeners(listeners, config, async move {
                let _ = rx.wait_for(|stop| *stop).await;
            })
            .await;
        });
        BrokerHandle { local_addrs, shutdown, task }
    }

    /// Where the first listener listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addrs[0]
    }

    /// Where every listener listens, in configuration order.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.local_addrs
    }

    /// Stops accepting, closes every connection, and waits for the broker to end.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}

/// Serves MQTT on `listener` until `shutdown` completes. The caller binds, so tests
/// can use `127.0.0.1:0`.
pub async fn run(listener: TcpListener, config: Config, shutdown: impl Future<Output = ()>) {
    run_listeners(vec![Listener::Tcp(listener)], config, shutdown).await;
}

/// How long a TLS or WebSocket handshake may take.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves MQTT on every listener until `shutdown` completes.
pub async fn run_listeners(listeners: Vec<Listener>, config: Config, shutdown: impl Future<Output = ()>) {
    let shared = Arc::new(Shared {
        outgoing_buffer: config.outgoing_buffer,
        max_packet_size: config.max_packet_size,
        decode_skip: decode_skip(&config),
        ignore_errors: ignore_errors(&config),
        behaviour: behaviour(&config),
        core: Mutex::new(Broker::with_seed(config, seed())),
        writers: Mutex::new(HashMap::new()),
        start: Instant::now(),
        timer: Notify::new(),
        next_conn: AtomicU64::new(1),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let timer = tokio::spawn(timers(shared.clone(), stop_rx.clone()));
    let mut accept_loops = Vec::new();
    for listener in listeners {
        accept_loops.push(tokio::spawn(accept_loop(shared.clone(), listener, stop_rx.clone())));
    }
    shutdown.await;
    let _ = stop_tx.send(true);
    for l in accept_loops {
        let _ = l.await;
    }
    let _ = timer.await;
    lock(&shared.writers).clear();
}

async fn accept_loop(shared: Arc<Shared>, listener: Listener, mut stop: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            a = listener.tcp().accept() => a,
            _ = stop.changed() => return,
        };
        let (stream, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(%e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(conn = id, %peer, "accepted");
        let shared = shared.clone();
        let stop = stop.clone();
        match &listener {
            Listener::Tcp(_) => {
                tokio::spawn(connection(shared, id, stream, stop));
            }
            Listener::Tls(_, acceptor) => {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => connection(shared, id, tls, stop).await,
                        _ => tracing::debug!(conn = id, "TLS handshake failed"),
                    }
                });
            }
            Listener::Ws(_) => {
                let m = shared.behaviour;
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, transport::accept_websocket(stream, m))
                        .await
                    {
                        Ok(Some(ws)) => connection(shared, id, ws, stop).await,
                        _ => tracing::debug!(conn = id, "WebSocket handshake failed"),
                    }
                });
            }
            Listener::Wss(_, acceptor) => {
                let (acceptor, m) = (acceptor.clone(), shared.behaviour);
                tokio::spawn(async move {
                    let handshake = async {
                        let tls = acceptor.accept(stream).await.ok()?;
                        transport::accept_websocket(tls, m).await
                    };
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                        Ok(Some(ws)) => connection(shared, id, ws, stop).await,
                        _ => tracing::debug!(conn = id, "TLS/WebSocket handshake failed"),
                    }
                });
            }
        }
    }
}

async fn timers(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        let wake = lock(&shared.core).next_wake();
        let sleep = async {
            match wake {
                Some(at) => tokio::time::sleep_until(shared.start + at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            _ = sleep => shared.feed(Input::Tick),
            _ = shared.timer.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

async fn connection<S>(shared: Arc<Shared>, id: ConnId, stream: S, mut stop: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    let (tx, mut rx) = mpsc::channel::<Outgoing>(shared.outgoing_buffer);
    lock(&shared.writers).insert(id, tx);
    let writer_task = tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            match out {
                Outgoing::Bytes(b) => {
                    if writer.write_all(&b).await.is_err() {
                        break;
                    }
                }
                Outgoing::Close => break,
            }
        }
        let _ = writer.shutdown().await;
    });
    shared.feed(Input::Open(id));

    let mut decoder = StreamDecoder::server(shared.max_packet_size);
    if let Some(rule) = shared.decode_skip {
        decoder = decoder.skipping(rule);
    }
    let mut buf = BytesMut::with_capacity(4096);
    'read: loop {
        // Only as many bytes as the frame needs are buffered; the decoder refuses an
        // oversized packet from its header.
        tokio::select! {
            read = reader.read_buf(&mut buf) => match read {
                Ok(0) | Err(_) => {
                    shared.feed(Input::Lost(id));
                    break 'read;
                }
                Ok(_) => {}
            },
            _ = stop.changed() => break 'read,
        }
        loop {
            let before = buf.len();
            // Before the CONNECT is read, the version its bytes declare: a fault the
            // decoder meets before the protocol level is answered in that layout.
            let declared = decoder.version().is_none().then(|| declared_version(&buf));
            match decoder.decode(&mut buf) {
                Ok(Some(packet)) => {
                    tracing::trace!(conn = id, ?packet, "received");
                    let is_disconnect = matches!(packet, Packet::Disconnect(_));
                    shared.feed(Input::Packet(id, packet));
                    if is_disconnect || !lock(&shared.writers).contains_key(&id) {
                        break 'read;
                    }
                }
                Ok(None) => break,
                Err(mut violation) => {
                    // MQTT-3.1.4-1 (3.1.1): a 3.1.1 (or 3.1) CONNECT at fault is closed
                    // without CONNACK, so never answered as 5.0 because the decoder had
                    // not reached the protocol level yet.
                    if let Some(v) = declared {
                        violation.version = v;
                    }
                    tracing::debug!(conn = id, %violation, "refused");
                    shared.feed(Input::Invalid(id, violation));
                    // MQTT-4.8.0-1 (3.1.1), MQTT-4.13.1-1 (5.0): the connection ends here.
                    // The mutant skips the refused packet, when its frame was whole, and
                    // reads on while the core keeps the connection.
                    let skipped = buf.len() < before;
                    if shared.ignore_errors && skipped && lock(&shared.writers).contains_key(&id) {
                        continue;
                    }
                    break 'read;
                }
            }
        }
        if !lock(&shared.writers).contains_key(&id) {
            break;
        }
    }
    // Whatever ended the read side, the core must forget the connection.
    shared.feed(Input::Lost(id));
    let _ = writer_task.await;
}

/// The version a connection's first bytes declare: from the CONNECT's protocol name
/// and level (an unknown level as the nearest version, as the codec reads it), or
/// 3.1.1 when they do not hold one. 3.1.1 is the safe answer to an unreadable CONNECT:
/// a 3.1.1 server closes without CONNACK where 5.0 would explain.
fn declared_version(buf: &[u8]) -> mqttspec_codec::Version {
    use mqttspec_codec::Version;
    let read = || -> Option<Version> {
        if buf.first()? >> 4 != 1 {
            return None;
        }
        // Remaining Length: up to four bytes, the last without the continuation bit.
        let len_bytes = buf.iter().skip(1).take(4).position(|b| b & 0x80 == 0)? + 1;
        let body = buf.get(1 + len_bytes..)?;
        let name_len = usize::from(u16::from_be_bytes([*body.first()?, *body.get(1)?]));
        let name = body.get(2..2 + name_len)?;
        let level = *body.get(2 + name_len)?;
        Version::from_name_and_level(name, level).or(Some(if level >= 5 {
            Version::V5
        } else {
            Version::V3_1_1
        }))
    };
    read().unwrap_or(Version::V3_1_1)
}

/// 32 bytes from the operating system for the core's SCRAM nonces. Without them the
/// nonces would repeat across restarts, so a failure to get them is fatal.
fn seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).expect("the operating system provides random bytes");
    seed
}
