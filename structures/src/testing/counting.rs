//! [`Counting`]: a domain wrapper that counts every retire and every free, for the suite's
//! exactly-once checks.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use reclaim::Reclaim;

/// A domain that counts what goes through it: objects retired, and objects its inner domain
/// has freed.
///
/// Every retire is forwarded to the inner domain wrapped in a small record whose deleter
/// frees the object and counts it, so the count is exact for every scheme (the record costs
/// one allocation per retire).
///
/// ```
/// use reclaim::Reclaim;
/// use gracepoint_structures::testing::Counting;
/// let domain = Counting::new(srcu::Srcu::new());
/// let counts = domain.counts();
/// domain.retire(Box::new(1u64));
/// domain.barrier();
/// assert_eq!((counts.retired(), counts.freed()), (1, 1));
/// ```
#[derive(Debug)]
pub struct Counting<R> {
    inner: R,
    counts: RetireCounts,
}

/// The counts of a [`Counting`] domain; they outlive it.
///
/// ```
/// use gracepoint_structures::testing::Counting;
/// let counts = Counting::new(srcu::Srcu::new()).counts();
/// assert_eq!(counts.retired(), 0);
/// ```
#[derive(Clone, Debug, Default)]
pub struct RetireCounts(Arc<Counters>);

#[derive(Debug, Default)]
struct Counters {
    retired: AtomicUsize,
    freed: AtomicUsize,
}

impl RetireCounts {
    /// Objects retired so far.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let domain = gracepoint_structures::testing::Counting::new(srcu::Srcu::new());
    /// domain.retire(Box::new(()));
    /// assert_eq!(domain.counts().retired(), 1);
    /// ```
    pub fn retired(&self) -> usize {
        self.0.retired.load(SeqCst)
    }

    /// Retired objects freed so far.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let domain = gracepoint_structures::testing::Counting::new(srcu::Srcu::new());
    /// let counts = domain.counts();
    /// domain.retire(Box::new(()));
    /// drop(domain); // a domain frees what is pending when it drops
    /// assert_eq!(counts.freed(), 1);
    /// ```
    pub fn freed(&self) -> usize {
        self.0.freed.load(SeqCst)
    }
}

impl<R: Reclaim> Counting<R> {
    /// Wraps `inner`.
    ///
    /// ```
    /// let domain = gracepoint_structures::testing::Counting::new(gus::Gus::new());
    /// assert_eq!(domain.counts().freed(), 0);
    /// ```
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            counts: RetireCounts::default(),
        }
    }

    /// A handle on the counts, valid after the domain is gone.
    ///
    /// ```
    /// let counts = gracepoint_structures::testing::Counting::new(gus::Gus::new()).counts();
    /// assert_eq!(counts.retired(), 0);
    /// ```
    pub fn counts(&self) -> RetireCounts {
        self.counts.clone()
    }

    /// The wrapped domain.
    ///
    /// ```
    /// let domain = gracepoint_structures::testing::Counting::new(srcu::Srcu::new());
    /// domain.inner().synchronize();
    /// ```
    pub fn inner(&self) -> &R {
        &self.inner
    }
}

/// What [`Counting`] retires in place of the caller's object.
struct Record {
    ptr: *mut (),
    free: unsafe fn(*mut ()),
    counts: RetireCounts,
}

// SAFETY: `Reclaim::retire_raw`'s caller promises that `free(ptr)` may run on any thread.
unsafe impl Send for Record {}

/// The deleter of a [`Record`]: frees the object, then counts it.
unsafe fn free_record(record: *mut ()) {
    // SAFETY: `retire_raw` made `record` from a `Box<Record>`, and the domain frees it once.
    let record = unsafe { Box::from_raw(record.cast::<Record>()) };
    // SAFETY: the retire contract, forwarded from the caller of `retire_raw`.
    unsafe { (record.free)(record.ptr) };
    record.counts.0.freed.fetch_add(1, SeqCst);
}

// SAFETY: every section and grace period is the inner domain's; retired objects reach the
// inner domain unchanged, only wrapped.
unsafe impl<R: Reclaim> Reclaim for Counting<R> {
    type Guard<'a>
        = R::Guard<'a>
    where
        Self: 'a;
    type Cookie = R::Cookie;

    #[track_caller]
    fn enter(&self) -> Self::Guard<'_> {
        self.inner.enter()
    }

    #[track_caller]
    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        self.counts.0.retired.fetch_add(1, SeqCst);
        let record = Box::into_raw(Box::new(Record {
            ptr,
            free,
            counts: self.counts.clone(),
        }));
        // SAFETY: `free_record` frees exactly the box made here, once, on any thread.
        unsafe { self.inner.retire_raw(record.cast(), free_record) }
    }

    #[track_caller]
    fn synchronize(&self) {
        self.inner.synchronize()
    }

    #[track_caller]
    fn barrier(&self) {
        self.inner.barrier()
    }

    fn start_poll(&self) -> Self::Cookie {
        self.inner.start_poll()
    }

    fn poll(&self, cookie: &Self::Cookie) -> bool {
        self.inner.poll(cookie)
    }
}
