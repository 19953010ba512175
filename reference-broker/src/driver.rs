//! The tokio driver: accepts TCP connections, frames and decodes bytes with the strict
//! codec, feeds the core, writes what it says, and wakes it for its timers.
//!
//! One task per connection reads; a second writes from a bounded queue, so a slow
//! reader on one connection never blocks the core or other clients (a connection
//! whose queue fills is dropped as a stalled consumer).

use crate::Config;
use crate::core::{Action, Broker, ConnId, Input};
use bytes::BytesMut;
use mqttspec_codec::{Packet, StreamDecoder};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;

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
                let writers = lock(&self.writers);
                let tx = writers.get(&conn)?;
                match tx.try_send(Outgoing::Bytes(bytes)) {
                    Ok(()) => None,
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        tracing::warn!(conn, "outgoing queue full: dropping stalled consumer");
                        Some(conn)
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => None,
                }
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

/// A running broker.
#[derive(Debug)]
pub struct BrokerHandle {
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl BrokerHandle {
    /// Binds `addr` (use port 0 in tests) and starts serving.
    pub async fn start(config: Config, addr: SocketAddr) -> std::io::Result<BrokerHandle> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let (shutdown, rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut rx = rx;
            run(listener, config, async move {
                let _ = rx.wait_for(|stop| *stop).await;
            })
            .await;
        });
        Ok(BrokerHandle { local_addr, shutdown, task })
    }

    /// Where the broker listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
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
    let shared = Arc::new(Shared {
        outgoing_buffer: config.outgoing_buffer,
        max_packet_size: config.max_packet_size,
        core: Mutex::new(Broker::new(config)),
        writers: Mutex::new(HashMap::new()),
        start: Instant::now(),
        timer: Notify::new(),
        next_conn: AtomicU64::new(1),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let timer = tokio::spawn(timers(shared.clone(), stop_rx.clone()));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let id = shared.next_conn.fetch_add(1, Ordering::Relaxed);
                    tracing::debug!(conn = id, %peer, "accepted");
                    tokio::spawn(connection(shared.clone(), id, stream, stop_rx.clone()));
                }
                Err(e) => {
                    tracing::warn!(%e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    }
    let _ = stop_tx.send(true);
    let _ = timer.await;
    lock(&shared.writers).clear();
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

async fn connection(shared: Arc<Shared>, id: ConnId, stream: TcpStream, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
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
                Err(violation) => {
                    tracing::debug!(conn = id, %violation, "refused");
                    shared.feed(Input::Invalid(id, violation));
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
