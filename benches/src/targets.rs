//! The data structures the workloads run on, and the one list of them. The structures
//! themselves live in the `structures` crate, written once against [`Reclaim`].
//!
//! The mixes of the SMR literature run on sets of `u64` keys: anything that implements
//! [`KeySet`]. [`for_each_key_set`] lists them, so **adding a structure is an impl of
//! [`KeySet`] and one line in [`for_each_key_set`]**; no runner code changes. The
//! retire-bound workload runs on [`Stack`].
//!
//! This file is the only one that names the structures' types. The set types are the
//! structures themselves, whose own `insert(key, value)`, `remove(&key)` and `contains(&key)`
//! come first in method-call syntax: outside generic code, call [`SetOps`] as
//! `SetOps::insert(&set, key)`.
//!
//! ```
//! use benches::targets::{HashSet, KeySet, SetOps};
//! let set: HashSet<_> = KeySet::new(peers::CrossbeamEpoch, 1000);
//! assert!(SetOps::insert(&set, 5));
//! assert!(SetOps::contains(&set, 5));
//! assert!(SetOps::remove(&set, 5));
//! ```

use reclaim::Reclaim;

/// The retire-bound workload's stack: a Treiber stack.
///
/// ```
/// let stack = benches::targets::Stack::new(peers::Sdd);
/// stack.push(1u64);
/// assert_eq!(stack.pop(), Some(1));
/// ```
pub type Stack<T, R> = structures::Stack<T, R>;

/// The Michael hash map as a set of keys.
///
/// ```
/// use benches::targets::{HashSet, KeySet, SetOps};
/// let set: HashSet<_> = KeySet::new(peers::Seize::new(), 64);
/// assert!(SetOps::insert(&set, 1) && !SetOps::insert(&set, 1));
/// ```
pub type HashSet<R> = structures::HashMap<u64, (), R>;

/// The Harris–Michael sorted linked list as a set of keys.
///
/// ```
/// use benches::targets::{KeySet, ListSet, SetOps};
/// let set: ListSet<_> = KeySet::new(peers::CrossbeamEpoch, 1000);
/// assert!(SetOps::insert(&set, 3) && SetOps::insert(&set, 1));
/// assert!(SetOps::remove(&set, 3) && !SetOps::contains(&set, 3));
/// ```
pub type ListSet<R> = structures::List<u64, (), R>;

/// The Natarajan–Mittal external binary search tree as a set of keys.
///
/// ```
/// use benches::targets::{KeySet, SetOps, TreeSet};
/// let set: TreeSet<_> = KeySet::new(peers::Sdd, 1000);
/// assert!(SetOps::insert(&set, 8) && SetOps::contains(&set, 8));
/// ```
pub type TreeSet<R> = structures::Tree<u64, (), R>;

/// The operations of a concurrent set of `u64` keys: what the mixes' workers call.
///
/// ```
/// use benches::targets::{HashSet, KeySet, SetOps};
/// fn churn(set: &impl SetOps) -> bool {
///     set.insert(1) && set.contains(1) && set.remove(1)
/// }
/// let set: HashSet<_> = KeySet::new(peers::CrossbeamEpoch, 16);
/// assert!(churn(&set));
/// ```
pub trait SetOps: Sync {
    /// Adds `key`; false if it was present.
    ///
    /// ```
    /// use benches::targets::{KeySet, ListSet, SetOps};
    /// let set: ListSet<_> = KeySet::new(peers::CrossbeamEpoch, 16);
    /// assert!(SetOps::insert(&set, 4) && !SetOps::insert(&set, 4));
    /// ```
    fn insert(&self, key: u64) -> bool;
    /// Removes `key`; false if it was absent.
    ///
    /// ```
    /// use benches::targets::{KeySet, ListSet, SetOps};
    /// let set: ListSet<_> = KeySet::new(peers::CrossbeamEpoch, 16);
    /// assert!(!SetOps::remove(&set, 4));
    /// ```
    fn remove(&self, key: u64) -> bool;
    /// Whether `key` is present.
    ///
    /// ```
    /// use benches::targets::{KeySet, ListSet, SetOps};
    /// let set: ListSet<_> = KeySet::new(peers::CrossbeamEpoch, 16);
    /// assert!(!SetOps::contains(&set, 4));
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
/// assert!(SetOps::contains(&fill::<ListSet<_>>(), 9));
/// ```
pub trait KeySet<R: Reclaim>: SetOps + Send + Sized + 'static {
    /// A short, stable identifier for file names and CSV files.
    ///
    /// ```
    /// use benches::targets::{HashSet, KeySet};
    /// assert_eq!(<HashSet<peers::Sdd> as KeySet<_>>::ID, "hashmap");
    /// ```
    const ID: &'static str;
    /// The name shown in tables and plots.
    ///
    /// ```
    /// use benches::targets::{KeySet, ListSet};
    /// assert_eq!(<ListSet<peers::Sdd> as KeySet<_>>::NAME, "list");
    /// ```
    const NAME: &'static str;
    /// The key range the literature runs this structure with (prefilled to half).
    ///
    /// ```
    /// use benches::targets::{HashSet, KeySet};
    /// assert_eq!(<HashSet<peers::Sdd> as KeySet<_>>::KEY_RANGE, 100_000);
    /// ```
    const KEY_RANGE: u64;

    /// An empty set sized for keys in `0..key_range`.
    ///
    /// ```
    /// use benches::targets::{HashSet, KeySet};
    /// let _set: HashSet<_> = KeySet::new(srcu::Srcu::new(), 1000);
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
/// assert_eq!(names.0, ["hash map", "list", "tree"]);
/// ```
pub trait KeySetVisitor<R: Reclaim + 'static> {
    /// Called once per structure.
    fn visit<S: KeySet<R>>(&mut self);
}

/// Hands every structure the mixes run on to `visitor`: the literature's three.
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
/// assert_eq!(count.0, 3);
/// ```
pub fn for_each_key_set<R: Reclaim + 'static>(visitor: &mut impl KeySetVisitor<R>) {
    visitor.visit::<HashSet<R>>();
    visitor.visit::<ListSet<R>>();
    visitor.visit::<TreeSet<R>>();
}

/// One bucket per two keys of the range, so that the prefilled map has a load factor of about
/// one (the bucket count is rounded up to a power of two).
impl<R: Reclaim + 'static> KeySet<R> for HashSet<R> {
    const ID: &'static str = "hashmap";
    const NAME: &'static str = "hash map";
    const KEY_RANGE: u64 = 100_000;

    fn new(domain: R, key_range: u64) -> Self {
        Self::new(domain, (key_range / 2).max(1) as usize)
    }
}

/// The low end of the literature's 1k–10k: a list traversal is linear, and a longer one
/// measures the walk more than the reclamation.
impl<R: Reclaim + 'static> KeySet<R> for ListSet<R> {
    const ID: &'static str = "list";
    const NAME: &'static str = "list";
    const KEY_RANGE: u64 = 1_000;

    fn new(domain: R, _key_range: u64) -> Self {
        Self::new(domain)
    }
}

/// Random keys keep the unbalanced tree's depth logarithmic on average.
impl<R: Reclaim + 'static> KeySet<R> for TreeSet<R> {
    const ID: &'static str = "tree";
    const NAME: &'static str = "tree";
    const KEY_RANGE: u64 = 100_000;

    fn new(domain: R, _key_range: u64) -> Self {
        Self::new(domain)
    }
}

/// Each structure's own operations, with a unit value.
macro_rules! set_ops {
    ($($set:ident),*) => {$(
        impl<R: Reclaim + 'static> SetOps for $set<R> {
            #[inline]
            fn insert(&self, key: u64) -> bool {
                self.insert(key, ()).is_ok()
            }
            #[inline]
            fn remove(&self, key: u64) -> bool {
                self.remove(&key)
            }
            #[inline]
            fn contains(&self, key: u64) -> bool {
                self.contains(&key)
            }
        }
    )*};
}

set_ops!(HashSet, ListSet, TreeSet);
