//! The suite's runs: threads churning one structure, then the exactly-once and poisoned-value
//! checks (see the [module docs](super)).

extern crate std;

use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use reclaim::Reclaim;
use reclaim::testing::{Ledger, Tracked};

use super::{Counting, RetireCounts};
use crate::{HashMap, List, Queue, SkipList, Stack, Tree};

/// Threads per run, started together: more than the machine's two cores, so that threads are
/// preempted inside their sections.
pub(super) const THREADS: usize = 4;
/// Operations per thread in each run: more where they are cheap (release builds check values
/// but not node canaries).
pub(super) const OPS: u64 = if cfg!(debug_assertions) {
    4_000
} else {
    25_000
};
/// Keys of the map-like structures: few, so that operations collide.
pub(super) const KEYS: u64 = 32;

/// A fresh ledger per run, from a static pool: tests run in parallel, and `Tracked` needs a
/// `'static` ledger.
pub(super) fn fresh_ledger() -> &'static Ledger {
    const POOL: usize = 1024;
    static LEDGERS: [Ledger; POOL] = [const { Ledger::new() }; POOL];
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    LEDGERS.get(NEXT.fetch_add(1, SeqCst)).unwrap_or_else(|| {
        panic!(
            "gracepoint_structures::testing: more than {POOL} runs in one process; split the tests"
        )
    })
}

/// A small deterministic generator (xorshift64*), one per thread.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) % n
    }
}

/// What the suite needs of every structure.
pub(super) trait Structure<R: Reclaim>: Sync + Sized {
    const NAME: &'static str;
    fn build(domain: R) -> Self;
    fn reclaim(&self) -> &R;
}

/// Waits until everything retired is freed, drops `structure` (and with it, its domain), then
/// checks that every retired node was freed and every value dropped, exactly once.
pub(super) fn tear_down<S: Structure<R>, R: Reclaim>(
    structure: S,
    ledger: &Ledger,
    counts: Option<&RetireCounts>,
) {
    structure.reclaim().barrier();
    drop(structure);
    if let Some(counts) = counts {
        assert_eq!(
            counts.freed(),
            counts.retired(),
            "{}: every retired node must be freed once the structure and its domain are gone",
            S::NAME
        );
    }
    ledger.assert_balanced();
}

/// The list, the map and the tree, as the suite drives them.
pub(super) trait MapLike<R: Reclaim>: Structure<R> {
    /// Nodes a successful remove unlinks.
    const NODES_PER_REMOVE: usize;
    fn put(&self, key: u64, value: Tracked) -> bool;
    fn take(&self, key: u64) -> bool;
    /// Reads `key`'s value, running `hold` while the value is borrowed.
    fn read(&self, key: u64, hold: impl FnOnce()) -> Option<u64>;
    fn size(&self) -> usize;
}

macro_rules! map_like {
    ($ty:ident, $name:literal, $nodes:literal, $build:expr) => {
        impl<R: Reclaim> Structure<R> for $ty<u64, Tracked, R> {
            const NAME: &'static str = $name;
            fn build(domain: R) -> Self {
                $build(domain)
            }
            fn reclaim(&self) -> &R {
                self.domain()
            }
        }

        impl<R: Reclaim> MapLike<R> for $ty<u64, Tracked, R> {
            const NODES_PER_REMOVE: usize = $nodes;
            fn put(&self, key: u64, value: Tracked) -> bool {
                self.insert(key, value).is_ok()
            }
            fn take(&self, key: u64) -> bool {
                self.remove(&key)
            }
            fn read(&self, key: u64, hold: impl FnOnce()) -> Option<u64> {
                let value = self.get(&key)?;
                hold();
                Some(value.read())
            }
            fn size(&self) -> usize {
                self.len()
            }
        }
    };
}

map_like!(List, "List", 1, List::new);
map_like!(HashMap, "HashMap", 1, |domain| HashMap::new(domain, 8));
map_like!(Tree, "Tree", 2, Tree::new);
map_like!(SkipList, "SkipList", 1, SkipList::new);

/// What the threads of one map run did.
#[derive(Default)]
struct MapRun {
    inserted: usize,
    removed: usize,
    reads: usize,
}

/// `THREADS` threads mixing inserts, removes and reads (`reads` in 10 operations are reads).
/// Every value read must be the key it was stored under, and alive.
fn churn_map<S: MapLike<R>, R: Reclaim>(map: &S, ledger: &'static Ledger, reads: u64) -> MapRun {
    let start = &std::sync::Barrier::new(THREADS);
    let runs: Vec<MapRun> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS as u64)
            .map(|t| {
                s.spawn(move || {
                    start.wait();
                    let mut rng = Rng::new(t + 1);
                    let mut run = MapRun::default();
                    for i in 0..OPS {
                        let key = rng.below(KEYS);
                        let op = rng.below(10);
                        if op < reads {
                            // Every 8th read keeps its value across a yield, so that removals
                            // (and their frees, were they early) land while it is held.
                            let hold = || {
                                if i % 8 == 0 {
                                    std::thread::yield_now();
                                }
                            };
                            if let Some(value) = map.read(key, hold) {
                                assert_eq!(
                                    value,
                                    key,
                                    "{}: read a value stored under another key",
                                    S::NAME
                                );
                                run.reads += 1;
                            }
                        } else if op.is_multiple_of(2) {
                            run.inserted += usize::from(map.put(key, Tracked::new(ledger, key)));
                        } else {
                            run.removed += usize::from(map.take(key));
                        }
                    }
                    run
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker thread panicked"))
            .collect()
    });
    runs.into_iter().fold(MapRun::default(), |a, b| MapRun {
        inserted: a.inserted + b.inserted,
        removed: a.removed + b.removed,
        reads: a.reads + b.reads,
    })
}

pub(super) fn exactly_once_map<S: MapLike<Counting<R>>, R: Reclaim>(make: &impl Fn() -> R) {
    let ledger = fresh_ledger();
    let domain = Counting::new(make());
    let counts = domain.counts();
    let map = S::build(domain);
    let run = churn_map(&map, ledger, 2);
    let name = S::NAME;
    assert!(
        run.inserted > 0 && run.removed > 0,
        "{name}: the run did nothing"
    );
    assert_eq!(
        map.size(),
        run.inserted - run.removed,
        "{name}: the size differs from successful inserts minus removes"
    );
    assert_eq!(
        counts.retired(),
        run.removed * S::NODES_PER_REMOVE,
        "{name}: {} removes should have retired {} nodes each",
        run.removed,
        S::NODES_PER_REMOVE
    );
    tear_down(map, ledger, Some(&counts));
}

pub(super) fn poisoned_map<S: MapLike<R>, R: Reclaim>(make: &impl Fn() -> R) {
    let ledger = fresh_ledger();
    let map = S::build(make());
    let run = churn_map(&map, ledger, 6);
    assert!(run.reads > 0, "{}: no read found a value", S::NAME);
    tear_down(map, ledger, None);
}

/// The stack and the queue, as the suite drives them.
pub(super) trait PoolLike<R: Reclaim>: Structure<R> {
    /// Whether values of one producer leave in the order they came in.
    const FIFO: bool;
    fn put(&self, value: Tracked);
    fn take(&self) -> Option<Tracked>;
}

macro_rules! pool_like {
    ($ty:ident, $name:literal, $fifo:literal) => {
        impl<R: Reclaim> Structure<R> for $ty<Tracked, R> {
            const NAME: &'static str = $name;
            fn build(domain: R) -> Self {
                $ty::new(domain)
            }
            fn reclaim(&self) -> &R {
                self.domain()
            }
        }

        impl<R: Reclaim> PoolLike<R> for $ty<Tracked, R> {
            const FIFO: bool = $fifo;
            fn put(&self, value: Tracked) {
                self.push(value)
            }
            fn take(&self) -> Option<Tracked> {
                self.pop()
            }
        }
    };
}

pool_like!(Stack, "Stack", false);
pool_like!(Queue, "Queue", true);

/// `THREADS` threads, each pushing values `thread << 32 | sequence` and popping at random.
/// Every popped value is checked alive; for a queue, each consumer must see each producer's
/// values in order. Returns (pushes, pops).
fn churn_pool<S: PoolLike<R>, R: Reclaim>(pool: &S, ledger: &'static Ledger) -> (usize, usize) {
    let start = &std::sync::Barrier::new(THREADS);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS as u64)
            .map(|t| {
                s.spawn(move || {
                    start.wait();
                    let mut rng = Rng::new(t + 1);
                    let mut last_seen = [None; THREADS];
                    let (mut pushes, mut pops) = (0, 0);
                    for i in 0..OPS {
                        if rng.below(2) == 0 {
                            pool.put(Tracked::new(ledger, t << 32 | i));
                            pushes += 1;
                        } else if let Some(value) = pool.take() {
                            let value = value.read();
                            let (producer, seq) = ((value >> 32) as usize, value & 0xFFFF_FFFF);
                            if S::FIFO {
                                assert!(
                                    last_seen[producer] < Some(seq),
                                    "{}: values of one producer came out of order",
                                    S::NAME
                                );
                                last_seen[producer] = Some(seq);
                            }
                            pops += 1;
                        }
                    }
                    (pushes, pops)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker thread panicked"))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    })
}

pub(super) fn exactly_once_pool<S: PoolLike<Counting<R>>, R: Reclaim>(make: &impl Fn() -> R) {
    let ledger = fresh_ledger();
    let domain = Counting::new(make());
    let counts = domain.counts();
    let pool = S::build(domain);
    let name = S::NAME;
    let (pushes, mut pops) = churn_pool(&pool, ledger);
    while let Some(value) = pool.take() {
        value.read();
        pops += 1;
    }
    assert_eq!(pushes, pops, "{name}: values pushed and popped differ");
    assert_eq!(
        counts.retired(),
        pops,
        "{name}: each pop should have retired exactly one node"
    );
    tear_down(pool, ledger, Some(&counts));
}

pub(super) fn poisoned_pool<S: PoolLike<R>, R: Reclaim>(make: &impl Fn() -> R) {
    let ledger = fresh_ledger();
    let pool = S::build(make());
    let (pushes, pops) = churn_pool(&pool, ledger);
    assert!(pops > 0, "{}: nothing was popped", S::NAME);
    // Left inside on purpose: the structure's drop must free them.
    assert!(pushes >= pops);
    tear_down(pool, ledger, None);
}
