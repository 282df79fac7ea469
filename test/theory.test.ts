import { describe, expect, test } from 'vitest';
import { OptionsError } from '../src/errors.js';
import { gammaBound, gapToGammaBits, phi, rateLoss, R_STAR } from '../src/theory/gaussian.js';

describe('Γ(R), the matmul rate–distortion bound (docs/theory.md §2.1)', () => {
  test('R* = 0.906324 solves 2^{2R} − 1 = 4 ln2 R', () => {
    expect(R_STAR).toBeCloseTo(0.906324, 6);
    expect(phi(R_STAR)).toBeCloseTo(0.4883, 4);
  });
  test.each([
    [0.5, 0.717706],
    [R_STAR, 0.4883],
    [1, 0.4375],
    [2, 0.121094],
    [3, 0.0310059],
    [4, 7.79724e-3],
    [6, 4.88222e-4],
    [8, 3.05174e-5],
  ])('Γ(%f) = %f', (r, g) => {
    expect(gammaBound(r) / g).toBeCloseTo(1, 4);
  });
  test('linear below R* (slope −0.564588), continuous and tangent at R*', () => {
    expect((gammaBound(0.3) - gammaBound(0.2)) / 0.1).toBeCloseTo(-0.564588, 5);
    expect(gammaBound(R_STAR - 1e-9)).toBeCloseTo(gammaBound(R_STAR + 1e-9), 7);
    const slopePhi = (phi(R_STAR + 1e-6) - phi(R_STAR - 1e-6)) / 2e-6;
    expect(slopePhi).toBeCloseTo(-0.564588, 4);
    expect(gammaBound(0)).toBe(1);
  });
  test('rate loss and gap definitions', () => {
    expect(rateLoss(4.5, 0.0094148)).toBeCloseTo(1.135, 3); // docs/theory.md §3.3 ΔR_tot for INT4 g32
    expect(gapToGammaBits(4, gammaBound(4) * 4)).toBeCloseTo(1, 12);
    expect(() => gammaBound(-1)).toThrow(OptionsError);
  });
});
