//! [`Core`]: what every domain shares, written once. The reader slots (each with its local bag
//! of retired objects), the sealed bags, and the one retire path, collection, `barrier` and
//! wait that SRCU, GUS and epochs all use through their [`Clock`].
//!
//! # Invariant
//! **Every retired object is freed exactly once, and only after the scheme's clock says the tag
//! of its bag expired, where that tag was read after the object's retire happened.** An object
//! lives in exactly one place at a time: its slot's local bag, a taker's hands (a [`Taken`]
//! batch, announced by the owner's `sealing` flag or the `thieves` count), a sealed bag in
//! `incoming`, the queue, or a collector's expired list; the domain's `Drop` frees whatever is
//! left, since no reader can remain.
//!
//! # The retire path
//! 1. The object goes into the caller's slot's [`LocalBag`]: plain stores, no lock, no atomic
//!    read-modify-write.
//! 2. The bag is sealed (taken out, tagged with [`Clock::tag`], pushed onto the sealed stack with
//!    one compare-and-swap) when it is full, when nothing else in the domain is waiting (a lone
//!    retire is not batched, so a program that retires once a minute frees once a minute), or
//!    when a grace period completed since the bag's first object arrived.
//! 3. After a seal, the clock is stepped when the sealed bag is the only garbage, or every
//!    [`STEP_EVERY`] seals of the thread (so that retire-heavy threads batch many bags into one
//!    grace period: one `membarrier` round per many retires in the asymmetric flavors), or on
//!    every seal while more than [`PRESSURE_OBJECTS`] objects wait.
//! 4. When the frontier moved since the last collection, a collection runs (a try-lock: a thread
//!    that finds another collecting goes on). It frees the sealed bags whose tag expired and,
//!    once per frontier move, *sweeps*: every local bag that held objects and did not move
//!    since the previous sweep is taken and sealed by the sweeper. So every object is freed
//!    within a bounded number of grace periods while any thread keeps retiring or waiting,
//!    whether or not its own bag ever fills, and a thread that exits leaves nothing behind: its
//!    bag lives in the domain's slot, not in the thread.
//!
//! # `barrier`
//! Takes every slot's bag (other live threads' too, which crossbeam-epoch and seize cannot do),
//! waits for bags that owners or other takers are sealing right now, then takes the collection
//! lock, waits until the latest tag in the queue expired, and frees the queue.
//!
//! # Destructors and callbacks
//! They run on whichever thread collects, possibly inside that thread's own read section of the
//! domain; that is safe for memory (the objects' grace periods are over), and only a destructor
//! that *waits* on its own domain is a mistake: `barrier` from inside one panics (it would wait
//! for the collection that runs it), and `synchronize` inside one deadlocks when the collecting
//! thread was inside a section, which the schemes' debug builds report. A panicking destructor
//! does not break the domain: every other object is still freed exactly once, the collection
//! lock is released, and the first panic is resumed.

use super::bag::{LocalBag, Retired, Taken};
use super::clock::Clock;
use super::sealed::{Reserved, Sealed};
use super::slots::{Owned, Slot, SlotState, Slots};
use crate::sync::{AtomicU64, AtomicUsize, Ordering};
use crate::wait::{Event, WaitStrategy, wait_until};

/// A thread steps the clock on every this-many bags it seals (see the module docs).
pub const STEP_EVERY: u32 = 4;

/// Above this many objects waiting in sealed bags, every seal steps the clock.
pub const PRESSURE_OBJECTS: usize = 8192;

/// Objects and bytes retired and not yet freed.
///
/// ```
/// let pending = reclaim::scheme::Pending { objects: 3, bytes: 96 };
/// assert_eq!(pending.objects, 3);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    /// Objects (and callbacks) retired and not yet freed (or run).
    pub objects: usize,
    /// Their total size, counting only objects whose size is known (boxes).
    pub bytes: usize,
}

/// What every domain shares (see the module docs). A scheme's domain type holds one, plus its
/// clock's state, and implements [`Clock`] on a view of itself.
pub struct Core<S: SlotState, T: Copy, const N: usize> {
    slots: Slots<S, N>,
    sealed: Sealed<T>,
    event: Event,
    /// Bags being sealed by threads other than their owners (sweeps, barriers).
    thieves: AtomicUsize,
    /// The frontier (as bits) at the last collection, and at the last sweep.
    last_collect: AtomicU64,
    last_sweep: AtomicU64,
}

impl<S: SlotState, T: Copy, const N: usize> core::fmt::Debug for Core<S, T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Core")
            .field("slots", &self.slots.len())
            .field("pending", &self.pending())
            .finish_non_exhaustive()
    }
}

impl<S: SlotState, T: Copy, const N: usize> Default for Core<S, T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: SlotState, T: Copy, const N: usize> Core<S, T, N> {
    crate::const_fn_unless_loom! {
        /// An empty core with `N` inline slots.
        ///
        /// ```
        /// # use reclaim::scheme::{Core, slots::SlotState};
        /// # struct S(reclaim::sync::AtomicU64);
        /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
        /// static CORE: Core<S, u64, 4> = Core::new();
        /// assert_eq!(CORE.pending().objects, 0);
        /// ```
        pub fn new() -> Self {
            Self {
                slots: Slots::new(),
                sealed: Sealed::new(),
                event: Event::new(),
                thieves: AtomicUsize::new(0),
                last_collect: AtomicU64::new(0),
                last_sweep: AtomicU64::new(0),
            }
        }
    }

    /// The reader slots.
    ///
    /// ```
    /// # use reclaim::scheme::{Core, slots::SlotState};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let core: Core<S, u64, 0> = Core::new();
    /// assert!(core.slots().is_empty());
    /// ```
    #[inline(always)]
    pub fn slots(&self) -> &Slots<S, N> {
        &self.slots
    }

    /// The event notified whenever a grace period completes; waits park on it.
    ///
    /// ```
    /// # use reclaim::scheme::{Core, slots::SlotState};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let core: Core<S, u64, 0> = Core::new();
    /// core.event().notify_all();
    /// ```
    #[inline(always)]
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// The domain's identity for the debug-build misuse checks.
    ///
    /// ```
    /// # use reclaim::scheme::{Core, slots::SlotState};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let core: Core<S, u64, 0> = Core::new();
    /// assert_eq!(core.addr(), &core as *const _ as usize);
    /// ```
    #[inline(always)]
    pub fn addr(&self) -> usize {
        self as *const Self as usize
    }

    /// Objects and bytes retired and not yet freed, in local and sealed bags.
    ///
    /// ```
    /// # use reclaim::scheme::{Core, slots::SlotState};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let core: Core<S, u64, 0> = Core::new();
    /// assert_eq!(core.pending(), reclaim::scheme::Pending::default());
    /// ```
    pub fn pending(&self) -> Pending {
        let (objects, bytes) = self.sealed.pending();
        let local = self
            .slots
            .iter()
            .map(|slot| slot.bag().len())
            .sum::<usize>();
        Pending {
            objects: objects + local,
            bytes,
        }
    }

    /// Retires `item` into the calling reader's own slot (see the module docs for what follows).
    ///
    /// ```
    /// # use reclaim::scheme::{Clock, Core, slots::SlotState, bag::Retired};
    /// # use reclaim::__doc::InstantClock;
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let clock = InstantClock::default();
    /// let core: Core<S, u64, 0> = Core::new();
    /// core.retire(&clock, core.slots().mine().unwrap(), Retired::from_box(Box::new(1)));
    /// core.barrier(&clock, &mut reclaim::wait::Spin);
    /// assert_eq!(core.pending().objects, 0);
    /// ```
    #[inline]
    pub fn retire<C: Clock<Tag = T>>(&self, clock: &C, owner: Owned<'_, S>, item: Retired) {
        let bag = owner.slot().bag();
        let was_empty = bag.is_empty();
        // SAFETY: `Owned` proves the caller owns the slot, so it is the bag's only filler.
        match unsafe { bag.push(item) } {
            Ok(()) => {
                let frontier = C::bits(clock.frontier());
                if was_empty {
                    owner.set_birth(frontier);
                    if self.sealed.pending().0 == 0 {
                        // Nothing else waits: don't make this object wait for company.
                        self.seal_own(clock, owner);
                    }
                } else if frontier != owner.birth() {
                    // A grace period ended since the bag's first object came: seal now rather
                    // than make that object wait for the bag to fill.
                    self.seal_own(clock, owner);
                }
            }
            Err(item) => {
                let sealed = self.seal_taken(clock, owner);
                // The bag is empty now (the owner took it, or a thief did). The object goes in
                // before the seal's step and collection run destructors: one that panics would
                // otherwise unwind past the object in hand and lose it.
                self.retire(clock, owner, item);
                if let Some((before, seals)) = sealed {
                    self.after_seal(clock, before, seals);
                }
            }
        }
    }

    /// Retires `item` without an owned slot (a `no_std` caller without a registered reader):
    /// it is sealed at once, in a bag of its own.
    ///
    /// ```
    /// # use reclaim::scheme::{Core, slots::SlotState, bag::Retired};
    /// # use reclaim::__doc::InstantClock;
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let clock = InstantClock::default();
    /// let core: Core<S, u64, 2> = Core::new();
    /// core.retire_unowned(&clock, Retired::from_box(Box::new(1)));
    /// core.barrier(&clock, &mut reclaim::wait::Spin);
    /// ```
    pub fn retire_unowned<C: Clock<Tag = T>>(&self, clock: &C, item: Retired) {
        let mut reserved = self.reserve(clock);
        let _ = reserved.items().push(item);
        let before = self.publish(clock, reserved);
        self.after_seal(clock, before, 0);
    }

    /// Takes the owner's bag, seals it, and hands it over.
    #[inline(never)]
    fn seal_own<C: Clock<Tag = T>>(&self, clock: &C, owner: Owned<'_, S>) {
        if let Some((before, seals)) = self.seal_taken(clock, owner) {
            self.after_seal(clock, before, seals);
        }
    }

    /// Takes the owner's bag and seals it, without the step and collection that follow; returns
    /// what [`after_seal`](Core::after_seal) needs, or `None` when the bag was empty.
    fn seal_taken<C: Clock<Tag = T>>(
        &self,
        clock: &C,
        owner: Owned<'_, S>,
    ) -> Option<(usize, u32)> {
        let mut reserved = self.reserve(clock);
        owner.set_sealing(true);
        if owner.slot().bag().take(reserved.items()) == 0 {
            owner.set_sealing(false);
            self.sealed.unreserve(reserved);
            return None;
        }
        let before = self.publish(clock, reserved);
        owner.set_sealing(false);
        Some((before, owner.count_seal()))
    }

    /// An empty bag to seal into; without `alloc`, waits for a pooled one when all are taken.
    fn reserve<C: Clock<Tag = T>>(&self, clock: &C) -> Reserved<T> {
        loop {
            if let Some(reserved) = self.sealed.reserve() {
                return reserved;
            }
            super::debug::assert_outside(
                self.addr(),
                C::SCHEME,
                "retire (every inline bag waits for a grace period, so it must wait)",
            );
            self.collect_waiting(clock, &mut crate::wait::default_strategy());
        }
    }

    /// Tags a filled bag and publishes it. The tag is read here, after the take that filled
    /// the bag: every object's retire, and whatever its caller unlinked before, happens before
    /// this point (by program order for the owner, through the bag's Release/Acquire pair for
    /// anyone else), and `Clock::tag` begins with the scheme's write-side fence.
    fn publish<C: Clock<Tag = T>>(&self, clock: &C, reserved: Reserved<T>) -> usize {
        let tag = clock.tag();
        let before = self.sealed.publish(reserved, tag);
        clock.request(tag);
        before
    }

    /// Steps the clock when this seal calls for it, then collects if the frontier moved.
    fn after_seal<C: Clock<Tag = T>>(&self, clock: &C, before: usize, seals: u32) {
        if before == 0 || seals % STEP_EVERY == 0 || before > PRESSURE_OBJECTS {
            clock.step();
        }
        self.collect_if_moved(clock);
        if before > PRESSURE_OBJECTS {
            // Too much waits (typically a reader was preempted inside its section): give this
            // CPU away once, so that such a reader can finish. Never waits for a grace period:
            // the caller may be inside a section that the oldest one waits for.
            #[cfg(all(feature = "std", not(loom)))]
            std::thread::yield_now();
        }
    }

    /// Collects when the frontier moved since the last collection. Cheap otherwise: one load of
    /// the clock and one of the domain.
    ///
    /// ```
    /// # use reclaim::scheme::{Core, slots::SlotState};
    /// # use reclaim::__doc::InstantClock;
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let core: Core<S, u64, 0> = Core::new();
    /// core.collect_if_moved(&InstantClock::default());
    /// ```
    #[inline]
    pub fn collect_if_moved<C: Clock<Tag = T>>(&self, clock: &C) {
        if C::bits(clock.frontier()) != self.last_collect.load(Ordering::Relaxed) {
            self.collect(clock);
        }
    }

    /// Frees every sealed bag whose tag expired, and sweeps idle local bags once per frontier
    /// move. Never waits: when another thread is collecting, returns 0 at once. Returns how many
    /// objects it freed.
    ///
    /// ```
    /// # use reclaim::scheme::{Clock, Core, slots::SlotState, bag::Retired};
    /// # use reclaim::__doc::InstantClock;
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let clock = InstantClock::default();
    /// let core: Core<S, u64, 0> = Core::new();
    /// core.retire_unowned(&clock, Retired::from_box(Box::new(1)));
    /// clock.step();
    /// core.collect(&clock);
    /// assert_eq!(core.pending().objects, 0);
    /// ```
    pub fn collect<C: Clock<Tag = T>>(&self, clock: &C) -> usize {
        let Some(_lock) = self.try_lock() else {
            return 0;
        };
        // SAFETY: the lock is held.
        unsafe { self.collect_locked(clock) }
    }

    /// # Safety
    /// The caller holds the collection lock.
    unsafe fn collect_locked<C: Clock<Tag = T>>(&self, clock: &C) -> usize {
        let frontier = clock.frontier();
        let bits = C::bits(frontier);
        self.last_collect.store(bits, Ordering::Relaxed);
        if bits != self.last_sweep.load(Ordering::Relaxed) {
            self.last_sweep.store(bits, Ordering::Relaxed);
            self.sweep(clock);
        }
        // SAFETY: the caller holds the lock.
        unsafe { self.sealed.drain_incoming() };
        // SAFETY: as above.
        let expired = unsafe { self.sealed.pop_expired(|tag| C::le(tag, frontier)) };
        // SAFETY: `frontier` says these tags expired (the clock's contract).
        unsafe { self.sealed.free(expired) }
    }

    /// Takes and seals every local bag that stayed idle since the previous sweep.
    fn sweep<C: Clock<Tag = T>>(&self, clock: &C) {
        for slot in self.slots.iter() {
            if slot.bag().idle_since_last_sweep() {
                self.steal(clock, slot);
            }
        }
    }

    /// Takes `slot`'s bag as a non-owner, seals it and hands it over.
    fn steal<C: Clock<Tag = T>>(&self, clock: &C, slot: &Slot<S>) {
        if slot.bag().is_empty() {
            return;
        }
        let Some(mut reserved) = self.sealed.reserve() else {
            // Without `alloc` and with every pooled bag waiting: leave it for later rather than
            // wait here (a sweep may run with the collection lock held).
            return;
        };
        // Announced before the take (its AcqRel compare-and-swap carries this to a barrier
        // whose take sees the bag emptied), withdrawn after the hand-over.
        self.thieves.fetch_add(1, Ordering::Relaxed);
        if slot.bag().take(reserved.items()) == 0 {
            self.sealed.unreserve(reserved);
        } else {
            self.publish(clock, reserved);
        }
        // Release pairs with the Acquire load in `barrier`: the hand-over happens before.
        self.thieves.fetch_sub(1, Ordering::Release);
    }

    /// Waits until everything retired before this call, on every thread, has been freed.
    ///
    /// # Panics
    /// When called from a destructor or callback that this domain's collection is running on
    /// this thread: it would wait for itself.
    ///
    /// ```
    /// # use reclaim::scheme::{Core, slots::SlotState, bag::Retired};
    /// # use reclaim::__doc::InstantClock;
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let clock = InstantClock::default();
    /// let core: Core<S, u64, 0> = Core::new();
    /// core.retire(&clock, core.slots().mine().unwrap(), Retired::from_box(Box::new(1)));
    /// core.barrier(&clock, &mut reclaim::wait::Spin);
    /// assert_eq!(core.pending().objects, 0);
    /// ```
    #[track_caller]
    pub fn barrier<C: Clock<Tag = T>>(&self, clock: &C, strategy: &mut impl WaitStrategy) {
        assert!(
            !cfg!(feature = "std") || self.sealed.holder() != lock_mark(),
            "{}: `barrier` called from a destructor or callback that this domain is running; \
             it would wait for itself. Retire from there instead, or call `barrier` later",
            C::SCHEME
        );
        // Every slot's bag, other live threads' included, and bags their owners are sealing.
        for slot in self.slots.iter() {
            self.steal(clock, slot);
            while slot.sealing() {
                crate::sync::spin_hint();
            }
        }
        // Bags other takers are sealing (Acquire pairs with their Release decrement).
        while self.thieves.load(Ordering::Acquire) != 0 {
            crate::sync::spin_hint();
        }
        self.collect_waiting(clock, strategy);
    }

    /// Takes the collection lock (waiting for it), waits until every bag queued by then has
    /// expired, and frees them.
    fn collect_waiting<C: Clock<Tag = T>>(&self, clock: &C, strategy: &mut impl WaitStrategy) {
        let mut lock = None;
        wait_until(&self.event, strategy, || {
            lock = self.try_lock();
            lock.is_some()
        });
        // SAFETY: the lock is held.
        unsafe { self.sealed.drain_incoming() };
        // SAFETY: as above.
        if let Some(latest) = unsafe { self.sealed.latest_tag(C::le) } {
            clock.request(latest);
            self.wait_for(clock, latest, strategy);
        }
        // SAFETY: as above.
        unsafe { self.collect_locked(clock) };
        drop(lock);
    }

    /// Waits until `tag` has expired, stepping the clock between pauses.
    ///
    /// ```
    /// # use reclaim::scheme::{Clock, Core, slots::SlotState};
    /// # use reclaim::__doc::InstantClock;
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let clock = InstantClock::default();
    /// let core: Core<S, u64, 0> = Core::new();
    /// let tag = clock.tag();
    /// core.wait_for(&clock, tag, &mut reclaim::wait::Spin);
    /// assert!(InstantClock::le(tag, clock.frontier()));
    /// ```
    pub fn wait_for<C: Clock<Tag = T>>(&self, clock: &C, tag: T, strategy: &mut impl WaitStrategy) {
        wait_until(&self.event, strategy, || {
            if C::le(tag, clock.frontier()) {
                return true;
            }
            clock.step();
            C::le(tag, clock.frontier())
        });
    }

    fn try_lock(&self) -> Option<LockGuard<'_, T>> {
        // `then`, not `then_some`: a guard built for a failed attempt would release, as it
        // drops, the lock another collector holds.
        self.sealed
            .try_lock(lock_mark())
            .then(|| LockGuard(&self.sealed))
    }
}

impl<S: SlotState, T: Copy, const N: usize> Drop for Core<S, T, N> {
    fn drop(&mut self) {
        for slot in self.slots.iter() {
            // SAFETY: `&mut self`: no reader remains, so every grace period is over.
            unsafe { free_bag(slot.bag()) };
        }
        // SAFETY: as above.
        unsafe { self.sealed.free_everything() };
    }
}

/// # Safety
/// No reader remains and nobody else touches the bag.
unsafe fn free_bag(bag: &LocalBag) {
    let mut taken = Taken::new();
    bag.take(&mut taken);
    // SAFETY: as the caller promised.
    unsafe { taken.free_all() };
}

/// Releases the collection lock, also when a destructor unwinds.
struct LockGuard<'a, T: Copy>(&'a Sealed<T>);

impl<T: Copy> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard exists only while its holder has the lock.
        unsafe { self.0.unlock() };
    }
}

/// What a collector writes into the lock: its thread id plus one with `std`, so that `barrier`
/// can tell it is being called from its own collection; 1 otherwise.
fn lock_mark() -> usize {
    #[cfg(feature = "std")]
    return super::thread::current() + 1;
    #[cfg(not(feature = "std"))]
    return 1;
}
