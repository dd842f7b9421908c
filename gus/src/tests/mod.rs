//! Unit tests: the scan's cases and the poll (`poll`), the modes and the distance bound
//! (`modes`), the scheme's own `std` tests and the shared suite (`with_std`), and the builds without `std`
//! (`core_only`).

use crate::GusReader;
use crate::clock::ReaderSlot;
use crate::goal::{IDLE, Seq};
use reclaim::sync::Ordering;

#[cfg(not(feature = "std"))]
mod core_only;
mod model;
mod modes;
mod poll;
#[cfg(feature = "std")]
mod with_std;

/// Publishes `seq` in a registered reader's slot directly, as a reader that loaded the write
/// clock at that value and was delayed would.
fn publish<const N: usize>(reader: &GusReader<'_, N>, seq: Seq) {
    let owner = reader.claim.owned();
    owner.reset_depth();
    owner.open_section();
    let slot: &ReaderSlot = owner.state();
    slot.seq.store(seq, Ordering::Relaxed);
}

/// Undoes [`publish`].
fn leave<const N: usize>(reader: &GusReader<'_, N>) {
    let owner = reader.claim.owned();
    owner.reset_depth();
    owner.state().seq.store(IDLE, Ordering::Relaxed);
}
