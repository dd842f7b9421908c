//! Debug-build detection of a thread waiting for a grace period inside its own read section.
//!
//! `synchronize` (or `barrier`, or a blocking wait) called from inside a read section of the
//! same domain waits for itself and never returns. In debug builds with `std`, each scheme
//! records the domains the current thread is reading in (by address), and the blocking calls
//! check that list and panic with a message naming the mistake. Release builds compile all of
//! this (and loom builds, whose threads share one OS thread) to nothing. Sections held through a `Send` token are not recorded: the token may be
//! released on another thread.
//!
//! ```
//! let domain = 0x1000;
//! gracepoint_reclaim::scheme::debug::enter_section(domain);
//! let inside = std::panic::catch_unwind(|| gracepoint_reclaim::scheme::debug::assert_outside(domain, "srcu", "synchronize"));
//! assert_eq!(inside.is_err(), gracepoint_reclaim::scheme::debug::CHECKS);
//! gracepoint_reclaim::scheme::debug::exit_section(domain);
//! gracepoint_reclaim::scheme::debug::assert_outside(domain, "srcu", "synchronize");
//! ```

#[cfg(all(feature = "std", debug_assertions, not(loom)))]
std::thread_local! {
    static SECTIONS: core::cell::RefCell<std::vec::Vec<usize>> =
        const { core::cell::RefCell::new(std::vec::Vec::new()) };
}

/// Whether this build of the crate checks (a debug build with `std`, outside loom): the
/// library's build decides, not the caller's.
///
/// ```
/// use gracepoint_reclaim::scheme::debug;
/// debug::enter_section(7);
/// assert_eq!(debug::inside(7), debug::CHECKS); // recorded only where it checks
/// debug::exit_section(7);
/// ```
pub const CHECKS: bool = cfg!(all(feature = "std", debug_assertions, not(loom)));

/// Records that the current thread entered a read section of `domain`.
///
/// ```
/// gracepoint_reclaim::scheme::debug::enter_section(1);
/// gracepoint_reclaim::scheme::debug::exit_section(1);
/// ```
#[inline(always)]
pub fn enter_section(domain: usize) {
    #[cfg(all(feature = "std", debug_assertions, not(loom)))]
    let _ = SECTIONS.try_with(|s| s.borrow_mut().push(domain));
    let _ = domain;
}

/// Records that the current thread left a read section of `domain`.
///
/// ```
/// gracepoint_reclaim::scheme::debug::enter_section(2);
/// gracepoint_reclaim::scheme::debug::exit_section(2);
/// ```
#[inline(always)]
pub fn exit_section(domain: usize) {
    #[cfg(all(feature = "std", debug_assertions, not(loom)))]
    let _ = SECTIONS.try_with(|s| {
        let mut s = s.borrow_mut();
        if let Some(at) = s.iter().rposition(|&d| d == domain) {
            s.swap_remove(at);
        }
    });
    let _ = domain;
}

/// True when the current thread is inside a read section of `domain` (always false in release
/// builds).
///
/// ```
/// assert!(!gracepoint_reclaim::scheme::debug::inside(3));
/// ```
#[inline(always)]
pub fn inside(domain: usize) -> bool {
    #[cfg(all(feature = "std", debug_assertions, not(loom)))]
    return SECTIONS
        .try_with(|s| s.borrow().contains(&domain))
        .unwrap_or(false);
    #[cfg(not(all(feature = "std", debug_assertions, not(loom))))]
    {
        let _ = domain;
        false
    }
}

/// Panics, in debug builds, if the current thread is inside a read section of `domain`:
/// `operation` would wait for that section, which cannot end while the thread waits.
///
/// ```
/// gracepoint_reclaim::scheme::debug::assert_outside(4, "gus", "wait");
/// ```
#[inline(always)]
#[track_caller]
pub fn assert_outside(domain: usize, scheme: &str, operation: &str) {
    if inside(domain) {
        inside_section(scheme, operation);
    }
}

/// The panic every scheme raises when a thread would wait for its own read section.
///
/// ```should_panic
/// gracepoint_reclaim::scheme::debug::inside_section("epoch", "synchronize");
/// ```
#[cold]
#[inline(never)]
#[track_caller]
pub fn inside_section(scheme: &str, operation: &str) -> ! {
    panic!(
        "{scheme}: `{operation}` called inside a read section of the same domain on this thread; \
         it would wait for that section to end, and never return. End the section first (drop \
         its guard, or the structure `Ref`, iterator or section that holds one), or retire the \
         object instead of waiting for it"
    )
}

/// True when the `RECLAIM_MUTANT` environment variable names `mutant`: how a loom build picks
/// the one mutant a run brings back (see `mutant!`). Exists only in loom builds.
#[cfg(all(loom, feature = "std"))]
pub fn mutant_active(mutant: &str) -> bool {
    static ACTIVE: std::sync::OnceLock<Option<std::string::String>> = std::sync::OnceLock::new();
    ACTIVE
        .get_or_init(|| std::env::var("RECLAIM_MUTANT").ok())
        .as_deref()
        == Some(mutant)
}
