//! The sequence space: clock values, goals, and the constants that shape them.
//!
//! Clock values are odd (0 marks an idle reader slot), move by [`INCR`] per advance, and are
//! compared as TCP compares sequence numbers, by the sign of their wrapping difference. That
//! comparison is right while the values compared are less than half the space apart; the
//! distance bound ([`MAX_DELTA`]) keeps every live value that close.
//!
//! # Width and test configurations
//! The width is a compiler flag, not a Cargo feature, so no dependent crate can change it for
//! the others: [`Seq`] is `u64` where the target has 64-bit atomics, and `u32` otherwise or in a
//! build with `RUSTFLAGS="--cfg reclaim_seq32"`.
//!
//! `--cfg reclaim_near_wrap` is the test configuration of FreeBSD's `INVARIANTS` kernels: clocks
//! start 16 increments below the wrap point, the increment is a ten-thousandth of the space (so
//! a test wraps every 10 000 advances), and the distance bound is 32 increments (so a stalled
//! reader meets it after a few dozen advances). The three move together; everything else stays.

use reclaim::scheme::seq::Sequence;

/// A clock value: the shared core's counter width, [`reclaim::sync::Count`]: `u64` where the
/// target has 64-bit atomics, `u32` otherwise or in a build with `--cfg reclaim_seq32`.
pub type Seq = reclaim::sync::Count;

/// The atomic that holds a [`Seq`].
pub(crate) type AtomicSeq = reclaim::sync::AtomicCount;

/// A reader slot's value while its reader is outside any section. Clock values are never 0.
pub(crate) const IDLE: Seq = 0;

/// How far one advance moves the write clock: 2, or a ten-thousandth of the space (rounded to
/// an even number) with `--cfg reclaim_near_wrap`. Even, so clock values stay odd.
pub const INCR: Seq = if cfg!(reclaim_near_wrap) {
    (Seq::MAX / 10_000) & !1
} else {
    2
};

/// Where every domain's clocks start: 1, or 16 increments below the wrap point with
/// `--cfg reclaim_near_wrap`.
pub const START: Seq = if cfg!(reclaim_near_wrap) {
    Seq::MAX.wrapping_sub(16 * INCR) | 1
} else {
    1
};

/// How far the write clock may run ahead of the read clock: a quarter of the sequence space,
/// or 32 increments with `--cfg reclaim_near_wrap`.
///
/// A quarter, as in FreeBSD, rather than the half that comparisons allow: goals may lie two
/// increments past the write clock, concurrent advancers may each pass the check before they
/// add, and a goal kept after it passed must go on comparing as passed for a while.
pub(crate) const MAX_DELTA: Seq = if cfg!(reclaim_near_wrap) {
    32 * INCR
} else {
    <Seq as Sequence>::HALF / 2
};

/// A point on a domain's write clock, and the cookie of GUS's polled grace periods: memory
/// unlinked before the [`advance`](crate::Gus::advance) (or `start_poll`, `get_state`) that
/// returned it may be freed or reused once [`poll`](crate::Gus::poll) says it has passed.
///
/// A cookie means something only to the domain that issued it. Cookies are compared with
/// wrapping arithmetic, never with `<`: ask the domain about one.
///
/// ```
/// let gus = gracepoint::gus::Gus::new();
/// let cookie: gracepoint::gus::Cookie = gus.advance();
/// gus.wait(&cookie);
/// assert!(gus.poll(&cookie));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cookie(pub(crate) Seq);

/// GUS's (and FreeBSD's) name for a [`Cookie`]: the goal an advance hands out.
///
/// ```
/// let goal: gracepoint::gus::Goal = gracepoint::gus::Gus::new().advance();
/// # let _ = goal;
/// ```
pub type Goal = Cookie;

impl Cookie {
    /// The clock value this cookie names (for the unit tests).
    #[cfg(test)]
    pub(crate) fn seq(self) -> Seq {
        self.0
    }

    /// True when `self` comes at or before `other` on the clock (both within half the space).
    #[inline(always)]
    pub(crate) fn le(self, other: Seq) -> bool {
        self.0.seq_le(other)
    }
}

/// True when moving the write clock to `next` keeps it within `max_delta` of the read clock
/// value `rd` (or `rd` is already at or past `next`: another thread moved the clock on).
#[inline(always)]
pub(crate) fn within(next: Seq, rd: Seq, max_delta: Seq) -> bool {
    next.wrapping_sub(rd) <= max_delta || next.seq_le(rd)
}
