//! Broker configuration: one YAML file, every field optional, unknown fields refused.
//!
//! Whatever is configured here is what the broker advertises in a 5.0 CONNACK, so a
//! test client can discover capabilities from the wire.

use crate::acl;
use crate::auth::{Users, UsersError};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Transport of a listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListenerKind {
    /// MQTT over TCP.
    Tcp,
    /// MQTT over TLS (needs `cert` and `key`).
    Tls,
    /// MQTT over WebSocket (§6).
    Ws,
    /// MQTT over WebSocket over TLS (needs `cert` and `key`).
    Wss,
}

/// One listener.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ListenerConfig {
    /// Transport.
    pub kind: ListenerKind,
    /// Address to bind (port 0 picks a free port).
    pub address: SocketAddr,
    /// PEM certificate chain, for `tls` and `wss`.
    #[serde(default)]
    pub cert: Option<PathBuf>,
    /// PEM private key, for `tls` and `wss`.
    #[serde(default)]
    pub key: Option<PathBuf>,
}

/// Limits and capabilities of the broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default, rename_all = "kebab-case")]
pub struct Config {
    /// Listeners (`mqttspec broker --listen` adds a TCP one).
    pub listeners: Vec<ListenerConfig>,
    /// Accept clients without user name (and, in 5.0, without enhanced authentication).
    pub allow_anonymous: bool,
    /// Password file: `user:SCRAM-SHA-256$...` lines (`mqttspec passwd` writes them).
    /// With one, CONNECT passwords are checked and 5.0 enhanced authentication with
    /// `SCRAM-SHA-256` is offered. A relative path is relative to the config file.
    pub password_file: Option<PathBuf>,
    /// Users: those given inline (`users: [{name, password}]`, each password hashed
    /// into a SCRAM-SHA-256 credential as the configuration is read and then
    /// forgotten), then those of `password_file` once loaded (a name in both takes the
    /// file's credential); or set directly when embedding. With any, CONNECT passwords
    /// are checked and enhanced authentication is offered, as with a password file.
    #[serde(skip_serializing, deserialize_with = "crate::auth::inline_users")]
    pub users: Option<Users>,
    /// Authorization rules; none means everything is allowed (see [`crate::acl`]).
    pub acl: Vec<acl::Rule>,
    /// New connections accepted per second (a token bucket with a burst of as many);
    /// more are closed at once (5.0: CONNACK 0x9F to their CONNECT). `None`: unlimited.
    pub max_connection_rate: Option<u32>,
    /// Largest packet accepted from a client, in bytes (advertised as Maximum Packet Size).
    pub max_packet_size: u32,
    /// Unacknowledged QoS 2 PUBLISHes accepted from one client (Receive Maximum).
    pub receive_maximum: u16,
    /// Highest Topic Alias a client may use (0 = none).
    pub topic_alias_maximum: u16,
    /// Longest Keep Alive a 5.0 client may choose (0, "none", counts as longer); a
    /// longer one is cut to this and announced as Server Keep Alive.
    pub max_keep_alive: Option<u16>,
    /// Keep Alive the server imposes on 5.0 clients (Server Keep Alive), if any.
    pub server_keep_alive: Option<u16>,
    /// Upper bound on Session Expiry Interval; larger requests are cut and the cut value
    /// is advertised.
    pub max_session_expiry: u32,
    /// Messages queued for one session while it is offline or its window is full; more
    /// are dropped (newest first) and counted.
    pub max_queued_messages: usize,
    /// Unacknowledged QoS 1/2 messages in flight to a 3.1.1 client (5.0 clients set it
    /// with Receive Maximum).
    pub max_inflight: u16,
    /// Whether retained messages are supported.
    pub retain_available: bool,
    /// Highest QoS supported (0, 1 or 2).
    pub maximum_qos: u8,
    /// Whether wildcard subscriptions are supported.
    pub wildcard_subscription_available: bool,
    /// Whether subscription identifiers are supported.
    pub subscription_identifier_available: bool,
    /// Whether shared subscriptions are supported.
    pub shared_subscription_available: bool,
    /// Simultaneous connections accepted; more are closed at once.
    pub max_connections: usize,
    /// Longest ClientId accepted, in bytes; a longer one is refused (3.1.1: CONNACK
    /// 0x02, 5.0: 0x85). `None`: any length. At least 23: every server must allow 1 to
    /// 23 letters and digits (MQTT-3.1.3-5 (both)).
    pub max_client_id_length: Option<usize>,
    /// Outgoing packets buffered per connection before it counts as a stalled consumer
    /// and is disconnected.
    pub outgoing_buffer: usize,
    /// The statement mutant to run as (an id of [`crate::mutants::all`]); only in
    /// builds with the `mutants` feature, where the key exists at all.
    #[cfg(feature = "mutants")]
    pub mutant: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listeners: Vec::new(),
            allow_anonymous: true,
            password_file: None,
            users: None,
            acl: Vec::new(),
            max_connection_rate: None,
            max_packet_size: 1 << 20,
            receive_maximum: 64,
            topic_alias_maximum: 16,
            max_keep_alive: None,
            server_keep_alive: None,
            max_session_expiry: u32::MAX,
            max_queued_messages: 1000,
            max_inflight: 64,
            retain_available: true,
            maximum_qos: 2,
            wildcard_subscription_available: true,
            subscription_identifier_available: true,
            shared_subscription_available: true,
            max_connections: 10_000,
            max_client_id_length: None,
            outgoing_buffer: 4096,
            #[cfg(feature = "mutants")]
            mutant: None,
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The YAML is malformed or names an unknown field.
    #[error("{path}: {message}")]
    Parse {
        /// File.
        path: String,
        /// What is wrong, with line and column.
        message: String,
    },
    /// The password file is malformed.
    #[error(transparent)]
    Users(#[from] UsersError),
    /// A value is out of range.
    #[error("{path}: {field}: {message}")]
    Invalid {
        /// File.
        path: String,
        /// Field.
        field: &'static str,
        /// What is wrong.
        message: &'static str,
    },
}

impl Config {
    /// Reads and validates a YAML configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let name = path.display().to_string();
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Io { path: name.clone(), source })?;
        let mut config = Config::parse(&text, &name)?;
        config.load_users(path.parent().unwrap_or(Path::new(".")))?;
        Ok(config)
    }

    /// Reads `password_file` (relative to `base`) into `users`.
    pub fn load_users(&mut self, base: &Path) -> Result<(), ConfigError> {
        let Some(file) = &self.password_file else { return Ok(()) };
        let path = base.join(file);
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path)
            .map_err(|source| ConfigError::Io { path: name.clone(), source })?;
        let from_file = Users::parse(&text, &name)?;
        self.users.get_or_insert_with(Users::default).merge(from_file);
        Ok(())
    }

    /// Parses and validates YAML text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let config: Config = if text.trim().is_empty() {
            Config::default()
        } else {
            serde_yaml::from_str(text)
                .map_err(|e| ConfigError::Parse { path: origin.to_string(), message: e.to_string() })?
        };
        config.validate().map_err(|(field, message)| ConfigError::Invalid {
            path: origin.to_string(),
            field,
            message,
        })?;
        Ok(config)
    }

    /// Checks ranges the protocol imposes.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if self.maximum_qos > 2 {
            return Err(("maximum-qos", "must be 0, 1 or 2"));
        }
        if self.receive_maximum == 0 {
            return Err(("receive-maximum", "must be at least 1"));
        }
        if self.max_inflight == 0 {
            return Err(("max-inflight", "must be at least 1"));
        }
        if self.max_packet_size < 16 {
            return Err(("max-packet-size", "must be at least 16 bytes"));
        }
        if self.outgoing_buffer == 0 {
            return Err(("outgoing-buffer", "must be at least 1"));
        }
        if self.max_client_id_length.is_some_and(|max| max < 23) {
            return Err((
                "max-client-id-length",
                "must be at least 23: every server allows 1 to 23 letters and digits",
            ));
        }
        if self.max_connection_rate == Some(0) {
            return Err(("max-connection-rate", "must be at least 1 (leave it out for no limit)"));
        }
        #[cfg(feature = "mutants")]
        if self.mutant.as_deref().is_some_and(|id| crate::mutants::find(id).is_none()) {
            return Err(("mutant", "not the id of a mutant (see mutants::all)"));
        }
        for l in &self.listeners {
            let secure = matches!(l.kind, ListenerKind::Tls | ListenerKind::Wss);
            if secure && (l.cert.is_none() || l.key.is_none()) {
                return Err(("listeners", "tls and wss listeners need cert and key"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_is_refused_with_its_position() {
        let err = Config::parse("maximum-qos: 1\nmaxium-qos: 2\n", "b.yaml").unwrap_err().to_string();
        assert!(err.contains("b.yaml") && err.contains("maxium-qos") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn out_of_range_is_refused() {
        let err = Config::parse("maximum-qos: 3\n", "c.yaml").unwrap_err().to_string();
        assert!(err.contains("maximum-qos"), "{err}");
    }

    #[test]
    fn password_file_is_read_relative_to_the_config() {
        let dir = std::env::temp_dir().join(format!("mqttspec-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cred = crate::auth::Credential::derive("secret", b"salt", 16);
        std::fs::write(dir.join("users"), format!("# test\nalice:{cred}\n")).unwrap();
        std::fs::write(
            dir.join("b.yaml"),
            "password-file: users\nacl:\n  - {user: alice, topic: a/#, access: read}\n",
        )
        .unwrap();
        let config = Config::load(&dir.join("b.yaml")).unwrap();
        assert!(config.users.as_ref().unwrap().check_password("alice", b"secret"));
        assert_eq!(config.acl.len(), 1);
        std::fs::write(dir.join("users"), "alice:plain\n").unwrap();
        let err = Config::load(&dir.join("b.yaml")).unwrap_err().to_string();
        assert!(err.contains("users:1") && err.contains("SCRAM-SHA-256$"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn users_can_be_given_inline() {
        let config = Config::parse("users:\n  - {name: alice, password: secret}\n", "u.yaml").unwrap();
        let users = config.users.as_ref().unwrap();
        assert!(users.check_password("alice", b"secret"));
        assert!(!users.check_password("alice", b"wrong"));
        assert!(Config::parse("", "e.yaml").unwrap().users.is_none());
        let twice = "users: [{name: a, password: x}, {name: a, password: y}]\n";
        let err = Config::parse(twice, "t.yaml").unwrap_err().to_string();
        assert!(err.contains("appears twice"), "{err}");
        let err = Config::parse("users: [{name: a, pasword: x}]\n", "f.yaml").unwrap_err().to_string();
        assert!(err.contains("pasword"), "{err}");
    }

    #[cfg(not(feature = "mutants"))]
    #[test]
    fn a_release_build_has_no_mutant_key() {
        let err = Config::parse("mutant: puback-missing\n", "m.yaml").unwrap_err().to_string();
        assert!(err.contains("unknown field") && err.contains("mutant"), "{err}");
    }

    #[cfg(feature = "mutants")]
    #[test]
    fn a_mutant_is_chosen_by_a_known_id() {
        let config = Config::parse("mutant: puback-missing\n", "m.yaml").unwrap();
        assert_eq!(config.mutant.as_deref(), Some("puback-missing"));
        let err = Config::parse("mutant: no-such-mutant\n", "m.yaml").unwrap_err().to_string();
        assert!(err.contains("mutant"), "{err}");
    }

    #[test]
    fn empty_file_is_the_default() {
        assert_eq!(Config::parse("", "e.yaml").unwrap(), Config::default());
    }
}
