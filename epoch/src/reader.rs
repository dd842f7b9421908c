//! The read side: pin, unpin, repin, guards and registered readers.
//!
//! # Invariant
//! **A slot's word is written only by its owner, and says "pinned at `e`" from the outermost
//! pin (followed by fence epoch-P) until the last guard on the slot drops.** Ownership is a type
//! (`Owned`, from the shared core): the calling thread's own slot, found with one thread-local
//! load and one compare, or the slot an [`EpochReader`] claimed (without `std`, `enter` claims a
//! free slot for the section). The core's slot counts the owner's open sections with a plain
//! owner-only counter: a nested pin touches nothing else, no fence and no store to the shared
//! word.
//!
//! # Cost
//! Outermost pin: find the slot, load its word (pinned bit clear), load the global epoch, store
//! it with the pinned bit (a plain `mov` on x86), fence epoch-P (one locked instruction). Unpin: see
//! that no nested guard is left, one release store (a plain `mov`). A nested pin and its unpin:
//! find the slot, load its word, bump and drop the counter. The guard keeps its slot, so the
//! unpin does not look it up again. Pins never scan other threads and never free anything:
//! that work belongs to retires and waits.
//!
//! # Leaked guards
//! A guard passed to `mem::forget` leaves its slot pinned: the epoch cannot advance past it,
//! as with any reader that never leaves its section. A registered reader clears its slot when it
//! drops, since no section can outlive it.

use crate::{Epoch, EpochSlot, PINNED};
use core::marker::PhantomData;
use reclaim::scheme::slots::{SectionSlot, SlotClaim, slots_full};
use reclaim::sync::Ordering;

/// A pinned read-side section of an [`Epoch`] domain; it ends when the guard drops.
///
/// Not `Send`: the pin belongs to the slot of the thread (or registered reader) that made it.
/// Guards nest freely and may drop in any order; only the last one unpins.
///
/// ```
/// let domain = gracepoint::epoch::Epoch::new();
/// let outer = domain.pin();
/// let inner = domain.pin();
/// drop(outer);
/// assert!(domain.is_pinned());
/// drop(inner);
/// assert!(!domain.is_pinned());
/// ```
///
/// A guard cannot move to another thread:
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// let domain = gracepoint::epoch::Epoch::new();
/// send(domain.pin());
/// ```
#[must_use = "the section ends as soon as the guard drops"]
pub struct EpochGuard<'a, const N: usize = 0> {
    domain: &'a Epoch<N>,
    slot: SectionSlot<'a, EpochSlot, N>,
    _not_send: PhantomData<*const ()>,
}

/// A reader that owns a slot of its domain until it drops: the `no_std` way in (there is no
/// thread-local slot without `std`), and, with `std`, a way to pin with no slot lookup at all.
///
/// It can also retire through its slot's bag ([`retire_raw`](EpochReader::retire_raw)), which
/// batches objects without a lock or an atomic read-modify-write.
///
/// `Send` (it may move to another thread between sections) but not `Sync`.
///
/// ```
/// static DOMAIN: gracepoint::epoch::Epoch<2> = gracepoint::epoch::Epoch::new_fixed();
/// let reader = DOMAIN.register().unwrap();
/// let guard = reader.pin();
/// drop(guard);
/// DOMAIN.synchronize_with(&mut gracepoint::wait::Spin);
/// ```
///
/// Two threads cannot share one reader:
/// ```compile_fail
/// fn share<T: Sync>(_: T) {}
/// let domain = gracepoint::epoch::Epoch::new();
/// share(domain.register().unwrap());
/// ```
pub struct EpochReader<'a, const N: usize = 0> {
    pub(crate) domain: &'a Epoch<N>,
    pub(crate) claim: SlotClaim<'a, EpochSlot, N>,
}

impl<const N: usize> core::fmt::Debug for EpochGuard<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let word = self.slot.owned().state().word.load(Ordering::Relaxed);
        f.debug_struct("EpochGuard")
            .field("epoch", &(word / crate::STEP))
            .finish()
    }
}

/// Read-side sections: pins on the calling thread's own slot (or, without `std`, a slot
/// claimed for the section), and registered readers with a slot of their own.
///
/// ```
/// let domain = gracepoint::epoch::Epoch::<2>::new_fixed();
/// let reader = domain.register().unwrap(); // no slot lookup when pinning
/// drop(reader.pin());
/// {
///     let _guard = domain.pin();
///     assert!(domain.is_pinned());
/// }
/// assert!(!domain.is_pinned());
/// ```
impl<const N: usize> Epoch<N> {
    /// Pins the domain on the calling thread's own slot: a read-side section that ends when the
    /// guard drops. Objects retired after this call are not freed before then. Without `std`
    /// (no thread identity to find a slot by) the section claims a free slot for its length,
    /// a compare-and-swap more; [`register`](Epoch::register) a reader where that matters.
    ///
    /// # Panics
    /// Without `alloc`, when every slot of the fixed-size domain is taken.
    ///
    /// ```
    /// let domain = gracepoint::epoch::Epoch::new();
    /// let guard = domain.enter();
    /// drop(guard);
    /// ```
    #[inline]
    #[track_caller]
    pub fn enter(&self) -> EpochGuard<'_, N> {
        match self.core.slots().for_section() {
            Ok(slot) => self.pin_on(slot),
            Err(full) => slots_full("epoch", full),
        }
    }

    /// The literature's name for [`enter`](Epoch::enter) (crossbeam-epoch's `pin`).
    ///
    /// ```
    /// let domain = gracepoint::epoch::Epoch::new();
    /// drop(domain.pin());
    /// ```
    #[inline]
    #[track_caller]
    pub fn pin(&self) -> EpochGuard<'_, N> {
        self.enter()
    }

    /// True when the calling thread holds a guard on its own slot of this domain (always false
    /// without `std`, where threads have no slot of their own).
    ///
    /// ```
    /// let domain = gracepoint::epoch::Epoch::new();
    /// assert!(!domain.is_pinned());
    /// let _guard = domain.pin();
    /// assert!(domain.is_pinned());
    /// ```
    pub fn is_pinned(&self) -> bool {
        #[cfg(feature = "std")]
        return self
            .core
            .slots()
            .mine_if_any()
            .is_some_and(|owner| owner.in_section());
        #[cfg(not(feature = "std"))]
        return false;
    }

    /// The pin proper, on a slot the caller owns for the section.
    #[inline(always)]
    fn pin_on<'a>(&'a self, slot: SectionSlot<'a, EpochSlot, N>) -> EpochGuard<'a, N> {
        let owner = slot.owned();
        if owner.open_section() {
            self.publish_pin(owner.state());
        }
        reclaim::scheme::debug::enter_section(self.core.addr());
        EpochGuard {
            domain: self,
            slot,
            _not_send: PhantomData,
        }
    }

    /// Stores the global epoch with the pinned bit into the owner's slot, then P.
    #[inline(always)]
    fn publish_pin(&self, slot: &EpochSlot) {
        // epoch-L: in the Fast flavor, the section's loads come after this one, which may read
        // an epoch written after a writer's T read the one before (crate docs, "The Fast
        // flavor"). A plain load on x86.
        let global = self.core.clock().global.load(Ordering::Acquire);
        // epoch-U: Release, like the unpin store: an advance whose scan reads this word (and then
        // runs Q) sees the end of this slot's previous section, even when that section's unpin
        // was overwritten by this pin before the scan. A plain `mov` on x86.
        let release = reclaim::mutant!("epoch_pin_store_relaxed" => Ordering::Relaxed,
            else Ordering::Release);
        slot.word.store(global | PINNED, release);
        // epoch-P: pairs with epoch-A and epoch-T (store buffering). Either every later advance's scan sees this
        // pin, or this section's loads see every update made before that advance's A and
        // before T of every tag it serves (crate docs).
        // In the Fast flavor a compiler fence: the advances' `membarrier` at A stands in for it.
        reclaim::mutant!("epoch_no_pin_fence" => (), else self.core.clock().fence.reader());
    }
}

impl<const N: usize> EpochGuard<'_, N> {
    /// Ends this section and begins a new one at the current epoch, so that a long operation
    /// stops holding back the epoch (and the garbage behind it). References read before the
    /// call must not be used after it. Does nothing while other guards of the same slot are
    /// alive (their sections go on), or when the slot is already at the current epoch.
    ///
    /// ```
    /// let domain = gracepoint::epoch::Epoch::new();
    /// let mut guard = domain.pin();
    /// for _ in 0..3 {
    ///     // ... a chunk of a long traversal, then:
    ///     assert!(domain.try_advance());
    ///     guard.repin();
    /// }
    /// drop(guard);
    /// ```
    pub fn repin(&mut self) {
        let owner = self.slot.owned();
        if owner.depth() != 1 {
            return;
        }
        let slot = owner.state();
        let global = self.domain.core.clock().global.load(Ordering::Relaxed);
        if slot.word.load(Ordering::Relaxed) == global | PINNED {
            return;
        }
        reclaim::mutant!("epoch_repin_no_fence" =>
            slot.word.store(global | PINNED, Ordering::Release),
            else self.domain.publish_pin(slot));
    }
}

impl<const N: usize> Drop for EpochGuard<'_, N> {
    #[inline]
    fn drop(&mut self) {
        reclaim::scheme::debug::exit_section(self.domain.core.addr());
        let owner = self.slot.owned();
        let slot = owner.state();
        if owner.close_section() {
            // epoch-U: Release pairs with epoch-Q: this section's accesses happen before any advance whose
            // scan sees the slot unpinned.
            slot.word.store(0, Ordering::Release);
            // The outermost section ended: run what a retire left for this moment (an advance
            // attempted while pinned cannot pass this slot's epoch).
            self.domain.core.on_section_exit(owner);
        } else {
            // The `epoch_inner_unpin` mutant lets a nested guard unpin the slot under the
            // outer one.
            reclaim::mutant!("epoch_inner_unpin" => slot.word.store(0, Ordering::Release),
                else ());
        }
    }
}

impl<const N: usize> EpochReader<'_, N> {
    /// Pins the domain on this reader's slot; nesting costs a counter.
    ///
    /// ```
    /// let domain = gracepoint::epoch::Epoch::<2>::new_fixed();
    /// let reader = domain.register().unwrap();
    /// let outer = reader.enter();
    /// let inner = reader.enter();
    /// drop((inner, outer));
    /// ```
    #[inline]
    pub fn enter(&self) -> EpochGuard<'_, N> {
        self.domain.pin_on(SectionSlot::Owned(self.claim.owned()))
    }

    /// The literature's name for [`enter`](EpochReader::enter).
    ///
    /// ```
    /// let domain = gracepoint::epoch::Epoch::<2>::new_fixed();
    /// let reader = domain.register().unwrap();
    /// drop(reader.pin());
    /// ```
    #[inline]
    pub fn pin(&self) -> EpochGuard<'_, N> {
        self.enter()
    }
}

impl<const N: usize> Drop for EpochReader<'_, N> {
    fn drop(&mut self) {
        let owner = self.claim.owned();
        // Only a guard passed to `mem::forget` can still be counted here; no section can
        // outlive the reader it borrows, so the slot is unpinned before the next owner gets it.
        if owner.in_section() {
            owner.reset_depth();
            owner.state().word.store(0, Ordering::Release);
        }
    }
}
