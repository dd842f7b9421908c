//! Loom models of `Section::repin` (the typed pointers' section), run on the shipped code of
//! `reclaim::atomic` and of the epoch scheme, whose nested pins are what makes renewing a
//! section a question at all.
//!
//! The ordering argument of `repin`: it ends the old section (the scheme's exit: epoch-U)
//! before it begins the new one (the scheme's enter: epoch-P), and the borrow checker keeps
//! every pointer loaded before it from being used after (a compile-fail doctest of `Section`
//! checks that). So a pointer loaded after `repin` is protected by the new section exactly as
//! by a fresh one: a writer that unlinks it and waits (`barrier`) must wait for the new
//! section. The models below have a reader that loads, repins, loads again and reads each
//! object, against a writer that swaps the object out, retires it through its own section and
//! waits for its free; freeing writes a poison value through a loom cell, so a read after the
//! free, or concurrent with it, fails the model.
//!
//! The mutant `section_repin_no_enter` (listed in `mutants/atomic.txt`) leaves the old section
//! and never enters the new one; the models must catch it.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p loom-tests
//! --test section`.
#![cfg(loom)]

use epoch::Epoch;
use loom::thread;
use loom_tests::model::{Ptr, builder, check_with};
use reclaim::atomic::{Atomic, Owned, Section};
use reclaim::sync::Ordering::{AcqRel, Acquire, Relaxed};

type Domain = Epoch<4>;

/// A node whose drop poisons its object: what the domain runs when it frees a retired node.
struct Node(Ptr);
impl Drop for Node {
    fn drop(&mut self) {
        self.0.poison();
    }
}

/// What the models share: a domain, a link to a first object, and the replacement.
struct World {
    domain: Domain,
    link: Atomic<Node>,
    first: Ptr,
    second: Ptr,
}

/// A fresh world its threads can borrow for `'static`; `release` frees it.
fn leak_world() -> &'static World {
    let first = Ptr::new();
    Box::leak(Box::new(World {
        domain: Epoch::new_fixed(),
        link: Atomic::new(Node(first)),
        first,
        second: Ptr::new(),
    }))
}

fn release(world: &'static World) {
    // SAFETY: every thread that borrowed it has joined; it came from `Box::leak`.
    let world = unsafe { Box::from_raw(world as *const World as *mut World) };
    // SAFETY: the link's node is owned by the link alone now.
    drop(unsafe { world.link.load_unprotected(Relaxed).into_owned() });
    let (first, second) = (world.first, world.second);
    drop(world); // the domain: may still poison a retired object
    first.release();
    second.release();
}

/// The reader: one section, a load and a read, `repin`, a second load and read.
fn reader(world: &World, section: &mut Section<'_, Domain>) {
    let before = world.link.load(Acquire, section);
    // SAFETY: loaded in `section`; nodes are retired only through the world's domain.
    unsafe { before.deref() }.0.read();
    section.repin();
    let after = world.link.load(Acquire, section);
    // SAFETY: as above, in the renewed section.
    unsafe { after.deref() }.0.read();
}

/// The writer: swap the first object out, retire it through its own section, wait for it to
/// be freed.
fn writer(world: &World) {
    let section = Section::new(&world.domain);
    let old = world
        .link
        .swap(Owned::new(Node(world.second)), AcqRel, &section);
    // SAFETY: unlinked by the swap, returned to this thread alone.
    unsafe { section.retire(old) };
    drop(section);
    reclaim::Reclaim::barrier(&world.domain);
}

/// A section on the thread's own slot, renewed between two loads while a writer frees what
/// the first load could see.
#[test]
fn repin_on_the_thread_slot_protects_the_next_load() {
    check_with(builder(3), || {
        let world = leak_world();
        let r = thread::spawn(move || {
            let mut section = Section::new(&world.domain);
            reader(world, &mut section);
        });
        writer(world);
        r.join().unwrap();
        release(world);
    });
}

/// The same through a registered reader's section: `repin` re-enters on the reader (the
/// erased-reader path of `Section`).
#[test]
fn repin_on_a_registered_reader_protects_the_next_load() {
    check_with(builder(3), || {
        let world = leak_world();
        let r = thread::spawn(move || {
            let handle = world.domain.register().expect("a slot is free");
            let mut section = handle.section();
            reader(world, &mut section);
        });
        writer(world);
        r.join().unwrap();
        release(world);
    });
}
