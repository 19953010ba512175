//! Where scenarios run: the embedded reference broker, or a broker reached over TCP,
//! TLS, or WebSocket (MQTT 3.1.1 / 5.0 §6).

use super::ws::{self, FrameSender, UpgradeError};
use crate::version::Version;
use mqttspec_broker::transport::crypto_provider;
use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, ClientConfig};

/// Anything a client can talk MQTT over.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}

/// How to verify a TLS server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM file with the CA certificate(s) to trust.
    pub ca: Option<PathBuf>,
    /// Accept any certificate (testing only).
    pub insecure: bool,
}

/// Where scenarios run.
#[derive(Clone)]
pub enum Target {
    /// The reference broker, started in-process on a loopback port.
    Embedded,
    /// A broker reached over the network.
    Remote(Remote),
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::Embedded => f.write_str("embedded"),
            Target::Remote(r) => write!(f, "{:?}", r.connector),
        }
    }
}

/// User name and password every CONNECT carries unless the scenario sets its own
/// (for brokers that refuse clients without them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

impl Login {
    /// Adds the credentials to a CONNECT that has neither user name nor password.
    pub fn apply(&self, connect: &mut mqttspec_codec::Connect) {
        if connect.username.is_none() && connect.password.is_none() {
            connect.username = Some(self.username.as_str().into());
            connect.password = Some(bytes::Bytes::copy_from_slice(self.password.as_bytes()));
        }
    }
}

/// A broker over the network: how to reach it (per MQTT version, for brokers with a
/// listener per version) and how to log in.
#[derive(Debug, Clone)]
pub struct Remote {
    /// Where clients connect.
    pub connector: Connector,
    /// Other addresses for some versions.
    pub per_version: BTreeMap<Version, Connector>,
    /// Credentials for CONNECTs without their own.
    pub login: Option<Login>,
    /// Credentials for the capability probe alone, where the broker refuses anonymous
    /// clients and the cases must stay anonymous (a configuration testing refusals).
    pub probe_login: Option<Box<Login>>,
    /// A WebSocket listener beside the main one, if the target has one (§6).
    pub websocket: Option<Box<Connector>>,
}

impl Remote {
    /// One address for every version, no credentials.
    pub fn single(connector: Connector) -> Remote {
        Remote { connector, per_version: BTreeMap::new(), login: None, probe_login: None, websocket: None }
    }

    /// Where clients of `version` connect.
    pub fn connector(&self, version: Version) -> &Connector {
        self.per_version.get(&version).unwrap_or(&self.connector)
    }
}

impl Target {
    /// A plain TCP target.
    pub fn tcp(addr: SocketAddr) -> Target {
        Target::Remote(Remote::single(Connector::Tcp(addr)))
    }

    /// Parses `embedded`, `tcp://host:port`, `tls://host:port`, `ws://host:port/path`
    /// or `wss://host:port/path`.
    pub fn parse(s: &str, tls: &TlsOptions) -> Result<Target, String> {
        if s == "embedded" {
            return Ok(Target::Embedded);
        }
        let (scheme, rest) = s.split_once("://").ok_or_else(|| {
            format!("target {s:?}: expected embedded, tcp://host:port, tls://host:port, ws://host:port/path or wss://...")
        })?;
        // The usual port of each scheme, for the message when none is given.
        let usual = match scheme {
            "tcp" => 1883,
            "tls" => 8883,
            "ws" => 80,
            "wss" => 443,
            _ => {
                return Err(format!(
                    "target {s:?}: unknown scheme {scheme:?}: expected tcp://, tls://, ws:// or wss:// (or embedded, process:<profile>, container:IMAGE)"
                ));
            }
        };
        let (hostport, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        let port = hostport.rsplit_once(':').map(|(_, p)| p).filter(|p| !p.contains(']'));
        match port {
            None | Some("") => {
                return Err(format!(
                    "target {s:?}: no port: write {scheme}://{}:PORT (MQTT over {scheme} usually listens on {usual})",
                    hostport.trim_end_matches(':')
                ));
            }
            Some(p) if p.parse::<u16>().is_err() => {
                return Err(format!("target {s:?}: port {p:?} is not a number from 0 to 65535"));
            }
            Some(_) => {}
        }
        let addr = hostport
            .to_socket_addrs()
            .map_err(|e| format!("target {s:?}: cannot resolve {hostport:?}: {e}"))?
            .next()
            .ok_or_else(|| format!("target {s:?}: {hostport:?} resolves to no address"))?;
        let host =
            hostport.rsplit_once(':').map_or(hostport, |(h, _)| h).trim_matches(['[', ']']).to_string();
        let tls_config = || client_config(tls).map_err(|e| format!("target {s:?}: {e}"));
        let server_name = || {
            rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| format!("target {s:?}: {e}"))
        };
        Ok(Target::Remote(Remote::single(match scheme {
            "tcp" => Connector::Tcp(addr),
            "tls" => Connector::Tls { addr, server_name: server_name()?, config: tls_config()? },
            "ws" => Connector::Ws { addr, url: format!("ws://{hostport}{path}"), tls: None },
            _ => Connector::Ws {
                addr,
                url: format!("wss://{hostport}{path}"),
                tls: Some((server_name()?, tls_config()?)),
            },
        })))
    }
}

/// How a client reaches a broker.
#[derive(Clone)]
pub enum Connector {
    /// Plain TCP.
    Tcp(SocketAddr),
    /// TLS over TCP.
    Tls {
        /// Address.
        addr: SocketAddr,
        /// Name the certificate must carry.
        server_name: rustls::pki_types::ServerName<'static>,
        /// Verification settings.
        config: Arc<ClientConfig>,
    },
    /// WebSocket (over TLS when `tls` is set), subprotocol `mqtt`.
    Ws {
        /// Address.
        addr: SocketAddr,
        /// Full URL for the upgrade request.
        url: String,
        /// TLS, for `wss://`.
        tls: Option<(rustls::pki_types::ServerName<'static>, Arc<ClientConfig>)>,
    },
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Connector::Tcp(a) => write!(f, "tcp://{a}"),
            Connector::Tls { addr, .. } => write!(f, "tls://{addr}"),
            Connector::Ws { url, .. } => f.write_str(url),
        }
    }
}

/// An open connection, and for a WebSocket the sender of frames of the case's own.
#[allow(missing_debug_implementations)] // a boxed stream has nothing to show
pub struct Opened {
    /// The byte stream MQTT goes over.
    pub stream: Box<dyn Transport>,
    /// WebSocket only: sends frames in order with the stream's writes.
    pub frames: Option<FrameSender>,
}

/// Why a connection could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The target cannot be reached: nothing a case can judge.
    Unreachable(String),
    /// The target answered against the spec (a WebSocket subprotocol other than
    /// `mqtt`, MQTT-6.0.0-4).
    Broker(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Unreachable(s) | OpenError::Broker(s) => f.write_str(s),
        }
    }
}

impl Connector {
    /// Opens a connection ready for MQTT bytes.
    pub async fn connect(&self) -> Result<Box<dyn Transport>, String> {
        self.open(&[]).await.map(|o| o.stream).map_err(|e| e.to_string())
    }

    /// Whether this connector speaks WebSocket.
    pub fn is_websocket(&self) -> bool {
        matches!(self, Connector::Ws { .. })
    }

    /// Opens a connection; over WebSocket, offering `subprotocols` (`mqtt` when empty).
    pub async fn open(&self, subprotocols: &[String]) -> Result<Opened, OpenError> {
        let unreachable = OpenError::Unreachable;
        let plain = |stream: Box<dyn Transport>| Opened { stream, frames: None };
        match self {
            Connector::Tcp(addr) => {
                let s = TcpStream::connect(addr)
                    .await
                    .map_err(|e| unreachable(format!("connecting to {addr}: {e}")))?;
                let _ = s.set_nodelay(true);
                Ok(plain(Box::new(s)))
            }
            Connector::Tls { addr, server_name, config } => {
                let s = TcpStream::connect(addr)
                    .await
                    .map_err(|e| unreachable(format!("connecting to {addr}: {e}")))?;
                let _ = s.set_nodelay(true);
                let tls = TlsConnector::from(config.clone())
                    .connect(server_name.clone(), s)
                    .await
                    .map_err(|e| unreachable(format!("TLS handshake with {addr}: {e}")))?;
                Ok(plain(Box::new(tls)))
            }
            Connector::Ws { addr, url, tls } => {
                let s = TcpStream::connect(addr)
                    .await
                    .map_err(|e| unreachable(format!("connecting to {addr}: {e}")))?;
                let _ = s.set_nodelay(true);
                let upgraded = match tls {
                    None => ws::upgrade(url, s, subprotocols).await,
                    Some((name, config)) => {
                        let t = TlsConnector::from(config.clone())
                            .connect(name.clone(), s)
                            .await
                            .map_err(|e| unreachable(format!("TLS handshake with {addr}: {e}")))?;
                        ws::upgrade(url, t, subprotocols).await
                    }
                };
                match upgraded {
                    Ok((stream, frames)) => Ok(Opened { stream: Box::new(stream), frames: Some(frames) }),
                    Err(UpgradeError::Unreachable(e)) => Err(unreachable(e)),
                    Err(UpgradeError::Broker(e)) => Err(OpenError::Broker(e)),
                }
            }
        }
    }
}

/// A TLS client configuration from the options.
pub fn client_config(opts: &TlsOptions) -> Result<Arc<ClientConfig>, String> {
    let builder = ClientConfig::builder_with_provider(crypto_provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let config = if opts.insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate))
            .with_no_client_auth()
    } else {
        let Some(ca) = &opts.ca else {
            return Err("a TLS target needs --ca FILE (or --insecure)".into());
        };
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls::pki_types::CertificateDer::pem_file_iter(ca)
            .map_err(|e| format!("{}: {e}", ca.display()))?
        {
            roots
                .add(cert.map_err(|e| format!("{}: {e}", ca.display()))?)
                .map_err(|e| format!("{}: {e}", ca.display()))?;
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// `--insecure`: accepts any server certificate, still checking handshake signatures.
#[derive(Debug)]
struct AcceptAnyCertificate;

impl rustls::client::danger::ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let algs = crypto_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls12_signature(message, cert, dss, &algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        let algs = crypto_provider().signature_verification_algorithms;
        rustls::crypto::verify_tls13_signature(message, cert, dss, &algs)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        crypto_provider().signature_verification_algorithms.supported_schemes()
    }
}
