//! Measuring helpers shared by the `compare` workloads and the criterion bench: a per-thread
//! random generator, medians and spreads, timed loops, timed thread teams, and background
//! readers.
//!
//! ```
//! use benches::measure::Spread;
//! let s = Spread::of(&[3.0, 1.0, 2.0]);
//! assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
//! ```

use core::hint::black_box;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reclaim::Reclaim;

/// A small, fast pseudo-random generator (xorshift64*), one per thread.
///
/// ```
/// let mut rng = benches::measure::Rng::new(1);
/// assert_ne!(rng.next(), rng.next());
/// ```
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from `seed` (any value, zero included).
    ///
    /// ```
    /// let a = benches::measure::Rng::new(7).next();
    /// assert_eq!(a, benches::measure::Rng::new(7).next());
    /// ```
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    ///
    /// ```
    /// let mut rng = benches::measure::Rng::new(3);
    /// let _bits: u64 = rng.next();
    /// ```
    #[inline]
    #[allow(clippy::should_implement_trait)] // not an iterator: it never ends
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// The median and the range of a set of measurements.
///
/// ```
/// let s = benches::measure::Spread::of(&[4.0, 1.0, 2.0, 3.0]);
/// assert_eq!(s.median, 2.5);
/// assert!(s.contains(1.0) && !s.contains(4.5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    /// The median (the mean of the two middle values for an even count).
    pub median: f64,
    /// The smallest value.
    pub min: f64,
    /// The largest value.
    pub max: f64,
}

impl Spread {
    /// The spread of `values`; all zero for none.
    ///
    /// ```
    /// assert_eq!(benches::measure::Spread::of(&[]).median, 0.0);
    /// ```
    pub fn of(values: &[f64]) -> Self {
        if values.is_empty() {
            return Self {
                median: 0.0,
                min: 0.0,
                max: 0.0,
            };
        }
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        Self {
            median,
            min: v[0],
            max: v[n - 1],
        }
    }

    /// Whether `x` lies within `min..=max`.
    ///
    /// ```
    /// assert!(benches::measure::Spread::of(&[0.9, 1.1]).contains(1.0));
    /// ```
    pub fn contains(&self, x: f64) -> bool {
        self.min <= x && x <= self.max
    }
}

/// The time `iters` calls of `f` take.
///
/// ```
/// let t = benches::measure::time_loop(1000, || {
///     std::hint::black_box(benches::baseline::ThreadLocalPair.enter());
/// });
/// println!("1000 calls took {t:?}");
/// ```
pub fn time_loop(iters: u64, mut f: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed()
}

/// Times `batches` batches of `iters` calls of `f` after a warm-up, and returns the median
/// nanoseconds per call.
///
/// ```
/// let ns = benches::measure::time_per_call(3, 1000, || {
///     std::hint::black_box(benches::baseline::ThreadLocalPair.enter());
/// });
/// println!("{ns:.2} ns per call");
/// ```
pub fn time_per_call(batches: usize, iters: u64, mut f: impl FnMut()) -> f64 {
    // Warm up: first-use registration, page faults, frequency ramp.
    time_loop(iters.min(100_000), &mut f);
    median_ns_per_call(batches, iters, |iters| time_loop(iters, &mut f))
}

/// Runs `timed(iters)` (a timed loop of `iters` calls) `batches` times and returns the median
/// nanoseconds per call.
///
/// ```
/// let ns = benches::measure::median_ns_per_call(3, 10, |iters| {
///     std::time::Duration::from_nanos(2 * iters)
/// });
/// assert_eq!(ns, 2.0);
/// ```
pub fn median_ns_per_call(
    batches: usize,
    iters: u64,
    mut timed: impl FnMut(u64) -> Duration,
) -> f64 {
    let samples: Vec<f64> = (0..batches.max(1))
        .map(|_| timed(iters).as_nanos() as f64 / iters.max(1) as f64)
        .collect();
    Spread::of(&samples).median
}

/// Median nanoseconds of one `enter` and the guard's drop on `domain`, on this thread.
///
/// ```
/// let ns = benches::measure::enter_exit_ns(&peers::CrossbeamEpoch, 3, 1000);
/// println!("{ns:.2} ns per pin and drop");
/// ```
pub fn enter_exit_ns<R: Reclaim>(domain: &R, batches: usize, iters: u64) -> f64 {
    time_per_call(batches, iters, || drop(black_box(domain.enter())))
}

/// Runs `body(thread_index, &stop)` on `threads` threads that start together, lets them run
/// for `duration`, and returns their results and the seconds they ran. `sample` runs on the
/// calling thread in the meantime, over and over: it should sleep a little each time.
///
/// ```
/// use std::sync::atomic::Ordering;
/// let (counts, secs) = benches::measure::run_timed(
///     2,
///     std::time::Duration::from_millis(10),
///     |_, stop| {
///         let mut n = 0u64;
///         while !stop.load(Ordering::Relaxed) {
///             n += 1;
///         }
///         n
///     },
///     || std::thread::sleep(std::time::Duration::from_millis(1)),
/// );
/// assert_eq!(counts.len(), 2);
/// println!("{counts:?} rounds in {secs:.3} s");
/// ```
pub fn run_timed<T: Send>(
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

/// Runs `f` while a background thread calls `read` in a loop (a read section, typically);
/// returns what `f` returned and how many times per second `read` ran.
///
/// ```
/// use reclaim::Reclaim;
/// let domain = peers::CrossbeamEpoch;
/// let ((), reads_per_sec) =
///     benches::measure::with_busy_reader(|| drop(domain.enter()), || domain.synchronize());
/// assert!(reads_per_sec > 0.0);
/// ```
pub fn with_busy_reader<T>(read: impl Fn() + Sync, f: impl FnOnce() -> T) -> (T, f64) {
    let stop = AtomicBool::new(false);
    let started = AtomicBool::new(false);
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut reads = 0u64;
            let start = Instant::now();
            started.store(true, Ordering::Release);
            // At least one round, so that the reader has read before `f` can finish.
            loop {
                for _ in 0..64 {
                    read();
                }
                reads += 64;
                if stop.load(Ordering::Relaxed) {
                    break;
                }
            }
            reads as f64 / start.elapsed().as_secs_f64().max(1e-9)
        });
        while !started.load(Ordering::Acquire) {
            std::hint::spin_loop();
        }
        let out = f();
        stop.store(true, Ordering::Relaxed);
        (out, reader.join().expect("busy reader panicked"))
    })
}

/// Runs `f` while `n` threads that each took one read section on `domain` (so each owns a
/// slot, where the scheme has slots) sit parked outside any section.
///
/// ```
/// use reclaim::Reclaim;
/// let domain = srcu::Srcu::new();
/// benches::measure::with_idle_readers(&domain, 2, || domain.synchronize());
/// ```
pub fn with_idle_readers<R: Reclaim, T>(domain: &R, n: usize, f: impl FnOnce() -> T) -> T {
    with_parked_threads(n, || drop(domain.enter()), f)
}

/// How many idle threads the epoch bench and `pin_ratios` register beside the measuring one,
/// for the "1 vs 1000 registered threads" rows.
pub const IDLE_THREADS: usize = 999;

/// Runs `f` while `idle` threads, each registered in `domain` and in `collector` (each pinned
/// both once, and keeping its crossbeam handle), sit parked outside any section: what a pin
/// costs when the domain knows many threads that are not reading.
///
/// ```
/// let domain = epoch::Epoch::new();
/// let collector = crossbeam_epoch::Collector::new();
/// let slots = benches::measure::with_idle_threads(&domain, &collector, 3, || {
///     drop(domain.pin());
///     format!("{domain:?}")
/// });
/// assert!(slots.contains("slots: 4"), "the three idle threads and this one: {slots}");
/// ```
pub fn with_idle_threads<T>(
    domain: &epoch::Epoch,
    collector: &crossbeam_epoch::Collector,
    idle: usize,
    f: impl FnOnce() -> T,
) -> T {
    let join = || {
        drop(domain.pin());
        let handle = collector.register();
        drop(handle.pin());
        handle
    };
    with_parked_threads(idle, join, f)
}

/// Runs `f` while `n` threads, each having run `join` and holding what it returned, sit parked;
/// they drop it and exit after `f` returns. Small stacks, so that a thousand of them fit.
fn with_parked_threads<S, T>(n: usize, join: impl Fn() -> S + Sync, f: impl FnOnce() -> T) -> T {
    let stop = AtomicBool::new(false);
    let ready = Barrier::new(n + 1);
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..n)
            .map(|_| {
                std::thread::Builder::new()
                    .stack_size(256 * 1024)
                    .spawn_scoped(s, || {
                        let _held = join();
                        ready.wait();
                        while !stop.load(Ordering::Acquire) {
                            std::thread::park();
                        }
                    })
                    .expect("spawn an idle thread")
            })
            .collect();
        ready.wait();
        let out = f();
        stop.store(true, Ordering::Release);
        for thread in &threads {
            thread.thread().unpark();
        }
        out
    })
}
