//! Reader slots: one cache-padded record per reader, scanned by the writer side.
//!
//! # Invariants
//! - A slot index below [`Slots::len`] refers to memory that stays valid until the array drops;
//!   slots are never freed one by one, only reused. A scan therefore never reads freed memory.
//! - An index is raised into [`Slots::len`] *before* [`Slots::get`] returns the slot, so any
//!   write a reader makes to its slot comes after the raise in program order. A scheme's reader
//!   fence (SRCU's B, GUS's enter fence) then orders both before the reader's protected loads,
//!   and the writer's scan fence orders its load of `len` after them: a scan that misses a slot
//!   only misses a reader that cannot see the data the writer retired.
//! - Ownership: with `std`, slot `i` belongs to the thread whose [`thread_id`](crate::thread_id)
//!   is `i`, or to the [`SlotClaim`] that took id `i`. Without `std`, [`Slots::claim`] hands out
//!   slots by compare-and-swap on a per-slot flag. Either way, at most one owner writes a slot at
//!   a time, so schemes may update owned slots with plain loads and stores.
//!
//! # Layout
//! `N` slots live inline (no allocator needed, buildable in a `static`). With the `alloc`
//! feature, slots past `N` live in segments that double in size and are allocated on first use
//! and published with a compare-and-swap; they are freed only when the array drops.
//!
//! ```
//! use reclaim::slots::{SlotState, Slots};
//! use reclaim::sync::{AtomicU64, Ordering};
//!
//! struct Seq(AtomicU64);
//! impl SlotState for Seq {
//!     reclaim::idle_slot!(Seq(AtomicU64::new(0)));
//! }
//!
//! static SLOTS: Slots<Seq, 4> = Slots::new();
//! SLOTS.get(2).unwrap().0.store(7, Ordering::Relaxed);
//! assert_eq!(SLOTS.len(), 3);
//! let live: u64 = SLOTS.iter().map(|s| s.0.load(Ordering::Relaxed)).sum();
//! assert_eq!(live, 7);
//! ```

#[cfg(not(feature = "std"))]
use crate::sync::AtomicBool;
use crate::sync::{AtomicUsize, Ordering};
use core::fmt;
use crossbeam_utils::CachePadded;

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "alloc")]
use crate::sync::AtomicPtr;

/// The per-reader state a scheme keeps in each slot.
///
/// Implement it with [`idle_slot!`](crate::idle_slot), which gives the idle value both as a
/// `const` (so slot arrays build in `static`s) and, under loom, as a function.
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
/// struct Counter(reclaim::sync::AtomicU64);
/// impl reclaim::slots::SlotState for Counter {
///     reclaim::idle_slot!(Counter(reclaim::sync::AtomicU64::new(0)));
/// }
/// ```
#[macro_export]
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
/// let full = reclaim::slots::SlotsFull { index: 8, capacity: 8 };
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

/// One reader's slot: the scheme's state, plus the claim flag used without `std`.
struct Slot<S> {
    state: S,
    #[cfg(not(feature = "std"))]
    claimed: AtomicBool,
}

impl<S: SlotState> Slot<S> {
    crate::const_fn_unless_loom! {
        fn idle() -> Self {
            #[cfg(not(loom))]
            let state = S::IDLE;
            #[cfg(loom)]
            let state = S::idle();
            Self {
                state,
                #[cfg(not(feature = "std"))]
                claimed: AtomicBool::new(false),
            }
        }
    }
}

/// The first growable segment holds this many slots; segment `k` holds `FIRST_SEGMENT << k`.
#[cfg(feature = "alloc")]
const FIRST_SEGMENT: usize = 16;
/// Enough segments for far more threads than any machine runs.
#[cfg(feature = "alloc")]
const SEGMENTS: usize = 24;

/// A cache-padded array of reader slots: `N` inline, and more on demand with `alloc`.
pub struct Slots<S: SlotState, const N: usize> {
    inline: [CachePadded<Slot<S>>; N],
    #[cfg(feature = "alloc")]
    segments: [AtomicPtr<CachePadded<Slot<S>>>; SEGMENTS],
    len: AtomicUsize,
}

// SAFETY: slots are only reached through `&S`, and `S: Sync`; segment pointers own their memory.
unsafe impl<S: SlotState, const N: usize> Sync for Slots<S, N> {}
// SAFETY: as above; moving the array moves ownership of the segments with it.
unsafe impl<S: SlotState, const N: usize> Send for Slots<S, N> {}

impl<S: SlotState, const N: usize> Default for Slots<S, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: SlotState, const N: usize> Slots<S, N> {
    crate::const_fn_unless_loom! {
        /// An array of `N` idle inline slots (and, with `alloc`, no segments yet).
        ///
        /// ```
        /// # use reclaim::slots::{SlotState, Slots};
        /// # struct S(reclaim::sync::AtomicU64);
        /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
        /// let slots: Slots<S, 2> = Slots::new();
        /// assert_eq!(slots.len(), 0);
        /// ```
        pub fn new() -> Self {
            Self {
                #[cfg(not(loom))]
                inline: [const { CachePadded::new(Slot::idle()) }; N],
                #[cfg(loom)]
                inline: core::array::from_fn(|_| CachePadded::new(Slot::idle())),
                #[cfg(all(feature = "alloc", not(loom)))]
                segments: [const { AtomicPtr::new(core::ptr::null_mut()) }; SEGMENTS],
                #[cfg(all(feature = "alloc", loom))]
                segments: core::array::from_fn(|_| AtomicPtr::new(core::ptr::null_mut())),
                len: AtomicUsize::new(0),
            }
        }
    }

    /// How many slots the array can ever hold: `Some(N)` without `alloc`, `None` (unbounded)
    /// with it.
    ///
    /// ```
    /// # use reclaim::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 2> = Slots::new();
    /// assert_eq!(slots.capacity(), if cfg!(feature = "alloc") { None } else { Some(2) });
    /// ```
    pub const fn capacity(&self) -> Option<usize> {
        if cfg!(feature = "alloc") {
            None
        } else {
            Some(N)
        }
    }

    /// One past the highest slot index handed out so far: a scan covers `0..len()`.
    ///
    /// ```
    /// # use reclaim::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 4> = Slots::new();
    /// slots.get(3).unwrap();
    /// assert_eq!(slots.len(), 4);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// True when no slot has been handed out yet.
    ///
    /// ```
    /// # use reclaim::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 4> = Slots::new();
    /// assert!(slots.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The slot at `index`, allocating its segment if needed, or [`SlotsFull`] when `index` is
    /// past a fixed capacity.
    ///
    /// The caller must own `index` (see the module's invariants) before writing to the slot.
    ///
    /// ```
    /// # use reclaim::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 1> = Slots::new();
    /// assert!(slots.get(0).is_ok());
    /// # #[cfg(not(feature = "alloc"))]
    /// assert!(slots.get(1).is_err());
    /// ```
    #[inline]
    pub fn get(&self, index: usize) -> Result<&S, SlotsFull> {
        let slot = self.slot(index)?;
        if index >= self.len.load(Ordering::Relaxed) {
            // Ordered before the reader's own fence by program order; see the invariants.
            self.len.fetch_max(index + 1, Ordering::Relaxed);
        }
        Ok(&slot.state)
    }

    /// The calling thread's own slot.
    ///
    /// ```
    /// # use reclaim::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 0> = Slots::new();
    /// assert!(slots.current_thread().is_ok());
    /// ```
    #[cfg(feature = "std")]
    #[inline]
    pub fn current_thread(&self) -> Result<&S, SlotsFull> {
        self.get(crate::thread_id::current())
    }

    /// Takes a slot for the caller's exclusive use until the claim drops.
    ///
    /// With `std` the claim takes a fresh id from the [`thread_id`](crate::thread_id) pool, so it
    /// never collides with a thread's own slot; without it, the lowest free slot is taken.
    ///
    /// ```
    /// # use reclaim::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 2> = Slots::new();
    /// let a = slots.claim().unwrap();
    /// let b = slots.claim().unwrap();
    /// assert_ne!(a.index(), b.index());
    /// ```
    pub fn claim(&self) -> Result<SlotClaim<'_, S, N>, SlotsFull> {
        #[cfg(feature = "std")]
        {
            let index = crate::thread_id::acquire();
            match self.get(index) {
                Ok(_) => Ok(SlotClaim { slots: self, index }),
                Err(full) => {
                    crate::thread_id::release(index);
                    Err(full)
                }
            }
        }
        #[cfg(not(feature = "std"))]
        {
            let mut index = 0;
            loop {
                let slot = self.slot(index)?;
                if !slot.claimed.load(Ordering::Relaxed)
                    && slot
                        .claimed
                        .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                {
                    self.get(index)?;
                    return Ok(SlotClaim { slots: self, index });
                }
                index += 1;
            }
        }
    }

    /// Every slot handed out so far, in index order.
    ///
    /// ```
    /// # use reclaim::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 4> = Slots::new();
    /// slots.get(1).unwrap();
    /// assert_eq!(slots.iter().count(), 2);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &S> + '_ {
        let len = self.len();
        let inline = self.inline[..len.min(N)].iter().map(|slot| &slot.state);
        #[cfg(feature = "alloc")]
        let grown = (0..SEGMENTS)
            .take_while(move |&k| N + segment_start(k) < len)
            .filter_map(move |k| {
                let segment = self.segments[k].load(Ordering::Acquire);
                if segment.is_null() {
                    return None;
                }
                let in_use = (len - N - segment_start(k)).min(FIRST_SEGMENT << k);
                // SAFETY: a published segment holds `FIRST_SEGMENT << k` initialised slots and
                // lives until `self` drops.
                Some(unsafe { core::slice::from_raw_parts(segment, in_use) })
            })
            .flatten()
            .map(|slot| &slot.state);
        #[cfg(not(feature = "alloc"))]
        let grown = core::iter::empty();
        inline.chain(grown)
    }

    #[inline]
    fn slot(&self, index: usize) -> Result<&Slot<S>, SlotsFull> {
        if index < N {
            return Ok(&self.inline[index]);
        }
        #[cfg(feature = "alloc")]
        {
            let (k, offset) = segment_of(index - N);
            let mut segment = self.segments[k].load(Ordering::Acquire);
            if segment.is_null() {
                segment = self.grow(k);
            }
            // SAFETY: `offset < FIRST_SEGMENT << k`, the length of segment `k`.
            Ok(unsafe { &*segment.add(offset) })
        }
        #[cfg(not(feature = "alloc"))]
        Err(SlotsFull { index, capacity: N })
    }

    #[cfg(feature = "alloc")]
    #[cold]
    fn grow(&self, k: usize) -> *mut CachePadded<Slot<S>> {
        let fresh: alloc::boxed::Box<[CachePadded<Slot<S>>]> = (0..FIRST_SEGMENT << k)
            .map(|_| CachePadded::new(Slot::idle()))
            .collect();
        let fresh = alloc::boxed::Box::into_raw(fresh).cast::<CachePadded<Slot<S>>>();
        // AcqRel/Acquire publish the segment's initialised contents to every later `Acquire`
        // load of the pointer; this is data publication, not one of the algorithms' fences.
        match self.segments[k].compare_exchange(
            core::ptr::null_mut(),
            fresh,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => fresh,
            Err(winner) => {
                // SAFETY: `fresh` was never shared; rebuild the box it came from to free it.
                drop(unsafe { free_segment(fresh, k) });
                winner
            }
        }
    }
}

/// Where segment `k` starts, counted from the first slot past the inline ones.
#[cfg(feature = "alloc")]
#[inline]
const fn segment_start(k: usize) -> usize {
    FIRST_SEGMENT * ((1 << k) - 1)
}

/// The segment and the offset inside it of growable index `j`.
#[cfg(feature = "alloc")]
#[inline]
fn segment_of(j: usize) -> (usize, usize) {
    let k = (usize::BITS - 1 - (j / FIRST_SEGMENT + 1).leading_zeros()) as usize;
    (k, j - segment_start(k))
}

/// # Safety
/// `segment` must come from `grow(k)` and must not be used afterwards.
#[cfg(feature = "alloc")]
unsafe fn free_segment<S>(
    segment: *mut CachePadded<Slot<S>>,
    k: usize,
) -> alloc::boxed::Box<[CachePadded<Slot<S>>]> {
    let slice = core::ptr::slice_from_raw_parts_mut(segment, FIRST_SEGMENT << k);
    // SAFETY: as the caller promises, `slice` is exactly the box `grow` leaked.
    unsafe { alloc::boxed::Box::from_raw(slice) }
}

#[cfg(feature = "alloc")]
impl<S: SlotState, const N: usize> Drop for Slots<S, N> {
    fn drop(&mut self) {
        for k in 0..SEGMENTS {
            let segment = self.segments[k].load(Ordering::Relaxed);
            if !segment.is_null() {
                // SAFETY: `&mut self` means no reader or scan can still reach the segment.
                drop(unsafe { free_segment(segment, k) });
            }
        }
    }
}

/// A slot taken with [`Slots::claim`]; it is handed back when this drops.
pub struct SlotClaim<'a, S: SlotState, const N: usize> {
    slots: &'a Slots<S, N>,
    index: usize,
}

impl<S: SlotState, const N: usize> SlotClaim<'_, S, N> {
    /// The claimed slot's index.
    ///
    /// ```
    /// # use reclaim::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 2> = Slots::new();
    /// let claim = slots.claim().unwrap();
    /// assert!(claim.index() < slots.len());
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// The claimed slot's state, for the owner to write.
    ///
    /// ```
    /// # use reclaim::slots::{SlotState, Slots};
    /// # use reclaim::sync::Ordering;
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 2> = Slots::new();
    /// let claim = slots.claim().unwrap();
    /// claim.state().0.store(3, Ordering::Relaxed);
    /// ```
    pub fn state(&self) -> &S {
        &self
            .slots
            .slot(self.index)
            .expect("a claimed slot exists")
            .state
    }
}

impl<S: SlotState, const N: usize> Drop for SlotClaim<'_, S, N> {
    fn drop(&mut self) {
        #[cfg(feature = "std")]
        crate::thread_id::release(self.index);
        #[cfg(not(feature = "std"))]
        if let Ok(slot) = self.slots.slot(self.index) {
            // Release pairs with the Acquire of the next claimer's compare-and-swap: the next
            // owner sees this owner's last writes to the slot.
            slot.claimed.store(false, Ordering::Release);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::AtomicU64;
    use std::prelude::rust_2024::*;

    struct Counter(AtomicU64);
    impl SlotState for Counter {
        crate::idle_slot!(Counter(AtomicU64::new(0)));
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn segments_cover_every_index_once() {
        let mut expected = (0, 0);
        for j in 0..10_000 {
            assert_eq!(segment_of(j), expected, "index {j}");
            expected.1 += 1;
            if expected.1 == FIRST_SEGMENT << expected.0 {
                expected = (expected.0 + 1, 0);
            }
        }
    }

    #[cfg(feature = "alloc")]
    #[test]
    fn growth_keeps_every_slot_and_scans_each_once() {
        let slots: Slots<Counter, 3> = Slots::new();
        for i in (0..500).rev().step_by(7) {
            slots
                .get(i)
                .unwrap()
                .0
                .store(i as u64 + 1, Ordering::Relaxed);
        }
        assert_eq!(slots.len(), 500);
        let seen: Vec<u64> = slots.iter().map(|s| s.0.load(Ordering::Relaxed)).collect();
        let expected: Vec<u64> = (0..500)
            .map(|i| if (499 - i) % 7 == 0 { i as u64 + 1 } else { 0 })
            .collect();
        assert_eq!(seen, expected);
    }

    #[cfg(feature = "std")]
    #[test]
    fn concurrent_growth_publishes_one_segment() {
        let slots: Slots<Counter, 0> = Slots::new();
        std::thread::scope(|s| {
            for t in 0..4 {
                let slots = &slots;
                s.spawn(move || {
                    for i in 0..300 {
                        slots
                            .get(i * 4 + t)
                            .unwrap()
                            .0
                            .fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert!(slots.iter().all(|s| s.0.load(Ordering::Relaxed) == 1));
        assert_eq!(slots.iter().count(), 1200);
    }

    #[cfg(feature = "std")]
    #[test]
    fn claims_do_not_collide_with_each_other_or_threads() {
        let slots: Slots<Counter, 0> = Slots::new();
        let mine = crate::thread_id::current();
        let a = slots.claim().unwrap();
        let b = slots.claim().unwrap();
        assert_ne!(a.index(), b.index());
        assert_ne!(a.index(), mine);
        assert_ne!(b.index(), mine);
    }

    #[cfg(not(feature = "alloc"))]
    #[test]
    fn fixed_array_reports_full() {
        let slots: Slots<Counter, 1> = Slots::new();
        let _first = slots.claim().unwrap();
        let err = slots.claim().err().unwrap();
        assert_eq!(err.capacity, 1);
    }
}
