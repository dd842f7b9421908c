//! The two pointer types: [`Shared`] (loaded inside a section, never frees) and [`Owned`]
//! (a box with a tag, not yet published).

#[allow(unused_imports)]
use super::*;
use super::{check_tag, compose, untagged};

/// A pointer loaded inside a [`Section`], with its tag; valid while the section's borrow `'g`
/// lasts. `Copy`, and never frees anything.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::Shared;
/// let p = Shared::<u64>::null().with_tag(1);
/// assert!(p.is_null());
/// assert_eq!(p.tag(), 1);
/// ```
pub struct Shared<'g, T> {
    pub(super) raw: *mut T,
    pub(super) _marker: PhantomData<(&'g (), *const T)>,
}

impl<T> Clone for Shared<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Shared<'_, T> {}

impl<T> PartialEq for Shared<'_, T> {
    /// Equal when both pointer and tag are.
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl<T> Eq for Shared<'_, T> {}

impl<T> fmt::Debug for Shared<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("ptr", &self.as_raw())
            .field("tag", &self.tag())
            .finish()
    }
}

impl<'g, T> Shared<'g, T> {
    #[inline]
    pub(super) fn from_raw(raw: *mut T) -> Self {
        Self {
            raw,
            _marker: PhantomData,
        }
    }

    /// The null pointer, tag 0.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert!(gracepoint::atomic::Shared::<u8>::null().is_null());
    /// ```
    #[inline]
    pub fn null() -> Self {
        Self::from_raw(core::ptr::null_mut())
    }

    /// Whether the pointer (ignoring the tag) is null.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert!(gracepoint::atomic::Shared::<u64>::null().with_tag(3).is_null());
    /// ```
    #[inline]
    pub fn is_null(self) -> bool {
        self.as_raw().is_null()
    }

    /// The tag bits.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert_eq!(gracepoint::atomic::Shared::<u64>::null().with_tag(5).tag(), 5);
    /// ```
    #[inline]
    pub fn tag(self) -> usize {
        self.raw.addr() & tag_mask::<T>()
    }

    /// The same pointer with its tag replaced by `tag`.
    ///
    /// # Panics
    /// If `tag` does not fit in the spare bits ([`Atomic::TAG_MASK`]).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let p = gracepoint::atomic::Shared::<u32>::null().with_tag(3);
    /// assert_eq!(p.with_tag(1).tag(), 1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn with_tag(self, tag: usize) -> Self {
        check_tag::<T>(tag);
        Self::from_raw(compose(untagged(self.raw), tag))
    }

    /// The pointer without its tag.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert!(gracepoint::atomic::Shared::<u32>::null().with_tag(1).as_raw().is_null());
    /// ```
    #[inline]
    pub fn as_raw(self) -> *const T {
        untagged(self.raw)
    }

    /// A reference to the pointee, for as long as the section lasts.
    ///
    /// # Safety
    /// The pointer is not null, and its pointee is protected by the section it was loaded in:
    /// it is freed only through that section's domain, after being unlinked (see the
    /// [module docs](crate::atomic)).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Section};
    /// use gracepoint::sync::Ordering;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::new(11u32);
    /// let section = Section::new(&domain);
    /// // SAFETY: not null, and freed only through `domain`.
    /// assert_eq!(*unsafe { link.load(Ordering::Acquire, &section).deref() }, 11);
    /// # unsafe { section.retire(link.load(Ordering::Relaxed, &section)) };
    /// ```
    #[inline]
    pub unsafe fn deref(self) -> &'g T {
        // SAFETY: the caller's promise.
        unsafe { &*self.as_raw() }
    }

    /// As [`deref`](Self::deref), or `None` for a null pointer.
    ///
    /// # Safety
    /// As [`deref`](Self::deref), except that the pointer may be null.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Shared;
    /// assert!(unsafe { Shared::<u8>::null().as_ref() }.is_none());
    /// ```
    #[inline]
    pub unsafe fn as_ref(self) -> Option<&'g T> {
        // SAFETY: the caller's promise.
        unsafe { self.as_raw().as_ref() }
    }

    /// Takes ownership of the pointee, keeping the tag.
    ///
    /// # Safety
    /// The pointer is not null, came from an [`Owned`], and nobody else can reach the pointee
    /// any more (or will, once the caller is done): no section still holds it, and nobody
    /// else frees it.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Atomic;
    /// use gracepoint::sync::Ordering;
    /// let link = Atomic::new(vec![1, 2]);
    /// // SAFETY: the link is ours alone and dropped right after.
    /// let owned = unsafe { link.load_unprotected(Ordering::Relaxed).into_owned() };
    /// assert_eq!(owned.len(), 2);
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    pub unsafe fn into_owned(self) -> Owned<T> {
        debug_assert!(!self.is_null(), "into_owned of a null pointer");
        Owned {
            // SAFETY: the caller's promise.
            boxed: unsafe { Box::from_raw(self.as_raw().cast_mut()) },
            tag: self.tag(),
        }
    }
}

/// A heap `T` not shared with anyone yet: a `Box` with a tag. Publish it with
/// [`Atomic::store`], [`Atomic::swap`] or [`Atomic::compare_exchange`].
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// let mut owned = gracepoint::atomic::Owned::new(1u32);
/// *owned += 1;
/// assert_eq!(*owned, 2);
/// ```
#[cfg(feature = "alloc")]
pub struct Owned<T> {
    pub(super) boxed: Box<T>,
    pub(super) tag: usize,
}

#[cfg(feature = "alloc")]
impl<T> Owned<T> {
    /// Moves `value` to the heap, with tag 0.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert_eq!(*gracepoint::atomic::Owned::new('x'), 'x');
    /// ```
    pub fn new(value: T) -> Self {
        Self::from(Box::new(value))
    }

    /// The tag bits.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert_eq!(gracepoint::atomic::Owned::new(0u64).with_tag(4).tag(), 4);
    /// ```
    pub fn tag(&self) -> usize {
        self.tag
    }

    /// The same box with its tag replaced by `tag`.
    ///
    /// # Panics
    /// If `tag` does not fit in the spare bits ([`Atomic::TAG_MASK`]).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert_eq!(gracepoint::atomic::Owned::new(0u64).with_tag(1).tag(), 1);
    /// ```
    #[track_caller]
    pub fn with_tag(self, tag: usize) -> Self {
        check_tag::<T>(tag);
        Self { tag, ..self }
    }

    /// Gives the box back, dropping the tag.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let b: Box<u8> = gracepoint::atomic::Owned::new(3).into_box();
    /// assert_eq!(*b, 3);
    /// ```
    pub fn into_box(self) -> Box<T> {
        self.boxed
    }

    /// Publishes nothing but gives up ownership: the node is now reachable only through the
    /// returned pointer, valid while `section` is borrowed. Used to link a node that was
    /// already stored by other means, or to keep a pointer to a node about to be published.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Owned, Section};
    /// use gracepoint::sync::Ordering;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let section = Section::new(&domain);
    /// let node = Owned::new(5u8).into_shared(&section);
    /// let link = Atomic::<u8>::null();
    /// link.store(node, Ordering::Release);
    /// # unsafe { section.retire(node) };
    /// ```
    pub fn into_shared<'g, R: Reclaim>(self, _section: &'g Section<'_, R>) -> Shared<'g, T> {
        Shared::from_raw(self.into_raw())
    }
}

#[cfg(feature = "alloc")]
impl<T> From<Box<T>> for Owned<T> {
    /// Takes over `boxed`, with tag 0.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let owned = gracepoint::atomic::Owned::from(Box::new(1u8));
    /// assert_eq!(owned.tag(), 0);
    /// ```
    fn from(boxed: Box<T>) -> Self {
        Self { boxed, tag: 0 }
    }
}

#[cfg(feature = "alloc")]
impl<T> core::ops::Deref for Owned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.boxed
    }
}

#[cfg(feature = "alloc")]
impl<T> core::ops::DerefMut for Owned<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.boxed
    }
}

#[cfg(feature = "alloc")]
impl<T: fmt::Debug> fmt::Debug for Owned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Owned")
            .field("value", &*self.boxed)
            .field("tag", &self.tag)
            .finish()
    }
}
