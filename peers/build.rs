//! Finds liburcu's memb flavor (Debian and Ubuntu: `liburcu-dev`). When it is there, this links
//! the shared library, compiles `csrc/liburcu_read_side.c` (a loop over the header's inline read
//! side) and sets `cfg(has_liburcu)`. Everything builds and passes without it; the `Liburcu`
//! peer then reports why it is missing.
//!
//! Installing liburcu after a first build is noticed without `cargo clean`: this script asks to
//! be rerun whenever the package database or the dynamic linker's cache changes (an `apt-get
//! install` or an `ldconfig` touches them), and whenever the files it found change.
//!
//! Set `BENCHES_NO_LIBURCU=1` to build as if liburcu were not installed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Files that change when a system package or a shared library is installed (`make install`
/// is usually followed by `ldconfig`). Only files that exist are watched: Cargo reruns a build
/// script on every build while a watched file is missing, and that would recompile this crate
/// and everything above it each time.
const INSTALL_MARKERS: [&str; 2] = ["/var/lib/dpkg/status", "/etc/ld.so.cache"];

const OFF_SWITCH: &str = "BENCHES_NO_LIBURCU";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=csrc/liburcu_read_side.c");
    println!("cargo:rerun-if-env-changed={OFF_SWITCH}");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rustc-check-cfg=cfg(has_liburcu)");
    for marker in INSTALL_MARKERS {
        if Path::new(marker).exists() {
            println!("cargo:rerun-if-changed={marker}");
        }
    }
    let status = match detect() {
        Ok(found) => {
            println!("cargo:rerun-if-changed={}", found.header.display());
            println!(
                "cargo:rerun-if-changed={}",
                found.lib_dir.join("liburcu-memb.so").display()
            );
            println!("cargo:rustc-link-search=native={}", found.lib_dir.display());
            println!("cargo:rustc-link-lib=dylib=urcu-memb");
            println!("cargo:rustc-link-lib=dylib=urcu-common");
            println!("cargo:rustc-cfg=has_liburcu");
            format!("linked from {}", found.lib_dir.display())
        }
        Err(why) => why,
    };
    println!("cargo:rustc-env=PEERS_LIBURCU_STATUS={status}");
}

/// Where liburcu's memb flavor was found.
struct Found {
    lib_dir: PathBuf,
    header: PathBuf,
}

/// Looks for the library and its headers, then compiles the inline read-side loop against
/// them. The error says why liburcu cannot be used, in words for the user.
fn detect() -> Result<Found, String> {
    if std::env::var_os(OFF_SWITCH).is_some() {
        return Err(format!("disabled by {OFF_SWITCH} at build time"));
    }
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return Err("liburcu is only used on Linux".to_owned());
    }
    let missing = "not found at build time (Debian/Ubuntu: `apt-get install liburcu-dev`; \
                   the next build notices it)";
    let lib_dir = lib_dir().ok_or_else(|| missing.to_owned())?;
    let include_dirs = include_dirs();
    let header = include_dirs
        .iter()
        .map(|dir| dir.join("urcu/urcu-memb.h"))
        .find(|h| h.exists())
        .ok_or_else(|| missing.to_owned())?;
    let mut build = cc::Build::new();
    build
        .file("csrc/liburcu_read_side.c")
        .includes(&include_dirs)
        .opt_level(2)
        // liburcu's reader state is an `extern __thread` variable of the shared library. The
        // initial-exec model reaches it with one %fs-relative load, as an executable linked
        // against liburcu does; the default model under -fPIC could call __tls_get_addr.
        .flag_if_supported("-ftls-model=initial-exec")
        .warnings(true);
    build.try_compile("peers_liburcu_read_side").map_err(|e| {
        format!("found but the read-side loop did not compile against its headers: {e}")
    })?;
    Ok(Found { lib_dir, header })
}

/// The library directory that holds both `liburcu-memb.so` and `liburcu-common.so`: the one
/// `pkg-config` reports, else the first usual directory.
fn lib_dir() -> Option<PathBuf> {
    let has_libs =
        |dir: &Path| dir.join("liburcu-memb.so").exists() && dir.join("liburcu-common.so").exists();
    if let Some(dir) = pkg_config(&["--variable=libdir", "liburcu-memb"]) {
        let dir = PathBuf::from(dir);
        if has_libs(&dir) {
            return Some(dir);
        }
    }
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    [
        format!("/usr/lib/{arch}-linux-gnu"),
        "/usr/local/lib".to_owned(),
        "/usr/lib".to_owned(),
        "/usr/lib64".to_owned(),
        "/lib64".to_owned(),
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|dir| has_libs(dir))
}

/// Include directories to search for `urcu/urcu-memb.h`: `pkg-config`'s, then the usual ones
/// (Debian puts liburcu's headers under the multiarch directory).
fn include_dirs() -> Vec<PathBuf> {
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = pkg_config(&["--variable=includedir", "liburcu-memb"])
        .into_iter()
        .map(PathBuf::from)
        .collect();
    for dir in [
        format!("/usr/include/{arch}-linux-gnu"),
        "/usr/local/include".to_owned(),
        "/usr/include".to_owned(),
    ] {
        let dir = PathBuf::from(dir);
        if !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

/// One line of `pkg-config` output, if `pkg-config` knows liburcu-memb.
fn pkg_config(args: &[&str]) -> Option<String> {
    let out = Command::new("pkg-config").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let line = String::from_utf8(out.stdout).ok()?.trim().to_owned();
    (!line.is_empty()).then_some(line)
}
