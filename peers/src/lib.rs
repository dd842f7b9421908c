//! Well-known reclamation schemes behind [`reclaim::Reclaim`], so that benches and tests run them
//! on exactly the same code as this workspace's schemes.
//!
//! | adapter | peer | domain |
//! |---|---|---|
//! | [`CrossbeamEpoch`] | crossbeam-epoch 0.9, default collector | the process |
//! | [`Seize`] | seize 0.5, one `Collector` per value | the value |
//! | [`Sdd`] | sdd 4.8 (the epoch crate under scc) | the process |
//! | [`Liburcu`] | liburcu 0.13 memb flavor, when installed | the process |
//!
//! Beside them, [`ArcSwap`] (arc-swap 1.7) and this workspace's `RcuCell` share [`SharedCell`],
//! for the `compare` program's rcu-cell passes.
//!
//! No peer offers every operation of the trait. Each adapter says, through [`Peer::MAPPING`],
//! how each operation was mapped: natively, adapted (the peer's own operation plus work the
//! trait's shape forces), emulated (built from other operations), or partially. The benches
//! print these marks next to the figures they affect.
//!
//! ```
//! use peers::{CrossbeamEpoch, Fidelity, Peer};
//! use reclaim::Reclaim;
//!
//! let domain = CrossbeamEpoch;
//! drop(domain.enter());
//! domain.retire(Box::new(1u64));
//! domain.synchronize();
//! assert!(matches!(CrossbeamEpoch::MAPPING.synchronize, Fidelity::Emulated(_)));
//! ```

mod cell;
mod crossbeam;
pub mod liburcu;
mod sdd;
mod seize;
mod sentinel;

pub use crate::cell::{ArcSwap, SharedCell};
pub use crate::crossbeam::CrossbeamEpoch;
pub use crate::liburcu::{Liburcu, LiburcuGuard};
pub use crate::sdd::Sdd;
pub use crate::seize::Seize;
pub use crate::sentinel::Sentinel;

use reclaim::Reclaim;

/// A peer adapter: a [`Reclaim`] implementation with a name and a statement of how faithful
/// each of its operations is.
///
/// ```
/// use peers::Peer;
/// fn describe<P: Peer>() -> String {
///     format!("{} ({})", P::NAME, P::ID)
/// }
/// assert_eq!(describe::<peers::Seize>(), "seize (seize)");
/// ```
pub trait Peer: Reclaim + Sized + 'static {
    /// A short, stable identifier for command lines and CSV files (`crossbeam-epoch`).
    ///
    /// ```
    /// use peers::Peer;
    /// assert_eq!(peers::CrossbeamEpoch::ID, "crossbeam-epoch");
    /// ```
    const ID: &'static str;
    /// The name shown in tables.
    ///
    /// ```
    /// use peers::Peer;
    /// assert_eq!(peers::Liburcu::NAME, "liburcu memb");
    /// ```
    const NAME: &'static str;
    /// How each operation of the trait maps onto the peer.
    ///
    /// ```
    /// use peers::{Fidelity, Peer};
    /// assert_eq!(peers::Liburcu::MAPPING.synchronize, Fidelity::Native);
    /// ```
    const MAPPING: Mapping;
}

/// How faithfully one operation of the trait maps onto a scheme.
///
/// ```
/// use peers::Fidelity;
/// assert!(Fidelity::Native.note().is_none());
/// assert_eq!(Fidelity::Emulated("a sentinel").note(), Some("a sentinel"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fidelity {
    /// The scheme's own operation, nothing added.
    Native,
    /// The scheme's own operation plus work the trait's shape forces (the note says what).
    Adapted(&'static str),
    /// The scheme has no such operation; the adapter builds it from others (the note says how).
    Emulated(&'static str),
    /// The adapter covers less than the trait asks (the note says what is missing).
    Partial(&'static str),
    /// Not the trait's operation at all: the scheme's own API, which its users can call
    /// instead (a registered reader handle, a C inline function); the note says which. Rows so
    /// marked show what the trait's shape costs, not what the trait runs.
    Direct(&'static str),
}

impl Fidelity {
    /// The explanation, for anything but [`Fidelity::Native`].
    ///
    /// ```
    /// assert_eq!(peers::Fidelity::Partial("x").note(), Some("x"));
    /// ```
    pub fn note(self) -> Option<&'static str> {
        match self {
            Fidelity::Native => None,
            Fidelity::Adapted(n)
            | Fidelity::Emulated(n)
            | Fidelity::Partial(n)
            | Fidelity::Direct(n) => Some(n),
        }
    }

    /// A one-word label: `native`, `adapted`, `emulated`, `partial` or `direct`.
    ///
    /// ```
    /// assert_eq!(peers::Fidelity::Emulated("x").label(), "emulated");
    /// ```
    pub fn label(self) -> &'static str {
        match self {
            Fidelity::Native => "native",
            Fidelity::Adapted(_) => "adapted",
            Fidelity::Emulated(_) => "emulated",
            Fidelity::Partial(_) => "partial",
            Fidelity::Direct(_) => "direct",
        }
    }
}

/// An operation of [`Reclaim`].
///
/// ```
/// assert_eq!(peers::Op::Synchronize.name(), "synchronize");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `enter` and the guard's drop.
    Enter,
    /// `retire` and `retire_raw`.
    Retire,
    /// `synchronize`.
    Synchronize,
    /// `start_poll` and `poll`.
    Poll,
    /// `barrier`.
    Barrier,
}

impl Op {
    /// Every operation, in the trait's order.
    ///
    /// ```
    /// assert_eq!(peers::Op::ALL.len(), 5);
    /// ```
    pub const ALL: [Op; 5] = [
        Op::Enter,
        Op::Retire,
        Op::Synchronize,
        Op::Poll,
        Op::Barrier,
    ];

    /// The trait method's name.
    ///
    /// ```
    /// assert_eq!(peers::Op::Enter.name(), "enter");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Op::Enter => "enter",
            Op::Retire => "retire",
            Op::Synchronize => "synchronize",
            Op::Poll => "poll",
            Op::Barrier => "barrier",
        }
    }
}

/// How each operation of the trait maps onto one scheme.
///
/// ```
/// use peers::{Mapping, Op, Fidelity};
/// assert_eq!(Mapping::NATIVE.of(Op::Barrier), Fidelity::Native);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// `enter` and the guard's drop.
    pub enter: Fidelity,
    /// `retire` and `retire_raw`.
    pub retire: Fidelity,
    /// `synchronize`.
    pub synchronize: Fidelity,
    /// `start_poll` and `poll`.
    pub poll: Fidelity,
    /// `barrier`.
    pub barrier: Fidelity,
}

impl Mapping {
    /// Every operation native: this workspace's own schemes.
    ///
    /// ```
    /// assert!(peers::Mapping::NATIVE.notes().next().is_none());
    /// ```
    pub const NATIVE: Mapping = Mapping {
        enter: Fidelity::Native,
        retire: Fidelity::Native,
        synchronize: Fidelity::Native,
        poll: Fidelity::Native,
        barrier: Fidelity::Native,
    };

    /// The fidelity of `op`.
    ///
    /// ```
    /// use peers::{Peer, Op};
    /// assert_eq!(peers::Seize::MAPPING.of(Op::Enter), peers::Fidelity::Native);
    /// ```
    pub fn of(&self, op: Op) -> Fidelity {
        match op {
            Op::Enter => self.enter,
            Op::Retire => self.retire,
            Op::Synchronize => self.synchronize,
            Op::Poll => self.poll,
            Op::Barrier => self.barrier,
        }
    }

    /// The operations that are not native, with their fidelity.
    ///
    /// ```
    /// use peers::{Peer, Op};
    /// let ops: Vec<Op> = peers::CrossbeamEpoch::MAPPING.notes().map(|(op, _)| op).collect();
    /// assert!(ops.contains(&Op::Synchronize));
    /// ```
    pub fn notes(&self) -> impl Iterator<Item = (Op, Fidelity)> + '_ {
        Op::ALL
            .into_iter()
            .map(|op| (op, self.of(op)))
            .filter(|(_, f)| *f != Fidelity::Native)
    }
}
