/**
 * Inputs that sit on a scalar format's decision boundaries: entries exactly on, or one ulp either side
 * of, a rounding midpoint of their group's stored scale, all-zero and f32-subnormal groups, scales near
 * the storage type's limits. The kernel tests feed them to the GPU and CPU encoders, which must agree
 * bit for bit exactly where agreement is hardest. Each family's registration (traits.ts) names its own.
 */
import type { Matrix } from '../matrix.js';
import type { Rng } from '../reference/random.js';
import { IntFormat } from './int.js';
import type { ScaledFormat } from './scaled.js';

const f32 = Math.fround;

/** The next f32 above x. */
function nextUp(x: number): number {
  const a = new Float32Array([x]);
  const u = new Uint32Array(a.buffer);
  if (x === 0) return 1.401298464324817e-45;
  u[0] += x > 0 ? 1 : -1;
  return a[0];
}

/** The next f32 below x. */
function nextDown(x: number): number {
  return -nextUp(-x);
}

/**
 * INT: rows built so that many entries sit exactly on, or one ulp either side of, a rounding midpoint
 * (q + ½)·s of their group's stored scale; plus all-zero groups, f32 subnormals, tiny groups whose
 * f16 scale is subnormal, and (for f16) groups whose scale is close to f16's maximum.
 */
export function intBoundaryInput(fmt: IntFormat, rows: number, K: number, rng: Rng): Matrix {
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
      if (style === 2)
        M = f32(1e-6 * (1 + rng.uniform())); // f16 scale lands in the subnormal range
      else if (style === 3 && f16)
        // scale near f16 max (the asymmetric range is up to 2M)
        M = f32((fmt.params.symmetric ? 60000 : 30000) * fmt.qmax * (0.9 + 0.1 * rng.uniform()));
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
function criticalPoints(fmt: ScaledFormat): number[] {
  const g = fmt.codec.magnitudes();
  const levels = [...g.positive, ...g.negative.map((v) => -v)];
  return [...levels, ...fmt.codec.decisionPoints(), ...[1.1, 1.3].flatMap((f) => [f * g.vmax, -f * g.vmax])];
}

/**
 * Group-scaled formats (FP-absmax, MX, NVFP4, NF4): groups whose entries sit on grid points, on the
 * decision points between them (the RNE ties, a codebook's thresholds), one ulp either side, and past
 * the largest value (saturation); plus all-zero and f32-subnormal groups. The group max is placed first
 * so the scale is known while building the group.
 */
export function scaledBoundaryInput(fmt: ScaledFormat, rows: number, K: number, rng: Rng): Matrix {
  const data = new Float32Array(rows * K);
  const g = fmt.layout(K).groupSize;
  const points = criticalPoints(fmt);
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
 * Per-row RMS scales (the σ-scaled codebooks): constant rows of a 12-bit value whose square root
 * rounding is a tie at 11 bits (K a power of two makes every partial sum exact), gaussian rows, zero
 * rows and rows of f32 subnormals.
 */
export function rmsBoundaryInput(rows: number, K: number, rng: Rng): Matrix {
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
