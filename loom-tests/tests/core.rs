//! Loom models of the shared retire path (`reclaim::scheme::Core`), run through the shipped code
//! of a scheme: local bags filled by one thread and sealed by another (on the epoch scheme, whose
//! grace periods are cheapest to model), bags left behind by a thread that exited (on SRCU), a
//! barrier racing with a collection that frees outside the collection lock (on epochs), barriers
//! racing with the bag's owner or another thief, a sealed bag collected on another thread, and
//! two single-threaded scripts (the clock stepping while collection lags; a full local bag).
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test --release -p loom-tests --test core`. The mutants
//! listed in `mutants/core.txt` must each make a model fail.
#![cfg(loom)]

use loom::thread;
use loom_tests::model::{Ptr, Shared, check_with, reader_model};
use srcu::{Flavor, Options, SlotChoice, Srcu};

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
        Options::DEFAULT
            .flavor(Flavor::Fenced)
            .slots(SlotChoice::Thread),
    )))
}

fn release_domain(domain: &'static Domain) {
    // SAFETY: every thread that borrowed it has joined; it came from `Box::leak`.
    drop(unsafe { Box::from_raw(domain as *const Domain as *mut Domain) });
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
    reader_model(domain, shared)
}

/// (1) A thread advances the epoch, pins, loads the object, unlinks and retires it; the object
/// stays in its local bag (the main thread's garbage is pending, so it is not sealed alone).
/// The main thread's `barrier` may take that bag, seal it and free it while the thread is still
/// pinned: the tag it gives the bag must be read after the take. Loom's bounded search does not
/// reach the schedule that breaks `core_early_tag` here (the main thread must stop between two
/// adjacent loads in `steal`; with a yield there it fails at once), so model (3) scripts that
/// schedule.
#[test]
fn bag_sealed_on_one_thread_and_freed_on_another() {
    use loom::sync::mpsc::channel;
    check_with(bounded(2), || {
        let domain: &'static epoch::Epoch = Box::leak(Box::new(epoch::Epoch::new()));
        let shared = Shared::new();
        let (claimed_tx, claimed_rx) = channel::<()>();
        let (go_tx, go_rx) = channel::<()>();
        domain.retire(Box::new(Filler));
        let unlinker = thread::spawn(move || {
            drop(domain.pin());
            claimed_tx.send(()).unwrap();
            go_rx.recv().unwrap();
            domain.try_advance();
            let guard = domain.pin();
            let seen = shared.load();
            let old = shared.swap();
            domain.retire(Box::new(PoisonOnDrop(old)));
            seen.read();
            drop(guard);
        });
        claimed_rx.recv().unwrap();
        go_tx.send(()).unwrap();
        domain.barrier();
        unlinker.join().unwrap();
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

/// (3) The schedule of model (1) that loom's search misses, scripted on a single thread: the
/// clock runs the other threads' steps at the moment a thief reads the tag. Between that read
/// and the take, the epoch advances, a reader enters and loads an object, and the bag's owner
/// unlinks it and retires it into the bag. The thief's `barrier` must not free it while that
/// reader is inside: with the tag read after the take, the object is not in the batch that tag
/// covers; with `core_early_tag`, it is, under a tag that has already expired.
#[test]
fn tag_is_read_after_the_take() {
    use reclaim::scheme::bag::Retired;
    use reclaim::scheme::slots::{SlotState, Slots};
    use reclaim::scheme::{Clock, Core};
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    // A scheme's reader state plays no part here: the script decides what the clock says.
    struct Slot;
    impl SlotState for Slot {
        reclaim::idle_slot!(Slot);
    }

    /// A clock whose steps stop at a reader's entry, and which runs `concurrently` (once) inside
    /// the first `tag` call, after reading the time.
    #[derive(Default)]
    struct ScriptedClock {
        now: Cell<u64>,
        reader_entered_at: Cell<Option<u64>>,
        concurrently: RefCell<Option<Box<dyn FnOnce(&ScriptedClock)>>>,
    }
    // SAFETY: a single-threaded script whose `step` never passes a reader that is inside.
    unsafe impl Clock for ScriptedClock {
        type Slot = Slot;
        type Tag = u64;
        const SCHEME: &'static str = "scripted";
        fn tag<const N: usize>(&self, _: &Slots<Slot, N>) -> u64 {
            let tag = self.now.get() + 1;
            if let Some(steps) = self.concurrently.borrow_mut().take() {
                steps(self);
            }
            tag
        }
        fn request(&self, _: u64) {}
        fn frontier(&self) -> u64 {
            self.now.get()
        }
        fn step<const N: usize>(
            &self,
            _: &Slots<Slot, N>,
            _: reclaim::scheme::clock::Urgency,
        ) -> bool {
            // Objects unlinked at time t get tag t + 1, which expires when `now` reaches it; a
            // reader that entered at t may hold them.
            let moves = self
                .reader_entered_at
                .get()
                .is_none_or(|t| self.now.get() < t);
            if moves {
                self.now.set(self.now.get() + 1);
            }
            moves
        }
        fn le(a: u64, b: u64) -> bool {
            a <= b
        }
        fn bits(tag: u64) -> u64 {
            tag
        }
        fn completed(&self) -> u64 {
            self.now.get()
        }
    }

    /// Counts its frees, and fails when freed while the reader holds it.
    struct Object {
        held: Rc<Cell<bool>>,
        frees: Rc<Cell<usize>>,
    }
    impl Drop for Object {
        fn drop(&mut self) {
            assert!(!self.held.get(), "freed while a reader holds it");
            self.frees.set(self.frees.get() + 1);
        }
    }
    // SAFETY: the script runs on one thread; `Retired` asks for `Send` only.
    unsafe impl Send for Object {}

    check_with(bounded(0), || {
        let core: Core<ScriptedClock, 0> = Core::new(ScriptedClock::default());
        let clock = core.clock();
        let frees = Rc::new(Cell::new(0));
        let object = |held: &Rc<Cell<bool>>| {
            Retired::from_box(Box::new(Object {
                held: held.clone(),
                frees: frees.clone(),
            }))
        };
        let never_held = Rc::new(Cell::new(false));
        let held = Rc::new(Cell::new(false));
        let owner = core.slots().mine().unwrap();
        // SAFETY: this thread owns the slot.
        unsafe { owner.slot().bag().push(object(&never_held)).ok().unwrap() };
        let unlinked_later = object(&held);
        let reader = held.clone();
        // The clock lives in the core, so the script reaches the owner's bag by address.
        let bag: *const reclaim::scheme::bag::LocalBag = owner.slot().bag();
        *clock.concurrently.borrow_mut() = Some(Box::new(move |clock: &ScriptedClock| {
            clock.now.set(clock.now.get() + 1);
            clock.reader_entered_at.set(Some(clock.now.get()));
            reader.set(true);
            // SAFETY: as above; the owner retires while the thief is between its two steps.
            // The bag lives in the core, which outlives the script.
            unsafe { (*bag).push(unlinked_later).ok().unwrap() };
        }));
        core.barrier_with(&mut reclaim::wait::Spin);
        assert_eq!(
            frees.get(),
            1,
            "the barrier frees what was retired before it"
        );
        held.set(false);
        clock.reader_entered_at.set(None);
        core.barrier_with(&mut reclaim::wait::Spin);
        assert_eq!(frees.get(), 2, "every retired object is freed exactly once");
    });
}

/// Counts its drop.
struct CountOnDrop(loom::sync::Arc<loom::sync::atomic::AtomicUsize>);
impl Drop for CountOnDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, loom::sync::atomic::Ordering::Relaxed);
    }
}

/// (4) A collection takes expired bags off the queue under the collection lock and frees them
/// after releasing it. A thread retires an object and then calls `barrier`, whose collection
/// (or one its retire ran) frees the object; the main thread, told of the retire, calls
/// `barrier` too. Whichever collection frees the object, the main thread's `barrier` must not
/// return before the free: `core_barrier_skips_frees` returns as soon as the queue is empty.
#[test]
fn barrier_waits_for_frees_running_elsewhere() {
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::sync::mpsc::channel;
    check_with(bounded(2), || {
        let domain: &'static epoch::Epoch = Box::leak(Box::new(epoch::Epoch::new()));
        let drops = Arc::new(AtomicUsize::new(0));
        let (retired_tx, retired_rx) = channel::<()>();
        let retirer = {
            let drops = drops.clone();
            thread::spawn(move || {
                domain.retire(Box::new(CountOnDrop(drops)));
                retired_tx.send(()).unwrap();
                domain.barrier();
            })
        };
        retired_rx.recv().unwrap();
        domain.barrier();
        assert_eq!(
            drops.load(Ordering::Relaxed),
            1,
            "barrier returned while another collection was still freeing"
        );
        retirer.join().unwrap();
        // SAFETY: every thread that borrowed it has joined; it came from `Box::leak`.
        drop(unsafe { Box::from_raw(domain as *const epoch::Epoch as *mut epoch::Epoch) });
    });
}

/// A core on a clock whose every step ends a grace period, leaked for the model's threads.
fn leak_instant_core() -> &'static reclaim::scheme::Core<reclaim::scheme::InstantClock, 0> {
    use reclaim::scheme::{Core, InstantClock};
    Box::leak(Box::new(Core::new(InstantClock::new())))
}

fn release_instant_core(core: &'static reclaim::scheme::Core<reclaim::scheme::InstantClock, 0>) {
    // SAFETY: every thread that borrowed it has joined; it came from `Box::leak`.
    drop(unsafe {
        Box::from_raw(
            core as *const reclaim::scheme::Core<reclaim::scheme::InstantClock, 0>
                as *mut reclaim::scheme::Core<reclaim::scheme::InstantClock, 0>,
        )
    });
}

/// A retired object that counts its drop.
fn counted(
    drops: &loom::sync::Arc<loom::sync::atomic::AtomicUsize>,
) -> reclaim::scheme::bag::Retired {
    reclaim::scheme::bag::Retired::from_box(Box::new(CountOnDrop(drops.clone())))
}

/// (5) A `barrier` called after a retire must free that object even when the barrier meets the
/// bag at the moment its owner has taken it to seal it: the barrier's emptiness check sees the
/// take, and must then see the owner's `sealing` flag, raised before the take (the acquire
/// fence core-E after the check, pairing with the take's bag-W). The main thread owns the slot:
/// it fills its bag, retires X, starts the other thread, and retires once more, which takes the
/// full bag. The other thread's barrier must have freed X when it returns. Mutants:
/// `core_empty_check_unordered` drops core-E; `core_take_acquire` weakens the take's bag-W to
/// an acquire, so core-E has no release to pair with; `core_owner_skips_sealing_flag` never
/// raises the flag; `core_barrier_skips_sealing` does not wait for it. The failing schedule
/// needs one preemption (the owner stops right after its take), and bound 1 catches all four
/// in seconds where bound 2 took most of a minute.
#[test]
fn barrier_meets_a_bag_its_owner_is_sealing() {
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    check_with(bounded(1), || {
        let core = leak_instant_core();
        let owner = core.slots().mine().unwrap();
        let fillers = Arc::new(AtomicUsize::new(0));
        // The first retire of a quiet domain seals alone; the next ones wait in the bag.
        let capacity = reclaim::__private::tuning::LOCAL_CAPACITY;
        for _ in 0..capacity {
            core.retire(owner, counted(&fillers));
        }
        let x = Arc::new(AtomicUsize::new(0));
        core.retire(owner, counted(&x));
        // The barrier starts after X's retire (the spawn orders them).
        let barrier = {
            let x = x.clone();
            thread::spawn(move || {
                core.barrier_with(&mut reclaim::wait::Spin);
                assert_eq!(
                    x.load(Ordering::Relaxed),
                    1,
                    "barrier returned before an object retired before it was freed"
                );
            })
        };
        // The bag is full: this retire takes it, seals it and hands it over.
        core.retire(owner, counted(&fillers));
        barrier.join().unwrap();
        release_instant_core(core);
    });
}

/// (6) The thief version of (5): a thread retires X and exits, leaving it in its slot's bag;
/// two barriers then race to steal that bag. The one that finds it emptied by the other must
/// see the other's count in `thieves` (announced before its take) and wait for its hand-over
/// before it returns (core-E again). Loom's search does not reach the failing schedule of this
/// version with `core_empty_check_unordered` (it needs two stale reads in the same execution,
/// of `thieves` and of the sealed stack, up to a preemption bound of 5 at least); model (5)
/// catches that mutant. This one catches `core_barrier_skips_thieves` (the barrier does not
/// wait for the other thief's hand-over) and `core_thief_announces_late` (the thief counts
/// itself in `thieves` only after its take, so a barrier that saw the bag emptied may still
/// read no thief), in seconds at bound 2 already.
#[test]
fn barrier_meets_a_bag_another_barrier_is_stealing() {
    use loom::sync::Arc;
    use loom::sync::atomic::AtomicUsize;
    check_with(bounded(3), || {
        let core = leak_instant_core();
        let fillers = Arc::new(AtomicUsize::new(0));
        let x = Arc::new(AtomicUsize::new(0));
        {
            let (x, fillers) = (x.clone(), fillers.clone());
            thread::spawn(move || {
                let owner = core.slots().mine().unwrap();
                // The first retire of a quiet domain is sealed alone; with it pending, the
                // second waits in the thread's bag, which the thread leaves behind.
                core.retire(owner, counted(&fillers));
                core.retire(owner, counted(&x));
            })
            .join()
            .unwrap();
        }
        let other = thread::spawn(move || core.barrier_with(&mut reclaim::wait::Spin));
        core.barrier_with(&mut reclaim::wait::Spin);
        assert_eq!(
            x.load(loom::sync::atomic::Ordering::Relaxed),
            1,
            "barrier returned before an object retired before it was freed"
        );
        other.join().unwrap();
        release_instant_core(core);
    });
}

/// (7) A sealed bag's tag and items are plain memory (loom cells in loom builds): the push onto
/// the sealed stack (sealed-S, a release) must publish them to a collector on another thread
/// (sealed-G, an acquire). A thread retires X into a quiet domain, which seals it alone at once;
/// the main thread collects meanwhile, and may find the bag on the stack before its sealer
/// collects it. With `sealed_publish_relaxed` the collector reads the tag (and frees the items)
/// unordered after their writes, which loom reports as a causality violation.
#[test]
fn bag_sealed_on_one_thread_is_collected_on_another() {
    use loom::sync::Arc;
    use loom::sync::atomic::{AtomicUsize, Ordering};
    check_with(bounded(2), || {
        let core = leak_instant_core();
        let x = Arc::new(AtomicUsize::new(0));
        let sealer = {
            let x = x.clone();
            thread::spawn(move || {
                let owner = core.slots().mine().unwrap();
                core.retire(owner, counted(&x));
            })
        };
        core.collect();
        sealer.join().unwrap();
        core.barrier_with(&mut reclaim::wait::Spin);
        assert_eq!(
            x.load(Ordering::Relaxed),
            1,
            "the object sealed on another thread was not freed exactly once"
        );
        release_instant_core(core);
    });
}

/// (8) A step waits for collection to catch up with the frontier: a tag compares with the
/// frontier by wrapping arithmetic, so a sealed bag must be collected before the frontier runs
/// half the tag space past it, or it looks young again and waits a whole lap. Scripted on one
/// thread with a clock of 16 tags: X is sealed while a reader holds the grace period back; then,
/// while a collection holds the collection lock (inside its first look at the frontier), the
/// retire path seals and steps 12 times. Stepping only while collection has caught up, the
/// clock moves one tag, and that collection frees X; `core_step_while_collection_lags` steps
/// every time, the frontier laps X's tag, and X stays behind.
#[test]
fn steps_wait_for_collection_to_catch_up() {
    use reclaim::scheme::bag::Retired;
    use reclaim::scheme::slots::Slots;
    use reclaim::scheme::{Clock, Core};
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    /// Tags wrap at this many values; `le` compares within half of it.
    const SPACE: u64 = 16;

    /// A clock whose steps stop while `blocked` (a reader inside), and which runs `script`
    /// (once) inside its next `frontier` call.
    #[derive(Default)]
    struct WrappingClock {
        now: Cell<u64>,
        blocked: Cell<bool>,
        script: RefCell<Option<Box<dyn FnOnce()>>>,
    }
    // SAFETY: a single-threaded script whose `step` never passes a reader that is inside.
    unsafe impl Clock for WrappingClock {
        type Slot = ();
        type Tag = u64;
        const SCHEME: &'static str = "wrapping";
        fn tag<const N: usize>(&self, _: &Slots<(), N>) -> u64 {
            (self.now.get() + 1) % SPACE
        }
        fn request(&self, _: u64) {}
        fn frontier(&self) -> u64 {
            let script = self.script.borrow_mut().take();
            if let Some(script) = script {
                script();
            }
            self.now.get() % SPACE
        }
        fn step<const N: usize>(
            &self,
            _: &Slots<(), N>,
            _: reclaim::scheme::clock::Urgency,
        ) -> bool {
            let moves = !self.blocked.get();
            if moves {
                self.now.set(self.now.get() + 1);
            }
            moves
        }
        fn le(a: u64, b: u64) -> bool {
            b.wrapping_sub(a) % SPACE < SPACE / 2
        }
        fn bits(tag: u64) -> u64 {
            tag
        }
        fn completed(&self) -> u64 {
            self.now.get()
        }
    }

    /// Counts its frees.
    struct Object(Rc<Cell<usize>>);
    impl Drop for Object {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    // SAFETY: the script runs on one thread; `Retired` asks for `Send` only.
    unsafe impl Send for Object {}
    let object = |frees: &Rc<Cell<usize>>| Retired::from_box(Box::new(Object(frees.clone())));

    check_with(bounded(0), move || {
        let core: Core<WrappingClock, 0> = Core::new(WrappingClock::default());
        let (x, fillers) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        core.clock().blocked.set(true);
        core.retire_unowned(object(&x));
        assert_eq!(
            x.get(),
            0,
            "X was freed while a reader held its grace period back"
        );
        core.clock().blocked.set(false);
        // The clock lives in the core, so the script reaches the core by address; the core
        // stays where it is until the end of the model.
        let at: *const Core<WrappingClock, 0> = &core;
        let filler = fillers.clone();
        *core.clock().script.borrow_mut() = Some(Box::new(move || {
            // SAFETY: the core outlives the script, which runs inside its `collect`.
            let core = unsafe { &*at };
            for _ in 0..12 {
                core.retire_unowned(object(&filler));
            }
        }));
        core.collect();
        assert_eq!(
            x.get(),
            1,
            "a sealed bag was lapped: the retire path stepped the clock while collection lagged \
             behind the frontier, which ran past X's tag by more than half the tag space, so X \
             looks younger than the frontier and a collection after its grace period left it"
        );
        core.barrier_with(&mut reclaim::wait::Spin);
        assert_eq!(
            fillers.get(),
            12,
            "every retired object is freed exactly once"
        );
    });
}

/// (9) A full local bag refuses the next object (its owner then seals the bag and pushes
/// again): an entry is reused only once a take moved `head` past it. `core_bag_full_off_by_one`
/// accepts one more, which overwrites the oldest entry (that object is lost) and leaves the bag
/// longer than its capacity, where every take spins forever waiting for `head` to settle.
#[test]
fn a_full_local_bag_refuses_an_object() {
    use reclaim::__private::tuning::LOCAL_CAPACITY;
    use reclaim::scheme::bag::{LocalBag, Retired, Taken};
    check_with(bounded(0), || {
        let bag = LocalBag::new();
        for _ in 0..LOCAL_CAPACITY {
            // SAFETY: this model is the bag's only owner.
            let pushed = unsafe { bag.push(Retired::from_box(Box::new(0u8))) };
            assert!(pushed.is_ok(), "a bag with room refused an object");
        }
        // SAFETY: as above.
        let refused = match unsafe { bag.push(Retired::from_box(Box::new(0u8))) } {
            Err(back) => {
                // SAFETY: the object came back, so nothing else holds it.
                unsafe { back.free() };
                true
            }
            Ok(()) => false,
        };
        assert!(
            refused,
            "a full local bag accepted one more object: it overwrote the oldest entry (that \
             object is lost), and its length now exceeds the capacity, so every take spins"
        );
        let mut taken = Taken::new();
        assert_eq!(bag.take(&mut taken), LOCAL_CAPACITY);
        // SAFETY: nothing else can reach the objects.
        unsafe { taken.free_all() };
    });
}
