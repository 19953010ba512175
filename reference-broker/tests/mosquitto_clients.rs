//! Debian's `mosquitto_pub` / `mosquitto_sub` (installed by `.ci/run`) against the
//! reference broker: QoS 0, 1 and 2 and retained messages, in MQTT 3.1.1 and 5.0.
//! Without the binaries the test says so and returns, unless
//! `MQTTSPEC_REQUIRE_MOSQUITTO=1`.

use mqttspec_broker::{BrokerHandle, Config};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

fn have(binary: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(binary).is_file()))
}

async fn publish(port: u16, version: &str, topic: &str, qos: u8, retain: bool, payload: &str) {
    let out = publish_with(port, version, topic, qos, retain, payload, &[]).await;
    assert!(out.status.success(), "mosquitto_pub failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// `mosquitto_pub` with extra arguments (credentials), returning how it ended.
async fn publish_with(
    port: u16,
    version: &str,
    topic: &str,
    qos: u8,
    retain: bool,
    payload: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut cmd = Command::new("mosquitto_pub");
    cmd.args([
        "-h",
        "127.0.0.1",
        "-p",
        &port.to_string(),
        "-V",
        version,
        "-t",
        topic,
        "-q",
        &qos.to_string(),
    ])
    .args(["-m", payload])
    .args(extra)
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    if retain {
        cmd.arg("-r");
    }
    tokio::time::timeout(Duration::from_secs(10), cmd.output())
        .await
        .expect("mosquitto_pub ends")
        .expect("runs")
}

/// `mosquitto_sub` for one message on `topic`, giving up after `wait` seconds.
fn sub_one(port: u16, version: &str, topic: &str, qos: u8, wait: u8) -> Command {
    let mut cmd = Command::new("mosquitto_sub");
    cmd.args(["-h", "127.0.0.1", "-p", &port.to_string(), "-V", version, "-t", topic])
        .args(["-q", &qos.to_string(), "-C", "1", "-W", &wait.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Subscribes with mosquitto_sub for one message, publishing until it arrives.
async fn round_trip(port: u16, version: &str, qos: u8) {
    let topic = format!("clients/{version}/q{qos}");
    let payload = format!("hello {version} qos {qos}");
    let sub = sub_one(port, version, &topic, qos, 10).spawn().expect("mosquitto_sub starts");
    let waiter = tokio::spawn(sub.wait_with_output());
    // The subscription is in place at some point after the process starts; publish
    // until mosquitto_sub has its message (it exits after one).
    for _ in 0..50 {
        if waiter.is_finished() {
            break;
        }
        publish(port, version, &topic, qos, false, &payload).await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let out = tokio::time::timeout(Duration::from_secs(15), waiter)
        .await
        .expect("sub ends")
        .expect("joins")
        .expect("runs");
    assert!(out.status.success(), "mosquitto_sub failed: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), payload);
}

/// Whether the clients are there; without them (and without MQTTSPEC_REQUIRE_MOSQUITTO)
/// the test says so and is skipped.
fn clients_present() -> bool {
    if !have("mosquitto_pub") || !have("mosquitto_sub") {
        assert!(
            std::env::var("MQTTSPEC_REQUIRE_MOSQUITTO").as_deref() != Ok("1"),
            "mosquitto-clients are not installed but MQTTSPEC_REQUIRE_MOSQUITTO=1"
        );
        eprintln!("skipped: mosquitto_pub/mosquitto_sub not found (apt-get install mosquitto-clients)");
        return false;
    }
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_clients_exchange_messages() {
    if !clients_present() {
        return;
    }
    let broker =
        BrokerHandle::start(Config::default(), "127.0.0.1:0".parse().unwrap()).await.expect("broker");
    let port = broker.local_addr().port();
    for version in ["mqttv311", "mqttv5"] {
        for qos in 0..=2 {
            round_trip(port, version, qos).await;
        }
        // A retained message reaches a subscriber that arrives later.
        let topic = format!("clients/{version}/retained");
        publish(port, version, &topic, 1, true, "kept").await;
        let out = sub_one(port, version, &topic, 0, 5).output();
        let out = tokio::time::timeout(Duration::from_secs(10), out).await.expect("sub ends").expect("runs");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "kept");
    }
    broker.shutdown().await;
}

/// A configuration file with a password file and ACL, loaded as `mqttspec broker
/// --config` would: mosquitto_pub gets in with the right password only, and a
/// subscriber sees only what the ACL lets it read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_clients_meet_passwords_and_acls() {
    if !clients_present() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("mqttspec-auth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let alice = mqttspec_broker::auth::Credential::derive("wonderland", b"alice-salt", 4096);
    std::fs::write(dir.join("passwd"), format!("alice:{alice}\n")).unwrap();
    std::fs::write(
        dir.join("broker.yaml"),
        "allow-anonymous: false\npassword-file: passwd\nacl:\n  - {user: alice, topic: \"home/#\", access: readwrite}\n",
    )
    .unwrap();
    let config = Config::load(&dir.join("broker.yaml")).expect("config loads");
    let broker = BrokerHandle::start(config, "127.0.0.1:0".parse().unwrap()).await.expect("broker");
    let port = broker.local_addr().port();
    for version in ["mqttv311", "mqttv5"] {
        let good = ["-u", "alice", "-P", "wonderland"];
        let out = publish_with(port, version, "home/door", 1, true, "open", &good).await;
        assert!(out.status.success(), "{version}: {}", String::from_utf8_lossy(&out.stderr));
        let out =
            publish_with(port, version, "home/door", 1, false, "x", &["-u", "alice", "-P", "nope"]).await;
        assert!(!out.status.success(), "{version}: a wrong password got in");
        let out = publish_with(port, version, "home/door", 1, false, "x", &[]).await;
        assert!(!out.status.success(), "{version}: an anonymous client got in");
        // The retained message is readable under home/#.
        let mut sub = sub_one(port, version, "home/#", 1, 5);
        sub.args(good);
        let out =
            tokio::time::timeout(Duration::from_secs(10), sub.output()).await.expect("ends").expect("runs");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "open", "{version}");
    }
    broker.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
