//! Memory hints for the large buffers of the data path.

/// Asks the kernel to back `buffer`'s allocation with transparent huge pages
/// where it can (Linux `madvise(MADV_HUGEPAGE)` on the 2 MiB-aligned part of
/// its capacity), before it is first written: a column of hundreds of
/// megabytes then costs a few hundred page faults instead of tens of
/// thousands. A hint only: contents are untouched, and a kernel that refuses
/// (or another system) changes nothing.
pub fn advise_huge_pages<T>(buffer: &Vec<T>) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        let start = buffer.as_ptr() as usize;
        let end = start + buffer.capacity() * std::mem::size_of::<T>();
        let (first, last) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
        if last > first {
            madvise_huge(first, last - first);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = buffer;
}

/// `items` collected into a vector advised onto huge pages before it is
/// filled ([`advise_huge_pages`]): for the columns and matrices of
/// hundreds of thousands of rows that the fit path copies, where faulting
/// in 4 KiB pages one by one costs more than the copy.
pub fn collect_huge<T>(items: impl ExactSizeIterator<Item = T>) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    advise_huge_pages(&out);
    out.extend(items);
    out
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn madvise_huge(start: usize, len: usize) {
    // SAFETY: `start..start + len` lies inside one live allocation (the
    // caller's buffer capacity, rounded inwards to page boundaries), and
    // MADV_HUGEPAGE only changes how the kernel backs those pages, never their
    // contents or the mapping's validity. The result is ignored: it is a hint.
    unsafe {
        libc::madvise(start as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
    }
}
