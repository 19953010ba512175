//! The `mqttspec` binary's small subcommands, run as a user would.

use std::io::Write;
use std::process::{Command, Stdio};

fn mqttspec(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mqttspec"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mqttspec starts");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("writes");
    child.wait_with_output().expect("mqttspec ends")
}

#[test]
fn passwd_writes_a_line_the_broker_reads() {
    let out = mqttspec(&["passwd", "--iterations", "64", "alice"], "wonderland\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = String::from_utf8(out.stdout).unwrap();
    assert!(line.starts_with("alice:SCRAM-SHA-256$64:"), "{line}");
    let users = mqttspec_broker::auth::Users::parse(&line, "stdout").expect("a valid password file line");
    assert!(users.check_password("alice", b"wonderland"));
    assert!(!users.check_password("alice", b"wonderland\n"));
    // Two runs salt differently.
    let again = mqttspec(&["passwd", "--iterations", "64", "alice"], "wonderland\n");
    assert_ne!(String::from_utf8(again.stdout).unwrap(), line);
}

#[test]
fn passwd_refuses_what_it_cannot_store() {
    let out = mqttspec(&["passwd", "a:b"], "x\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("':'"));
    let out = mqttspec(&["passwd", "alice"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no password"));
}

#[test]
fn writing_to_a_closed_pipe_ends_quietly() {
    // `mqttspec list | head -1`: the reader goes away after one line.
    let mut child = Command::new(env!("CARGO_BIN_EXE_mqttspec"))
        .arg("list")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mqttspec starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("the first bytes of the list");
    drop(stdout);
    let out = child.wait_with_output().expect("mqttspec ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn exit_statuses_say_whose_fault() {
    // 2: usage. The one spelling of a version is refused as it is in YAML.
    let out = mqttspec(&["run", "--version", "5"], "");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected 3.1.1 or 5.0"));
    let out = mqttspec(&["run", "--timeout-scale", "0"], "");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    // 3: the harness cannot run: nothing listens there (a port bound and released).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let target = format!("tcp://127.0.0.1:{port}");
    let out = mqttspec(&["run", "--target", &target, "--filter", "3.1-connect/reserved-flag"], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot reach the target"), "{stderr}");
    // 0: everything passed.
    let out = mqttspec(&["run", "--filter", "3.1-connect/reserved-flag"], "");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    // --help documents them.
    let out = mqttspec(&["--help"], "");
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("3 the harness could not run") && help.contains("130 interrupted"), "{help}");
}

#[test]
fn target_and_path_errors_say_what_is_wrong() {
    for (args, needle) in [
        (vec!["run", "--target", "foo://x:1"], "unknown scheme \"foo\""),
        (vec!["run", "--target", "tcp://127.0.0.1"], "no port: write tcp://127.0.0.1:PORT"),
        (vec!["run", "--target", "tls://localhost:88x3"], "port \"88x3\" is not a number"),
        (vec!["run", "--profile", "no-such-broker"], "neither a file nor a known profile"),
        (vec!["list", "--corpus", "/nonexistent/corpus"], "no such scenario folder"),
        (vec!["run", "--username", "u"], "--password"),
        (vec!["run", "--password", "p"], "needs --username"),
    ] {
        let out = mqttspec(&args, "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn a_profile_named_by_its_name_is_found() {
    // `--profile reference` is the committed profiles/reference.yaml, which lists no
    // deviation of the embedded broker; the run passes.
    let out = mqttspec(&["run", "--profile", "reference", "--filter", "3.1-connect/reserved-flag"], "");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn junit_json_and_exit_status_agree_for_every_fail_on() {
    // A SHOULD-level and a MUST-level scenario the embedded broker misses (it sends
    // no PINGRESP unasked), and one it passes, in a corpus of their own.
    let dir = std::env::temp_dir().join(format!("mqttspec-fail-on-{}", std::process::id()));
    let case = dir.join("x.y");
    std::fs::create_dir_all(&case).unwrap();
    let scenario = |name: &str, level: &str, wanted: &str| {
        let text = format!(
            "id: x.y/{name}\ntitle: t {name}\nstatements: [MQTT-3.1.2-24]\nlevel: {level}\nversions: ['3.1.1']\nsteps:\n  - connect: {{client: a}}\n  - expect: {{client: a, packet: {{{wanted}: {{}}}}, within-ms: 100}}\n"
        );
        std::fs::write(case.join(format!("{name}.yaml")), text).unwrap();
    };
    scenario("should", "should", "pingresp");
    scenario("must", "must", "pingresp");
    let corpus = dir.to_string_lossy().to_string();
    for (fail_on, code, failures) in [("must", 1, "failures=\"1\""), ("should", 1, "failures=\"2\"")] {
        let (junit, json) = (dir.join(format!("{fail_on}.xml")), dir.join(format!("{fail_on}.json")));
        let (junit_arg, json_arg) = (junit.to_string_lossy().to_string(), json.to_string_lossy().to_string());
        let out = mqttspec(
            &["run", "--corpus", &corpus, "--fail-on", fail_on, "--junit", &junit_arg, "--json", &json_arg],
            "",
        );
        assert_eq!(out.status.code(), Some(code), "{}", String::from_utf8_lossy(&out.stderr));
        let xml = std::fs::read_to_string(&junit).unwrap();
        assert!(xml.contains("tests=\"2\"") && xml.contains(failures), "--fail-on {fail_on}: {xml}");
        // What a broker author reads first; no machine path; no dots in class names.
        assert!(xml.contains("message=\"[MUST] MQTT-3.1.2-24: t must — "), "{xml}");
        assert!(xml.contains("x.y/must.yaml:8") && !xml.contains(corpus.as_str()), "{xml}");
        assert!(xml.contains("classname=\"mqttspec-x_y\""), "{xml}");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        let run = &report["run"];
        assert_eq!(run["target"], "embedded", "{run}");
        assert!(run["tool"].as_str().unwrap().starts_with("mqttspec "), "{run}");
        assert!(run["start_time"].as_str().unwrap().ends_with('Z'), "{run}");
        assert!(run["duration_s"].as_f64().unwrap() > 0.0, "{run}");
        assert!(run["capabilities"]["3.1.1"].as_array().is_some_and(|c| !c.is_empty()), "{run}");
        assert_eq!(run["interrupted"], false);
        let results = report["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        assert!(
            results.iter().any(|r| r["level"] == "must" && r["title"] == "t must" && r["verdict"] == "fail")
        );
    }
    // Without the failing MUST, `--fail-on must` passes and JUnit counts no failure.
    std::fs::remove_file(case.join("must.yaml")).unwrap();
    for (fail_on, code, failures) in [("must", 0, "failures=\"0\""), ("should", 1, "failures=\"1\"")] {
        let junit = dir.join(format!("{fail_on}-2.xml"));
        let junit_arg = junit.to_string_lossy().to_string();
        let out = mqttspec(&["run", "--corpus", &corpus, "--fail-on", fail_on, "--junit", &junit_arg], "");
        assert_eq!(out.status.code(), Some(code), "{}", String::from_utf8_lossy(&out.stderr));
        let xml = std::fs::read_to_string(&junit).unwrap();
        assert!(xml.contains(failures), "--fail-on {fail_on}: {xml}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_says_what_it_runs_against_first() {
    let out = mqttspec(&["run", "--version", "3.1.1", "--filter", "3.1-connect/reserved-flag"], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let header = stderr.split("\n\n").next().unwrap();
    assert!(header.starts_with("mqttspec ") && header.contains("against embedded"), "{header}");
    assert!(header.contains("profile:      none") && header.contains("versions:     3.1.1\n"), "{header}");
    assert!(header.contains("capabilities: 3.1.1  qos1 qos2 retain"), "{header}");
    assert!(
        header.contains("corpus:       embedded (") && header.contains("1 selected, 1 cases)"),
        "{header}"
    );
}

#[test]
fn a_copied_binary_runs_from_any_folder() {
    // The corpus, profiles and catalogues are inside the binary: a copy in a folder of
    // its own, run from another folder, finds everything, and `process:reference`
    // starts that very copy as the broker.
    let dir = std::env::temp_dir().join(format!("mqttspec-copied-{}", std::process::id()));
    let (bin_dir, cwd) = (dir.join("bin"), dir.join("elsewhere"));
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::create_dir_all(&cwd).unwrap();
    let bin = bin_dir.join("mqttspec");
    std::fs::copy(env!("CARGO_BIN_EXE_mqttspec"), &bin).unwrap();
    let run = |args: &[&str]| {
        Command::new(&bin).args(args).current_dir(&cwd).env("PATH", "/usr/bin:/bin").output().unwrap()
    };
    for target in ["embedded", "process:reference"] {
        let out = run(&["run", "--target", target, "--filter", "3.1-connect/reserved-flag"]);
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(0), "{target}: {stdout}{stderr}");
        assert!(stdout.contains("2 pass"), "{target}: {stdout}");
    }
    let out = run(&["coverage"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("proven"), "{stdout}");
    // A profile by name, from the embedded ones; a folder of profiles instead.
    let out = run(&["run", "--profile", "mosquitto", "--filter", "3.1-connect/reserved-flag"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let profiles = dir.join("profiles");
    std::fs::create_dir_all(&profiles).unwrap();
    std::fs::write(profiles.join("mine.yaml"), "broker: mine\nversion: '1'\nnotes: [not, a, string]\n")
        .unwrap();
    let p = profiles.to_string_lossy().to_string();
    let out = run(&["run", "--profiles", &p, "--profile", "mine", "--filter", "3.1-connect/reserved-flag"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("mine.yaml") && stderr.contains("notes"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts a whole-corpus run writing JSON and JUnit into `dir`; returns the child
/// and a channel of its standard error lines.
fn long_run(
    dir: &std::path::Path,
    extra: &[&str],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    std::fs::create_dir_all(dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mqttspec"))
        .args(["run", "--jobs", "1", "--json", "r.json", "--junit", "r.xml"])
        .args(extra)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mqttspec starts");
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)).map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

/// The reports an interrupted run left in `dir`: some cases, not all, and said so.
/// `stderr`: what it said there, when it could.
fn check_partial_reports(dir: &std::path::Path, out: std::process::Output, stderr: Option<&str>) {
    assert_eq!(out.status.code(), Some(130), "{stderr:?}");
    if let Some(stderr) = stderr {
        assert!(stderr.contains("interrupted after"), "{stderr}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("r.json")).expect("JSON written")).unwrap();
    assert_eq!(report["run"]["interrupted"], true);
    let done = report["results"].as_array().unwrap().len() as u64;
    let total = report["run"]["cases"].as_u64().unwrap();
    assert!(done > 0 && done < total, "{done} of {total}");
    let xml = std::fs::read_to_string(dir.join("r.xml")).expect("JUnit written");
    assert!(xml.contains(&format!("tests=\"{done}\"")), "{xml}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(&format!("{done} cases in")), "{stdout}");
}

#[test]
fn ctrl_c_leaves_the_reports_of_what_finished() {
    // As in a cancelled CI step: the signal reaches the whole process group, so the
    // reader of standard error (`| tee`) is gone too when the reports are written.
    let dir = std::env::temp_dir().join(format!("mqttspec-sigint-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_mqttspec"))
        .args(["run", "--jobs", "1", "--json", "r.json", "--junit", "r.xml"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mqttspec starts");
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let (mut seen, mut passes) = (String::new(), 0);
    while passes < 3 {
        let mut line = String::new();
        assert!(std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0, "ended early: {seen}");
        passes += usize::from(line.starts_with("pass "));
        seen.push_str(&line);
    }
    drop(stderr);
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("panicked"));
    check_partial_reports(&dir, out, None);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_past_max_duration_stops_as_if_interrupted() {
    let dir = std::env::temp_dir().join(format!("mqttspec-deadline-{}", std::process::id()));
    // Long enough for some cases on a loaded machine (loading the corpus alone takes
    // 0.4 s in a debug build), far too short for the 70 s the corpus takes one at a time.
    let (child, lines) = long_run(&dir, &["--max-duration", "8"]);
    let out = child.wait_with_output().unwrap();
    let stderr: Vec<String> = lines.iter().collect();
    check_partial_reports(&dir, out, Some(&stderr.join("\n")));
    let _ = std::fs::remove_dir_all(&dir);
    let out = mqttspec(&["run", "--max-duration=0"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-duration"));
}
