//! Global Unbounded Sequences (GUS): FreeBSD's SMR, for userspace threads and `no_std`.
//!
//! A [`Gus`] domain lets readers run short read sections while writers unlink shared objects
//! and free them once no section can still hold them. A writer takes a [`Goal`] with
//! [`Gus::advance`] after unlinking, and [`Gus::poll`] says, without waiting, whether every
//! section that began before the advance has ended; or the writer hands the object to
//! [`Gus::retire`] and lets the domain do that.
//!
//! # When to pick it
//! - **Asking "may I reuse this yet?" must be cheap and never wait.** A goal is one integer,
//!   and once it has passed, polling it costs one load and one compare. That makes the
//!   pattern of FreeBSD's UMA allocator natural: keep unlinked objects with their goals and
//!   reuse one once its goal has passed, instead of freeing it ([`Tagged`], [`Recycler`]).
//! - **Short sections on one thread.** A section publishes one value and runs one fence (none
//!   in [`Mode::Lazy`], where pollers pay with `membarrier`). It cannot move to another
//!   thread.
//! - Pick SRCU instead when sections sleep or run long, or must end on another thread, or the
//!   read side must be the cheapest possible (SRCU's default readers run no fence). Pick
//!   epoch-based reclamation for a crossbeam-style interface. All of them implement
//!   [`Reclaim`], so data structures written against it run on any.
//!
//! # Example
//! ```
//! use gracepoint_gus::Gus;
//! use std::sync::atomic::{AtomicPtr, Ordering};
//!
//! static DOMAIN: Gus = Gus::new();
//! let shared = AtomicPtr::new(Box::into_raw(Box::new(1u64)));
//!
//! {
//!     let _section = DOMAIN.enter();
//!     // SAFETY: the section keeps whatever we load alive until it ends.
//!     assert_eq!(unsafe { *shared.load(Ordering::Acquire) }, 1);
//! }
//!
//! // Unlink, take a goal, and free once it has passed...
//! let old = shared.swap(Box::into_raw(Box::new(2u64)), Ordering::AcqRel);
//! let goal = DOMAIN.advance();
//! DOMAIN.wait(goal);
//! // SAFETY: unlinked before the advance, and every section that could see it has ended.
//! drop(unsafe { Box::from_raw(old) });
//!
//! // ...or let the domain free it.
//! let old = shared.swap(Box::into_raw(Box::new(3u64)), Ordering::AcqRel);
//! // SAFETY: `old` is unlinked; only sections that began before the swap can still see it.
//! DOMAIN.retire(unsafe { Box::from_raw(old) });
//! DOMAIN.barrier();
//! # unsafe { drop(Box::from_raw(shared.load(Ordering::Relaxed))) };
//! ```
//!
//! # How it works
//! A domain keeps two clocks and one value per reader:
//! - the write clock `wr_seq`: an advance moves it on (or, in the deferred and lazy modes,
//!   names a point just ahead of it) and returns that point as the goal;
//! - the read clock `rd_seq`: every goal at or before it has passed. Only a poll moves it,
//!   and only forward;
//! - per reader: 0 while idle, otherwise the write clock as the reader's section began.
//!   Clock values are odd, so a live value is never 0.
//!
//! A poll whose goal the read clock does not cover loads the write clock, scans the reader
//! slots, and raises the read clock to the oldest live value it finds, but never past the
//! write clock it loaded first. Six labelled orderings make that safe: **E** (reader, after
//! publishing its value), **A** (advance, before reading the write clock), **W** (the write
//! clock loaded before any slot), **P** (poll, before the scan), **R** (acquire, after loading
//! the read clock and after the scan) and **X** (exit, a release store). Each is commented where
//! it runs, with the one it pairs with; the comment that opens the polling code argues the
//! whole, with a diagram of the sequence space, the two races a scan must handle (a reader
//! delayed past the read clock, a reader entering during the scan), and the wrap.
//!
//! Clocks wrap: they are compared by the sign of their difference, which is right while the
//! values are less than half the space apart, so the write clock never runs more than
//! [`MAX_DELTA`] (a quarter of the space) ahead of the read clock.
//!
//! # Features and configurations
//! - `std` (default): each thread reads on its own slot, found with one thread-local load;
//!   parking waits; `membarrier` for the lazy mode. Implies `alloc`.
//! - `alloc`: boxed [`retire`](Gus::retire) and [`call`](Gus::call), growable slot arrays,
//!   [`Recycler`].
//! - neither: a fixed inline slot array ([`Gus::fixed`], usable in a `static`), registered
//!   [`Reader`]s, spin waiting, raw retire ([`Gus::retire_raw`]) into a small fixed pool of
//!   bags. Through [`Gus::enter`] (and so [`Reclaim::enter`]) each section claims a free slot
//!   for its length, a compare-and-swap more than a registered reader's section.
//! - Compiler flags, for tests: `--cfg reclaim_seq32` (32-bit clocks, what targets without
//!   64-bit atomics get), `--cfg reclaim_near_wrap` (clocks start just below the wrap, with a
//!   large increment and a short distance bound, as FreeBSD's `INVARIANTS` kernels do).
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod advance;
mod domain;
mod goal;
mod poll;
mod reader;
mod retire;
mod stats;
mod tagged;

pub use domain::{Gus, Mode};
pub use goal::{Goal, INCR, MAX_DELTA, START, Seq};
pub use reader::{GusGuard, Reader};
pub use reclaim::wait::{Spin, WaitStrategy};
pub use reclaim::{Reclaim, SlotsFull, Stats};
pub use stats::Counters;
#[cfg(feature = "alloc")]
pub use tagged::Recycler;
pub use tagged::Tagged;

// SAFETY: `synchronize` returns, and retired objects are freed, only after a poll found the goal
// of an advance made after the call passed; the poll module argues why that is after every
// section that began before the call has ended.
unsafe impl<const N: usize> Reclaim for Gus<N> {
    type Guard<'a> = GusGuard<'a, N>;
    type Cookie = Goal;

    #[inline]
    #[track_caller]
    fn enter(&self) -> GusGuard<'_, N> {
        Gus::enter(self)
    }

    #[cfg(feature = "alloc")]
    #[track_caller]
    fn retire<T: Send + 'static>(&self, boxed: alloc::boxed::Box<T>) {
        Gus::retire(self, boxed)
    }

    #[track_caller]
    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: the caller's promise is the one `Gus::retire_raw` asks for.
        unsafe { Gus::retire_raw(self, ptr, free) }
    }

    #[track_caller]
    fn synchronize(&self) {
        Gus::synchronize(self)
    }

    #[track_caller]
    fn barrier(&self) {
        Gus::barrier(self)
    }

    fn start_poll(&self) -> Goal {
        self.advance()
    }

    fn poll(&self, goal: &Goal) -> bool {
        Gus::poll(self, *goal)
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
