//! Lance 2.1/2.2 mini-block pages, whole, for the value encodings LanceDB writes for columns without
//! nulls: strings (`variable` with 32-bit offsets, usually under `fsst`), integers (`inline
//! bitpacking`, FastLanes layout), plain fixed-width values (`flat`) and the RLE indices of
//! low-cardinality dictionary columns.
//!
//! A 200,000-row obs page is ~800 chunks. The TypeScript decoder (`src/lance/structural/miniblock.ts`
//! and `src/lance/encodings/`) walks them one by one and concatenates the pieces; in a fresh page that
//! code still runs in V8's interpreter, and it is the first thing every query decodes. Here the
//! whole page is one call. The TypeScript decoder stays the reference, and the path for every other
//! layout (levels, dictionaries' own encodings, general compression, RLE, ...).
//!
//! Page (buffers 0 and 1 of a mini-block page without repetition or definition levels):
//! * `meta`: one word per chunk, u16 (u32 when the layout has large chunks):
//!   `bytes = ((w >> 4) + 1) * 8`, `items = 1 << (w & 15)`, the last chunk holding the rest.
//!   Example (u16): `0x031a` → 400 bytes, 1,024 items.
//! * `data`: the chunks back to back. A chunk is `u16 levels | one size per buffer (u16, or u32 with
//!   large chunks) | pad to 8 | buffer | pad to 8 | …`; no repetition or definition levels here.
//!
//! Value buffer of a chunk of `n` items:
//! * strings: `n + 1` u32 offsets from the buffer's start, then the bytes (under FSST, the codes).
//!   Example, `["ab", "", "c"]`: `10 00 00 00 | 12 00 00 00 | 12 00 00 00 | 13 00 00 00 | "abc"`.
//! * inline bit-packing of T-bit values (T = 8, 16, 32, 64): per 1,024 values one T-bit word
//!   holding the width W, then `1024 * W / T` words in FastLanes order (see [`unpack`]); the last
//!   group of a chunk is padded to 1,024.
//! * flat: `n` little-endian values of T bits.
//! * RLE (two buffers): values of T bits, then as many run lengths of 8, 16 or 32 bits.

use crate::error::{CodecError, ErrorCode, Result};
use crate::fsst;

/// What a chunk's value buffers hold (the caller has checked the layout names one of these).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Values<'a> {
    /// Plain fixed-width values of `bits` (8, 16, 32, 64).
    Flat { bits: u32 },
    /// FastLanes inline bit-packing of `bits`-wide values (8, 16, 32, 64).
    Inline { bits: u32 },
    /// Strings with 32-bit offsets; FSST codes when `fsst` holds the symbol table body and count.
    Strings { fsst: Option<(&'a [u8], usize)> },
    /// RLE (two buffers per chunk): values of `bits` (8, 16, 32, 64), run lengths of `length_bits`
    /// (8, 16, 32). LanceDB writes it for the indices of low-cardinality dictionary columns.
    Rle { bits: u32, length_bits: u32 },
}

/// One chunk of the page: where it is in `data`, its size and item count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Chunk {
    offset: usize,
    bytes: usize,
    items: usize,
}

/// The most items a chunk holds: what a word's 4-bit log can state (Lance's writer stops at 4,096).
/// The last chunk's count is the page's rest, so a corrupt page count shows up here.
const MAX_CHUNK_ITEMS: usize = 1 << 15;

fn chunks(meta: &[u8], large: bool, num_items: usize, data_len: usize) -> Result<Vec<Chunk>> {
    let word = if large { 4 } else { 2 };
    if !meta.len().is_multiple_of(word) {
        return Err(CodecError::with_value(ErrorCode::LanceBadChunk, meta.len() as u64));
    }
    let n = meta.len() / word;
    let mut out = Vec::with_capacity(n);
    let (mut offset, mut items) = (0usize, 0usize);
    for i in 0..n {
        let w = word_at(meta, word * 8, i);
        let bytes = ((w >> 4) as usize + 1) * 8;
        let k = if i + 1 < n {
            1usize << (w & 15)
        } else {
            // The rest, which like any chunk's count is at most 2^15 (see MAX_CHUNK_ITEMS).
            num_items.checked_sub(items).filter(|&k| k <= MAX_CHUNK_ITEMS).ok_or(CodecError::at(ErrorCode::LanceItemCount, i, offset, items as u64, 0))?
        };
        // offset ≤ data_len, so data_len − offset cannot wrap (a sum could, in a 32-bit usize).
        if bytes > data_len - offset {
            return Err(CodecError::at(ErrorCode::LanceBadChunk, i, offset, bytes as u64, 0));
        }
        out.push(Chunk { offset, bytes, items: k });
        offset += bytes;
        items = items.checked_add(k).ok_or(CodecError::at(ErrorCode::LanceItemCount, i, offset, items as u64, 0))?;
    }
    if items != num_items {
        return Err(CodecError::at(ErrorCode::LanceItemCount, n, offset, items as u64, 0));
    }
    Ok(out)
}

fn align8(x: usize) -> usize {
    x.div_ceil(8) * 8
}

/// The `N` value buffers of chunk `i` (levels are not supported here): after the level count, `N`
/// sizes, then each buffer padded to 8 bytes (a pad running past the chunk stops at its end).
fn chunk_buffers<'a, const N: usize>(data: &'a [u8], c: &Chunk, i: usize, large: bool) -> Result<[&'a [u8]; N]> {
    let chunk = &data[c.offset..c.offset + c.bytes];
    let word = if large { 4 } else { 2 };
    let header = 2 + N * word;
    if chunk.len() < header {
        return Err(CodecError::at(ErrorCode::LanceBadChunk, i, c.offset, header as u64, 0));
    }
    let mut out = [&chunk[..0]; N];
    let mut at = align8(header).min(chunk.len());
    for (b, buf) in out.iter_mut().enumerate() {
        let size = word_at(&chunk[2..], word * 8, b) as usize;
        if size > chunk.len() - at {
            return Err(CodecError::at(ErrorCode::LanceBadChunk, i, c.offset + at, size as u64, 0));
        }
        *buf = &chunk[at..at + size];
        at = align8(at + size).min(chunk.len());
    }
    Ok(out)
}

/// `out` filled with the `width`-byte little-endian `value`: as typed stores when `out` is aligned
/// for them (the output regions are), which a run of thousands needs (a byte copy per value was
/// slower than the TypeScript decoder's typed-array fill).
fn fill(out: &mut [u8], width: usize, value: u64) {
    fn typed<T: Copy>(out: &mut [u8], v: T, bytes: &[u8]) {
        // SAFETY: any bit pattern is a valid u16/u32/u64.
        let (pre, mid, post) = unsafe { out.align_to_mut::<T>() };
        if pre.is_empty() && post.is_empty() {
            mid.fill(v);
        } else {
            for d in out.chunks_exact_mut(bytes.len()) {
                d.copy_from_slice(bytes);
            }
        }
    }
    let bytes = value.to_le_bytes();
    match width {
        1 => out.fill(value as u8),
        2 => typed(out, value as u16, &bytes[..2]),
        4 => typed(out, value as u32, &bytes[..4]),
        _ => typed(out, value, &bytes[..8]),
    }
}

/// RLE of one chunk into `out` (its items × width bytes): `values` of `width` bytes and as many run
/// lengths of `lw` bytes, each value repeated its run length; runs past the chunk's items are cut.
/// Example, i32 `[7, 7, 7, 9]`: values `07000000 09000000`, lengths `03 01`.
fn unrle(values: &[u8], lengths: &[u8], width: usize, lw: usize, out: &mut [u8], chunk: usize) -> Result<()> {
    let runs = values.len() / width;
    if lengths.len() / lw < runs {
        return Err(CodecError::at(ErrorCode::LanceRleRuns, chunk, 0, (lengths.len() / lw) as u64, 0));
    }
    let items = out.len() / width;
    let mut at = 0usize;
    for r in 0..runs {
        if at >= items {
            break;
        }
        let len = word_at(lengths, lw * 8, r) as usize;
        let n = len.min(items - at);
        fill(&mut out[at * width..(at + n) * width], width, word_at(values, width * 8, r));
        at += n;
    }
    if at != items {
        return Err(CodecError::at(ErrorCode::LanceRleRuns, chunk, 0, at as u64, 0));
    }
    Ok(())
}

/// FastLanes' row order: 8-row groups are interleaved so SIMD can unpack 8 rows at once.
const FL_ORDER: [usize; 8] = [0, 4, 2, 6, 1, 5, 3, 7];

fn word_at(src: &[u8], t: usize, i: usize) -> u64 {
    match t {
        8 => src[i] as u64,
        16 => u16::from_le_bytes(src[i * 2..i * 2 + 2].try_into().expect("2 bytes")) as u64,
        32 => u32::from_le_bytes(src[i * 4..i * 4 + 4].try_into().expect("4 bytes")) as u64,
        _ => u64::from_le_bytes(src[i * 8..i * 8 + 8].try_into().expect("8 bytes")),
    }
}

/// Unpacks 1,024 values of width `w` from the T-bit words `src[..1024 * w / t words]` into `out`
/// (1,024 × t/8 bytes, little-endian). With `lanes = 1024 / t`, lane `l` owns the bit stream of
/// words `l, l + lanes, l + 2 lanes, …`; its row `r` (0 ≤ r < t) is the w-bit value at bits
/// `[r w, (r + 1) w)` of that stream, LSB first, and lands at index
/// `FL_ORDER[r / 8] * 16 + (r % 8) * 128 + l`. Example, t = 8, w = 3: lane 0's row 2 is bits 6..7
/// of byte 0 and bit 0 of byte 128, and goes to index 256.
fn unpack(src: &[u8], t: usize, w: usize, out: &mut [u8]) {
    match t {
        8 => unpack_t::<8>(src, w, out),
        16 => unpack_t::<16>(src, w, out),
        32 => unpack_t::<32>(src, w, out),
        _ => unpack_t::<64>(src, w, out),
    }
}

/// [`unpack`] for one word size: the words are loaded once into a fixed array, so the lane loop
/// is plain shifts with the word size a constant (a per-value match on it cost ~2× here).
fn unpack_t<const T: usize>(src: &[u8], w: usize, out: &mut [u8]) {
    let lanes = 1024 / T;
    let width = T / 8;
    let mut words = [0u64; 1024];
    for (i, word) in words.iter_mut().enumerate().take(1024 * w / T) {
        *word = word_at(src, T, i);
    }
    let mut vals = [0u64; 1024];
    let mask = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
    if w > 0 {
        for row in 0..T {
            let bit = row * w;
            let (k, shift) = (bit / T, bit % T);
            let base = FL_ORDER[row / 8] * 16 + (row % 8) * 128;
            let lo = &words[k * lanes..k * lanes + lanes];
            let dst = &mut vals[base..base + lanes];
            if shift + w > T {
                let hi = &words[(k + 1) * lanes..(k + 1) * lanes + lanes];
                for ((d, &a), &b) in dst.iter_mut().zip(lo).zip(hi) {
                    *d = ((a >> shift) | (b << (T - shift))) & mask;
                }
            } else {
                for (d, &a) in dst.iter_mut().zip(lo) {
                    *d = (a >> shift) & mask;
                }
            }
        }
    }
    for (chunk, v) in out.chunks_exact_mut(width).zip(vals.iter()) {
        chunk.copy_from_slice(&v.to_le_bytes()[..width]);
    }
}

/// Inline bit-packed values of one chunk into `out` (`items` × t/8 bytes).
fn unpack_inline(buf: &[u8], t: usize, items: usize, out: &mut [u8], chunk: usize) -> Result<()> {
    let width = t / 8;
    let mut at = 0usize;
    let mut scratch = [0u8; 1024 * 8];
    for done in (0..items).step_by(1024) {
        if at + width > buf.len() {
            return Err(CodecError::at(ErrorCode::LanceBadChunk, chunk, at, width as u64, 0));
        }
        let w = word_at(&buf[at..], t, 0);
        if w > t as u64 {
            return Err(CodecError::at(ErrorCode::LanceBitWidth, chunk, at, w, 0));
        }
        let w = w as usize;
        at += width;
        let packed = 1024 * w / t * width;
        if at + packed > buf.len() {
            return Err(CodecError::at(ErrorCode::LanceBadChunk, chunk, at, packed as u64, 0));
        }
        let n = (items - done).min(1024);
        let dst = &mut out[done * width..(done + n) * width];
        if n == 1024 {
            unpack(&buf[at..at + packed], t, w, dst);
        } else {
            unpack(&buf[at..at + packed], t, w, &mut scratch[..1024 * width]);
            dst.copy_from_slice(&scratch[..n * width]);
        }
        at += packed;
    }
    Ok(())
}

/// Decodes a fixed-width page (flat, inline bit-packed or RLE) into `out` (`num_items` × bits/8 bytes).
/// Returns the bytes written.
pub fn decode_fixed(meta: &[u8], data: &[u8], large: bool, num_items: usize, values: Values, out: &mut [u8]) -> Result<usize> {
    let bits = match values {
        Values::Flat { bits } | Values::Inline { bits } => bits,
        Values::Rle { bits, length_bits } if matches!(length_bits, 8 | 16 | 32) => bits,
        _ => return Err(CodecError::with_value(ErrorCode::BadArgument, 0)),
    };
    if !matches!(bits, 8 | 16 | 32 | 64) {
        return Err(CodecError::with_value(ErrorCode::BadArgument, bits as u64));
    }
    let width = bits as usize / 8;
    let total = num_items.checked_mul(width).ok_or(CodecError::with_value(ErrorCode::TooManyElements, num_items as u64))?;
    if out.len() < total {
        return Err(CodecError::with_value(ErrorCode::OutputTooSmall, total as u64));
    }
    let mut done = 0usize;
    for (i, c) in chunks(meta, large, num_items, data.len())?.iter().enumerate() {
        let dst = &mut out[done * width..(done + c.items) * width];
        match values {
            Values::Inline { .. } => unpack_inline(chunk_buffers::<1>(data, c, i, large)?[0], bits as usize, c.items, dst, i)?,
            Values::Rle { length_bits, .. } => {
                let [v, l] = chunk_buffers::<2>(data, c, i, large)?;
                unrle(v, l, width, length_bits as usize / 8, dst, i)?;
            }
            _ => {
                let [buf] = chunk_buffers::<1>(data, c, i, large)?;
                if buf.len() < dst.len() {
                    return Err(CodecError::at(ErrorCode::LanceBadChunk, i, c.offset, dst.len() as u64, 0));
                }
                dst.copy_from_slice(&buf[..dst.len()]);
            }
        }
        done += c.items;
    }
    Ok(total)
}

/// The strings of every chunk, concatenated: their bytes (or FSST codes) and `num_items + 1` u32
/// offsets from 0.
fn gather_strings(meta: &[u8], data: &[u8], large: bool, num_items: usize) -> Result<(Vec<u8>, Vec<u8>)> {
    let list = chunks(meta, large, num_items, data.len())?;
    let mut bytes = Vec::with_capacity(data.len());
    // Each string takes 4 offset bytes of the page: a larger count is found false chunk by chunk,
    // before more than the page's worth is reserved.
    let mut offsets = Vec::with_capacity(num_items.min(data.len() / 4) * 4 + 4);
    offsets.extend_from_slice(&0u32.to_le_bytes());
    let mut item = 0usize;
    for (i, c) in list.iter().enumerate() {
        let [buf] = chunk_buffers::<1>(data, c, i, large)?;
        let n = c.items;
        if n >= buf.len() / 4 {
            return Err(CodecError::at(ErrorCode::LanceBadChunk, i, c.offset, (n as u64 + 1) * 4, 0));
        }
        let at = |k: usize| word_at(buf, 32, k) as usize;
        let first = at(0);
        let mut prev = first;
        for k in 1..=n {
            let o = at(k);
            if o < prev {
                return Err(CodecError::at(ErrorCode::LanceBadOffsets, i, k, o as u64, 0));
            }
            prev = o;
            let rebased = bytes.len() + (o - first);
            let rebased = u32::try_from(rebased).map_err(|_| CodecError::with_value(ErrorCode::TooManyElements, rebased as u64))?;
            offsets.extend_from_slice(&rebased.to_le_bytes());
        }
        if prev > buf.len() {
            return Err(CodecError::at(ErrorCode::LanceBadOffsets, i, n, prev as u64, 0));
        }
        bytes.extend_from_slice(&buf[first..prev]);
        item += n;
    }
    debug_assert_eq!(item, num_items);
    Ok((bytes, offsets))
}

/// Decodes a string page into `out` (bytes; under FSST it needs [`fsst::SLACK`] more) and
/// `out_offsets` (`(num_items + 1)` × 4 bytes). Returns the decoded size; `OutputTooSmall` carries
/// the room `out` needs.
pub fn decode_strings(meta: &[u8], data: &[u8], large: bool, num_items: usize, values: Values, out: &mut [u8], out_offsets: &mut [u8]) -> Result<usize> {
    let Values::Strings { fsst } = values else { return Err(CodecError::with_value(ErrorCode::BadArgument, 0)) };
    if out_offsets.len() < (num_items + 1) * 4 {
        return Err(CodecError::with_value(ErrorCode::BadArgument, num_items as u64));
    }
    let (bytes, offsets) = gather_strings(meta, data, large, num_items)?;
    match fsst {
        Some((table, count)) => fsst::decode_into(table, count, &bytes, &offsets, num_items, out, out_offsets),
        None => {
            if out.len() < bytes.len() {
                return Err(CodecError::with_value(ErrorCode::OutputTooSmall, bytes.len() as u64));
            }
            out[..bytes.len()].copy_from_slice(&bytes);
            out_offsets[..offsets.len()].copy_from_slice(&offsets);
            Ok(bytes.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs 1,024 values of width w into FastLanes order (the inverse of `unpack`), as T-bit words.
    fn pack(values: &[u64], t: usize, w: usize) -> Vec<u8> {
        let lanes = 1024 / t;
        let mut words = vec![0u64; 1024 * w / t];
        for row in 0..t {
            for lane in 0..lanes {
                let v = values[FL_ORDER[row / 8] * 16 + (row % 8) * 128 + lane];
                let bit = row * w;
                let (k, shift) = (bit / t, bit % t);
                if w == 0 {
                    continue;
                }
                words[k * lanes + lane] |= (v << shift) & if t == 64 { u64::MAX } else { (1u64 << t) - 1 };
                if shift + w > t {
                    words[(k + 1) * lanes + lane] |= v >> (t - shift);
                }
            }
        }
        words.iter().flat_map(|x| x.to_le_bytes()[..t / 8].to_vec()).collect()
    }

    fn page(chunks: &[Vec<u8>], items: &[usize]) -> (Vec<u8>, Vec<u8>) {
        let (mut meta, mut data) = (Vec::new(), Vec::new());
        for (c, &n) in chunks.iter().zip(items) {
            let mut chunk = vec![0u8; 8];
            chunk[0..2].copy_from_slice(&(n as u16).to_le_bytes());
            chunk[2..4].copy_from_slice(&(c.len() as u16).to_le_bytes());
            chunk.extend_from_slice(c);
            chunk.resize(align8(chunk.len()), 0xfe);
            let log = n.trailing_zeros() as u16;
            meta.extend_from_slice(&((((chunk.len() / 8 - 1) as u16) << 4) | log).to_le_bytes());
            data.extend_from_slice(&chunk);
        }
        (meta, data)
    }

    #[test]
    fn unpacks_every_word_size_and_width() {
        for t in [8usize, 16, 32, 64] {
            for w in [0, 1, 3, t / 2, t - 1, t] {
                let vals: Vec<u64> = (0..1024u64).map(|i| if w == 0 { 0 } else { i.wrapping_mul(0x9e37_79b9_7f4a_7c15) & if w == 64 { u64::MAX } else { (1 << w) - 1 } }).collect();
                let mut buf = ((w as u64).to_le_bytes()[..t / 8]).to_vec();
                buf.extend(pack(&vals, t, w));
                // 1,024 + 100 values: the second group is padded.
                buf.extend_from_slice(&(w as u64).to_le_bytes()[..t / 8]);
                buf.extend(pack(&vals, t, w));
                let mut out = vec![0u8; 1124 * t / 8];
                unpack_inline(&buf, t, 1124, &mut out, 0).unwrap();
                for (i, v) in vals.iter().chain(vals[..100].iter()).enumerate() {
                    assert_eq!(word_at(&out, t, i), *v, "t {t} w {w} value {i}");
                }
            }
        }
    }

    #[test]
    fn strings_across_chunks_with_and_without_fsst() {
        let chunk = |ss: &[&[u8]]| {
            let mut offs = Vec::new();
            let mut o = (ss.len() + 1) * 4;
            offs.extend_from_slice(&(o as u32).to_le_bytes());
            for s in ss {
                o += s.len();
                offs.extend_from_slice(&(o as u32).to_le_bytes());
            }
            for s in ss {
                offs.extend_from_slice(s);
            }
            offs
        };
        let (meta, data) = page(&[chunk(&[b"ab", b"", b"c", b"d"]), chunk(&[b"efg", b"h"])], &[4, 2]);
        let mut out = vec![0u8; 64];
        let mut offs = vec![0u8; 7 * 4];
        let n = decode_strings(&meta, &data, false, 6, Values::Strings { fsst: None }, &mut out, &mut offs).unwrap();
        assert_eq!(&out[..n], b"abcdefgh");
        let o: Vec<u32> = offs.chunks(4).map(|w| u32::from_le_bytes(w.try_into().unwrap())).collect();
        assert_eq!(o, [0, 2, 2, 3, 4, 7, 8]);
        // FSST: symbol 0 = "xy"; codes 00 FF 21 → "xy!"
        let (meta, data) = page(&[chunk(&[&[0, 255, 33], &[0]])], &[2]);
        let table = [b'x', b'y', 0, 0, 0, 0, 0, 0, 2];
        let mut out = vec![0u8; 64];
        let n = decode_strings(&meta, &data, false, 2, Values::Strings { fsst: Some((&table, 1)) }, &mut out, &mut offs).unwrap();
        assert_eq!(&out[..n], b"xy!xy");
    }

    #[test]
    fn rle_runs_cut_at_the_chunk_and_checked() {
        // i32 [7, 7, 7, 9] then [9, 9]: a run of 9 crossing into nothing (cut), lengths u8
        let chunk = |vals: &[u32], lens: &[u8]| {
            let v: Vec<u8> = vals.iter().flat_map(|x| x.to_le_bytes()).collect();
            (v, lens.to_vec())
        };
        let (v1, l1) = chunk(&[7, 9], &[3, 1]);
        let (v2, l2) = chunk(&[9], &[5]);
        let (mut meta, mut data) = (Vec::new(), Vec::new());
        for ((v, l), n) in [((v1, l1), 4usize), ((v2, l2), 2)] {
            let mut c = vec![0u8; 8];
            c[0..2].copy_from_slice(&(n as u16).to_le_bytes());
            c[2..4].copy_from_slice(&(v.len() as u16).to_le_bytes());
            c[4..6].copy_from_slice(&(l.len() as u16).to_le_bytes());
            c.extend_from_slice(&v);
            c.resize(align8(c.len()), 0xfe);
            c.extend_from_slice(&l);
            c.resize(align8(c.len()), 0xfe);
            meta.extend_from_slice(&((((c.len() / 8 - 1) as u16) << 4) | n.trailing_zeros() as u16).to_le_bytes());
            data.extend_from_slice(&c);
        }
        let mut out = vec![0u8; 24];
        decode_fixed(&meta, &data, false, 6, Values::Rle { bits: 32, length_bits: 8 }, &mut out).unwrap();
        let got: Vec<u32> = out.chunks(4).map(|w| u32::from_le_bytes(w.try_into().unwrap())).collect();
        assert_eq!(got, [7, 7, 7, 9, 9, 9]);
        // the last chunk now holds 6 items, and its one run covers 5
        let err = decode_fixed(&meta, &data, false, 10, Values::Rle { bits: 32, length_bits: 8 }, &mut vec![0u8; 40]).unwrap_err();
        assert_eq!(err.code, ErrorCode::LanceRleRuns);
    }

    #[test]
    fn refuses_bad_pages() {
        let mut out = vec![0u8; 64];
        let mut offs = vec![0u8; 12];
        // offsets 8 → 20 end past the 8-byte buffer
        let (meta, data) = page(&[vec![8, 0, 0, 0, 20, 0, 0, 0]], &[1]);
        let err = decode_strings(&meta, &data, false, 1, Values::Strings { fsst: None }, &mut out, &mut offs).unwrap_err();
        assert_eq!(err.code, ErrorCode::LanceBadOffsets);
        // two offsets do not fit a 5-byte buffer
        let (meta, data) = page(&[vec![8, 0, 0, 0, 8]], &[1]);
        let err = decode_strings(&meta, &data, false, 1, Values::Strings { fsst: None }, &mut out, &mut offs).unwrap_err();
        assert_eq!(err.code, ErrorCode::LanceBadChunk);
        // chunks holding more items than the page
        let (meta, data) = page(&[vec![8, 0, 0, 0, 8, 0, 0, 0], vec![8, 0, 0, 0, 8, 0, 0, 0]], &[1, 1]);
        let err = decode_strings(&meta, &data, false, 0, Values::Strings { fsst: None }, &mut out, &mut offs).unwrap_err();
        assert_eq!(err.code, ErrorCode::LanceItemCount);
        // a width word above T
        let (meta, data) = page(&[vec![33, 0, 0, 0]], &[1]);
        let err = decode_fixed(&meta, &data, false, 1, Values::Inline { bits: 32 }, &mut out).unwrap_err();
        assert_eq!(err.code, ErrorCode::LanceBitWidth);
        // a chunk longer than the data
        let err = decode_fixed(&meta, &data[..8], false, 1, Values::Inline { bits: 32 }, &mut out).unwrap_err();
        assert_eq!(err.code, ErrorCode::LanceBadChunk);
    }
}
