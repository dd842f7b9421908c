//! seize 0.5, with a collector owned by each domain.

use reclaim::Reclaim;

use crate::sentinel::{Sentinel, wait_for};
use crate::{Fidelity, Mapping, Peer};

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
/// let domain = peers::Seize::new();
/// domain.retire(Box::new(7u64));
/// domain.synchronize();
/// drop(domain.enter());
/// ```
pub struct Seize {
    collector: seize::Collector,
}

impl Peer for Seize {
    const ID: &'static str = "seize";
    const NAME: &'static str = "seize";
    const MAPPING: Mapping = Mapping {
        enter: Fidelity::Native,
        retire: Fidelity::Native,
        synchronize: Fidelity::Emulated(
            "retires a sentinel, then flushes (padding the batch) until it was reclaimed",
        ),
        poll: Fidelity::Emulated("a retired sentinel's flag"),
        barrier: Fidelity::Partial("cannot flush other live threads' local batches"),
    };
}

impl Seize {
    /// A domain with a fresh collector and seize's default batch size.
    ///
    /// ```
    /// let domain = peers::Seize::new();
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
    /// let domain = peers::Seize::new();
    /// let _guard = domain.collector().enter();
    /// ```
    pub fn collector(&self) -> &seize::Collector {
        &self.collector
    }

    /// Flushes this thread's batch, padding it when it is too small to be retired (seize needs
    /// one entry per active thread), so that a sentinel in it gets reclaimed.
    fn push_sentinel(&self, sentinel: &Sentinel) {
        use seize::Guard as _;
        self.collector.enter().flush();
        if !sentinel.is_done() {
            let pad = core::ptr::NonNull::<u8>::dangling().as_ptr();
            // SAFETY: the padding entry's reclaimer does nothing with it.
            unsafe { self.collector.retire(pad, reclaim_nothing) };
        }
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
        wait_for(&sentinel, || self.push_sentinel(&sentinel));
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
        if !cookie.is_done() {
            self.push_sentinel(cookie);
        }
        cookie.is_done()
    }
}
