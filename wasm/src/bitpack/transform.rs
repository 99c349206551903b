//! The chunk-global transforms (spec §4.4), scalar versions.
//!
//! All arithmetic wraps (mod 2^32 or mod 2^64) and the value before element 0 is 0; blocks do not
//! reset. For `[5, 3, 3]`:
//!
//! ```text
//! none          5 3 3
//! delta         5 (3-5 = 0xfffffffe) 0
//! delta_zigzag  zz(5)=10, zz(-2)=3, zz(0)=0     where zz(x) = (x << 1) ^ (x >> 31), arithmetic shift
//! ```
//!
//! Decoding is a wrapping prefix sum (after `unzz(u) = (u >> 1) ^ -(u & 1)` for zigzag). These
//! functions are the scalar kernel's transforms and the reference the SIMD ones are tested against.

use super::format::{Transform, BLOCK_LEN};
use super::Block;

#[inline(always)]
pub fn zigzag32(x: u32) -> u32 {
    (x << 1) ^ ((x as i32 >> 31) as u32)
}

#[inline(always)]
pub fn unzigzag32(u: u32) -> u32 {
    (u >> 1) ^ (u & 1).wrapping_neg()
}

#[inline(always)]
pub fn zigzag64(x: u64) -> u64 {
    (x << 1) ^ ((x as i64 >> 63) as u64)
}

#[inline(always)]
pub fn unzigzag64(u: u64) -> u64 {
    (u >> 1) ^ (u & 1).wrapping_neg()
}

#[inline(always)]
fn read_u32(bytes: &[u8; 512], i: usize) -> u32 {
    let o = 4 * i;
    u32::from_le_bytes([bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]])
}

#[inline(always)]
fn read_u64(bytes: &[u8; 1024], i: usize) -> u64 {
    let o = 8 * i;
    let mut w = [0u8; 8];
    w.copy_from_slice(&bytes[o..o + 8]);
    u64::from_le_bytes(w)
}

/// Forward transform of one full block of u32 (LE bytes) into `out`. `prev` is the value before the
/// block and becomes its last value. Returns the OR of the transformed values (the block width's source).
pub fn forward_block_u32(transform: Transform, input: &[u8; 512], prev: &mut u32, out: &mut Block) -> u32 {
    let mut or = 0u32;
    let mut p = *prev;
    for (i, t) in out.0.iter_mut().enumerate() {
        let v = read_u32(input, i);
        *t = match transform {
            Transform::None => v,
            Transform::Delta => v.wrapping_sub(p),
            Transform::DeltaZigzag => zigzag32(v.wrapping_sub(p)),
        };
        p = v;
        or |= *t;
    }
    *prev = p;
    or
}

/// Forward transform of one full block of u64 (LE bytes), split into its low and high u32 halves.
/// Returns the ORs of the low and high halves.
pub fn forward_block_u64(
    transform: Transform,
    input: &[u8; 1024],
    prev: &mut u64,
    lo: &mut Block,
    hi: &mut Block,
) -> (u32, u32) {
    let (mut or_lo, mut or_hi) = (0u32, 0u32);
    let mut p = *prev;
    for i in 0..BLOCK_LEN {
        let v = read_u64(input, i);
        let t = match transform {
            Transform::None => v,
            Transform::Delta => v.wrapping_sub(p),
            Transform::DeltaZigzag => zigzag64(v.wrapping_sub(p)),
        };
        p = v;
        lo.0[i] = t as u32;
        hi.0[i] = (t >> 32) as u32;
        or_lo |= t as u32;
        or_hi |= (t >> 32) as u32;
    }
    *prev = p;
    (or_lo, or_hi)
}

/// Joins one block of unpacked low and high halves into u64 and undoes the transform; `carry` is the
/// previous decoded value and becomes the last one.
pub fn inverse_block_u64(transform: Transform, lo: &[u8; 512], hi: &[u8; 512], carry: &mut u64, out: &mut [u8; 1024]) {
    let mut c = *carry;
    for i in 0..BLOCK_LEN {
        let t = read_u32(lo, i) as u64 | (read_u32(hi, i) as u64) << 32;
        c = match transform {
            Transform::None => t,
            Transform::Delta => c.wrapping_add(t),
            Transform::DeltaZigzag => c.wrapping_add(unzigzag64(t)),
        };
        out[8 * i..8 * i + 8].copy_from_slice(&c.to_le_bytes());
    }
    *carry = c;
}

/// Whole-array reference transforms (tests only): the spec's formulas applied element by element.
#[cfg(test)]
pub mod reference {
    use super::*;

    pub fn forward_u32(t: Transform, v: &[u32]) -> Vec<u32> {
        let mut prev = 0u32;
        v.iter()
            .map(|&x| {
                let d = x.wrapping_sub(prev);
                prev = x;
                match t {
                    Transform::None => x,
                    Transform::Delta => d,
                    Transform::DeltaZigzag => zigzag32(d),
                }
            })
            .collect()
    }

    pub fn inverse_u32(t: Transform, v: &[u32]) -> Vec<u32> {
        let mut acc = 0u32;
        v.iter()
            .map(|&u| {
                acc = match t {
                    Transform::None => u,
                    Transform::Delta => acc.wrapping_add(u),
                    Transform::DeltaZigzag => acc.wrapping_add(unzigzag32(u)),
                };
                acc
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_maps_small_signed_to_small_unsigned() {
        let cases: [(i32, u32); 5] = [(0, 0), (-1, 1), (1, 2), (-2, 3), (i32::MIN, u32::MAX)];
        for (x, z) in cases {
            assert_eq!(zigzag32(x as u32), z);
            assert_eq!(unzigzag32(z), x as u32);
        }
        for x in [0u64, 1, u64::MAX, 1 << 63, 12345678901234] {
            assert_eq!(unzigzag64(zigzag64(x)), x);
        }
    }

    #[test]
    fn reference_round_trip() {
        let v = [5u32, 3, 3, u32::MAX, 0];
        for t in [Transform::None, Transform::Delta, Transform::DeltaZigzag] {
            assert_eq!(reference::inverse_u32(t, &reference::forward_u32(t, &v)), v);
        }
        assert_eq!(reference::forward_u32(Transform::DeltaZigzag, &[5, 3, 3]), [10, 3, 0]);
    }
}
