//! Statistics, stall reports, limits and background rounds, and the `Monitor` and
//! `Background` impls.

#[doc(hidden)]
#[macro_export]
macro_rules! __front_monitor {
    (
        path: $path:literal,
        domain: $Domain:ident,
        guard: $Guard:ident,
        reader: $Reader:ident,
        cookie: $Cookie:ident,
        options: $Options:ident $(,)?
    ) => {
        /// What the domain reports, and what it may hold back: statistics, stall reports, limits,
        /// and a round of background work.
        ///
        /// ```
        /// use gracepoint::stall::Limit;
        #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
        /// domain.set_limit(Limit::objects(100_000));
        /// assert!(domain.stall_report().is_none());
        /// assert_eq!(domain.stats().pending, 0);
        /// ```
        impl<const N: usize> $Domain<N> {
            /// Grace periods completed since the domain was built, and the objects (and bytes)
            /// retired and not yet freed. See [`Stats`]($crate::Stats) for what counts as a
            /// grace period, the same on every scheme.
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// domain.retire(Box::new(5u64));
            /// domain.barrier();
            /// let stats = domain.stats();
            /// assert_eq!(stats.pending, 0);
            /// assert!(stats.grace_periods >= 1);
            /// ```
            #[must_use]
            pub fn stats(&self) -> $crate::Stats {
                self.core.stats()
            }

            /// Which readers hold back the oldest grace period this domain waits for, how long
            /// it has been seen waiting, and what waits behind it; `None` when nothing waits.
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// assert!(domain.stall_report().is_none());
            /// let reader = domain.register().unwrap();
            /// let guard = reader.enter();
            /// domain.retire(Box::new(1));
            /// let report = domain.stall_report().expect("the retired object waits for the reader");
            /// println!("{report}");
            /// drop(guard);
            /// ```
            #[cfg(feature = "alloc")]
            #[must_use]
            pub fn stall_report(&self) -> Option<$crate::stall::StallReport> {
                self.core.stall_report()
            }

            /// Calls `callback` with a stall report when a grace period has waited longer than
            /// `threshold`: at most once per grace period, from whichever thread waits or
            /// collects at the time (there is no thread of the domain's own).
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// domain.on_stall(std::time::Duration::from_secs(1), |report| eprintln!("{report}"));
            /// ```
            #[cfg(feature = "std")]
            pub fn on_stall(
                &self,
                threshold: core::time::Duration,
                callback: impl Fn(&$crate::stall::StallReport) + Send + Sync + 'static,
            ) {
                self.core.on_stall(threshold, callback);
            }

            /// Caps what may wait to be freed, with a policy for when the cap is passed (see
            /// [`Limit`]($crate::stall::Limit) for exactly what is bounded, and by what).
            ///
            /// ```
            /// use gracepoint::stall::Limit;
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// domain.set_limit(Limit::objects(100_000));
            /// ```
            pub fn set_limit(&self, limit: $crate::stall::Limit) {
                self.core.set_limit(limit);
            }

            /// Installs the hook that [`Policy::Hook`]($crate::stall::Policy::Hook) calls with
            /// what waits.
            ///
            /// ```
            /// use gracepoint::stall::{Limit, Policy};
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// domain.set_limit(Limit::objects(10_000).with_policy(Policy::Hook));
            /// domain.on_limit(|pending| eprintln!("{} objects wait", pending.objects));
            /// ```
            #[cfg(feature = "alloc")]
            pub fn on_limit(&self, hook: impl Fn($crate::stall::Pending) + Send + Sync + 'static) {
                self.core.on_limit(hook);
            }

            /// One round of the work a [`BackgroundReclaimer`](gracepoint::BackgroundReclaimer)
            /// does: takes idle threads' bags, moves grace periods along and frees what
            /// expired, without waiting. Returns what still waits.
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// domain.retire(Box::new(1));
            /// while domain.reclaim_step().objects > 0 {}
            /// ```
            pub fn reclaim_step(&self) -> $crate::stall::Pending {
                self.core.reclaim_step()
            }
        }

        #[cfg(feature = "std")]
        impl<const N: usize> $crate::stall::Monitor for $Domain<N> {
            fn stats(&self) -> $crate::Stats {
                $Domain::stats(self)
            }

            fn stall_report(&self) -> Option<$crate::stall::StallReport> {
                $Domain::stall_report(self)
            }

            fn on_stall(
                &self,
                threshold: core::time::Duration,
                callback: impl Fn(&$crate::stall::StallReport) + Send + Sync + 'static,
            ) {
                $Domain::on_stall(self, threshold, callback)
            }

            fn set_limit(&self, limit: $crate::stall::Limit) {
                $Domain::set_limit(self, limit)
            }

            fn on_limit(&self, hook: impl Fn($crate::stall::Pending) + Send + Sync + 'static) {
                $Domain::on_limit(self, hook)
            }
        }

        #[cfg(all(feature = "std", not(loom)))]
        impl<const N: usize> $crate::Background for $Domain<N> {
            fn reclaim_step(&self) -> $crate::stall::Pending {
                $Domain::reclaim_step(self)
            }
        }
    };
}
