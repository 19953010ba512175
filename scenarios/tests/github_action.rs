//! The composite GitHub Action (ci/github/action.yml) users copy: its run step's
//! script, run here with the inputs and runner variables GitHub would give it, against
//! real brokers on loopback — the reference broker, one that closes every connection,
//! and Mosquitto behind TLS with a password. One run must write JUnit, JSON and the
//! HTML report, a job summary naming every case that did not pass, and pass or fail
//! the job as JUnit says.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The step of action.yml called `name`.
fn step(name: &str) -> serde_yaml::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ci/github/action.yml");
    let action: serde_yaml::Value = serde_yaml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let steps = action["runs"]["steps"].as_sequence().expect("composite steps");
    steps.iter().find(|s| s["name"].as_str() == Some(name)).expect("the step").clone()
}

fn step_script() -> String {
    let step = step("Run the corpus");
    assert_eq!(step["env"]["MQTTSPEC_PASSWORD"].as_str(), Some("${{ inputs.password }}"));
    step["run"].as_str().expect("a script").to_string()
}

/// What a job's step ended with.
struct Job {
    ok: bool,
    summary: String,
    results: PathBuf,
    took: Duration,
}

/// Runs the step as GitHub would: inputs substituted (the defaults of action.yml for
/// those not given), RUNNER_TEMP holding the installed binary, GITHUB_STEP_SUMMARY a
/// file, the password in the step's environment.
fn run_step(inputs: &[(&str, &str)], dir: &Path) -> Job {
    let bin = dir.join("runner/mqttspec/bin");
    std::fs::create_dir_all(&bin).unwrap();
    let link = bin.join("mqttspec");
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mqttspec"), &link).unwrap();
    }
    let results = dir.join("results");
    let mut given: BTreeMap<&str, String> = [
        ("profile", ""),
        ("ca", ""),
        ("insecure", "false"),
        ("username", ""),
        ("password", ""),
        ("versions", "both"),
        ("filter", ""),
        ("fail-on", "must"),
        ("timeout-scale", "1"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    given.insert("results", results.display().to_string());
    for (k, v) in inputs {
        given.insert(k, v.to_string());
    }
    let mut script = step_script();
    for (k, v) in &given {
        script = script.replace(&format!("${{{{ inputs.{k} }}}}"), v);
    }
    assert!(!script.contains("${{"), "unsubstituted expression left in: {script}");
    let summary = dir.join("summary.md");
    let started = Instant::now();
    let status = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("RUNNER_TEMP", dir.join("runner"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("MQTTSPEC_PASSWORD", &given["password"])
        .status()
        .expect("bash runs");
    let took = started.elapsed();
    Job {
        ok: status.success(),
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        results,
        took,
    }
}

/// The reports of one run agree: every non-passing case of the JSON report is named
/// in the job summary, JUnit counts the failures the JSON holds, the HTML report is
/// of the same run, and the job passed exactly when nothing failed.
fn check_one_run(job: &Job) -> serde_json::Value {
    for file in ["junit.xml", "results.json", "summary.txt", "summary.md", "report.html"] {
        assert!(job.results.join(file).is_file(), "{file} was not written");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(job.results.join("results.json")).unwrap()).unwrap();
    let results = json["results"].as_array().unwrap();
    let verdict_of = |r: &serde_json::Value| r["verdict"].as_str().unwrap().to_string();
    for r in results.iter().filter(|r| verdict_of(r) != "pass") {
        let name = format!("[{}] {}", r["version"].as_str().unwrap(), r["id"].as_str().unwrap());
        assert!(job.summary.contains(&name), "{name} ({}) missing from the job summary", verdict_of(r));
    }
    let failures =
        results.iter().filter(|r| ["fail", "unexpected-pass"].contains(&verdict_of(r).as_str())).count();
    let errors = results.iter().filter(|r| verdict_of(r) == "error").count();
    let junit = std::fs::read_to_string(job.results.join("junit.xml")).unwrap();
    assert!(junit.contains(&format!("failures=\"{failures}\"")), "{junit}");
    assert_eq!(job.ok, failures == 0 && errors == 0, "exit status and reports disagree: {}", job.summary);
    let html = std::fs::read_to_string(job.results.join("report.html")).unwrap();
    let broker = json["run"]["broker"].as_str().unwrap();
    assert!(
        html.contains(&html_escape::encode_text(broker).to_string()),
        "the HTML report is of another run"
    );
    assert!(job.summary.contains(&format!("**{} cases in", results.len())), "{}", job.summary);
    json
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn action_reports_a_conforming_broker_and_fails_a_broken_one() {
    let dir = std::env::temp_dir().join(format!("mqttspec-action-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let broker = mqttspec_broker::BrokerHandle::start(Default::default(), "127.0.0.1:0".parse().unwrap())
        .await
        .expect("broker");
    let target = format!("tcp://{}", broker.local_addr());
    let good = dir.join("good");
    let job = tokio::task::spawn_blocking({
        let (t, d) = (target.clone(), good.clone());
        move || run_step(&[("target", &t)], &d)
    })
    .await
    .unwrap();
    broker.shutdown().await;
    assert!(job.ok, "the job failed against the reference broker: {}", job.summary);
    assert!(job.summary.starts_with("### mqttspec") && job.summary.contains(" pass"), "{}", job.summary);
    check_one_run(&job);
    let junit = std::fs::read_to_string(good.join("results/junit.xml")).unwrap();
    assert!(junit.contains("MQTT-3.1.2-3"), "JUnit without statement IDs");

    // A "broker" that accepts and closes at once: the job must fail, and say why.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let closer = tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            drop(s);
        }
    });
    let bad = dir.join("bad");
    let job = tokio::task::spawn_blocking(move || run_step(&[("target", &format!("tcp://{addr}"))], &bad))
        .await
        .unwrap();
    closer.abort();
    assert!(!job.ok, "the job passed against a broker that closes every connection: {}", job.summary);
    assert!(job.summary.contains("did not finish"), "{}", job.summary);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A CA and a server certificate for 127.0.0.1, as PEM files in `dir`.
fn make_pki(dir: &Path) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap().signed_by(&key, &ca).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
}

/// Mosquitto on a TLS listener that refuses anonymous clients; killed on drop.
struct Mosquitto(std::process::Child);

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_mosquitto(dir: &Path, port: u16) -> Option<Mosquitto> {
    let program =
        ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"].into_iter().find(|p| Path::new(p).is_file())?;
    make_pki(dir);
    let passwords = dir.join("passwords");
    let made = Command::new("mosquitto_passwd")
        .args(["-b", "-c"])
        .arg(&passwords)
        .args(["ci", "s3cret word"])
        .status()
        .expect("mosquitto_passwd comes with mosquitto");
    assert!(made.success());
    let d = dir.display();
    let conf = format!(
        "per_listener_settings false\nallow_anonymous false\npassword_file {d}/passwords\npersistence false\n\
         listener {port} 127.0.0.1\ncafile {d}/ca.pem\ncertfile {d}/server.pem\nkeyfile {d}/server.key\n"
    );
    std::fs::write(dir.join("mosquitto.conf"), conf).unwrap();
    let log = std::fs::File::create(dir.join("mosquitto.log")).unwrap();
    let child = Command::new(program)
        .arg("-c")
        .arg(dir.join("mosquitto.conf"))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("mosquitto starts");
    let m = Mosquitto(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "mosquitto did not listen: {:?}",
            std::fs::read_to_string(dir.join("mosquitto.log"))
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(m)
}

#[test]
fn action_tests_a_tls_broker_with_a_password() {
    let dir = std::env::temp_dir().join(format!("mqttspec-action-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let Some(_mosquitto) = start_mosquitto(&dir, port) else {
        assert!(
            std::env::var("MQTTSPEC_REQUIRE_MOSQUITTO").as_deref() != Ok("1"),
            "mosquitto is not installed but MQTTSPEC_REQUIRE_MOSQUITTO=1"
        );
        eprintln!("mosquitto is not installed (ci/install-brokers.sh): the TLS + password run is skipped");
        return;
    };
    let target = format!("tls://127.0.0.1:{port}");
    let ca = dir.join("ca.pem").display().to_string();
    let inputs = [
        ("target", target.as_str()),
        ("ca", &ca),
        ("username", "ci"),
        ("password", "s3cret word"),
        ("profile", "mosquitto"),
    ];
    let job = run_step(&inputs, &dir.join("good"));
    eprintln!("the Action's run step took {:.1} s against TLS + password Mosquitto", job.took.as_secs_f64());
    // Whether the job passes is Mosquitto's business (with a login, 2.0.11 answers a
    // CONNECT whose Will fields are missing with CONNACK 0x05 instead of closing);
    // that the reports of the one run agree with each other and the status is ours.
    let json = check_one_run(&job);
    let run = &json["run"];
    assert_eq!(run["profile"].as_str().map(|p| p.starts_with("Mosquitto")), Some(true), "{run}");
    assert!(run["capabilities"]["5.0"].as_array().is_some_and(|c| !c.is_empty()), "{run}");
    assert!(job.summary.contains("expected-fail"), "the profile's deviations are listed: {}", job.summary);
    assert!(job.took < Duration::from_secs(60), "took {:?}", job.took);

    // The wrong password: the job fails and says the broker refused the login,
    // instead of passing on a corpus of "unsupported" cases.
    let inputs = [
        ("target", target.as_str()),
        ("ca", &ca),
        ("username", "ci"),
        ("password", "wrong"),
        ("profile", "mosquitto"),
    ];
    let job = run_step(&inputs, &dir.join("wrong"));
    assert!(!job.ok, "{}", job.summary);
    assert!(job.summary.contains("did not finish"), "{}", job.summary);
    // Without the CA, the certificate is not trusted.
    let job = run_step(
        &[("target", target.as_str()), ("username", "ci"), ("password", "s3cret word")],
        &dir.join("noca"),
    );
    assert!(!job.ok, "{}", job.summary);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the download step with the environment GitHub gives it; returns whether it
/// succeeded and what it wrote to GITHUB_OUTPUT.
fn download(dir: &Path, server: &str, action_ref: &str) -> (bool, String) {
    let step = step("Download mqttspec");
    for (var, expr) in [
        ("SERVER", "${{ github.server_url }}"),
        ("REPO", "${{ github.action_repository }}"),
        ("ACTION_REF", "${{ github.action_ref }}"),
        ("WANTED", "${{ inputs.mqttspec-version }}"),
    ] {
        assert_eq!(step["env"][var].as_str(), Some(expr), "{var}");
    }
    let runner = dir.join("runner");
    let _ = std::fs::remove_dir_all(&runner);
    std::fs::create_dir_all(&runner).unwrap();
    let output = dir.join("output");
    let _ = std::fs::remove_file(&output);
    let status = Command::new("bash")
        .arg("-c")
        .arg(step["run"].as_str().unwrap())
        .envs([("SERVER", server), ("REPO", "owner/mqttspec"), ("ACTION_REF", action_ref), ("WANTED", "")])
        .env("RUNNER_TEMP", &runner)
        .env("RUNNER_OS", "Linux")
        .env("GITHUB_OUTPUT", &output)
        .status()
        .unwrap();
    (status.success(), std::fs::read_to_string(&output).unwrap_or_default())
}

#[test]
fn action_downloads_the_release_binary_and_checks_it() {
    let dir = std::env::temp_dir().join(format!("mqttspec-action-download-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // A release as release.yml lays it out, served from file:// instead of GitHub.
    let triple = format!("{}-unknown-linux-gnu", std::env::consts::ARCH);
    let name = format!("mqttspec-{triple}");
    let release = dir.join("server/owner/mqttspec/releases/download/v9.9.9");
    std::fs::create_dir_all(release.join(&name)).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_mqttspec"), release.join(&name).join("mqttspec")).unwrap();
    let packed = format!("tar -czf {name}.tar.gz {name} && sha256sum {name}.tar.gz > {name}.tar.gz.sha256");
    assert!(Command::new("bash").arg("-c").arg(&packed).current_dir(&release).status().unwrap().success());
    let server = format!("file://{}", dir.join("server").display());

    // The action's own tag names the release; the binary lands where the run step looks.
    let (ok, output) = download(&dir, &server, "v9.9.9");
    assert!(ok && output.contains("from=release"), "{output}");
    let bin = dir.join("runner/mqttspec/bin/mqttspec");
    let version = Command::new(&bin).arg("--version").output().expect("the downloaded binary runs");
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("mqttspec "));

    // No such release (a branch: the latest release, of which there is none here): build.
    let (ok, output) = download(&dir, &server, "main");
    assert!(ok && output.contains("from=source"), "{output}");

    // An archive that does not match its sum fails the step.
    let sums = release.join(format!("{name}.tar.gz.sha256"));
    let text = std::fs::read_to_string(&sums).unwrap();
    let flipped = if text.starts_with('0') { "1" } else { "0" };
    std::fs::write(&sums, format!("{flipped}{}", &text[1..])).unwrap();
    let (ok, output) = download(&dir, &server, "v9.9.9");
    assert!(!ok && !output.contains("from="), "{output}");
    let _ = std::fs::remove_dir_all(&dir);
}
