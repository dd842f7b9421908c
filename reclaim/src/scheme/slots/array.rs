//! The slot array: `N` slots inline, more in doubling segments with `alloc`; the calling
//! thread's slot in one lookup. See the parent module for the invariants.

#[cfg(feature = "std")]
use super::Owned;
use super::claim::SlotClaim;
use super::{Slot, SlotState, SlotsFull};
use crate::sync::{AtomicUsize, Ordering};
use core::fmt;
use core::marker::PhantomData;
use crossbeam_utils::CachePadded;

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "alloc")]
use crate::sync::AtomicPtr;

/// The first growable segment holds this many slots; segment `k` holds `FIRST_SEGMENT << k`.
#[cfg(feature = "alloc")]
pub(super) const FIRST_SEGMENT: usize = 16;
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
        /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
        /// # struct S(gracepoint_reclaim::sync::AtomicU64);
        /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
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
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
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
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
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
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
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
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
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
    pub(super) fn note_in_use(&self, index: usize) {
        if index >= self.len.load(Ordering::Relaxed) {
            // Ordered before the reader's own fence by program order; see the invariants.
            self.len.fetch_max(index + 1, Ordering::Relaxed);
        }
    }

    /// The calling thread's own slot: one thread-local load and one compare when the thread
    /// has used this array before.
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 0> = Slots::new();
    /// let a = slots.mine().unwrap().slot() as *const _;
    /// let b = slots.mine().unwrap().slot() as *const _;
    /// assert_eq!(a, b);
    /// ```
    #[cfg(feature = "std")]
    #[inline]
    pub fn mine(&self) -> Result<Owned<'_, S>, SlotsFull> {
        if N > 0 {
            let id = crate::scheme::thread::current();
            if id < N {
                // SAFETY: slot `id` belongs to the thread with id `id`: this one. It was raised
                // into `len` when the thread first took it (`mine_slow`).
                if id < self.len.load(Ordering::Relaxed) {
                    return Ok(unsafe { Owned::new(&self.inline[id]) });
                }
            }
        }
        #[cfg(not(loom))]
        if let Some(slot) = crate::scheme::thread::cached(self.key.load(Ordering::Relaxed)) {
            // SAFETY: `remember` was called with this array's key and this thread's segment
            // slot; keys are never reused and segments never move or die before the array.
            return Ok(unsafe { Owned::new(&*slot.cast::<Slot<S>>()) });
        }
        self.mine_slow()
    }

    #[cfg(feature = "std")]
    #[cold]
    fn mine_slow(&self) -> Result<Owned<'_, S>, SlotsFull> {
        let id = crate::scheme::thread::current();
        let slot = self.shared(id)?;
        #[cfg(not(loom))]
        if id >= N {
            let key = match self.key.load(Ordering::Relaxed) {
                0 => {
                    let fresh = crate::scheme::thread::next_key();
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
            unsafe { crate::scheme::thread::remember(key, (slot as *const Slot<S>).cast()) };
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
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 2> = Slots::new();
    /// let a = slots.claim().unwrap();
    /// let b = slots.claim().unwrap();
    /// assert_ne!(a.index(), b.index());
    /// ```
    pub fn claim(&self) -> Result<SlotClaim<'_, S, N>, SlotsFull> {
        #[cfg(feature = "std")]
        {
            let index = crate::scheme::thread::acquire();
            match self.shared(index) {
                Ok(slot) => Ok(SlotClaim {
                    slots: self,
                    slot,
                    index,
                    _not_sync: PhantomData,
                }),
                Err(full) => {
                    // SAFETY: the id was just taken and never used.
                    unsafe { crate::scheme::thread::release(index) };
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
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
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

    /// The bytes from one slot to the next within a run of contiguous slots (see
    /// [`leading_run`](Slots::leading_run)).
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::Slots;
    /// assert!(Slots::<(), 2>::STRIDE >= 64); // cache-padded
    /// ```
    #[doc(hidden)]
    pub const STRIDE: usize = core::mem::size_of::<CachePadded<Slot<S>>>();

    /// Slots `0..count` as one run in memory, [`STRIDE`](Slots::STRIDE) bytes apart, with
    /// `count` at most `want`: the inline slots when there are any, else the first growable
    /// segment. Every slot of the run is raised into [`len`](Slots::len) (and its segment
    /// allocated) before this returns, so a scan covers them. `None` when there is no run (no
    /// inline slots and no `alloc`) or `want` is 0. For per-CPU counters that a restartable
    /// sequence indexes by CPU number.
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::{SlotState, Slots};
    /// # struct S(gracepoint_reclaim::sync::AtomicU64);
    /// # impl SlotState for S { gracepoint_reclaim::idle_slot!(S(gracepoint_reclaim::sync::AtomicU64::new(0))); }
    /// let slots: Slots<S, 4> = Slots::new();
    /// let (first, count) = slots.leading_run(64).unwrap();
    /// assert_eq!(count, 4);
    /// assert_eq!(slots.len(), 4);
    /// let third = (first as *const _ as usize) + 2 * Slots::<S, 4>::STRIDE;
    /// assert_eq!(third, slots.shared(2).unwrap() as *const _ as usize);
    /// ```
    #[doc(hidden)]
    pub fn leading_run(&self, want: usize) -> Option<(&Slot<S>, usize)> {
        #[cfg(feature = "alloc")]
        let run = if N > 0 { N } else { FIRST_SEGMENT };
        #[cfg(not(feature = "alloc"))]
        let run = N;
        let count = run.min(want);
        if count == 0 {
            return None;
        }
        // Raises `len` to `count` (and allocates the segment); slot 0 then needs no raise.
        self.shared(count - 1).ok()?;
        Some((self.slot(0).ok()?, count))
    }

    /// The calling thread's own slot if its memory exists already, without taking it, growing
    /// the array or raising `len`: for questions whose answer for a slot never used is known
    /// (a thread that never entered a section is not inside one).
    ///
    /// ```
    /// # use gracepoint_reclaim::scheme::slots::Slots;
    /// let slots: Slots<(), 0> = Slots::new();
    /// assert!(slots.mine_if_any().is_none()); // no segment yet: nothing is taken
    /// assert!(slots.is_empty());
    /// slots.mine().unwrap();
    /// assert!(slots.mine_if_any().is_some());
    /// ```
    #[cfg(feature = "std")]
    #[inline]
    pub fn mine_if_any(&self) -> Option<Owned<'_, S>> {
        let id = crate::scheme::thread::current();
        let slot = if id < N {
            &*self.inline[id]
        } else {
            #[cfg(feature = "alloc")]
            {
                let (k, offset) = segment_of(id - N);
                let segment = self.segments[k].load(Ordering::Acquire);
                if segment.is_null() {
                    return None;
                }
                // SAFETY: `offset < FIRST_SEGMENT << k`, the length of segment `k`.
                unsafe { &**segment.add(offset) }
            }
            #[cfg(not(feature = "alloc"))]
            return None;
        };
        // SAFETY: slot `id` belongs to the thread with id `id`: this one (see the module's
        // ownership invariant). The caller only reads owner-only state through it.
        Some(unsafe { Owned::new(slot) })
    }

    #[inline]
    pub(super) fn slot(&self, index: usize) -> Result<&Slot<S>, SlotsFull> {
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
pub(super) fn segment_of(j: usize) -> (usize, usize) {
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
