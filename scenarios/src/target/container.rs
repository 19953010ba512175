//! `container:IMAGE[:TAG]` targets: a broker image started with testcontainers, reached
//! through 127.0.0.1 and the mapped port.

use super::launch::{LaunchError, Launched};
use super::profile::Profile;
#[cfg(feature = "containers")]
use {
    super::launch::{Running, wait_mqtt},
    super::spec::default_startup_ms,
    crate::net::connector::{Connector, Remote},
    mqttspec_codec::Version as CodecVersion,
    std::collections::BTreeMap,
    std::net::SocketAddr,
    std::time::{Duration, Instant},
};

/// Splits `repo[:tag]` (a registry host with a port keeps its colon).
pub fn split_image(image: &str) -> (String, String) {
    match image.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo.to_string(), tag.to_string()),
        _ => (image.to_string(), "latest".to_string()),
    }
}

/// Whether the container engine answers.
pub async fn docker_available() -> Result<(), String> {
    let out = tokio::process::Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .await
        .map_err(|e| format!("docker: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("docker info failed: {}", String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// Without the `containers` feature there are no container targets.
#[cfg(not(feature = "containers"))]
pub async fn start_container(image: &str, _profile: Option<&Profile>) -> Result<Launched, LaunchError> {
    Err(LaunchError::Unavailable(format!(
        "container:{image}: mqttspec was built without the `containers` feature"
    )))
}

/// Starts `image` (with the settings of `profile`, if one matches it) as a container.
#[cfg(feature = "containers")]
pub async fn start_container(image: &str, profile: Option<&Profile>) -> Result<Launched, LaunchError> {
    use testcontainers::core::{IntoContainerPort, WaitFor};
    use testcontainers::runners::AsyncRunner;
    use testcontainers::{GenericImage, ImageExt};
    docker_available().await.map_err(|e| LaunchError::Unavailable(format!("no container engine: {e}")))?;
    let spec = profile.and_then(|p| p.container.clone());
    let port = spec.as_ref().map_or(1883, |s| s.port);
    let startup = Duration::from_millis(spec.as_ref().map_or(default_startup_ms(), |s| s.startup_timeout_ms));
    let (repo, tag) = split_image(image);
    let mut request = GenericImage::new(repo, tag)
        .with_exposed_port(port.tcp())
        .with_wait_for(WaitFor::Nothing)
        .with_startup_timeout(startup);
    if let Some(cmd) = spec.as_ref().map(|s| s.cmd.clone()).filter(|c| !c.is_empty()) {
        request = request.with_cmd(cmd);
    }
    let container =
        request.start().await.map_err(|e| LaunchError::Failed(format!("starting container {image}: {e}")))?;
    let host_port = container
        .get_host_port_ipv4(port.tcp())
        .await
        .map_err(|e| LaunchError::Failed(format!("container {image}: port {port} is not mapped: {e}")))?;
    // Through loopback and the mapped port, never the bridge address.
    let connector = Connector::Tcp(SocketAddr::from(([127, 0, 0, 1], host_port)));
    let login = profile.and_then(|p| p.login.as_ref()).map(|l| l.to_login());
    let ready = wait_mqtt(&connector, CodecVersion::V3_1_1, login.as_ref(), Instant::now() + startup).await;
    let launched = Launched {
        remote: Remote { connector, per_version: BTreeMap::new(), login, probe_login: None, websocket: None },
        description: format!("container {image}"),
        running: Running::Container(Box::new(container)),
    };
    if let Err(e) = ready {
        let logs = match &launched.running {
            Running::Container(c) => {
                String::from_utf8_lossy(&c.stderr_to_vec().await.unwrap_or_default()).to_string()
            }
            Running::Process { .. } => String::new(),
        };
        launched.stop().await;
        return Err(LaunchError::Failed(format!("container {image} did not come up: {e}\n{logs}")));
    }
    Ok(launched)
}

/// The profile whose container image (built here or official) is `image`'s repository.
pub fn profile_for_image<'a>(
    image: &str,
    profiles: &'a [(String, Profile)],
) -> Option<&'a (String, Profile)> {
    let (repo, _) = split_image(image);
    profiles.iter().find(|(_, p)| {
        p.container.as_ref().is_some_and(|c| {
            split_image(&c.image).0 == repo
                || c.official_image.as_deref().is_some_and(|o| split_image(o).0 == repo)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_names() {
        assert_eq!(split_image("mqttspec/mosquitto:2.0.11"), ("mqttspec/mosquitto".into(), "2.0.11".into()));
        assert_eq!(split_image("eclipse-mosquitto"), ("eclipse-mosquitto".into(), "latest".into()));
        assert_eq!(split_image("reg:5000/x"), ("reg:5000/x".into(), "latest".into()));
    }
}
