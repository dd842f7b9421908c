//! Values that count their own creation and drops, and a domain that counts what is retired
//! through it: for leak checks, and for counting unreclaimed objects in a separate pass.
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
use reclaim::Reclaim;

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

/// A domain that counts what is retired through it, and otherwise is `R`: the unreclaimed
/// pass subtracts the values dropped (counted by [`Counted`]) from the objects retired (counted
/// here), whatever structure does the retiring.
///
/// Counting adds one shared atomic increment per retire, so only the counting pass uses it.
///
/// ```
/// use benches::counted::CountingDomain;
/// use reclaim::Reclaim;
/// let domain = CountingDomain::new(peers::CrossbeamEpoch);
/// domain.retire(Box::new(1u8));
/// assert_eq!(domain.retired(), 1);
/// ```
#[derive(Debug)]
pub struct CountingDomain<R> {
    inner: R,
    retired: Arc<CachePadded<AtomicU64>>,
}

impl<R: Reclaim> CountingDomain<R> {
    /// Wraps `inner`, with the count at zero.
    ///
    /// ```
    /// let domain = benches::counted::CountingDomain::new(srcu::Srcu::new());
    /// assert_eq!(domain.retired(), 0);
    /// ```
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            retired: Arc::default(),
        }
    }

    /// Objects retired so far.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let domain = benches::counted::CountingDomain::new(gus::Gus::new());
    /// domain.retire(Box::new(0u32));
    /// domain.retire(Box::new(1u32));
    /// assert_eq!(domain.retired(), 2);
    /// ```
    pub fn retired(&self) -> u64 {
        self.retired.load(Ordering::Relaxed)
    }

    /// A handle that reads the count after the domain has moved into a structure.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let domain = benches::counted::CountingDomain::new(peers::Sdd);
    /// let count = domain.retired_counter();
    /// domain.retire(Box::new(0u32));
    /// assert_eq!(count(), 1);
    /// ```
    pub fn retired_counter(&self) -> impl Fn() -> u64 + Send + Sync + 'static {
        let retired = self.retired.clone();
        move || retired.load(Ordering::Relaxed)
    }
}

// SAFETY: every operation is `R`'s own; counting changes no grace period.
unsafe impl<R: Reclaim> Reclaim for CountingDomain<R> {
    type Guard<'a>
        = R::Guard<'a>
    where
        Self: 'a;
    type Cookie = R::Cookie;

    #[inline]
    fn enter(&self) -> Self::Guard<'_> {
        self.inner.enter()
    }

    fn retire<T: Send + 'static>(&self, boxed: Box<T>) {
        self.retired.fetch_add(1, Ordering::Relaxed);
        self.inner.retire(boxed);
    }

    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        self.retired.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller's promise, passed on unchanged.
        unsafe { self.inner.retire_raw(ptr, free) };
    }

    fn synchronize(&self) {
        self.inner.synchronize();
    }

    fn barrier(&self) {
        self.inner.barrier();
    }

    fn start_poll(&self) -> Self::Cookie {
        self.inner.start_poll()
    }

    fn poll(&self, cookie: &Self::Cookie) -> bool {
        self.inner.poll(cookie)
    }
}
