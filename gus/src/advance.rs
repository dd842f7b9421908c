//! Advancing the write clock: the three modes, and the distance bound.
//!
//! Every advance starts with fence **gus-A** and then reads the write clock; the goal it returns
//! lies after the value read. Whoever later writes the clock up to the goal writes after that
//! read, and that is all the argument needs (see the poll module): a reader that loads a value
//! at or past the goal has its fence gus-E after A, so it sees what the caller unlinked.
//!
//! | mode | what an advance does | the goal |
//! |---|---|---|
//! | default | A, then `fetch_add` on the shared clock | the new clock value |
//! | deferred(n) | A and a load; every n-th call per thread does the `fetch_add` | one increment past the clock |
//! | lazy | A and a load; never writes | two increments past the clock |
//!
//! # The distance bound
//! The write clock must not run more than [`MAX_DELTA`](crate::MAX_DELTA) ahead of the read
//! clock, or comparisons across the wrap would go wrong. FreeBSD's advance waits for the read
//! clock when the bound is reached. Here an advance never waits: one that would pass the bound
//! leaves the clock where it is and returns a goal one increment ahead, as a deferred advance
//! does, and the first poll that finds the read clock caught up moves the clock to it. So a
//! retire inside the retiring thread's own section, which may be what holds the read clock
//! back, never deadlocks on the bound, and the clock still never passes it (apart from the
//! one increment each advancer that passed the check before another's `fetch_add` may add).

use crate::Mode;
use crate::clock::{GusClock, ReaderSlot};
use crate::goal::{Cookie, Seq, within};
use crate::stats::Count;
use reclaim::scheme::slots::Slots;
use reclaim::sync::{Ordering, fence};

impl GusClock {
    /// A goal that passes once every section that began before this call has ended (see the
    /// module docs for the three modes). Never waits.
    pub(crate) fn advance<const N: usize>(&self, slots: &Slots<ReaderSlot, N>) -> Cookie {
        self.count(slots, Count::Advances);
        match self.wr.mode {
            Mode::Deferred(every) if !self.deferred_turn(slots, every) => {
                self.goal_ahead(self.wr.incr)
            }
            Mode::Lazy if self.lazy_active() => self.goal_ahead(2 * self.wr.incr),
            _ => self.shared_advance(),
        }
    }

    /// Deferred mode: true on the calls (one in `every` per thread) that write the clock.
    fn deferred_turn<const N: usize>(&self, slots: &Slots<ReaderSlot, N>, every: u32) -> bool {
        #[cfg(feature = "std")]
        if let Ok(owner) = slots.mine() {
            let deferred = &owner.state().deferred;
            // SAFETY: `Owned` proves this thread owns the slot.
            let calls = unsafe { deferred.get() } + 1;
            let turn = calls >= every;
            // SAFETY: as above.
            unsafe { deferred.set(if turn { 0 } else { calls }) };
            return turn;
        }
        let _ = slots;
        let calls = self.writer.deferred.fetch_add(1, Ordering::Relaxed);
        calls.wrapping_add(1).is_multiple_of(every)
    }

    /// The default mode's advance: one `fetch_add` on the shared clock, unless that would pass
    /// the distance bound.
    fn shared_advance(&self) -> Cookie {
        // gus-A: orders the caller's unlink before the clock value it reads or writes. Pairs with
        // gus-E: a reader that loads the new value (or a later one) sees the unlink.
        fence(Ordering::SeqCst);
        let incr = self.wr.incr;
        let w = self.wr.seq.load(Ordering::Relaxed);
        let next = w.wrapping_add(incr);
        if !within(next, self.rd.seq.load(Ordering::Relaxed), self.wr.max_delta) {
            // The bound: leave the clock alone; a poll moves it here once the read clock
            // has caught up (see the module docs).
            return Cookie(next);
        }
        Cookie(
            self.wr
                .seq
                .fetch_add(incr, Ordering::Relaxed)
                .wrapping_add(incr),
        )
    }

    /// A goal `ahead` of the clock, which stays where it is (deferred and lazy modes).
    pub(crate) fn goal_ahead(&self, ahead: Seq) -> Cookie {
        // gus-A: as in `shared_advance`. The clock is written later, by the poll that moves it up
        // to this goal, and that write comes after this load in the clock's order; so a
        // reader that loads the goal's value still sees the caller's unlink.
        fence(Ordering::SeqCst);
        Cookie(self.wr.seq.load(Ordering::Relaxed).wrapping_add(ahead))
    }
}
