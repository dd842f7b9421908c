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
//!    one compare-and-swap) when it is full, when a grace period completed since the bag's first
//!    object arrived, or at once when the domain is *quiet*: nothing stepped its clock for
//!    `QUIET_MICROS` (a program that retires once a minute frees once a minute; retire-heavy
//!    threads, which step often, keep batching).
//! 3. After a seal, the clock is stepped every `STEP_EVERY` seals of the thread
//!    (`STEP_EVERY_HEAVY` when a step costs a `membarrier`), so that retire-heavy threads batch
//!    many bags into one grace period; at once when the domain is quiet and nothing else waits;
//!    and, while more than `PRESSURE_OBJECTS` objects wait, on every seal (every
//!    `STEP_EVERY` seals on a heavy clock), even inside a section, giving the CPU away every
//!    `YIELD_EVERY` seals (a preempted reader may be waiting for it).
//! 4. When the frontier moved since the last collection, a collection runs (a try-lock: a thread
//!    that finds another collecting goes on). It takes the sealed bags whose tag expired off the
//!    queue, releases the lock, and frees them, counted in `freeing` until the last destructor
//!    returns; and, once per frontier move, it *sweeps*: every local bag that held objects and
//!    did not move since the previous sweep is taken and sealed by the sweeper. So every object
//!    is freed within a bounded number of grace periods while any thread keeps retiring or
//!    waiting, whether or not its own bag ever fills, and a thread that exits leaves nothing
//!    behind: its bag lives in the domain's slot, not in the thread.
//!
//! A thread inside a read section of the domain on its own slot leaves the collection, and the
//! step unless under pressure, to the end of its section (every scheme's guard on an owned slot
//! calls [`Core::on_section_exit`] when the outermost section ends): a step taken inside a section cannot end the grace period that
//! section holds back, and a collection freeing thousands of objects inside it makes every
//! other thread's objects wait for it, so that the next collection is larger still (at 2 threads
//! on the retire-bound stack, 50k-500k objects waited where 200-1200 do now). For the same
//! reason the frees run after the lock is released: a step waits for collection to catch up.
//!
//! # `barrier`
//! Takes every slot's bag (other live threads' too, which crossbeam-epoch and seize cannot do),
//! waits for bags that owners or other takers are sealing right now, then takes the collection
//! lock, waits until the latest tag in the queue expired and until the frees other collections
//! started before it got the lock are over, and frees the queue.
//!
//! # Destructors and callbacks
//! They run on whichever thread collects, possibly inside that thread's own read section of the
//! domain; that is safe for memory (the objects' grace periods are over), and only a destructor
//! that *waits* on its own domain is a mistake: `barrier` from inside one panics (it would wait
//! for the collection that runs it), and `synchronize` inside one deadlocks when the collecting
//! thread was inside a section, which the schemes' debug builds report. A panicking destructor
//! does not break the domain: every other object is still freed exactly once, the collection
//! lock is released, and the first panic is resumed.

mod collect;
mod front;
mod stalls;

use super::bag::{LocalBag, Retired, Taken};
use super::clock::Clock;
use super::sealed::{Reserved, Sealed};
use super::slots::{Deferred, Owned, Slots};
use super::watch::Watch;
use crate::stall::Pending;
use crate::sync::{AtomicU64, AtomicUsize};
use crate::wait::Event;

/// A thread steps the clock on every this-many bags it seals (see the module docs and the
/// figures in `docs/reclaim.md`).
const STEP_EVERY: u32 = 2;

/// The same, for clocks whose steps cost a `membarrier` ([`Clock::heavy_steps`]): about 512
/// retires per thread share one grace period.
#[doc(hidden)]
pub const STEP_EVERY_HEAVY: u32 = 512 / super::bag::LOCAL_CAPACITY as u32;

/// A domain whose retire path has not stepped the clock for this long counts as quiet: a
/// retire then seals and steps at once instead of batching (see the module docs).
#[cfg(all(feature = "std", not(loom)))]
const QUIET_MICROS: u64 = 1000;

/// `last_step` of a domain whose retire path never stepped its clock: it counts as quiet.
#[cfg(all(feature = "std", not(loom)))]
const NEVER_STEPPED: u64 = u64::MAX;

/// Microseconds since the first call in this process, from the monotonic clock: a cheap,
/// comparable timestamp for the quiet and idle checks.
#[cfg(all(feature = "std", not(loom)))]
pub fn now_micros() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_micros() as u64
}

/// Under pressure, a thread gives its CPU away once every this-many seals (see the module docs):
/// about every 128 retires.
const YIELD_EVERY: u32 = 128_u32.div_ceil(super::bag::LOCAL_CAPACITY as u32);

/// Above this many objects waiting in sealed bags, every seal steps the clock (every
/// `STEP_EVERY` seals on a heavy clock), inside a section too.
#[doc(hidden)]
pub const PRESSURE_OBJECTS: usize = 8192;

/// What every domain shares (see the module docs): the scheme's clock, the reader slots, the
/// sealed bags, and the state of collection, waiting and stalls. A scheme's domain type is a
/// `Core` over its [`Clock`], plus its read side.
///
/// ```
/// use gracepoint_reclaim::scheme::{Core, InstantClock, bag::Retired};
/// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
/// let owner = core.slots().mine().unwrap();
/// core.retire(owner, Retired::from_box(Box::new(42)));
/// core.barrier_with(&mut gracepoint_reclaim::wait::Spin);
/// assert_eq!(core.pending().objects, 0);
/// ```
pub struct Core<C: Clock, const N: usize> {
    clock: C,
    slots: Slots<C::Slot, N>,
    sealed: Sealed<C::Tag>,
    event: Event,
    /// Bags being sealed by threads other than their owners (sweeps, barriers).
    thieves: AtomicUsize,
    /// Collections freeing bags they took off the queue (after releasing the lock).
    freeing: AtomicUsize,
    /// The frontier (as bits) at the last collection, and at the last sweep.
    last_collect: AtomicU64,
    last_sweep: AtomicU64,
    /// When the retire path last stepped the clock (microseconds, see `now_micros`).
    #[cfg(all(feature = "std", not(loom)))]
    last_step: AtomicU64,
    /// The domain's limit on what may wait, and the waiting side's record of a stall.
    watch: Watch,
}

impl<C: Clock, const N: usize> core::fmt::Debug for Core<C, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Core")
            .field("slots", &self.slots.len())
            .field("pending", &self.pending())
            .finish_non_exhaustive()
    }
}

/// Building a core, the retire path, and the hook a scheme calls when a read section ends.
///
/// Every retired object is freed exactly once:
/// ```
/// use gracepoint_reclaim::scheme::{Core, InstantClock, bag::Retired};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// static FREED: AtomicUsize = AtomicUsize::new(0);
/// struct Counted;
/// impl Drop for Counted {
///     fn drop(&mut self) {
///         FREED.fetch_add(1, Ordering::Relaxed);
///     }
/// }
///
/// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
/// for _ in 0..20 {
///     core.retire(core.slots().mine().unwrap(), Retired::from_box(Box::new(Counted)));
/// }
/// core.retire_unowned(Retired::from_box(Box::new(Counted)));
/// core.barrier_with(&mut gracepoint_reclaim::wait::Spin);
/// assert_eq!(FREED.load(Ordering::Relaxed), 21);
/// assert_eq!(core.pending().objects, 0);
/// ```
impl<C: Clock, const N: usize> Core<C, N> {
    crate::const_fn_unless_loom! {
        /// An empty core with `N` inline slots, over `clock`.
        ///
        /// ```
        /// use gracepoint_reclaim::scheme::{Core, InstantClock};
        /// static CORE: Core<InstantClock, 4> = Core::new(InstantClock::new());
        /// assert_eq!(CORE.pending().objects, 0);
        /// ```
        pub fn new(clock: C) -> Self {
            Self {
                clock,
                slots: Slots::new(),
                sealed: Sealed::new(),
                event: Event::new(),
                thieves: AtomicUsize::new(0),
                freeing: AtomicUsize::new(0),
                last_collect: AtomicU64::new(0),
                last_sweep: AtomicU64::new(0),
                #[cfg(all(feature = "std", not(loom)))]
                last_step: AtomicU64::new(NEVER_STEPPED),
                watch: Watch::new(),
            }
        }
    }

    /// The scheme's clock.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// use gracepoint_reclaim::scheme::Clock;
    /// assert_eq!(core.clock().completed(), 0);
    /// ```
    #[inline(always)]
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The reader slots.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// assert!(core.slots().is_empty());
    /// ```
    #[inline(always)]
    pub fn slots(&self) -> &Slots<C::Slot, N> {
        &self.slots
    }

    /// The event notified whenever a grace period completes; waits park on it.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// core.event().notify_all();
    /// ```
    #[inline(always)]
    pub fn event(&self) -> &Event {
        &self.event
    }

    /// The domain's identity for the debug-build misuse checks.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// assert_eq!(core.addr(), &core as *const _ as usize);
    /// ```
    #[inline(always)]
    pub fn addr(&self) -> usize {
        self as *const Self as usize
    }

    /// Objects and bytes retired and not yet freed, in local and sealed bags.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{Core, InstantClock};
    /// let core: Core<InstantClock, 0> = Core::new(InstantClock::new());
    /// assert_eq!(core.pending().objects, 0);
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
        owner.set_sealing(true);
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
            super::debug::assert_outside(
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
        // Under pressure a light clock steps on every seal and a heavy one as often as a light
        // one does otherwise.
        let every = match (self.clock.heavy_steps(), pressure) {
            (false, true) => 1,
            (true, false) => STEP_EVERY_HEAVY,
            _ => STEP_EVERY,
        };
        // Inside its own read section the caller holds back the grace periods it would wait
        // for, so whatever runs long here (a collection freeing thousands of objects) makes
        // every other thread's garbage wait too, and the next collection longer: at 2 threads
        // on the retire-bound stack that feedback kept 50k-500k objects waiting. So collection
        // always waits for the section's end, and a step does too unless under pressure.
        let inside = owner.filter(|owner| owner.in_section());
        if seals.is_multiple_of(every) || (before == 0 && self.quiet()) {
            match inside {
                Some(owner) if !pressure => owner.defer_to_exit(Deferred::STEP),
                Some(_) => self.step(false),
                None => self.step(true),
            }
        }
        match inside {
            Some(owner) => owner.defer_to_exit(Deferred::COLLECT),
            None => self.collect_if_moved(),
        }
        self.enforce_limit(owner);
        if pressure && seals.is_multiple_of(YIELD_EVERY) {
            // A reader preempted inside its section may be waiting for this CPU: give it away
            // now and then. Measured with bags of 8: on every seal it cost the Treiber stack
            // 3-4x its throughput at 4 threads on 2 cores; never, a third more peak memory on
            // the 4-thread map.
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
            self.step(true);
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
    pub(super) fn step(&self, may_collect: bool) {
        if !self.collected_at_frontier() {
            if may_collect {
                self.collect();
            }
            if !self.collected_at_frontier() {
                return;
            }
        }
        self.step_clock();
        #[cfg(all(feature = "std", not(loom)))]
        self.last_step
            .store(now_micros(), crate::sync::Ordering::Relaxed);
    }

    /// Steps the clock, and wakes the waiters parked on the event when the frontier moved:
    /// clocks do not know the event.
    pub(crate) fn step_clock(&self) {
        let before = C::bits(self.clock.frontier());
        self.clock.step(&self.slots);
        self.notify_if_moved(before);
    }

    /// Steps the clock toward `tag`, wakes waiters if the frontier moved, and says whether
    /// `tag` has passed.
    pub(crate) fn step_toward(&self, tag: C::Tag) -> bool {
        let before = C::bits(self.clock.frontier());
        let passed = self.clock.step_toward(&self.slots, tag);
        self.notify_if_moved(before);
        passed
    }

    #[inline]
    fn notify_if_moved(&self, before: u64) {
        if C::bits(self.clock.frontier()) != before {
            self.event.notify_all();
        }
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

impl<C: Clock, const N: usize> Drop for Core<C, N> {
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
