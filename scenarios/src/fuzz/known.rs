//! What the fuzzer already knows: the packets the scenario corpus sends (its seeds),
//! and the deviations a broker's profile lists (not reported again).

use super::oracle::Finding;
use super::session::Op;
use super::wire;
use crate::format::load::Loaded;
use crate::target::profile::Profile;
use crate::version::Version;
use bytes::Bytes;
use std::collections::{BTreeMap, HashSet};

/// Whether a profile already lists a deviation of `f`: its scenario cites `f`'s
/// statement, sends the very packet (a seed) in whose window `f` showed, or, for a
/// malformed packet the broker carried on from, sends a packet of the same type that
/// the strict codec refuses for the same reason.
pub(super) fn known(profile: Option<&Profile>, corpus: &[Loaded], f: &Finding, ops: &[Op]) -> bool {
    let Some(p) = profile else { return false };
    let v = f.version;
    let seed = match ops.get(f.op) {
        Some(Op::Seed { bytes, .. }) => Some(bytes.clone()),
        _ => None,
    };
    let sends_seed = |l: &Loaded| {
        seed.as_ref().is_some_and(|s| {
            crate::tools::seeds::packets_by_version(l)
                .into_iter()
                .any(|(sv, sent)| sv == v && sent.contains(s))
        })
    };
    let refused = f.raw.as_ref().and_then(|raw| Some((raw.first()? >> 4, wire::refusal(raw, v)?.citation())));
    let same_refusal = |l: &Loaded| {
        let Some((kind, why)) = &refused else { return false };
        crate::tools::seeds::packets_by_version(l)
            .into_iter()
            .filter(|(sv, _)| *sv == v)
            .flat_map(|(_, b)| b)
            .any(|b| {
                b.first().map(|x| x >> 4) == Some(*kind)
                    && wire::refusal(&b, v).is_some_and(|r| r.citation() == *why)
            })
    };
    p.deviations.iter().filter(|d| d.versions.is_empty() || d.versions.contains(&v)).any(|d| {
        corpus.iter().filter(|l| l.scenario.id == d.scenario).any(|l| {
            l.scenario.statements.for_version(v).iter().any(|s| f.statements.contains(s))
                || same_refusal(l)
                || sends_seed(l)
        })
    })
}

/// Every packet the scenario corpus sends, encoded, as seeds per version.
pub fn corpus_seeds(corpus: &[Loaded]) -> BTreeMap<Version, Vec<Bytes>> {
    let mut out: BTreeMap<Version, Vec<Bytes>> = BTreeMap::new();
    let mut seen = HashSet::new();
    for l in corpus {
        for (v, sent) in crate::tools::seeds::packets_by_version(l) {
            for bytes in sent {
                if bytes.len() <= 512 && seen.insert((v, bytes.clone())) {
                    out.entry(v).or_default().push(bytes);
                }
            }
        }
    }
    out
}
