//! The data structures the workloads run on, and the one list of them.
//!
//! The mixes of the SMR literature run on sets of `u64` keys: anything that implements
//! [`KeySet`]. [`for_each_key_set`] lists them, so **adding a structure is an impl of
//! [`KeySet`] and one line in [`for_each_key_set`]**; no runner code changes. The
//! retire-bound workload runs on [`Stack`], and the unreclaimed-objects pass on [`Map`], whose
//! values count their drops.
//!
//! This file is the only one that names the structures' types: when they move to their own
//! crate, only this file changes.
//!
//! ```
//! use benches::targets::{HashSet, KeySet, SetOps};
//! let set = HashSet::new(peers::CrossbeamEpoch, 1000);
//! assert!(set.insert(5));
//! assert!(set.contains(5));
//! assert!(set.remove(5));
//! ```

use reclaim::Reclaim;

use crate::map::HashMap;

/// The retire-bound workload's stack.
///
/// ```
/// let stack = benches::targets::Stack::new(peers::Sdd);
/// stack.push(1u64);
/// assert_eq!(stack.pop(), Some(1));
/// ```
pub type Stack<T, R> = crate::stack::TreiberStack<T, R>;

/// The map of the unreclaimed-objects pass, whose values count their drops.
///
/// ```
/// let map = benches::targets::Map::new(peers::CrossbeamEpoch, 8);
/// assert!(map.insert(1, "one").is_ok());
/// ```
pub type Map<V, R> = HashMap<V, R>;

/// The operations of a concurrent set of `u64` keys: what the mixes' workers call.
///
/// ```
/// use benches::targets::{HashSet, KeySet, SetOps};
/// fn churn(set: &impl SetOps) -> bool {
///     set.insert(1) && set.contains(1) && set.remove(1)
/// }
/// assert!(churn(&HashSet::new(peers::CrossbeamEpoch, 16)));
/// ```
pub trait SetOps: Sync {
    /// Adds `key`; false if it was present.
    ///
    /// ```
    /// use benches::targets::{KeySet, ListSet, SetOps};
    /// let set = ListSet::new(peers::CrossbeamEpoch, 16);
    /// assert!(set.insert(4) && !set.insert(4));
    /// ```
    fn insert(&self, key: u64) -> bool;
    /// Removes `key`; false if it was absent.
    ///
    /// ```
    /// use benches::targets::{KeySet, ListSet, SetOps};
    /// let set = ListSet::new(peers::CrossbeamEpoch, 16);
    /// assert!(!set.remove(4));
    /// ```
    fn remove(&self, key: u64) -> bool;
    /// Whether `key` is present.
    ///
    /// ```
    /// use benches::targets::{KeySet, ListSet, SetOps};
    /// assert!(!ListSet::new(peers::CrossbeamEpoch, 16).contains(4));
    /// ```
    fn contains(&self, key: u64) -> bool;
}

/// A structure the mixes run on: a set of `u64` keys over any scheme `R`, with its name and
/// the literature's key range.
///
/// ```
/// use benches::targets::{KeySet, ListSet, SetOps};
/// fn fill<S: KeySet<peers::Sdd>>() -> S {
///     let set = S::new(peers::Sdd, 100);
///     for k in 0..10 {
///         set.insert(k);
///     }
///     set
/// }
/// assert!(fill::<ListSet<_>>().contains(9));
/// ```
pub trait KeySet<R: Reclaim>: SetOps + Send + Sized + 'static {
    /// A short, stable identifier for file names and CSV files.
    ///
    /// ```
    /// use benches::targets::{HashSet, KeySet, ListSet};
    /// assert_eq!(<HashSet<peers::Sdd> as KeySet<_>>::ID, "hashmap");
    /// ```
    const ID: &'static str;
    /// The name shown in tables and plots.
    ///
    /// ```
    /// use benches::targets::{HashSet, KeySet, ListSet};
    /// assert_eq!(<ListSet<peers::Sdd> as KeySet<_>>::NAME, "list");
    /// ```
    const NAME: &'static str;
    /// The key range the literature runs this structure with (prefilled to half).
    ///
    /// ```
    /// use benches::targets::{HashSet, KeySet, ListSet};
    /// assert_eq!(<HashSet<peers::Sdd> as KeySet<_>>::KEY_RANGE, 100_000);
    /// ```
    const KEY_RANGE: u64;

    /// An empty set sized for keys in `0..key_range`.
    ///
    /// ```
    /// use benches::targets::{HashSet, KeySet};
    /// let _set = HashSet::new(srcu::Srcu::new(), 1000);
    /// ```
    fn new(domain: R, key_range: u64) -> Self;
}

/// Receives each structure of the list in turn, as a type.
///
/// ```
/// use benches::targets::{KeySet, KeySetVisitor};
/// struct Names(Vec<&'static str>);
/// impl<R: reclaim::Reclaim + 'static> KeySetVisitor<R> for Names {
///     fn visit<S: KeySet<R>>(&mut self) {
///         self.0.push(S::NAME);
///     }
/// }
/// let mut names = Names(Vec::new());
/// benches::targets::for_each_key_set::<peers::CrossbeamEpoch>(&mut names);
/// assert!(names.0.contains(&"hash map"));
/// ```
pub trait KeySetVisitor<R: Reclaim + 'static> {
    /// Called once per structure.
    fn visit<S: KeySet<R>>(&mut self);
}

/// Hands every structure the mixes run on to `visitor`.
///
/// ```
/// use benches::targets::{KeySet, KeySetVisitor};
/// struct Count(usize);
/// impl<R: reclaim::Reclaim + 'static> KeySetVisitor<R> for Count {
///     fn visit<S: KeySet<R>>(&mut self) {
///         self.0 += 1;
///     }
/// }
/// let mut count = Count(0);
/// benches::targets::for_each_key_set::<peers::Sdd>(&mut count);
/// assert!(count.0 >= 2);
/// ```
pub fn for_each_key_set<R: Reclaim + 'static>(visitor: &mut impl KeySetVisitor<R>) {
    visitor.visit::<HashSet<R>>();
    visitor.visit::<ListSet<R>>();
}

/// The Michael hash map as a set: one bucket per two keys of the range, so that the prefilled
/// map has a load factor of one.
///
/// ```
/// use benches::targets::{HashSet, KeySet, SetOps};
/// let set = HashSet::new(peers::Seize::new(), 64);
/// assert!(set.insert(1) && !set.insert(1));
/// ```
pub type HashSet<R> = MapSet<R, false>;

/// The Harris–Michael sorted linked list: the hash map's bucket list, with a single bucket.
///
/// ```
/// use benches::targets::{KeySet, ListSet, SetOps};
/// let set = ListSet::new(peers::CrossbeamEpoch, 1000);
/// assert!(set.insert(3) && set.insert(1));
/// assert!(set.remove(3) && !set.contains(3));
/// ```
pub type ListSet<R> = MapSet<R, true>;

/// A set over the bench hash map: a hash map ([`HashSet`]), or with `ONE_BUCKET` a single
/// Harris–Michael list ([`ListSet`]).
///
/// ```
/// use benches::targets::{KeySet, MapSet, SetOps};
/// let set: MapSet<_, true> = KeySet::new(peers::Sdd, 10);
/// assert!(set.insert(7));
/// ```
pub struct MapSet<R: Reclaim, const ONE_BUCKET: bool>(HashMap<(), R>);

impl<R: Reclaim + 'static> KeySet<R> for MapSet<R, false> {
    const ID: &'static str = "hashmap";
    const NAME: &'static str = "hash map";
    const KEY_RANGE: u64 = 100_000;

    fn new(domain: R, key_range: u64) -> Self {
        Self(HashMap::new(domain, (key_range / 2).max(1) as usize))
    }
}

impl<R: Reclaim + 'static> KeySet<R> for MapSet<R, true> {
    const ID: &'static str = "list";
    const NAME: &'static str = "list";
    const KEY_RANGE: u64 = 1_000;

    fn new(domain: R, _key_range: u64) -> Self {
        Self(HashMap::new(domain, 1))
    }
}

impl<R: Reclaim + 'static, const ONE_BUCKET: bool> SetOps for MapSet<R, ONE_BUCKET> {
    fn insert(&self, key: u64) -> bool {
        self.0.insert(key, ()).is_ok()
    }
    fn remove(&self, key: u64) -> bool {
        self.0.remove(key)
    }
    fn contains(&self, key: u64) -> bool {
        self.0.contains(key)
    }
}
