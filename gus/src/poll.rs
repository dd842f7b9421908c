//! Polling: has a goal passed? The scan of the reader slots, and the raise of the read clock.
//!
//! # The sequence space
//! ```text
//!  older                                                                      newer
//!  ───────────────────────┬────────────────────────────┬────────────────┬───────────
//!        passed           │   a section may still be   │  handed out,   │  held across
//!                         │   reading what these goals │  not yet on    │  a wrap:
//!                         │   protect                  │  the clock     │  passed
//!  ───────────────────────┴────────────────────────────┴────────────────┴───────────
//!                       rd_seq                       wr_seq       wr_seq + reach
//!                         ╰──── live readers' values (once clamped) ────╯
//!
//!  wr_seq - rd_seq <= MAX_DELTA        reach = INCR, or 2 * INCR in lazy mode
//!  a reader's value is 0 (idle) or the wr_seq it loaded when its section began
//! ```
//!
//! # The invariant
//! **If `rd_seq` holds `r`, no read section that can still reach an object whose goal is at or
//! before `r` is running, and everything such sections did happens before whatever a thread
//! that observed `r` does next.** Freeing an object once its goal polled true is then safe.
//!
//! # Fences, and what each pairs with
//! | label | where | pairs with | why |
//! |---|---|---|---|
//! | **gus-E** | reader, after storing its value | gus-P, gus-A | a scan either sees the value, or the section's loads come after P and see every unlink made before an advance at or before the snapshot; a section that loaded a clock value at or past a goal sees the unlink made before that goal's advance |
//! | **gus-A** | advance, before reading the write clock | gus-E | orders the caller's unlink before the clock value readers compare goals with; for goals ahead of the clock too, since whoever moves the clock there writes after A's read |
//! | **gus-W** | poll, the write-clock snapshot `w` | (gus-P) | loaded before P and any slot, so a slot value newer than `w` belongs to a reader whose E came after the advances up to `w` |
//! | **gus-P** | poll, after the snapshot, before the slots (`membarrier` in lazy mode) | gus-E | store buffering with the reader: one of the two sees the other |
//! | **gus-R** | poll, after loading `rd_seq`; after the scan; when another scan got further | gus-X, the release compare-and-swap on `rd_seq` | the reads of every section a scan saw end happen before what the poller frees; and `r0 <= w` |
//! | **gus-X** | exit, the release store of 0 | gus-R | as above |
//!
//! No ordering relies on a `SeqCst` load, store or read-modify-write (loom would not check it).
//!
//! # The argument
//! - **E and A.** A reader that loads a clock value `>= g`, where `g` came from an advance,
//!   read a value written after that advance read the clock (clock values only grow, and a
//!   goal ahead of the clock is written later by a poll that read the clock afterwards). With
//!   A before that read and E after the reader's load, A precedes E in the single order of
//!   `SeqCst` fences, so every load of the section sees what was unlinked before A. *A reader
//!   whose value is at or after a goal cannot reach what that goal protects.*
//! - **P.** For each reader, either its E precedes P, and the scan sees its value (or a later
//!   one), or P precedes E, and then the A of every goal up to the snapshot `w` precedes E too
//!   (the poll read `w` after those advances read the clock): the reader cannot reach what
//!   those goals protect. A slot the scan sees idle, or misses, never holds back a goal at or
//!   before `w`.
//! - **The minimum** starts from `w`, over the live values the scan sees, and `rd_seq` is
//!   raised to it. Two races shape it:
//!   - *A reader that entered during the scan* may publish a value **after `w`**. By the first
//!     point it cannot reach anything a goal up to `w` protects; starting from `w` counts it as
//!     caught up without letting `rd_seq` pass `w` (loading `w` after the slots, mutant
//!     `gus_wr_seq_late`, would let an advance made during the scan pass while a reader the
//!     scan missed still holds its object).
//!   - *A reader that loaded the clock long ago and was delayed* may publish a value **before
//!     `rd_seq`** (`r0`, which this poll read first). The scan that raised `rd_seq` to `r0` did
//!     not see that value, so it ran before the reader's E, and the reader cannot reach what
//!     goals up to `r0` protect, but it can reach anything later. The scan *clamps* the value
//!     up to `r0`. The scan works in unsigned offsets from `r0` (one load, one compare, one
//!     `min` per slot), where an unclamped value before `r0` would wrap to a huge offset and be
//!     ignored like a reader that entered after `w`: a use after free (mutant `gus_no_clamp`).
//! - **The raise** only moves `rd_seq` forward, comparing in offsets from the poll's own `r0`,
//!   which stay exact however long the poll stalled; a signed comparison of two values half the
//!   space apart would flip, and a stalled scan that stores its minimum (mutant
//!   `gus_rd_seq_backwards`) pulls `rd_seq` back. A poll whose `r0` and `w` lie half the space
//!   apart (its `r0` went stale between the two loads) answers "not yet" rather than compare
//!   values it cannot order.
//! - **R and X.** The acquire fence after the scan pairs with the release store that ends each
//!   section the scan saw idle, and the compare-and-swap that raises `rd_seq` releases what the
//!   scan acquired; a poll that succeeds from `rd_seq` alone runs R after loading it. So the
//!   reads of a finished section happen before whatever the successful poller frees.
//!
//! # Goals ahead of the clock
//! Deferred goals, and goals of an advance that met the distance bound, lie one increment past
//! `w`: the poll first moves the clock there (a compare-and-swap, if the bound allows), then
//! scans. Lazy goals lie two increments past: each poll that scans runs `membarrier` at P and
//! then moves the clock one increment. A fenceless reader that loads a value sees an unlink
//! only if that value was written after a barrier that followed the unlink; the barrier between
//! the goal's first and second increment follows the advance's read of the clock, even if
//! another poller's increment raced with the advance. A goal further ahead than any advance
//! hands out was held while the clocks wrapped, and has passed (FreeBSD does the same).

use crate::clock::{GusClock, ReaderSlot};
use crate::goal::{Cookie, IDLE, Seq, within};
use crate::stats::Count;
use reclaim::scheme::clock::{Toward, Urgency};
use reclaim::scheme::seq::Sequence;
use reclaim::scheme::slots::Slots;
use reclaim::sync::{Ordering, fence};

impl GusClock {
    /// The fast path: the read clock already covers `goal`.
    #[inline(always)]
    pub(crate) fn passed(&self, goal: Cookie) -> bool {
        let r0 = self.rd.seq.load(Ordering::Relaxed);
        // gus-R: pairs with the release compare-and-swap that published `r0`.
        fence(Ordering::Acquire);
        goal.le(r0)
    }

    /// A poll past the fast path: counted, then a scan toward `goal`.
    #[inline(never)]
    pub(crate) fn poll_slow<const N: usize>(
        &self,
        slots: &Slots<ReaderSlot, N>,
        goal: Cookie,
        urgency: Urgency,
    ) -> Toward {
        self.count(slots, Count::Polls);
        let toward = self.scan_toward(slots, goal, urgency);
        if !toward.passed {
            self.count(slots, Count::FailedPolls);
        }
        toward
    }

    /// Moves the clock toward the newest goal the retire path waits for: the clock's step.
    /// True when this call raised the read clock.
    pub(crate) fn step_to_wanted<const N: usize>(
        &self,
        slots: &Slots<ReaderSlot, N>,
        urgency: Urgency,
    ) -> bool {
        let wanted = self.writer.wanted.load(Ordering::Relaxed);
        wanted != IDLE
            && !self.passed(Cookie(wanted))
            && self.poll_slow(slots, Cookie(wanted), urgency).moved
    }

    /// Everything past the fast path: move the clock to a goal ahead of it, scan, raise.
    fn scan_toward<const N: usize>(
        &self,
        slots: &Slots<ReaderSlot, N>,
        goal: Cookie,
        urgency: Urgency,
    ) -> Toward {
        let done = |passed| Toward {
            passed,
            moved: false,
        };
        let r0 = self.rd.seq.load(Ordering::Relaxed);
        // gus-R: pairs with the release compare-and-swap that published `r0`: what that scan
        // acquired from exiting readers is ours, and the snapshot below is at least the one
        // that scan took, so `r0 <= w`.
        fence(Ordering::Acquire);
        if goal.le(r0) {
            return done(true);
        }
        let (incr, max_delta) = (self.wr.incr, self.wr.max_delta);
        // gus-W: the snapshot, loaded before any slot (mutant `gus_wr_seq_late` loads it after).
        let mut w = self.wr.seq.load(Ordering::Relaxed);
        let lazy = self.lazy_active();
        let ahead = goal.0.seq_gt(w);
        if ahead {
            if goal.0.wrapping_sub(w) > self.reach(lazy) {
                // No advance hands out a goal this far ahead: it was held while the clocks
                // wrapped, so it passed long ago.
                return done(true);
            }
            let next = w.wrapping_add(incr);
            if !lazy && within(next, r0, max_delta) {
                // Move the clock up to the goal (one increment always suffices); any write of
                // the clock comes after the advance read it (see A). A failed exchange reads a
                // newer snapshot, also before any slot.
                w = match self.wr.seq.compare_exchange(
                    w,
                    next,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => next,
                    Err(moved) => moved,
                };
            }
        }
        if w.wrapping_sub(r0) >= <Seq as Sequence>::HALF {
            // `r0` is stale: advances moved the clocks on between the two loads, further than
            // the comparisons below can tell apart. Say "not yet"; the next poll reads afresh.
            return done(false);
        }
        self.count(slots, Count::Scans);
        // gus-P: pairs with gus-E. A reader whose E came first is visible to the loads below; one whose
        // E comes later already sees every unlink made before an advance at or before `w` (A
        // precedes P precedes E). In lazy mode this is the heavy half (`membarrier`): a full
        // barrier on every CPU running one of our threads, which stands in for the fence the
        // fenceless readers skip; shared with the process's batch (`heavy`), so a step that can
        // wait says "not yet" until the batch is due, and the next poll starts afresh.
        if !self.wr.fence.writer_batched(urgency) {
            return done(false);
        }
        let min_offset = self.scan(slots, r0, w);
        // gus-R: pairs with gus-X, the release store that ends a section: the reads of every section
        // this scan saw end happen before whatever the caller frees next.
        fence(Ordering::Acquire);
        let (rd, moved) = self.raise(r0, min_offset);
        if lazy && ahead {
            // The coarse clock: one increment, after P, which came after we read `w`.
            let next = w.wrapping_add(incr);
            if within(next, rd, max_delta) {
                let _ = self
                    .wr
                    .seq
                    .compare_exchange(w, next, Ordering::Relaxed, Ordering::Relaxed);
            }
        }
        Toward {
            passed: goal.le(rd),
            moved,
        }
    }

    /// The scan: the minimum over live slots, as an offset from `r0`, starting from the
    /// snapshot `w`.
    #[inline]
    pub(crate) fn scan<const N: usize>(
        &self,
        slots: &Slots<ReaderSlot, N>,
        r0: Seq,
        w: Seq,
    ) -> Seq {
        // Starting from the snapshot: a reader that entered after it published a value past
        // `w`, and cannot reach what goals up to `w` protect.
        let from = reclaim::mutant!("gus_wr_seq_late" => Seq::MAX, else w.wrapping_sub(r0));
        let min_offset = slots.iter().fold(from, |min, slot| {
            let seq = slot.state().seq.load(Ordering::Relaxed);
            if seq == IDLE {
                return min;
            }
            // The clamp: a value before `r0` pins the minimum at `r0` (see the module docs).
            let clamp = reclaim::mutant!("gus_no_clamp" => false, else seq.seq_lt(r0));
            min.min(if clamp { 0 } else { seq.wrapping_sub(r0) })
        });
        reclaim::mutant!("gus_wr_seq_late" => {
            let late = self.wr.seq.load(Ordering::Relaxed);
            min_offset.min(late.wrapping_sub(r0))
        }, else min_offset)
    }

    /// Raises `rd_seq` to `r0 + offset` unless it is already there or past it; returns the
    /// read clock as this poll may rely on, and whether this call raised it.
    pub(crate) fn raise(&self, r0: Seq, offset: Seq) -> (Seq, bool) {
        let seen = r0.wrapping_add(offset);
        let raised = reclaim::mutant!("gus_rd_seq_backwards" => {
            self.rd.seq.store(seen, Ordering::Release);
            Ok(seen)
        }, else self.raise_monotonic(r0, offset, seen));
        match raised {
            Ok(seen) => {
                self.after_raise(seen);
                (seen, true)
            }
            Err(further) => (further, false),
        }
    }

    /// The compare-and-swap loop of [`raise`](Gus::raise): `Ok` when this scan raised the
    /// clock, `Err` with the clock when another scan got as far or further.
    ///
    /// The comparison is made in offsets from this poll's `r0`: the read clock only grows, so
    /// its offset is exact however long this poll stalled.
    fn raise_monotonic(&self, r0: Seq, offset: Seq, seen: Seq) -> Result<Seq, Seq> {
        let mut current = self.rd.seq.load(Ordering::Relaxed);
        loop {
            if offset <= current.wrapping_sub(r0) {
                // gus-R: another scan got further; acquire what its release published.
                fence(Ordering::Acquire);
                return Err(current);
            }
            // Release: hands what this scan acquired (R) to pollers that take the fast path.
            match self
                .rd
                .seq
                .compare_exchange(current, seen, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => return Ok(seen),
                Err(moved) => current = moved,
            }
        }
    }

    /// After a raise to `rd`: count the grace period, and forget a wanted goal it passed (so
    /// that the goal never goes stale across a wrap). The core wakes the waiters.
    fn after_raise(&self, rd: Seq) {
        self.count_raise();
        let wanted = self.writer.wanted.load(Ordering::Relaxed);
        if wanted != IDLE && Cookie(wanted).le(rd) {
            let _ = self.writer.wanted.compare_exchange(
                wanted,
                IDLE,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }
}
