// Jenkins lookup3 `hashlittle`, the checksum of every version-2 metadata structure (superblock v2,
// object header "OHDR", ...). HDF5 calls it H5_checksum_metadata(buf, len, initval = 0) and stores
// the 32-bit result little-endian right after the checksummed bytes.
//
// Known answers (from lookup3.c's self-test): hashlittle("", 0) = 0xdeadbeef,
// hashlittle("Four score and seven years ago", 0) = 0x17770551, with initval 1: 0xcd628161.

export function lookup3(data: Uint8Array, initval = 0): number {
  let length = data.length;
  let a = (0xdeadbeef + length + initval) | 0;
  let b = a;
  let c = a;
  let k = 0;
  while (length > 12) {
    a = (a + (data[k]! | (data[k + 1]! << 8) | (data[k + 2]! << 16) | (data[k + 3]! << 24))) | 0;
    b = (b + (data[k + 4]! | (data[k + 5]! << 8) | (data[k + 6]! << 16) | (data[k + 7]! << 24))) | 0;
    c = (c + (data[k + 8]! | (data[k + 9]! << 8) | (data[k + 10]! << 16) | (data[k + 11]! << 24))) | 0;
    // mix(a, b, c)
    a = (a - c) | 0; a ^= rot(c, 4); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 6); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 8); b = (b + a) | 0;
    a = (a - c) | 0; a ^= rot(c, 16); c = (c + b) | 0;
    b = (b - a) | 0; b ^= rot(a, 19); a = (a + c) | 0;
    c = (c - b) | 0; c ^= rot(b, 4); b = (b + a) | 0;
    length -= 12;
    k += 12;
  }
  // The last 0..12 bytes, little-endian into a, b, c (lookup3's fall-through switch).
  if (length === 0) return c >>> 0;
  const tail = [0, 0, 0];
  for (let i = 0; i < length; i++) tail[i >> 2]! += data[k + i]! * 2 ** (8 * (i & 3));
  a = (a + tail[0]!) | 0;
  b = (b + tail[1]!) | 0;
  c = (c + tail[2]!) | 0;
  // final(a, b, c)
  c ^= b; c = (c - rot(b, 14)) | 0;
  a ^= c; a = (a - rot(c, 11)) | 0;
  b ^= a; b = (b - rot(a, 25)) | 0;
  c ^= b; c = (c - rot(b, 16)) | 0;
  a ^= c; a = (a - rot(c, 4)) | 0;
  b ^= a; b = (b - rot(a, 14)) | 0;
  c ^= b; c = (c - rot(b, 24)) | 0;
  return c >>> 0;
}

function rot(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
