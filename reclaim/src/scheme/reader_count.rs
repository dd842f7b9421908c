//! [`ReaderCount`]: the simplest correct domain, one process-wide count of readers.
//!
//! # Invariant
//! **An object is freed only after the reader count was seen at zero after the object was
//! unlinked.** A section increments the count, then runs fence count-E, then loads; a writer unlinks,
//! runs fence count-W, then reads the count. E and W are `SeqCst` fences, so either the writer's read
//! sees the section's increment, or the section's loads see the unlink (store buffering). The
//! section's decrement is a release (X) that the writer's read acquires, so a count seen at zero
//! also means the sections counted before have finished their loads.
//!
//! | fence | where | pairs with |
//! |---|---|---|
//! | E (`SeqCst`) | `enter`, after the increment | W |
//! | W (`SeqCst`) | every writer-side read of the count, before it | E |
//! | X (release decrement) | the guard's drop | the acquire read after W |
//!
//! It exists so that examples and tests of generic code have a real domain to run on without
//! depending on a scheme crate, and as the reference a scheme author can check a scheme's
//! behaviour against. It does not scale: every section writes the one shared counter, and
//! grace periods wait until no reader at all is inside.

use core::ptr;
// Process-wide statics, so `core`'s atomics even under loom (whose atomics cannot be built in a
// `static`), or portable-atomic's on targets without compare-and-swap.
#[cfg(not(feature = "portable-atomic"))]
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering, Ordering::SeqCst, fence};
#[cfg(feature = "portable-atomic")]
use portable_atomic::{AtomicPtr, AtomicUsize, Ordering, Ordering::SeqCst, fence};

use alloc::boxed::Box;

/// Readers inside a section, over every `ReaderCount` value of the process.
static READERS: AtomicUsize = AtomicUsize::new(0);

/// Objects retired while readers were inside, as a stack of records.
static PENDING: AtomicPtr<Record> = AtomicPtr::new(ptr::null_mut());

/// Drains holding records taken from `PENDING`, which `barrier` must not miss.
static DRAINING: AtomicUsize = AtomicUsize::new(0);

/// One retired object waiting for the count to reach zero.
struct Record {
    ptr: *mut (),
    free: unsafe fn(*mut ()),
    next: *mut Record,
}

/// A domain whose read sections increment one process-wide counter, and whose grace periods
/// wait for that counter to be zero. Every value is the same domain. Correct and simple, not
/// scalable: for examples, tests, and as a reference; the schemes of this workspace are what to
/// use.
///
/// ```
/// use gracepoint_reclaim::{Reclaim, scheme::ReaderCount};
/// use std::sync::atomic::{AtomicPtr, Ordering};
///
/// let slot = AtomicPtr::new(Box::into_raw(Box::new(1u64)));
/// {
///     let _guard = ReaderCount.enter();
///     // SAFETY: the guard keeps what it loads alive.
///     assert_eq!(unsafe { *slot.load(Ordering::Acquire) }, 1);
/// }
/// let old = slot.swap(Box::into_raw(Box::new(2)), Ordering::AcqRel);
/// // SAFETY: unlinked above, from `Box::into_raw`, retired once.
/// unsafe { ReaderCount.retire_ptr(old) };
/// ReaderCount.barrier();
/// # drop(unsafe { Box::from_raw(slot.load(Ordering::Relaxed)) });
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ReaderCount;

/// A section of [`ReaderCount`]; the count goes down when it drops.
///
/// ```
/// use gracepoint_reclaim::{Reclaim, scheme::ReaderCount};
/// let guard: gracepoint_reclaim::scheme::ReaderCountGuard = ReaderCount.enter();
/// assert!(!ReaderCount.poll(&ReaderCount.start_poll())); // a reader is inside
/// drop(guard);
/// ```
#[must_use = "the section ends when the guard drops"]
#[derive(Debug)]
pub struct ReaderCountGuard(());

impl Drop for ReaderCountGuard {
    fn drop(&mut self) {
        crate::scheme::debug::exit_section(domain_id());
        // count-X: pairs with the acquire read in `no_reader_inside`: the section's loads come
        // before a writer's free.
        READERS.fetch_sub(1, Ordering::Release);
    }
}

/// The address the debug-build misuse check knows this domain by.
fn domain_id() -> usize {
    ptr::addr_of!(READERS) as usize
}

/// Frees every pending record when the count is zero after the take; otherwise puts them back.
fn drain() {
    DRAINING.fetch_add(1, SeqCst);
    let mut record = PENDING.swap(ptr::null_mut(), SeqCst);
    // Every object taken was unlinked before the take; zero here means that no reader that
    // could hold one is still inside.
    let free_now = no_reader_inside();
    while !record.is_null() {
        // SAFETY: records come from `Box::into_raw` in `retire_raw`, each taken once here.
        let mut boxed = unsafe { Box::from_raw(record) };
        record = boxed.next;
        if free_now {
            // SAFETY: the retire contract; the count was zero after the unlink.
            unsafe { (boxed.free)(boxed.ptr) };
        } else {
            push(Box::into_raw({
                boxed.next = ptr::null_mut();
                boxed
            }));
        }
    }
    DRAINING.fetch_sub(1, SeqCst);
}

fn push(record: *mut Record) {
    let mut head = PENDING.load(SeqCst);
    loop {
        // SAFETY: `record` is ours until the exchange below publishes it.
        unsafe { (*record).next = head };
        match PENDING.compare_exchange_weak(head, record, SeqCst, SeqCst) {
            Ok(_) => return,
            Err(current) => head = current,
        }
    }
}

/// Whether no reader is inside, read after everything this thread did before (its unlinks).
fn no_reader_inside() -> bool {
    // count-W: pairs with count-E in `enter`. Either this read sees a section's increment, or that
    // section's loads see what this thread unlinked before.
    fence(SeqCst);
    // Acquires X, the release decrement of every section seen to have left.
    READERS.load(Ordering::Acquire) == 0
}

/// Waits until no reader is inside.
fn wait_for_zero() {
    while !no_reader_inside() {
        core::hint::spin_loop();
        #[cfg(feature = "std")]
        std::thread::yield_now();
    }
}

// SAFETY: `retire_raw` frees an object only after seeing the count at zero after the unlink
// (at once, or in `drain`), and `synchronize` and `poll` report a grace period only after
// seeing it at zero after they began.
unsafe impl crate::Reclaim for ReaderCount {
    type Guard<'a> = ReaderCountGuard;
    type Cookie = ();

    fn enter(&self) -> ReaderCountGuard {
        READERS.fetch_add(1, Ordering::Relaxed);
        // count-E: pairs with count-W in `no_reader_inside`: the count is visible to a writer, or the
        // writer's unlink is visible to this section's loads.
        fence(SeqCst);
        crate::scheme::debug::enter_section(domain_id());
        ReaderCountGuard(())
    }

    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        if no_reader_inside() {
            // SAFETY: the retire contract; no reader is inside after the unlink.
            unsafe { free(ptr) };
            drain();
        } else {
            push(Box::into_raw(Box::new(Record {
                ptr,
                free,
                next: ptr::null_mut(),
            })));
        }
    }

    #[track_caller]
    fn synchronize(&self) {
        crate::scheme::debug::assert_outside(domain_id(), "reader count", "synchronize");
        wait_for_zero();
        // What waited behind readers may go now too.
        drain();
    }

    #[track_caller]
    fn barrier(&self) {
        crate::scheme::debug::assert_outside(domain_id(), "reader count", "barrier");
        // Objects retired before this call are freed, in `PENDING`, or in the hands of a
        // drain, which puts back what it does not free. Waits for a moment with no reader
        // inside, so it may wait long under a stream of overlapping sections.
        loop {
            wait_for_zero();
            drain();
            if PENDING.load(SeqCst).is_null() && DRAINING.load(SeqCst) == 0 {
                return;
            }
        }
    }

    fn start_poll(&self) {}

    fn poll(&self, _: &()) -> bool {
        no_reader_inside()
    }
}

#[cfg(feature = "std")]
impl crate::stall::Monitor for ReaderCount {
    fn stats(&self) -> crate::Stats {
        crate::Stats::default()
    }
    fn stall_report(&self) -> Option<crate::stall::StallReport> {
        None
    }
    fn on_stall(
        &self,
        _: core::time::Duration,
        _: impl Fn(&crate::stall::StallReport) + Send + Sync + 'static,
    ) {
    }
    fn set_limit(&self, _: crate::stall::Limit) {}
    fn on_limit(&self, _: impl Fn(crate::stall::Pending) + Send + Sync + 'static) {}
}

#[cfg(all(feature = "std", not(loom)))]
impl crate::Background for ReaderCount {
    fn reclaim_step(&self) -> crate::stall::Pending {
        drain();
        crate::stall::Pending::default()
    }
}
