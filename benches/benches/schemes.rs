//! The criterion bench: every scheme of `benches::schemes` (this workspace's and the peers),
//! in every group, so that each group's figures are ratios from one run.
//!
//! - `read_lock_unlock`: an empty read section (`enter` + guard drop); next to it, rows marked
//!   "not a trait operation": this workspace's schemes through a registered reader (`register()`
//!   once, then `enter()` on the handle, with no slot lookup), crossbeam-epoch through a
//!   registered `LocalHandle`, liburcu through its header's inline fast path (timed in C); the
//!   thread-local pair and owned-slot baselines.
//! - `synchronize_idle`: a grace period while 4 threads that own slots sit outside any section.
//! - `synchronize_busy_reader`: a grace period while a thread loops read sections.
//! - `synchronize_concurrent`: wall time for 1 and for 4 pooled threads each calling
//!   `synchronize` once (schemes that share grace periods make 4 cost about one).
//! - `start_poll`: starting a polled grace period (GUS: one `advance`).
//! - `poll_fast_path`: `poll` of a grace period that has already ended.
//! - `poll_scan`: `start_poll` then one `poll`, against 2, 16 and 128 idle threads that own
//!   slots; the criterion throughput is in threads, so its time per element is the time per
//!   slot scanned.
//!
//! Peers without a grace-period wait or polling (crossbeam-epoch, seize, sdd; liburcu's
//! polling) run the adapters' emulations, which `docs/comparison.md` describes.
//!
//! `cargo bench -p benches --bench schemes` (add `-- GROUP` to run one group, `-- --quick` for
//! a smoke run).
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use benches::baseline::{OwnedSlot, ThreadLocalPair};
use benches::measure::{with_busy_reader, with_idle_readers};
use benches::schemes::{Scheme, SchemeVisitor, for_each_scheme};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use reclaim::Reclaim;

type Group<'c> = BenchmarkGroup<'c, WallTime>;

/// What one group measures on one scheme.
trait PerScheme {
    fn bench<R: Reclaim + 'static>(&self, g: &mut Group<'_>, s: &Scheme, make: &dyn Fn() -> R);
}

/// Runs `per` on every scheme of the list, in one criterion group named `name`.
fn group<'c>(c: &'c mut Criterion, name: &str, per: impl PerScheme) -> Group<'c> {
    struct Visit<'g, 'c, P> {
        group: &'g mut Group<'c>,
        per: P,
    }
    impl<P: PerScheme> SchemeVisitor for Visit<'_, '_, P> {
        fn visit<R, F>(&mut self, scheme: &Scheme, make: F)
        where
            R: Reclaim + 'static,
            F: Fn() -> R + Send + Sync + 'static,
        {
            self.per.bench(self.group, scheme, &make);
        }
    }
    let mut group = c.benchmark_group(name);
    for_each_scheme(&mut Visit {
        group: &mut group,
        per,
    });
    group
}

/// Defines the criterion target `$name`: a group of that name in which `$body` runs once per
/// scheme, with `$g` the group, `$s` the scheme's description and `$make` its constructor.
macro_rules! per_scheme_group {
    ($name:ident, |$g:ident, $s:ident, $make:ident| $body:block) => {
        fn $name(c: &mut Criterion) {
            struct Per;
            impl PerScheme for Per {
                fn bench<R: Reclaim + 'static>(
                    &self,
                    $g: &mut Group<'_>,
                    $s: &Scheme,
                    $make: &dyn Fn() -> R,
                ) $body
            }
            group(c, stringify!($name), Per).finish();
        }
    };
}

struct ReadLockUnlock;

impl PerScheme for ReadLockUnlock {
    fn bench<R: Reclaim + 'static>(&self, g: &mut Group<'_>, s: &Scheme, make: &dyn Fn() -> R) {
        let domain = make();
        g.bench_function(&s.name, |b| b.iter(|| drop(black_box(domain.enter()))));
        for (path, time) in &s.direct_read_sides {
            g.bench_function(
                format!("{}{} [not a trait operation]", s.name, path.name),
                |b| b.iter_custom(|iters| time(iters)),
            );
        }
    }
}

fn read_lock_unlock(c: &mut Criterion) {
    let mut g = group(c, "read_lock_unlock", ReadLockUnlock);
    g.bench_function("baseline thread-local pair", |b| {
        b.iter(|| drop(black_box(ThreadLocalPair.enter())))
    });
    let slot = OwnedSlot::new();
    g.bench_function("baseline owned slot", |b| {
        b.iter(|| drop(black_box(slot.enter())))
    });
    g.finish();
}

/// How many idle reader threads `synchronize_idle` keeps around.
const IDLE_READERS: usize = 4;

per_scheme_group!(synchronize_idle, |g, s, make| {
    let domain = make();
    with_idle_readers(&domain, IDLE_READERS, || {
        g.bench_function(&s.name, |b| b.iter(|| domain.synchronize()));
    });
});

per_scheme_group!(synchronize_busy_reader, |g, s, make| {
    let domain = make();
    with_busy_reader(
        || drop(black_box(domain.enter())),
        || g.bench_function(&s.name, |b| b.iter(|| domain.synchronize())),
    );
});

/// A pool of `n` threads that each call `domain.synchronize()` once per round.
struct Callers {
    start: Arc<Barrier>,
    done: Arc<Barrier>,
    quit: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Callers {
    fn new<R: Reclaim + 'static>(domain: &Arc<R>, n: usize) -> Self {
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

per_scheme_group!(synchronize_concurrent, |g, s, make| {
    let domain = Arc::new(make());
    for n in [1, 4] {
        let callers = Callers::new(&domain, n);
        g.bench_function(format!("{} {n} callers", s.name), |b| {
            b.iter_custom(|iters| (0..iters).map(|_| callers.round()).sum())
        });
    }
});

per_scheme_group!(start_poll, |g, s, make| {
    let domain = make();
    g.bench_function(&s.name, |b| b.iter(|| black_box(domain.start_poll())));
    domain.barrier();
});

per_scheme_group!(poll_fast_path, |g, s, make| {
    let domain = make();
    let cookie = domain.start_poll();
    while !domain.poll(&cookie) {
        std::thread::yield_now();
    }
    g.bench_function(&s.name, |b| {
        b.iter(|| assert!(domain.poll(black_box(&cookie))))
    });
});

per_scheme_group!(poll_scan, |g, s, make| {
    for readers in [2usize, 16, 128] {
        let domain = make();
        with_idle_readers(&domain, readers, || {
            g.throughput(Throughput::Elements(readers as u64));
            g.bench_function(format!("{} {readers} idle readers", s.name), |b| {
                b.iter(|| {
                    // A fresh grace period has not ended yet, so the poll must look at
                    // the readers.
                    let cookie = domain.start_poll();
                    black_box(domain.poll(&cookie))
                })
            });
        });
        domain.barrier();
    }
});

fn config() -> Criterion {
    // Dozens of schemes × configurations: shorter than criterion's defaults, so that the whole
    // bench stays within minutes; each group still compares its rows within one run.
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = read_lock_unlock,
        synchronize_idle,
        synchronize_busy_reader,
        synchronize_concurrent,
        start_poll,
        poll_fast_path,
        poll_scan
}
criterion_main!(benches);
