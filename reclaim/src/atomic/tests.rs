//! Unit tests of the typed atomic pointers.

use super::*;
use crate::scheme::ReaderCount;

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
#[should_panic(expected = "does not fit")]
fn a_tag_too_wide_panics_with_a_clear_message() {
    let _ = Shared::<u16>::null().with_tag(2);
}
