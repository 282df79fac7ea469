import { describe, expect, test } from 'vitest';
import { packRow, unpackCode, wordsForBits } from '../src/formats/bitpack.js';
import { seededRng } from './seed.js';

describe('dense b-bit packing', () => {
  for (const bits of [1, 2, 3, 4, 5, 6, 7, 8, 16]) {
    test(`${bits}-bit codes round-trip, rows word-aligned`, () => {
      const rng = seededRng();
      for (const count of [1, 7, 31, 32, 33, 1000]) {
        const codes = Array.from({ length: count }, () => rng.int(0, 2 ** bits - 1));
        const words = wordsForBits(count * bits);
        const out = new Uint32Array(words + 2).fill(0xffffffff);
        packRow(codes, count, bits, out, 1);
        expect(out[0]).toBe(0xffffffff); // untouched before
        expect(out[words + 1]).toBe(0xffffffff); // untouched after
        for (let k = 0; k < count; k++) expect(unpackCode(out, 1, k, bits)).toBe(codes[k]);
        // padding bits past the last code are zero
        const used = (count * bits) % 32;
        if (used) expect(out[words] >>> used).toBe(0);
      }
    });
  }

  test('4-bit: lower k in the low nibble (ORT/MLC order)', () => {
    const out = new Uint32Array(1);
    packRow([1, 2, 3, 4, 5, 6, 7, 8], 8, 4, out, 0);
    expect(out[0]).toBe(0x87654321);
  });

  test('3-bit codes straddle words', () => {
    const out = new Uint32Array(2);
    const codes = Array.from({ length: 11 }, (_, i) => (i === 10 ? 0b101 : 0));
    packRow(codes, 11, 3, out, 0); // code 10 spans bits 30..32
    expect(out[0] >>> 30).toBe(0b01);
    expect(out[1] & 1).toBe(1);
  });

  test('codes that do not fit are rejected', () => {
    expect(() => packRow([16], 1, 4, new Uint32Array(1), 0)).toThrow(/does not fit in 4 bits/);
  });
});
