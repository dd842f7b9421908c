//! Bench pieces every criterion bench file shares.

use benches::baseline::{OwnedSlot, ThreadLocalPair};
use criterion::BenchmarkGroup;
use criterion::measurement::WallTime;
use std::hint::black_box;

/// Adds the two baselines (a thread-local increment pair and an owned-slot load and store
/// pair) to `group`, so that every scheme in it is read as a ratio to them from the same run.
pub fn baselines(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.bench_function("baseline thread-local pair", |b| {
        b.iter(|| drop(black_box(ThreadLocalPair.enter())))
    });
    let slot = OwnedSlot::new();
    group.bench_function("baseline owned slot", |b| {
        b.iter(|| drop(black_box(slot.enter())))
    });
}
