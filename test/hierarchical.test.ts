import { describe, expect, test } from 'vitest';
import { FormatError } from '../src/errors.js';
import { HierarchicalCode, InnerProductLut } from '../src/lattice/hierarchical.js';
import { closestPoint, D4, E8 } from '../src/lattice/lattices.js';
import { seededRng } from './seed.js';

describe('hierarchical nested-lattice code (Kaplan–Ordentlich, docs/lattice.md §7)', () => {
  test(
    'D4, q = 4, M = 2: |A_q| = 256 distinct points, LUT of integers, LUT inner product = inner product of ' +
      'decodes on 2·10^4 pairs',
    () => {
      const code = new HierarchicalCode(D4, 4, 2);
      const lut = new InnerProductLut(code);
      const keys = new Set<string>();
      let maxCoord = 0;
      let maxNorm = 0;
      for (let a = 0; a < lut.size; a++) {
        const p = Array.from(lut.points.subarray(a * 4, a * 4 + 4), (v) => v / 2);
        keys.add(p.join(','));
        maxCoord = Math.max(maxCoord, ...p.map(Math.abs));
        maxNorm = Math.max(
          maxNorm,
          p.reduce((s, v) => s + v * v, 0),
        );
      }
      expect(keys.size).toBe(256);
      expect(maxCoord).toBe(4);
      expect(maxNorm).toBe(16);
      const entries = Array.from(lut.table, (v) => v / 4);
      expect(entries.every((v) => Number.isInteger(v))).toBe(true);
      // ‖a‖² ≤ 16 bounds every entry; which boundary points of 4·V the code holds depends on the tie rule
      // (docs/lattice.md §7 reports [−12, 16] for its ε-dither; the lexicographic rule keeps a different set).
      expect(Math.max(...entries)).toBe(16);
      expect(Math.min(...entries)).toBeGreaterThanOrEqual(-16);
      const rng = seededRng();
      for (let i = 0; i < 20_000; i++) {
        const x = code.encode(Array.from({ length: 4 }, () => rng.normal() * 5));
        const y = code.encode(Array.from({ length: 4 }, () => rng.normal() * 5));
        const dx = code.decode(x.layers);
        const dy = code.decode(y.layers);
        expect(lut.innerProduct(x, y)).toBe(dx.reduce((s, v, j) => s + v * dy[j], 0));
      }
    },
  );

  test.each([
    ['E8', 4, 2, E8],
    ['E8', 3, 3, E8],
    ['D4', 8, 2, D4],
  ] as const)(
    '%s q=%i M=%i: no overload ⇒ decode = Q(x); overload ⇒ it differs; rescaling removes overload',
    (_, q, M, lattice) => {
      const code = new HierarchicalCode(lattice, q, M);
      const rng = seededRng();
      let overloads = 0;
      for (let i = 0; i < 5000; i++) {
        const x = Array.from({ length: lattice.dim }, () => rng.normal() * q ** M * 0.3);
        const enc = code.encode(x);
        const dec = Array.from(code.decode(enc.layers));
        const Q = Array.from(closestPoint(lattice, x));
        expect(dec.every((v, j) => v === Q[j])).toBe(!enc.overload);
        if (enc.overload) {
          overloads++;
          const r = code.encodeRescaled(x);
          expect(r.overload).toBe(false);
          expect(r.T).toBeGreaterThan(0);
        }
      }
      expect(overloads).toBeGreaterThan(0);
      expect(code.rate).toBeCloseTo(M * Math.log2(q), 12);
    },
  );

  test('q = 2 and oversized LUTs are refused', () => {
    expect(() => new HierarchicalCode(E8, 2, 2)).toThrow(FormatError);
    expect(() => new InnerProductLut(new HierarchicalCode(E8, 3, 2))).toThrow(/too large/);
  });
});
