//! The user-facing front of every scheme, written once.
//!
//! Each scheme crate is its clock, its read side and its docs. Everything else a user calls on a
//! domain (constructors, `register`, `retire`, `call`, the waits, polled grace periods,
//! `barrier`, statistics, stall reports and limits, and the `Reclaim`, `Monitor` and
//! `Background` impls) is generated here by [`domain_front!`](crate::domain_front), as inherent
//! methods with the same names, signatures, attributes and documentation on every scheme, each
//! forwarding to one generic implementation on [`Core`](crate::scheme::Core). This is how std
//! writes the integer types' methods once: rustdoc shows each scheme's methods as its own, and
//! every example is compiled and run once per scheme, with that scheme's names.

/// Writes a scheme's user-facing front (see the module docs). Invoked once per scheme crate:
///
/// ```ignore
/// gracepoint_reclaim::domain_front! {
///     path: "gracepoint::srcu",        // where users find the scheme, for the examples
///     domain: Srcu,                    // struct Srcu<const N: usize = 0> { core: Core<_, N>, .. }
///     guard: SrcuGuard,                // what `Srcu::enter` returns (written by the scheme)
///     reader: SrcuReader,              // struct SrcuReader<'a, const N> { domain, claim }
///     cookie: Cookie,                  // the clock's tag type
///     options: Options,                // with a const `Options::DEFAULT`
/// }
/// ```
///
/// The scheme provides `$domain::from_options(Options) -> Self` (a `const fn` outside loom) and
/// the read side (`$domain::enter`, `$reader::enter`, the guard).
#[doc(hidden)]
#[macro_export]
macro_rules! domain_front {
    (
        path: $path:literal,
        domain: $Domain:ident,
        guard: $Guard:ident,
        reader: $Reader:ident,
        cookie: $Cookie:ident,
        options: $Options:ident $(,)?
    ) => {
        /// Domains whose reader slots all live in growable segments (with `alloc`).
        #[cfg(feature = "alloc")]
        impl $Domain<0> {
            $crate::const_fn_unless_loom! {
                /// A domain with the default options whose reader slots grow on demand. `const`,
                /// so it can initialise a `static`; it allocates nothing until a reader first
                /// takes a slot or something is retired.
                ///
                /// ```
                #[doc = concat!("use ", $path, "::", stringify!($Domain), ";")]
                #[doc = concat!("static DOMAIN: ", stringify!($Domain), " = ", stringify!($Domain), "::new();")]
                /// drop(DOMAIN.enter());
                /// DOMAIN.synchronize();
                /// ```
                #[must_use]
                pub fn new() -> Self {
                    Self::from_options($Options::DEFAULT)
                }
            }

            $crate::const_fn_unless_loom! {
                /// A domain with `options` whose reader slots grow on demand. `const`, like
                #[doc = concat!("[`new`](", stringify!($Domain), "::new).")]
                ///
                /// ```
                #[doc = concat!("use ", $path, "::{", stringify!($Domain), ", Options};")]
                #[doc = concat!("let domain = ", stringify!($Domain), "::with_options(Options::DEFAULT);")]
                /// drop(domain.enter());
                /// ```
                #[must_use]
                pub fn with_options(options: $Options) -> Self {
                    Self::from_options(options)
                }
            }
        }

        #[cfg(feature = "alloc")]
        impl Default for $Domain<0> {
            /// The same as
            #[doc = concat!("[`", stringify!($Domain), "::new`].")]
            ///
            /// ```
            #[doc = concat!("let domain: ", $path, "::", stringify!($Domain), " = Default::default();")]
            /// drop(domain.enter());
            /// ```
            fn default() -> Self {
                Self::new()
            }
        }

        /// Building a domain, and the user-facing operations: the same names and signatures on
        /// every scheme.
        ///
        /// ```
        #[doc = concat!("use ", $path, "::", stringify!($Domain), ";")]
        /// use std::sync::atomic::{AtomicPtr, Ordering};
        ///
        #[doc = concat!("static DOMAIN: ", stringify!($Domain), " = ", stringify!($Domain), "::new();")]
        /// let shared = AtomicPtr::new(Box::into_raw(Box::new(1u64)));
        /// {
        ///     let _guard = DOMAIN.enter();
        ///     // SAFETY: the guard keeps whatever it loads alive until it drops.
        ///     assert_eq!(unsafe { *shared.load(Ordering::Acquire) }, 1);
        /// }
        /// let old = shared.swap(Box::into_raw(Box::new(2u64)), Ordering::AcqRel);
        /// // SAFETY: `old` is unlinked; only sections that began before the swap can hold it.
        /// DOMAIN.retire(unsafe { Box::from_raw(old) });
        /// DOMAIN.barrier();
        /// # drop(unsafe { Box::from_raw(shared.load(Ordering::Relaxed)) });
        /// ```
        impl<const N: usize> $Domain<N> {
            $crate::const_fn_unless_loom! {
                /// A domain with the default options and `N` reader slots inline, so that it
                /// needs no allocator and can live in a `static` in a `no_std` build. With
                /// `alloc`, readers past `N` get slots from growable segments; without it, a
                #[doc = concat!("full array makes [`register`](", stringify!($Domain), "::register)")]
                /// return [`SlotsFull`]($crate::SlotsFull) and `enter` panic, saying so.
                ///
                /// ```
                #[doc = concat!("use ", $path, "::", stringify!($Domain), ";")]
                #[doc = concat!("static DOMAIN: ", stringify!($Domain), "<4> = ", stringify!($Domain), "::new_fixed();")]
                /// let reader = DOMAIN.register().unwrap();
                /// drop(reader.enter());
                /// DOMAIN.synchronize();
                /// ```
                #[must_use]
                pub fn new_fixed() -> Self {
                    Self::from_options($Options::DEFAULT)
                }
            }

            $crate::const_fn_unless_loom! {
                #[doc = concat!("[`new_fixed`](", stringify!($Domain), "::new_fixed) with `options`.")]
                ///
                /// ```
                #[doc = concat!("use ", $path, "::{", stringify!($Domain), ", Options};")]
                #[doc = concat!("static DOMAIN: ", stringify!($Domain), "<2> = ", stringify!($Domain), "::fixed_with_options(Options::DEFAULT);")]
                /// drop(DOMAIN.register().unwrap().enter());
                /// ```
                #[must_use]
                pub fn fixed_with_options(options: $Options) -> Self {
                    Self::from_options(options)
                }
            }

            /// Takes a reader slot for the caller's exclusive use until the reader drops: its
            /// sections need no slot lookup, and its retires go through its own bag. The way to
            /// read in a `no_std` build, and the cheapest way anywhere. Fails with
            /// [`SlotsFull`]($crate::SlotsFull) when a fixed-size domain (without `alloc`) has
            /// no free slot left.
            ///
            /// ```
            #[doc = concat!("let domain = ", $path, "::", stringify!($Domain), "::new();")]
            /// let reader = domain.register()?;
            /// let guard = reader.enter();
            /// reader.retire(Box::new(7u32));
            /// drop(guard);
            /// domain.barrier();
            /// # Ok::<(), gracepoint::SlotsFull>(())
            /// ```
            pub fn register(&self) -> Result<$Reader<'_, N>, $crate::SlotsFull> {
                Ok($Reader {
                    domain: self,
                    claim: self.core.slots().claim()?,
                })
            }

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

        // SAFETY: every method forwards to the shared core, whose clock keeps the grace-period
        // guarantee (the scheme's `Clock` impl argues it), and the guard is the scheme's read
        // section.
        unsafe impl<const N: usize> $crate::Reclaim for $Domain<N> {
            type Guard<'a> = $Guard<'a, N>;
            type Cookie = $Cookie;

            #[inline(always)]
            #[track_caller]
            fn enter(&self) -> $Guard<'_, N> {
                $Domain::enter(self)
            }

            #[cfg(feature = "alloc")]
            #[inline]
            #[track_caller]
            fn retire<T: Send + 'static>(&self, boxed: $crate::__private::Box<T>) {
                $Domain::retire(self, boxed)
            }

            #[inline]
            #[track_caller]
            unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
                // SAFETY: the caller's promise is the one the inherent method asks for.
                unsafe { $Domain::retire_raw(self, ptr, free) }
            }

            #[cfg(feature = "alloc")]
            #[inline]
            #[track_caller]
            fn call<F: FnOnce() + Send + 'static>(&self, callback: F) {
                $Domain::call(self, callback)
            }

            #[track_caller]
            fn synchronize(&self) {
                $Domain::synchronize(self)
            }

            #[track_caller]
            fn barrier(&self) {
                $Domain::barrier(self)
            }

            fn start_poll(&self) -> $Cookie {
                $Domain::start_poll(self)
            }

            #[inline]
            fn poll(&self, cookie: &$Cookie) -> bool {
                $Domain::poll(self, cookie)
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
