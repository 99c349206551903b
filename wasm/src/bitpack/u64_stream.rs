//! Whole-chunk loops for `element_size = 8` (spec §4.5, homeobox > 0.2.8).
//!
//! The transform runs in u64 arithmetic; each transformed value `t` is then split into
//! `lo = t & 0xffffffff` and `hi = t >> 32`, and the chunk is written as *all* `ceil(N/128)` blocks
//! of the lo stream followed by all blocks of the hi stream, each block with its own width:
//!
//! ```text
//! [header][lo block 0]…[lo block K-1][hi block 0]…[hi block K-1]
//! ```
//!
//! Example: `[2^40 + 1]` (none) → lo block `[1, 0…]` (width 1), hi block `[256, 0…]` (width 9).
//! Decoding first scans the lo blocks to find where the hi stream starts, then walks both streams
//! together one block at a time, so no chunk-sized temporary exists.

use super::format::{self, bit_width, Header, Transform, BLOCK_BYTES, BLOCK_LEN, HEADER_LEN};
use super::u32_stream::put_block;
use super::{block_at, kernel, lost_block, Block};
use crate::error::{CodecError, ErrorCode, Result};

const BLOCK_BYTES_U64: usize = 2 * BLOCK_BYTES;

/// Decodes into `dst`, which is exactly `N · 8` bytes.
pub fn decode(src: &[u8], header: Header, dst: &mut [u8]) -> Result<()> {
    let n = header.count;
    let blocks = format::block_count(n);
    let hi_start = format::scan_blocks(src, HEADER_LEN, blocks, 0)?;
    format::scan_blocks(src, hi_start, blocks, 1)?;

    let (full, tail) = dst.as_chunks_mut::<BLOCK_BYTES_U64>();
    let (mut lo_pos, mut hi_pos) = (HEADER_LEN, hi_start);
    let mut carry = 0u64;
    let mut lo = [0u8; BLOCK_BYTES];
    let mut hi = [0u8; BLOCK_BYTES];
    let mut unpack_pair = |k: usize, lo: &mut [u8; BLOCK_BYTES], hi: &mut [u8; BLOCK_BYTES]| -> Result<()> {
        let (b, payload, next) = block_at(src, lo_pos).ok_or(lost_block(k, lo_pos, 0))?;
        kernel::unpack_block(b, payload, Transform::None, &mut 0, lo);
        lo_pos = next;
        let (b, payload, next) = block_at(src, hi_pos).ok_or(lost_block(k, hi_pos, 1))?;
        kernel::unpack_block(b, payload, Transform::None, &mut 0, hi);
        hi_pos = next;
        Ok(())
    };
    for (k, out) in full.iter_mut().enumerate() {
        unpack_pair(k, &mut lo, &mut hi)?;
        kernel::combine_block_u64(header.transform, &lo, &hi, &mut carry, out);
    }
    if !tail.is_empty() {
        unpack_pair(n / BLOCK_LEN, &mut lo, &mut hi)?;
        let mut tmp = [0u8; BLOCK_BYTES_U64];
        kernel::combine_block_u64(header.transform, &lo, &hi, &mut carry, &mut tmp);
        tail.copy_from_slice(&tmp[..tail.len()]);
    }
    Ok(())
}

/// Encodes `src` (a multiple of 8 bytes) into `dst` (at least the worst-case size); returns the length.
pub fn encode(src: &[u8], transform: Transform, dst: &mut [u8]) -> Result<usize> {
    let n = src.len() / 8;
    let count = u32::try_from(n).map_err(|_| CodecError::with_value(ErrorCode::TooManyElements, n as u64))?;
    format::write_header(dst, transform, count);
    let mut pos = HEADER_LEN;
    let (full, tail) = src.as_chunks::<BLOCK_BYTES_U64>();
    let mut lo = Block::zeroed();
    let mut hi = Block::zeroed();
    // Two passes over the input, one per stream: the transform is cheap to recompute, and this keeps
    // the output strictly sequential without a chunk-sized buffer for the hi blocks.
    for stream in 0..2 {
        let mut prev = 0u64;
        for input in full {
            let (or_lo, or_hi) = kernel::transform_block_u64(transform, input, &mut prev, &mut lo, &mut hi);
            pos = if stream == 0 {
                put_block(dst, pos, bit_width(or_lo), &lo)?
            } else {
                put_block(dst, pos, bit_width(or_hi), &hi)?
            };
        }
        if !tail.is_empty() {
            let mut padded = [0u8; BLOCK_BYTES_U64];
            padded[..tail.len()].copy_from_slice(tail);
            kernel::transform_block_u64(transform, &padded, &mut prev, &mut lo, &mut hi);
            let half = if stream == 0 { &mut lo } else { &mut hi };
            half.0[tail.len() / 8..].fill(0); // padding is zero after the transform
            pos = put_block(dst, pos, bit_width(kernel::or_block(half)), half)?;
        }
    }
    Ok(pos)
}
