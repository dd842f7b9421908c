//! The epochs' clock: the global epoch, advancing it, and what the shared core asks of it
//! (tags, the frontier, steps); waits, polls and the retire path all go through it.
//!
//! # Invariant
//! **The global epoch moves from `e` to `e + 1` only when every pinned slot has reached `e`, and
//! only by a compare-and-swap from the value loaded before fence epoch-A.** A cookie (or a retire tag)
//! is the global epoch read after fence epoch-T; its grace period is over once the global epoch is two
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

use crate::{EpochSlot, PINNED, STEP};
use crossbeam_utils::CachePadded;
use reclaim::scheme::clock::Urgency;
use reclaim::scheme::seq::Sequence;
use reclaim::scheme::slots::Slots;
use reclaim::scheme::{AsymmetricFence, Clock};
use reclaim::stall::Attribution;
use reclaim::sync::{AtomicCount, Count, Ordering, fence};

/// Where every domain's global epoch starts: 0, or, in a `--cfg reclaim_near_wrap` build, 500
/// advances below the wrap, so that every test runs its comparisons across it.
pub(crate) const START: Count = if cfg!(reclaim_near_wrap) {
    <Count as Sequence>::NEAR_WRAP & !PINNED
} else {
    0
};

/// A grace period, from `get_state` or `start_poll`, for `poll` and `wait`: the global epoch
/// read after the caller's updates. Its grace period is over once the global epoch is two steps
/// further.
///
/// ```
/// let domain = gracepoint::epoch::Epoch::<2>::new_fixed();
/// let cookie: gracepoint::epoch::Cookie = domain.start_poll();
/// domain.synchronize();
/// assert!(domain.poll(&cookie));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cookie(pub(crate) Count);

/// The global epoch, in units of [`STEP`]: read by every pin, written by advances only; and
/// the fence pair of P (readers) and A (advances).
pub(crate) struct EpochClock {
    pub(crate) global: CachePadded<AtomicCount>,
    /// P on the reader's side, A on the advance's: real fences, or, in the Fast flavor, a
    /// compiler fence against a `membarrier`.
    pub(crate) fence: AsymmetricFence,
}

impl EpochClock {
    reclaim::const_fn_unless_loom! {
        pub(crate) fn new(asymmetric: bool) -> Self {
            Self {
                global: CachePadded::new(AtomicCount::new(START)),
                // Only where the hardware is multi-copy atomic (crate docs, "The Fast flavor").
                fence: AsymmetricFence::new(
                    asymmetric && cfg!(any(target_arch = "x86_64", target_arch = "aarch64")),
                ),
            }
        }
    }

    /// The latest cookie whose grace period is over: two epochs behind the global epoch.
    #[inline]
    fn frontier_cookie(&self) -> Cookie {
        // epoch-F: Acquire pairs with epoch-G, the release compare-and-swap of the advance that stored the
        // value read: every section that advance (and the ones before it) waited for has ended
        // before the caller frees anything.
        let global = self.global.load(Ordering::Acquire);
        let lag = reclaim::mutant!("epoch_free_at_e_plus_1" => STEP, else 2 * STEP);
        Cookie(global.wrapping_sub(lag))
    }

    /// Makes one attempt to move the global epoch from `e` to `e + 1` (see the module docs):
    /// true when this call advanced it.
    pub(crate) fn try_advance<const N: usize>(
        &self,
        slots: &Slots<EpochSlot, N>,
        urgency: Urgency,
    ) -> bool {
        let global = self.global.load(Ordering::Relaxed);
        // epoch-A: pairs with epoch-P (store buffering): either this scan sees a reader's pin,
        // or that reader's loads see everything that happened before this fence, which
        // includes fence epoch-T of every tag taken at an older epoch than `global` (see the
        // crate docs). In the Fast flavor, a `membarrier` that starts after the load above,
        // shared with the process's batch: an advance that can wait gives up until it is due.
        let fenced = reclaim::mutant!("epoch_weak_advance_fence" => {
            fence(Ordering::Acquire);
            true
        }, else self.fence.writer_batched(urgency));
        if !fenced {
            return false;
        }
        let blocked = slots.iter().any(|slot| {
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
        // epoch-Q: pairs with epoch-U (the release stores of unpin and pin): the sections that the scan saw
        // end happen before the advance.
        fence(Ordering::Acquire);
        // epoch-G: Release pairs with epoch-F in `frontier_cookie`.
        self.global
            .compare_exchange(
                global,
                global.wrapping_add(STEP),
                Ordering::Release,
                Ordering::Relaxed,
            )
            .is_ok()
    }
}

// SAFETY: a tag is the global epoch read after fence epoch-T. The frontier is two steps behind the
// global epoch, loaded with Acquire (F), which pairs with the advances' release
// compare-and-swap (G). The crate docs show that the epoch reaches `tag + 2` only after every
// section that began before T has ended, and that those ends happen before F.
unsafe impl Clock for EpochClock {
    type Slot = EpochSlot;
    type Tag = Cookie;
    const SCHEME: &'static str = "epoch";

    #[inline]
    fn tag<const N: usize>(&self, _: &Slots<EpochSlot, N>) -> Cookie {
        // epoch-T: pairs with epoch-P. The caller's updates (say, unlinking an object) come before this
        // fence. A reader whose P comes after it sees them; one whose P comes before it pinned
        // at an epoch no later than the one loaded below, and the advance that would take the
        // global epoch two steps past it must see that pin (crate docs).
        fence(Ordering::SeqCst);
        Cookie(self.global.load(Ordering::Relaxed))
    }

    /// Every advance serves every tag: nothing to ask for.
    #[inline]
    fn request(&self, _: Cookie) {}

    #[inline]
    fn frontier(&self) -> Cookie {
        self.frontier_cookie()
    }

    fn step<const N: usize>(&self, slots: &Slots<EpochSlot, N>, urgency: Urgency) -> bool {
        self.try_advance(slots, urgency)
    }

    /// Fast when pins run a compiler fence at P.
    fn flavor(&self) -> reclaim::Flavor {
        if self.fence.is_asymmetric() {
            reclaim::Flavor::Fast
        } else {
            reclaim::Flavor::Fenced
        }
    }

    /// Each advance of the Fast flavor runs a `membarrier`.
    fn heavy_steps(&self) -> bool {
        self.fence.is_asymmetric()
    }

    #[inline]
    fn le(a: Cookie, b: Cookie) -> bool {
        a.0.seq_le(b.0)
    }

    #[inline]
    #[allow(clippy::useless_conversion)] // u64 from u64 where the counters are 64-bit
    fn bits(tag: Cookie) -> u64 {
        // A fresh domain's frontier lies two steps behind its global epoch.
        u64::from(tag.0.wrapping_sub(START.wrapping_sub(2 * STEP)))
    }

    /// Advances since the domain was built (modulo 2^63, or 2^31 with 32-bit counters).
    #[allow(clippy::useless_conversion)] // as above
    fn completed(&self) -> u64 {
        u64::from(self.global.load(Ordering::Relaxed).wrapping_sub(START) / STEP)
    }

    /// Slots pinned at an epoch behind the global one hold the next advance back; a slot
    /// pinned at the current epoch does not (yet). Exact: a pinned slot is a reader inside.
    fn blockers<const N: usize>(
        &self,
        slots: &Slots<EpochSlot, N>,
        blocker: &mut dyn FnMut(usize),
    ) -> Attribution {
        let global = self.global.load(Ordering::Relaxed);
        for (index, slot) in slots.iter().enumerate() {
            let word = slot.state().word.load(Ordering::Relaxed);
            if word & PINNED != 0 && word & !PINNED != global {
                blocker(index);
            }
        }
        Attribution::Exact
    }
}
