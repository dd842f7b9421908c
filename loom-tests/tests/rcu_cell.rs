//! Loom models of `structures::RcuCell`, run on its shipped code and SRCU's (Fenced flavor).
//!
//! The ordering argument of `update` (see `structures/src/rcu_cell.rs`): the value `f` builds
//! is published by the winning compare-and-swap's release half (cell-P), which a reader's
//! acquire load (cell-L) pairs with, so a reader that sees the new pointer sees the value
//! built before it. The compare-and-swap's acquire half (cell-T) makes the value it replaced
//! (which `f` read, and which the winner retires) visible to the winner; a losing attempt
//! reads the value it found with the same acquire. Each replaced value is retired once, by the
//! one winner, after its own section began, so the `RcuRef` `update` returns keeps it alive.
//!
//! A value's payload is a loom object (`model::Ptr`) made inside `f`, on the updating thread:
//! a reader that reads it without the release/acquire pair is a causality violation, and a
//! value freed while a reader still holds it is poisoned first (a read after that fails).
//! The mutant `cell_update_relaxed` (in `mutants/atomic.txt`) publishes with a compare-and-swap
//! that has no release half; model (1) must catch it.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p loom-tests
//! --test rcu_cell`.
#![cfg(loom)]

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use loom::thread;
use loom_tests::model::{Ptr, builder, check_with};
use srcu::{Flavor, Options, SlotChoice, Srcu};
use structures::RcuCell;

type Domain = Srcu<2>;

/// What the model's values count and keep, so that their objects can be released after every
/// thread has joined.
#[derive(Default)]
struct Books {
    made: Mutex<Vec<Ptr>>,
    created: AtomicUsize,
    dropped: AtomicUsize,
}

impl Books {
    /// A value `n` with a fresh object, made on the calling thread.
    fn value(&'static self, n: u64) -> Value {
        let obj = Ptr::new();
        self.made.lock().unwrap().push(obj);
        self.created.fetch_add(1, SeqCst);
        Value {
            n,
            obj,
            books: self,
        }
    }
}

/// A cell value: a number, and a loom object that its drop poisons.
struct Value {
    n: u64,
    obj: Ptr,
    books: &'static Books,
}

impl Drop for Value {
    fn drop(&mut self) {
        self.obj.poison();
        self.books.dropped.fetch_add(1, SeqCst);
    }
}

type Cell = RcuCell<Value, Domain>;

/// A cell holding value 0 and the books, both borrowable for `'static`; `release` frees them.
fn leak_cell() -> (&'static Cell, &'static Books) {
    let books: &'static Books = Box::leak(Box::default());
    let domain = Srcu::fixed_with_options(
        Options::DEFAULT
            .flavor(Flavor::Fenced)
            .slots(SlotChoice::Thread),
    );
    (
        Box::leak(Box::new(RcuCell::new(books.value(0), domain))),
        books,
    )
}

/// Drops the cell (and its domain, which frees what is pending), checks that every value made
/// was dropped exactly once, then releases the objects.
fn release(cell: &'static Cell, books: &'static Books) {
    // SAFETY: every thread that borrowed them has joined; both came from `Box::leak`.
    drop(unsafe { Box::from_raw(cell as *const Cell as *mut Cell) });
    assert_eq!(
        books.dropped.load(SeqCst),
        books.created.load(SeqCst),
        "every value is dropped exactly once"
    );
    // SAFETY: as above.
    let books = unsafe { Box::from_raw(books as *const Books as *mut Books) };
    for obj in books.made.lock().unwrap().drain(..) {
        obj.release();
    }
}

/// (1) An update publishes a value built on its thread while a reader loads: the reader sees
/// either the old value or the whole new one, and the old value stays alive while the
/// reader holds it, although the writer retires it and waits for it to be freed.
#[test]
fn update_publishes_what_it_built() {
    check_with(builder(3), || {
        let (cell, books) = leak_cell();
        let reader = thread::spawn(move || {
            let value = cell.load();
            value.obj.read();
            value.n
        });
        let old = cell.update(|v| books.value(v.n + 1));
        assert_eq!(old.n, 0);
        old.obj.read();
        drop(old);
        cell.domain().barrier();
        let seen = reader.join().unwrap();
        assert!(seen <= 1);
        release(cell, books);
    });
}

/// (2) Two updates race: neither is lost, each replaced value is retired once, and every
/// value either attempt built (the losing attempt builds one more) is dropped once.
#[test]
fn racing_updates_lose_nothing() {
    check_with(builder(2), || {
        let (cell, books) = leak_cell();
        let other = thread::spawn(move || {
            drop(cell.update(|v| books.value(v.n + 1)));
        });
        drop(cell.update(|v| books.value(v.n + 1)));
        other.join().unwrap();
        let now = cell.load();
        assert_eq!(now.n, 2, "an update was lost");
        now.obj.read();
        drop(now);
        cell.domain().barrier();
        assert_eq!(
            books.dropped.load(SeqCst) + 1,
            books.created.load(SeqCst),
            "all but the current value are freed once the barrier returns"
        );
        release(cell, books);
    });
}
