//! Retiring through a registered reader, and typed-pointer sections on it.

#[doc(hidden)]
#[macro_export]
macro_rules! __front_reader {
    (
        path: $path:literal,
        domain: $Domain:ident,
        guard: $Guard:ident,
        reader: $Reader:ident,
        cookie: $Cookie:ident,
        options: $Options:ident $(,)?
    ) => {
        impl<const N: usize> core::fmt::Debug for $Reader<'_, N> {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_struct(stringify!($Reader))
                    .field("slot", &self.claim.index())
                    .finish()
            }
        }

        /// Retiring through a registered reader: into its own slot's bag, with no slot lookup,
        /// no lock and no atomic read-modify-write on the common path.
        ///
        /// ```
        #[doc = concat!("static DOMAIN: ", $path, "::", stringify!($Domain), "<2> = ", $path, "::", stringify!($Domain), "::new_fixed();")]
        /// let reader = DOMAIN.register().unwrap();
        /// reader.retire(Box::new(1u8));
        /// reader.call(|| ());
        /// DOMAIN.barrier();
        /// assert_eq!(DOMAIN.stats().pending, 0);
        /// ```
        impl<const N: usize> $Reader<'_, N> {
            #[doc = concat!("[`", stringify!($Domain), "::retire`], through this reader's own bag.")]
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let reader = domain.register().unwrap();
            /// reader.retire(Box::new(7u32));
            /// domain.barrier();
            /// ```
            #[cfg(feature = "alloc")]
            #[inline]
            pub fn retire<T: Send + 'static>(&self, boxed: $crate::__private::Box<T>) {
                self.domain.core.retire(
                    self.claim.owned(),
                    $crate::scheme::bag::Retired::from_box(boxed),
                );
            }

            #[doc = concat!("[`", stringify!($Domain), "::retire_ptr`], through this reader's own bag.")]
            ///
            /// # Safety
            #[doc = concat!("As [`", stringify!($Domain), "::retire_ptr`].")]
            ///
            /// # Panics
            /// When `unlinked` is null.
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let reader = domain.register().unwrap();
            /// let unlinked = Box::into_raw(Box::new(7u32));
            /// // SAFETY: from `Box::into_raw`, reachable by no reader, retired once.
            /// unsafe { reader.retire_ptr(unlinked) };
            /// domain.barrier();
            /// ```
            #[cfg(feature = "alloc")]
            #[inline]
            #[track_caller]
            pub unsafe fn retire_ptr<T: Send + 'static>(&self, unlinked: *mut T) {
                // SAFETY: the caller's promise is what `from_box_ptr` asks, and `T: Send`.
                let item = unsafe { $crate::scheme::bag::Retired::from_box_ptr(unlinked) };
                self.domain.core.retire(self.claim.owned(), item);
            }

            #[doc = concat!("[`", stringify!($Domain), "::retire_raw`], through this reader's own bag: needs no allocator.")]
            ///
            /// # Safety
            #[doc = concat!("As [`", stringify!($Domain), "::retire_raw`].")]
            ///
            /// ```
            /// use std::sync::atomic::{AtomicUsize, Ordering};
            /// static FREED: AtomicUsize = AtomicUsize::new(0);
            /// unsafe fn count(_: *mut ()) {
            ///     FREED.fetch_add(1, Ordering::Relaxed);
            /// }
            #[doc = concat!("static DOMAIN: ", $path, "::", stringify!($Domain), "<2> = ", $path, "::", stringify!($Domain), "::new_fixed();")]
            /// let reader = DOMAIN.register().unwrap();
            /// // SAFETY: `count` accepts any pointer.
            /// unsafe { reader.retire_raw(core::ptr::null_mut(), count) };
            /// DOMAIN.barrier();
            /// assert_eq!(FREED.load(Ordering::Relaxed), 1);
            /// ```
            #[inline]
            pub unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
                // SAFETY: the caller promises what `Retired::new` asks.
                let item = unsafe { $crate::scheme::bag::Retired::new(ptr, free) };
                self.domain.core.retire(self.claim.owned(), item);
            }

            /// A [`Section`]($crate::atomic::Section) on this reader: the typed pointers'
            /// section with no slot lookup, whose retires and deferred closures go through this
            /// reader's own bag. For a structure that holds its domain through `&D` or `Arc<D>`,
            /// use [`Section::with_reader`]($crate::atomic::Section::with_reader).
            ///
            /// ```
            /// use gracepoint::atomic::{Atomic, Owned};
            /// use gracepoint::sync::Ordering;
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let reader = domain.register().unwrap();
            /// let link = Atomic::new(1u64);
            /// let section = reader.section();
            /// let old = link.swap(Owned::new(2), Ordering::AcqRel, &section);
            /// // SAFETY: unlinked by the swap, retired once.
            /// unsafe { section.retire(old) };
            /// # drop(section);
            /// # drop(unsafe { link.into_owned() });
            /// ```
            #[inline]
            pub fn section(&self) -> $crate::atomic::Section<'_, $Domain<N>> {
                $crate::atomic::Section::with_reader(self.domain, self)
            }

            #[doc = concat!("[`", stringify!($Domain), "::call`], through this reader's own bag.")]
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let reader = domain.register().unwrap();
            /// reader.call(|| println!("after a grace period"));
            /// domain.barrier();
            /// ```
            #[cfg(feature = "alloc")]
            #[inline]
            pub fn call<F: FnOnce() + Send + 'static>(&self, callback: F) {
                self.domain.core.retire(
                    self.claim.owned(),
                    $crate::scheme::bag::Retired::from_callback(callback),
                );
            }
        }

        // SAFETY: `enter` is this reader's section of `domain`, and `__retire` retires into
        // this reader's bag of that domain.
        unsafe impl<'a, const N: usize> $crate::atomic::Reader for $Reader<'a, N> {
            type Domain = $Domain<N>;

            #[inline]
            fn domain(&self) -> &$Domain<N> {
                self.domain
            }

            #[inline]
            fn enter(&self) -> $Guard<'_, N> {
                $Reader::enter(self)
            }

            #[inline]
            fn __retire(&self, item: $crate::scheme::bag::Retired) {
                self.domain.core.retire(self.claim.owned(), item);
            }
        }
    };
}
