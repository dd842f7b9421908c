//! Epoch criterion benches. Every group puts the epoch domain next to crossbeam-epoch and the
//! owned-slot baseline, so that the figures in `docs/epoch.md` are ratios from one run:
//!
//! - `pin_unpin`: pin and unpin through the `Reclaim` trait on the default domain, the inherent
//!   `pin`, a registered reader's `pin`, crossbeam-epoch's `pin()`, the owned-slot baseline (a
//!   load of a shared clock stored into a slot the thread owns, then a release store of zero)
//!   and a thread-local increment pair;
//! - `nested_pin`: a pin and unpin while the thread already holds a guard, for both crates,
//!   next to the owned-slot baseline;
//! - `registered_threads`: pin and unpin on one thread, first with no other thread registered,
//!   then with 999 more threads registered in both domains and sitting idle (parked, unpinned).
//!
//! `cargo bench -p benches --bench epoch` (add `-- --quick` for a smoke run).
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use benches::baseline::{OwnedSlot, ThreadLocalPair};
use benches::measure::{IDLE_THREADS, with_idle_threads};
use criterion::{Criterion, criterion_group, criterion_main};
use epoch::Epoch;
use reclaim::Reclaim;
use std::hint::black_box;
use std::time::Duration;

fn baselines(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let slot = OwnedSlot::new();
    g.bench_function("baseline owned slot", |b| {
        b.iter(|| drop(black_box(slot.enter())))
    });
    g.bench_function("baseline thread-local pair", |b| {
        b.iter(|| drop(black_box(ThreadLocalPair.enter())))
    });
}

/// A section through the trait, as the data structures and `compare` take one.
#[inline]
fn trait_section<R: Reclaim>(domain: &R) {
    drop(black_box(domain.enter()));
}

fn pin_unpin(c: &mut Criterion) {
    let mut g = c.benchmark_group("pin_unpin");
    let domain = epoch::default_domain();
    g.bench_function("epoch trait enter (default domain)", |b| {
        b.iter(|| trait_section(domain))
    });
    g.bench_function("epoch pin (default domain)", |b| {
        b.iter(|| drop(black_box(domain.pin())))
    });
    let reader = domain.register().unwrap();
    g.bench_function("epoch registered reader pin", |b| {
        b.iter(|| drop(black_box(reader.pin())))
    });
    g.bench_function("crossbeam-epoch pin", |b| {
        b.iter(|| drop(black_box(crossbeam_epoch::pin())))
    });
    baselines(&mut g);
    g.finish();
}

fn nested_pin(c: &mut Criterion) {
    let mut g = c.benchmark_group("nested_pin");
    let domain = epoch::default_domain();
    {
        let _outer = domain.pin();
        g.bench_function("epoch nested pin", |b| {
            b.iter(|| drop(black_box(domain.pin())))
        });
    }
    {
        let reader = domain.register().unwrap();
        let _outer = reader.pin();
        g.bench_function("epoch registered reader nested pin", |b| {
            b.iter(|| drop(black_box(reader.pin())))
        });
    }
    {
        let _outer = crossbeam_epoch::pin();
        g.bench_function("crossbeam-epoch nested pin", |b| {
            b.iter(|| drop(black_box(crossbeam_epoch::pin())))
        });
    }
    baselines(&mut g);
    g.finish();
}

fn registered_threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("registered_threads");
    // Domains of their own, so that only this group's threads are registered in them.
    let domain = Epoch::new();
    let collector = crossbeam_epoch::Collector::new();
    let handle = collector.register();
    g.bench_function("epoch pin, 1 registered thread", |b| {
        b.iter(|| drop(black_box(domain.pin())))
    });
    g.bench_function("crossbeam-epoch pin, 1 registered thread", |b| {
        b.iter(|| drop(black_box(handle.pin())))
    });
    with_idle_threads(&domain, &collector, IDLE_THREADS, || {
        let threads = IDLE_THREADS + 1;
        g.bench_function(format!("epoch pin, {threads} registered threads"), |b| {
            b.iter(|| drop(black_box(domain.pin())))
        });
        g.bench_function(
            format!("crossbeam-epoch pin, {threads} registered threads"),
            |b| b.iter(|| drop(black_box(handle.pin()))),
        );
    });
    g.finish();
}

fn short() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = short();
    targets = pin_unpin, nested_pin, registered_threads
}
criterion_main!(benches);
