// Exact decisions shared by scalar encoders. Twin of src/formats/rounding.ts.
// Every decision is the exact sign of a - b*s for f32 a, s and a constant b with <= 12 significant bits.

const F32_MIN_NORMAL: f32 = bitcast<f32>(0x00800000u);
const MIN_SCALE: f32 = bitcast<f32>(0x1f800000u); // 2^-64
const QUOTIENT_CAP: f32 = 1024.0;

// Subnormals count as zero everywhere (WGSL lets a GPU flush them; the CPU twin does the same).
fn ftz(x: f32) -> f32 {
  return select(x, 0.0, abs(x) < F32_MIN_NORMAL);
}

fn ftz4(x: vec4<f32>) -> vec4<f32> {
  return select(x, vec4<f32>(0.0), abs(x) < vec4<f32>(F32_MIN_NORMAL));
}

// Exact sign of a - b*s for a >= 0, b >= 0 (<= 12 significant bits), s >= MIN_SCALE.
// s = s_hi + s_lo with 12-bit halves, so b*s_hi and b*s_lo are exact (fused or not). When a is within a
// factor 2 of b*s_hi, a - b*s_hi is exact (Sterbenz) and is compared with b*s_lo; otherwise the sign
// is already decided (b*s_lo <= 2^-11 * b*s_hi).
fn cmp_scaled(a: f32, b: f32, s: f32) -> i32 {
  let s_hi = bitcast<f32>(bitcast<u32>(s) & 0xfffff000u);
  let s_lo = s - s_hi;
  let p_hi = b * s_hi;
  let p_lo = b * s_lo;
  if (p_hi == 0.0) { return select(0, 1, a > 0.0); }
  if (a > 2.0 * p_hi) { return 1; }
  if (a < 0.5 * p_hi) { return -1; }
  let d = a - p_hi;
  if (d > p_lo) { return 1; }
  if (d < p_lo) { return -1; }
  return 0;
}

// The same for signed x and signed b.
fn cmp_scaled_signed(x: f32, b: f32, s: f32) -> i32 {
  if (b >= 0.0) {
    if (x < 0.0) { return -1; }
    return cmp_scaled(x, b, s);
  }
  if (x >= 0.0) { return 1; }
  return -cmp_scaled(-x, -b, s);
}

// RNE(a / (s*step)) of the real quotient for a >= 0, s >= MIN_SCALE, step a power of two; capped.
fn rne_quotient(a: f32, s: f32, step: f32) -> f32 {
  let t = a / s / step;
  if (!(t < QUOTIENT_CAP)) { return QUOTIENT_CAP; }
  let fl = floor(t);
  let frac = t - fl;
  if (abs(frac - 0.5) > 1e-3) { return select(fl + 1.0, fl, frac < 0.5); }
  let c = cmp_scaled(a, (fl + 0.5) * step, s);
  if (c < 0) { return fl; }
  if (c > 0) { return fl + 1.0; }
  return select(fl + 1.0, fl, fract(fl * 0.5) == 0.0);
}

fn round_div_exact(a: f32, s: f32) -> f32 {
  return rne_quotient(a, s, 1.0);
}

fn round_div_exact_signed(x: f32, s: f32) -> f32 {
  let q = round_div_exact(abs(x), s);
  return select(q, -q, x < 0.0);
}

// A computed scale below MIN_SCALE becomes 0: the group then quantizes to zero (twin of flushScale).
fn flush_scale(s: f32) -> f32 {
  return select(s, 0.0, s < MIN_SCALE);
}

// x with its mantissa cut to 12 significant bits: its square is exact in f32 (twin of top12Bits).
fn top12_bits(x: f32) -> f32 {
  return bitcast<f32>(bitcast<u32>(x) & 0xfffff000u);
}

fn exp_of(c: f32) -> i32 {
  return i32((bitcast<u32>(c) >> 23u) & 0xffu) - 127;
}

fn is_pow2(c: f32) -> bool {
  return (bitcast<u32>(c) & 0x7fffffu) == 0u;
}

// RNE to 11 significant bits of sqrt(v), decided exactly (twin of rneSqrt11). Only multiplications by
// powers of two and squares of 12-bit midpoints are used, all exact.
fn rne_sqrt11(v: f32) -> f32 {
  if (!(v > 0.0)) { return 0.0; }
  let r = sqrt(v);
  var c = round(r * ldexp(1.0, 10 - exp_of(r))) * ldexp(1.0, exp_of(r) - 10);
  for (var i = 0; i < 4; i++) {
    let e = exp_of(c);
    let u = ldexp(1.0, e - 10);
    let up = c + u * 0.5;
    let down = c - select(u * 0.5, u * 0.25, is_pow2(c));
    let odd = (u32(c * ldexp(1.0, 10 - e)) & 1u) == 1u;
    if (up * up < v || (up * up == v && odd)) {
      c += u;
    } else if (down * down > v || (down * down == v && odd)) {
      c -= select(u, u * 0.5, is_pow2(c));
    } else {
      break;
    }
  }
  return c;
}
