//! Grace periods: the counter check, the flip, and a step-at-a-time state machine.
//!
//! # The sequence
//! `seq` counts grace periods in its high bits and keeps the phase of the current one in its
//! two low bits, as Linux's `rcu_seq` does:
//! - `IDLE`: no grace period in flight;
//! - `SCAN_INACTIVE`: one has started and waits for the inactive half to drain before the flip;
//! - `SCAN_OLD`: the index has flipped and it waits for the old half to drain.
//!
//! Completing a grace period rounds `seq` up to the next multiple of four. A cookie is `seq`
//! rounded up *past* any grace period already in flight (`(seq + 7) & !3`): one that began before
//! the cookie was taken may have scanned before the caller's update, so it cannot count. A cookie
//! has expired once `seq` has reached it, compared with wrap-safe arithmetic
//! ([`reclaim::seq::Sequence`]); cookies are at most two grace periods ahead of `seq`, far inside
//! half the 64-bit space.
//!
//! # Driving
//! There is no background thread. [`Srcu::try_advance`] takes a try-lock (`driving`), moves the
//! machine as far as it can without waiting, and lets go. Whoever needs a grace period records
//! its cookie in `needed` and calls it, then keeps calling it between pauses of its wait
//! strategy; all callers whose cookies are covered by the same grace period share it. The lock
//! is never held while waiting, so a slow or sleeping caller cannot hold up an expedited one.

use crate::{FAST, Srcu, SrcuSlot};
use reclaim::seq::Sequence;
use reclaim::sync::{AtomicBool, AtomicU64, Ordering, fence};
#[cfg(feature = "std")]
use reclaim::wait::{Adaptive, Expedited};
use reclaim::wait::{WaitStrategy, wait_until};

/// The phase bits of `seq`.
const STATE_MASK: u64 = 3;
const IDLE: u64 = 0;
const SCAN_INACTIVE: u64 = 1;
const SCAN_OLD: u64 = 2;

/// Where a domain's grace-period counter starts.
pub(crate) const SEQ_START: u64 = 0;
/// A start a few hundred grace periods below the wrap, for tests.
pub(crate) const SEQ_NEAR_WRAP: u64 = <u64 as Sequence>::NEAR_WRAP & !STATE_MASK;

/// How many times the old half is checked in one step before giving up: readers are usually
/// short, so a second look right away often saves a pause (Linux's SCAN2 does the same).
const OLD_HALF_TRIES: usize = 2;

/// The writer side's shared state.
pub(crate) struct GpState {
    /// Grace-period count and phase; written only by the driver, under `driving`.
    pub(crate) seq: AtomicU64,
    /// The latest cookie anyone has asked for.
    needed: AtomicU64,
    /// The try-lock that makes one thread at a time the driver.
    driving: AtomicBool,
    /// `seq` at construction, for the completed-grace-periods count.
    start: u64,
}

impl GpState {
    reclaim::const_fn_unless_loom! {
        pub(crate) fn new(start: u64) -> Self {
            Self {
                seq: AtomicU64::new(start),
                needed: AtomicU64::new(start),
                driving: AtomicBool::new(false),
                start,
            }
        }
    }

    pub(crate) fn completed(&self) -> u64 {
        self.seq.load(Ordering::Relaxed).wrapping_sub(self.start) >> 2
    }
}

impl<const N: usize> Srcu<N> {
    /// A cookie for the first grace period that starts after this call. Starts nothing.
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// let cookie = domain.get_state();
    /// assert!(!domain.poll(cookie)); // nobody asked for a grace period yet
    /// assert_eq!(domain.stats().completed_grace_periods, 0);
    /// domain.synchronize();
    /// assert!(domain.poll(cookie));
    /// ```
    pub fn get_state(&self) -> crate::Cookie {
        // P: pairs with E. The caller's updates (say, unlinking an object) come before this
        // fence. If it precedes a grace period's E in the fence order, that whole grace period
        // sees the updates and may serve the cookie; otherwise the load below sees the
        // `SCAN_INACTIVE` store made just before E and the cookie rounds up past it.
        fence(Ordering::SeqCst);
        let seq = self.gp.seq.load(Ordering::Acquire);
        crate::Cookie(seq.wrapping_add(2 * STATE_MASK + 1) & !STATE_MASK)
    }

    /// Like [`get_state`](Srcu::get_state), and makes sure a grace period that serves the cookie
    /// will run: it is recorded as needed, and driven a step now and on every later `poll`,
    /// `retire`, `call`, `barrier` or `synchronize`.
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// let cookie = domain.start_poll();
    /// while !domain.poll(cookie) {
    ///     std::thread::yield_now();
    /// }
    /// ```
    pub fn start_poll(&self) -> crate::Cookie {
        let cookie = self.request();
        self.try_advance();
        cookie
    }

    /// True once the grace period `cookie` names is complete: every read section that began
    /// before the cookie was taken has ended. Drives the grace period a step if it is not. Never
    /// reports completion early, also when the counter wraps.
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// let cookie = domain.start_poll();
    /// let guard = domain.read_lock();
    /// // A section that began after the cookie does not hold it up.
    /// while !domain.poll(cookie) {}
    /// drop(guard);
    /// ```
    pub fn poll(&self, cookie: crate::Cookie) -> bool {
        if self.expired(cookie.0) {
            return true;
        }
        self.try_advance();
        self.expired(cookie.0)
    }

    /// Waits until every read section that began before this call has ended.
    ///
    /// Waits with `reclaim::wait::Adaptive` (spin, yield, then park). Concurrent callers share
    /// grace periods.
    ///
    /// # Panics
    /// In debug builds, when called inside a read section of this domain (it would deadlock).
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// drop(domain.read_lock());
    /// domain.synchronize();
    /// ```
    #[cfg(feature = "std")]
    #[track_caller]
    pub fn synchronize(&self) {
        reclaim::debug::assert_outside(self.addr(), "srcu", "synchronize");
        self.synchronize_with(Adaptive::new());
    }

    /// Waits until every read section that began before this call has ended, spinning.
    ///
    /// Without `std` there is nothing to park on.
    ///
    /// ```
    /// let domain = srcu::Srcu::<2>::new_fixed();
    /// domain.synchronize();
    /// ```
    #[cfg(not(feature = "std"))]
    pub fn synchronize(&self) {
        self.synchronize_with(reclaim::wait::Spin);
    }

    /// [`synchronize`](Srcu::synchronize) with more spinning and no sleeping: lower latency for
    /// more CPU.
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// domain.synchronize_expedited();
    /// ```
    #[cfg(feature = "std")]
    #[track_caller]
    pub fn synchronize_expedited(&self) {
        reclaim::debug::assert_outside(self.addr(), "srcu", "synchronize_expedited");
        self.synchronize_with(Expedited::default());
    }

    /// [`synchronize`](Srcu::synchronize) with a caller-supplied wait strategy, for `no_std`
    /// builds (any `FnMut()` is a strategy) or special needs.
    ///
    /// ```
    /// let domain = srcu::Srcu::new();
    /// let mut pauses = 0;
    /// domain.synchronize_with(|| pauses += 1);
    /// domain.synchronize_with(srcu::Spin);
    /// ```
    #[track_caller]
    pub fn synchronize_with(&self, strategy: impl WaitStrategy) {
        reclaim::debug::assert_outside(self.addr(), "srcu", "synchronize");
        let cookie = self.request();
        self.wait_for(cookie.0, strategy);
    }

    /// Waits, driving the machine between pauses, until `cookie` has expired.
    pub(crate) fn wait_for(&self, cookie: u64, mut strategy: impl WaitStrategy) {
        wait_until(&self.event, &mut strategy, || {
            if self.expired(cookie) {
                return true;
            }
            self.try_advance();
            self.expired(cookie)
        });
    }

    /// Takes a cookie and records that a grace period must serve it.
    pub(crate) fn request(&self) -> crate::Cookie {
        let cookie = self.get_state();
        let mut needed = self.gp.needed.load(Ordering::Relaxed);
        while cookie.0.seq_gt(needed) {
            // Release pairs with the driver's Acquire load of `needed` (a plain hand-off of the
            // request; the ordering that protects readers is P and E).
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
        cookie
    }

    /// True once `seq` has reached `cookie`.
    #[inline]
    pub(crate) fn expired(&self, cookie: u64) -> bool {
        // Acquire pairs with the Release store that completes a grace period: whatever the
        // driver learned from the readers' unlocks (through C and A) happens before the caller
        // frees anything.
        self.gp.seq.load(Ordering::Acquire).seq_ge(cookie)
    }

    /// Moves grace periods forward as far as possible without waiting, if no other thread is
    /// already doing so.
    pub(crate) fn try_advance(&self) {
        let seq = self.gp.seq.load(Ordering::Relaxed);
        if seq & STATE_MASK == IDLE && !self.gp.needed.load(Ordering::Relaxed).seq_gt(seq) {
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
            let seq = self.gp.seq.load(Ordering::Relaxed);
            match seq & STATE_MASK {
                IDLE => {
                    if !self.gp.needed.load(Ordering::Acquire).seq_gt(seq) {
                        return;
                    }
                    self.gp.seq.store(seq.wrapping_add(1), Ordering::Release);
                }
                SCAN_INACTIVE => {
                    let idx = self.readers.idx.load(Ordering::Relaxed);
                    // Readers that loaded the index before the previous flip may still be
                    // adding to the inactive half; flipping onto it before they drain would let
                    // the next scan miss them.
                    #[cfg(not(feature = "mutant-one-half"))]
                    if !self.readers_zero(idx.wrapping_add(1) & 1, fast) {
                        return;
                    }
                    // Store the phase again right before E, in this thread, so that P's
                    // argument holds even when another driver began this grace period.
                    self.gp.seq.store(seq, Ordering::Release);
                    // E: pairs with B. If this scan saw a reader's increment, that reader
                    // was using the old index; a reader that sees the new index comes after
                    // every earlier scan and need not be waited for.
                    self.writer_fence(fast);
                    self.readers
                        .idx
                        .store(idx.wrapping_add(1), Ordering::Relaxed);
                    // D: pairs with B. If a later scan misses a reader's lock increment, that
                    // reader's next index load (after its B) sees the new index, so it cannot
                    // keep feeding the half being drained: the counter-wrap bound.
                    self.writer_fence(fast);
                    self.gp.seq.store(seq.wrapping_add(1), Ordering::Release);
                }
                SCAN_OLD => {
                    let old = self.readers.idx.load(Ordering::Relaxed).wrapping_add(1) & 1;
                    if !(0..OLD_HALF_TRIES).any(|_| self.readers_zero(old, fast)) {
                        return;
                    }
                    self.gp
                        .seq
                        .store((seq | STATE_MASK).wrapping_add(1), Ordering::Release);
                    self.event.notify_all();
                }
                _ => unreachable!("srcu: invalid grace-period phase in {seq:#x}"),
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
            self.slots.iter().fold(0u64, |total, slot| {
                total.wrapping_add(counters(slot)[idx].load(Ordering::Relaxed))
            })
        };
        #[cfg(not(feature = "mutant-locks-first"))]
        {
            let unlocks = sum(|slot| &slot.unlocks);
            // A: pairs with C (release: an unlock counted above was preceded by its section, which
            // happens before everything after this fence) and with B (store buffering: either
            // the lock sum below sees a reader's increment, or that reader, after B, sees every
            // update made before this grace period).
            self.writer_fence(fast);
            let locks = sum(|slot| &slot.locks);
            unlocks == locks
        }
        #[cfg(feature = "mutant-locks-first")]
        {
            let locks = sum(|slot| &slot.locks);
            // A, in the wrong place: this mutant sums locks before unlocks.
            self.writer_fence(fast);
            let unlocks = sum(|slot| &slot.unlocks);
            unlocks == locks
        }
    }

    /// The writer's half of barriers A, D and E: `membarrier` when readers run light fences,
    /// a plain full fence otherwise.
    #[inline]
    fn writer_fence(&self, fast: bool) {
        #[cfg(feature = "std")]
        if fast {
            reclaim::membarrier::heavy();
            return;
        }
        let _ = fast;
        fence(Ordering::SeqCst);
    }
}
