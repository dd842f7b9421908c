//! A footprint probe: the same runtime as the board programs, with one scheme's `static` domain
//! of four fixed slots and the code one read section, one retire and one grace period pull in.
//! Built once per scheme (features `fp-srcu`, `fp-gus`, `fp-epoch`) and once with none (the
//! baseline); scripts/embedded tables `size`'s figures and the differences.
#![no_std]
#![no_main]

use core::hint::black_box;
// The runtime's crates, for the critical-section implementation (thumbv6m) they provide.
#[cfg(target_arch = "arm")]
use cortex_m as _;
#[cfg(target_arch = "riscv32")]
use riscv as _;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// The deleter the retire passes: counts, as a real one would free.
#[cfg(any(feature = "fp-srcu", feature = "fp-gus", feature = "fp-epoch"))]
unsafe fn free(p: *mut ()) {
    black_box(p);
}

#[cfg(feature = "fp-srcu")]
static DOMAIN: gracepoint::srcu::Srcu<4> = gracepoint::srcu::Srcu::new_fixed();
#[cfg(feature = "fp-gus")]
static DOMAIN: gracepoint::gus::Gus<4> = gracepoint::gus::Gus::new_fixed();
#[cfg(feature = "fp-epoch")]
static DOMAIN: gracepoint::epoch::Epoch<4> = gracepoint::epoch::Epoch::new_fixed();

static VALUE: u32 = 7;

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    #[cfg(any(feature = "fp-srcu", feature = "fp-gus", feature = "fp-epoch"))]
    {
        let Ok(reader) = DOMAIN.register() else {
            panic!()
        };
        {
            let _section = reader.enter();
            black_box(&VALUE);
        }
        // SAFETY: `free` accepts any pointer.
        unsafe { reader.retire_raw(&VALUE as *const u32 as *mut (), free) };
        DOMAIN.synchronize_with(&mut gracepoint::wait::Spin);
    }
    black_box(&VALUE);
    loop {
        core::hint::spin_loop();
    }
}
