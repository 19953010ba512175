//! A scenario client's WebSocket (MQTT 3.1.1 / 5.0 §6): the upgrade with the
//! subprotocols a case offers, the check of the one the server selects
//! (MQTT-6.0.0-4), and a byte stream whose writes each go out as one binary frame,
//! beside a [`FrameSender`] through which a case sends frames cut or typed as it
//! chooses (MQTT-6.0.0-1, MQTT-6.0.0-2). Both use one queue, so frames keep the order
//! in which the case wrote them.

use futures_util::{SinkExt, StreamExt};
use mqttspec_broker::transport::WS_SUBPROTOCOL;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, DuplexStream, ReadBuf};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{self, Message};

/// Sends WebSocket messages on a client's connection, in order with its writes.
pub type FrameSender = mpsc::UnboundedSender<Message>;

/// Why an upgrade failed, and whose fault it is.
#[derive(Debug)]
pub enum UpgradeError {
    /// The server cannot be talked to (no upgrade, wrong path, I/O).
    Unreachable(String),
    /// The server upgraded but broke §6: no subprotocol, or one other than `mqtt`.
    Broker(String),
}

/// The client end of an MQTT WebSocket: reads what arrives in binary frames; each
/// write is one binary frame.
#[derive(Debug)]
pub struct WsStream {
    incoming: DuplexStream,
    outgoing: Option<FrameSender>,
}

/// Upgrades `stream` at `url`, offering `subprotocols` (`mqtt` alone when empty,
/// MQTT-6.0.0-3), and checks the server selected `mqtt` (MQTT-6.0.0-4).
pub async fn upgrade<S>(
    url: &str,
    stream: S,
    subprotocols: &[String],
) -> Result<(WsStream, FrameSender), UpgradeError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    use tungstenite::client::IntoClientRequest;
    use tungstenite::error::{Error, ProtocolError};
    use tungstenite::http::HeaderValue;
    let mut req = url.into_client_request().map_err(|e| UpgradeError::Unreachable(format!("{url}: {e}")))?;
    let offered = if subprotocols.is_empty() { WS_SUBPROTOCOL.to_string() } else { subprotocols.join(", ") };
    let header = HeaderValue::from_str(&offered)
        .map_err(|e| UpgradeError::Unreachable(format!("subprotocols {offered:?}: {e}")))?;
    req.headers_mut().insert("Sec-WebSocket-Protocol", header);
    let (ws, resp) = match tokio_tungstenite::client_async(req, stream).await {
        Ok(x) => x,
        Err(Error::Protocol(ProtocolError::SecWebSocketSubProtocolError(e))) => {
            return Err(UpgradeError::Broker(format!(
                "{url}: offered subprotocols {offered:?}, the server's answer breaks MQTT-6.0.0-4: {e}"
            )));
        }
        Err(e) => return Err(UpgradeError::Unreachable(format!("WebSocket upgrade at {url}: {e}"))),
    };
    let chosen = resp.headers().get("Sec-WebSocket-Protocol").and_then(|v| v.to_str().ok());
    if chosen != Some(WS_SUBPROTOCOL) {
        return Err(UpgradeError::Broker(format!(
            "{url}: offered subprotocols {offered:?}, the server selected {chosen:?}, not \"mqtt\" (MQTT-6.0.0-4)"
        )));
    }
    let (incoming, bridge) = tokio::io::duplex(64 * 1024);
    let (tx, mut rx) = mpsc::unbounded_channel::<Message>();
    tokio::spawn(async move {
        let (mut ws_tx, mut ws_rx) = ws.split();
        let mut wr = bridge;
        let outbound = async move {
            while let Some(m) = rx.recv().await {
                let close = matches!(m, Message::Close(_));
                if ws_tx.send(m).await.is_err() || close {
                    break;
                }
            }
            let _ = ws_tx.close().await;
        };
        let inbound = async move {
            // A server's text frame breaks MQTT-6.0.0-1: the client closes, which the
            // case sees as the connection ending.
            while let Some(Ok(msg)) = ws_rx.next().await {
                let b = match msg {
                    Message::Binary(b) => b,
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                    Message::Text(_) | Message::Close(_) => break,
                };
                if wr.write_all(&b).await.is_err() {
                    break;
                }
            }
            let _ = wr.shutdown().await;
        };
        // Once the client is done sending, the server has a while to close; a
        // server that never does cannot keep the task alive.
        let linger = async {
            outbound.await;
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        };
        tokio::select! {
            _ = inbound => {}
            _ = linger => {}
        }
    });
    Ok((WsStream { incoming, outgoing: Some(tx.clone()) }, tx))
}

impl AsyncRead for WsStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().incoming).poll_read(cx, buf)
    }
}

impl AsyncWrite for WsStream {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let closed = || std::io::Error::new(std::io::ErrorKind::BrokenPipe, "WebSocket closed");
        let Some(tx) = &self.outgoing else { return Poll::Ready(Err(closed())) };
        match tx.send(Message::Binary(buf.to_vec().into())) {
            Ok(()) => Poll::Ready(Ok(buf.len())),
            Err(_) => Poll::Ready(Err(closed())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        // The case's frame sender may still hold the queue open; a close frame ends
        // the connection whatever holds it.
        if let Some(tx) = self.get_mut().outgoing.take() {
            let _ = tx.send(Message::Close(None));
        }
        Poll::Ready(Ok(()))
    }
}
