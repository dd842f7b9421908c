//! Retiring objects and callbacks, `barrier` and `collect`.

#[doc(hidden)]
#[macro_export]
macro_rules! __front_retire {
    (
        path: $path:literal,
        domain: $Domain:ident,
        guard: $Guard:ident,
        reader: $Reader:ident,
        cookie: $Cookie:ident,
        options: $Options:ident $(,)?
    ) => {
        /// Retiring objects and queueing callbacks, and freeing them.
        ///
        /// ```
        #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
        /// domain.retire(Box::new(1u64));
        /// domain.call(|| ());
        /// domain.barrier();
        /// assert_eq!(domain.stats().pending, 0);
        /// ```
        impl<const N: usize> $Domain<N> {
            /// Drops `boxed` once every read section that began before this call has ended.
            ///
            /// Never waits for a grace period, so it may be called inside a read section; the
            /// object is freed by a later call into the domain on any thread (a retire, a wait,
            /// a poll, `collect`, `barrier`), or when the domain drops.
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let guard = domain.enter();
            /// domain.retire(Box::new(String::from("unlinked")));
            /// drop(guard);
            /// domain.barrier();
            /// assert_eq!(domain.stats().pending, 0);
            /// ```
            #[cfg(feature = "alloc")]
            #[inline]
            #[track_caller]
            pub fn retire<T: Send + 'static>(&self, boxed: $crate::__private::Box<T>) {
                self.core
                    .retire_item($crate::scheme::bag::Retired::from_box(boxed));
            }

            /// Drops the box behind `unlinked` once every read section that began before this
            /// call has ended, without making a `Box` of it now: how to retire a value readers
            /// may still be reading through a raw pointer (a `Box::from_raw` made before the
            /// grace period is undefined behaviour while they do). Never waits, as
            #[doc = concat!("[`retire`](", stringify!($Domain), "::retire).")]
            ///
            /// # Safety
            /// `unlinked` came from `Box::into_raw`, no section that begins after this call can
            /// reach it, and nobody else retires or frees it (typically: the caller's swap or
            /// compare-and-swap unlinked it).
            ///
            /// # Panics
            /// When `unlinked` is null.
            ///
            /// ```
            /// use std::sync::atomic::{AtomicPtr, Ordering};
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let config = AtomicPtr::new(Box::into_raw(Box::new(String::from("v1"))));
            /// let old = config.swap(Box::into_raw(Box::new(String::from("v2"))), Ordering::AcqRel);
            /// // SAFETY: from `Box::into_raw`; the swap unlinked it and gave it to us alone.
            /// unsafe { domain.retire_ptr(old) };
            /// domain.barrier();
            /// assert_eq!(domain.stats().pending, 0);
            /// # drop(unsafe { Box::from_raw(config.load(Ordering::Relaxed)) });
            /// ```
            #[cfg(feature = "alloc")]
            #[inline]
            #[track_caller]
            pub unsafe fn retire_ptr<T: Send + 'static>(&self, unlinked: *mut T) {
                // SAFETY: the caller's promise is what `from_box_ptr` asks, and `T: Send`.
                self.core
                    .retire_item(unsafe { $crate::scheme::bag::Retired::from_box_ptr(unlinked) });
            }

            /// Calls `free(ptr)` once every read section that began before this call has ended.
            ///
            /// Needs no allocator. Without `alloc`, when every inline bag still waits for its
            /// grace period, this waits for the oldest, so it must not then be called inside a
            /// read section of this domain (it panics, saying so, where that can be told).
            ///
            /// # Safety
            /// `free(ptr)` must be safe to call once, from any thread, after that grace period,
            /// and `ptr` must not be retired again.
            ///
            /// ```
            /// use std::sync::atomic::{AtomicUsize, Ordering};
            /// static FREED: AtomicUsize = AtomicUsize::new(0);
            /// unsafe fn count(_: *mut ()) {
            ///     FREED.fetch_add(1, Ordering::Relaxed);
            /// }
            #[doc = concat!("static DOMAIN: ", $path, "::", stringify!($Domain), "<2> = ", $path, "::", stringify!($Domain), "::new_fixed();")]
            /// // SAFETY: `count` accepts any pointer.
            /// unsafe { DOMAIN.retire_raw(core::ptr::null_mut(), count) };
            /// DOMAIN.barrier();
            /// assert_eq!(FREED.load(Ordering::Relaxed), 1);
            /// ```
            #[inline]
            #[track_caller]
            pub unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
                // SAFETY: the caller promises what `Retired::new` asks.
                self.core
                    .retire_item(unsafe { $crate::scheme::bag::Retired::new(ptr, free) });
            }

            /// Runs `callback` once every read section that began before this call has ended
            /// (or when the domain drops, whichever is first), on whichever thread frees it:
            /// crossbeam-epoch's `defer`.
            ///
            /// Callbacks run inline on the collecting thread, which may be inside a read
            /// section of this domain at that moment: a callback must not wait for this domain
            #[doc = concat!("([`synchronize`](", stringify!($Domain), "::synchronize) would deadlock there, and [`barrier`](", stringify!($Domain), "::barrier)")]
            /// panics, saying so). It may retire and `call` more.
            ///
            /// ```
            /// use std::sync::atomic::{AtomicBool, Ordering};
            /// static RAN: AtomicBool = AtomicBool::new(false);
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// domain.call(|| RAN.store(true, Ordering::Relaxed));
            /// domain.barrier();
            /// assert!(RAN.load(Ordering::Relaxed));
            /// ```
            #[cfg(feature = "alloc")]
            #[inline]
            #[track_caller]
            pub fn call<F: FnOnce() + Send + 'static>(&self, callback: F) {
                self.core
                    .retire_item($crate::scheme::bag::Retired::from_callback(callback));
            }

            /// Waits until every object retired (and every callback queued) before this call,
            /// on any thread, has been freed (or run), other live threads' unsealed bags
            /// included.
            ///
            /// # Panics
            #[doc = concat!("As [`synchronize`](", stringify!($Domain), "::synchronize);")]
            /// and when called from a callback or destructor this domain is running.
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// domain.retire(Box::new([0u8; 64]));
            /// domain.barrier();
            /// assert_eq!(domain.stats().pending, 0);
            /// ```
            #[track_caller]
            pub fn barrier(&self) {
                self.core.barrier();
            }

            /// Frees what has expired without waiting, and takes idle threads' bags to be
            /// freed later; returns how many objects it freed. Retires and waits do this on
            /// their own; call it to free sooner.
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// domain.retire(Box::new(1));
            /// domain.synchronize();
            /// domain.collect();
            /// ```
            pub fn collect(&self) -> usize {
                self.core.collect()
            }
        }
    };
}
