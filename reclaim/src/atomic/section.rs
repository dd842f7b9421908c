//! [`Section`]: a read-side section that remembers its domain, and retiring through it.

use core::fmt;
use core::marker::PhantomData;

#[cfg(feature = "alloc")]
use super::Shared;
use super::erased::{ErasedReader, GuardSlot, misuse};
use super::reader::Reader;
use crate::Reclaim;
use crate::scheme::bag::Retired;

#[cfg(feature = "alloc")]
use alloc::boxed::Box;

/// A read-side section of the domain `R` that remembers its domain.
///
/// It begins at [`Section::new`] (or [`Section::with_reader`]) and ends when dropped. Pointers
/// loaded through it ([`Atomic::load`](super::Atomic::load)) live no longer than a borrow of
/// it, and what it retires ([`Section::retire`], [`Section::defer`]) goes to the domain that
/// protects its reads. crossbeam-epoch's `Guard`.
///
/// `Section<'d, R>` is covariant in `'d`, so a structure's methods can take `&'g Section<'g, R>`
/// with one lifetime, and a structure can own its domain (or share it through `Arc`) and still
/// accept its callers' sections, checking [`belongs_to`](Section::belongs_to). Not `Send`: a
/// section ends on the thread that began it.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::Section;
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// let section = Section::new(&domain);
/// assert!(core::ptr::eq(section.domain(), &domain));
/// ```
///
/// A section from a shorter borrow fits where a longer one was expected (covariance):
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::Section;
/// use gracepoint::Reclaim;
/// fn shorter<'short, R: Reclaim>(s: &'short Section<'static, R>) -> &'short Section<'short, R> {
///     s
/// }
/// # static DOMAIN: gracepoint_reclaim::scheme::ReaderCount = gracepoint_reclaim::scheme::ReaderCount;
/// let section = Section::new(&DOMAIN);
/// let _ = shorter(&section);
/// ```
///
/// A pointer loaded before [`repin`](Section::repin) cannot be used after it:
/// ```compile_fail
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::{Atomic, Section};
/// use gracepoint::sync::Ordering;
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// let link = Atomic::new(1u8);
/// let mut section = Section::new(&domain);
/// let p = link.load(Ordering::Acquire, &section);
/// section.repin();
/// let _ = unsafe { p.deref() }; // error: `section` is still borrowed by `p`
/// ```
#[must_use = "the section ends as soon as it drops"]
pub struct Section<'d, R: Reclaim + 'd> {
    domain: &'d R,
    /// The live guard: `R::Guard<'d>`, or the reader's guard when `reader` is set.
    guard: GuardSlot,
    /// The registered reader the section was entered on, if any.
    reader: Option<&'d dyn ErasedReader>,
    /// Under loom, whether a guard is held (the `section_repin_no_enter` mutant leaves none).
    #[cfg(loom)]
    entered: bool,
    mark: misuse::Mark,
    /// Invariant in `R` (as before the guard was erased), not `Send`, not `Sync`.
    _marker: PhantomData<Invariant<R>>,
}

/// Entering a section, and retiring through it to the domain that protects its loads.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::atomic::{Atomic, Owned, Section};
/// use gracepoint::sync::Ordering;
/// # let domain = gracepoint_reclaim::scheme::ReaderCount;
/// let link = Atomic::new(1u32);
/// let section = Section::new(&domain);
/// let old = link.swap(Owned::new(2), Ordering::AcqRel, &section);
/// assert_eq!(unsafe { *old.deref() }, 1);
/// // SAFETY: the swap unlinked `old` and gave it to this thread alone.
/// unsafe { section.retire(old) };
/// assert_eq!(unsafe { *link.load(Ordering::Acquire, &section).deref() }, 2);
/// # unsafe { section.retire(link.load(Ordering::Relaxed, &section)) };
/// ```
impl<'d, R: Reclaim> Section<'d, R> {
    /// Enters a read-side section of `domain`.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let section = gracepoint::atomic::Section::new(&domain);
    /// drop(section); // the section ends here
    /// ```
    // Always inlined, with `leave` and `drop`: left to itself the compiler does not inline an
    // SRCU section (a five-word guard, a larger `enter`), and the calls, and the moves of the
    // section through memory, showed in the structures' instruction counts (docs/reclaim.md).
    #[inline(always)]
    #[track_caller]
    pub fn new(domain: &'d R) -> Self {
        Self {
            guard: GuardSlot::new(domain.enter()),
            mark: misuse::opened(domain.domain_id()),
            domain,
            reader: None,
            #[cfg(loom)]
            entered: true,
            _marker: PhantomData,
        }
    }

    /// Enters a read-side section of `domain` on the registered `reader`, whose slot it uses
    /// with no lookup; what the section retires goes into the reader's own bag. `domain` is
    /// the handle the structure holds (the domain itself, `&D` or `Arc<D>`); the reader must
    /// belong to the same domain.
    ///
    /// # Panics
    /// When `reader` belongs to another domain than `domain`.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Section};
    /// use gracepoint::sync::Ordering;
    /// use std::sync::Arc;
    /// // With `let domain = Arc::new(gracepoint::epoch::Epoch::new());` and
    /// // `let reader = domain.register()?;`:
    /// # let domain = Arc::new(gracepoint_reclaim::scheme::ReaderCount);
    /// # let reader = gracepoint_reclaim::__private::doc_reader(&domain);
    /// let link = Atomic::new(1u64);
    /// let section = Section::with_reader(&domain, &reader);
    /// assert_eq!(unsafe { *link.load(Ordering::Acquire, &section).deref() }, 1);
    /// # drop(section);
    /// # drop(unsafe { link.into_owned() });
    /// ```
    #[inline]
    #[track_caller]
    pub fn with_reader<Rd: Reader>(domain: &'d R, reader: &'d Rd) -> Self {
        assert!(
            domain.domain_id() == reader.domain().domain_id(),
            "Section::with_reader: the reader belongs to another domain than the one given; \
             register the reader on the domain whose section this is"
        );
        let mut guard = core::mem::MaybeUninit::<GuardSlot>::uninit();
        // SAFETY: `enter_into` writes a whole `GuardSlot`.
        let guard = unsafe {
            ErasedReader::enter_into(reader, &mut *guard.as_mut_ptr());
            guard.assume_init()
        };
        Self {
            guard,
            mark: misuse::opened(domain.domain_id()),
            domain,
            reader: Some(reader),
            #[cfg(loom)]
            entered: true,
            _marker: PhantomData,
        }
    }

    /// The domain this section belongs to.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::Reclaim;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let section = gracepoint::atomic::Section::new(&domain);
    /// let _cookie = section.domain().start_poll();
    /// ```
    #[inline]
    pub fn domain(&self) -> &'d R {
        self.note_use();
        self.domain
    }

    /// Whether this section protects what `domain` frees: whether both are handles of one
    /// domain ([`Reclaim::domain_id`]). A structure that accepts its caller's section checks
    /// this first, since a section of another domain protects nothing it links.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Section;
    /// use std::sync::Arc;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let shared = Arc::new(domain);
    /// let section = Section::new(&shared);
    /// assert!(section.belongs_to(&Arc::clone(&shared)));
    /// assert!(section.belongs_to(&*shared));
    /// ```
    #[inline]
    pub fn belongs_to<D: Reclaim + ?Sized>(&self, domain: &D) -> bool {
        self.domain.domain_id() == domain.domain_id()
    }

    /// Ends this section and begins a new one, so that a long operation stops holding back
    /// reclamation (crossbeam-epoch's `Guard::repin`). Pointers loaded before cannot be used
    /// after: the borrow checker sees to it, since this takes `&mut self`.
    ///
    /// This is the way to renew a section. `*section = Section::new(domain)` is not: it enters
    /// the new section *before* the old one ends, so on an epoch or GUS domain the new section
    /// is nested in the old one and keeps its epoch, and nothing is renewed. Debug builds
    /// panic when they see that pattern (a section dropped while a newer, unused section of the
    /// same domain is open on the thread).
    ///
    /// With nested sections of the same domain on the thread (another `Section`, a guard), the
    /// outer one goes on, as with crossbeam-epoch.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Section};
    /// use gracepoint::sync::Ordering;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let links: Vec<Atomic<u64>> = (0..1000).map(Atomic::new).collect();
    /// let mut section = Section::new(&domain);
    /// let mut sum = 0;
    /// for (i, link) in links.iter().enumerate() {
    ///     sum += unsafe { *link.load(Ordering::Acquire, &section).deref() };
    ///     if i % 100 == 99 {
    ///         section.repin(); // let reclamation move on every 100 nodes
    ///     }
    /// }
    /// assert_eq!(sum, 499_500);
    /// # drop(section);
    /// # for link in links { drop(unsafe { link.into_owned() }) }
    /// ```
    ///
    /// # Panics
    /// Only where entering panics (a full fixed-size domain without `alloc`); the process then
    /// aborts, since the section would be left without a guard.
    #[inline]
    pub fn repin(&mut self) {
        self.note_use();
        // SAFETY: the section holds its guard (every path that drops it enters again).
        unsafe { self.leave() };
        let bomb = AbortOnUnwind;
        crate::mutant!("section_repin_no_enter" => self.set_entered(false), else self.reenter());
        core::mem::forget(bomb);
    }

    /// Leaves the section for the length of `f`, then enters a new one: for a blocking call
    /// in the middle of a long traversal (crossbeam-epoch's `repin_after`). The new section
    /// begins even when `f` panics.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Section;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let mut section = Section::new(&domain);
    /// let slept = section.repin_after(|| {
    ///     std::thread::sleep(std::time::Duration::from_millis(1)); // outside any section
    ///     true
    /// });
    /// assert!(slept);
    /// ```
    pub fn repin_after<T>(&mut self, f: impl FnOnce() -> T) -> T {
        struct Reenter<'s, 'd, R: Reclaim>(&'s mut Section<'d, R>);
        impl<R: Reclaim> Drop for Reenter<'_, '_, R> {
            fn drop(&mut self) {
                let bomb = AbortOnUnwind;
                self.0.reenter();
                core::mem::forget(bomb);
            }
        }
        self.note_use();
        // SAFETY: the section holds its guard; `Reenter` enters again whatever `f` does.
        unsafe { self.leave() };
        let _reenter = Reenter(self);
        f()
    }

    /// Hands `unlinked` (its tag ignored) to this section's domain, to be dropped once every
    /// section that began before this call has ended (crossbeam-epoch's `defer_destroy`).
    ///
    /// Under `cfg(loom)` the object is dropped in place and its memory kept, so that a model
    /// reading it too late finds its poisoned contents rather than reused memory.
    ///
    /// # Safety
    /// - `unlinked` is not null and came from an [`Owned`](super::Owned) (a `Box<T>`);
    /// - it is no longer reachable from the structure, so no section that begins after this
    ///   call can load it;
    /// - nobody else retires or frees it (typically: the caller won the compare-and-swap
    ///   that unlinked it).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Owned, Section};
    /// use gracepoint::sync::Ordering;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let link = Atomic::new(7u32);
    /// let section = Section::new(&domain);
    /// let old = link.swap(Owned::new(8), Ordering::AcqRel, &section);
    /// // SAFETY: the swap unlinked `old` and gave it to this thread alone.
    /// unsafe { section.retire(old) };
    /// # unsafe { section.retire(link.load(Ordering::Relaxed, &section)) };
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    #[track_caller]
    pub unsafe fn retire<T: Send + 'static>(&self, unlinked: Shared<'_, T>) {
        // SAFETY: the caller's promise, with the bounds `retire_unchecked` asks the caller to
        // prove given by the types.
        unsafe { self.retire_unchecked(unlinked) }
    }

    /// [`retire`](Section::retire) without its bounds, for structures that prove them
    /// themselves: for instance a map whose keys are not `'static`, which owns its domain, so
    /// that every node is dropped before the map (and whatever its keys borrow) is gone.
    ///
    /// # Safety
    /// As [`retire`](Section::retire); and dropping the `T` later, on whichever thread frees
    /// it, must be sound: `T: Send` in effect, and whatever `T` borrows outlives the domain's
    /// frees (the domain is dropped, or `barrier` called, before that borrow ends).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::{Atomic, Owned, Section};
    /// use gracepoint::sync::Ordering;
    /// use gracepoint::Reclaim;
    /// let name = String::from("borrowed");
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// {
    ///     let link = Atomic::new(name.as_str()); // a node that borrows: not 'static
    ///     let section = Section::new(&domain);
    ///     let old = link.swap(Owned::new("other"), Ordering::AcqRel, &section);
    ///     // SAFETY: unlinked by the swap; freed by the barrier below, before `name` drops.
    ///     unsafe { section.retire_unchecked(old) };
    ///     drop(section);
    ///     drop(unsafe { link.into_owned() });
    ///     domain.barrier();
    /// }
    /// drop(name);
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    #[track_caller]
    pub unsafe fn retire_unchecked<T>(&self, unlinked: Shared<'_, T>) {
        assert!(!unlinked.is_null(), "Section::retire of a null pointer");
        let raw = unlinked.as_raw().cast_mut();
        #[cfg(not(loom))]
        {
            // SAFETY: the caller hands over the box, to be dropped once, later.
            let item = unsafe { Retired::from_box_ptr(raw) };
            // SAFETY: as above.
            unsafe { self.retire_item(item) };
        }
        #[cfg(loom)]
        {
            unsafe fn drop_in_place<T>(ptr: *mut ()) {
                // SAFETY: the caller handed over sole ownership of a live `T`.
                unsafe { core::ptr::drop_in_place(ptr.cast::<T>()) }
            }
            // SAFETY: the caller hands over the object, to be dropped once, later.
            let item = unsafe { Retired::new(raw.cast(), drop_in_place::<T>) };
            // SAFETY: as above.
            unsafe { self.retire_item(item) };
        }
    }

    /// Runs `f` once every section that began before this call has ended (crossbeam-epoch's
    /// `defer`): frees with a destructor of their own, counters, anything with captured
    /// state. Its result is dropped. It runs on whichever thread frees it, possibly inside a
    /// read section of this domain, so it must not wait for this domain.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Section;
    /// use gracepoint::Reclaim;
    /// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let ran = Arc::new(AtomicUsize::new(0));
    /// let section = Section::new(&domain);
    /// let counter = Arc::clone(&ran);
    /// section.defer(move || counter.fetch_add(1, Ordering::Relaxed));
    /// drop(section);
    /// domain.barrier();
    /// assert_eq!(ran.load(Ordering::Relaxed), 1);
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    #[track_caller]
    pub fn defer<T, F: FnOnce() -> T + Send + 'static>(&self, f: F) {
        self.note_use();
        match self.reader {
            None => self.domain.call(move || drop(f())),
            Some(reader) => reader.retire_item(Retired::from_callback(move || drop(f()))),
        }
    }

    /// [`defer`](Section::defer) without its bounds (crossbeam-epoch's `defer_unchecked`): the
    /// closure may borrow, and need not be `Send`.
    ///
    /// # Safety
    /// Running `f` later, on whichever thread frees it, once every section that began before
    /// this call has ended, must be sound: what it captures may move to that thread, and
    /// whatever it borrows outlives the domain's frees.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Section;
    /// use gracepoint::Reclaim;
    /// use std::cell::Cell;
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let runs = Cell::new(0); // neither `Send` nor `'static`
    /// let section = Section::new(&domain);
    /// // SAFETY: the barrier below runs it on this thread, before `runs` goes away.
    /// unsafe { section.defer_unchecked(|| runs.set(runs.get() + 1)) };
    /// drop(section);
    /// domain.barrier();
    /// assert_eq!(runs.get(), 1);
    /// ```
    #[cfg(feature = "alloc")]
    #[inline]
    #[track_caller]
    pub unsafe fn defer_unchecked<T, F: FnOnce() -> T>(&self, f: F) {
        unsafe fn run<T, F: FnOnce() -> T>(ptr: *mut ()) {
            // SAFETY: `defer_unchecked` boxed an `F` and hands it over once.
            let f = unsafe { Box::from_raw(ptr.cast::<F>()) };
            drop(f());
        }
        let raw = Box::into_raw(Box::new(f));
        // SAFETY: the box is run and freed once, by `run`; the caller vouches for the rest.
        let item =
            unsafe { Retired::new(raw.cast(), run::<T, F>) }.with_bytes(core::mem::size_of::<F>());
        // SAFETY: as above.
        unsafe { self.retire_item(item) };
    }

    /// Calls `free(ptr)` once every section that began before this call has ended, through
    /// this section's domain (or its reader's bag). Needs no allocator: the way to free nodes
    /// with their own layout in a `no_std` build.
    ///
    /// # Safety
    /// As [`Reclaim::retire_raw`]: `free(ptr)` must be safe to call once, from any thread,
    /// after that grace period, and `ptr` must not be retired again.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::atomic::Section;
    /// use gracepoint::Reclaim;
    /// unsafe fn free_u64(ptr: *mut ()) {
    ///     drop(unsafe { Box::from_raw(ptr.cast::<u64>()) });
    /// }
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// let section = Section::new(&domain);
    /// // SAFETY: from `Box::into_raw`, retired once, freed as a `Box<u64>`.
    /// unsafe { section.retire_raw(Box::into_raw(Box::new(5u64)).cast(), free_u64) };
    /// drop(section);
    /// domain.barrier();
    /// ```
    #[inline]
    #[track_caller]
    pub unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: the caller's promise is the one `Retired::new` asks for.
        unsafe { self.retire_item(Retired::new(ptr, free)) }
    }

    /// Retires `item` through the reader's bag, or the domain.
    ///
    /// # Safety
    /// As [`Reclaim::retire_raw`], for the pointer and deleter inside `item`.
    #[inline]
    #[track_caller]
    unsafe fn retire_item(&self, item: Retired) {
        self.note_use();
        match self.reader {
            Some(reader) => reader.retire_item(item),
            None => {
                let bytes = item.bytes();
                let (ptr, free) = item.into_parts();
                // SAFETY: the caller's promise.
                unsafe { self.domain.retire_raw_sized(ptr, free, bytes) }
            }
        }
    }

    /// For the debug-build misuse check: this section was used.
    #[inline(always)]
    pub(super) fn note_use(&self) {
        misuse::used(&self.mark);
    }

    /// Drops the guard.
    ///
    /// # Safety
    /// The section holds a live guard; the caller enters again before anything else uses it.
    #[inline(always)]
    unsafe fn leave(&mut self) {
        #[cfg(loom)]
        if !self.entered {
            return;
        }
        match self.reader {
            // SAFETY: the caller's promise; the slot holds an `R::Guard<'d>` from `new`.
            None => unsafe { self.guard.drop_as::<R::Guard<'d>>() },
            // SAFETY: the caller's promise; the slot holds a guard of this reader.
            Some(reader) => unsafe { reader.drop_guard(&mut self.guard) },
        }
    }

    /// Enters again, after [`leave`](Section::leave).
    #[inline]
    fn reenter(&mut self) {
        match self.reader {
            None => {
                let domain: &'d R = self.domain;
                // `ptr::write`: the slot holds no live guard.
                // SAFETY: a valid place.
                unsafe { core::ptr::write(&mut self.guard, GuardSlot::new(domain.enter())) };
            }
            Some(reader) => reader.enter_into(&mut self.guard),
        }
        self.set_entered(true);
    }

    #[inline(always)]
    fn set_entered(&mut self, entered: bool) {
        #[cfg(loom)]
        {
            self.entered = entered;
        }
        let _ = entered;
    }
}

impl<R: Reclaim> Drop for Section<'_, R> {
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the section holds its guard (see `repin`), and nothing uses it after.
        unsafe { self.leave() };
        if misuse::closing(&self.mark).is_err() {
            #[cfg(feature = "std")]
            if !std::thread::panicking() {
                panic!(
                    "a Section was dropped while a newer Section of the same domain, entered on \
                     this thread after it and not used yet, is open: that is what \
                     `*section = Section::new(domain)` does. The new section was entered before \
                     the old one ended, so it is nested in it (on an epoch or GUS domain it keeps \
                     the old epoch) and renews nothing. Call `section.repin()` to end a section \
                     and begin a new one (this check runs in debug builds)"
                );
            }
        }
    }
}

/// Invariant in `R`, neither `Send` nor `Sync`.
type Invariant<R> = (fn(R) -> R, *const ());

/// Aborts the process (a panic during a panic) if a re-entry panics: the section would be left
/// without a guard.
struct AbortOnUnwind;

impl Drop for AbortOnUnwind {
    fn drop(&mut self) {
        panic!("a Section could not enter its domain again after leaving it (repin); aborting");
    }
}

impl<R: Reclaim> fmt::Debug for Section<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Section")
            .field("on_reader", &self.reader.is_some())
            .finish_non_exhaustive()
    }
}
