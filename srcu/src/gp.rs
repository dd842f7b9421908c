//! Grace periods: the counter check, the flip, a step-at-a-time state machine, and the polled
//! and blocking ways to wait for it.
//!
//! # The sequence
//! [`GpSeq`] counts grace periods in its high bits and keeps the phase of the current one in its
//! two low bits, as Linux's `rcu_seq` does, with each transition named and checked:
//! `start` (idle → scanning the inactive half), `flip` (→ scanning the old half), `end`
//! (→ idle, one grace period more), `snap` (the cookie a caller needs) and `done` (has a cookie's
//! grace period ended). A cookie is the sequence value at the end of the first grace period that
//! *starts* after it was taken: one already in flight may have scanned before the caller's update.
//! Cookies are compared with wrapping arithmetic ([`reclaim::scheme::seq::Sequence`]); they are
//! at most two grace periods ahead of the sequence, far inside half the 64-bit space.
//!
//! # A grace period
//! 1. `start`, when someone needs a grace period the sequence has not reached;
//! 2. wait until the inactive half is empty (stale readers that loaded the index before the
//!    previous flip);
//! 3. flip the index, `flip`;
//! 4. wait until the old half is empty (checked twice in a row: readers are usually short);
//! 5. `end`, and notify the waiters.
//!
//! Each "empty" check sums every slot's unlocks, runs barrier A, and sums the locks (see the
//! crate docs' barrier table). Before each check of the inactive half the driver stores the
//! phase again, in its own thread: that makes P's argument hold whoever drives (a cookie taken
//! by a caller who did not see the grace period start counts on it only if every A of it comes
//! after the caller's P).
//!
//! # Driving
//! There is no background thread. [`Srcu::try_advance`] takes a try-lock (`driving`), moves the
//! machine as far as it can without waiting, and lets go. Whoever needs a grace period records
//! its cookie in `needed` and steps; waiters keep stepping between pauses of their wait
//! strategy, and all callers whose cookies are covered by the same grace period share it. The
//! lock is never held while waiting, so a slow or sleeping caller cannot hold up another.

use crate::{FAST, Srcu, SrcuSlot};
use reclaim::scheme::seq::Sequence;
use reclaim::sync::{AtomicBool, AtomicU64, Ordering, fence};
use reclaim::wait::WaitStrategy;

/// A grace-period cookie from [`Srcu::get_state`] or [`Srcu::start_poll`], for [`Srcu::poll`].
///
/// ```
/// let domain = gracepoint_srcu::Srcu::new();
/// let cookie: gracepoint_srcu::Cookie = domain.start_poll();
/// domain.synchronize();
/// assert!(domain.poll(cookie));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cookie(pub(crate) u64);

/// The phase of the grace period in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Idle,
    ScanInactive,
    ScanOld,
}

/// The grace-period sequence (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GpSeq(pub(crate) u64);

impl GpSeq {
    const PHASE_BITS: u64 = 3;
    const SCAN_INACTIVE: u64 = 1;
    const SCAN_OLD: u64 = 2;

    /// Where every domain's sequence starts: 0, or, in a `--cfg reclaim_near_wrap` build, a few
    /// hundred grace periods below the wrap, so that every test runs the comparisons across it.
    pub(crate) const START: GpSeq = GpSeq(if cfg!(reclaim_near_wrap) {
        (u64::MAX - 1000) & !Self::PHASE_BITS
    } else {
        0
    });

    pub(crate) fn phase(self) -> Phase {
        match self.0 & Self::PHASE_BITS {
            0 => Phase::Idle,
            Self::SCAN_INACTIVE => Phase::ScanInactive,
            Self::SCAN_OLD => Phase::ScanOld,
            _ => unreachable!("srcu: invalid grace-period phase in {:#x}", self.0),
        }
    }

    /// Idle → scanning the inactive half (`rcu_seq_start`).
    fn start(self) -> GpSeq {
        debug_assert_eq!(
            self.phase(),
            Phase::Idle,
            "start from a grace period in flight"
        );
        GpSeq(self.0.wrapping_add(Self::SCAN_INACTIVE))
    }

    /// Scanning the inactive half → scanning the old half, after the index flip.
    fn flip(self) -> GpSeq {
        debug_assert_eq!(
            self.phase(),
            Phase::ScanInactive,
            "flip before the inactive scan"
        );
        GpSeq(self.0.wrapping_add(Self::SCAN_OLD - Self::SCAN_INACTIVE))
    }

    /// Scanning the old half → idle, one grace period further (`rcu_seq_end`).
    fn end(self) -> GpSeq {
        debug_assert_eq!(self.phase(), Phase::ScanOld, "end before the old-half scan");
        GpSeq((self.0 | Self::PHASE_BITS).wrapping_add(1))
    }

    /// The cookie for updates made before this value was read (`rcu_seq_snap`): the end of the
    /// next grace period that starts after it.
    pub(crate) fn snap(self) -> Cookie {
        Cookie(self.0.wrapping_add(2 * Self::PHASE_BITS + 1) & !Self::PHASE_BITS)
    }

    /// True once the grace period `cookie` names has ended (`rcu_seq_done`).
    pub(crate) fn done(self, cookie: Cookie) -> bool {
        self.0.seq_ge(cookie.0)
    }

    /// This value as a cookie: every cookie at or before it is done.
    pub(crate) fn as_cookie(self) -> Cookie {
        Cookie(self.0)
    }

    /// Grace periods completed from `start` to `self`.
    fn since(self, start: GpSeq) -> u64 {
        (self.0 & !Self::PHASE_BITS).wrapping_sub(start.0) >> 2
    }
}

/// A `synchronize` on a domain whose last grace period ended longer ago than this (and that
/// has nothing pending) runs expedited by itself.
pub const AUTO_EXPEDITE_MICROS: u64 = 25;

/// How many times the old half is checked in one step before giving up: readers are usually
/// short, so a second look right away often saves a pause (Linux's SCAN2 does the same).
const OLD_HALF_TRIES: usize = 2;

/// The writer side's shared state.
pub(crate) struct GpState {
    /// Grace-period count and phase; written only by the driver, under `driving`.
    seq: AtomicU64,
    /// The latest cookie anyone has asked for.
    needed: AtomicU64,
    /// The try-lock that makes one thread at a time the driver.
    driving: AtomicBool,
    /// When the last grace period ended (microseconds on the process's monotonic clock), for
    /// the automatic expediting of `synchronize` on an idle domain.
    #[cfg(all(feature = "std", not(loom)))]
    last_end: AtomicU64,
}

impl GpState {
    reclaim::const_fn_unless_loom! {
        pub(crate) fn new() -> Self {
            Self {
                seq: AtomicU64::new(GpSeq::START.0),
                needed: AtomicU64::new(GpSeq::START.0),
                driving: AtomicBool::new(false),
                #[cfg(all(feature = "std", not(loom)))]
                last_end: AtomicU64::new(0),
            }
        }
    }

    /// Grace periods completed since the domain was built.
    pub(crate) fn completed(&self) -> u64 {
        GpSeq(self.seq.load(Ordering::Relaxed)).since(GpSeq::START)
    }

    /// The sequence, with Acquire: pairs with the Release store that ends a grace period, so
    /// whatever the driver learned from the readers' unlocks (through C and A) happens before
    /// anything the caller does next, such as freeing.
    #[inline]
    pub(crate) fn current(&self) -> GpSeq {
        GpSeq(self.seq.load(Ordering::Acquire))
    }

    fn publish(&self, seq: GpSeq) {
        // Release: the grace period's scans happen before any Acquire load that sees it.
        self.seq.store(seq.0, Ordering::Release);
    }
}

/// Grace periods: waiting for one ([`synchronize`](Srcu::synchronize) and its variants), or
/// asking for one and polling it without waiting.
///
/// ```
/// use std::sync::atomic::{AtomicPtr, Ordering};
/// let domain = gracepoint_srcu::Srcu::new();
/// let shared = AtomicPtr::new(Box::into_raw(Box::new(1u64)));
/// let old = shared.swap(Box::into_raw(Box::new(2)), Ordering::AcqRel);
/// domain.synchronize(); // every section that could still see `old` has ended
/// // SAFETY: `old` is unlinked and its grace period is over.
/// drop(unsafe { Box::from_raw(old) });
///
/// let cookie = domain.start_poll(); // the same, without blocking
/// while !domain.poll(cookie) {
///     std::thread::yield_now();
/// }
/// # drop(unsafe { Box::from_raw(shared.load(Ordering::Relaxed)) });
/// ```
impl<const N: usize> Srcu<N> {
    /// A cookie for the first grace period that starts after this call. Starts nothing, so
    /// polling it never completes unless something else runs grace periods: use
    /// [`start_poll`](Srcu::start_poll) for that.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// let cookie = domain.get_state();
    /// assert!(!domain.poll(cookie)); // nobody asked for a grace period yet
    /// assert_eq!(domain.stats().grace_periods, 0);
    /// domain.synchronize();
    /// assert!(domain.poll(cookie));
    /// ```
    pub fn get_state(&self) -> Cookie {
        // P: pairs with A. The caller's updates (say, unlinking an object) come before this
        // fence. If the load below sees no grace period in flight, every A of the next one
        // comes after P (its driver stored the phase before each inactive-half A), so readers
        // that its scans miss see the updates; a grace period seen in flight is skipped.
        fence(Ordering::SeqCst);
        self.gp.current().snap()
    }

    /// Like [`get_state`](Srcu::get_state), and makes sure a grace period that serves the cookie
    /// will run: the cookie is recorded as needed and the machine is stepped once, without
    /// waiting. Later [`poll`](Srcu::poll)s (and `retire`, `synchronize`, `barrier`) step it
    /// further.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// let cookie = domain.start_poll();
    /// while !domain.poll(cookie) {
    ///     std::thread::yield_now();
    /// }
    /// ```
    pub fn start_poll(&self) -> Cookie {
        let cookie = self.get_state();
        self.request(cookie);
        self.try_advance();
        cookie
    }

    /// True once the grace period `cookie` names is complete: every read section that began
    /// before the cookie was taken has ended. Never reports completion early, also when the
    /// counter wraps, and never waits.
    ///
    /// What drives the grace period: a failed `poll` steps the machine once, but only toward
    /// grace periods someone asked for ([`start_poll`](Srcu::start_poll), `synchronize`,
    /// `retire`); a cookie from [`get_state`](Srcu::get_state) alone is never driven. A failed
    /// poll scans the reader slots; in the [`Fast`](crate::Flavor::Fast) flavor each scan runs
    /// one `membarrier` (about half a microsecond, more when a reader is inside).
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// let cookie = domain.start_poll();
    /// let guard = domain.enter();
    /// // A section that began after the cookie does not hold it up.
    /// while !domain.poll(cookie) {}
    /// drop(guard);
    /// ```
    pub fn poll(&self, cookie: Cookie) -> bool {
        if self.gp.current().done(cookie) {
            return true;
        }
        self.try_advance();
        self.gp.current().done(cookie)
    }

    /// Waits until every read section that began before this call has ended, spinning, then
    /// yielding, then parking (without `std`: spinning). Concurrent callers share grace
    /// periods.
    ///
    /// On a domain that looks idle (nothing waits to be freed, no grace period in flight, and
    /// none ended in the last [`AUTO_EXPEDITE_MICROS`] µs) it runs expedited by itself, as
    /// Linux's `synchronize_srcu` does: the grace period is likely short, and sleeping in it
    /// would only add latency.
    ///
    /// # Panics
    /// In debug builds, when called inside a read section of this domain (it would deadlock).
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// drop(domain.enter());
    /// domain.synchronize();
    /// ```
    #[track_caller]
    pub fn synchronize(&self) {
        #[cfg(all(feature = "std", not(loom)))]
        if self.looks_idle() {
            self.synchronize_with(&mut reclaim::wait::Expedited::default());
            return;
        }
        self.synchronize_with(&mut reclaim::wait::default_strategy());
    }

    /// Nothing waits to be freed, no grace period is in flight or asked for, and the last one
    /// ended more than [`AUTO_EXPEDITE_MICROS`] ago.
    #[cfg(all(feature = "std", not(loom)))]
    fn looks_idle(&self) -> bool {
        let seq = GpSeq(self.gp.seq.load(Ordering::Relaxed));
        seq.phase() == Phase::Idle
            && !self.gp.needed.load(Ordering::Relaxed).seq_gt(seq.0)
            && reclaim::scheme::now_micros().wrapping_sub(self.gp.last_end.load(Ordering::Relaxed))
                > AUTO_EXPEDITE_MICROS
            && self.core.pending().objects == 0
    }

    /// [`synchronize`](Srcu::synchronize) with more spinning and no sleeping: lower latency for
    /// more CPU.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// domain.synchronize_expedited();
    /// ```
    #[cfg(feature = "std")]
    #[track_caller]
    pub fn synchronize_expedited(&self) {
        self.synchronize_with(&mut reclaim::wait::Expedited::default());
    }

    /// [`synchronize`](Srcu::synchronize) with a caller-supplied wait strategy, for `no_std`
    /// builds (any `FnMut()` is a strategy) or special needs.
    ///
    /// ```
    /// let domain = gracepoint_srcu::Srcu::new();
    /// let mut pauses = 0;
    /// domain.synchronize_with(&mut || pauses += 1);
    /// domain.synchronize_with(&mut gracepoint_srcu::Spin);
    /// ```
    #[track_caller]
    pub fn synchronize_with(&self, strategy: &mut impl WaitStrategy) {
        reclaim::scheme::debug::assert_outside(self.addr(), "srcu", "synchronize");
        let cookie = self.get_state();
        self.request(cookie);
        self.core.wait_for(&self.clock(), cookie, strategy);
        self.core.collect_if_moved(&self.clock());
    }

    /// Records that a grace period must serve `cookie`.
    pub(crate) fn request(&self, cookie: Cookie) {
        let mut needed = self.gp.needed.load(Ordering::Relaxed);
        while cookie.0.seq_gt(needed) {
            // Release pairs with the driver's Acquire load of `needed` (a plain hand-off of the
            // request; what protects readers is P and A).
            match self.gp.needed.compare_exchange_weak(
                needed,
                cookie.0,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => needed = now,
            }
        }
    }

    /// Moves grace periods forward as far as possible without waiting, if no other thread is
    /// already doing so.
    pub(crate) fn try_advance(&self) {
        let seq = GpSeq(self.gp.seq.load(Ordering::Relaxed));
        if seq.phase() == Phase::Idle && !self.gp.needed.load(Ordering::Relaxed).seq_gt(seq.0) {
            return;
        }
        // Acquire/Release hand the machine's state from one driver to the next.
        if self
            .gp
            .driving
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        self.drive();
        self.gp.driving.store(false, Ordering::Release);
    }

    /// The state machine proper; the caller holds `driving`.
    fn drive(&self) {
        let fast = self.resolve_flavor() == FAST;
        loop {
            let seq = GpSeq(self.gp.seq.load(Ordering::Relaxed));
            match seq.phase() {
                Phase::Idle => {
                    if !self.gp.needed.load(Ordering::Acquire).seq_gt(seq.0) {
                        return;
                    }
                    self.gp.publish(seq.start());
                }
                Phase::ScanInactive => {
                    let idx = self.readers.idx.load(Ordering::Relaxed);
                    // Store the phase again, in this thread, right before this scan's A: see
                    // P in `get_state`.
                    self.gp.publish(seq);
                    // Readers that loaded the index before the previous flip may still be
                    // inside the inactive half; flipping onto it before they leave would let
                    // the next scan miss them.
                    let stale_half_empty = reclaim::mutant!("srcu_one_half" => true,
                        else self.readers_zero(idx.wrapping_add(1) & 1, fast));
                    if !stale_half_empty {
                        return;
                    }
                    self.readers
                        .idx
                        .store(idx.wrapping_add(1), Ordering::Relaxed);
                    self.gp.publish(seq.flip());
                }
                Phase::ScanOld => {
                    let old = self.readers.idx.load(Ordering::Relaxed).wrapping_add(1) & 1;
                    if !(0..OLD_HALF_TRIES).any(|_| self.readers_zero(old, fast)) {
                        return;
                    }
                    self.gp.publish(seq.end());
                    #[cfg(all(feature = "std", not(loom)))]
                    self.gp
                        .last_end
                        .store(reclaim::scheme::now_micros(), Ordering::Relaxed);
                    self.core.event().notify_all();
                }
            }
        }
    }

    /// True when no read section is inside half `idx`: the unlock sum, read first, equals the
    /// lock sum, read after A.
    ///
    /// Reading unlocks first is what makes a false "zero" impossible: every unlock counted was
    /// preceded by its lock, which A makes visible to the lock sum. The other order can count
    /// the unlock of a section whose lock it missed, and so balance out a section still inside.
    fn readers_zero(&self, idx: usize, fast: bool) -> bool {
        let sum = |counters: fn(&SrcuSlot) -> &[AtomicU64; 2]| {
            self.core.slots().iter().fold(0u64, |total, slot| {
                total.wrapping_add(counters(slot.state())[idx].load(Ordering::Relaxed))
            })
        };
        type Half = fn(&SrcuSlot) -> &[AtomicU64; 2];
        let (locks, unlocks): (Half, Half) = (|slot| &slot.locks, |slot| &slot.unlocks);
        let (first, second) = reclaim::mutant!("srcu_locks_first" => (locks, unlocks),
            else (unlocks, locks));
        let first_sum = sum(first);
        // A: pairs with C (an unlock counted above was preceded by its section, which happens
        // before everything after this fence) and with B (store buffering: either the lock sum
        // below sees a reader's increment, or that reader, after B, sees every update made
        // before this fence).
        reclaim::mutant!("srcu_weak_a" => fence(Ordering::Acquire), else self.writer_fence(fast));
        let second_sum = sum(second);
        first_sum == second_sum
    }

    /// The writer's half of barrier A: `membarrier` when readers run light fences, a plain full
    /// fence otherwise.
    #[inline]
    fn writer_fence(&self, fast: bool) {
        #[cfg(feature = "std")]
        if fast {
            reclaim::scheme::membarrier::heavy();
            return;
        }
        let _ = fast;
        fence(Ordering::SeqCst);
    }
}
