// A reader for the parts of a wasm binary tests look at: its sections, the `target_features` custom
// section and the code section's function body sizes (one LEB128 cursor over the bytes).

class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public p = 0,
  ) {}
  byte(): number {
    return this.bytes[this.p++]!;
  }
  /** Unsigned LEB128. */
  leb(): number {
    let r = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return r;
  }
  text(n: number): string {
    return new TextDecoder().decode(this.bytes.subarray(this.p, (this.p += n)));
  }
}

/** Each section's id and body, in order (after the 8-byte magic and version). */
function* sections(bytes: Uint8Array): Generator<{ id: number; body: Cursor }> {
  const c = new Cursor(bytes, 8);
  while (c.p < bytes.length) {
    const id = c.byte();
    const size = c.leb();
    yield { id, body: new Cursor(bytes.subarray(c.p, c.p + size)) };
    c.p += size;
  }
}

/** Features listed in the module's `target_features` custom section (`+simd128`, ...). */
export function targetFeatures(bytes: Uint8Array): string[] {
  for (const { id, body } of sections(bytes)) {
    if (id !== 0 || body.text(body.leb()) !== 'target_features') continue;
    const out: string[] = [];
    for (let n = body.leb(); n > 0; n--) {
      const prefix = String.fromCharCode(body.byte());
      out.push(prefix + body.text(body.leb()));
    }
    return out;
  }
  return [];
}

/** Body sizes (bytes) of every function in the code section. */
export function functionBodySizes(bytes: Uint8Array): number[] {
  const sizes: number[] = [];
  for (const { id, body } of sections(bytes)) {
    if (id !== 10) continue;
    for (let n = body.leb(); n > 0; n--) {
      const size = body.leb();
      sizes.push(size);
      body.p += size;
    }
  }
  return sizes;
}
