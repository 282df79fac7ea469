import { describe, expect, test } from 'vitest';
import { NonFiniteError } from '../src/errors.js';
import {
  E2M1,
  E2M3,
  E3M2,
  E4M3,
  E5M2,
  LutCodec,
  MXINT8,
  NF4,
  NF4_LEVELS,
  type MinifloatCodec,
} from '../src/formats/elements.js';
import { parseFormat } from '../src/formats/registry.js';

// Every group-scaled family's test members (FP-absmax, MX, NVFP4, NF4, the σ-scaled codebooks).
const SCALED_FORMAT_IDS = FORMAT_FAMILIES.filter((f) => ['fp', 'mx', 'nvfp4', 'nf4', 'sq'].includes(f.name)).flatMap(
  (f) => f.examples,
);
import type { ScaledFormat } from '../src/formats/scaled.js';
import { mse } from '../src/reference/metrics.js';
import { FORMAT_FAMILIES, predictedMse } from '../src/formats/traits.js';
import { gaussianMatrix } from '../src/reference/random.js';
import { seededRng } from './seed.js';

const MINI: MinifloatCodec[] = [E2M1, E2M3, E3M2, E4M3, E5M2];

describe('minifloat element formats (docs/theory.md §3.1)', () => {
  test('grids: E2M1 values, E4M3 max 448 with 127 values, E5M2 124 finite values', () => {
    expect(E2M1.grid()).toEqual([0, 0.5, 1, 1.5, 2, 3, 4, 6]);
    expect(E4M3.grid().length).toBe(127);
    expect(Math.max(...E4M3.grid())).toBe(448);
    expect(E5M2.grid().length).toBe(124);
    expect(Math.max(...E5M2.grid())).toBe(57344);
    expect(Math.max(...E2M3.grid())).toBe(7.5);
    expect(Math.max(...E3M2.grid())).toBe(28);
    expect(Math.min(...E3M2.grid().filter((v) => v > 0))).toBe(0.0625);
  });

  test.each([
    [
      E2M1,
      [
        [0.25, 0],
        [0.75, 1],
        [1.25, 1],
        [1.75, 2],
        [2.5, 2],
        [3.5, 4],
        [5, 4],
        [6.9, 6],
        [-2.5, -2],
        [100, 6],
      ],
    ],
    [
      E4M3,
      [
        [17, 16],
        [19, 20],
        [0.3, 0.3125],
        [1.5 * 2 ** -9, 2 ** -8],
        [2 ** -10, 0],
        [464, 448],
        [1e6, 448],
        [-464, -448],
      ],
    ],
    [
      E5M2,
      [
        [1e9, 57344],
        [2 ** -17, 0],
        [3 * 2 ** -17, 2 ** -15],
      ],
    ],
  ] as const)('%s test vectors (RNE, ties to even, saturation)', (codec, vectors) => {
    for (const [x, want] of vectors)
      expect(codec.value(codec.encode(Math.fround(x), 1)), `${codec.name}(${x})`).toBe(want);
  });

  test.each(MINI)(
    '$name: every grid value round-trips (both signs, power-of-two scales), codes are distinct',
    (codec) => {
      const seen = new Set<number>();
      for (const v of codec.grid()) {
        for (const sign of [1, -1]) {
          for (const s of [1, 0.25, 2 ** 20]) {
            const code = codec.encode(sign * v * s, s);
            expect(codec.value(code)).toBe(v === 0 ? 0 : sign * v);
            if (s === 1 && v !== 0) seen.add(code);
          }
        }
      }
      expect(seen.size).toBe(2 * (codec.grid().length - 1));
    },
  );

  test.each(MINI)('$name: random inputs go to the nearest grid point of x/s (brute force)', (codec) => {
    const rng = seededRng();
    const grid = codec.grid();
    for (let i = 0; i < 20000; i++) {
      const s = Math.fround(Math.exp(rng.normal() * 3));
      const x = Math.fround(rng.normal() * s * codec.vmax * 0.6);
      const got = Math.abs(codec.value(codec.encode(x, s)));
      const u = Math.abs(x) / s;
      const dists = grid.map((v) => Math.abs(u - v));
      const best = Math.min(...dists);
      expect(Math.abs(u - got), `${codec.name} x=${x} s=${s}`).toBeLessThanOrEqual(best * (1 + 1e-12));
    }
  });
});

describe('MX INT8 and NF4 element codecs', () => {
  test('MXINT8: k/64 with |k| ≤ 127, two’s complement codes', () => {
    expect(MXINT8.value(MXINT8.encode(1, 1))).toBe(1);
    expect(MXINT8.value(MXINT8.encode(-1.5 / 64, 1))).toBe(-2 / 64); // tie → even
    expect(MXINT8.value(MXINT8.encode(5, 1))).toBe(127 / 64);
    expect(MXINT8.encode(-1 / 64, 1)).toBe(0xff);
    for (let k = -127; k <= 127; k++) expect(MXINT8.value(MXINT8.encode(k / 64, 1))).toBe(k / 64);
  });

  test('NF4: the 16 QLoRA values round-trip; thresholds are 12-bit midpoints; ties go up', () => {
    NF4_LEVELS.forEach((v, i) => {
      expect(NF4.encode(Math.fround(v), 1)).toBe(i);
      expect(NF4.encode(Math.fround(v * 0.5), 0.5)).toBe(i);
    });
    for (let i = 0; i < 15; i++) {
      const t = NF4.thresholds[i];
      expect(Math.abs(t - (NF4_LEVELS[i] + NF4_LEVELS[i + 1]) / 2)).toBeLessThan(2 ** -12);
      expect(NF4.encode(t, 1)).toBe(i + 1);
      expect(NF4.encode(Math.fround(t - 2 ** -20), 1)).toBe(i);
    }
    expect(NF4.encode(3, 0)).toBe(7); // zero scale → the zero level
    expect(() => new LutCodec('bad', [1, 0])).toThrow(/strictly increasing/);
  });
});

describe('group-scaled formats', () => {
  test('MXFP4 block example (docs/theory.md §3.1): X = 0.5, x̂ = [0, −0.75, 3, 1, 0…]', () => {
    const f = parseFormat('mxfp4') as ScaledFormat;
    const data = new Float32Array(32);
    data.set([0.1, -0.7, 3.3, 1.0]);
    const q = f.encode({ rows: 1, cols: 32, data });
    expect(f.scaleOf(q, 0, 0)).toBe(0.5);
    expect(Array.from(f.decode(q).data.slice(0, 5))).toEqual([0, -0.75, 3, 1, 0]);
  });

  test.each([
    ['mxfp4', 4.25],
    ['mxfp6-e2m3', 6.25],
    ['mxfp8-e4m3', 8.25],
    ['mxint8', 8.25],
    ['e2m1-g32', 4.5],
    ['e2m1-g32-f32', 5],
    ['nf4-g64', 4.25],
    ['nf4-g64-f32', 4.5],
    ['nvfp4', 4.5 + 32 / 4096], // E4M3 per 16, plus the f32 tensor scale kept with each row
  ])('%s bitsPerEntry at K=4096 is %f', (id, bpe) => {
    expect(parseFormat(id).layout(4096).bitsPerEntry).toBe(bpe);
  });

  test.each(SCALED_FORMAT_IDS)(
    '%s: decode(encode(x)) is as close as the format predicts, and NaN is rejected',
    (id) => {
      const f = parseFormat(id);
      const m = gaussianMatrix(64, 256, seededRng());
      const d = f.decode(f.encode(m));
      const predicted = predictedMse(f, 256)!;
      expect(mse(d.data, m.data) / predicted).toBeGreaterThan(0.8);
      expect(mse(d.data, m.data) / predicted).toBeLessThan(1.25);
      const bad = gaussianMatrix(2, 10, seededRng());
      bad.data[11] = Infinity;
      expect(() => f.encode(bad)).toThrow(NonFiniteError);
    },
  );
});

describe('NVFP4 (docs/theory.md §3.1 recipe)', () => {
  test('tensor scale S = amax·fl(1/2688) in every row; block scales are E4M3 of amax_b/(6S), ≥ 2^−9', () => {
    const f = parseFormat('nvfp4') as ScaledFormat;
    const m = gaussianMatrix(4, 64, seededRng());
    m.data[70] = 9; // the tensor max
    m.data.fill(0, 16, 32); // an all-zero block of row 0
    const q = f.encode(m);
    const S = Math.fround(9 * Math.fround(1 / 2688));
    expect(Array.from(new Float32Array(q.aux.buffer))).toEqual([S, S, S, S]);
    expect(f.scaleOf(q, 0, 1)).toBe(Math.fround(S * 2 ** -9)); // zero block: the smallest scale
    const blockMax = Math.max(...Array.from(m.data.subarray(0, 16), Math.abs));
    const want = E4M3.value(E4M3.encode(blockMax, Math.fround(6 * S)));
    expect(f.scaleOf(q, 0, 0)).toBe(Math.fround(S * want));
    // the tensor max maps to 6·448·S ≈ 9 and is reproduced to within E2M1/E4M3 rounding
    expect(Math.abs(f.decode(q).data[70] - 9)).toBeLessThan(9 * 0.07);
  });
});

describe('MSE on iid N(0,1), 2^22 samples, within ±1% of docs/theory.md §3.3', () => {
  const N = 1 << 22;
  test.each([
    ['e2m1-g32-f32', 0.01022],
    ['e2m1-g16-f32', 0.0088627],
    ['e2m1-g32', 0.01022],
    ['mxfp4', 0.013212],
    ['nf4-g64-f32', 0.0084606],
    ['nf4-g64', 0.0084606],
    ['mxfp6-e2m3', 8.0453e-4],
    ['mxfp6-e3m2', 2.91e-3],
    ['mxfp8-e4m3', 8.6108e-4],
    ['mxfp8-e5m2', 2.9102e-3],
    ['mxint8', 6.8079e-5],
    ['nvfp4', 0.0090465],
  ])('%s: %f', (id, ref) => {
    const f = parseFormat(id);
    const m = gaussianMatrix(N / 4096, 4096, seededRng());
    const e = mse(f.decode(f.encode(m)).data, m.data);
    expect(Math.abs(e / ref - 1), `measured ${e}`).toBeLessThan(0.01);
  });
});
