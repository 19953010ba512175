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
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    if retain {
        cmd.arg("-r");
    }
    let out = tokio::time::timeout(Duration::from_secs(10), cmd.output())
        .await
        .expect("mosquitto_pub ends")
        .expect("runs");
    assert!(out.status.success(), "mosquitto_pub failed: {}", String::from_utf8_lossy(&out.stderr));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_clients_exchange_messages() {
    if !have("mosquitto_pub") || !have("mosquitto_sub") {
        assert!(
            std::env::var("MQTTSPEC_REQUIRE_MOSQUITTO").as_deref() != Ok("1"),
            "mosquitto-clients are not installed but MQTTSPEC_REQUIRE_MOSQUITTO=1"
        );
        eprintln!("skipped: mosquitto_pub/mosquitto_sub not found (apt-get install mosquitto-clients)");
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
