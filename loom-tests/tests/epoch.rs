//! Loom models of epoch-based reclamation, run on the shipped `epoch` code (its atomics and
//! fences come from `reclaim::sync`).
//!
//! Each model has a reader that dereferences a shared pointer while pinned and a writer that
//! unlinks the object and frees it after a grace period. "Freeing" writes a poison value through
//! a loom `UnsafeCell`; a read after the poisoning, or concurrent with it (a causality
//! violation), fails the model. The memory itself is released only after every thread joined.
//!
//! Run with `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=3 cargo test --release -p loom-tests
//! --test epoch`. The mutants listed in `mutants/epoch.txt` must each make a model fail.
#![cfg(loom)]

use epoch::Epoch;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, Ordering};
use loom::thread;
use loom_tests::model::{Ptr, Shared, builder, check_with, reader_model};

type Domain = Epoch<4>;

/// Poisons its object when dropped, and counts the drop: what `retire` hands to the domain.
struct PoisonOnDrop(Ptr, Arc<AtomicUsize>);
impl Drop for PoisonOnDrop {
    fn drop(&mut self) {
        self.0.poison();
        self.1.fetch_add(1, Ordering::Relaxed);
    }
}

/// A domain the model's threads can borrow for `'static`; released by `release_domain`.
fn leak_domain() -> &'static Domain {
    Box::leak(Box::new(Epoch::new_fixed()))
}

fn release_domain(domain: &'static Domain) {
    // SAFETY: every thread that borrowed it has joined; it came from `Box::leak`.
    drop(unsafe { Box::from_raw(domain as *const Domain as *mut Domain) });
}

/// Runs `body` as a loom model with `preemptions` as its bound, on a fresh domain and shared
/// pointer that its threads can borrow for `'static`; both are released once `body` returns
/// (after joining every thread it spawned).
fn check(preemptions: usize, body: fn(&'static Domain, &'static Shared)) {
    check_on(builder(preemptions), body);
}

/// As `check`, with `preemptions` as the bound whatever `LOOM_MAX_PREEMPTIONS` says: for a
/// model whose failing schedule needs a higher bound than the suite's, and is cheap there.
fn check_at(preemptions: usize, body: fn(&'static Domain, &'static Shared)) {
    let mut fixed = loom::model::Builder::new();
    fixed.preemption_bound = Some(preemptions);
    check_on(fixed, body);
}

fn check_on(builder: loom::model::Builder, body: fn(&'static Domain, &'static Shared)) {
    check_with(builder, move || {
        let domain = leak_domain();
        let shared = Shared::new();
        body(domain, shared);
        // The domain first: dropping it may still run destructors that poison the objects.
        release_domain(domain);
        shared.release();
    });
}

/// A reader thread: pin, read the shared object, unpin.
fn spawn_reader(domain: &'static Domain, shared: &'static Shared) -> thread::JoinHandle<()> {
    reader_model(domain, shared)
}

/// What a writer does in the polling models: take a cookie after the unlink, poll until its
/// grace period is over, then free the object.
fn free_after_polling(domain: &Domain, old: Ptr) {
    let cookie = domain.get_state();
    while !domain.poll(&cookie) {
        thread::yield_now();
    }
    old.poison();
}

/// (1) A pin against the advances and the free of a retired object (`retire`, then `barrier`,
/// which advances the epoch until the object's bag expires, and frees it).
#[test]
fn pin_against_advance_and_free() {
    check(3, |domain, shared| {
        let drops = Arc::new(AtomicUsize::new(0));
        let reader = spawn_reader(domain, shared);
        let old = shared.swap();
        domain.retire(Box::new(PoisonOnDrop(old, drops.clone())));
        domain.barrier();
        assert_eq!(drops.load(Ordering::Relaxed), 1, "barrier did not free it");
        reader.join().unwrap();
    });
}

/// (2) Nesting: an inner guard comes and goes inside an outer one that still holds the object.
/// Only the outermost unpin may release the slot.
#[test]
fn nested_pin_keeps_the_outer_section() {
    check(3, |domain, shared| {
        let reader = thread::spawn(move || {
            let outer = domain.pin();
            let held = shared.load();
            drop(domain.pin());
            held.read();
            drop(outer);
        });
        let old = shared.swap();
        domain.synchronize();
        old.poison();
        reader.join().unwrap();
    });
}

/// (3) An advance blocked by a slot pinned at the old epoch. The writer's cookie is the epoch
/// `t` it read after the unlink; a reader pinned at `t` lets the epoch move to `t + 1`, and then
/// sits one behind: the advance to `t + 2` must wait for it.
#[test]
fn advance_blocked_by_a_slot_pinned_at_the_old_epoch() {
    check(3, |domain, shared| {
        let reader = spawn_reader(domain, shared);
        let old = shared.swap();
        free_after_polling(domain, old);
        reader.join().unwrap();
    });
}

/// (4) A thread retires an object, which stays in its slot's local bag (other garbage is
/// pending, so the bag is not sealed at once), and exits. `barrier` on another thread takes the
/// dead thread's bag, waits for the reader, and frees the object exactly once.
#[test]
fn thread_exits_holding_a_local_bag() {
    check(2, |domain, shared| {
        let drops = Arc::new(AtomicUsize::new(0));
        let reader = spawn_reader(domain, shared);
        let retirer = {
            let drops = drops.clone();
            thread::spawn(move || {
                // Sealed at once (nothing else waits), and pending for two advances.
                domain.retire(Box::new(0u8));
                let old = shared.swap();
                domain.retire(Box::new(PoisonOnDrop(old, drops)));
            })
        };
        retirer.join().unwrap();
        domain.barrier();
        assert_eq!(
            drops.load(Ordering::Relaxed),
            1,
            "the dead thread's bag was lost"
        );
        assert_eq!(domain.stats().pending, 0);
        reader.join().unwrap();
    });
}

/// (5) Two threads advance at once while a reader pins. An advance must move the epoch from the
/// value it checked the slots against, read before them: one read after the scan may already
/// be past a reader the scan missed.
#[test]
fn concurrent_advances_check_the_epoch_they_move_from() {
    check(3, |domain, shared| {
        let reader = spawn_reader(domain, shared);
        let advancer = thread::spawn(move || {
            domain.try_advance();
        });
        let old = shared.swap();
        free_after_polling(domain, old);
        reader.join().unwrap();
        advancer.join().unwrap();
    });
}

/// (6) A registered reader (the `no_std` way in) against `synchronize`.
#[test]
fn registered_reader_against_synchronize() {
    check(3, |domain, shared| {
        let reader = thread::spawn(move || {
            let reader = domain.register().unwrap();
            let guard = reader.pin();
            shared.load().read();
            drop(guard);
        });
        let old = shared.swap();
        domain.synchronize();
        old.poison();
        reader.join().unwrap();
    });
}

/// (7) The advances that free an object, made by a thread that runs no other fence: their
/// fence A must be `SeqCst`. A reader pins at epoch `t` and its P comes before the writer's T
/// (so its loads need not see the unlink), and the writer's tag is `t`; the advances from `t`
/// to `t + 2` happen on a thread spawned first (nothing orders it after the reader's pin but
/// A's place in the single order of `SeqCst` fences). With `epoch_weak_advance_fence` A is an
/// acquire fence: both scans may miss the pin, and the writer frees under the reader. (Loom
/// makes every `SeqCst` fence synchronize with every earlier one, stronger than the language;
/// with the advances on the writer's thread, its T would stand in for a weak A.)
#[test]
fn advances_on_a_thread_that_runs_no_other_fence() {
    check(3, |domain, shared| {
        let advancer = thread::spawn(move || {
            domain.try_advance();
            domain.try_advance();
        });
        let reader = spawn_reader(domain, shared);
        let old = shared.swap();
        let cookie = domain.get_state();
        if domain.poll(&cookie) {
            old.poison();
        }
        reader.join().unwrap();
        advancer.join().unwrap();
    });
}

/// (8) A reader's second section, pinned at the epoch an advance then scans: the advance must
/// see the end of the first section, which read the object, although the unpin that ended it
/// was overwritten by the second pin before the scan. The pin store is a release for that
/// (epoch-U; `epoch_pin_store_relaxed` makes it relaxed, and the writer's free races with the
/// first section's read). The failing schedule needs 4 preemptions; the model takes a fraction
/// of a second there.
#[test]
fn second_pin_publishes_the_end_of_the_first_section() {
    check_at(4, |domain, shared| {
        let reader = thread::spawn(move || {
            let guard = domain.pin();
            shared.load().read();
            drop(guard);
            drop(domain.pin());
        });
        let old = shared.swap();
        free_after_polling(domain, old);
        reader.join().unwrap();
    });
}

/// (9) `repin` moves a long section to the current epoch: the new pin must be published before
/// the loads that follow it (fence P again), or an advance may count the reader as at the new
/// epoch while its loads do not yet see an unlink the writer made before its tag. The reader
/// pins, advances the epoch itself, repins and loads; `epoch_repin_no_fence` stores the new
/// pin without P.
#[test]
fn repin_fences_before_the_loads_that_follow() {
    check(3, |domain, shared| {
        let reader = thread::spawn(move || {
            let mut guard = domain.pin();
            domain.try_advance();
            guard.repin();
            shared.load().read();
            drop(guard);
        });
        let old = shared.swap();
        free_after_polling(domain, old);
        reader.join().unwrap();
    });
}
