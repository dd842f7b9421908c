//! Loom models of the shared retire path (`reclaim::scheme::Core`), run through the shipped code
//! of a scheme: local bags filled by one thread and sealed by another (on the epoch scheme, whose
//! grace periods are cheapest to model), and bags left behind by a thread that exited (on SRCU).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release -p loom-tests --test core`. The mutants
//! listed in `mutants/core.txt` must each make a model fail.
#![cfg(loom)]

use loom::sync::atomic::{AtomicPtr, Ordering};
use loom::thread;
use loom_tests::model::{Ptr, check_with};
use srcu::{Flavor, SlotChoice, Srcu};

/// Poisons its object when dropped: what `retire` hands to the domain.
struct PoisonOnDrop(Ptr);
impl Drop for PoisonOnDrop {
    fn drop(&mut self) {
        self.0.poison();
    }
}

/// Frees nothing: garbage that only makes the domain's pending count non-zero.
struct Filler;

type Domain = Srcu<2>;

fn leak_domain() -> &'static Domain {
    Box::leak(Box::new(Srcu::fixed_with_options(
        Flavor::Fenced,
        SlotChoice::Thread,
    )))
}

fn release_domain(domain: &'static Domain) {
    // SAFETY: every thread that borrowed it has joined; it came from `Box::leak`.
    drop(unsafe { Box::from_raw(domain as *const Domain as *mut Domain) });
}

/// A shared pointer to a first object, and the replacement a writer swaps in.
struct Shared {
    slot: AtomicPtr<()>,
    first: Ptr,
    second: Ptr,
}

impl Shared {
    fn new() -> &'static Shared {
        let first = Ptr::new();
        Box::leak(Box::new(Shared {
            slot: AtomicPtr::new(first.0),
            first,
            second: Ptr::new(),
        }))
    }

    fn load(&self) -> Ptr {
        Ptr(self.slot.load(Ordering::Acquire))
    }

    fn swap(&self) -> Ptr {
        Ptr(self.slot.swap(self.second.0, Ordering::AcqRel))
    }

    fn release(&'static self) {
        self.first.release();
        self.second.release();
        // SAFETY: from `Box::leak` in `new`; every thread has joined.
        drop(unsafe { Box::from_raw(self as *const Shared as *mut Shared) });
    }
}

/// These models have three threads that each run whole grace periods; a small preemption bound
/// keeps them to seconds (the environment's `LOOM_MAX_PREEMPTIONS` does not raise it). Each
/// bound is the smallest that still catches its mutant.
fn bounded(preemptions: usize) -> loom::model::Builder {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(preemptions);
    builder
}

fn reader(domain: &'static Domain, shared: &'static Shared) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let guard = domain.read_lock();
        shared.load().read();
        drop(guard);
    })
}

/// (1) A writer retires garbage and advances the epoch; a reader then pins at the new epoch and
/// loads the object; the writer unlinks and
/// retires it (it stays in the writer's local bag), and the main thread's `barrier` takes that
/// bag, seals it and frees it. The tag must be read after the take: a tag read before
/// (`core_early_tag`) can be older than the writer's advance, and expire while the reader, pinned
/// after that advance, still holds the object. The writer and the reader hand over through
/// channels (each blocks), so that loom reaches this schedule within a small preemption bound.
#[test]
fn bag_sealed_on_one_thread_and_freed_on_another() {
    check_with(bounded(3), || {
        let domain: &'static epoch::Epoch = Box::leak(Box::new(epoch::Epoch::new()));
        let shared = Shared::new();
        let (loaded_tx, loaded_rx) = loom::sync::mpsc::channel::<()>();
        let (unlinked_tx, unlinked_rx) = loom::sync::mpsc::channel::<()>();
        let (started_tx, started_rx) = loom::sync::mpsc::channel::<()>();
        let writer = thread::spawn(move || {
            // Garbage first, so that the object below waits in the bag instead of being sealed
            // alone (and so that the writer's slot exists when `barrier` walks the slots); then
            // one advance.
            domain.retire(Box::new(Filler));
            started_tx.send(()).unwrap();
            domain.try_advance();
            loaded_rx.recv().unwrap();
            let old = shared.swap();
            domain.retire(Box::new(PoisonOnDrop(old)));
            unlinked_tx.send(()).unwrap();
        });
        let reader = thread::spawn(move || {
            let guard = domain.pin();
            let seen = shared.load();
            loaded_tx.send(()).unwrap();
            unlinked_rx.recv().unwrap();
            seen.read();
            drop(guard);
        });
        started_rx.recv().unwrap();
        domain.barrier();
        writer.join().unwrap();
        reader.join().unwrap();
        // SAFETY: every thread that borrowed it has joined; it came from `Box::leak`.
        drop(unsafe { Box::from_raw(domain as *const epoch::Epoch as *mut epoch::Epoch) });
        shared.release();
    });
}

/// (2) A thread unlinks and retires the object, which stays in its local bag (other garbage is
/// pending behind the main thread's own section), and exits. The bag now belongs to nobody; the
/// main thread's `barrier` must still wait a grace period before freeing it
/// (`core_free_stolen_untagged` frees it at once).
#[test]
fn bag_orphaned_at_thread_exit() {
    check_with(bounded(1), || {
        let domain = leak_domain();
        let shared = Shared::new();
        let section = domain.read_lock();
        domain.retire(Box::new(Filler));
        let exiting = thread::spawn(move || {
            let old = shared.swap();
            domain.retire(Box::new(PoisonOnDrop(old)));
        });
        let reader = reader(domain, shared);
        exiting.join().unwrap();
        drop(section);
        domain.barrier();
        reader.join().unwrap();
        release_domain(domain);
        shared.release();
    });
}
