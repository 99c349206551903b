//! FSST string decompression, as Lance's `fsst` encoding stores string columns.
//!
//! Lance compresses most string columns with FSST (uids, barcodes, names), so this loop decides how
//! fast a Lance table's strings read. The TypeScript decoder (`src/lance/encodings/fsst.ts`) is the
//! reference and the fallback; this one writes every symbol as one 8-byte store and advances by
//! its length, which is why the output needs [`SLACK`] bytes past the decoded size.
//!
//! Inputs:
//! * `table`: the symbol table body as Lance stores it after its 8-byte header: `count` × 8 symbol
//!   bytes (symbol `c` is the first `lens[c]` bytes of its slot), then `count` lengths (1..=8).
//! * `codes`: the compressed bytes. Code `c < 255` emits symbol `c`; 255 (escape) emits the next
//!   byte literally. An escape never crosses a string boundary.
//! * `offsets`: `n + 1` little-endian u32 offsets of the `n` strings into `codes`.
//!
//! Output: the decoded bytes, and `n + 1` little-endian u32 offsets into them starting at 0.
//!
//! Example: symbols `["th", "e "]`, codes `00 01 FF 21` (one string) decode to `"the !"`,
//! offsets `[0, 5]`.

use crate::error::{CodecError, ErrorCode, Result};

/// Bytes the output must have beyond the decoded size: the last 8-byte symbol store may reach
/// 7 bytes past it.
pub const SLACK: usize = 7;

const ESCAPE: u8 = 255;

/// The symbol table, padded to 256 entries so a code byte indexes it without a bounds check.
struct Symbols {
    words: [u64; 256],
    /// 0 for codes at or beyond `count` (and for the escape).
    lens: [u8; 256],
}

fn symbols(table: &[u8], count: usize) -> Result<Symbols> {
    if count > 255 || table.len() < count * 9 {
        return Err(CodecError::with_value(ErrorCode::BadArgument, count as u64));
    }
    let mut s = Symbols { words: [0; 256], lens: [0; 256] };
    for c in 0..count {
        let slot: [u8; 8] = table[c * 8..c * 8 + 8].try_into().expect("8 bytes");
        s.words[c] = u64::from_le_bytes(slot);
        let len = table[count * 8 + c];
        if !(1..=8).contains(&len) {
            return Err(CodecError::at(ErrorCode::FsstBadSymbol, c, count * 8 + c, len as u64, 0));
        }
        s.lens[c] = len;
    }
    Ok(s)
}

fn offset_at(offsets: &[u8], i: usize) -> usize {
    u32::from_le_bytes(offsets[i * 4..i * 4 + 4].try_into().expect("4 bytes")) as usize
}

/// Checks that `offsets` holds `n + 1` non-decreasing values within `codes_len`; returns
/// `(first, last)`.
fn check_offsets(offsets: &[u8], n: usize, codes_len: usize) -> Result<(usize, usize)> {
    if offsets.len() / 4 <= n {
        return Err(CodecError::with_value(ErrorCode::BadArgument, n as u64));
    }
    let mut prev = offset_at(offsets, 0);
    let first = prev;
    for i in 1..=n {
        let o = offset_at(offsets, i);
        if o < prev {
            return Err(CodecError::at(ErrorCode::FsstBadOffsets, i, o, prev as u64, 0));
        }
        prev = o;
    }
    if prev > codes_len {
        return Err(CodecError::at(ErrorCode::FsstBadOffsets, n, prev, codes_len as u64, 0));
    }
    Ok((first, prev))
}

/// Exact decoded size of `codes[first..last]`, checking every code against the table. In u64: up
/// to 8 bytes per code byte can exceed a 32-bit `usize`.
fn decoded_size(s: &Symbols, codes: &[u8], first: usize, last: usize) -> Result<u64> {
    let mut total = 0u64;
    let mut i = first;
    while i < last {
        let c = codes[i];
        if c == ESCAPE {
            total += 1;
            i += 2;
        } else {
            let len = s.lens[c as usize];
            if len == 0 {
                return Err(CodecError::at(ErrorCode::FsstBadCode, 0, i, c as u64, 0));
            }
            total += len as u64;
            i += 1;
        }
    }
    Ok(total)
}

/// Decodes `n` strings into `out` (which needs the decoded size + [`SLACK`] bytes; the error
/// `OutputTooSmall` carries that number) and their offsets into `out_offsets` (`(n + 1) × 4`
/// bytes). Returns the decoded size.
pub fn decode_into(table: &[u8], count: usize, codes: &[u8], offsets: &[u8], n: usize, out: &mut [u8], out_offsets: &mut [u8]) -> Result<usize> {
    let s = symbols(table, count)?;
    let (first, last) = check_offsets(offsets, n, codes.len())?;
    let total = decoded_size(&s, codes, first, last)?;
    if (out.len() as u64) < total + SLACK as u64 {
        return Err(CodecError::with_value(ErrorCode::OutputTooSmall, total + SLACK as u64));
    }
    // From here on `total` < out.len() fits a usize.
    let total = total as usize;
    if out_offsets.len() / 4 <= n {
        return Err(CodecError::with_value(ErrorCode::BadArgument, n as u64));
    }
    out_offsets[..4].copy_from_slice(&0u32.to_le_bytes());
    let o = decode_strings(&s, codes, offsets, n, out, out_offsets)?;
    // Both passes read the same codes the same way; a difference would be a bug here, not bad input.
    if o != total {
        return Err(CodecError::with_value(ErrorCode::FsstTruncatedEscape, o as u64));
    }
    Ok(total)
}

/// The second pass: every string's codes into `out`. Returns the bytes written.
///
/// The accesses are unchecked because the first pass proved them in bounds: every offset is within
/// `codes` and non-decreasing ([`check_offsets`]), every code has a symbol, and this pass consumes
/// the same code sequence as the size pass did (an escape ending a string stops it with an error
/// before the sequences could differ), so `o` never exceeds the decoded size and each 8-byte store
/// ends within `out.len() ≥ size + SLACK`.
fn decode_strings(s: &Symbols, codes: &[u8], offsets: &[u8], n: usize, out: &mut [u8], out_offsets: &mut [u8]) -> Result<usize> {
    let dst = out.as_mut_ptr();
    let mut o = 0usize;
    for k in 0..n {
        let (mut i, end) = (offset_at(offsets, k), offset_at(offsets, k + 1));
        while i < end {
            // SAFETY: i < end ≤ codes.len() (check_offsets).
            let c = unsafe { *codes.get_unchecked(i) };
            i += 1;
            if c == ESCAPE {
                if i >= end {
                    return Err(CodecError::at(ErrorCode::FsstTruncatedEscape, k, i - 1, 0, 0));
                }
                debug_assert!(o < out.len());
                // SAFETY: i < end ≤ codes.len(); o < size ≤ out.len() (see above).
                unsafe { *dst.add(o) = *codes.get_unchecked(i) };
                i += 1;
                o += 1;
            } else {
                debug_assert!(o + 8 <= out.len());
                // SAFETY: o + 8 ≤ size − len + 8 ≤ size + SLACK ≤ out.len() (len ≥ 1, see above).
                unsafe { dst.add(o).cast::<[u8; 8]>().write_unaligned(s.words[c as usize].to_le_bytes()) };
                o += s.lens[c as usize] as usize;
            }
        }
        out_offsets[(k + 1) * 4..(k + 2) * 4].copy_from_slice(&(o as u32).to_le_bytes());
    }
    Ok(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(syms: &[&[u8]]) -> Vec<u8> {
        let mut t = vec![0u8; syms.len() * 9];
        for (c, s) in syms.iter().enumerate() {
            t[c * 8..c * 8 + s.len()].copy_from_slice(s);
            t[syms.len() * 8 + c] = s.len() as u8;
        }
        t
    }

    fn offs(v: &[u32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn run(t: &[u8], count: usize, codes: &[u8], o: &[u32]) -> Result<(Vec<u8>, Vec<u32>)> {
        let n = o.len() - 1;
        let mut out = vec![0u8; codes.len() * 8 + SLACK];
        let mut out_o = vec![0u8; (n + 1) * 4];
        let total = decode_into(t, count, codes, &offs(o), n, &mut out, &mut out_o)?;
        out.truncate(total);
        Ok((out, out_o.chunks(4).map(|w| u32::from_le_bytes(w.try_into().unwrap())).collect()))
    }

    #[test]
    fn decodes_symbols_and_escapes() {
        let t = table(&[b"th", b"e ", b"abcdefgh"]);
        let (out, o) = run(&t, 3, &[0, 1, 255, b'!', 2, 2], &[0, 4, 4, 6]).unwrap();
        assert_eq!(out, b"the !abcdefghabcdefgh");
        assert_eq!(o, [0, 5, 5, 21]);
    }

    #[test]
    fn exact_output_with_slack_only() {
        let t = table(&[b"x"]);
        let mut out = vec![0u8; 2 + SLACK];
        let mut out_o = vec![0u8; 8];
        assert_eq!(decode_into(&t, 1, &[0, 0], &offs(&[0, 2]), 1, &mut out, &mut out_o), Ok(2));
        let mut short = vec![0u8; 2 + SLACK - 1];
        let e = decode_into(&t, 1, &[0, 0], &offs(&[0, 2]), 1, &mut short, &mut out_o).unwrap_err();
        assert_eq!((e.code, e.value), (ErrorCode::OutputTooSmall, 9));
    }

    #[test]
    fn rejects_bad_input() {
        let t = table(&[b"a"]);
        let e = run(&t, 1, &[0, 7], &[0, 2]).unwrap_err();
        assert_eq!((e.code, e.offset, e.value), (ErrorCode::FsstBadCode, 1, 7));
        let e = run(&t, 1, &[0, 255], &[0, 2]).unwrap_err();
        assert_eq!(e.code, ErrorCode::FsstTruncatedEscape);
        // An escape at the end of the first string, its literal in the second.
        let e = run(&t, 1, &[255, 0], &[0, 1, 2]).unwrap_err();
        assert_eq!(e.code, ErrorCode::FsstTruncatedEscape);
        let e = run(&t, 1, &[0, 0], &[0, 2, 1]).unwrap_err();
        assert_eq!((e.code, e.block), (ErrorCode::FsstBadOffsets, 2));
        let e = run(&t, 1, &[0, 0], &[0, 3]).unwrap_err();
        assert_eq!(e.code, ErrorCode::FsstBadOffsets);
        let mut bad = t.clone();
        bad[8] = 9;
        assert_eq!(run(&bad, 1, &[0], &[0, 1]).unwrap_err().code, ErrorCode::FsstBadSymbol);
    }

    #[test]
    fn empty_and_offset_start() {
        let t = table(&[b"ab"]);
        assert_eq!(run(&t, 1, &[], &[0]).unwrap(), (vec![], vec![0]));
        // Strings need not start at byte 0 of the codes.
        assert_eq!(run(&t, 1, &[9, 0, 0], &[1, 2, 3]).unwrap(), (b"abab".to_vec(), vec![0, 2, 4]));
    }
}
