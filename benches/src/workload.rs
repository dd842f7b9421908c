//! The workloads of the `compare` program, as library functions so that a test can run them
//! in-process in quick mode.
//!
//! - (a) [`enter_exit_ns`]: single-thread enter+exit cost, the median of several timed batches;
//! - (b) [`map_throughput`]: [`HashMap`] throughput (Mops/s) for a [`Mix`] at a thread count;
//! - (c) [`sync_latency`]: a writer's `synchronize` latency (µs) with one busy reader, the
//!   figure liburcu's `test_urcu` is known for;
//! - (d) [`unreclaimed`]: unreclaimed objects (peak and average) in a retire-heavy run,
//!   counted in a separate pass because counting slows the run.
//!
//! ```
//! use benches::workload::{self, Settings};
//! let s = Settings::quick();
//! let ns = workload::enter_exit_ns(&benches::peers::CrossbeamEpoch, &s);
//! assert!(ns > 0.0);
//! ```

use core::hint::black_box;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reclaim::Reclaim;

use crate::counted::{Counted, Counter};
use crate::map::HashMap;
use crate::swap::Swap;

/// How long and how large each workload runs.
///
/// ```
/// let full = benches::workload::Settings::full();
/// let quick = benches::workload::Settings::quick();
/// assert!(quick.point < full.point);
/// ```
#[derive(Clone, Debug)]
pub struct Settings {
    /// Timed batches for (a); the median is reported.
    pub pair_batches: usize,
    /// Enter+exit pairs per batch for (a).
    pub pair_iters: u64,
    /// Length of one throughput measurement for (b).
    pub point: Duration,
    /// Repetitions of each (b) point; the median is reported.
    pub reps: usize,
    /// Thread counts for (b).
    pub threads: Vec<usize>,
    /// Keys are drawn from `0..key_range`; the map is prefilled with half of them.
    pub key_range: u64,
    /// How long the writer of (c) keeps calling `synchronize`.
    pub sync_time: Duration,
    /// How long the counting pass (d) runs.
    pub unreclaimed_time: Duration,
    /// Threads of the counting pass (d).
    pub unreclaimed_threads: usize,
}

impl Settings {
    /// The default run: about one to two minutes for all schemes.
    ///
    /// ```
    /// assert!(benches::workload::Settings::full().threads.contains(&4));
    /// ```
    pub fn full() -> Self {
        Self {
            pair_batches: 15,
            pair_iters: 2_000_000,
            point: Duration::from_millis(300),
            reps: 3,
            threads: thread_counts(),
            key_range: 100_000,
            sync_time: Duration::from_millis(1000),
            unreclaimed_time: Duration::from_millis(1000),
            unreclaimed_threads: num_cpus::get().max(2),
        }
    }

    /// A smoke run that finishes in seconds; its numbers mean nothing.
    ///
    /// ```
    /// assert_eq!(benches::workload::Settings::quick().reps, 1);
    /// ```
    pub fn quick() -> Self {
        Self {
            pair_batches: 3,
            pair_iters: 20_000,
            point: Duration::from_millis(20),
            reps: 1,
            threads: thread_counts(),
            key_range: 10_000,
            sync_time: Duration::from_millis(30),
            unreclaimed_time: Duration::from_millis(30),
            unreclaimed_threads: num_cpus::get().max(2),
        }
    }
}

/// 1, 2 and 4 threads, plus the machine's CPU count and twice it (past the core count).
fn thread_counts() -> Vec<usize> {
    let cpus = num_cpus::get();
    let mut t = vec![1, 2, 4, cpus, 2 * cpus];
    t.sort_unstable();
    t.dedup();
    t
}

/// The median of `values` (which it sorts); 0 for none.
///
/// ```
/// assert_eq!(benches::workload::median(&mut [3.0, 1.0, 2.0]), 2.0);
/// assert_eq!(benches::workload::median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
/// ```
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Times `settings.pair_batches` batches of `settings.pair_iters` calls of `f`, and returns
/// the median nanoseconds per call.
///
/// ```
/// let s = benches::workload::Settings::quick();
/// let ns = benches::workload::time_per_call(&s, || {
///     std::hint::black_box(benches::baseline::ThreadLocalPair.enter());
/// });
/// assert!(ns > 0.0);
/// ```
pub fn time_per_call(settings: &Settings, mut f: impl FnMut()) -> f64 {
    // Warm up: first-use registration, page faults, frequency ramp.
    for _ in 0..settings.pair_iters.min(100_000) {
        f();
    }
    let mut samples: Vec<f64> = (0..settings.pair_batches.max(1))
        .map(|_| {
            let start = Instant::now();
            for _ in 0..settings.pair_iters {
                f();
            }
            start.elapsed().as_nanos() as f64 / settings.pair_iters as f64
        })
        .collect();
    median(&mut samples)
}

/// (a) Median ns of one `enter` and the guard's drop, on one thread.
///
/// ```
/// let s = benches::workload::Settings::quick();
/// assert!(benches::workload::enter_exit_ns(&benches::peers::Seize::new(), &s) > 0.0);
/// ```
pub fn enter_exit_ns<R: Reclaim>(domain: &R, settings: &Settings) -> f64 {
    time_per_call(settings, || drop(black_box(domain.enter())))
}

/// An operation mix for the map workloads.
///
/// ```
/// assert_eq!(benches::workload::Mix::ReadMostly.percent(), (90, 5, 5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mix {
    /// Lookups only.
    ReadOnly,
    /// 90% lookups, 5% inserts, 5% removes.
    ReadMostly,
    /// 50% lookups, 25% inserts, 25% removes: the retire-heavy mix of pass (d).
    UpdateHeavy,
}

impl Mix {
    /// (lookup, insert, remove) percentages.
    ///
    /// ```
    /// assert_eq!(benches::workload::Mix::ReadOnly.percent(), (100, 0, 0));
    /// ```
    pub fn percent(self) -> (u32, u32, u32) {
        match self {
            Mix::ReadOnly => (100, 0, 0),
            Mix::ReadMostly => (90, 5, 5),
            Mix::UpdateHeavy => (50, 25, 25),
        }
    }

    /// A short label such as `90/5/5`.
    ///
    /// ```
    /// assert_eq!(benches::workload::Mix::ReadOnly.label(), "read-only");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            Mix::ReadOnly => "read-only",
            Mix::ReadMostly => "90/5/5",
            Mix::UpdateHeavy => "50/25/25",
        }
    }
}

/// A small, fast pseudo-random generator (xorshift64*), one per thread.
#[derive(Clone, Debug)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    #[inline]
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// Prefills `map` with half of `0..key_range`, picked at random.
fn prefill<V: Send + Sync + 'static, R: Reclaim>(
    map: &HashMap<V, R>,
    key_range: u64,
    mut value: impl FnMut() -> V,
    mut rejected: impl FnMut(V),
) {
    let mut rng = Rng::new(0xC0FFEE);
    let mut inserted = 0;
    while inserted < key_range / 2 {
        match map.insert(rng.next() % key_range, value()) {
            Ok(()) => inserted += 1,
            Err(v) => rejected(v),
        }
    }
}

/// Runs `body(thread_index, &stop)` on `threads` threads for `duration` and returns the
/// summed results and the elapsed seconds. `sample` runs on the calling thread meanwhile.
fn run_timed<T: Send>(
    threads: usize,
    duration: Duration,
    body: impl Fn(usize, &AtomicBool) -> T + Sync,
    mut sample: impl FnMut(),
) -> (Vec<T>, f64) {
    let stop = AtomicBool::new(false);
    let start_line = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (stop, start_line, body) = (&stop, &start_line, &body);
                s.spawn(move || {
                    start_line.wait();
                    body(t, stop)
                })
            })
            .collect();
        start_line.wait();
        let start = Instant::now();
        while start.elapsed() < duration {
            sample();
        }
        stop.store(true, Ordering::Relaxed);
        let results = handles
            .into_iter()
            .map(|h| h.join().expect("bench thread panicked"))
            .collect();
        (results, start.elapsed().as_secs_f64())
    })
}

/// One map worker: runs `mix` until `stop`, returns the number of operations.
fn map_worker<V: Send + Sync + 'static, R: Reclaim>(
    map: &HashMap<V, R>,
    seed: u64,
    mix: Mix,
    key_range: u64,
    stop: &AtomicBool,
    mut value: impl FnMut() -> V,
    mut rejected: impl FnMut(V),
) -> u64 {
    let (lookup, insert, _) = mix.percent();
    let mut rng = Rng::new(seed);
    let mut ops = 0u64;
    while !stop.load(Ordering::Relaxed) {
        for _ in 0..64 {
            let r = rng.next();
            let key = (r >> 8) % key_range;
            let dice = (r & 0xff) as u32 * 100 / 256;
            if dice < lookup {
                black_box(map.contains(key));
            } else if dice < lookup + insert {
                if let Err(v) = map.insert(key, value()) {
                    rejected(v);
                }
            } else {
                black_box(map.remove(key));
            }
        }
        ops += 64;
    }
    ops
}

/// (b) Map throughput in Mops/s: the median of `settings.reps` runs of `settings.point`.
///
/// ```
/// use benches::workload::{self, Mix, Settings};
/// let s = Settings::quick();
/// let mops = workload::map_throughput(&|| benches::peers::CrossbeamEpoch, 2, Mix::ReadMostly, &s);
/// assert!(mops > 0.0);
/// ```
pub fn map_throughput<R: Reclaim>(
    make: &dyn Fn() -> R,
    threads: usize,
    mix: Mix,
    settings: &Settings,
) -> f64 {
    let mut runs: Vec<f64> = (0..settings.reps.max(1))
        .map(|_| {
            let key_range = settings.key_range;
            let map = HashMap::new(make(), (key_range / 2) as usize);
            prefill(&map, key_range, || 0u64, drop);
            let (ops, secs) = run_timed(
                threads,
                settings.point,
                |t, stop| map_worker(&map, t as u64 + 1, mix, key_range, stop, || 1u64, drop),
                || std::thread::sleep(Duration::from_millis(1)),
            );
            ops.iter().sum::<u64>() as f64 / secs / 1e6
        })
        .collect();
    median(&mut runs)
}

/// The result of (c).
///
/// ```
/// let r = benches::workload::SyncLatency { median_us: 30.0, samples: 10, reader_mreads: 200.0 };
/// assert!(r.median_us > 0.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct SyncLatency {
    /// Median µs of one publish + `synchronize` + free.
    pub median_us: f64,
    /// How many grace periods were timed.
    pub samples: usize,
    /// Millions of read sections per second the busy reader completed meanwhile.
    pub reader_mreads: f64,
}

/// (c) `synchronize` latency with one busy reader: the writer replaces a shared value, waits
/// for a grace period and frees the old value (liburcu's `test_urcu` writer); the reader loops
/// read sections that dereference the value.
///
/// ```
/// let s = benches::workload::Settings::quick();
/// let r = benches::workload::sync_latency(&|| benches::peers::CrossbeamEpoch, &s);
/// assert!(r.samples > 0 && r.median_us > 0.0);
/// ```
pub fn sync_latency<R: Reclaim>(make: &dyn Fn() -> R, settings: &Settings) -> SyncLatency {
    let swap = Swap::new(make(), 0u64);
    let stop = AtomicBool::new(false);
    let reads = AtomicU64::new(0);
    let started = AtomicBool::new(false);
    let mut samples = Vec::new();
    let mut reader_secs = 0.0;
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut n = 0u64;
            started.store(true, Ordering::Release);
            let start = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..256 {
                    black_box(swap.read(|v| *v));
                }
                n += 256;
            }
            reads.store(n, Ordering::Relaxed);
            start.elapsed().as_secs_f64()
        });
        while !started.load(Ordering::Acquire) {
            std::hint::spin_loop();
        }
        let start = Instant::now();
        let mut i = 1u64;
        while start.elapsed() < settings.sync_time || samples.len() < 3 {
            let t = Instant::now();
            swap.replace_sync(i);
            samples.push(t.elapsed().as_nanos() as f64 / 1e3);
            i += 1;
        }
        stop.store(true, Ordering::Relaxed);
        reader_secs = reader.join().expect("reader panicked");
    });
    let n = samples.len();
    SyncLatency {
        median_us: median(&mut samples),
        samples: n,
        reader_mreads: reads.load(Ordering::Relaxed) as f64 / reader_secs.max(1e-9) / 1e6,
    }
}

/// The result of (d).
///
/// ```
/// let u = benches::workload::Unreclaimed { peak: 10, average: 4.5, retired: 100 };
/// assert!(u.average <= u.peak as f64);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Unreclaimed {
    /// The most objects retired but not yet freed at any sample.
    pub peak: u64,
    /// The average over the samples.
    pub average: f64,
    /// Objects retired during the run.
    pub retired: u64,
}

/// (d) Unreclaimed objects during a retire-heavy run (50/25/25 on the map), sampled by the
/// calling thread about every 100 µs. This is a separate pass: every value counts its drop and
/// the map counts its retires, which slows the run.
///
/// ```
/// let s = benches::workload::Settings::quick();
/// let u = benches::workload::unreclaimed(&|| benches::peers::CrossbeamEpoch, &s);
/// assert!(u.retired > 0);
/// ```
pub fn unreclaimed<R: Reclaim>(make: &dyn Fn() -> R, settings: &Settings) -> Unreclaimed {
    let counter = Counter::new();
    let key_range = settings.key_range;
    let map = HashMap::counting(make(), (key_range / 2) as usize);
    prefill(
        &map,
        key_range,
        || Counted::new(&counter),
        |mut v| v.disarm(),
    );
    let dropped_before = counter.dropped();
    let mut peak = 0u64;
    let mut sum = 0u128;
    let mut n = 0u64;
    let sample = || {
        std::thread::sleep(Duration::from_micros(100));
        // Dropped first: every drop counted here was retired before, so the difference is
        // never an undercount of what is pending.
        let freed = counter.dropped() - dropped_before;
        let pending = map.retired().saturating_sub(freed);
        peak = peak.max(pending);
        sum += u128::from(pending);
        n += 1;
    };
    let _ = run_timed(
        settings.unreclaimed_threads,
        settings.unreclaimed_time,
        |t, stop| {
            map_worker(
                &map,
                t as u64 + 101,
                Mix::UpdateHeavy,
                key_range,
                stop,
                || Counted::new(&counter),
                |mut v: Counted| v.disarm(),
            )
        },
        sample,
    );
    Unreclaimed {
        peak,
        average: if n == 0 { 0.0 } else { sum as f64 / n as f64 },
        retired: map.retired(),
    }
}
