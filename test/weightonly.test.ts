import { describe, expect, test } from 'vitest';
import { CorruptFileError } from '../src/errors.js';
import { buildTable, empiricalEntropy, ransDecode, ransEncode, tableBits } from '../src/entropy/rans.js';
import { dIT, gptqPredictedGap, reverseWaterfilling, SCALAR_GAP_BITS } from '../src/theory/waterfill.js';
import { CovarianceAccumulator } from '../src/weightonly/calibration.js';
import { syntheticSigma } from '../src/weightonly/synthetic.js';
import { covarianceStats, decodeWeightOnly, quantizeWeightOnly } from '../src/weightonly/watersic.js';
import { intOperand } from '../src/weightonly/operand.js';
import { gptqInt } from '../src/weightonly/gptq-format.js';
import { blockLdlq } from '../src/weightonly/block-ldlq.js';
import type { NestedLatticeFormat } from '../src/lattice/format.js';
import { parseFormat } from '../src/formats/registry.js';
import type { IntFormat } from '../src/formats/int.js';
import { weightedMse } from '../src/weightonly/linalg.js';
import { seededRng } from './seed.js';

describe('rANS', () => {
  test('round trip is exact and the coded size is within 1% of the empirical entropy', () => {
    const rng = seededRng();
    const sources: [string, () => number][] = [
      ['geometric', () => Math.floor(Math.log(rng.uniform() + 1e-12) / Math.log(0.3))],
      ['rounded Gaussian', () => Math.round(rng.normal() * 20)],
      ['uniform 4', () => rng.int(-2, 1)],
    ];
    for (const [what, draw] of sources) {
      const s = Int32Array.from({ length: 20000 }, draw);
      const t = buildTable(s);
      const bytes = ransEncode(s, t);
      expect(ransDecode(bytes, s.length, t), what).toEqual(s);
      const ideal = empiricalEntropy(s) * s.length;
      expect((8 * bytes.length) / ideal, what).toBeLessThan(1.01);
      expect(tableBits(t)).toBeGreaterThan(0);
    }
    const one = new Int32Array(50).fill(7); // a single symbol: zero entropy, 4 bytes of state
    expect(ransDecode(ransEncode(one, buildTable(one)), 50, buildTable(one))).toEqual(one);
  });

  test('a truncated or extended stream is a CorruptFileError', () => {
    const rng = seededRng();
    const s = Int32Array.from({ length: 500 }, () => Math.round(rng.normal() * 5));
    const t = buildTable(s);
    const bytes = ransEncode(s, t);
    expect(() => ransDecode(bytes.subarray(0, bytes.length - 3), s.length, t)).toThrow(CorruptFileError);
    expect(() => ransDecode(Uint8Array.from([...bytes, 1, 2]), s.length, t)).toThrow(CorruptFileError);
  });
});

describe('WaterSIC and GPTQ (SIC) on synthetic W and Σ_X', () => {
  // docs/theory.md §5: WaterSIC 0.247–0.255 bit above D_IT at R ≥ 3; GPTQ 0.2546 + ½·log₂(AM/GM of the pivots).
  test.each([
    ['diagonal', false],
    ['rotated', true],
  ])('%s Σ_X: gaps to D_IT at the coded rate, R = 3 and 4 (a = 4096, n = 64)', (_what, rotated) => {
    const rng = seededRng();
    const n = 64;
    const a = 4096;
    const S = syntheticSigma(rng, n, rotated);
    const W = Float64Array.from({ length: a * n }, () => rng.normal());
    const st = covarianceStats(S, n);
    for (const R of [3, 4]) {
      const ws = quantizeWeightOnly(W, a, n, S, R, 'watersic');
      const gq = quantizeWeightOnly(W, a, n, S, R, 'gptq');
      for (const r of [ws, gq]) {
        expect(Math.abs(r.entropyBits - R), `${r.method} R=${R} entropy`).toBeLessThan(0.03);
        expect(r.codedBits / r.entropyBits, `${r.method} coded vs entropy`).toBeLessThan(1.01);
        expect(r.codedBits).toBeGreaterThan(r.entropyBits);
      }
      const gap = (r: typeof ws) => 0.5 * Math.log2(r.wmse / dIT(1, st.logDetPerN, r.codedBits));
      expect(gap(ws), `WaterSIC R=${R}`).toBeGreaterThan(0.23);
      // Above 0.2546 by the finite-rate excess (fed-back rounding noise): zero for a diagonal Σ, 0.015–0.02
      // bit at R = 3 rotated; a = 4096 rows leave ±0.01 of sampling noise (the bench uses 16384).
      if (!rotated) expect(ws.interferenceExcessBits).toBeLessThan(1e-12);
      else expect(ws.interferenceExcessBits).toBeGreaterThan(0.002);
      const excess = gap(ws) - (SCALAR_GAP_BITS + ws.interferenceExcessBits);
      expect(excess, `WaterSIC R=${R} above its finite-rate prediction`).toBeLessThan(0.012);
      expect(excess, `WaterSIC R=${R} below its finite-rate prediction`).toBeGreaterThan(-0.01);
      if (R === 4) expect(Math.abs(gap(gq) - gptqPredictedGap(st.pivots)), `GPTQ R=${R}`).toBeLessThan(0.03);
      expect(gap(gq)).toBeGreaterThan(gap(ws));
    }
  });

  test('what is stored decodes to exactly the reconstruction measured', () => {
    const rng = seededRng();
    const n = 16;
    const a = 300;
    const S = syntheticSigma(rng, n, true);
    const W = Float64Array.from({ length: a * n }, () => rng.normal() * 0.1);
    const r = quantizeWeightOnly(W, a, n, S, 3, 'watersic');
    expect(decodeWeightOnly(r)).toEqual(r.What);
    // As an engine operand: Z as unit-scale INT (exact) times the column scales gives Ŵ exactly.
    const op = intOperand(r);
    const z = op.w.format.decode(op.w).data;
    for (let i = 0; i < a * n; i++) expect(z[i] * op.columnScales[i % n]).toBe(r.What[i]);
  });

  test('a rate the columns cannot hold (1 and 4 rows at 2.55 bits): it stops, keeps the error finite and small', () => {
    const rng = seededRng();
    const n = 24;
    const S = syntheticSigma(rng, n, true);
    for (const a of [1, 4]) {
      const W = Float64Array.from({ length: a * n }, () => rng.normal() * 0.1);
      const r = quantizeWeightOnly(W, a, n, S, 2.55, 'watersic', { maxAbs: 127, tables: 'smaller' });
      expect(r.What.every(Number.isFinite)).toBe(true);
      // at most log2(a) bits of entropy per column (0 for one row); steps of a ~2.55-bit quantizer or finer
      expect(r.entropyBits).toBeLessThanOrEqual(Math.log2(a) + 1e-9);
      const energy = W.reduce((s, v) => s + v * v, 0) / W.length;
      expect(r.wmse / energy).toBeLessThan(0.05);
    }
  });

  test("short columns: tables 'smaller' codes one stream with one table, fewer bits, decodes the same", () => {
    const rng = seededRng();
    const n = 64;
    const a = 48; // 48-row columns: each column's own table costs more than its codes save
    const S = syntheticSigma(rng, n, true);
    const W = Float64Array.from({ length: a * n }, () => rng.normal() * 0.1);
    const perColumn = quantizeWeightOnly(W, a, n, S, 2.5, 'watersic');
    const smaller = quantizeWeightOnly(W, a, n, S, 2.5, 'watersic', { tables: 'smaller' });
    expect(new Set(perColumn.tables).size).toBe(n);
    expect(new Set(smaller.tables).size).toBe(1);
    // one stream for the layer: 64 final states of 32 bits (0.67 bit per entry here) become one
    expect(smaller.coded).toHaveLength(1);
    expect(smaller.totalBits).toBeLessThan(perColumn.totalBits - 1);
    expect(smaller.Z).toEqual(perColumn.Z);
    expect(decodeWeightOnly(smaller)).toEqual(smaller.What);
  });

  test('dead inputs and a singular Σ_X: no NaN, dead columns are zero and cost 16 bits each', () => {
    const rng = seededRng();
    const n = 24;
    const a = 512;
    // 10 calibration vectors for 24 inputs (rank 10), and inputs 3 and 17 never active.
    const acc = new CovarianceAccumulator(n);
    const X = {
      rows: 10,
      cols: n,
      data: Float32Array.from({ length: 10 * n }, (_, i) => (i % n === 3 || i % n === 17 ? 0 : rng.normal())),
    };
    acc.add(X);
    const S = acc.covariance();
    const W = Float64Array.from({ length: a * n }, () => rng.normal());
    for (const method of ['watersic', 'gptq'] as const) {
      const r = quantizeWeightOnly(W, a, n, S, 3, method);
      expect(r.live).not.toContain(3);
      expect(r.live).not.toContain(17);
      expect(r.What.every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(r.wmse)).toBe(true);
      for (let row = 0; row < a; row++) expect([r.What[row * n + 3], r.What[row * n + 17]]).toEqual([0, 0]);
      expect(r.sideBits * a * n).toBeGreaterThanOrEqual(32 + 16 * r.live.length);
    }
  });
});

test('calibration accumulates Σ_X = E[x·xᵀ] over batches', () => {
  const rng = seededRng();
  const n = 5;
  const acc = new CovarianceAccumulator(n);
  const rows: number[][] = [];
  for (const b of [3, 7]) {
    const data = Float32Array.from({ length: b * n }, () => rng.normal());
    for (let r = 0; r < b; r++) rows.push(Array.from(data.subarray(r * n, (r + 1) * n)));
    acc.add({ rows: b, cols: n, data });
  }
  const S = acc.covariance();
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      expect(S[i * n + j]).toBeCloseTo(rows.reduce((s, x) => s + x[i] * x[j], 0) / rows.length, 12);
  expect(() => acc.add({ rows: 1, cols: 4, data: new Float32Array(4) })).toThrow(/4 columns, the layer has 5/);
});

test('reverse waterfilling meets D_IT at high rate; below it the high-rate formula is out of reach', () => {
  const v = [0.01, 0.1, 0.5, 1];
  const logDet = v.reduce((s, x) => s + Math.log(x), 0) / v.length;
  expect(reverseWaterfilling(v, 6).D).toBeCloseTo(dIT(1, logDet, 6), 10);
  // At 0.25 bit the weakest components get no rate (θ above them): D exceeds the formula, below D(0).
  const low = reverseWaterfilling(v, 0.25);
  expect(low.theta).toBeGreaterThan(0.01);
  expect(low.D).toBeGreaterThan(dIT(1, logDet, 0.25));
  expect(low.D).toBeLessThan(v.reduce((a, b) => a + b) / v.length);
});

test(
  'GPTQ onto INT grids (int4-g32, int3-asym-g32): a valid matrix of the format with a lower Σ-weighted error ' +
    'than RTN',
  () => {
    const rng = seededRng();
    const a = 96;
    const n = 128;
    const S = syntheticSigma(rng, n, true);
    const W = Float64Array.from({ length: a * n }, () => rng.normal());
    for (const id of ['int4-g32', 'int3-asym-g32']) {
      const f = parseFormat(id) as IntFormat;
      const rtn = f.encode({ rows: a, cols: n, data: Float32Array.from(W) });
      const q = gptqInt(W, a, n, S, f);
      expect(q.format.id).toBe(id);
      expect([q.scales, q.aux]).toEqual([rtn.scales, rtn.aux]); // same grid
      const err = (m: typeof q) => {
        const d = f.decode(m).data;
        return weightedMse(
          Float64Array.from(W, (w, i) => w - d[i]),
          a,
          S,
          n,
        );
      };
      // SIC removes most of the error the rotated Σ sees (typically 2–3× lower than RTN here).
      expect(err(q), id).toBeLessThan(0.8 * err(rtn));
    }
  },
);

test(
  'block-LDLQ onto E8 (e8-q14-k4): Σ = I gives the RTN ' + 'codes exactly; a rotated Σ lowers the Σ-weighted error',
  () => {
    const rng = seededRng();
    const a = 64;
    const n = 64;
    const f = parseFormat('e8-q14-k4') as NestedLatticeFormat;
    const W = Float64Array.from({ length: a * n }, () => rng.normal());
    const rtn = f.encode({ rows: a, cols: n, data: Float32Array.from(W) });
    const I = new Float64Array(n * n);
    for (let i = 0; i < n; i++) I[i * n + i] = 1;
    const same = blockLdlq(W, a, n, I, f);
    expect([same.codes, same.scales, same.aux]).toEqual([rtn.codes, rtn.scales, rtn.aux]);
    const S = syntheticSigma(rng, n, true);
    const q = blockLdlq(W, a, n, S, f);
    const err = (m: typeof q) => {
      const d = f.decode(m).data;
      return weightedMse(
        Float64Array.from(W, (w, i) => w - d[i]),
        a,
        S,
        n,
      );
    };
    expect(err(q)).toBeLessThan(0.8 * err(rtn)); // measured ≈ 1.8× lower
  },
);
