//! CSC → CSR assembly kernels for the feature-oriented read path (`src/reconstruct/csc.ts`).
//!
//! A gene query over every cell turns the wanted CSC columns of each dataset into one CSR matrix:
//! count each output row's entries, prefix-sum the counts into `indptr`, then place every entry at
//! its row's cursor and move each layer's values there. With 600,000 entries the JS loops cost a
//! fresh browser page 40–60 ms before V8 optimises them, at the very end of the query, when
//! nothing else is left to overlap them with; here they run at full speed from the first call.
//!
//! The kernels only handle the usual one-to-one case (no zarr row queried twice), where `one` maps
//! a zarr row straight to its output row. Every index is checked: a bad one is a
//! [`ErrorCode::BadArgument`] naming the entry (`block`) and the value, never a wrong placement.
//!
//! Example: rows `[2, 0]` with one = `[1, -1, 0]` → dest `[0, 1]`, counts `[1, 1]`.

use crate::error::{CodecError, ErrorCode, Result};

fn bad(entry: usize, value: u64) -> CodecError {
    CodecError::at(ErrorCode::BadArgument, entry, 0, value, 0)
}

/// Pass 1 for one group: `dest[k]` = output row of zarr row `rows[k]` (−1 when it is not queried
/// or lies past `one`), and `counts[dest[k]] += 1`.
pub fn count_rows(rows: &[u32], one: &[i32], counts: &mut [u32], dest: &mut [i32]) -> Result<()> {
    if dest.len() != rows.len() {
        return Err(bad(0, dest.len() as u64));
    }
    for (k, (&zr, d)) in rows.iter().zip(dest.iter_mut()).enumerate() {
        let o = one.get(zr as usize).copied().unwrap_or(-1);
        *d = o;
        if o >= 0 {
            let c = counts.get_mut(o as usize).ok_or(bad(k, o as u64))?;
            *c += 1;
        }
    }
    Ok(())
}

/// `indptr` (counts.len() + 1 entries) = running sum of `counts`; `counts` becomes each row's
/// cursor (= its indptr entry). Returns the total, which must fit an i32.
pub fn prefix_sum(counts: &mut [u32], indptr: &mut [i32]) -> Result<usize> {
    if indptr.len() != counts.len() + 1 {
        return Err(bad(0, indptr.len() as u64));
    }
    let mut sum: u64 = 0;
    indptr[0] = 0;
    for (i, c) in counts.iter_mut().enumerate() {
        let at = sum;
        sum += *c as u64;
        if sum > i32::MAX as u64 {
            return Err(CodecError::with_value(ErrorCode::TooManyElements, sum));
        }
        indptr[i + 1] = sum as i32;
        *c = at as u32;
    }
    Ok(sum as usize)
}

/// Pass 2 for one group. `plan` holds `(from, to, column)` triples in ascending output column:
/// entries `[from, to)` belong to that column. Each entry whose `dest` is a row takes that row's
/// next position `p`: `indices[p] = column`, and `dest` becomes `p` for [`scatter`].
pub fn place(dest: &mut [i32], plan: &[u32], cursor: &mut [u32], indices: &mut [i32]) -> Result<()> {
    let (triples, rest) = plan.as_chunks::<3>();
    if !rest.is_empty() {
        return Err(bad(0, plan.len() as u64));
    }
    for &[from, to, col] in triples {
        let (from, to) = (from as usize, to as usize);
        if from > to || to > dest.len() || col > i32::MAX as u32 {
            return Err(bad(from, to as u64));
        }
        for k in from..to {
            let o = dest[k];
            if o < 0 {
                continue;
            }
            let cur = cursor.get_mut(o as usize).ok_or(bad(k, o as u64))?;
            let p = *cur as usize;
            *indices.get_mut(p).ok_or(bad(k, p as u64))? = col as i32;
            *cur += 1;
            dest[k] = p as i32;
        }
    }
    Ok(())
}

/// `out[dest[k]] = src[k]` (elements of `elem` bytes: 1, 2, 4 or 8) wherever `dest[k] ≥ 0`.
pub fn scatter(elem: usize, src: &[u8], dest: &[i32], out: &mut [u8]) -> Result<()> {
    match elem {
        1 => scatter_n::<1>(src, dest, out),
        2 => scatter_n::<2>(src, dest, out),
        4 => scatter_n::<4>(src, dest, out),
        8 => scatter_n::<8>(src, dest, out),
        _ => Err(CodecError::with_value(ErrorCode::BadElementSize, elem as u64)),
    }
}

fn scatter_n<const N: usize>(src: &[u8], dest: &[i32], out: &mut [u8]) -> Result<()> {
    let (src, _) = src.as_chunks::<N>();
    let (out, _) = out.as_chunks_mut::<N>();
    if src.len() != dest.len() {
        return Err(bad(0, src.len() as u64));
    }
    for (k, (&p, v)) in dest.iter().zip(src).enumerate() {
        if p >= 0 {
            *out.get_mut(p as usize).ok_or(bad(k, p as u64))? = *v;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assembles_two_columns() {
        // zarr rows 0..3 → output rows [2, -, 0, 1]; column 5 has rows [0, 2], column 3 has [1, 2, 3].
        let one = [2, -1, 0, 1];
        let rows = [0u32, 2, 1, 2, 3];
        let mut counts = [0u32; 3];
        let mut dest = [0i32; 5];
        count_rows(&rows, &one, &mut counts, &mut dest).unwrap();
        assert_eq!(dest, [2, 0, -1, 0, 1]);
        assert_eq!(counts, [2, 1, 1]);
        let mut indptr = [0i32; 4];
        assert_eq!(prefix_sum(&mut counts, &mut indptr).unwrap(), 4);
        assert_eq!(indptr, [0, 2, 3, 4]);
        assert_eq!(counts, [0, 2, 3]);
        // ascending output column: column 3 (entries 2..5) before column 5 (entries 0..2)
        let mut indices = [0i32; 4];
        place(&mut dest, &[2, 5, 3, 0, 2, 5], &mut counts, &mut indices).unwrap();
        assert_eq!(indices, [3, 5, 3, 5]);
        assert_eq!(dest, [3, 1, -1, 0, 2]);
        let src: Vec<u8> = [10u32, 20, 30, 40, 50].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = [0u8; 16];
        scatter(4, &src, &dest, &mut out).unwrap();
        let got: Vec<u32> = out.as_chunks::<4>().0.iter().map(|w| u32::from_le_bytes(*w)).collect();
        assert_eq!(got, [40, 20, 50, 10]);
    }

    #[test]
    fn bad_indices_are_errors() {
        let mut counts = [0u32; 1];
        let mut dest = [0i32; 1];
        let e = count_rows(&[0], &[3], &mut counts, &mut dest).unwrap_err();
        assert_eq!((e.code, e.block, e.value), (ErrorCode::BadArgument, 0, 3));
        // a zarr row past the map is not queried
        count_rows(&[9], &[0], &mut counts, &mut dest).unwrap();
        assert_eq!(dest, [-1]);
        let mut indices = [0i32; 1];
        let mut cursor = [1u32];
        let mut d = [0i32];
        assert_eq!(place(&mut d, &[0, 1, 7], &mut cursor, &mut indices).unwrap_err().value, 1);
        assert!(place(&mut d, &[0, 2, 7], &mut cursor, &mut indices).is_err());
        assert_eq!(scatter(3, &[], &[], &mut []).unwrap_err().code, ErrorCode::BadElementSize);
        assert!(scatter(4, &[0; 4], &[1], &mut [0; 4]).is_err());
        let mut big = [u32::MAX, 1];
        assert_eq!(prefix_sum(&mut big, &mut [0; 3]).unwrap_err().code, ErrorCode::TooManyElements);
    }
}
