//! A read-mostly shared pointer (an RCU-style configuration object), written once against
//! [`Reclaim`]: readers load it inside a read section; writers publish a new value and either
//! retire the old one ([`Swap::replace`]) or wait for a grace period and free it themselves
//! ([`Swap::replace_sync`], the writer of liburcu's `test_urcu` benchmark).
//!
//! ```
//! use benches::swap::Swap;
//! let config = Swap::new(peers::CrossbeamEpoch, 1u64);
//! assert_eq!(config.read(|v| *v), 1);
//! config.replace(2);
//! config.replace_sync(3);
//! assert_eq!(config.read(|v| *v), 3);
//! ```

use core::sync::atomic::{AtomicPtr, Ordering};

use reclaim::Reclaim;

#[cfg(debug_assertions)]
const ALIVE: u64 = 0x5AFE_5AFE_5AFE_5AFE;
#[cfg(debug_assertions)]
const POISON: u64 = 0xDEAD_DEAD_DEAD_DEAD;

struct Boxed<T> {
    #[cfg(debug_assertions)]
    canary: u64,
    value: T,
}

impl<T> Drop for Boxed<T> {
    fn drop(&mut self) {
        #[cfg(debug_assertions)]
        {
            assert_eq!(self.canary, ALIVE, "bench swap: value freed twice");
            // SAFETY: plain write through `&mut self`; volatile so it is not optimised away.
            unsafe { core::ptr::write_volatile(&mut self.canary, POISON) };
        }
    }
}

fn boxed<T>(value: T) -> *mut Boxed<T> {
    Box::into_raw(Box::new(Boxed {
        #[cfg(debug_assertions)]
        canary: ALIVE,
        value,
    }))
}

/// A shared, replaceable value protected by the domain `R`.
///
/// ```
/// use benches::swap::Swap;
/// let config = Swap::new(peers::Seize::new(), String::from("a"));
/// std::thread::scope(|s| {
///     s.spawn(|| config.read(|v| assert!(!v.is_empty())));
///     config.replace(String::from("b"));
/// });
/// ```
pub struct Swap<T, R: Reclaim> {
    current: AtomicPtr<Boxed<T>>,
    domain: R,
}

// SAFETY: the value is shared by reference between threads (`T: Sync`) and dropped by whichever
// thread frees it (`T: Send`).
unsafe impl<T: Send + Sync, R: Reclaim> Sync for Swap<T, R> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync, R: Reclaim> Send for Swap<T, R> {}

impl<T: Send + Sync + 'static, R: Reclaim> Swap<T, R> {
    /// A shared pointer holding `value`.
    ///
    /// ```
    /// let config = benches::swap::Swap::new(peers::CrossbeamEpoch, 0u8);
    /// # drop(config);
    /// ```
    pub fn new(domain: R, value: T) -> Self {
        Self {
            current: AtomicPtr::new(boxed(value)),
            domain,
        }
    }

    /// The reclamation domain.
    ///
    /// ```
    /// use reclaim::Reclaim;
    /// let config = benches::swap::Swap::new(peers::CrossbeamEpoch, 0u8);
    /// config.domain().synchronize();
    /// ```
    pub fn domain(&self) -> &R {
        &self.domain
    }

    /// Calls `f` on the current value inside a read section.
    ///
    /// ```
    /// let config = benches::swap::Swap::new(peers::CrossbeamEpoch, 5u32);
    /// assert_eq!(config.read(|v| v * 2), 10);
    /// ```
    #[inline]
    pub fn read<U>(&self, f: impl FnOnce(&T) -> U) -> U {
        let _guard = self.domain.enter();
        // SAFETY: the pointer is never null, and the object it names is freed only after a
        // grace period that this section (begun before the load) holds back.
        let current = unsafe { &*self.current.load(Ordering::Acquire) };
        #[cfg(debug_assertions)]
        assert_eq!(current.canary, ALIVE, "bench swap: use of a freed value");
        f(&current.value)
    }

    /// Publishes `value` and retires the previous one.
    ///
    /// ```
    /// let config = benches::swap::Swap::new(peers::CrossbeamEpoch, 1u32);
    /// config.replace(2);
    /// assert_eq!(config.read(|v| *v), 2);
    /// ```
    pub fn replace(&self, value: T) {
        let old = self.current.swap(boxed(value), Ordering::AcqRel);
        // SAFETY: `old` is unlinked, came from `boxed`, and only this call retires it.
        unsafe { self.domain.retire_ptr(old) };
    }

    /// Publishes `value`, waits for a grace period with `synchronize`, and frees the previous
    /// value itself.
    ///
    /// ```
    /// let config = benches::swap::Swap::new(peers::CrossbeamEpoch, 1u32);
    /// config.replace_sync(2);
    /// assert_eq!(config.read(|v| *v), 2);
    /// ```
    pub fn replace_sync(&self, value: T) {
        let old = self.current.swap(boxed(value), Ordering::AcqRel);
        self.domain.synchronize();
        // SAFETY: unlinked, and every section that could have loaded it has ended.
        drop(unsafe { Box::from_raw(old) });
    }
}

impl<T, R: Reclaim> Drop for Swap<T, R> {
    fn drop(&mut self) {
        // SAFETY: exclusive access; the current value is owned by the pointer.
        drop(unsafe { Box::from_raw(*self.current.get_mut()) });
    }
}

impl<T, R: Reclaim> core::fmt::Debug for Swap<T, R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Swap").finish_non_exhaustive()
    }
}
