//! Michael's lock-free hash map (Michael, SPAA 2002): a fixed array of buckets, each a
//! Harris–Michael sorted list ([`crate::list`]).
//!
//! A key goes to the bucket named by the top bits of its hash. Every operation is the list
//! operation on that one bucket, inside one read section of the map's domain; the list's
//! argument (mark, unlink, the unlinking thread retires) carries over unchanged. The bucket
//! count is fixed at construction: with `n` entries and `b` buckets an operation walks about
//! `n / b` nodes.
//!
//! The default hasher, [`FxBuildHasher`], is a fast multiplicative hash with no secret: give
//! [`HashMap::with_hasher`] a keyed hasher (such as `std`'s `RandomState`) for keys an
//! adversary chooses.
//!
//! ```
//! let map = gracepoint_structures::HashMap::new(gus::Gus::new(), 16);
//! map.insert("k", 1).unwrap();
//! assert_eq!(*map.get(&"k").unwrap(), 1);
//! ```

use core::fmt;
use core::hash::{BuildHasher, Hash, Hasher};

use alloc::boxed::Box;
use crossbeam_utils::CachePadded;
use reclaim::Reclaim;
use reclaim::atomic::Section;

use crate::Ref;
use crate::list::Chain;

/// A lock-free hash map from `K` to `V`, freeing removed entries through the domain `R` it
/// owns.
///
/// ```
/// use gracepoint_structures::HashMap;
/// let map = HashMap::new(gus::Gus::new(), 16);
/// std::thread::scope(|s| {
///     for t in 0..2u64 {
///         let map = &map;
///         s.spawn(move || {
///             for k in 0..100 {
///                 map.insert(k * 2 + t, k).unwrap();
///             }
///         });
///     }
/// });
/// assert_eq!(map.len(), 200);
/// assert_eq!(*map.get(&41).unwrap(), 20);
/// ```
pub struct HashMap<K, V, R: Reclaim, S = FxBuildHasher> {
    buckets: Box<[CachePadded<Chain<K, V>>]>,
    /// `64 - log2(bucket count)`: a hash shifted right by this names a bucket.
    shift: u32,
    hasher: S,
    domain: R,
}

/// Maps that hash with the default [`FxBuildHasher`].
///
/// ```
/// let map = gracepoint_structures::HashMap::new(srcu::Srcu::new(), 16);
/// map.insert("answer", 42).unwrap();
/// assert_eq!(*map.get(&"answer").unwrap(), 42);
/// ```
impl<K, V, R> HashMap<K, V, R>
where
    K: Ord + Hash + Send + Sync + 'static,
    V: Send + Sync + 'static,
    R: Reclaim,
{
    /// A map with at least `buckets` buckets (rounded up to a power of two, at least one),
    /// hashing with [`FxBuildHasher`] and freeing through `domain`.
    ///
    /// ```
    /// let map = gracepoint_structures::HashMap::<u64, u64, _>::new(srcu::Srcu::new(), 100);
    /// assert_eq!(map.bucket_count(), 128);
    /// ```
    pub fn new(domain: R, buckets: usize) -> Self {
        Self::with_hasher(domain, buckets, FxBuildHasher)
    }
}

/// Building a map with any hasher, and its operations, from any number of threads.
///
/// ```
/// use std::hash::RandomState;
/// let map = gracepoint_structures::HashMap::with_hasher(gus::Gus::new(), 4, RandomState::new());
/// std::thread::scope(|s| {
///     for half in 0..2 {
///         let map = &map;
///         s.spawn(move || (half * 5..half * 5 + 5).for_each(|k| map.insert(k, k * k).unwrap()));
///     }
/// });
/// assert_eq!(map.len(), 10);
/// assert!(map.remove(&3) && !map.contains(&3));
/// let mut sum = 0;
/// map.for_each(|_, square| sum += square);
/// assert_eq!(sum, (0..10).map(|k| k * k).sum::<i32>() - 9);
/// ```
impl<K, V, R, S> HashMap<K, V, R, S>
where
    K: Ord + Hash + Send + Sync + 'static,
    V: Send + Sync + 'static,
    R: Reclaim,
    S: BuildHasher,
{
    /// A map with at least `buckets` buckets, hashing keys with `hasher`.
    ///
    /// ```
    /// use std::hash::RandomState;
    /// let map = gracepoint_structures::HashMap::with_hasher(srcu::Srcu::new(), 8, RandomState::new());
    /// map.insert("key", 1).unwrap();
    /// assert!(map.contains(&"key"));
    /// ```
    pub fn with_hasher(domain: R, buckets: usize, hasher: S) -> Self {
        let n = buckets.max(1).next_power_of_two();
        Self {
            buckets: (0..n).map(|_| CachePadded::new(Chain::new())).collect(),
            shift: 64 - n.trailing_zeros(),
            hasher,
            domain,
        }
    }

    /// The number of buckets.
    ///
    /// ```
    /// let map = gracepoint_structures::HashMap::<u64, u64, _>::new(srcu::Srcu::new(), 8);
    /// assert_eq!(map.bucket_count(), 8);
    /// ```
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    /// The reclamation domain.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let map = gracepoint_structures::HashMap::<u64, u64, _>::new(srcu::Srcu::new(), 8);
    /// map.domain().barrier();
    /// ```
    pub fn domain(&self) -> &R {
        &self.domain
    }

    #[inline]
    fn bucket(&self, key: &K) -> &Chain<K, V> {
        // The top bits: a multiplicative hash mixes upwards, so they are its best bits.
        let index = self
            .hasher
            .hash_one(key)
            .checked_shr(self.shift)
            .unwrap_or(0);
        &self.buckets[index as usize]
    }

    /// Inserts `key` → `value`. If `key` is already present, nothing changes and both are
    /// given back.
    ///
    /// ```
    /// let map = gracepoint_structures::HashMap::new(srcu::Srcu::new(), 8);
    /// assert_eq!(map.insert(1, 10), Ok(()));
    /// assert_eq!(map.insert(1, 11), Err((1, 11)));
    /// ```
    pub fn insert(&self, key: K, value: V) -> Result<(), (K, V)> {
        let bucket = self.bucket(&key);
        bucket.insert(key, value, &Section::new(&self.domain))
    }

    /// Removes `key`; true if this call removed it. The entry is dropped once no reader can
    /// see it any more.
    ///
    /// ```
    /// let map = gracepoint_structures::HashMap::new(srcu::Srcu::new(), 8);
    /// map.insert(5, ()).unwrap();
    /// assert!(map.remove(&5));
    /// assert!(!map.remove(&5));
    /// ```
    pub fn remove(&self, key: &K) -> bool {
        self.bucket(key).remove(key, &Section::new(&self.domain))
    }

    /// The value of `key`, if present, borrowed through a [`Ref`] that keeps it alive.
    ///
    /// ```
    /// let map = gracepoint_structures::HashMap::new(srcu::Srcu::new(), 8);
    /// map.insert(2, 20).unwrap();
    /// assert_eq!(map.get(&2).map(|v| *v + 1), Some(21));
    /// assert!(map.get(&3).is_none());
    /// ```
    pub fn get(&self, key: &K) -> Option<Ref<'_, V, R>> {
        let bucket = self.bucket(key);
        Ref::protect(Section::new(&self.domain), |section| {
            bucket.get(key, section)
        })
    }

    /// Whether `key` is present.
    ///
    /// ```
    /// let map = gracepoint_structures::HashMap::new(srcu::Srcu::new(), 8);
    /// assert!(!map.contains(&4));
    /// map.insert(4, ()).unwrap();
    /// assert!(map.contains(&4));
    /// ```
    pub fn contains(&self, key: &K) -> bool {
        self.bucket(key)
            .get(key, &Section::new(&self.domain))
            .is_some()
    }

    /// Calls `f` on every entry, bucket by bucket (not in key order), inside one read
    /// section. Under concurrent updates it sees each entry that stays present throughout, and
    /// may or may not see the others.
    ///
    /// ```
    /// let map = gracepoint_structures::HashMap::new(srcu::Srcu::new(), 8);
    /// for k in 0..10 {
    ///     map.insert(k, k).unwrap();
    /// }
    /// let mut sum = 0;
    /// map.for_each(|_, v| sum += v);
    /// assert_eq!(sum, 45);
    /// ```
    pub fn for_each(&self, mut f: impl FnMut(&K, &V)) {
        let section = Section::new(&self.domain);
        for bucket in self.buckets.iter() {
            bucket.for_each(&section, &mut f);
        }
    }

    /// The number of entries (a snapshot that may be stale under concurrent updates).
    ///
    /// ```
    /// let map = gracepoint_structures::HashMap::new(srcu::Srcu::new(), 8);
    /// map.insert(1, ()).unwrap();
    /// map.insert(9, ()).unwrap();
    /// assert_eq!(map.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        let mut n = 0;
        self.for_each(|_, _| n += 1);
        n
    }

    /// Whether the map is empty.
    ///
    /// ```
    /// let map = gracepoint_structures::HashMap::<u64, u64, _>::new(srcu::Srcu::new(), 8);
    /// assert!(map.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        let section = Section::new(&self.domain);
        self.buckets.iter().all(|bucket| bucket.is_empty(&section))
    }
}

impl<K, V, R: Reclaim, S> fmt::Debug for HashMap<K, V, R, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HashMap")
            .field("buckets", &self.buckets.len())
            .finish_non_exhaustive()
    }
}

/// Builds [`FxHasher`]s: the map's default hasher.
///
/// ```
/// use std::hash::BuildHasher;
/// let h = gracepoint_structures::map::FxBuildHasher;
/// assert_eq!(h.hash_one(7u64), h.hash_one(7u64));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct FxBuildHasher;

impl BuildHasher for FxBuildHasher {
    type Hasher = FxHasher;
    fn build_hasher(&self) -> FxHasher {
        FxHasher::default()
    }
}

/// The "Fx" hash of the Rust compiler and Firefox: per word, rotate, xor, multiply by a large
/// odd constant. Fast and good in its top bits (which the map uses), but unkeyed: an adversary
/// can choose colliding keys.
///
/// ```
/// use std::hash::Hasher;
/// let mut h = gracepoint_structures::map::FxHasher::default();
/// h.write_u64(1);
/// assert_ne!(h.finish(), 0);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct FxHasher {
    hash: u64,
}

/// One word at a time: rotate, xor, multiply by the golden-ratio constant (Fibonacci
/// hashing), so that consecutive keys spread over the top bits the map picks buckets with.
///
/// ```
/// use std::collections::HashSet;
/// use std::hash::Hasher;
/// let hash = |key: u64| {
///     let mut hasher = gracepoint_structures::map::FxHasher::default();
///     hasher.write_u64(key);
///     hasher.finish()
/// };
/// assert_eq!(hash(7), hash(7));
/// // Keys 0..16 in a 16-bucket table (the top 4 bits): hardly any share a bucket.
/// let buckets: HashSet<u64> = (0..16).map(|key| hash(key) >> 60).collect();
/// assert!(buckets.len() >= 14);
/// ```
impl FxHasher {
    /// 2^64 divided by the golden ratio, rounded to odd: a multiplier that spreads
    /// consecutive keys over the top bits (Fibonacci hashing).
    const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u16(&mut self, n: u16) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}
