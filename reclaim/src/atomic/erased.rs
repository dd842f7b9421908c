//! What makes [`Section`](super::Section) covariant in its domain's lifetime, and able to hold
//! a registered reader's section: the guard stored without naming its type in a field, a
//! type-erased handle to the reader, and the debug-build check for `*section = Section::new(d)`.
//!
//! # Why the guard is stored erased
//! `Reclaim::Guard<'d>` is a generic associated type, and the compiler treats every such
//! projection as *invariant* in `'d`. A field of that type would make `Section<'d, R>`
//! invariant too, and then the natural signature `fn get<'g>(&'g self, section: &'g
//! Section<'g, R>)` cannot be called with a local section at all ("borrowed value does not live
//! long enough": the section's own lifetime would have to equal its borrow's). Users escaped
//! that by leaking a `&'static` domain. So the guard lives in [`GuardSlot`], a few words of
//! untyped storage, and only `Section`'s constructor and destructor (which can name
//! `R::Guard<'d>`) read or write it as the guard type.
//!
//! This is sound because nothing outside `Section` can reach the guard: shortening `'d`
//! through covariance changes only the type the destructor uses to drop the guard, and
//! lifetimes do not exist at run time; the domain outlives the longer lifetime anyway.
//!
//! # Cost
//! Writing the guard into the slot is the same store the guard's construction does anyway; a
//! guard too large for the slot (none of this workspace's schemes or peers) is boxed, which
//! the `compare` program's section row would show. Without `alloc` such a guard is a compile
//! error naming the limit.

use core::marker::PhantomData;
use core::mem::{MaybeUninit, align_of, size_of};
use core::ptr;

use super::Reader;
use crate::Reclaim;
use crate::scheme::bag::Retired;

/// Words of inline storage for a guard: this workspace's guards take at most five.
const GUARD_WORDS: usize = 6;

/// Untyped storage for one guard (see the module docs).
#[repr(C)]
pub(super) struct GuardSlot(MaybeUninit<[usize; GUARD_WORDS]>);

/// Whether a `G` is stored inline, and the compile-time check that it can be stored at all.
struct Layout<G>(PhantomData<G>);

impl<G> Layout<G> {
    const INLINE: bool =
        size_of::<G>() <= size_of::<GuardSlot>() && align_of::<G>() <= align_of::<GuardSlot>();
    const STORABLE: () = assert!(
        Self::INLINE || cfg!(feature = "alloc"),
        "this domain's guard is larger than the 6 words (or more aligned than the word) that \
         Section stores inline, and without `alloc` it cannot be boxed"
    );
}

impl GuardSlot {
    /// Stores `guard`.
    #[inline(always)]
    pub(super) fn new<G>(guard: G) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Layout::<G>::STORABLE;
        let mut slot = GuardSlot(MaybeUninit::uninit());
        if Layout::<G>::INLINE {
            // SAFETY: the slot is large and aligned enough for a `G` (checked just above).
            unsafe { slot.0.as_mut_ptr().cast::<G>().write(guard) };
        } else {
            #[cfg(feature = "alloc")]
            // SAFETY: a pointer fits in the slot.
            unsafe {
                let boxed = alloc::boxed::Box::into_raw(alloc::boxed::Box::new(guard));
                slot.0.as_mut_ptr().cast::<*mut G>().write(boxed);
            }
            #[cfg(not(feature = "alloc"))]
            unreachable!("rejected at compile time by Layout::STORABLE");
        }
        slot
    }

    /// Drops the guard stored by [`new`](GuardSlot::new).
    ///
    /// # Safety
    /// The slot holds a live `G`, stored by `new::<G>` (up to lifetimes), not dropped since.
    #[inline(always)]
    pub(super) unsafe fn drop_as<G>(&mut self) {
        if Layout::<G>::INLINE {
            // SAFETY: the caller's promise.
            unsafe { ptr::drop_in_place(self.0.as_mut_ptr().cast::<G>()) };
        } else {
            #[cfg(feature = "alloc")]
            // SAFETY: the caller's promise: `new` stored a box's pointer.
            drop(unsafe {
                alloc::boxed::Box::from_raw(self.0.as_mut_ptr().cast::<*mut G>().read())
            });
        }
    }
}

/// A registered reader behind a pointer, with its guard type erased: how a `Section` made by
/// [`Section::with_reader`](super::Section::with_reader) re-enters (on `repin`), leaves and
/// retires through the reader without naming its type.
pub(super) trait ErasedReader {
    /// Enters a section on the reader and stores its guard in `slot` (which holds none).
    fn enter_into(&self, slot: &mut GuardSlot);
    /// Drops the guard `enter_into` stored.
    ///
    /// # Safety
    /// `slot` holds a live guard from this reader's `enter_into`.
    unsafe fn drop_guard(&self, slot: &mut GuardSlot);
    /// Retires `item` into the reader's own bag.
    fn retire_item(&self, item: Retired);
}

impl<Rd: Reader> ErasedReader for Rd {
    #[inline]
    fn enter_into(&self, slot: &mut GuardSlot) {
        // `ptr::write`: the slot holds no live guard.
        // SAFETY: `slot` is a valid place for a `GuardSlot`.
        unsafe { ptr::write(slot, GuardSlot::new(Reader::enter(self))) };
    }

    #[inline]
    unsafe fn drop_guard(&self, slot: &mut GuardSlot) {
        // SAFETY: the caller's promise; `&self` outlives the guard's borrow of the reader.
        unsafe { slot.drop_as::<<Rd::Domain as Reclaim>::Guard<'_>>() };
    }

    #[inline]
    fn retire_item(&self, item: Retired) {
        self.__retire(item);
    }
}

/// The debug-build check that makes `*section = Section::new(domain)` loud (see
/// [`Section::repin`](super::Section::repin)).
///
/// That assignment enters the new section *before* the old one ends, so the new one is nested
/// in the old (on an epoch or GUS domain it keeps the old section's epoch) and then the old
/// one drops. What the check sees: a section dropped while the newest section of the same
/// domain on this thread was entered after it and has not been used yet. Code that holds two
/// sections of one domain and uses both (two `Ref`s of a map) never trips it. Debug builds
/// with `std`, outside loom; elsewhere it compiles to nothing.
#[cfg(all(feature = "std", debug_assertions, not(loom)))]
pub(super) mod misuse {
    use core::cell::Cell;

    std::thread_local! {
        /// The next serial, and the newest section entered on this thread that has not been
        /// used yet (serial, domain identity), if any (serial 0: none).
        static STATE: Cell<(u64, u64, usize)> = const { Cell::new((1, 0, 0)) };
    }

    /// A section's place in its thread's order.
    pub(in crate::atomic) struct Mark {
        serial: u64,
        domain: usize,
        thread: usize,
    }

    fn thread() -> usize {
        STATE.with(|s| core::ptr::from_ref(s).addr())
    }

    /// A section of `domain` was entered.
    pub(in crate::atomic) fn opened(domain: usize) -> Mark {
        STATE.with(|s| {
            let (serial, _, _) = s.get();
            s.set((serial + 1, serial, domain));
            Mark {
                serial,
                domain,
                thread: core::ptr::from_ref(s).addr(),
            }
        })
    }

    /// The section was used (a load, a retire, ...).
    #[inline]
    pub(in crate::atomic) fn used(mark: &Mark) {
        let _ = STATE.try_with(|s| {
            let (next, fresh, _) = s.get();
            if fresh == mark.serial {
                s.set((next, 0, 0));
            }
        });
    }

    /// The section is being dropped: `Err` when that looks like `*section = Section::new(d)`.
    pub(in crate::atomic) fn closing(mark: &Mark) -> Result<(), ()> {
        if STATE.try_with(|_| ()).is_err() || thread() != mark.thread {
            return Ok(());
        }
        STATE.with(|s| {
            let (next, fresh, domain) = s.get();
            if fresh == mark.serial {
                s.set((next, 0, 0));
                Ok(())
            } else if fresh > mark.serial && domain == mark.domain {
                s.set((next, 0, 0));
                Err(())
            } else {
                Ok(())
            }
        })
    }
}

/// Nothing to check outside debug builds with `std`.
#[cfg(not(all(feature = "std", debug_assertions, not(loom))))]
pub(super) mod misuse {
    pub(in crate::atomic) struct Mark;

    #[inline(always)]
    pub(in crate::atomic) fn opened(_domain: usize) -> Mark {
        Mark
    }

    #[inline(always)]
    pub(in crate::atomic) fn used(_mark: &Mark) {}

    #[inline(always)]
    pub(in crate::atomic) fn closing(_mark: &Mark) -> Result<(), ()> {
        Ok(())
    }
}
