//! The read side: enter, exit, the registered [`Reader`], and the guard.
//!
//! # What a section does
//! The outermost enter loads the write clock, stores it in the reader's slot, and runs fence
//! **E**; the last exit stores 0 with release (**X**). Nested enters and exits touch only the
//! slot's nesting depth, an owner-only counter. The argument for E and X is in the poll
//! module's docs.
//!
//! # Whose slot
//! - [`Gus::enter`] with `std`: the calling thread's own slot, one thread-local load and one
//!   compare away (the core's slot cache).
//! - [`Reader::enter`]: the slot the reader claimed, no lookup at all.
//! - [`Gus::enter`] without `std`: there is no thread identity to find a slot by, so each
//!   section claims a free slot (a search for a free slot and a compare-and-swap) and gives it
//!   back when it ends. Register a [`Reader`] for the cheap path.
//!
//! Ownership is a type (`Owned`, made only by the core), so the depth and the plain store of a
//! slot's value are written by one thread at a time: the thread whose id owns the slot (a guard
//! is not `Send`), or the holder of a claim (a `Reader` is not `Sync`).

use crate::domain::{Gus, ReaderSlot};
use crate::goal::IDLE;
use reclaim::SlotsFull;
use reclaim::scheme::slots::{Owned, SlotClaim};
use reclaim::sync::{Ordering, fence, light_fence};

/// A read section of a [`Gus`] domain: it ends when the guard drops.
///
/// Not `Send`: the section belongs to the slot of the thread (or reader) that entered it.
/// Nested guards may drop in any order; the section ends with the last.
///
/// ```
/// let gus = gracepoint_gus::Gus::new();
/// let outer = gus.enter();
/// let inner = gus.enter();
/// drop(outer);
/// drop(inner);
/// ```
///
/// A guard cannot move to another thread:
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// let gus = gracepoint_gus::Gus::new();
/// send(gus.enter());
/// ```
#[must_use = "the read section ends as soon as the guard drops"]
pub struct GusGuard<'a, const N: usize = 0> {
    slot: Held<'a, N>,
    gus: &'a Gus<N>,
}

/// The slot a section runs on, and how the guard holds it.
enum Held<'a, const N: usize> {
    /// The thread's own slot, or a [`Reader`]'s.
    Owned(Owned<'a, ReaderSlot>),
    /// A slot claimed for this section alone (no `std`), handed back when the guard drops.
    #[cfg(not(feature = "std"))]
    Claimed(SlotClaim<'a, ReaderSlot, N>),
}

impl<const N: usize> Held<'_, N> {
    #[inline(always)]
    fn owned(&self) -> Owned<'_, ReaderSlot> {
        match self {
            Held::Owned(owned) => *owned,
            #[cfg(not(feature = "std"))]
            Held::Claimed(claim) => claim.owned(),
        }
    }
}

/// A reader that owns a slot of its domain until it drops: the cheapest way in (no slot lookup
/// at all), and the `no_std` way to give a reader a slot of its own.
///
/// `Send` (a reader may move to another thread between sections) but not `Sync`: sections of
/// one reader are entered from one thread at a time.
///
/// ```
/// let gus = gracepoint_gus::Gus::new();
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
/// let gus = gracepoint_gus::Gus::new();
/// share(&gus.register().unwrap());
/// ```
pub struct Reader<'a, const N: usize = 0> {
    gus: &'a Gus<N>,
    pub(crate) claim: SlotClaim<'a, ReaderSlot, N>,
}

impl<const N: usize> core::fmt::Debug for Reader<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Reader")
            .field("slot", &self.claim.index())
            .finish()
    }
}

impl<const N: usize> core::fmt::Debug for GusGuard<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let seq = self.slot.owned().state().seq.load(Ordering::Relaxed);
        f.debug_struct("GusGuard").field("seq", &seq).finish()
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn slots_full(full: SlotsFull) -> ! {
    panic!("gus: {full}")
}

impl<const N: usize> Gus<N> {
    /// Begins a read section; it ends when the guard drops. Loads made inside stay valid until
    /// then: nothing retired after the section began is freed before it ends.
    ///
    /// With `std` the section runs on the calling thread's own slot: the outermost enter is a
    /// load, a store and a fence (no fence in [`Mode::Lazy`](crate::Mode::Lazy)), a nested one
    /// only bumps a counter. Without `std` each section claims a free slot and gives it back
    /// at the end (a compare-and-swap more); [`register`](Gus::register) a [`Reader`] instead
    /// where that matters.
    ///
    /// # Panics
    /// Without `alloc`, when every slot of the fixed-size domain is taken.
    ///
    /// ```
    /// let gus = gracepoint_gus::Gus::new();
    /// let outer = gus.enter();
    /// let inner = gus.enter();
    /// drop(inner);
    /// drop(outer);
    /// ```
    #[inline]
    #[track_caller]
    pub fn enter(&self) -> GusGuard<'_, N> {
        #[cfg(feature = "std")]
        let slot = match self.core.slots().mine() {
            Ok(owned) => Held::Owned(owned),
            Err(full) => slots_full(full),
        };
        #[cfg(not(feature = "std"))]
        let slot = match self.core.slots().claim() {
            Ok(claim) => Held::Claimed(claim),
            Err(full) => slots_full(full),
        };
        self.guard(slot)
    }

    /// Takes a reader slot for explicit use (the `no_std` way to read cheaply, and a way to give
    /// a reader its own slot under `std`). Fails with [`SlotsFull`] when a fixed-size domain has
    /// no free slot left.
    ///
    /// ```
    /// static DOMAIN: gracepoint_gus::Gus<1> = gracepoint_gus::Gus::fixed();
    /// let reader = DOMAIN.register().unwrap();
    /// let _section = reader.enter();
    /// # #[cfg(not(feature = "alloc"))]
    /// assert!(DOMAIN.register().unwrap_err().to_string().contains("fixed capacity of 1"));
    /// ```
    pub fn register(&self) -> Result<Reader<'_, N>, SlotsFull> {
        Ok(Reader {
            gus: self,
            claim: self.core.slots().claim()?,
        })
    }

    #[inline(always)]
    fn guard<'a>(&'a self, slot: Held<'a, N>) -> GusGuard<'a, N> {
        self.begin(slot.owned());
        reclaim::scheme::debug::enter_section(self.addr());
        GusGuard { slot, gus: self }
    }

    /// The outermost enter publishes the write clock in the slot, then E.
    #[inline(always)]
    fn begin(&self, owner: Owned<'_, ReaderSlot>) {
        let slot = owner.state();
        // SAFETY: `Owned` proves this thread owns the slot.
        let depth = unsafe { slot.depth.get() };
        // SAFETY: as above.
        unsafe { slot.depth.set(depth + 1) };
        if depth == 0 {
            let w = self.wr.seq.load(Ordering::Relaxed);
            slot.seq.store(w, Ordering::Relaxed);
            reclaim::mutant!("gus_no_enter_fence" => (), else self.reader_fence());
        }
    }

    /// E: orders the store of the slot's value before the section's loads. Pairs with P (a
    /// scan either sees the value or runs before E, and then this section sees every unlink
    /// made before the scan's snapshot) and with A (a section that loaded a clock value at or
    /// past a goal sees the unlink made before that goal's advance).
    #[inline(always)]
    fn reader_fence(&self) {
        if self.lazy_active() {
            // E, light half: the poller's membarrier at P stands in for the hardware fence.
            light_fence();
        } else {
            fence(Ordering::SeqCst);
        }
    }
}

impl<const N: usize> Reader<'_, N> {
    /// Begins a read section on this reader's slot; nesting is cheap.
    ///
    /// ```
    /// static DOMAIN: gracepoint_gus::Gus<1> = gracepoint_gus::Gus::fixed();
    /// let reader = DOMAIN.register().unwrap();
    /// let outer = reader.enter();
    /// let inner = reader.enter();
    /// drop((inner, outer));
    /// ```
    #[inline]
    pub fn enter(&self) -> GusGuard<'_, N> {
        self.gus.guard(Held::Owned(self.claim.owned()))
    }
}

impl<const N: usize> Drop for GusGuard<'_, N> {
    #[inline]
    fn drop(&mut self) {
        #[cfg(debug_assertions)]
        reclaim::scheme::debug::exit_section(self.gus.addr());
        let owned = self.slot.owned();
        let slot = owned.state();
        // SAFETY: the guard holds ownership of the slot (`Owned` or a claim), on this thread.
        let depth = unsafe { slot.depth.get() } - 1;
        // SAFETY: as above.
        unsafe { slot.depth.set(depth) };
        if depth == 0 {
            // X: release pairs with R in the poll whose scan sees this 0: the section's reads
            // happen before anything that poll's caller frees.
            slot.seq.store(IDLE, Ordering::Release);
            // The outermost section ended: run what a retire left for this moment (a poll
            // taken inside the section could not pass this slot's value).
            self.gus.core.on_section_exit(&self.gus.clock(), owned);
        }
    }
}
