//! GUS (FreeBSD SMR) criterion benches, each group with its baselines and peers so that the
//! ratios come from one run:
//!
//! - `enter_exit`: GUS default, deferred and lazy (through the thread's slot), GUS default
//!   through a registered `Reader` handle, crossbeam-epoch `pin()`, SRCU Fast, and the
//!   thread-local pair and owned-slot baselines;
//! - `advance`: one `advance` per mode;
//! - `poll_fast_path`: `poll` of a goal that has already passed (`goal <= rd_seq`);
//! - `poll_scan`: `advance` then `poll` (so the poll must scan) against 2, 8, 64, 256 and 1024
//!   registered, idle readers; criterion's throughput is in slots, so its time per element is
//!   the time per slot scanned.
//!
//! `cargo bench -p benches --bench gus` (add `-- --quick` for a smoke run).
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::hint::black_box;

use benches::ours::{GUS_MODES, gus_name, srcu_name};
mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gus::{Gus, Mode};
use srcu::{Flavor, SlotChoice, Srcu};

fn enter_exit(c: &mut Criterion) {
    let mut g = c.benchmark_group("enter_exit");
    for mode in GUS_MODES {
        let domain = Gus::with_mode(mode);
        g.bench_function(gus_name(mode), |b| {
            b.iter(|| drop(black_box(domain.enter())))
        });
    }
    let domain = Gus::new();
    let reader = domain.register().expect("a growable domain has room");
    g.bench_function("GUS default, registered Reader", |b| {
        b.iter(|| drop(black_box(reader.enter())))
    });
    g.bench_function("crossbeam-epoch pin", |b| {
        b.iter(|| drop(black_box(crossbeam_epoch::pin())))
    });
    let srcu = Srcu::with_options(Flavor::Fast, SlotChoice::Thread);
    g.bench_function(srcu_name(Flavor::Fast, SlotChoice::Thread), |b| {
        b.iter(|| drop(black_box(srcu.read_lock())))
    });
    common::baselines(&mut g);
    g.finish();
}

fn advance(c: &mut Criterion) {
    let mut g = c.benchmark_group("advance");
    for mode in GUS_MODES {
        let domain = Gus::with_mode(mode);
        g.bench_function(gus_name(mode), |b| b.iter(|| black_box(domain.advance())));
    }
    g.finish();
}

fn poll_fast_path(c: &mut Criterion) {
    let mut g = c.benchmark_group("poll_fast_path");
    for mode in GUS_MODES {
        let domain = Gus::with_mode(mode);
        let goal = domain.advance();
        domain.wait(goal);
        g.bench_function(gus_name(mode), |b| {
            b.iter(|| assert!(domain.poll(black_box(goal))))
        });
    }
    g.finish();
}

fn poll_scan(c: &mut Criterion) {
    let mut g = c.benchmark_group("poll_scan");
    for readers in [2usize, 8, 64, 256, 1024] {
        let domain = Gus::with_mode(Mode::Default);
        // Idle registered readers: each holds a slot the scan must visit.
        let handles: Vec<_> = (0..readers)
            .map(|_| domain.register().expect("a growable domain has room"))
            .collect();
        for h in &handles {
            drop(h.enter());
        }
        g.throughput(Throughput::Elements(readers as u64));
        g.bench_function(format!("{readers} readers"), |b| {
            b.iter(|| {
                // A fresh goal is ahead of `rd_seq`, so the poll takes the scan.
                let goal = domain.advance();
                assert!(domain.poll(black_box(goal)));
            })
        });
        drop(handles);
    }
    g.finish();
}

criterion_group!(benches, enter_exit, advance, poll_fast_path, poll_scan);
criterion_main!(benches);
