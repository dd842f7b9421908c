//! The board layer the programs in `src/bin` share: a periodic timer interrupt that calls the
//! installed tick handler, semihosting output and exit, and, on RISC-V, the detector that tells
//! `gracepoint` it runs in a handler.
//!
//! - Cortex-M (`thumbv6m`, `thumbv7m`, `thumbv7em`): SysTick, through `cortex-m-rt`.
//! - RISC-V (`riscv32imac`, QEMU's `virt` board): the machine timer of the CLINT, through
//!   `riscv-rt`.
#![no_std]

use core::sync::atomic::{AtomicPtr, Ordering};

pub use semihosting::{print, println};

/// The handler the timer interrupt calls, as a type-erased function and its context.
static HANDLER: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());
static CONTEXT: AtomicPtr<()> = AtomicPtr::new(core::ptr::null_mut());

/// Makes the timer interrupt call `handler(context)` until [`stop_timer`], every `period` timer
/// cycles (changed on the fly by [`set_period`]).
///
/// # Safety
/// `context` stays valid, and `handler` may run with it at any moment, until [`stop_timer`]
/// returns.
pub unsafe fn start_timer(handler: fn(*const ()), context: *const (), period: u32) {
    CONTEXT.store(context as *mut (), Ordering::Relaxed);
    HANDLER.store(handler as *mut (), Ordering::Release);
    platform::start(period);
}

/// Stops the timer interrupt; no handler runs after this returns.
pub fn stop_timer() {
    platform::stop();
    HANDLER.store(core::ptr::null_mut(), Ordering::Relaxed);
}

/// Sets the timer's next period, in timer cycles: the handler varies it so that interrupts land
/// at every point of the main loop.
pub fn set_period(period: u32) {
    platform::set_period(period);
}

/// Called by the platform's timer interrupt.
fn dispatch() {
    let handler = HANDLER.load(Ordering::Acquire);
    if !handler.is_null() {
        // SAFETY: `start_timer` stored a `fn(*const ())`.
        let handler: fn(*const ()) =
            unsafe { core::mem::transmute::<*mut (), fn(*const ())>(handler) };
        handler(CONTEXT.load(Ordering::Relaxed));
    }
}

/// Ends the program with `code` (0: passed) through semihosting.
pub fn exit(code: i32) -> ! {
    semihosting::process::exit(code)
}

/// The board's name, for the report.
pub const BOARD: &str = platform::BOARD;

#[cfg(target_arch = "arm")]
mod platform {
    use cortex_m::peripheral::syst::SystClkSource;

    pub const BOARD: &str = "cortex-m";

    pub fn start(period: u32) {
        // SAFETY: the programs use SysTick only through these functions, from the main loop
        // before interrupts run and from the handler.
        let mut p = unsafe { cortex_m::Peripherals::steal() };
        p.SYST.set_clock_source(SystClkSource::Core);
        p.SYST.set_reload(period);
        p.SYST.clear_current();
        p.SYST.enable_interrupt();
        p.SYST.enable_counter();
    }

    pub fn stop() {
        // SAFETY: as in `start`.
        let mut p = unsafe { cortex_m::Peripherals::steal() };
        p.SYST.disable_interrupt();
        p.SYST.disable_counter();
        // A SysTick that became pending meanwhile must not run after this returns.
        cortex_m::peripheral::SCB::clear_pendst();
    }

    pub fn set_period(period: u32) {
        // SAFETY: as in `start`.
        let mut p = unsafe { cortex_m::Peripherals::steal() };
        p.SYST.set_reload(period.clamp(1, 0x00ff_ffff));
    }

    #[cortex_m_rt::exception]
    fn SysTick() {
        super::dispatch();
    }
}

#[cfg(target_arch = "riscv32")]
mod platform {
    use core::sync::atomic::{AtomicU32, Ordering};
    use riscv::interrupt::Interrupt;

    pub const BOARD: &str = "riscv32 virt";

    /// The CLINT of QEMU's `virt` board: hart 0's timer compare register and the timer.
    const MTIMECMP: usize = 0x0200_4000;
    const MTIME: usize = 0x0200_bff8;

    static PERIOD: AtomicU32 = AtomicU32::new(0);
    /// Trap nesting depth: what `gracepoint::interrupt::in_handler` asks on this target.
    static DEPTH: AtomicU32 = AtomicU32::new(0);

    fn mtime() -> u64 {
        // SAFETY: MMIO registers of the board; the high half is read twice to catch a carry.
        unsafe {
            loop {
                let hi = core::ptr::read_volatile((MTIME + 4) as *const u32);
                let lo = core::ptr::read_volatile(MTIME as *const u32);
                if hi == core::ptr::read_volatile((MTIME + 4) as *const u32) {
                    return (u64::from(hi) << 32) | u64::from(lo);
                }
            }
        }
    }

    fn arm(at: u64) {
        // SAFETY: MMIO; the high half goes to its maximum first so that no interrupt fires
        // while the two halves disagree.
        unsafe {
            core::ptr::write_volatile((MTIMECMP + 4) as *mut u32, u32::MAX);
            core::ptr::write_volatile(MTIMECMP as *mut u32, at as u32);
            core::ptr::write_volatile((MTIMECMP + 4) as *mut u32, (at >> 32) as u32);
        }
    }

    pub fn start(period: u32) {
        gracepoint::interrupt::set_detector(|| DEPTH.load(Ordering::Relaxed) != 0);
        PERIOD.store(period, Ordering::Relaxed);
        arm(mtime() + u64::from(period));
        // SAFETY: the handler below is ready; enabling interrupts is what the caller asks.
        unsafe {
            riscv::register::mie::set_mtimer();
            riscv::interrupt::enable();
        }
    }

    pub fn stop() {
        // SAFETY: masks the timer interrupt.
        unsafe { riscv::register::mie::clear_mtimer() };
        arm(u64::MAX);
    }

    pub fn set_period(period: u32) {
        PERIOD.store(period.max(1), Ordering::Relaxed);
    }

    #[riscv_rt::core_interrupt(Interrupt::MachineTimer)]
    fn machine_timer() {
        DEPTH.fetch_add(1, Ordering::Relaxed);
        arm(mtime() + u64::from(PERIOD.load(Ordering::Relaxed)));
        super::dispatch();
        DEPTH.fetch_sub(1, Ordering::Relaxed);
    }
}
