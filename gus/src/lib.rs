//! Global Unbounded Sequences: FreeBSD's SMR, for userspace threads and `no_std`.
//!
//! A [`Gus`] domain keeps two shared clocks and one sequence value per reader:
//! - `wr_seq`, the write clock. [`Gus::advance`] moves it forward and returns the new value as
//!   a *goal*: memory unlinked before the call may be freed once the goal has passed.
//! - `rd_seq`, the read clock. Every goal at or before it has passed. Only [`Gus::poll`] moves
//!   it, and only forward.
//! - per reader, `seq`: 0 while the reader is idle, otherwise the value of `wr_seq` it loaded
//!   when its section began. Clock values are odd, so a live value is never 0.
//!
//! # The invariant
//! **If `rd_seq` holds `r`, then no read section that can still reach an object whose goal is
//! at or before `r` is running, and everything such sections did happens before any thread
//! that observes `r` and then frees the object.** Freeing an object once `poll(goal)` returned
//! true is then safe. The argument, fence by fence (labels as in the code):
//!
//! - **E** (reader, after publishing `seq`) and **A** (writer, after unlinking and before
//!   reading `wr_seq` in [`advance`](Gus::advance)) are `fence(SeqCst)`. A reader that loads
//!   `wr_seq >= g`, where `g` was returned by an advance, read a value written after the
//!   advance read the clock; with both fences that puts A before E in the single order of
//!   `SeqCst` fences, so every load after E sees the unlink made before A. *A reader whose
//!   `seq` is at or after a goal cannot reach what that goal protects.* This holds for a goal
//!   that lies in the future too (deferred and lazy modes): whoever later moves `wr_seq` up to
//!   it writes after the advance read the clock.
//! - **P** (poll, after loading the `wr_seq` snapshot `w` and before loading any slot) is a
//!   `fence(SeqCst)`. For each reader, either E precedes P, and the scan sees the reader's
//!   `seq` (or something later), or P precedes E, and then the A of every goal at or before
//!   `w` also precedes E (the poll read `w` after those advances read the clock), so the
//!   reader already cannot reach what those goals protect. A slot the scan sees as idle, or
//!   misses, therefore never holds back a goal at or before `w`.
//! - The scan takes the minimum, starting from `w`, of the live `seq` values it sees, and
//!   raises `rd_seq` to it. Two races shape that minimum:
//!   - *A reader that entered during the scan* may publish a value **after `w`**. By the first
//!     point it cannot reach anything a goal at or before `w` protects, so starting the
//!     minimum from `w` counts it as caught up without letting `rd_seq` pass `w`.
//!   - *A reader that loaded `wr_seq` long ago and was delayed* may publish a value **before
//!     `rd_seq`** (the value `r0` the scan read first). The scan that raised `rd_seq` to `r0`
//!     did not see that value, so it came after that scan's P, and the reader cannot reach
//!     anything protected by a goal at or before `r0`. The scan *clamps* the value up to `r0`:
//!     the reader still holds back every goal after `r0`, which it may reach. Dropping the
//!     value instead (what a scan that measures slots as unsigned offsets from `r0` does by
//!     accident when it skips the clamp) would free memory under it.
//! - `rd_seq` only moves forward (compare-and-swap up). Every value it ever held was a valid
//!   minimum when computed and stays valid, but a value far behind the current clock compares
//!   wrongly once the distance passes half the sequence space: a goal would look passed. So the
//!   raise compares in offsets from the poll's own `r0` (exact however long the poll stalled),
//!   and a poll whose `r0` and `w` lie half the space apart (its `r0` went stale between the
//!   two loads) answers "not yet" rather than compare values it cannot order.
//! - **R**: an acquire fence after the scan pairs with the release store of 0 that ends a
//!   section (**X**), and the compare-and-swap that raises `rd_seq` releases what the scan
//!   acquired; a poll that succeeds from `rd_seq` alone ends with an acquire fence too. So the
//!   reads of a finished section happen before whatever the successful poller frees.
//!
//! # Wrap
//! Clocks are compared as TCP compares sequence numbers ([`reclaim::seq::Sequence`]). The
//! comparison is right while values are less than half the space apart, so `advance` waits
//! while `wr_seq` would run more than [`MAX_DELTA`] (a quarter of the space) ahead of `rd_seq`.
//! A quarter, as in FreeBSD, rather than a half: goals can lie up to two increments past
//! `wr_seq` (lazy mode), concurrent advancers may each pass the check before adding, and a goal
//! held after it passed keeps comparing as passed for another quarter of the space.
//! [`Seq`] is `u64` where the target has 64-bit atomics and `u32` otherwise (or with the
//! `seq32` feature); the `near-wrap` feature starts every domain just below the wrap point.
//!
//! # Modes
//! See [`Mode`]: the default (a fence per section, one shared `fetch_add` per advance),
//! deferred (advances rarely write the shared clock; goals lie in the future), and lazy (no
//! fence in readers; pollers pay with `membarrier` and move a coarse clock themselves).
//!
//! # Example
//! ```
//! use gus::Gus;
//! use std::sync::atomic::{AtomicPtr, Ordering};
//!
//! let gus = Gus::new();
//! let shared = AtomicPtr::new(Box::into_raw(Box::new(1u64)));
//! {
//!     let _section = gus.enter();
//!     // SAFETY: the section keeps whatever we load alive.
//!     assert_eq!(unsafe { *shared.load(Ordering::Acquire) }, 1);
//! }
//! let old = shared.swap(Box::into_raw(Box::new(2)), Ordering::AcqRel);
//! let goal = gus.advance();
//! gus.wait(goal);
//! // SAFETY: unlinked before the advance, and every section that could see it has ended.
//! drop(unsafe { Box::from_raw(old) });
//! # gus.retire(unsafe { Box::from_raw(shared.load(Ordering::Relaxed)) });
//! ```
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod domain;
mod retire;
mod tagged;

pub use domain::{Gus, GusGuard, Reader};
pub use reclaim::slots::SlotsFull;
pub use retire::MAX_WAITING_BAGS;
#[cfg(feature = "alloc")]
pub use tagged::Recycler;
pub use tagged::Tagged;

use reclaim::seq::Sequence;

/// A clock value: `u64` where the target has 64-bit atomics, `u32` otherwise or with the
/// `seq32` feature.
///
/// ```
/// let goal: gus::Seq = gus::Gus::new().advance();
/// assert_eq!(goal % 2, 1);
/// ```
#[cfg(all(target_has_atomic = "64", not(feature = "seq32")))]
pub type Seq = u64;
/// A clock value: `u64` where the target has 64-bit atomics, `u32` otherwise or with the
/// `seq32` feature.
///
/// ```
/// let goal: gus::Seq = gus::Gus::new().advance();
/// assert_eq!(goal % 2, 1);
/// ```
#[cfg(not(all(target_has_atomic = "64", not(feature = "seq32"))))]
pub type Seq = u32;

#[cfg(all(target_has_atomic = "64", not(feature = "seq32")))]
type AtomicSeq = reclaim::sync::AtomicU64;
#[cfg(not(all(target_has_atomic = "64", not(feature = "seq32"))))]
type AtomicSeq = reclaim::sync::AtomicU32;

/// How far one advance moves `wr_seq`. Even, so clock values stay odd and never read as idle.
///
/// ```
/// let gus = gus::Gus::new();
/// let before = gus.current();
/// assert_eq!(gus.advance(), before.wrapping_add(gus::INCR));
/// ```
pub const INCR: Seq = 2;

/// How far `wr_seq` may run ahead of `rd_seq`: a quarter of the sequence space.
///
/// ```
/// use reclaim::seq::Sequence;
/// assert_eq!(gus::MAX_DELTA, gus::Seq::HALF / 2);
/// ```
pub const MAX_DELTA: Seq = <Seq as Sequence>::HALF / 2;

/// Where every domain's clocks start: 1, or just below the wrap point with `near-wrap`.
///
/// ```
/// assert_eq!(gus::Gus::new().current(), gus::START);
/// ```
pub const START: Seq = if cfg!(feature = "near-wrap") {
    <Seq as Sequence>::NEAR_WRAP | 1
} else {
    1
};

/// How a domain trades reader cost against writer cost. Chosen at construction.
///
/// ```
/// use gus::{Gus, Mode};
/// let gus = Gus::with_mode(Mode::Deferred(8));
/// assert_eq!(gus.mode(), Mode::Deferred(8));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Readers publish their value and run one `fence(SeqCst)`; each advance is one
    /// `fetch_add` on the shared clock, so every goal is reachable by the next scan.
    Default,
    /// Only every `n`-th advance of a thread writes the shared clock; the others return
    /// `wr_seq + INCR`, a goal in the future, and cost one load. A poll that meets such a goal
    /// moves the clock up to it first. Good when many threads advance often (one cache line
    /// less bouncing per advance); a goal may take one extra increment to pass. `n <= 1` is
    /// the default mode.
    Deferred(u32),
    /// Readers run no fence at all (a compiler fence only). Advances never write the clock:
    /// they return a goal two increments ahead, and each poll issues one
    /// `membarrier(PRIVATE_EXPEDITED)` before its scan and then moves the clock one increment,
    /// so a goal passes after about three polls. Where `membarrier` is unavailable (not Linux,
    /// refused by a sandbox, `RECLAIM_NO_MEMBARRIER` set, or no `std`) the domain runs in the
    /// default mode instead and [`Gus::mode`] says so.
    Lazy,
}

/// Counters of a domain's work, summed over every reader slot when read.
///
/// Each thread counts in its own slot with a plain load and store (no shared cache line is
/// written); threads without a slot (no `std`) count in a shared fallback. Under `cfg(loom)`
/// the counters are compiled out and read as zero.
///
/// ```
/// let gus = gus::Gus::new();
/// let goal = gus.advance();
/// assert!(gus.poll(goal)); // had to look past the read clock: counted
/// assert!(gus.poll(goal)); // the fast path: not counted
/// let stats = gus.stats();
/// assert_eq!((stats.advances, stats.polls, stats.failed_polls), (1, 1, 0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Calls to [`Gus::advance`], including the ones `retire` makes to tag bags.
    pub advances: u64,
    /// Calls to [`Gus::poll`] (including the ones made by waits and collection) whose goal was
    /// not already covered by the read clock. Polls that take the fast path (goal at or before
    /// `rd_seq`) are not counted, so that path stays one load and one compare.
    pub polls: u64,
    /// Polls that had to scan the reader slots (the fast path against `rd_seq` failed).
    pub scans: u64,
    /// Polls that returned false.
    pub failed_polls: u64,
    /// Objects retired and not yet freed.
    pub pending: usize,
}
