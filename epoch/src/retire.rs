//! Deferred frees and callbacks: `retire`, `call`, `retire_raw`, `collect`, `barrier`, through
//! the shared retire path of [`reclaim::scheme::Core`] with the global epoch as its clock.
//!
//! # Invariant
//! **A retired object is freed once, after the global epoch has moved two steps past the tag
//! of its bag, or when the domain drops.** Objects go into the retiring thread's own slot bag
//! (no lock, no read-modify-write); a sealed bag is tagged with [`Epoch::get_state`], read after
//! the take that filled it. The shared path attempts advances every few seals (and on every
//! seal while more than `PRESSURE_OBJECTS` objects wait, yielding once so that a preempted
//! reader can run), and frees what expired whenever the epoch moved.

use crate::Epoch;
#[cfg(feature = "alloc")]
use alloc::boxed::Box;
use reclaim::scheme::bag::Retired;

/// Retiring objects and queueing callbacks, and freeing them.
///
/// ```
/// # #[cfg(feature = "alloc")] {
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// static FREED: AtomicUsize = AtomicUsize::new(0);
/// struct Node;
/// impl Drop for Node {
///     fn drop(&mut self) {
///         FREED.fetch_add(1, Ordering::Relaxed);
///     }
/// }
/// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
/// let reader = domain.register().unwrap();
/// let guard = reader.pin();
/// domain.retire(Box::new(Node));
/// domain.call(|| drop(Node));
/// assert_eq!(FREED.load(Ordering::Relaxed), 0); // the pinned reader holds both back
/// drop(guard);
/// domain.barrier();
/// assert_eq!(FREED.load(Ordering::Relaxed), 2);
/// # }
/// ```
impl<const N: usize> Epoch<N> {
    /// Drops `boxed` once every read section that began before this call has ended.
    ///
    /// Never waits for a grace period (so it may be called while pinned); the object is freed
    /// by a later `retire`, `poll`, `synchronize` or `barrier` on any thread, or when the
    /// domain drops.
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::new();
    /// let reader = domain.register().unwrap();
    /// let guard = reader.pin();
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
    /// Callbacks may run on a thread that is pinned in this domain at that moment: a callback
    /// must not wait for this domain ([`synchronize`](Epoch::synchronize) would deadlock
    /// there, and [`barrier`](Epoch::barrier) panics, saying so). It may retire and `call` more.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// static RAN: AtomicBool = AtomicBool::new(false);
    /// let domain = gracepoint_epoch::Epoch::new();
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
    /// Needs no allocator. With `std` the object goes into the calling thread's slot bag;
    /// without it, into a sealed bag of its own (a registered reader's
    /// [`retire_raw`](crate::EpochReader::retire_raw) batches instead). Without `alloc`, when
    /// every inline sealed bag still waits for its grace period, this waits for the oldest: do
    /// not call it while pinned in this domain then (debug builds with `std` check).
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
    /// objects it freed. Retires do this on their own whenever the epoch moved; call it to
    /// free sooner.
    ///
    /// ```
    /// # #[cfg(feature = "alloc")] {
    /// let domain = gracepoint_epoch::Epoch::new();
    /// domain.retire(Box::new(1));
    /// domain.synchronize();
    /// domain.collect();
    /// # }
    /// ```
    pub fn collect(&self) -> usize {
        self.core.collect(&self.clock())
    }

    /// Waits until every object retired (and every callback queued) before this call, on any
    /// thread, has been freed (or run): also objects waiting in the bags of other live threads.
    ///
    /// # Panics
    /// In debug builds, when called while the calling thread is pinned in this domain (it
    /// would deadlock); always, when called from a callback or destructor this domain is
    /// running.
    ///
    /// ```
    /// # #[cfg(feature = "alloc")] {
    /// let domain = gracepoint_epoch::Epoch::new();
    /// domain.retire(Box::new(1));
    /// domain.barrier();
    /// assert_eq!(domain.stats().pending, 0);
    /// # }
    /// ```
    #[track_caller]
    pub fn barrier(&self) {
        reclaim::scheme::debug::assert_outside(self.addr(), "epoch", "barrier");
        self.core
            .barrier(&self.clock(), &mut reclaim::wait::default_strategy());
    }
}

/// Stall reports, limits on what may wait, and the background round.
///
/// ```
/// # #[cfg(feature = "alloc")] {
/// use reclaim::stall::{Attribution, Limit};
/// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
/// domain.set_limit(Limit::objects(10_000));
/// let reader = domain.register().unwrap();
/// let guard = reader.pin();
/// assert!(domain.try_advance()); // now the reader is an epoch behind, and holds it back
/// domain.retire(Box::new(1u64));
/// let report = domain.stall_report().unwrap();
/// assert_eq!((report.blockers.len(), report.attribution), (1, Attribution::Exact));
/// drop(guard);
/// while domain.reclaim_step().objects > 0 {}
/// # }
/// ```
impl<const N: usize> Epoch<N> {
    /// Which readers hold the epoch back, how long the waiting side has seen it stuck, and how
    /// much waits to be freed; `None` when nothing waits. Exact: a slot pinned at an older
    /// epoch is a reader inside a section.
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
    /// assert!(domain.stall_report().is_none());
    /// ```
    #[cfg(feature = "alloc")]
    pub fn stall_report(&self) -> Option<reclaim::stall::StallReport> {
        self.core.stall_report(&self.clock())
    }

    /// Calls `callback` with a stall report when a grace period has waited longer than
    /// `threshold`: at most once per grace period, from whichever thread waits or collects.
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::new();
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
    /// [`reclaim::stall::Limit`]): the bound crossbeam-epoch does not have when a guard is held
    /// for long.
    ///
    /// ```
    /// use reclaim::stall::{Limit, Policy};
    /// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
    /// domain.set_limit(Limit::objects(10_000).with_policy(Policy::Block));
    /// ```
    pub fn set_limit(&self, limit: reclaim::stall::Limit) {
        self.core.set_limit(limit);
    }

    /// Installs the hook that [`Policy::Hook`](reclaim::stall::Policy::Hook) calls.
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::new();
    /// domain.on_limit(|pending| eprintln!("{} objects wait", pending.objects));
    /// ```
    #[cfg(feature = "alloc")]
    pub fn on_limit(&self, hook: impl Fn(reclaim::scheme::Pending) + Send + Sync + 'static) {
        self.core.on_limit(hook);
    }

    /// One round of the work a [`reclaim::BackgroundReclaimer`] does: takes idle threads' bags,
    /// advances the epoch and frees what expired, without waiting.
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
    /// while domain.reclaim_step().objects > 0 {}
    /// ```
    pub fn reclaim_step(&self) -> reclaim::scheme::Pending {
        self.core.tick(&self.clock())
    }
}

#[cfg(feature = "std")]
reclaim::monitor_by_inherent_methods!(Epoch);
