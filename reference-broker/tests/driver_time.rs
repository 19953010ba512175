//! The tokio driver's timers under paused time: the keep-alive deadline, measured on
//! tokio's virtual clock over a real loopback connection, without sleeping.

use mqttspec_broker::{BrokerHandle, Config};
use mqttspec_codec::{Connect, DecodeOptions, Packet, Role, StreamDecoder, Version};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Duration, Instant};

#[tokio::test(start_paused = true)]
async fn keep_alive_closes_after_one_and_a_half_intervals_of_virtual_time() {
    let broker = BrokerHandle::start(Config::default(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut tcp = tokio::net::TcpStream::connect(broker.local_addr()).await.unwrap();
    let mut connect = Connect::new(Version::V5, "paused");
    connect.keep_alive = 10;
    tcp.write_all(&Packet::from(connect).to_bytes(Version::V5).unwrap()).await.unwrap();
    let started = Instant::now();
    let mut decoder = StreamDecoder::with_options(DecodeOptions::new(Version::V5).with_role(Role::Client));
    let mut buf = bytes::BytesMut::new();
    let mut got = Vec::new();
    // Bounded: the broker closes within 15 virtual seconds or the timeout trips.
    let read_all = async {
        loop {
            if tcp.read_buf(&mut buf).await.unwrap_or(0) == 0 {
                break;
            }
            while let Some(p) = decoder.decode(&mut buf).unwrap() {
                got.push(p);
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read_all).await.expect("the broker closes the connection");
    let elapsed = started.elapsed();
    assert!(matches!(got.first(), Some(Packet::ConnAck(_))), "{got:?}");
    assert!(
        matches!(got.last(), Some(Packet::Disconnect(d)) if d.reason_code == mqttspec_codec::ReasonCode::KEEP_ALIVE_TIMEOUT),
        "{got:?}"
    );
    assert!(elapsed >= Duration::from_secs(15) && elapsed < Duration::from_millis(15_100), "{elapsed:?}");
    broker.shutdown().await;
}
