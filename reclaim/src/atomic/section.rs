//! [`Section`]: a read-side section that remembers its domain, and retiring through it.

#[cfg(feature = "alloc")]
use super::Shared;
use crate::Reclaim;
use core::fmt;

#[cfg(feature = "alloc")]
use alloc::boxed::Box;

/// A read-side section of the domain `R` that remembers its domain.
///
/// It begins at [`Section::new`] and ends when dropped. Pointers loaded through it
/// ([`Atomic::load`]) live no longer than a borrow of it, and what it retires
/// ([`Section::retire`]) goes to the same domain that protects its reads.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::Section;
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// let section = Section::new(&domain);
/// assert!(core::ptr::eq(section.domain(), &domain));
/// ```
pub struct Section<'d, R: Reclaim + 'd> {
    domain: &'d R,
    _guard: R::Guard<'d>,
}

/// Entering a section, and retiring through it to the domain that protects its loads.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::{Atomic, Owned, Section};
/// use gracepoint::sync::Ordering;
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// let link = Atomic::new(1u32);
/// let section = Section::new(&domain);
/// let old = link.swap(Owned::new(2), Ordering::AcqRel, &section);
/// assert_eq!(unsafe { *old.deref() }, 1);
/// // SAFETY: the swap unlinked `old` and gave it to this thread alone.
/// unsafe { section.retire(old) };
/// assert_eq!(unsafe { *link.load(Ordering::Acquire, &section).deref() }, 2);
/// # unsafe { section.retire(link.load(Ordering::Relaxed, &section)) };
/// ```
impl<'d, R: Reclaim> Section<'d, R> {
    /// Enters a read-side section of `domain`.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let section = gracepoint::atomic::Section::new(&domain);
    /// drop(section); // the section ends here
    /// ```
    #[inline]
    #[track_caller]
    pub fn new(domain: &'d R) -> Self {
        Self {
            _guard: domain.enter(),
            domain,
        }
    }

    /// The domain this section belongs to.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let section = gracepoint::atomic::Section::new(&domain);
    /// let _cookie = section.domain().start_poll();
    /// ```
    #[inline]
    pub fn domain(&self) -> &'d R {
        self.domain
    }

    /// Hands `unlinked` (its tag ignored) to this section's domain, to be dropped once every
    /// section that began before this call has ended.
    ///
    /// Under `cfg(loom)` the object is dropped in place and its memory kept, so that a model
    /// reading it too late finds its poisoned contents rather than reused memory.
    ///
    /// # Safety
    /// - `unlinked` is not null and came from an [`Owned`] (a `Box<T>`);
    /// - it is no longer reachable from the structure, so no section that begins after this
    ///   call can load it;
    /// - nobody else retires or frees it (typically: the caller won the compare-and-swap
    ///   that unlinked it).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Owned, Section};
    /// use gracepoint::sync::Ordering;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::new(7u32);
    /// let section = Section::new(&domain);
    /// let old = link.swap(Owned::new(8), Ordering::AcqRel, &section);
    /// // SAFETY: the swap unlinked `old` and gave it to this thread alone.
    /// unsafe { section.retire(old) };
    /// # unsafe { section.retire(link.load(Ordering::Relaxed, &section)) };
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    #[track_caller]
    pub unsafe fn retire<T: Send + 'static>(&self, unlinked: Shared<'_, T>) {
        debug_assert!(!unlinked.is_null(), "retire of a null pointer");
        let raw = unlinked.as_raw().cast_mut();
        #[cfg(not(loom))]
        // SAFETY: the caller promises the pointer came from a `Box<T>` and is retired once.
        let boxed = unsafe { Box::from_raw(raw) };
        #[cfg(loom)]
        let boxed = Box::new(loom_free::DropInPlace(raw));
        self.domain.retire(boxed);
    }
}

/// What a retire frees under `cfg(loom)`.
///
/// A model that reads an object after its free must report it, not read reused memory: loom
/// keeps its own bookkeeping inside each loom cell and atomic, and garbage there makes loom
/// itself fail with a meaningless index error. So under loom, "freeing" a retired object drops
/// it in place (its destructor runs, which is where poisoning happens) and keeps its memory.
/// The few bytes per execution are never given back.
#[cfg(all(loom, feature = "alloc"))]
mod loom_free {
    pub(super) struct DropInPlace<T>(pub(super) *mut T);

    // SAFETY: it carries a `T: Send` from the retiring thread to the one that drops it.
    unsafe impl<T: Send> Send for DropInPlace<T> {}

    impl<T> Drop for DropInPlace<T> {
        fn drop(&mut self) {
            // SAFETY: `Section::retire`'s caller handed over sole ownership of a live `T`.
            unsafe { core::ptr::drop_in_place(self.0) }
        }
    }
}

impl<R: Reclaim> fmt::Debug for Section<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Section").finish_non_exhaustive()
    }
}
