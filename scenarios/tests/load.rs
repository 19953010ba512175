//! The reference broker under load: 1,000 concurrent connections exchange 100,000
//! QoS 1 messages over loopback; every message must arrive exactly once, in order.
//! Throughput is printed, never asserted (see `mqttspec load` for the benchmark).

use mqttspec::net::connector::Connector;
use mqttspec_broker::{BrokerHandle, Config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_connections_hundred_thousand_messages_no_loss() {
    let broker =
        BrokerHandle::start(Config::default(), "127.0.0.1:0".parse().unwrap()).await.expect("broker");
    let report = mqttspec::tools::loadgen::run(&Connector::Tcp(broker.local_addr()), 1000, 100_000, "t")
        .await
        .expect("load run completes");
    broker.shutdown().await;
    eprintln!("{report:?}, {:.0} msg/s", report.rate());
    assert_eq!(report.connections, 1000);
    assert_eq!(report.published, 100_000);
    assert_eq!(report.delivered, 100_000);
    assert_eq!(report.lost_or_disordered, 0);
}
