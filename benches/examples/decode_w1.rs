//! Decodes W1 (or `W3` as the first argument) in a loop, for profiling with perf or
//! callgrind: `cargo run --release -p mqttspec-benches --example decode_w1`.

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "W1".into());
    let w = if which == "W3" { mqttspec_benches::w3(8_000) } else { mqttspec_benches::w1(20_000) };
    let mut total = 0;
    for _ in 0..200 {
        total += mqttspec_benches::decode_mqttspec(&w).packets;
    }
    println!("{total}");
}
