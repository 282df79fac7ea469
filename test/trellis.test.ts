import { describe, expect, test } from 'vitest';
import { FormatError, ShapeError } from '../src/errors.js';
import { parseFormat } from '../src/formats/registry.js';
import { madCode, stateCodes } from '../src/formats/trellis/code.js';
import type { TrellisFormat } from '../src/formats/trellis/format.js';
import { TrellisSearch } from '../src/formats/trellis/viterbi.js';
import { gaussianMatrix } from '../src/reference/random.js';
import { weightedMse } from '../src/weightonly/linalg.js';
import { syntheticSigma } from '../src/weightonly/synthetic.js';
import { trellisLdlq } from '../src/weightonly/trellis-ldlq.js';
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

  test('with the last state joined to a following block: the minimum over the streams that join it', () => {
    const rng = seededRng();
    const L = 5;
    const k = 2;
    const T = 4;
    const values = Float32Array.from({ length: 2 ** L }, () => rng.normal());
    const x = Array.from({ length: T }, () => 2 * rng.normal());
    const search = new TrellisSearch(L, k, T);
    const free = search.search(x, 0, T, values);
    for (let endHigh = 0; endHigh < 2 ** (L - k); endHigh++) {
      const err = search.search(x, 0, T, values, endHigh);
      let best = Infinity;
      const bits = L + (T - 1) * k;
      for (let v = 0; v < 2 ** bits; v++) {
        if (v >>> ((T - 1) * k + k) !== endHigh) continue; // the last window's high L − k bits
        let e = 0;
        for (let t = 0; t < T; t++) e += (x[t] - values[(v >>> (t * k)) & (2 ** L - 1)]) ** 2;
        best = Math.min(best, e);
      }
      expect(err).toBeCloseTo(best, 9);
      expect(search.states[T - 1] >>> k).toBe(endHigh);
      expect(err).toBeGreaterThanOrEqual(free);
    }
    expect(() => search.search(x, 0, T, values, 2 ** (L - k))).toThrow(RangeError);
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

  test('block-LDLQ: one run with Σ = I gives encode’s codes exactly; a rotated Σ lowers the Σ-weighted error', () => {
    const rng = seededRng();
    const a = 48;
    const n = 64;
    const f = parseFormat('tcq2-l8') as TrellisFormat;
    const W = Float64Array.from({ length: a * n }, () => rng.normal());
    const plain = f.encode({ rows: a, cols: n, data: Float32Array.from(W) });
    const I = new Float64Array(n * n);
    for (let i = 0; i < n; i++) I[i * n + i] = 1;
    const same = trellisLdlq(W, a, n, I, f, n);
    expect([same.codes, same.scales]).toEqual([plain.codes, plain.scales]);
    const S = syntheticSigma(rng, n, true);
    const err = (m: typeof plain) => {
      const d = f.decode(m).data;
      return weightedMse(
        Float64Array.from(W, (w, i) => w - d[i]),
        a,
        S,
        n,
      );
    };
    const runs = trellisLdlq(W, a, n, S, f, 8); // measured ≈ 0.7× plain encode
    expect(err(runs)).toBeLessThan(0.8 * err(plain));
    // a path that breaks the trellis is refused by name
    const states = new Uint32Array(a * n);
    states[5] = 1;
    expect(() => f.assemble(a, n, new Float32Array(a).fill(1), states)).toThrow(/does not follow/);
    expect(() => f.assemble(a, n, new Float32Array(a), states.subarray(1))).toThrow(ShapeError);
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
