//! Link-time settings for the console binary.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if glibc_knows_relr() {
        // Packed relative relocations (DT_RELR): the binary's 63,000 pointer fix-ups are
        // stored in a few KB instead of a 1.5 MB table that the loader reads at every
        // start. That table was 1.5 MB of the idle console's resident memory and part of
        // its start-up time (docs/PERFORMANCE.md, "Process size").
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
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
