//! Loom models of the `structures` crate on SRCU: the hash map's remove racing a lookup. They
//! run the shipped code of both (the map's links and SRCU's counters come from
//! `reclaim::sync`), with SRCU's Fenced flavor, as the SRCU models do.
//!
//! Each map value is a handle to an object outside the map (`model::Ptr`) whose drop poisons
//! it; that object is released only after every thread has joined. Under `cfg(loom)` every
//! node also carries a canary in a loom cell, checked by every traversal and poisoned when the
//! node is freed. A lookup that reads a value or a node after the remove's retire has freed
//! it, or concurrently with that free (a causality violation for loom), fails the model.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release -p loom-tests --test structures`.
#![cfg(loom)]

use loom::thread;
use loom_tests::model::{Ptr, builder, check_with};
use srcu::{Flavor, Options, SlotChoice, Srcu};
use structures::HashMap;

/// A map value: poisons its object when the map frees the node that holds it.
struct PoisonOnDrop(Ptr);
impl Drop for PoisonOnDrop {
    fn drop(&mut self) {
        self.0.poison();
    }
}

type Map = HashMap<u64, PoisonOnDrop, Srcu<2>>;

/// A map with one bucket (so every key shares one list) that the model's threads can borrow
/// for `'static`; released by `release_map`.
fn leak_map() -> &'static Map {
    let domain = Srcu::fixed_with_options(
        Options::DEFAULT
            .flavor(Flavor::Fenced)
            .slots(SlotChoice::Thread),
    );
    Box::leak(Box::new(HashMap::new(domain, 1)))
}

fn release_map(map: &'static Map) {
    // SAFETY: every thread that borrowed it has joined; it came from `Box::leak`.
    drop(unsafe { Box::from_raw(map as *const Map as *mut Map) });
}

fn check(model: impl Fn() + Sync + Send + 'static) {
    check_with(builder(3), model);
}

/// (1) A lookup of the key being removed: if it finds the entry, the value it holds must stay
/// alive until the lookup's `Ref` drops, although the remove retires the node meanwhile and
/// the writer then waits for everything it retired to be freed.
#[test]
fn remove_racing_a_lookup_of_the_same_key() {
    check(|| {
        let map = leak_map();
        let object = Ptr::new();
        assert!(map.insert(1, PoisonOnDrop(object)).is_ok());
        let reader = thread::spawn(move || {
            if let Some(value) = map.get(&1) {
                value.0.read();
            }
        });
        assert!(map.remove(&1));
        loom_barrier(map);
        reader.join().unwrap();
        release_map(map);
        object.release();
    });
}

/// (2) A lookup of a key *behind* the one being removed: the traversal crosses the removed
/// node (checking its canary and following its link) while the remove unlinks and retires it.
#[test]
fn remove_racing_a_lookup_that_crosses_the_node() {
    check(|| {
        let map = leak_map();
        let (first, second) = (Ptr::new(), Ptr::new());
        assert!(map.insert(1, PoisonOnDrop(first)).is_ok());
        assert!(map.insert(2, PoisonOnDrop(second)).is_ok());
        let reader = thread::spawn(move || {
            let value = map.get(&2).expect("2 is never removed");
            value.0.read();
        });
        assert!(map.remove(&1));
        loom_barrier(map);
        reader.join().unwrap();
        release_map(map);
        first.release();
        second.release();
    });
}

/// (3) Two removes of the same key race: exactly one succeeds, and the node is retired once
/// (a second free would find the poisoned canary: under loom a retired node's memory is kept,
/// so that check is reliable). The loser's lookup of the key races the winner's retire.
#[test]
fn two_removes_race() {
    check(|| {
        let map = leak_map();
        let object = Ptr::new();
        assert!(map.insert(1, PoisonOnDrop(object)).is_ok());
        let other = thread::spawn(move || map.remove(&1));
        let removed_here = map.remove(&1);
        let removed_there = other.join().unwrap();
        assert!(removed_here ^ removed_there, "exactly one remove succeeds");
        loom_barrier(map);
        release_map(map);
        object.release();
    });
}

/// The writer's wait: everything retired so far is freed when it returns.
fn loom_barrier(map: &Map) {
    reclaim::Reclaim::barrier(map.domain());
}
