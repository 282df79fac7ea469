import type { Matrix } from '../matrix.js';

/** The murmur3 finaliser: a bijective 32-bit mix (u32 multiplies wrap, as WGSL's do). */
export function mix32(h: number): number {
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

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
      return mix32(s);
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

  /** Student-t with `nu` > 0 degrees of freedom, scaled to unit variance when nu > 2. */
  studentT(nu: number): number {
    if (!Number.isInteger(nu)) {
      // any ν > 0 (ν = 1.5 has infinite variance): Z / √(χ²_ν/ν) with χ²_ν = 2·Gamma(ν/2), unscaled below ν = 2
      const t = this.normal() / Math.sqrt((2 * this.gamma(nu / 2)) / nu);
      return nu > 2 ? t * Math.sqrt((nu - 2) / nu) : t;
    }
    let chi2 = 0;
    for (let i = 0; i < nu; i++) {
      const z = this.normal();
      chi2 += z * z;
    }
    const t = this.normal() / Math.sqrt(chi2 / nu);
    return nu > 2 ? t * Math.sqrt((nu - 2) / nu) : t;
  }

  /** Gamma(shape, 1) by Marsaglia–Tsang (shape < 1 through the U^{1/shape} boost). */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * this.uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const z = this.normal();
      const v = (1 + c * z) ** 3;
      if (v <= 0) continue;
      const u = this.uniform();
      if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
    }
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
