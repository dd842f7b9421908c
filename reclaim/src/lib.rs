//! The shared core of the grace-period reclamation schemes in this workspace.
//!
//! A *domain* is one independent instance of a scheme (an [`srcu::Srcu`], a `gus::Gus`, ...).
//! Readers enter read-side sections; writers unlink objects and then either wait for a grace
//! period ([`Reclaim::synchronize`]) or hand the objects over to be freed once one has passed
//! ([`Reclaim::retire`]). A grace period ends when every section that began before it has
//! ended. A reader stalled in one domain delays reclamation only in that domain.
//!
//! This crate holds what every scheme shares, once:
//! - [`Reclaim`], the interface benches and data structures are written against;
//! - [`atomic`]: typed atomic pointers whose loads are tied to a read section, for writing
//!   lock-free structures over any domain;
//! - [`slots`]: cache-padded reader slots, found by [`thread_id`] under `std` or claimed
//!   explicitly without it;
//! - [`bag`]: retired objects batched into bags tagged with a grace-period value;
//! - [`wait`]: spin, then yield, then park;
//! - [`seq`]: wrap-safe sequence comparisons;
//! - [`sync`]: the atomics shim that swaps in loom's types under `cfg(loom)`;
//! - [`membarrier`] and [`cpu`]: the operating-system calls (with `std`);
//! - [`debug`]: debug-build detection of waiting inside one's own read section;
//! - `testing` (feature `testing`): poisoned objects, a drop ledger and a generic stress run.
//!
//! # Features
//! - `std` (default): thread-id slot lookup, parking, `membarrier`. Implies `alloc`.
//! - `alloc`: boxed retire, growable slot arrays.
//! - neither: `#![no_std]` core with fixed slot arrays, spin waiting and raw retire.
//!
//! [`srcu::Srcu`]: https://docs.rs/srcu
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

pub mod atomic;
pub mod bag;
#[cfg(feature = "std")]
pub mod cpu;
pub mod debug;
#[cfg(feature = "std")]
pub mod membarrier;
pub mod seq;
pub mod slots;
pub mod sync;
#[cfg(all(feature = "testing", feature = "std", not(loom)))]
pub mod testing;
#[cfg(feature = "std")]
pub mod thread_id;
pub mod wait;

/// A grace-period reclamation domain.
///
/// # Safety
/// Implementations must keep the grace-period guarantee: [`synchronize`](Reclaim::synchronize)
/// returns, and a retired object is freed, only after every read section that began before the
/// call has ended. Data structures rely on this to free memory that readers may still hold.
///
/// # Example
/// A function written once for every scheme:
/// ```
/// use reclaim::Reclaim;
/// use std::sync::atomic::{AtomicPtr, Ordering};
///
/// fn replace<R: Reclaim>(domain: &R, slot: &AtomicPtr<u64>, value: u64) {
///     let old = slot.swap(Box::into_raw(Box::new(value)), Ordering::AcqRel);
///     if !old.is_null() {
///         // SAFETY: `old` is unlinked; readers that still see it entered before the swap.
///         domain.retire(unsafe { Box::from_raw(old) });
///     }
/// }
///
/// fn read<R: Reclaim>(domain: &R, slot: &AtomicPtr<u64>) -> u64 {
///     let _guard = domain.enter();
///     // SAFETY: the guard keeps whatever we load alive until it drops.
///     unsafe { *slot.load(Ordering::Acquire) }
/// }
/// # use reclaim::__doc::Never;
/// # let slot = AtomicPtr::new(Box::into_raw(Box::new(1)));
/// # replace(&Never, &slot, 2);
/// # assert_eq!(read(&Never, &slot), 2);
/// # unsafe { drop(Box::from_raw(slot.load(Ordering::Relaxed))) };
/// ```
pub unsafe trait Reclaim: Send + Sync {
    /// A read-side section: it begins at [`enter`](Reclaim::enter) and ends when the guard drops.
    type Guard<'a>: 'a
    where
        Self: 'a;

    /// A polled grace period, from [`start_poll`](Reclaim::start_poll) for
    /// [`poll`](Reclaim::poll).
    type Cookie: Clone + Send + Sync + core::fmt::Debug;

    /// Begins a read-side section.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// fn section<R: Reclaim>(domain: &R) {
    ///     let _guard = domain.enter();
    ///     // loads made here stay valid until `_guard` drops
    /// }
    /// # section(&reclaim::__doc::Never);
    /// ```
    #[track_caller]
    fn enter(&self) -> Self::Guard<'_>;

    /// Drops `boxed` once every section that began before this call has ended.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// fn unlink_and_retire<R: Reclaim>(domain: &R, unlinked: Box<String>) {
    ///     domain.retire(unlinked);
    /// }
    /// # unlink_and_retire(&reclaim::__doc::Never, Box::new(String::new()));
    /// ```
    #[cfg(feature = "alloc")]
    #[track_caller]
    fn retire<T: Send + 'static>(&self, boxed: alloc::boxed::Box<T>) {
        let retired = bag::Retired::from_box(boxed);
        let (ptr, free) = retired.into_parts();
        // SAFETY: `Retired::from_box` built a matching pointer and deleter for a `Send` box.
        unsafe { self.retire_raw(ptr, free) }
    }

    /// Calls `free(ptr)` once every section that began before this call has ended.
    ///
    /// # Safety
    /// `free(ptr)` must be safe to call once, from any thread, after that grace period, and
    /// `ptr` must not be retired again.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// unsafe fn drop_u64(ptr: *mut ()) {
    ///     drop(unsafe { Box::from_raw(ptr.cast::<u64>()) });
    /// }
    /// fn retire_u64<R: Reclaim>(domain: &R, unlinked: *mut u64) {
    ///     // SAFETY: `unlinked` came from `Box::into_raw` and is retired once.
    ///     unsafe { domain.retire_raw(unlinked.cast(), drop_u64) };
    /// }
    /// # retire_u64(&reclaim::__doc::Never, Box::into_raw(Box::new(1)));
    /// ```
    #[track_caller]
    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ()));

    /// Waits until every section that began before this call has ended.
    ///
    /// # Panics
    /// Schemes panic (in debug builds at least) when the calling thread is inside a section of
    /// the same domain: the wait could never end.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// fn wait_for_readers<R: Reclaim>(domain: &R) {
    ///     domain.synchronize();
    /// }
    /// # wait_for_readers(&reclaim::__doc::Never);
    /// ```
    #[track_caller]
    fn synchronize(&self);

    /// Waits until every object retired before this call, on any thread, has been freed.
    ///
    /// # Panics
    /// As [`synchronize`](Reclaim::synchronize).
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// fn flush<R: Reclaim>(domain: &R) {
    ///     domain.barrier();
    /// }
    /// # flush(&reclaim::__doc::Never);
    /// ```
    #[track_caller]
    fn barrier(&self);

    /// Takes a cookie for a grace period that starts after this call, and makes sure one will
    /// run. Never waits.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// fn later<R: Reclaim>(domain: &R) -> R::Cookie {
    ///     domain.start_poll()
    /// }
    /// # later(&reclaim::__doc::Never);
    /// ```
    fn start_poll(&self) -> Self::Cookie;

    /// True once the grace period `cookie` names has ended: every section that began before
    /// the [`start_poll`](Reclaim::start_poll) that returned it has ended. Never waits; may
    /// move the grace period along. Never true early.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// fn wait_by_polling<R: Reclaim>(domain: &R) {
    ///     let cookie = domain.start_poll();
    ///     while !domain.poll(&cookie) {
    ///         std::thread::yield_now();
    ///     }
    /// }
    /// # wait_by_polling(&reclaim::__doc::Never);
    /// ```
    fn poll(&self, cookie: &Self::Cookie) -> bool;
}

/// A do-nothing domain for the trait's examples; not part of the API.
#[doc(hidden)]
pub mod __doc {
    /// A domain with no readers: every grace period is over at once.
    pub struct Never;
    // SAFETY: `Never` has no sections, so there is never a reader to wait for.
    unsafe impl super::Reclaim for Never {
        type Guard<'a> = ();
        type Cookie = ();
        fn enter(&self) {}
        unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
            // SAFETY: no section can hold `ptr`.
            unsafe { free(ptr) }
        }
        fn synchronize(&self) {}
        fn barrier(&self) {}
        fn start_poll(&self) {}
        fn poll(&self, _: &()) -> bool {
            true
        }
    }
}

// A shared reference or an `Arc` to a domain is a domain: several structures can share one
// (for instance a `static` one) while each holds "its" domain by value.
macro_rules! forward_reclaim {
    ($(#[$cfg:meta])* $pointer:ty) => {
        // SAFETY: every method forwards to the pointed-to domain, which keeps the guarantee.
        $(#[$cfg])*
        unsafe impl<R: Reclaim> Reclaim for $pointer {
            type Guard<'a>
                = R::Guard<'a>
            where
                Self: 'a;
            type Cookie = R::Cookie;

            #[inline]
            #[track_caller]
            fn enter(&self) -> Self::Guard<'_> {
                (**self).enter()
            }

            #[cfg(feature = "alloc")]
            #[inline]
            #[track_caller]
            fn retire<T: Send + 'static>(&self, boxed: alloc::boxed::Box<T>) {
                (**self).retire(boxed)
            }

            #[inline]
            #[track_caller]
            unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
                // SAFETY: the caller's promise, forwarded.
                unsafe { (**self).retire_raw(ptr, free) }
            }

            #[track_caller]
            fn synchronize(&self) {
                (**self).synchronize()
            }

            #[track_caller]
            fn barrier(&self) {
                (**self).barrier()
            }

            fn start_poll(&self) -> Self::Cookie {
                (**self).start_poll()
            }

            fn poll(&self, cookie: &Self::Cookie) -> bool {
                (**self).poll(cookie)
            }
        }
    };
}

forward_reclaim!(&R);
forward_reclaim!(#[cfg(feature = "alloc")] alloc::sync::Arc<R>);
