//! Stall reports and bounded garbage: which reader holds memory back, and what a domain does
//! when too much waits.
//!
//! A reader stuck inside a section stalls its domain: grace periods cannot end, `synchronize`
//! waits, and retired memory piles up. Every domain in this workspace can say who is to blame
//! ([`StallReport`], from `stall_report()` or an `on_stall` hook), and can cap what piles up
//! ([`Limit`], with a [`Policy`] for when the cap is hit). None of it costs the read path
//! anything: reports are built by the threads that wait or collect, from what readers already
//! publish for the grace-period machinery, plus timestamps the waiting side takes itself.
//!
//! ```
//! # use gracepoint_reclaim as gracepoint;
//! use gracepoint::stall::{Attribution, Blocker, StallReport};
//! let report = StallReport {
//!     scheme: "srcu",
//!     age: Some(std::time::Duration::from_millis(250)),
//!     pending: 1200,
//!     pending_bytes: 38_400,
//!     attribution: Attribution::Exact,
//!     blockers: vec![Blocker {
//!         slot: 3,
//!         thread: Some(gracepoint::stall::ThreadInfo { name: Some("worker".into()), os_tid: 4242 }),
//!         blocked_for: Some(std::time::Duration::from_millis(240)),
//!     }],
//! };
//! let text = report.to_string();
//! assert!(text.contains("worker") && text.contains("4242") && text.contains("1200 objects"));
//! ```

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};
#[cfg(feature = "alloc")]
use core::fmt;
#[cfg(feature = "alloc")]
use core::time::Duration;

/// Objects and bytes retired and not yet freed: what a limit hook is shown, and what a round of
/// background work leaves waiting.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// let pending = gracepoint::stall::Pending { objects: 3, bytes: 96 };
/// assert_eq!(pending.objects, 3);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pending {
    /// Objects (and callbacks) retired and not yet freed (or run).
    pub objects: usize,
    /// Their total size, counting only objects whose size is known (boxes and closures).
    pub bytes: usize,
}

#[cfg(feature = "alloc")]
/// Why a domain's grace period has not ended, as its waiting side sees it.
///
/// Domains build these (`stall_report()`, `on_stall` hooks); its `Display` is the message to
/// log:
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::stall::{Attribution, StallReport};
/// let report = StallReport {
///     scheme: "epoch",
///     age: None,
///     pending: 3,
///     pending_bytes: 96,
///     attribution: Attribution::Exact,
///     blockers: vec![],
/// };
/// assert_eq!(
///     report.to_string(),
///     "epoch: a grace period is waiting; 3 objects (96 bytes) wait behind it; \
///      no reader is in the way any more"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StallReport {
    /// The scheme (`"srcu"`, `"gus"`, `"epoch"`).
    pub scheme: &'static str,
    /// How long the oldest grace period anyone waits for has been seen waiting: a lower bound,
    /// measured by waiting and collecting threads (`None` without `std`, which has no clock).
    pub age: Option<Duration>,
    /// Objects retired and not yet freed.
    pub pending: usize,
    /// Their size, where known.
    pub pending_bytes: usize,
    /// How exactly the scheme can name the readers in the way.
    pub attribution: Attribution,
    /// The reader slots that hold the grace period back.
    pub blockers: Vec<Blocker>,
}

/// How exactly a scheme names the readers that hold a grace period back.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::stall::Attribution;
/// fn trust(attribution: &Attribution) -> &'static str {
///     match attribution {
///         Attribution::Exact => "every listed slot is in the way",
///         Attribution::Approximate(why) => why,
///     }
/// }
/// assert_eq!(trust(&Attribution::Approximate("per-CPU slots")), "per-CPU slots");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attribution {
    /// Each listed slot has a reader inside a section that the grace period waits for.
    Exact,
    /// The listed slots are where the scheme's counters say readers are, but a reader may be
    /// elsewhere; the reason says why (SRCU sections that end on another slot, per-CPU slots
    /// shared by many threads).
    Approximate(&'static str),
}

#[cfg(feature = "alloc")]
/// One reader slot in the way of a grace period.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::stall::{Attribution, Blocker, StallReport};
/// use std::time::Duration;
/// let blocker = Blocker { slot: 5, thread: None, blocked_for: Some(Duration::from_millis(30)) };
/// let report = StallReport {
///     scheme: "gus",
///     age: Some(Duration::from_millis(31)),
///     pending: 0,
///     pending_bytes: 0,
///     attribution: Attribution::Exact,
///     blockers: vec![blocker],
/// };
/// assert!(report.to_string().contains("held back by reader slot 5, seen blocking for at least 30ms"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Blocker {
    /// The slot's index in the domain's slot array.
    pub slot: usize,
    /// The thread that owns the slot, when slots belong to threads (recorded when the thread
    /// first took a slot, off the read path).
    pub thread: Option<ThreadInfo>,
    /// How long the waiting side has seen this slot block the current grace period: a lower
    /// bound (`None` without `std`).
    pub blocked_for: Option<Duration>,
}

#[cfg(feature = "alloc")]
/// A thread, as stall reports name it.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::stall::ThreadInfo;
/// let named = ThreadInfo { name: Some("worker-1".into()), os_tid: 4242 };
/// assert_eq!(named.to_string(), "thread \"worker-1\" (tid 4242)");
/// let unnamed = ThreadInfo { name: None, os_tid: 7 };
/// assert_eq!(unnamed.to_string(), "unnamed thread (tid 7)");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadInfo {
    /// The name given to `std::thread::Builder`, if any.
    pub name: Option<String>,
    /// The operating system's thread id (`gettid` on Linux; 0 where unknown).
    pub os_tid: u64,
}

#[cfg(feature = "alloc")]
impl fmt::Display for ThreadInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "thread {name:?} (tid {})", self.os_tid),
            None => write!(f, "unnamed thread (tid {})", self.os_tid),
        }
    }
}

#[cfg(feature = "alloc")]
impl fmt::Display for StallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: a grace period ", self.scheme)?;
        match self.age {
            Some(age) => write!(f, "has waited at least {age:?}")?,
            None => write!(f, "is waiting")?,
        }
        write!(
            f,
            "; {} objects ({} bytes) wait behind it",
            self.pending, self.pending_bytes
        )?;
        if self.blockers.is_empty() {
            write!(f, "; no reader is in the way any more")?;
        }
        for blocker in &self.blockers {
            write!(f, "\n  held back by reader slot {}", blocker.slot)?;
            if let Some(thread) = &blocker.thread {
                write!(f, ", owned by {thread}")?;
            }
            if let Some(blocked_for) = blocker.blocked_for {
                write!(f, ", seen blocking for at least {blocked_for:?}")?;
            }
        }
        if let Attribution::Approximate(why) = self.attribution {
            write!(f, "\n  (approximate: {why})")?;
        }
        Ok(())
    }
}

/// Logging a report (with the `log` feature); otherwise its `Display` is the message.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::stall::{Attribution, StallReport};
/// let report = StallReport {
///     scheme: "srcu", age: None, pending: 1, pending_bytes: 8,
///     attribution: Attribution::Approximate("sections may end on another slot"),
///     blockers: vec![],
/// };
/// # #[cfg(feature = "log")]
/// report.log();
/// assert!(report.to_string().ends_with("(approximate: sections may end on another slot)"));
/// ```
#[cfg(feature = "alloc")]
impl StallReport {
    /// Logs the report with `log::warn!` (feature `log`). This is the hook every domain uses
    /// when the feature is on and no hook was installed.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// # #[cfg(feature = "log")]
    /// # {
    /// let report = gracepoint::stall::StallReport {
    ///     scheme: "gus", age: None, pending: 0, pending_bytes: 0,
    ///     attribution: gracepoint::stall::Attribution::Exact, blockers: vec![],
    /// };
    /// report.log();
    /// # }
    /// ```
    #[cfg(feature = "log")]
    pub fn log(&self) {
        log::warn!("{self}");
    }
}

/// With the `log` feature, a domain with no stall hook logs a report once a grace period has
/// waited this long.
#[cfg(feature = "log")]
pub const LOG_THRESHOLD: core::time::Duration = core::time::Duration::from_secs(1);

/// A cap on what may wait to be freed in one domain, and what a retire does once it is passed.
///
/// # What is bounded, and by what
/// The cap counts objects (or bytes) in sealed bags, waiting for their grace period; each
/// thread may hold up to one local bag more (32 objects with `alloc`). With the default policy,
/// [`Policy::Block`], a retire made outside every read section of the domain waits, past the
/// cap, until enough has been freed: what such retires add is bounded by the cap plus a bag per
/// thread, however long a reader stalls. A retire made inside a read section of the same domain
/// (as the lock-free structures do) cannot wait, since the grace period may wait for that very
/// section: it expedites instead, and what such retires add is not bounded while a reader stays
/// inside. [`Policy::Expedite`] and [`Policy::Hook`] never wait, and bound nothing while a reader
/// stays inside; they only move grace periods along faster, or tell the caller.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::stall::{Limit, Policy};
/// let limit = Limit::objects(10_000).with_bytes(1 << 20).with_policy(Policy::Block);
/// assert_eq!(limit.objects, Some(10_000));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limit {
    /// At most this many objects wait (`None`: no cap on objects).
    pub objects: Option<usize>,
    /// At most this many bytes wait, counting objects whose size is known (`None`: no cap).
    pub bytes: Option<usize>,
    /// What a retire does once a cap is passed.
    pub policy: Policy,
}

/// Building a limit, and checking what waits against it.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::stall::{Limit, Policy};
/// let limit = Limit::bytes(1 << 20).with_policy(Policy::Block);
/// assert!(!limit.exceeded(usize::MAX, 1 << 20)); // no cap on objects
/// assert!(limit.exceeded(0, (1 << 20) + 1));
/// ```
impl Limit {
    /// A cap on objects; past it, retires outside read sections wait ([`Policy::Block`]; see
    /// the type's docs for what that bounds).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert_eq!(gracepoint::stall::Limit::objects(5).policy, gracepoint::stall::Policy::Block);
    /// ```
    pub const fn objects(objects: usize) -> Self {
        Self {
            objects: Some(objects),
            bytes: None,
            policy: Policy::Block,
        }
    }

    /// A cap on bytes; past it, retires outside read sections wait ([`Policy::Block`]).
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert_eq!(gracepoint::stall::Limit::bytes(64).bytes, Some(64));
    /// ```
    pub const fn bytes(bytes: usize) -> Self {
        Self {
            objects: None,
            bytes: Some(bytes),
            policy: Policy::Block,
        }
    }

    /// The same limit, also capping bytes.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// assert_eq!(gracepoint::stall::Limit::objects(5).with_bytes(9).bytes, Some(9));
    /// ```
    pub const fn with_bytes(mut self, bytes: usize) -> Self {
        self.bytes = Some(bytes);
        self
    }

    /// The same limit with another policy.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::stall::{Limit, Policy};
    /// assert_eq!(Limit::objects(5).with_policy(Policy::Block).policy, Policy::Block);
    /// ```
    pub const fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// True when `objects` and `bytes` pass this limit.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// let limit = gracepoint::stall::Limit::objects(5);
    /// assert!(!limit.exceeded(5, 1 << 30));
    /// assert!(limit.exceeded(6, 0));
    /// ```
    pub fn exceeded(&self, objects: usize, bytes: usize) -> bool {
        self.objects.is_some_and(|cap| objects > cap) || self.bytes.is_some_and(|cap| bytes > cap)
    }
}

/// What a retire does once a domain's [`Limit`] is passed.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::stall::{Limit, Policy};
/// // A hard bound for writers that retire outside their read sections (the default):
/// let strict = Limit::objects(10_000);
/// // Never slow a writer down; just move grace periods along faster:
/// let gentle = Limit::objects(10_000).with_policy(Policy::Expedite);
/// assert_eq!((strict.policy, gentle.policy), (Policy::Block, Policy::Expedite));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Step grace periods on every seal (no batching) and collect, and give the CPU away once
    /// so that a preempted reader can finish. Never waits. Memory is still unbounded while a
    /// reader stays inside its section.
    Expedite,
    /// The default. Make the retiring thread wait until enough has been freed, when it is
    /// outside every section of the domain on its own slot. Inside such a section it cannot
    /// wait (the grace period may wait for that very section), so it expedites instead: the cap
    /// then holds for threads that retire outside sections, and is passed by what threads
    /// retiring inside their own sections add.
    Block,
    /// Call the domain's limit hook (see the domain's `on_limit`), once per seal past the cap,
    /// and go on; the hook decides (log, count, abort, ...).
    Hook,
}

/// A domain that reports stalls and caps what waits to be freed: every scheme in this workspace
/// implements it with the same names, so that tools and tests can be written once.
///
/// ```
/// # use gracepoint_reclaim as gracepoint;
/// use gracepoint::stall::{Limit, Monitor, Policy};
/// fn configure<D: Monitor>(domain: &D) {
///     domain.set_limit(Limit::objects(50_000).with_policy(Policy::Block));
///     domain.on_stall(std::time::Duration::from_secs(1), |report| eprintln!("{report}"));
/// }
/// # configure(&gracepoint_reclaim::scheme::ReaderCount);
/// ```
#[cfg(feature = "std")]
pub trait Monitor {
    /// The domain's grace periods and what waits to be freed.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::stall::Monitor;
    /// fn summary<D: Monitor>(domain: &D) -> String {
    ///     let stats = domain.stats();
    ///     format!("{} grace periods, {} objects waiting", stats.grace_periods, stats.pending)
    /// }
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// assert_eq!(summary(&domain), "0 grace periods, 0 objects waiting");
    /// ```
    fn stats(&self) -> crate::Stats;

    /// Who holds back the oldest grace period the domain waits for, how long it has been seen
    /// waiting, and what waits behind it; `None` when nothing waits.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::stall::Monitor;
    /// fn blamed_slots<D: Monitor>(domain: &D) -> Vec<usize> {
    ///     let report = domain.stall_report();
    ///     report.map_or(Vec::new(), |r| r.blockers.iter().map(|b| b.slot).collect())
    /// }
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// assert!(blamed_slots(&domain).is_empty());
    /// ```
    fn stall_report(&self) -> Option<StallReport>;

    /// Calls `callback` with a report when a grace period has waited longer than `threshold`,
    /// at most once per grace period, from whichever thread waits or collects at the time.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::stall::Monitor;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::time::Duration;
    /// static STALLS: AtomicUsize = AtomicUsize::new(0);
    /// fn count_stalls<D: Monitor>(domain: &D) {
    ///     domain.on_stall(Duration::from_millis(200), |report| {
    ///         STALLS.fetch_add(1, Ordering::Relaxed);
    ///         eprintln!("{report}");
    ///     });
    /// }
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// count_stalls(&domain);
    /// assert_eq!(STALLS.load(Ordering::Relaxed), 0); // no grace period has waited yet
    /// ```
    fn on_stall(
        &self,
        threshold: Duration,
        callback: impl Fn(&StallReport) + Send + Sync + 'static,
    );

    /// Caps what may wait to be freed; see [`Limit`] and [`Policy`].
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::stall::{Limit, Monitor};
    /// fn cap_memory<D: Monitor>(domain: &D, bytes: usize) {
    ///     domain.set_limit(Limit::bytes(bytes));
    /// }
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// cap_memory(&domain, 64 << 20);
    /// ```
    fn set_limit(&self, limit: Limit);

    /// The hook [`Policy::Hook`] calls with what waits.
    ///
    /// ```
    /// # use gracepoint_reclaim as gracepoint;
    /// use gracepoint::stall::{Limit, Monitor, Policy};
    /// fn warn_over<D: Monitor>(domain: &D, objects: usize) {
    ///     domain.set_limit(Limit::objects(objects).with_policy(Policy::Hook));
    ///     domain.on_limit(|pending| {
    ///         eprintln!("{} objects ({} bytes) wait", pending.objects, pending.bytes);
    ///     });
    /// }
    /// # let domain = gracepoint_reclaim::scheme::ReaderCount;
    /// warn_over(&domain, 100_000);
    /// ```
    fn on_limit(&self, hook: impl Fn(Pending) + Send + Sync + 'static);
}

// A shared reference or an `Arc` to a domain reports for that domain, as it is a domain for
// `Reclaim` and `Background`.
macro_rules! forward_monitor {
    ($pointer:ty) => {
        #[cfg(feature = "std")]
        impl<D: Monitor + ?Sized> Monitor for $pointer {
            fn stats(&self) -> crate::Stats {
                (**self).stats()
            }

            fn stall_report(&self) -> Option<StallReport> {
                (**self).stall_report()
            }

            fn on_stall(
                &self,
                threshold: Duration,
                callback: impl Fn(&StallReport) + Send + Sync + 'static,
            ) {
                (**self).on_stall(threshold, callback)
            }

            fn set_limit(&self, limit: Limit) {
                (**self).set_limit(limit)
            }

            fn on_limit(&self, hook: impl Fn(Pending) + Send + Sync + 'static) {
                (**self).on_limit(hook)
            }
        }
    };
}

forward_monitor!(&D);
forward_monitor!(alloc::sync::Arc<D>);
