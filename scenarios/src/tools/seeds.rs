//! Seed corpora for the fuzz targets, generated from the scenario corpus: every
//! packet a scenario sends, as the bytes it sends (tampered ones included), and the
//! scenario files themselves for the loader.

use crate::format::build::{self as packets, Vars};
use crate::format::load::Loaded;
use crate::format::model::Step;
use crate::version::Version;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn name(bytes: &[u8]) -> String {
    // FNV-1a of the content: stable file names, duplicates collapse.
    let h =
        bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    format!("seed-{h:016x}")
}

/// The bytes each send step of `l` puts on the wire (tampered ones included), per
/// version the scenario runs in, in step order.
pub fn packets_by_version(l: &Loaded) -> Vec<(Version, Vec<bytes::Bytes>)> {
    let mut out = Vec::new();
    for version in &l.scenario.versions {
        let mut vars = Vars { prefix: "seed".into(), ..Vars::default() };
        for step in &l.scenario.steps {
            if let Step::Connect(c) = step {
                vars.ids.insert(c.client.clone(), format!("seed{}", c.client));
            }
        }
        let mut sent = Vec::new();
        for step in &l.scenario.steps {
            let bytes = match step {
                Step::Connect(c) => packets::build_connect(&vars, &c.fields(), &c.client, version.codec())
                    .ok()
                    .and_then(|p| {
                        packets::encode(
                            &mqttspec_codec::Packet::Connect(Box::new(p)),
                            version.codec(),
                            &c.tamper,
                        )
                        .ok()
                    }),
                Step::Send(s) => packets::build(&vars, &s.packet, &s.client, version.codec())
                    .ok()
                    .and_then(|p| packets::encode(&p, version.codec(), &s.tamper).ok()),
                Step::SendRaw(s) => packets::parse_hex(&s.hex).ok().map(Into::into),
                _ => None,
            };
            sent.extend(bytes);
        }
        out.push((*version, sent));
    }
    out
}

/// Every packet `l` sends, in any version.
pub fn packets(l: &Loaded) -> Vec<bytes::Bytes> {
    packets_by_version(l).into_iter().flat_map(|(_, b)| b).collect()
}

/// Writes `<out>/<target>/seed-*`; returns how many files each target got.
pub fn write(scenarios: &[Loaded], out: &Path) -> std::io::Result<BTreeMap<&'static str, usize>> {
    let mut sets: BTreeMap<&'static str, BTreeSet<Vec<u8>>> = BTreeMap::new();
    for l in scenarios {
        let text = l.text.as_bytes().to_vec();
        sets.entry("scenario_loader").or_default().insert(text);
        for (version, sent) in packets_by_version(l) {
            let target = match version {
                Version::V311 => "decode_v311",
                Version::V5 => "decode_v5",
            };
            let mut stream = Vec::new();
            for b in sent {
                stream.extend_from_slice(&b);
                sets.entry(target).or_default().insert(b.to_vec());
            }
            if !stream.is_empty() {
                // The stream target's first byte picks the version and chunk size.
                let selector = if version == Version::V5 { 0x0F } else { 0x0E };
                let mut s = vec![selector];
                s.extend_from_slice(&stream);
                sets.entry("stream").or_default().insert(s);
            }
        }
    }
    let mut counts = BTreeMap::new();
    for (target, files) in sets {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir)?;
        for f in &files {
            std::fs::write(dir.join(name(f)), f)?;
        }
        counts.insert(target, files.len());
    }
    Ok(counts)
}
