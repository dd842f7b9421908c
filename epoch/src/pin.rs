//! The read side: pin, unpin, repin, guards and registered readers.
//!
//! # Invariant
//! **A slot's word is written only by its owner, and says "pinned at `e`" from the outermost
//! pin (followed by fence P) until the last guard on the slot drops.** Ownership is a type
//! (`reclaim::scheme::slots::Owned`): the calling thread's own slot, found with one
//! thread-local load and one compare, or the slot an [`EpochReader`] claimed. Because the owner
//! is the only writer, its own word tells it whether it is pinned already, and the guards past
//! the outermost are a plain counter in the slot (`reclaim::sync::OwnerCell`): a nested pin
//! touches nothing else, no fence and no store to the shared word.
//!
//! # Cost
//! Outermost pin: find the slot, load its word (pinned bit clear), load the global epoch, store
//! it with the pinned bit (a plain `mov` on x86), fence P (one locked instruction). Unpin: see
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
#[cfg(feature = "alloc")]
use alloc::boxed::Box;
use core::marker::PhantomData;
use reclaim::SlotsFull;
use reclaim::scheme::bag::Retired;
use reclaim::scheme::slots::{Owned, SlotClaim};
use reclaim::sync::{Ordering, fence};

/// A pinned read-side section of an [`Epoch`] domain; it ends when the guard drops.
///
/// Not `Send`: the pin belongs to the slot of the thread (or registered reader) that made it.
/// Guards nest freely and may drop in any order; only the last one unpins.
///
/// ```
/// # #[cfg(feature = "std")] {
/// let domain = gracepoint_epoch::Epoch::new();
/// let outer = domain.pin();
/// let inner = domain.pin();
/// drop(outer);
/// assert!(domain.is_pinned());
/// drop(inner);
/// assert!(!domain.is_pinned());
/// # }
/// ```
///
/// A guard cannot move to another thread:
/// ```compile_fail
/// fn send<T: Send>(_: T) {}
/// let domain = gracepoint_epoch::Epoch::new();
/// send(domain.pin());
/// ```
#[must_use = "the section ends as soon as the guard drops"]
pub struct EpochGuard<'a, const N: usize = 0> {
    domain: &'a Epoch<N>,
    owner: Owned<'a, EpochSlot>,
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
/// static DOMAIN: gracepoint_epoch::Epoch<2> = gracepoint_epoch::Epoch::new_fixed();
/// let reader = DOMAIN.register().unwrap();
/// let guard = reader.pin();
/// drop(guard);
/// DOMAIN.synchronize_with(&mut gracepoint_epoch::Spin);
/// ```
///
/// Two threads cannot share one reader:
/// ```compile_fail
/// fn share<T: Sync>(_: T) {}
/// let domain = gracepoint_epoch::Epoch::new();
/// share(domain.register().unwrap());
/// ```
pub struct EpochReader<'a, const N: usize = 0> {
    domain: &'a Epoch<N>,
    pub(crate) claim: SlotClaim<'a, EpochSlot, N>,
    _not_sync: PhantomData<core::cell::Cell<()>>,
}

impl<const N: usize> core::fmt::Debug for EpochGuard<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let word = self.owner.state().word.load(Ordering::Relaxed);
        f.debug_struct("EpochGuard")
            .field("epoch", &(word / crate::STEP))
            .finish()
    }
}

impl<const N: usize> core::fmt::Debug for EpochReader<'_, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EpochReader")
            .field("slot", &self.claim.index())
            .finish()
    }
}

/// Read-side sections: pins on the calling thread's own slot (with `std`), and registered
/// readers with a slot of their own.
///
/// ```
/// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
/// let reader = domain.register().unwrap(); // no slot lookup when pinning
/// drop(reader.pin());
/// # #[cfg(feature = "std")] {
/// {
///     let _guard = domain.pin();
///     assert!(domain.is_pinned());
/// }
/// assert!(!domain.is_pinned());
/// # }
/// ```
impl<const N: usize> Epoch<N> {
    /// Pins the domain on the calling thread's own slot: a read-side section that ends when the
    /// guard drops. Objects retired after this call are not freed before then.
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::new();
    /// let guard = domain.enter();
    /// drop(guard);
    /// ```
    #[cfg(feature = "std")]
    #[inline]
    pub fn enter(&self) -> EpochGuard<'_, N> {
        match self.core.slots().mine() {
            Ok(owner) => self.pin_owned(owner),
            Err(full) => slots_full(full),
        }
    }

    /// The literature's name for [`enter`](Epoch::enter) (crossbeam-epoch's `pin`).
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::new();
    /// drop(domain.pin());
    /// ```
    #[cfg(feature = "std")]
    #[inline]
    pub fn pin(&self) -> EpochGuard<'_, N> {
        self.enter()
    }

    /// True when the calling thread holds a guard on its own slot of this domain.
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::new();
    /// assert!(!domain.is_pinned());
    /// let _guard = domain.pin();
    /// assert!(domain.is_pinned());
    /// ```
    #[cfg(feature = "std")]
    pub fn is_pinned(&self) -> bool {
        self.core
            .slots()
            .mine()
            .is_ok_and(|owner| owner.state().word.load(Ordering::Relaxed) & PINNED != 0)
    }

    /// Takes a slot for one reader, to pin through with no lookup. Fails with [`SlotsFull`]
    /// when a fixed-size domain has no free slot left.
    ///
    /// ```
    /// static DOMAIN: gracepoint_epoch::Epoch<1> = gracepoint_epoch::Epoch::new_fixed();
    /// let reader = DOMAIN.register().unwrap();
    /// # #[cfg(not(feature = "alloc"))]
    /// assert!(DOMAIN.register().is_err());
    /// drop(reader.pin());
    /// ```
    pub fn register(&self) -> Result<EpochReader<'_, N>, SlotsFull> {
        Ok(EpochReader {
            domain: self,
            claim: self.core.slots().claim()?,
            _not_sync: PhantomData,
        })
    }

    /// The pin proper, on a slot the caller owns.
    #[inline(always)]
    fn pin_owned<'a>(&'a self, owner: Owned<'a, EpochSlot>) -> EpochGuard<'a, N> {
        let slot = owner.state();
        // The owner is the only writer of its word, so this load sees its own last store.
        if slot.word.load(Ordering::Relaxed) & PINNED == 0 {
            self.publish_pin(slot);
        } else {
            // SAFETY: `Owned` proves the calling thread owns the slot.
            unsafe { slot.nested.set(slot.nested.get() + 1) };
        }
        reclaim::scheme::debug::enter_section(self.addr());
        EpochGuard {
            domain: self,
            owner,
        }
    }

    /// Stores the global epoch with the pinned bit into the owner's slot, then P.
    #[inline(always)]
    fn publish_pin(&self, slot: &EpochSlot) {
        let global = self.global.load(Ordering::Relaxed);
        // U: Release, like the unpin store: an advance whose scan reads this word (and then
        // runs Q) sees the end of this slot's previous section, even when that section's unpin
        // was overwritten by this pin before the scan. A plain `mov` on x86.
        slot.word.store(global | PINNED, Ordering::Release);
        // P: pairs with A and T (store buffering). Either every later advance's scan sees this
        // pin, or this section's loads see every update made before that advance's A and
        // before T of every tag it serves (crate docs).
        reclaim::mutant!("epoch_no_pin_fence" => (), else fence(Ordering::SeqCst));
    }
}

impl<const N: usize> EpochGuard<'_, N> {
    /// Ends this section and begins a new one at the current epoch, so that a long operation
    /// stops holding back the epoch (and the garbage behind it). References read before the
    /// call must not be used after it. Does nothing while other guards of the same slot are
    /// alive (their sections go on), or when the slot is already at the current epoch.
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// let domain = gracepoint_epoch::Epoch::new();
    /// let mut guard = domain.pin();
    /// for _ in 0..3 {
    ///     // ... a chunk of a long traversal, then:
    ///     assert!(domain.try_advance());
    ///     guard.repin();
    /// }
    /// drop(guard);
    /// # }
    /// ```
    pub fn repin(&mut self) {
        let slot = self.owner.state();
        // SAFETY: the guard carries the proof of ownership, and is not `Send`.
        if unsafe { slot.nested.get() } != 0 {
            return;
        }
        let global = self.domain.global.load(Ordering::Relaxed);
        if slot.word.load(Ordering::Relaxed) == global | PINNED {
            return;
        }
        self.domain.publish_pin(slot);
    }
}

impl<const N: usize> Drop for EpochGuard<'_, N> {
    #[inline]
    fn drop(&mut self) {
        reclaim::scheme::debug::exit_section(self.domain.addr());
        let slot = self.owner.state();
        // SAFETY: the guard carries the proof of ownership, and is not `Send`.
        let nested = unsafe { slot.nested.get() };
        if nested != 0 {
            // SAFETY: as above.
            unsafe { slot.nested.set(nested - 1) };
            // The `epoch_inner_unpin` mutant lets a nested guard unpin the slot under the
            // outer one.
            reclaim::mutant!("epoch_inner_unpin" => slot.word.store(0, Ordering::Release),
                else ());
        } else {
            // U: Release pairs with Q: this section's accesses happen before any advance whose
            // scan sees the slot unpinned.
            slot.word.store(0, Ordering::Release);
            // The outermost section ended: run what a retire left for this moment (an advance
            // attempted while pinned cannot pass this slot's epoch).
            self.domain
                .core
                .on_section_exit(&self.domain.clock(), self.owner);
        }
    }
}

impl<const N: usize> EpochReader<'_, N> {
    /// Pins the domain on this reader's slot; nesting costs a counter.
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
    /// let reader = domain.register().unwrap();
    /// let outer = reader.enter();
    /// let inner = reader.enter();
    /// drop((inner, outer));
    /// ```
    #[inline]
    pub fn enter(&self) -> EpochGuard<'_, N> {
        self.domain.pin_owned(self.claim.owned())
    }

    /// The literature's name for [`enter`](EpochReader::enter).
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
    /// let reader = domain.register().unwrap();
    /// drop(reader.pin());
    /// ```
    #[inline]
    pub fn pin(&self) -> EpochGuard<'_, N> {
        self.enter()
    }

    /// Calls `free(ptr)` once every read section that began before this call has ended, going
    /// through this reader's own bag: no lock, no atomic read-modify-write on the common path,
    /// and no allocator needed.
    ///
    /// Without `alloc`, when every inline sealed bag still waits for its grace period, this
    /// waits for the oldest: do not call it while pinned in this domain then.
    ///
    /// # Safety
    /// `free(ptr)` must be safe to call once, from any thread, after that grace period, and
    /// `ptr` must not be retired again.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// static FREED: AtomicUsize = AtomicUsize::new(0);
    /// unsafe fn count(_: *mut ()) {
    ///     FREED.fetch_add(1, Ordering::Relaxed);
    /// }
    /// static DOMAIN: gracepoint_epoch::Epoch<2> = gracepoint_epoch::Epoch::new_fixed();
    /// let reader = DOMAIN.register().unwrap();
    /// // SAFETY: `count` accepts any pointer.
    /// unsafe { reader.retire_raw(core::ptr::null_mut(), count) };
    /// DOMAIN.barrier();
    /// assert_eq!(FREED.load(Ordering::Relaxed), 1);
    /// ```
    pub unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: the caller promises what `Retired::new` asks.
        let item = unsafe { Retired::new(ptr, free) };
        self.domain
            .core
            .retire(&self.domain.clock(), self.claim.owned(), item);
    }

    /// Drops `boxed` once every read section that began before this call has ended, going
    /// through this reader's own bag.
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::new();
    /// let reader = domain.register().unwrap();
    /// reader.retire(Box::new(7u32));
    /// domain.barrier();
    /// assert_eq!(domain.stats().pending, 0);
    /// ```
    #[cfg(feature = "alloc")]
    pub fn retire<T: Send + 'static>(&self, boxed: Box<T>) {
        self.domain.core.retire(
            &self.domain.clock(),
            self.claim.owned(),
            Retired::from_box(boxed),
        );
    }
}

impl<const N: usize> Drop for EpochReader<'_, N> {
    fn drop(&mut self) {
        let slot = self.claim.owned().state();
        // Only a guard passed to `mem::forget` can still be counted here; no section can
        // outlive the reader it borrows, so the slot is unpinned before the next owner gets it.
        if slot.word.load(Ordering::Relaxed) & PINNED != 0 {
            // SAFETY: the claim owns the slot.
            unsafe { slot.nested.set(0) };
            slot.word.store(0, Ordering::Release);
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
#[cfg(feature = "std")]
fn slots_full(full: SlotsFull) -> ! {
    panic!("epoch: {full}")
}
