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

mod build;
mod monitor;
mod reader;
mod retire;
mod wait;

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
/// the read side (`$domain::enter`, `$reader::enter`, the guard). The parts are in this
/// module's files: building and registering (`build`), retiring (`retire`), grace periods
/// (`wait`), monitoring (`monitor`), the registered reader (`reader`), and here the `Reclaim`
/// impl.
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
        $crate::__front_build! { path: $path, domain: $Domain, guard: $Guard, reader: $Reader, cookie: $Cookie, options: $Options }
        $crate::__front_retire! { path: $path, domain: $Domain, guard: $Guard, reader: $Reader, cookie: $Cookie, options: $Options }
        $crate::__front_wait! { path: $path, domain: $Domain, guard: $Guard, reader: $Reader, cookie: $Cookie, options: $Options }
        $crate::__front_monitor! { path: $path, domain: $Domain, guard: $Guard, reader: $Reader, cookie: $Cookie, options: $Options }
        $crate::__front_reader! { path: $path, domain: $Domain, guard: $Guard, reader: $Reader, cookie: $Cookie, options: $Options }

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

            #[cfg(feature = "alloc")]
            #[inline]
            #[track_caller]
            unsafe fn retire_ptr<T: Send + 'static>(&self, unlinked: *mut T) {
                // SAFETY: the caller's promise is the one the inherent method asks for.
                unsafe { $Domain::retire_ptr(self, unlinked) }
            }

            #[inline]
            #[track_caller]
            unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
                // SAFETY: the caller's promise is the one the inherent method asks for.
                unsafe { $Domain::retire_raw(self, ptr, free) }
            }

            #[inline]
            #[track_caller]
            unsafe fn retire_raw_sized(
                &self,
                ptr: *mut (),
                free: unsafe fn(*mut ()),
                bytes: usize,
            ) {
                // SAFETY: the caller promises what `Retired::new` asks (as for `retire_raw`).
                let item = unsafe { $crate::scheme::bag::Retired::new(ptr, free) };
                self.core.retire_item(item.with_bytes(bytes));
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
    };
}
