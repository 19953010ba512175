//! Replays one `broker` fuzz input with a trace of every input and action:
//! `cargo run -p mqttspec-broker --example fuzz_trace -- fuzz/artifacts/broker/crash-...`.

fn main() {
    let path = std::env::args().nth(1).expect("usage: fuzz_trace <input file>");
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    if let Err(e) = mqttspec_broker::fuzzing::broker_traced(&data, true) {
        println!("oracle failure: {e}");
        std::process::exit(1);
    }
    println!("no oracle failure");
}
