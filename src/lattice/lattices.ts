import { FormatError } from '../errors.js';
import {
  type ClosestScratch,
  closestDnTwice,
  closestDnTwiceInto,
  closestE8Twice,
  closestE8TwiceInto,
  closestZnTwice,
  closestZnTwiceInto,
} from './closest.js';

type Vec = Float64Array | number[];

/**
 * A lattice L = G·ℤ^n with its exact closest-point map and integer coordinates (docs/lattice.md §1).
 * Points are passed around doubled (2y) so E8's half-integer coset stays integral.
 */
export interface Lattice {
  /** 'E8', 'D4', 'D<n>' or 'Z<n>'. */
  readonly name: string;
  readonly dim: number;
  /** Volume of the Voronoi cell, det G. */
  readonly det: number;
  /** Normalised second moment G(L) (Conway–Sloane), for the theory columns. */
  readonly nsm: number;
  /** 2·Q_L(N / D) for integer numerators N and an even integer denominator D (ties: docs/lattice.md §2). */
  closestTwice(N: ArrayLike<number>, D: number): number[];
  /** Integer coordinates z with G·z = y, from 2y. */
  coordsFromTwice(yTwice: ArrayLike<number>): number[];
  /** 2·G·z for integer coordinates z. */
  twiceFromCoords(z: ArrayLike<number>): number[];
  /** Allocation-free forms of the three maps above. */
  closestTwiceInto(N: ArrayLike<number>, D: number, out: Vec, s: ClosestScratch): void;
  coordsFromTwiceInto(yTwice: ArrayLike<number>, out: Vec): void;
  twiceFromCoordsInto(z: ArrayLike<number>, out: Vec): void;
}

/** Fills in the allocating forms from the allocation-free ones. */
function withAllocating(l: Omit<Lattice, 'coordsFromTwice' | 'twiceFromCoords'>): Lattice {
  return {
    ...l,
    coordsFromTwice(Y) {
      const z: number[] = new Array(l.dim);
      l.coordsFromTwiceInto(Y, z);
      return z;
    },
    twiceFromCoords(z) {
      const Y: number[] = new Array(l.dim);
      l.twiceFromCoordsInto(z, Y);
      return Y;
    },
  };
}

/** Gosset lattice E8 with the NestQuant / gemvq generator (basis 2e₁, e₂−e₁, …, e₇−e₆, ½𝟙). */
export const E8: Lattice = withAllocating({
  name: 'E8',
  dim: 8,
  det: 1,
  nsm: 929 / 12960,
  closestTwice: closestE8Twice,
  closestTwiceInto: closestE8TwiceInto,
  coordsFromTwiceInto(Y, z) {
    // Rows of G⁻¹ (docs/lattice.md §2) applied to y = Y/2, kept in integers.
    let tail = 0; // Σ_{i=k}^{6} Y_i, built from the right
    for (let k = 6; k >= 1; k--) {
      tail += Y[k];
      z[k] = (tail - (7 - k) * Y[7]) / 2;
    }
    z[0] = (tail + Y[0] - 7 * Y[7]) / 4;
    z[7] = Y[7];
  },
  twiceFromCoordsInto(z, Y) {
    Y[0] = 2 * (2 * z[0] - z[1]) + z[7];
    for (let i = 1; i <= 5; i++) Y[i] = 2 * (z[i] - z[i + 1]) + z[7];
    Y[6] = 2 * z[6] + z[7];
    Y[7] = z[7];
  },
});

/** Checkerboard lattice D_n = {z ∈ ℤ^n : Σz even}, n ≥ 3, generator columns (−1,−1,0,…), e_{j−1} − e_j. */
export function checkerboard(n: number): Lattice {
  if (!Number.isInteger(n) || n < 3) throw new FormatError(`lattice D_n needs n ≥ 3, got ${n}`);
  return withAllocating({
    name: `D${n}`,
    dim: n,
    det: 2,
    nsm: dnNsm(n),
    closestTwice: closestDnTwice,
    closestTwiceInto: closestDnTwiceInto,
    coordsFromTwiceInto(Y, z) {
      // G⁻¹ by back substitution on y = Y/2.
      z[n - 1] = -Y[n - 1] / 2;
      for (let i = n - 2; i >= 2; i--) z[i] = z[i + 1] - Y[i] / 2;
      z[1] = (Y[0] / 2 - Y[1] / 2 + z[2]) / 2;
      z[0] = z[1] - Y[0] / 2;
    },
    twiceFromCoordsInto(z, Y) {
      for (let i = 0; i < n; i++) Y[i] = 0;
      Y[0] -= 2 * z[0];
      Y[1] -= 2 * z[0];
      for (let j = 1; j < n; j++) {
        Y[j - 1] += 2 * z[j];
        Y[j] -= 2 * z[j];
      }
    },
  });
}

/** G(D_n) = 2^{−2/n}·(1/12 + 1/(2n(n+1))) (Conway & Sloane, SPLAG ch. 21); D4: 0.0766032, D3: 0.0787. */
function dnNsm(n: number): number {
  return 2 ** (-2 / n) * (1 / 12 + 1 / (2 * n * (n + 1)));
}

/** Integer lattice ℤ^n (the scalar baseline in the same machinery). */
export function integer(n: number): Lattice {
  if (!Number.isInteger(n) || n < 1) throw new FormatError(`lattice Z^n needs n ≥ 1, got ${n}`);
  return withAllocating({
    name: `Z${n}`,
    dim: n,
    det: 1,
    nsm: 1 / 12,
    closestTwice: closestZnTwice,
    closestTwiceInto: closestZnTwiceInto,
    coordsFromTwiceInto(Y, z) {
      for (let i = 0; i < n; i++) z[i] = Y[i] / 2;
    },
    twiceFromCoordsInto(z, Y) {
      for (let i = 0; i < n; i++) Y[i] = 2 * z[i];
    },
  });
}

/** The checkerboard lattice D4 (densest packing in 4 dimensions). */
export const D4 = checkerboard(4);

/** Lattice by name: 'E8', 'D<n>', 'Z<n>'. */
export function latticeByName(name: string): Lattice {
  if (name === 'E8') return E8;
  const m = /^([DZ])(\d+)$/.exec(name);
  if (m) return m[1] === 'D' ? checkerboard(Number(m[2])) : integer(Number(m[2]));
  throw new FormatError(`unknown lattice '${name}'; expected 'E8', 'D<n>' (n ≥ 3) or 'Z<n>'`);
}

/** Fixed-point grid for the real-valued helpers: inputs are rounded to multiples of 2^-20. */
const REAL_GRID = 2 ** 20;

/** Q_L(x) for real x (rounded to the 2^-20 grid first, so the exact tie rule applies). */
export function closestPoint(lattice: Lattice, x: ArrayLike<number>): Float64Array {
  const N = Array.from(x, (v) => Math.round(v * REAL_GRID));
  return Float64Array.from(lattice.closestTwice(N, REAL_GRID), (v) => v / 2);
}
