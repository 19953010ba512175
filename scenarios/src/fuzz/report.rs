//! What a fuzz run says: counters, the live progress line (indicatif), the findings
//! and the JSON summary written next to their scenarios.

use super::FuzzOptions;
use super::oracle::{Check, Finding};
use super::session::Op;
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Counters the workers share.
#[derive(Debug, Default)]
pub struct Counters {
    /// Sessions started.
    pub sessions: AtomicU64,
    /// Packets sent.
    pub sent: AtomicU64,
    /// Packets received.
    pub received: AtomicU64,
    /// Distinct response signatures.
    pub signatures: AtomicU64,
    /// Distinct findings.
    pub findings: AtomicU64,
}

/// One distinct finding.
#[derive(Debug, Clone, Serialize)]
pub struct FindingReport {
    /// Check, statements and version: what findings are told apart by.
    pub key: String,
    /// Which invariant.
    pub check: Check,
    /// Statements broken.
    pub statements: Vec<String>,
    /// MQTT version.
    pub version: String,
    /// `must`, or `should` where the statement leaves the check to the broker.
    pub level: String,
    /// What happened.
    pub message: String,
    /// Operations of the minimised session.
    pub steps: usize,
    /// The minimised session, one operation a line.
    pub session: Vec<String>,
    /// The scenario written, if any.
    pub scenario: Option<String>,
    /// The scenario fails on the target at the finding's steps and passes on the
    /// reference broker.
    pub confirmed: bool,
    /// How the check of the scenario went.
    pub verification: String,
}

impl FindingReport {
    /// A report of `f` shown by `ops`, not yet written.
    pub fn new(f: &Finding, ops: &[Op]) -> FindingReport {
        FindingReport {
            key: f.key(),
            check: f.check,
            statements: f.statements.clone(),
            version: f.version.as_str().to_string(),
            level: if f.should { "should" } else { "must" }.to_string(),
            message: f.message.clone(),
            steps: ops.len(),
            session: ops.iter().map(|o| format!("{o:?}")).collect(),
            scenario: None,
            confirmed: false,
            verification: String::new(),
        }
    }
}

/// The end of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The target.
    pub target: String,
    /// The seed.
    pub seed: u64,
    /// Seconds spent fuzzing (minimising excluded).
    pub seconds: f64,
    /// Sessions run.
    pub sessions: u64,
    /// Packets sent.
    pub packets_sent: u64,
    /// Packets received.
    pub packets_received: u64,
    /// Packets sent per second.
    pub packets_per_second: f64,
    /// Sessions per second.
    pub sessions_per_second: f64,
    /// Distinct response signatures.
    pub signatures: u64,
    /// Stopped by a signal.
    pub interrupted: bool,
    /// Distinct findings.
    pub findings: Vec<FindingReport>,
    /// Differences from the reference broker that no statement decides, most
    /// frequent first.
    pub informational: Vec<super::differential::Informational>,
}

impl Summary {
    /// The summary as lines for a terminal.
    pub fn text(&self) -> String {
        let mut out = format!(
            "fuzzed {} for {:.1} s (seed {}): {} sessions ({:.0}/s), {} packets sent ({:.0}/s), {} received, {} distinct signatures, {} findings{}\n",
            self.target,
            self.seconds,
            self.seed,
            self.sessions,
            self.sessions_per_second,
            self.packets_sent,
            self.packets_per_second,
            self.packets_received,
            self.signatures,
            self.findings.len(),
            if self.interrupted { " (interrupted)" } else { "" }
        );
        for f in &self.findings {
            out.push_str(&format!(
                "  [{}] [{}] {:?} {}: {}\n      {} steps; {}{}\n",
                f.version,
                f.level.to_uppercase(),
                f.check,
                f.statements.join(" "),
                f.message,
                f.steps,
                f.scenario.as_deref().map(|s| format!("{s}: ")).unwrap_or_default(),
                f.verification
            ));
        }
        if !self.informational.is_empty() {
            let sessions: u64 = self.informational.iter().map(|i| i.count).sum();
            out.push_str(&format!(
                "  {} informational differences from the reference broker ({} sessions; no statement decides them, see summary.json):\n",
                self.informational.len(),
                sessions
            ));
            for i in self.informational.iter().take(5) {
                out.push_str(&format!("    [{}] {} ×{}\n", i.version, i.key, i.count));
            }
        }
        out
    }

    /// Whether any finding is a MUST violation (the exit status says so; SHOULD-level
    /// findings are listed, as `run` lists them without failing).
    pub fn has_findings(&self) -> bool {
        self.findings.iter().any(|f| f.level == "must")
    }
}

/// The summary of a run.
pub fn summary(
    label: &str,
    opts: &FuzzOptions,
    seconds: f64,
    c: &Counters,
    findings: Vec<FindingReport>,
    interrupted: bool,
) -> Summary {
    let sessions = c.sessions.load(Ordering::Relaxed);
    let sessions = opts.max_sessions.map_or(sessions, |m| sessions.min(m));
    let sent = c.sent.load(Ordering::Relaxed);
    let secs = seconds.max(1e-3);
    Summary {
        target: label.to_string(),
        seed: opts.seed,
        seconds,
        sessions,
        packets_sent: sent,
        packets_received: c.received.load(Ordering::Relaxed),
        packets_per_second: sent as f64 / secs,
        sessions_per_second: sessions as f64 / secs,
        signatures: c.signatures.load(Ordering::Relaxed),
        interrupted,
        findings,
        informational: Vec::new(),
    }
}

/// The live progress line.
#[derive(Debug)]
pub struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    /// A spinner on standard error, or nothing.
    pub fn new(on: bool) -> Progress {
        Progress(on.then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar
        }))
    }

    /// Updates the line every 250 ms until aborted.
    pub fn tick(&self, c: Arc<Counters>, started: Instant) -> tokio::task::JoinHandle<()> {
        let bar = self.0.clone();
        tokio::spawn(async move {
            let Some(bar) = bar else { return };
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let secs = started.elapsed().as_secs_f64().max(1e-3);
                let sent = c.sent.load(Ordering::Relaxed);
                let sessions = c.sessions.load(Ordering::Relaxed);
                bar.set_message(format!(
                    "{:.0} packets/s, {:.1} sessions/s, {} signatures, {} findings",
                    sent as f64 / secs,
                    sessions as f64 / secs,
                    c.signatures.load(Ordering::Relaxed),
                    c.findings.load(Ordering::Relaxed)
                ));
                bar.tick();
            }
        })
    }

    /// Clears the line.
    pub fn finish(&self) {
        if let Some(b) = &self.0 {
            b.finish_and_clear();
        }
    }
}
