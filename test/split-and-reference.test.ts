import { describe, expect, test } from 'vitest';
import { DeviceLimitError, ShapeError } from '../src/errors.js';
import { ranges, rowsPerWindow, windowOf, type PlannerLimits } from '../src/gpu/split.js';
import { matrix, matmulShape } from '../src/matrix.js';
import { matmulF64 } from '../src/reference/matmul.js';
import { productNmse, relativeFrobeniusError, sumSquares } from '../src/reference/metrics.js';
import { gaussianMatrix, outlierColumnsMatrix, Rng, studentTMatrix } from '../src/reference/random.js';
import { seededRng } from './seed.js';

const limits: PlannerLimits = {
  maxStorageBufferBindingSize: 65536,
  maxComputeWorkgroupsPerDimension: 4,
  minStorageBufferOffsetAlignment: 256,
  maxBufferSize: 1 << 30,
};

describe('work splitting', () => {
  test('windows are aligned and the base offset points at the wanted element', () => {
    const buffer = { size: 1 << 20 } as GPUBuffer;
    for (const start of [0, 1, 63, 64, 65, 1000, 12345]) {
      const w = windowOf(buffer, start, 100, limits);
      expect(w.offset % 256).toBe(0);
      expect(w.offset / 4 + w.base).toBe(start);
      expect(w.size).toBeGreaterThanOrEqual((w.base + 100) * 4);
    }
    expect(() => windowOf(buffer, 0, 20000, limits)).toThrow(DeviceLimitError);
  });
  test('rows per window respect the binding size; too-long rows are a DeviceLimitError', () => {
    expect(rowsPerWindow(1000, limits, 'X')).toBe(Math.floor((65536 - 256) / 4000));
    expect(() => rowsPerWindow(20000, limits, 'X row')).toThrow(/X row: one row needs 80000 bytes/);
  });
  test('ranges cover [0, n) exactly', () => {
    expect([...ranges(10, 4)]).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
    expect([...ranges(3, 5)]).toEqual([[0, 3]]);
  });
});

describe('CPU reference', () => {
  test('f64 matmul: Y = X·Wᵀ on a hand example and against a naive loop', () => {
    const x = matrix(2, 3, [1, 2, 3, 4, 5, 6]);
    const w = matrix(2, 3, [1, 0, -1, 2, 1, 0]);
    expect(Array.from(matmulF64(x, w))).toEqual([-2, 4, -2, 13]);
    const rng = seededRng();
    const a = gaussianMatrix(5, 17, rng);
    const b = gaussianMatrix(3, 17, rng);
    const y = matmulF64(a, b);
    for (let i = 0; i < 5; i++)
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 17; k++) s += a.data[i * 17 + k] * b.data[j * 17 + k];
        expect(y[i * 3 + j]).toBeCloseTo(s, 10);
      }
    expect(() => matmulShape(a, gaussianMatrix(3, 16, rng))).toThrow(ShapeError);
  });

  test('metrics', () => {
    expect(relativeFrobeniusError([3, 4], [3, 4])).toBe(0);
    expect(relativeFrobeniusError([0, 0], [3, 4])).toBe(1);
    expect(relativeFrobeniusError([NaN], [1])).toBeNaN();
    // product NMSE normalisation: ‖ΔY‖² / (‖X‖²‖W‖²/K)
    expect(productNmse([1, 1], [0, 0], 4, 8, 2)).toBeCloseTo(2 / 16, 12);
    expect(sumSquares([1, 2, 3])).toBe(14);
  });

  test('generators: reproducible, right moments, outlier columns present', () => {
    const a = gaussianMatrix(64, 1024, new Rng(7));
    const b = gaussianMatrix(64, 1024, new Rng(7));
    expect(a.data).toEqual(b.data);
    const n = a.data.length;
    let mean = 0;
    for (const v of a.data) mean += v / n;
    const variance = sumSquares(a.data) / n - mean * mean;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.02);
    const t = studentTMatrix(256, 256, seededRng(), 5);
    expect(Math.abs(sumSquares(t.data) / t.data.length - 1)).toBeLessThan(0.1);
    const o = outlierColumnsMatrix(100, 64, seededRng(), 2, 50);
    const colEnergy = Array.from({ length: 64 }, (_, c) => {
      let s = 0;
      for (let r = 0; r < 100; r++) s += o.data[r * 64 + c] ** 2;
      return s / 100;
    });
    expect(colEnergy.filter((e) => e > 500).length).toBe(2);
  });
});
