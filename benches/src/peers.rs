//! Well-known peers behind [`reclaim::Reclaim`], so that the benches and the `compare` program
//! run them on exactly the same code as this workspace's schemes.
//!
//! Each adapter's documentation says how the trait's operations were mapped and where the
//! mapping is not exact; `docs/comparison.md` repeats that in one place.
//!
//! - [`CrossbeamEpoch`]: crossbeam-epoch 0.9 with its default (global) collector.
//! - [`Seize`]: seize 0.5 with a collector owned by the domain.
//! - `Liburcu` (only when built with `cfg(has_liburcu)`): liburcu's memb flavor, linked from
//!   the system's shared library.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use reclaim::Reclaim;

#[cfg(has_liburcu)]
mod liburcu;
#[cfg(has_liburcu)]
pub use liburcu::{Liburcu, LiburcuGuard};

/// Spins, then yields, then sleeps briefly until `done` returns true, running `step` between
/// checks.
fn wait_until(mut done: impl FnMut() -> bool, mut step: impl FnMut()) {
    let backoff = crossbeam_utils::Backoff::new();
    let mut rounds = 0u32;
    while !done() {
        step();
        if backoff.is_completed() {
            rounds += 1;
            if rounds < 64 {
                std::thread::yield_now();
            } else {
                std::thread::sleep(std::time::Duration::from_micros(50));
            }
        } else {
            backoff.snooze();
        }
    }
}

/// A raw pointer that may cross threads; the retire contract makes that sound.
struct SendPtr(*mut ());
// SAFETY: `Reclaim::retire_raw`'s caller promises `free(ptr)` may run on any thread.
unsafe impl Send for SendPtr {}

/// crossbeam-epoch 0.9 behind [`Reclaim`], on crossbeam's default global collector.
///
/// Mapping:
/// - `enter` is [`crossbeam_epoch::pin`]; the guard is crossbeam's [`Guard`](crossbeam_epoch::Guard).
/// - `retire` is `Guard::defer_unchecked` of the deleter, from a (nested, cheap) pin.
/// - `synchronize` is **emulated**: crossbeam exposes no epoch and no grace-period wait
///   (crossbeam-rs/crossbeam#459). It defers a sentinel that sets a flag, then pins and
///   `flush`es until the sentinel has run. A deferred function runs only once the global epoch
///   is two ahead of its bag, so every guard pinned before the call has been dropped: this is a
///   real (and conservative) grace period, but it also waits behind garbage queued earlier.
/// - `barrier` is the same sentinel wait. It covers everything this thread deferred and every
///   bag already pushed to the global queue (including bags of exited threads), but **not**
///   functions still sitting in another live thread's local bag: crossbeam cannot flush those.
///
/// All instances share the one global collector: this "domain" is not independent, and a
/// guard held anywhere in the process delays every instance.
///
/// ```
/// use reclaim::Reclaim;
/// let domain = benches::peers::CrossbeamEpoch;
/// let guard = domain.enter();
/// domain.retire(Box::new(7u64));
/// drop(guard);
/// domain.barrier();
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct CrossbeamEpoch;

/// An emulated grace-period cookie: a flag that a sentinel sets once the peer has reclaimed it.
///
/// ```
/// use reclaim::Reclaim;
/// let domain = benches::peers::CrossbeamEpoch;
/// let cookie: benches::peers::Sentinel = domain.start_poll();
/// while !domain.poll(&cookie) {}
/// ```
#[derive(Clone, Debug, Default)]
pub struct Sentinel(Arc<AtomicBool>);

impl Sentinel {
    fn done(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self) {
        self.0.store(true, Ordering::Release);
    }
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
        wait_until(|| sentinel.done(), || crossbeam_epoch::pin().flush());
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
        if !cookie.done() {
            crossbeam_epoch::pin().flush();
        }
        cookie.done()
    }
}

/// seize 0.5 behind [`Reclaim`], with a [`seize::Collector`] owned by each domain.
///
/// Mapping:
/// - `enter` is [`Collector::enter`](seize::Collector::enter); the guard is seize's
///   `LocalGuard`.
/// - `retire` of a box is [`Collector::retire`](seize::Collector::retire) with
///   `seize::reclaim::boxed`; `retire_raw` needs to carry the deleter, so it allocates a small
///   record holding pointer and deleter (one extra allocation per retire).
/// - Loads: seize asks for loads through `Guard::protect`, which on every platform is a
///   `SeqCst` load. The bench data structures use `Acquire` loads, which compile to the same
///   instruction on x86-64 (the only platform measured here); on weaker architectures this
///   adapter would need `SeqCst` loads to be exact.
/// - `synchronize` is **emulated**: seize has no grace-period wait. It retires a sentinel, then
///   enters and `flush`es (padding the thread's batch with no-op entries until it is large
///   enough to be retired: seize needs one entry per active thread) until the sentinel's
///   reclaimer has run. The sentinel runs only after every thread that was active at the flush
///   has left, so this is a real grace period.
/// - `barrier` is the same wait: it covers this thread's retirements, not objects in another
///   live thread's local batch (seize cannot flush those). Dropping the domain frees everything.
///
/// ```
/// use reclaim::Reclaim;
/// let domain = benches::peers::Seize::new();
/// domain.retire(Box::new(7u64));
/// domain.synchronize();
/// drop(domain.enter());
/// ```
pub struct Seize {
    collector: seize::Collector,
}

impl Seize {
    /// A domain with a fresh collector and seize's default batch size.
    ///
    /// ```
    /// let domain = benches::peers::Seize::new();
    /// # drop(domain);
    /// ```
    pub fn new() -> Self {
        Self {
            collector: seize::Collector::new(),
        }
    }

    /// The underlying collector.
    ///
    /// ```
    /// let domain = benches::peers::Seize::new();
    /// let _guard = domain.collector().enter();
    /// ```
    pub fn collector(&self) -> &seize::Collector {
        &self.collector
    }
}

impl Default for Seize {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Seize {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Seize").finish_non_exhaustive()
    }
}

/// The record `Seize::retire_raw` hands to seize.
struct RawRecord {
    ptr: *mut (),
    free: unsafe fn(*mut ()),
}

/// Frees a [`RawRecord`] and the object it names.
///
/// # Safety
/// `record` came from `Box::into_raw` and its object may be freed now.
unsafe fn reclaim_record(record: *mut RawRecord, _: &seize::Collector) {
    // SAFETY: guaranteed by the caller.
    let record = unsafe { Box::from_raw(record) };
    // SAFETY: `retire_raw`'s caller made `free(ptr)` safe after the grace period, which is now.
    unsafe { (record.free)(record.ptr) };
}

/// Sets the flag of a synchronize sentinel and frees it.
///
/// # Safety
/// `flag` came from `Box::into_raw`.
unsafe fn reclaim_sentinel(flag: *mut Sentinel, _: &seize::Collector) {
    // SAFETY: guaranteed by the caller.
    let flag = unsafe { Box::from_raw(flag) };
    flag.set();
}

/// A reclaimer that does nothing, for padding entries.
///
/// # Safety
/// Always safe; `unsafe` only to match seize's signature.
unsafe fn reclaim_nothing(_: *mut u8, _: &seize::Collector) {}

// SAFETY: seize reclaims an object only after every thread that was active when its batch was
// retired has left; `synchronize` waits for a sentinel retired by this call.
unsafe impl Reclaim for Seize {
    type Guard<'a> = seize::LocalGuard<'a>;
    type Cookie = Sentinel;

    #[inline]
    fn enter(&self) -> Self::Guard<'_> {
        self.collector.enter()
    }

    fn retire<T: Send + 'static>(&self, boxed: Box<T>) {
        // SAFETY: the box is unlinked (the trait's contract) and `boxed` matches `Box`.
        unsafe {
            self.collector
                .retire(Box::into_raw(boxed), seize::reclaim::boxed::<T>)
        };
    }

    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        let record = Box::into_raw(Box::new(RawRecord { ptr, free }));
        // SAFETY: `reclaim_record` matches the record, and the caller made freeing sound.
        unsafe { self.collector.retire(record, reclaim_record) };
    }

    fn synchronize(&self) {
        let sentinel = self.start_poll();
        wait_until(|| sentinel.done(), || self.push_sentinel(&sentinel));
    }

    fn barrier(&self) {
        self.synchronize();
    }

    /// **Emulated**: retires a sentinel; its cookie is done once seize reclaimed it.
    fn start_poll(&self) -> Sentinel {
        let sentinel = Sentinel::default();
        let record = Box::into_raw(Box::new(sentinel.clone()));
        // SAFETY: the sentinel was never shared; `reclaim_sentinel` matches its allocation.
        unsafe { self.collector.retire(record, reclaim_sentinel) };
        sentinel
    }

    fn poll(&self, cookie: &Sentinel) -> bool {
        if !cookie.done() {
            self.push_sentinel(cookie);
        }
        cookie.done()
    }
}

impl Seize {
    /// Flushes this thread's batch, padding it when it is too small to be retired (seize needs
    /// one entry per active thread), so that a sentinel in it gets reclaimed.
    fn push_sentinel(&self, sentinel: &Sentinel) {
        use seize::Guard as _;
        self.collector.enter().flush();
        if !sentinel.done() {
            let pad = core::ptr::NonNull::<u8>::dangling().as_ptr();
            // SAFETY: the padding entry's reclaimer does nothing with it.
            unsafe { self.collector.retire(pad, reclaim_nothing) };
        }
    }
}
