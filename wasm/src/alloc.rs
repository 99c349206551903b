//! `malloc`, `calloc` and `free` for the C code (libzstd), on wasm32 only.
//!
//! wasm32-unknown-unknown has no libc, so the C objects' calls to these symbols are resolved here,
//! backed by Rust's global allocator (dlmalloc over `memory.grow`). `free` gets no size, but Rust's
//! `dealloc` needs the layout, so each block carries a 16-byte header holding its total size:
//!
//! ```text
//! base ─► [total size: usize][pad to 16] [ user bytes … ]   returned pointer = base + 16
//! ```
//!
//! 16 is also the alignment (`max_align_t` on wasm32 is 8; 16 keeps v128 loads aligned). Size
//! overflow and allocation failure return NULL, which libzstd reports as `memory_allocation`.
//! Native builds link the C library against the system libc instead; defining `malloc` there would
//! replace the process allocator.

use std::alloc::{alloc, alloc_zeroed, dealloc, Layout};

const HEADER: usize = 16;
const ALIGN: usize = 16;

unsafe fn allocate(size: usize, zeroed: bool) -> *mut u8 {
    let Some(total) = size.checked_add(HEADER) else { return core::ptr::null_mut() };
    let Ok(layout) = Layout::from_size_align(total, ALIGN) else { return core::ptr::null_mut() };
    // SAFETY: layout has non-zero size (≥ HEADER).
    let base = unsafe { if zeroed { alloc_zeroed(layout) } else { alloc(layout) } };
    if base.is_null() {
        return base;
    }
    // SAFETY: base is a fresh, 16-aligned allocation of at least HEADER bytes.
    unsafe {
        (base as *mut usize).write(total);
        base.add(HEADER)
    }
}

/// # Safety
/// Called by C code with the usual `malloc` contract.
#[no_mangle]
pub unsafe extern "C" fn malloc(size: usize) -> *mut u8 {
    unsafe { allocate(size, false) }
}

/// # Safety
/// Called by C code with the usual `calloc` contract.
#[no_mangle]
pub unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut u8 {
    match count.checked_mul(size) {
        Some(n) => unsafe { allocate(n, true) },
        None => core::ptr::null_mut(),
    }
}

/// # Safety
/// `ptr` is NULL or a pointer returned by `malloc`/`calloc` above and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn free(ptr: *mut u8) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: ptr came from `allocate`, so its header sits 16 bytes before it and holds the total.
    unsafe {
        let base = ptr.sub(HEADER);
        let total = (base as *const usize).read();
        dealloc(base, Layout::from_size_align_unchecked(total, ALIGN));
    }
}
