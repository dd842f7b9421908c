//! arc-swap's `ArcSwap`, the crate Rust users pick for a read-mostly shared value, beside this
//! workspace's [`RcuCell`]: both behind [`SharedCell`], so that the `compare` program's
//! rcu-cell passes run the same loop on each.
//!
//! `ArcSwap` is not a reclamation domain (an `Arc`'s count frees the value), so it is not a
//! [`Peer`](crate::Peer): it is the baseline of `RcuCell`, measured in the same job as every
//! scheme's cell.
//!
//! ```
//! use peers::{ArcSwap, SharedCell};
//! fn bump<C: SharedCell<u64>>(cell: &C) {
//!     let v = cell.read(|v| *v);
//!     cell.replace(v + 1);
//! }
//! let swap = ArcSwap::from_pointee(1u64);
//! bump(&swap);
//! let rcu = structures::RcuCell::new(1u64, srcu::Srcu::new());
//! bump(&rcu);
//! assert_eq!((swap.read(|v| *v), rcu.read(|v| *v)), (2, 2));
//! ```

use std::sync::Arc;

pub use arc_swap::ArcSwap;
use reclaim::Reclaim;
use structures::RcuCell;

/// A shared value that readers read in place and writers replace whole.
///
/// ```
/// use peers::SharedCell;
/// let cell = peers::ArcSwap::from_pointee(String::from("a"));
/// cell.replace(String::from("b"));
/// assert_eq!(cell.read(|s| s.clone()), "b");
/// ```
pub trait SharedCell<T>: Send + Sync {
    /// Runs `f` on the current value, protected for the length of the call: a load and its
    /// guard.
    ///
    /// ```
    /// use peers::SharedCell;
    /// let cell = peers::ArcSwap::from_pointee(3u8);
    /// assert_eq!(cell.read(|v| *v + 1), 4);
    /// ```
    fn read<U>(&self, f: impl FnOnce(&T) -> U) -> U;

    /// Replaces the value; the old one is freed once no reader holds it.
    ///
    /// ```
    /// use peers::SharedCell;
    /// let cell = structures::RcuCell::new(1u8, gus::Gus::new());
    /// cell.replace(2);
    /// assert_eq!(cell.read(|v| *v), 2);
    /// ```
    fn replace(&self, value: T);
}

impl<T: Send + Sync> SharedCell<T> for ArcSwap<T> {
    #[inline]
    fn read<U>(&self, f: impl FnOnce(&T) -> U) -> U {
        f(&self.load())
    }

    #[inline]
    fn replace(&self, value: T) {
        self.store(Arc::new(value));
    }
}

impl<T: Send + Sync + 'static, R: Reclaim> SharedCell<T> for RcuCell<T, R> {
    #[inline]
    fn read<U>(&self, f: impl FnOnce(&T) -> U) -> U {
        f(&self.load())
    }

    #[inline]
    fn replace(&self, value: T) {
        self.store(value);
    }
}
