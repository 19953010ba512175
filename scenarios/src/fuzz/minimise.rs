//! Minimising a finding, re-checked against the target at every step: delta
//! debugging over the session's operations, then over the bytes of each fault or seed
//! it still sends (a fault becomes its bytes first, where they hold none of the
//! session's names, which differ from run to run).

use super::oracle::{Check, Finding};
use super::session::{Names, Op};
use super::{Ctx, Found, differential, exec, wire};
use crate::net::connector::Login;
use exec::Timing;
use mqttspec_codec::{Frame, check_frame};
use std::sync::atomic::Ordering;
use std::time::Duration;

impl Ctx<'_> {
    /// Whether the finding's time for minimising is not over yet (a slow broker
    /// answers nothing to many operations, and every run then waits out its patience).
    fn in_time(&self) -> bool {
        std::time::Instant::now() < self.until
    }

    /// Fresh names for one more run (`who`: `m` minimising, `v` the target, `r` the
    /// reference broker).
    pub(super) fn fresh(&self, who: char, login: Option<Login>) -> Names {
        let n = self.names.fetch_add(1, Ordering::Relaxed);
        Names::new(&format!("{}{who}", self.tag), n, login)
    }

    /// Whether `ops` still shows a finding of `key` on the target.
    async fn reproduces(&self, key: &str, f: &Finding, ops: &[Op], n: &mut u64) -> bool {
        *n += 1;
        let names = self.fresh('m', self.endpoint.login());
        let mut timing = Timing::default();
        let c = self.endpoint.connector(f.version);
        let out = exec::run(c, f.version, &names, ops, &mut timing).await;
        if f.check == Check::Differential {
            let ref_names = self.fresh('r', None);
            let connector = self.reference.connector(f.version);
            let reference = exec::run(connector, f.version, &ref_names, ops, &mut Timing::default()).await;
            return matches!(differential::compare(&out, &reference, ops, f.version),
                Some(differential::Difference::Violation(g)) if g.key() == key);
        }
        if f.check == Check::Liveness {
            let probe = format!("{}live", names.prefix);
            let login = self.endpoint.login();
            return wire::alive(c, f.version, &probe, Duration::from_secs(5), login.as_ref()).await.is_err();
        }
        out.findings.iter().any(|g| g.key() == key)
    }

    /// Delta debugging over the operations: drop chunks while the finding stays.
    pub(super) async fn minimise(&self, f: &Found, budget: usize) -> Vec<Op> {
        let key = f.finding.key();
        let mut ops = f.ops.clone();
        let mut runs = 0u64;
        if f.finding.check == Check::Liveness {
            return ops;
        }
        let drop_ops = |ops: &Vec<Op>, at: usize, chunk: usize| {
            let mut candidate = ops.clone();
            candidate.drain(at..(at + chunk).min(ops.len()));
            (!candidate.is_empty()).then_some(candidate)
        };
        let holds = async |candidate: &Vec<Op>| {
            let spent = (runs as usize) >= budget || !self.in_time();
            if spent { None } else { Some(self.reproduces(&key, &f.finding, candidate, &mut runs).await) }
        };
        ops = ddmin(ops, Vec::len, 0, drop_ops, holds).await;
        let extra = (budget / 3).max(12);
        self.minimise_bytes(&key, &f.finding, ops, runs as usize + extra, &mut runs).await
    }

    /// Delta debugging over the bytes of each fault or seed of `ops`, until `budget`
    /// runs in all.
    async fn minimise_bytes(
        &self,
        key: &str,
        f: &Finding,
        mut ops: Vec<Op>,
        budget: usize,
        runs: &mut u64,
    ) -> Vec<Op> {
        if ((*runs as usize) >= budget || !self.in_time())
            || !ops.iter().any(|o| matches!(o, Op::Fault { .. } | Op::Seed { .. }))
        {
            return ops;
        }
        // The bytes each fault sent, in a run of its own.
        *runs += 1;
        let names = self.fresh('m', self.endpoint.login());
        let out =
            exec::run(self.endpoint.connector(f.version), f.version, &names, &ops, &mut Timing::default())
                .await;
        for i in 0..ops.len() {
            let Op::Fault { c, .. } = &ops[i] else { continue };
            let Some(Some(raw)) = out.raws.get(i) else { continue };
            if raw.windows(names.prefix.len()).any(|w| w == names.prefix.as_bytes())
                || ((*runs as usize) >= budget || !self.in_time())
            {
                continue;
            }
            let mut candidate = ops.clone();
            candidate[i] = Op::Seed { c: *c, bytes: raw.clone().into() };
            if self.reproduces(key, f, &candidate, runs).await {
                ops = candidate;
            }
        }
        for i in 0..ops.len() {
            let Op::Seed { c, bytes } = &ops[i] else { continue };
            let c = *c;
            let holds = async |shorter: &Vec<u8>| {
                if (*runs as usize) >= budget || !self.in_time() {
                    return None;
                }
                let mut candidate = ops.clone();
                candidate[i] = Op::Seed { c, bytes: shorter.clone().into() };
                Some(self.reproduces(key, f, &candidate, runs).await)
            };
            let cut = |b: &Vec<u8>, at, chunk| without(b, at, chunk);
            let bytes = ddmin(bytes.to_vec(), Vec::len, 1, cut, holds).await;
            ops[i] = Op::Seed { c, bytes: bytes.into() };
        }
        ops
    }
}

/// Delta debugging: removes chunks of `items` (as `cut` removes `chunk` items at
/// `at`, from `first` on) while `holds` says the finding still shows, halving the
/// chunk when none can go; `holds` says `None` once the budget or time is spent.
async fn ddmin<T>(
    mut items: T,
    len: impl Fn(&T) -> usize,
    first: usize,
    cut: impl Fn(&T, usize, usize) -> Option<T>,
    mut holds: impl AsyncFnMut(&T) -> Option<bool>,
) -> T {
    let mut chunk = len(&items).div_ceil(2);
    while chunk >= 1 {
        let mut at = first;
        let mut removed = false;
        while at < len(&items) {
            let Some(candidate) = cut(&items, at, chunk) else { break };
            match holds(&candidate).await {
                None => return items,
                Some(true) => {
                    items = candidate;
                    removed = true;
                }
                Some(false) => at += chunk,
            }
        }
        if !removed {
            if chunk == 1 {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
    }
    items
}

/// `bytes` without `len` bytes from `at` (the first byte, the packet type and flags,
/// stays). In a whole packet the cut is made in the body and the remaining length
/// written again to fit, so that the packet stays whole; in anything else the bytes
/// are cut as they are.
fn without(bytes: &[u8], at: usize, len: usize) -> Option<Vec<u8>> {
    let whole = matches!(check_frame(bytes, 1 << 24, mqttspec_codec::Version::V5), Ok(Frame::Complete { len, .. }) if len == bytes.len());
    if whole {
        let header = 1 + bytes[1..].iter().position(|b| b & 0x80 == 0)? + 1;
        let body = &bytes[header..];
        let from = at.checked_sub(1)?;
        if from >= body.len() {
            return None;
        }
        let mut rest = body[..from].to_vec();
        rest.extend_from_slice(&body[(from + len).min(body.len())..]);
        let mut out = vec![bytes[0]];
        let mut n = rest.len();
        loop {
            let b = (n % 128) as u8;
            n /= 128;
            out.push(if n > 0 { b | 0x80 } else { b });
            if n == 0 {
                break;
            }
        }
        out.extend(rest);
        return Some(out);
    }
    if at >= bytes.len() {
        return None;
    }
    let mut out = bytes[..at].to_vec();
    out.extend_from_slice(&bytes[(at + len).min(bytes.len())..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::without;

    #[test]
    fn a_whole_packet_stays_whole_and_other_bytes_are_cut_as_they_are() {
        // SUBSCRIBE, id 1, filter "ab" QoS 0: cut the filter's last byte; the length
        // shrinks with it.
        let sub = [0x82, 0x07, 0x00, 0x01, 0x00, 0x02, b'a', b'b', 0x00];
        assert_eq!(without(&sub, 6, 1).unwrap(), vec![0x82, 0x06, 0x00, 0x01, 0x00, 0x02, b'a', 0x00]);
        // PINGREQ with a declared length beyond its bytes: cut as it is.
        assert_eq!(without(&[0xC0, 0x05, 0x01, 0x02], 2, 1).unwrap(), vec![0xC0, 0x05, 0x02]);
        assert!(without(&[0xC0, 0x00], 1, 1).is_none());
    }
}
