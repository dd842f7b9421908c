//! Deferred frees and callbacks: `retire`, `call`, `retire_raw` and `barrier`.
//!
//! Retired objects go into the domain's [`RetireQueue`]: an open bag fills up, and when full it
//! is sealed with a cookie from [`Srcu::start_poll`]'s request path, so a grace period that
//! serves it will run. Sealed bags are freed, oldest first, once [`Srcu::poll`] says their cookie
//! has expired; that check runs on later `retire`/`call` calls and in `barrier`, with no thread
//! of its own. Every object is freed exactly once: after its grace period, in `barrier`, or when
//! the domain drops (the queue's `Drop` frees whatever is left).
//!
//! Grace periods move forward without blocking: every [`ADVANCE_EVERY`]th retire, and every
//! retire that seals a bag, steps the grace-period machine once (`try_advance`) and frees what
//! has expired. Stepping on every retire would put a scan (and, in the Fast flavor, a
//! `membarrier`) on each call; once in a while is enough, because readers are short and a step
//! finishes a whole grace period when they are gone.
//!
//! Memory stays bounded under a steady retire rate with short readers: stepping keeps grace
//! periods completing as fast as readers leave, so what waits is about the retire rate times
//! one grace period. When more than [`MAX_SEALED_BAGS`] bags wait anyway (typically a reader
//! was preempted inside its section), each stepping retire also gives its CPU away once
//! (`yield`), so that a preempted reader on this CPU can finish; the retire rate then follows
//! the rate at which grace periods complete. A retire never waits for a grace period: in a
//! lock-free data structure the caller is usually inside a read section that the oldest grace
//! period waits for, and a release build cannot tell. Without `alloc` the queue has room for one
//! sealed bag; when it is taken the retiring thread must wait for it (`Push::WaitFor`).

use crate::Srcu;
#[cfg(feature = "alloc")]
use alloc::boxed::Box;
use reclaim::bag::{Push, Retired};
use reclaim::wait::WaitStrategy;

/// Sealed bags (of `reclaim::bag::BAG_CAPACITY` objects each) allowed to wait before a retiring
/// thread starts giving its CPU away (see the module docs).
pub(crate) const MAX_SEALED_BAGS: usize = 16;

/// Retires between two steps of the grace-period machine from the retire path.
pub(crate) const ADVANCE_EVERY: usize = 16;

#[cfg(feature = "std")]
fn strategy() -> impl WaitStrategy {
    reclaim::wait::Adaptive::new()
}

#[cfg(not(feature = "std"))]
fn strategy() -> impl WaitStrategy {
    reclaim::wait::Spin
}

impl<const N: usize> Srcu<N> {
    /// Drops `boxed` once every read section that began before this call has ended.
    ///
    /// Never waits for a grace period except as back-pressure (see the module docs), so it may
    /// be called inside a read section.
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// let guard = domain.read_lock();
    /// domain.retire(Box::new(vec![1, 2, 3]));
    /// drop(guard);
    /// domain.barrier();
    /// ```
    #[cfg(feature = "alloc")]
    pub fn retire<T: Send + 'static>(&self, boxed: Box<T>) {
        let (ptr, free) = Retired::from_box(boxed).into_parts();
        // SAFETY: `from_box` built a matching pointer and deleter for a `Send` box.
        unsafe { self.retire_raw(ptr, free) }
    }

    /// Runs `callback` once every read section that began before this call has ended (or when
    /// the domain drops, whichever is first), on whichever thread frees its bag.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering};
    /// static RAN: AtomicBool = AtomicBool::new(false);
    /// let domain = srcu::Srcu::new();
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
    /// Needs no allocator. Without `alloc`, when both the open and the one sealed bag are full,
    /// this waits for the sealed bag's grace period (so it must not then be called inside a read
    /// section of this domain; debug builds check).
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
    /// static DOMAIN: srcu::Srcu<2> = srcu::Srcu::new_fixed();
    /// // SAFETY: `count` accepts any pointer.
    /// unsafe { DOMAIN.retire_raw(core::ptr::null_mut(), count) };
    /// DOMAIN.barrier();
    /// assert_eq!(FREED.load(Ordering::Relaxed), 1);
    /// ```
    pub unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: the caller promises what `Retired::new` asks.
        let mut item = unsafe { Retired::new(ptr, free) };
        loop {
            match self.queue.push(item, || self.request().0) {
                Push::Open if self.queue.pending() % ADVANCE_EVERY != 0 => return,
                Push::Open | Push::Sealed => {
                    self.try_advance();
                    self.collect();
                    self.back_pressure();
                    return;
                }
                Push::WaitFor(tag, back) => {
                    reclaim::debug::assert_outside(
                        self.addr(),
                        "srcu",
                        "retire_raw with a full fixed retire queue",
                    );
                    self.wait_for(tag, strategy());
                    self.collect();
                    item = back;
                }
            }
        }
    }

    /// Waits until every object retired (and every callback queued) before this call has been
    /// freed (or run).
    ///
    /// # Panics
    /// In debug builds, when called inside a read section of this domain (it would deadlock).
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// domain.retire(Box::new(1));
    /// domain.barrier();
    /// assert_eq!(domain.stats().pending_retired, 0);
    /// ```
    #[track_caller]
    pub fn barrier(&self) {
        reclaim::debug::assert_outside(self.addr(), "srcu", "barrier");
        // Give the open bag a cookie. Without `alloc` the one sealed place may be taken; free
        // that bag first (it was retired before this call too).
        while !self.queue.seal(|| self.request().0) {
            match self.queue.oldest_tag() {
                Some(tag) if cfg!(not(feature = "alloc")) => {
                    self.wait_for(tag, strategy());
                    self.collect();
                }
                _ => break,
            }
        }
        // Every bag sealed so far has a cookie no later than this one: cookies only grow, and
        // bags are tagged under the queue's lock.
        let cookie = self.request();
        self.wait_for(cookie.0, strategy());
        self.collect();
        // A bag another thread popped is freed outside the queue's lock; wait for that too.
        self.queue.wait_for_frees();
    }

    /// Frees every sealed bag whose grace period is over.
    fn collect(&self) -> usize {
        self.queue.collect(|tag| self.expired(tag))
    }

    /// Too many bags waiting: give this CPU away once, so that a reader preempted inside its
    /// section can leave. Never sleeps and never waits for a grace period (see the module docs).
    fn back_pressure(&self) {
        if self.queue.sealed_bags() > MAX_SEALED_BAGS {
            #[cfg(all(feature = "std", not(loom)))]
            std::thread::yield_now();
            #[cfg(not(all(feature = "std", not(loom))))]
            reclaim::sync::spin_hint();
        }
    }
}
