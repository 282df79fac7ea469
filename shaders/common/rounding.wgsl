// Exact rounding decisions shared by scalar encoders. Twin of src/formats/rounding.ts.

const F32_MIN_NORMAL: f32 = bitcast<f32>(0x00800000u);
const QUOTIENT_CAP: f32 = 1024.0;

// Subnormals count as zero everywhere (WGSL lets a GPU flush them; the CPU twin does the same).
fn ftz(x: f32) -> f32 {
  return select(x, 0.0, abs(x) < F32_MIN_NORMAL);
}

// RNE(a / s) of the real quotient, for a >= 0 and normal s > 0, capped at QUOTIENT_CAP.
// WGSL division may be 2.5 ulp off, so near a half-integer the decision is made exactly:
// 2a is compared with n*s (n = 2*floor+1) using s = s_hi + s_lo split into 12-bit halves,
// where every product and the Sterbenz subtraction are exact (fused or not).
fn round_div_exact(a: f32, s: f32) -> f32 {
  let t = a / s;
  if (!(t < QUOTIENT_CAP)) { return QUOTIENT_CAP; }
  let fl = floor(t);
  let frac = t - fl;
  if (abs(frac - 0.5) > 1e-3) { return select(fl + 1.0, fl, frac < 0.5); }
  let n = 2.0 * fl + 1.0;
  let s_hi = bitcast<f32>(bitcast<u32>(s) & 0xfffff000u);
  let s_lo = s - s_hi;
  let d = 2.0 * a - n * s_hi;
  let p_lo = n * s_lo;
  if (d < p_lo) { return fl; }
  if (d > p_lo) { return fl + 1.0; }
  return select(fl + 1.0, fl, fract(fl * 0.5) == 0.0);
}

fn round_div_exact_signed(x: f32, s: f32) -> f32 {
  let q = round_div_exact(abs(x), s);
  return select(q, -q, x < 0.0);
}
