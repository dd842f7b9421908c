//! [`Atomic`]: the link field of a node, and every operation on it.

use core::fmt;
use core::marker::PhantomData;

#[cfg(feature = "alloc")]
use super::Owned;
use super::{Pointer, Protect, Shared, check_tag, tag_mask, untagged};
use crate::sync::{AtomicPtr, Ordering};

#[cfg(feature = "alloc")]
use alloc::boxed::Box;

/// An atomic pointer to a `T`, possibly null, with a tag in its spare low bits.
///
/// It does not own its pointee: dropping an `Atomic` frees nothing. The structure that holds
/// it decides who frees what (see the [module docs](super)); [`into_owned`](Atomic::into_owned)
/// takes the pointee over when the structure drops.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::{Atomic, Section};
/// use gracepoint::sync::Ordering;
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// let link = Atomic::new(5u64);
/// let section = Section::new(&domain);
/// let p = link.load(Ordering::Acquire, &section);
/// // SAFETY: nothing frees the value while the section lasts.
/// assert_eq!(unsafe { *p.deref() }, 5);
/// # unsafe { section.retire(p) };
/// ```
pub struct Atomic<T> {
    ptr: AtomicPtr<T>,
    _marker: PhantomData<*mut T>,
}

// SAFETY: sharing an `Atomic<T>` lets other threads read the `T` (`Sync`) and take ownership of
// it through a swap (`Send`); exactly what `T: Send + Sync` permits. A structure whose nodes are
// never shared by reference says so itself (see the module docs).
unsafe impl<T: Send + Sync> Send for Atomic<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for Atomic<T> {}

/// The failure ordering that goes with a read-modify-write's `order`.
fn failure_for(order: Ordering) -> Ordering {
    match order {
        Ordering::AcqRel => Ordering::Acquire,
        Ordering::Release => Ordering::Relaxed,
        other => other,
    }
}

/// Building, loading and updating a link. Every load and update that returns a pointer takes
/// what protects it: a [`Section`](super::Section), or [`unprotected()`](super::unprotected).
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::{Atomic, Owned, Section, Shared};
/// use gracepoint::sync::Ordering::{AcqRel, Acquire, Relaxed};
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// let link = Atomic::<u64>::null();
/// let section = Section::new(&domain);
/// let first = link
///     .compare_exchange(Shared::null(), Owned::new(1), AcqRel, Relaxed, &section)
///     .unwrap();
/// // Mark the link: later compare-and-swaps expecting the unmarked pointer fail.
/// link.fetch_or(1, AcqRel, &section);
/// let marked = link.load(Acquire, &section);
/// assert_eq!((marked.tag(), marked.with_tag(0)), (1, first));
/// # unsafe { section.retire(first) };
/// ```
impl<T> Atomic<T> {
    /// The mask of the tag bits: `align_of::<T>() - 1`.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert_eq!(gracepoint::atomic::Atomic::<u64>::TAG_MASK, 7);
    /// ```
    pub const TAG_MASK: usize = tag_mask::<T>();

    crate::const_fn_unless_loom! {
        /// A null pointer with tag 0 (also [`Default`]).
        ///
        /// ```
        /// # use gracepoint_reclaim as gracepoint;
        /// use gracepoint::atomic::{Atomic, Section};
        /// use gracepoint::sync::Ordering;
        /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
        /// let link = Atomic::<u64>::null();
        /// assert!(link.load(Ordering::Relaxed, &Section::new(&domain)).is_null());
        /// ```
        pub fn null() -> Self {
            Self {
                ptr: AtomicPtr::new(core::ptr::null_mut()),
                _marker: PhantomData,
            }
        }
    }

    /// A pointer to a new heap copy of `value`, with tag 0.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let link = gracepoint::atomic::Atomic::new(String::from("node"));
    /// # drop(unsafe { link.into_owned() });
    /// ```
    #[cfg(feature = "alloc")]
    pub fn new(value: T) -> Self {
        Self::from(Owned::new(value))
    }

    /// Loads the pointer. The result lives no longer than the borrow of `section` (or for
    /// `'static` with [`unprotected()`](super::unprotected)).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Section};
    /// use gracepoint::sync::Ordering;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::<u8>::null();
    /// let section = Section::new(&domain);
    /// assert!(link.load(Ordering::Acquire, &section).is_null());
    /// ```
    #[inline]
    pub fn load<'g, P: Protect>(&self, order: Ordering, section: &'g P) -> Shared<'g, T> {
        section.touch();
        Shared::from_tagged(self.ptr.load(order))
    }

    /// Loads the pointer with "consume" ordering: the loads that go *through* the pointer are
    /// ordered after it, which is all a traversal needs. On x86, x86-64, ARM and AArch64 this
    /// is a relaxed load followed by a compiler fence (address dependencies order the rest);
    /// elsewhere, and under loom, it is an `Acquire` load. crossbeam-epoch's `load_consume`.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Section};
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::new(3u16);
    /// let section = Section::new(&domain);
    /// assert_eq!(unsafe { *link.load_consume(&section).deref() }, 3);
    /// # drop(section);
    /// # drop(unsafe { link.into_owned() });
    /// ```
    #[inline]
    pub fn load_consume<'g, P: Protect>(&self, section: &'g P) -> Shared<'g, T> {
        section.touch();
        #[cfg(all(
            not(loom),
            any(
                target_arch = "x86",
                target_arch = "x86_64",
                target_arch = "arm",
                target_arch = "aarch64"
            )
        ))]
        let raw = {
            let raw = self.ptr.load(Ordering::Relaxed);
            core::sync::atomic::compiler_fence(Ordering::Acquire);
            raw
        };
        #[cfg(not(all(
            not(loom),
            any(
                target_arch = "x86",
                target_arch = "x86_64",
                target_arch = "arm",
                target_arch = "aarch64"
            )
        )))]
        let raw = self.ptr.load(Ordering::Acquire);
        Shared::from_tagged(raw)
    }

    /// Loads the pointer outside any section: shorthand for `load(order, unprotected())`.
    ///
    /// # Safety
    /// As [`unprotected()`](super::unprotected): nothing may free the pointee while the result
    /// is in use, for instance because the caller has exclusive access to the structure (its
    /// `Drop`).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Atomic;
    /// use gracepoint::sync::Ordering;
    /// let link = Atomic::new(3u8);
    /// // SAFETY: `link` is ours alone.
    /// let owned = unsafe { link.load_unprotected(Ordering::Relaxed).into_owned() };
    /// assert_eq!(*owned, 3);
    /// ```
    #[inline]
    pub unsafe fn load_unprotected<'a>(&self, order: Ordering) -> Shared<'a, T> {
        Shared::from_tagged(self.ptr.load(order))
    }

    /// Stores `new` (an [`Owned`] to publish, or a [`Shared`] to link again).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Owned};
    /// use gracepoint::sync::Ordering;
    /// let link = Atomic::<u8>::null();
    /// link.store(Owned::new(4), Ordering::Release);
    /// # drop(unsafe { link.into_owned() });
    /// ```
    #[inline]
    pub fn store<P: Pointer<T>>(&self, new: P, order: Ordering) {
        self.ptr.store(new.into_raw(), order);
    }

    /// Stores `new` and returns the previous pointer.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Owned, Section};
    /// use gracepoint::sync::Ordering;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::new(1u8);
    /// let section = Section::new(&domain);
    /// let old = link.swap(Owned::new(2), Ordering::AcqRel, &section);
    /// assert_eq!(unsafe { *old.deref() }, 1);
    /// # unsafe { section.retire(old); section.retire(link.load(Ordering::Relaxed, &section)) };
    /// ```
    #[inline]
    pub fn swap<'g, P: Pointer<T>, G: Protect>(
        &self,
        new: P,
        order: Ordering,
        section: &'g G,
    ) -> Shared<'g, T> {
        section.touch();
        Shared::from_tagged(self.ptr.swap(new.into_raw(), order))
    }

    /// Replaces `current` (pointer and tag) by `new` if the link still holds `current`.
    ///
    /// On success returns the pointer now stored (`new` as a [`Shared`]); on failure returns
    /// the value found and gives `new` back, so an [`Owned`] node is never lost.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Owned, Section, Shared};
    /// use gracepoint::sync::Ordering::{Acquire, Relaxed, Release};
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::<u8>::null();
    /// let section = Section::new(&domain);
    /// let stored = link
    ///     .compare_exchange(Shared::null(), Owned::new(9), Release, Relaxed, &section)
    ///     .unwrap();
    /// let failed = link
    ///     .compare_exchange(Shared::null(), Owned::new(10), Release, Acquire, &section)
    ///     .unwrap_err();
    /// assert_eq!(failed.current, stored);
    /// assert_eq!(*failed.new, 10); // given back, still owned
    /// # unsafe { section.retire(stored) };
    /// ```
    #[inline]
    pub fn compare_exchange<'g, P: Pointer<T>, G: Protect>(
        &self,
        current: Shared<'_, T>,
        new: P,
        success: Ordering,
        failure: Ordering,
        section: &'g G,
    ) -> Result<Shared<'g, T>, CompareExchangeError<'g, T, P>> {
        section.touch();
        let new = new.into_raw();
        let result = self
            .ptr
            .compare_exchange(current.raw, new, success, failure);
        Self::exchanged(result, new)
    }

    /// [`compare_exchange`](Atomic::compare_exchange) that may fail even when the link holds
    /// `current` (a spurious failure), for retry loops: cheaper on some platforms (LL/SC).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Owned, Section};
    /// use gracepoint::sync::Ordering::{AcqRel, Acquire};
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::new(1u32);
    /// let section = Section::new(&domain);
    /// let mut current = link.load(Acquire, &section);
    /// let mut new = Owned::new(2);
    /// let old = loop {
    ///     match link.compare_exchange_weak(current, new, AcqRel, Acquire, &section) {
    ///         Ok(_) => break current,
    ///         Err(err) => (current, new) = (err.current, err.new),
    ///     }
    /// };
    /// assert_eq!(unsafe { *old.deref() }, 1);
    /// unsafe { section.retire(old) };
    /// # drop(section);
    /// # drop(unsafe { link.into_owned() });
    /// ```
    #[inline]
    pub fn compare_exchange_weak<'g, P: Pointer<T>, G: Protect>(
        &self,
        current: Shared<'_, T>,
        new: P,
        success: Ordering,
        failure: Ordering,
        section: &'g G,
    ) -> Result<Shared<'g, T>, CompareExchangeError<'g, T, P>> {
        section.touch();
        let new = new.into_raw();
        let result = self
            .ptr
            .compare_exchange_weak(current.raw, new, success, failure);
        Self::exchanged(result, new)
    }

    #[inline]
    fn exchanged<'g, P: Pointer<T>>(
        result: Result<*mut T, *mut T>,
        new: *mut T,
    ) -> Result<Shared<'g, T>, CompareExchangeError<'g, T, P>> {
        match result {
            Ok(_) => Ok(Shared::from_tagged(new)),
            Err(found) => Err(CompareExchangeError {
                current: Shared::from_tagged(found),
                // SAFETY: `new` came from `into_raw` just before and was not stored.
                new: unsafe { P::from_raw(new) },
            }),
        }
    }

    /// Applies `f` to the current pointer until it returns `None` (then fails with the current
    /// pointer) or its result is stored (then returns the previous pointer), retrying when
    /// another thread changed the link in between. `f` may run several times.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Section};
    /// use gracepoint::sync::Ordering::{AcqRel, Acquire};
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::new(7u64);
    /// let section = Section::new(&domain);
    /// // Set the tag to 1 unless a tag is set already.
    /// let before = link.fetch_update(AcqRel, Acquire, &section, |p| (p.tag() == 0).then(|| p.with_tag(1)));
    /// assert_eq!(before.unwrap().tag(), 0);
    /// assert!(link.fetch_update(AcqRel, Acquire, &section, |p| (p.tag() == 0).then(|| p.with_tag(1))).is_err());
    /// # drop(section);
    /// # drop(unsafe { link.into_owned() });
    /// ```
    #[inline]
    pub fn fetch_update<'g, F, G: Protect>(
        &self,
        set_order: Ordering,
        fail_order: Ordering,
        section: &'g G,
        mut f: F,
    ) -> Result<Shared<'g, T>, Shared<'g, T>>
    where
        F: FnMut(Shared<'g, T>) -> Option<Shared<'g, T>>,
    {
        section.touch();
        let mut current = Shared::from_tagged(self.ptr.load(fail_order));
        while let Some(next) = f(current) {
            match self
                .ptr
                .compare_exchange_weak(current.raw, next.raw, set_order, fail_order)
            {
                Ok(_) => return Ok(current),
                Err(found) => current = Shared::from_tagged(found),
            }
        }
        Err(current)
    }

    /// Sets the tag bits of `tag` on the stored pointer, whatever it is, and returns the
    /// previous value. Used to mark a link that must not change any more (Harris's mark,
    /// Natarajan and Mittal's tag).
    ///
    /// It is a compare-and-swap loop (loom has no read-modify-write on pointers besides
    /// swap and compare-and-swap); it never fails.
    ///
    /// # Panics
    /// If `tag` does not fit in [`TAG_MASK`](Self::TAG_MASK).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Section};
    /// use gracepoint::sync::Ordering;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::<u64>::null();
    /// let section = Section::new(&domain);
    /// assert_eq!(link.fetch_or(2, Ordering::AcqRel, &section).tag(), 0);
    /// assert_eq!(link.load(Ordering::Relaxed, &section).tag(), 2);
    /// ```
    #[inline]
    #[track_caller]
    pub fn fetch_or<'g, G: Protect>(
        &self,
        tag: usize,
        order: Ordering,
        section: &'g G,
    ) -> Shared<'g, T> {
        check_tag::<T>(tag);
        self.fetch_tag(order, section, |t| t | tag)
    }

    /// Keeps only the tag bits that are also set in `mask`, leaving the pointer alone, and
    /// returns the previous value. Bits of `mask` above the tag are ignored, so
    /// `fetch_and(!MARK, ..)` clears `MARK` (and never panics).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Section};
    /// use gracepoint::sync::Ordering;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::<u64>::null();
    /// let section = Section::new(&domain);
    /// link.fetch_or(3, Ordering::AcqRel, &section);
    /// assert_eq!(link.fetch_and(!1, Ordering::AcqRel, &section).tag(), 3);
    /// assert_eq!(link.load(Ordering::Relaxed, &section).tag(), 2);
    /// ```
    #[inline]
    pub fn fetch_and<'g, G: Protect>(
        &self,
        mask: usize,
        order: Ordering,
        section: &'g G,
    ) -> Shared<'g, T> {
        self.fetch_tag(order, section, |t| t & mask)
    }

    /// Flips the tag bits set in `tag`, leaving the pointer alone, and returns the previous
    /// value.
    ///
    /// # Panics
    /// If `tag` does not fit in [`TAG_MASK`](Self::TAG_MASK).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Section};
    /// use gracepoint::sync::Ordering;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::<u64>::null();
    /// let section = Section::new(&domain);
    /// link.fetch_xor(5, Ordering::AcqRel, &section);
    /// link.fetch_xor(1, Ordering::AcqRel, &section);
    /// assert_eq!(link.load(Ordering::Relaxed, &section).tag(), 4);
    /// ```
    #[inline]
    #[track_caller]
    pub fn fetch_xor<'g, G: Protect>(
        &self,
        tag: usize,
        order: Ordering,
        section: &'g G,
    ) -> Shared<'g, T> {
        check_tag::<T>(tag);
        self.fetch_tag(order, section, |t| t ^ tag)
    }

    /// Replaces the tag by `f(tag)` (masked to the tag bits) with a compare-and-swap loop.
    #[inline]
    fn fetch_tag<'g, G: Protect>(
        &self,
        order: Ordering,
        section: &'g G,
        f: impl Fn(usize) -> usize,
    ) -> Shared<'g, T> {
        section.touch();
        let failure = failure_for(order);
        let mut current = self.ptr.load(failure);
        loop {
            let tag = f(current.addr() & tag_mask::<T>()) & tag_mask::<T>();
            let new = current.map_addr(|a| (a & !tag_mask::<T>()) | tag);
            match self.ptr.compare_exchange_weak(current, new, order, failure) {
                Ok(previous) => return Shared::from_tagged(previous),
                Err(found) => current = found,
            }
        }
    }

    /// Takes over the pointee, with its tag: for a structure's `Drop`.
    ///
    /// # Safety
    /// The link is not null, its pointee came from an [`Owned`] (a `Box<T>`), and nobody else
    /// can reach it any more, nor frees it.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let link = gracepoint::atomic::Atomic::new(vec![1, 2]);
    /// // SAFETY: the link is ours alone.
    /// assert_eq!(unsafe { link.into_owned() }.len(), 2);
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    pub unsafe fn into_owned(self) -> Owned<T> {
        // SAFETY: the caller's promise.
        unsafe {
            self.load(Ordering::Relaxed, super::unprotected())
                .into_owned()
        }
    }

    /// As [`into_owned`](Atomic::into_owned), or `None` for a null link.
    ///
    /// # Safety
    /// As [`into_owned`](Atomic::into_owned), except that the link may be null.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let link = gracepoint::atomic::Atomic::<u8>::null();
    /// assert!(unsafe { link.try_into_owned() }.is_none());
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    pub unsafe fn try_into_owned(self) -> Option<Owned<T>> {
        // SAFETY: the caller's promise.
        unsafe {
            self.load(Ordering::Relaxed, super::unprotected())
                .try_into_owned()
        }
    }
}

impl<T> Default for Atomic<T> {
    /// A null link.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Atomic;
    /// let link: Atomic<u64> = Atomic::default();
    /// assert!(unsafe { link.try_into_owned() }.is_none());
    /// ```
    fn default() -> Self {
        Self::null()
    }
}

impl<T> Clone for Atomic<T> {
    /// A new link holding the same pointer and tag (read with a `Relaxed` load), as
    /// crossbeam-epoch's. Nothing is copied but the pointer: the two links now share one
    /// pointee, and the structure must free it once.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Atomic;
    /// let link = Atomic::new(1u8);
    /// let copy = link.clone();
    /// drop(copy); // frees nothing
    /// drop(unsafe { link.into_owned() });
    /// ```
    fn clone(&self) -> Self {
        Self {
            ptr: AtomicPtr::new(self.ptr.load(Ordering::Relaxed)),
            _marker: PhantomData,
        }
    }
}

#[cfg(feature = "alloc")]
impl<T> From<Owned<T>> for Atomic<T> {
    /// Publishes `owned` in a new link.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Owned};
    /// let link = Atomic::from(Owned::new(1u8));
    /// # drop(unsafe { link.into_owned() });
    /// ```
    fn from(owned: Owned<T>) -> Self {
        Self {
            ptr: AtomicPtr::new(owned.into_raw()),
            _marker: PhantomData,
        }
    }
}

impl<T> From<Shared<'_, T>> for Atomic<T> {
    /// A new link holding `shared` (pointer and tag).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Shared};
    /// let link = Atomic::from(Shared::<u64>::null().with_tag(1));
    /// assert_eq!(unsafe { link.load_unprotected(gracepoint::sync::Ordering::Relaxed) }.tag(), 1);
    /// ```
    fn from(shared: Shared<'_, T>) -> Self {
        Self {
            ptr: AtomicPtr::new(shared.raw),
            _marker: PhantomData,
        }
    }
}

#[cfg(feature = "alloc")]
impl<T> From<Box<T>> for Atomic<T> {
    /// Publishes `boxed` in a new link.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let link = gracepoint::atomic::Atomic::from(Box::new(1u8));
    /// # drop(unsafe { link.into_owned() });
    /// ```
    fn from(boxed: Box<T>) -> Self {
        Self::from(Owned::from(boxed))
    }
}

impl<T> fmt::Debug for Atomic<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raw = self.ptr.load(Ordering::Relaxed);
        f.debug_struct("Atomic")
            .field("ptr", &untagged(raw))
            .field("tag", &(raw.addr() & tag_mask::<T>()))
            .finish()
    }
}

impl<T> fmt::Pointer for Atomic<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&untagged(self.ptr.load(Ordering::Relaxed)), f)
    }
}

/// What [`Atomic::compare_exchange`] returns on failure.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::{Atomic, Owned, Section, Shared};
/// use gracepoint::sync::Ordering::{AcqRel, Acquire};
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// let link = Atomic::new(1u8);
/// let section = Section::new(&domain);
/// let err = link
///     .compare_exchange(Shared::null(), Owned::new(2), AcqRel, Acquire, &section)
///     .unwrap_err();
/// assert_eq!(unsafe { *err.current.deref() }, 1);
/// assert_eq!(*err.new, 2);
/// # unsafe { section.retire(err.current) };
/// ```
pub struct CompareExchangeError<'g, T, P: Pointer<T>> {
    /// The value the link held instead of the expected one.
    pub current: Shared<'g, T>,
    /// The value that was to be stored, given back.
    pub new: P,
}

impl<T, P: Pointer<T> + fmt::Debug> fmt::Debug for CompareExchangeError<'_, T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompareExchangeError")
            .field("current", &self.current)
            .field("new", &self.new)
            .finish()
    }
}
