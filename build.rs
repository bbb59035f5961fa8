//! Link-time settings for the console binary.

use std::path::Path;

/// The idle console's functions, in the order the linker lays them out
/// (`scripts/symbol-order` writes it).
const SYMBOL_ORDER: &str = "link/symbol-order.txt";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed={SYMBOL_ORDER}");
    if glibc_knows_relr() {
        // Packed relative relocations (DT_RELR): the binary's 63,000 pointer fix-ups are
        // stored in a few KB instead of a 1.5 MB table that the loader reads at every
        // start. That table was 1.5 MB of the idle console's resident memory and part of
        // its start-up time (docs/PERFORMANCE.md, "Process size").
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    let order = Path::new(&var("CARGO_MANIFEST_DIR")).join(SYMBOL_ORDER);
    if var("PROFILE") == "release" && order.is_file() && linker_is_rust_lld() {
        // The functions the idle console runs, first and together in .text: the kernel
        // maps 64 KB around each page fault, and 0.7 MB of idle code scattered over the
        // 12 MB of .text kept 7 MB of it resident (docs/PERFORMANCE.md, "Process size").
        // A name the build no longer has (a stale file) is skipped without a warning.
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// Rust links x86_64 Linux binaries with its own lld since 1.90; GNU ld has no
/// `--symbol-ordering-file` (and would fail the link), so the file is passed only there
/// and only when nothing chose another linker (`target.*.linker`, `-C linker`,
/// `-C link-self-contained`, `-C linker-features`, `-fuse-ld`).
fn linker_is_rust_lld() -> bool {
    if var("TARGET") != "x86_64-unknown-linux-gnu" || !var("RUSTC_LINKER").is_empty() {
        return false;
    }
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    if ["linker", "link-self-contained", "fuse-ld"]
        .iter()
        .any(|word| flags.contains(word))
    {
        return false;
    }
    let version = std::process::Command::new(var("RUSTC"))
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    // "rustc 1.95.0 (…)": the minor version.
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1))
        .and_then(|m| m.parse::<u32>().ok());
    matches!(minor, Some(m) if m >= 90)
}

/// The loader must understand DT_RELR (glibc 2.36 and later, which marks it with the
/// `GLIBC_ABI_DT_RELR` version); only checked for a native Linux/glibc build, where
/// the binary runs on the C library it was built against.
fn glibc_knows_relr() -> bool {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux"
        || var("CARGO_CFG_TARGET_ENV") != "gnu"
        || var("HOST") != var("TARGET")
    {
        return false;
    }
    let libc_paths = [
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/aarch64-linux-gnu/libc.so.6",
        "/lib64/libc.so.6",
        "/usr/lib64/libc.so.6",
        "/usr/lib/libc.so.6",
    ];
    libc_paths.iter().any(|path| {
        std::fs::read(path)
            .map(|bytes| bytes.windows(17).any(|w| w == b"GLIBC_ABI_DT_RELR"))
            .unwrap_or(false)
    })
}
