//! [`Owned`]: proof that the caller owns a slot, and the owner-only parts it reaches.

use super::Slot;
use crate::sync::Ordering;
use core::fmt;
use core::marker::PhantomData;

/// Proof that the caller owns a slot: the way to its owner-only parts. Made only by
/// [`Slots::mine`](super::Slots::mine) (the calling thread's slot) and
/// [`SlotClaim::owned`](super::SlotClaim::owned); not `Send`, because
/// ownership by thread id does not travel.
///
/// ```
/// use gracepoint_reclaim::scheme::slots::{Owned, SlotState, Slots};
/// use gracepoint_reclaim::sync::{AtomicU64, Ordering};
/// # struct Seq(AtomicU64);
/// # impl SlotState for Seq { gracepoint_reclaim::idle_slot!(Seq(AtomicU64::new(0))); }
/// let slots: Slots<Seq, 2> = Slots::new();
/// let claim = slots.claim().unwrap(); // a registered reader's slot
/// let owner: Owned<'_, Seq> = claim.owned();
/// owner.state().0.store(1, Ordering::Relaxed);
/// assert_eq!(slots.shared(claim.index()).unwrap().state().0.load(Ordering::Relaxed), 1);
/// ```
pub struct Owned<'a, S> {
    slot: &'a Slot<S>,
    _not_send: PhantomData<*const ()>,
}

impl<S> Clone for Owned<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Owned<'_, S> {}

impl<S> fmt::Debug for Owned<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Owned").field(self.slot).finish()
    }
}

/// The owned slot and its state. `Owned` is `Copy`: handing it down costs nothing.
///
/// ```
/// use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
/// use gracepoint_reclaim::sync::{AtomicU64, Ordering};
/// # struct Seq(AtomicU64);
/// # impl SlotState for Seq { gracepoint_reclaim::idle_slot!(Seq(AtomicU64::new(0))); }
/// let slots: Slots<Seq, 0> = Slots::new();
/// let owner = slots.mine().unwrap();
/// let copy = owner;
/// copy.state().0.store(4, Ordering::Relaxed);
/// assert_eq!(owner.slot().state().0.load(Ordering::Relaxed), 4);
/// assert!(core::ptr::eq(owner.state(), copy.slot().state()));
/// ```
impl<'a, S> Owned<'a, S> {
    /// # Safety
    /// The caller owns `slot` for `'a`.
    #[inline(always)]
    pub(crate) unsafe fn new(slot: &'a Slot<S>) -> Self {
        Self {
            slot,
            _not_send: PhantomData,
        }
    }

    /// The owned slot's reader state.
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 0> = Slots::new();
    /// let _state: &S = slots.mine().unwrap().state();
    /// ```
    #[inline(always)]
    pub fn state(self) -> &'a S {
        &self.slot.state
    }

    /// The owned slot.
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 0> = Slots::new();
    /// assert!(slots.mine().unwrap().slot().bag().is_empty());
    /// ```
    #[inline(always)]
    pub fn slot(self) -> &'a Slot<S> {
        self.slot
    }

    #[inline(always)]
    pub(crate) fn set_sealing(self, on: bool) {
        // Release (when clearing) pairs with the Acquire in `Slot::sealing`: a barrier that
        // sees the flag clear also sees the hand-over that preceded it.
        self.slot.sealing.store(u8::from(on), Ordering::Release);
    }

    #[inline(always)]
    pub(crate) fn birth(self) -> u64 {
        // SAFETY: `Owned` proves ownership.
        unsafe { self.slot.birth.get() }
    }

    #[inline(always)]
    pub(crate) fn set_birth(self, frontier: u64) {
        // SAFETY: `Owned` proves ownership.
        unsafe { self.slot.birth.set(frontier) }
    }

    /// True when the owner is inside a read section through this slot: one owner-only load.
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::Slots;
    /// let slots: Slots<(), 0> = Slots::new();
    /// assert!(!slots.mine().unwrap().in_section());
    /// ```
    #[inline(always)]
    pub fn in_section(self) -> bool {
        // SAFETY: `Owned` proves ownership.
        unsafe { self.slot.depth.get() != 0 }
    }

    /// Counts one more section open on this slot; returns true when it is the outermost (no
    /// section was open before).
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::Slots;
    /// let slots: Slots<(), 0> = Slots::new();
    /// let owner = slots.mine().unwrap();
    /// assert!(owner.open_section());
    /// assert!(!owner.open_section());
    /// assert!(!owner.close_section());
    /// assert!(owner.close_section());
    /// assert!(!owner.in_section());
    /// ```
    #[inline(always)]
    pub fn open_section(self) -> bool {
        // SAFETY: `Owned` proves ownership.
        let depth = unsafe { self.slot.depth.get() };
        // SAFETY: as above.
        unsafe { self.slot.depth.set(depth + 1) };
        depth == 0
    }

    /// Counts one section fewer open on this slot; returns true when none is left open (the
    /// outermost ended).
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::Slots;
    /// let slots: Slots<(), 0> = Slots::new();
    /// let owner = slots.mine().unwrap();
    /// owner.open_section();
    /// assert!(owner.close_section());
    /// ```
    #[inline(always)]
    pub fn close_section(self) -> bool {
        // SAFETY: `Owned` proves ownership.
        let depth = unsafe { self.slot.depth.get() } - 1;
        // SAFETY: as above.
        unsafe { self.slot.depth.set(depth) };
        depth == 0
    }

    /// How many sections the owner holds open on this slot.
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::Slots;
    /// let slots: Slots<(), 0> = Slots::new();
    /// assert_eq!(slots.mine().unwrap().depth(), 0);
    /// ```
    #[inline(always)]
    pub fn depth(self) -> u32 {
        // SAFETY: `Owned` proves ownership.
        unsafe { self.slot.depth.get() }
    }

    /// Forgets every open section (a registered reader dropped while a guard of it was leaked).
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::Slots;
    /// let slots: Slots<(), 0> = Slots::new();
    /// let owner = slots.mine().unwrap();
    /// owner.open_section();
    /// owner.reset_depth();
    /// assert!(!owner.in_section());
    /// ```
    pub fn reset_depth(self) {
        // SAFETY: `Owned` proves ownership.
        unsafe { self.slot.depth.set(0) }
    }

    /// The work left for the end of the owner's read section ([`Deferred`] bits; 0 for none).
    #[inline(always)]
    pub(crate) fn deferred(self) -> u8 {
        // SAFETY: `Owned` proves ownership.
        unsafe { self.slot.deferred.get() }
    }

    /// Leaves `work` ([`Deferred`] bits) for the end of the owner's read section.
    #[inline(always)]
    pub(crate) fn defer_to_exit(self, work: u8) {
        // SAFETY: `Owned` proves ownership.
        let before = unsafe { self.slot.deferred.get() };
        // SAFETY: as above.
        unsafe { self.slot.deferred.set(before | work) }
    }

    /// Takes the work left for the end of the section, leaving none.
    #[inline(always)]
    pub(crate) fn take_deferred(self) -> u8 {
        // SAFETY: `Owned` proves ownership.
        let work = unsafe { self.slot.deferred.get() };
        // SAFETY: as above.
        unsafe { self.slot.deferred.set(0) };
        work
    }

    /// Counts one more sealed bag and returns the new count.
    #[inline(always)]
    pub(crate) fn count_seal(self) -> u32 {
        // SAFETY: `Owned` proves ownership.
        let seals = unsafe { self.slot.seals.get() }.wrapping_add(1);
        // SAFETY: as above.
        unsafe { self.slot.seals.set(seals) };
        seals
    }
}
