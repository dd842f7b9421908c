//! The domain: clocks, reader slots, sections, advance and poll.
//!
//! The crate root argues why this is correct; the comments here name the fence each ordering
//! point pairs with (E, A, P, R, X, as labelled there).

use crate::{AtomicSeq, INCR, MAX_DELTA, Mode, START, Seq, Stats};
use core::cell::Cell;
use core::marker::PhantomData;
use crossbeam_utils::CachePadded;
use reclaim::bag::RetireQueue;
use reclaim::seq::Sequence;
use reclaim::slots::{SlotClaim, SlotState, Slots, SlotsFull};
use reclaim::sync::{AtomicU32, Ordering, fence};
use reclaim::wait::{Event, WaitStrategy};

/// A slot's `seq` while its reader is outside any section. Clock values are odd, never 0.
const IDLE: Seq = 0;

/// Lazy-mode resolution, kept next to `wr_seq` so readers load both from one cache line.
const UNRESOLVED: u32 = 0;
const LAZY: u32 = 1;
const FENCED: u32 = 2;

/// Indices into the per-slot statistics counters.
const ADVANCES: usize = 0;
const POLLS: usize = 1;
const SCANS: usize = 2;
const FAILED_POLLS: usize = 3;
const COUNTERS: usize = 4;

/// A value touched only by the owner of the slot it sits in.
///
/// A slot has one owner at a time (a thread through its id, or a [`Reader`]), and ownership
/// passes with synchronization (the thread-id pool's lock, the claim flag, or moving the
/// `Reader`), so plain `Cell` accesses never race.
struct OwnerCell(Cell<u32>);

// SAFETY: see the type's comment; no two threads access the cell without synchronization.
unsafe impl Sync for OwnerCell {}

impl OwnerCell {
    const fn new() -> Self {
        Self(Cell::new(0))
    }
    #[inline(always)]
    fn get(&self) -> u32 {
        self.0.get()
    }
    #[inline(always)]
    fn set(&self, value: u32) {
        self.0.set(value)
    }
}

/// One reader's state. Slots are cache-padded by [`Slots`], so a reader's writes stay on its
/// own line; the scan reads `seq` only.
pub(crate) struct ReaderSlot {
    /// `IDLE`, or the `wr_seq` value the current outermost section began with.
    seq: AtomicSeq,
    /// Nesting depth: only the outermost enter and exit touch `seq`.
    depth: OwnerCell,
    /// Deferred mode: advances by this slot's thread since it last wrote the shared clock.
    #[cfg(feature = "std")]
    deferred: OwnerCell,
    /// Statistics, bumped by the owner with a plain load and store; summed by `stats`.
    #[cfg(not(loom))]
    stats: [AtomicSeq; COUNTERS],
}

impl SlotState for ReaderSlot {
    reclaim::idle_slot!(ReaderSlot {
        seq: AtomicSeq::new(IDLE),
        depth: OwnerCell::new(),
        #[cfg(feature = "std")]
        deferred: OwnerCell::new(),
        #[cfg(not(loom))]
        stats: [const { AtomicSeq::new(0) }; COUNTERS],
    });
}

/// The write clock and the lazy-mode state: read by every reader, so on a line of their own.
struct WrClock {
    seq: AtomicSeq,
    lazy: AtomicU32,
}

/// Where threads without a slot of their own (no `std`) count advances and polls.
struct Shared {
    deferred: AtomicU32,
    #[cfg(not(loom))]
    stats: [AtomicSeq; COUNTERS],
}

/// A GUS domain with `N` reader slots inline (and, with `alloc`, as many more as needed).
///
/// `Gus<0>` ([`Gus::new`]) needs `alloc`; a `Gus<N>` built with [`Gus::fixed`] needs no
/// allocator and can live in a `static`.
///
/// ```
/// static DOMAIN: gus::Gus<4> = gus::Gus::fixed();
/// let reader = DOMAIN.register().unwrap();
/// drop(reader.enter());
/// let goal = DOMAIN.advance();
/// assert!(DOMAIN.poll(goal));
/// ```
pub struct Gus<const N: usize = 0> {
    wr: CachePadded<WrClock>,
    rd: CachePadded<AtomicSeq>,
    slots: Slots<ReaderSlot, N>,
    pub(crate) queue: RetireQueue,
    pub(crate) event: Event,
    shared: CachePadded<Shared>,
    mode: Mode,
    incr: Seq,
}

#[cfg(feature = "alloc")]
impl Gus<0> {
    reclaim::const_fn_unless_loom! {
        /// A domain in the default mode whose reader slots grow on demand.
        ///
        /// ```
        /// let gus = gus::Gus::new();
        /// assert_eq!(gus.mode(), gus::Mode::Default);
        /// ```
        pub fn new() -> Self {
            Self::with_clock(Mode::Default, START, INCR)
        }
    }

    reclaim::const_fn_unless_loom! {
        /// A domain in `mode` whose reader slots grow on demand.
        ///
        /// ```
        /// let gus = gus::Gus::with_mode(gus::Mode::Lazy);
        /// // Lazy where membarrier works, the default mode elsewhere.
        /// assert!(matches!(gus.mode(), gus::Mode::Lazy | gus::Mode::Default));
        /// ```
        pub fn with_mode(mode: Mode) -> Self {
            Self::with_clock(mode, START, INCR)
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
        /// static DOMAIN: gus::Gus<2> = gus::Gus::fixed();
        /// assert_eq!(DOMAIN.current(), gus::START);
        /// ```
        pub fn fixed() -> Self {
            Self::with_clock(Mode::Default, START, INCR)
        }
    }

    reclaim::const_fn_unless_loom! {
        /// Like [`fixed`](Gus::fixed), in `mode`.
        ///
        /// ```
        /// static DOMAIN: gus::Gus<2> = gus::Gus::fixed_with_mode(gus::Mode::Deferred(4));
        /// assert_eq!(DOMAIN.mode(), gus::Mode::Deferred(4));
        /// ```
        pub fn fixed_with_mode(mode: Mode) -> Self {
            Self::with_clock(mode, START, INCR)
        }
    }

    reclaim::const_fn_unless_loom! {
        /// A domain whose clocks start at `start` and move by `incr` per advance: for tests
        /// that cross the wrap point, or cover the sequence space in a few steps (as FreeBSD's
        /// `INVARIANTS` kernels do). Everything else uses [`START`] and [`INCR`].
        ///
        /// # Panics
        /// If `start` is even (clock values must be odd), or `incr` is odd, zero, or more than
        /// [`MAX_DELTA`] (half of that in lazy mode, whose goals lie two increments ahead).
        ///
        /// ```
        /// use reclaim::seq::Sequence;
        /// let gus: gus::Gus<1> = gus::Gus::with_clock(gus::Mode::Default, u32::MAX as gus::Seq | 1, 4);
        /// let goal = gus.advance();
        /// assert!(gus.poll(goal));
        /// assert!(goal.seq_gt(u32::MAX as gus::Seq));
        /// ```
        pub fn with_clock(mode: Mode, start: Seq, incr: Seq) -> Self {
            assert!(start % 2 == 1, "gus: clock values must be odd; 0 marks an idle reader");
            let reach = if matches!(mode, Mode::Lazy) { 2 } else { 1 };
            assert!(
                incr % 2 == 0 && incr != 0 && incr <= MAX_DELTA / reach,
                "gus: the increment must be even, non-zero, and leave room within MAX_DELTA"
            );
            let mode = match mode {
                Mode::Deferred(0 | 1) => Mode::Default,
                #[cfg(not(feature = "std"))]
                Mode::Lazy => Mode::Default,
                other => other,
            };
            let lazy = if matches!(mode, Mode::Lazy) { UNRESOLVED } else { FENCED };
            Self {
                wr: CachePadded::new(WrClock {
                    seq: AtomicSeq::new(start),
                    lazy: AtomicU32::new(lazy),
                }),
                rd: CachePadded::new(AtomicSeq::new(start)),
                slots: Slots::new(),
                queue: RetireQueue::new(),
                event: Event::new(),
                shared: CachePadded::new(Shared {
                    deferred: AtomicU32::new(0),
                    #[cfg(not(loom))]
                    stats: [const { AtomicSeq::new(0) }; COUNTERS],
                }),
                mode,
                incr,
            }
        }
    }

    /// The mode the domain runs in: the one it was built with, except that a lazy domain
    /// without `membarrier` reports (and runs) [`Mode::Default`], and `Deferred(0 | 1)` is the
    /// default mode.
    ///
    /// ```
    /// assert_eq!(gus::Gus::with_mode(gus::Mode::Deferred(1)).mode(), gus::Mode::Default);
    /// ```
    pub fn mode(&self) -> Mode {
        match self.mode {
            Mode::Lazy if !self.lazy_active() => Mode::Default,
            mode => mode,
        }
    }

    /// The write clock: the goal of the latest advance that wrote the shared clock.
    ///
    /// ```
    /// let gus = gus::Gus::new();
    /// let goal = gus.advance();
    /// assert_eq!(gus.current(), goal);
    /// ```
    pub fn current(&self) -> Seq {
        self.wr.seq.load(Ordering::Relaxed)
    }

    /// The read clock: every goal at or before it has passed.
    ///
    /// ```
    /// let gus = gus::Gus::new();
    /// let goal = gus.advance();
    /// assert!(gus.poll(goal));
    /// assert_eq!(gus.completed(), goal);
    /// ```
    pub fn completed(&self) -> Seq {
        self.rd.load(Ordering::Relaxed)
    }

    /// The increment this domain's clocks move by ([`INCR`] unless built with
    /// [`with_clock`](Gus::with_clock)).
    ///
    /// ```
    /// assert_eq!(gus::Gus::new().increment(), gus::INCR);
    /// ```
    pub fn increment(&self) -> Seq {
        self.incr
    }

    /// Begins a read section on the calling thread's own slot. Nested sections cost two
    /// thread-local accesses; only the outermost publishes a value and fences.
    ///
    /// ```
    /// let gus = gus::Gus::new();
    /// let outer = gus.enter();
    /// let inner = gus.enter();
    /// drop(outer);
    /// drop(inner);
    /// ```
    #[cfg(feature = "std")]
    #[inline]
    pub fn enter(&self) -> GusGuard<'_> {
        // With `std` (hence `alloc`) the slot array grows, so this cannot fail.
        let slot = self
            .slots
            .current_thread()
            .unwrap_or_else(|full| panic!("gus: {full}"));
        self.enter_slot(slot)
    }

    /// Takes a reader slot for explicit use (the `no_std` way to read, and a way to give a
    /// reader its own slot under `std`). Fails with [`SlotsFull`] when a fixed-size domain has
    /// no free slot left.
    ///
    /// ```
    /// static DOMAIN: gus::Gus<1> = gus::Gus::fixed();
    /// let reader = DOMAIN.register().unwrap();
    /// let _section = reader.enter();
    /// # #[cfg(not(feature = "alloc"))]
    /// assert!(DOMAIN.register().unwrap_err().to_string().contains("fixed capacity of 1"));
    /// ```
    pub fn register(&self) -> Result<Reader<'_, N>, SlotsFull> {
        let claim = self.slots.claim()?;
        let slot = self.slots.get(claim.index())?;
        Ok(Reader {
            gus: self,
            slot,
            _claim: claim,
            _not_sync: PhantomData,
        })
    }

    #[inline]
    fn enter_slot<'a>(&'a self, slot: &'a ReaderSlot) -> GusGuard<'a> {
        let depth = slot.depth.get();
        slot.depth.set(depth + 1);
        if depth == 0 {
            let w = self.wr.seq.load(Ordering::Relaxed);
            slot.seq.store(w, Ordering::Relaxed);
            self.reader_fence();
        }
        reclaim::debug::enter_section(self.addr());
        GusGuard {
            slot,
            domain: self.addr(),
            _not_send: PhantomData,
        }
    }

    #[inline(always)]
    fn reader_fence(&self) {
        if cfg!(feature = "mutant-no-enter-fence") {
            return;
        }
        if self.lazy_active() {
            // E, light half: the poller's membarrier (P) stands in for the hardware fence.
            reclaim::sync::light_fence();
        } else {
            // E: orders the store of `seq` before the section's loads. Pairs with P (a scan
            // either sees `seq` or runs before E) and with A (a reader that loaded a clock at
            // or after a goal sees the unlink made before that goal's advance).
            fence(Ordering::SeqCst);
        }
    }

    /// True when readers skip the fence: a lazy domain where `membarrier` works. Every thread
    /// resolves the state before relying on it, and the answer never changes afterwards, so a
    /// writer never scans without the heavy barrier that fenceless readers need.
    #[inline(always)]
    fn lazy_active(&self) -> bool {
        match self.wr.lazy.load(Ordering::Relaxed) {
            LAZY => true,
            FENCED => false,
            _ => self.resolve_lazy(),
        }
    }

    #[cold]
    fn resolve_lazy(&self) -> bool {
        #[cfg(feature = "std")]
        {
            let lazy = reclaim::membarrier::available();
            let state = if lazy { LAZY } else { FENCED };
            self.wr.lazy.store(state, Ordering::Relaxed);
            lazy
        }
        #[cfg(not(feature = "std"))]
        false
    }

    /// Moves the write clock on and returns the goal: memory unlinked before this call may be
    /// freed once [`poll`](Gus::poll) says the goal has passed. In deferred and lazy modes
    /// the goal usually lies ahead of [`current`](Gus::current).
    ///
    /// Waits (rarely: only after a quarter of the sequence space of advances against one
    /// stalled reader) when the write clock would run more than [`MAX_DELTA`] ahead of the
    /// read clock.
    ///
    /// ```
    /// let gus = gus::Gus::new();
    /// let first = gus.advance();
    /// let second = gus.advance();
    /// assert_eq!(second, first.wrapping_add(gus::INCR));
    /// ```
    pub fn advance(&self) -> Seq {
        self.count(ADVANCES);
        match self.mode {
            Mode::Deferred(every) if !self.deferred_turn(every) => self.future_goal(self.incr),
            Mode::Lazy if self.lazy_active() => self.future_goal(2 * self.incr),
            _ => self.shared_advance(),
        }
    }

    /// Deferred mode: true on the calls (one in `every` per thread) that write the clock.
    fn deferred_turn(&self, every: u32) -> bool {
        #[cfg(feature = "std")]
        if let Ok(slot) = self.slots.current_thread() {
            let calls = slot.deferred.get() + 1;
            let turn = calls >= every;
            slot.deferred.set(if turn { 0 } else { calls });
            return turn;
        }
        let calls = self.shared.deferred.fetch_add(1, Ordering::Relaxed);
        calls.wrapping_add(1) % every == 0
    }

    fn shared_advance(&self) -> Seq {
        // A: orders the caller's unlink before the clock moves. Pairs with E: a reader that
        // loads the new value (or a later one) sees the unlink.
        fence(Ordering::SeqCst);
        let w = self.wr.seq.load(Ordering::Relaxed);
        self.keep_distance(w.wrapping_add(self.incr));
        self.wr
            .seq
            .fetch_add(self.incr, Ordering::Relaxed)
            .wrapping_add(self.incr)
    }

    fn future_goal(&self, ahead: Seq) -> Seq {
        // A: as in `shared_advance`. The clock is written later, by whoever moves it up to
        // this goal, and that write comes after this load in the clock's order; so a reader
        // that loads the goal's value still sees the caller's unlink.
        fence(Ordering::SeqCst);
        let goal = self.wr.seq.load(Ordering::Relaxed).wrapping_add(ahead);
        self.keep_distance(goal);
        goal
    }

    /// Waits until `rd_seq` is within [`MAX_DELTA`] of `target`, so that clock comparisons
    /// stay inside the half of the sequence space where they are right.
    fn keep_distance(&self, target: Seq) {
        // Odd, and at or before the current write clock (incr <= MAX_DELTA, checked at
        // construction), so it is a goal a scan can meet.
        let floor = target.wrapping_sub(MAX_DELTA);
        if floor.seq_le(self.rd.load(Ordering::Relaxed)) {
            return;
        }
        reclaim::wait::wait_until(&self.event, &mut default_strategy(), || {
            self.poll_inner(floor)
        });
    }

    /// True once `goal` has passed: every section that began before the advance that returned
    /// it has ended. Never blocks; scans the reader slots unless the read clock already shows
    /// the goal passed. A goal held for so long that the clocks wrapped past it counts as
    /// passed.
    ///
    /// A goal handed to another thread must travel with synchronization (a channel, a lock,
    /// release and acquire), as any data does.
    ///
    /// ```
    /// let gus = gus::Gus::new();
    /// let reader = gus.register().unwrap();
    /// let section = reader.enter();
    /// let goal = gus.advance();
    /// assert!(!gus.poll(goal));
    /// drop(section);
    /// assert!(gus.poll(goal));
    /// ```
    pub fn poll(&self, goal: Seq) -> bool {
        // The fast path: one load and one compare, not even a statistics counter (finding the
        // thread's slot would cost more than the check itself). `poll_inner` repeats it.
        let r0 = self.rd.load(Ordering::Relaxed);
        // R: pairs with the release compare-and-swap that published `r0` (see `poll_inner`).
        fence(Ordering::Acquire);
        if goal.seq_le(r0) {
            return true;
        }
        self.count(POLLS);
        let passed = self.poll_inner(goal);
        if !passed {
            self.count(FAILED_POLLS);
        }
        passed
    }

    fn poll_inner(&self, goal: Seq) -> bool {
        let r0 = self.rd.load(Ordering::Relaxed);
        // R: pairs with the release compare-and-swap that published `r0`: what that scan
        // acquired from exiting readers is ours, and the `wr_seq` snapshot below is at least
        // the one that scan took, so `r0 <= w`.
        fence(Ordering::Acquire);
        if goal.seq_le(r0) {
            return true;
        }
        // W: the snapshot, loaded before any slot (see `mutant-wr-seq-late`).
        let mut w = self.wr.seq.load(Ordering::Relaxed);
        let lazy = self.lazy_active();
        if goal.seq_gt(w) {
            let reach = match self.mode {
                Mode::Deferred(_) => self.incr,
                Mode::Lazy if lazy => 2 * self.incr,
                _ => 0,
            };
            if goal.wrapping_sub(w) > reach {
                // No advance hands out a goal this far ahead: it was held while the clocks
                // wrapped, so it passed long ago.
                return true;
            }
            if !lazy {
                // Deferred: move the clock up to the goal (any later write of the clock comes
                // after the advance read it; see A). One increment always suffices.
                let next = w.wrapping_add(self.incr);
                w = match self.wr.seq.compare_exchange(
                    w,
                    next,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => next,
                    Err(moved) => moved,
                };
            }
        }
        if w.wrapping_sub(r0) >= <Seq as Sequence>::HALF {
            // `r0` is stale: advances moved the clocks on between the two loads, further than
            // the comparisons below can tell apart. Say "not yet"; the next poll reads afresh.
            return false;
        }
        self.count(SCANS);
        if lazy {
            // P, heavy half: a full barrier on every CPU running one of our threads, so each
            // fenceless reader's `seq` store is visible here, or its section's loads come
            // after this point and see every unlink that precedes it.
            #[cfg(feature = "std")]
            reclaim::membarrier::heavy();
        } else {
            // P: pairs with E. A reader whose E came first is visible to the loads below; one
            // whose E comes later already sees every unlink made before an advance at or
            // before `w` (A precedes P precedes E).
            fence(Ordering::SeqCst);
        }
        let min_offset = self.scan(r0, w);
        // R: pairs with X, the release store that ends a section: the reads of every section
        // this scan saw end happen before whatever the caller frees next.
        fence(Ordering::Acquire);
        let rd = self.raise_rd(r0, min_offset);
        if lazy && goal.seq_gt(w) {
            // The coarse clock: move it one increment, after P, which came after we read `w`.
            // A fenceless reader that loads the new value ran its section's loads after a
            // barrier that followed every unlink of a goal up to `w + incr` (those advances
            // read the clock at or before `w`); lazy goals lie two increments ahead, so the
            // barrier between the two ticks covers an advance that raced with the first one.
            let _ = self.wr.seq.compare_exchange(
                w,
                w.wrapping_add(self.incr),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
        goal.seq_le(rd)
    }

    /// The scan: the minimum over live slots, as an offset from `r0`, starting from the
    /// snapshot `w`. Working in unsigned offsets from the read clock keeps the loop to one
    /// load, one compare, and one `min` per slot.
    #[inline]
    fn scan(&self, r0: Seq, w: Seq) -> Seq {
        let _ = w;
        // Starting from the snapshot: a reader that entered after it published a value past
        // `w` (an offset past `span`), and cannot reach anything a goal up to `w` protects, so
        // it never lowers the minimum below `w` and never lifts it past `w` either.
        #[cfg(not(feature = "mutant-wr-seq-late"))]
        let mut min_offset = w.wrapping_sub(r0);
        #[cfg(feature = "mutant-wr-seq-late")]
        let mut min_offset = Seq::MAX;
        for slot in self.slots.iter() {
            let seq = slot.seq.load(Ordering::Relaxed);
            if seq == IDLE {
                continue;
            }
            // The clamp: a delayed reader may publish a value before `r0`. It cannot reach
            // what goals up to `r0` protect (the scan that raised the read clock to `r0` ran
            // before its E), but it can reach anything later, so it pins the minimum at `r0`.
            // As a raw offset it would wrap to a huge number and be ignored like a reader
            // that entered after the snapshot.
            let offset = if !cfg!(feature = "mutant-no-clamp") && seq.seq_lt(r0) {
                0
            } else {
                seq.wrapping_sub(r0)
            };
            min_offset = min_offset.min(offset);
        }
        #[cfg(feature = "mutant-wr-seq-late")]
        {
            let late = self.wr.seq.load(Ordering::Relaxed);
            min_offset = min_offset.min(late.wrapping_sub(r0));
        }
        min_offset
    }

    /// Raises `rd_seq` to `r0 + offset` unless it is already there or past it; returns the
    /// read clock as this poll may rely on.
    ///
    /// The comparison is made in offsets from this poll's `r0`: the read clock only grows, so
    /// its offset is exact however long this poll stalled, where a signed comparison of the two
    /// values would flip once they were half the sequence space apart.
    fn raise_rd(&self, r0: Seq, offset: Seq) -> Seq {
        let seen = r0.wrapping_add(offset);
        if cfg!(feature = "mutant-rd-seq-backwards") {
            self.rd.store(seen, Ordering::Release);
            self.event.notify_all();
            return seen;
        }
        let mut current = self.rd.load(Ordering::Relaxed);
        loop {
            if offset <= current.wrapping_sub(r0) {
                // R: another scan got further; acquire what its release published.
                fence(Ordering::Acquire);
                return current;
            }
            // Release: hands what this scan acquired (R) to pollers that take the fast path.
            match self
                .rd
                .compare_exchange(current, seen, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => {
                    self.event.notify_all();
                    return seen;
                }
                Err(moved) => current = moved,
            }
        }
    }

    /// Waits until `goal` has passed, with the default strategy: spin, yield, then park
    /// (under `std`), or spin (without it).
    ///
    /// # Panics
    /// In debug builds, when called inside a read section of this domain on this thread: the
    /// wait would never end.
    ///
    /// ```
    /// let gus = gus::Gus::new();
    /// let goal = gus.advance();
    /// gus.wait(goal);
    /// assert!(gus.poll(goal));
    /// ```
    #[track_caller]
    pub fn wait(&self, goal: Seq) {
        self.wait_with(goal, &mut default_strategy());
    }

    /// Waits until `goal` has passed, pausing between polls as `strategy` says: any
    /// `FnMut()` will do, or one of [`reclaim::wait`]'s strategies.
    ///
    /// # Panics
    /// As [`wait`](Gus::wait).
    ///
    /// ```
    /// static DOMAIN: gus::Gus<2> = gus::Gus::fixed();
    /// let goal = DOMAIN.advance();
    /// DOMAIN.wait_with(goal, &mut || core::hint::spin_loop());
    /// ```
    #[track_caller]
    pub fn wait_with(&self, goal: Seq, strategy: &mut impl WaitStrategy) {
        reclaim::debug::assert_outside(self.addr(), "gus", "wait");
        reclaim::wait::wait_until(&self.event, strategy, || self.poll(goal));
    }

    /// Waits until every section that began before this call has ended: `wait(advance())`.
    ///
    /// # Panics
    /// In debug builds, when called inside a read section of this domain on this thread.
    ///
    /// ```
    /// let gus = gus::Gus::new();
    /// gus.synchronize();
    /// ```
    #[track_caller]
    pub fn synchronize(&self) {
        self.synchronize_with(&mut default_strategy());
    }

    /// [`synchronize`](Gus::synchronize) with a caller-supplied wait strategy.
    ///
    /// ```
    /// static DOMAIN: gus::Gus<2> = gus::Gus::fixed();
    /// DOMAIN.synchronize_with(&mut reclaim::wait::Spin);
    /// ```
    #[track_caller]
    pub fn synchronize_with(&self, strategy: &mut impl WaitStrategy) {
        reclaim::debug::assert_outside(self.addr(), "gus", "synchronize");
        let goal = self.advance();
        reclaim::wait::wait_until(&self.event, strategy, || self.poll(goal));
    }

    /// The domain's counters, summed over every slot.
    ///
    /// ```
    /// let gus = gus::Gus::new();
    /// gus.synchronize();
    /// assert!(gus.stats().advances >= 1);
    /// ```
    pub fn stats(&self) -> Stats {
        #[allow(unused_mut)]
        let mut sums = [0u64; COUNTERS];
        #[cfg(not(loom))]
        {
            let add = |sums: &mut [u64; COUNTERS], counters: &[AtomicSeq; COUNTERS]| {
                for (sum, counter) in sums.iter_mut().zip(counters) {
                    *sum += crate::retire::to_tag(counter.load(Ordering::Relaxed));
                }
            };
            for slot in self.slots.iter() {
                add(&mut sums, &slot.stats);
            }
            add(&mut sums, &self.shared.stats);
        }
        Stats {
            advances: sums[ADVANCES],
            polls: sums[POLLS],
            scans: sums[SCANS],
            failed_polls: sums[FAILED_POLLS],
            pending: self.queue.pending(),
        }
    }

    /// True when the calling thread is inside a section of this domain on its own slot (or,
    /// in debug builds, through any reader).
    #[cfg(feature = "alloc")]
    pub(crate) fn inside_section(&self) -> bool {
        #[cfg(feature = "std")]
        if let Ok(slot) = self.slots.current_thread() {
            if slot.depth.get() > 0 {
                return true;
            }
        }
        reclaim::debug::inside(self.addr())
    }

    #[inline(always)]
    pub(crate) fn addr(&self) -> usize {
        self as *const Self as usize
    }

    #[inline(always)]
    fn count(&self, _counter: usize) {
        #[cfg(not(loom))]
        {
            #[cfg(feature = "std")]
            if let Ok(slot) = self.slots.current_thread() {
                // The owner is the only writer: a plain load and store, no locked instruction.
                let counter = &slot.stats[_counter];
                counter.store(
                    counter.load(Ordering::Relaxed).wrapping_add(1),
                    Ordering::Relaxed,
                );
                return;
            }
            self.shared.stats[_counter].fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The strategy `wait`, `synchronize` and `barrier` use when the caller gives none.
pub(crate) fn default_strategy() -> impl WaitStrategy {
    #[cfg(feature = "std")]
    return reclaim::wait::Adaptive::new();
    #[cfg(not(feature = "std"))]
    return reclaim::wait::Spin;
}

/// An explicitly registered reader: owns one slot of the domain until it drops.
///
/// `Send` (a reader may move to another thread between sections) but not `Sync`: sections of
/// one reader are entered from one thread at a time.
///
/// ```
/// let gus = gus::Gus::new();
/// let reader = gus.register().unwrap();
/// let reader = std::thread::scope(|s| s.spawn(move || { drop(reader.enter()); reader }).join().unwrap());
/// drop(reader.enter());
/// ```
pub struct Reader<'a, const N: usize = 0> {
    gus: &'a Gus<N>,
    slot: &'a ReaderSlot,
    _claim: SlotClaim<'a, ReaderSlot, N>,
    _not_sync: PhantomData<Cell<()>>,
}

impl<const N: usize> Reader<'_, N> {
    /// Begins a read section on this reader's slot; nesting is cheap.
    ///
    /// ```
    /// static DOMAIN: gus::Gus<1> = gus::Gus::fixed();
    /// let reader = DOMAIN.register().unwrap();
    /// let outer = reader.enter();
    /// let inner = reader.enter();
    /// drop((inner, outer));
    /// ```
    #[inline]
    pub fn enter(&self) -> GusGuard<'_> {
        self.gus.enter_slot(self.slot)
    }
}

/// A read section: it ends when the guard drops. Not `Send`: the section belongs to the slot
/// of the thread (or reader) that entered it.
///
/// ```
/// let gus = gus::Gus::new();
/// let section: gus::GusGuard<'_> = gus.enter();
/// drop(section);
/// ```
pub struct GusGuard<'a> {
    slot: &'a ReaderSlot,
    domain: usize,
    _not_send: PhantomData<*const ()>,
}

impl Drop for GusGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        reclaim::debug::exit_section(self.domain);
        let depth = self.slot.depth.get() - 1;
        self.slot.depth.set(depth);
        if depth == 0 {
            // X: release pairs with R in the poll that sees this 0: the section's reads
            // happen before anything that poll's caller frees.
            self.slot.seq.store(IDLE, Ordering::Release);
        }
    }
}

impl core::fmt::Debug for GusGuard<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GusGuard")
            .field("seq", &self.slot.seq.load(Ordering::Relaxed))
            .finish()
    }
}

impl<const N: usize> core::fmt::Debug for Gus<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Gus")
            .field("mode", &self.mode())
            .field("wr_seq", &self.current())
            .field("rd_seq", &self.completed())
            .field("slots", &self.slots.len())
            .finish()
    }
}

#[cfg(all(test, not(loom), feature = "std"))]
mod tests;

#[cfg(all(test, not(loom), not(feature = "std")))]
mod core_tests {
    use super::*;

    #[cfg(not(feature = "alloc"))]
    #[test]
    fn registering_past_a_fixed_capacity_says_so() {
        let gus: Gus<2> = Gus::fixed();
        let _a = gus.register().unwrap();
        let _b = gus.register().unwrap();
        let err = gus.register().err().unwrap();
        assert!(std::string::ToString::to_string(&err).contains("fixed capacity of 2"));
    }

    #[test]
    fn barrier_frees_the_open_bag_behind_a_full_sealed_place() {
        static FREED: AtomicU32 = AtomicU32::new(0);
        unsafe fn count(_: *mut ()) {
            FREED.fetch_add(1, Ordering::Relaxed);
        }
        let gus: Gus<2> = Gus::fixed();
        let entered = std::sync::Barrier::new(2);
        let leave = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            s.spawn(|| {
                let reader = gus.register().unwrap();
                let section = reader.enter();
                entered.wait();
                leave.wait();
                drop(section);
            });
            entered.wait();
            let total = reclaim::bag::BAG_CAPACITY + 10;
            for _ in 0..total {
                // SAFETY: `count` accepts any pointer.
                unsafe { gus.retire_raw(core::ptr::null_mut(), count) };
            }
            assert_eq!(
                FREED.load(Ordering::Relaxed),
                0,
                "the reader holds the sealed bag"
            );
            leave.wait();
        });
        gus.barrier();
        assert_eq!(
            FREED.load(Ordering::Relaxed) as usize,
            reclaim::bag::BAG_CAPACITY + 10
        );
    }

    #[test]
    fn static_domain_reads_advances_and_waits_without_an_allocator() {
        static DOMAIN: Gus<2> = Gus::fixed();
        let reader = DOMAIN.register().unwrap();
        let section = reader.enter();
        let goal = DOMAIN.advance();
        assert!(!DOMAIN.poll(goal));
        drop(section);
        DOMAIN.wait_with(goal, &mut reclaim::wait::Spin);
        static mut FREED: u32 = 0;
        unsafe fn free(_: *mut ()) {
            // SAFETY: single-threaded test.
            unsafe { FREED += 1 };
        }
        for _ in 0..300 {
            // SAFETY: `free` accepts any pointer.
            unsafe { DOMAIN.retire_raw(core::ptr::null_mut(), free) };
        }
        DOMAIN.barrier();
        // SAFETY: single-threaded test.
        assert_eq!(unsafe { FREED }, 300);
    }
}
