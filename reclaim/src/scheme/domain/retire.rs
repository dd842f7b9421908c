//! The retire path: into the owner's bag, sealing, stepping the clock, and the work a seal
//! leaves for the end of the owner's section (see the parent module for the policy).

use super::{Core, PRESSURE_OBJECTS, STEP_EVERY, YIELD_EVERY};
#[cfg(all(feature = "std", not(loom)))]
use super::{NEVER_STEPPED, QUIET_MICROS, now_micros};
use crate::scheme::bag::Retired;
use crate::scheme::clock::{Clock, Urgency};
use crate::scheme::sealed::Reserved;
use crate::scheme::slots::{Deferred, Owned};

/// Retiring, sealing, stepping.
///
/// ```
/// use gracepoint_reclaim::scheme::{Core, InstantClock, bag::Retired};
/// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
/// core.retire(core.slots().mine().unwrap(), Retired::from_box(Box::new(1)));
/// core.retire_unowned(Retired::from_box(Box::new(2)));
/// core.barrier();
/// assert_eq!(core.pending().objects, 0);
/// ```
impl<C: Clock, const N: usize> Core<C, N> {
    /// Retires `item` into the calling reader's own slot (see the module docs for what follows).
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.retire(core.slots().mine().unwrap(), gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1)));
    /// core.barrier();
    /// ```
    #[inline]
    pub fn retire(&self, owner: Owned<'_, C::Slot>, item: Retired) {
        let bag = owner.slot().bag();
        let was_empty = bag.is_empty();
        // SAFETY: `Owned` proves the caller owns the slot, so it is the bag's only filler.
        match unsafe { bag.push(item) } {
            Ok(()) => {
                let frontier = C::bits(self.clock.frontier());
                if was_empty {
                    owner.set_birth(frontier);
                    if self.quiet() {
                        // Grace periods have been quiet for a while: this thread retires
                        // rarely, so its object is sealed alone instead of waiting for company.
                        self.seal_own(owner);
                    }
                } else if frontier != owner.birth() {
                    // A grace period ended since the bag's first object came: seal now rather
                    // than make that object wait for the bag to fill.
                    self.seal_own(owner);
                }
            }
            Err(item) => {
                // Hand the full bag over first, push the object, and only then run what may
                // free objects (whose destructors may panic): the object is never in limbo.
                let sealed = self.hand_over_own(owner);
                // SAFETY: as above. The bag is empty now (the owner took it, or a thief did),
                // and only the owner fills it, so the push finds room.
                let pushed = unsafe { bag.push(item) };
                debug_assert!(pushed.is_ok(), "an emptied bag refused an object");
                owner.set_birth(C::bits(self.clock.frontier()));
                if let Some(before) = sealed {
                    self.after_seal(before, owner.count_seal(), Some(owner));
                }
            }
        }
    }

    /// Retires `item` without an owned slot (a `no_std` caller without a registered reader):
    /// it is sealed at once, in a bag of its own.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.retire_unowned(gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1)));
    /// core.barrier();
    /// ```
    pub fn retire_unowned(&self, item: Retired) {
        let mut reserved = self.reserve();
        let _ = reserved.items().push(item);
        let before = self.publish(reserved);
        self.after_seal(before, 0, None);
    }

    /// Takes the owner's bag, seals it, and hands it over.
    #[inline(never)]
    pub(super) fn seal_own(&self, owner: Owned<'_, C::Slot>) {
        if let Some(before) = self.hand_over_own(owner) {
            self.after_seal(before, owner.count_seal(), Some(owner));
        }
    }

    /// Takes the owner's bag and publishes it sealed; returns the objects pending before, or
    /// `None` when a thief had already emptied the bag.
    pub(super) fn hand_over_own(&self, owner: Owned<'_, C::Slot>) -> Option<usize> {
        let mut reserved = self.reserve();
        crate::mutant!("core_owner_skips_sealing_flag" => (), else owner.set_sealing(true));
        if owner.slot().bag().take(reserved.items()) == 0 {
            owner.set_sealing(false);
            self.sealed.unreserve(reserved);
            return None;
        }
        let before = self.publish(reserved);
        owner.set_sealing(false);
        Some(before)
    }

    /// An empty bag to seal into; without `alloc`, waits for a pooled one when all are taken.
    pub(super) fn reserve(&self) -> Reserved<C::Tag> {
        loop {
            if let Some(reserved) = self.sealed.reserve() {
                return reserved;
            }
            crate::scheme::debug::assert_outside(
                self.addr(),
                C::SCHEME,
                "retire (every inline bag waits for a grace period, so it must wait)",
            );
            self.collect_waiting(&mut crate::wait::default_strategy());
        }
    }

    /// Tags a filled bag and publishes it. The tag is read here, after the take that filled
    /// the bag: every object's retire, and whatever its caller unlinked before, happens before
    /// this point (by program order for the owner, through the bag's Release/Acquire pair for
    /// anyone else), and `Clock::tag` begins with the scheme's write-side fence.
    pub(super) fn publish(&self, reserved: Reserved<C::Tag>) -> usize {
        let tag = self.clock.tag(&self.slots);
        let before = self.sealed.publish(reserved, tag);
        self.clock.request(tag);
        before
    }

    /// Steps the clock when this seal calls for it, then collects if the frontier moved. When
    /// the sealing thread is inside a read section of this domain on its own slot (whose end
    /// runs [`on_section_exit`](Core::on_section_exit)), the collection, and the step unless
    /// under pressure, wait for that exit instead (see the module docs).
    pub(super) fn after_seal(&self, before: usize, seals: u32, owner: Option<Owned<'_, C::Slot>>) {
        let pressure = before > PRESSURE_OBJECTS;
        // Under pressure the clock steps on every seal, and a heavy fence is issued at once;
        // otherwise every few seals, and a clock that needs heavy fences waits for the
        // process's next batch of them (`heavy`), so that one serves every retiring thread.
        let (every, urgency) = if pressure {
            (1, Urgency::Now)
        } else {
            (STEP_EVERY, Urgency::Batched)
        };
        // Inside its own read section the caller holds back the grace periods it would wait
        // for, so whatever runs long here (a collection freeing thousands of objects) makes
        // every other thread's garbage wait too, and the next collection longer (a feedback
        // loop, docs/reclaim.md). So collection always waits for the section's end, and a step
        // does too unless under pressure.
        let inside = owner.filter(|owner| owner.in_section());
        if seals.is_multiple_of(every) || (before == 0 && self.quiet()) {
            match inside {
                Some(owner) if !pressure => owner.defer_to_exit(Deferred::STEP),
                Some(_) => self.step(false, urgency),
                None => self.step(true, urgency),
            }
        }
        match inside {
            Some(owner) => owner.defer_to_exit(Deferred::COLLECT),
            None => self.collect_if_moved(),
        }
        self.enforce_limit(owner);
        if pressure && seals.is_multiple_of(YIELD_EVERY) {
            // A reader preempted inside its section may be waiting for this CPU: give it away
            // now and then, not on every seal (docs/reclaim.md has what each cost).
            #[cfg(all(feature = "std", not(loom)))]
            std::thread::yield_now();
        }
    }

    /// Runs the work a seal deferred to the end of the owner's read section, if any: a scheme
    /// calls this when a section on an owned slot ends. One owner-only load when there is none.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// let owner = core.slots().mine().unwrap();
    /// owner.open_section();
    /// owner.close_section();
    /// core.on_section_exit(owner);
    /// ```
    #[inline(always)]
    pub fn on_section_exit(&self, owner: Owned<'_, C::Slot>) {
        if owner.deferred() != 0 {
            self.run_deferred(owner);
        }
    }

    #[cold]
    #[inline(never)]
    fn run_deferred(&self, owner: Owned<'_, C::Slot>) {
        // A section that ends while its thread unwinds leaves the work for a later exit: a
        // destructor that panicked here would abort the process.
        #[cfg(all(feature = "std", not(loom)))]
        if std::thread::panicking() {
            return;
        }
        if owner.take_deferred() & Deferred::STEP != 0 {
            self.step(true, Urgency::Batched);
        }
        self.collect_if_moved();
    }

    /// Steps the clock from the retire path, and notes when (with `std`), unless collection
    /// fell behind the clock: when the frontier moved since the last collection and another
    /// thread holds the collection lock (freeing a long list, say), the step is skipped. So the
    /// clock runs at most a step per thread ahead of the collections, and a sealed bag cannot be
    /// lapped: tags compare by wrapping arithmetic ([`Clock::le`]), so a bag must be collected
    /// before the frontier runs half the sequence space past its tag. (GUS's test configuration
    /// with a space of 10 000 advances lapped bags this way when a stall ended under pressure.)
    pub(super) fn step(&self, may_collect: bool, urgency: Urgency) {
        if !self.collected_at_frontier() {
            if may_collect {
                self.collect();
            }
            if !crate::mutant!("core_step_while_collection_lags" => true,
                else self.collected_at_frontier())
            {
                return;
            }
        }
        self.step_clock(urgency);
        #[cfg(all(feature = "std", not(loom)))]
        self.last_step
            .store(now_micros(), crate::sync::Ordering::Relaxed);
    }

    /// Steps the clock, and wakes the waiters parked on the event when the frontier moved:
    /// clocks do not know the event.
    pub(crate) fn step_clock(&self, urgency: Urgency) {
        if self.clock.step(&self.slots, urgency) {
            self.event.notify_all();
        }
    }

    /// Steps the clock toward `tag`, wakes waiters if the frontier moved, and says whether
    /// `tag` has passed.
    pub(crate) fn step_toward(&self, tag: C::Tag, urgency: Urgency) -> bool {
        let toward = self.clock.step_toward(&self.slots, tag, urgency);
        if toward.moved {
            self.event.notify_all();
        }
        toward.passed
    }

    /// True when a collection started at the clock's current frontier.
    #[inline]
    fn collected_at_frontier(&self) -> bool {
        C::bits(self.clock.frontier()) == self.last_collect.load(crate::sync::Ordering::Relaxed)
    }

    /// True when the retire path has not stepped the clock for `QUIET_MICROS`: the domain's
    /// writers retire rarely, so batching would only delay frees. Without `std` there is no
    /// clock to tell, and batching always applies (a registered reader or `barrier` flushes).
    #[inline]
    fn quiet(&self) -> bool {
        #[cfg(all(feature = "std", not(loom)))]
        let quiet = {
            let last = self.last_step.load(crate::sync::Ordering::Relaxed);
            last == NEVER_STEPPED || now_micros().wrapping_sub(last) > QUIET_MICROS
        };
        #[cfg(not(all(feature = "std", not(loom))))]
        let quiet = self.sealed.pending().0 == 0;
        quiet
    }
}
