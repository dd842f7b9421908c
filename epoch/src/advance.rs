//! The global epoch: advancing it, and the grace periods built on it (cookies, polling,
//! `synchronize`, and the clock the shared retire path runs on).
//!
//! # Invariant
//! **The global epoch moves from `e` to `e + 1` only when every pinned slot has reached `e`, and
//! only by a compare-and-swap from the value loaded before fence A.** A cookie (or a retire tag)
//! is the global epoch read after fence T; its grace period is over once the global epoch is two
//! steps past it (see the crate docs for the argument, the fences and the wrap).
//!
//! # An advance attempt
//! 1. Load the global epoch `e`.
//! 2. Fence A (`SeqCst`).
//! 3. Scan the slots in use: any slot that is pinned at an epoch other than `e` blocks.
//! 4. Fence Q (`Acquire`): every unpin (or later pin) the scan saw happens before what follows.
//! 5. Compare-and-swap the global epoch from `e` to `e + 1` (release, G). Losing the race is
//!    fine: someone else advanced from `e`.
//!
//! There is no lock and no background thread. Attempts are made by retires (paced by the
//! shared retire path), by polls, and by waiters between pauses. Each costs one pass over the
//! slots in use.

use crate::{Epoch, PINNED, STEP};
use reclaim::scheme::Clock;
use reclaim::scheme::seq::Sequence;
use reclaim::sync::{Ordering, fence};
use reclaim::wait::WaitStrategy;

/// Where every domain's global epoch starts: 0, or, in a `--cfg reclaim_near_wrap` build, 500
/// advances below the wrap, so that every test runs its comparisons across it.
pub(crate) const START: u64 = if cfg!(reclaim_near_wrap) {
    <u64 as Sequence>::NEAR_WRAP & !PINNED
} else {
    0
};

/// A grace period, from [`Epoch::get_state`] or [`Epoch::start_poll`], for [`Epoch::poll`]: the
/// global epoch read after the caller's updates. Its grace period is over once the global epoch
/// is two steps further.
///
/// ```
/// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
/// let cookie: gracepoint_epoch::Cookie = domain.start_poll();
/// domain.synchronize();
/// assert!(domain.poll(cookie));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cookie(pub(crate) u64);

/// The global epoch as the shared retire path sees it.
pub(crate) struct EpochClock<'a, const N: usize>(&'a Epoch<N>);

// SAFETY: a tag is `get_state`'s: the global epoch read after fence T. The frontier is two
// steps behind the global epoch, loaded with Acquire (F), which pairs with the advances'
// release compare-and-swap (G). The crate docs show that the epoch reaches `tag + 2` only after
// every section that began before T has ended, and that those ends happen before F.
unsafe impl<const N: usize> Clock for EpochClock<'_, N> {
    type Tag = Cookie;
    const SCHEME: &'static str = "epoch";

    #[inline]
    fn tag(&self) -> Cookie {
        self.0.get_state()
    }

    /// Every advance serves every tag: nothing to ask for.
    #[inline]
    fn request(&self, _: Cookie) {}

    #[inline]
    fn frontier(&self) -> Cookie {
        self.0.frontier()
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

    /// Guards call `on_section_exit` when the outermost one drops.
    fn defers_to_exit(&self) -> bool {
        true
    }

    /// Slots pinned at an epoch behind the global one hold the next advance back; a slot
    /// pinned at the current epoch does not (yet). Exact: a pinned slot is a reader inside.
    fn blockers(&self, blocker: &mut dyn FnMut(usize)) -> reclaim::stall::Attribution {
        let global = self.0.global.load(Ordering::Relaxed);
        for (index, slot) in self.0.core.slots().iter().enumerate() {
            let word = slot.state().word.load(Ordering::Relaxed);
            if word & PINNED != 0 && word & !PINNED != global {
                blocker(index);
            }
        }
        reclaim::stall::Attribution::Exact
    }
}

/// The global epoch and its advances, and grace periods: waiting for one, or polling it
/// without waiting. A grace period is two advances.
///
/// ```
/// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
/// let start = domain.epoch();
/// let cookie = domain.get_state();
/// while !domain.poll(cookie) {} // each failed poll attempts an advance
/// assert_eq!(domain.epoch().wrapping_sub(start), 2);
/// domain.synchronize_with(&mut gracepoint_epoch::Spin);
/// ```
impl<const N: usize> Epoch<N> {
    #[inline(always)]
    pub(crate) fn clock(&self) -> EpochClock<'_, N> {
        EpochClock(self)
    }

    /// The current global epoch. It counts modulo 2⁶³, from 0 (or, in test builds with
    /// `--cfg reclaim_near_wrap`, from just below the wrap).
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
    /// let before = domain.epoch();
    /// assert!(domain.try_advance());
    /// assert_eq!(domain.epoch(), before.wrapping_add(1));
    /// ```
    pub fn epoch(&self) -> u64 {
        self.global.load(Ordering::Relaxed) / STEP
    }

    /// Advances since the domain was built.
    pub(crate) fn advances(&self) -> u64 {
        self.global.load(Ordering::Relaxed).wrapping_sub(START) / STEP
    }

    /// The latest cookie whose grace period is over: two epochs behind the global epoch.
    #[inline]
    fn frontier(&self) -> Cookie {
        // F: Acquire pairs with G, the release compare-and-swap of the advance that stored the
        // value read: every section that advance (and the ones before it) waited for has ended
        // before the caller frees anything.
        let global = self.global.load(Ordering::Acquire);
        let lag = reclaim::mutant!("epoch_free_at_e_plus_1" => STEP, else 2 * STEP);
        Cookie(global.wrapping_sub(lag))
    }

    /// Makes one attempt to move the global epoch from `e` to `e + 1`: it succeeds when every
    /// pinned slot is at `e` (or another thread advanced from `e` meanwhile, which it reports as
    /// a failure). Never waits; costs one pass over the slots in use. Returns whether this call
    /// advanced the epoch.
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
    /// let reader = domain.register().unwrap();
    /// let guard = reader.pin();
    /// assert!(domain.try_advance()); // the reader is at the current epoch
    /// assert!(!domain.try_advance()); // now it is one behind, and holds the epoch back
    /// drop(guard);
    /// assert!(domain.try_advance());
    /// ```
    pub fn try_advance(&self) -> bool {
        let global = self.global.load(Ordering::Relaxed);
        // A: pairs with P (store buffering): either this scan sees a reader's pin, or that
        // reader's loads see everything that happened before this fence, which includes fence T
        // of every tag taken at an older epoch than `global` (see the crate docs).
        fence(Ordering::SeqCst);
        let blocked = self.core.slots().iter().any(|slot| {
            let word = slot.state().word.load(Ordering::Relaxed);
            let pinned_at = word & !PINNED;
            let stale_pin_ignored = reclaim::mutant!("epoch_advance_past_stale_pin" =>
                pinned_at == global.wrapping_sub(STEP), else false);
            word & PINNED != 0 && pinned_at != global && !stale_pin_ignored
        });
        if blocked {
            return false;
        }
        // The `epoch_global_read_late` mutant advances from a value read after the scan, which
        // may be newer than the one the scan checked the slots against.
        let global = reclaim::mutant!("epoch_global_read_late" => self.global.load(Ordering::Relaxed),
            else global);
        // Q: pairs with U (the release stores of unpin and pin): the sections that the scan saw
        // end happen before the advance.
        fence(Ordering::Acquire);
        // G: Release pairs with F in `frontier`.
        let advanced = self
            .global
            .compare_exchange(
                global,
                global.wrapping_add(STEP),
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_ok();
        if advanced {
            self.core.event().notify_all();
        }
        advanced
    }

    /// A cookie for every read section that began before this call: [`poll`](Epoch::poll)
    /// reports it complete once they have all ended. Takes no other step (epochs need no
    /// request: every advance serves every cookie).
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
    /// let cookie = domain.get_state();
    /// assert!(!domain.poll(cookie)); // the epoch must move twice
    /// domain.synchronize();
    /// assert!(domain.poll(cookie));
    /// ```
    #[inline]
    pub fn get_state(&self) -> Cookie {
        // T: pairs with P. The caller's updates (say, unlinking an object) come before this
        // fence. A reader whose P comes after it sees them; one whose P comes before it pinned
        // at an epoch no later than the one loaded below, and the advance that would take the
        // global epoch two steps past it must see that pin (crate docs).
        fence(Ordering::SeqCst);
        Cookie(self.global.load(Ordering::Relaxed))
    }

    /// Like [`get_state`](Epoch::get_state), and makes one attempt to advance the epoch. Never
    /// waits.
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
    /// let cookie = domain.start_poll();
    /// while !domain.poll(cookie) {
    ///     std::thread::yield_now();
    /// }
    /// ```
    pub fn start_poll(&self) -> Cookie {
        let cookie = self.get_state();
        self.try_advance();
        cookie
    }

    /// True once the grace period `cookie` names is over: every read section that began before
    /// the cookie was taken has ended. Never reports completion early, also across the wrap,
    /// and never waits: when the cookie is not yet done it makes one attempt to advance the
    /// epoch (one pass over the slots in use) and looks again.
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// let domain = gracepoint_epoch::Epoch::new();
    /// let cookie = domain.start_poll();
    /// let guard = domain.pin();
    /// // This section began after `start_poll` advanced the epoch, so the advance the cookie
    /// // still needs accepts it. (A section pinned at the cookie's own epoch would hold the
    /// // cookie back until it ends: epochs are coarser than single sections.)
    /// while !domain.poll(cookie) {}
    /// drop(guard);
    /// # }
    /// ```
    pub fn poll(&self, cookie: Cookie) -> bool {
        if EpochClock::<N>::le(cookie, self.frontier()) {
            return true;
        }
        self.try_advance();
        EpochClock::<N>::le(cookie, self.frontier())
    }

    /// Waits until every read section that began before this call has ended: spinning, then
    /// yielding, then parking (without `std`: spinning). Concurrent callers share advances.
    ///
    /// # Panics
    /// In debug builds, when called while the calling thread is pinned in this domain (it
    /// would wait for itself).
    ///
    /// ```
    /// # #[cfg(feature = "std")] {
    /// let domain = gracepoint_epoch::Epoch::new();
    /// drop(domain.pin());
    /// domain.synchronize();
    /// # }
    /// ```
    #[track_caller]
    pub fn synchronize(&self) {
        self.synchronize_with(&mut reclaim::wait::default_strategy());
    }

    /// [`synchronize`](Epoch::synchronize) with a caller-supplied wait strategy: for `no_std`
    /// builds (any `FnMut()` is one) or special needs.
    ///
    /// # Panics
    /// As [`synchronize`](Epoch::synchronize).
    ///
    /// ```
    /// let domain = gracepoint_epoch::Epoch::<2>::new_fixed();
    /// let mut pauses = 0;
    /// domain.synchronize_with(&mut || pauses += 1);
    /// domain.synchronize_with(&mut gracepoint_epoch::Spin);
    /// ```
    #[track_caller]
    pub fn synchronize_with(&self, strategy: &mut impl WaitStrategy) {
        reclaim::scheme::debug::assert_outside(self.addr(), "epoch", "synchronize");
        let cookie = self.get_state();
        self.core.wait_for(&self.clock(), cookie, strategy);
        self.core.collect_if_moved(&self.clock());
    }
}
