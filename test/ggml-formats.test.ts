import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { FormatError } from '../src/errors.js';
import { BLOCK_CODECS, decodeBlocks, encodeBlocks } from '../src/formats/ggml/blocks.js';
import { GgmlFormat } from '../src/formats/ggml/format.js';

const DIR = 'test/fixtures/ggml';
const ROWS = 8;
const K = 512;
const bytesOf = (file: string) => new Uint8Array(readFileSync(`${DIR}/${file}`));
const floatsOf = (file: string) => {
  const b = bytesOf(file);
  return new Float32Array(b.buffer, b.byteOffset, b.length / 4);
};
const input = floatsOf('input.f32');
const bitsOf = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Index of the first element whose f32 bits differ (−0 vs +0 counts), or −1. */
function firstBitDifference(got: Float32Array, want: Float32Array): number {
  const g = bitsOf(got);
  const w = bitsOf(want);
  return w.findIndex((v, i) => g[i] !== v);
}

describe("ggml block types: CPU decode and reference encode bit-exact with ggml's own output", () => {
  test.each([...BLOCK_CODECS.keys()])(
    '%s: decode of ggml’s blocks equals ggml’s dequantized values, bit for bit',
    (name) => {
      const codec = BLOCK_CODECS.get(name)!;
      const got = decodeBlocks(codec, bytesOf(`${name}.blocks.bin`), ROWS, K);
      const i = firstBitDifference(got, floatsOf(`${name}.dequant.f32`));
      expect(i, `first difference at row ${Math.floor(i / K)}, col ${i % K}`).toBe(-1);
    },
  );

  test('iq4_nl (ggml’s _ref quantizer variant): decode bit-exact too', () => {
    const got = decodeBlocks(BLOCK_CODECS.get('iq4_nl')!, bytesOf('iq4_nl.ref.blocks.bin'), ROWS, K);
    expect(firstBitDifference(got, floatsOf('iq4_nl.ref.dequant.f32'))).toBe(-1);
  });

  const encodable = [...BLOCK_CODECS.values()].filter((c) => c.encode).map((c) => c.name);
  test.each(encodable)('%s: encode of the golden input gives ggml’s bytes exactly', (name) => {
    const codec = BLOCK_CODECS.get(name)!;
    const got = encodeBlocks(codec, input, ROWS, K);
    const want = bytesOf(`${name}.blocks.bin`);
    const i = want.findIndex((v, j) => got[j] !== v);
    expect(i, `first differing byte ${i} (block ${Math.floor(i / codec.bytes)})`).toBe(-1);
  });

  test('a scale that overflows f16 is a FormatError naming the row and block, on encode and on the check', () => {
    const f = new GgmlFormat('q8_0');
    const data = new Float32Array(3 * 64).fill(1);
    data[2 * 64 + 40] = 1e9; // row 2, second block: d = 1e9/127 > 65504
    const m = { rows: 3, cols: 64, data };
    expect(() => f.encode(m)).toThrow(/^encode: q8_0 cannot store row 2 \(block at col 32\): its scale overflows f16/);
    expect(() => f.checkRepresentable(m, 'W')).toThrow(FormatError);
    expect(() => f.checkRepresentable(m, 'W')).toThrow(/^W: q8_0 cannot store row 2/);
    data[2 * 64 + 40] = 1e4;
    expect(() => f.checkRepresentable(m, 'W')).not.toThrow();
  });
});
