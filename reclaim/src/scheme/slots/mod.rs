//! Reader slots: one cache-padded record per reader, scanned by the writer side.
//!
//! # Invariants
//! - A slot index below [`Slots::len`] refers to memory that stays valid until the array drops;
//!   slots are never freed one by one, only reused. A scan therefore never reads freed memory.
//! - An index is raised into [`Slots::len`] *before* a slot is handed to its owner, so any write
//!   a reader makes to its slot comes after the raise in program order. A scheme's reader fence
//!   (SRCU's B, GUS's enter fence, the epoch pin fence) then orders both before the reader's
//!   protected loads, and the writer's scan fence orders its load of `len` after them: a scan
//!   that misses a slot only misses a reader that cannot see the data the writer retired.
//! - **Ownership.** Each slot has at most one owner at a time: with `std`, the thread whose
//!   (crate-private) thread id is the slot's index, or the [`SlotClaim`] that took an id; without
//!   `std`, the [`SlotClaim`] that won the slot's claim flag. Only an [`Owned`] handle reaches the
//!   owner-only parts of a slot (plain counters, the local bag's fill side), and only this crate
//!   makes such handles, so safe code cannot make two threads write one slot's owner-only parts.
//!   [`Slots::shared`] gives any slot to anyone, for atomic read-modify-writes and scans.
//!
//! # Layout
//! A slot holds the scheme's reader state `S`, the slot's [`LocalBag`] of retired objects and
//! a few owner-only words, cache-padded, in 256 bytes for every scheme in this workspace. `N`
//! slots live inline (no allocator needed, buildable in a `static`). With the `alloc` feature,
//! slots past `N` live in segments that double in size, are allocated on first use, published
//! with a compare-and-swap, and freed only when the array drops.
//!
//! # The read path
//! [`Slots::mine`] finds the calling thread's slot with one thread-local load and one compare in
//! the common case: the thread remembers the last slot it looked up in a segment, keyed by the
//! array's process-unique key (segments never move, so the key alone proves the pointer good);
//! an inline slot is found by indexing with the thread id.
//!
//! ```
//! use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
//! use gracepoint_reclaim::sync::{AtomicU64, Ordering};
//!
//! struct Seq(AtomicU64);
//! impl SlotState for Seq {
//!     gracepoint_reclaim::idle_slot!(Seq(AtomicU64::new(0)));
//! }
//!
//! static SLOTS: Slots<Seq, 4> = Slots::new();
//! let mine = SLOTS.mine().unwrap();
//! mine.state().0.store(7, Ordering::Relaxed);
//! let live: u64 = SLOTS.iter().map(|s| s.state().0.load(Ordering::Relaxed)).sum();
//! assert_eq!(live, 7);
//! ```

mod array;
mod claim;
mod owned;
#[cfg(all(test, not(loom)))]
mod tests;

pub use array::Slots;
pub use claim::{SectionSlot, SlotClaim};
pub use owned::Owned;

use super::bag::LocalBag;
#[cfg(not(feature = "std"))]
use crate::sync::AtomicBool;
use crate::sync::{AtomicU8, Ordering, OwnerCell};
use core::fmt;

/// The per-reader state a scheme keeps in each slot.
///
/// Implement it with [`idle_slot!`](crate::idle_slot), which gives the idle value both as a
/// `const` (so slot arrays build in `static`s) and, under loom, as a function.
///
/// ```
/// use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
/// use gracepoint_reclaim::sync::{AtomicU64, Ordering};
///
/// /// The counter a reader publishes while inside a section; 0 when idle.
/// struct Published(AtomicU64);
/// impl SlotState for Published {
///     gracepoint_reclaim::idle_slot!(Published(AtomicU64::new(0)));
/// }
///
/// static SLOTS: Slots<Published, 4> = Slots::new();
/// let slot = SLOTS.shared(3).unwrap();
/// assert_eq!(slot.state().0.load(Ordering::Relaxed), 0); // every slot starts idle
/// ```
pub trait SlotState: Send + Sync + 'static {
    /// The state of a slot no reader has used.
    #[cfg(not(loom))]
    const IDLE: Self;
    /// The state of a slot no reader has used.
    #[cfg(loom)]
    fn idle() -> Self;
}

/// Implements the body of [`SlotState`] from one expression for the idle state.
///
/// ```
/// struct Counter(gracepoint_reclaim::sync::AtomicU64);
/// impl gracepoint_reclaim::scheme::slots::SlotState for Counter {
///     gracepoint_reclaim::idle_slot!(Counter(gracepoint_reclaim::sync::AtomicU64::new(0)));
/// }
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! idle_slot {
    ($idle:expr) => {
        #[cfg(not(loom))]
        #[allow(clippy::declare_interior_mutable_const)]
        const IDLE: Self = $idle;
        #[cfg(loom)]
        fn idle() -> Self {
            $idle
        }
    };
}

/// A slot array has no room for another reader.
///
/// ```
/// let full = gracepoint_reclaim::SlotsFull { index: 8, capacity: 8 };
/// assert!(full.to_string().contains("fixed capacity of 8"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotsFull {
    /// The slot index that was asked for.
    pub index: usize,
    /// How many slots the array can hold.
    pub capacity: usize,
}

impl fmt::Display for SlotsFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "reader slot {} does not fit: the domain has a fixed capacity of {} reader slots; \
             build it with more slots, or enable the `alloc` feature for a growable array",
            self.index, self.capacity
        )
    }
}

impl core::error::Error for SlotsFull {}

/// Panics with the one message every scheme gives when a read section finds no slot: a fixed
/// slot array is full (an `Err` is returned instead wherever the API can: `register`).
///
/// ```should_panic
/// gracepoint_reclaim::scheme::slots::slots_full("srcu", gracepoint_reclaim::SlotsFull { index: 4, capacity: 4 });
/// ```
#[cold]
#[inline(never)]
#[track_caller]
pub fn slots_full(scheme: &str, full: SlotsFull) -> ! {
    panic!("{scheme}: {full}")
}

/// One reader's slot: the scheme's state, the slot's bag of retired objects, and the owner-only
/// words the shared retire path keeps.
///
/// ```
/// use gracepoint_reclaim::scheme::slots::{Slot, SlotState, Slots};
/// use gracepoint_reclaim::sync::{AtomicU64, Ordering};
/// # struct Seq(AtomicU64);
/// # impl SlotState for Seq { gracepoint_reclaim::idle_slot!(Seq(AtomicU64::new(0))); }
/// let slots: Slots<Seq, 0> = Slots::new();
/// let mine: &Slot<Seq> = slots.mine().unwrap().slot();
/// mine.state().0.store(9, Ordering::Relaxed);
/// // The same slot, as a writer's scan finds it:
/// let index = slots.iter().position(|slot| core::ptr::eq(slot, mine)).unwrap();
/// assert_eq!(slots.shared(index).unwrap().state().0.load(Ordering::Relaxed), 9);
/// ```
pub struct Slot<S> {
    state: S,
    bag: LocalBag,
    /// Set by the owner while it holds objects it took out of its bag and has not yet handed to
    /// the domain; `barrier` waits for it to clear.
    sealing: AtomicU8,
    /// Owner-only: the domain's grace-period frontier when the bag got its first object.
    birth: OwnerCell<u64>,
    /// Owner-only: how many bags this slot has sealed, to pace grace-period steps.
    seals: OwnerCell<u32>,
    /// Owner-only: the work a seal left for the end of the owner's read section, as
    /// [`Deferred`] bits.
    deferred: OwnerCell<u8>,
    /// Owner-only: how many sections the owner holds open on this slot (guards, not `Send`
    /// tokens). Tells the retire path, and the misuse checks, whether the owner is inside.
    depth: OwnerCell<u32>,
    #[cfg(not(feature = "std"))]
    claimed: AtomicBool,
}

/// The kinds of work a seal may leave for the end of its owner's read section.
pub(crate) struct Deferred;

impl Deferred {
    /// A grace-period step.
    pub(crate) const STEP: u8 = 1;
    /// A collection of the bags whose grace period ended.
    pub(crate) const COLLECT: u8 = 2;
}

/// Every slot starts idle: its state is the scheme's idle value, and its bag is empty.
///
/// ```
/// use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
/// use gracepoint_reclaim::sync::{AtomicU64, Ordering};
/// struct Seq(AtomicU64);
/// impl SlotState for Seq {
///     gracepoint_reclaim::idle_slot!(Seq(AtomicU64::new(7)));
/// }
/// let slots: Slots<Seq, 2> = Slots::new();
/// let slot = slots.shared(1).unwrap();
/// assert_eq!(slot.state().0.load(Ordering::Relaxed), 7);
/// assert!(slot.bag().is_empty());
/// ```
impl<S: SlotState> Slot<S> {
    crate::const_fn_unless_loom! {
        fn idle() -> Self {
            #[cfg(not(loom))]
            let state = S::IDLE;
            #[cfg(loom)]
            let state = S::idle();
            Self {
                state,
                bag: LocalBag::new(),
                sealing: AtomicU8::new(0),
                birth: OwnerCell::new(0),
                seals: OwnerCell::new(0),
                deferred: OwnerCell::new(0),
                depth: OwnerCell::new(0),
                #[cfg(not(feature = "std"))]
                claimed: AtomicBool::new(false),
            }
        }
    }
}

/// What anyone may reach in any slot: the scheme's state (for scans) and the bag (for takes).
///
/// ```
/// use gracepoint_reclaim::scheme::slots::{Slot, SlotState, Slots};
/// use gracepoint_reclaim::sync::{AtomicU64, Ordering};
/// # struct Seq(AtomicU64);
/// # impl SlotState for Seq { gracepoint_reclaim::idle_slot!(Seq(AtomicU64::new(0))); }
/// static SLOTS: Slots<Seq, 4> = Slots::new();
/// SLOTS.shared(2).unwrap().state().0.store(5, Ordering::Relaxed);
/// let busy: Vec<usize> = SLOTS
///     .iter()
///     .enumerate()
///     .filter(|(_, slot)| slot.state().0.load(Ordering::Relaxed) != 0)
///     .map(|(index, _)| index)
///     .collect();
/// assert_eq!(busy, [2]);
/// assert!(SLOTS.iter().all(|slot| slot.bag().is_empty()));
/// ```
impl<S> Slot<S> {
    /// The scheme's reader state.
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 1> = Slots::new();
    /// let _state: &S = slots.shared(0).unwrap().state();
    /// ```
    #[inline(always)]
    pub fn state(&self) -> &S {
        &self.state
    }

    /// The slot's bag of retired objects (anyone may take from it).
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 1> = Slots::new();
    /// assert!(slots.shared(0).unwrap().bag().is_empty());
    /// ```
    #[inline(always)]
    pub fn bag(&self) -> &LocalBag {
        &self.bag
    }

    /// True while the owner holds objects taken from its bag and not yet handed over.
    pub(crate) fn sealing(&self) -> bool {
        // Acquire pairs with the Release store that clears the flag after the hand-over.
        self.sealing.load(Ordering::Acquire) != 0
    }
}

impl<S> fmt::Debug for Slot<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slot")
            .field("bag", &self.bag)
            .finish_non_exhaustive()
    }
}
