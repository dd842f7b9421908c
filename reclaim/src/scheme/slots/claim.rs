//! Explicit slot ownership: [`SlotClaim`], the `no_std` way to own a slot (and a way to give
//! one reader its own slot under `std`).

use super::{Owned, Slot, SlotState, Slots};
#[cfg(not(feature = "std"))]
use crate::sync::Ordering;
use core::fmt;
use core::marker::PhantomData;

/// A slot taken with [`Slots::claim`]; it is handed back when this drops.
///
/// `Send` (a claim may move to another thread between uses) but not `Sync`: one thread at a
/// time uses the slot it owns.
///
/// ```compile_fail
/// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
/// # struct S(gracepoint_reclaim::sync::AtomicU64);
/// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
/// fn shared<T: Sync>(_: &T) {}
/// let slots: Slots<S, 2> = Slots::new();
/// shared(&slots.claim().unwrap());
/// ```
pub struct SlotClaim<'a, S: SlotState, const N: usize> {
    pub(super) slots: &'a Slots<S, N>,
    pub(super) slot: &'a Slot<S>,
    pub(super) index: usize,
    /// Not `Sync`: two threads sharing `&SlotClaim` would both write owner-only state.
    pub(super) _not_sync: PhantomData<core::cell::Cell<()>>,
}

// SAFETY: moving the claim moves the ownership of its slot; the next user sees the previous
// one's writes through whatever synchronization moved the claim.
unsafe impl<S: SlotState, const N: usize> Send for SlotClaim<'_, S, N> {}

impl<S: SlotState, const N: usize> fmt::Debug for SlotClaim<'_, S, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlotClaim")
            .field("index", &self.index)
            .finish()
    }
}

impl<'a, S: SlotState, const N: usize> SlotClaim<'a, S, N> {
    /// The claimed slot's index.
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 2> = Slots::new();
    /// let claim = slots.claim().unwrap();
    /// assert!(claim.index() < slots.len());
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Ownership of the claimed slot, for as long as the claim is borrowed.
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # use gracepoint_reclaim::sync::Ordering;
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 2> = Slots::new();
    /// let claim = slots.claim().unwrap();
    /// claim.owned().state().0.store(3, Ordering::Relaxed);
    /// ```
    #[inline(always)]
    pub fn owned(&self) -> Owned<'_, S> {
        // SAFETY: the claim owns its slot, and `&self` keeps it (`!Sync`, so one thread).
        unsafe { Owned::new(self.slot) }
    }
}

impl<S: SlotState, const N: usize> Drop for SlotClaim<'_, S, N> {
    fn drop(&mut self) {
        let _ = self.slots;
        #[cfg(feature = "std")]
        // SAFETY: the claim took this id in `claim` and is done with it.
        unsafe {
            crate::scheme::thread::release(self.index)
        };
        #[cfg(not(feature = "std"))]
        // Release pairs with the Acquire of the next claimer's compare-and-swap: the next
        // owner sees this owner's last writes to the slot.
        self.slot.claimed.store(false, Ordering::Release);
    }
}

/// The slot one read section runs on, owned for the section's length: the calling thread's own
/// slot with `std`, or, without it (no thread identity to find a slot by), a slot claimed for
/// the section and handed back when the section ends. From [`Slots::for_section`].
///
/// ```
/// # use gracepoint_reclaim::scheme::slots::Slots;
/// let slots: Slots<(), 2> = Slots::new();
/// let section = slots.for_section().unwrap();
/// assert!(section.owned().open_section());
/// assert!(section.owned().close_section());
/// ```
pub enum SectionSlot<'a, S: SlotState, const N: usize> {
    /// The calling thread's own slot, or a registered reader's.
    Owned(Owned<'a, S>),
    /// A slot claimed for this section alone (no `std`; with it, the enum has one variant and
    /// costs nothing to match).
    #[cfg(not(feature = "std"))]
    Claimed(SlotClaim<'a, S, N>),
}

impl<S: SlotState, const N: usize> SectionSlot<'_, S, N> {
    /// Ownership of the section's slot.
    #[inline(always)]
    pub fn owned(&self) -> Owned<'_, S> {
        match self {
            SectionSlot::Owned(owned) => *owned,
            #[cfg(not(feature = "std"))]
            SectionSlot::Claimed(claim) => claim.owned(),
        }
    }
}

impl<S: SlotState, const N: usize> Slots<S, N> {
    /// The slot a read section entered without a registered reader runs on: the calling
    /// thread's own (with `std`), or a free slot claimed until the section ends (without it).
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::{SectionSlot, Slots};
    /// let slots: Slots<(), 1> = Slots::new();
    /// let section = slots.for_section().unwrap();
    /// # #[cfg(feature = "std")]
    /// assert!(matches!(section, SectionSlot::Owned(_)));
    /// ```
    #[inline(always)]
    pub fn for_section(&self) -> Result<SectionSlot<'_, S, N>, super::SlotsFull> {
        #[cfg(feature = "std")]
        return self.mine().map(SectionSlot::Owned);
        #[cfg(not(feature = "std"))]
        return self.claim().map(SectionSlot::Claimed);
    }
}
