//! The common interface of the grace-period reclamation schemes in this workspace, and the
//! parts they share.
//!
//! A *domain* is one independent instance of a scheme (an SRCU, GUS or epoch domain). Readers
//! enter read-side sections; writers unlink objects and then either wait for a grace period
//! ([`Reclaim::synchronize`]) or hand the objects over to be freed once one has passed
//! ([`Reclaim::retire`]). A grace period ends when every section that began before it has
//! ended. A reader stalled in one domain delays reclamation only in that domain.
//!
//! Write code against [`Reclaim`] once and run it on any scheme (and on the peers the benches
//! wrap):
//!
//! ```
//! use gracepoint_reclaim::Reclaim;
//! use std::sync::atomic::{AtomicPtr, Ordering};
//!
//! fn read<R: Reclaim>(domain: &R, shared: &AtomicPtr<u64>) -> u64 {
//!     let _guard = domain.enter();
//!     // SAFETY: the guard keeps whatever we load alive until it drops.
//!     unsafe { *shared.load(Ordering::Acquire) }
//! }
//!
//! fn replace<R: Reclaim>(domain: &R, shared: &AtomicPtr<u64>, value: u64) {
//!     let old = shared.swap(Box::into_raw(Box::new(value)), Ordering::AcqRel);
//!     // SAFETY: `old` is unlinked; sections that still see it began before the swap.
//!     domain.retire(unsafe { Box::from_raw(old) });
//! }
//! # let domain = gracepoint_reclaim::ReaderCount;
//! # let shared = AtomicPtr::new(Box::into_raw(Box::new(1)));
//! # replace(&domain, &shared, 2);
//! # assert_eq!(read(&domain, &shared), 2);
//! # unsafe { drop(Box::from_raw(shared.load(Ordering::Relaxed))) };
//! ```
//!
//! # What is here
//! For users:
//! - [`Reclaim`], the interface data structures, benches and tests are written against, with
//!   polled grace periods ([`Reclaim::start_poll`], [`Reclaim::poll`]);
//! - [`atomic`]: typed atomic pointers whose loads are tied to a read section, for writing
//!   lock-free structures over any domain (the `structures` crate is built on them);
//! - [`wait`]: the strategies a waiting call may use (spin, then yield, then park);
//! - [`sync`]: the atomics shim that swaps in loom's types under `cfg(loom)`, for data
//!   structures that want their loom models to run the code that ships;
//! - [`BackgroundReclaimer`] (with `std`): an opt-in thread that frees retired objects when
//!   nobody else calls into the domain;
//! - [`stall`]: stall reports (which reader holds a grace period back) and limits on what may
//!   wait to be freed;
//! - [`SlotsFull`], the error a fixed-size domain returns when it has no room for a reader;
//! - `testing` (feature `testing`): poisoned objects, a drop ledger and a generic stress run.
//!
//! For scheme authors, [`scheme`]: reader slots, the shared retire path and its clock
//! abstraction, wrap-safe sequences, `membarrier`, and the debug-build misuse checks.
//!
//! # Features
//! - `std` (default): thread-id slot lookup, parking, `membarrier`. Implies `alloc`.
//! - `alloc`: boxed retire, growable slot arrays.
//! - neither: `#![no_std]` core with fixed slot arrays, spin waiting and raw retire.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod atomic;
#[cfg(all(feature = "std", not(loom)))]
pub mod background;
#[cfg(any(feature = "alloc", test))]
mod reader_count;
pub mod scheme;
pub mod stall;
pub mod sync;
#[cfg(all(feature = "testing", feature = "std", not(loom)))]
pub mod testing;
pub mod wait;

#[cfg(all(feature = "std", not(loom)))]
pub use background::{Background, BackgroundReclaimer};
#[cfg(any(feature = "alloc", test))]
pub use reader_count::{ReaderCount, ReaderCountGuard};
pub use scheme::slots::SlotsFull;

/// What a domain reports about itself. Every scheme uses these names for these facts; a scheme
/// with more to say offers it through its own methods.
///
/// ```
/// let stats = gracepoint_reclaim::Stats::new(3, 10, 640);
/// assert_eq!((stats.grace_periods, stats.pending, stats.pending_bytes), (3, 10, 640));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Grace periods completed since the domain was built (for GUS: read-clock advances; for
    /// epochs: epoch advances).
    pub grace_periods: u64,
    /// Objects retired (and callbacks queued) and not yet freed (or run).
    pub pending: usize,
    /// The size of those objects, where it is known (boxes; not raw pointers).
    pub pending_bytes: usize,
}

/// Building statistics by hand: for schemes filling in their report, and for tests comparing
/// one.
///
/// ```
/// use gracepoint_reclaim::Stats;
/// let before = Stats::new(1, 4, 128);
/// let after = Stats::new(2, 0, 0);
/// assert!(after.grace_periods > before.grace_periods && after.pending < before.pending);
/// ```
impl Stats {
    /// Statistics with these values.
    ///
    /// ```
    /// assert_eq!(gracepoint_reclaim::Stats::new(0, 0, 0), gracepoint_reclaim::Stats::default());
    /// ```
    pub const fn new(grace_periods: u64, pending: usize, pending_bytes: usize) -> Self {
        Self {
            grace_periods,
            pending,
            pending_bytes,
        }
    }
}

/// Picks the shipped code, or a *mutant* that brings back a known bug, so that a loom model
/// (or a hardware litmus test) can show it would catch that bug.
///
/// Mutants are compiler flags, not Cargo features, so no dependent crate can turn one on and
/// the shipped code has one body per choice point:
/// - in a `--cfg loom` build, the mutant named by the `RECLAIM_MUTANT` environment variable is
///   active (one loom build serves every mutant, instead of one build each);
/// - in a build with `--cfg reclaim_mutant="NAME"`, mutant `NAME` is always active (for tests
///   that run on real hardware, such as the `membarrier` litmus test);
/// - in every other build the macro is the shipped expression and nothing else.
///
/// ```
/// let half = gracepoint_reclaim::mutant!("example_half" => 1, else 2);
/// assert_eq!(half, 2);
/// ```
#[macro_export]
macro_rules! mutant {
    ($name:literal => $mutated:expr, else $shipped:expr) => {{
        #[cfg(reclaim_mutant = $name)]
        let chosen = $mutated;
        #[cfg(all(loom, not(reclaim_mutant = $name)))]
        let chosen = if $crate::scheme::debug::mutant_active($name) {
            $mutated
        } else {
            $shipped
        };
        #[cfg(not(any(loom, reclaim_mutant = $name)))]
        let chosen = $shipped;
        chosen
    }};
}

/// A grace-period reclamation domain.
///
/// # Safety
/// Implementations must keep the grace-period guarantee: [`synchronize`](Reclaim::synchronize)
/// returns, and a retired object is freed, only after every read section that began before the
/// call has ended. Data structures rely on this to free memory that readers may still hold.
///
/// # Example
/// A function written once for every scheme:
/// ```
/// use gracepoint_reclaim::Reclaim;
/// use std::sync::atomic::{AtomicPtr, Ordering};
///
/// fn replace<R: Reclaim>(domain: &R, slot: &AtomicPtr<u64>, value: u64) {
///     let old = slot.swap(Box::into_raw(Box::new(value)), Ordering::AcqRel);
///     if !old.is_null() {
///         // SAFETY: `old` is unlinked; readers that still see it entered before the swap.
///         domain.retire(unsafe { Box::from_raw(old) });
///     }
/// }
///
/// fn read<R: Reclaim>(domain: &R, slot: &AtomicPtr<u64>) -> u64 {
///     let _guard = domain.enter();
///     // SAFETY: the guard keeps whatever we load alive until it drops.
///     unsafe { *slot.load(Ordering::Acquire) }
/// }
/// # use gracepoint_reclaim::ReaderCount;
/// # let slot = AtomicPtr::new(Box::into_raw(Box::new(1)));
/// # replace(&ReaderCount, &slot, 2);
/// # assert_eq!(read(&ReaderCount, &slot), 2);
/// # unsafe { drop(Box::from_raw(slot.load(Ordering::Relaxed))) };
/// ```
pub unsafe trait Reclaim: Send + Sync {
    /// A read-side section: it begins at [`enter`](Reclaim::enter) and ends when the guard drops.
    type Guard<'a>: 'a
    where
        Self: 'a;

    /// A polled grace period, from [`start_poll`](Reclaim::start_poll) for
    /// [`poll`](Reclaim::poll).
    type Cookie: Clone + Send + Sync + core::fmt::Debug;

    /// Begins a read-side section.
    ///
    /// ```
    /// use gracepoint_reclaim::Reclaim;
    /// fn section<R: Reclaim>(domain: &R) {
    ///     let _guard = domain.enter();
    ///     // loads made here stay valid until `_guard` drops
    /// }
    /// # section(&gracepoint_reclaim::ReaderCount);
    /// ```
    #[track_caller]
    fn enter(&self) -> Self::Guard<'_>;

    /// Drops `boxed` once every section that began before this call has ended.
    ///
    /// ```
    /// use gracepoint_reclaim::Reclaim;
    /// fn unlink_and_retire<R: Reclaim>(domain: &R, unlinked: Box<String>) {
    ///     domain.retire(unlinked);
    /// }
    /// # unlink_and_retire(&gracepoint_reclaim::ReaderCount, Box::new(String::new()));
    /// ```
    #[cfg(feature = "alloc")]
    #[track_caller]
    fn retire<T: Send + 'static>(&self, boxed: alloc::boxed::Box<T>) {
        let retired = scheme::bag::Retired::from_box(boxed);
        let (ptr, free) = retired.into_parts();
        // SAFETY: `Retired::from_box` built a matching pointer and deleter for a `Send` box.
        unsafe { self.retire_raw(ptr, free) }
    }

    /// Calls `free(ptr)` once every section that began before this call has ended.
    ///
    /// # Safety
    /// `free(ptr)` must be safe to call once, from any thread, after that grace period, and
    /// `ptr` must not be retired again.
    ///
    /// ```
    /// use gracepoint_reclaim::Reclaim;
    /// unsafe fn drop_u64(ptr: *mut ()) {
    ///     drop(unsafe { Box::from_raw(ptr.cast::<u64>()) });
    /// }
    /// fn retire_u64<R: Reclaim>(domain: &R, unlinked: *mut u64) {
    ///     // SAFETY: `unlinked` came from `Box::into_raw` and is retired once.
    ///     unsafe { domain.retire_raw(unlinked.cast(), drop_u64) };
    /// }
    /// # retire_u64(&gracepoint_reclaim::ReaderCount, Box::into_raw(Box::new(1)));
    /// ```
    #[track_caller]
    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ()));

    /// Waits until every section that began before this call has ended.
    ///
    /// # Panics
    /// Schemes panic (in debug builds at least) when the calling thread is inside a section of
    /// the same domain: the wait could never end.
    ///
    /// ```
    /// use gracepoint_reclaim::Reclaim;
    /// fn wait_for_readers<R: Reclaim>(domain: &R) {
    ///     domain.synchronize();
    /// }
    /// # wait_for_readers(&gracepoint_reclaim::ReaderCount);
    /// ```
    #[track_caller]
    fn synchronize(&self);

    /// Waits until every object retired before this call, on any thread, has been freed.
    ///
    /// # Panics
    /// As [`synchronize`](Reclaim::synchronize).
    ///
    /// ```
    /// use gracepoint_reclaim::Reclaim;
    /// fn flush<R: Reclaim>(domain: &R) {
    ///     domain.barrier();
    /// }
    /// # flush(&gracepoint_reclaim::ReaderCount);
    /// ```
    #[track_caller]
    fn barrier(&self);

    /// Takes a cookie for a grace period that starts after this call, and makes sure one will
    /// run. Never waits.
    ///
    /// ```
    /// use gracepoint_reclaim::Reclaim;
    /// fn later<R: Reclaim>(domain: &R) -> R::Cookie {
    ///     domain.start_poll()
    /// }
    /// # later(&gracepoint_reclaim::ReaderCount);
    /// ```
    fn start_poll(&self) -> Self::Cookie;

    /// True once the grace period `cookie` names has ended: every section that began before
    /// the [`start_poll`](Reclaim::start_poll) that returned it has ended. Never waits; may
    /// move the grace period along. Never true early.
    ///
    /// ```
    /// use gracepoint_reclaim::Reclaim;
    /// fn wait_by_polling<R: Reclaim>(domain: &R) {
    ///     let cookie = domain.start_poll();
    ///     while !domain.poll(&cookie) {
    ///         std::thread::yield_now();
    ///     }
    /// }
    /// # wait_by_polling(&gracepoint_reclaim::ReaderCount);
    /// ```
    fn poll(&self, cookie: &Self::Cookie) -> bool;
}

// A shared reference or an `Arc` to a domain is a domain: several structures can share one
// (for instance a `static` one) while each holds "its" domain by value.
macro_rules! forward_reclaim {
    ($(#[$cfg:meta])* $pointer:ty) => {
        // SAFETY: every method forwards to the pointed-to domain, which keeps the guarantee.
        $(#[$cfg])*
        unsafe impl<R: Reclaim> Reclaim for $pointer {
            type Guard<'a>
                = R::Guard<'a>
            where
                Self: 'a;
            type Cookie = R::Cookie;

            #[inline]
            #[track_caller]
            fn enter(&self) -> Self::Guard<'_> {
                (**self).enter()
            }

            #[cfg(feature = "alloc")]
            #[inline]
            #[track_caller]
            fn retire<T: Send + 'static>(&self, boxed: alloc::boxed::Box<T>) {
                (**self).retire(boxed)
            }

            #[inline]
            #[track_caller]
            unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
                // SAFETY: the caller's promise, forwarded.
                unsafe { (**self).retire_raw(ptr, free) }
            }

            #[track_caller]
            fn synchronize(&self) {
                (**self).synchronize()
            }

            #[track_caller]
            fn barrier(&self) {
                (**self).barrier()
            }

            fn start_poll(&self) -> Self::Cookie {
                (**self).start_poll()
            }

            fn poll(&self, cookie: &Self::Cookie) -> bool {
                (**self).poll(cookie)
            }
        }
    };
}

forward_reclaim!(&R);
forward_reclaim!(#[cfg(feature = "alloc")] alloc::sync::Arc<R>);
