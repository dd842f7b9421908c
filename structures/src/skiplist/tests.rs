//! Unit tests of the skip list: order, towers, the caller-section forms, and the drop of a
//! list that still holds entries (the concurrent checks are in the shared suite).

use super::*;
use crate::testing::Counting;
use alloc::vec::Vec;
use reclaim::testing::{Ledger, Tracked};

extern crate std;

#[test]
fn keys_come_out_sorted_and_removes_take_them_out() {
    let list = SkipList::new(srcu::Srcu::new());
    // Under Miri, which runs a thousand times slower, a fifth (still towers above 3 levels
    // but for a chance of (7/8)^100).
    let n: u64 = if cfg!(miri) { 100 } else { 500 };
    let keys: Vec<u64> = (0..n).map(|i| (i * 7919) % n).collect();
    for &k in &keys {
        list.insert(k, k * 2).unwrap();
    }
    assert_eq!(list.len(), n as usize);
    let mut seen = Vec::new();
    list.for_each(|k, v| {
        assert_eq!(*v, k * 2);
        seen.push(*k);
    });
    assert_eq!(seen, (0..n).collect::<Vec<_>>());
    for k in (0..n).step_by(2) {
        assert!(list.remove(&k));
        assert!(!list.remove(&k));
    }
    assert_eq!(list.len(), n as usize / 2);
    assert!((0..n).all(|k| list.contains(&k) == (k % 2 == 1)));
    assert!(
        list.levels.load(Relaxed) > 3,
        "towers of several heights were built"
    );
}

#[test]
fn every_removed_node_is_retired_once_and_the_rest_freed_by_drop() {
    static LEDGER: Ledger = Ledger::new();
    let domain = Counting::new(gus::Gus::new());
    let counts = domain.counts();
    let list = SkipList::new(domain);
    // Under Miri, which runs a thousand times slower, a fifth.
    let n = if cfg!(miri) { 40 } else { 200u64 };
    for k in 0..n {
        list.insert(k, Tracked::new(&LEDGER, k)).unwrap();
    }
    for k in 0..n / 2 {
        assert!(list.remove(&k));
    }
    assert_eq!(counts.retired(), n as usize / 2);
    // A duplicate insert gives its value back and leaks nothing.
    let last = n - 1;
    let (k, v) = list.insert(last, Tracked::new(&LEDGER, last)).unwrap_err();
    assert_eq!((k, v.read()), (last, last));
    drop(v);
    drop(list); // frees the half left, and the domain frees the half retired
    assert_eq!(counts.freed(), n as usize / 2);
    LEDGER.assert_balanced();
}

#[test]
fn one_section_serves_many_calls() {
    let list = SkipList::new(gracepoint::epoch::Epoch::new());
    let mut section = list.section();
    for k in 0..64u32 {
        list.insert_in(k, k, &section).unwrap();
        if k % 16 == 15 {
            section.repin();
        }
    }
    let total: u32 = (0..64).filter_map(|k| list.get_in(&k, &section)).sum();
    assert_eq!(total, (0..64).sum());
    assert!(list.remove_in(&3, &section));
    assert_eq!(list.get_in(&3, &section), None);
}

#[test]
#[should_panic(expected = "another domain")]
fn a_section_of_another_domain_is_refused() {
    let list = SkipList::<u8, u8, _>::new(srcu::Srcu::new());
    let other = srcu::Srcu::new();
    let section = Section::new(&other);
    let _ = list.get_in(&1, &section);
}

#[test]
fn inserts_and_removes_of_the_same_keys_race() {
    static LEDGER: Ledger = Ledger::new();
    let domain = Counting::new(srcu::Srcu::new());
    let counts = domain.counts();
    let list = SkipList::new(domain);
    let (inserted, removed) = std::thread::scope(|s| {
        let workers: Vec<_> = (0..4u64)
            .map(|t| {
                let list = &list;
                s.spawn(move || {
                    let (mut ins, mut rem) = (0usize, 0usize);
                    // Under Miri, which runs a thousand times slower, a thirtieth.
                    for i in 0..if cfg!(miri) { 100 } else { 3000u64 } {
                        let key = (i * 31 + t * 7) % 16;
                        if (i + t) % 2 == 0 {
                            ins +=
                                usize::from(list.insert(key, Tracked::new(&LEDGER, key)).is_ok());
                        } else {
                            rem += usize::from(list.remove(&key));
                        }
                        if let Some(v) = list.get(&((key + 1) % 16)) {
                            assert_eq!(v.read(), (key + 1) % 16);
                        }
                    }
                    (ins, rem)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    });
    assert_eq!(list.len(), inserted - removed);
    assert_eq!(
        counts.retired(),
        removed,
        "every removed node retired exactly once"
    );
    list.domain().barrier();
    drop(list);
    assert_eq!(counts.freed(), counts.retired());
    LEDGER.assert_balanced();
}
