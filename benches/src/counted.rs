//! Values that count their own creation and drops, for leak checks and for counting
//! unreclaimed objects in a separate pass.
//!
//! ```
//! use benches::counted::{Counted, Counter};
//! let counter = Counter::new();
//! let value = Counted::new(&counter);
//! assert_eq!(counter.live(), 1);
//! drop(value);
//! assert_eq!((counter.created(), counter.dropped(), counter.live()), (1, 1, 0));
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_utils::CachePadded;

#[derive(Debug, Default)]
struct Counts {
    created: CachePadded<AtomicU64>,
    dropped: CachePadded<AtomicU64>,
}

/// Shared creation and drop counts for a family of [`Counted`] values.
///
/// ```
/// let counter = benches::counted::Counter::new();
/// assert_eq!(counter.live(), 0);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<Counts>);

impl Counter {
    /// Counts starting at zero.
    ///
    /// ```
    /// assert_eq!(benches::counted::Counter::new().created(), 0);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// How many values were created (and not disarmed).
    ///
    /// ```
    /// let c = benches::counted::Counter::new();
    /// let _v = benches::counted::Counted::new(&c);
    /// assert_eq!(c.created(), 1);
    /// ```
    pub fn created(&self) -> u64 {
        self.0.created.load(Ordering::Acquire)
    }

    /// How many values were dropped.
    ///
    /// ```
    /// let c = benches::counted::Counter::new();
    /// drop(benches::counted::Counted::new(&c));
    /// assert_eq!(c.dropped(), 1);
    /// ```
    pub fn dropped(&self) -> u64 {
        self.0.dropped.load(Ordering::Acquire)
    }

    /// `created - dropped`.
    ///
    /// ```
    /// let c = benches::counted::Counter::new();
    /// let v = benches::counted::Counted::new(&c);
    /// assert_eq!(c.live(), 1);
    /// # drop(v);
    /// ```
    pub fn live(&self) -> u64 {
        let dropped = self.dropped();
        self.created().saturating_sub(dropped)
    }
}

/// A value that counts its creation and its drop in a [`Counter`].
///
/// ```
/// let c = benches::counted::Counter::new();
/// let mut v = benches::counted::Counted::new(&c);
/// v.disarm();
/// drop(v);
/// assert_eq!((c.created(), c.dropped()), (0, 0));
/// ```
#[derive(Debug)]
pub struct Counted(Option<Counter>);

impl Counted {
    /// A value counted as created in `counter`.
    ///
    /// ```
    /// let c = benches::counted::Counter::new();
    /// let _v = benches::counted::Counted::new(&c);
    /// ```
    pub fn new(counter: &Counter) -> Self {
        counter.0.created.fetch_add(1, Ordering::AcqRel);
        Self(Some(counter.clone()))
    }

    /// Takes the value out of the counts, as if it had never been created: for a value that a
    /// failed insert handed back.
    ///
    /// ```
    /// let c = benches::counted::Counter::new();
    /// let mut v = benches::counted::Counted::new(&c);
    /// v.disarm();
    /// assert_eq!(c.live(), 0);
    /// ```
    pub fn disarm(&mut self) {
        if let Some(counter) = self.0.take() {
            counter.0.created.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        if let Some(counter) = &self.0 {
            counter.0.dropped.fetch_add(1, Ordering::AcqRel);
        }
    }
}
