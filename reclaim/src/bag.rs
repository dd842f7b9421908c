//! Retired objects, batched into bags tagged with the grace period they wait for.
//!
//! # Invariants
//! - Every [`Retired`] pushed into a [`RetireQueue`] is freed exactly once: by
//!   [`RetireQueue::collect`] after its bag's tag has expired, or by the queue's `Drop`.
//! - Sealed bags sit in FIFO order and are tagged under the queue's lock, so their tags never
//!   decrease along the queue (each scheme's clock only moves forward). `collect` may therefore
//!   stop at the first bag whose tag has not expired.
//! - Nothing is freed while the lock is held: a destructor may retire more objects into the
//!   same domain.
//!
//! Without `alloc` the queue holds one open and one sealed bag inline; when both are full the
//! caller is told to wait for the sealed bag's tag (see [`Push::WaitFor`]), which bounds memory
//! with no allocator at all.
//!
//! ```
//! use reclaim::bag::{Push, RetireQueue, Retired};
//! static FREED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
//! unsafe fn count(_: *mut ()) {
//!     FREED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
//! }
//!
//! let queue = RetireQueue::new();
//! // SAFETY: `count` accepts any pointer.
//! let item = unsafe { Retired::new(core::ptr::null_mut(), count) };
//! assert!(matches!(queue.push(item, || 7), Push::Open));
//! queue.seal(|| 7);                 // tag the open bag with grace period 7
//! assert_eq!(queue.collect(|tag| tag <= 6), 0);
//! assert_eq!(queue.collect(|tag| tag <= 7), 1);
//! assert_eq!(FREED.load(std::sync::atomic::Ordering::Relaxed), 1);
//! ```

use crate::sync::{AtomicUsize, Mutex, Ordering};
use core::mem::MaybeUninit;

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "alloc")]
use alloc::{boxed::Box, collections::VecDeque};

/// How many objects one bag holds.
pub const BAG_CAPACITY: usize = 64;

/// One object waiting to be freed: a pointer and the function that frees it.
#[derive(Debug)]
pub struct Retired {
    ptr: *mut (),
    free: unsafe fn(*mut ()),
}

// SAFETY: `Retired::new`'s contract makes the pointer safe to free from any thread.
unsafe impl Send for Retired {}

impl Retired {
    /// Wraps `ptr` and the function that frees it.
    ///
    /// # Safety
    /// `free(ptr)` must be safe to call once, from any thread, after the grace period.
    ///
    /// ```
    /// unsafe fn nothing(_: *mut ()) {}
    /// let r = unsafe { reclaim::bag::Retired::new(core::ptr::null_mut(), nothing) };
    /// unsafe { r.free() };
    /// ```
    pub unsafe fn new(ptr: *mut (), free: unsafe fn(*mut ())) -> Self {
        Self { ptr, free }
    }

    /// Wraps a box, to be dropped after the grace period.
    ///
    /// ```
    /// let r = reclaim::bag::Retired::from_box(Box::new(String::from("old")));
    /// unsafe { r.free() };
    /// ```
    #[cfg(feature = "alloc")]
    pub fn from_box<T: Send + 'static>(boxed: Box<T>) -> Self {
        unsafe fn drop_box<T>(ptr: *mut ()) {
            // SAFETY: `ptr` came from `Box::into_raw` in `from_box` and is freed once.
            drop(unsafe { Box::from_raw(ptr.cast::<T>()) });
        }
        // SAFETY: `drop_box::<T>` frees exactly the box `into_raw` leaked, and `T: Send`.
        unsafe { Self::new(Box::into_raw(boxed).cast(), drop_box::<T>) }
    }

    /// Splits into the pointer and the function that frees it.
    ///
    /// ```
    /// let (ptr, free) = reclaim::bag::Retired::from_box(Box::new(1u8)).into_parts();
    /// unsafe { free(ptr) };
    /// ```
    pub fn into_parts(self) -> (*mut (), unsafe fn(*mut ())) {
        (self.ptr, self.free)
    }

    /// Frees the object now.
    ///
    /// # Safety
    /// No reader may still hold a reference to the object.
    ///
    /// ```
    /// let r = reclaim::bag::Retired::from_box(Box::new(1u8));
    /// unsafe { r.free() };
    /// ```
    pub unsafe fn free(self) {
        // SAFETY: as `new`'s and this function's callers promised.
        unsafe { (self.free)(self.ptr) }
    }
}

/// A batch of up to [`BAG_CAPACITY`] retired objects.
struct Bag {
    items: [MaybeUninit<Retired>; BAG_CAPACITY],
    len: usize,
}

impl Bag {
    const fn new() -> Self {
        Self {
            items: [const { MaybeUninit::uninit() }; BAG_CAPACITY],
            len: 0,
        }
    }

    fn is_full(&self) -> bool {
        self.len == BAG_CAPACITY
    }

    fn push(&mut self, item: Retired) {
        self.items[self.len].write(item);
        self.len += 1;
    }

    /// Frees every object and returns how many there were.
    ///
    /// # Safety
    /// The bag's grace period must have ended.
    unsafe fn free_all(&mut self) -> usize {
        let len = core::mem::replace(&mut self.len, 0);
        for item in &mut self.items[..len] {
            // SAFETY: the first `len` items are initialised, and `len` is reset above, so each
            // is read out once; the caller vouches for the grace period.
            unsafe { item.assume_init_read().free() };
        }
        len
    }
}

impl Drop for Bag {
    fn drop(&mut self) {
        // A bag is only dropped after its contents were freed or at queue teardown, where
        // `RetireQueue::drop` already emptied it; this keeps a panic from leaking silently.
        debug_assert_eq!(self.len, 0, "a bag was dropped with objects still in it");
    }
}

#[cfg(feature = "alloc")]
type Sealed = VecDeque<(u64, Box<Bag>)>;

struct Inner {
    open: Bag,
    #[cfg(feature = "alloc")]
    sealed: Sealed,
    #[cfg(not(feature = "alloc"))]
    sealed: Option<(u64, Bag)>,
}

/// What [`RetireQueue::push`] did.
#[derive(Debug)]
pub enum Push {
    /// The object went into the open bag, which still has room.
    Open,
    /// The object filled the open bag, which was sealed with the tag the caller gave. The
    /// scheme should make sure a grace period will end that tag.
    Sealed,
    /// There is no room (no `alloc`, and the one sealed bag is still waiting). Wait until this
    /// tag has expired, [`collect`](RetireQueue::collect), and push the object again.
    WaitFor(u64, Retired),
}

/// The retired objects of one domain: an open bag being filled, and sealed bags waiting for
/// their grace periods.
pub struct RetireQueue {
    inner: Mutex<Inner>,
    /// Objects pushed and not yet freed.
    pending: AtomicUsize,
    /// Bags popped by a `collect` that is still freeing them.
    freeing: AtomicUsize,
}

impl Default for RetireQueue {
    fn default() -> Self {
        Self::new()
    }
}

impl RetireQueue {
    crate::const_fn_unless_loom! {
        /// An empty queue.
        ///
        /// ```
        /// static QUEUE: reclaim::bag::RetireQueue = reclaim::bag::RetireQueue::new();
        /// assert_eq!(QUEUE.pending(), 0);
        /// ```
        pub fn new() -> Self {
            Self {
                inner: Mutex::new(Inner {
                    open: Bag::new(),
                    #[cfg(feature = "alloc")]
                    sealed: VecDeque::new(),
                    #[cfg(not(feature = "alloc"))]
                    sealed: None,
                }),
                pending: AtomicUsize::new(0),
                freeing: AtomicUsize::new(0),
            }
        }
    }

    /// Objects retired and not yet freed.
    ///
    /// ```
    /// let q = reclaim::bag::RetireQueue::new();
    /// q.push(reclaim::bag::Retired::from_box(Box::new(0)), || 1);
    /// assert_eq!(q.pending(), 1);
    /// ```
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Relaxed)
    }

    /// How many bags are sealed and waiting for their grace period.
    ///
    /// ```
    /// let q = reclaim::bag::RetireQueue::new();
    /// q.push(reclaim::bag::Retired::from_box(Box::new(0)), || 1);
    /// q.seal(|| 1);
    /// assert_eq!(q.sealed_bags(), 1);
    /// ```
    pub fn sealed_bags(&self) -> usize {
        let inner = self.inner.lock();
        #[cfg(feature = "alloc")]
        return inner.sealed.len();
        #[cfg(not(feature = "alloc"))]
        return usize::from(inner.sealed.is_some());
    }

    /// The tag of the oldest sealed bag, if any: the next grace period worth waiting for.
    ///
    /// ```
    /// let q = reclaim::bag::RetireQueue::new();
    /// assert_eq!(q.oldest_tag(), None);
    /// q.push(reclaim::bag::Retired::from_box(Box::new(0)), || 1);
    /// q.seal(|| 4);
    /// assert_eq!(q.oldest_tag(), Some(4));
    /// ```
    pub fn oldest_tag(&self) -> Option<u64> {
        let inner = self.inner.lock();
        #[cfg(feature = "alloc")]
        return inner.sealed.front().map(|(tag, _)| *tag);
        #[cfg(not(feature = "alloc"))]
        return inner.sealed.as_ref().map(|(tag, _)| *tag);
    }

    /// Adds `item` to the open bag. If that fills the bag, seals it with the tag `tag()`
    /// returns; `tag` runs under the queue's lock, so tags along the queue never decrease.
    ///
    /// ```
    /// use reclaim::bag::{Push, Retired, RetireQueue, BAG_CAPACITY};
    /// let q = RetireQueue::new();
    /// for _ in 1..BAG_CAPACITY {
    ///     assert!(matches!(q.push(Retired::from_box(Box::new(0)), || 1), Push::Open));
    /// }
    /// assert!(matches!(q.push(Retired::from_box(Box::new(0)), || 1), Push::Sealed));
    /// assert_eq!(q.collect(|tag| tag <= 1), BAG_CAPACITY);
    /// ```
    pub fn push(&self, item: Retired, tag: impl FnOnce() -> u64) -> Push {
        let mut inner = self.inner.lock();
        #[cfg(not(feature = "alloc"))]
        if inner.open.is_full() {
            // Only reachable without `alloc`: the last push could not seal, the place was taken.
            match &inner.sealed {
                Some((waiting, _)) => return Push::WaitFor(*waiting, item),
                None => Self::seal_locked(&mut inner, tag()),
            }
            inner.open.push(item);
            self.pending.fetch_add(1, Ordering::Relaxed);
            return Push::Sealed;
        }
        inner.open.push(item);
        self.pending.fetch_add(1, Ordering::Relaxed);
        if !inner.open.is_full() {
            return Push::Open;
        }
        #[cfg(not(feature = "alloc"))]
        if inner.sealed.is_some() {
            // Leave the full bag open; the next push reports `WaitFor`.
            return Push::Open;
        }
        Self::seal_locked(&mut inner, tag());
        Push::Sealed
    }

    /// Seals the open bag, if it holds anything, with the tag `tag()` returns (called under the
    /// queue's lock). Returns false when there was nothing to seal, or (without `alloc`) when
    /// the one sealed place is taken.
    ///
    /// ```
    /// let q = reclaim::bag::RetireQueue::new();
    /// assert!(!q.seal(|| 1));
    /// q.push(reclaim::bag::Retired::from_box(Box::new(0)), || 1);
    /// assert!(q.seal(|| 1));
    /// q.collect(|_| true);
    /// ```
    pub fn seal(&self, tag: impl FnOnce() -> u64) -> bool {
        let mut inner = self.inner.lock();
        if inner.open.len == 0 {
            return false;
        }
        #[cfg(not(feature = "alloc"))]
        if inner.sealed.is_some() {
            return false;
        }
        Self::seal_locked(&mut inner, tag());
        true
    }

    fn seal_locked(inner: &mut Inner, tag: u64) {
        let bag = core::mem::replace(&mut inner.open, Bag::new());
        #[cfg(feature = "alloc")]
        inner.sealed.push_back((tag, Box::new(bag)));
        #[cfg(not(feature = "alloc"))]
        {
            inner.sealed = Some((tag, bag));
        }
    }

    /// Frees the sealed bags whose tag `expired` says has passed, oldest first, stopping at the
    /// first that has not. Returns how many objects were freed.
    ///
    /// ```
    /// let q = reclaim::bag::RetireQueue::new();
    /// q.push(reclaim::bag::Retired::from_box(Box::new(0)), || 1);
    /// q.seal(|| 3);
    /// assert_eq!(q.collect(|tag| tag < 3), 0);
    /// assert_eq!(q.collect(|tag| tag <= 3), 1);
    /// ```
    pub fn collect(&self, mut expired: impl FnMut(u64) -> bool) -> usize {
        let mut freed = 0;
        loop {
            let bag = {
                let mut inner = self.inner.lock();
                #[cfg(feature = "alloc")]
                let ready = match inner.sealed.front() {
                    Some((tag, _)) if expired(*tag) => inner.sealed.pop_front().map(|(_, b)| b),
                    _ => None,
                };
                #[cfg(not(feature = "alloc"))]
                let ready = match &inner.sealed {
                    Some((tag, _)) if expired(*tag) => inner.sealed.take().map(|(_, b)| b),
                    _ => None,
                };
                if ready.is_some() {
                    self.freeing.fetch_add(1, Ordering::Relaxed);
                }
                ready
            };
            let Some(mut bag) = bag else { return freed };
            // SAFETY: the bag's tag has expired, so its grace period has ended.
            let n = unsafe { bag.free_all() };
            freed += n;
            self.pending.fetch_sub(n, Ordering::Relaxed);
            // Release pairs with the Acquire in `wait_for_frees`: a barrier that sees the count
            // drop also sees the objects' destructors' effects.
            self.freeing.fetch_sub(1, Ordering::Release);
        }
    }

    /// Spins until no other thread is in the middle of freeing a bag it collected, so that a
    /// barrier returns only after every object it covers has been freed.
    ///
    /// ```
    /// reclaim::bag::RetireQueue::new().wait_for_frees();
    /// ```
    pub fn wait_for_frees(&self) {
        while self.freeing.load(Ordering::Acquire) != 0 {
            crate::sync::spin_hint();
        }
    }

    /// Frees everything still pending, sealed or not. Used when the domain drops: no reader can
    /// exist any more, so every grace period is over.
    ///
    /// ```
    /// let mut q = reclaim::bag::RetireQueue::new();
    /// q.push(reclaim::bag::Retired::from_box(Box::new(0)), || 1);
    /// assert_eq!(q.free_all(), 1);
    /// ```
    pub fn free_all(&mut self) -> usize {
        let inner = self.inner.get_mut();
        // SAFETY: `&mut self` means no reader of this domain remains.
        let mut freed = unsafe { inner.open.free_all() };
        #[cfg(feature = "alloc")]
        for (_, mut bag) in inner.sealed.drain(..) {
            // SAFETY: as above.
            freed += unsafe { bag.free_all() };
        }
        #[cfg(not(feature = "alloc"))]
        if let Some((_, mut bag)) = inner.sealed.take() {
            // SAFETY: as above.
            freed += unsafe { bag.free_all() };
        }
        self.pending.fetch_sub(freed, Ordering::Relaxed);
        freed
    }
}

impl Drop for RetireQueue {
    fn drop(&mut self) {
        self.free_all();
    }
}
