//! Grace-period memory reclamation: free what concurrent readers may still be reading, once
//! they are done with it.
//!
//! A lock-free data structure unlinks a node that other threads may still be reading. This
//! crate gives three ways to know when they are all done — SRCU, GUS (FreeBSD's Global
//! Unbounded Sequences) and epochs — behind one trait, [`Reclaim`], so code written once runs
//! on any of them, plus lock-free structures ([`structures`]) that work over any of them.
//!
//! One dependency line brings everything; features pick the schemes:
//!
//! ```toml
//! [dependencies]
//! gracepoint = "0.1"
//! ```
//!
//! # Example
//! A configuration that readers read while a writer replaces it:
//!
//! ```
//! use gracepoint::srcu::Srcu;
//! use std::sync::atomic::{AtomicPtr, Ordering};
//!
//! static DOMAIN: Srcu = Srcu::new();
//!
//! struct Config { verbose: bool }
//!
//! let current = AtomicPtr::new(Box::into_raw(Box::new(Config { verbose: false })));
//!
//! // Reader: the guard keeps whatever it loads alive.
//! {
//!     let _guard = DOMAIN.enter();
//!     let config = unsafe { &*current.load(Ordering::Acquire) };
//!     assert!(!config.verbose);
//! }
//!
//! // Writer: publish a new version, retire the old one; it is freed after a grace period.
//! let old = current.swap(Box::into_raw(Box::new(Config { verbose: true })), Ordering::AcqRel);
//! DOMAIN.retire(unsafe { Box::from_raw(old) });
//! DOMAIN.barrier(); // wait until it has been freed (only needed here to show it)
//! # unsafe { drop(Box::from_raw(current.load(Ordering::Relaxed))) };
//! ```
//!
//! # Which scheme
//! | scheme | read side | pick it for |
//! |---|---|---|
//! | [`srcu`] | one fence (default); two plain increments with the Fast flavor | readers that sleep, migrate or unlock on another thread; polled grace periods |
//! | [`gus`] | a store and one fence (lazy mode: no fence) | cheap non-blocking polls, deferred frees, recycling memory without freeing it (`Tagged`) |
//! | [`epoch`] | a store and one fence | what crossbeam-epoch users know, with bounded garbage, small per-thread state and polled grace periods |
//!
//! # Features
//! - `srcu`, `gus`, `epoch`, `structures` (all default): the scheme crates and the data
//!   structures;
//! - `std` (default): thread-local slot lookup, parking, `membarrier`; implies `alloc`;
//! - `alloc`: boxed retire, growable slot arrays; without `std` and `alloc` every scheme still
//!   works from a `static` with a fixed slot array and no allocator;
//! - `log`: stall reports logged with `log::warn!` when no hook is installed.
#![no_std]

#[cfg(feature = "std")]
pub use reclaim::{Background, BackgroundReclaimer};
pub use reclaim::{Reclaim, SlotsFull, Stats, atomic, stall, sync, wait};

/// Sleepable RCU: per-slot lock/unlock counters and an index flip (the `srcu` crate).
#[cfg(feature = "srcu")]
pub use srcu;

/// Global Unbounded Sequences, FreeBSD's SMR: write and read sequence clocks (the `gus` crate).
#[cfg(feature = "gus")]
pub use gus;

/// Epoch-based reclamation: a global epoch and a pinned epoch per reader (the `epoch` crate).
#[cfg(feature = "epoch")]
pub use epoch;

/// Lock-free structures over any [`Reclaim`] domain (the `structures` crate).
#[cfg(feature = "structures")]
pub use structures;

/// The toolkit for writing a scheme of one's own (`reclaim::scheme`).
pub use reclaim::scheme;

/// The examples in the workspace's README, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
