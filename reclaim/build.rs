//! Tells the crate whether it is built for a Cortex-M core (`--cfg reclaim_cortex_m`), where
//! `interrupt::in_handler` reads the IPSR register. No `cfg` that rustc sets tells M-profile
//! targets from other bare-metal Arm ones (`armv7r-none-eabi` has no IPSR), so the target's name
//! decides, as the `cortex-m` crate's build script does.
fn main() {
    println!("cargo:rustc-check-cfg=cfg(reclaim_cortex_m)");
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let m_profile = ["thumbv6m-", "thumbv7m-", "thumbv7em-", "thumbv8m."]
        .iter()
        .any(|prefix| target.starts_with(prefix));
    if m_profile {
        println!("cargo:rustc-cfg=reclaim_cortex_m");
    }
}
