//! The read side: enter, exit, the registered [`GusReader`], and the guard.
//!
//! # What a section does
//! The outermost enter loads the write clock, stores it in the reader's slot, and runs fence
//! **gus-E**; the last exit stores 0 with release (**gus-X**). Nested enters and exits touch only the
//! slot's nesting depth, an owner-only counter. The argument for E and X is in the poll
//! module's docs.
//!
//! # Whose slot
//! - [`Gus::enter`] with `std`: the calling thread's own slot, one thread-local load and one
//!   compare away (the core's slot cache).
//! - [`GusReader::enter`]: the slot the reader claimed, no lookup at all.
//! - [`Gus::enter`] without `std`: there is no thread identity to find a slot by, so each
//!   section claims a free slot (a search for a free slot and a compare-and-swap) and gives it
//!   back when it ends. Register a [`GusReader`] for the cheap path.
//!
//! Ownership is a type (`Owned`, made only by the core), so the depth and the plain store of a
//! slot's value are written by one thread at a time: the thread whose id owns the slot (a guard
//! is not `Send`), or the holder of a claim (a `GusReader` is not `Sync`).

use crate::Gus;
use crate::clock::ReaderSlot;
use crate::goal::IDLE;
use reclaim::scheme::slots::{Owned, SectionSlot, SlotClaim, slots_full};
use reclaim::sync::Ordering;

/// A read section of a [`Gus`] domain: it ends when the guard drops.
///
/// Not `Send`: the section belongs to the slot of the thread (or reader) that entered it.
/// Nested guards may drop in any order; the section ends with the last.
///
/// ```
/// let gus = gracepoint::gus::Gus::new();
/// let outer = gus.enter();
/// let inner = gus.enter();
/// drop(outer);
/// drop(inner);
/// ```
///
/// A guard cannot move to another thread:
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// let gus = gracepoint::gus::Gus::new();
/// send(gus.enter());
/// ```
#[must_use = "the read section ends as soon as the guard drops"]
pub struct GusGuard<'a, const N: usize = 0> {
    slot: SectionSlot<'a, ReaderSlot, N>,
    gus: &'a Gus<N>,
    _not_send: core::marker::PhantomData<*const ()>,
}

/// A reader that owns a slot of its domain until it drops: the cheapest way in (no slot lookup
/// at all), and the `no_std` way to give a reader a slot of its own.
///
/// `Send` (a reader may move to another thread between sections) but not `Sync`: sections of
/// one reader are entered from one thread at a time.
///
/// ```
/// let gus = gracepoint::gus::Gus::new();
/// let reader = gus.register().unwrap();
/// let reader = std::thread::scope(|s| {
///     s.spawn(move || {
///         drop(reader.enter());
///         reader
///     })
///     .join()
///     .unwrap()
/// });
/// drop(reader.enter());
/// ```
///
/// Two threads cannot share one reader:
/// ```compile_fail
/// fn share<T: Sync>(_: &T) {}
/// let gus = gracepoint::gus::Gus::new();
/// share(&gus.register().unwrap());
/// ```
pub struct GusReader<'a, const N: usize = 0> {
    pub(crate) domain: &'a Gus<N>,
    pub(crate) claim: SlotClaim<'a, ReaderSlot, N>,
}

impl<const N: usize> core::fmt::Debug for GusGuard<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let seq = self.slot.owned().state().seq.load(Ordering::Relaxed);
        f.debug_struct("GusGuard").field("seq", &seq).finish()
    }
}

/// Read sections: on the calling thread's own slot, or a registered reader's.
///
/// ```
/// let gus = gracepoint::gus::Gus::new();
/// drop(gus.enter());
/// let reader = gus.register().unwrap();
/// drop(reader.enter());
/// ```
impl<const N: usize> Gus<N> {
    /// Begins a read section; it ends when the guard drops. Loads made inside stay valid until
    /// then: nothing retired after the section began is freed before it ends.
    ///
    /// With `std` the section runs on the calling thread's own slot: the outermost enter is a
    /// load, a store and a fence (no fence in [`Mode::Lazy`](crate::Mode::Lazy)), a nested one
    /// only bumps a counter. Without `std` each section claims a free slot and gives it back
    /// at the end (a compare-and-swap more); [`register`](Gus::register) a [`GusReader`] instead
    /// where that matters.
    ///
    /// # Panics
    /// Without `alloc`, when every slot of the fixed-size domain is taken.
    ///
    /// ```
    /// let gus = gracepoint::gus::Gus::new();
    /// let outer = gus.enter();
    /// let inner = gus.enter();
    /// drop(inner);
    /// drop(outer);
    /// ```
    #[inline]
    #[track_caller]
    pub fn enter(&self) -> GusGuard<'_, N> {
        match self.core.slots().for_section() {
            Ok(slot) => self.guard(slot),
            Err(full) => slots_full("gus", full),
        }
    }

    #[inline(always)]
    fn guard<'a>(&'a self, slot: SectionSlot<'a, ReaderSlot, N>) -> GusGuard<'a, N> {
        self.begin(slot.owned());
        reclaim::scheme::debug::enter_section(self.core.addr());
        GusGuard {
            slot,
            gus: self,
            _not_send: core::marker::PhantomData,
        }
    }

    /// The outermost enter publishes the write clock in the slot, then E.
    #[inline(always)]
    fn begin(&self, owner: Owned<'_, ReaderSlot>) {
        if owner.open_section() {
            let wr = &self.core.clock().wr;
            let w = wr.seq.load(Ordering::Relaxed);
            owner.state().seq.store(w, Ordering::Relaxed);
            // gus-E: orders the store of the slot's value before the section's loads. Pairs with gus-P
            // (a scan either sees the value or runs before E, and then this section sees every
            // unlink made before the scan's snapshot) and with A (a section that loaded a clock
            // value at or past a goal sees the unlink made before that goal's advance). A
            // compiler fence in lazy mode, whose P is `membarrier`.
            reclaim::mutant!("gus_no_enter_fence" => (), else wr.fence.reader());
        }
    }
}

impl<const N: usize> GusReader<'_, N> {
    /// Begins a read section on this reader's slot; nesting is cheap.
    ///
    /// ```
    /// static DOMAIN: gracepoint::gus::Gus<1> = gracepoint::gus::Gus::new_fixed();
    /// let reader = DOMAIN.register().unwrap();
    /// let outer = reader.enter();
    /// let inner = reader.enter();
    /// drop((inner, outer));
    /// ```
    #[inline]
    pub fn enter(&self) -> GusGuard<'_, N> {
        self.domain.guard(SectionSlot::Owned(self.claim.owned()))
    }
}

impl<const N: usize> Drop for GusGuard<'_, N> {
    #[inline]
    fn drop(&mut self) {
        reclaim::scheme::debug::exit_section(self.gus.core.addr());
        let owner = self.slot.owned();
        if owner.close_section() {
            // gus-X: release pairs with gus-R in the poll whose scan sees this 0: the section's reads
            // happen before anything that poll's caller frees.
            owner.state().seq.store(IDLE, Ordering::Release);
            // The outermost section ended: run what a retire left for this moment (a poll
            // taken inside the section could not pass this slot's value).
            self.gus.core.on_section_exit(owner);
        }
    }
}
