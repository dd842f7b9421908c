//! [`Retired`]: one object waiting to be freed.

/// One object waiting to be freed: a pointer, the function that frees it, and its size in bytes
/// when known (0 otherwise).
///
/// ```
/// use gracepoint_reclaim::scheme::bag::Retired;
/// let retired = Retired::from_box(Box::new(String::from("unlinked")));
/// assert_eq!(retired.bytes(), size_of::<String>());
/// // SAFETY: no reader could have seen the string.
/// unsafe { retired.free() };
/// ```
#[derive(Debug)]
pub struct Retired {
    pub(super) ptr: *mut (),
    pub(super) free: unsafe fn(*mut ()),
    pub(super) bytes: usize,
}

// SAFETY: `Retired::new`'s contract makes the pointer safe to free from any thread.
unsafe impl Send for Retired {}

/// Wrapping an object (a box, or a pointer with its own free function), and freeing it.
///
/// ```
/// use gracepoint_reclaim::scheme::bag::Retired;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// static FREED: AtomicUsize = AtomicUsize::new(0);
/// unsafe fn count_free(ptr: *mut ()) {
///     drop(unsafe { Box::from_raw(ptr.cast::<u32>()) });
///     FREED.fetch_add(1, Ordering::Relaxed);
/// }
/// let ptr = Box::into_raw(Box::new(7u32)).cast();
/// // SAFETY: `count_free` frees exactly the box `ptr` came from.
/// let retired = unsafe { Retired::new(ptr, count_free) }.with_bytes(4);
/// assert_eq!(retired.bytes(), 4);
/// // SAFETY: no reader could have seen the object.
/// unsafe { retired.free() };
/// assert_eq!(FREED.load(Ordering::Relaxed), 1);
/// ```
impl Retired {
    /// Wraps `ptr` and the function that frees it; its size is unknown.
    ///
    /// # Safety
    /// `free(ptr)` must be safe to call once, from any thread, after the grace period.
    ///
    /// ```
    /// unsafe fn nothing(_: *mut ()) {}
    /// let r = unsafe { gracepoint_reclaim::scheme::bag::Retired::new(core::ptr::null_mut(), nothing) };
    /// unsafe { r.free() };
    /// ```
    pub unsafe fn new(ptr: *mut (), free: unsafe fn(*mut ())) -> Self {
        Self {
            ptr,
            free,
            bytes: 0,
        }
    }

    /// Wraps a box, to be dropped after the grace period; its size is `size_of::<T>()`.
    ///
    /// ```
    /// let r = gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new([0u8; 40]));
    /// assert_eq!(r.bytes(), 40);
    /// unsafe { r.free() };
    /// ```
    #[cfg(feature = "alloc")]
    pub fn from_box<T: Send + 'static>(boxed: alloc::boxed::Box<T>) -> Self {
        // SAFETY: the pointer is `into_raw`'s, handed over once, and `T: Send + 'static`.
        unsafe { Self::from_box_ptr(alloc::boxed::Box::into_raw(boxed)) }
    }

    /// Wraps the box behind `ptr`, to be dropped after the grace period, without making a `Box`
    /// now (readers may still be reading it); its size is `size_of::<T>()`.
    ///
    /// # Safety
    /// `ptr` came from `Box::into_raw`, is handed over once, and dropping the `T` later on any
    /// thread is sound (`T: Send`, and whatever it borrows outlives the free).
    ///
    /// # Panics
    /// When `ptr` is null: the one check behind every `retire_ptr`.
    ///
    /// ```
    /// let ptr = Box::into_raw(Box::new(3u16));
    /// // SAFETY: from `into_raw`, handed over once.
    /// let r = unsafe { gracepoint_reclaim::scheme::bag::Retired::from_box_ptr(ptr) };
    /// assert_eq!(r.bytes(), 2);
    /// unsafe { r.free() };
    /// ```
    #[cfg(feature = "alloc")]
    #[track_caller]
    pub unsafe fn from_box_ptr<T>(ptr: *mut T) -> Self {
        assert!(
            !ptr.is_null(),
            "retire_ptr of a null pointer: pass the pointer `Box::into_raw` gave"
        );
        unsafe fn drop_box<T>(ptr: *mut ()) {
            // SAFETY: `ptr` came from `Box::into_raw` (`from_box_ptr`'s contract), freed once.
            drop(unsafe { alloc::boxed::Box::from_raw(ptr.cast::<T>()) });
        }
        // SAFETY: `drop_box::<T>` frees exactly that box; the caller vouches for the rest.
        let retired = unsafe { Self::new(ptr.cast(), drop_box::<T>) };
        retired.with_bytes(core::mem::size_of::<T>())
    }

    /// Wraps a closure, to be run (and dropped) after the grace period; its size is the
    /// closure's.
    ///
    /// ```
    /// let r = gracepoint_reclaim::scheme::bag::Retired::from_callback(|| println!("ran"));
    /// unsafe { r.free() };
    /// ```
    #[cfg(feature = "alloc")]
    pub fn from_callback<F: FnOnce() + Send + 'static>(callback: F) -> Self {
        unsafe fn run<F: FnOnce()>(ptr: *mut ()) {
            // SAFETY: `ptr` came from `Box::into_raw` in `from_callback` and is run once.
            let callback = unsafe { alloc::boxed::Box::from_raw(ptr.cast::<F>()) };
            callback();
        }
        let ptr = alloc::boxed::Box::into_raw(alloc::boxed::Box::new(callback)).cast();
        // SAFETY: `run::<F>` consumes exactly the box `into_raw` leaked, and `F: Send`.
        let retired = unsafe { Self::new(ptr, run::<F>) };
        retired.with_bytes(core::mem::size_of::<F>())
    }

    /// The same object, recorded as `bytes` long (for the pending-bytes statistics and limits).
    ///
    /// ```
    /// unsafe fn nothing(_: *mut ()) {}
    /// let r = unsafe { gracepoint_reclaim::scheme::bag::Retired::new(core::ptr::null_mut(), nothing) };
    /// assert_eq!(r.with_bytes(64).bytes(), 64);
    /// ```
    pub fn with_bytes(mut self, bytes: usize) -> Self {
        self.bytes = bytes;
        self
    }

    /// The object's size in bytes, or 0 when unknown.
    ///
    /// ```
    /// assert_eq!(gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(0u64)).bytes(), 8);
    /// ```
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Splits into the pointer and the function that frees it.
    ///
    /// ```
    /// let (ptr, free) = gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1u8)).into_parts();
    /// unsafe { free(ptr) };
    /// ```
    pub fn into_parts(self) -> (*mut (), unsafe fn(*mut ())) {
        (self.ptr, self.free)
    }

    /// Frees the object now.
    ///
    /// # Safety
    /// The object's grace period has ended: no reader can still hold a reference to it.
    ///
    /// ```
    /// let r = gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1u8));
    /// unsafe { r.free() };
    /// ```
    pub unsafe fn free(self) {
        // SAFETY: as `new`'s and this function's callers promised.
        unsafe { (self.free)(self.ptr) }
    }
}
