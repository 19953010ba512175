//! Tools beside conformance runs: a load generator ([`loadgen`]) and the writer of
//! fuzzing seed corpora ([`seeds`]).

pub mod loadgen;
pub mod seeds;

use std::net::SocketAddr;
use std::path::Path;

/// A password file line for the reference broker (`user:SCRAM-SHA-256$...`,
/// RFC 5803) from a user name and the password as read (one line).
pub fn passwd_line(user: &str, password_line: &str, iterations: u32) -> Result<String, String> {
    if user.is_empty() || user.contains([':', '\n']) {
        return Err("the user name must be non-empty and hold no ':' or newline".into());
    }
    if iterations == 0 {
        return Err("--iterations must be at least 1".into());
    }
    let password = password_line.strip_suffix('\n').unwrap_or(password_line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        return Err("no password on standard input".into());
    }
    let credential = mqttspec_broker::auth::hash_password(password, iterations)
        .map_err(|e| format!("no random salt: {e}"))?;
    Ok(format!("{user}:{credential}"))
}

/// The reference broker's configuration and bound listeners for `mqttspec broker`:
/// the configuration file's listeners, with `--listen` first (127.0.0.1:1883 when
/// neither names one).
pub async fn broker_listeners(
    listen: Option<SocketAddr>,
    config: Option<&Path>,
) -> Result<(Vec<mqttspec_broker::Listener>, mqttspec_broker::Config), String> {
    let mut config = match config {
        Some(path) => mqttspec_broker::Config::load(path).map_err(|e| e.to_string())?,
        None => mqttspec_broker::Config::default(),
    };
    if config.listeners.is_empty() || listen.is_some() {
        config.listeners.insert(
            0,
            mqttspec_broker::ListenerConfig {
                kind: mqttspec_broker::ListenerKind::Tcp,
                address: listen.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 1883))),
                cert: None,
                key: None,
            },
        );
    }
    let listeners = mqttspec_broker::bind_listeners(&config.listeners).await?;
    Ok((listeners, config))
}
