//! GUS's clock: the write clock and the read clock on lines of their own, the mode, and what
//! the shared core asks of them.
//!
//! # Layout
//! - `wr`: the write clock, the fence pair and the read-only configuration. Every reader loads
//!   this line on entry; in the default mode every advance writes it.
//! - `rd`: the read clock and the count of its raises. Written only by scans that raise it;
//!   read by every poll's fast path and every retire (the frontier).
//! - `writer`: the newest goal someone waits for, and counters for callers without a slot of
//!   their own (no `std`). Writers only.
//!
//! The reader slots ([`ReaderSlot`] each, plus the slot's retire bag) and the sealed bags live
//! in the shared core, which hands the slots to the clock when it steps.
//!
//! # What the core asks, and what GUS answers
//! | the core asks | GUS answers |
//! |---|---|
//! | a tag for what was just unlinked | the goal of an advance (which starts with fence gus-A) |
//! | a state that starts nothing (`get_state`) | a goal one increment past the write clock, as a deferred advance hands out |
//! | that a tag's grace period will run | remember the newest such goal |
//! | the frontier | the read clock, loaded with acquire ordering (R) |
//! | a step | a poll toward the remembered goal: it moves the clock to goals ahead of it (deferred, lazy) and scans |
//! | a step toward one goal (a poll) | a poll toward that goal |
//!
//! # Tags and the wrap
//! Bag tags are compared with the read clock by wrapping arithmetic, so a bag must be collected
//! before the read clock runs half the sequence space past its tag, or it would look young
//! again. Every retire that seals, every wait, `synchronize` and `barrier` collects, so only a
//! run of non-blocking polls alone could get that far: 2^62 advances with 64-bit clocks, about
//! 5 000 in the `--cfg reclaim_near_wrap` test configuration. The goal the core asked for is
//! forgotten by the raise that passes it, so it never goes stale.

use crate::Mode;
use crate::goal::{AtomicSeq, Cookie, IDLE, Seq};
use crossbeam_utils::CachePadded;
use reclaim::scheme::clock::{Toward, Urgency};
use reclaim::scheme::seq::Sequence;
use reclaim::scheme::slots::{SlotState, Slots};
use reclaim::scheme::{AsymmetricFence, Clock};
use reclaim::stall::Attribution;
#[cfg(feature = "std")]
use reclaim::sync::OwnerCell;
use reclaim::sync::{AtomicCount, AtomicU32, Ordering};

/// One reader's state, in its slot of the shared core (which adds the slot's retire bag and
/// nesting depth, and pads the whole to its own cache lines). A scan reads `seq` only.
pub(crate) struct ReaderSlot {
    /// `IDLE`, or the write clock value the current outermost section began with.
    pub(crate) seq: AtomicSeq,
    /// Owner-only: deferred mode's advances since this slot's thread last wrote the clock
    /// (threads find their slot only with `std`).
    #[cfg(feature = "std")]
    pub(crate) deferred: OwnerCell<u32>,
    /// Statistics: written by the owner only (a load and a store, no read-modify-write), read
    /// by anyone who sums them, hence atomics rather than owner-only cells.
    pub(crate) counters: [AtomicCount; COUNTERS],
}

/// How many statistics counters each slot keeps (see the statistics module).
pub(crate) const COUNTERS: usize = 4;

impl SlotState for ReaderSlot {
    reclaim::idle_slot!(ReaderSlot {
        seq: AtomicSeq::new(IDLE),
        #[cfg(feature = "std")]
        deferred: OwnerCell::new(0),
        counters: zeroed(),
    });
}

reclaim::const_fn_unless_loom! {
    /// A fresh set of statistics counters.
    pub(crate) fn zeroed() -> [AtomicCount; COUNTERS] {
        [AtomicCount::new(0), AtomicCount::new(0), AtomicCount::new(0), AtomicCount::new(0)]
    }
}

/// What every reader loads on entry: the write clock, and, read-only, how to treat it.
pub(crate) struct WriteClock {
    pub(crate) seq: AtomicSeq,
    /// E on the reader's side, P on the poller's: real fences, or a compiler fence against
    /// `membarrier` (lazy mode).
    pub(crate) fence: AsymmetricFence,
    /// The mode as built (a lazy domain without `membarrier` still says `Lazy` here).
    pub(crate) mode: Mode,
    pub(crate) incr: Seq,
    pub(crate) max_delta: Seq,
}

/// The read clock: every goal at or before it has passed.
pub(crate) struct ReadClock {
    pub(crate) seq: AtomicSeq,
    /// How many times a scan raised it: the domain's grace periods.
    pub(crate) raises: AtomicCount,
}

/// Writer-only state, away from the lines readers load.
pub(crate) struct WriterShared {
    /// The newest goal the shared core waits for (`IDLE` when none); stepping the clock polls
    /// toward it. Cleared by the raise that passes it, so it never goes stale.
    pub(crate) wanted: AtomicSeq,
    /// Deferred mode's count for callers without a slot of their own (no `std`).
    pub(crate) deferred: AtomicU32,
    /// Statistics of callers without a slot of their own (no `std`).
    pub(crate) counters: [AtomicCount; COUNTERS],
}

/// GUS's clocks (see the module docs).
pub(crate) struct GusClock {
    pub(crate) wr: CachePadded<WriteClock>,
    pub(crate) rd: CachePadded<ReadClock>,
    pub(crate) writer: CachePadded<WriterShared>,
}

impl GusClock {
    reclaim::const_fn_unless_loom! {
        /// Clocks that start at `start`, move by `incr`, and keep within `max_delta` of each
        /// other. The public constructors pass the crate's constants; the unit tests pass
        /// others, to reach the wrap or the bound at once.
        pub(crate) fn new(mode: Mode, start: Seq, incr: Seq, max_delta: Seq) -> Self {
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
            Self {
                wr: CachePadded::new(WriteClock {
                    seq: AtomicSeq::new(start),
                    fence: AsymmetricFence::new(matches!(mode, Mode::Lazy)),
                    mode,
                    incr,
                    max_delta,
                }),
                rd: CachePadded::new(ReadClock {
                    seq: AtomicSeq::new(start),
                    raises: AtomicCount::new(0),
                }),
                writer: CachePadded::new(WriterShared {
                    wanted: AtomicSeq::new(IDLE),
                    deferred: AtomicU32::new(0),
                    counters: zeroed(),
                }),
            }
        }
    }

    /// True when readers skip the fence: a lazy domain where `membarrier` works. Resolved once;
    /// the answer never changes, so a poller never scans without the heavy barrier that
    /// fenceless readers need.
    #[inline(always)]
    pub(crate) fn lazy_active(&self) -> bool {
        matches!(self.wr.mode, Mode::Lazy) && self.wr.fence.is_asymmetric()
    }

    /// How far ahead of the write clock a goal this domain hands out may lie: one increment
    /// (deferred mode, `get_state`, or an advance that met the distance bound), two in lazy
    /// mode.
    #[inline]
    pub(crate) fn reach(&self, lazy: bool) -> Seq {
        if lazy { 2 * self.wr.incr } else { self.wr.incr }
    }

    /// Remembers `goal` as one the core waits for, if it is newer than the one remembered (a
    /// hint for stepping; what protects readers is A, E and P).
    fn request_goal(&self, goal: Cookie) {
        let wanted = &self.writer.wanted;
        let mut current = wanted.load(Ordering::Relaxed);
        while current == IDLE || goal.0.seq_gt(current) {
            match wanted.compare_exchange_weak(
                current,
                goal.0,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => current = now,
            }
        }
    }
}

// SAFETY: a tag is the goal of an advance made after the objects were unlinked (or, for a
// state, a goal one increment past the clock read after fence gus-A), and the frontier is the read
// clock, which a scan raises (with release) only past goals whose every earlier section has
// ended, after acquiring their ends (the poll module's argument); the frontier is loaded with
// acquire.
unsafe impl Clock for GusClock {
    type Slot = ReaderSlot;
    type Tag = Cookie;
    const SCHEME: &'static str = "gus";

    #[inline]
    fn tag<const N: usize>(&self, slots: &Slots<ReaderSlot, N>) -> Cookie {
        self.advance(slots)
    }

    /// A deferred advance's goal: fence gus-A and a load, no write to the shared clock.
    #[inline]
    fn state<const N: usize>(&self, _: &Slots<ReaderSlot, N>) -> Cookie {
        self.goal_ahead(self.reach(self.lazy_active()))
    }

    #[inline]
    fn request(&self, goal: Cookie) {
        self.request_goal(goal);
    }

    #[inline]
    fn frontier(&self) -> Cookie {
        // gus-R, as an acquire load: pairs with the release compare-and-swap that raised it.
        let acquire = reclaim::mutant!("gus_frontier_relaxed" => Ordering::Relaxed,
            else Ordering::Acquire);
        Cookie(self.rd.seq.load(acquire))
    }

    fn step<const N: usize>(&self, slots: &Slots<ReaderSlot, N>, urgency: Urgency) -> bool {
        self.step_to_wanted(slots, urgency)
    }

    /// A poll toward `goal`: it moves the clock to a goal ahead of it, scans, and also says
    /// yes to a goal further ahead than any advance hands out (held across a wrap).
    fn step_toward<const N: usize>(
        &self,
        slots: &Slots<ReaderSlot, N>,
        goal: Cookie,
        urgency: Urgency,
    ) -> Toward {
        if self.passed(goal) {
            return Toward {
                passed: true,
                moved: false,
            };
        }
        self.poll_slow(slots, goal, urgency)
    }

    #[inline]
    fn le(a: Cookie, b: Cookie) -> bool {
        a.le(b.0)
    }

    #[inline]
    #[allow(clippy::useless_conversion)]
    fn bits(tag: Cookie) -> u64 {
        u64::from(tag.0.wrapping_sub(crate::START))
    }

    fn completed(&self) -> u64 {
        #[allow(clippy::useless_conversion)] // u64 from u64 where the counters are 64-bit
        u64::from(self.rd.raises.load(Ordering::Relaxed))
    }

    /// Fast when lazy readers skip the fence.
    fn flavor(&self) -> reclaim::Flavor {
        if self.lazy_active() {
            reclaim::Flavor::Fast
        } else {
            reclaim::Flavor::Fenced
        }
    }

    /// A lazy poll issues a `membarrier`: step that much less often.
    fn heavy_steps(&self) -> bool {
        self.lazy_active()
    }

    /// Every live slot holds back the goals after its value. Exact: a live value is a reader
    /// inside a section.
    fn blockers<const N: usize>(
        &self,
        slots: &Slots<ReaderSlot, N>,
        blocker: &mut dyn FnMut(usize),
    ) -> Attribution {
        for (index, slot) in slots.iter().enumerate() {
            if slot.state().seq.load(Ordering::Relaxed) != IDLE {
                blocker(index);
            }
        }
        Attribution::Exact
    }
}
