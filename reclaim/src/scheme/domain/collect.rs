//! Collection: freeing sealed bags whose grace period ended, sweeping idle bags, `barrier`,
//! waits, and the background round. See the parent module for the policy.

use super::Core;
use crate::scheme::clock::{Clock, Urgency};
use crate::scheme::sealed::{Expired, Sealed};
use crate::scheme::slots::Slot;
use crate::stall::Pending;
use crate::sync::Ordering;
use crate::wait::{WaitStrategy, wait_until};

/// Collection: freeing what expired without waiting, background rounds, `barrier`, and
/// waiting for a tag.
impl<C: Clock, const N: usize> Core<C, N> {
    /// Collects when the frontier moved since the last collection. Cheap otherwise: one load of
    /// the clock and one of the domain.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.collect_if_moved();
    /// ```
    #[inline]
    pub fn collect_if_moved(&self) {
        if C::bits(self.clock.frontier()) != self.last_collect.load(Ordering::Relaxed) {
            self.collect();
        }
    }

    /// Frees every sealed bag whose tag expired, and sweeps idle local bags once per frontier
    /// move. Never waits: when another thread is collecting, returns 0 at once. Returns how many
    /// objects it freed. The lock covers only taking the expired bags off the queue; the frees
    /// run after it is released, so that other threads collect and step meanwhile.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.retire_item(gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1)));
    /// core.synchronize();
    /// core.collect();
    /// assert_eq!(core.pending().objects, 0);
    /// ```
    pub fn collect(&self) -> usize {
        let _here = self.collecting();
        let Some(lock) = self.try_lock() else {
            return 0;
        };
        // SAFETY: the lock is held.
        let expired = unsafe { self.take_expired() };
        self.free_unlocked(lock, expired)
    }

    /// Frees `expired` after releasing the collection lock, so that other threads collect, and
    /// step the clock (which waits for collection to catch up, see `Core::step`), while the
    /// destructors run. Holding the lock through the frees made grace periods as slow as the
    /// frees (docs/reclaim.md). The frees are counted in `freeing`, which `barrier` waits for.
    fn free_unlocked(&self, lock: LockGuard<'_, C::Tag>, expired: Expired<C::Tag>) -> usize {
        if expired.is_empty() {
            return 0;
        }
        // Counted under the lock: a later holder (a barrier) sees the count through the lock's
        // Release/Acquire pair.
        self.freeing.fetch_add(1, Ordering::Relaxed);
        drop(lock);
        /// Withdraws the count, also when a destructor unwinds, and wakes a parked barrier.
        struct Freed<'a>(&'a crate::sync::AtomicUsize, &'a crate::wait::Event);
        impl Drop for Freed<'_> {
            fn drop(&mut self) {
                // core-D: Release pairs with core-B in `collect_waiting`: the frees happen before the
                // barrier that sees the count drop returns.
                if self.0.fetch_sub(1, Ordering::Release) == 1 {
                    self.1.notify_all();
                }
            }
        }
        let _freed = Freed(&self.freeing, &self.event);
        // SAFETY: `take_expired` popped only bags whose tags expired (the clock's contract).
        unsafe { self.sealed.free(expired) }
    }

    /// Moves incoming bags into the queue, sweeps once per frontier move, and pops the bags
    /// whose tag expired.
    ///
    /// # Safety
    /// The caller holds the collection lock.
    unsafe fn take_expired(&self) -> Expired<C::Tag> {
        let frontier = self.clock.frontier();
        let bits = C::bits(frontier);
        self.last_collect.store(bits, Ordering::Relaxed);
        if bits != self.last_sweep.load(Ordering::Relaxed) {
            self.last_sweep.store(bits, Ordering::Relaxed);
            self.sweep();
        }
        // SAFETY: the caller holds the lock.
        unsafe { self.sealed.drain_incoming() };
        // SAFETY: as above.
        let expired = unsafe { self.sealed.pop_expired(|tag| C::le(tag, frontier), false) };
        self.observe(false);
        expired
    }

    /// One round of background work (see `gracepoint_reclaim::Background`): takes bags that stayed idle
    /// since the previous round, asks for a grace period covering everything sealed, steps the
    /// clock and frees what expired. Never waits. Returns what still waits.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.retire_item(gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1)));
    /// while core.tick().objects > 0 {}
    /// ```
    pub fn tick(&self) -> Pending {
        self.sweep();
        if self.sealed.pending().0 > 0 {
            let tag = self.clock.tag(&self.slots);
            self.clock.request(tag);
            // The background reclaimer's rounds are what drive the batches when nobody else
            // calls in: a heavy fence here only when one is due.
            self.step_clock(Urgency::Batched);
        }
        self.collect();
        self.pending()
    }

    /// Takes and seals every local bag that stayed idle since the previous sweep.
    pub(super) fn sweep(&self) {
        for slot in self.slots.iter() {
            if slot.bag().idle_since_last_sweep() {
                let _ = self.steal(slot);
            }
        }
    }

    /// Takes `slot`'s bag as a non-owner, seals it and hands it over. False when it had to
    /// leave a non-empty bag behind: without `alloc`, every pooled bag was waiting.
    pub(super) fn steal(&self, slot: &Slot<C::Slot>) -> bool {
        // The `core_early_tag` mutant reads the tag first, before the owner's retires (and the
        // unlinks before them) it is about to take are ordered before it.
        let early_tag =
            crate::mutant!("core_early_tag" => Some(self.clock.tag(&self.slots)), else None);
        if slot.bag().is_empty() {
            // core-E: Acquire pairs with bag-W, the take that emptied the bag (the emptiness
            // check read `head` from it): what that taker announced before its take, the
            // owner's `sealing` flag or a thief's count in `thieves`, is visible to the checks a
            // barrier makes after this, so it waits for the bag in flight instead of returning
            // before its objects are freed. The `core_empty_check_unordered` mutant drops it.
            crate::mutant!("core_empty_check_unordered" => (),
                else crate::sync::fence(Ordering::Acquire));
            return true;
        }
        let Some(mut reserved) = self.sealed.reserve() else {
            // Without `alloc` and with every pooled bag waiting: leave it for later rather than
            // wait here (a sweep may run with the collection lock held); a barrier frees
            // pooled bags and comes back.
            return false;
        };
        // Announced before the take (its AcqRel compare-and-swap carries this to a barrier
        // whose take sees the bag emptied), withdrawn after the hand-over.
        // The `core_thief_announces_late` mutant announces after the take.
        crate::mutant!("core_thief_announces_late" => (),
            else { self.thieves.fetch_add(1, Ordering::Relaxed); });
        let took = slot.bag().take(reserved.items());
        crate::mutant!("core_thief_announces_late" => {
            self.thieves.fetch_add(1, Ordering::Relaxed);
        }, else ());
        if took == 0 {
            self.sealed.unreserve(reserved);
        } else if crate::mutant!("core_free_stolen_untagged" => true, else false) {
            // The mutant frees what it took from another (say, exited) thread at once.
            // SAFETY: none; this is the bug the mutant brings back.
            unsafe { reserved.items().free_all() };
            self.sealed.unreserve(reserved);
        } else {
            let tag = early_tag.unwrap_or_else(|| self.clock.tag(&self.slots));
            self.sealed.publish(reserved, tag);
            self.clock.request(tag);
        }
        // Release pairs with the Acquire load in `barrier`: the hand-over happens before.
        self.thieves.fetch_sub(1, Ordering::Release);
        true
    }

    /// Waits until everything retired before this call, on every thread, has been freed.
    ///
    /// # Panics
    /// When called from a destructor or callback that this domain's collection is running on
    /// this thread: it would wait for itself.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.retire_item(gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1)));
    /// core.barrier_with(&mut gracepoint_reclaim::wait::Spin);
    /// assert_eq!(core.pending().objects, 0);
    /// ```
    #[track_caller]
    pub fn barrier_with(&self, strategy: &mut impl WaitStrategy) {
        self.assert_not_collecting();
        // Every slot's bag, other live threads' included, and bags their owners are sealing.
        for slot in self.slots.iter() {
            // Without `alloc` the pool of sealed bags may be all in use, each waiting for a
            // grace period: free them, then take the bag (the `core_barrier_leaves_bag` mutant
            // leaves it, and the barrier returns before its objects are freed).
            while !self.steal(slot) && crate::mutant!("core_barrier_leaves_bag" => false, else true)
            {
                self.collect_waiting(strategy);
            }
            while crate::mutant!("core_barrier_skips_sealing" => false, else slot.sealing()) {
                crate::sync::spin_hint();
            }
        }
        // Bags other takers are sealing (Acquire pairs with their Release decrement).
        while crate::mutant!("core_barrier_skips_thieves" => false,
            else self.thieves.load(Ordering::Acquire) != 0)
        {
            crate::sync::spin_hint();
        }
        self.collect_waiting(strategy);
    }

    /// Panics when called from a destructor or callback this domain's collection is running on
    /// this thread: a `barrier` there would wait for itself.
    #[track_caller]
    pub(super) fn assert_not_collecting(&self) {
        assert!(
            !self.collecting_here(),
            "{}: `barrier` called from a destructor or callback that this domain is running; \
             it would wait for itself. Retire from there instead, or call `barrier` later",
            C::SCHEME
        );
    }

    /// Takes the collection lock (waiting for it), waits until every bag queued by then has
    /// expired, and frees them.
    pub(super) fn collect_waiting(&self, strategy: &mut impl WaitStrategy) {
        let _here = self.collecting();
        let mut lock = None;
        wait_until(&self.event, strategy, || {
            lock = self.try_lock();
            lock.is_some()
        });
        let Some(lock) = lock else {
            unreachable!("wait_until returned before the lock was taken")
        };
        // SAFETY: the lock is held.
        unsafe { self.sealed.drain_incoming() };
        // SAFETY: as above.
        if let Some(latest) = unsafe { self.sealed.latest_tag(C::le) } {
            self.clock.request(latest);
            self.wait_for(latest, strategy);
        }
        // Bags that other collections took off the queue before this one got the lock may
        // still be being freed; nobody can take more while the lock is held. The wait follows
        // the caller's strategy (a collector preempted mid-free must get a CPU back); the last
        // one to finish notifies the event.
        // core-B: Acquire pairs with core-D: those frees happen before this returns. The
        // `core_barrier_skips_frees` mutant returns while they may still run.
        let wait_for_frees = crate::mutant!("core_barrier_skips_frees" => false, else true);
        if wait_for_frees {
            wait_until(&self.event, strategy, || {
                self.freeing.load(Ordering::Acquire) == 0
            });
        }
        // SAFETY: as above.
        let expired = unsafe { self.take_expired() };
        self.free_unlocked(lock, expired);
    }

    /// Waits until `tag` has expired, stepping the clock between pauses: with the process's
    /// batch of heavy fences, unless `strategy` [expedites](WaitStrategy::expedites).
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// use gracepoint_reclaim::scheme::Clock;
    /// let tag = core.get_state();
    /// core.clock().request(tag);
    /// core.wait_for(tag, &mut gracepoint_reclaim::wait::Spin);
    /// assert!(core.poll(&tag));
    /// ```
    pub fn wait_for(&self, tag: C::Tag, strategy: &mut impl WaitStrategy) {
        let urgency = if strategy.expedites() {
            Urgency::Now
        } else {
            Urgency::Batched
        };
        wait_until(&self.event, strategy, || {
            if C::le(tag, self.clock.frontier()) {
                return true;
            }
            if self.step_toward(tag, urgency) {
                return true;
            }
            self.observe(false);
            false
        });
    }

    fn try_lock(&self) -> Option<LockGuard<'_, C::Tag>> {
        if !self.sealed.try_lock() {
            return None;
        }
        Some(LockGuard {
            sealed: &self.sealed,
        })
    }

    /// Records, until dropped, that this thread frees this domain's objects (for the misuse
    /// checks of `barrier` and the schemes' `synchronize`).
    fn collecting(&self) -> CollectingHere {
        CollectingHere {
            #[cfg(feature = "std")]
            outer: crate::scheme::thread::set_collecting(self.addr()),
        }
    }

    /// True when this thread is freeing this domain's objects right now (so a destructor or
    /// callback is calling in).
    pub(super) fn collecting_here(&self) -> bool {
        #[cfg(feature = "std")]
        return crate::scheme::thread::is_collecting(self.addr());
        #[cfg(not(feature = "std"))]
        return false;
    }
}

/// Releases the collection lock, also when a destructor unwinds.
struct LockGuard<'a, T: Copy> {
    sealed: &'a Sealed<T>,
}

impl<T: Copy> Drop for LockGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard exists only while its holder has the lock.
        unsafe { self.sealed.unlock() };
    }
}

/// Restores (with `std`) this thread's record of which domain it is collecting.
struct CollectingHere {
    #[cfg(feature = "std")]
    outer: usize,
}

impl Drop for CollectingHere {
    fn drop(&mut self) {
        #[cfg(feature = "std")]
        crate::scheme::thread::set_collecting(self.outer);
    }
}
