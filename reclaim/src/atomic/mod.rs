//! Typed atomic pointers for lock-free structures written over any [`Reclaim`] domain.
//!
//! A lock-free structure links nodes through atomic pointers, reads them inside read-side
//! sections, marks links with spare low bits (Harris's "logically deleted" bit, Natarajan and
//! Mittal's flag and tag), and retires the nodes it unlinks. Done with raw `AtomicPtr`s, each of
//! those steps is a hand-written cast, mask or `Box::from_raw`. This module gives them types:
//!
//! - [`Atomic<T>`]: an atomic, possibly null, possibly tagged pointer to a heap `T`, the link
//!   field of a node;
//! - [`Section<'d, R>`]: a read-side section of the domain `R` that remembers its domain, so that
//!   whatever it retires goes to the domain that protects the reads;
//! - [`Shared<'g, T>`]: a pointer loaded inside a section; it cannot outlive the borrow of that
//!   section, so it cannot be used after the section has ended;
//! - [`Owned<T>`]: a node not yet published (a `Box` with a tag), handed back intact when a
//!   compare-and-swap fails.
//!
//! The atomics come from [`crate::sync`], so a loom model of a structure built on this module
//! checks the structure's real code.
//!
//! # What is and is not checked by the compiler
//! A [`Shared`] is tied to the lifetime of the [`Section`] it was loaded in: it cannot escape
//! the section. Dereferencing it stays `unsafe` ([`Shared::deref`], [`Shared::as_ref`]): the
//! compiler cannot tell which domain protects a given link. Domains are independent instances;
//! a section of one `Srcu` does not protect nodes retired to another. The contract is the one
//! structure authors already keep: *every node reachable through this link is freed only by
//! [`Section::retire`] (or [`Reclaim::retire`]) on the domain whose section did the load, after
//! it was unlinked, or by an owner with exclusive access*. Structures in the `structures` crate
//! keep this contract behind a safe API by owning their domain.
//!
//! # Tags
//! A pointer to `T` has `align_of::<T>() - 1` spare low bits (see [`Atomic::TAG_MASK`]).
//! Setting a tag that does not fit panics.
//!
//! # Example
//! A one-slot register whose readers see the value inside a section and whose writer retires
//! the value it replaced:
//! ```
//! # use gracepoint_reclaim as gracepoint;
//! use gracepoint::atomic::{Atomic, Owned, Section};
//! use gracepoint::sync::Ordering;
//! use gracepoint::Reclaim;
//!
//! struct Register<R: Reclaim> {
//!     value: Atomic<u64>,
//!     domain: R,
//! }
//!
//! impl<R: Reclaim> Register<R> {
//!     fn read(&self) -> u64 {
//!         let section = Section::new(&self.domain);
//!         let current = self.value.load(Ordering::Acquire, &section);
//!         // SAFETY: values are retired only through `self.domain`, and never while linked.
//!         *unsafe { current.deref() }
//!     }
//!
//!     fn write(&self, value: u64) {
//!         let section = Section::new(&self.domain);
//!         let old = self.value.swap(Owned::new(value), Ordering::AcqRel, &section);
//!         // SAFETY: `old` is unlinked by the swap, and only this call got it back.
//!         unsafe { section.retire(old) };
//!     }
//! }
//!
//! # let domain = gracepoint_reclaim::scheme::ReaderCount;
//! let register = Register { value: Atomic::new(1), domain }; // any scheme's domain
//! register.write(2);
//! assert_eq!(register.read(), 2);
//! # let section = Section::new(&register.domain);
//! # unsafe { section.retire(register.value.load(Ordering::Relaxed, &section)) };
//! ```

use core::fmt;
use core::marker::PhantomData;

use crate::Reclaim;
use crate::sync::{AtomicPtr, Ordering};

#[cfg(feature = "alloc")]
use alloc::boxed::Box;

/// The low bits of a `*mut T` that alignment leaves free for a tag.
const fn tag_mask<T>() -> usize {
    core::mem::align_of::<T>() - 1
}

/// Panics unless `tag` fits in the spare bits of a `*mut T`.
#[inline]
#[track_caller]
fn check_tag<T>(tag: usize) {
    assert!(
        tag & !tag_mask::<T>() == 0,
        "tag {tag:#x} does not fit in the {} spare low bits of a pointer to a type aligned to {} \
         bytes; use a smaller tag or raise the type's alignment",
        tag_mask::<T>().count_ones(),
        core::mem::align_of::<T>(),
    );
}

#[inline]
fn compose<T>(ptr: *mut T, tag: usize) -> *mut T {
    ptr.map_addr(|addr| addr | tag)
}

#[inline]
fn untagged<T>(ptr: *mut T) -> *mut T {
    ptr.map_addr(|addr| addr & !tag_mask::<T>())
}

/// An atomic pointer to a heap `T`, possibly null, with a tag in its spare low bits.
///
/// It does not own its pointee: dropping an `Atomic` frees nothing. The structure that holds
/// it decides who frees what (see the [module docs](self)).
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
// it through a swap (`Send`); exactly what `T: Send + Sync` permits.
unsafe impl<T: Send + Sync> Send for Atomic<T> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync> Sync for Atomic<T> {}

/// Building, loading and updating a link. Every load and update that returns a pointer takes
/// the [`Section`] it is valid in.
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
        /// A null pointer with tag 0.
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
    /// # use gracepoint::sync::Ordering;
    /// # drop(unsafe { link.load_unprotected(Ordering::Relaxed).into_owned() });
    /// ```
    #[cfg(feature = "alloc")]
    pub fn new(value: T) -> Self {
        Self::from(Owned::new(value))
    }

    /// Loads the pointer. The result lives no longer than the borrow of `section`.
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
    pub fn load<'g, R: Reclaim>(
        &self,
        order: Ordering,
        _section: &'g Section<'_, R>,
    ) -> Shared<'g, T> {
        Shared::from_raw(self.ptr.load(order))
    }

    /// Loads the pointer outside any section.
    ///
    /// # Safety
    /// Nothing may free the pointee while the result is in use, for instance because the
    /// caller has exclusive access to the structure (its `Drop`).
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
        Shared::from_raw(self.ptr.load(order))
    }

    /// Stores `new` (an [`Owned`] to publish, or a [`Shared`] to link again).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Owned};
    /// use gracepoint::sync::Ordering;
    /// let link = Atomic::<u8>::null();
    /// link.store(Owned::new(4), Ordering::Release);
    /// # drop(unsafe { link.load_unprotected(Ordering::Relaxed).into_owned() });
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
    pub fn swap<'g, P: Pointer<T>, R: Reclaim>(
        &self,
        new: P,
        order: Ordering,
        _section: &'g Section<'_, R>,
    ) -> Shared<'g, T> {
        Shared::from_raw(self.ptr.swap(new.into_raw(), order))
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
    pub fn compare_exchange<'g, P: Pointer<T>, R: Reclaim>(
        &self,
        current: Shared<'_, T>,
        new: P,
        success: Ordering,
        failure: Ordering,
        _section: &'g Section<'_, R>,
    ) -> Result<Shared<'g, T>, CompareExchangeError<'g, T, P>> {
        let new = new.into_raw();
        match self
            .ptr
            .compare_exchange(current.raw, new, success, failure)
        {
            Ok(_) => Ok(Shared::from_raw(new)),
            Err(found) => Err(CompareExchangeError {
                current: Shared::from_raw(found),
                // SAFETY: `new` came from `into_raw` just above and was not stored.
                new: unsafe { P::from_raw(new) },
            }),
        }
    }

    /// Sets the bits of `tag` on the stored pointer, whatever it is, and returns the previous
    /// value. Used to mark a link that must not change any more (Natarajan and Mittal's tag).
    ///
    /// It is a compare-and-swap loop (loom has no `fetch_or` on pointers); it never fails.
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
    pub fn fetch_or<'g, R: Reclaim>(
        &self,
        tag: usize,
        order: Ordering,
        _section: &'g Section<'_, R>,
    ) -> Shared<'g, T> {
        check_tag::<T>(tag);
        let failure = match order {
            Ordering::AcqRel => Ordering::Acquire,
            Ordering::Release => Ordering::Relaxed,
            other => other,
        };
        let mut current = self.ptr.load(failure);
        loop {
            match self.ptr.compare_exchange_weak(
                current,
                current.map_addr(|a| a | tag),
                order,
                failure,
            ) {
                Ok(previous) => return Shared::from_raw(previous),
                Err(found) => current = found,
            }
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
    /// # use gracepoint::sync::Ordering;
    /// # drop(unsafe { link.load_unprotected(Ordering::Relaxed).into_owned() });
    /// ```
    fn from(owned: Owned<T>) -> Self {
        Self {
            ptr: AtomicPtr::new(owned.into_raw()),
            _marker: PhantomData,
        }
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

/// A pointer an [`Atomic`] can store: an [`Owned`] (published by the store) or a [`Shared`]
/// (linked again). Sealed.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::{Atomic, Owned, Pointer, Shared};
/// fn takes<P: Pointer<u8>>(_: P) {}
/// takes(Shared::<u8>::null());
/// takes(Owned::new(1u8));
/// ```
pub trait Pointer<T>: sealed::Sealed {
    /// The tagged raw pointer; ownership (if any) passes to the caller.
    #[doc(hidden)]
    fn into_raw(self) -> *mut T;

    /// Rebuilds the pointer from [`into_raw`](Pointer::into_raw)'s result.
    ///
    /// # Safety
    /// `raw` came from `into_raw` of the same type and was not stored or rebuilt since.
    #[doc(hidden)]
    unsafe fn from_raw(raw: *mut T) -> Self;
}

mod sealed {
    pub trait Sealed {}
    #[cfg(feature = "alloc")]
    impl<T> Sealed for super::Owned<T> {}
    impl<T> Sealed for super::Shared<'_, T> {}
}

impl<T> Pointer<T> for Shared<'_, T> {
    fn into_raw(self) -> *mut T {
        self.raw
    }
    unsafe fn from_raw(raw: *mut T) -> Self {
        Shared::from_raw(raw)
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

mod pointers;
mod section;
#[cfg(all(test, feature = "alloc", not(loom)))]
mod tests;

#[cfg(feature = "alloc")]
pub use pointers::Owned;
pub use pointers::Shared;
pub use section::Section;
