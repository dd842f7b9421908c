//! SRCU's clock: the grace-period sequence, the counter check, the flip, and the
//! step-at-a-time state machine that the shared core drives (waits, polls and the retire path
//! all go through [`Clock`]).
//!
//! # The sequence
//! [`GpSeq`] counts grace periods in its high bits and keeps the phase of the current one in its
//! two low bits, as Linux's `rcu_seq` does, with each transition named and checked:
//! `start` (idle → scanning the inactive half), `flip` (→ scanning the old half), `end`
//! (→ idle, one grace period more), `snap` (the cookie a caller needs) and `done` (has a cookie's
//! grace period ended). A cookie is the sequence value at the end of the first grace period that
//! *starts* after it was taken: one already in flight may have scanned before the caller's update.
//! Cookies are compared with wrapping arithmetic ([`reclaim::scheme::seq::Sequence`]); they are
//! at most two grace periods ahead of the sequence, far inside half the space. The sequence is
//! a [`Count`]: where it is 32-bit it counts 2^30 grace periods before it wraps, and a cookie
//! kept unpolled for 2^29 grace periods can no longer be told from a future one (Linux's
//! 32-bit cookies have the same limit; docs/embedded.md).
//!
//! # A grace period
//! 1. `start`, when someone needs a grace period the sequence has not reached;
//! 2. wait until the inactive half is empty (stale readers that loaded the index before the
//!    previous flip);
//! 3. flip the index, `flip` (with 32-bit counters, then barrier srcu-D);
//! 4. wait until the old half is empty (checked twice in a row: readers are usually short);
//! 5. `end`, and notify the waiters.
//!
//! Each "empty" check sums every slot's unlocks, runs barrier srcu-A, and sums the locks (see the
//! crate docs' barrier table). Before each check of the inactive half the driver stores the
//! phase again, in its own thread: that makes P's argument hold whoever drives (a cookie taken
//! by a caller who did not see the grace period start counts on it only if every A of it comes
//! after the caller's P).
//!
//! # Driving
//! There is no background thread. A step (`try_advance`) takes a try-lock (`driving`), moves the
//! machine as far as it can without waiting, and lets go. Whoever needs a grace period records
//! its cookie in `needed` and steps; waiters keep stepping between pauses of their wait
//! strategy, and all callers whose cookies are covered by the same grace period share it. The
//! lock is never held while waiting, so a slow or sleeping caller cannot hold up another.

use crate::{SlotChoice, SrcuSlot};
use crossbeam_utils::CachePadded;
use reclaim::scheme::clock::Urgency;
#[cfg(feature = "std")]
use reclaim::scheme::heavy::Ticket;
use reclaim::scheme::seq::Sequence;
use reclaim::scheme::slots::Slots;
use reclaim::scheme::{AsymmetricFence, Clock};
use reclaim::stall::Attribution;
#[cfg(feature = "std")]
use reclaim::sync::AtomicU64;
use reclaim::sync::{AtomicBool, AtomicCount, AtomicUsize, Count, Ordering, fence};

/// A grace-period cookie, from `get_state` or `start_poll`, for `poll` and `wait`.
///
/// ```
/// let domain = gracepoint::srcu::Srcu::new();
/// let cookie: gracepoint::srcu::Cookie = domain.start_poll();
/// domain.synchronize();
/// assert!(domain.poll(&cookie));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cookie(pub(crate) Count);

/// The phase of the grace period in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Idle,
    ScanInactive,
    ScanOld,
}

/// The grace-period sequence (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct GpSeq(pub(crate) Count);

impl GpSeq {
    const PHASE_BITS: Count = 3;
    const SCAN_INACTIVE: Count = 1;
    const SCAN_OLD: Count = 2;

    /// Where every domain's sequence starts: 0, or, in a `--cfg reclaim_near_wrap` build, a few
    /// hundred grace periods below the wrap, so that every test runs the comparisons across it.
    pub(crate) const START: GpSeq = GpSeq(if cfg!(reclaim_near_wrap) {
        (Count::MAX - 1000) & !Self::PHASE_BITS
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

    /// This value as a cookie: every cookie at or before it is done.
    pub(crate) fn as_cookie(self) -> Cookie {
        Cookie(self.0)
    }

    /// Grace periods completed from `start` to `self`.
    #[allow(clippy::useless_conversion)] // u64 from u64 where the counters are 64-bit
    fn since(self, start: GpSeq) -> u64 {
        u64::from((self.0 & !Self::PHASE_BITS).wrapping_sub(start.0) >> 2)
    }
}

/// A `synchronize` on a domain whose last grace period ended longer ago than this (and that
/// has nothing pending) runs expedited by itself, as Linux's `synchronize_srcu` does: the grace
/// period is likely short, and sleeping in it would only add latency.
#[cfg(all(feature = "std", not(loom)))]
const AUTO_EXPEDITE_MICROS: u64 = 25;

/// What a scan of one half found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scan {
    /// No read section is inside the half.
    Empty,
    /// A read section may be inside.
    Busy,
    /// The scan waits for the process's next heavy fence (the Fast flavor, batched; only with
    /// `std`, where `membarrier` exists).
    #[cfg_attr(not(feature = "std"), allow(dead_code))]
    Later,
}

/// True when the counters are narrower than 64 bits (no 64-bit atomics, or `--cfg
/// reclaim_seq32`): a grace period then runs barrier srcu-D after the flip to bound how far
/// the counters can move during one scan (see `drive` and docs/srcu.md).
const NARROW_COUNTERS: bool = Count::BITS < 64;

/// How many times the old half is checked in one step before giving up: readers are usually
/// short, so a second look right away often saves a pause (Linux's SCAN2 does the same).
const OLD_HALF_TRIES: usize = 2;

/// How many times a Fast scan that a caller waits for peeks at the half (both sums, no fence)
/// before it takes its first sum and pays for its heavy fence.
#[cfg(feature = "std")]
const PEEKS: usize = 64;

/// The writer side's shared state.
pub(crate) struct GpState {
    /// Grace-period count and phase; written only by the driver, under `driving`.
    seq: AtomicCount,
    /// The latest cookie anyone has asked for.
    needed: AtomicCount,
    /// The try-lock that makes one thread at a time the driver.
    driving: AtomicBool,
    /// When the last grace period ended (microseconds on the process's monotonic clock), for
    /// the automatic expediting of `synchronize` on an idle domain.
    #[cfg(all(feature = "std", not(loom)))]
    last_end: AtomicU64,
    /// A Fast scan waiting for the process's next heavy fence: the sequence (with its phase)
    /// and half it was taken at, its unlock sum, and its `heavy` ticket. Only the driver, under
    /// `driving`, touches them (its Acquire/Release carries them between drivers).
    #[cfg(feature = "std")]
    saved: SavedScan,
}

/// A scan's first sum, kept until a heavy fence that started after it has completed.
#[cfg(feature = "std")]
struct SavedScan {
    /// The grace-period sequence (phase included) when the sum was taken; `Count::MAX` (whose
    /// phase bits name no phase) for none.
    seq: AtomicCount,
    half: AtomicUsize,
    first_sum: AtomicCount,
    ticket: AtomicU64,
}

impl GpState {
    reclaim::const_fn_unless_loom! {
        pub(crate) fn new() -> Self {
            Self {
                seq: AtomicCount::new(GpSeq::START.0),
                needed: AtomicCount::new(GpSeq::START.0),
                driving: AtomicBool::new(false),
                #[cfg(all(feature = "std", not(loom)))]
                last_end: AtomicU64::new(0),
                #[cfg(feature = "std")]
                saved: SavedScan {
                    seq: AtomicCount::new(Count::MAX),
                    half: AtomicUsize::new(0),
                    first_sum: AtomicCount::new(0),
                    ticket: AtomicU64::new(0),
                },
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
        let release = reclaim::mutant!("srcu_gp_publish_relaxed" => Ordering::Relaxed,
            else Ordering::Release);
        self.seq.store(seq.0, release);
    }
}

/// What every reader reads on entry, kept apart from what writers write often.
pub(crate) struct ReaderShared {
    /// The current half is `idx & 1`; only a grace-period driver changes it.
    pub(crate) idx: AtomicUsize,
    /// B and C on the reader's side, A on the writer's: real fences, or a compiler fence
    /// against `membarrier` (the Fast flavor).
    pub(crate) fence: AsymmetricFence,
    /// How readers find their slot; constant.
    pub(crate) choice: SlotChoice,
    /// Set once a `ReadToken` was taken: stall reports then say attribution is approximate.
    pub(crate) tokens_used: AtomicBool,
    /// [`SlotChoice::Cpu`] readers' restartable sequences: how many slots from 0 they index by
    /// CPU number (`RSEQ_UNKNOWN` until the first such section looks, 0 when they cannot run);
    /// Release/Acquire publishes `rseq_first` and the slots' `len` with it.
    #[cfg(feature = "std")]
    pub(crate) rseq_bound: AtomicUsize,
    /// The address of slot 0's state, the first of that run.
    #[cfg(feature = "std")]
    pub(crate) rseq_first: AtomicUsize,
    /// The rseq area's offset from the thread pointer (`cpu::rseq_offset`, as `usize`).
    #[cfg(feature = "std")]
    pub(crate) rseq_offset: AtomicUsize,
}

/// `rseq_bound` before the first per-CPU section resolved it.
#[cfg(feature = "std")]
pub(crate) const RSEQ_UNKNOWN: usize = usize::MAX;

/// SRCU's clock: the index readers load, the grace-period state machine, and the fence pair.
pub(crate) struct SrcuClock {
    pub(crate) readers: CachePadded<ReaderShared>,
    pub(crate) gp: CachePadded<GpState>,
}

impl SrcuClock {
    reclaim::const_fn_unless_loom! {
        pub(crate) fn new(fast: bool, choice: SlotChoice) -> Self {
            Self {
                readers: CachePadded::new(ReaderShared {
                    idx: AtomicUsize::new(0),
                    fence: AsymmetricFence::new(fast),
                    choice,
                    tokens_used: AtomicBool::new(false),
                    #[cfg(feature = "std")]
                    rseq_bound: AtomicUsize::new(RSEQ_UNKNOWN),
                    #[cfg(feature = "std")]
                    rseq_first: AtomicUsize::new(0),
                    #[cfg(feature = "std")]
                    rseq_offset: AtomicUsize::new(0),
                }),
                gp: CachePadded::new(GpState::new()),
            }
        }
    }

    /// True when `enter` counts on a slot the calling thread owns.
    #[inline(always)]
    pub(crate) fn owned_slots(&self) -> bool {
        cfg!(feature = "std") && self.readers.choice == SlotChoice::Thread
    }

    /// The cookie for every section that began before this call: P, then a snapshot of the
    /// sequence.
    #[inline]
    fn get_state(&self) -> Cookie {
        // srcu-P: pairs with srcu-A. The caller's updates (say, unlinking an object) come before this
        // fence. If the load below sees no grace period in flight, every A of the next one
        // comes after P (its driver stored the phase before each inactive-half A), so readers
        // that its scans miss see the updates; a grace period seen in flight is skipped.
        fence(Ordering::SeqCst);
        self.gp.current().snap()
    }

    /// Moves grace periods forward as far as possible without waiting, if no other thread is
    /// already doing so. True when this call ended a grace period.
    pub(crate) fn try_advance<const N: usize>(
        &self,
        slots: &Slots<SrcuSlot, N>,
        urgency: Urgency,
    ) -> bool {
        let seq = GpSeq(self.gp.seq.load(Ordering::Relaxed));
        if seq.phase() == Phase::Idle && !self.gp.needed.load(Ordering::Relaxed).seq_gt(seq.0) {
            return false;
        }
        // Acquire/Release hand the machine's state from one driver to the next.
        if self
            .gp
            .driving
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return false;
        }
        let ended = self.drive(slots, urgency);
        self.gp.driving.store(false, Ordering::Release);
        ended
    }

    /// The state machine proper; the caller holds `driving`. True when it ended a grace period.
    fn drive<const N: usize>(&self, slots: &Slots<SrcuSlot, N>, urgency: Urgency) -> bool {
        let mut ended = false;
        loop {
            let seq = GpSeq(self.gp.seq.load(Ordering::Relaxed));
            match seq.phase() {
                Phase::Idle => {
                    if !self.gp.needed.load(Ordering::Acquire).seq_gt(seq.0) {
                        return ended;
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
                    let stale_half_empty = reclaim::mutant!("srcu_one_half" => Scan::Empty,
                        else self.readers_zero(slots, seq, idx.wrapping_add(1) & 1, urgency));
                    if stale_half_empty != Scan::Empty {
                        return ended;
                    }
                    self.readers
                        .idx
                        .store(idx.wrapping_add(1), Ordering::Relaxed);
                    if NARROW_COUNTERS {
                        // srcu-D: pairs with srcu-B (store buffering: the flip above against a
                        // reader's unlock increment, B of its next lock, and the index load of
                        // the lock after). If the old-half scan below misses a reader's unlock,
                        // that reader's second lock from then on loads the new index, so no
                        // reader adds more than two sections (plus its nesting) to the old half
                        // behind the scan's unlock sum: the bound that keeps 32-bit counters
                        // from wrapping into a false "equal" (docs/srcu.md, "Counter wrap").
                        // Later scans of this half, here and as the next grace period's
                        // inactive half, come after this fence or an A. 64-bit counters
                        // cannot wrap within one scan, and skip it. The `srcu_no_d` mutant
                        // drops it.
                        reclaim::mutant!("srcu_no_d" => (), else self.readers.fence.writer());
                    }
                    self.gp.publish(seq.flip());
                }
                Phase::ScanOld => {
                    let old = self.readers.idx.load(Ordering::Relaxed).wrapping_add(1) & 1;
                    let mut scan = Scan::Busy;
                    for _ in 0..OLD_HALF_TRIES {
                        scan = self.readers_zero(slots, seq, old, urgency);
                        if scan != Scan::Busy {
                            break;
                        }
                    }
                    if scan != Scan::Empty {
                        return ended;
                    }
                    self.gp.publish(seq.end());
                    ended = true;
                    #[cfg(all(feature = "std", not(loom)))]
                    self.gp
                        .last_end
                        .store(reclaim::scheme::now_micros(), Ordering::Relaxed);
                }
            }
        }
    }

    /// Whether a read section is inside half `idx`: the half is empty when the unlock sum, read
    /// first, equals the lock sum, read after A.
    ///
    /// Reading unlocks first is what makes a false "empty" impossible: every unlock counted was
    /// preceded by its lock, which A makes visible to the lock sum. The other order can count
    /// the unlock of a section whose lock it missed, and so balance out a section still inside.
    ///
    /// In the Fast flavor A is a heavy fence from the process-wide batch (`heavy`): the first
    /// sum and a ticket are kept (in `saved`) until a heavy fence that started after them has
    /// completed, issued now or with the next batch as `urgency` allows; until then the scan
    /// says [`Scan::Later`], and a later step resumes it. A first sum taken long before its
    /// second is only more conservative: sections that began since add to the lock sum.
    fn readers_zero<const N: usize>(
        &self,
        slots: &Slots<SrcuSlot, N>,
        seq: GpSeq,
        idx: usize,
        urgency: Urgency,
    ) -> Scan {
        type Half = fn(&SrcuSlot, usize) -> Count;
        let sum = |counters: Half| {
            slots.iter().fold(0, |total: Count, slot| {
                total.wrapping_add(counters(slot.state(), idx))
            })
        };
        let (locks, unlocks): (Half, Half) = (SrcuSlot::locked, SrcuSlot::unlocked);
        let (first, second) = reclaim::mutant!("srcu_locks_first" => (locks, unlocks),
            else (unlocks, locks));
        #[cfg(feature = "std")]
        if self.readers.fence.is_asymmetric() {
            let saved = &self.gp.saved;
            let (first_sum, ticket) = if saved.seq.load(Ordering::Relaxed) == seq.0
                && saved.half.load(Ordering::Relaxed) == idx
            {
                (
                    saved.first_sum.load(Ordering::Relaxed),
                    Ticket::from_bits(saved.ticket.load(Ordering::Relaxed)),
                )
            } else {
                // A peek: both sums without a fence. It proves nothing; it only picks when the
                // fenced scan below, which decides, starts.
                let looks_empty = || sum(locks) == sum(unlocks);
                if urgency == Urgency::Now {
                    // A caller is waiting and the fence below costs microseconds: first give a
                    // reader still inside this half (one that loaded the index just before the
                    // flip) a moment to leave, so that the one fence finds the half empty.
                    for _ in 0..PEEKS {
                        if looks_empty() {
                            break;
                        }
                        reclaim::sync::spin_hint();
                    }
                } else if !looks_empty() {
                    // Batched: the fence comes with the batch, so start the scan only once
                    // the half looks empty; a first sum taken while a reader is inside would
                    // make this scan busy and cost the next batch too.
                    return Scan::Later;
                }
                let first_sum = sum(first);
                let ticket = Ticket::take();
                saved.seq.store(seq.0, Ordering::Relaxed);
                saved.half.store(idx, Ordering::Relaxed);
                saved.first_sum.store(first_sum, Ordering::Relaxed);
                saved.ticket.store(ticket.bits(), Ordering::Relaxed);
                (first_sum, ticket)
            };
            // srcu-A, heavy half: a `membarrier` that started after the first sum (the ticket's
            // fence) and completed before the second, issued by this thread or any other; pairs
            // with srcu-B and srcu-C as the fenced A does, which the compiler fences of Fast
            // readers leave to it. The `srcu_fast_plain_a` mutant makes it a plain fence.
            let fenced = reclaim::mutant!("srcu_fast_plain_a" => {
                fence(Ordering::SeqCst);
                true
            }, else ticket.fence_after(urgency));
            if !fenced {
                return Scan::Later;
            }
            saved.seq.store(Count::MAX, Ordering::Relaxed);
            return if first_sum == sum(second) {
                Scan::Empty
            } else {
                Scan::Busy
            };
        }
        let _ = (seq, urgency);
        let first_sum = sum(first);
        // srcu-A: pairs with srcu-C (an unlock counted above was preceded by its section, which
        // happens before everything after this fence) and with srcu-B (store buffering: either
        // the lock sum below sees a reader's increment, or that reader, after B, sees every
        // update made before this fence).
        reclaim::mutant!("srcu_weak_a" => fence(Ordering::Acquire),
            else fence(Ordering::SeqCst));
        if first_sum == sum(second) {
            Scan::Empty
        } else {
            Scan::Busy
        }
    }

    /// Records that a grace period must serve `cookie`.
    fn request_cookie(&self, cookie: Cookie) {
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
}

// SAFETY: a tag is `get_state`'s cookie, which names the end of a grace period that starts
// after P; that grace period's scans (B, C and A, see the crate docs) prove every section that
// began before P has ended. The frontier is an Acquire load of the sequence, which a driver
// publishes with Release after those scans.
unsafe impl Clock for SrcuClock {
    type Slot = SrcuSlot;
    type Tag = Cookie;
    const SCHEME: &'static str = "srcu";

    #[inline]
    fn tag<const N: usize>(&self, _: &Slots<SrcuSlot, N>) -> Cookie {
        self.get_state()
    }

    #[inline]
    fn request(&self, tag: Cookie) {
        self.request_cookie(tag);
    }

    #[inline]
    fn frontier(&self) -> Cookie {
        self.gp.current().as_cookie()
    }

    fn step<const N: usize>(&self, slots: &Slots<SrcuSlot, N>, urgency: Urgency) -> bool {
        self.try_advance(slots, urgency)
    }

    #[inline]
    fn le(a: Cookie, b: Cookie) -> bool {
        a.0.seq_le(b.0)
    }

    #[inline]
    #[allow(clippy::useless_conversion)] // u64 from u64 where the counters are 64-bit
    fn bits(tag: Cookie) -> u64 {
        u64::from(tag.0.wrapping_sub(GpSeq::START.0))
    }

    fn completed(&self) -> u64 {
        self.gp.completed()
    }

    /// Fast when barriers B and C are compiler fences.
    fn flavor(&self) -> reclaim::Flavor {
        if self.readers.fence.is_asymmetric() {
            reclaim::Flavor::Fast
        } else {
            reclaim::Flavor::Fenced
        }
    }

    /// Each scan of a Fast grace period runs a `membarrier`.
    fn heavy_steps(&self) -> bool {
        self.readers.fence.is_asymmetric()
    }

    /// No grace period in flight or asked for, and the last one ended more than
    /// `AUTO_EXPEDITE_MICROS` ago.
    fn looks_idle(&self) -> bool {
        #[cfg(all(feature = "std", not(loom)))]
        {
            let seq = GpSeq(self.gp.seq.load(Ordering::Relaxed));
            seq.phase() == Phase::Idle
                && !self.gp.needed.load(Ordering::Relaxed).seq_gt(seq.0)
                && reclaim::scheme::now_micros()
                    .wrapping_sub(self.gp.last_end.load(Ordering::Relaxed))
                    > AUTO_EXPEDITE_MICROS
        }
        #[cfg(not(all(feature = "std", not(loom))))]
        false
    }

    fn blockers<const N: usize>(
        &self,
        slots: &Slots<SrcuSlot, N>,
        blocker: &mut dyn FnMut(usize),
    ) -> Attribution {
        for (index, slot) in slots.iter().enumerate() {
            let state = slot.state();
            let open = (state.locked(0).wrapping_add(state.locked(1)))
                .wrapping_sub(state.unlocked(0).wrapping_add(state.unlocked(1)));
            if open != 0 && open <= Count::MAX / 2 {
                blocker(index);
            }
        }
        if !self.owned_slots() {
            Attribution::Approximate(
                "per-CPU slots are shared by every thread that ran on that CPU: a listed slot is \
                 where a reader was when its section began, not who it is",
            )
        } else if self.readers.tokens_used.load(Ordering::Relaxed) {
            Attribution::Approximate(
                "a section held through a ReadToken that ended on another thread stays counted \
                 on the slot where it began",
            )
        } else {
            Attribution::Exact
        }
    }

    fn slots_name_threads(&self) -> bool {
        self.owned_slots()
    }
}
