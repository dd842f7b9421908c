//! Deferred frees and callbacks: `retire`, `call`, `retire_raw`, `barrier`, through the shared
//! retire path of [`reclaim::scheme::Core`], with SRCU's grace-period sequence as its clock.
//!
//! Retired objects go into the retiring thread's own slot (no lock, no read-modify-write); full
//! bags are tagged with a [`Cookie`] and freed once its grace period is complete. Grace periods
//! are requested for every sealed bag but stepped only now and then, so many bags share one
//! grace period: in the Fast flavor that is one round of `membarrier`s per many retires. See
//! `reclaim::scheme::domain` for the policy and its bounds.

use crate::Srcu;
use crate::gp::{Cookie, GpSeq};
#[cfg(feature = "alloc")]
use alloc::boxed::Box;
use reclaim::scheme::Clock;
use reclaim::scheme::bag::Retired;
use reclaim::scheme::seq::Sequence;

/// SRCU's grace-period sequence, as the shared retire path sees it.
pub(crate) struct SrcuClock<'a, const N: usize>(&'a Srcu<N>);

// SAFETY: a cookie from `tag` is `get_state`'s, which a grace period serves only after every
// section that began before the call has ended; `frontier` is an Acquire load of the sequence,
// which a driver publishes with Release after the scans that prove it.
unsafe impl<const N: usize> Clock for SrcuClock<'_, N> {
    type Tag = Cookie;
    const SCHEME: &'static str = "srcu";

    #[inline]
    fn tag(&self) -> Cookie {
        self.0.get_state()
    }

    #[inline]
    fn request(&self, tag: Cookie) {
        self.0.request(tag);
    }

    #[inline]
    fn frontier(&self) -> Cookie {
        let seq: GpSeq = self.0.gp.current();
        seq.as_cookie()
    }

    fn step(&self) {
        self.0.try_advance();
    }

    #[inline]
    fn le(a: Cookie, b: Cookie) -> bool {
        a.0.seq_le(b.0)
    }

    #[inline]
    fn bits(tag: Cookie) -> u64 {
        tag.0
    }

    fn heavy_steps(&self) -> bool {
        self.0.flavor() == crate::Flavor::Fast
    }

    fn defers_to_exit(&self) -> bool {
        self.0.owned_slots()
    }

    fn blockers(&self, blocker: &mut dyn FnMut(usize)) -> reclaim::stall::Attribution {
        for (index, slot) in self.0.core.slots().iter().enumerate() {
            let state = slot.state();
            let count = |c: &[reclaim::sync::AtomicU64; 2]| {
                c[0].load(reclaim::sync::Ordering::Relaxed)
                    .wrapping_add(c[1].load(reclaim::sync::Ordering::Relaxed))
            };
            let open = count(&state.locks).wrapping_sub(count(&state.unlocks)) as i64;
            if open > 0 {
                blocker(index);
            }
        }
        if !self.0.owned_slots() {
            reclaim::stall::Attribution::Approximate(
                "per-CPU slots are shared by every thread that ran on that CPU: a listed slot is \
                 where a reader was when its section began, not who it is",
            )
        } else if self
            .0
            .readers
            .tokens_used
            .load(reclaim::sync::Ordering::Relaxed)
        {
            reclaim::stall::Attribution::Approximate(
                "a section held through a ReadToken that ended on another thread stays counted \
                 on the slot where it began",
            )
        } else {
            reclaim::stall::Attribution::Exact
        }
    }

    fn slots_name_threads(&self) -> bool {
        self.0.owned_slots()
    }
}

/// Retiring objects and queueing callbacks, freeing them, and the stall and limit controls.
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// static FREED: AtomicUsize = AtomicUsize::new(0);
/// struct Node;
/// impl Drop for Node {
///     fn drop(&mut self) {
///         FREED.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// let domain = gracepoint_srcu::Srcu::new();
/// let guard = domain.enter();
/// domain.retire(Box::new(Node));
/// domain.call(|| drop(Node));
/// assert_eq!(FREED.load(Ordering::Relaxed), 0); // the section holds both back
/// drop(guard);
/// domain.barrier();
/// assert_eq!(FREED.load(Ordering::Relaxed), 2);
/// ```
impl<const N: usize> Srcu<N> {
    #[inline(always)]
    pub(crate) fn clock(&self) -> SrcuClock<'_, N> {
        SrcuClock(self)
    }

    /// Drops `boxed` once every read section that began before this call has ended.
    ///
    /// Never waits for a grace period (so it may be called inside a read section); the object
    /// is freed by a later `retire`, `synchronize` or `barrier` on any thread.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// let guard = domain.enter();
    /// domain.retire(Box::new(vec![1, 2, 3]));
    /// drop(guard);
    /// domain.barrier();
    /// ```
    #[cfg(feature = "alloc")]
    pub fn retire<T: Send + 'static>(&self, boxed: Box<T>) {
        self.retire_item(Retired::from_box(boxed));
    }

    /// Runs `callback` once every read section that began before this call has ended (or when
    /// the domain drops, whichever is first), on whichever thread frees its bag.
    ///
    /// Callbacks run inline on the collecting thread, which may be inside a read section of
    /// this domain at that moment: a callback must not wait for this domain
    /// ([`synchronize`](Srcu::synchronize) would deadlock there, and [`barrier`](Srcu::barrier)
    /// panics, saying so). It may retire and `call` more.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// static RAN: AtomicBool = AtomicBool::new(false);
    /// let domain = gracepoint_srcu::Srcu::new();
    /// domain.call(|| RAN.store(true, Ordering::Relaxed));
    /// domain.barrier();
    /// assert!(RAN.load(Ordering::Relaxed));
    /// ```
    #[cfg(feature = "alloc")]
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

    /// Calls `free(ptr)` once every read section that began before this call has ended.
    ///
    /// Needs no allocator. Without `alloc`, when every inline bag waits for its grace period,
    /// this waits for the oldest (so it must not then be called inside a read section of this
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
    /// static DOMAIN: gracepoint_srcu::Srcu<2> = gracepoint_srcu::Srcu::new_fixed();
    /// // SAFETY: `count` accepts any pointer.
    /// unsafe { DOMAIN.retire_raw(core::ptr::null_mut(), count) };
    /// DOMAIN.barrier();
    /// assert_eq!(FREED.load(Ordering::Relaxed), 1);
    /// ```
    pub unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: the caller promises what `Retired::new` asks.
        self.retire_item(unsafe { Retired::new(ptr, free) });
    }

    fn retire_item(&self, item: Retired) {
        #[cfg(feature = "std")]
        if let Ok(owner) = self.core.slots().mine() {
            self.core.retire(&self.clock(), owner, item);
            return;
        }
        self.core.retire_unowned(&self.clock(), item);
    }

    /// Frees what has expired without waiting, and sweeps idle threads' bags; returns how many
    /// objects it freed. `retire` does this on its own now and then; call it to free sooner.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// domain.retire(Box::new(1));
    /// domain.synchronize();
    /// domain.collect();
    /// ```
    pub fn collect(&self) -> usize {
        self.core.collect(&self.clock())
    }

    /// Which readers hold back the oldest grace period this domain waits for, how long it has
    /// been seen waiting, and how much waits behind it; `None` when nothing waits. See
    /// [`reclaim::stall::StallReport`] for what SRCU can and cannot attribute.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// assert!(domain.stall_report().is_none());
    /// let guard = domain.enter();
    /// domain.retire(Box::new(1));
    /// let report = domain.stall_report().unwrap();
    /// assert_eq!(report.blockers.len(), 1);
    /// drop(guard);
    /// ```
    #[cfg(feature = "alloc")]
    pub fn stall_report(&self) -> Option<reclaim::stall::StallReport> {
        self.core.stall_report(&self.clock())
    }

    /// Calls `callback` with a stall report when a grace period has waited longer than
    /// `threshold`: at most once per grace period, from whichever thread is waiting or
    /// collecting at the time.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// domain.on_stall(std::time::Duration::from_secs(1), |report| eprintln!("{report}"));
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
    /// let domain = gracepoint_srcu::Srcu::new();
    /// domain.set_limit(Limit::objects(100_000).with_policy(Policy::Block));
    /// ```
    pub fn set_limit(&self, limit: reclaim::stall::Limit) {
        self.core.set_limit(limit);
    }

    /// Installs the hook that [`Policy::Hook`](reclaim::stall::Policy::Hook) calls.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// domain.on_limit(|pending| eprintln!("{} objects wait", pending.objects));
    /// ```
    #[cfg(feature = "alloc")]
    pub fn on_limit(&self, hook: impl Fn(reclaim::scheme::Pending) + Send + Sync + 'static) {
        self.core.on_limit(hook);
    }

    /// One round of the work a [`reclaim::BackgroundReclaimer`] does: takes idle threads' bags,
    /// moves grace periods along and frees what expired, without waiting.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// domain.retire(Box::new(1));
    /// while domain.reclaim_step().objects > 0 {}
    /// ```
    pub fn reclaim_step(&self) -> reclaim::scheme::Pending {
        self.core.tick(&self.clock())
    }

    /// Waits until every object retired (and every callback queued) before this call, on any
    /// thread, has been freed (or run).
    ///
    /// # Panics
    /// In debug builds, when called inside a read section of this domain (it would deadlock);
    /// always, when called from a callback or destructor this domain is running.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// domain.retire(Box::new(1));
    /// domain.barrier();
    /// assert_eq!(domain.stats().pending, 0);
    /// ```
    #[track_caller]
    pub fn barrier(&self) {
        reclaim::scheme::debug::assert_outside(self.addr(), "srcu", "barrier");
        self.core
            .barrier(&self.clock(), &mut reclaim::wait::default_strategy());
    }
}

#[cfg(feature = "std")]
reclaim::monitor_by_inherent_methods!(Srcu);
