import { describe, expect, test } from 'vitest';
import {
  buildQuantizer,
  compandingQuantizer,
  densityFormat,
  estimatePairCorrelation,
  exactMatmulError,
  lloydQuantizer,
  marginalMse,
  optimizeExactMatmul,
} from '../src/formats/density.js';
import { parseFormat } from '../src/formats/registry.js';
import { rneSqrt11 } from '../src/formats/rounding.js';
import type { ScaledFormat } from '../src/formats/scaled.js';
import { gaussianMatrix, Rng } from '../src/reference/random.js';
import {
  BIMODAL_THRESHOLD,
  densityJ,
  densityNormalizer,
  densityPeak,
  optimalConstant,
  optimalDensity,
  panterDiteMatmulConstant,
  PANTER_DITE_GAUSSIAN,
} from '../src/theory/density.js';
import { seededRng } from './seed.js';

describe('the optimal matmul density λ*(ρ) (docs/theory.md §4, Table 4.1)', () => {
  test.each([
    [0, 3.196102, 4.341608, 2.7207, 0],
    [0.3, 3.348041, 4.548003, 3.12745, 0],
    [0.5, 3.524371, 4.787531, 3.64807, 0],
    [0.7, 3.687237, 5.008769, 4.17755, 0.97938],
    [0.9, 3.77893, 5.133326, 4.49703, 1.3287],
    [0.99, 3.731966, 5.06953, 4.33144, 1.40702],
    // biome-ignore lint/suspicious/noApproximativeNumericConstant: the published table's 5-digit value
    [1, 3.698634, 5.024252, 4.21641, 1.41421],
  ])('ρ = %f: J, Z, C_opt, peak', (rho, J, Z, C, peak) => {
    expect(densityJ(rho) / J).toBeCloseTo(1, 5);
    expect(densityNormalizer(rho) / Z).toBeCloseTo(1, 5);
    expect(optimalConstant(rho) / C).toBeCloseTo(1, 5);
    expect(densityPeak(rho)).toBeCloseTo(peak, 4);
  });

  test('bimodal exactly when |ρ| > 1/√3, with peaks at ±√(3 − 1/ρ²) (grid search)', () => {
    for (const rho of [0.2, 0.5, 0.57, 0.5774, 0.58, 0.65, 0.8, 0.95, -0.9]) {
      let best = 0;
      for (let u = 0; u <= 4; u += 1e-4) if (optimalDensity(u, rho) > optimalDensity(best, rho)) best = u;
      const bimodal = Math.abs(rho) > BIMODAL_THRESHOLD;
      expect(best > 1e-3, `ρ = ${rho}`).toBe(bimodal);
      if (bimodal) expect(best).toBeCloseTo(Math.sqrt(3 - 1 / (rho * rho)), 3);
      // and 0 is then a local minimum
      if (bimodal) expect(optimalDensity(0, rho)).toBeLessThan(optimalDensity(0.01, rho));
    }
  });

  test('Panter–Dite constants', () => {
    expect(PANTER_DITE_GAUSSIAN).toBeCloseTo(2.7207, 4);
    expect(panterDiteMatmulConstant(0.9) / optimalConstant(0.9)).toBeCloseTo(1.5851, 3);
  });
});

describe('K-level quantizers against Table 7.1 (exact E[D²], ρ = 0.9)', () => {
  test.each([
    [8, 0.139],
    [16, 0.03432],
    [32, 0.008649],
  ])('companding (nn) K = %i: E[D²] within 2 per cent of %f', (K, ref) => {
    expect(Math.abs(exactMatmulError(compandingQuantizer(K, 0.9), 0.9).meanSquare / ref - 1)).toBeLessThan(0.02);
  });

  test.each([0, 0.5, 0.9])(
    'compander cells: K²·E[D²] within 1 per cent of 2·C_opt for K = 16, 32, 64 at ρ = %f',
    (rho) => {
      for (const K of [16, 32, 64]) {
        const v = K * K * exactMatmulError(compandingQuantizer(K, rho, 'cp'), rho).meanSquare;
        expect(Math.abs(v / (2 * optimalConstant(rho)) - 1), `K = ${K}`).toBeLessThan(0.01);
      }
    },
  );

  test('K = 16: at least 1.6× lower than Lloyd–Max (0.05839), and the bias is reported separately', () => {
    const lm = exactMatmulError(lloydQuantizer(16, 0), 0.9);
    const opt = exactMatmulError(compandingQuantizer(16, 0.9), 0.9);
    expect(lm.meanSquare).toBeCloseTo(0.05839, 4);
    expect(lm.meanSquare / opt.meanSquare).toBeGreaterThan(1.6);
    expect(lm.bias).toBeCloseTo(0.0165, 3);
    expect(Math.abs(opt.bias)).toBeLessThan(0.001);
  });

  test('K = 4: direct optimisation of the exact objective reaches 0.4968 ±2% (centers ±0.6915, ±2.0274)', () => {
    const q = optimizeExactMatmul(4, 0.9);
    expect(Math.abs(exactMatmulError(q, 0.9).meanSquare / 0.4968 - 1)).toBeLessThan(0.02);
    expect(q.centers[3]).toBeCloseTo(2.0274, 2);
    expect(q.centers[2]).toBeCloseTo(0.6915, 2);
    // the surrogate is poor there (0.609), as docs/theory.md §4 warns
    expect(exactMatmulError(lloydQuantizer(4, 0.9), 0.9).meanSquare).toBeGreaterThan(0.6);
  });

  test('ρ = 0: weighted Lloyd is Lloyd–Max, and E[D²] = 2D − D² (D the marginal MSE)', () => {
    const lm = lloydQuantizer(8, 0);
    const D = marginalMse(lm);
    expect(D).toBeCloseTo(0.0345478, 6);
    expect(marginalMse(lloydQuantizer(4, 0))).toBeCloseTo(0.117482, 5);
    expect(exactMatmulError(lm, 0).meanSquare).toBeCloseTo(2 * D - D * D, 6);
    expect(lloydQuantizer(8, 0).centers).toEqual(buildQuantizer(8, 'lm').centers);
  });
});

describe('codebook formats with a per-row σ scale', () => {
  test('σ rounding: √v to 11 significant bits, exact ties to even', () => {
    expect(rneSqrt11(4)).toBe(2);
    const mid = (2 * 1500 + 1) * 2 ** -11; // halfway between two 11-bit values near 1.46
    expect(rneSqrt11(mid * mid)).toBe(1500 * 2 ** -10); // 1500 is even
    const mid2 = (2 * 1501 + 1) * 2 ** -11;
    expect(rneSqrt11(mid2 * mid2)).toBe(1502 * 2 ** -10);
    const rng = new Rng(5);
    for (let i = 0; i < 2000; i++) {
      const v = Math.fround(Math.exp(rng.normal() * 10));
      const c = rneSqrt11(v);
      const u = 2 ** (Math.floor(Math.log2(c)) - 10);
      expect(Math.abs(Math.sqrt(v) - c)).toBeLessThanOrEqual(u / 2 + 1e-300);
    }
  });

  test('sq16-opt-r0.9 on 2^22 correlated pairs: E[D²] within 2% of 0.03432 through the actual encoder', () => {
    const f = parseFormat('sq16-opt-r0.9');
    const rng = seededRng();
    const n = 1 << 22;
    const K = 1024;
    const x = gaussianMatrix(n / K, K, rng);
    const y = gaussianMatrix(n / K, K, rng);
    for (let i = 0; i < n; i++) y.data[i] = Math.fround(0.9 * x.data[i] + Math.sqrt(1 - 0.81) * y.data[i]);
    const xq = f.decode(f.encode(x)).data;
    const yq = f.decode(f.encode(y)).data;
    let d2 = 0;
    for (let i = 0; i < n; i++) d2 += (x.data[i] * y.data[i] - xq[i] * yq[i]) ** 2;
    expect(Math.abs(d2 / n / 0.03432 - 1)).toBeLessThan(0.02);
  });

  test('ids, layout and ρ estimation', () => {
    const f = parseFormat('sq16-opt-r0.9') as ScaledFormat;
    expect(f.layout(4096).bitsPerEntry).toBe(4 + 32 / 4096);
    expect(parseFormat('sq256-cp-r0.5').layout(1024).bitsPerEntry).toBe(8 + 32 / 1024);
    expect(() => parseFormat('sq16-opt')).toThrow(/give -r<ρ>/);
    expect(() => parseFormat('sq16-lm-r0.5')).toThrow(/give -r<ρ>/);
    expect(() => densityFormat(9, 'mm', 0.5)).toThrow(/K ≤ 8/);
    const rng = seededRng();
    const x = gaussianMatrix(64, 512, rng);
    const w = gaussianMatrix(64, 512, rng);
    expect(Math.abs(estimatePairCorrelation(x, w))).toBeLessThan(0.05);
    // columns with a shared sign pattern: the pairs (X[m,k], W[n,k]) become correlated
    for (let k = 0; k < 512; k++) {
      const s = rng.normal() * 3;
      for (let r = 0; r < 64; r++) {
        x.data[r * 512 + k] += s;
        w.data[r * 512 + k] += s;
      }
    }
    expect(estimatePairCorrelation(x, w)).toBeGreaterThan(0.8);
  });
});
