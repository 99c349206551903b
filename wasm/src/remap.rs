//! Local → output column remap of decoded u32 feature indices, fused into the chunk decode.
//!
//! A CSR read maps every stored local feature index through its layout's table (`table[local]` is
//! the output column, −1 when the query drops the feature). Done here, right after a chunk is
//! decoded and while its words are still in cache, it replaces two JS passes over the whole read
//! (a range check and a gather), each of which streamed the read through memory once more.
//!
//! A local index outside the table cannot come from a valid layout. It becomes [`OUT_OF_LAYOUT`]
//! instead of an error, because a chunk also holds entries the caller does not read: the caller,
//! which knows its strips, reports it only if it reads that entry.
//!
//! Example: table `[7, -1, 3]`, words `[2, 0, 1, 5]` → `[3, 7, -1, i32::MIN]`, smallest `i32::MIN`.

/// Written for a local index outside the table.
pub const OUT_OF_LAYOUT: i32 = i32::MIN;

/// Maps each little-endian u32 word of `words` (length a multiple of 4) through `table`, in place,
/// as little-endian i32. Returns the smallest value written (`i32::MAX` for no words): ≥ 0 means
/// nothing is dropped and nothing is out of the layout, so the caller can skip looking.
pub fn remap_in_place(words: &mut [u8], table: &[i32]) -> i32 {
    let (whole, _) = words.as_chunks_mut::<4>();
    let mut min = i32::MAX;
    for w in whole {
        let local = u32::from_le_bytes(*w) as usize;
        let col = match table.get(local) {
            Some(&c) => c,
            None => OUT_OF_LAYOUT,
        };
        min = min.min(col);
        *w = col.to_le_bytes();
    }
    min
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(v: &[u32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    fn ints(b: &[u8]) -> Vec<i32> {
        b.as_chunks::<4>().0.iter().map(|w| i32::from_le_bytes(*w)).collect()
    }

    #[test]
    fn maps_drops_and_marks_out_of_layout() {
        let mut b = words(&[2, 0, 1, 5, u32::MAX]);
        let min = remap_in_place(&mut b, &[7, -1, 3]);
        assert_eq!(ints(&b), [3, 7, -1, OUT_OF_LAYOUT, OUT_OF_LAYOUT]);
        assert_eq!(min, OUT_OF_LAYOUT);
    }

    #[test]
    fn smallest_value() {
        let mut b = words(&[1, 1, 0]);
        assert_eq!(remap_in_place(&mut b, &[4, 9]), 4);
        let mut b = words(&[0, 1]);
        assert_eq!(remap_in_place(&mut b, &[4, -1]), -1);
        assert_eq!(remap_in_place(&mut [], &[4]), i32::MAX);
        let mut b = words(&[0]);
        assert_eq!(remap_in_place(&mut b, &[]), OUT_OF_LAYOUT);
    }
}
