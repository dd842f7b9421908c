//! [`Taken`]: objects taken out of bags, the unit that gets one grace-period tag.

use super::{LOCAL_CAPACITY, Retired};
use core::mem::MaybeUninit;

/// Objects taken out of bags, not yet sealed or freed: the unit that gets one grace-period tag.
///
/// It must be emptied (sealed or freed) before it drops; debug builds check that.
///
/// ```
/// use gracepoint_reclaim::scheme::bag::{Retired, Taken, LOCAL_CAPACITY};
/// let mut taken = Taken::new();
/// while !taken.is_full() {
///     taken.push(Retired::from_box(Box::new(0u32))).unwrap();
/// }
/// assert_eq!((taken.len(), taken.bytes()), (LOCAL_CAPACITY, 4 * LOCAL_CAPACITY));
/// // SAFETY: nothing else can reach the objects.
/// assert_eq!(unsafe { taken.free_all() }, LOCAL_CAPACITY);
/// ```
pub struct Taken {
    items: [MaybeUninit<Retired>; LOCAL_CAPACITY],
    len: usize,
}

impl Default for Taken {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for Taken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Taken").field("len", &self.len).finish()
    }
}

/// Filling a batch, asking what it holds, and freeing it once its grace period has ended.
///
/// ```
/// use gracepoint_reclaim::scheme::bag::{Retired, Taken};
/// let mut taken = Taken::new();
/// taken.push(Retired::from_box(Box::new([0u8; 16]))).unwrap();
/// taken.push(Retired::from_box(Box::new(0u64))).unwrap();
/// assert_eq!((taken.len(), taken.bytes()), (2, 24));
/// // SAFETY: nothing else can reach the objects.
/// unsafe { taken.free_all() };
/// assert!(taken.is_empty());
/// ```
impl Taken {
    /// An empty batch.
    ///
    /// ```
    /// assert!(gracepoint_reclaim::scheme::bag::Taken::new().is_empty());
    /// ```
    pub const fn new() -> Self {
        Self {
            items: [const { MaybeUninit::uninit() }; LOCAL_CAPACITY],
            len: 0,
        }
    }

    /// How many objects the batch holds.
    ///
    /// ```
    /// assert_eq!(gracepoint_reclaim::scheme::bag::Taken::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the batch holds nothing.
    ///
    /// ```
    /// assert!(gracepoint_reclaim::scheme::bag::Taken::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// True when the batch cannot take another object.
    ///
    /// ```
    /// assert!(!gracepoint_reclaim::scheme::bag::Taken::new().is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.len == LOCAL_CAPACITY
    }

    /// Adds `item`, or gives it back when the batch is full.
    ///
    /// ```
    /// let mut taken = gracepoint_reclaim::scheme::bag::Taken::new();
    /// taken.push(gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1))).unwrap();
    /// unsafe { taken.free_all() };
    /// ```
    pub fn push(&mut self, item: Retired) -> Result<(), Retired> {
        if self.is_full() {
            return Err(item);
        }
        self.items[self.len].write(item);
        self.len += 1;
        Ok(())
    }

    /// The total size of the objects whose size is known.
    ///
    /// ```
    /// let mut taken = gracepoint_reclaim::scheme::bag::Taken::new();
    /// taken.push(gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1u16))).unwrap();
    /// assert_eq!(taken.bytes(), 2);
    /// unsafe { taken.free_all() };
    /// ```
    pub fn bytes(&self) -> usize {
        self.items[..self.len]
            .iter()
            // SAFETY: the first `len` items are initialised.
            .map(|item| unsafe { item.assume_init_ref() }.bytes)
            .sum()
    }

    /// Forgets what was copied in without freeing it (the copy lost a race; the objects belong
    /// to whoever won).
    pub(super) fn forget(&mut self) {
        self.len = 0;
    }

    /// Frees every object, even when one of their destructors panics: the others are still
    /// freed, and the first panic is resumed afterwards (with `std`; without it a second panic
    /// during the unwind aborts). Returns how many objects were freed.
    ///
    /// # Safety
    /// The batch's grace period has ended.
    ///
    /// ```
    /// let mut taken = gracepoint_reclaim::scheme::bag::Taken::new();
    /// taken.push(gracepoint_reclaim::scheme::bag::Retired::from_box(Box::new(1))).unwrap();
    /// assert_eq!(unsafe { taken.free_all() }, 1);
    /// assert!(taken.is_empty());
    /// ```
    pub unsafe fn free_all(&mut self) -> usize {
        let len = core::mem::replace(&mut self.len, 0);
        let items = &mut self.items[..len];
        // SAFETY: the first `len` items are initialised, and `len` was reset above, so each is
        // read out once; the caller vouches for the grace period.
        unsafe { free_each(items) };
        len
    }
}

impl Drop for Taken {
    fn drop(&mut self) {
        // A batch is always sealed or freed before it is dropped; reaching this with objects
        // still inside is a bug in a scheme, and leaking is safer than freeing early.
        debug_assert_eq!(
            self.len, 0,
            "a batch of retired objects was dropped unfreed"
        );
    }
}

/// Frees every item, going on past a panicking destructor.
///
/// # Safety
/// Every item is initialised, is read out here once, and its grace period has ended.
pub(crate) unsafe fn free_each(items: &mut [MaybeUninit<Retired>]) {
    #[cfg(feature = "std")]
    {
        let mut first_panic = None;
        for item in items {
            // SAFETY: as the caller promised.
            let item = unsafe { item.assume_init_read() };
            // SAFETY: as the caller promised.
            let freed =
                std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| unsafe { item.free() }));
            if let Err(payload) = freed {
                first_panic.get_or_insert(payload);
            }
        }
        if let Some(payload) = first_panic {
            std::panic::resume_unwind(payload);
        }
    }
    #[cfg(not(feature = "std"))]
    {
        /// Frees what is left if a destructor unwinds.
        struct Rest<'a>(core::slice::IterMut<'a, MaybeUninit<Retired>>);
        impl Drop for Rest<'_> {
            fn drop(&mut self) {
                for item in self.0.by_ref() {
                    // SAFETY: as `free_each`'s caller promised.
                    unsafe { item.assume_init_read().free() };
                }
            }
        }
        let mut rest = Rest(items.iter_mut());
        for item in rest.0.by_ref() {
            // SAFETY: as the caller promised.
            unsafe { item.assume_init_read().free() };
        }
    }
}
