//! The two kinds of time in a run, kept apart so that a reader cannot confuse them.
//!
//! *Patience* is how long the runner waits for something that should happen: a
//! CONNACK, a delivery, the close after a refusal. `--timeout-scale` multiplies it,
//! so that a slow broker (or a loaded CI machine) gets more time without any
//! verdict changing. *Protocol time* is a window the spec or the scenario defines: a
//! keep-alive, a Will Delay, a message expiry, "nothing within 300 ms", a deadline
//! such as "closed within one and a half keep-alives". It is never scaled: scaling
//! it would make a correct broker fail (a window that must end before a Will Delay
//! runs past it) or a wrong one pass (a deadline stretched until a late broker meets
//! it).

use crate::format::model::WaitFor;
use std::time::Duration;

/// Patience when a step names none, in milliseconds.
pub const DEFAULT_PATIENCE_MS: u64 = 3000;
/// The `expect-nothing` window when a step names none (protocol time), in ms.
pub const DEFAULT_NOTHING_MS: u64 = 300;
/// Patience for a closing client to see the broker close its side, in ms.
pub const CLOSE_SETTLE_MS: u64 = 1000;

/// The clock of a run: scales patience, passes protocol time through.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    scale: f64,
}

/// A `--timeout-scale` that is not a positive, finite number.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--timeout-scale {0}: must be a positive number (e.g. 3 for a slow broker)")]
pub struct BadScale(pub f64);

impl Default for Clock {
    fn default() -> Self {
        Clock { scale: 1.0 }
    }
}

impl Clock {
    /// A clock whose patience is multiplied by `scale`.
    pub fn new(scale: f64) -> Result<Clock, BadScale> {
        if scale.is_finite() && scale > 0.0 { Ok(Clock { scale }) } else { Err(BadScale(scale)) }
    }

    /// The factor patience is multiplied by.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Patience of `ms` milliseconds, scaled. The one place scaling happens.
    pub fn patience(&self, ms: u64) -> Duration {
        Duration::from_secs_f64(ms as f64 * self.scale / 1000.0)
    }

    /// The default patience, scaled.
    pub fn default_patience(&self) -> Duration {
        self.patience(DEFAULT_PATIENCE_MS)
    }

    /// Protocol time of `ms` milliseconds: exactly that, whatever the scale.
    pub fn protocol(ms: u64) -> Duration {
        Duration::from_millis(ms)
    }

    /// How long an expectation waits.
    pub fn wait(&self, w: WaitFor) -> Duration {
        match w {
            WaitFor::Patience(ms) => self.patience(ms.unwrap_or(DEFAULT_PATIENCE_MS)),
            WaitFor::Within(ms) => Clock::protocol(ms),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patience_scales_and_protocol_time_does_not() {
        let slow = Clock::new(3.0).unwrap();
        assert_eq!(slow.patience(1000), Duration::from_secs(3));
        assert_eq!(slow.wait(WaitFor::Patience(None)), Duration::from_secs(9));
        assert_eq!(slow.wait(WaitFor::Within(600)), Duration::from_millis(600));
        let fast = Clock::new(0.5).unwrap();
        assert_eq!(fast.wait(WaitFor::Within(600)), Duration::from_millis(600));
        assert_eq!(fast.wait(WaitFor::Patience(Some(1000))), Duration::from_millis(500));
    }

    #[test]
    fn nonsense_scales_are_refused() {
        for s in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(Clock::new(s).is_err(), "{s}");
        }
    }
}
