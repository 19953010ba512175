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
fn junit_and_exit_status_agree_for_fail_on_should() {
    // A SHOULD-level scenario the embedded broker misses, in a corpus of its own.
    let dir = std::env::temp_dir().join(format!("mqttspec-should-{}", std::process::id()));
    let case = dir.join("x");
    std::fs::create_dir_all(&case).unwrap();
    std::fs::write(
        case.join("should.yaml"),
        "id: x/should\ntitle: t\nstatements: [MQTT-3.1.2-24]\nlevel: should\nversions: ['3.1.1']\nsteps:\n  - connect: {client: a}\n  - expect: {client: a, packet: {pingresp: {}}, within-ms: 100}\n",
    )
    .unwrap();
    let corpus = dir.to_string_lossy().to_string();
    for (fail_on, code, failures) in [("must", 0, "failures=\"0\""), ("should", 1, "failures=\"1\"")] {
        let junit = dir.join(format!("{fail_on}.xml"));
        let junit_arg = junit.to_string_lossy().to_string();
        let out = mqttspec(&["run", "--corpus", &corpus, "--fail-on", fail_on, "--junit", &junit_arg], "");
        assert_eq!(out.status.code(), Some(code), "{}", String::from_utf8_lossy(&out.stderr));
        let xml = std::fs::read_to_string(&junit).unwrap();
        assert!(xml.contains(failures), "--fail-on {fail_on}: {xml}");
    }
    let _ = std::fs::remove_dir_all(&dir);
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
    std::fs::write(profiles.join("mine.yaml"), "broker: mine\nversion: '1'\nnotes: [not, a, string]\n").unwrap();
    let p = profiles.to_string_lossy().to_string();
    let out = run(&["run", "--profiles", &p, "--profile", "mine", "--filter", "3.1-connect/reserved-flag"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("mine.yaml") && stderr.contains("notes"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
