import { describe, expect, test } from 'vitest';
import { FormatError } from '../src/errors.js';
import { parseFormat } from '../src/formats/registry.js';
import { madCode, stateCodes } from '../src/formats/trellis/code.js';
import type { TrellisFormat } from '../src/formats/trellis/format.js';
import { TrellisSearch } from '../src/formats/trellis/viterbi.js';
import { gaussianMatrix } from '../src/reference/random.js';
import { seededRng } from './seed.js';

describe('trellis search (Viterbi over a bitshift trellis)', () => {
  test('finds the minimum over every bit stream of a small trellis (brute force), ties to the smallest', () => {
    const rng = seededRng();
    const L = 4;
    const k = 1;
    const T = 7;
    const values = Float32Array.from({ length: 2 ** L }, () => Math.round(rng.normal() * 4) / 4); // ties likely
    const x = Array.from({ length: T }, () => rng.normal());
    const search = new TrellisSearch(L, k, T);
    const err = search.search(x, 0, T, values);
    // every stream of L + (T − 1)·k bits; state t is the window [t·k, t·k + L)
    let best = Infinity;
    const bits = L + (T - 1) * k;
    for (let v = 0; v < 2 ** bits; v++) {
      let e = 0;
      for (let t = 0; t < T; t++) e += (x[t] - values[(v >>> (t * k)) & (2 ** L - 1)]) ** 2;
      best = Math.min(best, e);
    }
    expect(err).toBeCloseTo(best, 9);
    // the returned path is a valid trellis path with that error
    let e = 0;
    for (let t = 0; t < T; t++) {
      if (t > 0) expect(search.states[t] & (2 ** (L - k) - 1)).toBe(search.states[t - 1] >>> k);
      e += (x[t] - values[search.states[t]]) ** 2;
    }
    expect(e).toBeCloseTo(err, 9);
  });

  test('1MAD code: integers in [−510, 510], mean ≈ 0 over the states', () => {
    const codes = stateCodes(16);
    let sum = 0;
    for (const c of codes) {
      expect(Math.abs(c)).toBeLessThanOrEqual(510);
      sum += c;
    }
    expect(Math.abs(sum / codes.length)).toBeLessThan(5);
    expect(madCode(0)).toBe(codes[0]);
  });
});

describe('trellis formats', () => {
  test('ids, rate everything counted, refusals', () => {
    const f = parseFormat('tcq2-l16') as TrellisFormat;
    expect(f.family).toBe('trellis');
    // K = 4096: one segment, 2 bits per weight + its 16 − 2 start bits (in whole words) + 32 bits of σ
    expect(f.layout(4096).bitsPerEntry).toBeCloseTo((32 * Math.ceil((2 * 4096 + 14) / 32) + 32) / 4096, 9);
    expect(f.layout(8192).wordsPerRow.codes).toBe(Math.ceil((2 * 8192 + 2 * 14) / 32));
    expect(() => parseFormat('tcq2-l21')).toThrow(FormatError);
    expect(() => parseFormat('tcq3-l3')).toThrow(FormatError);
  });

  test('random paths (bench:gpu’s timing operand) are valid codes: every value within the code’s range', () => {
    const rng = seededRng();
    const f = parseFormat('tcq3-l12') as TrellisFormat;
    const q = f.randomPaths(3, 100, () => rng.u32());
    const d = f.decodeCodingDomain(q);
    expect(d.cols).toBe(f.paddedK(100));
    const top = 510 * f.step; // σ = 1
    expect(Math.max(...d.data.map(Math.abs))).toBeLessThanOrEqual(top);
    expect(new Set(d.data).size).toBeGreaterThan(50);
  });

  test('Gaussian MSE at 2 bits below the best scalar quantizer, above D(R)', () => {
    const rng = seededRng();
    const f = parseFormat('tcq2-l12') as TrellisFormat;
    const x = gaussianMatrix(4, 1024, rng);
    const q = f.encode(x);
    const d = f.decode(q);
    let e = 0;
    for (let i = 0; i < x.data.length; i++) e += (x.data[i] - d.data[i]) ** 2;
    const mse = e / x.data.length;
    // Lloyd–Max at 2 bits: 0.1175; D(2) = 0.0625
    expect(mse).toBeLessThan(0.09);
    expect(mse).toBeGreaterThan(0.0625);
  });
});
