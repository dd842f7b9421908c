//! Criterion benches (being written).
#![allow(missing_docs)] // criterion_group! generates undocumented functions
use criterion::{Criterion, criterion_group, criterion_main};

fn placeholder(_c: &mut Criterion) {}

criterion_group!(benches, placeholder);
criterion_main!(benches);
