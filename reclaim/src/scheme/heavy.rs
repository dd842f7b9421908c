//! Heavy fences shared by the whole process, and batched by time.
//!
//! An asymmetric writer needs, between two of its own reads (SRCU's unlock sum and lock sum;
//! GUS's write-clock snapshot and its scan), a point at which every CPU running one of the
//! process's threads executed a full barrier: `membarrier(PRIVATE_EXPEDITED)`. Such a call costs
//! about half a microsecond and interrupts every CPU that runs one of the process's threads, so
//! it is worth sharing. Any call that *starts after* the writer's first read and *completes
//! before* its second serves, whichever thread or domain issued it: the kernel orders every
//! running thread at some point inside the call, and that point then lies between the writer's
//! two reads in real time.
//!
//! A [`Ticket`] records the first of those points: `fence(SeqCst)` (the writer's own reads before
//! it cannot move past it), then the number of calls started so far. [`Ticket::fence_after`]
//! answers whether a call that started later has completed (then `fence(SeqCst)`, so the
//! writer's second read cannot move before it), and otherwise issues one, or, for work that can
//! wait ([`Urgency::Batched`], the retire path's grace periods), only when none was issued for
//! [`BATCH_MICROS`] anywhere in the process. So work that can wait costs at most one heavy fence
//! per interval for the whole process, however many threads retire into however many domains;
//! a caller that must not wait for the batch ([`Urgency::Now`]: an explicit poll, pressure, a
//! limit's expedite, and a blocking `synchronize`, `wait` or `barrier`, unless its strategy
//! opts out of [`expedites`](crate::wait::WaitStrategy::expedites)) gets one at once, shared
//! with every other caller whose ticket came before it started.
//!
//! Under loom, which cannot model `membarrier`, the light half of the fence is a real fence, and
//! a ticket's heavy fence is the writer's own `fence(SeqCst)`: the models check the ordering
//! argument with the asymmetric pair made symmetric.
//!
//! ```
//! use gracepoint_reclaim::scheme::heavy::{Ticket, Urgency};
//! # if gracepoint_reclaim::scheme::membarrier::available() {
//! let ticket = Ticket::take(); // after the writer's first read
//! assert!(ticket.fence_after(Urgency::Now)); // a heavy fence after it has completed
//! // ... the writer's second read
//! # }
//! ```

pub use super::clock::Urgency;
use crate::sync::{Ordering, fence};
#[cfg(not(loom))]
use core::sync::atomic::AtomicU64;

/// Work that can wait gets at most one heavy fence per this many microseconds, process-wide
/// (`docs/reclaim.md` has the figures it was chosen from).
pub const BATCH_MICROS: u64 = 50;

/// Heavy fences started and completed so far, and when the last one was issued.
#[cfg(not(loom))]
static STARTED: AtomicU64 = AtomicU64::new(0);
#[cfg(not(loom))]
static COMPLETED: AtomicU64 = AtomicU64::new(0);
#[cfg(not(loom))]
static LAST_ISSUED: AtomicU64 = AtomicU64::new(0);

/// A point after which the caller needs a heavy fence (see the module docs).
///
/// ```
/// use gracepoint_reclaim::scheme::heavy::Ticket;
/// let first = Ticket::take();
/// let second = Ticket::take();
/// assert!(second >= first);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ticket(u64);

impl Ticket {
    /// Takes a ticket: the caller's accesses before this call come before any heavy fence that
    /// serves it.
    ///
    /// ```
    /// let ticket = gracepoint_reclaim::scheme::heavy::Ticket::take();
    /// # let _ = ticket;
    /// ```
    #[inline]
    pub fn take() -> Ticket {
        // heavy-T: orders the caller's reads before the load of `STARTED` below: a heavy fence
        // that started after that load started after them. Pairs with heavy-C.
        fence(Ordering::SeqCst);
        #[cfg(not(loom))]
        return Ticket(STARTED.load(Ordering::Relaxed));
        #[cfg(loom)]
        return Ticket(0);
    }

    /// The ticket as a number, to keep it in an atomic.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::heavy::Ticket;
    /// let ticket = Ticket::take();
    /// assert_eq!(Ticket::from_bits(ticket.bits()), ticket);
    /// ```
    pub fn bits(self) -> u64 {
        self.0
    }

    /// The ticket [`bits`](Ticket::bits) returned.
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::heavy::Ticket;
    /// assert_eq!(Ticket::from_bits(3).bits(), 3);
    /// ```
    pub fn from_bits(bits: u64) -> Ticket {
        Ticket(bits)
    }

    /// True once a heavy fence that started after this ticket has completed, issuing one as
    /// `urgency` allows; then the caller's later accesses come after it. False only for
    /// [`Urgency::Batched`], when none is due yet.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::heavy::{Ticket, Urgency};
    /// # if gracepoint_reclaim::scheme::membarrier::available() {
    /// let ticket = Ticket::take();
    /// assert!(ticket.fence_after(Urgency::Now));
    /// assert!(ticket.fence_after(Urgency::Batched)); // served already
    /// # }
    /// ```
    pub fn fence_after(self, urgency: Urgency) -> bool {
        #[cfg(loom)]
        {
            let _ = urgency;
            super::membarrier::heavy();
            true
        }
        #[cfg(not(loom))]
        {
            let backoff = crossbeam_utils::Backoff::new();
            loop {
                // heavy-C: Acquire pairs with the Release that publishes a completed call; the
                // fence then orders the caller's next reads after it. Pairs with heavy-T.
                // The `heavy_earlier_call_serves` mutant also accepts the call counted by the
                // ticket itself, which started before it (the litmus test catches it).
                let served_after = crate::mutant!("heavy_earlier_call_serves" =>
                    self.0.saturating_sub(1), else self.0);
                if COMPLETED.load(Ordering::Acquire) > served_after {
                    fence(Ordering::SeqCst);
                    return true;
                }
                if STARTED.load(Ordering::Relaxed) > self.0 {
                    // A call that started after the ticket is in flight: it serves us.
                    backoff.snooze();
                    continue;
                }
                match urgency {
                    Urgency::Now => issue(),
                    Urgency::Batched => {
                        let last = LAST_ISSUED.load(Ordering::Relaxed);
                        let now = super::now_micros();
                        if now.wrapping_sub(last) < BATCH_MICROS
                            || LAST_ISSUED
                                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                                .is_err()
                        {
                            // Not due, or another thread claimed this interval's fence: later.
                            return false;
                        }
                        issue();
                    }
                }
            }
        }
    }
}

/// Issues one heavy fence and publishes its completion.
#[cfg(not(loom))]
fn issue() {
    let ticket = STARTED.fetch_add(1, Ordering::Relaxed) + 1;
    super::membarrier::heavy();
    LAST_ISSUED.store(super::now_micros(), Ordering::Relaxed);
    // Release: the call returned before any thread that acquires this value goes on.
    COMPLETED.fetch_max(ticket, Ordering::Release);
}

/// Heavy fences issued in this process so far (for statistics and tests).
///
/// ```
/// let before = gracepoint_reclaim::scheme::heavy::issued();
/// # if gracepoint_reclaim::scheme::membarrier::available() {
/// gracepoint_reclaim::scheme::heavy::Ticket::take().fence_after(gracepoint_reclaim::scheme::heavy::Urgency::Now);
/// assert!(gracepoint_reclaim::scheme::heavy::issued() > before);
/// # }
/// ```
pub fn issued() -> u64 {
    #[cfg(not(loom))]
    return STARTED.load(Ordering::Relaxed);
    #[cfg(loom)]
    return 0;
}
