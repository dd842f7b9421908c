//! The toolkit for writing a reclamation scheme: not needed to *use* one.
//!
//! Users of this workspace need only the crate root ([`Reclaim`](crate::Reclaim),
//! [`wait`](crate::wait), [`sync`](crate::sync)) and a scheme crate. This module is for the
//! authors of schemes: SRCU, GUS and epochs are each little more than a [`Clock`] and a read
//! side built from these parts.
//!
//! - [`Core`] ([`domain`]): reader slots, retire bags, collection, `barrier` and waiting,
//!   written once for every scheme, against the scheme's [`Clock`] ([`clock`]);
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
#[cfg(feature = "std")]
pub mod membarrier;
mod sealed;
pub mod seq;
pub mod slots;
#[cfg(feature = "std")]
pub(crate) mod thread;

/// For the loom harness: every execution of a model starts with no thread ids handed out.
#[cfg(loom)]
#[doc(hidden)]
pub use thread::reset_for_loom as reset_thread_ids_for_loom;
mod watch;

pub use clock::{Clock, InstantClock};
pub use domain::Core;
#[cfg(all(feature = "std", not(loom)))]
pub use domain::now_micros;
pub use sealed::POOL_NODES;

/// Objects and bytes retired and not yet freed.
///
/// ```
/// let pending = gracepoint_reclaim::scheme::Pending { objects: 3, bytes: 96 };
/// assert_eq!(pending.objects, 3);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    /// Objects (and callbacks) retired and not yet freed (or run).
    pub objects: usize,
    /// Their total size, counting only objects whose size is known (boxes).
    pub bytes: usize,
}
