//! Loom models of SRCU, run on the shipped `srcu` code (its atomics come from `reclaim::sync`).
//!
//! Each model has a reader that dereferences a shared pointer inside a read section and a writer
//! that unlinks the object and then frees it after a grace period. "Freeing" writes a poison
//! value through a loom `UnsafeCell`; the memory itself is released only after every thread has
//! joined, so a wrong answer never touches freed memory for real. A reader that reads the object
//! after it was poisoned, or concurrently with the poisoning (loom reports the data race as a
//! causality violation), fails the model.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release -p loom-tests --test srcu`. The mutants
//! listed in `mutants/srcu.txt` must each make at least one model fail (built with
//! `RUSTFLAGS='--cfg loom --cfg reclaim_mutant="NAME"'`).
#![cfg(loom)]

use loom::thread;
use loom_tests::model::{Ptr, Shared, builder, check_with, reader_model};
use srcu::{Flavor, Options, SlotChoice, Srcu};

/// Poisons its object when dropped: what `retire` hands to the domain.
struct PoisonOnDrop(Ptr);
impl Drop for PoisonOnDrop {
    fn drop(&mut self) {
        self.0.poison();
    }
}

type Domain = Srcu<2>;

/// A domain the model's threads can borrow for `'static`; released by `release_domain`.
///
/// Fenced flavor: under loom it runs B as `fence(SeqCst)` and C as `fence(Release)`, exactly as
/// shipped. (The Fast flavor's light fences are full fences under loom, which would check a
/// stronger C than the one that ships.)
fn leak_domain(choice: SlotChoice) -> &'static Domain {
    Box::leak(Box::new(Srcu::fixed_with_options(
        Options::DEFAULT.flavor(Flavor::Fenced).slots(choice),
    )))
}

fn release_domain(domain: &'static Domain) {
    // SAFETY: every thread that borrowed it has joined; it came from `Box::leak`.
    drop(unsafe { Box::from_raw(domain as *const Domain as *mut Domain) });
}

fn check(preemptions: usize, model: impl Fn() + Sync + Send + 'static) {
    check_with(builder(preemptions), model);
}

/// As `check`, with `preemptions` as the bound whatever `LOOM_MAX_PREEMPTIONS` says: for a
/// model whose failing schedule needs few preemptions and whose threads make long executions.
fn check_at(preemptions: usize, model: impl Fn() + Sync + Send + 'static) {
    let mut fixed = loom::model::Builder::new();
    fixed.preemption_bound = Some(preemptions);
    check_with(fixed, model);
}

/// (1) A reader loads the index, stalls, and increments after a flip. The writer runs a full
/// grace period first, so that the reader's stale index lands in the *inactive* half of the
/// second grace period: only waiting on both halves catches it.
#[test]
fn reader_stalled_before_increment_is_waited_for() {
    check(3, || {
        let domain = leak_domain(SlotChoice::Thread);
        let shared = Shared::new();
        let reader = reader_model(domain, shared);
        domain.synchronize();
        let old = shared.swap();
        domain.synchronize();
        old.poison();
        reader.join().unwrap();
        release_domain(domain);
        shared.release();
    });
}

/// (2) A reader against `retire` of the object it may hold, then `barrier`: no use after free.
#[test]
fn reader_against_retire_has_no_use_after_free() {
    check(3, || {
        let domain = leak_domain(SlotChoice::Thread);
        let shared = Shared::new();
        let reader = reader_model(domain, shared);
        let old = shared.swap();
        domain.retire(Box::new(PoisonOnDrop(old)));
        domain.barrier();
        reader.join().unwrap();
        release_domain(domain);
        shared.release();
    });
}

/// (2b) The same with `synchronize` and a drop in place, readers on shared (per-CPU) slots.
#[test]
fn reader_against_synchronize_on_shared_slots() {
    check(3, || {
        let domain = leak_domain(SlotChoice::Cpu);
        let shared = Shared::new();
        let reader = reader_model(domain, shared);
        let old = shared.swap();
        domain.synchronize();
        old.poison();
        reader.join().unwrap();
        release_domain(domain);
        shared.release();
    });
}

/// (3) A polled cookie against a reader: `poll` reports true only after the reader left.
#[test]
fn polled_cookie_waits_for_reader() {
    check(3, || {
        let domain = leak_domain(SlotChoice::Thread);
        let shared = Shared::new();
        let reader = reader_model(domain, shared);
        let old = shared.swap();
        let cookie = domain.start_poll();
        while !domain.poll(&cookie) {
            thread::yield_now();
        }
        old.poison();
        reader.join().unwrap();
        release_domain(domain);
        shared.release();
    });
}

/// (4) A section locked through a token on one thread and unlocked on another, which reads the
/// object in between.
#[test]
fn token_unlocked_on_another_thread() {
    check(2, || {
        let domain = leak_domain(SlotChoice::Thread);
        let shared = Shared::new();
        let writer = thread::spawn(move || {
            let old = shared.swap();
            domain.synchronize();
            old.poison();
        });
        let token = domain.read_lock_token();
        let seen = shared.load();
        let other = thread::spawn(move || {
            seen.read();
            domain.read_unlock(token);
        });
        other.join().unwrap();
        writer.join().unwrap();
        release_domain(domain);
        shared.release();
    });
}

/// (5) A nested section opens and closes inside an outer one that still holds the object. The
/// inner section's unlock must not balance out the outer section's lock.
#[test]
fn nested_section_does_not_hide_the_outer_one() {
    check(3, || {
        let domain = leak_domain(SlotChoice::Thread);
        let shared = Shared::new();
        let reader = thread::spawn(move || {
            let outer = domain.read_lock();
            let seen = shared.load();
            drop(domain.read_lock());
            seen.read();
            drop(outer);
        });
        let old = shared.swap();
        domain.synchronize();
        old.poison();
        reader.join().unwrap();
        release_domain(domain);
        shared.release();
    });
}

/// (6) Another thread drives the grace period: a second `synchronize` caller races with the
/// writer, so the writer's cookie may be served by a grace period the other thread started and
/// finished (the try-lock hand-off, `needed`, barrier P against E).
#[test]
fn grace_period_driven_by_another_caller() {
    // Two callers spinning on the driver's try-lock make long executions; this model always runs
    // with the preemption bound 2 (about 15 s in release).
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(2);
    builder.max_branches = 20_000;
    check_with(builder, || {
        let domain = leak_domain(SlotChoice::Thread);
        let shared = Shared::new();
        let reader = reader_model(domain, shared);
        let helper = thread::spawn(move || domain.synchronize());
        let old = shared.swap();
        domain.synchronize();
        old.poison();
        reader.join().unwrap();
        helper.join().unwrap();
        release_domain(domain);
        shared.release();
    });
}

/// (7) Two readers share one slot (per-CPU slots; under loom every thread is on "CPU 0") with
/// overlapping sections. Their increments must not lose counts: with a plain load and store
/// instead of `fetch_add` (the `srcu_plain_shared` mutant), one reader's lock can vanish and the
/// grace period end while it is inside. The writer polls a few times instead of waiting: with
/// counts lost the other way a wait spins until loom's branch limit, which names nothing.
#[test]
fn readers_sharing_a_slot_do_not_lose_counts() {
    // Bound 2 catches the mutant in seconds; the suite's 3 takes over a minute.
    check_at(2, || {
        let domain = leak_domain(SlotChoice::Cpu);
        let shared = Shared::new();
        let readers: Vec<_> = (0..2).map(|_| reader_model(domain, shared)).collect();
        let old = shared.swap();
        let cookie = domain.start_poll();
        if (0..3).any(|_| domain.poll(&cookie)) {
            old.poison();
        }
        for reader in readers {
            reader.join().unwrap();
        }
        release_domain(domain);
        shared.release();
    });
}

/// (8) A grace period driven from start to end by a thread whose own barrier P came before the
/// writer's update: the scans' barrier A must be a full fence in the driving thread (with A
/// weakened to an acquire fence, the `srcu_weak_a` mutant, the scans can miss a reader that also
/// misses the update). The writer takes its cookie without starting anything, so that the helper
/// is the one to drive.
#[test]
fn grace_period_driven_by_a_thread_that_fenced_before_the_update() {
    check(2, || {
        let domain = leak_domain(SlotChoice::Thread);
        let shared = Shared::new();
        let reader = reader_model(domain, shared);
        let helper = thread::spawn(move || {
            let cookie = domain.start_poll();
            while !domain.poll(&cookie) {
                thread::yield_now();
            }
        });
        let old = shared.swap();
        let cookie = domain.get_state();
        helper.join().unwrap();
        if domain.poll(&cookie) {
            old.poison();
        }
        reader.join().unwrap();
        release_domain(domain);
        shared.release();
    });
}

/// (9) The token version of (7): two threads lock through `read_lock_token` on one shared slot
/// (per-CPU slots; under loom every thread is on CPU 0), read, and unlock. A token's lock on a
/// shared slot must be an atomic increment (`srcu_token_plain_shared` makes it a plain load and
/// store, as on a slot the thread owns): a lost lock lets the grace period end while that reader
/// is inside. The writer polls a few times instead of waiting: with counts lost the other way
/// (more unlocks than locks) a wait would spin until loom's branch limit, which names nothing.
#[test]
fn token_readers_sharing_a_slot_do_not_lose_counts() {
    // Bound 2 catches the mutant in seconds; the suite's 3 takes over a minute.
    check_at(2, || {
        let domain = leak_domain(SlotChoice::Cpu);
        let shared = Shared::new();
        let readers: Vec<_> = (0..2)
            .map(|_| {
                thread::spawn(move || {
                    let token = domain.read_lock_token();
                    shared.load().read();
                    domain.read_unlock(token);
                })
            })
            .collect();
        let old = shared.swap();
        let cookie = domain.start_poll();
        if (0..3).any(|_| domain.poll(&cookie)) {
            old.poison();
        }
        for reader in readers {
            reader.join().unwrap();
        }
        release_domain(domain);
        shared.release();
    });
}

/// (10) A poller that drives nothing, against two drivers: a reader leaves its section and
/// drives the grace period the poller's cookie needs to its end; another thread starts the next
/// one, having run its own P before it took over the machine (so before the first driver's
/// scans, which it only learns of through the sequence and the driving lock). The poll may
/// read the sequence from that second driver's store, and its thread ran no fence after it
/// took over: only the Release on every store of the sequence (with the Acquire of the poll's
/// load) hands the first driver's scans, and the section they saw end, on to the poller.
/// `srcu_gp_publish_relaxed` makes the stores relaxed; a relaxed store right after a fence A
/// would still be ordered by that fence, which is why the model needs the second driver. (The
/// Fast flavor needs the Release even with one driver: its A is `membarrier`, not a fence of
/// the language.)
#[test]
fn poll_reads_the_sequence_from_a_later_driver() {
    // The failing schedule needs 2 preemptions (the second driver stops between its P and its
    // load of the sequence); at 3 the model takes minutes.
    check_at(2, || {
        let domain = leak_domain(SlotChoice::Thread);
        let shared = Shared::new();
        let first = thread::spawn(move || {
            let section = domain.enter();
            shared.load().read();
            drop(section);
            let _ = domain.start_poll();
        });
        let old = shared.swap();
        let cookie = domain.get_state();
        let second = thread::spawn(move || {
            let _ = domain.start_poll();
        });
        // Without the yield, loom's bounded search never runs both drivers before this poll.
        thread::yield_now();
        if domain.poll(&cookie) {
            old.poison();
        }
        first.join().unwrap();
        second.join().unwrap();
        release_domain(domain);
        shared.release();
    });
}
