//! How the console uses glibc's allocator. Snapshots of a large cluster replace
//! megabytes of rows at a time; with glibc's default of one arena per thread, the
//! tokio workers that decode watch events and the thread that rebuilds the panes each
//! keep their own freed pages, and RSS climbs to 2–3× the live data (73 MB for 32 MB
//! live at 5,000 pods). One arena lets every thread reuse the same free pages; the
//! console allocates far too little for lock contention on it to matter.

/// Limits glibc to a single malloc arena. Call before any thread is started.
pub fn use_single_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Returns free heap pages to the kernel, so RSS follows what the console really
/// holds after a large snapshot was replaced.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory back to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}
