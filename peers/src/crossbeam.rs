//! crossbeam-epoch 0.9 on its default (global) collector.

use core::hint::black_box;
use std::time::{Duration, Instant};

use reclaim::Reclaim;

use crate::sentinel::{SendPtr, Sentinel, wait_for};
use crate::{Fidelity, Mapping, Peer};

/// crossbeam-epoch 0.9 behind [`Reclaim`], on crossbeam's default global collector.
///
/// Mapping:
/// - `enter` is [`crossbeam_epoch::pin`]; the guard is crossbeam's
///   [`Guard`](crossbeam_epoch::Guard).
/// - `retire` is `Guard::defer_unchecked` of the deleter, from a (nested, cheap) pin.
/// - `synchronize` is **emulated**: crossbeam exposes no epoch and no grace-period wait
///   (crossbeam-rs/crossbeam#459). It defers a sentinel that sets a flag, then pins and
///   `flush`es until the sentinel has run. A deferred function runs only once the global epoch
///   is two ahead of its bag, so every guard pinned before the call has been dropped: this is a
///   real (and conservative) grace period, but it also waits behind garbage queued earlier.
/// - `start_poll` and `poll` are the same sentinel, without the wait.
/// - `barrier` is the same sentinel wait. It covers everything this thread deferred and every
///   bag already pushed to the global queue (including bags of exited threads), but **not**
///   functions still sitting in another live thread's local bag: crossbeam cannot flush those.
///
/// All values share the one global collector: this "domain" is not independent, and a guard
/// held anywhere in the process delays every value.
///
/// ```
/// use reclaim::Reclaim;
/// let domain = peers::CrossbeamEpoch;
/// let guard = domain.enter();
/// domain.retire(Box::new(7u64));
/// drop(guard);
/// domain.barrier();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct CrossbeamEpoch;

impl Peer for CrossbeamEpoch {
    const ID: &'static str = "crossbeam-epoch";
    const NAME: &'static str = "crossbeam-epoch";
    const MAPPING: Mapping = Mapping {
        enter: Fidelity::Native,
        retire: Fidelity::Native,
        synchronize: Fidelity::Emulated(
            "defers a sentinel, then pins and flushes until it ran; waits behind queued garbage",
        ),
        poll: Fidelity::Emulated("a deferred sentinel's flag"),
        barrier: Fidelity::Partial("cannot flush other live threads' local bags"),
    };
}

impl CrossbeamEpoch {
    fn sentinel(&self) -> Sentinel {
        let sentinel = Sentinel::default();
        let flag = sentinel.clone();
        crossbeam_epoch::pin().defer(move || flag.set());
        sentinel
    }

    fn sentinel_wait(&self) {
        let sentinel = self.sentinel();
        wait_for(&sentinel, || crossbeam_epoch::pin().flush());
    }

    /// Times `iters` empty pins through a handle registered once with the default collector
    /// (`default_collector().register()`, then `LocalHandle::pin`): crossbeam's counterpart of
    /// a registered reader, which skips the thread-local lookup that `pin()` makes. Not a
    /// trait operation; the benches report it as a row of its own.
    ///
    /// ```
    /// let t = peers::CrossbeamEpoch.time_registered_read_side(1000);
    /// println!("1000 pins took {t:?}");
    /// ```
    pub fn time_registered_read_side(&self, iters: u64) -> Duration {
        let handle = crossbeam_epoch::default_collector().register();
        let start = Instant::now();
        for _ in 0..iters {
            drop(black_box(handle.pin()));
        }
        start.elapsed()
    }
}

// SAFETY: deferred functions run only after the global epoch has advanced twice past the bag
// they were sealed in, so after every guard pinned before the deferral was dropped;
// `synchronize` waits for such a deferred function.
unsafe impl Reclaim for CrossbeamEpoch {
    type Guard<'a> = crossbeam_epoch::Guard;
    type Cookie = Sentinel;

    #[inline]
    fn enter(&self) -> Self::Guard<'_> {
        crossbeam_epoch::pin()
    }

    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        let ptr = SendPtr(ptr);
        let guard = crossbeam_epoch::pin();
        // SAFETY: the caller guarantees `free(ptr)` is safe once, on any thread, after a grace
        // period; crossbeam runs it only after one.
        unsafe {
            guard.defer_unchecked(move || {
                let ptr = ptr;
                free(ptr.0)
            })
        };
    }

    fn synchronize(&self) {
        self.sentinel_wait();
    }

    fn barrier(&self) {
        self.sentinel_wait();
    }

    /// **Emulated**: defers a sentinel; its cookie is done once crossbeam ran it.
    fn start_poll(&self) -> Sentinel {
        self.sentinel()
    }

    fn poll(&self, cookie: &Sentinel) -> bool {
        if !cookie.is_done() {
            crossbeam_epoch::pin().flush();
        }
        cookie.is_done()
    }
}
