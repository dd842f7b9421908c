//! Benchmarks for the workspace's reclamation schemes, next to well-known peers, all behind
//! [`reclaim::Reclaim`].
//!
//! - [`baseline`]: the cheapest possible section (a thread-local increment pair, an owned slot),
//!   timed in the same run as everything else so results are ratios;
//! - [`peers`]: crossbeam-epoch, seize and (when installed) liburcu behind the trait;
//! - [`map`] and [`swap`]: bench data structures written once against the trait;
//! - [`counted`]: a value that counts its drops, for leak and unreclaimed-object checks;
//! - [`workload`]: the workloads of the `compare` program, usable in-process;
//! - [`schemes`]: the list of schemes `compare` runs.
//!
//! Criterion benches live in `benches/` (`cargo bench -p benches --bench srcu|gus`); the
//! comparison program is `cargo run --release -p benches --bin compare`.
//!
//! ```
//! use reclaim::Reclaim;
//! let map = benches::map::HashMap::new(benches::peers::CrossbeamEpoch, 16);
//! map.insert(1, 1u64).unwrap();
//! assert!(map.contains(1));
//! ```

pub mod baseline;
pub mod counted;
pub mod map;
pub mod ours;
pub mod peers;
pub mod schemes;
pub mod swap;
pub mod workload;

/// The examples in the workspace's README, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
