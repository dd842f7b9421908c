//! Baselines: the cheapest possible "read section", timed in the same run as every scheme so
//! that each scheme's cost can be given as a ratio.
//!
//! Neither type here implements [`reclaim::Reclaim`]: they mark a section but protect nothing.
//!
//! - [`ThreadLocalPair`]: a plain `thread_local!` `Cell<u64>` incremented on enter and on exit,
//!   each value passed through `black_box` so that a loop of them cannot fold. A reference for
//!   what a thread-local lookup costs, not a bound: the `black_box` puts each value through the
//!   stack, and a scheme that looks its state up once per section (keeping it in the guard) can
//!   run below it (docs/reclaim.md, "Instructions per operation").
//! - [`OwnedSlot`]: a load of a shared clock stored into a slot the thread owns, and a store of
//!   zero on exit, with no fence: the shape of GUS's lazy reader or liburcu's memb reader.

use core::cell::Cell;
use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};
use crossbeam_utils::CachePadded;

std::thread_local! {
    static ENTERS: Cell<u64> = const { Cell::new(0) };
    static EXITS: Cell<u64> = const { Cell::new(0) };
}

/// The thread-local increment pair baseline.
///
/// ```
/// let baseline = benches::baseline::ThreadLocalPair;
/// let before = benches::baseline::ThreadLocalPair::counts();
/// drop(baseline.enter());
/// let after = benches::baseline::ThreadLocalPair::counts();
/// assert_eq!(after.0 - before.0, 1);
/// assert_eq!(after.1 - before.1, 1);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadLocalPair;

/// The section of a [`ThreadLocalPair`]: increments the exit counter when dropped.
///
/// ```
/// let guard: benches::baseline::PairGuard = benches::baseline::ThreadLocalPair.enter();
/// drop(guard);
/// ```
#[derive(Debug)]
#[must_use]
pub struct PairGuard(());

impl ThreadLocalPair {
    /// Increments this thread's enter counter; the returned guard increments the exit counter.
    ///
    /// The increments go through [`black_box`] so that the compiler cannot fold a loop of
    /// them into one addition: each call really loads and stores the thread-local.
    ///
    /// ```
    /// let _section = benches::baseline::ThreadLocalPair.enter();
    /// ```
    #[inline]
    pub fn enter(&self) -> PairGuard {
        ENTERS.with(|c| c.set(black_box(c.get()).wrapping_add(1)));
        PairGuard(())
    }

    /// This thread's (enter, exit) counts.
    ///
    /// ```
    /// let (enters, exits) = benches::baseline::ThreadLocalPair::counts();
    /// assert_eq!(enters, exits);
    /// ```
    pub fn counts() -> (u64, u64) {
        (ENTERS.with(Cell::get), EXITS.with(Cell::get))
    }
}

impl Drop for PairGuard {
    #[inline]
    fn drop(&mut self) {
        EXITS.with(|c| c.set(black_box(c.get()).wrapping_add(1)));
    }
}

/// The owned-slot baseline: one reader slot, written only by its owner.
///
/// ```
/// let slot = benches::baseline::OwnedSlot::new();
/// let guard = slot.enter();
/// assert_eq!(slot.value() & 1, 1);
/// drop(guard);
/// assert_eq!(slot.value(), 0);
/// ```
#[derive(Debug, Default)]
pub struct OwnedSlot {
    clock: CachePadded<AtomicU64>,
    slot: CachePadded<AtomicU64>,
}

/// The section of an [`OwnedSlot`]: stores zero into the slot when dropped.
///
/// ```
/// let slot = benches::baseline::OwnedSlot::new();
/// let guard: benches::baseline::SlotGuard<'_> = slot.enter();
/// drop(guard);
/// ```
#[derive(Debug)]
#[must_use]
pub struct SlotGuard<'a>(&'a OwnedSlot);

impl OwnedSlot {
    /// A slot and a clock, both zero.
    ///
    /// ```
    /// assert_eq!(benches::baseline::OwnedSlot::new().value(), 0);
    /// ```
    pub const fn new() -> Self {
        Self {
            clock: CachePadded::new(AtomicU64::new(0)),
            slot: CachePadded::new(AtomicU64::new(0)),
        }
    }

    /// Loads the clock and stores it (made odd) into the slot; no fence.
    ///
    /// ```
    /// let slot = benches::baseline::OwnedSlot::new();
    /// drop(slot.enter());
    /// ```
    #[inline]
    pub fn enter(&self) -> SlotGuard<'_> {
        let now = self.clock.load(Ordering::Relaxed);
        self.slot.store(now | 1, Ordering::Relaxed);
        SlotGuard(self)
    }

    /// The slot's current value (zero when no section is open).
    ///
    /// ```
    /// assert_eq!(benches::baseline::OwnedSlot::new().value(), 0);
    /// ```
    pub fn value(&self) -> u64 {
        self.slot.load(Ordering::Relaxed)
    }
}

impl Drop for SlotGuard<'_> {
    #[inline]
    fn drop(&mut self) {
        self.0.slot.store(0, Ordering::Release);
    }
}
