//! SIMD128 BP-128 block kernels (`core::arch::wasm32`), compiled when the target has `simd128`.
//!
//! The format was designed for 4-lane SIMD: row `j` of a block (values `4j .. 4j+3`) is one v128,
//! and lane `l` of payload word `w` is lane `l` of the v128 at payload byte `16·w`. Unpacking row `r`
//! at width `b` is therefore two loads, two shifts, an OR and an AND, all lanes at once:
//!
//! ```text
//! bit = r·b, w = bit / 32, s = bit % 32
//! row = (load(16·w) >> s | load(16·(w+1)) << (32 - s)) & (2^b - 1)     second load only if s + b > 32
//! ```
//!
//! The inverse transforms are fused into the unpack (the decoded row is prefix-summed in registers
//! before it is stored) and the forward transforms into a pass that also ORs the block together for
//! its width. Same API as `scalar.rs`, and the same bytes out: the tests compare both.
//!
//! Safety: all loads and stores are `v128_load`/`v128_store` (alignment 1) through pointers derived
//! from slices whose lengths are checked or fixed by their types; each `unsafe` block says why.

use core::arch::wasm32::*;

use super::format::{Transform, BLOCK_BYTES};
use super::{low_mask, Block};

/// Unaligned 16-byte load of payload word row `word` (the 4 lanes' word `word`).
///
/// # Safety
/// `p + 16·word + 16` must be within the allocation `p` points into.
#[inline(always)]
unsafe fn load(p: *const u8, word: usize) -> v128 {
    v128_load(p.add(16 * word) as *const v128)
}

/// # Safety
/// `p + 16·word + 16` must be within the allocation `p` points into.
#[inline(always)]
unsafe fn store(p: *mut u8, word: usize, v: v128) {
    v128_store(p.add(16 * word) as *mut v128, v)
}

#[inline(always)]
fn zigzag32x4(d: v128) -> v128 {
    v128_xor(i32x4_shl(d, 1), i32x4_shr(d, 31))
}

#[inline(always)]
fn unzigzag32x4(u: v128) -> v128 {
    v128_xor(u32x4_shr(u, 1), i32x4_neg(v128_and(u, u32x4_splat(1))))
}

#[inline(always)]
fn zigzag64x2(d: v128) -> v128 {
    v128_xor(i64x2_shl(d, 1), i64x2_shr(d, 63))
}

#[inline(always)]
fn unzigzag64x2(u: v128) -> v128 {
    v128_xor(u64x2_shr(u, 1), i64x2_neg(v128_and(u, u64x2_splat(1))))
}

#[inline(always)]
fn or_lanes(v: v128) -> u32 {
    u32x4_extract_lane::<0>(v) | u32x4_extract_lane::<1>(v) | u32x4_extract_lane::<2>(v) | u32x4_extract_lane::<3>(v)
}

/// Inclusive prefix sum of one row plus the running carry (every lane of `carry` holds the last
/// decoded value); two shift-and-add steps, then the carry add and a broadcast of lane 3.
#[inline(always)]
fn undo_row<const T: u8>(v: v128, carry: &mut v128) -> v128 {
    if T == 0 {
        return v;
    }
    let v = if T == 2 { unzigzag32x4(v) } else { v };
    let z = u32x4_splat(0);
    let x = i32x4_add(v, i32x4_shuffle::<0, 4, 5, 6>(z, v)); // [v0, v0+v1, v1+v2, v2+v3]
    let x = i32x4_add(x, i32x4_shuffle::<0, 1, 4, 5>(z, x)); // full prefix
    let x = i32x4_add(x, *carry);
    *carry = i32x4_shuffle::<3, 3, 3, 3>(x, x);
    x
}

/// Same contract as `scalar::unpack_block`. `none` and `delta` (the transforms homeobox's built-in
/// arrays use) are fused into the unrolled unpack; `delta_zigzag` unpacks and then runs a separate
/// SIMD pass over the 512 bytes, which keeps the module 33 unrolled functions smaller.
pub fn unpack_block(b: u8, payload: &[u8], transform: Transform, carry: &mut u32, out: &mut [u8; BLOCK_BYTES]) {
    match transform {
        Transform::None => by_width!(b, unpack_fixed::<0>, (payload, carry, out)),
        Transform::Delta => by_width!(b, unpack_fixed::<1>, (payload, carry, out)),
        Transform::DeltaZigzag => {
            by_width!(b, unpack_fixed::<0>, (payload, carry, out));
            undo_pass::<2>(carry, out);
        }
    }
}

fn undo_pass<const T: u8>(carry: &mut u32, out: &mut [u8; BLOCK_BYTES]) {
    let o = out.as_mut_ptr();
    let mut c = u32x4_splat(*carry);
    for r in 0..32 {
        // SAFETY: r < 32 rows of 16 bytes = out's 512 bytes.
        unsafe { store(o, r, undo_row::<T>(load(o, r), &mut c)) };
    }
    *carry = u32x4_extract_lane::<3>(c);
}

// Not inlined: one function per width (and transform) keeps each small. Inlined into the width
// dispatch, the 33 unrolled variants make one function too big for JavaScriptCore's optimising wasm
// tier (its `maximumOMGCandidateCost`), and Safari's engine then runs it in its baseline tier, where
// SIMD code was slower than the scalar build (measured in WebKitGTK; V8 is unaffected either way).
#[inline(never)]
fn unpack_fixed<const B: usize, const T: u8>(payload: &[u8], carry: &mut u32, out: &mut [u8; BLOCK_BYTES]) {
    if payload.len() < 16 * B {
        return;
    }
    let p = payload.as_ptr();
    let o = out.as_mut_ptr();
    let mask = u32x4_splat(low_mask(B));
    let mut c = u32x4_splat(*carry);
    unroll32!(r => {
        let row = if B == 0 {
            u32x4_splat(0)
        } else {
            let bit = r * B;
            let (w, s) = (bit / 32, (bit % 32) as u32);
            // SAFETY: w ≤ (32·B − 1) / 32 < B, so bytes 16·w .. 16·w+16 are inside payload[..16·B].
            let mut v = u32x4_shr(unsafe { load(p, w) }, s);
            if s as usize + B > 32 {
                // SAFETY: the value ends in word w + 1, and the last bit of the block is in word B − 1.
                v = v128_or(v, u32x4_shl(unsafe { load(p, w + 1) }, 32 - s));
            }
            if s as usize + B != 32 {
                v = v128_and(v, mask);
            }
            v
        };
        // SAFETY: r < 32, so bytes 16·r .. 16·r+16 are inside out (512 bytes).
        unsafe { store(o, r, undo_row::<T>(row, &mut c)) };
    });
    *carry = u32x4_extract_lane::<3>(c);
}

/// Same contract as `scalar::pack_block`.
pub fn pack_block(b: u8, values: &Block, out: &mut [u8]) {
    by_width!(b, pack_fixed, (values, out))
}

// The carry computed after row 31 is always empty (the block ends on a word boundary).
#[allow(unused_assignments)]
#[inline(never)] // one small function per width: see `unpack_fixed`
fn pack_fixed<const B: usize>(values: &Block, out: &mut [u8]) {
    if B == 0 || out.len() < 16 * B {
        return;
    }
    let src = values.0.as_ptr() as *const u8;
    let o = out.as_mut_ptr();
    let mut acc = u32x4_splat(0);
    unroll32!(r => {
        let bit = r * B;
        let (w, s) = (bit / 32, (bit % 32) as u32);
        // SAFETY: r < 32 rows of 16 bytes = the 512-byte block.
        let x = unsafe { load(src, r) };
        acc = v128_or(acc, u32x4_shl(x, s));
        if s as usize + B >= 32 {
            // SAFETY: w < B and out holds 16·B bytes.
            unsafe { store(o, w, acc) };
            acc = if s as usize + B > 32 { u32x4_shr(x, 32 - s) } else { u32x4_splat(0) };
        }
    });
}

/// Forward transform of one full block of u32 (LE bytes); returns the OR of the transformed values.
pub fn transform_block(transform: Transform, input: &[u8; BLOCK_BYTES], prev: &mut u32, out: &mut Block) -> u32 {
    match transform {
        Transform::None => forward_u32::<0>(input, prev, out),
        Transform::Delta => forward_u32::<1>(input, prev, out),
        Transform::DeltaZigzag => forward_u32::<2>(input, prev, out),
    }
}

#[inline(always)]
fn forward_u32<const T: u8>(input: &[u8; BLOCK_BYTES], prev: &mut u32, out: &mut Block) -> u32 {
    let i = input.as_ptr();
    let o = out.0.as_mut_ptr() as *mut u8;
    let mut p = u32x4_splat(*prev);
    let mut or = u32x4_splat(0);
    for r in 0..32 {
        // SAFETY: r < 32 rows of 16 bytes, input and out are both 512 bytes.
        let v = unsafe { load(i, r) };
        let t = if T == 0 {
            v
        } else {
            let d = i32x4_sub(v, i32x4_shuffle::<3, 4, 5, 6>(p, v)); // v[i] - v[i-1]
            if T == 2 {
                zigzag32x4(d)
            } else {
                d
            }
        };
        p = v;
        or = v128_or(or, t);
        unsafe { store(o, r, t) };
    }
    *prev = u32x4_extract_lane::<3>(p);
    or_lanes(or)
}

/// OR of all values of a block.
pub fn or_block(values: &Block) -> u32 {
    let src = values.0.as_ptr() as *const u8;
    let mut or = u32x4_splat(0);
    for r in 0..32 {
        // SAFETY: r < 32 rows of the 512-byte block.
        or = v128_or(or, unsafe { load(src, r) });
    }
    or_lanes(or)
}

/// Forward transform of one full block of u64 (LE bytes) in u64 arithmetic, split into low and
/// high halves (`[t0,t1] [t2,t3]` → lo `[t0.lo..t3.lo]`, hi `[t0.hi..t3.hi]`). Returns their ORs.
pub fn transform_block_u64(
    transform: Transform,
    input: &[u8; 2 * BLOCK_BYTES],
    prev: &mut u64,
    lo: &mut Block,
    hi: &mut Block,
) -> (u32, u32) {
    match transform {
        Transform::None => forward_u64::<0>(input, prev, lo, hi),
        Transform::Delta => forward_u64::<1>(input, prev, lo, hi),
        Transform::DeltaZigzag => forward_u64::<2>(input, prev, lo, hi),
    }
}

#[inline(always)]
fn forward_u64<const T: u8>(input: &[u8; 2 * BLOCK_BYTES], prev: &mut u64, lo: &mut Block, hi: &mut Block) -> (u32, u32) {
    let i = input.as_ptr();
    let (ol, oh) = (lo.0.as_mut_ptr() as *mut u8, hi.0.as_mut_ptr() as *mut u8);
    let mut p = u64x2_splat(*prev);
    let (mut or_lo, mut or_hi) = (u32x4_splat(0), u32x4_splat(0));
    for r in 0..32 {
        // SAFETY: 2r + 1 < 64 rows of 16 bytes = the 1024-byte input.
        let (a, b) = unsafe { (load(i, 2 * r), load(i, 2 * r + 1)) };
        let (ta, tb) = if T == 0 {
            (a, b)
        } else {
            let da = i64x2_sub(a, i64x2_shuffle::<1, 2>(p, a));
            let db = i64x2_sub(b, i64x2_shuffle::<1, 2>(a, b));
            if T == 2 {
                (zigzag64x2(da), zigzag64x2(db))
            } else {
                (da, db)
            }
        };
        p = b;
        let l = i32x4_shuffle::<0, 2, 4, 6>(ta, tb);
        let h = i32x4_shuffle::<1, 3, 5, 7>(ta, tb);
        or_lo = v128_or(or_lo, l);
        or_hi = v128_or(or_hi, h);
        // SAFETY: r < 32 rows of the 512-byte blocks.
        unsafe {
            store(ol, r, l);
            store(oh, r, h);
        }
    }
    *prev = u64x2_extract_lane::<1>(p);
    (or_lanes(or_lo), or_lanes(or_hi))
}

/// Joins unpacked low and high halves into u64 (LE bytes) and undoes the transform in u64.
pub fn combine_block_u64(
    transform: Transform,
    lo: &[u8; BLOCK_BYTES],
    hi: &[u8; BLOCK_BYTES],
    carry: &mut u64,
    out: &mut [u8; 2 * BLOCK_BYTES],
) {
    match transform {
        Transform::None => inverse_u64::<0>(lo, hi, carry, out),
        Transform::Delta => inverse_u64::<1>(lo, hi, carry, out),
        Transform::DeltaZigzag => inverse_u64::<2>(lo, hi, carry, out),
    }
}

#[inline(always)]
fn undo_pair<const T: u8>(v: v128, carry: &mut v128) -> v128 {
    let v = if T == 2 { unzigzag64x2(v) } else { v };
    let x = i64x2_add(v, i64x2_shuffle::<0, 2>(u64x2_splat(0), v)); // [v0, v0+v1]
    let x = i64x2_add(x, *carry);
    *carry = i64x2_shuffle::<1, 1>(x, x);
    x
}

#[inline(always)]
fn inverse_u64<const T: u8>(lo: &[u8; BLOCK_BYTES], hi: &[u8; BLOCK_BYTES], carry: &mut u64, out: &mut [u8; 2 * BLOCK_BYTES]) {
    let (pl, ph, o) = (lo.as_ptr(), hi.as_ptr(), out.as_mut_ptr());
    let mut c = u64x2_splat(*carry);
    for r in 0..32 {
        // SAFETY: r < 32 rows of the 512-byte halves; 2r + 1 < 64 rows of the 1024-byte output.
        let (l, h) = unsafe { (load(pl, r), load(ph, r)) };
        let mut a = i32x4_shuffle::<0, 4, 1, 5>(l, h); // values 4r, 4r+1
        let mut b = i32x4_shuffle::<2, 6, 3, 7>(l, h); // values 4r+2, 4r+3
        if T != 0 {
            a = undo_pair::<T>(a, &mut c);
            b = undo_pair::<T>(b, &mut c);
        }
        unsafe {
            store(o, 2 * r, a);
            store(o, 2 * r + 1, b);
        }
    }
    if T != 0 {
        *carry = u64x2_extract_lane::<1>(c);
    }
}
