//! Sequential model checks: random operation sequences run on each structure and on the
//! matching `std` collection must give the same answers and leave the same contents.
#![cfg(not(loom))]

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, VecDeque};

use gracepoint_structures::{HashMap, List, Queue, RcuCell, SkipList, Stack, Tree};
use proptest::prelude::*;
use srcu::Srcu;

#[derive(Clone, Debug)]
enum MapOp {
    Insert(u8, u32),
    Remove(u8),
    Get(u8),
}

fn map_ops() -> impl Strategy<Value = Vec<MapOp>> {
    let op = prop_oneof![
        (any::<u8>(), any::<u32>()).prop_map(|(k, v)| MapOp::Insert(k % 48, v)),
        any::<u8>().prop_map(|k| MapOp::Remove(k % 48)),
        any::<u8>().prop_map(|k| MapOp::Get(k % 48)),
    ];
    proptest::collection::vec(op, 0..200)
}

/// The operations every map-like structure offers, so one model check covers all three.
trait Map {
    fn insert(&self, k: u8, v: u32) -> Result<(), (u8, u32)>;
    fn remove(&self, k: &u8) -> bool;
    fn get(&self, k: &u8) -> Option<u32>;
    fn entries(&self) -> Vec<(u8, u32)>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool;
}

macro_rules! map {
    ($ty:ty) => {
        impl Map for $ty {
            fn insert(&self, k: u8, v: u32) -> Result<(), (u8, u32)> {
                <$ty>::insert(self, k, v)
            }
            fn remove(&self, k: &u8) -> bool {
                <$ty>::remove(self, k)
            }
            fn get(&self, k: &u8) -> Option<u32> {
                <$ty>::get(self, k).map(|v| *v)
            }
            fn entries(&self) -> Vec<(u8, u32)> {
                let mut entries = Vec::new();
                self.for_each(|k, v| entries.push((*k, *v)));
                entries
            }
            fn len(&self) -> usize {
                <$ty>::len(self)
            }
            fn is_empty(&self) -> bool {
                <$ty>::is_empty(self)
            }
        }
    };
}

map!(List<u8, u32, Srcu>);
map!(HashMap<u8, u32, Srcu>);
map!(Tree<u8, u32, Srcu>);
map!(SkipList<u8, u32, Srcu>);

fn check_map(map: &impl Map, ops: &[MapOp], sorted: bool) {
    let mut model = BTreeMap::new();
    for op in ops {
        match *op {
            MapOp::Insert(k, v) => {
                let expected = match model.entry(k) {
                    Entry::Occupied(_) => Err((k, v)),
                    Entry::Vacant(slot) => {
                        slot.insert(v);
                        Ok(())
                    }
                };
                assert_eq!(map.insert(k, v), expected, "{op:?}");
            }
            MapOp::Remove(k) => assert_eq!(map.remove(&k), model.remove(&k).is_some(), "{op:?}"),
            MapOp::Get(k) => assert_eq!(map.get(&k), model.get(&k).copied(), "{op:?}"),
        }
        assert_eq!(map.len(), model.len());
        assert_eq!(map.is_empty(), model.is_empty());
    }
    let mut entries = map.entries();
    if !sorted {
        entries.sort();
    }
    assert_eq!(entries, model.into_iter().collect::<Vec<_>>());
}

#[derive(Clone, Debug)]
enum PoolOp {
    Push(u32),
    Pop,
}

fn pool_ops() -> impl Strategy<Value = Vec<PoolOp>> {
    let op = prop_oneof![any::<u32>().prop_map(PoolOp::Push), Just(PoolOp::Pop)];
    proptest::collection::vec(op, 0..200)
}

proptest! {
    #[test]
    fn list_matches_a_btree_map(ops in map_ops()) {
        check_map(&List::new(Srcu::new()), &ops, true);
    }

    #[test]
    fn hash_map_matches_a_btree_map(ops in map_ops(), buckets in 1usize..8) {
        check_map(&HashMap::new(Srcu::new(), buckets), &ops, false);
    }

    #[test]
    fn tree_matches_a_btree_map(ops in map_ops()) {
        check_map(&Tree::new(Srcu::new()), &ops, true);
    }

    #[test]
    fn skiplist_matches_a_btree_map(ops in map_ops()) {
        check_map(&SkipList::new(Srcu::new()), &ops, true);
    }

    #[test]
    fn rcu_cell_matches_a_plain_value(ops in proptest::collection::vec((0u8..5, any::<u32>()), 0..100)) {
        let cell = RcuCell::new(0u32, Srcu::new());
        let mut model = 0u32;
        for (op, v) in ops {
            match op {
                0 => {
                    cell.store(v);
                    model = v;
                }
                1 => {
                    prop_assert_eq!(*cell.swap(v), model);
                    model = v;
                }
                2 => {
                    prop_assert_eq!(*cell.update(|x| x.wrapping_add(v)), model);
                    model = model.wrapping_add(v);
                }
                3 => {
                    let seen = cell.load();
                    prop_assert!(cell.compare_and_set(&seen, v).is_ok());
                    prop_assert_eq!(cell.compare_and_set(&seen, v), Err(v));
                    model = v;
                }
                _ => prop_assert_eq!(*cell.load(), model),
            }
        }
        prop_assert_eq!(cell.into_inner(), model);
    }

    #[test]
    fn stack_matches_a_vec(ops in pool_ops()) {
        let stack = Stack::new(Srcu::new());
        let mut model = Vec::new();
        for op in &ops {
            match *op {
                PoolOp::Push(v) => {
                    stack.push(v);
                    model.push(v);
                }
                PoolOp::Pop => prop_assert_eq!(stack.pop(), model.pop()),
            }
            prop_assert_eq!(stack.is_empty(), model.is_empty());
        }
    }

    #[test]
    fn queue_matches_a_vec_deque(ops in pool_ops()) {
        let queue = Queue::new(Srcu::new());
        let mut model = VecDeque::new();
        for op in &ops {
            match *op {
                PoolOp::Push(v) => {
                    queue.push(v);
                    model.push_back(v);
                }
                PoolOp::Pop => prop_assert_eq!(queue.pop(), model.pop_front()),
            }
            prop_assert_eq!(queue.is_empty(), model.is_empty());
        }
    }
}
