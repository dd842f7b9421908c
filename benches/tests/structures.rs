//! The bench data structures must be correct before their numbers mean anything: every value
//! is freed exactly once (no leak, no double free), and concurrent use never reads a freed
//! node (debug builds poison nodes on drop and check on every traversal).

use std::collections::BTreeSet;

use benches::counted::{Counted, Counter};
use benches::map::HashMap;
use benches::ours::GUS_MODES;
use benches::peers::{CrossbeamEpoch, Seize};
use benches::swap::Swap;
use gus::Gus;
use reclaim::Reclaim;
use srcu::{Flavor, SlotChoice, Srcu};

const SRCU_CONFIGS: [(Flavor, SlotChoice); 4] = [
    (Flavor::Fast, SlotChoice::Thread),
    (Flavor::Fast, SlotChoice::Cpu),
    (Flavor::Fenced, SlotChoice::Thread),
    (Flavor::Fenced, SlotChoice::Cpu),
];

const THREADS: usize = 4;
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

/// Sequential behaviour matches a `BTreeSet`.
fn sequential<R: Reclaim>(domain: R) {
    let map = HashMap::new(domain, 8);
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

/// Concurrent inserts and removes on a small key range (lots of contention and helping),
/// then every value must be dropped exactly once after the map and the domain are done.
fn concurrent<R: Reclaim>(domain: R, after_drop: impl FnOnce()) {
    let counter = Counter::new();
    let map = HashMap::counting(domain, 4);
    // Threads are joined explicitly: that waits for their thread-locals to be destroyed too
    // (a scope's implicit join does not), which is where crossbeam flushes a thread's bag.
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS as u64)
            .map(|t| {
                let (map, counter) = (&map, &counter);
                s.spawn(move || {
                    let mut rng = t + 1;
                    for _ in 0..OPS {
                        let r = xorshift(&mut rng);
                        let key = r % 128;
                        match r >> 62 {
                            0 | 1 => drop(map.insert(key, Counted::new(counter))),
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
                })
            })
            .collect();
        for w in workers {
            w.join().expect("worker panicked");
        }
    });
    assert!(map.retired() > 0);
    // Values still linked are live; so are retired ones not yet freed.
    assert!(counter.live() >= map.len() as u64);
    drop(map);
    after_drop();
    assert_eq!(counter.live(), 0, "values leaked");
    assert_eq!(counter.created(), counter.dropped());
}

/// Readers dereference the shared value while writers replace it both ways.
fn swap<R: Reclaim>(domain: R, after_drop: impl FnOnce()) {
    let counter = Counter::new();
    let config = Swap::new(domain, Counted::new(&counter));
    std::thread::scope(|s| {
        let mut threads: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    for _ in 0..OPS {
                        config.read(|v| {
                            std::hint::black_box(v);
                        });
                    }
                })
            })
            .collect();
        threads.push(s.spawn(|| {
            for i in 0..OPS / 20 {
                if i % 8 == 0 {
                    config.replace_sync(Counted::new(&counter));
                } else {
                    config.replace(Counted::new(&counter));
                }
            }
        }));
        // Explicit joins wait for thread-locals to be destroyed (see `concurrent`).
        for t in threads {
            t.join().expect("thread panicked");
        }
    });
    drop(config);
    after_drop();
    assert_eq!(counter.live(), 0, "values leaked");
}

#[test]
fn map_sequential_all_schemes() {
    for (flavor, choice) in SRCU_CONFIGS {
        sequential(Srcu::with_options(flavor, choice));
    }
    for mode in GUS_MODES {
        sequential(Gus::with_mode(mode));
    }
    sequential(CrossbeamEpoch);
    sequential(Seize::new());
    #[cfg(has_liburcu)]
    sequential(benches::peers::Liburcu);
}

#[test]
fn map_concurrent_srcu() {
    // Our domains free everything still pending when they drop (with the map).
    for (flavor, choice) in SRCU_CONFIGS {
        concurrent(Srcu::with_options(flavor, choice), || {});
    }
}

#[test]
fn map_concurrent_gus() {
    for mode in GUS_MODES {
        concurrent(Gus::with_mode(mode), || {});
    }
}

#[test]
fn swap_srcu_and_gus() {
    for (flavor, choice) in SRCU_CONFIGS {
        swap(Srcu::with_options(flavor, choice), || {});
    }
    for mode in GUS_MODES {
        swap(Gus::with_mode(mode), || {});
    }
}

#[test]
fn retire_raw_runs_each_deleter_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe fn free(ptr: *mut ()) {
        // SAFETY: every pointer retired below is a leaked `Box<u64>`.
        drop(unsafe { Box::from_raw(ptr.cast::<u64>()) });
        FREED.fetch_add(1, Ordering::SeqCst);
    }
    fn check<R: Reclaim>(domain: R, after: impl FnOnce(&R)) -> usize {
        let before = FREED.load(Ordering::SeqCst);
        for i in 0..100u64 {
            let p = Box::into_raw(Box::new(i)).cast::<()>();
            // SAFETY: `free` matches the allocation and each pointer is retired once.
            unsafe { domain.retire_raw(p, free) };
        }
        after(&domain);
        drop(domain);
        FREED.load(Ordering::SeqCst) - before
    }
    // One test owns FREED, so the counts are exact.
    assert_eq!(check(Srcu::new(), |d| d.barrier()), 100);
    assert_eq!(check(Gus::new(), |d| d.barrier()), 100);
    assert_eq!(check(CrossbeamEpoch, |d| d.barrier()), 100);
    assert_eq!(check(Seize::new(), |_| {}), 100);
    #[cfg(has_liburcu)]
    assert_eq!(check(benches::peers::Liburcu, |d| d.barrier()), 100);
}

#[test]
fn map_concurrent_crossbeam() {
    // Exited threads flushed their bags; the barrier waits behind them in the global queue.
    concurrent(CrossbeamEpoch, || CrossbeamEpoch.barrier());
}

#[test]
fn map_concurrent_seize() {
    // The domain (and its collector) drops with the map and frees everything.
    concurrent(Seize::new(), || {});
}

#[cfg(has_liburcu)]
#[test]
fn map_concurrent_liburcu() {
    concurrent(benches::peers::Liburcu, || {
        benches::peers::Liburcu.barrier()
    });
}

#[test]
fn swap_crossbeam() {
    swap(CrossbeamEpoch, || CrossbeamEpoch.barrier());
}

#[test]
fn swap_seize() {
    swap(Seize::new(), || {});
}

#[cfg(has_liburcu)]
#[test]
fn swap_liburcu() {
    swap(benches::peers::Liburcu, || {
        benches::peers::Liburcu.barrier()
    });
}

#[test]
fn synchronize_waits_for_a_reader() {
    fn check<R: Reclaim>(domain: R) {
        use std::sync::atomic::{AtomicBool, Ordering};
        let inside = AtomicBool::new(false);
        let leave = AtomicBool::new(false);
        let synced = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let _guard = domain.enter();
                inside.store(true, Ordering::SeqCst);
                while !leave.load(Ordering::SeqCst) {
                    std::thread::yield_now();
                }
                // Still inside the section: synchronize must not have returned.
                assert!(!synced.load(Ordering::SeqCst), "grace period ended early");
            });
            while !inside.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            s.spawn(|| {
                std::thread::sleep(std::time::Duration::from_millis(20));
                leave.store(true, Ordering::SeqCst);
            });
            domain.synchronize();
            synced.store(true, Ordering::SeqCst);
        });
    }
    check(Srcu::with_options(Flavor::Fast, SlotChoice::Thread));
    check(Srcu::with_options(Flavor::Fenced, SlotChoice::Cpu));
    check(Gus::with_mode(gus::Mode::Lazy));
    check(CrossbeamEpoch);
    check(Seize::new());
    #[cfg(has_liburcu)]
    check(benches::peers::Liburcu);
}
