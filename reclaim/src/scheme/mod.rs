//! The toolkit for writing a reclamation scheme: not needed to *use* one.
//!
//! Users of this workspace need only the crate root ([`Reclaim`](crate::Reclaim),
//! [`wait`](crate::wait), [`sync`](crate::sync)) and a scheme. This module is for the
//! authors of schemes: SRCU, GUS and epochs are each a [`Clock`], a read side built from these
//! parts, and one invocation of [`domain_front!`](crate::domain_front) that writes their
//! user-facing methods. It is hidden from the documentation unless the `toolkit` feature is on.
//!
//! - [`Core`] ([`domain`]): the scheme's clock, reader slots, retire bags, collection,
//!   `barrier`, polling and waiting, written once for every scheme;
//! - [`AsymmetricFence`]: the reader and writer halves of a fence pair whose reader half may be
//!   free (`membarrier` on the writer's side);
//! - [`ReaderCount`]: the simplest correct domain, a reference to check schemes against;
//! - [`slots`]: cache-padded reader slots; the calling thread's own slot in one lookup;
//!   ownership as a type ([`slots::Owned`]);
//! - [`bag`]: retired objects and each slot's lock-free local bag;
//! - [`seq`]: wrap-safe sequence comparisons;
//! - [`membarrier`] and [`cpu`]: the operating-system calls (with `std`);
//! - [`debug`]: debug-build detection of waiting inside one's own read section.
//!
//! Thread ids, which decide slot ownership, are private to this crate: safe code can neither
//! take nor give one back.
//!
//! ```compile_fail
//! let id = gracepoint_reclaim::scheme::thread::acquire();
//! ```

pub mod bag;
pub mod clock;
#[cfg(feature = "std")]
pub mod cpu;
pub mod debug;
pub mod domain;
mod fence;
#[cfg(feature = "std")]
pub mod heavy;
#[cfg(feature = "std")]
pub mod membarrier;
#[cfg(feature = "alloc")]
mod reader_count;
pub(crate) mod sealed;
pub mod seq;
pub mod slots;
#[cfg(feature = "std")]
pub(crate) mod thread;
mod watch;

pub use clock::{Clock, InstantClock, Toward};
pub use domain::Core;
#[cfg(all(feature = "std", not(loom)))]
pub use domain::now_micros;
pub use fence::AsymmetricFence;
#[cfg(feature = "alloc")]
pub use reader_count::{ReaderCount, ReaderCountGuard};
