//! Unit tests of the typed atomic pointers and of `Section`.

use super::*;
use crate::Reclaim;
use crate::scheme::ReaderCount;
use crate::sync::Ordering;
use core::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::boxed::Box;
use std::sync::Arc;

#[derive(Debug)]
#[repr(align(8))]
struct Aligned(u64);

#[test]
fn tags_round_trip_through_every_operation() {
    let link = Atomic::new(Aligned(1));
    let section = Section::new(&ReaderCount);
    let first = link.load(Ordering::Acquire, &section);
    assert_eq!(first.tag(), 0);
    let marked = link.fetch_or(1, Ordering::AcqRel, &section);
    assert_eq!(marked, first);
    let now = link.load(Ordering::Acquire, &section);
    assert_eq!((now.tag(), now.as_raw()), (1, first.as_raw()));
    // A compare-and-swap expecting the unmarked pointer fails and gives the node back.
    let err = link
        .compare_exchange(
            first,
            Owned::new(Aligned(2)).with_tag(6),
            Ordering::AcqRel,
            Ordering::Acquire,
            &section,
        )
        .unwrap_err();
    assert_eq!(err.current, now);
    assert_eq!((err.new.tag(), err.new.0), (6, 2));
    let stored = link
        .compare_exchange(now, err.new, Ordering::AcqRel, Ordering::Acquire, &section)
        .unwrap();
    assert_eq!(stored.tag(), 6);
    assert_eq!(unsafe { stored.deref() }.0, 2);
    unsafe {
        section.retire(now);
        section.retire(stored);
    }
}

#[test]
fn and_xor_and_update_change_the_tag_and_never_the_pointer() {
    let link = Atomic::new(Aligned(1));
    let section = Section::new(&ReaderCount);
    let node = link.load(Ordering::Acquire, &section);
    link.fetch_or(0b101, Ordering::AcqRel, &section);
    assert_eq!(
        link.fetch_and(!0b001, Ordering::AcqRel, &section).tag(),
        0b101
    );
    assert_eq!(
        link.fetch_xor(0b011, Ordering::AcqRel, &section).tag(),
        0b100
    );
    let now = link.load(Ordering::Acquire, &section);
    assert_eq!((now.as_raw(), now.tag()), (node.as_raw(), 0b111));
    // fetch_and with a mask wider than the tag leaves the pointer alone.
    link.fetch_and(usize::MAX ^ 0b111, Ordering::AcqRel, &section);
    assert_eq!(link.load(Ordering::Acquire, &section), node);
    let before = link
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, &section, |p| {
            Some(p.with_tag(2))
        })
        .unwrap();
    assert_eq!(before, node);
    assert_eq!(link.load(Ordering::Relaxed, &section).tag(), 2);
    drop(section);
    assert_eq!(unsafe { link.into_owned() }.tag(), 2);
}

#[test]
fn raw_pointers_enter_and_leave_links() {
    let raw = Box::into_raw(Box::new(Aligned(7)));
    let link = Atomic::<Aligned>::null();
    // SAFETY: `raw` is live until it is taken back below.
    let shared = unsafe { Shared::from_raw(raw) };
    link.store(shared.with_tag(1), Ordering::Release);
    let guard = unsafe { unprotected() };
    let loaded = link.load(Ordering::Acquire, guard);
    assert_eq!((loaded.as_raw(), loaded.tag()), (raw.cast_const(), 1));
    let back = Atomic::from(loaded);
    assert_eq!(unsafe { back.load_unprotected(Ordering::Relaxed) }, loaded);
    // SAFETY: from `Box::into_raw`, owned by nobody else now.
    let owned = unsafe { Owned::from_raw(loaded.as_raw().cast_mut()) };
    assert_eq!(owned.0, 7);
}

#[test]
#[should_panic(expected = "not aligned")]
fn a_misaligned_raw_pointer_panics() {
    let _ = unsafe { Shared::<u64>::from_raw(core::ptr::dangling::<u64>().map_addr(|a| a | 1)) };
}

#[test]
#[should_panic(expected = "does not fit")]
fn a_tag_too_wide_panics_with_a_clear_message() {
    let _ = Shared::<u16>::null().with_tag(2);
}

#[test]
#[should_panic(expected = "does not fit")]
fn an_xor_too_wide_panics() {
    let link = Atomic::<u16>::null();
    link.fetch_xor(2, Ordering::AcqRel, unsafe { unprotected() });
}

#[test]
fn shared_orders_and_hashes_by_tagged_address() {
    use std::collections::HashSet;
    let a = Shared::<u64>::null();
    let b = a.with_tag(1);
    assert!(a < b);
    assert_eq!(b.cmp(&a), std::cmp::Ordering::Greater);
    assert_ne!(a, b);
    let set: HashSet<_> = [a, b, a.with_tag(0)].into_iter().collect();
    assert_eq!(set.len(), 2);
    assert_eq!(Atomic::<u64>::default().clone().to_owned_tag(), 0);
}

impl<T> Atomic<T> {
    fn to_owned_tag(&self) -> usize {
        unsafe { self.load_unprotected(Ordering::Relaxed) }.tag()
    }
}

/// A domain that counts its sections' enters and exits, and tells instances apart.
#[derive(Default)]
struct Counted {
    enters: AtomicUsize,
    exits: AtomicUsize,
}

struct CountedGuard<'a> {
    domain: &'a Counted,
    _inner: <ReaderCount as Reclaim>::Guard<'a>,
}

impl Drop for CountedGuard<'_> {
    fn drop(&mut self) {
        self.domain.exits.fetch_add(1, Relaxed);
    }
}

// SAFETY: every grace period is `ReaderCount`'s, whose sections these guards hold.
unsafe impl Reclaim for Counted {
    type Guard<'a> = CountedGuard<'a>;
    type Cookie = <ReaderCount as Reclaim>::Cookie;
    fn enter(&self) -> CountedGuard<'_> {
        self.enters.fetch_add(1, Relaxed);
        CountedGuard {
            domain: self,
            _inner: ReaderCount.enter(),
        }
    }
    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        unsafe { ReaderCount.retire_raw(ptr, free) }
    }
    fn synchronize(&self) {
        ReaderCount.synchronize();
    }
    fn barrier(&self) {
        ReaderCount.barrier();
    }
    fn start_poll(&self) -> Self::Cookie {
        ReaderCount.start_poll()
    }
    fn poll(&self, cookie: &Self::Cookie) -> bool {
        ReaderCount.poll(cookie)
    }
}

impl Counted {
    fn counts(&self) -> (usize, usize) {
        (self.enters.load(Relaxed), self.exits.load(Relaxed))
    }
}

#[test]
fn repin_leaves_then_enters() {
    let domain = Counted::default();
    let mut section = Section::new(&domain);
    assert_eq!(domain.counts(), (1, 0));
    section.repin();
    assert_eq!(domain.counts(), (2, 1));
    let out = section.repin_after(|| domain.counts());
    assert_eq!(out, (2, 2), "f runs outside any section");
    assert_eq!(domain.counts(), (3, 2));
    drop(section);
    assert_eq!(domain.counts(), (3, 3));
}

#[test]
fn repin_after_enters_again_when_f_panics() {
    let domain = Counted::default();
    let mut section = Section::new(&domain);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        section.repin_after(|| panic!("inside"));
    }));
    assert!(result.is_err());
    assert_eq!(domain.counts(), (2, 1), "left once, entered again");
    drop(section);
    assert_eq!(domain.counts(), (2, 2));
}

#[test]
fn sections_tell_their_domains_apart() {
    let (a, b) = (Counted::default(), Counted::default());
    let section = Section::new(&a);
    assert!(section.belongs_to(&a) && section.belongs_to(&&a));
    assert!(!section.belongs_to(&b));
    let shared = Arc::new(Counted::default());
    let on_arc = Section::new(&shared);
    assert!(on_arc.belongs_to(&Arc::clone(&shared)) && on_arc.belongs_to(&*shared));
    assert!(!on_arc.belongs_to(&a));
}

#[test]
fn deferred_closures_and_unchecked_retires_run_once() {
    static RAN: AtomicUsize = AtomicUsize::new(0);
    let tracked = std::cell::Cell::new(0);
    let section = Section::new(&ReaderCount);
    section.defer(|| RAN.fetch_add(1, Relaxed));
    unsafe { section.defer_unchecked(|| tracked.set(tracked.get() + 1)) };
    let link = Atomic::new(std::rc::Rc::new(5)); // neither Send nor Sync
    let rc = unsafe { link.load_unprotected(Ordering::Relaxed).deref() }.clone();
    let old = link.swap(Shared::null(), Ordering::AcqRel, &section);
    unsafe { section.retire_unchecked(old) };
    drop(section);
    ReaderCount.barrier();
    assert_eq!((RAN.load(Relaxed), tracked.get()), (1, 1));
    assert_eq!(
        std::rc::Rc::strong_count(&rc),
        1,
        "the retired Rc was dropped once"
    );
}

#[test]
fn a_reader_section_retires_through_the_reader() {
    struct Counting<'a> {
        inner: crate::__private::DocReader<'a>,
        retires: AtomicUsize,
    }
    unsafe impl Reader for Counting<'_> {
        type Domain = ReaderCount;
        fn domain(&self) -> &ReaderCount {
            self.inner.domain()
        }
        fn enter(&self) -> <ReaderCount as Reclaim>::Guard<'_> {
            self.inner.enter()
        }
        fn __retire(&self, item: crate::scheme::bag::Retired) {
            self.retires.fetch_add(1, Relaxed);
            self.inner.__retire(item);
        }
    }
    let reader = Counting {
        inner: crate::__private::doc_reader(&ReaderCount),
        retires: AtomicUsize::new(0),
    };
    let link = Atomic::new(1u64);
    let mut section = Section::with_reader(&ReaderCount, &reader);
    let old = link.swap(Owned::new(2), Ordering::AcqRel, &section);
    unsafe { section.retire(old) };
    section.repin();
    section.defer(|| ());
    unsafe { section.retire_raw(core::ptr::null_mut(), |_| ()) };
    assert_eq!(reader.retires.load(Relaxed), 3);
    drop(section);
    drop(unsafe { link.into_owned() });
    ReaderCount.barrier();
}

#[test]
#[should_panic(expected = "another domain")]
fn a_reader_of_another_domain_is_refused() {
    let domain = Counted::default();
    let reader = crate::__private::doc_reader(&ReaderCount);
    let _ = Section::with_reader(&domain, &reader);
}

#[cfg(all(debug_assertions, feature = "std"))]
#[test]
#[should_panic(expected = "section.repin()")]
fn assigning_a_new_section_over_an_old_one_is_loud() {
    let domain = Counted::default();
    let link = Atomic::<u8>::null(); // owns nothing: the panic below leaks nothing
    let mut section = Section::new(&domain);
    let _ = link.load(Ordering::Acquire, &section);
    section = Section::new(&domain);
    drop(section);
}

#[test]
fn sections_that_were_used_may_end_in_any_order() {
    let domain = Counted::default();
    let link = Atomic::new(1u8);
    let first = Section::new(&domain);
    let _ = link.load(Ordering::Acquire, &first);
    let second = Section::new(&domain);
    let _ = link.load(Ordering::Acquire, &second);
    drop(first); // two live `Ref`s of a map dropped in order: not the trap
    drop(second);
    // An unused newer section of *another* domain is no trap either.
    let other = Counted::default();
    let old = Section::new(&domain);
    let new = Section::new(&other);
    drop(old);
    drop(new);
    drop(unsafe { link.into_owned() });
}

#[test]
fn guards_of_the_reference_domain_are_stored_inline() {
    assert!(
        core::mem::size_of::<Section<'_, ReaderCount>>() <= 96,
        "a Section grew: {} bytes",
        core::mem::size_of::<Section<'_, ReaderCount>>()
    );
}
