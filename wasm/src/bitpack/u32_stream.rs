//! Whole-chunk loops for `element_size = 4`: one stream of `ceil(N/128)` blocks after the header.
//!
//! Example, N = 130 (`0..130`, transform none): blocks of 128 and 2 values; the second block holds
//! `[128, 129, 0 × 126]` (padding added after the transform), so its width is 8. Decoding writes
//! the first block straight into the output and the short last block through a 512-byte stack
//! buffer, of which the first 2 × 4 bytes are copied out.

use super::format::{self, bit_width, Header, Transform, BLOCK_BYTES, BLOCK_LEN, HEADER_LEN};
use super::{block_at, kernel, lost_block, Block};
use crate::error::{CodecError, ErrorCode, Result};

/// Decodes into `dst`, which is exactly `N · 4` bytes.
pub fn decode(src: &[u8], header: Header, dst: &mut [u8]) -> Result<()> {
    let n = header.count;
    let blocks = format::block_count(n);
    format::scan_blocks(src, HEADER_LEN, blocks, 0)?;

    let (full, tail) = dst.as_chunks_mut::<BLOCK_BYTES>();
    let mut pos = HEADER_LEN;
    let mut carry = 0u32;
    for (k, out) in full.iter_mut().enumerate() {
        let (b, payload, next) = block_at(src, pos).ok_or(lost_block(k, pos, 0))?;
        kernel::unpack_block(b, payload, header.transform, &mut carry, out);
        pos = next;
    }
    if !tail.is_empty() {
        let k = n / BLOCK_LEN;
        let (b, payload, _) = block_at(src, pos).ok_or(lost_block(k, pos, 0))?;
        let mut tmp = [0u8; BLOCK_BYTES];
        kernel::unpack_block(b, payload, header.transform, &mut carry, &mut tmp);
        tail.copy_from_slice(&tmp[..tail.len()]);
    }
    Ok(())
}

/// Encodes `src` (a multiple of 4 bytes) into `dst` (at least the worst-case size); returns the length.
pub fn encode(src: &[u8], transform: Transform, dst: &mut [u8]) -> Result<usize> {
    let n = src.len() / 4;
    let count = u32::try_from(n).map_err(|_| CodecError::with_value(ErrorCode::TooManyElements, n as u64))?;
    format::write_header(dst, transform, count);
    let mut pos = HEADER_LEN;
    let mut prev = 0u32;
    let mut block = Block::zeroed();

    let (full, tail) = src.as_chunks::<BLOCK_BYTES>();
    for input in full {
        let or = kernel::transform_block(transform, input, &mut prev, &mut block);
        pos = put_block(dst, pos, bit_width(or), &block)?;
    }
    if !tail.is_empty() {
        let mut padded = [0u8; BLOCK_BYTES];
        padded[..tail.len()].copy_from_slice(tail);
        kernel::transform_block(transform, &padded, &mut prev, &mut block);
        // The padding is zero *after* the transform (a delta of the zeros would not be).
        block.0[tail.len() / 4..].fill(0);
        pos = put_block(dst, pos, bit_width(kernel::or_block(&block)), &block)?;
    }
    Ok(pos)
}

/// Writes `[b][packed values]` at `pos`; returns the position after it.
pub(crate) fn put_block(dst: &mut [u8], pos: usize, b: u8, block: &Block) -> Result<usize> {
    let end = pos + 1 + format::payload_len(b);
    let out = dst.get_mut(pos..end).ok_or(CodecError::with_value(ErrorCode::OutputTooSmall, end as u64))?;
    out[0] = b;
    kernel::pack_block(b, block, &mut out[1..]);
    Ok(end)
}
