//! SRCU criterion benches. Every group puts SRCU next to its baselines and peers so that the
//! ratios come from one run:
//!
//! - `read_lock_unlock`: SRCU Fast/Fenced × Thread/Cpu slots, crossbeam-epoch `pin()`, seize
//!   `enter()`, liburcu memb (when installed), the thread-local increment pair and the owned
//!   slot baselines;
//! - `synchronize_idle`: a grace period while 4 reader threads (each owning a slot) sit parked
//!   outside any section (Fenced, Fast; plain and expedited);
//! - `synchronize_busy_reader`: the same with a background thread looping read sections;
//! - `synchronize_concurrent`: wall time for 1 vs 4 threads each calling `synchronize` once
//!   (grace periods are shared, so 4 should cost about one).
//!
//! `cargo bench -p benches --bench srcu` (add `-- --quick` for a smoke run).
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use benches::ours::srcu_name;
mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use reclaim::Reclaim;
use srcu::{Flavor, SlotChoice, Srcu};

const CONFIGS: [(Flavor, SlotChoice); 4] = [
    (Flavor::Fast, SlotChoice::Thread),
    (Flavor::Fast, SlotChoice::Cpu),
    (Flavor::Fenced, SlotChoice::Thread),
    (Flavor::Fenced, SlotChoice::Cpu),
];

fn read_lock_unlock(c: &mut Criterion) {
    let mut g = c.benchmark_group("read_lock_unlock");
    for (flavor, choice) in CONFIGS {
        let domain = Srcu::with_options(flavor, choice);
        g.bench_function(srcu_name(flavor, choice), |b| {
            b.iter(|| drop(black_box(domain.read_lock())))
        });
    }
    g.bench_function("crossbeam-epoch pin", |b| {
        b.iter(|| drop(black_box(crossbeam_epoch::pin())))
    });
    let seize = benches::peers::Seize::new();
    g.bench_function("seize enter", |b| b.iter(|| drop(black_box(seize.enter()))));
    #[cfg(has_liburcu)]
    g.bench_function("liburcu memb (out-of-line)", |b| {
        b.iter(|| drop(black_box(benches::peers::Liburcu.enter())))
    });
    common::baselines(&mut g);
    g.finish();
}

/// How many idle reader threads `synchronize_idle` keeps around.
const IDLE_READERS: usize = 4;

/// Runs `f` while `n` threads that each took one read section on `domain` (so they own a
/// slot) sit parked outside any section.
fn with_idle_readers<R: Reclaim>(domain: &R, n: usize, f: impl FnOnce()) {
    let stop = AtomicBool::new(false);
    let ready = Barrier::new(n + 1);
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..n)
            .map(|_| {
                s.spawn(|| {
                    drop(domain.enter());
                    ready.wait();
                    while !stop.load(Ordering::Acquire) {
                        std::thread::park();
                    }
                })
            })
            .collect();
        ready.wait();
        f();
        stop.store(true, Ordering::Release);
        for r in &readers {
            r.thread().unpark();
        }
    });
}

fn synchronize_idle(c: &mut Criterion) {
    let mut g = c.benchmark_group("synchronize_idle");
    for flavor in [Flavor::Fenced, Flavor::Fast] {
        let domain = Srcu::with_options(flavor, SlotChoice::Thread);
        drop(domain.read_lock());
        let name = srcu_name(flavor, SlotChoice::Thread);
        with_idle_readers(&domain, IDLE_READERS, || {
            g.bench_function(format!("{name} synchronize"), |b| {
                b.iter(|| domain.synchronize())
            });
            g.bench_function(format!("{name} synchronize_expedited"), |b| {
                b.iter(|| domain.synchronize_expedited())
            });
        });
    }
    g.finish();
}

/// Runs `f` while a background thread loops short read sections on `domain`.
fn with_busy_reader<R: Reclaim>(domain: &R, f: impl FnOnce()) {
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..64 {
                    drop(black_box(domain.enter()));
                }
            }
        });
        f();
        stop.store(true, Ordering::Relaxed);
    });
}

fn synchronize_busy_reader(c: &mut Criterion) {
    let mut g = c.benchmark_group("synchronize_busy_reader");
    for flavor in [Flavor::Fenced, Flavor::Fast] {
        let domain = Srcu::with_options(flavor, SlotChoice::Thread);
        let name = srcu_name(flavor, SlotChoice::Thread);
        with_busy_reader(&domain, || {
            g.bench_function(format!("{name} synchronize"), |b| {
                b.iter(|| domain.synchronize())
            });
        });
    }
    #[cfg(has_liburcu)]
    with_busy_reader(&benches::peers::Liburcu, || {
        g.bench_function("liburcu memb synchronize_rcu", |b| {
            b.iter(|| reclaim::Reclaim::synchronize(&benches::peers::Liburcu))
        });
    });
    g.finish();
}

/// A pool of `n` threads that each call `domain.synchronize()` once per round.
struct Callers {
    start: Arc<Barrier>,
    done: Arc<Barrier>,
    quit: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Callers {
    fn new(domain: &Arc<Srcu>, n: usize) -> Self {
        let start = Arc::new(Barrier::new(n + 1));
        let done = Arc::new(Barrier::new(n + 1));
        let quit = Arc::new(AtomicBool::new(false));
        let threads = (0..n)
            .map(|_| {
                let (start, done, quit, domain) =
                    (start.clone(), done.clone(), quit.clone(), domain.clone());
                std::thread::spawn(move || {
                    loop {
                        start.wait();
                        if quit.load(Ordering::Relaxed) {
                            return;
                        }
                        domain.synchronize();
                        done.wait();
                    }
                })
            })
            .collect();
        Self {
            start,
            done,
            quit,
            threads,
        }
    }

    /// Wall time of one round: release all callers, wait until every one has returned.
    fn round(&self) -> Duration {
        let t = Instant::now();
        self.start.wait();
        self.done.wait();
        t.elapsed()
    }
}

impl Drop for Callers {
    fn drop(&mut self) {
        self.quit.store(true, Ordering::Relaxed);
        self.start.wait();
        for t in self.threads.drain(..) {
            t.join().expect("caller panicked");
        }
    }
}

fn synchronize_concurrent(c: &mut Criterion) {
    let mut g = c.benchmark_group("synchronize_concurrent");
    for flavor in [Flavor::Fenced, Flavor::Fast] {
        let domain = Arc::new(Srcu::with_options(flavor, SlotChoice::Thread));
        let name = srcu_name(flavor, SlotChoice::Thread);
        for n in [1, 4] {
            let callers = Callers::new(&domain, n);
            g.bench_function(format!("{name} {n} callers"), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| callers.round()).sum())
            });
        }
    }
    g.finish();
}

criterion_group!(
    benches,
    read_lock_unlock,
    synchronize_idle,
    synchronize_busy_reader,
    synchronize_concurrent
);
criterion_main!(benches);
