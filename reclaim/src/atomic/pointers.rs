//! The two pointer types: [`Shared`] (loaded inside a section, never frees) and [`Owned`]
//! (a box with a tag, not yet published).

use core::cmp::Ordering as CmpOrdering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;

use super::{check_aligned, check_tag, compose, tag_mask, untagged};

#[cfg(feature = "alloc")]
use super::{Pointer, Protect};
#[cfg(feature = "alloc")]
use alloc::boxed::Box;

/// A pointer loaded inside a [`Section`](super::Section), with its tag; valid while the
/// section's borrow `'g` lasts. `Copy`, and never frees anything.
///
/// Comparisons (`==`, `<`) and hashing use the pointer *and* the tag, as crossbeam-epoch's do.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::Shared;
/// let p = Shared::<u64>::null().with_tag(1);
/// assert!(p.is_null());
/// assert_eq!(p.tag(), 1);
/// assert!(Shared::<u64>::null() < p);
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

impl<T> PartialOrd for Shared<'_, T> {
    fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Shared<'_, T> {
    /// By address, then tag (the tagged address).
    fn cmp(&self, other: &Self) -> CmpOrdering {
        self.raw.addr().cmp(&other.raw.addr())
    }
}

impl<T> Hash for Shared<'_, T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.raw.addr().hash(state);
    }
}

impl<T> Default for Shared<'_, T> {
    /// The null pointer.
    fn default() -> Self {
        Self::null()
    }
}

impl<T> fmt::Debug for Shared<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("ptr", &self.as_raw())
            .field("tag", &self.tag())
            .finish()
    }
}

impl<T> fmt::Pointer for Shared<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&self.as_raw(), f)
    }
}

impl<'g, T> Shared<'g, T> {
    /// A tagged raw pointer as it sits in a link.
    #[inline]
    pub(super) fn from_tagged(raw: *mut T) -> Self {
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
        Self::from_tagged(core::ptr::null_mut())
    }

    /// A `Shared` for a node that was not allocated as an [`Owned`]: one with its own layout (a
    /// skip-list tower, a node with a trailing array), or from an arena or a custom allocator.
    /// Store it with [`Atomic::store`](super::Atomic::store) or a compare-and-swap, and free it
    /// the way it was allocated ([`Section::defer_unchecked`](super::Section::defer_unchecked),
    /// [`Section::retire_raw`](super::Section::retire_raw)); never with
    /// [`Section::retire`](super::Section::retire) or [`into_owned`](Shared::into_owned),
    /// which assume a `Box<T>`. Tag 0; set one with [`with_tag`](Shared::with_tag).
    ///
    /// # Safety
    /// `ptr` is null or points to a live `T` that stays valid for `'g`, under the same contract
    /// as a pointer loaded from a link (see the [module docs](super)): it is freed only after
    /// being unlinked, through the domain of the sections that read it.
    ///
    /// # Panics
    /// If `ptr` is not aligned for `T` (its low bits are where the tag goes).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Section, Shared};
    /// use gracepoint::sync::Ordering;
    /// use std::alloc::{Layout, alloc, dealloc};
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    ///
    /// // A node allocated by hand: here a u64 header followed by 8 spare bytes.
    /// let layout = Layout::from_size_align(16, 8).unwrap();
    /// let raw = unsafe { alloc(layout) }.cast::<u64>();
    /// unsafe { raw.write(42) };
    ///
    /// let link = Atomic::<u64>::null();
    /// let section = Section::new(&domain);
    /// // SAFETY: `raw` is live and is freed below, only after it is unlinked.
    /// link.store(unsafe { Shared::from_raw(raw) }, Ordering::Release);
    /// assert_eq!(unsafe { *link.load(Ordering::Acquire, &section).deref() }, 42);
    ///
    /// let old = link.swap(Shared::null(), Ordering::AcqRel, &section);
    /// let addr = old.as_raw() as usize; // a plain address is `Send`
    /// // SAFETY: unlinked above; freed once, after a grace period, as it was allocated.
    /// unsafe { section.defer_unchecked(move || dealloc(addr as *mut u8, layout)) };
    /// ```
    #[inline]
    #[track_caller]
    pub unsafe fn from_raw(ptr: *const T) -> Self {
        check_aligned(ptr, "Shared::from_raw");
        Self::from_tagged(ptr.cast_mut())
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
    /// If `tag` does not fit in the spare bits ([`Atomic::TAG_MASK`](super::Atomic::TAG_MASK)).
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
        Self::from_tagged(compose(untagged(self.raw), tag))
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
    /// [module docs](super)).
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

    /// A mutable reference to the pointee, for a node that nobody else can read yet: the
    /// insert path that fixes up a new node's links after a failed compare-and-swap, when
    /// the node was turned into a `Shared` (to keep its address) before being published.
    ///
    /// # Safety
    /// The pointer is not null and valid (as for [`deref`](Shared::deref)), and for as long as
    /// the reference is used no other thread reads or writes the pointee: it is not published,
    /// or the caller otherwise has exclusive access.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Owned, Section, Shared};
    /// use gracepoint::sync::Ordering::{AcqRel, Acquire, Relaxed};
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// struct Node { next: Atomic<Node>, value: u32 }
    /// let head = Atomic::<Node>::null();
    /// let section = Section::new(&domain);
    /// let mut node = Owned::new(Node { next: Atomic::null(), value: 1 }).into_shared(&section);
    /// // Not published yet: this thread may still write to it.
    /// unsafe { node.deref_mut() }.value = 2;
    /// head.compare_exchange(Shared::null(), node, AcqRel, Acquire, &section).unwrap();
    /// assert_eq!(unsafe { head.load(Relaxed, &section).deref() }.value, 2);
    /// # drop(section);
    /// # drop(unsafe { head.into_owned() });
    /// ```
    #[inline]
    #[allow(clippy::should_implement_trait)]
    pub unsafe fn deref_mut(&mut self) -> &'g mut T {
        // SAFETY: the caller's promise.
        unsafe { &mut *self.as_raw().cast_mut() }
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
    /// The pointer is not null, came from an [`Owned`] (a `Box<T>`), and nobody else can reach
    /// the pointee any more (or will, once the caller is done): no section still holds it, and
    /// nobody else frees it.
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
        assert!(!self.is_null(), "Shared::into_owned of a null pointer");
        // SAFETY: the caller's promise; `raw` is the tagged form `Owned::from_raw` expects.
        unsafe { <Owned<T> as Pointer<T>>::from_raw(self.raw) }
    }

    /// As [`into_owned`](Self::into_owned), or `None` for a null pointer.
    ///
    /// # Safety
    /// As [`into_owned`](Self::into_owned), except that the pointer may be null.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert!(unsafe { gracepoint::atomic::Shared::<u8>::null().try_into_owned() }.is_none());
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    pub unsafe fn try_into_owned(self) -> Option<Owned<T>> {
        // SAFETY: the caller's promise.
        (!self.is_null()).then(|| unsafe { self.into_owned() })
    }
}

impl<T> super::Pointer<T> for Shared<'_, T> {
    fn into_raw(self) -> *mut T {
        self.raw
    }
    unsafe fn from_raw(raw: *mut T) -> Self {
        Shared::from_tagged(raw)
    }
}

/// A heap `T` not shared with anyone yet: a `Box` with a tag. Publish it with
/// [`Atomic::store`](super::Atomic::store), [`Atomic::swap`](super::Atomic::swap) or a
/// compare-and-swap; until then it can be changed freely through `DerefMut`.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// let mut owned = gracepoint::atomic::Owned::new(1u32);
/// *owned += 1;
/// assert_eq!(*owned, 2);
/// ```
#[cfg(feature = "alloc")]
pub struct Owned<T> {
    boxed: Box<T>,
    tag: usize,
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

    /// Takes over a pointer from `Box::into_raw`, with tag 0.
    ///
    /// # Safety
    /// `raw` came from `Box::<T>::into_raw` (or [`Owned::into_box`] then `Box::into_raw`) and
    /// nobody else owns it.
    ///
    /// # Panics
    /// If `raw` is not aligned for `T`: a tagged pointer must be untagged first.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let raw = Box::into_raw(Box::new(5u64));
    /// // SAFETY: from `Box::into_raw`, owned by nobody else.
    /// let owned = unsafe { gracepoint::atomic::Owned::from_raw(raw) };
    /// assert_eq!(*owned, 5);
    /// ```
    #[track_caller]
    pub unsafe fn from_raw(raw: *mut T) -> Self {
        check_aligned(raw, "Owned::from_raw");
        Self {
            // SAFETY: the caller's promise.
            boxed: unsafe { Box::from_raw(raw) },
            tag: 0,
        }
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
    /// If `tag` does not fit in the spare bits ([`Atomic::TAG_MASK`](super::Atomic::TAG_MASK)).
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

    /// Gives up ownership without publishing: the node is now reachable only through the
    /// returned pointer, valid while `section` is borrowed. For insert paths that need the
    /// node's address before it is linked ([`Shared::deref_mut`] can still change it until
    /// then); the caller must link it, or free it with `into_owned`.
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
    pub fn into_shared<'g, G: Protect>(self, section: &'g G) -> Shared<'g, T> {
        section.touch();
        Shared::from_tagged(self.into_raw())
    }
}

#[cfg(feature = "alloc")]
impl<T> Pointer<T> for Owned<T> {
    fn into_raw(self) -> *mut T {
        compose(Box::into_raw(self.boxed), self.tag)
    }
    unsafe fn from_raw(raw: *mut T) -> Self {
        Owned {
            // SAFETY: `raw` came from `into_raw` above, which took it from a box.
            boxed: unsafe { Box::from_raw(untagged(raw)) },
            tag: raw.addr() & tag_mask::<T>(),
        }
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
impl<T: Clone> Clone for Owned<T> {
    /// A new box with a copy of the value, and the same tag.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let a = gracepoint::atomic::Owned::new(vec![1]).with_tag(0);
    /// assert_eq!(*a.clone(), [1]);
    /// ```
    fn clone(&self) -> Self {
        Self {
            boxed: self.boxed.clone(),
            tag: self.tag,
        }
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
impl<T> AsRef<T> for Owned<T> {
    fn as_ref(&self) -> &T {
        &self.boxed
    }
}

#[cfg(feature = "alloc")]
impl<T> AsMut<T> for Owned<T> {
    fn as_mut(&mut self) -> &mut T {
        &mut self.boxed
    }
}

#[cfg(feature = "alloc")]
impl<T> core::borrow::Borrow<T> for Owned<T> {
    fn borrow(&self) -> &T {
        &self.boxed
    }
}

#[cfg(feature = "alloc")]
impl<T> core::borrow::BorrowMut<T> for Owned<T> {
    fn borrow_mut(&mut self) -> &mut T {
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
