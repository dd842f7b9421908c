//! Sleepable RCU (SRCU) for userspace and `no_std`.
//!
//! # The invariant
//! **A grace period ends only after every read section that began before it has ended.** SRCU
//! keeps it with counters: a section adds one to `locks[i]` when it begins and one to
//! `unlocks[i]` when it ends, for the same half `i`. A half counts as empty when the sum of every
//! slot's `unlocks[i]`, read first, equals the sum of every slot's `locks[i]`, read after barrier
//! A; counters only grow, so that equality cannot hold while a section of that half is inside.
//! A grace period empties the inactive half, flips the index, and empties the old half.
//!
//! # How it works
//! A domain ([`Srcu`]) holds a current index (0 or 1) and an array of cache-padded reader
//! slots, each with `locks[2]` and `unlocks[2]`. A reader loads the index, increments
//! `locks[idx]` on its slot, and runs barrier **B**; it leaves by running barrier **C** and
//! incrementing `unlocks[idx]` on whatever slot it is on then. A grace period waits until the
//! inactive half is empty, runs **E**, flips the index, runs **D**, and waits until the old half
//! is empty; each "empty" check sums unlocks, runs **A**, then sums locks. New readers go to the
//! new half, so the half being drained only shrinks: a steady stream of overlapping readers
//! cannot starve a writer. `docs/srcu.md` argues every step, and lists each barrier with the one
//! it pairs with.
//!
//! Grace periods need no background thread: a small state machine (`try_advance`) is stepped by
//! whoever calls [`Srcu::synchronize`], [`Srcu::poll`], [`Srcu::start_poll`], [`Srcu::retire`],
//! [`Srcu::call`] or [`Srcu::barrier`]. Concurrent callers share grace periods.
//!
//! # Choices per domain
//! - [`Flavor`]: `Fenced` readers run a real `fence(SeqCst)` at B and C; `Fast` readers only a
//!   compiler fence, and the writer pays with `membarrier` at A, D and E.
//! - [`SlotChoice`]: a slot per thread (plain increments on an owned slot) or per CPU (shared
//!   slots, atomic increments). Without `std`, callers name the slot: [`Srcu::read_lock_on`].
//!
//! # Example
//! ```
//! use srcu::Srcu;
//! use std::sync::atomic::{AtomicPtr, Ordering};
//!
//! static DOMAIN: Srcu = Srcu::new();
//! let shared = AtomicPtr::new(Box::into_raw(Box::new(1u64)));
//!
//! {
//!     let _guard = DOMAIN.read_lock();
//!     // SAFETY: the guard keeps the object alive until it drops.
//!     assert_eq!(unsafe { *shared.load(Ordering::Acquire) }, 1);
//! }
//!
//! let old = shared.swap(Box::into_raw(Box::new(2u64)), Ordering::AcqRel);
//! // SAFETY: `old` is unlinked; only sections that began before the swap can still see it.
//! DOMAIN.retire(unsafe { Box::from_raw(old) });
//! DOMAIN.barrier();
//! # unsafe { drop(Box::from_raw(shared.load(Ordering::Relaxed))) };
//! ```
//!
//! # Features
//! - `std` (default): slot per thread or CPU, parking waits, `membarrier`. Implies `alloc`.
//! - `alloc`: boxed [`retire`](Srcu::retire) and [`call`](Srcu::call), growable slot arrays.
//! - neither: a fixed inline slot array ([`Srcu::new_fixed`]), spin waiting through
//!   [`Srcu::synchronize_with`], raw retire ([`Srcu::retire_raw`]) into a fixed queue.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod gp;
mod reader;
mod retire;

pub use reader::{ReadToken, SrcuGuard};
pub use reclaim::slots::SlotsFull;
pub use reclaim::wait::{Spin, WaitStrategy};

use crossbeam_utils::CachePadded;
use reclaim::bag::RetireQueue;
use reclaim::slots::{SlotState, Slots};
use reclaim::sync::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use reclaim::wait::Event;

/// How readers order their counter updates against their protected accesses.
///
/// ```
/// use srcu::{Flavor, SlotChoice, Srcu};
/// let domain = Srcu::with_options(Flavor::Fenced, SlotChoice::Thread);
/// assert_eq!(domain.flavor(), Flavor::Fenced);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// Barriers B and C are real `fence(SeqCst)`: readers pay a fence each, writers pay nothing
    /// extra. Works everywhere.
    Fenced,
    /// Barriers B and C are compiler fences only; the writer runs
    /// `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` at A, D and E instead. Asked for where the
    /// kernel refuses `membarrier` (or without `std`), the domain runs [`Flavor::Fenced`].
    Fast,
}

/// Which slot a reader's counters go to.
///
/// ```
/// use srcu::{Flavor, SlotChoice, Srcu};
/// let domain = Srcu::with_options(Flavor::Fast, SlotChoice::Cpu);
/// assert_eq!(domain.slot_choice(), SlotChoice::Cpu);
/// drop(domain.read_lock());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SlotChoice {
    /// One slot per thread (found by `reclaim::thread_id`). The slot has a single writer, so
    /// increments are a plain load and store, no read-modify-write. Needs `std`; without it the
    /// domain behaves as [`SlotChoice::Cpu`] with the slot the caller names.
    Thread,
    /// One slot per CPU (found by `sched_getcpu`). Threads share slots, so increments are
    /// `fetch_add`. A thread that migrates mid-section simply unlocks on another slot: only the
    /// sums over all slots matter.
    Cpu,
}

/// A grace-period cookie from [`Srcu::get_state`] or [`Srcu::start_poll`], for [`Srcu::poll`].
///
/// ```
/// let domain = srcu::Srcu::new();
/// let cookie = domain.start_poll();
/// domain.synchronize();
/// assert!(domain.poll(cookie));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cookie(u64);

/// Counters of a domain, cheap to read.
///
/// ```
/// let domain = srcu::Srcu::new();
/// domain.synchronize();
/// let stats = domain.stats();
/// assert_eq!(stats.completed_grace_periods, 1);
/// assert_eq!(stats.pending_retired, 0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// Grace periods completed since the domain was built.
    pub completed_grace_periods: u64,
    /// Objects retired (or callbacks queued) and not yet freed (or run).
    pub pending_retired: usize,
}

/// One reader slot: how many sections entered and left each half through it.
///
/// The two halves are kept together on one cache line: a reader touches only its own slot.
pub(crate) struct SrcuSlot {
    pub(crate) locks: [AtomicU64; 2],
    pub(crate) unlocks: [AtomicU64; 2],
}

impl SlotState for SrcuSlot {
    reclaim::idle_slot!(SrcuSlot {
        locks: [AtomicU64::new(0), AtomicU64::new(0)],
        unlocks: [AtomicU64::new(0), AtomicU64::new(0)],
    });
}

/// Fast asked for, `membarrier` not probed yet: readers fence for real until it is resolved.
const FAST_UNRESOLVED: u32 = 0;
/// Readers run real fences at B and C.
const FENCED: u32 = 1;
/// Readers run compiler fences at B and C; writers run `membarrier` at A, D and E.
const FAST: u32 = 2;

/// What every reader reads on entry, kept apart from what writers write often.
struct ReaderShared {
    /// The current half is `idx & 1`; only a grace-period driver changes it.
    idx: AtomicUsize,
    /// `FAST_UNRESOLVED`, `FENCED` or `FAST`; resolved once, then constant.
    flavor: AtomicU32,
    /// How readers find their slot; constant.
    choice: SlotChoice,
    /// A process-unique id for the per-thread slot cache; 0 until first needed.
    #[cfg(all(feature = "std", not(loom)))]
    uid: AtomicU64,
}

/// An SRCU domain with `N` reader slots inline (and more on demand with `alloc`).
///
/// `Srcu` (that is, `Srcu<0>`) keeps every slot in growable segments and needs `alloc`; a
/// domain with inline slots, `Srcu<N>`, can live in a `static` with no allocator at all.
///
/// ```
/// use srcu::Srcu;
/// static FIXED: Srcu<4> = Srcu::new_fixed();
/// let guard = FIXED.read_lock_on(1).unwrap();
/// drop(guard);
/// FIXED.synchronize_with(srcu::Spin);
/// ```
pub struct Srcu<const N: usize = 0> {
    readers: CachePadded<ReaderShared>,
    slots: Slots<SrcuSlot, N>,
    gp: CachePadded<gp::GpState>,
    // Written by writers (the queue's lock on every retire, the event on every grace period):
    // padded so that readers of the fields above never share a cache line with them.
    event: CachePadded<Event>,
    queue: CachePadded<RetireQueue>,
}

impl<const N: usize> core::fmt::Debug for Srcu<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Srcu")
            .field("slot_choice", &self.readers.choice)
            .field("slots", &self.slots.len())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "alloc")]
impl Default for Srcu<0> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "alloc")]
impl Srcu<0> {
    reclaim::const_fn_unless_loom! {
        /// A domain with the [`Fast`](Flavor::Fast) flavor where `membarrier` is available
        /// ([`Fenced`](Flavor::Fenced) otherwise) and a slot per thread. `const`, so it can
        /// initialise a `static`; the flavor is resolved on first use.
        ///
        /// ```
        /// static DOMAIN: srcu::Srcu = srcu::Srcu::new();
        /// drop(DOMAIN.read_lock());
        /// DOMAIN.synchronize();
        /// ```
        pub fn new() -> Self {
            Self::build(Flavor::Fast, SlotChoice::Thread, gp::SEQ_START)
        }
    }

    reclaim::const_fn_unless_loom! {
        /// A domain with the given reader flavor and slot choice. Asking for
        /// [`Fast`](Flavor::Fast) where `membarrier` is refused gives [`Fenced`](Flavor::Fenced);
        /// [`flavor`](Srcu::flavor) says which is active.
        ///
        /// ```
        /// use srcu::{Flavor, SlotChoice, Srcu};
        /// static PER_CPU: Srcu = Srcu::with_options(Flavor::Fenced, SlotChoice::Cpu);
        /// drop(PER_CPU.read_lock());
        /// ```
        pub fn with_options(flavor: Flavor, choice: SlotChoice) -> Self {
            Self::build(flavor, choice, gp::SEQ_START)
        }
    }
}

impl<const N: usize> Srcu<N> {
    reclaim::const_fn_unless_loom! {
        /// A domain with `N` inline reader slots and no allocation: the constructor for
        /// `static` domains in `no_std` builds.
        ///
        /// Readers share slots ([`SlotChoice::Cpu`]), so callers may name their slot with
        /// [`read_lock_on`](Srcu::read_lock_on) (a CPU number, a reader id below `N`); with `std`,
        /// [`read_lock`](Srcu::read_lock) picks the current CPU's slot. The flavor is
        /// [`Fast`](Flavor::Fast) where `membarrier` is available, which needs `std`; otherwise
        /// [`Fenced`](Flavor::Fenced).
        ///
        /// ```
        /// static DOMAIN: srcu::Srcu<4> = srcu::Srcu::new_fixed();
        /// let guard = DOMAIN.read_lock_on(0).unwrap();
        /// drop(guard);
        /// DOMAIN.synchronize_with(srcu::Spin);
        /// ```
        pub fn new_fixed() -> Self {
            Self::build(Flavor::Fast, SlotChoice::Cpu, gp::SEQ_START)
        }
    }

    reclaim::const_fn_unless_loom! {
        /// A domain with `N` inline reader slots and the given options.
        ///
        /// ```
        /// use srcu::{Flavor, SlotChoice, Srcu};
        /// static DOMAIN: Srcu<2> = Srcu::fixed_with_options(Flavor::Fenced, SlotChoice::Cpu);
        /// assert_eq!(DOMAIN.flavor(), Flavor::Fenced);
        /// ```
        pub fn fixed_with_options(flavor: Flavor, choice: SlotChoice) -> Self {
            Self::build(flavor, choice, gp::SEQ_START)
        }
    }

    /// A domain whose grace-period counter starts a few hundred grace periods below the point
    /// where it wraps. For tests only: it lets every cookie comparison run across the wrap.
    ///
    /// ```
    /// let domain = srcu::Srcu::<0>::__near_wrap(srcu::Flavor::Fenced, srcu::SlotChoice::Thread);
    /// let cookie = domain.start_poll();
    /// domain.synchronize();
    /// assert!(domain.poll(cookie));
    /// ```
    #[doc(hidden)]
    pub fn __near_wrap(flavor: Flavor, choice: SlotChoice) -> Self {
        Self::build(flavor, choice, gp::SEQ_NEAR_WRAP)
    }

    reclaim::const_fn_unless_loom! {
        fn build(flavor: Flavor, choice: SlotChoice, seq_start: u64) -> Self {
            Self {
                readers: CachePadded::new(ReaderShared {
                    idx: AtomicUsize::new(0),
                    flavor: AtomicU32::new(match flavor {
                        Flavor::Fenced => FENCED,
                        Flavor::Fast => FAST_UNRESOLVED,
                    }),
                    choice,
                    #[cfg(all(feature = "std", not(loom)))]
                    uid: AtomicU64::new(0),
                }),
                slots: Slots::new(),
                gp: CachePadded::new(gp::GpState::new(seq_start)),
                event: CachePadded::new(Event::new()),
                queue: CachePadded::new(RetireQueue::new()),
            }
        }
    }

    /// The reader flavor this domain runs, resolving a [`Fast`](Flavor::Fast) request against
    /// the kernel on first use.
    ///
    /// ```
    /// use srcu::{Flavor, Srcu};
    /// let domain = Srcu::new();
    /// let expected = if reclaim::membarrier::available() { Flavor::Fast } else { Flavor::Fenced };
    /// assert_eq!(domain.flavor(), expected);
    /// ```
    pub fn flavor(&self) -> Flavor {
        if self.resolve_flavor() == FAST {
            Flavor::Fast
        } else {
            Flavor::Fenced
        }
    }

    /// How this domain picks reader slots.
    ///
    /// ```
    /// assert_eq!(srcu::Srcu::new().slot_choice(), srcu::SlotChoice::Thread);
    /// ```
    pub fn slot_choice(&self) -> SlotChoice {
        self.readers.choice
    }

    /// Grace periods completed so far and objects still waiting to be freed.
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// domain.retire(Box::new(5));
    /// assert_eq!(domain.stats().pending_retired, 1);
    /// domain.barrier();
    /// assert_eq!(domain.stats().pending_retired, 0);
    /// ```
    pub fn stats(&self) -> Stats {
        Stats {
            completed_grace_periods: self.gp.completed(),
            pending_retired: self.queue.pending(),
        }
    }

    /// `FENCED` or `FAST`, probing `membarrier` if nobody has yet. Every caller gets the same
    /// answer, because the probe's result is cached process-wide by `reclaim::membarrier`.
    #[inline]
    fn resolve_flavor(&self) -> u32 {
        let state = self.readers.flavor.load(Ordering::Relaxed);
        if state != FAST_UNRESOLVED {
            return state;
        }
        self.resolve_flavor_slow()
    }

    #[cold]
    fn resolve_flavor_slow(&self) -> u32 {
        #[cfg(feature = "std")]
        let resolved = if reclaim::membarrier::available() {
            FAST
        } else {
            FENCED
        };
        #[cfg(not(feature = "std"))]
        let resolved = FENCED;
        self.readers.flavor.store(resolved, Ordering::Relaxed);
        resolved
    }

    /// This domain's identity for the debug-build misuse checks.
    #[inline(always)]
    fn addr(&self) -> usize {
        self as *const Self as usize
    }
}

// SAFETY: `synchronize` returns only after a grace period (see `gp`), and retired objects are
// freed only once `poll` reports their bag's cookie complete, or when the domain drops.
unsafe impl<const N: usize> reclaim::Reclaim for Srcu<N> {
    type Guard<'a> = SrcuGuard<'a, N>;
    type Cookie = Cookie;

    #[inline]
    fn enter(&self) -> SrcuGuard<'_, N> {
        self.read_lock()
    }

    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: the caller's promise is the one `Srcu::retire_raw` asks for.
        unsafe { Srcu::retire_raw(self, ptr, free) }
    }

    fn synchronize(&self) {
        Srcu::synchronize(self)
    }

    fn barrier(&self) {
        Srcu::barrier(self)
    }

    fn start_poll(&self) -> Cookie {
        Srcu::start_poll(self)
    }

    fn poll(&self, cookie: &Cookie) -> bool {
        Srcu::poll(self, *cookie)
    }
}

#[cfg(all(test, not(loom)))]
mod tests;
