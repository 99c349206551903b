// LZ4 block format decoder (no frame header), bounds-checked.
//
// Lance compresses dictionary values with the `lz4` crate's block API; `General{LZ4}` buffers are
// `[u32 LE uncompressed size][LZ4 block]` and the caller strips the size prefix.
//
// A block is a run of sequences. Each sequence is
//   token (1 byte: high nibble = literal count L, low nibble = match length M - 4)
//   [L extension bytes while 255 if L == 15] literals[L]
//   u16 LE match offset  [M extension bytes while 255 if low nibble == 15]
// and the last sequence stops after its literals. Example: `50 68 65 6c 6c 6f` is a single
// sequence of 5 literals "hello" and no match. A match copies M bytes from `offset` bytes back
// in the output, byte by byte so overlapping copies repeat a pattern (offset 1 = run of one byte).
import { CodecError } from '../../errors.js';

export function lz4BlockDecompress(src: Uint8Array, outputBytes: number): Uint8Array {
  const out = new Uint8Array(outputBytes);
  let ip = 0;
  let op = 0;
  const fail = (msg: string): never => {
    throw new CodecError(msg, { codec: 'lz4', code: 'corrupt' });
  };
  while (ip < src.length) {
    const token = src[ip++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= src.length) fail('truncated literal length');
        b = src[ip++]!;
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > src.length) fail('literals run past the end of the input');
    if (op + lit > outputBytes) fail(`output exceeds the declared ${outputBytes} bytes`);
    out.set(src.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    if (ip >= src.length) break;
    if (ip + 2 > src.length) fail('truncated match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) fail(`match offset ${offset} points before the start of the output`);
    let len = (token & 15) + 4;
    if ((token & 15) === 15) {
      let b: number;
      do {
        if (ip >= src.length) fail('truncated match length');
        b = src[ip++]!;
        len += b;
      } while (b === 255);
    }
    if (op + len > outputBytes) fail(`output exceeds the declared ${outputBytes} bytes`);
    let from = op - offset;
    if (offset >= len) {
      out.copyWithin(op, from, from + len);
      op += len;
    } else {
      for (let i = 0; i < len; i++) out[op++] = out[from++]!;
    }
  }
  if (op !== outputBytes) fail(`decoded ${op} bytes, expected ${outputBytes}`);
  return out;
}
