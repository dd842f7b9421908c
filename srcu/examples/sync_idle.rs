//! `synchronize` on an idle domain, automatically expedited, against the adaptive wait it used
//! before (`synchronize_with(&mut Adaptive::new())`), called alternately in one process.
//!
//! ```text
//! cargo run --release -p gracepoint-srcu --example sync_idle
//! ```
//!
//! For each flavor, with and without a thread that loops short read sections, it makes 4000
//! calls 100 µs apart (so that the domain looks idle at each call), every other one each way,
//! and prints the median and the 90th percentile of each.

use gracepoint_srcu::{Flavor, Options, SlotChoice, Srcu};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

fn percentile(samples: &mut [f64], q: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)]
}

fn main() {
    for flavor in [Flavor::Fenced, Flavor::Fast] {
        for reader in [true, false] {
            let domain =
                Srcu::with_options(Options::DEFAULT.flavor(flavor).slots(SlotChoice::Thread));
            let stop = AtomicBool::new(false);
            let (mut auto, mut adaptive) = (Vec::new(), Vec::new());
            std::thread::scope(|s| {
                if reader {
                    s.spawn(|| {
                        while !stop.load(Ordering::Relaxed) {
                            let guard = domain.enter();
                            for _ in 0..50 {
                                std::hint::spin_loop();
                            }
                            drop(guard);
                        }
                    });
                }
                for round in 0..4000 {
                    std::thread::sleep(Duration::from_micros(100));
                    let start = Instant::now();
                    if round % 2 == 0 {
                        domain.synchronize();
                        auto.push(start.elapsed().as_nanos() as f64);
                    } else {
                        domain.synchronize_with(&mut reclaim::wait::Adaptive::new());
                        adaptive.push(start.elapsed().as_nanos() as f64);
                    }
                }
                stop.store(true, Ordering::Relaxed);
            });
            println!(
                "{flavor:?}, {}: synchronize median {:.0} ns, p90 {:.0} ns (auto-expedited); \
                 {:.0} ns, p90 {:.0} ns (adaptive wait)",
                if reader { "a busy reader" } else { "no reader" },
                percentile(&mut auto, 0.5),
                percentile(&mut auto, 0.9),
                percentile(&mut adaptive, 0.5),
                percentile(&mut adaptive, 0.9),
            );
        }
    }
}
