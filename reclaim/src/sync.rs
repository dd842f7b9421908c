//! The atomics shim: every scheme takes its atomics, fences and spin hints from here.
//!
//! Under `cfg(loom)` the names resolve to `loom`'s instrumented types; with the `portable-atomic`
//! feature to the `portable-atomic` crate's (for targets without compare-and-swap, such as
//! `thumbv6m-none-eabi`); otherwise to `core`'s. The loom models in `loom-tests` therefore
//! exercise the code that ships, not a copy of it.
//!
//! Two rules follow from what loom can model (see `DESIGN.md`):
//! - every ordering point that matters is an explicit [`fence`]`(SeqCst)`; loom treats `SeqCst`
//!   loads, stores and read-modify-writes as acquire/release only;
//! - the light half of an asymmetric fence ([`light_fence`]) is a compiler fence in real builds
//!   and a full fence under loom, because loom cannot model `membarrier`.
//!
//! # Counter width
//! Every grace-period sequence, reader count and bag tag the schemes keep in an atomic is a
//! [`Count`], held in an [`AtomicCount`]: 64 bits where the target has 64-bit atomics, 32 bits
//! where it does not (`thumbv7em-none-eabihf`, `riscv32imac-unknown-none-elf`,
//! `thumbv6m-none-eabi`), and 32 bits on any target under the test configuration
//! `--cfg reclaim_seq32`, which runs the whole suite and the loom models with the narrow
//! counters. Every comparison of these values is wrap-safe ([`crate::scheme::seq`]); what keeps
//! each scheme's values within comparable distance is argued in its docs (`docs/srcu.md`,
//! `docs/gus.md`, `docs/epoch.md`, `docs/embedded.md`). [`AtomicU64`] itself is offered only
//! where the target has it.
//!
//! ```
//! # use gracepoint_reclaim as gracepoint;
//! use gracepoint::sync::{fence, AtomicCount, Count, Ordering};
//! let x = AtomicCount::new(Count::MAX);
//! x.fetch_add(2, Ordering::Relaxed); // wraps, whatever the width
//! fence(Ordering::SeqCst);
//! assert_eq!(x.load(Ordering::Relaxed), 1);
//! ```

#[cfg(all(
    not(loom),
    not(feature = "portable-atomic"),
    not(target_has_atomic = "ptr")
))]
compile_error!(
    "gracepoint: this target has no atomic compare-and-swap (for example thumbv6m-none-eabi, \
     Cortex-M0/M0+). Turn on the `critical-section` feature of the gracepoint crate you depend \
     on (it implies `portable-atomic`) and link one critical-section implementation (on a \
     single-core Cortex-M: cortex-m's `critical-section-single-core` feature), or turn on \
     `portable-atomic` and build with `--cfg portable_atomic_unsafe_assume_single_core`; see \
     docs/embedded.md"
);

#[cfg(all(not(loom), not(feature = "portable-atomic"), target_has_atomic = "64"))]
pub use core::sync::atomic::AtomicU64;
#[cfg(all(not(loom), not(feature = "portable-atomic")))]
pub use core::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicUsize, Ordering, fence,
};
#[cfg(loom)]
pub use loom::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
};
#[cfg(all(not(loom), feature = "portable-atomic", target_has_atomic = "64"))]
pub use portable_atomic::AtomicU64;
#[cfg(all(not(loom), feature = "portable-atomic"))]
pub use portable_atomic::{
    AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicUsize, Ordering, fence,
};

/// The schemes' counter, sequence and tag type: `u64` where the target has 64-bit atomics,
/// `u32` where it does not and under `--cfg reclaim_seq32` (see the module docs).
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::sync::Count;
/// let before_wrap = Count::MAX;
/// assert_eq!(before_wrap.wrapping_add(1), 0);
/// assert!(Count::BITS == 32 || Count::BITS == 64);
/// ```
#[cfg(all(target_has_atomic = "64", not(reclaim_seq32)))]
pub type Count = u64;
/// The schemes' counter, sequence and tag type: `u64` where the target has 64-bit atomics,
/// `u32` where it does not and under `--cfg reclaim_seq32` (see the module docs).
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::sync::Count;
/// let before_wrap = Count::MAX;
/// assert_eq!(before_wrap.wrapping_add(1), 0);
/// assert!(Count::BITS == 32 || Count::BITS == 64);
/// ```
#[cfg(not(all(target_has_atomic = "64", not(reclaim_seq32))))]
pub type Count = u32;

/// The atomic that holds a [`Count`]: [`AtomicU64`] or [`AtomicU32`].
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::sync::{AtomicCount, Ordering};
/// let locks = AtomicCount::new(0);
/// locks.fetch_add(1, Ordering::Relaxed);
/// assert_eq!(locks.load(Ordering::Relaxed), 1);
/// ```
#[cfg(all(target_has_atomic = "64", not(reclaim_seq32)))]
pub type AtomicCount = AtomicU64;
/// The atomic that holds a [`Count`]: [`AtomicU64`] or [`AtomicU32`].
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::sync::{AtomicCount, Ordering};
/// let locks = AtomicCount::new(0);
/// locks.fetch_add(1, Ordering::Relaxed);
/// assert_eq!(locks.load(Ordering::Relaxed), 1);
/// ```
#[cfg(not(all(target_has_atomic = "64", not(reclaim_seq32))))]
pub type AtomicCount = AtomicU32;

/// An atomic that holds a clock tag's bits ([`Clock::bits`](crate::scheme::Clock::bits), a
/// `u64` that fits in a [`Count`]) for "has the frontier moved" checks: an [`AtomicCount`] that
/// loads and stores `u64`, so that code comparing bits reads the same at every width.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::sync::{AtomicBits, Ordering};
/// let last = AtomicBits::new(0);
/// last.store(7, Ordering::Relaxed);
/// assert_eq!(last.load(Ordering::Relaxed), 7);
/// ```
#[derive(Debug, Default)]
#[doc(hidden)]
pub struct AtomicBits(AtomicCount);

/// Loads and stores in `u64`.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// let bits = gracepoint::sync::AtomicBits::new(u64::from(u32::MAX));
/// assert_eq!(bits.load(gracepoint::sync::Ordering::Relaxed), u64::from(u32::MAX));
/// ```
impl AtomicBits {
    crate::const_fn_unless_loom! {
        /// Holds `bits`.
        ///
        /// ```
        /// # use gracepoint_reclaim as gracepoint;
        /// static LAST: gracepoint::sync::AtomicBits = gracepoint::sync::AtomicBits::new(0);
        /// # let _ = &LAST;
        /// ```
        pub fn new(bits: u64) -> Self {
            Self(AtomicCount::new(bits as Count))
        }
    }

    /// The bits last stored.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let bits = gracepoint::sync::AtomicBits::new(3);
    /// assert_eq!(bits.load(gracepoint::sync::Ordering::Acquire), 3);
    /// ```
    #[inline]
    pub fn load(&self, order: Ordering) -> u64 {
        #[allow(clippy::useless_conversion)] // u64 from u64 on wide targets
        u64::from(self.0.load(order))
    }

    /// Stores `bits`, which a tag of a [`Count`]-wide clock always fits.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let bits = gracepoint::sync::AtomicBits::new(3);
    /// bits.store(4, gracepoint::sync::Ordering::Release);
    /// assert_eq!(bits.load(gracepoint::sync::Ordering::Acquire), 4);
    /// ```
    #[inline]
    pub fn store(&self, bits: u64, order: Ordering) {
        debug_assert!(
            Count::try_from(bits).is_ok(),
            "a tag's bits ({bits:#x}) are wider than the counters ({} bits)",
            Count::BITS
        );
        self.0.store(bits as Count, order)
    }
}

/// The reader half of an asymmetric fence.
///
/// In real builds this only stops the compiler from moving memory accesses across it; the
/// writer makes up for the missing hardware fence with [`crate::scheme::membarrier::heavy`]. Under loom,
/// which cannot model `membarrier`, it is a real `fence(SeqCst)`, so the models check the
/// algorithm with symmetric fences only.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// gracepoint::sync::light_fence();
/// ```
#[inline(always)]
#[doc(hidden)]
pub fn light_fence() {
    #[cfg(not(loom))]
    core::sync::atomic::compiler_fence(Ordering::SeqCst);
    #[cfg(loom)]
    fence(Ordering::SeqCst);
}

/// One step of a busy-wait loop: a CPU spin hint, or a yield to the loom scheduler.
///
/// Loom explores only the interleavings a thread allows; a spin loop that never yields would
/// make the model run forever, so under loom this yields.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// gracepoint::sync::spin_hint();
/// ```
#[inline]
#[doc(hidden)]
pub fn spin_hint() {
    #[cfg(not(loom))]
    core::hint::spin_loop();
    #[cfg(loom)]
    loom::thread::yield_now();
}

/// `UnsafeCell` from loom under `cfg(loom)`, so that loom can also check plain data accesses.
///
/// Only [`with`](UnsafeCell::with) and [`with_mut`](UnsafeCell::with_mut) are offered, the
/// intersection of both implementations.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// let cell = gracepoint::sync::UnsafeCell::new(5);
/// assert_eq!(cell.with(|p| unsafe { *p }), 5);
/// ```
#[cfg(not(loom))]
#[derive(Debug)]
pub struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

/// Access through closures, the form loom's cell also offers.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// let cell = gracepoint::sync::UnsafeCell::new(vec![1]);
/// // SAFETY: no other access to the cell runs at the same time.
/// cell.with_mut(|v| unsafe { (*v).push(2) });
/// assert_eq!(cell.with(|v| unsafe { (*v).len() }), 2);
/// ```
#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    /// Wraps `value`.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let _ = gracepoint::sync::UnsafeCell::new(0u8);
    /// ```
    pub const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a shared raw pointer to the contents.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let cell = gracepoint::sync::UnsafeCell::new(1);
    /// assert_eq!(cell.with(|p| unsafe { *p }), 1);
    /// ```
    #[inline]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a mutable raw pointer to the contents.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let cell = gracepoint::sync::UnsafeCell::new(1);
    /// cell.with_mut(|p| unsafe { *p = 2 });
    /// assert_eq!(cell.with(|p| unsafe { *p }), 2);
    /// ```
    #[inline]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

#[cfg(loom)]
pub use loom::cell::UnsafeCell;

/// A value that only the owner of the slot it sits in reads and writes.
///
/// Slots have one owner at a time (a thread through its id, or a registered handle), and
/// ownership passes with synchronization (the id pool's lock, a claim flag, moving the handle),
/// so plain accesses never race. The cell is built on this module's [`UnsafeCell`], so under
/// loom every access is checked for exactly that.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// let cell = gracepoint::sync::OwnerCell::new(1u32);
/// // SAFETY: this example is the only owner.
/// unsafe { cell.set(cell.get() + 1) };
/// assert_eq!(unsafe { cell.get() }, 2);
/// ```
#[derive(Debug)]
#[doc(hidden)]
pub struct OwnerCell<T: Copy>(UnsafeCell<T>);

// SAFETY: accesses are confined to the slot's owner by the `unsafe` contracts of `get`/`set`.
unsafe impl<T: Copy + Send> Sync for OwnerCell<T> {}

/// Building the cell, and the owner's reads and writes.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::sync::OwnerCell;
/// static SEALS: OwnerCell<u32> = OwnerCell::new(0);
/// // SAFETY: this example is the only thread that touches the cell.
/// unsafe { SEALS.set(SEALS.get().wrapping_add(1)) };
/// assert_eq!(unsafe { SEALS.get() }, 1);
/// ```
impl<T: Copy> OwnerCell<T> {
    crate::const_fn_unless_loom! {
        /// A cell holding `value`.
        ///
        /// ```
        /// # use gracepoint_reclaim as gracepoint;
        /// let _ = gracepoint::sync::OwnerCell::new(0u8);
        /// ```
        pub fn new(value: T) -> Self {
            Self(UnsafeCell::new(value))
        }
    }

    /// The value.
    ///
    /// # Safety
    /// The caller owns the slot the cell belongs to.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let cell = gracepoint::sync::OwnerCell::new(5u8);
    /// assert_eq!(unsafe { cell.get() }, 5);
    /// ```
    #[inline(always)]
    pub unsafe fn get(&self) -> T {
        // SAFETY: the owner is the only thread touching the cell.
        self.0.with(|p| unsafe { *p })
    }

    /// Replaces the value.
    ///
    /// # Safety
    /// The caller owns the slot the cell belongs to.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let cell = gracepoint::sync::OwnerCell::new(5u8);
    /// unsafe { cell.set(6) };
    /// assert_eq!(unsafe { cell.get() }, 6);
    /// ```
    #[inline(always)]
    pub unsafe fn set(&self, value: T) {
        // SAFETY: the owner is the only thread touching the cell.
        self.0.with_mut(|p| unsafe { *p = value })
    }
}

/// Declares a constructor that is `const` in real builds and a plain `fn` under loom, whose
/// atomics cannot be built in a constant.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::sync::AtomicU64;
/// struct Counter(AtomicU64);
/// impl Counter {
///     gracepoint::const_fn_unless_loom! {
///         /// A counter at zero.
///         pub fn new() -> Self { Counter(AtomicU64::new(0)) }
///     }
/// }
/// static C: Counter = Counter::new();
/// # let _ = &C;
/// ```
#[macro_export]
#[doc(hidden)]
macro_rules! const_fn_unless_loom {
    ($(#[$meta:meta])* $vis:vis fn $name:ident $($rest:tt)*) => {
        #[cfg(not(loom))]
        $(#[$meta])* $vis const fn $name $($rest)*
        #[cfg(loom)]
        $(#[$meta])* $vis fn $name $($rest)*
    };
}

/// A mutual-exclusion lock for short critical sections inside the core.
///
/// `parking_lot`'s under `std`, loom's under `cfg(loom)`, and a plain spin lock in `no_std`
/// builds (where nothing else is available and sections are a handful of instructions long).
/// With the `critical-section` feature the `no_std` lock also holds a critical section while
/// it is held, so that on one core an interrupt handler can never spin on a lock that the code
/// it interrupted holds (guards must then drop in the reverse order of taking, as critical
/// sections nest).
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// let m = gracepoint::sync::Mutex::new(1);
/// *m.lock() += 1;
/// assert_eq!(*m.lock(), 2);
/// ```
#[doc(hidden)]
pub struct Mutex<T> {
    #[cfg(loom)]
    inner: loom::sync::Mutex<T>,
    #[cfg(all(not(loom), feature = "std"))]
    inner: parking_lot::Mutex<T>,
    #[cfg(all(not(loom), not(feature = "std")))]
    inner: spin::SpinLock<T>,
}

/// The guard of a [`Mutex`]: the lock is held until it drops.
#[cfg(loom)]
#[doc(hidden)]
pub type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;
/// The guard of a [`Mutex`]: the lock is held until it drops.
#[cfg(all(not(loom), feature = "std"))]
#[doc(hidden)]
pub type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;
/// The guard of a [`Mutex`]: the lock is held until it drops.
#[cfg(all(not(loom), not(feature = "std")))]
#[doc(hidden)]
pub type MutexGuard<'a, T> = spin::SpinGuard<'a, T>;

/// Building the lock, taking it, and reaching the contents without it through `&mut`.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::sync::Mutex;
/// let counter = Mutex::new(0);
/// std::thread::scope(|s| {
///     for _ in 0..2 {
///         s.spawn(|| *counter.lock() += 1);
///     }
/// });
/// assert_eq!(*counter.lock(), 2);
/// let mut counter = counter;
/// *counter.get_mut() = 0;
/// assert_eq!(*counter.lock(), 0);
/// ```
impl<T> Mutex<T> {
    crate::const_fn_unless_loom! {
        /// An unlocked mutex holding `value`.
        ///
        /// ```
        /// # use gracepoint_reclaim as gracepoint;
        /// static M: gracepoint::sync::Mutex<u32> = gracepoint::sync::Mutex::new(0);
        /// assert_eq!(*M.lock(), 0);
        /// ```
        pub fn new(value: T) -> Self {
            Self {
                #[cfg(loom)]
                inner: loom::sync::Mutex::new(value),
                #[cfg(all(not(loom), feature = "std"))]
                inner: parking_lot::Mutex::new(value),
                #[cfg(all(not(loom), not(feature = "std")))]
                inner: spin::SpinLock::new(value),
            }
        }
    }

    /// Takes the lock, waiting for it if another thread holds it.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let m = gracepoint::sync::Mutex::new(vec![1]);
    /// m.lock().push(2);
    /// assert_eq!(m.lock().len(), 2);
    /// ```
    #[inline]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        #[cfg(loom)]
        return self.inner.lock().unwrap();
        #[cfg(not(loom))]
        return self.inner.lock();
    }

    /// Gives the contents through exclusive access, without locking.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let mut m = gracepoint::sync::Mutex::new(1);
    /// *m.get_mut() = 3;
    /// assert_eq!(*m.lock(), 3);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        #[cfg(loom)]
        return self.inner.get_mut().unwrap();
        #[cfg(not(loom))]
        return self.inner.get_mut();
    }
}

#[cfg(all(not(loom), not(feature = "std")))]
mod spin {
    //! A minimal test-and-test-and-set lock for builds with no operating system underneath.
    use super::{AtomicBool, Ordering};
    use core::cell::UnsafeCell;
    use core::ops::{Deref, DerefMut};

    pub struct SpinLock<T> {
        locked: AtomicBool,
        value: UnsafeCell<T>,
    }

    // SAFETY: the lock hands out access to `value` to one thread at a time.
    unsafe impl<T: Send> Sync for SpinLock<T> {}
    unsafe impl<T: Send> Send for SpinLock<T> {}

    pub struct SpinGuard<'a, T> {
        lock: &'a SpinLock<T>,
        /// The critical section held with the lock (interrupts masked on one core).
        #[cfg(feature = "critical-section")]
        restore: critical_section::RestoreState,
    }

    impl<T> SpinLock<T> {
        pub const fn new(value: T) -> Self {
            Self {
                locked: AtomicBool::new(false),
                value: UnsafeCell::new(value),
            }
        }

        pub fn lock(&self) -> SpinGuard<'_, T> {
            loop {
                // SAFETY: released in `SpinGuard::drop`, or below when the lock is taken.
                #[cfg(feature = "critical-section")]
                let restore = unsafe { critical_section::acquire() };
                // Acquire pairs with the Release in `SpinGuard::drop`: the previous holder's
                // writes to `value` are visible to the next one.
                if self
                    .locked
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return SpinGuard {
                        lock: self,
                        #[cfg(feature = "critical-section")]
                        restore,
                    };
                }
                // Held on another core: let interrupts in while waiting for it.
                // SAFETY: the state `acquire` returned just above, released once.
                #[cfg(feature = "critical-section")]
                unsafe {
                    critical_section::release(restore)
                };
                while self.locked.load(Ordering::Relaxed) {
                    core::hint::spin_loop();
                }
            }
        }

        pub fn get_mut(&mut self) -> &mut T {
            self.value.get_mut()
        }
    }

    impl<T> Deref for SpinGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            // SAFETY: the guard proves the lock is held.
            unsafe { &*self.lock.value.get() }
        }
    }

    impl<T> DerefMut for SpinGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: the guard proves the lock is held.
            unsafe { &mut *self.lock.value.get() }
        }
    }

    impl<T> Drop for SpinGuard<'_, T> {
        fn drop(&mut self) {
            self.lock.locked.store(false, Ordering::Release);
            // SAFETY: the state taken with the lock, released once, after the lock.
            #[cfg(feature = "critical-section")]
            unsafe {
                critical_section::release(self.restore)
            };
        }
    }
}
