/**
 * ggml's reference quantizers of the K types (super-blocks of 256: Q2_K … Q6_K), reimplemented in
 * float32 arithmetic step for step so their bytes match ggml's (test/ggml-formats.test.ts checks against
 * bytes ggml wrote). Each type first fits every sub-block (16 or 32 elements) a scale (and a min) by a
 * small search, then quantizes those sub-block scales to 4, 6 or 8 bits against one f16 super-scale,
 * then re-rounds every element against its quantized scale. `f` rounds to f32 after each operation,
 * as the C code does (no fused multiply-add, no wider intermediate).
 */
import { putHalf, scaleMinK4, signedAbsMax } from './block-bytes.js';

const f = Math.fround;
const F01 = f(0.1);

/** ggml's nearest_int: round half to even through the 1.5·2^23 trick (|v| ≤ 2^22). */
const nearestInt = (v: number) => f(v + 12582912) - 12582912;
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/**
 * A symmetric scale for x[o … o + n) on the grid −nmax … nmax − 1 (ggml's make_qx_quants with
 * weights x², rmse_type 1): start from the signed element of largest |x| mapped to −nmax, refit the
 * least-squares scale, and try 18 nearby grid stretches. L gets l + nmax. Returns the scale.
 */
function symmetricScale(x: Float32Array, o: number, n: number, nmax: number, L: Int32Array, lo: number): number {
  const { amax, max } = signedAbsMax(x, o, n);
  if (amax < 1e-30) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  const leastSquares = (iscale: number) => {
    let sumlx = 0;
    let suml2 = 0;
    for (let i = 0; i < n; i++) {
      const v = x[o + i];
      const l = clamp(nearestInt(f(iscale * v)), -nmax, nmax - 1);
      const w = f(v * v);
      sumlx = f(sumlx + f(f(w * v) * l));
      suml2 = f(suml2 + f(f(w * l) * l));
    }
    return { sumlx, suml2 };
  };
  const assign = (iscale: number) => {
    for (let i = 0; i < n; i++) L[lo + i] = nmax + clamp(nearestInt(f(iscale * x[o + i])), -nmax, nmax - 1);
  };
  let iscale = f(-nmax / max);
  assign(iscale);
  let { sumlx, suml2 } = leastSquares(iscale);
  let scale = f(sumlx / suml2);
  let best = f(scale * sumlx);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = f(-f(nmax + f(F01 * is)) / max);
    ({ sumlx, suml2 } = leastSquares(iscale));
    if (suml2 > 0 && f(sumlx * sumlx) > f(best * suml2)) {
      assign(iscale);
      scale = f(sumlx / suml2);
      best = f(scale * sumlx);
    }
  }
  return scale;
}

/**
 * Q3_K's sub-block scale (ggml's make_q3_quants with rmse): levels −nmax … nmax − 1 from the largest
 * |x|, then up to 5 sweeps that move one element at a time to the level that raises (Σwxl)²/Σwl²
 * (w = x²). L gets l + nmax. Returns Σwxl / Σwl².
 */
function q3Scale(x: Float32Array, o: number, n: number, nmax: number, L: Int32Array, lo: number): number {
  const { amax, max } = signedAbsMax(x, o, n);
  if (!amax) {
    L.fill(0, lo, lo + n);
    return 0;
  }
  const iscale = f(-nmax / max);
  let sumlx = 0;
  let suml2 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[o + i];
    const l = clamp(nearestInt(f(iscale * v)), -nmax, nmax - 1);
    L[lo + i] = l;
    const w = f(v * v);
    sumlx = f(sumlx + f(f(w * v) * l));
    suml2 = f(suml2 + f(f(w * l) * l));
  }
  for (let itry = 0; itry < 5; itry++) {
    let changed = 0;
    for (let i = 0; i < n; i++) {
      const v = x[o + i];
      const w = f(v * v);
      let slx = f(sumlx - f(f(w * v) * L[lo + i]));
      if (slx > 0) {
        let sl2 = f(suml2 - f(f(w * L[lo + i]) * L[lo + i]));
        const l = clamp(nearestInt(f(f(v * sl2) / slx)), -nmax, nmax - 1);
        if (l !== L[lo + i]) {
          slx = f(slx + f(f(w * v) * l));
          sl2 = f(sl2 + f(f(w * l) * l));
          if (sl2 > 0 && f(f(slx * slx) * suml2) > f(f(sumlx * sumlx) * sl2)) {
            L[lo + i] = l;
            sumlx = slx;
            suml2 = sl2;
            changed++;
          }
        }
      }
    }
    if (!changed) break;
  }
  for (let i = 0; i < n; i++) L[lo + i] += nmax;
  return f(sumlx / suml2);
}

/**
 * An affine fit (scale, min ≤ 0) of x[o … o + n) on levels 0 … nmax (ggml's make_qkx2_quants): the
 * min–max grid first, then nstep + 1 grid stretches (rmin + rdelta·is levels more), each refitted by
 * weighted least squares, kept when its weighted error (|d| with useMad, else d²) is smaller.
 * L gets the levels; returns [scale, −min].
 */
function affineScale(
  x: Float32Array,
  o: number,
  n: number,
  nmax: number,
  weights: Float32Array,
  L: Int32Array,
  lo: number,
  rmin: number,
  rdelta: number,
  nstep: number,
  useMad: boolean,
): [number, number] {
  let min = x[o];
  let max = x[o];
  let sumW = weights[0];
  let sumX = f(sumW * x[o]);
  for (let i = 1; i < n; i++) {
    const v = x[o + i];
    if (v < min) min = v;
    if (v > max) max = v;
    sumW = f(sumW + weights[i]);
    sumX = f(sumX + f(weights[i] * v));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, lo, lo + n);
    return [0, -min];
  }
  const err = (scale: number, mn: number, levels: Int32Array, at: number) => {
    let e = 0;
    for (let i = 0; i < n; i++) {
      let d = f(f(f(scale * levels[at + i]) + mn) - x[o + i]);
      d = useMad ? Math.abs(d) : f(d * d);
      e = f(e + f(weights[i] * d));
    }
    return e;
  };
  // min moves when a stretch is accepted, and later stretches are measured from the new min
  let iscale = f(nmax / f(max - min));
  let scale = f(1 / iscale);
  for (let i = 0; i < n; i++) L[lo + i] = clamp(nearestInt(f(iscale * f(x[o + i] - min))), 0, nmax);
  let bestMad = err(scale, min, L, lo);
  const aux = new Int32Array(n);
  for (let is = 0; is <= nstep; is++) {
    iscale = f(f(f(rmin + f(rdelta * is)) + nmax) / f(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = clamp(nearestInt(f(iscale * f(x[o + i] - min))), 0, nmax);
      aux[i] = l;
      const w = weights[i];
      sumL = f(sumL + f(w * l));
      sumL2 = f(sumL2 + f(f(w * l) * l));
      sumXL = f(sumXL + f(f(w * l) * x[o + i]));
    }
    const D = f(f(sumW * sumL2) - f(sumL * sumL));
    if (D > 0) {
      let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
      let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = f(sumXL / sumL2);
      }
      const mad = err(thisScale, thisMin, aux, 0);
      if (mad < bestMad) {
        L.set(aux, lo);
        bestMad = mad;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return [scale, -min];
}

/** Two bits per element of L (256 levels 0…3) into 64 bytes, ggml's plane order. */
function pack2(L: Int32Array, b: Uint8Array, at: number): void {
  for (let j = 0; j < 256; j += 128) {
    for (let l = 0; l < 32; l++)
      b[at + j / 4 + l] = L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6);
  }
}

/** Q2_K: 16 sub-blocks of 16, levels 0…3, 4-bit scales and mins against f16 d and dmin. */
export function encodeQ2K(x: Float32Array, o: number, b: Uint8Array, at: number): void {
  const L = new Int32Array(256);
  const scales = new Float32Array(16);
  const mins = new Float32Array(16);
  const w = new Float32Array(16);
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 16; j++) {
    for (let l = 0; l < 16; l++) w[l] = Math.abs(x[o + 16 * j + l]);
    [scales[j], mins[j]] = affineScale(x, o + 16 * j, 16, 3, w, L, 16 * j, f(-0.5), F01, 15, true);
    if (scales[j] > maxScale) maxScale = scales[j];
    if (mins[j] > maxMin) maxMin = mins[j];
  }
  const sc = new Uint8Array(16);
  let d = 0;
  let dmin = 0;
  if (maxScale > 0) {
    const iscale = f(15 / maxScale);
    for (let j = 0; j < 16; j++) sc[j] = nearestInt(f(iscale * scales[j]));
    d = putHalf(b, at + 80, f(maxScale / 15));
  } else d = putHalf(b, at + 80, 0);
  if (maxMin > 0) {
    const iscale = f(15 / maxMin);
    for (let j = 0; j < 16; j++) sc[j] |= nearestInt(f(iscale * mins[j])) << 4;
    dmin = putHalf(b, at + 82, f(maxMin / 15));
  } else dmin = putHalf(b, at + 82, 0);
  for (let j = 0; j < 16; j++) {
    b[at + j] = sc[j];
    const dj = f(d * (sc[j] & 15));
    if (!dj) continue;
    const mj = f(dmin * (sc[j] >> 4));
    for (let i = 0; i < 16; i++) L[16 * j + i] = clamp(nearestInt(f(f(x[o + 16 * j + i] + mj) / dj)), 0, 3);
  }
  pack2(L, b, at + 16);
}

/** Q3_K: 16 sub-blocks of 16, levels −4…3 (2 bits + a high-bit mask), 6-bit signed scales, f16 d. */
export function encodeQ3K(x: Float32Array, o: number, b: Uint8Array, at: number): void {
  const L = new Int32Array(256);
  const scales = new Float32Array(16);
  for (let j = 0; j < 16; j++) scales[j] = q3Scale(x, o + 16 * j, 16, 4, L, 16 * j);
  const maxScale = signedAbsMax(scales, 0, 16).max;
  const s = at + 96; // the 12 scale bytes
  b.fill(0, s, s + 12);
  let d: number;
  if (maxScale) {
    const iscale = f(-32 / maxScale);
    for (let j = 0; j < 16; j++) {
      const l = clamp((nearestInt(f(iscale * scales[j])) << 24) >> 24, -32, 31) + 32;
      if (j < 8) b[s + j] = l & 15;
      else b[s + j - 8] |= (l & 15) << 4;
      b[s + 8 + (j % 4)] |= (l >> 4) << (2 * Math.floor(j / 4));
    }
    d = putHalf(b, at + 108, f(1 / iscale));
  } else d = putHalf(b, at + 108, 0);
  for (let j = 0; j < 16; j++) {
    const low = j < 8 ? b[s + j] & 15 : b[s + j - 8] >> 4;
    const sc = (low | (((b[s + 8 + (j % 4)] >> (2 * Math.floor(j / 4))) & 3) << 4)) - 32;
    const dj = f(d * sc);
    if (!dj) continue;
    for (let i = 0; i < 16; i++) L[16 * j + i] = clamp(nearestInt(f(x[o + 16 * j + i] / dj)), -4, 3) + 4;
  }
  b.fill(0, at, at + 32);
  // the high bit of element j goes to bit floor(j / 32) of hmask[j % 32]
  for (let j = 0; j < 256; j++) {
    if (L[j] > 3) {
      b[at + (j % 32)] |= 1 << Math.floor(j / 32);
      L[j] -= 4;
    }
  }
  pack2(L, b, at + 32);
}

/** Packs 8 six-bit scales and mins into ggml's 12 bytes (Q4_K / Q5_K). */
function packScalesK4(ls: Uint8Array, lm: Uint8Array, b: Uint8Array, s: number): void {
  for (let j = 0; j < 8; j++) {
    if (j < 4) {
      b[s + j] = ls[j];
      b[s + j + 4] = lm[j];
    } else {
      b[s + j + 4] = (ls[j] & 15) | ((lm[j] & 15) << 4);
      b[s + j - 4] |= (ls[j] >> 4) << 6;
      b[s + j] |= (lm[j] >> 4) << 6;
    }
  }
}

/**
 * The shared part of Q4_K and Q5_K: 8 sub-blocks of 32 fitted on 0…nmax with weights av_x + |x|, the
 * scales and mins as 6 bits against f16 d and dmin, the elements re-rounded. Returns the levels.
 */
function encodeK4(
  x: Float32Array,
  o: number,
  b: Uint8Array,
  at: number,
  nmax: number,
  rmin: number,
  nstep: number,
): Int32Array {
  const L = new Int32Array(256);
  const scales = new Float32Array(8);
  const mins = new Float32Array(8);
  const w = new Float32Array(32);
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = f(sumX2 + f(x[o + 32 * j + l] * x[o + 32 * j + l]));
    const avX = f(Math.sqrt(f(sumX2 / 32)));
    for (let l = 0; l < 32; l++) w[l] = f(avX + Math.abs(x[o + 32 * j + l]));
    [scales[j], mins[j]] = affineScale(x, o + 32 * j, 32, nmax, w, L, 32 * j, rmin, F01, nstep, false);
    if (scales[j] > maxScale) maxScale = scales[j];
    if (mins[j] > maxMin) maxMin = mins[j];
  }
  const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
  const ls = new Uint8Array(8);
  const lm = new Uint8Array(8);
  for (let j = 0; j < 8; j++) {
    ls[j] = Math.min(63, nearestInt(f(invScale * scales[j])) & 0xff);
    lm[j] = Math.min(63, nearestInt(f(invMin * mins[j])) & 0xff);
  }
  b.fill(0, at + 4, at + 16);
  packScalesK4(ls, lm, b, at + 4);
  const d = putHalf(b, at, f(maxScale / 63));
  const dmin = putHalf(b, at + 2, f(maxMin / 63));
  for (let j = 0; j < 8; j++) {
    const [sc, m] = scaleMinK4(b, at + 4, j);
    const dj = f(d * sc);
    if (!dj) continue;
    const dm = f(dmin * m);
    for (let i = 0; i < 32; i++) L[32 * j + i] = clamp(nearestInt(f(f(x[o + 32 * j + i] + dm) / dj)), 0, nmax);
  }
  return L;
}

/** Q4_K: 8 sub-blocks of 32, levels 0…15. */
export function encodeQ4K(x: Float32Array, o: number, b: Uint8Array, at: number): void {
  const L = encodeK4(x, o, b, at, 15, -1, 20);
  for (let j = 0; j < 256; j += 64) {
    for (let l = 0; l < 32; l++) b[at + 16 + j / 2 + l] = L[j + l] | (L[j + l + 32] << 4);
  }
}

/** Q5_K: as Q4_K with levels 0…31, the fifth bits in qh. */
export function encodeQ5K(x: Float32Array, o: number, b: Uint8Array, at: number): void {
  const L = encodeK4(x, o, b, at, 31, f(-0.5), 15);
  const qh = at + 16;
  b.fill(0, qh, qh + 32);
  let m1 = 1;
  let m2 = 2;
  for (let n = 0; n < 256; n += 64) {
    for (let j = 0; j < 32; j++) {
      let l1 = L[n + j];
      if (l1 > 15) {
        l1 -= 16;
        b[qh + j] |= m1;
      }
      let l2 = L[n + j + 32];
      if (l2 > 15) {
        l2 -= 16;
        b[qh + j] |= m2;
      }
      b[at + 48 + n / 2 + j] = l1 | (l2 << 4);
    }
    m1 <<= 2;
    m2 <<= 2;
  }
}

/** Q6_K: 16 sub-blocks of 16, levels −32…31, 8-bit signed scales against f16 d. */
export function encodeQ6K(x: Float32Array, o: number, b: Uint8Array, at: number): void {
  const L = new Int32Array(256);
  const scales = new Float32Array(16);
  for (let ib = 0; ib < 16; ib++) scales[ib] = symmetricScale(x, o + 16 * ib, 16, 32, L, 16 * ib);
  const { amax: maxAbs, max: maxScale } = signedAbsMax(scales, 0, 16);
  b.fill(0, at, at + 210);
  if (maxAbs < 1e-15) return; // an all-zero block (ggml's GROUP_MAX_EPS): every byte 0, d = +0
  const iscale = f(-128 / maxScale);
  const d = putHalf(b, at + 208, f(1 / iscale));
  for (let ib = 0; ib < 16; ib++) b[at + 192 + ib] = Math.min(127, nearestInt(f(iscale * scales[ib]))) & 0xff;
  for (let j = 0; j < 16; j++) {
    const dj = f(d * ((b[at + 192 + j] << 24) >> 24));
    if (!dj) continue;
    for (let i = 0; i < 16; i++) L[16 * j + i] = clamp(nearestInt(f(x[o + 16 * j + i] / dj)), -32, 31) + 32;
  }
  for (let j = 0; j < 256; j += 128) {
    const ql = at + j / 2;
    const qh = at + 128 + j / 4;
    for (let l = 0; l < 32; l++) {
      const [q1, q2, q3, q4] = [L[j + l], L[j + l + 32], L[j + l + 64], L[j + l + 96]];
      b[ql + l] = (q1 & 15) | ((q3 & 15) << 4);
      b[ql + l + 32] = (q2 & 15) | ((q4 & 15) << 4);
      b[qh + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6);
    }
  }
}

/** Index of the IQ4 level nearest to v (the lower one unless the upper is strictly nearer). */
function nearestLevel(levels: readonly number[], v: number): number {
  const n = levels.length;
  if (v <= levels[0]) return 0;
  if (v >= levels[n - 1]) return n - 1;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (v < levels[mid]) hi = mid;
    else lo = mid;
  }
  return f(v - levels[hi - 1]) < f(levels[hi] - v) ? hi - 1 : hi;
}

/**
 * IQ4_NL / IQ4_XS (ggml's quantize_iq4_nl without an importance matrix, and quantize_row_iq4_xs_ref):
 * per 32-element block a scale d fitted by weighted least squares (w = x²) over 15 trial stretches
 * of the non-uniform levels; IQ4_XS then stores each block's d as a 6-bit multiple of one f16
 * super-scale and re-picks the levels against it. `levels` is IQ4_LEVELS.
 */
export function encodeIq4(
  levels: readonly number[],
  superBlock: number,
  x: Float32Array,
  o: number,
  b: Uint8Array,
  at: number,
): void {
  const ntry = 7;
  const nb = superBlock / 32;
  const L = new Uint8Array(superBlock);
  const scales = new Float32Array(nb);
  const leastSquares = (xb: number, id: number, keep: boolean) => {
    let sumqx = 0;
    let sumq2 = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[xb + j];
      const l = nearestLevel(levels, f(id * v));
      if (keep) L[xb - o + j] = l;
      const q = levels[l];
      const w = f(v * v);
      sumqx = f(sumqx + f(f(w * q) * v));
      sumq2 = f(sumq2 + f(f(w * q) * q));
    }
    return [sumqx, sumq2];
  };
  for (let ib = 0; ib < nb; ib++) {
    const xb = o + 32 * ib;
    const { amax, max } = signedAbsMax(x, xb, 32);
    if (amax < 1e-15) {
      scales[ib] = 0;
      continue;
    }
    let d = f(-max / levels[0]);
    let [sumqx, sumq2] = leastSquares(xb, f(1 / d), true);
    d = f(sumqx / sumq2);
    let best = f(d * sumqx);
    for (let itry = -ntry; itry <= ntry; itry++) {
      [sumqx, sumq2] = leastSquares(xb, f((itry + levels[0]) / max), false);
      if (sumq2 > 0 && f(sumqx * sumqx) > f(best * sumq2)) {
        d = f(sumqx / sumq2);
        best = f(d * sumqx);
      }
    }
    scales[ib] = d;
  }
  const maxScale = signedAbsMax(scales, 0, nb).max;
  let qs = at + 2;
  if (nb > 1) {
    // IQ4_XS: d f16, scales_h u16, scales_l[4], qs[128]
    const d = f(-maxScale / 32);
    putHalf(b, at, d);
    const id = d ? f(1 / d) : 0;
    let scalesH = 0;
    b.fill(0, at + 4, at + 8);
    for (let ib = 0; ib < nb; ib++) {
      const l = clamp(nearestInt(f(id * scales[ib])), -32, 31);
      const dl = f(d * l);
      const idl = dl ? f(1 / dl) : 0;
      for (let j = 0; j < 32; j++) L[32 * ib + j] = nearestLevel(levels, f(idl * x[o + 32 * ib + j]));
      const biased = l + 32;
      b[at + 4 + (ib >> 1)] |= (biased & 15) << (4 * (ib & 1));
      scalesH |= (biased >> 4) << (2 * ib);
    }
    b[at + 2] = scalesH & 0xff;
    b[at + 3] = scalesH >> 8;
    qs = at + 8;
  } else {
    putHalf(b, at, scales[0]);
    const id = scales[0] ? f(1 / scales[0]) : 0;
    for (let j = 0; j < 32; j++) L[j] = nearestLevel(levels, f(id * x[o + j]));
  }
  for (let i = 0; i < nb; i++) {
    for (let j = 0; j < 16; j++) b[qs + 16 * i + j] = L[32 * i + j] | (L[32 * i + 16 + j] << 4);
  }
}
