//! Loom models of GUS, run on the shipped `gus` code (its atomics and fences come from
//! `reclaim::sync`).
//!
//! A reader dereferences a shared pointer inside a read section; a writer unlinks the object,
//! advances, and "frees" the object if a poll says the goal has passed. Freeing writes a poison
//! value through a loom `UnsafeCell`, so a read of a freed object, or a read concurrent with the
//! free (loom reports the missing happens-before as a causality violation), fails the model.
//! The memory itself is released only after every thread has joined.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release -p loom-tests --test gus`. Every model
//! must pass on the shipped code, and each mutant listed in `mutants/gus.txt` must make its
//! model fail.
//!
//! What loom cannot check: under `cfg(loom)` the lazy mode's reader fence is a real
//! `fence(SeqCst)` and `membarrier` a plain fence, so the asymmetric-fence argument of the lazy
//! mode is not modelled; neither is wrap-around over the real sequence space (the unit and
//! property tests cover it, and the `--cfg reclaim_near_wrap` configuration runs them across
//! the wrap). Statistics are compiled out under loom.
#![cfg(loom)]

use gus::__private::{INCR, START, seq};
use gus::{Gus, Mode, Options};
use loom::sync::Arc;
use loom::sync::atomic::{AtomicPtr, Ordering};
use loom::thread;
use loom_tests::model::{Ptr, builder, check_with};
use reclaim::scheme::seq::Sequence;

type Domain = Gus<2>;

/// A domain the model's threads can borrow for `'static`; released by `release_domain`.
fn leak(domain: Domain) -> &'static Domain {
    Box::leak(Box::new(domain))
}

fn release_domain(domain: &'static Domain) {
    // SAFETY: every thread that borrowed it has joined; it came from `Box::leak`.
    drop(unsafe { Box::from_raw(domain as *const Domain as *mut Domain) });
}

/// The models share the process-wide thread-id pool (reader claims take ids from it); running
/// them one at a time keeps every execution of a model identical, as loom requires.
fn model(f: impl Fn() + Sync + Send + 'static) {
    check_with(builder(3), f);
}

/// Gives the calling thread its own slot now. The pool hands a spawned thread's id to the next
/// thread that asks once the first exits, under a lock loom does not see; a thread that takes
/// its slot only after another exited could get that slot, and loom would then report the two
/// owners' accesses to its owner-only cells as a race it cannot see ordered.
fn own_slot_now(gus: &Domain) {
    drop(gus.enter());
}

/// What most models share: a domain; an object `old` that readers find through `shared`, and
/// the `new` one a writer swaps in; a registered reader on its own thread that reads whatever
/// it finds there, inside one section.
struct Scene {
    gus: &'static Domain,
    old: Ptr,
    new: Ptr,
    shared: Arc<AtomicPtr<()>>,
    reader: thread::JoinHandle<()>,
}

impl Scene {
    fn new(gus: &'static Domain) -> Self {
        let (old, new) = (Ptr::new(), Ptr::new());
        let shared = Arc::new(AtomicPtr::new(old.0));
        let reader = gus.register().unwrap();
        let seen = shared.clone();
        let reader = thread::spawn(move || {
            let _section = reader.enter();
            Ptr(seen.load(Ordering::Acquire)).read();
        });
        Self {
            gus,
            old,
            new,
            shared,
            reader,
        }
    }

    /// The writer's unlink.
    fn unlink(&self) {
        self.shared.store(self.new.0, Ordering::Release);
    }

    /// Joins the reader, then releases the domain and both objects.
    fn finish(self) {
        self.reader.join().unwrap();
        release_domain(self.gus);
        self.old.release();
        self.new.release();
    }
}

/// "Frees" an object: the free function of the retire models.
unsafe fn poison(object: *mut ()) {
    Ptr(object).poison();
}

/// A reader against one writer that unlinks, advances and polls: no use after free.
/// Catches `gus_no_enter_fence`: without E the scan can miss the reader's value while the
/// reader still loads the unlinked object.
#[test]
fn reader_against_advance_and_poll() {
    model(|| {
        let scene = Scene::new(leak(Gus::new_fixed()));
        scene.unlink();
        let goal = scene.gus.advance();
        if scene.gus.poll(&goal) {
            scene.old.poison();
        }
        scene.finish();
    });
}

/// A reader that loaded `wr_seq`, stalled while a scan raised `rd_seq` past that value, and
/// then published it: its value lies below `rd_seq`. It may still hold what the writer
/// unlinks next, so the next goal must wait for it. Catches `gus_no_clamp`: without the
/// clamp the stale value wraps to a huge offset and the scan ignores the reader.
#[test]
fn delayed_reader_below_rd_seq_is_clamped() {
    model(|| {
        let scene = Scene::new(leak(Gus::new_fixed()));
        let gus = scene.gus;
        let first = gus.advance();
        gus.poll(&first);
        scene.unlink();
        let goal = gus.advance();
        if gus.poll(&goal) {
            scene.old.poison();
        }
        scene.reader.join().unwrap();
        assert!(seq(gus.completed()).seq_le(seq(gus.current())));
        release_domain(gus);
        scene.old.release();
        scene.new.release();
    });
}

/// A reader that enters while another thread's scan runs publishes a value above that scan's
/// `wr_seq` snapshot; it counts as caught up, and `rd_seq` never passes the snapshot. A second
/// writer unlinks, advances and polls meanwhile. Catches `gus_wr_seq_late`: a snapshot
/// loaded after the slots includes the second writer's advance, although the scan may have
/// missed a reader that entered before it and still holds the unlinked object.
#[test]
fn reader_entering_during_scan_counts_as_caught_up() {
    model(|| {
        let scene = Scene::new(leak(Gus::new_fixed()));
        let gus = scene.gus;
        let (old, new, unlink) = (scene.old, scene.new, scene.shared.clone());
        let writer = thread::spawn(move || {
            unlink.store(new.0, Ordering::Release);
            let goal = gus.advance();
            if gus.poll(&goal) {
                old.poison();
            }
        });
        let goal = gus.advance();
        gus.poll(&goal);
        writer.join().unwrap();
        scene.reader.join().unwrap();
        assert!(seq(gus.completed()).seq_le(seq(gus.current())));
        release_domain(gus);
        old.release();
        new.release();
    });
}

/// Deferred mode: the advance does not write the shared clock and its goal lies ahead of
/// `wr_seq`. The poll must move the clock up to the goal and then wait for the reader, not take
/// the goal for one held across a wrap.
#[test]
fn deferred_goal_ahead_of_wr_seq_is_waited_for() {
    model(|| {
        let scene = Scene::new(leak(Gus::fixed_with_options(
            Options::DEFAULT.mode(Mode::Deferred(8)),
        )));
        scene.unlink();
        let goal = scene.gus.advance();
        assert_eq!(seq(goal), START.wrapping_add(INCR));
        if scene.gus.poll(&goal) {
            scene.old.poison();
        }
        assert_eq!(
            scene.gus.current(),
            goal,
            "the poll moved the shared clock to the goal"
        );
        scene.finish();
    });
}

/// `rd_seq` moves only forward. A scan that stalled before publishing its minimum must not
/// pull `rd_seq` back: once the clocks have run half the sequence space on, a value left that
/// far behind compares as *ahead* of new goals, and a later poll would succeed at once while a
/// reader that entered before the goal's advance is still inside (the unit tests show the
/// comparison; here the model checks the order itself). Catches `gus_rd_seq_backwards`.
#[test]
fn rd_seq_never_moves_backwards() {
    model(|| {
        let gus = leak(Gus::new_fixed());
        let stale = thread::spawn(move || {
            let goal = gus.advance();
            gus.poll(&goal);
        });
        for _ in 0..2 {
            let goal = gus.advance();
            assert!(gus.poll(&goal), "no reader is inside");
        }
        let before = gus.completed();
        stale.join().unwrap();
        let after = gus.completed();
        assert!(
            seq(before).seq_le(seq(after)),
            "rd_seq moved back from {before:?} to {after:?}"
        );
        release_domain(gus);
    });
}

/// Lazy mode (readers without a fence of their own; under loom the light fence and the
/// membarrier are both plain fences): the goal lies two increments ahead, each poll moves the
/// clock at most one increment after its barrier, and the goal must still wait for the reader.
#[test]
fn lazy_goal_two_ticks_ahead_is_waited_for() {
    model(|| {
        let scene = Scene::new(leak(Gus::fixed_with_options(
            Options::DEFAULT.mode(Mode::Lazy),
        )));
        assert_eq!(scene.gus.mode(), Mode::Lazy);
        scene.unlink();
        let goal = scene.gus.advance();
        assert_eq!(seq(goal), START.wrapping_add(2 * INCR));
        if (0..3).any(|_| scene.gus.poll(&goal)) {
            scene.old.poison();
        }
        scene.finish();
    });
}

/// The thread's own slot: a reader on it (`Gus::enter`, nested) against a writer that unlinks
/// and calls `synchronize` (advance, then poll until the goal passes).
#[test]
fn thread_slot_reader_against_synchronize() {
    model(|| {
        let gus = leak(Gus::new_fixed());
        let (old, new) = (Ptr::new(), Ptr::new());
        let shared = Arc::new(AtomicPtr::new(old.0));
        let seen = shared.clone();
        let t = thread::spawn(move || {
            let _outer = gus.enter();
            let _inner = gus.enter();
            Ptr(seen.load(Ordering::Acquire)).read();
        });
        shared.store(new.0, Ordering::Release);
        gus.synchronize();
        old.poison();
        t.join().unwrap();
        release_domain(gus);
        old.release();
        new.release();
    });
}

/// Deferred mode, where another thread moves the clock: the writer's advance only reads
/// `wr_seq`, and a second thread's poll of its own deferred goal writes the clock up to the
/// same value. A reader that loads that value must still see the writer's unlink (fence A
/// before the writer's read of the clock).
#[test]
fn deferred_goal_reached_by_another_threads_tick() {
    model(|| {
        let gus = leak(Gus::fixed_with_options(
            Options::DEFAULT.mode(Mode::Deferred(8)),
        ));
        own_slot_now(gus);
        let scene = Scene::new(gus);
        let ticker = thread::spawn(move || {
            let goal = gus.advance();
            gus.poll(&goal);
        });
        scene.unlink();
        let goal = gus.advance();
        if gus.poll(&goal) {
            scene.old.poison();
        }
        ticker.join().unwrap();
        scene.finish();
    });
}

/// The retire path of the shared core, on GUS's clock: a reader against a writer that unlinks
/// and retires (the retire seals the lone object at once with the goal of an advance, requests
/// it and steps the clock), then collects. The object's "free" poisons it, so a free before
/// the reader is done fails the model.
#[test]
fn reader_against_retire_and_collect() {
    model(|| {
        let gus = leak(Gus::new_fixed());
        own_slot_now(gus);
        let scene = Scene::new(gus);
        scene.unlink();
        // SAFETY: `old` is unlinked, and `poison` may run on any thread.
        unsafe { gus.retire_raw(scene.old.0, poison) };
        gus.collect();
        scene.finish();
    });
}

/// Collections exclude each other: a thread whose try-lock fails leaves the queue, and the lock,
/// to the holder. (A failed attempt that released the holder's lock let a third attempt in
/// while the holder was still freeing; loom sees the two writes to the queue.)
#[test]
fn collections_exclude_each_other() {
    model(|| {
        let gus = leak(Gus::new_fixed());
        let other = thread::spawn(move || {
            gus.collect();
            gus.collect();
        });
        gus.collect();
        other.join().unwrap();
        release_domain(gus);
    });
}

/// A poller that never scans: another thread's poll raised the read clock past the writer's
/// goal after the reader left, and the writer's `poll` succeeds on the frontier alone (the
/// core's fast path). The frontier load must acquire what the raising scan acquired from the
/// reader's exit (gus-R on the load; `gus_frontier_relaxed` loads it relaxed, and the free
/// races with the reader's read).
#[test]
fn goal_passed_by_another_threads_poll() {
    model(|| {
        let gus = leak(Gus::new_fixed());
        own_slot_now(gus);
        let scene = Scene::new(gus);
        scene.unlink();
        let goal = gus.advance();
        let poller = thread::spawn(move || {
            let later = gus.advance();
            gus.poll(&later);
        });
        // The writer is delayed here: without the yield, loom's bounded search never runs the
        // whole poller between the spawn and the writer's poll.
        thread::yield_now();
        if gus.poll(&goal) {
            scene.old.poison();
        }
        poller.join().unwrap();
        scene.finish();
    });
}
