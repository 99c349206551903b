//! zstd through the reference libzstd (C, compiled by `build.rs`): bounded decompression and compression.
//!
//! A zstd input may be several frames back to back (zarr chunks are one; `cat a.zst b.zst` is
//! two), each `[magic 28 b5 2f fd][frame header, optional content size][blocks…][optional checksum]`,
//! possibly with skippable frames (`50..5f 2a 4d 18`) in between. Decompression never writes or
//! allocates more than the caller's capacity:
//!
//! 1. [`content_size`] walks the frames with `ZSTD_findFrameCompressedSize` and sums
//!    `ZSTD_getFrameContentSize`: a frame that *declares* more than the cap is rejected before any
//!    work. Streamed frames (no size field, e.g. `zstd - < x`) make the total unknown.
//! 2. `ZSTD_decompressDCtx` decodes all frames in one pass directly into the caller's buffer (one-shot
//!    mode keeps no window buffer, so the only allocation is the reusable context). A frame that
//!    *produces* more than the buffer fails with `dstSize_tooSmall`, reported as `ZstdOutputTooLarge`.
//!
//! One decompression and one compression context live per thread (one in wasm) and are reused.

use core::ffi::{c_char, c_int, c_uint, c_ulonglong, c_void};
use std::cell::Cell;

use crate::error::{CodecError, ErrorCode, Result};

#[repr(C)]
struct ZstdDCtx {
    _private: [u8; 0],
}
#[repr(C)]
struct ZstdCCtx {
    _private: [u8; 0],
}

extern "C" {
    fn ZSTD_createDCtx() -> *mut ZstdDCtx;
    fn ZSTD_decompressDCtx(dctx: *mut ZstdDCtx, dst: *mut c_void, cap: usize, src: *const c_void, len: usize) -> usize;
    fn ZSTD_createCCtx() -> *mut ZstdCCtx;
    fn ZSTD_compressCCtx(cctx: *mut ZstdCCtx, dst: *mut c_void, cap: usize, src: *const c_void, len: usize, level: c_int) -> usize;
    fn ZSTD_compressBound(len: usize) -> usize;
    fn ZSTD_getFrameContentSize(src: *const c_void, len: usize) -> c_ulonglong;
    fn ZSTD_findFrameCompressedSize(src: *const c_void, len: usize) -> usize;
    fn ZSTD_isError(code: usize) -> c_uint;
    fn ZSTD_getErrorCode(code: usize) -> c_int;
    fn ZSTD_getErrorString(code: c_int) -> *const c_char;
    fn ZSTD_versionNumber() -> c_uint;
    fn ZSTD_minCLevel() -> c_int;
    fn ZSTD_maxCLevel() -> c_int;
}

const CONTENTSIZE_UNKNOWN: c_ulonglong = c_ulonglong::MAX;
const CONTENTSIZE_ERROR: c_ulonglong = c_ulonglong::MAX - 1;
/// `ZSTD_error_srcSize_wrong` / `ZSTD_error_dstSize_tooSmall` (zstd_errors.h, stable since 1.3).
const ZSTD_ERR_SRC_SIZE_WRONG: c_int = 72;
const ZSTD_ERR_DST_SIZE_TOO_SMALL: c_int = 70;
const ZSTD_ERR_MEMORY_ALLOCATION: c_int = 64;

thread_local! {
    static DCTX: Cell<*mut ZstdDCtx> = const { Cell::new(core::ptr::null_mut()) };
    static CCTX: Cell<*mut ZstdCCtx> = const { Cell::new(core::ptr::null_mut()) };
}

fn dctx() -> Result<*mut ZstdDCtx> {
    DCTX.with(|c| {
        if c.get().is_null() {
            // SAFETY: plain constructor; returns null on allocation failure.
            c.set(unsafe { ZSTD_createDCtx() });
        }
        let p = c.get();
        if p.is_null() {
            Err(CodecError::new(ErrorCode::OutOfMemory))
        } else {
            Ok(p)
        }
    })
}

fn cctx() -> Result<*mut ZstdCCtx> {
    CCTX.with(|c| {
        if c.get().is_null() {
            // SAFETY: plain constructor; returns null on allocation failure.
            c.set(unsafe { ZSTD_createCCtx() });
        }
        let p = c.get();
        if p.is_null() {
            Err(CodecError::new(ErrorCode::OutOfMemory))
        } else {
            Ok(p)
        }
    })
}

/// libzstd's error code for a `size_t` result, if it is an error.
fn error_of(ret: usize) -> Option<c_int> {
    // SAFETY: pure functions on an integer.
    unsafe { (ZSTD_isError(ret) != 0).then(|| ZSTD_getErrorCode(ret)) }
}

fn decode_error(zstd_code: c_int, offset: usize) -> CodecError {
    let code = match zstd_code {
        ZSTD_ERR_SRC_SIZE_WRONG => ErrorCode::ZstdTruncated,
        ZSTD_ERR_DST_SIZE_TOO_SMALL => ErrorCode::ZstdOutputTooLarge,
        ZSTD_ERR_MEMORY_ALLOCATION => ErrorCode::OutOfMemory,
        _ => ErrorCode::ZstdCorrupt,
    };
    let value = if code == ErrorCode::ZstdOutputTooLarge { 0 } else { zstd_code.max(0) as u64 };
    CodecError::at(code, usize::MAX, offset, value, 0)
}

/// Total decompressed size of all frames in `src`: `Some(n)` when every frame declares its size,
/// `None` when one does not. Fails on an empty, truncated or corrupt frame sequence.
pub fn content_size(src: &[u8]) -> Result<Option<u64>> {
    if src.is_empty() {
        return Err(CodecError::at(ErrorCode::ZstdTruncated, usize::MAX, 0, 0, 0));
    }
    let mut pos = 0usize;
    let mut total: Option<u64> = Some(0);
    while pos < src.len() {
        let rest = &src[pos..];
        // SAFETY: pointer and length describe `rest`; libzstd only reads within them.
        let frame_len = unsafe { ZSTD_findFrameCompressedSize(rest.as_ptr().cast(), rest.len()) };
        if let Some(code) = error_of(frame_len) {
            return Err(decode_error(code, pos));
        }
        // SAFETY: as above. Skippable frames report 0.
        let size = unsafe { ZSTD_getFrameContentSize(rest.as_ptr().cast(), rest.len()) };
        match size {
            CONTENTSIZE_ERROR => return Err(CodecError::at(ErrorCode::ZstdCorrupt, usize::MAX, pos, 0, 0)),
            CONTENTSIZE_UNKNOWN => total = None,
            n => total = total.map(|t| t.saturating_add(n)),
        }
        pos += frame_len.max(1);
    }
    Ok(total)
}

/// Decompresses every frame of `src` into `dst`; returns the bytes written. Anything that declares
/// or produces more than `dst.len()` bytes is `ZstdOutputTooLarge`, found before writing past `dst`.
pub fn decompress_into(src: &[u8], dst: &mut [u8]) -> Result<usize> {
    if let Some(declared) = content_size(src)? {
        if declared > dst.len() as u64 {
            return Err(CodecError::with_value(ErrorCode::ZstdOutputTooLarge, declared));
        }
    }
    let ctx = dctx()?;
    // SAFETY: both buffers are valid for their lengths; libzstd writes at most `dst.len()` bytes.
    let ret = unsafe { ZSTD_decompressDCtx(ctx, dst.as_mut_ptr().cast(), dst.len(), src.as_ptr().cast(), src.len()) };
    match error_of(ret) {
        Some(code) => Err(decode_error(code, 0)),
        None => Ok(ret),
    }
}

/// Worst-case compressed size of `len` bytes.
pub fn compress_bound(len: usize) -> Result<usize> {
    // SAFETY: pure function; returns an error code when `len` is too large.
    let bound = unsafe { ZSTD_compressBound(len) };
    match error_of(bound) {
        Some(_) => Err(CodecError::with_value(ErrorCode::TooManyElements, len as u64)),
        None => Ok(bound),
    }
}

/// Compresses `src` as one frame (content size recorded, no checksum) at `level`, clamped to the
/// library's range (0 = default, 3). `dst` should hold [`compress_bound`] bytes.
pub fn compress_into(src: &[u8], dst: &mut [u8], level: i32) -> Result<usize> {
    // SAFETY: pure functions.
    let level = level.clamp(unsafe { ZSTD_minCLevel() }, unsafe { ZSTD_maxCLevel() });
    let ctx = cctx()?;
    // SAFETY: both buffers are valid for their lengths; libzstd writes at most `dst.len()` bytes.
    let ret = unsafe { ZSTD_compressCCtx(ctx, dst.as_mut_ptr().cast(), dst.len(), src.as_ptr().cast(), src.len(), level) };
    match error_of(ret) {
        Some(ZSTD_ERR_MEMORY_ALLOCATION) => Err(CodecError::new(ErrorCode::OutOfMemory)),
        Some(code) => Err(CodecError::with_value(ErrorCode::ZstdCompress, code.max(0) as u64)),
        None => Ok(ret),
    }
}

/// libzstd's description of one of its error codes (a static NUL-terminated string).
pub fn error_string(zstd_code: i32) -> *const c_char {
    // SAFETY: returns a pointer to a static string for any input ("Unspecified error code" if unknown).
    unsafe { ZSTD_getErrorString(zstd_code) }
}

/// `major·10000 + minor·100 + patch`, e.g. 10504.
pub fn version() -> u32 {
    // SAFETY: pure function.
    unsafe { ZSTD_versionNumber() }
}

/// Allocating convenience wrappers for native callers and tests.
pub fn decompress(src: &[u8], max_output: usize) -> Result<Vec<u8>> {
    let cap = match content_size(src)? {
        Some(n) if n > max_output as u64 => return Err(CodecError::with_value(ErrorCode::ZstdOutputTooLarge, n)),
        Some(n) => n as usize,
        None => max_output,
    };
    let mut out = vec![0u8; cap];
    let n = decompress_into(src, &mut out)?;
    out.truncate(n);
    Ok(out)
}

pub fn compress(src: &[u8], level: i32) -> Result<Vec<u8>> {
    let mut out = vec![0u8; compress_bound(src.len())?];
    let n = compress_into(src, &mut out, level)?;
    out.truncate(n);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        (0..100_000u32).flat_map(|i| ((i * 7) % 251).to_le_bytes()).collect()
    }

    #[test]
    fn round_trip_and_caps() {
        let raw = sample();
        let frame = compress(&raw, 3).unwrap();
        assert!(frame.len() < raw.len() / 4);
        assert_eq!(content_size(&frame).unwrap(), Some(raw.len() as u64));
        assert_eq!(decompress(&frame, raw.len()).unwrap(), raw);
        let e = decompress(&frame, raw.len() - 1).unwrap_err();
        assert_eq!((e.code, e.value as usize), (ErrorCode::ZstdOutputTooLarge, raw.len()));
        let mut small = vec![0u8; 10];
        assert_eq!(decompress_into(&frame, &mut small).unwrap_err().code, ErrorCode::ZstdOutputTooLarge);
    }

    #[test]
    fn concatenated_frames_and_errors() {
        let raw = sample();
        let mut two = compress(&raw, 1).unwrap();
        two.extend(compress(&raw[..1000], 19).unwrap());
        assert_eq!(content_size(&two).unwrap(), Some(raw.len() as u64 + 1000));
        let out = decompress(&two, 1 << 24).unwrap();
        assert_eq!(out.len(), raw.len() + 1000);
        assert_eq!(&out[raw.len()..], &raw[..1000]);
        let frame = compress(&raw, 3).unwrap();
        assert_eq!(decompress(&frame[..frame.len() - 3], 1 << 24).unwrap_err().code, ErrorCode::ZstdTruncated);
        assert_eq!(decompress(&[], 10).unwrap_err().code, ErrorCode::ZstdTruncated);
        assert_eq!(decompress(b"not zstd at all", 10).unwrap_err().code, ErrorCode::ZstdCorrupt);
    }
}
