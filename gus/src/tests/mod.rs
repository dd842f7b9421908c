//! Unit tests: the scan's cases and the poll (`poll`), the modes and the distance bound
//! (`modes`), the retire path and misuse (`retire`, with `std`), and the builds without `std`
//! (`core_only`).

use crate::domain::ReaderSlot;
use crate::goal::IDLE;
use crate::{Reader, Seq};
use reclaim::sync::Ordering;

#[cfg(not(feature = "std"))]
mod core_only;
mod model;
mod modes;
mod poll;
#[cfg(feature = "std")]
mod retire;

/// Publishes `seq` in a registered reader's slot directly, as a reader that loaded the write
/// clock at that value and was delayed would.
fn publish<const N: usize>(reader: &Reader<'_, N>, seq: Seq) {
    let slot: &ReaderSlot = reader.claim.owned().state();
    // SAFETY: the reader's claim owns the slot, on this thread.
    unsafe { slot.depth.set(1) };
    slot.seq.store(seq, Ordering::Relaxed);
}

/// Undoes [`publish`].
fn leave<const N: usize>(reader: &Reader<'_, N>) {
    let slot: &ReaderSlot = reader.claim.owned().state();
    // SAFETY: as in `publish`.
    unsafe { slot.depth.set(0) };
    slot.seq.store(IDLE, Ordering::Relaxed);
}
