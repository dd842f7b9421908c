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
//! 3. After a seal, the clock is stepped every `STEP_EVERY` seals of the thread, so that
//!    retire-heavy threads batch many bags into one grace period; at once when the domain is
//!    quiet and nothing else waits; and, while more than `PRESSURE_OBJECTS` objects wait, on
//!    every seal, even inside a section, giving the CPU away every `YIELD_EVERY` seals (a
//!    preempted reader may be waiting for it). A clock whose steps need heavy fences
//!    (`membarrier`) takes them from the process-wide batch (`heavy`): at most one per
//!    interval for the retire path's steps, at once under pressure and for waiters.
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
//! calls [`Core::on_section_exit`] when the outermost section ends): a step taken inside a
//! section cannot end the grace period that section holds back, and a collection freeing
//! thousands of objects inside it makes every other thread's objects wait for it, so that the
//! next collection is larger still (docs/reclaim.md has the figures). For the same reason the
//! frees run after the lock is released: a step waits for collection to catch up.
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
mod retire;
mod stalls;
#[cfg(all(test, not(feature = "alloc"), not(loom)))]
mod tests;

use super::bag::{LocalBag, Taken};
use super::clock::Clock;
use super::sealed::Sealed;
use super::slots::Slots;
use super::watch::Watch;
use crate::stall::Pending;
#[cfg(all(feature = "std", not(loom)))]
use crate::sync::AtomicU64;
use crate::sync::{AtomicBits, AtomicUsize};
use crate::wait::Event;

/// A thread steps the clock on every this-many bags it seals (see the module docs and the
/// figures in `docs/reclaim.md`).
const STEP_EVERY: u32 = 2;

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

/// Above this many objects waiting in sealed bags, every seal steps the clock, inside a section
/// too, and asks for its heavy fence now rather than with the batch.
///
/// Under Miri, which runs a thousand times slower, the threshold is 128 objects (four bags), so
/// that the tests that cross it (twice over) reach the pressure path in a few hundred retires.
#[doc(hidden)]
pub const PRESSURE_OBJECTS: usize = if cfg!(miri) { 128 } else { 8192 };

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
    last_collect: AtomicBits,
    last_sweep: AtomicBits,
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
                last_collect: AtomicBits::new(0),
                last_sweep: AtomicBits::new(0),
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
