//! Native (x86_64) decode throughput of the same BP-128 code the wasm module runs, for
//! `bench/codec/run.ts`, which writes the input files and builds this binary with
//! `cargo build --release --no-default-features --features bench-native --bin bench_native`.
//!
//! Input file layout (little-endian): `b"RABC"`, u32 element size, u32 chunk count, then per chunk
//! `[u32 length][encoded chunk]`. Output: one JSON object per file on stdout:
//! `{"file":…,"values":…,"seconds":…,"values_per_sec":…,"gb_per_sec":…,"checksum":…}` where the
//! checksum is the wrapping sum of all decoded u32 words (JS computes the same to cross-check).
//! Timing: best of 100 trials, each repeating the whole file until at least 5 ms have passed (as
//! bench/codec/suite.ts does for the JS runtimes).

use std::hint::black_box;
use std::time::{Duration, Instant};

use ragged_atlas_codec::bitpack::{self, ElementSize};

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn parse(bytes: &[u8]) -> Option<(ElementSize, Vec<&[u8]>)> {
    if bytes.get(..4)? != b"RABC" {
        return None;
    }
    let elem = ElementSize::from_bytes(u32_at(bytes, 4)?).ok()?;
    let count = u32_at(bytes, 8)? as usize;
    let mut pos = 12;
    let mut chunks = Vec::with_capacity(count);
    for _ in 0..count {
        let len = u32_at(bytes, pos)? as usize;
        chunks.push(bytes.get(pos + 4..pos + 4 + len)?);
        pos += 4 + len;
    }
    Some((elem, chunks))
}

fn main() {
    for path in std::env::args().skip(1) {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (elem, chunks) = parse(&bytes).unwrap_or_else(|| panic!("{path}: not a RABC chunk file"));
        let sizes: Vec<usize> = chunks.iter().map(|c| bitpack::decoded_len(c, elem).expect("valid chunk")).collect();
        let mut out = vec![0u8; sizes.iter().copied().max().unwrap_or(0)];
        let total_bytes: usize = sizes.iter().sum();

        let mut checksum = 0u32;
        for c in &chunks {
            let n = bitpack::decode_into(c, elem, &mut out).expect("valid chunk");
            for w in out[..n].chunks_exact(4) {
                checksum = checksum.wrapping_add(u32::from_le_bytes([w[0], w[1], w[2], w[3]]));
            }
        }

        let mut best = f64::INFINITY;
        for _ in 0..100 {
            let start = Instant::now();
            let mut reps = 0u32;
            while start.elapsed() < Duration::from_millis(5) {
                for c in &chunks {
                    black_box(bitpack::decode_into(black_box(c), elem, &mut out).expect("valid chunk"));
                }
                reps += 1;
            }
            best = best.min(start.elapsed().as_secs_f64() / reps as f64);
        }
        let values = total_bytes / elem.bytes();
        println!(
            "{{\"file\":\"{path}\",\"values\":{values},\"seconds\":{best},\"values_per_sec\":{},\"gb_per_sec\":{},\"checksum\":{checksum}}}",
            values as f64 / best,
            total_bytes as f64 / best / 1e9
        );
    }
}
