//! The asymmetric fence: one type for every scheme whose readers may skip the hardware fence.
//!
//! A scheme's read side and write side each run one half of a store-buffering fence pair.
//! *Symmetric*, both halves are `fence(SeqCst)`. *Asymmetric*, the reader's half is a compiler
//! fence and the writer's half is `membarrier(PRIVATE_EXPEDITED)` (see
//! [`membarrier`](super::membarrier)), which makes every CPU running one of the process's threads
//! execute a full barrier: readers get cheaper by a locked instruction, writers pay about half a
//! microsecond per heavy fence.
//!
//! A domain asks for the asymmetric kind when it is built; the first use resolves the request
//! against the kernel (once, cached process-wide), and the answer never changes afterwards, so
//! a writer never omits the heavy half that a fenceless reader relies on. Where `membarrier` is
//! refused (old kernels, some sandboxes, not Linux, no `std`, or a `--cfg reclaim_no_membarrier`
//! build), the fence is symmetric.
//!
//! Under loom both halves are real `SeqCst` fences: loom cannot model `membarrier`, so the
//! models check the ordering argument with the asymmetric pair replaced by a symmetric one.
//!
//! ```
//! use gracepoint_reclaim::scheme::AsymmetricFence;
//! static FENCE: AsymmetricFence = AsymmetricFence::new(true);
//! FENCE.reader(); // a compiler fence where membarrier works, a full fence elsewhere
//! FENCE.writer(); // membarrier where it works, a full fence elsewhere
//! assert_eq!(AsymmetricFence::new(false).is_asymmetric(), false);
//! ```

use crate::sync::{AtomicU8, Ordering, fence, light_fence};

/// Asymmetric asked for, not yet resolved: readers fence for real until it is.
const UNRESOLVED: u8 = 0;
/// Readers run a compiler fence; writers run `membarrier`.
const ASYMMETRIC: u8 = 1;
/// Both halves are `fence(SeqCst)`.
const SYMMETRIC: u8 = 2;

/// A store-buffering fence pair whose reader half may be free (see the module docs).
pub struct AsymmetricFence {
    state: AtomicU8,
}

impl core::fmt::Debug for AsymmetricFence {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AsymmetricFence")
            .field("asymmetric", &self.is_asymmetric())
            .finish()
    }
}

impl AsymmetricFence {
    crate::const_fn_unless_loom! {
        /// A fence pair, asymmetric where the kernel allows it if `asymmetric` is true.
        ///
        /// ```
        /// let fence = gracepoint_reclaim::scheme::AsymmetricFence::new(false);
        /// assert!(!fence.is_asymmetric());
        /// ```
        pub fn new(asymmetric: bool) -> Self {
            Self {
                state: AtomicU8::new(if asymmetric { UNRESOLVED } else { SYMMETRIC }),
            }
        }
    }

    /// True when readers skip the hardware fence. Resolves the request on first use; the
    /// answer never changes afterwards.
    ///
    /// ```
    /// let fence = gracepoint_reclaim::scheme::AsymmetricFence::new(true);
    /// let first = fence.is_asymmetric();
    /// assert_eq!(fence.is_asymmetric(), first); // resolved once
    /// ```
    #[inline(always)]
    pub fn is_asymmetric(&self) -> bool {
        match self.state.load(Ordering::Relaxed) {
            ASYMMETRIC => true,
            SYMMETRIC => false,
            _ => self.resolve(),
        }
    }

    #[cold]
    fn resolve(&self) -> bool {
        #[cfg(feature = "std")]
        let asymmetric = super::membarrier::available();
        #[cfg(not(feature = "std"))]
        let asymmetric = false;
        let state = if asymmetric { ASYMMETRIC } else { SYMMETRIC };
        self.state.store(state, Ordering::Relaxed);
        asymmetric
    }

    /// The reader's half: a compiler fence when asymmetric, `fence(SeqCst)` otherwise.
    ///
    /// ```
    /// gracepoint_reclaim::scheme::AsymmetricFence::new(true).reader();
    /// ```
    #[inline(always)]
    pub fn reader(&self) {
        if self.is_asymmetric() {
            light_fence();
        } else {
            fence(Ordering::SeqCst);
        }
    }

    /// The reader's half where only release ordering is needed (a message-passing pair, such
    /// as SRCU's C): a compiler fence when asymmetric, `fence(Release)` otherwise. On x86
    /// `fence(Release)` for both: it compiles to a compiler fence there, and so costs less
    /// than looking at the state.
    ///
    /// ```
    /// gracepoint_reclaim::scheme::AsymmetricFence::new(false).reader_release();
    /// ```
    #[inline(always)]
    pub fn reader_release(&self) {
        // A release fence is what the symmetric kind runs and more than the asymmetric kind
        // needs, so it is right for both; only where it costs an instruction (weak memory
        // models) is the state worth a look. Under loom the look stays: there the asymmetric
        // kind's reader half is a full fence, standing in for `membarrier` (see `light_fence`).
        if cfg!(all(
            any(target_arch = "x86_64", target_arch = "x86"),
            not(loom)
        )) {
            fence(Ordering::Release);
        } else if self.is_asymmetric() {
            light_fence();
        } else {
            fence(Ordering::Release);
        }
    }

    /// The writer's half: `membarrier` when asymmetric, `fence(SeqCst)` otherwise.
    ///
    /// ```
    /// gracepoint_reclaim::scheme::AsymmetricFence::new(true).writer();
    /// ```
    #[inline]
    pub fn writer(&self) {
        #[cfg(feature = "std")]
        if self.is_asymmetric() {
            super::membarrier::heavy();
            return;
        }
        fence(Ordering::SeqCst);
    }

    /// The writer's half, shared with the process's batch of heavy fences (see
    /// [`heavy`](super::heavy)): when asymmetric, a `membarrier` that starts after this call
    /// and completes before it returns, issued by this thread or any other, or none yet if
    /// `urgency` lets the caller wait for the next batch (then false, and the caller retries
    /// later from its first read). Symmetric, `fence(SeqCst)`, and true.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::{AsymmetricFence, clock::Urgency};
    /// assert!(AsymmetricFence::new(true).writer_batched(Urgency::Now));
    /// assert!(AsymmetricFence::new(false).writer_batched(Urgency::Batched));
    /// ```
    #[inline]
    pub fn writer_batched(&self, urgency: super::clock::Urgency) -> bool {
        #[cfg(feature = "std")]
        if self.is_asymmetric() {
            return super::heavy::Ticket::take().fence_after(urgency);
        }
        let _ = urgency;
        fence(Ordering::SeqCst);
        true
    }
}
