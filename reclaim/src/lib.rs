//! The common interface of the grace-period reclamation schemes in this workspace, and the
//! parts they share. Users reach all of it through the `gracepoint` facade.
//!
//! A *domain* is one independent instance of a scheme (an SRCU, GUS or epoch domain). Readers
//! enter read-side sections; writers unlink objects and then either wait for a grace period
//! ([`Reclaim::synchronize`]) or hand the objects over to be freed once one has passed
//! ([`Reclaim::retire`], [`Reclaim::call`]). A grace period ends when every section that began
//! before it has ended. A reader stalled in one domain delays reclamation only in that domain.
//!
//! Write code against [`Reclaim`] once and run it on any scheme (and on the peers the benches
//! wrap):
//!
//! ```
//! # use gracepoint_reclaim as gracepoint;
//! use gracepoint::prelude::*;
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
//!     unsafe { domain.retire_ptr(old) };
//! }
//!
//! // With `gracepoint::srcu::Srcu::new()`, `gracepoint::gus::Gus::new()`,
//! // `gracepoint::epoch::Epoch::new()`, or a peer behind the trait:
//! # let domain = gracepoint_reclaim::scheme::ReaderCount;
//! let shared = AtomicPtr::new(Box::into_raw(Box::new(1)));
//! replace(&domain, &shared, 2);
//! assert_eq!(read(&domain, &shared), 2);
//! # domain.barrier();
//! # unsafe { drop(Box::from_raw(shared.load(Ordering::Relaxed))) };
//! ```
//!
//! # What is here
//! For users (all re-exported by the `gracepoint` facade):
//! - [`Reclaim`], the interface data structures, benches and tests are written against, with
//!   polled grace periods ([`Reclaim::start_poll`], [`Reclaim::poll`]);
//! - [`Stats`], what every domain reports about itself;
//! - [`atomic`]: typed atomic pointers whose loads are tied to a read section, for writing
//!   lock-free structures over any domain (the `structures` crate is built on them);
//! - [`wait`]: the strategies a waiting call may use (spin, then yield, then park);
//! - [`sync`]: the atomics, `fence` and `UnsafeCell`, which become loom's under `cfg(loom)`, for
//!   data structures that want their loom models to run the code that ships;
//! - `BackgroundReclaimer` (with `std`): an opt-in thread that frees retired objects when
//!   nobody else calls into the domain;
//! - [`stall`]: stall reports (which reader holds a grace period back), limits on what may
//!   wait to be freed, and the [`Monitor`](stall::Monitor) trait;
//! - [`SlotsFull`], the error a fixed-size domain returns when it has no room for a reader.
//! - [`interrupt`]: what an interrupt handler may do with a domain, and the check that panics
//!   when a handler is about to wait for a grace period.
//!
//! For scheme authors, behind a wall: the `scheme` module (reader slots, the shared core and
//! its clock abstraction, wrap-safe sequences, the asymmetric fence, `membarrier`) and the
//! `domain_front!` macro that writes a scheme's user-facing methods. They are public so that
//! the scheme crates can use them, and hidden from the documentation unless the `toolkit`
//! feature is on.
//!
//! # Features
//! - `std` (default): thread-id slot lookup, parking, `membarrier`. Implies `alloc`.
//! - `alloc`: boxed retire, growable slot arrays.
//! - neither: `#![no_std]` core with fixed slot arrays, spin waiting and raw retire.
//! - `portable-atomic`: atomics from `portable-atomic`, for targets without compare-and-swap
//!   (`thumbv6m-none-eabi`); `critical-section` adds its critical-section backend, and makes the
//!   `no_std` lock mask interrupts while held (see `docs/embedded.md`).
//! - `toolkit`: shows the scheme-author toolkit in the documentation (it is always compiled).
//! - `testing`: test support shared by the schemes' test suites (poisoned objects, a drop
//!   ledger, a generic stress run, and the checks every scheme runs); for dev-dependencies.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod atomic;
#[cfg(all(feature = "std", not(loom)))]
mod background;
mod front;
pub mod interrupt;
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod proptest_config;
#[cfg_attr(not(feature = "toolkit"), doc(hidden))]
pub mod scheme;
pub mod stall;
pub mod sync;
#[cfg(all(feature = "testing", feature = "std", not(loom)))]
#[doc(hidden)]
pub mod testing;
pub mod wait;

#[cfg(all(feature = "std", not(loom)))]
pub use background::{Background, BackgroundReclaimer};
pub use scheme::slots::SlotsFull;

/// How a domain's readers order their section against the writers: the same two choices on
/// every scheme. Ask for one in the scheme's `Options`; a domain's `flavor()` says which one
/// it runs.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::Flavor;
/// // e.g. `gracepoint::epoch::Options::DEFAULT.flavor(Flavor::Fenced)`
/// assert_ne!(Flavor::Fast, Flavor::Fenced);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// Readers run a real fence (`fence(SeqCst)`, one locked instruction on x86) per section;
    /// grace periods pay nothing extra. Works everywhere, with or without `std`.
    Fenced,
    /// Readers run only a compiler fence; grace periods pay instead, with a
    /// `membarrier(PRIVATE_EXPEDITED)` shared by every domain of the process and batched in
    /// time (`docs/reclaim.md`, "Batched heavy fences"). Asked for where the kernel refuses
    /// `membarrier` (not Linux, some sandboxes, no `std`), the domain runs
    /// [`Fenced`](Flavor::Fenced), decided once at run time.
    Fast,
}

/// The traits generic code over any domain needs, in one `use`: `use gracepoint::prelude::*;`.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::prelude::*;
/// fn report<D: Reclaim + Monitor>(domain: &D) -> usize {
///     drop(domain.enter());
///     domain.stats().pending
/// }
/// // `report(&gracepoint::srcu::Srcu::new())`, and the same for every scheme:
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// assert_eq!(report(&domain), 0);
/// ```
pub mod prelude {
    pub use crate::Reclaim;
    #[cfg(all(feature = "std", not(loom)))]
    pub use crate::background::Background;
    #[cfg(feature = "std")]
    pub use crate::stall::Monitor;
}

/// What the `gracepoint` facade re-exports at its root, with this crate's own features deciding
/// what exists (so that a build of the facade with fewer features of its own still shows what
/// the schemes it depends on turned on). Not part of this crate's API.
#[doc(hidden)]
pub mod facade {
    #[cfg(all(feature = "std", not(loom)))]
    pub use crate::{Background, BackgroundReclaimer};
    pub use crate::{
        Flavor, Reclaim, SlotsFull, Stats, atomic, interrupt, prelude, stall, sync, wait,
    };
}

/// Test and mutant hooks, and what the macros of this crate expand to. Not part of the API.
#[doc(hidden)]
pub mod __private {
    #[cfg(all(loom, feature = "std"))]
    pub use crate::scheme::debug::mutant_active;
    /// For the loom harness: every execution of a model starts with no thread ids handed out.
    #[cfg(all(loom, feature = "std"))]
    pub use crate::scheme::thread::reset_for_loom as reset_thread_ids_for_loom;
    #[cfg(feature = "alloc")]
    pub use alloc::boxed::Box;

    /// A registered reader of [`ReaderCount`](crate::scheme::ReaderCount) for the doc examples
    /// of [`atomic::Reader`](crate::atomic::Reader) (this crate cannot depend on the schemes).
    #[cfg(feature = "alloc")]
    pub fn doc_reader(domain: &crate::scheme::ReaderCount) -> DocReader<'_> {
        DocReader(domain)
    }

    /// See [`doc_reader`].
    #[cfg(feature = "alloc")]
    #[derive(Debug)]
    pub struct DocReader<'a>(&'a crate::scheme::ReaderCount);

    // SAFETY: every method forwards to the domain.
    #[cfg(feature = "alloc")]
    unsafe impl<'a> crate::atomic::Reader for DocReader<'a> {
        type Domain = crate::scheme::ReaderCount;
        fn domain(&self) -> &crate::scheme::ReaderCount {
            self.0
        }
        fn enter(&self) -> <crate::scheme::ReaderCount as crate::Reclaim>::Guard<'_> {
            crate::Reclaim::enter(self.0)
        }
        fn __retire(&self, item: crate::scheme::bag::Retired) {
            let (ptr, free) = item.into_parts();
            // SAFETY: `Retired` holds a matching pointer and deleter.
            unsafe { crate::Reclaim::retire_raw(self.0, ptr, free) }
        }
    }

    /// The retire path's tuning, for tests that need to reach a threshold.
    pub mod tuning {
        pub use crate::scheme::bag::LOCAL_CAPACITY;
        pub use crate::scheme::domain::PRESSURE_OBJECTS;
        pub use crate::scheme::sealed::POOL_NODES;
    }
}

/// What a domain reports about itself, the same on every scheme.
///
/// A **grace period**, here, is one move of the domain's *frontier*: the point on its clock up
/// to which everything retired may be freed. Each move proves that every read section that
/// began before some later point has ended, and makes a new set of retired objects freeable.
/// For SRCU that is the end of one grace period of its state machine (two scans and a flip);
/// for GUS one raise of the read clock; for epochs one advance of the global epoch (an object
/// waits for two of them). So the count says how often reclamation made progress, not how
/// much work each step took.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::prelude::*;
/// fn progress<D: Reclaim + Monitor>(domain: &D) -> (u64, usize) {
///     domain.retire(Box::new(1u64));
///     domain.barrier();
///     let stats = domain.stats();
///     (stats.grace_periods, stats.pending)
/// }
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// let (_, pending) = progress(&domain);
/// assert_eq!(pending, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Grace periods completed since the domain was built: moves of its frontier (see above).
    pub grace_periods: u64,
    /// Objects retired (and callbacks queued) and not yet freed (or run).
    pub pending: usize,
    /// The size of those objects, where it is known (boxes, `retire_ptr` and closures; not
    /// `retire_raw`), once sealed: an object still in its thread's own bag (at most 32 per
    /// thread, 8 without `alloc`; sealed when the bag fills or a grace period passes) counts
    /// in `pending` only.
    pub pending_bytes: usize,
}

/// Building statistics by hand.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// let stats = gracepoint::Stats::new(3, 10, 640);
/// assert_eq!((stats.grace_periods, stats.pending, stats.pending_bytes), (3, 10, 640));
/// ```
impl Stats {
    /// Statistics with these values: for a domain filling in its report, and for tests
    /// comparing one.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert_eq!(gracepoint::Stats::new(0, 0, 0), gracepoint::Stats::default());
    /// ```
    #[must_use]
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
#[doc(hidden)]
#[macro_export]
macro_rules! mutant {
    ($name:literal => $mutated:expr, else $shipped:expr) => {{
        #[cfg(reclaim_mutant = $name)]
        let chosen = $mutated;
        #[cfg(all(loom, not(reclaim_mutant = $name)))]
        let chosen = if $crate::__private::mutant_active($name) {
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
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::Reclaim;
/// use std::sync::atomic::{AtomicPtr, Ordering};
///
/// fn replace<R: Reclaim>(domain: &R, slot: &AtomicPtr<u64>, value: u64) {
///     let old = slot.swap(Box::into_raw(Box::new(value)), Ordering::AcqRel);
///     if !old.is_null() {
///         // SAFETY: `old` is unlinked; readers that still see it entered before the swap.
///         unsafe { domain.retire_ptr(old) };
///     }
/// }
///
/// fn read<R: Reclaim>(domain: &R, slot: &AtomicPtr<u64>) -> u64 {
///     let _guard = domain.enter();
///     // SAFETY: the guard keeps whatever we load alive until it drops.
///     unsafe { *slot.load(Ordering::Acquire) }
/// }
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// # let slot = AtomicPtr::new(Box::into_raw(Box::new(1)));
/// # replace(&domain, &slot, 2);
/// # assert_eq!(read(&domain, &slot), 2);
/// # domain.barrier();
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
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// fn section<R: Reclaim>(domain: &R) {
    ///     let _guard = domain.enter();
    ///     // loads made here stay valid until `_guard` drops
    /// }
    /// # section(&gracepoint_reclaim::scheme::ReaderCount);
    /// ```
    #[track_caller]
    fn enter(&self) -> Self::Guard<'_>;

    /// Drops `boxed` once every section that began before this call has ended.
    ///
    /// For a value readers may still be reading through a raw pointer, do not make it a `Box`
    /// first (`retire(Box::from_raw(old))`): the box claims the memory as unaliased for the
    /// whole call, which may free it, and a reader's load meanwhile is undefined behaviour.
    /// Retire the pointer itself with [`retire_ptr`](Reclaim::retire_ptr), or through
    /// [`atomic::Section::retire`].
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// fn unlink_and_retire<R: Reclaim>(domain: &R, unlinked: Box<String>) {
    ///     domain.retire(unlinked);
    /// }
    /// # unlink_and_retire(&gracepoint_reclaim::scheme::ReaderCount, Box::new(String::new()));
    /// ```
    #[cfg(feature = "alloc")]
    #[track_caller]
    fn retire<T: Send + 'static>(&self, boxed: alloc::boxed::Box<T>) {
        let retired = scheme::bag::Retired::from_box(boxed);
        let (ptr, free) = retired.into_parts();
        // SAFETY: `Retired::from_box` built a matching pointer and deleter for a `Send` box.
        unsafe { self.retire_raw(ptr, free) }
    }

    /// Drops the box behind `unlinked` once every section that began before this call has
    /// ended, without making a `Box` of it now: how to retire a value that readers may still be
    /// reading through a raw pointer (`retire(Box::from_raw(old))` would be undefined behaviour
    /// while they do). Counted in pending bytes and limits as a [`retire`](Reclaim::retire)d
    /// box is.
    ///
    /// # Safety
    /// `unlinked` came from `Box::into_raw`, no section that begins after this call can reach
    /// it, and nobody else retires or frees it (typically: the caller's swap or
    /// compare-and-swap unlinked it).
    ///
    /// # Panics
    /// When `unlinked` is null.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// use std::sync::atomic::{AtomicPtr, Ordering};
    /// fn replace<R: Reclaim>(domain: &R, link: &AtomicPtr<String>, value: String) {
    ///     let old = link.swap(Box::into_raw(Box::new(value)), Ordering::AcqRel);
    ///     // SAFETY: from `Box::into_raw`; the swap unlinked it and gave it to this call alone.
    ///     unsafe { domain.retire_ptr(old) };
    /// }
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = AtomicPtr::new(Box::into_raw(Box::new(String::from("first"))));
    /// replace(&domain, &link, String::from("second"));
    /// # drop(unsafe { Box::from_raw(link.load(Ordering::Relaxed)) });
    /// ```
    #[cfg(feature = "alloc")]
    #[track_caller]
    unsafe fn retire_ptr<T: Send + 'static>(&self, unlinked: *mut T) {
        // SAFETY: the caller's promise is what `from_box_ptr` asks, with `T: Send + 'static`.
        let item = unsafe { scheme::bag::Retired::from_box_ptr(unlinked) };
        let bytes = item.bytes();
        let (ptr, free) = item.into_parts();
        // SAFETY: `from_box_ptr` built a matching pointer and deleter.
        unsafe { self.retire_raw_sized(ptr, free, bytes) }
    }

    /// Runs `callback` once every section that began before this call has ended (or when the
    /// domain drops): crossbeam-epoch's `defer`. It runs on whichever thread frees it, which
    /// may be inside a read section of this domain, so it must not wait for this domain.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// fn count_later<R: Reclaim>(domain: &R, count: &Arc<AtomicUsize>) {
    ///     let count = Arc::clone(count);
    ///     domain.call(move || {
    ///         count.fetch_add(1, Ordering::Relaxed);
    ///     });
    /// }
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let count = Arc::new(AtomicUsize::new(0));
    /// count_later(&domain, &count);
    /// domain.barrier();
    /// assert_eq!(count.load(Ordering::Relaxed), 1);
    /// ```
    #[cfg(feature = "alloc")]
    #[track_caller]
    fn call<F: FnOnce() + Send + 'static>(&self, callback: F) {
        let retired = scheme::bag::Retired::from_callback(callback);
        let (ptr, free) = retired.into_parts();
        // SAFETY: `Retired::from_callback` built a matching pointer and runner for a `Send`
        // closure.
        unsafe { self.retire_raw(ptr, free) }
    }

    /// Calls `free(ptr)` once every section that began before this call has ended.
    ///
    /// # Safety
    /// `free(ptr)` must be safe to call once, from any thread, after that grace period, and
    /// `ptr` must not be retired again.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// unsafe fn drop_u64(ptr: *mut ()) {
    ///     drop(unsafe { Box::from_raw(ptr.cast::<u64>()) });
    /// }
    /// fn retire_u64<R: Reclaim>(domain: &R, unlinked: *mut u64) {
    ///     // SAFETY: `unlinked` came from `Box::into_raw` and is retired once.
    ///     unsafe { domain.retire_raw(unlinked.cast(), drop_u64) };
    /// }
    /// # retire_u64(&gracepoint_reclaim::scheme::ReaderCount, Box::into_raw(Box::new(1)));
    /// ```
    #[track_caller]
    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ()));

    /// [`retire_raw`](Reclaim::retire_raw) for an object `bytes` long, which the domain counts
    /// in its pending bytes and byte limits as it counts a [`retire`](Reclaim::retire)d box
    /// (the default ignores `bytes`).
    ///
    /// Hidden: the schemes' fronts, [`retire_ptr`](Reclaim::retire_ptr) and `Section` use it
    /// to keep the size of what they retire; users retire with those.
    ///
    /// # Safety
    /// As [`retire_raw`](Reclaim::retire_raw).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// unsafe fn drop_u64(ptr: *mut ()) {
    ///     drop(unsafe { Box::from_raw(ptr.cast::<u64>()) });
    /// }
    /// fn retire_u64<R: Reclaim>(domain: &R, unlinked: *mut u64) {
    ///     // SAFETY: `unlinked` came from `Box::into_raw` and is retired once.
    ///     unsafe { domain.retire_raw_sized(unlinked.cast(), drop_u64, size_of::<u64>()) };
    /// }
    /// # retire_u64(&gracepoint_reclaim::scheme::ReaderCount, Box::into_raw(Box::new(1)));
    /// ```
    #[doc(hidden)]
    #[track_caller]
    unsafe fn retire_raw_sized(&self, ptr: *mut (), free: unsafe fn(*mut ()), bytes: usize) {
        let _ = bytes;
        // SAFETY: the caller's promise is `retire_raw`'s.
        unsafe { self.retire_raw(ptr, free) }
    }

    /// Waits until every section that began before this call has ended.
    ///
    /// # Panics
    /// Every scheme of this workspace panics when the calling thread is inside a section of the
    /// same domain on its own slot (the wait could never end), and, in debug builds, also for
    /// sections on registered readers and shared slots.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// fn wait_for_readers<R: Reclaim>(domain: &R) {
    ///     domain.synchronize();
    /// }
    /// # wait_for_readers(&gracepoint_reclaim::scheme::ReaderCount);
    /// ```
    #[track_caller]
    fn synchronize(&self);

    /// Waits until every object retired before this call, on any thread, has been freed.
    ///
    /// # Panics
    /// As [`synchronize`](Reclaim::synchronize).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// fn flush<R: Reclaim>(domain: &R) {
    ///     domain.barrier();
    /// }
    /// # flush(&gracepoint_reclaim::scheme::ReaderCount);
    /// ```
    #[track_caller]
    fn barrier(&self);

    /// An identity for this domain instance: equal for every handle of one domain (the domain
    /// itself, a `&D` to it, an `Arc<D>` of it), different for two domains alive at once. Code
    /// that accepts a [`Section`](atomic::Section) from its caller compares identities to check
    /// that the section protects the nodes its own domain frees
    /// ([`Section::belongs_to`](atomic::Section::belongs_to)).
    ///
    /// The default is the domain's address, or 0 for a zero-sized domain type (whose values all
    /// share one state, so they are one domain). A type that is a handle to a domain stored
    /// elsewhere must return that domain's identity.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// use std::sync::Arc;
    /// fn same<A: Reclaim, B: Reclaim>(a: &A, b: &B) -> bool {
    ///     a.domain_id() == b.domain_id()
    /// }
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let shared = Arc::new(domain);
    /// assert!(same(&shared, &Arc::clone(&shared)));
    /// assert!(same(&shared, &&*shared));
    /// ```
    #[inline]
    fn domain_id(&self) -> usize {
        if core::mem::size_of_val(self) == 0 {
            0
        } else {
            core::ptr::from_ref(self).cast::<()>().addr()
        }
    }

    /// Takes a cookie for a grace period that starts after this call, and makes sure one will
    /// run. Never waits.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// fn later<R: Reclaim>(domain: &R) -> R::Cookie {
    ///     domain.start_poll()
    /// }
    /// # later(&gracepoint_reclaim::scheme::ReaderCount);
    /// ```
    fn start_poll(&self) -> Self::Cookie;

    /// True once the grace period `cookie` names has ended: every section that began before
    /// the [`start_poll`](Reclaim::start_poll) that returned it has ended. Never waits; may
    /// move the grace period along. Never true early.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// fn wait_by_polling<R: Reclaim>(domain: &R) {
    ///     let cookie = domain.start_poll();
    ///     while !domain.poll(&cookie) {
    ///         std::thread::yield_now();
    ///     }
    /// }
    /// # wait_by_polling(&gracepoint_reclaim::scheme::ReaderCount);
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

            #[cfg(feature = "alloc")]
            #[inline]
            #[track_caller]
            unsafe fn retire_ptr<T: Send + 'static>(&self, unlinked: *mut T) {
                // SAFETY: the caller's promise, forwarded.
                unsafe { (**self).retire_ptr(unlinked) }
            }

            #[inline]
            #[track_caller]
            unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
                // SAFETY: the caller's promise, forwarded.
                unsafe { (**self).retire_raw(ptr, free) }
            }

            #[inline]
            #[track_caller]
            unsafe fn retire_raw_sized(
                &self,
                ptr: *mut (),
                free: unsafe fn(*mut ()),
                bytes: usize,
            ) {
                // SAFETY: the caller's promise, forwarded.
                unsafe { (**self).retire_raw_sized(ptr, free, bytes) }
            }

            #[cfg(feature = "alloc")]
            #[inline]
            #[track_caller]
            fn call<F: FnOnce() + Send + 'static>(&self, callback: F) {
                (**self).call(callback)
            }

            #[track_caller]
            fn synchronize(&self) {
                (**self).synchronize()
            }

            #[track_caller]
            fn barrier(&self) {
                (**self).barrier()
            }

            #[inline]
            fn domain_id(&self) -> usize {
                (**self).domain_id()
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
// `alloc::sync` exists only where the target has compare-and-swap (not on thumbv6m).
forward_reclaim!(#[cfg(all(feature = "alloc", target_has_atomic = "ptr"))] alloc::sync::Arc<R>);
