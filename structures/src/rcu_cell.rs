//! [`RcuCell`]: a read-mostly shared value (a configuration, a routing table, a schema) that
//! readers load without locks and writers replace, with no `unsafe` for its user.
//!
//! # Algorithm
//! The cell is one atomic pointer to a heap `T`, never null. A load enters a read section of
//! the cell's domain and loads the pointer; the returned [`RcuRef`] holds both, so the value
//! stays valid while it is held. A writer publishes a new box with a swap (`store`, `swap`) or
//! a compare-and-swap (`update`, `compare_and_set`), and retires the box it replaced to the
//! domain, which frees it once every section that could have loaded it has ended. This is RCU's
//! classic pointer publication; `update` is read-copy-update with retry.
//!
//! # Reclamation
//! Each box leaves the cell exactly once: the one swap or winning compare-and-swap that
//! replaced it returns it to one thread, which retires it once. The value still linked when
//! the cell drops is freed by `Drop` (or moved out by [`RcuCell::into_inner`]), which have
//! exclusive access. A writer that returns the old value ([`RcuCell::swap`], [`RcuCell::update`])
//! enters its section *before* it replaces the value, so the retire it then makes waits for that
//! section: the `RcuRef` it returns keeps the old value alive.
//!
//! # Orderings
//! | label | where | pairs with | why |
//! |---|---|---|---|
//! | **cell-P** `Release` (swap, winning CAS) | `store`, `swap`, `update`, `compare_and_set` | **cell-L** | a reader that loads the new pointer sees the value written before it was published |
//! | **cell-L** `Acquire` load | `load`, `load_in`, the first load of `update` | **cell-P** | as above |
//! | **cell-T** `Acquire` (swap, CAS, its failure) | the writers | **cell-P** of the previous writer | the writer that takes a box back sees its contents (it retires it; `update` reads it), and a failed `update` reads the box it found |
//!
//! The read sections order everything else: a value is freed only after every section that
//! could have loaded it has ended (the domain's own fences: SRCU's B and C, GUS's E, the
//! epoch's P). The loom model in `loom-tests/tests/rcu_cell.rs` runs `update` racing `update`
//! and a reader on the shipped code, and its mutant `cell_update_relaxed` (a `Relaxed`
//! publication) makes it fail.
//!
//! ```
//! use gracepoint::structures::RcuCell;
//! #[derive(Clone)]
//! struct Config { verbose: bool, level: u32 }
//! let config = RcuCell::new(Config { verbose: false, level: 1 }, gracepoint::srcu::Srcu::new());
//! std::thread::scope(|s| {
//!     s.spawn(|| assert!(config.load().level >= 1)); // a reader
//!     s.spawn(|| {
//!         config.update(|c| Config { level: c.level + 1, ..c.clone() }); // a writer
//!     });
//! });
//! assert_eq!(config.load().level, 2);
//! ```

use alloc::boxed::Box;
use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

use reclaim::Reclaim;
use reclaim::atomic::Section;
use reclaim::sync::AtomicPtr;
use reclaim::sync::Ordering::{AcqRel, Acquire, Relaxed};

/// A shared value that readers load without locks and writers replace; old values are freed
/// through the domain `R` the cell owns (a `Srcu`, an `Arc<Srcu>`, a `&'static Srcu`, ...).
///
/// Its `T` must be `Send + Sync + 'static`: readers on many threads share it, and the domain
/// drops replaced values later, on any thread, possibly after the cell is gone (a shared domain
/// outlives it).
///
/// ```
/// use gracepoint::structures::RcuCell;
/// let cell = RcuCell::new(vec![1, 2, 3], gracepoint::epoch::Epoch::new());
/// let before = cell.load(); // an `RcuRef`: a read section and a `&Vec` in one
/// cell.store(vec![4]);
/// assert_eq!(*before, [1, 2, 3]); // still valid: freed only after `before` drops
/// assert_eq!(*cell.load(), [4]);
/// ```
pub struct RcuCell<T, R: Reclaim> {
    ptr: AtomicPtr<T>,
    domain: R,
    _owns: PhantomData<Box<T>>,
}

// SAFETY: moving the cell moves the one value it owns (`T: Send`); the domain is `Send`.
unsafe impl<T: Send, R: Reclaim> Send for RcuCell<T, R> {}
// SAFETY: a shared cell gives `&T` to many threads (`T: Sync`) and hands values to the domain,
// which drops them on any thread (`T: Send`).
unsafe impl<T: Send + Sync, R: Reclaim> Sync for RcuCell<T, R> {}

/// A value loaded from an [`RcuCell`], together with the read section that keeps it alive: it
/// dereferences to the value. While it exists, the value is not freed even if a writer
/// replaces it; it also keeps a read section of the cell's domain open, which delays every
/// reclamation in that domain, so drop it soon. Not `Send`: the section ends on the thread that
/// began it.
///
/// ```
/// let cell = gracepoint::structures::RcuCell::new(String::from("v1"), gracepoint::gus::Gus::new());
/// let v1 = cell.load();
/// cell.store(String::from("v2"));
/// assert_eq!((v1.as_str(), cell.load().as_str()), ("v1", "v2"));
/// ```
pub struct RcuRef<'a, T, R: Reclaim + 'a> {
    value: NonNull<T>,
    _guard: R::Guard<'a>,
}

impl<T, R: Reclaim> core::ops::Deref for RcuRef<'_, T, R> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: loaded inside the section `_guard` holds; values are freed only through the
        // cell's domain after being replaced, so not before the guard drops.
        unsafe { self.value.as_ref() }
    }
}

impl<T: fmt::Debug, R: Reclaim> fmt::Debug for RcuRef<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display, R: Reclaim> fmt::Display for RcuRef<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Reading and replacing the value.
///
/// ```
/// use gracepoint::structures::RcuCell;
/// let cell = RcuCell::new(1u64, gracepoint::srcu::Srcu::new());
/// cell.store(2);
/// let old = cell.swap(3);
/// assert_eq!(*old, 2);
/// drop(old);
/// cell.update(|v| v * 10);
/// assert_eq!(cell.into_inner(), 30);
/// ```
impl<T: Send + Sync + 'static, R: Reclaim> RcuCell<T, R> {
    /// A cell holding `value`, whose replaced values are freed through `domain`.
    ///
    /// ```
    /// let cell = gracepoint::structures::RcuCell::new("hello", gracepoint::srcu::Srcu::new());
    /// assert_eq!(*cell.load(), "hello");
    /// ```
    pub fn new(value: T, domain: R) -> Self {
        Self {
            ptr: AtomicPtr::new(Box::into_raw(Box::new(value))),
            domain,
            _owns: PhantomData,
        }
    }

    /// The current value, in a read section that keeps it alive while the [`RcuRef`] lives.
    /// One read section (the domain's `enter`) and one load: no lock, no write to shared
    /// memory besides the section's own slot.
    ///
    /// ```
    /// let cell = gracepoint::structures::RcuCell::new([1u8; 4], gracepoint::epoch::Epoch::new());
    /// assert_eq!(cell.load().len(), 4);
    /// ```
    #[inline]
    #[must_use = "the read section ends as soon as the RcuRef drops"]
    pub fn load(&self) -> RcuRef<'_, T, R> {
        let guard = self.domain.enter();
        // cell-L: pairs with cell-P of the writer that published this pointer.
        let value = self.ptr.load(Acquire);
        RcuRef {
            // SAFETY: the cell's pointer is never null (every writer stores a box).
            value: unsafe { NonNull::new_unchecked(value) },
            _guard: guard,
        }
    }

    /// The current value, read inside a section the caller already holds (for many loads in
    /// one section: no section of its own, just the load).
    ///
    /// # Panics
    /// When `section` belongs to another domain than the cell's: it would not keep the value
    /// alive.
    ///
    /// ```
    /// use gracepoint::atomic::Section;
    /// use gracepoint::structures::RcuCell;
    /// let cell = RcuCell::new(5u32, gracepoint::gus::Gus::new());
    /// let section = Section::new(cell.domain());
    /// let total: u32 = (0..3).map(|_| *cell.load_in(&section)).sum();
    /// assert_eq!(total, 15);
    /// ```
    #[inline]
    #[track_caller]
    pub fn load_in<'g>(&self, section: &'g Section<'_, R>) -> &'g T {
        assert!(
            section.belongs_to(&self.domain),
            "RcuCell::load_in: the section belongs to another domain than the cell's, so it \
             would not keep the value alive; make it with Section::new(cell.domain())"
        );
        // Marks the section used, for its debug-build misuse check.
        let _ = section.domain();
        // cell-L: as in `load`.
        let value = self.ptr.load(Acquire);
        // SAFETY: `section` is a section of the cell's domain, begun before this load, and
        // values are freed through that domain only after being replaced.
        unsafe { &*value }
    }

    /// Replaces the value with `value`; the old one is freed after every reader that may hold
    /// it is done.
    ///
    /// ```
    /// let cell = gracepoint::structures::RcuCell::new(1, gracepoint::srcu::Srcu::new());
    /// cell.store(2);
    /// assert_eq!(*cell.load(), 2);
    /// ```
    pub fn store(&self, value: T) {
        let new = Box::into_raw(Box::new(value));
        // cell-P (Release: publishes the new value) and cell-T (Acquire: the retire hands the
        // old value's contents to the domain, which drops them).
        let old = self.ptr.swap(new, AcqRel);
        // SAFETY: the swap unlinked `old` (a box from an earlier writer) and returned it to
        // this thread alone.
        unsafe { self.domain.retire_ptr(old) };
    }

    /// Replaces the value with `value` and returns the old one, kept alive by the returned
    /// [`RcuRef`]'s section (entered before the swap).
    ///
    /// ```
    /// let cell = gracepoint::structures::RcuCell::new('a', gracepoint::gus::Gus::new());
    /// let old = cell.swap('b');
    /// assert_eq!((*old, *cell.load()), ('a', 'b'));
    /// ```
    pub fn swap(&self, value: T) -> RcuRef<'_, T, R> {
        let new = Box::into_raw(Box::new(value));
        let guard = self.domain.enter();
        // cell-P and cell-T, as in `store`.
        let old = self.ptr.swap(new, AcqRel);
        // SAFETY: unlinked by the swap, returned to this thread alone; the retire waits for
        // `guard`'s section, which began before the swap.
        unsafe { self.domain.retire_ptr(old) };
        RcuRef {
            // SAFETY: never null.
            value: unsafe { NonNull::new_unchecked(old) },
            _guard: guard,
        }
    }

    /// Read-copy-update: replaces the value `v` with `f(v)`, retrying with the newer value when
    /// another writer replaced it in between (so `f` may run more than once, and should have
    /// no side effects). Returns the value it replaced.
    ///
    /// ```
    /// let counter = gracepoint::structures::RcuCell::new(0u64, gracepoint::epoch::Epoch::new());
    /// std::thread::scope(|s| {
    ///     for _ in 0..4 {
    ///         s.spawn(|| (0..100).for_each(|_| drop(counter.update(|n| n + 1))));
    ///     }
    /// });
    /// assert_eq!(*counter.load(), 400); // no update was lost
    /// ```
    pub fn update(&self, mut f: impl FnMut(&T) -> T) -> RcuRef<'_, T, R> {
        let guard = self.domain.enter();
        // cell-L: `f` reads the value.
        let mut current = self.ptr.load(Acquire);
        // SAFETY: loaded in `guard`'s section; never null.
        let mut new = Box::new(f(unsafe { &*current }));
        loop {
            let candidate = Box::into_raw(new);
            // cell-P on success: Release publishes `f`'s result (the mutant brings back a
            // Relaxed publication, which the loom model catches). cell-T: Acquire on success
            // (the old box is retired) and on failure (`f` reads the box found).
            let success = reclaim::mutant!("cell_update_relaxed" => Acquire, else AcqRel);
            match self
                .ptr
                .compare_exchange(current, candidate, success, Acquire)
            {
                Ok(old) => {
                    // SAFETY: the compare-and-swap unlinked `old` and returned it to this
                    // thread alone; the retire waits for `guard`, entered before.
                    unsafe { self.domain.retire_ptr(old) };
                    return RcuRef {
                        // SAFETY: never null.
                        value: unsafe { NonNull::new_unchecked(old) },
                        _guard: guard,
                    };
                }
                Err(found) => {
                    current = found;
                    // SAFETY: `candidate` was not published; it is ours again.
                    new = unsafe { Box::from_raw(candidate) };
                    // Reuse the allocation for the next attempt.
                    // SAFETY: loaded in `guard`'s section; never null.
                    *new = f(unsafe { &*current });
                }
            }
        }
    }

    /// Replaces the value with `new` if it is still the one `current` holds (compared by
    /// identity, not by value), and gives `new` back otherwise. `current` must come from this
    /// cell; one from another cell never matches.
    ///
    /// ```
    /// let cell = gracepoint::structures::RcuCell::new(1, gracepoint::srcu::Srcu::new());
    /// let seen = cell.load();
    /// assert!(cell.compare_and_set(&seen, 2).is_ok());
    /// assert_eq!(cell.compare_and_set(&seen, 3), Err(3)); // `seen` is no longer current
    /// assert_eq!(*cell.load(), 2);
    /// ```
    pub fn compare_and_set<S: Reclaim>(&self, current: &RcuRef<'_, T, S>, new: T) -> Result<(), T> {
        let candidate = Box::into_raw(Box::new(new));
        // cell-P and cell-T, as in `update`. `current` cannot have been freed and its address
        // reused (its `RcuRef` keeps it alive), so equal addresses mean the same box.
        match self
            .ptr
            .compare_exchange(current.value.as_ptr(), candidate, AcqRel, Relaxed)
        {
            Ok(old) => {
                // SAFETY: unlinked by the compare-and-swap, returned to this thread alone.
                unsafe { self.domain.retire_ptr(old) };
                Ok(())
            }
            // SAFETY: `candidate` was not published; it is ours again.
            Err(_) => Err(*unsafe { Box::from_raw(candidate) }),
        }
    }

    /// The value, mutably: `&mut self` means no reader or writer is active.
    ///
    /// ```
    /// let mut cell = gracepoint::structures::RcuCell::new(vec![1], gracepoint::srcu::Srcu::new());
    /// cell.get_mut().push(2);
    /// assert_eq!(*cell.load(), [1, 2]);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: never null; `&mut self` excludes every reader and writer, and a pointer
        // still in the cell was never retired.
        unsafe { &mut *self.ptr.load(Relaxed) }
    }

    /// The value, moved out of the cell (values replaced before are still freed by the
    /// domain).
    ///
    /// ```
    /// let cell = gracepoint::structures::RcuCell::new(String::from("x"), gracepoint::gus::Gus::new());
    /// cell.store(String::from("y"));
    /// assert_eq!(cell.into_inner(), "y");
    /// ```
    pub fn into_inner(self) -> T {
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used again: the domain is moved out (and dropped) once, and
        // the value, still linked and never retired, is taken back once.
        unsafe {
            drop(core::ptr::read(&this.domain));
            *Box::from_raw(this.ptr.load(Relaxed))
        }
    }

    /// The domain that frees replaced values.
    ///
    /// ```
    /// use gracepoint::Reclaim;
    /// let cell = gracepoint::structures::RcuCell::new(1, gracepoint::srcu::Srcu::new());
    /// cell.store(2);
    /// cell.domain().barrier(); // the old value is freed now
    /// ```
    pub fn domain(&self) -> &R {
        &self.domain
    }
}

impl<T, R: Reclaim> Drop for RcuCell<T, R> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no reader or writer is active, and the linked value was never
        // retired, so this is its only owner.
        drop(unsafe { Box::from_raw(self.ptr.load(Relaxed)) });
    }
}

impl<T: Default + Send + Sync + 'static, R: Reclaim + Default> Default for RcuCell<T, R> {
    /// `T::default()` in a cell with a new default domain.
    ///
    /// ```
    /// let cell: gracepoint::structures::RcuCell<u8, gracepoint::srcu::Srcu> = Default::default();
    /// assert_eq!(*cell.load(), 0);
    /// ```
    fn default() -> Self {
        Self::new(T::default(), R::default())
    }
}

impl<T: fmt::Debug + Send + Sync + 'static, R: Reclaim> fmt::Debug for RcuCell<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RcuCell")
            .field("value", &*self.load())
            .finish_non_exhaustive()
    }
}
