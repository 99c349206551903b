//! Scalar BP-128 block kernels: the fallback for engines without SIMD128, and the native build.
//!
//! A block is 128 values seen as 32 rows of 4 lanes (value `i` is lane `i & 3`, row `i >> 2`).
//! Each lane is its own LSB-first bit stream of 32 values × b bits = b words, and lane `l`'s word
//! `w` sits at payload byte `16·w + 4·l` (spec §4.3). Example, b = 6: row 5 starts at bit 30 of
//! word 0 of each lane and straddles into word 1:
//!
//! ```text
//! value(row 5, lane l) = ((W[0·4+l] >> 30) | (W[1·4+l] << 2)) & 0x3f
//! ```
//!
//! The code keeps the 4 lanes together as `[u32; 4]` rows, the SIMD kernel's shape (so the two are
//! easy to compare, and LLVM vectorises it on x86_64). The width is a const generic: each of the 33
//! widths is a fully unrolled straight-line function with constant shifts.
//!
//! Safety: loads and stores go through raw pointers derived from slices whose lengths are checked
//! on entry or fixed by their types; each `unsafe` block says why it stays in bounds.

use super::format::{Transform, BLOCK_BYTES};
use super::transform::unzigzag32;
use super::{low_mask, Block};

pub use super::transform::{forward_block_u64 as transform_block_u64, inverse_block_u64 as combine_block_u64};

type Row = [u32; 4];

/// Row `word` of a payload: the 4 lanes' word `word`, from bytes `16·word .. 16·word + 16`.
///
/// # Safety
/// `p + 16·word + 16` must be within the allocation `p` points into.
#[inline(always)]
unsafe fn load_row(p: *const u8, word: usize) -> Row {
    let q = unsafe { p.add(16 * word) } as *const u32;
    // SAFETY: in bounds per the contract; read_unaligned has no alignment requirement.
    unsafe { [0, 1, 2, 3].map(|l| u32::from_le(q.add(l).read_unaligned())) }
}

/// # Safety
/// `p + 16·word + 16` must be within the allocation `p` points into.
#[inline(always)]
unsafe fn store_row(p: *mut u8, word: usize, row: Row) {
    let q = unsafe { p.add(16 * word) } as *mut u32;
    for (l, v) in row.into_iter().enumerate() {
        // SAFETY: in bounds per the contract.
        unsafe { q.add(l).write_unaligned(v.to_le()) };
    }
}

#[inline(always)]
fn map(row: Row, f: impl Fn(u32) -> u32) -> Row {
    [f(row[0]), f(row[1]), f(row[2]), f(row[3])]
}

/// Unpacks one block of width `b` from `payload` (16·b bytes) into 128 little-endian u32 in `out`,
/// undoing `transform`; `carry` is the last value of the previous block and is updated.
///
/// Unlike the SIMD kernel, the inverse transform is a second pass over the 512 output bytes (still
/// in L1): a prefix sum is sequential in scalar code anyway, and not multiplying the 33 unrolled
/// widths by 3 transforms keeps this fallback module small.
pub fn unpack_block(b: u8, payload: &[u8], transform: Transform, carry: &mut u32, out: &mut [u8; BLOCK_BYTES]) {
    by_width!(b, unpack_fixed, (payload, out));
    match transform {
        Transform::None => {}
        Transform::Delta => undo_pass::<1>(carry, out),
        Transform::DeltaZigzag => undo_pass::<2>(carry, out),
    }
}

fn undo_pass<const T: u8>(carry: &mut u32, out: &mut [u8; BLOCK_BYTES]) {
    let mut c = *carry;
    for word in out.as_chunks_mut::<4>().0 {
        let t = u32::from_le_bytes(*word);
        c = c.wrapping_add(if T == 2 { unzigzag32(t) } else { t });
        *word = c.to_le_bytes();
    }
    *carry = c;
}

#[inline(never)] // one small function per width: see `simd128::unpack_fixed`
fn unpack_fixed<const B: usize>(payload: &[u8], out: &mut [u8; BLOCK_BYTES]) {
    if payload.len() < 16 * B {
        return; // callers pass exactly 16·B bytes
    }
    let (p, o) = (payload.as_ptr(), out.as_mut_ptr());
    unroll32!(r => {
        let row = if B == 0 {
            [0; 4]
        } else {
            let bit = r * B;
            let (w, s) = (bit / 32, (bit % 32) as u32);
            // SAFETY: w ≤ (32·B − 1) / 32 < B, so the row is inside payload[..16·B].
            let mut v = map(unsafe { load_row(p, w) }, |x| x >> s);
            if s as usize + B > 32 {
                // The value straddles two words; its high bits start word w + 1, which is < B
                // because the block's last bit is in word B − 1.
                let hi = unsafe { load_row(p, w + 1) };
                for l in 0..4 {
                    v[l] |= hi[l] << (32 - s);
                }
            }
            if s as usize + B != 32 {
                v = map(v, |x| x & low_mask(B));
            }
            v
        };
        // SAFETY: r < 32 rows of 16 bytes = out's 512 bytes.
        unsafe { store_row(o, r, row) };
    });
}

/// Packs 128 values, each below 2^b, at width `b` into `out` (16·b bytes).
pub fn pack_block(b: u8, values: &Block, out: &mut [u8]) {
    by_width!(b, pack_fixed, (values, out))
}

// The carry computed after row 31 is always empty (the block ends on a word boundary).
#[allow(unused_assignments)]
#[inline(never)] // one small function per width: see `simd128::unpack_fixed`
fn pack_fixed<const B: usize>(values: &Block, out: &mut [u8]) {
    if B == 0 || out.len() < 16 * B {
        return;
    }
    let (src, o) = (values.0.as_ptr() as *const u8, out.as_mut_ptr());
    let mut acc: Row = [0; 4];
    unroll32!(r => {
        let bit = r * B;
        let (w, s) = (bit / 32, (bit % 32) as u32);
        // SAFETY: r < 32 rows of the 512-byte block.
        let x = unsafe { load_row(src, r) };
        for l in 0..4 {
            acc[l] |= x[l] << s;
        }
        if s as usize + B >= 32 {
            // SAFETY: w < B and out holds at least 16·B bytes (checked above).
            unsafe { store_row(o, w, acc) };
            acc = if s as usize + B > 32 { map(x, |v| v >> (32 - s)) } else { [0; 4] };
        }
    });
}

/// Forward transform of one full block; returns the OR of the transformed values.
pub fn transform_block(transform: Transform, input: &[u8; BLOCK_BYTES], prev: &mut u32, out: &mut Block) -> u32 {
    super::transform::forward_block_u32(transform, input, prev, out)
}

/// OR of all values of a block (its width is the bit length of this).
pub fn or_block(values: &Block) -> u32 {
    values.0.iter().fold(0, |a, &v| a | v)
}
