import { describe, expect, test } from 'vitest';
import { closestPoint, D4, E8, integer, checkerboard, type Lattice } from '../src/lattice/lattices.js';
import { voronoiDecodeTwice, voronoiEncodeTwice, voronoiRoundTrip } from '../src/lattice/voronoi.js';
import { seededRng } from './seed.js';

/** The 240 roots of E8: (±1,±1,0⁶) permutations and ½(±1)⁸ with an even number of minus signs. */
function e8Roots(): number[][] {
  const roots: number[][] = [];
  for (let i = 0; i < 8; i++)
    for (let j = i + 1; j < 8; j++)
      for (const a of [-1, 1])
        for (const b of [-1, 1]) {
          const v = new Array(8).fill(0);
          v[i] = a;
          v[j] = b;
          roots.push(v);
        }
  for (let m = 0; m < 256; m++) {
    let neg = 0;
    const v = Array.from({ length: 8 }, (_, i) => ((m >> i) & 1 ? (neg++, -0.5) : 0.5));
    if (neg % 2 === 0) roots.push(v);
  }
  return roots;
}
const ROOTS = e8Roots();
const D4_RELEVANT = ROOTS.filter(
  (v) => v.slice(4).every((c) => c === 0) && v.slice(0, 4).every((c) => Number.isInteger(c)),
); // (±1,±1,0,0) perms

const dist2 = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + (v - b[i]) ** 2, 0);
const inE8 = (y: ArrayLike<number>) => {
  const ints = Array.from(y).every((v) => Number.isInteger(v));
  const halves = Array.from(y).every((v) => Number.isInteger(v - 0.5));
  const sum = Array.from(y).reduce((s, v) => s + v, 0);
  return (ints || halves) && Number.isInteger(sum) && sum % 2 === 0;
};
const inVoronoi = (e: ArrayLike<number>, relevant: number[][], tol = 0) =>
  relevant.every((v) => Math.abs(v.reduce((s, c, i) => s + c * e[i], 0)) <= v.reduce((s, c) => s + c * c, 0) / 2 + tol);

describe('E8 and D4 closest point (docs/lattice.md §2)', () => {
  test.each([
    [[0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 0.08],
    [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 0.44],
    [[0.9, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], [1, 1, 0, 0, 0, 0, 0, 0], 0.71],
    [[0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 0.08],
    [[1.3, -0.2, 0.7, 2.6, -1.4, 0.05, 0.45, -0.9], [1.5, -0.5, 0.5, 2.5, -1.5, -0.5, 0.5, -0.5], 0.655],
    [[0.26, 0.74, -0.51, 1.49, 0, -2.2, 0.3, 0.6], [0.5, 0.5, -0.5, 1.5, -0.5, -2.5, 0.5, 0.5], 0.5054],
    [[3.1, -2.9, 0.55, 0.45, -0.6, 1.2, 0.1, 0.2], [3.5, -2.5, 0.5, 0.5, -0.5, 1.5, 0.5, 0.5], 0.675],
  ])('E8: %j', (x, expected, d2) => {
    const y = closestPoint(E8, x);
    expect(Array.from(y)).toEqual(expected);
    expect(dist2(x, y)).toBeCloseTo(d2, 9);
  });

  test('deep hole (½,…,½,−½): a point at the covering radius, and the tie rule is translation invariant there', () => {
    const x = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, -0.5];
    const y = closestPoint(E8, x);
    expect(inE8(y)).toBe(true);
    expect(dist2(x, y)).toBe(1);
    for (const lambda of [ROOTS[0], ROOTS[200], [2, 0, 0, 0, 0, 0, 0, 0], [0.5, 1.5, -0.5, 0.5, 0.5, 0.5, 0.5, 0.5]]) {
      const shifted = closestPoint(
        E8,
        x.map((v, i) => v + lambda[i]),
      );
      expect(Array.from(shifted)).toEqual(Array.from(y, (v, i) => v + lambda[i]));
    }
  });

  test.each([
    [[0.6, 0.6, 0.6, 0.6], [1, 1, 1, 1], 0.64],
    [[1.2, -0.7, 2.4, 0.3], [1, -1, 2, 0], 0.38],
    [[0.9, 0.3, 0.2, 0.1], [1, 1, 0, 0], 0.55],
    [[0.7, 0.45, 0.2, -1.6], [1, 1, 0, -2], 0.5925],
  ])('D4: %j', (x, expected, d2) => {
    const y = closestPoint(D4, x);
    expect(Array.from(y)).toEqual(expected);
    expect(dist2(x, y)).toBeCloseTo(d2, 9);
  });
});

/**
 * Random test points: Gaussian, scaled, plus points snapped to the ¼-grid so exact ties occur often.
 * All lie on the 2^-20 grid closestPoint works on, so "closest" is checked exactly, near-ties included.
 */
function randomPoint(rng: ReturnType<typeof seededRng>, n: number, i: number): number[] {
  const scale = [0.7, 3, 12][i % 3];
  const x = Array.from({ length: n }, () => Math.round(rng.normal() * scale * 2 ** 20) / 2 ** 20);
  if (i % 4 === 3) return x.map((v) => Math.round(v * 4) / 4); // many exact boundary points
  return x;
}

describe('closest-point properties on 10^5 random points (docs/lattice.md §2)', () => {
  const shifts: Record<string, (rng: ReturnType<typeof seededRng>) => number[]> = {
    E8: (rng) => {
      const z = Array.from({ length: 8 }, () => rng.int(-6, 7));
      return Array.from(E8.twiceFromCoords(z), (v) => v / 2);
    },
    D4: (rng) => Array.from(D4.twiceFromCoords(Array.from({ length: 4 }, () => rng.int(-6, 7))), (v) => v / 2),
  };
  test.each([
    ['E8', E8, ROOTS],
    ['D4', D4, D4_RELEVANT.map((v) => v.slice(0, 4))],
  ] as [string, Lattice, number[][]][])(
    '%s: membership, Voronoi cell, Q(x+λ) = Q(x)+λ, Voronoi round trip',
    (name, lattice, relevant) => {
      const rng = seededRng();
      let overloads = 0;
      for (let i = 0; i < 100_000; i++) {
        const x = randomPoint(rng, lattice.dim, i);
        const y = closestPoint(lattice, x);
        if (name === 'E8') expect(inE8(y)).toBe(true);
        else
          expect(Array.from(y).reduce((s, v) => s + v, 0) % 2 === 0 && y.every((v) => Number.isInteger(v))).toBe(true);
        const e = x.map((v, j) => v - y[j]);
        if (!inVoronoi(e, relevant)) throw new Error(`${name}: x=${x} → y=${Array.from(y)} is not a closest point`);
        const lambda = shifts[name](rng);
        const shifted = closestPoint(
          lattice,
          x.map((v, j) => v + lambda[j]),
        );
        for (let j = 0; j < lattice.dim; j++)
          if (shifted[j] !== y[j] + lambda[j]) throw new Error(`${name}: Q(x+λ) ≠ Q(x)+λ at x=${x}, λ=${lambda}`);
        const q = [3, 4, 8, 14][i % 4];
        const enc = voronoiEncodeTwice(
          lattice,
          Array.from(y, (v) => 2 * v),
          q,
        );
        expect(enc.codes.every((c) => Number.isInteger(c) && c >= 0 && c < q)).toBe(true);
        const dec = voronoiDecodeTwice(lattice, enc.codes, q);
        const back = dec.every((v, j) => v === 2 * y[j]);
        if (back === enc.overload)
          throw new Error(`${name}: overload=${enc.overload} but decode==Q is ${back} (x=${x}, q=${q})`);
        if (enc.overload) overloads++;
      }
      expect(overloads).toBeGreaterThan(100); // the test reached the overload branch
    },
  );

  test('E8 agrees with a brute-force search over the 240 neighbours of the nearest D8 and D8+½ points', () => {
    // Independent check: a local search that moves to any strictly closer neighbour y ± root terminates at the
    // global minimum (Voronoi-relevant vectors), and the distance must equal Conway–Sloane's.
    const rng = seededRng();
    for (let i = 0; i < 5000; i++) {
      const x = randomPoint(rng, 8, i);
      let y = x.map((v) => Math.round(v));
      if (y.reduce((s, v) => s + v, 0) % 2 !== 0) y[0] += 1;
      for (let moved = true; moved; ) {
        moved = false;
        for (const r of ROOTS) {
          const c = y.map((v, j) => v + r[j]);
          if (dist2(x, c) < dist2(x, y) - 1e-9) {
            y = c;
            moved = true;
          }
        }
      }
      // grid points: distinct distances differ by ≥ 2^-21, far above f64 rounding
      expect(dist2(x, closestPoint(E8, x))).toBeCloseTo(dist2(x, y), 9);
    }
  });
});

describe('Voronoi code, q = 14 (docs/lattice.md §3)', () => {
  test.each([
    [
      [1.3, -0.2, 0.7, 2.6, -1.4, 0.05, 0.45, -0.9],
      [3, 4, 4, 3, 0, 1, 1, 13],
      false,
      [1.5, -0.5, 0.5, 2.5, -1.5, -0.5, 0.5, -0.5],
    ],
    [
      [0.26, 0.74, -0.51, 1.49, 0, -2.2, 0.3, 0.6],
      [12, 10, 10, 11, 10, 11, 0, 1],
      false,
      [0.5, 0.5, -0.5, 1.5, -0.5, -2.5, 0.5, 0.5],
    ],
    [[10.2, -3.3, 0.4, 7.7, -6.1, 2.2, 0, -1], [9, 7, 9, 8, 13, 4, 1, 12], true, [-4, -3, 0, -6, -6, 2, 0, -1]],
  ])('%j', (x, codes, overload, decoded) => {
    const r = voronoiRoundTrip(E8, x, 14);
    expect(r.codes).toEqual(codes);
    expect(r.overload).toBe(overload);
    expect(Array.from(r.decoded)).toEqual(decoded);
  });

  test('Z^n and D_n codes are plain digits mod q with overload outside the coarse cell', () => {
    expect(voronoiRoundTrip(integer(3), [1.2, -0.4, 2.6], 4)).toMatchObject({ codes: [1, 0, 3], overload: true });
    // 2 sits on the coarse cell's boundary: the half-up tie rule puts it outside, so it wraps to −2.
    expect(voronoiRoundTrip(integer(3), [1.2, -0.4, 1.6], 4)).toMatchObject({ overload: true, codes: [1, 0, 2] });
    expect(Array.from(voronoiRoundTrip(integer(3), [1.2, -0.4, 1.6], 4).decoded)).toEqual([1, 0, -2]);
    expect(Array.from(voronoiRoundTrip(integer(3), [1.2, -0.4, -1.6], 4).decoded)).toEqual([1, 0, -2]);
    const d5 = checkerboard(5);
    const r = voronoiRoundTrip(d5, [0.9, 0.3, 0.2, 0.1, 0], 6);
    expect(Array.from(r.decoded)).toEqual([1, 1, 0, 0, 0]); // parity fix on the worst coordinate
  });
});

describe('normalised second moment by Monte Carlo (docs/lattice.md §1)', () => {
  test.each([
    ['E8', E8, 0.0716821],
    ['D4', D4, 0.0766032],
  ] as [string, Lattice, number][])('%s', (_, lattice, expected) => {
    // x uniform on [0,2)^n, a union of fundamental cells of 2ℤ^n ⊂ L, so x − Q(x) is uniform on V_L.
    const rng = seededRng();
    const n = lattice.dim;
    const samples = 1_000_000;
    let acc = 0;
    const x = new Array(n);
    for (let s = 0; s < samples; s++) {
      for (let j = 0; j < n; j++) x[j] = 2 * rng.uniform();
      const y = closestPoint(lattice, x);
      for (let j = 0; j < n; j++) acc += (x[j] - y[j]) ** 2;
    }
    const G = acc / samples / n / lattice.det ** (2 / n);
    expect(Math.abs(G - expected)).toBeLessThan(1e-4);
    expect(lattice.nsm).toBeCloseTo(expected, 6);
  });
});
