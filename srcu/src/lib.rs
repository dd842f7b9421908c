//! Sleepable RCU (SRCU) for userspace and `no_std`.
//!
//! An [`Srcu`] domain lets readers run read-side sections that cost a few plain instructions,
//! may sleep, may migrate between CPUs, and may even end on another thread, while writers wait
//! for every section that began before them to end ([`Srcu::synchronize`]) or hand unlinked
//! objects over to be freed after that ([`Srcu::retire`], [`Srcu::call`]). Grace periods can
//! also be polled without blocking ([`Srcu::start_poll`], [`Srcu::poll`]).
//!
//! Most users reach this crate as `gracepoint::srcu`; it has the same names and methods as
//! `gracepoint::gus` and `gracepoint::epoch`, so switching schemes changes a type name.
//!
//! # When to pick it
//! - Readers that block, sleep or run long: a section holds back only its own domain.
//! - "Lock here, unlock there": a [`ReadToken`] is `Send`.
//! - A cheap read side by default: [`Flavor::Fast`] sections are two plain increments and no
//!   fence; grace periods pay a `membarrier`, shared by every waiter of the process that asked
//!   within the same batch. [`Flavor::Fenced`] (one fence per section, lighter grace periods)
//!   is one [`Options`] away, and is what the domain runs where `membarrier` is refused.
//! - Static domains with no allocator: [`Srcu::new_fixed`].
//!
//! # Example
//! ```
//! use gracepoint::srcu::Srcu;
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
//! unsafe { DOMAIN.retire_ptr(old) };
//! DOMAIN.barrier();
//! # unsafe { drop(Box::from_raw(shared.load(Ordering::Relaxed))) };
//! ```
//!
//! # The invariant
//! **A grace period ends only after every read section that began before it has ended.** SRCU
//! keeps it with counters: a section adds one to `locks[i]` when it begins and one to
//! `unlocks[i]` when it ends, for the same half `i` (0 or 1, the domain's index when the section
//! began). A half counts as empty when the sum of every slot's `unlocks[i]`, read first, equals
//! the sum of every slot's `locks[i]`, read after barrier srcu-A; counters only grow, so that equality
//! cannot hold while a section of that half is inside, unless that section's increment came
//! after A, and then it sees everything the writer did before. A grace period empties the
//! inactive half, flips the index, and empties the old half. Why both halves, why unlocks
//! first, and every barrier with the one it pairs with: the table below, and the clock module.
//!
//! # Barriers
//! | barrier | where | pairs with | what it guarantees |
//! |---|---|---|---|
//! | **srcu-B** | reader, after incrementing `locks[idx]` | **srcu-A**, **srcu-P** | the section's loads cannot move before its increment: a scan either counts the reader, or the reader sees every update made before the scan |
//! | **srcu-C** (release) | reader, before incrementing `unlocks[idx]` | **srcu-A** | the section's accesses and its lock increment cannot move after its unlock increment: a scan that counts the unlock sees a finished section |
//! | **srcu-A** | writer, between the unlock sum and the lock sum of each scan | **srcu-B**, **srcu-C** | with C: every unlock counted comes after its whole section. With B (store buffering): the lock sum sees a reader's increment, or that reader sees every update made before A |
//! | **srcu-P** | `get_state` (and so every cookie and retire tag), before reading the grace-period sequence | **srcu-A** | if the cookie counts on a grace period that had not started when the sequence was read, that grace period's scans all come after P, so they see the caller's updates or the readers do |
//! | **srcu-D** (32-bit counters only) | writer, after the flip, before the old half's first scan | **srcu-B** | store buffering: a reader whose unlock the scan misses loads the new index by its second lock after it, so a scan's lock sum runs at most two sections per reader (plus nesting) past its unlock sum, far from a wrap |
//!
//! In the [`Fast`](Flavor::Fast) flavor B and C are compiler fences and A (and D) a
//! `membarrier(PRIVATE_EXPEDITED)`. Linux also runs barrier **E** (before the flip) and runs D
//! whatever the counters' width. Both only bound how far a stale reader can push a half's
//! counters, which matters for 32-bit counters and not for 64-bit ones: the counters
//! ([`reclaim::sync::Count`]) are 64-bit wherever the target has 64-bit atomics, and there this
//! crate runs neither (in the Fast flavor each would be a `membarrier`). Where they are 32-bit
//! (no 64-bit atomics, or the `--cfg reclaim_seq32` test configuration) it runs D, which is
//! all the bound needs (docs/srcu.md, "Counter wrap").
//!
//! # Choices per domain ([`Options`])
//! - [`Flavor`]: `Fenced` readers run a real `fence(SeqCst)` at B; `Fast` readers only a
//!   compiler fence, and the writer pays with `membarrier` at A.
//! - [`SlotChoice`]: a slot per thread (plain increments on an owned slot) or per CPU (shared
//!   slots: restartable sequences on Linux x86-64, atomic increments elsewhere). Without `std`, callers name the slot ([`Srcu::enter_on`]) or
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

mod clock;
mod reader;

pub use clock::Cookie;
pub use reader::{ReadToken, SrcuGuard, SrcuReader};

use clock::SrcuClock;
use reclaim::scheme::Core;
use reclaim::scheme::slots::SlotState;
use reclaim::sync::AtomicCount;

/// The read side (shared by every scheme): in SRCU's [`Fast`](Flavor::Fast) flavor barriers B
/// and C are compiler fences and each scan's barrier A is a `membarrier`.
///
/// ```
/// use gracepoint::srcu::{Flavor, Options, Srcu};
/// let domain = Srcu::with_options(Options::DEFAULT.flavor(Flavor::Fenced));
/// assert_eq!(domain.flavor(), Flavor::Fenced);
/// ```
pub use reclaim::Flavor;

/// Which slot a reader's counters go to.
///
/// ```
/// use gracepoint::srcu::{Options, SlotChoice, Srcu};
/// let domain = Srcu::with_options(Options::DEFAULT.slots(SlotChoice::Cpu));
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
    /// slots: on Linux x86-64 with glibc's rseq area, a guard's increments are restartable
    /// sequences on the CPU's own counters (a plain load and store that the kernel restarts
    /// if the thread is preempted or migrated in between); elsewhere, and for tokens, they are
    /// `fetch_add`. A thread that migrates mid-section unlocks on another slot: only the sums
    /// over all slots matter.
    Cpu,
}

/// How an [`Srcu`] domain is built: its reader [`Flavor`] and [`SlotChoice`].
///
/// ```
/// use gracepoint::srcu::{Flavor, Options, SlotChoice, Srcu};
/// static DOMAIN: Srcu = Srcu::with_options(Options::DEFAULT.flavor(Flavor::Fast).slots(SlotChoice::Thread));
/// assert_eq!(Options::default(), Options::DEFAULT);
/// drop(DOMAIN.enter());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Options {
    flavor: Flavor,
    slots: SlotChoice,
}

/// Building options: start from [`Options::DEFAULT`] and change what differs.
///
/// ```
/// use gracepoint::srcu::{Flavor, Options, SlotChoice};
/// let options = Options::DEFAULT.flavor(Flavor::Fenced).slots(SlotChoice::Cpu);
/// assert_ne!(options, Options::DEFAULT);
/// ```
impl Options {
    /// [`Flavor::Fast`] readers on a slot per thread ([`SlotChoice::Thread`]): sections run no
    /// fence, and grace periods pay a `membarrier` from the process-wide batch. Where the kernel
    /// refuses `membarrier` (or without `std`) the domain runs [`Flavor::Fenced`] readers, and
    /// [`flavor`](Srcu::flavor) says so.
    ///
    /// ```
    /// use gracepoint::srcu::{Flavor, Options, SlotChoice, Srcu};
    /// assert_eq!(Options::DEFAULT, Options::DEFAULT.flavor(Flavor::Fast).slots(SlotChoice::Thread));
    /// let domain = Srcu::with_options(Options::DEFAULT);
    /// drop(domain.enter());
    /// ```
    pub const DEFAULT: Options = Options {
        flavor: Flavor::Fast,
        slots: SlotChoice::Thread,
    };

    /// These options with readers of `flavor`.
    ///
    /// ```
    /// use gracepoint::srcu::{Flavor, Options};
    /// const FENCED: Options = Options::DEFAULT.flavor(Flavor::Fenced);
    /// # let _ = FENCED;
    /// ```
    #[must_use]
    pub const fn flavor(mut self, flavor: Flavor) -> Self {
        self.flavor = flavor;
        self
    }

    /// These options with readers' counters on `slots`.
    ///
    /// ```
    /// use gracepoint::srcu::{Options, SlotChoice};
    /// const PER_CPU: Options = Options::DEFAULT.slots(SlotChoice::Cpu);
    /// # let _ = PER_CPU;
    /// ```
    #[must_use]
    pub const fn slots(mut self, slots: SlotChoice) -> Self {
        self.slots = slots;
        self
    }
}

impl Default for Options {
    /// [`Options::DEFAULT`].
    ///
    /// ```
    /// assert_eq!(gracepoint::srcu::Options::default(), gracepoint::srcu::Options::DEFAULT);
    /// ```
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One reader slot: how many sections entered and left each half through it.
///
/// The two halves are kept together on one cache line: a reader touches only its own slot.
/// The counters are [`AtomicCount`]s: 64-bit where the target has 64-bit atomics, 32-bit where
/// it does not (and under `--cfg reclaim_seq32`). Barrier srcu-D bounds their wrap when narrow
/// (see `clock.rs` and docs/srcu.md).
///
/// `cpu_locks` and `cpu_unlocks` are per-CPU counters that only the restartable sequence of
/// [`SlotChoice::Cpu`] readers writes, with a plain load and store, and only on the CPU whose
/// number is the slot's index (docs/srcu.md, "Per-CPU counters with restartable sequences");
/// everything else (tokens, `enter_on`, registered readers, CPUs past the run) increments
/// `locks` and `unlocks` atomically. A half's counts are the sums of both pairs.
pub(crate) struct SrcuSlot {
    pub(crate) locks: [AtomicCount; 2],
    pub(crate) unlocks: [AtomicCount; 2],
    pub(crate) cpu_locks: [AtomicCount; 2],
    pub(crate) cpu_unlocks: [AtomicCount; 2],
}

impl SrcuSlot {
    /// Sections that entered half `idx` through this slot.
    #[inline]
    pub(crate) fn locked(&self, idx: usize) -> reclaim::sync::Count {
        Self::sum(&self.locks[idx], &self.cpu_locks[idx])
    }

    /// Sections that left half `idx` through this slot.
    #[inline]
    pub(crate) fn unlocked(&self, idx: usize) -> reclaim::sync::Count {
        Self::sum(&self.unlocks[idx], &self.cpu_unlocks[idx])
    }

    #[inline]
    fn sum(atomic: &AtomicCount, per_cpu: &AtomicCount) -> reclaim::sync::Count {
        let atomic = atomic.load(reclaim::sync::Ordering::Relaxed);
        // Under loom nothing writes the per-CPU counters (no restartable sequences there), and
        // each load would only add interleavings for the models to explore.
        if cfg!(loom) {
            return atomic;
        }
        atomic.wrapping_add(per_cpu.load(reclaim::sync::Ordering::Relaxed))
    }
}

impl SlotState for SrcuSlot {
    reclaim::idle_slot!(SrcuSlot {
        locks: [AtomicCount::new(0), AtomicCount::new(0)],
        unlocks: [AtomicCount::new(0), AtomicCount::new(0)],
        cpu_locks: [AtomicCount::new(0), AtomicCount::new(0)],
        cpu_unlocks: [AtomicCount::new(0), AtomicCount::new(0)],
    });
}

/// An SRCU domain with `N` reader slots inline (and more on demand with `alloc`).
///
/// `Srcu` (that is, `Srcu<0>`) keeps every slot in growable segments and needs `alloc`; a
/// domain with inline slots, `Srcu<N>`, can live in a `static` with no allocator at all.
/// Dropping a domain frees everything still retired in it.
///
/// ```
/// use gracepoint::srcu::{Options, SlotChoice, Srcu};
/// static FIXED: Srcu<4> = Srcu::fixed_with_options(Options::DEFAULT.slots(SlotChoice::Cpu));
/// let guard = FIXED.enter_on(1).unwrap();
/// drop(guard);
/// FIXED.synchronize_with(&mut gracepoint::wait::Spin);
/// ```
pub struct Srcu<const N: usize = 0> {
    pub(crate) core: Core<SrcuClock, N>,
}

impl<const N: usize> core::fmt::Debug for Srcu<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Srcu")
            .field("flavor", &self.flavor())
            .field("slot_choice", &self.slot_choice())
            .field("slots", &self.core.slots().len())
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

/// What an SRCU domain says about its own configuration.
///
/// ```
/// use gracepoint::srcu::{Flavor, SlotChoice, Srcu};
/// let domain = Srcu::new();
/// assert_eq!(domain.slot_choice(), SlotChoice::Thread);
/// // Fast where the kernel allows `membarrier`, resolved once for the process: every domain
/// // that asks for Fast runs the same read side.
/// let fast = Srcu::with_options(gracepoint::srcu::Options::DEFAULT.flavor(Flavor::Fast));
/// assert_eq!(domain.flavor(), fast.flavor());
/// ```
impl<const N: usize> Srcu<N> {
    reclaim::const_fn_unless_loom! {
        fn from_options(options: Options) -> Self {
            Self {
                core: Core::new(SrcuClock::new(
                    matches!(options.flavor, Flavor::Fast),
                    options.slots,
                )),
            }
        }
    }

    /// How this domain picks reader slots.
    ///
    /// ```
    /// assert_eq!(gracepoint::srcu::Srcu::new().slot_choice(), gracepoint::srcu::SlotChoice::Thread);
    /// ```
    pub fn slot_choice(&self) -> SlotChoice {
        self.clock().readers.choice
    }

    #[inline(always)]
    fn clock(&self) -> &SrcuClock {
        self.core.clock()
    }
}

reclaim::domain_front! {
    path: "gracepoint::srcu",
    domain: Srcu,
    guard: SrcuGuard,
    reader: SrcuReader,
    cookie: Cookie,
    options: Options,
}

#[cfg(all(test, not(loom)))]
mod tests;
