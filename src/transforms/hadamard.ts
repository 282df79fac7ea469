import { ShapeError } from '../errors.js';
import type { Matrix } from '../matrix.js';
import { Rng } from '../reference/random.js';

/**
 * Random Hadamard rotation along K, shared by both operands of a product (docs/lattice.md §6):
 * y = h^{-1/2}·H_h·(s ⊙ x) on consecutive chunks of h entries, with seeded random signs s. It is
 * orthogonal, so X·Wᵀ = (XR)(WR)ᵀ, and it spreads outliers so that every 8-block looks Gaussian.
 *
 * K that is not a power of two: the row is zero-padded to Kp and rotated in chunks of h (block-
 * diagonal; every chunk has its own signs). h is the largest power of two ≤ 256 whose padding
 * costs ≤ K/8 extra entries (at least 8, the E8 block), then raised to the largest power of two
 * dividing Kp (≤ 4096) for more mixing at no cost: K = 4096 → one 4096-chunk; 11008 = 43·256 →
 * h = 256, no padding; 1000 → Kp = 1024, h = 1024; 480 → 512; 33 → Kp = 40, h = 8. The padding
 * allowance buys mixing where real weights need it: PP-OCRv4's conv2d_184 (K = 480, an outlier
 * column at 172σ) spread over 32-chunks overloads E8 at q = 14 (NMSE 0.26); over one 512-chunk it
 * codes at NMSE 0.0062, below INT4-g32's 0.0101, for 6.7% more stored entries. Padding is counted in
 * bits/entry by the formats that store it and never leaks into products (padded entries of both
 * operands are exact zeros before the rotation).
 *
 * Arithmetic is f32 with a fixed butterfly order (stride 1, 2, 4, …), the same as the GPU kernel
 * (shaders/hadamard.wgsl), so the rotated values — and the codes computed from them — agree bit for bit.
 */
export interface HadamardRotation {
  readonly seed: number;
  /** Logical row length. */
  readonly K: number;
  /** Padded row length, a multiple of h. */
  readonly Kp: number;
  /** Chunk size, a power of two. */
  readonly h: number;
  /** Sign bits, bit i set ⇔ s_i = −1 (Kp bits, low bit first). */
  readonly signBits: Uint32Array;
  /** fl(h^{-1/2}). */
  readonly norm: number;
}

const MAX_HADAMARD_CHUNK = 4096;

/** Chunk size and padded length for a row of K entries (rule in the module comment). */
export function hadamardShape(K: number, minBlock = 8): { Kp: number; h: number } {
  if (!Number.isInteger(K) || K < 1) throw new ShapeError(`Hadamard rotation: K must be a positive integer, got ${K}`);
  const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;
  let h = minBlock;
  for (let c = 256; c > minBlock; c /= 2) {
    if (roundUp(K, c) - K <= K / 8) {
      h = c;
      break;
    }
  }
  const Kp = roundUp(K, h);
  while (h * 2 <= MAX_HADAMARD_CHUNK && Kp % (h * 2) === 0) h *= 2;
  return { Kp, h };
}

/**
 * The random Hadamard rotation for rows of K entries (seeded signs, chunks of h ≤ 4096, zero padding to Kp); CPU twin
 * of shaders/hadamard.wgsl.
 */
export function hadamardRotation(K: number, seed: number, minBlock = 8): HadamardRotation {
  const { Kp, h } = hadamardShape(K, minBlock);
  const rng = new Rng(seed >>> 0);
  const signBits = new Uint32Array(Math.ceil(Kp / 32));
  for (let w = 0; w < signBits.length; w++) signBits[w] = rng.u32();
  if (Kp % 32) signBits[signBits.length - 1] &= (1 << (Kp % 32)) - 1;
  return { seed: seed >>> 0, K, Kp, h, signBits, norm: Math.fround(1 / Math.sqrt(h)) };
}

function sign(r: HadamardRotation, i: number): number {
  return (r.signBits[i >>> 5] >>> (i & 31)) & 1 ? -1 : 1;
}

/** In-place unnormalised Walsh–Hadamard butterflies on one chunk, f32 at every step. */
function fwhtChunk(v: Float32Array, start: number, h: number): void {
  for (let len = 1; len < h; len *= 2) {
    for (let i = start; i < start + h; i += 2 * len) {
      for (let j = i; j < i + len; j++) {
        const a = v[j];
        const b = v[j + len];
        v[j] = a + b; // Float32Array stores round to f32
        v[j + len] = a - b;
      }
    }
  }
}

/** Rotates every row of m (K columns) into a rows×Kp matrix: zero-pad, signs, butterflies, ·fl(h^{-1/2}). */
export function rotateRows(m: Matrix, r: HadamardRotation): Matrix {
  if (m.cols !== r.K) throw new ShapeError(`rotation built for K = ${r.K}, matrix has ${m.cols} columns`);
  const out = new Float32Array(m.rows * r.Kp);
  for (let row = 0; row < m.rows; row++) {
    const o = row * r.Kp;
    for (let k = 0; k < r.K; k++) out[o + k] = sign(r, k) * m.data[row * r.K + k];
    for (let c = 0; c < r.Kp; c += r.h) fwhtChunk(out, o + c, r.h);
    for (let k = 0; k < r.Kp; k++) out[o + k] = out[o + k] * r.norm;
  }
  return { rows: m.rows, cols: r.Kp, data: out };
}

/** Inverse rotation of a rows×Kp matrix back to rows×K (drops the padding). */
export function unrotateRows(m: Matrix, r: HadamardRotation): Matrix {
  if (m.cols !== r.Kp) throw new ShapeError(`rotation has Kp = ${r.Kp}, matrix has ${m.cols} columns`);
  const tmp = new Float32Array(r.Kp);
  const out = new Float32Array(m.rows * r.K);
  for (let row = 0; row < m.rows; row++) {
    tmp.set(m.data.subarray(row * r.Kp, (row + 1) * r.Kp));
    for (let c = 0; c < r.Kp; c += r.h) fwhtChunk(tmp, c, r.h);
    for (let k = 0; k < r.K; k++) out[row * r.K + k] = sign(r, k) * Math.fround(tmp[k] * r.norm);
  }
  return { rows: m.rows, cols: r.K, data: out };
}
