//! Unit tests of the slot array, ownership and claims.

#[cfg(feature = "alloc")]
use super::array::{FIRST_SEGMENT, segment_of};
use super::*;
use crate::sync::AtomicU64;
#[cfg(feature = "std")]
use crossbeam_utils::CachePadded;
use std::prelude::rust_2024::*;

struct Counter(#[allow(dead_code)] AtomicU64);
impl SlotState for Counter {
    crate::idle_slot!(Counter(AtomicU64::new(0)));
}

#[cfg(feature = "alloc")]
#[test]
fn segments_cover_every_index_once() {
    let mut expected = (0, 0);
    for j in 0..10_000 {
        assert_eq!(segment_of(j), expected, "index {j}");
        expected.1 += 1;
        if expected.1 == FIRST_SEGMENT << expected.0 {
            expected = (expected.0 + 1, 0);
        }
    }
}

#[cfg(feature = "alloc")]
#[test]
fn growth_keeps_every_slot_and_scans_each_once() {
    let slots: Slots<Counter, 3> = Slots::new();
    for i in (0..500).rev().step_by(7) {
        slots
            .shared(i)
            .unwrap()
            .state()
            .0
            .store(i as u64 + 1, Ordering::Relaxed);
    }
    assert_eq!(slots.len(), 500);
    let seen: Vec<u64> = slots
        .iter()
        .map(|s| s.state().0.load(Ordering::Relaxed))
        .collect();
    let expected: Vec<u64> = (0..500)
        .map(|i| if (499 - i) % 7 == 0 { i as u64 + 1 } else { 0 })
        .collect();
    assert_eq!(seen, expected);
}

#[cfg(feature = "std")]
#[test]
fn concurrent_growth_publishes_one_segment() {
    let slots: Slots<Counter, 0> = Slots::new();
    std::thread::scope(|s| {
        for t in 0..4 {
            let slots = &slots;
            s.spawn(move || {
                for i in 0..300 {
                    slots
                        .shared(i * 4 + t)
                        .unwrap()
                        .state()
                        .0
                        .fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    assert!(
        slots
            .iter()
            .all(|s| s.state().0.load(Ordering::Relaxed) == 1)
    );
    assert_eq!(slots.iter().count(), 1200);
}

#[cfg(feature = "std")]
#[test]
fn claims_collide_neither_with_each_other_nor_with_threads() {
    let slots: Slots<Counter, 0> = Slots::new();
    let mine = slots.mine().unwrap().slot() as *const Slot<Counter>;
    let a = slots.claim().unwrap();
    let b = slots.claim().unwrap();
    assert_ne!(a.index(), b.index());
    assert_ne!(a.owned().slot() as *const _, mine);
    assert_ne!(b.owned().slot() as *const _, mine);
}

#[cfg(feature = "std")]
#[test]
fn each_thread_finds_its_own_slot_in_inline_and_grown_arrays() {
    fn check<const N: usize>() {
        let slots: Slots<Counter, N> = Slots::new();
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    for _ in 0..1000 {
                        let mine = slots.mine().unwrap();
                        let c = &mine.state().0;
                        // Owner-only increments: lost updates would show below.
                        c.store(c.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
                    }
                });
            }
        });
        let total: u64 = slots
            .iter()
            .map(|s| s.state().0.load(Ordering::Relaxed))
            .sum();
        assert_eq!(total, 6000);
    }
    check::<0>();
    check::<2>();
    check::<64>();
}

#[cfg(not(feature = "alloc"))]
#[test]
fn fixed_array_reports_full() {
    let slots: Slots<Counter, 1> = Slots::new();
    let _first = slots.claim().unwrap();
    let err = slots.claim().err().unwrap();
    assert_eq!(err.capacity, 1);
}

#[cfg(feature = "std")]
#[test]
fn a_slot_with_its_bag_fits_in_256_bytes() {
    struct FourCounters(#[allow(dead_code)] [AtomicU64; 4]);
    impl SlotState for FourCounters {
        crate::idle_slot!(FourCounters([const { AtomicU64::new(0) }; 4]));
    }
    assert!(core::mem::size_of::<CachePadded<Slot<FourCounters>>>() <= 256);
}
