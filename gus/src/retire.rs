//! Deferred frees and callbacks: `retire`, `call`, `retire_raw`, `collect`, `barrier`, through
//! the shared retire path of `reclaim`, with GUS's clocks as its clock.
//!
//! Retired objects go into the retiring thread's own slot (no lock, no read-modify-write); a
//! full bag is sealed with the goal of one advance and freed once that goal has passed. The
//! shared core decides when to seal, step and collect, and how much may wait: GUS only says
//! what a tag is and how to move toward one.
//!
//! | the core asks | GUS answers |
//! |---|---|
//! | a tag for what was just unlinked | the goal of an [`advance`](Gus::advance) (which starts with fence A) |
//! | that a tag's grace period will run | remember the newest such goal |
//! | the frontier | the read clock, loaded with acquire ordering (R) |
//! | a step | a poll toward the remembered goal: it moves the clock to goals ahead of it (deferred, lazy) and scans |
//!
//! # Tags and the wrap
//! Bag tags are compared with the read clock by wrapping arithmetic, so a bag must be collected
//! before the read clock runs half the sequence space past its tag, or it would look young
//! again. Every retire that seals, every wait, `synchronize` and `barrier` collects (the
//! core's steps are followed by a collection, and a wait collects once its goal passed), so
//! only a run of non-blocking polls alone could get that far: 2^62 advances with 64-bit clocks,
//! about 5 000 in the `--cfg reclaim_near_wrap` test configuration. The goal the core asked
//! for is forgotten by the raise that passes it, so it never goes stale.

use crate::domain::Gus;
use crate::goal::{Goal, IDLE};
#[cfg(feature = "alloc")]
use alloc::boxed::Box;
use reclaim::scheme::Clock;
use reclaim::scheme::bag::Retired;
use reclaim::scheme::seq::Sequence;
use reclaim::sync::Ordering;

/// GUS's clocks, as the shared retire path sees them.
pub(crate) struct GusClock<'a, const N: usize>(&'a Gus<N>);

// SAFETY: a tag is the goal of an advance made after the objects were unlinked, and the
// frontier is the read clock, which a scan raises (with release) only past goals whose every
// earlier section has ended, after acquiring their ends (the poll module's argument); the
// frontier is loaded with acquire.
unsafe impl<const N: usize> Clock for GusClock<'_, N> {
    type Tag = Goal;
    const SCHEME: &'static str = "gus";

    #[inline]
    fn tag(&self) -> Goal {
        self.0.advance()
    }

    #[inline]
    fn request(&self, goal: Goal) {
        self.0.request(goal);
    }

    #[inline]
    fn frontier(&self) -> Goal {
        // R, as an acquire load: pairs with the release compare-and-swap that raised it.
        Goal(self.0.rd.seq.load(Ordering::Acquire))
    }

    fn step(&self) {
        self.0.step();
    }

    #[inline]
    fn le(a: Goal, b: Goal) -> bool {
        a.le(b.0)
    }

    #[inline]
    #[allow(clippy::useless_conversion)]
    fn bits(tag: Goal) -> u64 {
        u64::from(tag.0)
    }

    /// A lazy poll issues a `membarrier`: step that much less often.
    fn heavy_steps(&self) -> bool {
        self.0.lazy_active()
    }

    /// Guards call `on_section_exit` when the outermost one drops.
    fn defers_to_exit(&self) -> bool {
        true
    }

    /// Every live slot holds back the goals after its value. Exact: a live value is a reader
    /// inside a section.
    fn blockers(&self, blocker: &mut dyn FnMut(usize)) -> reclaim::stall::Attribution {
        for (index, slot) in self.0.core.slots().iter().enumerate() {
            if slot.state().seq.load(Ordering::Relaxed) != IDLE {
                blocker(index);
            }
        }
        reclaim::stall::Attribution::Exact
    }
}

impl<const N: usize> Gus<N> {
    #[inline(always)]
    pub(crate) fn clock(&self) -> GusClock<'_, N> {
        GusClock(self)
    }

    /// Remembers `goal` as one the retire path waits for, if it is newer than the one
    /// remembered (a hint for stepping; what protects readers is A, E and P).
    fn request(&self, goal: Goal) {
        let wanted = &self.writer.wanted;
        let mut current = wanted.load(Ordering::Relaxed);
        while current == IDLE || goal.0.seq_gt(current) {
            match wanted.compare_exchange_weak(
                current,
                goal.0,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => current = now,
            }
        }
    }

    /// Collects when the read clock moved since the last collection: one load of each.
    #[inline]
    pub(crate) fn collect_if_moved(&self) {
        self.core.collect_if_moved(&self.clock());
    }

    /// Drops `boxed` once every section that began before this call has ended.
    ///
    /// Never waits for a grace period, so it may be called inside a read section; the object
    /// is freed by a later retire, wait, `synchronize`, `collect` or `barrier` on any thread.
    ///
    /// ```
    /// let gus = gracepoint_gus::Gus::new();
    /// let section = gus.enter();
    /// gus.retire(Box::new(String::from("unlinked")));
    /// drop(section);
    /// gus.barrier();
    /// assert_eq!(gus.stats().pending, 0);
    /// ```
    #[cfg(feature = "alloc")]
    #[track_caller]
    pub fn retire<T: Send + 'static>(&self, boxed: Box<T>) {
        self.retire_item(Retired::from_box(boxed));
    }

    /// Runs `callback` once every section that began before this call has ended (or when the
    /// domain drops, whichever is first), on whichever thread frees its bag.
    ///
    /// Callbacks run inline on the collecting thread, which may be inside a read section of
    /// this domain at that moment: a callback must not wait for this domain
    /// ([`synchronize`](Gus::synchronize) would deadlock there, and [`barrier`](Gus::barrier)
    /// panics, saying so). It may retire and `call` more.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// static RAN: AtomicBool = AtomicBool::new(false);
    /// let gus = gracepoint_gus::Gus::new();
    /// gus.call(|| RAN.store(true, Ordering::Relaxed));
    /// gus.barrier();
    /// assert!(RAN.load(Ordering::Relaxed));
    /// ```
    #[cfg(feature = "alloc")]
    #[track_caller]
    pub fn call<F: FnOnce() + Send + 'static>(&self, callback: F) {
        unsafe fn run<F: FnOnce()>(ptr: *mut ()) {
            // SAFETY: `ptr` is the box leaked below, and each retired item is freed once.
            let callback = unsafe { Box::from_raw(ptr.cast::<F>()) };
            callback();
        }
        let ptr = Box::into_raw(Box::new(callback)).cast::<()>();
        // SAFETY: `run::<F>` consumes exactly that box, and `F: Send`.
        unsafe { self.retire_raw(ptr, run::<F>) }
    }

    /// Calls `free(ptr)` once every section that began before this call has ended.
    ///
    /// Needs no allocator. Without `alloc`, when every inline bag waits for its goal, this
    /// waits for the oldest (so it must not then be called inside a read section of this
    /// domain; debug builds check).
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
    /// static DOMAIN: gracepoint_gus::Gus<2> = gracepoint_gus::Gus::fixed();
    /// // SAFETY: `count` accepts any pointer.
    /// unsafe { DOMAIN.retire_raw(core::ptr::null_mut(), count) };
    /// DOMAIN.barrier();
    /// assert_eq!(FREED.load(Ordering::Relaxed), 1);
    /// ```
    #[track_caller]
    pub unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: the caller promises what `Retired::new` asks.
        self.retire_item(unsafe { Retired::new(ptr, free) });
    }

    #[track_caller]
    fn retire_item(&self, item: Retired) {
        #[cfg(feature = "std")]
        if let Ok(owner) = self.core.slots().mine() {
            self.core.retire(&self.clock(), owner, item);
            return;
        }
        self.core.retire_unowned(&self.clock(), item);
    }

    /// Frees what has expired without waiting, and sweeps idle threads' bags; returns how many
    /// objects it freed. Retires and waits do this on their own; call it to free
    /// sooner.
    ///
    /// ```
    /// let gus = gracepoint_gus::Gus::new();
    /// gus.retire(Box::new(1));
    /// gus.synchronize();
    /// gus.collect();
    /// assert_eq!(gus.stats().pending, 0);
    /// ```
    pub fn collect(&self) -> usize {
        self.core.collect(&self.clock())
    }

    /// Waits until every object retired (and every callback queued) before this call, on any
    /// thread, has been freed (or run), other live threads' unsealed bags included.
    ///
    /// # Panics
    /// In debug builds, when called inside a read section of this domain (it would deadlock);
    /// always, when called from a callback or destructor this domain is running.
    ///
    /// ```
    /// let gus = gracepoint_gus::Gus::new();
    /// gus.retire(Box::new([0u8; 64]));
    /// gus.barrier();
    /// assert_eq!(gus.stats().pending, 0);
    /// ```
    #[track_caller]
    pub fn barrier(&self) {
        reclaim::scheme::debug::assert_outside(self.addr(), "gus", "barrier");
        self.core
            .barrier(&self.clock(), &mut reclaim::wait::default_strategy());
    }
}

impl<const N: usize> Gus<N> {
    /// Which readers hold the read clock back, how long the waiting side has seen it stuck, and
    /// how much waits to be freed; `None` when nothing waits. Exact: a live slot is a reader
    /// inside a section.
    ///
    /// ```
    /// let gus = gracepoint_gus::Gus::<2>::fixed();
    /// assert!(gus.stall_report().is_none());
    /// ```
    #[cfg(feature = "alloc")]
    pub fn stall_report(&self) -> Option<reclaim::stall::StallReport> {
        self.core.stall_report(&self.clock())
    }

    /// Calls `callback` with a stall report when a grace period has waited longer than
    /// `threshold`: at most once per grace period, from whichever thread waits or collects.
    ///
    /// ```
    /// let gus = gracepoint_gus::Gus::new();
    /// gus.on_stall(std::time::Duration::from_secs(1), |report| eprintln!("{report}"));
    /// ```
    #[cfg(feature = "std")]
    pub fn on_stall(
        &self,
        threshold: core::time::Duration,
        callback: impl Fn(&reclaim::stall::StallReport) + Send + Sync + 'static,
    ) {
        self.core.on_stall(threshold, callback);
    }

    /// Caps what may wait to be freed, with a policy for when the cap is passed (see
    /// [`reclaim::stall::Limit`]).
    ///
    /// ```
    /// use reclaim::stall::{Limit, Policy};
    /// let gus = gracepoint_gus::Gus::<2>::fixed();
    /// gus.set_limit(Limit::objects(10_000).with_policy(Policy::Block));
    /// ```
    pub fn set_limit(&self, limit: reclaim::stall::Limit) {
        self.core.set_limit(limit);
    }

    /// Installs the hook that [`Policy::Hook`](reclaim::stall::Policy::Hook) calls.
    ///
    /// ```
    /// let gus = gracepoint_gus::Gus::new();
    /// gus.on_limit(|pending| eprintln!("{} objects wait", pending.objects));
    /// ```
    #[cfg(feature = "alloc")]
    pub fn on_limit(&self, hook: impl Fn(reclaim::scheme::Pending) + Send + Sync + 'static) {
        self.core.on_limit(hook);
    }

    /// One round of the work a [`reclaim::BackgroundReclaimer`] does: takes idle threads' bags,
    /// moves the clocks along and frees what expired, without waiting.
    ///
    /// ```
    /// let gus = gracepoint_gus::Gus::<2>::fixed();
    /// while gus.reclaim_step().objects > 0 {}
    /// ```
    pub fn reclaim_step(&self) -> reclaim::scheme::Pending {
        self.core.tick(&self.clock())
    }
}

#[cfg(feature = "std")]
reclaim::monitor_by_inherent_methods!(Gus);
