import { FormatError, ShapeError } from '../errors.js';
import type { Lattice } from './lattices.js';
import { voronoiDecodeTwice } from './voronoi.js';

/**
 * Hierarchical (M-level) nested-lattice code with lookup-table inner products (Kaplan & Ordentlich;
 * docs/lattice.md §7). Encode (Alg. 1): g₀ = Q_L(x), b_m = G⁻¹g_m mod q, g_{m+1} = Q_L(g_m / q); overload
 * ⇔ g_M ≠ 0. Decode (Alg. 2): x̂ = Σ_m q^m·x_m with x_m = G·b_m − q·Q_L(G·b_m/q) ∈ A_q = L ∩ qV.
 * The sum telescopes to g₀ − q^M·g_M, so x̂ = Q_L(x) exactly when there is no overload.
 * Rate M·log₂q bits/dim, the same as one q^M Voronoi code, but an inner product needs only a
 * |A_q|² = q^{2n} LUT: ⟨x̂, ŷ⟩ = Σ_{i,j} q^{i+j}·LUT[b_i(x)][b_j(y)].
 * Points are doubled internally (2y), so every LUT entry ⟨2a, 2a'⟩ is an integer and the LUT inner
 * product is exact.
 */
export interface HierarchicalEncoded {
  /** Digits per level, level 0 (finest) first. */
  readonly layers: number[][];
  readonly overload: boolean;
}

const GRID = 2 ** 20;

/**
 * Kaplan–Ordentlich hierarchical nested-lattice code: M levels of a Voronoi code, with exact inner products by lookup
 * table.
 */
export class HierarchicalCode {
  readonly n: number;
  constructor(
    readonly lattice: Lattice,
    readonly q: number,
    readonly levels: number,
  ) {
    if (!Number.isInteger(q) || q < 3)
      throw new FormatError(
        `hierarchical codes need q ≥ 3 (q = 2 is degenerate under a translation-invariant tie rule, ` +
          `docs/lattice.md §7); got ${q}`,
      );
    if (!Number.isInteger(levels) || levels < 1 || levels > 8)
      throw new FormatError(`levels M must be 1..8, got ${levels}`);
    this.n = lattice.dim;
  }

  get rate(): number {
    return this.levels * Math.log2(this.q);
  }

  /** Alg. 1 on x/β (rounded to the 2^-20 grid). */
  encode(x: ArrayLike<number>, beta = 1): HierarchicalEncoded {
    if (x.length !== this.n) throw new ShapeError(`expected ${this.n} coordinates, got ${x.length}`);
    const { lattice, q } = this;
    let g = lattice.closestTwice(
      Array.from(x, (v) => Math.round((v / beta) * GRID)),
      GRID,
    );
    const layers: number[][] = [];
    for (let m = 0; m < this.levels; m++) {
      layers.push(lattice.coordsFromTwice(g).map((z) => ((z % q) + q) % q));
      g = lattice.closestTwice(g, 2 * q); // 2·Q(g/q)
    }
    return { layers, overload: g.some((v) => v !== 0) };
  }

  /** Alg. 2, doubled: 2x̂ = Σ_m q^m·2x_m (integers). */
  decodeTwice(layers: readonly (readonly number[])[]): number[] {
    const out = new Array(this.n).fill(0);
    let scale = 1;
    for (const b of layers) {
      const xm = voronoiDecodeTwice(this.lattice, b, this.q);
      for (let i = 0; i < this.n; i++) out[i] += scale * xm[i];
      scale *= this.q;
    }
    return out;
  }

  decode(layers: readonly (readonly number[])[], beta = 1): Float64Array {
    return Float64Array.from(this.decodeTwice(layers), (v) => (v / 2) * beta);
  }

  /**
   * KO §5.4 overload handling: retry on x/2^{αT} for T = 0, 1, … until no overload; T is side
   * information (its entropy/n bits per entry). Returns T with the code; decode with β·2^{αT}.
   */
  encodeRescaled(x: ArrayLike<number>, beta = 1, alpha = 1 / 3, maxT = 64): HierarchicalEncoded & { T: number } {
    for (let T = 0; ; T++) {
      const enc = this.encode(x, beta * 2 ** (alpha * T));
      if (!enc.overload || T === maxT) return { ...enc, T };
    }
  }

  /** Index of a digit vector in [0, q^n). */
  index(digits: readonly number[]): number {
    let v = 0;
    for (let i = this.n - 1; i >= 0; i--) v = v * this.q + digits[i];
    return v;
  }
}

/** The q^n points of A_q (doubled), indexed by their digit vectors, and the ⟨2a, 2a'⟩ table. */
export class InnerProductLut {
  readonly size: number;
  readonly points: Int32Array;
  readonly table: Int32Array;

  constructor(readonly code: HierarchicalCode) {
    const { n, q } = code;
    this.size = q ** n;
    if (this.size * this.size > 2 ** 24)
      throw new FormatError(
        `an inner-product LUT of q^{2n} = ${this.size}² entries is too large; use D4 with q ≤ 8 or a one-sided table`,
      );
    this.points = new Int32Array(this.size * n);
    const digits = new Array(n).fill(0);
    for (let idx = 0; idx < this.size; idx++) {
      let v = idx;
      for (let i = 0; i < n; i++) {
        digits[i] = v % q;
        v = Math.floor(v / q);
      }
      this.points.set(voronoiDecodeTwice(code.lattice, digits, q), idx * n);
    }
    this.table = new Int32Array(this.size * this.size);
    for (let a = 0; a < this.size; a++) {
      for (let b = 0; b < this.size; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += this.points[a * n + i] * this.points[b * n + i];
        this.table[a * this.size + b] = s;
      }
    }
  }

  /** ⟨x̂, ŷ⟩ in lattice units from the digits alone: Σ_{i,j} q^{i+j}·LUT[b_i(x)][b_j(y)] / 4 (M² lookups). */
  innerProduct(x: HierarchicalEncoded, y: HierarchicalEncoded): number {
    const { q } = this.code;
    let sum = 0;
    let qi = 1;
    for (const bx of x.layers) {
      const ix = this.code.index(bx);
      let qj = 1;
      for (const by of y.layers) {
        sum += qi * qj * this.table[ix * this.size + this.code.index(by)];
        qj *= q;
      }
      qi *= q;
    }
    return sum / 4;
  }
}
