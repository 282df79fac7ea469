import { describe, expect, test } from 'vitest';
import { FormatError } from '../src/errors.js';
import { parseFormat } from '../src/formats/registry.js';
import type { NestedLatticeFormat } from '../src/lattice/format.js';
import { universalPartnerId } from '../src/lattice/registry.js';
import { fitUniversalBetas, gaugeTwice } from '../src/lattice/universal.js';
import { E8 } from '../src/lattice/lattices.js';
import { rotateRows } from '../src/transforms/hadamard.js';
import {
  adversarialPairs,
  guaranteeSchemes,
  measureGuarantee,
  type GuaranteeRow,
} from '../src/theory/universal-guarantee.js';
import { seededRng } from './seed.js';

const lattice = (id: string) => parseFormat(id) as NestedLatticeFormat;

describe('universal scheme: the format', () => {
  test('ids, rate counted with the mean word, refusals', () => {
    const f = lattice('e8-q14-k4-u3');
    expect(f.id).toBe('e8-q14-k4-u3');
    expect(f.centred).toEqual({ meanWord: 1, ditherSeed: 3, subtractMean: true });
    expect(f.layout(1024).wordsPerRow.scales).toBe(2);
    // σ and μ: 64 bits per row
    expect(f.layout(1024).bitsPerEntry - lattice('e8-q14-k4').layout(1024).bitsPerEntry).toBeCloseTo(32 / 1024, 9);
    expect(lattice('e8-q8-k4-u1-nodither-nocentre').centred?.subtractMean).toBe(false);
    expect(() => parseFormat('e8-q2-k4-u1')).toThrow(FormatError);
    expect(() => f.codeBlock([1, 2, 3, 4, 5, 6, 7, 8], 1)).toThrow(/universal/);
    // the other operand of a product takes the next seed (the demo's live run does this)
    expect(universalPartnerId('e8-q14-k4-s7-u3-nocentre')).toBe('e8-q14-k4-s7-u4-nocentre');
    expect(() => universalPartnerId('e8-q14-k4')).toThrow(FormatError);
  });

  test('β rule: no dither can overload a block; the decoded error stays in the chosen cell', () => {
    const rng = seededRng();
    const f = lattice('e8-q8-k4-u1');
    // heavy tails and a common offset: the centring and the gauge rule both matter
    const K = 512;
    const m = { rows: 24, cols: K, data: new Float32Array(24 * K).map(() => rng.studentT(1) + 50) };
    const q = f.encode(m);
    const { centred } = f.centreRows(m);
    const y = rotateRows(centred, f.rotation(K)!);
    const got = f.decodeCodingDomain(q);
    const idx = f.blockIndices(q);
    const sigmas = Array.from({ length: m.rows }, (_, r) => f.rowSigma(y.data, r * K, K));
    let worst = 0;
    for (let b = 0; b < idx.length; b++) {
      const r = Math.floor(b / (K / 8));
      const step = (sigmas[r] * f.betas[idx[b]]) / f.q; // one lattice unit
      let e2 = 0;
      for (let i = 0; i < 8; i++) e2 += (got.data[b * 8 + i] / f.shrinkage - y.data[b * 8 + i]) ** 2;
      // E8's covering radius is 1 lattice unit (the fixed-point grid adds < 1e-3)
      worst = Math.max(worst, Math.sqrt(e2) / step);
    }
    expect(worst).toBeLessThan(1.001);
    expect(worst).toBeGreaterThan(0.5);
  });

  test('fitted β: the largest guards 16× the mean block energy, D̄ matches the measured error', () => {
    const fit = fitUniversalBetas(E8, 14, 4);
    expect(fit.betas.length).toBe(4);
    expect(fit.betas[3]).toBeGreaterThanOrEqual((Math.sqrt(2 * 16 * 8) * 14) / 12);
    expect(fit.usage.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // flat block ±1 with an odd number of minus signs: ½(Σ|t| − 2 min) = 3, pairs 2 → twice-gauge 6·256
    expect(gaugeTwice(E8, [256, -256, 256, 256, 256, 256, 256, 256])).toBe(6 * 256);
    expect(gaugeTwice(E8, [256, 256, 256, 256, 256, 256, 256, 256])).toBe(8 * 256);
  });
});

describe('universal scheme: the guarantee on adversarial pairs (bench:universal has the full table)', () => {
  // E‖ABᵀ − Ĉ‖² is an expectation over the shared randomness; 16 trials × 144 entries measure it to about ±10%.
  const trials = 16;
  const [universal, undithered, uncentred] = guaranteeSchemes(8, []);
  const run = (s: typeof universal) => {
    const pairs = adversarialPairs(256, 12, 12, seededRng().u32());
    return pairs.map((p) => measureGuarantee(p, s, trials));
  };
  const show = (rows: GuaranteeRow[]) =>
    rows
      .map((r) => `${r.pair}: ${r.ratio.toFixed(3)} (pred ${r.predictedRatio?.toFixed(3)}, z² ${r.biasZ2?.toFixed(2)})`)
      .join('; ');

  test('universal e8-q8: unbiased on every pair, within the D̄ bound, as its codes predict', () => {
    const rows = run(universal);
    console.log(`[universal] ${show(rows)}`);
    // Unbiased: z² ≈ 1. On the rank-one, identical-row and correlated pairs the 144 entries share their rows'
    // errors, so their mean z² has few degrees of freedom: over 150 pair seeds it passed 1.6 in 10% of runs
    // (p99 1.6–2.1; one suite run read 2.95) while the other pairs stayed below 1.45, and the median over the
    // nine pairs below 1.15. The undithered code reads ≥ 11 on the structured pairs (60 seeds; test below).
    const z2 = rows.map((r) => r.biasZ2!).sort((a, b) => a - b);
    expect(z2[Math.floor(z2.length / 2)]).toBeLessThan(1.3);
    for (const r of rows) {
      expect(r.biasZ2!, r.pair).toBeLessThan(4);
      if (r.pair.startsWith('student')) {
        // A few rows carry most of the energy, so 16 trials measure the expectation to about ±30%; and rows
        // that rotate into flat blocks need larger β than Gaussian ones (docs/universal.md §3). The full
        // figures are bench:universal's (32 trials, 16 rows).
        expect(r.ratio, r.pair).toBeLessThan(2);
        continue;
      }
      expect(r.ratio, r.pair).toBeLessThan(1.25);
      expect(r.predictedRatio!, r.pair).toBeLessThan(1.25);
      expect(r.predictedRatio!, r.pair).toBeGreaterThan(0.75); // 150 seeds: ≥ 0.79
    }
  });

  test('without the dither the estimate is biased; without centring an offset breaks the bound', () => {
    const nd = run(undithered);
    const nc = run(uncentred);
    console.log(`[undithered] ${show(nd)}\n[uncentred] ${show(nc)}`);
    // structured rows: without the dither the error of a row is a fixed function of the row, and the
    // rotation's randomness alone does not average it out
    const structured = nd.filter((r) => /rank one|identical|one-hot/.test(r.pair));
    expect(Math.max(...structured.map((r) => r.biasZ2!))).toBeGreaterThan(3);
    expect(nc.find((r) => r.pair.startsWith('offset'))!.ratio).toBeGreaterThan(1e3);
  });
});
