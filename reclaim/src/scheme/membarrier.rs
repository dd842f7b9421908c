//! The heavy half of an asymmetric fence: `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`.
//!
//! Fast readers pair a compiler-only [`light_fence`](crate::sync::light_fence) with this call on
//! the writer side: the kernel interrupts every CPU running a thread of this process and has it
//! execute a full barrier, so each reader's program order becomes a real order as seen by the
//! writer, at a cost of about half a microsecond per call instead of a fence on every read.
//!
//! The process must register once; [`available`] probes and registers on first use and caches
//! the answer. Where the kernel refuses (old kernels, some seccomp profiles, gVisor, non-Linux),
//! it returns false and schemes fall back to real fences in their readers. Building with
//! `RUSTFLAGS="--cfg reclaim_no_membarrier"` forces that fallback, for tests (a compiler flag,
//! not an environment variable: a shipped program never consults anything at run time). Under
//! loom [`heavy`] is a plain `fence(SeqCst)`, since loom cannot model membarrier.
//!
//! ```
//! if gracepoint_reclaim::scheme::membarrier::available() {
//!     gracepoint_reclaim::scheme::membarrier::heavy();
//! }
//! ```

#[cfg(not(loom))]
use core::sync::atomic::{AtomicU8, Ordering};

#[cfg(not(loom))]
const UNKNOWN: u8 = 0;
#[cfg(not(loom))]
const YES: u8 = 1;
#[cfg(not(loom))]
const NO: u8 = 2;

#[cfg(not(loom))]
static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// True when this process may use [`heavy`]; registers the process on first call.
///
/// ```
/// let first = gracepoint_reclaim::scheme::membarrier::available();
/// assert_eq!(first, gracepoint_reclaim::scheme::membarrier::available());
/// ```
pub fn available() -> bool {
    #[cfg(loom)]
    return true;
    #[cfg(not(loom))]
    match STATE.load(Ordering::Relaxed) {
        YES => true,
        NO => false,
        _ => {
            // Miri cannot run the system call: it checks the fenced fallback instead.
            let ok = !cfg!(reclaim_no_membarrier) && !cfg!(miri) && register();
            STATE.store(if ok { YES } else { NO }, Ordering::Relaxed);
            ok
        }
    }
}

#[cfg(all(not(loom), target_os = "linux"))]
fn register() -> bool {
    const QUERY: libc::c_long = 0;
    const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
    const REGISTER_PRIVATE_EXPEDITED: libc::c_long = 1 << 4;
    // SAFETY: membarrier takes plain integers and touches no memory of ours.
    let supported = unsafe { libc::syscall(libc::SYS_membarrier, QUERY, 0, 0) };
    if supported < 0 || supported & PRIVATE_EXPEDITED == 0 {
        return false;
    }
    // SAFETY: as above.
    unsafe { libc::syscall(libc::SYS_membarrier, REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0 }
}

#[cfg(all(not(loom), not(target_os = "linux")))]
fn register() -> bool {
    false
}

/// Runs a full memory barrier on every CPU that is running a thread of this process.
///
/// # Panics
/// If [`available`] is false: a caller that skipped the check would otherwise lose the
/// ordering its readers rely on.
///
/// ```
/// if gracepoint_reclaim::scheme::membarrier::available() {
///     gracepoint_reclaim::scheme::membarrier::heavy();
/// }
/// ```
pub fn heavy() {
    #[cfg(any(loom, reclaim_mutant = "plain_heavy"))]
    crate::sync::fence(crate::sync::Ordering::SeqCst);
    #[cfg(all(not(loom), not(reclaim_mutant = "plain_heavy"), target_os = "linux"))]
    {
        assert!(
            available(),
            "membarrier(PRIVATE_EXPEDITED) is not available in this process"
        );
        const PRIVATE_EXPEDITED: libc::c_long = 1 << 3;
        // SAFETY: as in `register`; the process is registered.
        let rc = unsafe { libc::syscall(libc::SYS_membarrier, PRIVATE_EXPEDITED, 0, 0) };
        assert_eq!(
            rc, 0,
            "membarrier(PRIVATE_EXPEDITED) failed after registration"
        );
    }
    #[cfg(all(
        not(loom),
        not(reclaim_mutant = "plain_heavy"),
        not(target_os = "linux")
    ))]
    panic!("membarrier is only available on Linux");
}
