//! Grace periods: the waits and the polled cookies.

#[doc(hidden)]
#[macro_export]
macro_rules! __front_wait {
    (
        path: $path:literal,
        domain: $Domain:ident,
        guard: $Guard:ident,
        reader: $Reader:ident,
        cookie: $Cookie:ident,
        options: $Options:ident $(,)?
    ) => {
        /// Grace periods: waiting for one, or taking a cookie and polling it without waiting.
        ///
        /// ```
        /// use std::sync::atomic::{AtomicPtr, Ordering};
        #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
        /// let shared = AtomicPtr::new(Box::into_raw(Box::new(1u64)));
        /// let old = shared.swap(Box::into_raw(Box::new(2)), Ordering::AcqRel);
        /// domain.synchronize(); // every section that could still see `old` has ended
        /// // SAFETY: `old` is unlinked and its grace period is over.
        /// drop(unsafe { Box::from_raw(old) });
        ///
        /// let cookie = domain.start_poll(); // the same, without blocking
        /// while !domain.poll(&cookie) {
        ///     std::thread::yield_now();
        /// }
        /// # drop(unsafe { Box::from_raw(shared.load(Ordering::Relaxed)) });
        /// ```
        impl<const N: usize> $Domain<N> {
            /// Waits until every read section that began before this call has ended: spinning,
            /// then yielding, then parking (without `std`: spinning). Concurrent callers share
            /// grace periods. On a domain that looks idle it expedites itself, where the
            /// scheme can tell.
            ///
            /// # Panics
            /// When called inside a read section of this domain on this thread (it would wait
            /// for itself): in every build for sections on the thread's own slot, and also for
            /// registered readers' and shared slots' sections in debug builds.
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// drop(domain.enter());
            /// domain.synchronize();
            /// ```
            #[track_caller]
            pub fn synchronize(&self) {
                self.core.synchronize();
            }

            #[doc = concat!("[`synchronize`](", stringify!($Domain), "::synchronize)")]
            /// with more spinning and no sleeping: lower latency for more CPU.
            ///
            /// # Panics
            #[doc = concat!("As [`synchronize`](", stringify!($Domain), "::synchronize).")]
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// domain.synchronize_expedited();
            /// ```
            #[track_caller]
            pub fn synchronize_expedited(&self) {
                self.core.synchronize_expedited();
            }

            #[doc = concat!("[`synchronize`](", stringify!($Domain), "::synchronize)")]
            /// with a caller-supplied wait strategy: any `FnMut()` is one, and so is
            /// [`wait::Spin`]($crate::wait::Spin), for `no_std` builds.
            ///
            /// # Panics
            #[doc = concat!("As [`synchronize`](", stringify!($Domain), "::synchronize).")]
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let mut pauses = 0;
            /// domain.synchronize_with(&mut || pauses += 1);
            /// domain.synchronize_with(&mut gracepoint::wait::Spin);
            /// ```
            #[track_caller]
            pub fn synchronize_with(&self, strategy: &mut impl $crate::wait::WaitStrategy) {
                self.core.synchronize_with(strategy);
            }

            /// A cookie for the grace period that covers every read section begun before this
            /// call. Starts nothing: nothing drives a grace period for it until someone asks
            #[doc = concat!("([`start_poll`](", stringify!($Domain), "::start_poll), [`wait`](", stringify!($Domain), "::wait), a retire).")]
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let cookie = domain.get_state();
            /// domain.synchronize();
            /// assert!(domain.poll(&cookie));
            /// ```
            #[must_use]
            #[inline]
            pub fn get_state(&self) -> $Cookie {
                self.core.get_state()
            }

            #[doc = concat!("Like [`get_state`](", stringify!($Domain), "::get_state),")]
            /// and makes sure a grace period that serves the cookie will run, taking one step
            /// toward it now. Never waits.
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let cookie = domain.start_poll();
            /// while !domain.poll(&cookie) {
            ///     std::thread::yield_now();
            /// }
            /// ```
            #[must_use]
            pub fn start_poll(&self) -> $Cookie {
                self.core.start_poll()
            }

            /// True once the grace period `cookie` names is over: every read section that began
            /// before the cookie was taken has ended. Never waits and never says so early,
            /// also across the wrap; when the answer is no, it takes one step toward the grace
            /// period and looks again.
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let reader = domain.register().unwrap();
            /// let guard = reader.enter();
            /// let cookie = domain.start_poll();
            /// assert!(!domain.poll(&cookie)); // the section began before the cookie
            /// drop(guard);
            /// while !domain.poll(&cookie) {}
            /// ```
            #[inline]
            pub fn poll(&self, cookie: &$Cookie) -> bool {
                self.core.poll(cookie)
            }

            /// Waits until the grace period `cookie` names is over, driving it.
            ///
            /// # Panics
            #[doc = concat!("As [`synchronize`](", stringify!($Domain), "::synchronize).")]
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let cookie = domain.get_state();
            /// domain.wait(&cookie);
            /// assert!(domain.poll(&cookie));
            /// ```
            #[track_caller]
            pub fn wait(&self, cookie: &$Cookie) {
                self.core.wait(cookie);
            }

            #[doc = concat!("[`wait`](", stringify!($Domain), "::wait) with a caller-supplied wait strategy.")]
            ///
            /// # Panics
            #[doc = concat!("As [`synchronize`](", stringify!($Domain), "::synchronize).")]
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let cookie = domain.start_poll();
            /// domain.wait_with(&cookie, &mut gracepoint::wait::Spin);
            /// ```
            #[track_caller]
            pub fn wait_with(&self, cookie: &$Cookie, strategy: &mut impl $crate::wait::WaitStrategy) {
                self.core.wait_with(cookie, strategy);
            }
        }
    };
}
