//! The atomics shim: every scheme takes its atomics, fences and spin hints from here.
//!
//! Under `cfg(loom)` the names resolve to `loom`'s instrumented types, otherwise to `core`'s. The
//! loom models in `loom-tests` therefore exercise the code that ships, not a copy of it.
//!
//! Two rules follow from what loom can model (see `DESIGN.md`):
//! - every ordering point that matters is an explicit [`fence`]`(SeqCst)`; loom treats `SeqCst`
//!   loads, stores and read-modify-writes as acquire/release only;
//! - the light half of an asymmetric fence ([`light_fence`]) is a compiler fence in real builds
//!   and a full fence under loom, because loom cannot model `membarrier`.
//!
//! ```
//! # use gracepoint_reclaim as gracepoint;
//! use gracepoint::sync::{fence, AtomicU64, Ordering};
//! let x = AtomicU64::new(1);
//! x.store(2, Ordering::Relaxed);
//! fence(Ordering::SeqCst);
//! assert_eq!(x.load(Ordering::Relaxed), 2);
//! ```

#[cfg(not(loom))]
pub use core::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
};
#[cfg(loom)]
pub use loom::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering, fence,
};

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

    pub struct SpinGuard<'a, T>(&'a SpinLock<T>);

    impl<T> SpinLock<T> {
        pub const fn new(value: T) -> Self {
            Self {
                locked: AtomicBool::new(false),
                value: UnsafeCell::new(value),
            }
        }

        pub fn lock(&self) -> SpinGuard<'_, T> {
            loop {
                // Acquire pairs with the Release in `SpinGuard::drop`: the previous holder's
                // writes to `value` are visible to the next one.
                if self
                    .locked
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
                {
                    return SpinGuard(self);
                }
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
            unsafe { &*self.0.value.get() }
        }
    }

    impl<T> DerefMut for SpinGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: the guard proves the lock is held.
            unsafe { &mut *self.0.value.get() }
        }
    }

    impl<T> Drop for SpinGuard<'_, T> {
        fn drop(&mut self) {
            self.0.locked.store(false, Ordering::Release);
        }
    }
}
