//! Replays every committed fuzz corpus file and every saved regression input through
//! the same oracles the fuzz targets call (`fuzz/fuzz_targets/*`), on stable Rust
//! with plain `cargo test`.

use arbitrary::{Arbitrary, Unstructured};
use mqttspec_codec::{Packet, Version, fuzzing};
use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut files = Vec::new();
    for dir in ["corpus", "regressions"] {
        if let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) {
            files.extend(entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()));
        }
    }
    files.sort();
    files
}

fn replay(target: &str, oracle: impl Fn(&[u8]) -> Result<(), String>) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no committed inputs for {target}");
    let failures: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let data = std::fs::read(f).expect("readable input");
            oracle(&data).err().map(|e| format!("{}: {e}", f.display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} {target} inputs fail:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn decode_v311() {
    replay("decode_v311", |d| fuzzing::decode(d, Version::V3_1_1));
}

#[test]
fn decode_v5() {
    replay("decode_v5", |d| fuzzing::decode(d, Version::V5));
}

#[test]
fn stream() {
    replay("stream", fuzzing::stream);
}

#[test]
fn roundtrip() {
    replay("roundtrip", |d| {
        // libfuzzer-sys builds typed inputs exactly so.
        let Ok((packet, v5)) = <(Packet, bool)>::arbitrary_take_rest(Unstructured::new(d)) else {
            return Ok(());
        };
        fuzzing::roundtrip(&packet, if v5 { Version::V5 } else { Version::V3_1_1 })
    });
}

#[test]
fn broker() {
    replay("broker", mqttspec_broker::fuzzing::broker);
}

#[test]
fn scenario_loader() {
    replay("scenario_loader", |d| {
        mqttspec::format::load::fuzz(d);
        Ok(())
    });
}
