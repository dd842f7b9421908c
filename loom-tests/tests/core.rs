//! Loom models of the shared retire path (`reclaim::scheme::Core`), run through SRCU's shipped
//! code: local bags filled by one thread and sealed by another, and bags left behind by a
//! thread that exited.
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

/// (1) A writer retires garbage (sealed and stepped at once, which runs a grace period) and then
/// unlinks and retires the object, which stays in its local bag; another thread's `barrier`
/// takes that bag, seals it and frees it, while a reader may hold the object. The tag must be
/// read after the take: a tag read earlier (`core_early_tag`) can name the grace period the
/// writer's own step just completed, before the reader even entered.
#[test]
fn bag_sealed_on_one_thread_and_freed_on_another() {
    check_with(bounded(1), || {
        let domain = leak_domain();
        let shared = Shared::new();
        let writer = thread::spawn(move || {
            domain.retire(Box::new(Filler));
            let old = shared.swap();
            domain.retire(Box::new(PoisonOnDrop(old)));
        });
        let reader = reader(domain, shared);
        domain.barrier();
        writer.join().unwrap();
        reader.join().unwrap();
        release_domain(domain);
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
