//! Third-party brokers as targets, started from their profile and stopped afterwards.
//!
//! `process:<profile>` spawns the broker binary with configuration files generated into
//! a scratch directory, on free loopback ports; `container:IMAGE[:TAG]` starts an image
//! with testcontainers and connects through 127.0.0.1 and the mapped port. Either waits
//! until the broker answers an MQTT CONNECT, and either is stopped when the
//! [`Launched`] value is stopped or dropped — on success, on failure, and when the run
//! is interrupted (the CLI drops it on SIGINT / SIGTERM).

use crate::net::client::{Client, Event, Transcript};
use crate::net::connector::{Connector, Login, Remote};
use crate::target::profile::Profile;
use crate::version::Version;
use mqttspec_codec::{Connect, Packet, Version as CodecVersion};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Why a broker could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LaunchError {
    /// The program or container engine is not there; the text says how to get it.
    #[error("{0}")]
    Unavailable(String),
    /// It is there but did not come up.
    #[error("{0}")]
    Failed(String),
    /// The `--target` text itself is wrong (a usage error).
    #[error("{0}")]
    Invalid(String),
}

/// A started broker: the target to run against, and what stops it.
#[derive(Debug)]
pub struct Launched {
    /// How clients reach it.
    pub remote: Remote,
    /// What was started, for reports (`process /usr/sbin/mosquitto`, `container ...`).
    pub description: String,
    pub(super) running: Running,
}

#[derive(Debug)]
pub(super) enum Running {
    Process {
        groups: Vec<Group>,
        dir: Scratch,
    },
    #[cfg(feature = "containers")]
    Container(Box<testcontainers::ContainerAsync<testcontainers::GenericImage>>),
}

impl Launched {
    /// How a started process ended, if it has (a crash, to `mqttspec fuzz`): its exit
    /// status or signal, and the last lines it wrote. `None` while it runs, and for
    /// containers.
    pub fn exited(&mut self) -> Option<(String, String)> {
        if let Running::Process { groups, .. } = &mut self.running {
            for g in groups.iter_mut() {
                if let Ok(Some(status)) = g.child.try_wait() {
                    return Some((status.to_string(), tail(&g.log)));
                }
            }
        }
        None
    }

    /// Stops the broker and removes what it left (scratch directory, container).
    pub async fn stop(self) {
        match self.running {
            Running::Process { mut groups, dir } => {
                // Broker first, helpers after: the reverse of starting.
                while let Some(g) = groups.pop() {
                    g.stop().await;
                }
                stop_strays(&dir.0).await;
                drop(dir);
            }
            #[cfg(feature = "containers")]
            Running::Container(c) => {
                let _ = c.rm().await;
            }
        }
    }
}

/// A child process leading its own process group, so that stopping it also stops what
/// it started (shell wrappers, `su`, Erlang's `beam`).
#[derive(Debug)]
pub(super) struct Group {
    child: tokio::process::Child,
    pgid: Option<i32>,
    /// Where its output goes.
    log: PathBuf,
}

impl Group {
    fn signal(&self, sig: nix::sys::signal::Signal) {
        if let Some(pgid) = self.pgid {
            let _ = nix::sys::signal::killpg(nix::unistd::Pid::from_raw(pgid), sig);
        }
    }

    async fn stop(mut self) {
        self.signal(nix::sys::signal::Signal::SIGTERM);
        if tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await.is_err() {
            self.signal(nix::sys::signal::Signal::SIGKILL);
            let _ = self.child.wait().await;
        }
        // Anything of the group still there after its leader ended.
        self.signal(nix::sys::signal::Signal::SIGKILL);
        self.pgid = None;
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        // Dropped without `stop` (a panic, an interrupted run): no waiting, just kill.
        self.signal(nix::sys::signal::Signal::SIGKILL);
    }
}

/// Processes whose command line names `dir`: what a broker started outside its
/// process group (ejabberdctl runs Erlang through `su`, which starts a new session).
fn strays(dir: &Path) -> Vec<i32> {
    let needle = dir.display().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle.as_str()))
        })
        .collect()
}

fn kill_all(pids: &[i32], sig: nix::sys::signal::Signal) {
    for pid in pids {
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(*pid), sig);
    }
}

/// Terminates the strays of `dir`, and kills those that linger.
async fn stop_strays(dir: &Path) {
    let pids = strays(dir);
    if pids.is_empty() {
        return;
    }
    kill_all(&pids, nix::sys::signal::Signal::SIGTERM);
    for _ in 0..50 {
        if strays(dir).is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    kill_all(&strays(dir), nix::sys::signal::Signal::SIGKILL);
}

/// Scratch directory of a process target; dropped without `stop`, it kills the strays
/// that named it.
#[derive(Debug)]
pub(super) struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        kill_all(&strays(&self.0), nix::sys::signal::Signal::SIGKILL);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn free_port() -> Result<u16, LaunchError> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| LaunchError::Failed(format!("no free loopback port: {e}")))?;
    l.local_addr().map(|a| a.port()).map_err(|e| LaunchError::Failed(e.to_string()))
}

/// Port names used by a template (`port` for `{{port}}`, `port:x` for `{{port:x}}`).
fn port_names(text: &str, into: &mut BTreeSet<String>) {
    let mut rest = text;
    while let Some(i) = rest.find("{{port") {
        let after = &rest[i + 2..];
        let Some(end) = after.find("}}") else { break };
        into.insert(after[..end].to_string());
        rest = &after[end..];
    }
}

/// The source tree's root, where `target/` holds the `mqttspec` binary.
const WORKSPACE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// What `{{mqttspec}}` runs (the reference profile's broker, `mqttspec broker`): this
/// very binary when it is `mqttspec` — a copied, installed or containerised one has no
/// source tree to look in — else (a test binary of this crate) the workspace's build,
/// else `mqttspec` from PATH.
pub(super) fn mqttspec_program() -> String {
    let this = std::env::current_exe().ok().filter(|p| p.file_stem().is_some_and(|s| s == "mqttspec"));
    let built = ["release", "debug"].map(|p| Path::new(WORKSPACE).join("target").join(p).join("mqttspec"));
    this.into_iter()
        .chain(built)
        .find(|p| p.is_file())
        .map_or_else(|| "mqttspec".to_string(), |p| p.display().to_string())
}

pub(super) struct Vars {
    pub(super) dir: String,
    pub(super) home: String,
    pub(super) ports: BTreeMap<String, u16>,
}

impl Vars {
    pub(super) fn fill(&self, text: &str) -> String {
        let mut out = text
            .replace("{{dir}}", &self.dir)
            .replace("{{home}}", &self.home)
            .replace("{{workspace}}", WORKSPACE);
        if out.contains("{{mqttspec}}") {
            out = out.replace("{{mqttspec}}", &mqttspec_program());
        }
        for (name, port) in &self.ports {
            out = out.replace(&format!("{{{{{name}}}}}"), &port.to_string());
        }
        out
    }
}

pub(super) fn find_program(name: &str, search: &[String]) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return p.is_file().then_some(p);
    }
    let in_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join(name)).collect::<Vec<_>>())
        .unwrap_or_default();
    in_path.into_iter().chain(search.iter().map(PathBuf::from)).find(|p| p.is_file())
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

fn spawn(
    program: &Path,
    args: &[String],
    env: &BTreeMap<String, String>,
    log: &Path,
) -> Result<Group, String> {
    let out = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = out.try_clone().map_err(|e| e.to_string())?;
    let child = tokio::process::Command::new(program)
        .args(args)
        .envs(env)
        .current_dir(log.parent().unwrap_or(Path::new(".")))
        .stdin(std::process::Stdio::null())
        .stdout(out)
        .stderr(err)
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("starting {}: {e}", program.display()))?;
    let pgid = child.id().map(|id| id as i32);
    Ok(Group { child, pgid, log: log.to_path_buf() })
}

/// Waits until `addr` accepts TCP connections, giving up at `deadline` or when the
/// process ends.
async fn wait_tcp(addr: SocketAddr, deadline: Instant, group: &mut Group) -> Result<(), String> {
    loop {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        if let Ok(Some(status)) = group.child.try_wait() {
            return Err(format!("it exited ({status}) before listening on {addr}"));
        }
        if Instant::now() >= deadline {
            return Err(format!("nothing listened on {addr} in time"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the broker at `connector` answers a CONNECT with a CONNACK (any code:
/// a broker that refuses 5.0 is still up).
pub async fn wait_mqtt(
    connector: &Connector,
    version: CodecVersion,
    login: Option<&Login>,
    deadline: Instant,
) -> Result<(), String> {
    let mut last = String::from("no attempt");
    while Instant::now() < deadline {
        let timeout = Duration::from_secs(2);
        match Client::open("ready", connector, version, timeout, Transcript::default()).await {
            Ok(mut c) => {
                let mut connect = Connect::new(version, "mqttspecready");
                if let Some(l) = login {
                    l.apply(&mut connect);
                }
                let bytes =
                    Packet::Connect(Box::new(connect)).to_bytes(version).map_err(|e| e.to_string())?;
                if c.write(&bytes, String::new()).await.is_ok() {
                    match c.recv(timeout).await {
                        Ok(Event::Packet(Packet::ConnAck(_))) => return Ok(()),
                        other => last = format!("{other:?}"),
                    }
                }
            }
            Err(e) => last = e.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!("no CONNACK in time (last attempt: {last})"))
}

/// Starts the broker of `profile` (named `name`) as a process.
pub async fn start_process(name: &str, profile: &Profile) -> Result<Launched, LaunchError> {
    let spec = profile
        .process
        .as_ref()
        .ok_or_else(|| LaunchError::Unavailable(format!("profile {name} has no process section")))?;
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let program_name = spec.command.first().ok_or_else(|| LaunchError::Failed("empty command".into()))?;
    let probe_vars = Vars { dir: String::new(), home: home.clone(), ports: BTreeMap::new() };
    let search: Vec<String> = spec.search.iter().map(|s| probe_vars.fill(s)).collect();
    let program = find_program(&probe_vars.fill(program_name), &search).ok_or_else(|| {
        LaunchError::Unavailable(format!(
            "{} ({name}) is not installed: {}",
            probe_vars.fill(program_name),
            if spec.install.is_empty() { "see its profile" } else { spec.install.trim() }
        ))
    })?;

    let dir = std::env::temp_dir().join(format!("mqttspec-{name}-{}-{}", std::process::id(), free_port()?));
    std::fs::create_dir_all(&dir).map_err(|e| LaunchError::Failed(format!("{}: {e}", dir.display())))?;
    if spec.world_writable {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777));
    }
    let mut names = BTreeSet::from(["port".to_string()]);
    let texts = spec
        .command
        .iter()
        .chain(spec.files.values())
        .chain(spec.env.values())
        .chain(spec.helpers.iter().flat_map(|h| h.command.iter()))
        .chain(spec.listeners.values());
    for t in texts {
        port_names(t, &mut names);
    }
    for l in spec.listeners.values().chain(spec.helpers.iter().map(|h| &h.port)) {
        names.insert(l.clone());
    }
    let mut ports = BTreeMap::new();
    let mut taken = BTreeSet::new();
    for n in names {
        let mut p = free_port()?;
        while !taken.insert(p) {
            p = free_port()?;
        }
        ports.insert(n, p);
    }
    let vars = Vars { dir: dir.display().to_string(), home, ports };
    let fail = |dir: &Path, msg: String| {
        let _ = std::fs::remove_dir_all(dir);
        LaunchError::Failed(msg)
    };
    for (file, text) in &spec.files {
        let path = dir.join(file);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        std::fs::write(&path, vars.fill(text)).map_err(|e| fail(&dir, format!("{}: {e}", path.display())))?;
        if spec.world_writable {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666));
        }
    }
    let env: BTreeMap<String, String> = spec.env.iter().map(|(k, v)| (k.clone(), vars.fill(v))).collect();
    let startup = Duration::from_millis(spec.startup_timeout_ms);
    let deadline = Instant::now() + startup;
    let mut groups = Vec::new();
    for (i, h) in spec.helpers.iter().enumerate() {
        let cmd: Vec<String> = h.command.iter().map(|c| vars.fill(c)).collect();
        let helper = find_program(&cmd[0], &[])
            .ok_or_else(|| fail(&dir, format!("{name}: helper {} is not installed", cmd[0])))?;
        let mut g = spawn(&helper, &cmd[1..], &env, &dir.join(format!("helper{i}.log")))
            .map_err(|e| fail(&dir, e))?;
        let port = vars.ports.get(&h.port).copied().unwrap_or(0);
        let result = wait_tcp(SocketAddr::from(([127, 0, 0, 1], port)), deadline, &mut g).await;
        groups.push(g);
        if let Err(e) = result {
            let log = tail(&dir.join(format!("helper{i}.log")));
            let started = Launched {
                remote: Remote::single(Connector::Tcp(([127, 0, 0, 1], 0).into())),
                description: String::new(),
                running: Running::Process { groups, dir: Scratch(dir) },
            };
            started.stop().await;
            return Err(LaunchError::Failed(format!("{name}: helper {}: {e}\n{log}", cmd[0])));
        }
    }
    let args: Vec<String> = spec.command[1..].iter().map(|c| vars.fill(c)).collect();
    let log = dir.join("broker.log");
    let mut broker = spawn(&program, &args, &env, &log).map_err(|e| fail(&dir, e))?;
    let addr_of =
        |port_name: &str| SocketAddr::from(([127, 0, 0, 1], vars.ports.get(port_name).copied().unwrap_or(0)));
    let main = addr_of("port");
    let mut per_version = BTreeMap::new();
    for (v, port_name) in &spec.listeners {
        per_version.insert(*v, Connector::Tcp(addr_of(port_name)));
    }
    let remote = Remote {
        connector: per_version.values().next().cloned().unwrap_or(Connector::Tcp(main)),
        per_version,
        login: profile.login.as_ref().map(|l| l.to_login()),
        probe_login: None,
        websocket: spec.websocket.as_deref().map(|port_name| {
            let addr = addr_of(port_name);
            Box::new(Connector::Ws { addr, url: format!("ws://{addr}/mqtt"), tls: None })
        }),
    };
    let mut ready = Ok(());
    for v in [Version::V311, Version::V5] {
        let Connector::Tcp(addr) = remote.connector(v).clone() else { continue };
        ready = wait_tcp(addr, deadline, &mut broker).await;
        if ready.is_ok() {
            // A listener of its own speaks only its version; a shared one is asked in
            // 3.1.1, which every broker here serves.
            let ask = if remote.per_version.is_empty() { CodecVersion::V3_1_1 } else { v.codec() };
            ready = wait_mqtt(remote.connector(v), ask, remote.login.as_ref(), deadline).await;
        }
        if ready.is_err() {
            break;
        }
    }
    groups.push(broker);
    let launched = Launched {
        remote,
        description: format!("process {}", program.display()),
        running: Running::Process { groups, dir: Scratch(dir.clone()) },
    };
    if let Err(e) = ready {
        let log = tail(&log);
        launched.stop().await;
        return Err(LaunchError::Failed(format!("{name} did not come up within {startup:?}: {e}\n{log}")));
    }
    Ok(launched)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_names_and_filling() {
        let mut names = BTreeSet::new();
        port_names("listen {{port}} and {{port:nats}}; {{dir}}/x {{port:nats}}", &mut names);
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["port", "port:nats"]);
        let vars = Vars {
            dir: "/d".into(),
            home: "/h".into(),
            ports: [("port".to_string(), 1), ("port:nats".to_string(), 2)].into_iter().collect(),
        };
        assert_eq!(vars.fill("{{dir}} {{home}} {{port}} {{port:nats}}"), "/d /h 1 2");
    }
}
