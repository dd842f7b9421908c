//! Debug-build poisoning of nodes: a use after free that reads a freed (but not yet reused)
//! node panics with a message instead of reading garbage.
//!
//! Every node embeds a [`Canary`]. Its destructor checks that the node is alive (a second
//! free finds the poison and panics) and then overwrites it with a poison value; every
//! traversal checks it before reading the node's links. In release builds the canary is zero
//! sized and the checks compile to nothing. Under `cfg(loom)` it is a loom cell, so a model
//! also reports a read that races with the free.

#[cfg(any(debug_assertions, loom))]
use reclaim::sync::UnsafeCell;

#[cfg(any(debug_assertions, loom))]
const ALIVE: u64 = 0xA11C_E5A1_1CE5_A11C;
#[cfg(any(debug_assertions, loom))]
const POISON: u64 = 0xDEAD_BEEF_DEAD_BEEF;

/// The canary word of one node (nothing in release builds).
pub(crate) struct Canary {
    #[cfg(any(debug_assertions, loom))]
    word: UnsafeCell<u64>,
}

// SAFETY: the word is written only by the destructor, which has exclusive access; every other
// access is a read.
unsafe impl Sync for Canary {}
// SAFETY: as above; the word is plain data.
unsafe impl Send for Canary {}

impl Canary {
    #[inline]
    pub(crate) fn new() -> Self {
        Self {
            #[cfg(any(debug_assertions, loom))]
            word: UnsafeCell::new(ALIVE),
        }
    }

    /// Panics if the node was freed. `structure` names the structure in the message.
    #[inline]
    #[track_caller]
    pub(crate) fn check(&self, structure: &str) {
        #[cfg(any(debug_assertions, loom))]
        {
            // SAFETY: a read of plain data; volatile so that it is not folded with the store in
            // `new`. A freed node is exactly what this is here to catch.
            let word = self.word.with(|p| unsafe { p.read_volatile() });
            assert!(
                word == ALIVE,
                "{structure}: a traversal reached a freed node (canary {word:#x}): the \
                 reclamation domain freed it while a read section could still reach it"
            );
        }
        #[cfg(not(any(debug_assertions, loom)))]
        let _ = structure;
    }
}

impl Drop for Canary {
    fn drop(&mut self) {
        #[cfg(any(debug_assertions, loom))]
        {
            self.check("node destructor (double free?)");
            // SAFETY: exclusive access; volatile so that the store to memory about to be freed
            // is not optimised away.
            self.word.with_mut(|p| unsafe { p.write_volatile(POISON) });
        }
    }
}
