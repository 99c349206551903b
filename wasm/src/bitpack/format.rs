//! The `homeobox.bitpacking` container: header, block framing and sizes (spec §4.2, §4.5, §4.6).
//!
//! ```text
//! offset 0   u8      transform      0 = none, 1 = delta, 2 = delta_zigzag (authoritative on decode)
//! offset 1   u32 LE  element_count  N
//! offset 5   ceil(N/128) blocks     [u8 b][16·b bytes]   (u64: all low-half blocks, then all high-half)
//! ```
//!
//! Worked example, `[42]` with transform none: `00 01000000 06 2a000000 00…00` (102 bytes): header
//! (5 bytes), one block of width 6 (`42 < 2^6`) whose 96-byte payload holds 42 in lane 0, word 0.
//! Nothing records the element width (4 or 8); it comes from the zarr codec configuration.
//! Bytes after the last block are ignored, as homeobox does.

use crate::error::{CodecError, ErrorCode, Result};

/// Values per block.
pub const BLOCK_LEN: usize = 128;
/// Bytes of one decoded u32 block.
pub const BLOCK_BYTES: usize = BLOCK_LEN * 4;
/// `[u8 transform][u32 LE element_count]`.
pub const HEADER_LEN: usize = 5;
/// Widest legal block: 32 bits is the identity layout.
pub const MAX_BIT_WIDTH: u8 = 32;

/// The chunk-global transform applied before blocking (spec §4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Transform {
    None = 0,
    Delta = 1,
    DeltaZigzag = 2,
}

impl Transform {
    pub fn from_byte(b: u8) -> Option<Transform> {
        match b {
            0 => Some(Transform::None),
            1 => Some(Transform::Delta),
            2 => Some(Transform::DeltaZigzag),
            _ => None,
        }
    }
}

/// Width of one element; not stored in the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementSize {
    U32 = 4,
    U64 = 8,
}

impl ElementSize {
    pub fn from_bytes(n: u32) -> Result<ElementSize> {
        match n {
            4 => Ok(ElementSize::U32),
            8 => Ok(ElementSize::U64),
            _ => Err(CodecError::with_value(ErrorCode::BadElementSize, n as u64)),
        }
    }

    pub fn bytes(self) -> usize {
        self as usize
    }

    /// Number of u32 block streams: one for u32, two (low, high) for u64.
    pub fn streams(self) -> usize {
        self as usize / 4
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub transform: Transform,
    pub count: usize,
}

pub fn read_header(src: &[u8]) -> Result<Header> {
    let Some(&[t, c0, c1, c2, c3]) = src.first_chunk::<HEADER_LEN>() else {
        return Err(CodecError::at(ErrorCode::TruncatedHeader, usize::MAX, 0, src.len() as u64, 0));
    };
    let transform =
        Transform::from_byte(t).ok_or(CodecError::at(ErrorCode::UnknownTransform, usize::MAX, 0, t as u64, 0))?;
    let count = u32::from_le_bytes([c0, c1, c2, c3]) as usize;
    Ok(Header { transform, count })
}

pub fn write_header(dst: &mut [u8], transform: Transform, count: u32) {
    dst[0] = transform as u8;
    dst[1..HEADER_LEN].copy_from_slice(&count.to_le_bytes());
}

pub fn block_count(n: usize) -> usize {
    n.div_ceil(BLOCK_LEN)
}

/// Payload bytes of a block of width `b`: 128 values × b bits.
pub fn payload_len(b: u8) -> usize {
    16 * b as usize
}

/// Decoded size in bytes, or `TooManyElements` if it does not fit the address space.
pub fn decoded_len(count: usize, elem: ElementSize) -> Result<usize> {
    count.checked_mul(elem.bytes()).ok_or(CodecError::with_value(ErrorCode::TooManyElements, count as u64))
}

/// Worst-case encoded size of `count` elements: every block at width 32.
pub fn max_encoded_len(count: usize, elem: ElementSize) -> Result<usize> {
    let too_many = CodecError::with_value(ErrorCode::TooManyElements, count as u64);
    if count > u32::MAX as usize {
        return Err(too_many);
    }
    let blocks = block_count(count).checked_mul(elem.streams()).ok_or(too_many)?;
    blocks.checked_mul(1 + payload_len(MAX_BIT_WIDTH)).and_then(|b| b.checked_add(HEADER_LEN)).ok_or(too_many)
}

/// Walks `blocks` block headers from `pos`, checking each width and that its payload is present.
/// Returns the position just after the last block. Nothing is decoded; this is the validation pass
/// that lets the decoders run without further checks and write no output for invalid input.
pub fn scan_blocks(src: &[u8], mut pos: usize, blocks: usize, stream: u32) -> Result<usize> {
    for k in 0..blocks {
        let Some(&b) = src.get(pos) else {
            return Err(CodecError::at(ErrorCode::TruncatedBlock, k, pos, 1, stream));
        };
        if b > MAX_BIT_WIDTH {
            return Err(CodecError::at(ErrorCode::BitWidthTooLarge, k, pos, b as u64, stream));
        }
        let end = pos + 1 + payload_len(b);
        if end > src.len() {
            return Err(CodecError::at(ErrorCode::TruncatedBlock, k, pos, (end - src.len()) as u64, stream));
        }
        pos = end;
    }
    Ok(pos)
}

/// Bit length of `v` (0 for 0): the block width homeobox writes for the OR of a block's values.
pub fn bit_width(v: u32) -> u8 {
    (32 - v.leading_zeros()) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_errors() {
        let mut h = [0u8; 5];
        write_header(&mut h, Transform::Delta, 0x01020304);
        assert_eq!(h, [1, 4, 3, 2, 1]);
        assert_eq!(read_header(&h).unwrap(), Header { transform: Transform::Delta, count: 0x01020304 });
        assert_eq!(read_header(&h[..4]).unwrap_err().code, ErrorCode::TruncatedHeader);
        assert_eq!(read_header(&[3, 0, 0, 0, 0]).unwrap_err().value, 3);
    }

    #[test]
    fn scan_reports_width_and_truncation() {
        // Two blocks: width 0 (no payload), then width 1 (16 bytes).
        let mut s = vec![0u8, 1];
        s.extend([0u8; 16]);
        assert_eq!(scan_blocks(&s, 0, 2, 0), Ok(18));
        let e = scan_blocks(&s[..17], 0, 2, 0).unwrap_err();
        assert_eq!((e.code, e.block, e.offset, e.value), (ErrorCode::TruncatedBlock, 1, 1, 1));
        let e = scan_blocks(&[0, 40], 0, 2, 1).unwrap_err();
        assert_eq!((e.code, e.block, e.value, e.stream), (ErrorCode::BitWidthTooLarge, 1, 40, 1));
    }

    #[test]
    fn sizes() {
        assert_eq!(max_encoded_len(0, ElementSize::U32), Ok(5));
        assert_eq!(max_encoded_len(129, ElementSize::U32), Ok(5 + 2 * 513));
        assert_eq!(max_encoded_len(129, ElementSize::U64), Ok(5 + 4 * 513));
        assert_eq!(bit_width(0), 0);
        assert_eq!(bit_width(42), 6);
        assert_eq!(bit_width(u32::MAX), 32);
    }
}

/// `b` low bits set (all 32 for b = 32): the value mask of a `b`-bit block, shared by both kernels.
#[inline(always)]
pub(crate) const fn low_mask(b: usize) -> u32 {
    if b >= 32 {
        u32::MAX
    } else {
        (1u32 << b) - 1
    }
}
