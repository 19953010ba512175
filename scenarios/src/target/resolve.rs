//! Turning a `--target` text into something a run can connect to, starting what it
//! names.

use super::container::{profile_for_image, split_image, start_container};
use super::launch::{LaunchError, Launched, Vars, find_program, start_process};
use super::profile::Profile;
use std::collections::BTreeMap;

/// A `--target` made ready: the target, what was started for it, its profile.
#[derive(Debug)]
pub struct Resolved {
    /// Where to run.
    pub target: crate::Target,
    /// What to stop afterwards.
    pub launched: Option<Launched>,
    /// The broker's profile, when the target names one.
    pub profile: Option<Profile>,
    /// Broker and version, for reports.
    pub label: String,
}

impl Resolved {
    /// Stops what was started.
    pub async fn stop(self) {
        if let Some(l) = self.launched {
            l.stop().await;
        }
    }
}

/// Turns a `--target` into a runnable target: `embedded`, `process:<profile>`,
/// `container:IMAGE[:TAG]`, or a URL (`tcp://`, `tls://`, `ws://`, `wss://`).
pub async fn resolve(
    text: &str,
    tls: &crate::net::connector::TlsOptions,
    profiles: &[(String, Profile)],
) -> Result<Resolved, LaunchError> {
    if let Some(name) = text.strip_prefix("process:") {
        let (_, profile) = profiles.iter().find(|(n, _)| n == name).ok_or_else(|| {
            let known: Vec<&str> =
                profiles.iter().filter(|(_, p)| p.process.is_some()).map(|(n, _)| n.as_str()).collect();
            LaunchError::Invalid(format!("process:{name}: no such profile (known: {})", known.join(", ")))
        })?;
        let launched = start_process(name, profile).await?;
        let label = format!("{} {}", profile.broker, profile.version);
        return Ok(Resolved {
            target: crate::Target::Remote(launched.remote.clone()),
            label,
            profile: Some(profile.clone()),
            launched: Some(launched),
        });
    }
    if let Some(image) = text.strip_prefix("container:") {
        let profile = profile_for_image(image, profiles).map(|(_, p)| p.clone());
        let launched = start_container(image, profile.as_ref()).await?;
        let label = match &profile {
            Some(p) => format!("{} {}", p.broker, split_image(image).1),
            None => image.to_string(),
        };
        return Ok(Resolved {
            target: crate::Target::Remote(launched.remote.clone()),
            label,
            profile,
            launched: Some(launched),
        });
    }
    let target = crate::Target::parse(text, tls).map_err(LaunchError::Invalid)?;
    let label = if text == "embedded" {
        format!("mqttspec reference broker {}", env!("CARGO_PKG_VERSION"))
    } else {
        text.to_string()
    };
    Ok(Resolved { target, launched: None, profile: None, label })
}

/// `process:<name>` for every profile whose broker program is installed here.
pub fn installed_targets(profiles: &[(String, Profile)]) -> Vec<String> {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let vars = Vars { dir: String::new(), home, ports: BTreeMap::new() };
    let mut out = vec!["embedded".to_string()];
    for (name, p) in profiles {
        let Some(spec) = &p.process else { continue };
        let search: Vec<String> = spec.search.iter().map(|s| vars.fill(s)).collect();
        let program = spec.command.first().map(|c| vars.fill(c)).unwrap_or_default();
        if name != "reference" && find_program(&program, &search).is_some() {
            out.push(format!("process:{name}"));
        }
    }
    out
}
