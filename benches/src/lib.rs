//! Benchmarks of the workspace's reclamation schemes next to well-known peers, all behind
//! [`reclaim::Reclaim`], so that every figure comes from the same code on every scheme.
//!
//! How the pieces fit (each module imports only those above it in this list):
//! - [`baseline`], [`counted`], [`measure`]: floors that protect nothing, values and a domain
//!   that count themselves, and the shared measuring helpers;
//! - [`map`], [`stack`], [`swap`]: the bench data structures, written once against the trait;
//! - [`targets`]: the one list of structures the workloads run on;
//! - [`schemes`]: the one list of schemes and peers (the peer adapters live in the `peers`
//!   crate);
//! - [`workload`]: one file per workload, each turning a scheme into measurement jobs.
//!
//! Three programs use them: `compare` (`cargo run --release -p benches --bin compare`), the
//! criterion bench (`cargo bench -p benches --bench schemes`), and `urcu-test`, a torture test
//! in the shape of liburcu's `test_urcu`.
//!
//! ```
//! use benches::targets::{HashSet, KeySet, SetOps};
//! let set = HashSet::new(peers::CrossbeamEpoch, 1000);
//! assert!(set.insert(1));
//! assert!(set.contains(1));
//! ```

pub mod baseline;
pub mod counted;
pub mod map;
pub mod measure;
pub mod schemes;
pub mod stack;
pub mod swap;
pub mod targets;
pub mod workload;
