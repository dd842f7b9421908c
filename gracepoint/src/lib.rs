//! Grace-period memory reclamation: free what concurrent readers may still be reading, once
//! they are done with it.
//!
//! A lock-free data structure unlinks a node that other threads may still be reading. This
//! crate gives three ways to know when they are all done — SRCU, GUS (FreeBSD's Global
//! Unbounded Sequences) and epochs — with **one vocabulary**: every scheme's domain type has the
//! same constructors and methods, and implements the same traits ([`Reclaim`],
//! [`Monitor`](stall::Monitor), [`Background`] where it applies), so switching schemes changes a
//! type name and nothing else. On top of them: typed atomic pointers for writing lock-free
//! structures ([`atomic`]) and ready structures over any scheme ([`structures`]).
//!
//! One dependency line brings everything; features pick the schemes:
//!
//! ```toml
//! [dependencies]
//! gracepoint = { path = "<your clone>/gracepoint" } # `gracepoint = "0.1"` once published
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
//! unsafe { DOMAIN.retire_ptr(old) };
//! DOMAIN.barrier(); // wait until it has been freed (only needed here to show it)
//! # unsafe { drop(Box::from_raw(current.load(Ordering::Relaxed))) };
//! ```
//!
//! # The vocabulary
//! The same in [`srcu`], [`gus`] and [`epoch`]:
//!
//! | what | names |
//! |---|---|
//! | types | the domain (`Srcu<N>`, `Gus<N>`, `Epoch<N>`), its guard (`SrcuGuard`, ...), its registered reader (`SrcuReader`, ...), `Cookie`, `Options` |
//! | building | `new()`, `with_options(Options)`, `new_fixed()`, `fixed_with_options(Options)`, all `const` |
//! | reading | `enter()`; `register()`, and on a reader `enter`, `retire`, `retire_raw`, `call` |
//! | retiring and waiting | `retire`, `retire_raw`, `call`, `synchronize`, `synchronize_expedited`, `synchronize_with`, `barrier` |
//! | polled grace periods | `get_state()`, `start_poll()`, `poll(&Cookie)`, `wait(&Cookie)`, `wait_with` |
//! | monitoring | `stats()`, `stall_report()`, `on_stall`, `set_limit`, `on_limit`, `collect`, `reclaim_step` |
//!
//! Code generic over the scheme imports [`prelude`]:
//!
//! ```
//! use gracepoint::prelude::*;
//!
//! fn retire_twice<D: Reclaim + Monitor>(domain: &D) -> u64 {
//!     domain.retire(Box::new(1));
//!     domain.call(|| ());
//!     domain.barrier();
//!     domain.stats().grace_periods
//! }
//! retire_twice(&gracepoint::srcu::Srcu::new());
//! retire_twice(&gracepoint::gus::Gus::new());
//! retire_twice(&gracepoint::epoch::Epoch::new());
//! ```
//!
//! # Which scheme
//! | scheme | read section | grace period | pick it for |
//! |---|---|---|---|
//! | [`srcu`] | two counter increments and one fence (the `Fast` flavor: no fence) | two scans of per-slot counters and an index flip | readers that sleep, migrate or end on another thread ([`srcu::ReadToken`]); the safe choice when unsure |
//! | [`gus`] | a store and one fence (lazy mode: no fence) | one scan, raising a read clock | cheap, never-waiting "may I reuse this?" polls; recycling memory without freeing it ([`gus::Tagged`]) |
//! | [`epoch`] | a store and one fence; a nested pin is a counter | two advances of a global epoch | what crossbeam-epoch users know, with bounded per-thread state, polled grace periods and domains that free everything when dropped |
//!
//! All three are `no_std` with a fixed slot array and no allocator (`new_fixed`, and
//! `register` for readers), and report which reader holds a grace period back
//! ([`stall`]). The costs measured side by side with crossbeam-epoch, seize, sdd and liburcu
//! are in the repository's `docs/comparison.md`.
//!
//! # Features
//! - `srcu`, `gus`, `epoch`, `structures` (all default): the scheme crates and the data
//!   structures;
//! - `std` (default): thread-local slot lookup, parking, `membarrier`; implies `alloc`;
//! - `alloc`: boxed retire, growable slot arrays; without `std` and `alloc` every scheme still
//!   works from a `static` with a fixed slot array and no allocator;
//! - `log`: stall reports logged with `log::warn!` when no hook is installed;
//! - `toolkit`: the scheme-author toolkit, as `gracepoint::scheme`, for writing a scheme of
//!   one's own.
#![no_std]

#[doc(inline)]
pub use reclaim::facade::*;

/// The toolkit for writing a scheme of one's own (the `toolkit` feature).
#[cfg(feature = "toolkit")]
pub use reclaim::scheme;

#[cfg(feature = "srcu")]
pub mod srcu {
    //! Sleepable RCU: per-slot lock/unlock counters and an index flip.
    //!
    //! Readers may sleep, migrate between CPUs, and end their section on another thread
    //! ([`ReadToken`]); a section holds back only its own domain. The default readers run one fence
    //! per section; the [`Flavor::Fast`] readers run none and make each grace period pay with
    //! `membarrier` instead. Slots per thread (plain increments) or per CPU ([`SlotChoice`]).
    //!
    //! ```
    //! use gracepoint::srcu::{Flavor, Options, Srcu};
    //! let domain = Srcu::with_options(Options::DEFAULT.flavor(Flavor::Fast));
    //! let token = domain.read_lock_token(); // a section that may end on another thread
    //! std::thread::scope(|s| {
    //!     s.spawn(|| domain.read_unlock(token));
    //! });
    //! domain.synchronize();
    //! ```

    #[doc(inline)]
    pub use ::srcu::*;
}

#[cfg(feature = "gus")]
pub mod gus {
    //! Global Unbounded Sequences, FreeBSD's SMR: a write clock, a read clock, and one value per
    //! reader.
    //!
    //! A goal ([`Cookie`], also called [`Goal`]) from [`Gus::advance`] is one integer; once it has
    //! passed, polling it costs one load and one compare, which makes "may I reuse this yet?"
    //! cheap enough to ask on every allocation ([`Tagged`], [`Recycler`]).
    //!
    //! ```
    //! use gracepoint::gus::Gus;
    //! let gus = Gus::new();
    //! let spare = gus.tag(vec![0u8; 64]); // unlinked; readers may still hold it
    //! let buffer = spare.take(&gus); // waits for its goal, then hands it back for reuse
    //! assert_eq!(buffer.len(), 64);
    //! ```

    #[doc(inline)]
    pub use ::gus::*;
}

#[cfg(feature = "epoch")]
pub mod epoch {
    //! Epoch-based reclamation: a global epoch and a pinned epoch per reader.
    //!
    //! The model crossbeam-epoch users know (`pin`, a guard, deferred frees), with one 128-byte
    //! slot per thread per domain, pins that never scan other threads, polled grace periods,
    //! [`EpochGuard::repin`], and domains that free everything when dropped; [`pin`] uses a
    //! process-wide [`default_domain`].
    //!
    //! ```
    //! let guard = gracepoint::epoch::pin();
    //! gracepoint::epoch::default_domain().retire(Box::new(1u64));
    //! drop(guard);
    //! ```

    #[doc(inline)]
    pub use ::epoch::*;
}

#[cfg(feature = "structures")]
pub mod structures {
    //! Lock-free structures over any [`Reclaim`](crate::Reclaim) domain: a list, a hash map, a tree, a stack and
    //! a queue, each owning its domain (or sharing one through `&D` or `Arc<D>`).
    //!
    //! ```
    //! use gracepoint::structures::HashMap;
    //! let map = HashMap::new(gracepoint::epoch::Epoch::new(), 64);
    //! map.insert(1, "one").unwrap();
    //! assert_eq!(*map.get(&1).unwrap(), "one");
    //! ```

    #[doc(inline)]
    pub use ::structures::*;
}

/// The examples in the workspace's README, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
