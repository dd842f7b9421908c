//! Typed atomic pointers for lock-free structures written over any [`Reclaim`] domain.
//!
//! A lock-free structure links nodes through atomic pointers, reads them inside read-side
//! sections, marks links with spare low bits (Harris's "logically deleted" bit, Natarajan and
//! Mittal's flag and tag), and retires the nodes it unlinks. Done with raw `AtomicPtr`s, each of
//! those steps is a hand-written cast, mask or `Box::from_raw`. This module gives them types:
//!
//! - [`Atomic<T>`]: an atomic, possibly null, possibly tagged pointer to a `T`, the link field
//!   of a node;
//! - [`Section<'d, R>`]: a read-side section of the domain `R` that remembers its domain, so that
//!   whatever it retires goes to the domain that protects the reads;
//! - [`Shared<'g, T>`]: a pointer loaded inside a section; it cannot outlive the borrow of that
//!   section, so it cannot be used after the section has ended;
//! - [`Owned<T>`]: a node not yet published (a `Box` with a tag), handed back intact when a
//!   compare-and-swap fails;
//! - [`unprotected()`]: for an owner with exclusive access (a `Drop`, a single-threaded set-up
//!   phase), where no section is needed.
//!
//! crossbeam-epoch users find the same shapes under the same names; the repository's
//! `docs/from-crossbeam.md` maps every item.
//!
//! The atomics come from [`crate::sync`], so a loom model of a structure built on this module
//! checks the structure's real code.
//!
//! # What is and is not checked by the compiler
//! A [`Shared`] is tied to the lifetime of the [`Section`] it was loaded in: it cannot escape
//! the section, and it cannot be used across [`Section::repin`] (which takes `&mut self`).
//! Dereferencing it stays `unsafe` ([`Shared::deref`], [`Shared::as_ref`]): the compiler cannot
//! tell which domain protects a given link. Domains are independent instances; a section of one
//! `Srcu` does not protect nodes retired to another. The contract is the one structure authors
//! already keep: *every node reachable through this link is freed only by [`Section::retire`]
//! (or another retire) on the domain whose section did the load, after it was unlinked, or by
//! an owner with exclusive access*. The `structures` crate keeps this contract behind a safe
//! API by owning its domain; a structure that accepts sections from its callers checks
//! [`Section::belongs_to`] first.
//!
//! # Tags
//! A pointer to `T` has `align_of::<T>() - 1` spare low bits (see [`Atomic::TAG_MASK`]).
//! Setting a tag that does not fit panics, saying so ([`Shared::with_tag`],
//! [`Owned::with_tag`], [`Atomic::fetch_or`], [`Atomic::fetch_xor`]): crossbeam-epoch
//! silently drops the extra bits instead, which turns a wrong mark into a corrupt pointer.
//! [`Atomic::fetch_and`] takes a mask, and bits of it above the tag are ignored, so
//! `fetch_and(!MARK, ..)` clears `MARK`.
//!
//! # Nodes with their own layout
//! `Owned<T>` is a `Box<T>`; a node allocated some other way (a skip-list tower of variable
//! height, a node from an arena or a custom allocator) enters a link as a [`Shared`] made with
//! [`Shared::from_raw`] and leaves through a deferred closure that frees it the way it was
//! allocated ([`Section::defer_unchecked`], or [`Section::retire_raw`] with a function
//! pointer). There is no `Pointable` trait (crossbeam's route to `[T]` and unsized nodes): give
//! the node a sized header that the links point to, and reach the variable part through the
//! header's own pointer arithmetic. The `structures` crate's `SkipList` does exactly this.
//!
//! # Bounds: what sharing a link needs
//! `Atomic<T>` is `Send` and `Sync` when `T: Send + Sync`, as in crossbeam-epoch: sharing a
//! link lets other threads read the `T` through it (`Sync`) and take it over with a swap
//! (`Send`). A node whose payload is never shared by reference (a stack or queue that moves
//! values out) can be `Sync` with only `T: Send`, but only the structure knows that: it says so
//! with its own `unsafe impl<T: Send> Sync for Node<T> {}`, arguing why (see the `structures`
//! crate's stack). [`Section::retire`] needs `T: Send + 'static`: the domain drops the node
//! later, on any thread, possibly after the structure is gone (a shared domain outlives it).
//! A structure that owns its domain, or otherwise proves the node's drop is fine where and when
//! it runs, uses [`Section::retire_unchecked`] and [`Section::defer_unchecked`], which ask for
//! no bounds.
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
//! impl<R: Reclaim> Drop for Register<R> {
//!     fn drop(&mut self) {
//!         // SAFETY: `&mut self`: nobody else can reach the value any more.
//!         drop(unsafe { self.value.load_unprotected(Ordering::Relaxed).into_owned() });
//!     }
//! }
//!
//! # let domain = gracepoint_reclaim::scheme::ReaderCount;
//! let register = Register { value: Atomic::new(1), domain }; // any scheme's domain
//! register.write(2);
//! assert_eq!(register.read(), 2);
//! ```

use crate::Reclaim;

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

/// Panics unless `ptr` has no bits in the tag positions (it is aligned for `T`).
#[inline]
#[track_caller]
fn check_aligned<T>(ptr: *const T, what: &str) {
    assert!(
        ptr.addr() & tag_mask::<T>() == 0,
        "{what} was given the pointer {ptr:p}, which is not aligned to {} bytes: its low bits \
         are where a tag goes. Pass the untagged pointer and set the tag with `with_tag`",
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

/// What protects the pointers an [`Atomic`] operation returns: a [`Section`] (they live as long
/// as its borrow), or [`Unprotected`] (for an owner with exclusive access). Sealed.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::{Atomic, Protect, Section, Shared};
/// use gracepoint::sync::Ordering;
/// fn first<'g, P: Protect>(link: &Atomic<u64>, protect: &'g P) -> Shared<'g, u64> {
///     link.load(Ordering::Acquire, protect)
/// }
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// let link = Atomic::<u64>::null();
/// assert!(first(&link, &Section::new(&domain)).is_null());
/// // SAFETY: `link` is ours alone.
/// assert!(first(&link, unsafe { gracepoint::atomic::unprotected() }).is_null());
/// ```
pub trait Protect: sealed::SealedProtect {
    /// Notes that the section is in use (for the debug-build misuse check of [`Section`]).
    #[doc(hidden)]
    fn touch(&self);
}

/// The protection of an owner with exclusive access: crossbeam-epoch's `unprotected()`.
/// Get it from [`unprotected()`].
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::{Atomic, Owned, unprotected};
/// use gracepoint::sync::Ordering;
/// let link = Atomic::new(1u32);
/// // SAFETY: nobody else can reach `link`.
/// let guard = unsafe { unprotected() };
/// let old = link.swap(Owned::new(2), Ordering::Relaxed, guard);
/// drop(unsafe { old.into_owned() });
/// drop(unsafe { link.into_owned() });
/// ```
#[derive(Debug)]
pub struct Unprotected {
    _private: (),
}

/// Protection for an owner with exclusive access: every [`Atomic`] operation accepts it where
/// it takes a [`Section`], and the pointers it returns live for `'static`, as with
/// crossbeam-epoch's `unprotected()`. For `Drop` impls and single-owner phases (building a
/// structure before sharing it, tearing it down after every other thread has joined).
///
/// # Safety
/// While the returned pointers are in use, nothing may free what they point to: in practice the
/// caller has exclusive access to every link it operates on (no other thread can reach them),
/// and it frees nodes only after unlinking them. Nothing is retired through it.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::{Atomic, Owned, Shared, unprotected};
/// use gracepoint::sync::Ordering::Relaxed;
///
/// struct Node { next: Atomic<Node>, value: u32 }
///
/// // Build a two-node chain before anyone else can see it, then free it.
/// let head = Atomic::<Node>::null();
/// // SAFETY: `head` is not shared yet; every node is freed once, below.
/// unsafe {
///     let guard = unprotected();
///     for value in 0..2 {
///         let node = Owned::new(Node { next: Atomic::null(), value });
///         node.next.store(head.load(Relaxed, guard), Relaxed);
///         head.store(node, Relaxed);
///     }
///     let mut curr = head.swap(Shared::null(), Relaxed, guard);
///     let mut values = Vec::new();
///     while let Some(node) = curr.try_into_owned() {
///         values.push(node.value);
///         curr = node.next.load(Relaxed, guard);
///     }
///     assert_eq!(values, [1, 0]);
/// }
/// ```
#[inline]
pub unsafe fn unprotected() -> &'static Unprotected {
    static UNPROTECTED: Unprotected = Unprotected { _private: () };
    &UNPROTECTED
}

impl Protect for Unprotected {
    #[inline(always)]
    fn touch(&self) {}
}

impl<R: Reclaim> Protect for Section<'_, R> {
    #[inline(always)]
    fn touch(&self) {
        self.note_use();
    }
}

mod sealed {
    use crate::Reclaim;

    pub trait Sealed {}
    #[cfg(feature = "alloc")]
    impl<T> Sealed for super::Owned<T> {}
    impl<T> Sealed for super::Shared<'_, T> {}

    pub trait SealedProtect {}
    impl SealedProtect for super::Unprotected {}
    impl<R: Reclaim> SealedProtect for super::Section<'_, R> {}
}

mod erased;
mod link;
mod pointers;
mod reader;
mod section;
#[cfg(all(test, feature = "alloc", not(loom)))]
mod tests;

pub use link::{Atomic, CompareExchangeError};
#[cfg(feature = "alloc")]
pub use pointers::Owned;
pub use pointers::Shared;
pub use reader::Reader;
pub use section::Section;
