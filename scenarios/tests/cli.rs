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
