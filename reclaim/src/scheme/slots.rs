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
//! use reclaim::scheme::slots::{SlotState, Slots};
//! use reclaim::sync::{AtomicU64, Ordering};
//!
//! struct Seq(AtomicU64);
//! impl SlotState for Seq {
//!     reclaim::idle_slot!(Seq(AtomicU64::new(0)));
//! }
//!
//! static SLOTS: Slots<Seq, 4> = Slots::new();
//! let mine = SLOTS.mine().unwrap();
//! mine.state().0.store(7, Ordering::Relaxed);
//! let live: u64 = SLOTS.iter().map(|s| s.state().0.load(Ordering::Relaxed)).sum();
//! assert_eq!(live, 7);
//! ```

use super::bag::LocalBag;
#[cfg(not(feature = "std"))]
use crate::sync::AtomicBool;
use crate::sync::{AtomicU8, AtomicUsize, Ordering, OwnerCell};
use core::fmt;
use core::marker::PhantomData;
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
/// impl reclaim::scheme::slots::SlotState for Counter {
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
/// let full = reclaim::SlotsFull { index: 8, capacity: 8 };
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

/// One reader's slot: the scheme's state, the slot's bag of retired objects, and the owner-only
/// words the shared retire path keeps.
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
                bag: LocalBag::new(),
                sealing: AtomicU8::new(0),
                birth: OwnerCell::new(0),
                seals: OwnerCell::new(0),
                #[cfg(not(feature = "std"))]
                claimed: AtomicBool::new(false),
            }
        }
    }
}

impl<S> Slot<S> {
    /// The scheme's reader state.
    ///
    /// ```
    /// # use reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
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
    /// # use reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
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

/// Proof that the caller owns a slot: the way to its owner-only parts. Made only by
/// [`Slots::mine`] (the calling thread's slot) and [`SlotClaim::owned`]; not `Send`, because
/// ownership by thread id does not travel.
pub struct Owned<'a, S> {
    slot: &'a Slot<S>,
    _not_send: PhantomData<*const ()>,
}

impl<S> Clone for Owned<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S> Copy for Owned<'_, S> {}

impl<S> fmt::Debug for Owned<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Owned").field(self.slot).finish()
    }
}

impl<'a, S> Owned<'a, S> {
    /// # Safety
    /// The caller owns `slot` for `'a`.
    #[inline(always)]
    pub(crate) unsafe fn new(slot: &'a Slot<S>) -> Self {
        Self {
            slot,
            _not_send: PhantomData,
        }
    }

    /// The owned slot's reader state.
    ///
    /// ```
    /// # use reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 0> = Slots::new();
    /// let _state: &S = slots.mine().unwrap().state();
    /// ```
    #[inline(always)]
    pub fn state(self) -> &'a S {
        &self.slot.state
    }

    /// The owned slot.
    ///
    /// ```
    /// # use reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 0> = Slots::new();
    /// assert!(slots.mine().unwrap().slot().bag().is_empty());
    /// ```
    #[inline(always)]
    pub fn slot(self) -> &'a Slot<S> {
        self.slot
    }

    #[inline(always)]
    pub(crate) fn set_sealing(self, on: bool) {
        // Release (when clearing) pairs with the Acquire in `Slot::sealing`: a barrier that
        // sees the flag clear also sees the hand-over that preceded it.
        self.slot.sealing.store(u8::from(on), Ordering::Release);
    }

    #[inline(always)]
    pub(crate) fn birth(self) -> u64 {
        // SAFETY: `Owned` proves ownership.
        unsafe { self.slot.birth.get() }
    }

    #[inline(always)]
    pub(crate) fn set_birth(self, frontier: u64) {
        // SAFETY: `Owned` proves ownership.
        unsafe { self.slot.birth.set(frontier) }
    }

    /// Counts one more sealed bag and returns the new count.
    #[inline(always)]
    pub(crate) fn count_seal(self) -> u32 {
        // SAFETY: `Owned` proves ownership.
        let seals = unsafe { self.slot.seals.get() }.wrapping_add(1);
        // SAFETY: as above.
        unsafe { self.slot.seals.set(seals) };
        seals
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
    /// Process-unique, assigned on first use (the constructor is `const`): the key of the
    /// per-thread slot cache. 0 until assigned.
    #[cfg(all(feature = "std", not(loom)))]
    key: core::sync::atomic::AtomicU64,
}

// SAFETY: slots are reached through `&Slot<S>` (atomics, and owner-only cells guarded by
// `Owned`), and `S: Sync`; segment pointers own their memory.
unsafe impl<S: SlotState, const N: usize> Sync for Slots<S, N> {}
// SAFETY: as above; moving the array moves ownership of the segments with it.
unsafe impl<S: SlotState, const N: usize> Send for Slots<S, N> {}

impl<S: SlotState, const N: usize> Default for Slots<S, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: SlotState, const N: usize> fmt::Debug for Slots<S, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slots")
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl<S: SlotState, const N: usize> Slots<S, N> {
    crate::const_fn_unless_loom! {
        /// An array of `N` idle inline slots (and, with `alloc`, no segments yet).
        ///
        /// ```
        /// # use reclaim::scheme::slots::{SlotState, Slots};
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
                #[cfg(all(feature = "std", not(loom)))]
                key: core::sync::atomic::AtomicU64::new(0),
            }
        }
    }

    /// How many slots the array can ever hold: `Some(N)` without `alloc`, `None` (unbounded)
    /// with it.
    ///
    /// ```
    /// # use reclaim::scheme::slots::{SlotState, Slots};
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
    /// # use reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 4> = Slots::new();
    /// slots.shared(3).unwrap();
    /// assert_eq!(slots.len(), 4);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// True when no slot has been handed out yet.
    ///
    /// ```
    /// # use reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 4> = Slots::new();
    /// assert!(slots.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The slot at `index`, for any thread (atomic read-modify-writes, scans, taking from its
    /// bag), allocating its segment if needed; [`SlotsFull`] when `index` is past a fixed
    /// capacity. Its owner-only parts stay out of reach: they need an [`Owned`].
    ///
    /// ```
    /// # use reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 1> = Slots::new();
    /// assert!(slots.shared(0).is_ok());
    /// # #[cfg(not(feature = "alloc"))]
    /// assert!(slots.shared(1).is_err());
    /// ```
    #[inline]
    pub fn shared(&self, index: usize) -> Result<&Slot<S>, SlotsFull> {
        let slot = self.slot(index)?;
        self.note_in_use(index);
        Ok(slot)
    }

    /// Raises `len` to cover `index`; runs before the slot is handed out (see the invariants).
    #[inline]
    fn note_in_use(&self, index: usize) {
        if index >= self.len.load(Ordering::Relaxed) {
            // Ordered before the reader's own fence by program order; see the invariants.
            self.len.fetch_max(index + 1, Ordering::Relaxed);
        }
    }

    /// The calling thread's own slot: one thread-local load and one compare when the thread
    /// has used this array before.
    ///
    /// ```
    /// # use reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 0> = Slots::new();
    /// let a = slots.mine().unwrap().slot() as *const _;
    /// let b = slots.mine().unwrap().slot() as *const _;
    /// assert_eq!(a, b);
    /// ```
    #[cfg(feature = "std")]
    #[inline]
    pub fn mine(&self) -> Result<Owned<'_, S>, SlotsFull> {
        if N > 0 {
            let id = super::thread::current();
            if id < N {
                // SAFETY: slot `id` belongs to the thread with id `id`: this one. It was raised
                // into `len` when the thread first took it (`mine_slow`).
                if id < self.len.load(Ordering::Relaxed) {
                    return Ok(unsafe { Owned::new(&self.inline[id]) });
                }
            }
        }
        #[cfg(not(loom))]
        if let Some(slot) = super::thread::cached(self.key.load(Ordering::Relaxed)) {
            // SAFETY: `remember` was called with this array's key and this thread's segment
            // slot; keys are never reused and segments never move or die before the array.
            return Ok(unsafe { Owned::new(&*slot.cast::<Slot<S>>()) });
        }
        self.mine_slow()
    }

    #[cfg(feature = "std")]
    #[cold]
    fn mine_slow(&self) -> Result<Owned<'_, S>, SlotsFull> {
        let id = super::thread::current();
        let slot = self.shared(id)?;
        #[cfg(not(loom))]
        if id >= N {
            let key = match self.key.load(Ordering::Relaxed) {
                0 => {
                    let fresh = super::thread::next_key();
                    match self
                        .key
                        .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
                    {
                        Ok(_) => fresh,
                        Err(winner) => winner,
                    }
                }
                key => key,
            };
            // SAFETY: a segment slot, owned by this thread's id, valid while the array lives.
            unsafe { super::thread::remember(key, (slot as *const Slot<S>).cast()) };
        }
        // SAFETY: slot `id` belongs to this thread (see the module's ownership invariant).
        Ok(unsafe { Owned::new(slot) })
    }

    /// Takes a slot for the caller's exclusive use until the claim drops: the `no_std` way to
    /// own a slot, and a way to give one reader its own slot under `std`.
    ///
    /// With `std` the claim takes a fresh thread id, so it never collides with a thread's own
    /// slot; without it, the lowest free slot is taken.
    ///
    /// ```
    /// # use reclaim::scheme::slots::{SlotState, Slots};
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
            let index = super::thread::acquire();
            match self.shared(index) {
                Ok(slot) => Ok(SlotClaim {
                    slots: self,
                    slot,
                    index,
                    _not_sync: PhantomData,
                }),
                Err(full) => {
                    // SAFETY: the id was just taken and never used.
                    unsafe { super::thread::release(index) };
                    Err(full)
                }
            }
        }
        #[cfg(not(feature = "std"))]
        {
            let mut index = 0;
            loop {
                let slot = self.slot(index)?;
                // Acquire pairs with the Release in `SlotClaim::drop`: the previous owner's
                // writes to the slot happen before this owner's.
                if !slot.claimed.load(Ordering::Relaxed)
                    && slot
                        .claimed
                        .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                        .is_ok()
                {
                    self.note_in_use(index);
                    return Ok(SlotClaim {
                        slots: self,
                        slot,
                        index,
                        _not_sync: PhantomData,
                    });
                }
                index += 1;
            }
        }
    }

    /// Every slot handed out so far, in index order.
    ///
    /// ```
    /// # use reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 4> = Slots::new();
    /// slots.shared(1).unwrap();
    /// assert_eq!(slots.iter().count(), 2);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = &Slot<S>> + '_ {
        let len = self.len();
        let inline = self.inline[..len.min(N)].iter().map(|slot| &**slot);
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
            .map(|slot| &**slot);
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
///
/// `Send` (a claim may move to another thread between uses) but not `Sync`: one thread at a
/// time uses the slot it owns. (A shared claim would let two threads call
/// [`owned`](SlotClaim::owned) at once and write the slot's owner-only parts together.)
///
/// ```compile_fail
/// # use reclaim::scheme::slots::{SlotClaim, SlotState};
/// # struct S(reclaim::sync::AtomicU64);
/// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
/// fn shared<T: Sync>() {}
/// shared::<SlotClaim<'static, S, 1>>();
/// ```
pub struct SlotClaim<'a, S: SlotState, const N: usize> {
    slots: &'a Slots<S, N>,
    slot: &'a Slot<S>,
    index: usize,
    _not_sync: PhantomData<core::cell::Cell<()>>,
}

// SAFETY: moving the claim moves the ownership of its slot; the next user sees the previous
// one's writes through whatever synchronization moved the claim.
unsafe impl<S: SlotState, const N: usize> Send for SlotClaim<'_, S, N> {}

impl<S: SlotState, const N: usize> fmt::Debug for SlotClaim<'_, S, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlotClaim")
            .field("index", &self.index)
            .finish()
    }
}

impl<'a, S: SlotState, const N: usize> SlotClaim<'a, S, N> {
    /// The claimed slot's index.
    ///
    /// ```
    /// # use reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 2> = Slots::new();
    /// let claim = slots.claim().unwrap();
    /// assert!(claim.index() < slots.len());
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Ownership of the claimed slot, for as long as the claim is borrowed.
    ///
    /// ```
    /// # use reclaim::scheme::slots::{SlotState, Slots};
    /// # use reclaim::sync::Ordering;
    /// # struct S(reclaim::sync::AtomicU64);
    /// # impl SlotState for S { reclaim::idle_slot!(S(reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 2> = Slots::new();
    /// let claim = slots.claim().unwrap();
    /// claim.owned().state().0.store(3, Ordering::Relaxed);
    /// ```
    #[inline(always)]
    pub fn owned(&self) -> Owned<'_, S> {
        // SAFETY: the claim owns its slot, and `&self` keeps it (`!Sync`, so one thread).
        unsafe { Owned::new(self.slot) }
    }
}

impl<S: SlotState, const N: usize> Drop for SlotClaim<'_, S, N> {
    fn drop(&mut self) {
        let _ = self.slots;
        #[cfg(feature = "std")]
        // SAFETY: the claim took this id in `claim` and is done with it.
        unsafe {
            super::thread::release(self.index)
        };
        #[cfg(not(feature = "std"))]
        // Release pairs with the Acquire of the next claimer's compare-and-swap: the next
        // owner sees this owner's last writes to the slot.
        self.slot.claimed.store(false, Ordering::Release);
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
                .shared(i)
                .unwrap()
                .state()
                .0
                .store(i as u64 + 1, Ordering::Relaxed);
        }
        assert_eq!(slots.len(), 500);
        let seen: Vec<u64> = slots
            .iter()
            .map(|s| s.state().0.load(Ordering::Relaxed))
            .collect();
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
                            .shared(i * 4 + t)
                            .unwrap()
                            .state()
                            .0
                            .fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert!(
            slots
                .iter()
                .all(|s| s.state().0.load(Ordering::Relaxed) == 1)
        );
        assert_eq!(slots.iter().count(), 1200);
    }

    #[cfg(feature = "std")]
    #[test]
    fn claims_collide_neither_with_each_other_nor_with_threads() {
        let slots: Slots<Counter, 0> = Slots::new();
        let mine = slots.mine().unwrap().slot() as *const Slot<Counter>;
        let a = slots.claim().unwrap();
        let b = slots.claim().unwrap();
        assert_ne!(a.index(), b.index());
        assert_ne!(a.owned().slot() as *const _, mine);
        assert_ne!(b.owned().slot() as *const _, mine);
    }

    #[cfg(feature = "std")]
    #[test]
    fn each_thread_finds_its_own_slot_in_inline_and_grown_arrays() {
        fn check<const N: usize>() {
            let slots: Slots<Counter, N> = Slots::new();
            std::thread::scope(|s| {
                for _ in 0..6 {
                    s.spawn(|| {
                        for _ in 0..1000 {
                            let mine = slots.mine().unwrap();
                            let c = &mine.state().0;
                            // Owner-only increments: lost updates would show below.
                            c.store(c.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                        }
                    });
                }
            });
            let total: u64 = slots
                .iter()
                .map(|s| s.state().0.load(Ordering::Relaxed))
                .sum();
            assert_eq!(total, 6000);
        }
        check::<0>();
        check::<2>();
        check::<64>();
    }

    #[cfg(not(feature = "alloc"))]
    #[test]
    fn fixed_array_reports_full() {
        let slots: Slots<Counter, 1> = Slots::new();
        let _first = slots.claim().unwrap();
        let err = slots.claim().err().unwrap();
        assert_eq!(err.capacity, 1);
    }

    #[cfg(feature = "std")]
    #[test]
    fn a_slot_with_its_bag_fits_in_256_bytes() {
        struct FourCounters(#[allow(dead_code)] [AtomicU64; 4]);
        impl SlotState for FourCounters {
            crate::idle_slot!(FourCounters([const { AtomicU64::new(0) }; 4]));
        }
        assert!(core::mem::size_of::<CachePadded<Slot<FourCounters>>>() <= 256);
    }
}
