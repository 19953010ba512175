//! Transports (MQTT 3.1.1 §4.2 and §6, MQTT 5.0 §4.2 and §6): TCP, TLS, and MQTT over
//! WebSocket. Everything above this module sees an ordered byte stream; WebSocket
//! binary frames are bridged to one.

use futures_util::{SinkExt, StreamExt};
use std::path::Path;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio_rustls::rustls;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

use crate::mutants::Behaviour as M;

/// The WebSocket subprotocol MQTT uses (MQTT-6.0.0-3 MQTT-6.0.0-4 (both)).
pub const WS_SUBPROTOCOL: &str = "mqtt";

/// A crypto provider without global state.
pub fn crypto_provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS server configuration from PEM files.
pub fn tls_server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, String> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("{}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", cert.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate", cert.display()));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| format!("{}: {e}", key.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("certificate and key: {e}"))?;
    Ok(Arc::new(config))
}

/// Accepts a WebSocket upgrade that offers the `mqtt` subprotocol and selects it
/// (MQTT-6.0.0-3 MQTT-6.0.0-4 (both)), then bridges it to a byte stream. `m` is the
/// configured behaviour mutant, if any: the WebSocket ones act here.
pub async fn accept_websocket<S>(stream: S, m: Option<M>) -> Option<DuplexStream>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
    use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
    // The callback's signature is tungstenite's; its error type is large by design.
    #[allow(clippy::result_large_err)]
    let callback = |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
        let offered: Vec<String> = req
            .headers()
            .get_all("Sec-WebSocket-Protocol")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|p| p.trim().to_string())
            .collect();
        if !offered.iter().any(|p| p.eq_ignore_ascii_case(WS_SUBPROTOCOL)) {
            let mut refuse = ErrorResponse::new(Some("the mqtt subprotocol is required".into()));
            *refuse.status_mut() = StatusCode::BAD_REQUEST;
            return Err(refuse);
        }
        // MQTT-6.0.0-4 (both): the subprotocol selected is "mqtt", whatever else the
        // client offers, and before it.
        let selected = match m {
            Some(M::WsNoSubprotocol) => None,
            Some(M::WsFirstSubprotocol) => HeaderValue::from_str(&offered[0]).ok(),
            _ => Some(HeaderValue::from_static(WS_SUBPROTOCOL)),
        };
        if let Some(selected) = selected {
            resp.headers_mut().insert("Sec-WebSocket-Protocol", selected);
        }
        Ok(resp)
    };
    let ws = tokio_tungstenite::accept_hdr_async(stream, callback).await.ok()?;
    Some(bridge_websocket(ws, m))
}

/// Bridges a WebSocket carrying MQTT in binary frames (MQTT-6.0.0-1 (both)) to a byte
/// stream. The returned end reads what arrives in binary frames, wherever the frames
/// cut the packets (MQTT-6.0.0-2 (both)), and writes whole binary frames; a text
/// frame ends the connection (MQTT-6.0.0-1 (both)).
pub fn bridge_websocket<S>(ws: WebSocketStream<S>, m: Option<M>) -> DuplexStream
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (app, bridge) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        let (mut ws_tx, mut ws_rx) = ws.split();
        let (mut rd, mut wr) = tokio::io::split(bridge);
        let outbound = async {
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                match rd.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if ws_tx.send(Message::Binary(buf[..n].to_vec().into())).await.is_err() {
                            break;
                        }
                    }
                }
            }
            let _ = ws_tx.close().await;
        };
        let inbound = async {
            while let Some(Ok(msg)) = ws_rx.next().await {
                let bytes = match msg {
                    Message::Binary(b) => b,
                    // MQTT-6.0.0-1 (both): any other data frame closes the connection.
                    Message::Text(t) if m == Some(M::WsTextFramesAccepted) => t.into(),
                    Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
                    Message::Text(_) | Message::Close(_) => break,
                };
                let Some(bytes) = one_packet_per_frame(bytes, m) else { break };
                if wr.write_all(&bytes).await.is_err() {
                    break;
                }
            }
            let _ = wr.shutdown().await;
        };
        tokio::select! {
            _ = outbound => {}
            _ = inbound => {}
        }
    });
    app
}

/// MQTT-6.0.0-2 (both): frames need not align with packets. The mutants that assume
/// they do cut a frame to its first packet, or end the connection (`None`) when a
/// frame holds only part of one.
fn one_packet_per_frame(bytes: bytes::Bytes, m: Option<M>) -> Option<bytes::Bytes> {
    if !matches!(m, Some(M::WsPartialFrameRefused | M::WsExtraPacketsDropped)) {
        return Some(bytes);
    }
    use mqttspec_codec::{Frame, Version, check_frame};
    match check_frame(&bytes, u32::MAX, Version::V5) {
        Ok(Frame::Complete { len, .. }) if m == Some(M::WsExtraPacketsDropped) => Some(bytes.slice(..len)),
        Ok(Frame::Complete { .. }) => Some(bytes),
        _ if m == Some(M::WsPartialFrameRefused) => None,
        _ => Some(bytes),
    }
}
