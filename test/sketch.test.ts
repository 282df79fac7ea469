import { describe, expect, test } from 'vitest';
import { gaussianMatrix } from '../src/reference/random.js';
import { gammaBound, phi, R_STAR } from '../src/theory/gaussian.js';
import { ecsq, ecsqForEntropy, lowRateProduct } from '../src/transforms/sketch.js';
import { seededRng } from './seed.js';

describe('ECSQ with centroid reconstruction (the continuous-rate quantizer of the low-rate test)', () => {
  test('entropy hits its target; MSE sits just above D(R) = 2^{-2R} at low rate', () => {
    for (const R of [0.25, 0.5, R_STAR, 1.5, 3]) {
      const q = ecsqForEntropy(R);
      expect(q.entropy).toBeCloseTo(R, 6);
      expect(q.mse).toBeGreaterThan(2 ** (-2 * R));
      expect(q.mse).toBeLessThan(2 ** (-2 * R) * 10 ** 0.16); // within 1.6 dB of D(R)
    }
    // a huge step: everything in the zero cell, MSE → 1, entropy → 0
    expect(ecsq(30).mse).toBeCloseTo(1, 6);
  });
});

describe('phase transition at R* (docs/theory.md §2.2)', () => {
  test(
    'R = 0.5: keeping R/R* of the rotated coordinates beats spreading 0.5 bit over all of them; above R* it ' +
      'does not',
    () => {
      const rng = seededRng();
      const K = 4096;
      const A = gaussianMatrix(64, K, rng);
      const B = gaussianMatrix(64, K, rng);
      const seed = rng.u32();
      const spread = lowRateProduct(A, B, 0.5, 'spread', { seed });
      const sketch = lowRateProduct(A, B, 0.5, 'sketch', { seed });
      // equal total rate (measured entropy, row scales included)
      expect(Math.abs(spread.rate - sketch.rate)).toBeLessThan(0.02);
      expect(sketch.productNmse).toBeLessThan(spread.productNmse * 0.98);
      // both near their predictions: spread ≈ 2D − D² at D = D_ecsq(0.5); sketch ≈ κ·(2D* − D*²) + 1 − κ
      const d = ecsqForEntropy(0.5).mse;
      const ds = ecsqForEntropy(R_STAR).mse;
      const kappa = sketch.kept;
      expect(Math.abs(spread.productNmse / (2 * d - d * d) - 1)).toBeLessThan(0.1);
      expect(Math.abs(sketch.productNmse / (kappa * (2 * ds - ds * ds) + 1 - kappa) - 1)).toBeLessThan(0.1);
      // and neither beats the bound
      expect(sketch.productNmse).toBeGreaterThan(gammaBound(sketch.rate) * 0.97);
      // above R*: sketching (κ = 0.75 at 2 bits) loses to spreading 1.5 bits
      const hiSpread = lowRateProduct(A, B, 1.5, 'spread', { seed });
      const hiSketch = lowRateProduct(A, B, 1.5, 'sketch', { seed, codedRate: 2 });
      expect(hiSpread.productNmse).toBeLessThan(hiSketch.productNmse);
      expect(phi(0.5)).toBeGreaterThan(gammaBound(0.5));
    },
  );
});
