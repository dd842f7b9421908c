//! Sleepable RCU (SRCU) for userspace and `no_std`.
//!
//! An [`Srcu`] domain lets readers run read-side sections that cost a few plain instructions,
//! may sleep, may migrate between CPUs, and may even end on another thread, while writers wait
//! for every section that began before them to end ([`Srcu::synchronize`]) or hand unlinked
//! objects over to be freed after that ([`Srcu::retire`], [`Srcu::call`]). Grace periods can
//! also be polled without blocking ([`Srcu::start_poll`], [`Srcu::poll`]).
//!
//! # When to pick it
//! - Readers that block, sleep or run long: a section holds back only its own domain.
//! - "Lock here, unlock there": a [`ReadToken`] is `Send`.
//! - The cheapest read side in the workspace with the [`Flavor::Fast`] flavor (two plain
//!   increments), at the price of a heavier grace period (`membarrier`), for read-mostly domains
//!   whose grace periods are rare. The default, [`Flavor::Fenced`], pays one fence per section
//!   and won the workloads with writers (see [`Srcu::new`]).
//! - Static domains with no allocator: [`Srcu::new_fixed`].
//!
//! # Example
//! ```
//! use gracepoint_srcu::Srcu;
//! use std::sync::atomic::{AtomicPtr, Ordering};
//!
//! static DOMAIN: Srcu = Srcu::new();
//! let shared = AtomicPtr::new(Box::into_raw(Box::new(1u64)));
//!
//! {
//!     let _guard = DOMAIN.enter();
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
//! # The invariant
//! **A grace period ends only after every read section that began before it has ended.** SRCU
//! keeps it with counters: a section adds one to `locks[i]` when it begins and one to
//! `unlocks[i]` when it ends, for the same half `i` (0 or 1, the domain's index when the section
//! began). A half counts as empty when the sum of every slot's `unlocks[i]`, read first, equals
//! the sum of every slot's `locks[i]`, read after barrier A; counters only grow, so that equality
//! cannot hold while a section of that half is inside, unless that section's increment came
//! after A, and then it sees everything the writer did before. A grace period empties the
//! inactive half, flips the index, and empties the old half. Why both halves, why unlocks
//! first, and every barrier with the one it pairs with: see [`gp`](crate#barriers) below and
//! the grace-period module's docs.
//!
//! # Barriers
//! | barrier | where | pairs with | what it guarantees |
//! |---|---|---|---|
//! | **B** | reader, after incrementing `locks[idx]` | **A**, **P** | the section's loads cannot move before its increment: a scan either counts the reader, or the reader sees every update made before the scan |
//! | **C** (release) | reader, before incrementing `unlocks[idx]` | **A** | the section's accesses and its lock increment cannot move after its unlock increment: a scan that counts the unlock sees a finished section |
//! | **A** | writer, between the unlock sum and the lock sum of each scan | **B**, **C** | with C: every unlock counted comes after its whole section. With B (store buffering): the lock sum sees a reader's increment, or that reader sees every update made before A |
//! | **P** | `get_state` (and so every cookie and retire tag), before reading the grace-period sequence | **A** | if the cookie counts on a grace period that had not started when the sequence was read, that grace period's scans all come after P, so they see the caller's updates or the readers do |
//!
//! In the [`Fast`](Flavor::Fast) flavor B and C are compiler fences and A is a
//! `membarrier(PRIVATE_EXPEDITED)`. Linux also runs barriers **D** (after the flip) and **E**
//! (before it); they bound how far a stale reader can push a half's counters, which matters for
//! 32-bit counters. With 64-bit counters neither is needed for safety, and in the Fast flavor
//! each would be a `membarrier`, so this crate runs neither: the loom models check the shipped
//! code without them; the argument is in the barrier table above and in the grace-period
//! functions' docs.
//!
//! # Choices per domain
//! - [`Flavor`]: `Fenced` readers run a real `fence(SeqCst)` at B; `Fast` readers only a
//!   compiler fence, and the writer pays with `membarrier` at A.
//! - [`SlotChoice`]: a slot per thread (plain increments on an owned slot) or per CPU (shared
//!   slots, atomic increments). Without `std`, callers name the slot ([`Srcu::enter_on`]) or
//!   register a reader ([`Srcu::register`]).
//!
//! # Features
//! - `std` (default): slot per thread or CPU, parking waits, `membarrier`. Implies `alloc`.
//! - `alloc`: boxed [`retire`](Srcu::retire) and [`call`](Srcu::call), growable slot arrays.
//! - neither: a fixed inline slot array ([`Srcu::new_fixed`]), spin waiting, raw retire
//!   ([`Srcu::retire_raw`]) into a small fixed pool of bags.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod gp;
mod reader;
mod retire;

pub use gp::{AUTO_EXPEDITE_MICROS, Cookie};
pub use reader::{ReadToken, SrcuGuard, SrcuReader};
pub use reclaim::wait::{Spin, WaitStrategy};
pub use reclaim::{Reclaim, SlotsFull, Stats};

use crossbeam_utils::CachePadded;
use reclaim::scheme::Core;
use reclaim::scheme::slots::SlotState;
use reclaim::sync::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering, OwnerCell};

/// How readers order their counter updates against their protected accesses.
///
/// ```
/// use gracepoint_srcu::{Flavor, SlotChoice, Srcu};
/// let domain = Srcu::with_options(Flavor::Fenced, SlotChoice::Thread);
/// assert_eq!(domain.flavor(), Flavor::Fenced);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// Barrier B is a real `fence(SeqCst)` (C a release fence, free on x86): readers pay one
    /// fence per section, grace periods pay nothing extra. Works everywhere.
    Fenced,
    /// B and C are compiler fences only; each grace period's scans run
    /// `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)` at A instead (about half a microsecond
    /// each, two per grace period with no reader in the way). Asked for where the kernel
    /// refuses `membarrier` (or without `std`), the domain runs [`Flavor::Fenced`].
    Fast,
}

/// Which slot a reader's counters go to.
///
/// ```
/// use gracepoint_srcu::{Flavor, SlotChoice, Srcu};
/// let domain = Srcu::with_options(Flavor::Fast, SlotChoice::Cpu);
/// assert_eq!(domain.slot_choice(), SlotChoice::Cpu);
/// drop(domain.enter());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SlotChoice {
    /// One slot per thread. The slot has a single writer, so increments are a plain load and
    /// store, no read-modify-write. Needs `std`; without it the domain behaves as
    /// [`SlotChoice::Cpu`] on the slot the caller names.
    Thread,
    /// One slot per CPU (read from the kernel's `rseq` area, or `sched_getcpu`). Threads share
    /// slots, so increments are `fetch_add`. A thread that migrates mid-section unlocks on
    /// another slot: only the sums over all slots matter.
    Cpu,
}

/// One reader slot: how many sections entered and left each half through it.
///
/// The two halves are kept together on one cache line: a reader touches only its own slot.
pub(crate) struct SrcuSlot {
    pub(crate) locks: [AtomicU64; 2],
    pub(crate) unlocks: [AtomicU64; 2],
    /// Owner-only: guards open on this slot by its owner (tokens are not counted: they may end
    /// anywhere). Tells the retire path whether the owner is inside a section.
    pub(crate) depth: OwnerCell<u32>,
}

impl SlotState for SrcuSlot {
    reclaim::idle_slot!(SrcuSlot {
        locks: [AtomicU64::new(0), AtomicU64::new(0)],
        unlocks: [AtomicU64::new(0), AtomicU64::new(0)],
        depth: OwnerCell::new(0),
    });

    unsafe fn owner_in_section(&self) -> bool {
        // SAFETY: the caller owns the slot.
        unsafe { self.depth.get() > 0 }
    }
}

/// Fast asked for, `membarrier` not probed yet: readers fence for real until it is resolved.
const FAST_UNRESOLVED: u32 = 0;
/// Readers run real fences at B and C.
const FENCED: u32 = 1;
/// Readers run compiler fences at B and C; writers run `membarrier` at A.
const FAST: u32 = 2;

/// What every reader reads on entry, kept apart from what writers write often.
struct ReaderShared {
    /// The current half is `idx & 1`; only a grace-period driver changes it.
    idx: AtomicUsize,
    /// `FAST_UNRESOLVED`, `FENCED` or `FAST`; resolved once, then constant.
    flavor: AtomicU32,
    /// How readers find their slot; constant.
    choice: SlotChoice,
    /// Set once a `ReadToken` was taken: stall reports then say attribution is approximate.
    tokens_used: AtomicBool,
}

/// An SRCU domain with `N` reader slots inline (and more on demand with `alloc`).
///
/// `Srcu` (that is, `Srcu<0>`) keeps every slot in growable segments and needs `alloc`; a
/// domain with inline slots, `Srcu<N>`, can live in a `static` with no allocator at all.
///
/// ```
/// use gracepoint_srcu::Srcu;
/// static FIXED: Srcu<4> = Srcu::new_fixed();
/// let guard = FIXED.enter_on(1).unwrap();
/// drop(guard);
/// FIXED.synchronize_with(&mut gracepoint_srcu::Spin);
/// ```
pub struct Srcu<const N: usize = 0> {
    readers: CachePadded<ReaderShared>,
    gp: CachePadded<gp::GpState>,
    core: Core<SrcuSlot, Cookie, N>,
}

impl<const N: usize> core::fmt::Debug for Srcu<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Srcu")
            .field("slot_choice", &self.readers.choice)
            .field("slots", &self.core.slots().len())
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

/// Domains whose reader slots all live in growable segments (with `alloc`).
///
/// ```
/// use gracepoint_srcu::{Flavor, SlotChoice, Srcu};
/// let per_thread = Srcu::new();
/// assert_eq!(per_thread.slot_choice(), SlotChoice::Thread);
/// let per_cpu = Srcu::with_options(Flavor::Fenced, SlotChoice::Cpu);
/// assert_eq!((per_cpu.flavor(), per_cpu.slot_choice()), (Flavor::Fenced, SlotChoice::Cpu));
/// ```
#[cfg(feature = "alloc")]
impl Srcu<0> {
    reclaim::const_fn_unless_loom! {
        /// A domain with [`Fenced`](Flavor::Fenced) readers and a slot per thread. `const`, so
        /// it can initialise a `static`.
        ///
        /// Fenced is the default because it won the workloads with writers: on the hash map
        /// with updates and on the retire-bound stack, at 2 and 4 threads on 2 cores, Fenced
        /// readers ran at 0.8-1.2x crossbeam-epoch where [`Fast`](Flavor::Fast) ones ran at
        /// 0.2-0.6x, because each `membarrier` of a Fast grace period interrupts every CPU that
        /// runs one of the process's threads. Fast sections are four times cheaper (about
        /// 1.5 ns against 6): pick `with_options(Flavor::Fast, SlotChoice::Thread)` for a
        /// read-mostly domain whose grace periods are rare.
        ///
        /// ```
        /// static DOMAIN: gracepoint_srcu::Srcu = gracepoint_srcu::Srcu::new();
        /// drop(DOMAIN.enter());
        /// DOMAIN.synchronize();
        /// ```
        pub fn new() -> Self {
            Self::build(Flavor::Fenced, SlotChoice::Thread)
        }
    }

    reclaim::const_fn_unless_loom! {
        /// A domain with the given reader flavor and slot choice. Asking for
        /// [`Fast`](Flavor::Fast) where `membarrier` is refused gives [`Fenced`](Flavor::Fenced);
        /// [`flavor`](Srcu::flavor) says which is active.
        ///
        /// ```
        /// use gracepoint_srcu::{Flavor, SlotChoice, Srcu};
        /// static PER_CPU: Srcu = Srcu::with_options(Flavor::Fenced, SlotChoice::Cpu);
        /// drop(PER_CPU.enter());
        /// ```
        pub fn with_options(flavor: Flavor, choice: SlotChoice) -> Self {
            Self::build(flavor, choice)
        }
    }
}

/// Domains with `N` inline slots (buildable in a `static` without an allocator), and what any
/// domain says about itself.
///
/// ```
/// use gracepoint_srcu::{SlotChoice, Srcu};
/// static DOMAIN: Srcu<4> = Srcu::new_fixed();
/// assert_eq!(DOMAIN.slot_choice(), SlotChoice::Cpu);
/// let before = DOMAIN.stats().grace_periods;
/// drop(DOMAIN.enter_on(2).unwrap());
/// DOMAIN.synchronize();
/// assert!(DOMAIN.stats().grace_periods > before);
/// ```
impl<const N: usize> Srcu<N> {
    reclaim::const_fn_unless_loom! {
        /// A domain with `N` inline reader slots and no allocation: the constructor for
        /// `static` domains in `no_std` builds.
        ///
        /// Readers share slots ([`SlotChoice::Cpu`]), so callers may name their slot with
        /// [`enter_on`](Srcu::enter_on) (a CPU number, a reader id below `N`) or own one with
        /// [`register`](Srcu::register); with `std`, [`enter`](Srcu::enter) picks the current
        /// CPU's slot. Readers are [`Fenced`](Flavor::Fenced), as with [`Srcu::new`];
        /// [`fixed_with_options`](Srcu::fixed_with_options) picks another flavor.
        ///
        /// ```
        /// static DOMAIN: gracepoint_srcu::Srcu<4> = gracepoint_srcu::Srcu::new_fixed();
        /// let guard = DOMAIN.enter_on(0).unwrap();
        /// drop(guard);
        /// DOMAIN.synchronize_with(&mut gracepoint_srcu::Spin);
        /// ```
        pub fn new_fixed() -> Self {
            Self::build(Flavor::Fenced, SlotChoice::Cpu)
        }
    }

    reclaim::const_fn_unless_loom! {
        /// A domain with `N` inline reader slots and the given options.
        ///
        /// ```
        /// use gracepoint_srcu::{Flavor, SlotChoice, Srcu};
        /// static DOMAIN: Srcu<2> = Srcu::fixed_with_options(Flavor::Fenced, SlotChoice::Cpu);
        /// assert_eq!(DOMAIN.flavor(), Flavor::Fenced);
        /// ```
        pub fn fixed_with_options(flavor: Flavor, choice: SlotChoice) -> Self {
            Self::build(flavor, choice)
        }
    }

    reclaim::const_fn_unless_loom! {
        fn build(flavor: Flavor, choice: SlotChoice) -> Self {
            Self {
                readers: CachePadded::new(ReaderShared {
                    idx: AtomicUsize::new(0),
                    flavor: AtomicU32::new(match flavor {
                        Flavor::Fenced => FENCED,
                        Flavor::Fast => FAST_UNRESOLVED,
                    }),
                    choice,
                    tokens_used: AtomicBool::new(false),
                }),
                gp: CachePadded::new(gp::GpState::new()),
                core: Core::new(),
            }
        }
    }

    /// The reader flavor this domain runs, resolving a [`Fast`](Flavor::Fast) request against
    /// the kernel on first use.
    ///
    /// ```
    /// use gracepoint_srcu::{Flavor, SlotChoice, Srcu};
    /// assert_eq!(Srcu::new().flavor(), Flavor::Fenced);
    /// let fast = Srcu::with_options(Flavor::Fast, SlotChoice::Thread);
    /// assert!(matches!(fast.flavor(), Flavor::Fast | Flavor::Fenced)); // as the kernel allows
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
    /// assert_eq!(gracepoint_srcu::Srcu::new().slot_choice(), gracepoint_srcu::SlotChoice::Thread);
    /// ```
    pub fn slot_choice(&self) -> SlotChoice {
        self.readers.choice
    }

    /// Grace periods completed so far, and objects (and bytes) still waiting to be freed.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// domain.retire(Box::new(5u64));
    /// domain.barrier();
    /// let stats = domain.stats();
    /// assert_eq!(stats.pending, 0);
    /// assert!(stats.grace_periods >= 1);
    /// ```
    pub fn stats(&self) -> Stats {
        let pending = self.core.pending();
        Stats::new(self.gp.completed(), pending.objects, pending.bytes)
    }

    /// `FENCED` or `FAST`, probing `membarrier` if nobody has yet. Every caller gets the same
    /// answer, because the probe's result is cached process-wide.
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
        let resolved = if reclaim::scheme::membarrier::available() {
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
        self.core.addr()
    }
}

// SAFETY: `synchronize` returns only after a grace period (see `gp`), and retired objects are
// freed only once the grace period of their bag's cookie is complete, or when the domain drops.
unsafe impl<const N: usize> Reclaim for Srcu<N> {
    type Guard<'a> = SrcuGuard<'a, N>;
    type Cookie = Cookie;

    #[inline(always)]
    fn enter(&self) -> SrcuGuard<'_, N> {
        Srcu::enter(self)
    }

    #[cfg(feature = "alloc")]
    fn retire<T: Send + 'static>(&self, boxed: alloc::boxed::Box<T>) {
        Srcu::retire(self, boxed)
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
