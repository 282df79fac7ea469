import type { Matrix } from '../matrix.js';

/**
 * Seeded PRNG (sfc32, seeded through splitmix32). Small, fast, and identical in every JS engine,
 * so a printed seed reproduces a failing input exactly.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    let s = this.seed;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    return (this.u32() * 2 ** 21 + (this.u32() >>> 11)) / 2 ** 53;
  }

  /** Integer uniform in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  /** Standard normal (polar Box–Muller). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u: number, v: number, s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }

  /** Student-t with integer `nu` degrees of freedom, scaled to unit variance when nu > 2. */
  studentT(nu: number): number {
    let chi2 = 0;
    for (let i = 0; i < nu; i++) {
      const z = this.normal();
      chi2 += z * z;
    }
    const t = this.normal() / Math.sqrt(chi2 / nu);
    return nu > 2 ? t * Math.sqrt((nu - 2) / nu) : t;
  }
}

/** A fresh 32-bit seed for tests that draw new inputs every run (printed on failure). */
export function freshSeed(): number {
  const buf = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buf);
  return buf[0];
}

/** A rows×cols matrix of iid N(0, 1) entries from `rng`. */
export function gaussianMatrix(rows: number, cols: number, rng: Rng, sigma = 1): Matrix {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = sigma * rng.normal();
  return { rows, cols, data };
}

/** A rows×cols matrix of iid Student-t entries with ν degrees of freedom (heavy tails), from `rng`. */
export function studentTMatrix(rows: number, cols: number, rng: Rng, nu = 4): Matrix {
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.studentT(nu);
  return { rows, cols, data };
}

/**
 * Gaussian matrix in which `count` randomly chosen columns (K indices) are multiplied by `factor`:
 * the activation-outlier pattern of LLMs that breaks whole-row scaling.
 */
export function outlierColumnsMatrix(rows: number, cols: number, rng: Rng, count = 4, factor = 50): Matrix {
  const m = gaussianMatrix(rows, cols, rng);
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, cols)) chosen.add(rng.int(0, cols - 1));
  for (const c of chosen) for (let r = 0; r < rows; r++) m.data[r * cols + c] *= factor;
  return m;
}
