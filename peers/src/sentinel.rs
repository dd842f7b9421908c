//! The emulated grace period shared by the peers that have none: hand the peer a sentinel to
//! reclaim, and wait until it has been reclaimed.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// An emulated grace-period cookie: a flag that the peer sets when it reclaims a sentinel.
///
/// A peer reclaims the sentinel only after every section that began before it was handed over
/// has ended, so a set flag is a completed grace period. It may also wait behind garbage queued
/// earlier, so the emulation is conservative, never early.
///
/// ```
/// use reclaim::Reclaim;
/// let domain = peers::CrossbeamEpoch;
/// let cookie: peers::Sentinel = domain.start_poll();
/// while !domain.poll(&cookie) {}
/// assert!(cookie.is_done());
/// ```
#[derive(Clone, Debug, Default)]
pub struct Sentinel(Arc<AtomicBool>);

impl Sentinel {
    /// Whether the peer has reclaimed the sentinel.
    ///
    /// ```
    /// assert!(!peers::Sentinel::default().is_done());
    /// ```
    pub fn is_done(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Marks the sentinel reclaimed; called from the peer's reclaimer.
    pub(crate) fn set(&self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Runs `step` until `sentinel` is done: spins, then yields, then sleeps briefly between steps.
pub(crate) fn wait_for(sentinel: &Sentinel, mut step: impl FnMut()) {
    let backoff = crossbeam_utils::Backoff::new();
    let mut rounds = 0u32;
    while !sentinel.is_done() {
        step();
        if !backoff.is_completed() {
            backoff.snooze();
        } else if rounds < 64 {
            rounds += 1;
            std::thread::yield_now();
        } else {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

/// A raw pointer that may cross threads; the retire contract makes that sound.
pub(crate) struct SendPtr(pub(crate) *mut ());

// SAFETY: `Reclaim::retire_raw`'s caller promises that `free(ptr)` may run on any thread.
unsafe impl Send for SendPtr {}
