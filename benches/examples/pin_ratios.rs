//! The read-side ratios of `docs/epoch.md`, measured the way a shared, noisy 2-core machine
//! allows: every candidate runs `ITERS` pin-and-unpin pairs per round, the candidates take turns
//! within each round, and each keeps its best round out of `ROUNDS`. Noise from other processes
//! only ever adds time, so the best round is the closest to the true cost, and taking turns
//! means a quiet spell helps every candidate alike. The criterion bench `epoch` measures the
//! same operations with confidence intervals.
//!
//! ```text
//! cargo run --release -p benches --example pin_ratios
//! ```

use benches::baseline::OwnedSlot;
use benches::measure::{IDLE_THREADS, with_idle_threads};
use reclaim::Reclaim;
use std::hint::black_box;
use std::sync::atomic::Ordering;
use std::time::Instant;

const ITERS: u32 = 10_000_000;
const ROUNDS: usize = 15;

#[inline]
fn trait_section<R: Reclaim>(domain: &R) {
    drop(black_box(domain.enter()));
}

/// Nanoseconds per call of `f` over one round of `ITERS` calls. Generic and out of line, so that
/// each candidate gets its own tight loop with the section inlined into it.
#[inline(never)]
fn round<F: FnMut()>(f: &mut F) -> f64 {
    let start = Instant::now();
    for _ in 0..ITERS {
        f();
    }
    start.elapsed().as_nanos() as f64 / f64::from(ITERS)
}

/// The best of `ROUNDS` rounds of each closure, the closures taking turns within each round.
macro_rules! best_of {
    ($($f:expr),+ $(,)?) => {{
        let mut fs = ($($f,)+);
        let mut best = Vec::new();
        for r in 0..ROUNDS {
            let times = best_of!(@run fs, $($f),+);
            if r == 0 {
                best = times;
            } else {
                for (b, t) in best.iter_mut().zip(times) {
                    *b = f64::min(*b, t);
                }
            }
        }
        best
    }};
    (@run $fs:ident, $a:expr) => { vec![round(&mut $fs.0)] };
    (@run $fs:ident, $a:expr, $b:expr) => { vec![round(&mut $fs.0), round(&mut $fs.1)] };
    (@run $fs:ident, $a:expr, $b:expr, $c:expr, $d:expr) => {
        vec![round(&mut $fs.0), round(&mut $fs.1), round(&mut $fs.2), round(&mut $fs.3)]
    };
    (@run $fs:ident, $a:expr, $b:expr, $c:expr, $d:expr, $e:expr, $f:expr) => {
        vec![
            round(&mut $fs.0), round(&mut $fs.1), round(&mut $fs.2), round(&mut $fs.3),
            round(&mut $fs.4), round(&mut $fs.5),
        ]
    };
}

fn report(title: &str, names: &[&str], ns: &[f64], baseline: usize) {
    println!("{title}");
    for (name, t) in names.iter().zip(ns) {
        println!(
            "  {name:<46} {t:>6.2} ns  {:>5.2}x {}",
            t / ns[baseline],
            names[baseline]
        );
    }
}

fn main() {
    let domain = epoch::default_domain();
    let slot = OwnedSlot::new();
    let reader = domain.register().unwrap();

    let names = [
        "crossbeam-epoch pin()",
        "epoch: Reclaim::enter on the default domain",
        "epoch: pin on the default domain",
        "epoch: registered reader pin",
        "owned-slot load and store pair",
        "fence(SeqCst) alone",
    ];
    let ns = best_of!(
        || drop(black_box(crossbeam_epoch::pin())),
        || trait_section(domain),
        || drop(black_box(domain.pin())),
        || drop(black_box(reader.pin())),
        || drop(black_box(slot.enter())),
        || {
            std::sync::atomic::fence(Ordering::SeqCst);
            black_box(&slot);
        },
    );
    report("pin + unpin", &names, &ns, 0);

    let names = [
        "owned-slot load and store pair",
        "epoch: nested pin (default domain)",
        "epoch: nested pin (registered reader)",
        "crossbeam-epoch nested pin()",
    ];
    let ns = {
        let _outer = domain.pin();
        let _reader_outer = reader.pin();
        let _crossbeam_outer = crossbeam_epoch::pin();
        best_of!(
            || drop(black_box(slot.enter())),
            || drop(black_box(domain.pin())),
            || drop(black_box(reader.pin())),
            || drop(black_box(crossbeam_epoch::pin())),
        )
    };
    report(
        "nested pin + unpin (an outer guard is held)",
        &names,
        &ns,
        0,
    );

    // 1 vs 1000 registered threads, in fresh domains that only these threads join.
    let ours = epoch::Epoch::new();
    let collector = crossbeam_epoch::Collector::new();
    let handle = collector.register();
    let names = ["epoch: pin", "crossbeam-epoch: pin"];
    let alone = best_of!(|| drop(black_box(ours.pin())), || drop(black_box(
        handle.pin()
    )),);
    let crowded = with_idle_threads(&ours, &collector, IDLE_THREADS, || {
        best_of!(|| drop(black_box(ours.pin())), || drop(black_box(
            handle.pin()
        )),)
    });
    println!(
        "pin + unpin with 1 registered thread, then with {}",
        IDLE_THREADS + 1
    );
    for (i, name) in names.iter().enumerate() {
        println!(
            "  {name:<46} {:>6.2} ns -> {:>6.2} ns  {:>5.2}x",
            alone[i],
            crowded[i],
            crowded[i] / alone[i]
        );
    }
}
