//! The pin fast path, out of line, for reading its machine code next to crossbeam-epoch's:
//!
//! ```text
//! cargo build --release -p gracepoint-epoch --example pin_asm
//! objdump -d --no-show-raw-insn -C target/release/examples/pin_asm \
//!     | awk '/<asm_pin_default>:/,/^$/'
//! ```
//!
//! (`asm_pin_trait` compiles to the same code as `asm_pin_default`, and the linker folds the
//! two.) `docs/epoch.md` shows and reads the listing.

use std::hint::black_box;

/// Pin and unpin of the default domain.
#[inline(never)]
#[unsafe(no_mangle)]
pub fn asm_pin_default() {
    drop(black_box(gracepoint_epoch::default_domain().pin()));
}

/// The same through the `Reclaim` trait.
#[inline(never)]
#[unsafe(no_mangle)]
pub fn asm_pin_trait() {
    drop(black_box(gracepoint::Reclaim::enter(
        gracepoint_epoch::default_domain(),
    )));
}

/// A registered reader's pin: no slot lookup.
#[inline(never)]
#[unsafe(no_mangle)]
pub fn asm_pin_reader(reader: &gracepoint_epoch::EpochReader<'_>) {
    drop(black_box(reader.pin()));
}

/// crossbeam-epoch's `pin()`, for comparison.
#[inline(never)]
#[unsafe(no_mangle)]
pub fn asm_crossbeam_pin() {
    drop(black_box(crossbeam_epoch::pin()));
}

fn main() {
    asm_pin_default();
    asm_pin_trait();
    let reader = gracepoint_epoch::default_domain().register().unwrap();
    asm_pin_reader(&reader);
    asm_crossbeam_pin();
}
