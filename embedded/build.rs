//! Puts the target's `memory.x` where the runtime's linker script finds it, and links with that
//! script (cortex-m-rt's and riscv-rt's `link.x`). Link arguments come from here rather than
//! from `.cargo/config.toml` so that a `RUSTFLAGS` with mutant flags does not drop them.
use std::{env, fs, path::PathBuf};

fn main() {
    let target = env::var("TARGET").unwrap_or_default();
    let memory = if target.starts_with("thumbv") {
        "memory/cortex-m.x"
    } else if target.starts_with("riscv32") {
        "memory/riscv32.x"
    } else {
        // A host build (cargo check of the crate on its own): nothing to link.
        return;
    };
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    fs::copy(memory, out.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed={memory}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
}
