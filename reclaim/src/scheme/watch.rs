//! The waiting side's record of a stall, and a domain's limit on what may wait to be freed.
//!
//! Readers publish nothing for this: the threads that wait for grace periods (and collect
//! retired objects) note when they first saw the frontier stuck at its current value, and when
//! they first saw each slot in the way. Stall reports and `on_stall` hooks are built from that,
//! so every time in a report is a lower bound measured by the waiting side.

use crate::stall::Pending;
use crate::stall::{Limit, Policy};
use crate::sync::{AtomicU8, AtomicUsize, Ordering};

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "alloc")]
use alloc::boxed::Box;
#[cfg(feature = "std")]
use alloc::{sync::Arc, vec::Vec};

/// A stall hook: called with the report once per grace period that waits past `threshold`.
#[cfg(feature = "std")]
pub(crate) struct Hook {
    pub(crate) threshold: core::time::Duration,
    pub(crate) callback: Arc<dyn Fn(&crate::stall::StallReport) + Send + Sync>,
    /// The frontier (as bits) of the grace period this hook last reported.
    pub(crate) reported: Option<u64>,
}

/// What the waiting side has seen of the current stall.
#[cfg(feature = "std")]
#[derive(Default)]
pub(crate) struct Seen {
    /// The frontier while it stays stuck, and when a waiter first saw it stuck there.
    pub(crate) frontier: Option<(u64, std::time::Instant)>,
    /// Slots seen in the way of that grace period, and since when.
    pub(crate) slots: Vec<(usize, std::time::Instant)>,
    pub(crate) hooks: Vec<Hook>,
    /// With the `log` feature and no hook installed: the stuck frontier last logged.
    #[cfg(feature = "log")]
    pub(crate) logged: Option<u64>,
}

/// Limits and stall bookkeeping of one domain.
pub(crate) struct Watch {
    /// `usize::MAX` means no cap.
    limit_objects: AtomicUsize,
    limit_bytes: AtomicUsize,
    policy: AtomicU8,
    #[cfg(feature = "std")]
    pub(crate) seen: crate::sync::Mutex<Seen>,
    /// Stall hooks installed: waiters look at `seen` only when there are.
    #[cfg(feature = "std")]
    pub(crate) hooked: crate::sync::AtomicBool,
    #[cfg(feature = "alloc")]
    pub(crate) limit_hook: crate::sync::Mutex<Option<LimitHook>>,
}

/// The hook [`Policy::Hook`] calls.
#[cfg(feature = "alloc")]
pub(crate) type LimitHook = Box<dyn Fn(Pending) + Send + Sync>;

const EXPEDITE: u8 = 0;
const BLOCK: u8 = 1;
const HOOK: u8 = 2;

impl Watch {
    crate::const_fn_unless_loom! {
        pub(crate) fn new() -> Self {
            Self {
                limit_objects: AtomicUsize::new(usize::MAX),
                limit_bytes: AtomicUsize::new(usize::MAX),
                policy: AtomicU8::new(EXPEDITE),
                #[cfg(feature = "std")]
                seen: crate::sync::Mutex::new(Seen {
                    frontier: None,
                    slots: Vec::new(),
                    hooks: Vec::new(),
                    #[cfg(feature = "log")]
                    logged: None,
                }),
                #[cfg(feature = "std")]
                hooked: crate::sync::AtomicBool::new(false),
                #[cfg(feature = "alloc")]
                limit_hook: crate::sync::Mutex::new(None),
            }
        }
    }

    pub(crate) fn set_limit(&self, limit: &Limit) {
        self.limit_objects
            .store(limit.objects.unwrap_or(usize::MAX), Ordering::Relaxed);
        self.limit_bytes
            .store(limit.bytes.unwrap_or(usize::MAX), Ordering::Relaxed);
        let policy = match limit.policy {
            Policy::Expedite => EXPEDITE,
            Policy::Block => BLOCK,
            Policy::Hook => HOOK,
        };
        self.policy.store(policy, Ordering::Relaxed);
    }

    /// The policy to apply when `pending` passes the limit, if it does.
    #[inline]
    pub(crate) fn exceeded(&self, pending: Pending) -> Option<Policy> {
        let over = pending.objects > self.limit_objects.load(Ordering::Relaxed)
            || pending.bytes > self.limit_bytes.load(Ordering::Relaxed);
        over.then(|| match self.policy.load(Ordering::Relaxed) {
            BLOCK => Policy::Block,
            HOOK => Policy::Hook,
            _ => Policy::Expedite,
        })
    }

    /// True when no limit is set (the common case: one load each).
    #[inline]
    pub(crate) fn unlimited(&self) -> bool {
        self.limit_objects.load(Ordering::Relaxed) == usize::MAX
            && self.limit_bytes.load(Ordering::Relaxed) == usize::MAX
    }
}
