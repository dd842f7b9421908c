//! The bench data structures must be correct before their numbers mean anything, on every
//! scheme of the list (ours and the peers): sequential behaviour matches a model, every value is
//! freed exactly once (no leak, no double free), and concurrent use never reads a freed node
//! (debug builds poison nodes on drop and check on every traversal).

use std::collections::BTreeSet;

use benches::counted::{Counted, Counter};
use benches::map::HashMap;
use benches::schemes::{Scheme, SchemeVisitor, for_each_scheme};
use benches::stack::TreiberStack;
use benches::swap::Swap;
use reclaim::Reclaim;

const THREADS: u64 = 4;
const OPS: u64 = if cfg!(debug_assertions) {
    20_000
} else {
    200_000
};

fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// Runs `check` on every scheme in the list, handing it the scheme's constructor.
fn every_scheme(check: impl Check) {
    struct Visit<C>(C);
    impl<C: Check> SchemeVisitor for Visit<C> {
        fn visit<R, F>(&mut self, scheme: &Scheme, make: F)
        where
            R: Reclaim + 'static,
            F: Fn() -> R + Send + Sync + 'static,
        {
            eprintln!("{}", scheme.name);
            self.0.check(&make);
        }
    }
    for_each_scheme(&mut Visit(check));
}

trait Check {
    fn check<R: Reclaim + 'static>(&self, make: &dyn Fn() -> R);
}

/// Waits until every counted value has been dropped, calling `barrier` on the scheme's domain
/// meanwhile, and fails if that takes more than a few seconds.
///
/// The structure and its domain are gone by now. Where the domain is a value (ours, seize),
/// dropping it freed everything. Where it is the process (crossbeam-epoch, sdd, liburcu), a
/// barrier on a fresh handle is a barrier on the same domain; but other tests of this binary
/// run at the same time, and sdd hands the garbage of an exited thread to whichever thread
/// scans next, so the last values may be freed a little later, by another thread.
fn assert_all_freed<R: Reclaim>(make: &dyn Fn() -> R, counter: &Counter) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while counter.live() > 0 && std::time::Instant::now() < deadline {
        make().barrier();
        std::thread::yield_now();
    }
    assert_eq!(counter.live(), 0, "values leaked");
    assert_eq!(
        counter.created(),
        counter.dropped(),
        "a value was dropped twice"
    );
}

/// Spawns `work(t)` on [`THREADS`] threads and joins each explicitly: a join waits for the
/// thread's thread-locals to be destroyed (a scope's implicit join does not), which is where
/// the global-collector peers hand over what the thread retired.
fn on_threads(work: impl Fn(u64) + Sync) {
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let work = &work;
                s.spawn(move || work(t))
            })
            .collect();
        for w in workers {
            w.join().expect("worker panicked");
        }
    });
}

#[test]
fn map_matches_a_model_sequentially() {
    struct Sequential;
    impl Check for Sequential {
        fn check<R: Reclaim + 'static>(&self, make: &dyn Fn() -> R) {
            let map = HashMap::new(make(), 8);
            let mut model = BTreeSet::new();
            let mut rng = 0x1234_5678u64;
            for _ in 0..5_000 {
                let r = xorshift(&mut rng);
                let key = r % 64;
                match r >> 62 {
                    0 | 1 => assert_eq!(map.insert(key, key).is_ok(), model.insert(key)),
                    2 => assert_eq!(map.remove(key), model.remove(&key)),
                    _ => assert_eq!(map.get(key, |v| *v), model.get(&key).copied()),
                }
            }
            assert_eq!(map.len(), model.len());
        }
    }
    every_scheme(Sequential);
}

#[test]
fn map_frees_every_value_once_under_contention() {
    struct Concurrent;
    impl Check for Concurrent {
        fn check<R: Reclaim + 'static>(&self, make: &dyn Fn() -> R) {
            let counter = Counter::new();
            // Few buckets and keys: lots of contention and helping.
            let map = HashMap::new(make(), 4);
            on_threads(|t| {
                let mut rng = t + 1;
                for _ in 0..OPS {
                    let r = xorshift(&mut rng);
                    let key = r % 128;
                    match r >> 62 {
                        0 | 1 => {
                            if let Err(mut v) = map.insert(key, Counted::new(&counter)) {
                                v.disarm();
                            }
                        }
                        2 => {
                            map.remove(key);
                        }
                        _ => {
                            map.get(key, |v| {
                                std::hint::black_box(v);
                            });
                        }
                    }
                }
            });
            // Values still linked are live; so are retired ones not yet freed.
            assert!(counter.live() >= map.len() as u64);
            map.domain().barrier();
            drop(map);
            assert_all_freed(make, &counter);
        }
    }
    every_scheme(Concurrent);
}

#[test]
fn stack_moves_every_value_out_once() {
    struct Stack;
    impl Check for Stack {
        fn check<R: Reclaim + 'static>(&self, make: &dyn Fn() -> R) {
            let counter = Counter::new();
            let stack = TreiberStack::new(make());
            for _ in 0..64 {
                stack.push(Counted::new(&counter));
            }
            on_threads(|_| {
                for _ in 0..OPS / 4 {
                    // Every pop retires a node; the value moves out to the popper.
                    if let Some(v) = stack.pop() {
                        stack.push(v);
                    }
                    if let Some(v) = stack.pop() {
                        drop(v);
                        stack.push(Counted::new(&counter));
                    }
                }
            });
            assert_eq!(counter.live(), 64, "the stack holds as many as were pushed");
            stack.domain().barrier();
            drop(stack);
            assert_all_freed(make, &counter);
        }
    }
    every_scheme(Stack);
}

#[test]
fn swap_readers_never_see_a_freed_value() {
    struct Swapping;
    impl Check for Swapping {
        fn check<R: Reclaim + 'static>(&self, make: &dyn Fn() -> R) {
            let counter = Counter::new();
            let config = Swap::new(make(), Counted::new(&counter));
            on_threads(|t| {
                if t == 0 {
                    for i in 0..OPS / 20 {
                        if i % 8 == 0 {
                            config.replace_sync(Counted::new(&counter));
                        } else {
                            config.replace(Counted::new(&counter));
                        }
                    }
                } else {
                    for _ in 0..OPS {
                        config.read(|v| {
                            std::hint::black_box(v);
                        });
                    }
                }
            });
            config.domain().barrier();
            drop(config);
            assert_all_freed(make, &counter);
        }
    }
    every_scheme(Swapping);
}
