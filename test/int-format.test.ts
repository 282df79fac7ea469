import { describe, expect, test } from 'vitest';
import { FormatError, NonFiniteError, ShapeError } from '../src/errors.js';
import { IntFormat, GROUP_SIZES, INT_BITS } from '../src/formats/int.js';
import { parseFormat } from '../src/formats/registry.js';
import { gaussianMatrix } from '../src/reference/random.js';
import { mse } from '../src/reference/metrics.js';
import { unpackCode } from '../src/formats/bitpack.js';
import { seededRng } from './seed.js';

describe('bitsPerEntry is computed from the layout', () => {
  test.each([
    ['int4-g32', 4096, 4.5],
    ['int4-g32-f32', 4096, 5],
    ['int4-asym-g32', 4096, 4 + 16 / 32 + 4 / 32],
    ['int4-asym-g128-f32', 4096, 4 + 32 / 128 + 4 / 128],
    ['int3-g32', 4096, 3.5],
    ['int8-g64', 4096, 8.25],
    ['int2-g16', 4096, 3],
    ['int4-grow', 4096, 4 + 32 / 4096], // one f16 scale padded to a word
    ['int5-asym-g16', 4096, 5 + 1 + 5 / 16],
  ])('%s at K=%i → %f', (id, K, bpe) => {
    expect(parseFormat(id).layout(K).bitsPerEntry).toBeCloseTo(bpe, 12);
  });

  test('padding is counted when K does not fill whole words', () => {
    const l = parseFormat('int3-g64').layout(1000); // 3000 code bits → 94 words; 16 groups → 8 f16 words
    expect(l.wordsPerRow).toEqual({ codes: 94, scales: 8, aux: 0 });
    expect(l.bitsPerRow).toEqual({ codes: 3000, scales: 256, aux: 0, padding: 8 });
    expect(l.bitsPerEntry).toBe((32 * 102) / 1000);
    const one = parseFormat('int4-asym-g32').layout(1);
    expect(one.bitsPerEntry).toBe(96); // a code word, a scale word and a zero-point word for one entry
  });
});

describe('INT encode/decode on the CPU', () => {
  for (const bits of INT_BITS) {
    for (const group of GROUP_SIZES) {
      for (const symmetric of [true, false]) {
        const fmt = new IntFormat({ bits, group, symmetric, scale: 'f32' });
        test(`${fmt.id}: codes in range, error within half a step, extremes exact`, () => {
          const rng = seededRng();
          const m = gaussianMatrix(5, 777, rng);
          const q = fmt.encode(m);
          const d = fmt.decode(q);
          const { groupSize: g, wordsPerRow } = q.layout;
          for (let r = 0; r < m.rows; r++) {
            for (let k = 0; k < m.cols; k++) {
              const c = unpackCode(q.codes, r * wordsPerRow.codes, k, bits);
              if (symmetric) expect(c).toBeGreaterThanOrEqual(1); // −Q..Q stored as 1..2^b−1
              expect(c).toBeLessThan(2 ** bits);
              const s = fmt.scaleOf(q, r, Math.floor(k / g));
              const err = Math.abs(d.data[r * m.cols + k] - m.data[r * m.cols + k]);
              expect(err).toBeLessThanOrEqual(s * 0.5 * (1 + 1e-5) + 1e-30);
            }
          }
          // the group's max |x| (symmetric) is reproduced to f32 rounding
          if (symmetric) {
            const row = Array.from(m.data.subarray(0, Math.min(g, m.cols)));
            const i = row.reduce((bi, v, j) => (Math.abs(v) > Math.abs(row[bi]) ? j : bi), 0);
            expect(Math.abs(d.data[i] - m.data[i])).toBeLessThanOrEqual(Math.abs(m.data[i]) * 2e-7);
          }
        });
      }
    }
  }

  test('asymmetric: a one-signed group still uses a range that holds 0', () => {
    const fmt = parseFormat('int4-asym-g32-f32') as IntFormat;
    const data = new Float32Array(32).map((_, i) => 1 + i / 31);
    const q = fmt.encode({ rows: 1, cols: 32, data });
    expect(unpackCode(q.aux, 0, 0, 4)).toBe(0);
    const d = fmt.decode(q);
    expect(mse(d.data, data)).toBeLessThan(((2 / 15) ** 2 / 12) * 1.5);
  });

  test('all-zero and subnormal groups decode to zero', () => {
    const fmt = parseFormat('int4-g16');
    const data = new Float32Array(32);
    for (let i = 16; i < 32; i++) data[i] = 1e-39 * (i - 20);
    const d = fmt.decode(fmt.encode({ rows: 1, cols: 32, data }));
    expect(Array.from(d.data).every((v) => v === 0)).toBe(true);
  });

  test('bad input and parameters give typed errors', () => {
    const fmt = parseFormat('int4-g32');
    const m = gaussianMatrix(3, 10, seededRng());
    m.data[13] = NaN;
    expect(() => fmt.encode(m)).toThrow(NonFiniteError);
    expect(() => fmt.encode(m)).toThrow(/index 13 \(row 1, col 3\)/);
    expect(() => fmt.encode({ rows: 2, cols: 3, data: new Float32Array(5) })).toThrow(ShapeError);
    expect(() => new IntFormat({ bits: 7 as 4, group: 32, symmetric: true, scale: 'f16' })).toThrow(FormatError);
    expect(() => new IntFormat({ bits: 4, group: 0, symmetric: true, scale: 'f16' })).toThrow(/group size/);
    expect(() => new IntFormat({ bits: 4, group: 32, symmetric: true, scale: 'bf16' as 'f16' })).toThrow(/scale type/);
    expect(() => parseFormat('int4-g32-bf16')).toThrow(/unknown format id/);
    const big = gaussianMatrix(1, 32, seededRng());
    big.data[3] = 1e6;
    expect(() => fmt.encode(big)).toThrow(/beyond f16's 65504/);
    expect(() => parseFormat('int4-g32-f32').encode(big)).not.toThrow();
  });
});

describe('MSE on iid N(0,1), 2^22 samples (docs/theory.md §3.3)', () => {
  const N = 1 << 22;
  const K = 4096;
  test.each([
    ['int4-g32-f32', 0.0094148],
    ['int4-g32', 0.0094148],
    ['int4-asym-g32-f32', 0.0065261],
    ['int4-asym-g32', 0.0065261],
    ['int4-g128', 0.013745],
    ['int8-g32', 2.8563e-5],
    ['int3-g32', 0.051266],
  ])('%s: MSE within ±1 per cent of %f', (id, ref) => {
    const fmt = parseFormat(id);
    const m = gaussianMatrix(N / K, K, seededRng());
    const d = fmt.decode(fmt.encode(m));
    const e = mse(d.data, m.data);
    expect(Math.abs(e / ref - 1), `measured ${e}`).toBeLessThan(0.01);
  });
});
