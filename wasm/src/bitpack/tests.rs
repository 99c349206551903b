//! Native tests: the spec's test vectors, a bit-by-bit reference of the block layout, round trips
//! over every width and transform, and corrupted inputs. Run with `cargo test` (host toolchain).

use super::format::{Transform, BLOCK_LEN};
use super::transform::reference;
use super::*;
use crate::error::ErrorCode;

const VECTORS: &str = "/work/shared/data/bp128/homeobox_bp128_vectors.jsonl";

/// xorshift64*: deterministic, no crates.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn le32(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
fn le64(v: &[u64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The spec §4.3 formula, one bit at a time: the independent oracle for the kernels.
fn reference_pack(values: &[u32; BLOCK_LEN], b: usize) -> Vec<u8> {
    let mut words = vec![0u32; 4 * b];
    for (i, &v) in values.iter().enumerate() {
        let (lane, row) = (i & 3, i >> 2);
        for bit in 0..b {
            if v >> bit & 1 == 1 {
                let at = row * b + bit;
                words[4 * (at / 32) + lane] |= 1 << (at % 32);
            }
        }
    }
    le32(&words)
}

#[test]
fn kernels_match_the_bitwise_reference_for_every_width() {
    let mut rng = Rng(7);
    for b in 0..=32usize {
        let mut values = [0u32; BLOCK_LEN];
        for v in values.iter_mut() {
            *v = if b == 0 { 0 } else { (rng.next() as u32) >> (32 - b) };
        }
        let expected = reference_pack(&values, b);
        let mut packed = vec![0u8; 16 * b];
        kernel::pack_block(b as u8, &Block(values), &mut packed);
        assert_eq!(packed, expected, "pack, width {b}");
        let mut out = [0u8; 512];
        kernel::unpack_block(b as u8, &packed, Transform::None, &mut 0, &mut out);
        assert_eq!(out.to_vec(), le32(&values), "unpack, width {b}");
    }
}

#[test]
fn u32_round_trips_all_transforms_and_tails() {
    let mut rng = Rng(11);
    for len in [0usize, 1, 2, 127, 128, 129, 255, 256, 1000, 40_960, 40_961] {
        for bits in [0u32, 1, 5, 17, 31, 32] {
            let v: Vec<u32> = (0..len).map(|_| if bits == 0 { 0 } else { (rng.next() as u32) >> (32 - bits) }).collect();
            for t in [Transform::None, Transform::Delta, Transform::DeltaZigzag] {
                let enc = encode(&le32(&v), ElementSize::U32, t).unwrap();
                assert_eq!(decode(&enc, ElementSize::U32).unwrap(), le32(&v), "len {len} bits {bits} {t:?}");
                // Width byte of block 0 = bit length of the OR of the transformed values.
                if len > 0 {
                    let tv = reference::forward_u32(t, &v[..len.min(128)]);
                    let or = tv.iter().fold(0, |a, &x| a | x);
                    assert_eq!(enc[5], format::bit_width(or));
                }
            }
        }
    }
}

#[test]
fn u64_round_trips() {
    let mut rng = Rng(13);
    for len in [0usize, 1, 127, 128, 129, 1000, 5000] {
        for shift in [0u32, 20, 33, 63] {
            let v: Vec<u64> = (0..len).map(|_| rng.next() >> shift).collect();
            for t in [Transform::None, Transform::Delta, Transform::DeltaZigzag] {
                let enc = encode(&le64(&v), ElementSize::U64, t).unwrap();
                assert_eq!(decode(&enc, ElementSize::U64).unwrap(), le64(&v), "len {len} shift {shift} {t:?}");
            }
        }
    }
}

#[test]
fn spec_examples() {
    let enc = encode(&le32(&[42]), ElementSize::U32, Transform::None).unwrap();
    assert_eq!(enc.len(), 102);
    assert_eq!(&enc[..10], &[0, 1, 0, 0, 0, 6, 0x2a, 0, 0, 0]);
    let v = [0u32, 1, 2, 3, 100, 0, 1, 2, 50, 0, 5, 10];
    let enc = encode(&le32(&v), ElementSize::U32, Transform::Delta).unwrap();
    assert_eq!(&enc[..6], &[1, 12, 0, 0, 0, 32]);
    assert_eq!(&enc[26..30], &[0x9c, 0xff, 0xff, 0xff]);
    let enc = encode(&le32(&v), ElementSize::U32, Transform::DeltaZigzag).unwrap();
    assert_eq!(&enc[..10], &[2, 12, 0, 0, 0, 8, 0x00, 0xc2, 0x60, 0x00]);
}

#[test]
fn header_transform_is_authoritative_and_errors_carry_details() {
    let v: Vec<u32> = (0..300).collect();
    let mut enc = encode(&le32(&v), ElementSize::U32, Transform::Delta).unwrap();
    // Trailing bytes are ignored.
    enc.extend([0xAA; 7]);
    assert_eq!(decode(&enc, ElementSize::U32).unwrap(), le32(&v));
    // Width 40 in block 1.
    let block1 = 5 + 1 + 16 * enc[5] as usize;
    let mut bad = enc.clone();
    bad[block1] = 40;
    let e = decode(&bad, ElementSize::U32).unwrap_err();
    assert_eq!((e.code, e.block, e.offset as usize, e.value), (ErrorCode::BitWidthTooLarge, 1, block1, 40));
    let e = decode(&enc[..block1 + 3], ElementSize::U32).unwrap_err();
    assert_eq!((e.code, e.block), (ErrorCode::TruncatedBlock, 1));
    bad = enc.clone();
    bad[0] = 9;
    assert_eq!(decode(&bad, ElementSize::U32).unwrap_err().code, ErrorCode::UnknownTransform);
    let mut small = [0u8; 16];
    assert_eq!(decode_into(&enc, ElementSize::U32, &mut small).unwrap_err().code, ErrorCode::OutputTooSmall);
    assert_eq!(encode(&[1, 2, 3], ElementSize::U32, Transform::None).unwrap_err().code, ErrorCode::InputNotMultiple);
}

#[test]
fn random_corruption_never_panics() {
    let mut rng = Rng(17);
    let v: Vec<u32> = (0..1000).map(|_| rng.below(5000) as u32).collect();
    let good = encode(&le32(&v), ElementSize::U32, Transform::DeltaZigzag).unwrap();
    let good64 = encode(&le64(&v.iter().map(|&x| (x as u64) << 20).collect::<Vec<_>>()), ElementSize::U64, Transform::Delta).unwrap();
    for src in [&good, &good64] {
        for _ in 0..5000 {
            let mut m = src.clone();
            match rng.below(3) {
                0 => m.truncate(rng.below(m.len() as u64) as usize),
                _ => {
                    for _ in 0..1 + rng.below(4) {
                        let i = rng.below(m.len() as u64) as usize;
                        m[i] = rng.next() as u8;
                    }
                }
            }
            for elem in [ElementSize::U32, ElementSize::U64] {
                let mut out = vec![0u8; 64 * 1024];
                let _ = decode_into(&m, elem, &mut out);
            }
        }
    }
}

/// Minimal reader for the JSON-lines vectors (no serde: the crate has no dependencies).
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    let at = line.find(&format!("\"{key}\":")).unwrap() + key.len() + 3;
    let rest = &line[at..];
    if let Some(s) = rest.strip_prefix('"') {
        &s[..s.find('"').unwrap()]
    } else {
        &rest[1..rest.find(']').unwrap()]
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn homeobox_vectors_decode_and_reencode_identically() {
    let Ok(text) = std::fs::read_to_string(VECTORS) else {
        eprintln!("skipping: {VECTORS} not found");
        return;
    };
    let mut seen = 0;
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (kind, name, t) = (field(line, "kind"), field(line, "name"), field(line, "transform"));
        let t = match t {
            "none" => Transform::None,
            "delta" => Transform::Delta,
            _ => Transform::DeltaZigzag,
        };
        let values: Vec<u64> = field(line, "values").split(',').filter(|s| !s.is_empty()).map(|s| s.trim().parse().unwrap()).collect();
        let encoded = hex(field(line, "encoded"));
        let (elem, raw) = if kind == "u64" {
            (ElementSize::U64, le64(&values))
        } else {
            (ElementSize::U32, le32(&values.iter().map(|&v| v as u32).collect::<Vec<_>>()))
        };
        assert_eq!(decode(&encoded, elem).unwrap(), raw, "decode {kind} {name} {t:?}");
        assert_eq!(encode(&raw, elem, t).unwrap(), encoded, "encode {kind} {name} {t:?}");
        seen += 1;
    }
    assert_eq!(seen, 144);
}
