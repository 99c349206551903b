//! `homeobox.bitpacking`: BP-128 with a chunk-global transform (spec §4), decode and encode.
//!
//! Layout of an encoded chunk (details in [`format`]):
//!
//! ```text
//! [u8 transform][u32 LE N] then ceil(N/128) blocks [u8 b][16·b bytes]   (u64: low blocks, then high blocks)
//! ```
//!
//! Worked example (spec §4.9): `[0,1,2,3,100,0,1,2,50,0,5,10]` with `delta` becomes the deltas
//! `[0,1,1,1,97,-100,…]`; `-100` wraps to `0xffffff9c`, so the one block needs 32 bits, and a 32-bit
//! block is the values in natural order: `01 0c000000 20 00000000 01000000 01000000 01000000 61000000 9cffffff …`.
//!
//! Files: [`format`] (header, framing, sizes), `scalar` / `simd128` (the per-block kernels, one of
//! which is compiled in as `kernel`), [`transform`] (zigzag and the scalar transforms), [`u32_stream`]
//! and [`u64_stream`] (whole-chunk loops). Every public function validates first and then runs
//! kernels that cannot fail; no input can make them panic or read outside the slices they are given.

// Expands `$body` 32 times with `$r` bound to 0..=31, so that the bit offsets in the kernels are
// compile-time constants for each const-generic width (what the generated simdcomp code gets by
// being generated). `$r` is a plain `let`; LLVM folds it after inlining.
macro_rules! unroll32 {
    ($r:ident => $body:block) => {
        unroll32!(@ $r $body; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
    };
    (@ $r:ident $body:block; $($n:literal)*) => {
        $( { let $r: usize = $n; $body } )*
    };
}

// Calls `$f::<b>(args)` or `$f::<b, T>(args)` for a runtime width `b`. Widths above 32 never reach
// here (the scan rejects them); they map to 32, whose kernels check the payload length themselves.
macro_rules! by_width {
    ($b:expr, $f:ident, $args:tt) => {
        by_width!(@ $b, $f, [], $args)
    };
    ($b:expr, $f:ident::<$t:tt>, $args:tt) => {
        by_width!(@ $b, $f, [$t], $args)
    };
    (@ $b:expr, $f:ident, $g:tt, $args:tt) => {
        by_width!(@@ $b, $f, $g, $args;
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
    };
    (@@ $b:expr, $f:ident, [], $args:tt; $($n:literal)*) => {
        match $b {
            $( $n => $f::<$n> $args, )*
            _ => $f::<32> $args,
        }
    };
    (@@ $b:expr, $f:ident, [$t:tt], $args:tt; $($n:literal)*) => {
        match $b {
            $( $n => $f::<$n, $t> $args, )*
            _ => $f::<32, $t> $args,
        }
    };
}

pub mod format;
pub mod transform;
pub mod u32_stream;
pub mod u64_stream;

pub mod scalar;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd128;

/// The kernel set this build uses: SIMD128 when the target has it, otherwise the scalar one.
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub(crate) use simd128 as kernel;
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
pub(crate) use scalar as kernel;

pub use format::{ElementSize, Transform};
pub(crate) use format::low_mask;

use crate::error::{CodecError, ErrorCode, Result};

/// True when the SIMD128 kernels are compiled in.
pub const SIMD: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

/// 128 transformed values, 16-byte aligned so the SIMD kernels can load them as 32 rows of 4 lanes.
#[derive(Clone)]
#[repr(C, align(16))]
pub struct Block(pub [u32; format::BLOCK_LEN]);

impl Block {
    pub const fn zeroed() -> Block {
        Block([0; format::BLOCK_LEN])
    }
}

/// Decoded size in bytes (`N · element_size`) of an encoded chunk, after checking the framing of
/// every block. Callers size their output buffer with this, so a corrupt header cannot make them
/// allocate more than the input can hold: a valid chunk has at most 128 values per input byte.
pub fn decoded_len(src: &[u8], elem: ElementSize) -> Result<usize> {
    let header = format::read_header(src)?;
    let len = format::decoded_len(header.count, elem)?;
    let blocks = format::block_count(header.count);
    let mut pos = format::HEADER_LEN;
    for stream in 0..elem.streams() {
        pos = format::scan_blocks(src, pos, blocks, stream as u32)?;
    }
    Ok(len)
}

/// Decodes one encoded chunk into `dst` as little-endian words; returns the bytes written
/// (`N · element_size`). The whole input is validated before anything is written.
pub fn decode_into(src: &[u8], elem: ElementSize, dst: &mut [u8]) -> Result<usize> {
    let header = format::read_header(src)?;
    let len = format::decoded_len(header.count, elem)?;
    if dst.len() < len {
        return Err(CodecError::with_value(ErrorCode::OutputTooSmall, len as u64));
    }
    match elem {
        ElementSize::U32 => u32_stream::decode(src, header, &mut dst[..len])?,
        ElementSize::U64 => u64_stream::decode(src, header, &mut dst[..len])?,
    }
    Ok(len)
}

/// Upper bound of the encoded size of `len_bytes` bytes of input.
pub fn max_encoded_len(len_bytes: usize, elem: ElementSize) -> Result<usize> {
    format::max_encoded_len(len_bytes / elem.bytes(), elem)
}

/// Encodes `src` (little-endian words) exactly as homeobox does; returns the bytes written.
/// `dst` must hold at least [`max_encoded_len`] bytes.
pub fn encode_into(src: &[u8], elem: ElementSize, transform: Transform, dst: &mut [u8]) -> Result<usize> {
    if !src.len().is_multiple_of(elem.bytes()) {
        return Err(CodecError::with_value(ErrorCode::InputNotMultiple, src.len() as u64));
    }
    let bound = max_encoded_len(src.len(), elem)?;
    if dst.len() < bound {
        return Err(CodecError::with_value(ErrorCode::OutputTooSmall, bound as u64));
    }
    match elem {
        ElementSize::U32 => u32_stream::encode(src, transform, dst),
        ElementSize::U64 => u64_stream::encode(src, transform, dst),
    }
}

/// Allocating convenience wrappers for native callers (tests, the benchmark binary).
pub fn decode(src: &[u8], elem: ElementSize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; decoded_len(src, elem)?];
    let n = decode_into(src, elem, &mut out)?;
    out.truncate(n);
    Ok(out)
}

pub fn encode(src: &[u8], elem: ElementSize, transform: Transform) -> Result<Vec<u8>> {
    let mut out = vec![0u8; max_encoded_len(src.len(), elem)?];
    let n = encode_into(src, elem, transform, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// Error for a block the scan accepted but the decode loop could not find: unreachable in
/// practice, reported instead of panicking so that no input can abort the module.
pub(crate) fn lost_block(block: usize, pos: usize, stream: u32) -> CodecError {
    CodecError::at(ErrorCode::TruncatedBlock, block, pos, 0, stream)
}

/// `[u8 b][16·b bytes]` at `pos`: the width, the payload and the position after the block.
#[inline]
pub(crate) fn block_at(src: &[u8], pos: usize) -> Option<(u8, &[u8], usize)> {
    let b = *src.get(pos)?;
    let end = pos + 1 + format::payload_len(b);
    Some((b, src.get(pos + 1..end)?, end))
}

#[cfg(test)]
mod tests;
