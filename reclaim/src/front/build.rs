//! Building a domain, and registering readers.

#[doc(hidden)]
#[macro_export]
macro_rules! __front_build {
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

        /// Fixed-size domains (a `static` with no allocator), and registered readers.
        ///
        /// ```
        #[doc = concat!("static DOMAIN: ", $path, "::", stringify!($Domain), "<2> = ", $path, "::", stringify!($Domain), "::new_fixed();")]
        /// let reader = DOMAIN.register().unwrap();
        /// drop(reader.enter());
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

            /// The read side this domain runs: the [`Flavor`]($crate::Flavor) its options
            /// asked for, except that [`Fast`]($crate::Flavor::Fast) runs as
            /// [`Fenced`]($crate::Flavor::Fenced) where the kernel refuses `membarrier` (or
            /// without `std`). Resolved once, on first use.
            ///
            /// ```
            /// use gracepoint::Flavor;
            #[doc = concat!("use ", $path, "::{", stringify!($Domain), ", Options};")]
            #[doc = concat!("let fenced = ", stringify!($Domain), "::with_options(Options::DEFAULT.flavor(Flavor::Fenced));")]
            /// assert_eq!(fenced.flavor(), Flavor::Fenced);
            #[doc = concat!("let fast = ", stringify!($Domain), "::with_options(Options::DEFAULT.flavor(Flavor::Fast));")]
            /// // Fast as the kernel allows, resolved once for the process: every domain that asks
            /// // for Fast runs the same read side.
            #[doc = concat!("let again = ", stringify!($Domain), "::with_options(Options::DEFAULT.flavor(Flavor::Fast));")]
            /// assert_eq!(fast.flavor(), again.flavor());
            /// ```
            pub fn flavor(&self) -> $crate::Flavor {
                use $crate::scheme::Clock as _;
                self.core.clock().flavor()
            }
        }
    };
}
