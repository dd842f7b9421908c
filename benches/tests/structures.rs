//! The structures must be correct before their numbers mean anything, on every scheme of the
//! bench list, the peers included: the `structures` crate's shared suite
//! (`structures::testing`: every retired node freed exactly once, and no read of a freed node or
//! value, which debug builds poison) for each structure the benches run, and the grace-period
//! pass's [`Swap`] never letting a reader see a freed value.

use benches::schemes::{Scheme, SchemeVisitor, for_each_scheme};
use benches::swap::Swap;
use peers::{Fidelity, Seize};
use reclaim::Reclaim;
use reclaim::testing::{HANG, Ledger, Tracked};
use structures::testing::{Counting, RetireCounts};

/// Runs `check` on every scheme of the list, with the scheme's constructor. The scheme's name
/// goes to stderr first, so that a failure says which scheme it was.
fn every_scheme(check: impl Check) {
    struct Visit<C>(C);
    impl<C: Check> SchemeVisitor for Visit<C> {
        fn visit<R, F>(&mut self, scheme: &Scheme, make: F)
        where
            R: Reclaim + 'static,
            F: Fn() -> R + Send + Sync + 'static,
        {
            eprintln!("{}", scheme.name);
            // seize's domain is a value: dropping it frees everything, which is what the
            // suite's exactly-once counts wait for. The process-wide peers' domains never drop.
            let process_wide = scheme.id != <Seize as peers::Peer>::ID;
            if matches!(scheme.mapping.barrier, Fidelity::Partial(_)) && process_wide {
                self.0.check(move || Drained::new(make()));
            } else {
                self.0.check(make);
            }
        }
    }
    for_each_scheme(&mut Visit(check));
}

/// A process-wide peer whose `barrier` covers less than the trait asks: `barrier` repeats the
/// peer's own until everything retired through this handle has been freed. The process-wide
/// peers run a popped batch of garbage on whichever thread popped it, and sdd hands an exited
/// thread's garbage to the next thread that scans, so the last objects may be freed a little
/// after the peer's barrier returns, on another thread; once every thread that retired through
/// this handle has exited, repeated barriers reach them all. Only a minute without that fails
/// (a hang).
struct Drained<R> {
    counting: Counting<R>,
    counts: RetireCounts,
}

impl<R: Reclaim> Drained<R> {
    fn new(inner: R) -> Self {
        let counting = Counting::new(inner);
        let counts = counting.counts();
        Self { counting, counts }
    }
}

// SAFETY: sections, grace periods and frees are the peer's; `barrier` only waits longer.
unsafe impl<R: Reclaim> Reclaim for Drained<R> {
    type Guard<'a>
        = R::Guard<'a>
    where
        Self: 'a;
    type Cookie = R::Cookie;

    fn enter(&self) -> Self::Guard<'_> {
        self.counting.enter()
    }

    unsafe fn retire_raw(&self, ptr: *mut (), free: unsafe fn(*mut ())) {
        // SAFETY: forwarded from the caller.
        unsafe { self.counting.retire_raw(ptr, free) }
    }

    fn synchronize(&self) {
        self.counting.synchronize();
    }

    fn barrier(&self) {
        let deadline = std::time::Instant::now() + HANG;
        loop {
            self.counting.barrier();
            let (retired, freed) = (self.counts.retired(), self.counts.freed());
            if freed == retired {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{} of {retired} objects retired through this handle still not freed after \
                 {HANG:?} of barriers (a hang)",
                retired - freed
            );
            std::thread::yield_now();
        }
    }

    fn start_poll(&self) -> Self::Cookie {
        self.counting.start_poll()
    }

    fn poll(&self, cookie: &Self::Cookie) -> bool {
        self.counting.poll(cookie)
    }
}

trait Check {
    fn check<R: Reclaim + 'static>(&self, make: impl Fn() -> R);
}

/// One test per structure, each over every scheme, so that a failure names both and the tests
/// run side by side.
macro_rules! suite {
    ($($test:ident => $check:ident),* $(,)?) => {$(
        #[test]
        fn $test() {
            struct Run;
            impl Check for Run {
                fn check<R: Reclaim + 'static>(&self, make: impl Fn() -> R) {
                    structures::testing::$check(make);
                }
            }
            every_scheme(Run);
        }
    )*};
}

suite! {
    list_on_every_scheme => check_list,
    hash_map_on_every_scheme => check_map,
    tree_on_every_scheme => check_tree,
    stack_on_every_scheme => check_stack,
    queue_on_every_scheme => check_queue,
    skiplist_on_every_scheme => check_skiplist,
    rcu_cell_on_every_scheme => check_rcu_cell,
}

/// Reader threads and replacements of the swap test.
const READERS: u64 = 3;
const REPLACEMENTS: u64 = if cfg!(debug_assertions) { 500 } else { 5_000 };

#[test]
fn swap_readers_never_see_a_freed_value() {
    struct Swapping;
    impl Check for Swapping {
        fn check<R: Reclaim + 'static>(&self, make: impl Fn() -> R) {
            // One ledger for every scheme, in turn: each run ends with every value dropped.
            static LEDGER: Ledger = Ledger::new();
            let ledger = &LEDGER;
            let config = Swap::new(make(), Tracked::new(ledger, 0));
            let done = std::sync::atomic::AtomicBool::new(false);
            std::thread::scope(|s| {
                for _ in 0..READERS {
                    s.spawn(|| {
                        while !done.load(std::sync::atomic::Ordering::Relaxed) {
                            // `read` panics on a poisoned value.
                            config.read(|v| std::hint::black_box(v.read()));
                        }
                    });
                }
                for i in 1..=REPLACEMENTS {
                    // Both ways a writer frees: retired, and freed in place after a wait.
                    if i % 8 == 0 {
                        config.replace_sync(Tracked::new(ledger, i));
                    } else {
                        config.replace(Tracked::new(ledger, i));
                    }
                }
                done.store(true, std::sync::atomic::Ordering::Relaxed);
            });
            assert_eq!(config.read(|v| v.read()), REPLACEMENTS);
            config.domain().barrier();
            drop(config);
            assert_all_dropped(&make, ledger);
        }
    }
    every_scheme(Swapping);
}

/// Waits until every value of `ledger` has been dropped, calling `barrier` on a fresh domain
/// meanwhile; fails on a double drop, or after a minute (a hang).
///
/// Where the domain is a value (ours, seize), dropping it freed everything. Where it is the
/// process (crossbeam-epoch, sdd, liburcu), a barrier on a fresh handle is a barrier on the
/// same domain, but sdd hands the garbage of an exited thread to whichever thread scans next,
/// so the last values may be freed a little later, by another thread.
fn assert_all_dropped<R: Reclaim>(make: &impl Fn() -> R, ledger: &Ledger) {
    let deadline = std::time::Instant::now() + HANG;
    while ledger.live() > 0 && std::time::Instant::now() < deadline {
        make().barrier();
        std::thread::yield_now();
    }
    assert_eq!(
        ledger.live(),
        0,
        "values still not dropped after {HANG:?} of barriers (a hang)"
    );
    ledger.assert_balanced();
}
