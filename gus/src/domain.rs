//! The domain's state: the write clock and the read clock on lines of their own, the reader
//! slots inside the shared core, and the mode.
//!
//! # Layout
//! - `wr`: the write clock, the lazy-mode state and the read-only configuration. Every reader
//!   loads this line on entry; in the default mode every advance writes it.
//! - `rd`: the read clock and the count of its raises. Written only by scans that raise it;
//!   read by every poll's fast path and every retire (the frontier).
//! - `writer`: the newest goal someone waits for, and counters for callers without a slot of
//!   their own (no `std`). Writers only.
//! - `core`: the reader slots ([`ReaderSlot`] each, plus the slot's retire bag) and the sealed
//!   bags.

use crate::goal::{AtomicSeq, Goal, IDLE, INCR, MAX_DELTA, START, Seq};
use crossbeam_utils::CachePadded;
use reclaim::scheme::Core;
use reclaim::scheme::seq::Sequence;
use reclaim::scheme::slots::SlotState;
use reclaim::sync::{AtomicU32, AtomicU64, Ordering, OwnerCell};

/// How a domain trades reader cost against writer cost. Chosen at construction.
///
/// ```
/// use gracepoint_gus::{Gus, Mode};
/// let gus = Gus::with_mode(Mode::Deferred(8));
/// assert_eq!(gus.mode(), Mode::Deferred(8));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Readers publish their value and run one `fence(SeqCst)`; each advance is one
    /// `fetch_add` on the shared clock, so every goal is reachable by the next scan.
    Default,
    /// Only every `n`-th advance of a thread writes the shared clock; the others return a goal
    /// one increment ahead of it, and cost one load. A poll that meets such a goal moves the
    /// clock up to it first. Good when many threads advance often (the clock's cache line stops
    /// bouncing); a goal may take one extra increment to pass. `n <= 1` is the default mode.
    Deferred(u32),
    /// Readers run no fence at all (a compiler fence only). Advances never write the clock:
    /// they return a goal two increments ahead, and each poll that scans issues one
    /// `membarrier(PRIVATE_EXPEDITED)` first and then moves the clock one increment, so a goal
    /// passes after about three polls. Where `membarrier` is unavailable (not Linux, refused
    /// by a sandbox, a `--cfg reclaim_no_membarrier` build, or no `std`) the domain runs in the
    /// default mode instead and [`Gus::mode`] says so.
    Lazy,
}

/// One reader's state, in its slot of the shared core (which adds the slot's retire bag and
/// pads the whole to its own cache lines). A scan reads `seq` only.
pub(crate) struct ReaderSlot {
    /// `IDLE`, or the write clock value the current outermost section began with.
    pub(crate) seq: AtomicSeq,
    /// Owner-only: nesting depth; only the outermost enter and exit touch `seq`.
    pub(crate) depth: OwnerCell<u32>,
    /// Owner-only: deferred mode's advances since this slot's thread last wrote the clock
    /// (threads find their slot only with `std`).
    #[cfg(feature = "std")]
    pub(crate) deferred: OwnerCell<u32>,
    /// Statistics: written by the owner only (a load and a store, no read-modify-write), read
    /// by anyone who sums them, hence atomics rather than owner-only cells.
    pub(crate) counters: [AtomicU64; COUNTERS],
}

/// How many statistics counters each slot keeps (see the statistics module).
pub(crate) const COUNTERS: usize = 4;

impl SlotState for ReaderSlot {
    reclaim::idle_slot!(ReaderSlot {
        seq: AtomicSeq::new(IDLE),
        depth: OwnerCell::new(0),
        #[cfg(feature = "std")]
        deferred: OwnerCell::new(0),
        counters: zeroed(),
    });

    unsafe fn owner_in_section(&self) -> bool {
        // SAFETY: the caller owns the slot.
        unsafe { self.depth.get() > 0 }
    }
}

reclaim::const_fn_unless_loom! {
    /// A fresh set of statistics counters.
    pub(crate) fn zeroed() -> [AtomicU64; COUNTERS] {
        [AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0), AtomicU64::new(0)]
    }
}

/// Lazy mode asked for, `membarrier` not probed yet: readers fence for real until resolved.
pub(crate) const UNRESOLVED: u32 = 0;
/// Readers run a compiler fence only; pollers run `membarrier`.
pub(crate) const LAZY: u32 = 1;
/// Readers run `fence(SeqCst)`.
pub(crate) const FENCED: u32 = 2;

/// What every reader loads on entry: the write clock, and, read-only, how to treat it.
pub(crate) struct WriteClock {
    pub(crate) seq: AtomicSeq,
    /// `UNRESOLVED`, `LAZY` or `FENCED`; resolved once, then constant.
    pub(crate) lazy: AtomicU32,
    /// The mode as built (a lazy domain without `membarrier` still says `Lazy` here).
    pub(crate) mode: Mode,
    pub(crate) incr: Seq,
    pub(crate) max_delta: Seq,
}

/// The read clock: every goal at or before it has passed.
pub(crate) struct ReadClock {
    pub(crate) seq: AtomicSeq,
    /// How many times a scan raised it: the domain's grace periods.
    pub(crate) raises: AtomicU64,
}

/// Writer-only state, away from the lines readers load.
pub(crate) struct WriterShared {
    /// The newest goal the shared retire path waits for (`IDLE` when none); stepping the clock
    /// polls toward it. Cleared by the raise that passes it, so it never goes stale.
    pub(crate) wanted: AtomicSeq,
    /// Deferred mode's count for callers without a slot of their own (no `std`).
    pub(crate) deferred: AtomicU32,
    /// Statistics of callers without a slot of their own (no `std`).
    pub(crate) counters: [AtomicU64; COUNTERS],
}

/// A GUS domain with `N` reader slots inline (and, with `alloc`, as many more as needed).
///
/// `Gus` (that is, `Gus<0>`, from [`Gus::new`]) keeps every slot in growable segments and needs
/// `alloc`; a `Gus<N>` built with [`Gus::fixed`] needs no allocator and can live in a `static`.
///
/// ```
/// static DOMAIN: gracepoint_gus::Gus<4> = gracepoint_gus::Gus::fixed();
/// let reader = DOMAIN.register().unwrap();
/// drop(reader.enter());
/// let goal = DOMAIN.advance();
/// assert!(DOMAIN.poll(goal));
/// ```
pub struct Gus<const N: usize = 0> {
    pub(crate) wr: CachePadded<WriteClock>,
    pub(crate) rd: CachePadded<ReadClock>,
    pub(crate) writer: CachePadded<WriterShared>,
    pub(crate) core: Core<ReaderSlot, Goal, N>,
}

#[cfg(feature = "alloc")]
impl Gus<0> {
    reclaim::const_fn_unless_loom! {
        /// A domain in the default mode whose reader slots grow on demand. `const`, so it can
        /// initialise a `static`.
        ///
        /// ```
        /// static DOMAIN: gracepoint_gus::Gus = gracepoint_gus::Gus::new();
        /// assert_eq!(DOMAIN.mode(), gracepoint_gus::Mode::Default);
        /// ```
        pub fn new() -> Self {
            Self::with_clock(Mode::Default, START, INCR, MAX_DELTA)
        }
    }

    reclaim::const_fn_unless_loom! {
        /// A domain in `mode` whose reader slots grow on demand.
        ///
        /// ```
        /// let gus = gracepoint_gus::Gus::with_mode(gracepoint_gus::Mode::Lazy);
        /// // Lazy where membarrier works, the default mode elsewhere.
        /// assert!(matches!(gus.mode(), gracepoint_gus::Mode::Lazy | gracepoint_gus::Mode::Default));
        /// ```
        pub fn with_mode(mode: Mode) -> Self {
            Self::with_clock(mode, START, INCR, MAX_DELTA)
        }
    }
}

#[cfg(feature = "alloc")]
impl Default for Gus<0> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Gus<N> {
    reclaim::const_fn_unless_loom! {
        /// A domain in the default mode with `N` inline reader slots, buildable in a `static`
        /// with no allocator. With `alloc`, slots past `N` are allocated on demand.
        ///
        /// ```
        /// static DOMAIN: gracepoint_gus::Gus<2> = gracepoint_gus::Gus::fixed();
        /// assert_eq!(DOMAIN.current().seq(), gracepoint_gus::START);
        /// ```
        pub fn fixed() -> Self {
            Self::with_clock(Mode::Default, START, INCR, MAX_DELTA)
        }
    }

    reclaim::const_fn_unless_loom! {
        /// Like [`fixed`](Gus::fixed), in `mode`.
        ///
        /// ```
        /// static DOMAIN: gracepoint_gus::Gus<2> = gracepoint_gus::Gus::fixed_with_mode(gracepoint_gus::Mode::Deferred(4));
        /// assert_eq!(DOMAIN.mode(), gracepoint_gus::Mode::Deferred(4));
        /// ```
        pub fn fixed_with_mode(mode: Mode) -> Self {
            Self::with_clock(mode, START, INCR, MAX_DELTA)
        }
    }

    reclaim::const_fn_unless_loom! {
        /// A domain whose clocks start at `start`, move by `incr`, and keep within `max_delta`
        /// of each other. Every public constructor passes [`START`], [`INCR`] and
        /// [`MAX_DELTA`]; the unit tests pass others, to reach the wrap or the bound at once.
        pub(crate) fn with_clock(mode: Mode, start: Seq, incr: Seq, max_delta: Seq) -> Self {
            assert!(start % 2 == 1, "gus: clock values must be odd; 0 marks an idle reader");
            assert!(
                incr.is_multiple_of(2) && incr != 0 && 2 * incr <= max_delta,
                "gus: the increment must be even, non-zero, and fit twice within the bound"
            );
            assert!(
                max_delta <= <Seq as Sequence>::HALF / 2,
                "gus: the distance bound must leave room within half the sequence space"
            );
            let mode = match mode {
                Mode::Deferred(0 | 1) => Mode::Default,
                #[cfg(not(feature = "std"))]
                Mode::Lazy => Mode::Default,
                other => other,
            };
            let lazy = if matches!(mode, Mode::Lazy) { UNRESOLVED } else { FENCED };
            Self {
                wr: CachePadded::new(WriteClock {
                    seq: AtomicSeq::new(start),
                    lazy: AtomicU32::new(lazy),
                    mode,
                    incr,
                    max_delta,
                }),
                rd: CachePadded::new(ReadClock {
                    seq: AtomicSeq::new(start),
                    raises: AtomicU64::new(0),
                }),
                writer: CachePadded::new(WriterShared {
                    wanted: AtomicSeq::new(IDLE),
                    deferred: AtomicU32::new(0),
                    counters: zeroed(),
                }),
                core: Core::new(),
            }
        }
    }

    /// The mode the domain runs in: the one it was built with, except that a lazy domain
    /// without `membarrier` reports (and runs) [`Mode::Default`], and `Deferred(0 | 1)` is the
    /// default mode.
    ///
    /// ```
    /// assert_eq!(gracepoint_gus::Gus::with_mode(gracepoint_gus::Mode::Deferred(1)).mode(), gracepoint_gus::Mode::Default);
    /// ```
    pub fn mode(&self) -> Mode {
        match self.wr.mode {
            Mode::Lazy if !self.lazy_active() => Mode::Default,
            mode => mode,
        }
    }

    /// The write clock: the newest goal that the shared clock has reached. Goals from
    /// [`advance`](Gus::advance) in the deferred and lazy modes usually lie ahead of it.
    ///
    /// ```
    /// let gus = gracepoint_gus::Gus::new();
    /// let goal = gus.advance();
    /// assert_eq!(gus.current(), goal);
    /// ```
    pub fn current(&self) -> Goal {
        Goal(self.wr.seq.load(Ordering::Relaxed))
    }

    /// The read clock: every goal at or before it has passed.
    ///
    /// ```
    /// let gus = gracepoint_gus::Gus::new();
    /// let goal = gus.advance();
    /// assert!(gus.poll(goal));
    /// assert_eq!(gus.completed(), goal);
    /// ```
    pub fn completed(&self) -> Goal {
        Goal(self.rd.seq.load(Ordering::Relaxed))
    }

    /// True when readers skip the fence: a lazy domain where `membarrier` works. Every thread
    /// resolves the state before relying on it, and the answer never changes afterwards, so a
    /// poller never scans without the heavy barrier that fenceless readers need.
    #[inline(always)]
    pub(crate) fn lazy_active(&self) -> bool {
        match self.wr.lazy.load(Ordering::Relaxed) {
            LAZY => true,
            FENCED => false,
            _ => self.resolve_lazy(),
        }
    }

    #[cold]
    fn resolve_lazy(&self) -> bool {
        #[cfg(feature = "std")]
        let lazy = reclaim::scheme::membarrier::available();
        #[cfg(not(feature = "std"))]
        let lazy = false;
        let state = if lazy { LAZY } else { FENCED };
        self.wr.lazy.store(state, Ordering::Relaxed);
        lazy
    }

    /// How far ahead of the write clock a goal this domain hands out may lie: one increment
    /// (deferred mode, or an advance that met the distance bound), two in lazy mode.
    #[inline]
    pub(crate) fn reach(&self, lazy: bool) -> Seq {
        if lazy { 2 * self.wr.incr } else { self.wr.incr }
    }

    /// This domain's identity for the debug-build misuse checks.
    #[inline(always)]
    pub(crate) fn addr(&self) -> usize {
        self.core.addr()
    }
}

impl<const N: usize> core::fmt::Debug for Gus<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Gus")
            .field("mode", &self.mode())
            .field("wr_seq", &self.current().seq())
            .field("rd_seq", &self.completed().seq())
            .field("slots", &self.core.slots().len())
            .finish_non_exhaustive()
    }
}
