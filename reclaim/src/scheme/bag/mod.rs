//! Retired objects, and the small bag each reader slot fills with them.
//!
//! # Invariant
//! **Every [`Retired`] pushed into a [`LocalBag`] is taken out exactly once**, by whoever wins
//! the compare-and-swap that moves the bag's `head` past it: the owner sealing its full bag, or
//! any other thread stealing it (a sweep, `barrier`, a background reclaimer). Nothing is ever
//! freed from here directly: a taker seals what it took with a grace-period tag read *after* the
//! take (see [`Core`](super::Core)).
//!
//! # Why a ring with a compare-and-swap on one side only
//! The common path of `retire` must take no lock and do no atomic read-modify-write, yet
//! `barrier` and the sweeps that bound free latency must be able to empty the bag of a thread
//! that never calls in again. So the bag is a single-producer ring: only the slot's owner writes
//! entries and `tail` (plain stores), and every consumer, the owner included, claims a range
//! `head..tail` with one compare-and-swap of `head`, after copying the entries out. A consumer
//! that lost the race drops its copy. Entries are atomics, so a copy that races with the owner
//! reusing an entry (possible only after `head` moved, which makes the copier's
//! compare-and-swap fail) is not a data race. With `alloc`, the entries are allocated by the
//! owner's first push: a taker reaches them only after seeing `tail` move, which orders the
//! allocation before it.
//!
//! ```
//! use gracepoint_reclaim::scheme::bag::{LocalBag, Retired, Taken};
//! let bag = LocalBag::new();
//! // SAFETY: this example is the bag's only owner.
//! unsafe { bag.push(Retired::from_box(Box::new(1u32))).unwrap() };
//! let mut taken = Taken::new();
//! assert_eq!(bag.take(&mut taken), 1);
//! // SAFETY: nothing else can reach the object.
//! unsafe { taken.free_all() };
//! ```

mod retired;
mod taken;

pub use retired::Retired;
pub use taken::Taken;

use crate::sync::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};

#[cfg(feature = "alloc")]
extern crate alloc;

/// How many objects a slot's local bag holds before it is sealed.
///
/// With `alloc` the entries live on the heap, allocated by the slot's first retire, so a slot
/// that only reads costs no more than its head and tail: 32 entries (640 bytes) make a sealed bag
/// carry four times the objects a bag of 8 did, which is what lets retire-heavy threads beat
/// crossbeam-epoch on the Treiber stack and the update-heavy hash map (`docs/reclaim.md` has the
/// measurements, and those of 8, 16 and 64). Without `alloc` the entries sit in the slot, and 8
/// keep it within 256 bytes. The loom models use 8 too: they seal after a handful of retires.
#[cfg(all(feature = "alloc", not(loom)))]
pub const LOCAL_CAPACITY: usize = 32;

/// How many objects a slot's local bag holds before it is sealed (see the `alloc` build's docs).
#[cfg(any(not(feature = "alloc"), loom))]
pub const LOCAL_CAPACITY: usize = 8;

/// A slot's bag of retired objects: a ring of [`LOCAL_CAPACITY`] entries that only the slot's
/// owner fills, and that anyone may empty (see the module docs).
///
/// ```
/// use gracepoint_reclaim::scheme::bag::{LocalBag, Retired, Taken};
/// let bag = LocalBag::new();
/// // SAFETY: this example is the bag's only owner.
/// unsafe { bag.push(Retired::from_box(Box::new(1u8))).unwrap() };
/// let mut taken = Taken::new();
/// // Another thread (a sweep, `barrier`) may take the owner's objects.
/// std::thread::scope(|s| {
///     s.spawn(|| bag.take(&mut taken));
/// });
/// assert_eq!((bag.len(), taken.len()), (0, 1));
/// // SAFETY: nothing else can reach the object.
/// unsafe { taken.free_all() };
/// ```
pub struct LocalBag {
    /// The next entry to take. Moved forward by compare-and-swap, by whoever takes.
    head: AtomicUsize,
    /// The next entry to fill. Written by the owner only.
    tail: AtomicUsize,
    /// `head` as the previous sweep saw it: a bag whose head has not moved between two sweeps
    /// is idle, and the next sweep takes it.
    swept: AtomicUsize,
    /// With `alloc`, null until the owner's first push allocates the entries; never changes
    /// after that until the bag drops.
    #[cfg(feature = "alloc")]
    entries: AtomicPtr<Entries>,
    #[cfg(not(feature = "alloc"))]
    entries: Entries,
}

/// The bytes a slot's local bag allocates on the heap at the slot's first retire: its entries,
/// with `alloc`. Without `alloc` the entries are part of the slot, and this is 0.
///
/// ```
/// use gracepoint_reclaim::scheme::bag::{ENTRIES_HEAP_BYTES, LOCAL_CAPACITY};
/// // A pointer, a free function and a 32-bit size per entry.
/// assert_eq!(ENTRIES_HEAP_BYTES, LOCAL_CAPACITY * 20);
/// ```
pub const ENTRIES_HEAP_BYTES: usize = if cfg!(feature = "alloc") {
    core::mem::size_of::<Entries>()
} else {
    0
};

/// The ring's entries: pointer, free function and size of each object.
struct Entries {
    ptrs: [AtomicPtr<()>; LOCAL_CAPACITY],
    frees: [AtomicPtr<()>; LOCAL_CAPACITY],
    bytes: [AtomicU32; LOCAL_CAPACITY],
}

impl Entries {
    crate::const_fn_unless_loom! {
        fn new() -> Self {
            Self {
                #[cfg(not(loom))]
                ptrs: [const { AtomicPtr::new(core::ptr::null_mut()) }; LOCAL_CAPACITY],
                #[cfg(not(loom))]
                frees: [const { AtomicPtr::new(core::ptr::null_mut()) }; LOCAL_CAPACITY],
                #[cfg(not(loom))]
                bytes: [const { AtomicU32::new(0) }; LOCAL_CAPACITY],
                #[cfg(loom)]
                ptrs: core::array::from_fn(|_| AtomicPtr::new(core::ptr::null_mut())),
                #[cfg(loom)]
                frees: core::array::from_fn(|_| AtomicPtr::new(core::ptr::null_mut())),
                #[cfg(loom)]
                bytes: core::array::from_fn(|_| AtomicU32::new(0)),
            }
        }
    }
}

#[cfg(feature = "alloc")]
impl Drop for LocalBag {
    fn drop(&mut self) {
        let entries = self.entries.load(Ordering::Relaxed);
        if !entries.is_null() {
            // SAFETY: `&mut self`; the pointer came from `Box::into_raw` in `owner_entries` and
            // is freed once, here.
            drop(unsafe { alloc::boxed::Box::from_raw(entries) });
        }
    }
}

impl core::fmt::Debug for LocalBag {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LocalBag")
            .field("len", &self.len())
            .finish()
    }
}

impl Default for LocalBag {
    fn default() -> Self {
        Self::new()
    }
}

fn free_to_ptr(free: unsafe fn(*mut ())) -> *mut () {
    free as *mut ()
}

/// # Safety
/// `ptr` came from [`free_to_ptr`].
unsafe fn ptr_to_free(ptr: *mut ()) -> unsafe fn(*mut ()) {
    // SAFETY: function and data pointers have the same size on every supported target, and the
    // value came from a function pointer of exactly this type.
    unsafe { core::mem::transmute::<*mut (), unsafe fn(*mut ())>(ptr) }
}

/// The owner's push, anyone's take, and the sweeps' idleness check.
///
/// ```
/// use gracepoint_reclaim::scheme::bag::{LocalBag, Retired, Taken};
/// static BAG: LocalBag = LocalBag::new();
/// // SAFETY: this example is the bag's only owner.
/// unsafe { BAG.push(Retired::from_box(Box::new(1u16))).unwrap() };
/// assert_eq!(BAG.len(), 1);
/// let mut taken = Taken::new();
/// assert_eq!(BAG.take(&mut taken), 1);
/// assert!(BAG.is_empty());
/// // SAFETY: nothing else can reach the object.
/// unsafe { taken.free_all() };
/// ```
impl LocalBag {
    crate::const_fn_unless_loom! {
        /// An empty bag.
        ///
        /// ```
        /// assert_eq!(gracepoint_reclaim::scheme::bag::LocalBag::new().len(), 0);
        /// ```
        pub fn new() -> Self {
            Self {
                head: AtomicUsize::new(0),
                tail: AtomicUsize::new(0),
                swept: AtomicUsize::new(0),
                #[cfg(feature = "alloc")]
                entries: AtomicPtr::new(core::ptr::null_mut()),
                #[cfg(not(feature = "alloc"))]
                entries: Entries::new(),
            }
        }
    }

    /// The entries, for the owner: with `alloc`, the first push allocates them.
    #[inline(always)]
    fn owner_entries(&self) -> &Entries {
        #[cfg(feature = "alloc")]
        {
            // Only the owner stores the pointer.
            let entries = self.entries.load(Ordering::Relaxed);
            if entries.is_null() {
                return self.allocate_entries();
            }
            // SAFETY: set once by `allocate_entries`, freed only when the bag drops.
            unsafe { &*entries }
        }
        #[cfg(not(feature = "alloc"))]
        &self.entries
    }

    #[cfg(feature = "alloc")]
    #[cold]
    #[inline(never)]
    fn allocate_entries(&self) -> &Entries {
        let entries = alloc::boxed::Box::into_raw(alloc::boxed::Box::new(Entries::new()));
        // Relaxed: a taker reads the pointer only after its Acquire load of `tail` (Q) saw an
        // entry, whose Release store (P) comes after this one in the owner's program order.
        self.entries.store(entries, Ordering::Relaxed);
        // SAFETY: just allocated; freed only when the bag drops.
        unsafe { &*entries }
    }

    /// The entries, for a taker that saw `tail` move past `head` (so the owner allocated them).
    #[inline(always)]
    fn taker_entries(&self) -> &Entries {
        #[cfg(feature = "alloc")]
        {
            // Relaxed: ordered after the owner's store by P and Q (see `allocate_entries`).
            let entries = self.entries.load(Ordering::Relaxed);
            debug_assert!(!entries.is_null(), "a bag holds objects but no entries");
            // SAFETY: non-null once the bag held an object, and freed only when it drops.
            unsafe { &*entries }
        }
        #[cfg(not(feature = "alloc"))]
        &self.entries
    }

    /// How many objects wait in the bag (a snapshot; exact for the owner).
    ///
    /// ```
    /// let bag = gracepoint_reclaim::scheme::bag::LocalBag::new();
    /// // SAFETY: the only owner.
    /// unsafe { bag.push(gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1))).unwrap() };
    /// assert_eq!(bag.len(), 1);
    /// # let mut t = gracepoint_reclaim::scheme::bag::Taken::new(); bag.take(&mut t); unsafe { t.free_all() };
    /// ```
    pub fn len(&self) -> usize {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        tail.wrapping_sub(head).min(LOCAL_CAPACITY)
    }

    /// True when the bag holds nothing.
    ///
    /// ```
    /// assert!(gracepoint_reclaim::scheme::bag::LocalBag::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds `item`, or gives it back when the bag is full (the owner then takes the bag, seals
    /// it, and pushes again).
    ///
    /// # Safety
    /// The caller owns the slot this bag belongs to: no other thread pushes concurrently.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::bag::{LocalBag, Retired, LOCAL_CAPACITY};
    /// let bag = LocalBag::new();
    /// for i in 0..LOCAL_CAPACITY {
    ///     // SAFETY: the only owner.
    ///     unsafe { bag.push(Retired::from_box(Box::new(i))).unwrap() };
    /// }
    /// // SAFETY: the only owner.
    /// let back = unsafe { bag.push(Retired::from_box(Box::new(0))) }.unwrap_err();
    /// # unsafe { back.free() };
    /// # let mut t = gracepoint_reclaim::scheme::bag::Taken::new(); bag.take(&mut t); unsafe { t.free_all() };
    /// ```
    #[inline]
    pub unsafe fn push(&self, item: Retired) -> Result<(), Retired> {
        // Only the owner writes `tail`.
        let tail = self.tail.load(Ordering::Relaxed);
        // bag-T: Acquire pairs with the AcqRel compare-and-swap of `take` (W): a taker that moved
        // `head` past an entry has copied it out before the owner reuses the entry.
        let head = self.head.load(Ordering::Acquire);
        if crate::mutant!("core_bag_full_off_by_one" => tail.wrapping_sub(head) > LOCAL_CAPACITY,
            else tail.wrapping_sub(head) >= LOCAL_CAPACITY)
        {
            return Err(item);
        }
        let at = tail % LOCAL_CAPACITY;
        let entries = self.owner_entries();
        entries.ptrs[at].store(item.ptr, Ordering::Relaxed);
        entries.frees[at].store(free_to_ptr(item.free), Ordering::Relaxed);
        let bytes = u32::try_from(item.bytes).unwrap_or(u32::MAX);
        entries.bytes[at].store(bytes, Ordering::Relaxed);
        // bag-P: Release publishes the entry, and everything the owner did before retiring it (the
        // unlink), to a taker's Acquire load of `tail` (Q).
        self.tail.store(tail.wrapping_add(1), Ordering::Release);
        Ok(())
    }

    /// Moves every object in the bag into `into` (which must be empty), and returns how many.
    /// Any thread may take; whoever wins the race owns the objects. The objects' retires (and
    /// whatever their callers did before) happen before this returns.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::bag::{LocalBag, Retired, Taken};
    /// let bag = LocalBag::new();
    /// // SAFETY: the only owner.
    /// unsafe { bag.push(Retired::from_box(Box::new(1))).unwrap() };
    /// let mut taken = Taken::new();
    /// assert_eq!(std::thread::scope(|s| s.spawn(|| bag.take(&mut taken)).join().unwrap()), 1);
    /// assert_eq!(bag.take(&mut Taken::new()), 0);
    /// unsafe { taken.free_all() };
    /// ```
    pub fn take(&self, into: &mut Taken) -> usize {
        debug_assert!(into.is_empty(), "take needs an empty batch");
        loop {
            let head = self.head.load(Ordering::Acquire);
            // bag-Q: Acquire pairs with bag-P: the entries up to `tail`, and the owner's unlinks before
            // it retired them, are visible from here on.
            let tail = self.tail.load(Ordering::Acquire);
            let len = tail.wrapping_sub(head);
            if len == 0 {
                return 0;
            }
            if len > LOCAL_CAPACITY {
                // `head` moved between the two loads; read both again.
                crate::sync::spin_hint();
                continue;
            }
            let entries = self.taker_entries();
            for i in 0..len {
                let at = head.wrapping_add(i) % LOCAL_CAPACITY;
                let ptr = entries.ptrs[at].load(Ordering::Relaxed);
                // SAFETY: entries hold function pointers stored by `push`; a stale value can
                // only be read when `head` moved, and then the compare-and-swap below fails and
                // the copy is forgotten unused.
                let free = unsafe { ptr_to_free(entries.frees[at].load(Ordering::Relaxed)) };
                let bytes = entries.bytes[at].load(Ordering::Relaxed) as usize;
                let _ = into.push(Retired { ptr, free, bytes });
            }
            // bag-W: AcqRel. Release pairs with bag-T (the owner sees the entries copied before it
            // reuses them); Acquire orders this taker after the previous one.
            if self
                .head
                .compare_exchange(
                    head,
                    tail,
                    crate::mutant!("core_take_acquire" => Ordering::Acquire, else Ordering::AcqRel),
                    Ordering::Relaxed,
                )
                .is_ok()
            {
                return len;
            }
            into.forget();
        }
    }

    /// For sweeps: true when the bag holds objects and its `head` has not moved since the
    /// previous call, which then records the current `head`. A bag that stays idle across two
    /// sweeps has waited at least one sweep interval, and gets taken.
    ///
    /// ```
    /// use gracepoint_reclaim::scheme::bag::{LocalBag, Retired, Taken};
    /// let bag = LocalBag::new();
    /// // SAFETY: the only owner.
    /// unsafe { bag.push(Retired::from_box(Box::new(1))).unwrap() };
    /// assert!(bag.idle_since_last_sweep());
    /// # let mut t = Taken::new(); bag.take(&mut t); unsafe { t.free_all() };
    /// ```
    pub fn idle_since_last_sweep(&self) -> bool {
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Relaxed);
        if head == tail {
            return false;
        }
        let seen = self.swept.load(Ordering::Relaxed);
        if seen == head {
            return true;
        }
        self.swept.store(head, Ordering::Relaxed);
        false
    }

    /// Frees whatever is left. Used when the domain drops.
    ///
    /// # Safety
    /// No reader of the domain remains, so every grace period is over.
    ///
    /// ```
    /// let mut bag = gracepoint_reclaim::scheme::bag::LocalBag::new();
    /// // SAFETY: the only owner.
    /// unsafe { bag.push(gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1))).unwrap() };
    /// assert_eq!(unsafe { bag.free_all() }, 1);
    /// ```
    pub unsafe fn free_all(&mut self) -> usize {
        let mut taken = Taken::new();
        let n = self.take(&mut taken);
        // SAFETY: as the caller promised.
        unsafe { taken.free_all() };
        n
    }
}

#[cfg(all(test, not(loom), feature = "std"))]
mod tests;
