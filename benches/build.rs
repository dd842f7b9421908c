//! Detects liburcu's memb flavor (Debian: `liburcu-dev`) and, when found, links it and sets
//! `cfg(has_liburcu)`. Everything builds and passes without it; the liburcu peer is then absent.
//!
//! Set `BENCHES_NO_LIBURCU=1` to build as if it were not installed.

use std::path::Path;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=BENCHES_NO_LIBURCU");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rustc-check-cfg=cfg(has_liburcu)");
    if std::env::var_os("BENCHES_NO_LIBURCU").is_some() {
        return;
    }
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    if let Some(dir) = find_with_pkg_config().or_else(find_in_lib_dirs) {
        if !dir.is_empty() {
            println!("cargo:rustc-link-search=native={dir}");
        }
        println!("cargo:rustc-link-lib=dylib=urcu-memb");
        println!("cargo:rustc-link-lib=dylib=urcu-common");
        println!("cargo:rustc-cfg=has_liburcu");
    }
}

/// The library directory reported by `pkg-config`, if it knows `liburcu-memb`.
fn find_with_pkg_config() -> Option<String> {
    let exists = Command::new("pkg-config")
        .args(["--exists", "liburcu-memb"])
        .status()
        .ok()?;
    if !exists.success() {
        return None;
    }
    let out = Command::new("pkg-config")
        .args(["--variable=libdir", "liburcu-memb"])
        .output()
        .ok()?;
    let dir = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    // Only trust pkg-config when the shared object really is there.
    let so = Path::new(&dir).join("liburcu-memb.so");
    so.exists().then_some(dir)
}

/// The first usual library directory that holds both `liburcu-memb.so` and `liburcu-common.so`.
fn find_in_lib_dirs() -> Option<String> {
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let triple_dir = format!("/usr/lib/{arch}-linux-gnu");
    [
        triple_dir.as_str(),
        "/usr/local/lib",
        "/usr/lib",
        "/usr/lib64",
        "/lib64",
    ]
    .into_iter()
    .find(|dir| {
        Path::new(dir).join("liburcu-memb.so").exists()
            && Path::new(dir).join("liburcu-common.so").exists()
    })
    .map(str::to_owned)
}
