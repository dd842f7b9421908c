//! Benchmarks of the workspace's reclamation schemes next to well-known peers, all behind
//! [`reclaim::Reclaim`], so that every figure comes from the same code on every scheme.
//!
//! How the pieces fit (each module imports only those above it in this list):
//! - [`baseline`], [`measure`]: floors that protect nothing, and the shared measuring helpers;
//! - [`swap`]: the replaceable shared value of the grace-period pass;
//! - [`targets`]: the one list of structures the workloads run on (the structures themselves
//!   are the `structures` crate's);
//! - [`schemes`]: the one list of schemes and peers (the peer adapters live in the `peers`
//!   crate);
//! - [`workload`]: one file per workload, each turning a scheme into measurement jobs.
//!
//! The programs that use them: `compare` (`cargo run --release -p benches --bin compare`), the
//! criterion benches (`cargo bench -p benches --bench schemes`, and `--bench epoch` for the
//! epoch domain's pins beside crossbeam-epoch's), the `pin_ratios` example (the same pins, the
//! candidates taking turns), and `urcu-test`, a torture test in the shape of liburcu's
//! `test_urcu`.
//!
//! ```
//! use benches::targets::{HashSet, KeySet, SetOps};
//! let set: HashSet<_> = KeySet::new(peers::CrossbeamEpoch, 1000);
//! assert!(SetOps::insert(&set, 1));
//! assert!(SetOps::contains(&set, 1));
//! ```

pub mod baseline;
pub mod measure;
pub mod schemes;
pub mod swap;
pub mod targets;
pub mod workload;
