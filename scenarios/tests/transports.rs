//! The runner over TLS, WebSocket and WebSocket over TLS, against the reference
//! broker's listeners of the same kinds (certificates made by rcgen for the test).

use mqttspec::Version;
use mqttspec::net::connector::TlsOptions;
use mqttspec::{Catalogue, RunOptions, Target, Verdict, default_corpus, load_dir, run_all};
use mqttspec_broker::{BrokerHandle, Config, ListenerConfig, ListenerKind};
use std::path::PathBuf;

struct Pki {
    dir: PathBuf,
}

impl Pki {
    /// A CA and a server certificate for 127.0.0.1 and localhost, as PEM files.
    fn new(tag: &str) -> Pki {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let dir = std::env::temp_dir().join(format!("mqttspec-pki-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca =
            CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key")).expect("ca cert");
        let key = KeyPair::generate().expect("server key");
        let params =
            CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()]).expect("params");
        let cert = params.signed_by(&key, &ca).expect("server cert");
        std::fs::write(dir.join("ca.pem"), ca.pem()).expect("write ca");
        std::fs::write(dir.join("server.pem"), cert.pem()).expect("write cert");
        std::fs::write(dir.join("server.key"), key.serialize_pem()).expect("write key");
        Pki { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn listener(kind: ListenerKind, pki: &Pki) -> ListenerConfig {
    let secure = matches!(kind, ListenerKind::Tls | ListenerKind::Wss);
    ListenerConfig {
        kind,
        address: "127.0.0.1:0".parse().expect("literal"),
        cert: secure.then(|| pki.path("server.pem")),
        key: secure.then(|| pki.path("server.key")),
    }
}

async fn run_over(target: &str, tls: &TlsOptions, filter: &str) -> Vec<mqttspec::CaseResult> {
    let mut scenarios = load_dir(&default_corpus(), &Catalogue::builtin()).expect("corpus loads");
    scenarios.retain(|l| l.scenario.id.starts_with(filter) && l.scenario.config.is_none());
    let target = Target::parse(target, tls).expect("target parses");
    run_all(&scenarios, &[Version::V311, Version::V5], &target, &RunOptions::default())
        .await
        .expect("run completes")
}

fn assert_all_pass(results: &[mqttspec::CaseResult], what: &str) {
    assert!(results.len() >= 8, "{what}: only {} cases", results.len());
    let bad: Vec<String> = results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| format!("{} {}: {:?}", r.verdict.label(), r.name(), r.message))
        .collect();
    assert!(bad.is_empty(), "{what}:\n{}", bad.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_runs_over_tls_ws_and_wss() {
    let pki = Pki::new("all");
    let config = Config {
        listeners: vec![
            listener(ListenerKind::Tls, &pki),
            listener(ListenerKind::Ws, &pki),
            listener(ListenerKind::Wss, &pki),
        ],
        ..Config::default()
    };
    let broker = BrokerHandle::start_configured(config).await.expect("broker starts");
    let [tls, ws, wss] = [broker.local_addrs()[0], broker.local_addrs()[1], broker.local_addrs()[2]];
    let trust = TlsOptions { ca: Some(pki.path("ca.pem")), insecure: false };

    assert_all_pass(&run_over(&format!("tls://{tls}"), &trust, "3.3-publish").await, "tls");
    assert_all_pass(&run_over(&format!("ws://{ws}/mqtt"), &trust, "3.3-publish").await, "ws");
    assert_all_pass(&run_over(&format!("wss://{wss}/mqtt"), &trust, "3.8-subscribe").await, "wss");
    let insecure = TlsOptions { ca: None, insecure: true };
    assert_all_pass(&run_over(&format!("tls://{tls}"), &insecure, "3.10-unsubscribe").await, "insecure");
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_fails_clearly() {
    let pki = Pki::new("bad");
    let other = Pki::new("other");
    let config = Config { listeners: vec![listener(ListenerKind::Tls, &pki)], ..Config::default() };
    let broker = BrokerHandle::start_configured(config).await.expect("broker starts");
    let wrong_ca = TlsOptions { ca: Some(other.path("ca.pem")), insecure: false };
    let scenarios = load_dir(&default_corpus(), &Catalogue::builtin()).expect("corpus loads");
    let target = Target::parse(&format!("tls://{}", broker.local_addr()), &wrong_ca).expect("target parses");
    let err =
        run_all(&scenarios, &[Version::V5], &target, &RunOptions::default()).await.unwrap_err().to_string();
    assert!(err.contains("TLS handshake"), "{err}");
    broker.shutdown().await;
    assert!(
        Target::parse("tls://127.0.0.1:1", &TlsOptions::default()).is_err(),
        "TLS without --ca or --insecure"
    );
}

#[tokio::test]
async fn an_unreachable_target_is_one_clear_error() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let scenarios = load_dir(&default_corpus(), &Catalogue::builtin()).expect("corpus loads");
    let target = Target::parse(&format!("tcp://127.0.0.1:{port}"), &TlsOptions::default()).unwrap();
    let err =
        run_all(&scenarios, &[Version::V5], &target, &RunOptions::default()).await.unwrap_err().to_string();
    assert!(err.contains("cannot reach the target"), "{err}");
}
