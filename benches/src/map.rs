//! A Michael hash map (Michael, SPAA 2002): a fixed array of buckets, each a sorted
//! Harris–Michael lock-free linked list, written once against [`Reclaim`].
//!
//! # How reclamation fits
//! - Every operation runs inside one read section (`domain.enter()`), so any node reached by
//!   a traversal stays allocated until the operation returns, even if it is unlinked meanwhile.
//! - A delete first *marks* the victim's `next` pointer (logical delete), then unlinks it with
//!   a CAS on its predecessor. Traversals that meet a marked node help unlink it.
//! - Exactly one thread wins the unlinking CAS for a node, and only that thread retires it, so
//!   each node is retired once. Nodes still linked when the map drops are freed by the drop.
//!
//! In debug builds each node carries a canary that its destructor overwrites; traversals
//! assert it, so a use after free that reads a freed but not yet reused node panics.
//!
//! ```
//! use benches::map::HashMap;
//! let map = HashMap::new(peers::CrossbeamEpoch, 64);
//! assert!(map.insert(1, "one").is_ok());
//! assert_eq!(map.insert(1, "uno"), Err("uno"));
//! assert_eq!(map.get(1, |v| *v), Some("one"));
//! assert!(map.remove(1));
//! assert!(!map.contains(1));
//! ```

use core::ptr;
use core::sync::atomic::{AtomicPtr, Ordering};

use crossbeam_utils::CachePadded;
use reclaim::Reclaim;

#[cfg(debug_assertions)]
const ALIVE: u64 = 0xA11C_E5A1_1CE5_A11C;
#[cfg(debug_assertions)]
const POISON: u64 = 0xDEAD_BEEF_DEAD_BEEF;

struct Node<V> {
    #[cfg(debug_assertions)]
    canary: u64,
    key: u64,
    value: V,
    /// The successor; its low bit marks *this* node as logically deleted.
    next: AtomicPtr<Node<V>>,
}

impl<V> Node<V> {
    #[inline]
    fn check(&self) {
        #[cfg(debug_assertions)]
        assert_eq!(self.canary, ALIVE, "bench map: use of a freed node");
    }
}

impl<V> Drop for Node<V> {
    fn drop(&mut self) {
        #[cfg(debug_assertions)]
        {
            assert_eq!(self.canary, ALIVE, "bench map: node freed twice");
            // SAFETY: plain write through `&mut self`; volatile so it is not optimised away.
            unsafe { ptr::write_volatile(&mut self.canary, POISON) };
        }
    }
}

#[inline]
fn is_marked<V>(p: *mut Node<V>) -> bool {
    p.addr() & 1 == 1
}

#[inline]
fn marked<V>(p: *mut Node<V>) -> *mut Node<V> {
    p.map_addr(|a| a | 1)
}

#[inline]
fn unmarked<V>(p: *mut Node<V>) -> *mut Node<V> {
    p.map_addr(|a| a & !1)
}

/// A lock-free hash map from `u64` keys to `V`, reclaiming removed entries through `R`.
///
/// The bucket count is fixed at construction (a power of two). Keys are spread over buckets
/// by a multiplicative hash.
///
/// ```
/// use benches::map::HashMap;
/// let map = HashMap::new(peers::Seize::new(), 16);
/// std::thread::scope(|s| {
///     for t in 0..2u64 {
///         let map = &map;
///         s.spawn(move || {
///             for k in 0..100 {
///                 let _ = map.insert(k * 2 + t, k);
///             }
///         });
///     }
/// });
/// assert_eq!(map.len(), 200);
/// ```
pub struct HashMap<V, R: Reclaim> {
    buckets: Box<[CachePadded<AtomicPtr<Node<V>>>]>,
    shift: u32,
    domain: R,
}

// SAFETY: nodes are shared between threads through atomics and handed to `R` to free, possibly
// on another thread; that needs `V: Send + Sync` exactly as a `Mutex`-free shared map does.
unsafe impl<V: Send + Sync, R: Reclaim> Sync for HashMap<V, R> {}
// SAFETY: as above.
unsafe impl<V: Send + Sync, R: Reclaim> Send for HashMap<V, R> {}

/// Where a search stopped: the link that points at `curr`, and `curr` (first key >= the key).
struct Position<V> {
    prev: *const AtomicPtr<Node<V>>,
    curr: *mut Node<V>,
    found: bool,
}

impl<V: Send + Sync + 'static, R: Reclaim> HashMap<V, R> {
    /// A map with at least `buckets` buckets (rounded up to a power of two), using `domain`.
    ///
    /// ```
    /// let map = benches::map::HashMap::<u64, _>::new(peers::CrossbeamEpoch, 100);
    /// assert_eq!(map.bucket_count(), 128);
    /// ```
    pub fn new(domain: R, buckets: usize) -> Self {
        let n = buckets.max(1).next_power_of_two();
        Self {
            buckets: (0..n)
                .map(|_| CachePadded::new(AtomicPtr::new(ptr::null_mut())))
                .collect(),
            shift: 64 - n.trailing_zeros(),
            domain,
        }
    }

    /// The number of buckets.
    ///
    /// ```
    /// let map = benches::map::HashMap::<u64, _>::new(peers::CrossbeamEpoch, 8);
    /// assert_eq!(map.bucket_count(), 8);
    /// ```
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    /// The reclamation domain.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let map = benches::map::HashMap::<u64, _>::new(peers::CrossbeamEpoch, 8);
    /// map.domain().barrier();
    /// ```
    pub fn domain(&self) -> &R {
        &self.domain
    }

    #[inline]
    fn bucket(&self, key: u64) -> &AtomicPtr<Node<V>> {
        if self.shift == 64 {
            return &self.buckets[0];
        }
        let h = key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift;
        &self.buckets[h as usize]
    }

    /// Hands an unlinked node to the domain.
    #[inline]
    fn retire(&self, node: *mut Node<V>) {
        // SAFETY: the caller won the CAS that unlinked `node`: no new reader can reach it, and
        // nobody else retires it. It was allocated by `Box` in `insert`.
        self.domain.retire(unsafe { Box::from_raw(node) });
    }

    /// Harris–Michael search: unlinks (and retires) marked nodes on the way.
    ///
    /// Must be called inside a read section of `self.domain`.
    fn find(&self, key: u64) -> Position<V> {
        let head = self.bucket(key);
        'retry: loop {
            let mut prev: *const AtomicPtr<Node<V>> = head;
            // SAFETY: `prev` is the bucket head here, and later the `next` field of a node
            // reached inside this read section, so still allocated.
            let mut curr = unsafe { &*prev }.load(Ordering::Acquire);
            loop {
                if curr.is_null() {
                    return Position {
                        prev,
                        curr,
                        found: false,
                    };
                }
                // SAFETY: `curr` was reachable during this read section.
                let node = unsafe { &*curr };
                node.check();
                let next = node.next.load(Ordering::Acquire);
                if is_marked(next) {
                    let succ = unmarked(next);
                    // SAFETY: as for `prev` above.
                    match unsafe { &*prev }.compare_exchange(
                        curr,
                        succ,
                        Ordering::AcqRel,
                        Ordering::Acquire,
                    ) {
                        Ok(_) => {
                            self.retire(curr);
                            curr = succ;
                            continue;
                        }
                        Err(_) => continue 'retry,
                    }
                }
                if node.key >= key {
                    return Position {
                        prev,
                        curr,
                        found: node.key == key,
                    };
                }
                prev = &node.next;
                curr = next;
            }
        }
    }

    /// Inserts `key` → `value`; gives the value back if the key is already present.
    ///
    /// ```
    /// let map = benches::map::HashMap::new(peers::CrossbeamEpoch, 8);
    /// assert_eq!(map.insert(1, 10u64), Ok(()));
    /// assert_eq!(map.insert(1, 11), Err(11));
    /// ```
    pub fn insert(&self, key: u64, value: V) -> Result<(), V> {
        let _guard = self.domain.enter();
        let new = Box::into_raw(Box::new(Node {
            #[cfg(debug_assertions)]
            canary: ALIVE,
            key,
            value,
            next: AtomicPtr::new(ptr::null_mut()),
        }));
        loop {
            let pos = self.find(key);
            if pos.found {
                // SAFETY: `new` was never published.
                let node = unsafe { Box::from_raw(new) };
                // SAFETY: moves the value out; the node's allocation is then released without
                // running its destructor, so the value is not dropped twice.
                let value = unsafe { ptr::read(&node.value) };
                let layout = core::alloc::Layout::new::<Node<V>>();
                let raw = Box::into_raw(node);
                // SAFETY: `raw` came from a `Box<Node<V>>`; its value was moved out above, so
                // only the allocation is released.
                unsafe { std::alloc::dealloc(raw.cast(), layout) };
                return Err(value);
            }
            // SAFETY: `new` is still private to this thread.
            unsafe { &*new }.next.store(pos.curr, Ordering::Relaxed);
            // SAFETY: `pos.prev` points into a live node or the bucket head.
            if unsafe { &*pos.prev }
                .compare_exchange(pos.curr, new, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Ok(());
            }
        }
    }

    /// Removes `key`; returns whether this call removed it.
    ///
    /// ```
    /// let map = benches::map::HashMap::new(peers::CrossbeamEpoch, 8);
    /// map.insert(5, ()).unwrap();
    /// assert!(map.remove(5));
    /// assert!(!map.remove(5));
    /// ```
    pub fn remove(&self, key: u64) -> bool {
        let _guard = self.domain.enter();
        loop {
            let pos = self.find(key);
            if !pos.found {
                return false;
            }
            // SAFETY: `pos.curr` was reached inside this read section.
            let node = unsafe { &*pos.curr };
            let next = node.next.load(Ordering::Acquire);
            if is_marked(next) {
                continue;
            }
            if node
                .next
                .compare_exchange(next, marked(next), Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                continue;
            }
            // Logically deleted by this call. Unlink it, or let a search do so.
            // SAFETY: as in `find`.
            if unsafe { &*pos.prev }
                .compare_exchange(pos.curr, next, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                self.retire(pos.curr);
            } else {
                self.find(key);
            }
            return true;
        }
    }

    /// Calls `f` on the value of `key`, if present, inside a read section.
    ///
    /// ```
    /// let map = benches::map::HashMap::new(peers::CrossbeamEpoch, 8);
    /// map.insert(2, 20u64).unwrap();
    /// assert_eq!(map.get(2, |v| v + 1), Some(21));
    /// assert_eq!(map.get(3, |v| v + 1), None);
    /// ```
    pub fn get<T>(&self, key: u64, f: impl FnOnce(&V) -> T) -> Option<T> {
        let _guard = self.domain.enter();
        let mut curr = self.bucket(key).load(Ordering::Acquire);
        while !curr.is_null() {
            // SAFETY: reached inside this read section.
            let node = unsafe { &*curr };
            node.check();
            let next = node.next.load(Ordering::Acquire);
            if node.key >= key {
                return (node.key == key && !is_marked(next)).then(|| f(&node.value));
            }
            curr = unmarked(next);
        }
        None
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// let map = benches::map::HashMap::new(peers::CrossbeamEpoch, 8);
    /// assert!(!map.contains(4));
    /// map.insert(4, ()).unwrap();
    /// assert!(map.contains(4));
    /// ```
    pub fn contains(&self, key: u64) -> bool {
        self.get(key, |_| ()).is_some()
    }

    /// The number of entries (a racy snapshot under concurrent updates).
    ///
    /// ```
    /// let map = benches::map::HashMap::new(peers::CrossbeamEpoch, 8);
    /// map.insert(1, ()).unwrap();
    /// map.insert(9, ()).unwrap();
    /// assert_eq!(map.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let _guard = self.domain.enter();
        let mut n = 0;
        for head in self.buckets.iter() {
            let mut curr = head.load(Ordering::Acquire);
            while !curr.is_null() {
                // SAFETY: reached inside this read section.
                let node = unsafe { &*curr };
                let next = node.next.load(Ordering::Acquire);
                n += usize::from(!is_marked(next));
                curr = unmarked(next);
            }
        }
        n
    }

    /// Whether the map is empty.
    ///
    /// ```
    /// let map = benches::map::HashMap::<u64, _>::new(peers::CrossbeamEpoch, 8);
    /// assert!(map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<V, R: Reclaim> Drop for HashMap<V, R> {
    fn drop(&mut self) {
        // Exclusive access: free every node still linked (marked ones were not retired).
        for head in self.buckets.iter() {
            let mut curr = head.load(Ordering::Relaxed);
            while !curr.is_null() {
                // SAFETY: linked nodes are owned by the map and nobody else can reach them now.
                let node = unsafe { Box::from_raw(curr) };
                curr = unmarked(node.next.load(Ordering::Relaxed));
            }
        }
    }
}

impl<V, R: Reclaim> core::fmt::Debug for HashMap<V, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HashMap")
            .field("buckets", &self.buckets.len())
            .finish_non_exhaustive()
    }
}
