//! GUS's own [`Counters`] of advances, polls and scans (the shared `Stats` come from the
//! core).
//!
//! Each thread counts in its own slot with a plain load and store: no shared cache line is
//! written and no locked instruction runs. Callers without a slot of their own (no `std`)
//! count in the domain's writer line with `fetch_add`. Reading sums every slot. The counters
//! order nothing, so loom builds skip them (they would only add interleavings to explore).

use crate::clock::{COUNTERS, GusClock, ReaderSlot};
use reclaim::scheme::slots::Slots;
use reclaim::sync::{AtomicCount, Ordering};

/// One of the counters a domain keeps.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Count {
    Advances = 0,
    Polls = 1,
    Scans = 2,
    FailedPolls = 3,
}

/// GUS's own counters, summed over every reader slot when read (see
/// [`Gus::counters`](crate::Gus::counters)). Each slot counts in a
/// [`reclaim::sync::Count`], so where that is 32-bit a slot's share wraps after 2^32 events.
///
/// ```
/// let gus = gracepoint::gus::Gus::new();
/// let goal = gus.advance();
/// assert!(gus.poll(&goal)); // had to look past the read clock: counted
/// assert!(gus.poll(&goal)); // the fast path: not counted
/// let counters = gus.counters();
/// assert_eq!((counters.advances, counters.polls, counters.failed_polls), (1, 1, 0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Counters {
    /// Calls to [`Gus::advance`](crate::Gus::advance), including the ones the retire path makes to tag its bags.
    pub advances: u64,
    /// Polls (by [`Gus::poll`](crate::Gus::poll), waits and the retire path) whose goal the read clock did not
    /// already cover. Polls that take the fast path are not counted, so that path stays one
    /// load and one compare.
    pub polls: u64,
    /// Polls that scanned the reader slots.
    pub scans: u64,
    /// Polls that returned false.
    pub failed_polls: u64,
}

impl GusClock {
    /// Advances, polls, scans and failed polls so far, summed over every reader slot.
    pub(crate) fn counters<const N: usize>(&self, slots: &Slots<ReaderSlot, N>) -> Counters {
        let mut sums = [0u64; COUNTERS];
        let mut add = |counters: &[AtomicCount; COUNTERS]| {
            for (sum, counter) in sums.iter_mut().zip(counters) {
                #[allow(clippy::useless_conversion)] // u64 from u64 where counters are 64-bit
                let count = u64::from(counter.load(Ordering::Relaxed));
                *sum = sum.wrapping_add(count);
            }
        };
        for slot in slots.iter() {
            add(&slot.state().counters);
        }
        add(&self.writer.counters);
        Counters {
            advances: sums[Count::Advances as usize],
            polls: sums[Count::Polls as usize],
            scans: sums[Count::Scans as usize],
            failed_polls: sums[Count::FailedPolls as usize],
        }
    }

    /// Counts one `what` in the calling thread's slot.
    #[inline(always)]
    pub(crate) fn count<const N: usize>(&self, slots: &Slots<ReaderSlot, N>, what: Count) {
        #[cfg(not(loom))]
        {
            #[cfg(feature = "std")]
            if let Ok(owner) = slots.mine() {
                // The owner is the only writer: a plain load and store.
                let counter = &owner.state().counters[what as usize];
                counter.store(
                    counter.load(Ordering::Relaxed).wrapping_add(1),
                    Ordering::Relaxed,
                );
                return;
            }
            let _ = slots;
            self.writer.counters[what as usize].fetch_add(1, Ordering::Relaxed);
        }
        #[cfg(loom)]
        let _ = (slots, what);
    }

    /// Counts one grace period: a raise of the read clock.
    #[inline(always)]
    pub(crate) fn count_raise(&self) {
        #[cfg(not(loom))]
        self.rd.raises.fetch_add(1, Ordering::Relaxed);
    }
}
