//! Unit tests that need `std`: GUS's own, and the suite every scheme runs (in every mode).

use crate::clock::ReaderSlot;
use crate::{Gus, Mode};
use std::prelude::rust_2024::*;

#[test]
fn a_slot_with_its_bag_fits_in_256_bytes() {
    use crossbeam_utils::CachePadded;
    use reclaim::scheme::slots::Slot;
    let bytes = core::mem::size_of::<CachePadded<Slot<ReaderSlot>>>();
    assert!(bytes <= 256, "a GUS slot takes {bytes} bytes");
}

#[test]
#[should_panic(expected = "`wait` called inside a read section")]
fn taking_a_tagged_value_inside_a_section_panics() {
    let gus = Gus::new();
    let _section = gus.enter();
    let tagged = gus.tag(1u32);
    tagged.take(&gus);
}

reclaim::scheme_tests! {
    domain: Gus,
    configurations: [
        Gus::new(),
        Gus::with_options(crate::Options::DEFAULT.mode(Mode::Deferred(4))),
        Gus::with_options(crate::Options::DEFAULT.mode(Mode::Lazy)),
    ],
}
