/** Seeded inputs for kernel tests, including the hard ones for an encoder. */
import type { QuantFormat } from '../src/formats/format.js';
import { LutCodec, MinifloatCodec, MxInt8Codec, type ElementCodec } from '../src/formats/elements.js';
import { IntFormat } from '../src/formats/int.js';
import { ScaledFormat } from '../src/formats/scaled.js';
import { NestedLatticeFormat, reciprocalSigma } from '../src/lattice/format.js';
import type { Matrix } from '../src/matrix.js';
import { gaussianMatrix, outlierColumnsMatrix, Rng, studentTMatrix } from '../src/reference/random.js';

export type InputKind = 'gaussian' | 'student' | 'outliers' | 'boundary';

export function makeInput(kind: InputKind, rows: number, cols: number, rng: Rng, format?: QuantFormat): Matrix {
  switch (kind) {
    case 'gaussian':
      return gaussianMatrix(rows, cols, rng);
    case 'student':
      return studentTMatrix(rows, cols, rng, 3);
    case 'outliers':
      return outlierColumnsMatrix(rows, cols, rng, 3, 100);
    case 'boundary':
      if (format instanceof IntFormat) return boundaryInput(rows, cols, rng, format);
      if (format instanceof ScaledFormat && format.scaleRule === 'rms') return boundaryRms(rows, cols, rng);
      if (format instanceof ScaledFormat) return boundaryScaled(rows, cols, rng, format);
      if (format instanceof NestedLatticeFormat) return boundaryLattice(rows, cols, rng, format);
      throw new Error('boundary inputs need an INT or group-scaled format');
  }
}

const f32 = Math.fround;

function nextUp(x: number): number {
  const a = new Float32Array([x]);
  const u = new Uint32Array(a.buffer);
  if (x === 0) return 1.401298464324817e-45;
  u[0] += x > 0 ? 1 : -1;
  return a[0];
}
function nextDown(x: number): number {
  return -nextUp(-x);
}

/**
 * Rows built so that many entries sit exactly on, or one ulp either side of, a rounding midpoint
 * (q + ½)·s of their group's stored scale; plus all-zero groups, f32 subnormals, tiny groups whose
 * f16 scale is subnormal, and (for f16) groups whose scale is close to f16's maximum.
 */
function boundaryInput(rows: number, K: number, rng: Rng, fmt: IntFormat): Matrix {
  const data = new Float32Array(rows * K);
  const g = fmt.layout(K).groupSize;
  const f16 = fmt.params.scale === 'f16';
  for (let r = 0; r < rows; r++) {
    for (let k0 = 0; k0 < K; k0 += g) {
      const end = Math.min(K, k0 + g);
      const style = rng.int(0, 9);
      const base = r * K;
      if (style === 0) continue; // all-zero group
      if (style === 1) {
        for (let k = k0; k < end; k++) data[base + k] = (rng.uniform() - 0.5) * 2e-38; // subnormals (and tiny normals)
        continue;
      }
      let M: number;
      if (style === 2) M = f32(1e-6 * (1 + rng.uniform())); // f16 scale lands in the subnormal range
      else if (style === 3 && f16) M = f32((fmt.params.symmetric ? 60000 : 30000) * fmt.qmax * (0.9 + 0.1 * rng.uniform())); // scale near f16 max (asym range ≤ 2M)
      else M = f32(Math.exp(rng.normal() * 3));
      // Keep every scale storable (f16 overflow is an error, tested elsewhere).
      if (f16) M = Math.min(M, f32((fmt.params.symmetric ? 65000 : 32500) * fmt.qmax));
      // Group extremes first, so the scale is fixed; then midpoints of that scale.
      const lo = fmt.params.symmetric ? -M : f32(-M * rng.uniform());
      data[base + k0] = rng.uniform() < 0.5 ? M : -M;
      if (!fmt.params.symmetric) {
        data[base + k0] = M;
        if (end - k0 > 1) data[base + k0 + 1] = lo;
      }
      const first = fmt.params.symmetric ? k0 + 1 : k0 + 2;
      const probe: Matrix = { rows: 1, cols: end - k0, data: data.slice(base + k0, base + end) };
      const scaleFmt = new IntFormat({ ...fmt.params, group: 'row' });
      const s = scaleFmt.scaleOf(scaleFmt.encode(probe), 0, 0);
      if (!(s > 0)) continue;
      const jMin = Math.ceil(lo / s);
      const jMax = Math.floor(M / s) - 1;
      for (let k = first; k < end; k++) {
        const j = rng.int(jMin, Math.max(jMin, jMax));
        let x = f32((j + 0.5) * s);
        const t = rng.int(0, 3);
        if (t === 1) x = nextUp(x);
        else if (t === 2) x = nextDown(x);
        else if (t === 3) x = f32(rng.normal() * M * 0.3);
        if (Math.abs(x) > M || x < lo || x > M) x = 0;
        data[base + k] = x;
      }
    }
  }
  return { rows, cols: K, data };
}

/** Points of an element grid where a decision flips or a value is special, in units of the scale. */
function criticalPoints(codec: ElementCodec): number[] {
  let levels: number[];
  if (codec instanceof MinifloatCodec) levels = codec.grid();
  else if (codec instanceof MxInt8Codec) levels = Array.from({ length: 128 }, (_, k) => k / 64);
  else if (codec instanceof LutCodec) return [...codec.levels, ...codec.thresholds];
  else throw new Error(`no critical points for ${codec.name}`);
  const mids = levels.slice(1).map((v, i) => (v + levels[i]) / 2);
  return [...levels, ...mids, codec.vmax * 1.1, codec.vmax * 1.3].flatMap((v) => [v, -v]);
}

/**
 * Groups whose entries sit on grid points, on midpoints between grid points (the RNE ties), one ulp
 * either side, on the format's subnormals, and past the largest value (saturation); plus all-zero and
 * f32-subnormal groups. The group max is placed first so the scale is known while building the group.
 */
function boundaryScaled(rows: number, K: number, rng: Rng, fmt: ScaledFormat): Matrix {
  const data = new Float32Array(rows * K);
  const g = fmt.layout(K).groupSize;
  const points = criticalPoints(fmt.codec);
  // Phase 1: each group's style and max (so NVFP4's tensor scale is known before groups are filled).
  const groups: { base: number; start: number; end: number; style: number; M: number }[] = [];
  for (let r = 0; r < rows; r++) {
    for (let k0 = 0; k0 < K; k0 += g) {
      const grp = { base: r * K, start: k0, end: Math.min(K, k0 + g), style: rng.int(0, 9), M: 0 };
      if (grp.style >= 2) {
        grp.M = f32(Math.exp(rng.normal() * 4));
        if (fmt.scaleRule === 'f16') grp.M = Math.min(grp.M, f32(60000 * fmt.codec.vmax));
        data[grp.base + k0] = rng.uniform() < 0.5 ? grp.M : -grp.M;
      }
      groups.push(grp);
    }
  }
  const tensor = fmt.scaleRule === 'nvfp4' ? fmt.tensorScale({ rows, cols: K, data }) : 0;
  // Phase 2: fill each group against its stored scale.
  for (const { base, start, end, style, M } of groups) {
    if (style === 0) continue;
    if (style === 1) {
      for (let k = start; k < end; k++) data[base + k] = (rng.uniform() - 0.5) * 2e-38;
      continue;
    }
    const s = fmt.scaleValue(fmt.scaleBitsFor(M, tensor), tensor);
    if (!(s > 0)) continue;
    for (let k = start + 1; k < end; k++) {
      let x = f32(points[rng.int(0, points.length - 1)] * s);
      const t = rng.int(0, 3);
      if (t === 1) x = nextUp(x);
      else if (t === 2) x = nextDown(x);
      data[base + k] = Math.abs(x) <= M ? x : f32(rng.normal() * M * 0.3);
    }
  }
  return { rows, cols: K, data };
}

/**
 * Rows for the per-row RMS scale: constant rows of a 12-bit value whose square root rounding is a tie
 * at 11 bits (K a power of two makes every partial sum exact), gaussian rows, zero rows and rows of
 * f32 subnormals.
 */
function boundaryRms(rows: number, K: number, rng: Rng): Matrix {
  const data = new Float32Array(rows * K);
  for (let r = 0; r < rows; r++) {
    const style = r % 4;
    const row = data.subarray(r * K, (r + 1) * K);
    if (style === 0) {
      const mid = (2 * rng.int(1024, 2047) + 1) * 2 ** (rng.int(-20, 20) - 11); // odd 12-bit mantissa: a tie
      row.fill(rng.uniform() < 0.5 ? mid : -mid);
    } else if (style === 1) {
      for (let k = 0; k < K; k++) row[k] = f32(rng.normal() * Math.exp(rng.normal() * 3));
    } else if (style === 2) {
      for (let k = 0; k < K; k++) row[k] = (rng.uniform() - 0.5) * 2e-38;
    }
  }
  return { rows, cols: K, data };
}

/**
 * Rows whose coding-domain values sit exactly on the ½-lattice-unit grid of one of the format's β
 * (t a multiple of 128): every block is then a rounding tie, many are E8 deep holes or lie on the
 * coarse cell's boundary, and blocks scaled up 2–6× overload. Only meaningful without rotation
 * (a rotation scatters the grid); σ is re-derived until the snapped row reproduces it.
 */
function boundaryLattice(rows: number, K: number, rng: Rng, fmt: NestedLatticeFormat): Matrix {
  const base = gaussianMatrix(rows, K, rng);
  if (fmt.params.rotationSeed !== null) {
    // Rotated formats: heavy tails and a few huge blocks, so overloads and large-β blocks occur.
    for (let i = 0; i < base.data.length; i++) if (rng.uniform() < 0.01) base.data[i] *= 1 + 20 * rng.uniform();
    return base;
  }
  const n = fmt.n;
  const Kp = fmt.paddedK(K);
  for (let r = 0; r < rows; r++) {
    const row = base.data.subarray(r * K, (r + 1) * K);
    for (let b = 0; b * n < K; b++) {
      const boost = rng.uniform() < 0.15 ? 2 + 4 * rng.uniform() : 1;
      for (let i = b * n; i < Math.min(K, (b + 1) * n); i++) row[i] *= boost;
    }
    const j = rng.int(0, fmt.betas.length - 1);
    for (let iter = 0; iter < 6; iter++) {
      const padded = new Float32Array(Kp);
      padded.set(row);
      const sigma = fmt.rowSigma(padded, 0, Kp);
      if (sigma === 0) break;
      const m = Math.fround(fmt.encodeFactors[j] * reciprocalSigma(sigma));
      for (let i = 0; i < K; i++) row[i] = Math.fround((Math.round((row[i] * m) / 128) * 128) / m);
    }
  }
  return base;
}
