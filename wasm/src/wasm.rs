//! The wasm boundary: every `extern "C"` export of the module, and nothing else.
//!
//! Conventions (mirrored by `src/codecs/wasm-instance.ts`):
//! * Buffers are `(ptr, len)` pairs in the module's linear memory, allocated by JS with
//!   [`ra_alloc`] and released with [`ra_free`]. Inputs and outputs must not overlap.
//! * Results are `i32`: `≥ 0` is a byte count; `< 0` is `-(ErrorCode)` (see `error.rs`), and the
//!   failure's details are in the 5 × u32 record at [`ra_last_error`]:
//!   `[code, block, byte offset, value, stream]` (`0xffffffff` = not applicable).
//! * Nothing here panics on any input; out-of-range sizes become `BadArgument`.
//!
//! Example (JS): `n = ra_bitpack_decode(src, srcLen, 4, dst, dstCap)`; `n = -3` means a block width
//! above 32, and `u32[ra_last_error()/4 + 1]` is the block index.

use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::alloc::{alloc, dealloc, Layout};

use crate::bitpack::{self, ElementSize, Transform};
use crate::error::{CodecError, ErrorCode, ErrorDetail, Result};
use crate::miniblock::{self, Values};
use crate::{csc, fsst, remap};

static LAST_ERROR: [AtomicU32; ErrorDetail::WORDS] = [const { AtomicU32::new(0) }; ErrorDetail::WORDS];
/// Smallest value the last successful [`ra_decode_chunk_remap`] wrote.
static REMAP_MIN: AtomicI32 = AtomicI32::new(i32::MAX);

/// Alignment of buffers handed to JS: 16, so SIMD loads of whole blocks are aligned.
const ALIGN: usize = 16;

/// Chunk kinds for [`ra_decode_chunk`].
const KIND_BITPACK: u32 = 1;
const KIND_ZSTD: u32 = 2;

fn fail(e: CodecError) -> i32 {
    for (slot, word) in LAST_ERROR.iter().zip(ErrorDetail::encode(&e)) {
        slot.store(word, Ordering::Relaxed);
    }
    e.abi_code()
}

fn finish(r: Result<usize>) -> i32 {
    // Sizes travel as i32; anything larger cannot be a JS typed array here anyway.
    match r.and_then(|n| i32::try_from(n).map_err(|_| CodecError::with_value(ErrorCode::OutputTooSmall, n as u64))) {
        Ok(n) => n,
        Err(e) => fail(e),
    }
}

/// # Safety
/// `ptr` is null only with `len == 0`, otherwise valid for `len` bytes.
unsafe fn input<'a>(ptr: *const u8, len: usize) -> Result<&'a [u8]> {
    if len == 0 {
        Ok(&[])
    } else if ptr.is_null() {
        Err(CodecError::with_value(ErrorCode::BadArgument, len as u64))
    } else {
        Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
    }
}

/// # Safety
/// As [`input`], writable, and not overlapping any input of the same call.
unsafe fn output<'a>(ptr: *mut u8, len: usize) -> Result<&'a mut [u8]> {
    if len == 0 {
        Ok(&mut [])
    } else if ptr.is_null() || len > i32::MAX as usize {
        Err(CodecError::with_value(ErrorCode::BadArgument, len as u64))
    } else {
        Ok(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
    }
}

fn transform_from(t: u32) -> Result<Transform> {
    u8::try_from(t)
        .ok()
        .and_then(Transform::from_byte)
        .ok_or(CodecError::with_value(ErrorCode::BadArgument, t as u64))
}

/// Allocates `len` bytes (16-aligned) for JS; returns 0 if memory cannot grow.
#[no_mangle]
pub extern "C" fn ra_alloc(len: usize) -> *mut u8 {
    match Layout::from_size_align(len.max(1), ALIGN) {
        // SAFETY: non-zero size.
        Ok(layout) => unsafe { alloc(layout) },
        Err(_) => core::ptr::null_mut(),
    }
}

/// Frees a buffer from [`ra_alloc`]; `len` must be the length it was allocated with.
///
/// # Safety
/// `ptr` came from `ra_alloc(len)` and is not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn ra_free(ptr: *mut u8, len: usize) {
    if !ptr.is_null() {
        // SAFETY: same layout as in ra_alloc.
        unsafe { dealloc(ptr, Layout::from_size_align_unchecked(len.max(1), ALIGN)) }
    }
}

/// Address of the last error's detail record (5 × u32).
#[no_mangle]
pub extern "C" fn ra_last_error() -> *const u32 {
    LAST_ERROR.as_ptr() as *const u32
}

/// 1 if the SIMD128 kernels are compiled in, else 0.
#[no_mangle]
pub extern "C" fn ra_simd() -> u32 {
    bitpack::SIMD as u32
}

/// Decoded byte size of a BP-128 chunk (`N · elem_size`), from its header alone.
///
/// # Safety
/// `(src, len)` is a readable buffer.
#[no_mangle]
pub unsafe extern "C" fn ra_bitpack_decoded_size(src: *const u8, len: usize, elem_size: u32) -> i32 {
    finish((|| bitpack::decoded_len(unsafe { input(src, len)? }, ElementSize::from_bytes(elem_size)?))())
}

/// Decodes a BP-128 chunk into `dst`; returns the bytes written.
///
/// # Safety
/// `(src, len)` readable, `(dst, cap)` writable, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn ra_bitpack_decode(src: *const u8, len: usize, elem_size: u32, dst: *mut u8, cap: usize) -> i32 {
    finish((|| {
        let elem = ElementSize::from_bytes(elem_size)?;
        bitpack::decode_into(unsafe { input(src, len)? }, elem, unsafe { output(dst, cap)? })
    })())
}

/// Worst-case encoded size of `len` input bytes.
#[no_mangle]
pub extern "C" fn ra_bitpack_encode_bound(len: usize, elem_size: u32) -> i32 {
    finish(ElementSize::from_bytes(elem_size).and_then(|elem| bitpack::max_encoded_len(len, elem)))
}

/// Encodes `len` bytes of LE words with `transform` (0 none, 1 delta, 2 delta_zigzag).
///
/// # Safety
/// `(src, len)` readable, `(dst, cap)` writable, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn ra_bitpack_encode(src: *const u8, len: usize, elem_size: u32, transform: u32, dst: *mut u8, cap: usize) -> i32 {
    finish((|| {
        let elem = ElementSize::from_bytes(elem_size)?;
        bitpack::encode_into(unsafe { input(src, len)? }, elem, transform_from(transform)?, unsafe { output(dst, cap)? })
    })())
}

/// Decodes one encoded inner chunk straight into the caller's output region.
/// `kind` 1 = `homeobox.bitpacking` (with `elem_size`), 2 = `zstd` (`elem_size` ignored).
/// The result never exceeds `cap`; a chunk that needs more fails with `OutputTooSmall` /
/// `ZstdOutputTooLarge`.
///
/// # Safety
/// `(src, len)` readable, `(dst, cap)` writable, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn ra_decode_chunk(kind: u32, src: *const u8, len: usize, dst: *mut u8, cap: usize, elem_size: u32) -> i32 {
    finish((|| {
        let (src, dst) = unsafe { (input(src, len)?, output(dst, cap)?) };
        decode_chunk(kind, src, dst, elem_size)
    })())
}

/// One inner chunk of `kind` into `dst`: the body both chunk exports share.
fn decode_chunk(kind: u32, src: &[u8], dst: &mut [u8], elem_size: u32) -> Result<usize> {
    match kind {
        KIND_BITPACK => bitpack::decode_into(src, ElementSize::from_bytes(elem_size)?, dst),
        KIND_ZSTD => zstd_decompress(src, dst),
        _ => Err(CodecError::with_value(ErrorCode::BadArgument, kind as u64)),
    }
}

/// [`ra_decode_chunk`] for a chunk of u32 local feature indices, each then mapped through the
/// i32 table `(table, table_len)` in place (see `remap.rs`: −1 = dropped, `i32::MIN` = outside
/// the table). Returns the bytes written; [`ra_remap_min`] then holds the smallest value written.
///
/// # Safety
/// `(src, len)` readable, `(dst, cap)` writable, `(table, table_len)` readable i32s (4-aligned),
/// none overlapping.
#[no_mangle]
pub unsafe extern "C" fn ra_decode_chunk_remap(kind: u32, src: *const u8, len: usize, dst: *mut u8, cap: usize, table: *const i32, table_len: usize) -> i32 {
    finish((|| {
        let (src, dst) = unsafe { (input(src, len)?, output(dst, cap)?) };
        let table = unsafe { words(table, table_len)? };
        let n = decode_chunk(kind, src, dst, 4)?;
        if !n.is_multiple_of(4) {
            return Err(CodecError::with_value(ErrorCode::InputNotMultiple, n as u64));
        }
        REMAP_MIN.store(remap::remap_in_place(&mut dst[..n], table), Ordering::Relaxed);
        Ok(n)
    })())
}

/// Smallest value written by the last successful [`ra_decode_chunk_remap`] (`i32::MAX` if none).
#[no_mangle]
pub extern "C" fn ra_remap_min() -> i32 {
    REMAP_MIN.load(Ordering::Relaxed)
}

/// FSST-decodes `n` strings (see `fsst.rs`): `(table, count × 9)` the symbol table body,
/// `(codes, codes_len)` the compressed bytes, `(offsets, (n + 1) × 4)` their u32 offsets. Writes the
/// decoded bytes to `(dst, cap)` (which needs the decoded size + 7; `OutputTooSmall` carries that
/// number) and `n + 1` u32 offsets to `dst_offsets`. Returns the decoded size.
///
/// # Safety
/// Inputs readable for the stated lengths, `(dst, cap)` and `(dst_offsets, (n + 1) × 4)` writable,
/// none overlapping.
#[no_mangle]
pub unsafe extern "C" fn ra_fsst_decode(table: *const u8, count: u32, codes: *const u8, codes_len: usize, offsets: *const u8, n: usize, dst: *mut u8, cap: usize, dst_offsets: *mut u8) -> i32 {
    finish((|| {
        let words = offset_bytes(n)?;
        let (table, codes, offsets) = unsafe { (input(table, count as usize * 9)?, input(codes, codes_len)?, input(offsets, words)?) };
        let (dst, dst_offsets) = unsafe { (output(dst, cap)?, output(dst_offsets, words)?) };
        fsst::decode_into(table, count as usize, codes, offsets, n, dst, dst_offsets)
    })())
}

/// Bytes of the `n + 1` u32 offsets of `n` strings.
fn offset_bytes(n: usize) -> Result<usize> {
    n.checked_add(1).and_then(|w| w.checked_mul(4)).ok_or(CodecError::with_value(ErrorCode::BadArgument, n as u64))
}

/// Lance mini-block page kinds for [`ra_lance_miniblock`].
const PAGE_FLAT: u32 = 0;
const PAGE_INLINE: u32 = 1;
const PAGE_STRINGS: u32 = 2;
const PAGE_FSST: u32 = 3;
const PAGE_RLE: u32 = 4;

/// Decodes a whole Lance mini-block page of one value buffer and no levels (see `miniblock.rs`).
/// `kind`: 0 flat or 1 inline bit-packed values of `bits`; 2 strings, 3 FSST strings with the
/// symbol table body `(table, count × 9)`; 4 RLE of `bits` values and `length_bits` run lengths. `(meta, meta_len)` the chunk words (u32 when `large`),
/// `(data, data_len)` the chunks, `n_items` the page's items. Fixed kinds write `n_items × bits/8`
/// bytes to `(dst, cap)`; strings write their bytes there (FSST needs 7 more; `OutputTooSmall`
/// carries the room needed) and `n_items + 1` u32 offsets to `dst_offsets`. Returns the bytes
/// written to `dst`.
///
/// # Safety
/// Inputs readable for the stated lengths; `(dst, cap)` and, for strings, `(dst_offsets,
/// (n_items + 1) × 4)` writable; none overlapping.
#[no_mangle]
pub unsafe extern "C" fn ra_lance_miniblock(kind: u32, bits: u32, length_bits: u32, meta: *const u8, meta_len: usize, large: u32, data: *const u8, data_len: usize, n_items: usize, table: *const u8, count: u32, dst: *mut u8, cap: usize, dst_offsets: *mut u8) -> i32 {
    finish((|| {
        let (meta, data) = unsafe { (input(meta, meta_len)?, input(data, data_len)?) };
        let dst = unsafe { output(dst, cap)? };
        let large = large != 0;
        match kind {
            PAGE_FLAT | PAGE_INLINE | PAGE_RLE => {
                let values = match kind {
                    PAGE_FLAT => Values::Flat { bits },
                    PAGE_INLINE => Values::Inline { bits },
                    _ => Values::Rle { bits, length_bits },
                };
                miniblock::decode_fixed(meta, data, large, n_items, values, dst)
            }
            PAGE_STRINGS | PAGE_FSST => {
                let words = offset_bytes(n_items)?;
                let dst_offsets = unsafe { output(dst_offsets, words)? };
                let fsst = if kind == PAGE_FSST { Some((unsafe { input(table, count as usize * 9)? }, count as usize)) } else { None };
                miniblock::decode_strings(meta, data, large, n_items, Values::Strings { fsst }, dst, dst_offsets)
            }
            _ => Err(CodecError::with_value(ErrorCode::BadArgument, kind as u64)),
        }
    })())
}

/// CSC → CSR pass 1 for one group (see `csc.rs`): `(rows, n)` u32 zarr rows, `(one, one_len)` the
/// zarr row → output row map, `(counts, n_rows)` u32 counters, `(dest, n)` i32 output. Returns 0.
///
/// # Safety
/// Every pointer is 4-aligned and valid for its count; `counts` and `dest` are writable and overlap
/// nothing else of the call.
#[no_mangle]
pub unsafe extern "C" fn ra_csc_count(rows: *const u32, n: usize, one: *const i32, one_len: usize, counts: *mut u32, n_rows: usize, dest: *mut i32) -> i32 {
    finish((|| {
        let (rows, one) = unsafe { (words(rows, n)?, words(one, one_len)?) };
        let (counts, dest) = unsafe { (words_mut(counts, n_rows)?, words_mut(dest, n)?) };
        csc::count_rows(rows, one, counts, dest).map(|_| 0)
    })())
}

/// `(indptr, n_rows + 1)` i32 = prefix sum of `(counts, n_rows)`, which become row cursors.
/// Returns the total.
///
/// # Safety
/// As [`ra_csc_count`].
#[no_mangle]
pub unsafe extern "C" fn ra_csc_prefix(counts: *mut u32, n_rows: usize, indptr: *mut i32) -> i32 {
    finish((|| {
        let entries = n_rows.checked_add(1).ok_or(CodecError::with_value(ErrorCode::BadArgument, n_rows as u64))?;
        let (counts, indptr) = unsafe { (words_mut(counts, n_rows)?, words_mut(indptr, entries)?) };
        csc::prefix_sum(counts, indptr)
    })())
}

/// CSC → CSR pass 2 for one group: `(plan, plan_len)` u32 (from, to, column) triples in ascending
/// column, `(dest, n)` from [`ra_csc_count`], `(cursor, n_rows)` from [`ra_csc_prefix`],
/// `(indices, nnz)` i32 output. Returns 0.
///
/// # Safety
/// As [`ra_csc_count`].
#[no_mangle]
pub unsafe extern "C" fn ra_csc_place(dest: *mut i32, n: usize, plan: *const u32, plan_len: usize, cursor: *mut u32, n_rows: usize, indices: *mut i32, nnz: usize) -> i32 {
    finish((|| {
        let plan = unsafe { words(plan, plan_len)? };
        let (dest, cursor, indices) = unsafe { (words_mut(dest, n)?, words_mut(cursor, n_rows)?, words_mut(indices, nnz)?) };
        csc::place(dest, plan, cursor, indices).map(|_| 0)
    })())
}

/// `out[dest[k]] = src[k]` for `n` elements of `elem` bytes; `(out, out_len)` counts elements.
/// Returns 0.
///
/// # Safety
/// `src` valid for `n × elem` bytes, `dest` 4-aligned for `n` i32s, `out` writable for
/// `out_len × elem` bytes and overlapping neither.
#[no_mangle]
pub unsafe extern "C" fn ra_scatter(elem: usize, src: *const u8, n: usize, dest: *const i32, out: *mut u8, out_len: usize) -> i32 {
    finish((|| {
        let size = |count: usize| count.checked_mul(elem).ok_or(CodecError::with_value(ErrorCode::BadArgument, count as u64));
        let (src, dest) = unsafe { (input(src, size(n)?)?, words(dest, n)?) };
        let out = unsafe { output(out, size(out_len)?)? };
        csc::scatter(elem, src, dest, out).map(|_| 0)
    })())
}

/// # Safety
/// `ptr` is null only with `len == 0`, otherwise 4-aligned and valid for `len` words (u32/i32).
unsafe fn words<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T]> {
    if len == 0 {
        Ok(&[])
    } else if ptr.is_null() || !(ptr as usize).is_multiple_of(4) || len > i32::MAX as usize / 4 {
        Err(CodecError::with_value(ErrorCode::BadArgument, len as u64))
    } else {
        Ok(unsafe { core::slice::from_raw_parts(ptr, len) })
    }
}

/// # Safety
/// As [`words`], writable, and overlapping nothing else of the call.
unsafe fn words_mut<'a, T>(ptr: *mut T, len: usize) -> Result<&'a mut [T]> {
    unsafe { words(ptr as *const T, len)? };
    Ok(if len == 0 { &mut [] } else { unsafe { core::slice::from_raw_parts_mut(ptr, len) } })
}


#[cfg(feature = "zstd")]
fn zstd_decompress(src: &[u8], dst: &mut [u8]) -> Result<usize> {
    crate::zstd::decompress_into(src, dst)
}

#[cfg(not(feature = "zstd"))]
fn zstd_decompress(_: &[u8], _: &mut [u8]) -> Result<usize> {
    Err(CodecError::new(ErrorCode::Unsupported))
}

#[cfg(feature = "zstd")]
mod zstd_exports {
    use super::*;
    use crate::zstd;

    /// Total declared decompressed size of all frames; `-23` (`ZstdSizeUnknown`) when a frame does
    /// not declare it; `-21` when it exceeds `i32::MAX`.
    ///
    /// # Safety
    /// `(src, len)` is readable.
    #[no_mangle]
    pub unsafe extern "C" fn ra_zstd_content_size(src: *const u8, len: usize) -> i32 {
        finish((|| match zstd::content_size(unsafe { input(src, len)? })? {
            Some(n) if n > i32::MAX as u64 => Err(CodecError::with_value(ErrorCode::ZstdOutputTooLarge, n)),
            Some(n) => Ok(n as usize),
            None => Err(CodecError::new(ErrorCode::ZstdSizeUnknown)),
        })())
    }

    /// Decompresses all frames into `(dst, cap)`; returns the bytes written.
    ///
    /// # Safety
    /// `(src, len)` readable, `(dst, cap)` writable, not overlapping.
    #[no_mangle]
    pub unsafe extern "C" fn ra_zstd_decompress(src: *const u8, len: usize, dst: *mut u8, cap: usize) -> i32 {
        finish((|| zstd::decompress_into(unsafe { input(src, len)? }, unsafe { output(dst, cap)? }))())
    }

    #[no_mangle]
    pub extern "C" fn ra_zstd_compress_bound(len: usize) -> i32 {
        finish(zstd::compress_bound(len))
    }

    /// Compresses `(src, len)` as one frame at `level`; returns the frame length.
    ///
    /// # Safety
    /// `(src, len)` readable, `(dst, cap)` writable, not overlapping.
    #[no_mangle]
    pub unsafe extern "C" fn ra_zstd_compress(src: *const u8, len: usize, dst: *mut u8, cap: usize, level: i32) -> i32 {
        finish((|| zstd::compress_into(unsafe { input(src, len)? }, unsafe { output(dst, cap)? }, level))())
    }

    /// libzstd's NUL-terminated description of its error code `code` (from the error record's value).
    #[no_mangle]
    pub extern "C" fn ra_zstd_error_string(code: i32) -> *const core::ffi::c_char {
        zstd::error_string(code)
    }

    #[no_mangle]
    pub extern "C" fn ra_zstd_version() -> u32 {
        zstd::version()
    }
}
