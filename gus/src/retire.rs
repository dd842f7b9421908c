//! Deferred frees: retired objects go into bags, each bag is tagged with the goal of one
//! advance when it fills, and a bag is freed once a poll says its goal has passed.
//!
//! Collection is amortised over the writer paths: each time a bag seals (every
//! [`BAG_CAPACITY`](reclaim::bag::BAG_CAPACITY) retires), on [`Gus::collect`], and in
//! [`Gus::barrier`]. Readers never collect: `enter` must stay a load, a store and a fence, and
//! running arbitrary destructors inside a read section would make its length unpredictable.
//!
//! Memory stays bounded under a steady retire rate: when more than [`MAX_WAITING_BAGS`] bags
//! wait, `retire` waits for the oldest one before returning, for at most
//! [`BACK_PRESSURE_ROUNDS`] rounds of spinning and yielding (never sleeping), and not at all
//! when the calling thread is inside a section of the domain, where waiting could deadlock;
//! then the queue grows, as FreeBSD's UMA grows instead of blocking. Without `alloc`, the queue
//! holds one open and one sealed bag inline, and a retire that finds both full waits for the
//! sealed one.
//!
//! Which sections the check sees: those entered with [`Gus::enter`] always (the thread's own
//! slot shows them), those entered through a [`Reader`](crate::Reader) only in debug builds
//! with `std` (no thread identity links a registered slot to the thread using it). The bound on
//! the rounds is what keeps a thread that retires inside its own `Reader` section in a release
//! build from waiting for itself: it loses a little time per bag instead of hanging. Without
//! `alloc` there is no such way out (both bags are full), and debug builds panic there with a
//! message instead.

use crate::domain::default_strategy;
use crate::{Gus, Seq};
use reclaim::bag::{Push, Retired};
use reclaim::seq::Sequence;

/// How many sealed bags may wait before `retire` applies back-pressure.
///
/// ```
/// assert!(gus::MAX_WAITING_BAGS * reclaim::bag::BAG_CAPACITY >= 1024);
/// ```
pub const MAX_WAITING_BAGS: usize = 64;

/// How many spin-or-yield rounds back-pressure spends on the oldest bag before it lets the
/// queue grow.
const BACK_PRESSURE_ROUNDS: usize = 256;

/// Bags carry `u64` tags; a [`Seq`] always fits.
#[allow(clippy::useless_conversion)]
pub(crate) fn to_tag(goal: Seq) -> u64 {
    u64::from(goal)
}

/// Undoes [`to_tag`] (a no-op unless [`Seq`] is `u32`).
#[allow(clippy::unnecessary_cast)]
pub(crate) fn from_tag(tag: u64) -> Seq {
    tag as Seq
}

impl<const N: usize> Gus<N> {
    /// Drops `boxed` once every section that began before this call has ended.
    ///
    /// ```
    /// let gus = gus::Gus::new();
    /// gus.retire(Box::new(String::from("unlinked")));
    /// gus.barrier();
    /// assert_eq!(gus.stats().pending, 0);
    /// ```
    #[cfg(feature = "alloc")]
    pub fn retire<T: Send + 'static>(&self, boxed: alloc::boxed::Box<T>) {
        self.push(Retired::from_box(boxed));
    }

    /// Calls `free(ptr)` once every section that began before this call has ended.
    ///
    /// # Safety
    /// `free(ptr)` must be safe to call once, from any thread, after that grace period, and
    /// `ptr` must not be retired again.
    ///
    /// ```
    /// static DOMAIN: gus::Gus<1> = gus::Gus::fixed();
    /// static mut OBJECT: u32 = 7;
    /// unsafe fn forget(_: *mut ()) {}
    /// // SAFETY: `forget` accepts any pointer.
    /// unsafe { DOMAIN.retire_raw(&raw mut OBJECT as *mut (), forget) };
    /// DOMAIN.barrier();
    /// ```
    pub unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: forwarded from the caller.
        self.push(unsafe { Retired::new(ptr, free) });
    }

    fn push(&self, mut item: Retired) {
        loop {
            match self.queue.push(item, || to_tag(self.advance())) {
                Push::Open => return,
                Push::Sealed => {
                    self.collect();
                    self.back_pressure();
                    return;
                }
                Push::WaitFor(tag, back) => {
                    // Only without `alloc`: both inline bags are full, and the only way on is
                    // to wait, which inside one's own section would never end.
                    reclaim::debug::assert_outside(
                        self.addr(),
                        "gus",
                        "retire (both inline bags are full, so it must wait)",
                    );
                    self.wait_quietly(from_tag(tag));
                    self.collect();
                    item = back;
                }
            }
        }
    }

    #[cfg(feature = "alloc")]
    fn back_pressure(&self) {
        let backoff = crossbeam_utils::Backoff::new();
        for _ in 0..BACK_PRESSURE_ROUNDS {
            if self.queue.sealed_bags() <= MAX_WAITING_BAGS || self.inside_section() {
                return;
            }
            let Some(oldest) = self.queue.oldest_tag() else {
                return;
            };
            if self.poll(from_tag(oldest)) {
                self.collect();
            } else {
                backoff.snooze();
            }
        }
    }

    #[cfg(not(feature = "alloc"))]
    fn back_pressure(&self) {}

    /// Waits for `goal` without the debug check: callers here reach it only on paths where
    /// the caller was found outside a section, or where waiting is the only way on.
    fn wait_quietly(&self, goal: Seq) {
        reclaim::wait::wait_until(&self.event, &mut default_strategy(), || self.poll(goal));
    }

    /// Frees every sealed bag whose goal has passed, oldest first, without waiting. Returns
    /// how many objects it freed.
    ///
    /// ```
    /// let gus = gus::Gus::new();
    /// for i in 0..reclaim::bag::BAG_CAPACITY {
    ///     gus.retire(Box::new(i));
    /// }
    /// gus.collect();
    /// ```
    pub fn collect(&self) -> usize {
        self.queue.collect(|tag| self.poll(from_tag(tag)))
    }

    /// Waits until every object retired before this call has been freed.
    ///
    /// # Panics
    /// In debug builds, when called inside a read section of this domain on this thread.
    ///
    /// ```
    /// let gus = gus::Gus::new();
    /// gus.retire(Box::new([0u8; 64]));
    /// gus.barrier();
    /// assert_eq!(gus.stats().pending, 0);
    /// ```
    #[track_caller]
    pub fn barrier(&self) {
        reclaim::debug::assert_outside(self.addr(), "gus", "barrier");
        // The goal that covers every object retired before this call, once known: the tag of
        // the open bag when we seal it, or a fresh goal when there was nothing to seal.
        let mut last: Option<Seq> = None;
        loop {
            if last.is_none() {
                let sealed = self.queue.seal(|| {
                    let goal = self.advance();
                    last = Some(goal);
                    to_tag(goal)
                });
                // `seal` also fails without `alloc` while the one sealed place is taken; then
                // wait for that bag below and try again.
                if !sealed && (cfg!(feature = "alloc") || self.queue.sealed_bags() == 0) {
                    // Bags sealed earlier carry goals at or before a fresh one (tags are issued
                    // under the queue's lock, and every mode's goals only grow).
                    last = Some(self.advance());
                }
            }
            match self.queue.oldest_tag().map(from_tag) {
                Some(oldest) if last.is_none_or(|last| oldest.seq_le(last)) => {
                    self.wait_quietly(oldest);
                    self.collect();
                }
                _ if last.is_some() => break,
                _ => {}
            }
        }
        self.queue.wait_for_frees();
    }
}

// SAFETY: `synchronize` returns, and retired objects are freed, only after a poll found the
// goal of an advance made after the call passed; the crate root argues why that is after
// every section that began before the call has ended.
#[cfg(feature = "std")]
unsafe impl<const N: usize> reclaim::Reclaim for Gus<N> {
    type Guard<'a> = crate::GusGuard<'a>;
    type Cookie = Seq;

    #[inline]
    fn enter(&self) -> Self::Guard<'_> {
        Gus::enter(self)
    }

    fn retire<T: Send + 'static>(&self, boxed: alloc::boxed::Box<T>) {
        Gus::retire(self, boxed)
    }

    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: forwarded from the caller.
        unsafe { Gus::retire_raw(self, ptr, free) }
    }

    fn synchronize(&self) {
        Gus::synchronize(self)
    }

    fn barrier(&self) {
        Gus::barrier(self)
    }

    fn start_poll(&self) -> Seq {
        self.advance()
    }

    fn poll(&self, goal: &Seq) -> bool {
        Gus::poll(self, *goal)
    }
}
