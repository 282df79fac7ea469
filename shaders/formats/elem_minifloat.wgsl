// ExMy minifloat element codec with RNE and saturation (twin of MinifloatCodec).
// Constants: FMT_BITS (1+E+M), FMT_EM (mantissa bits), FMT_EMIN_BIAS (bias-1, so emin = -FMT_EMIN_BIAS),
// FMT_EMAX_BINADE (exponent of the largest binade, +64), FMT_VMAX (largest value).

fn FMT_elem_value(code: u32) -> f32 {
  let m = FMT_EM;
  let eb = FMT_BITS - 1u - m;
  let man = code & ((1u << m) - 1u);
  let ex = (code >> m) & ((1u << eb) - 1u);
  var mag: f32;
  if (ex == 0u) {
    mag = ldexp(f32(man), -i32(FMT_EMIN_BIAS) - i32(m));
  } else {
    mag = ldexp(f32((1u << m) + man), i32(ex) - 1 - i32(FMT_EMIN_BIAS) - i32(m));
  }
  if (mag == 0.0) { return 0.0; }
  return select(mag, -mag, ((code >> (m + eb)) & 1u) == 1u);
}

// Code of a grid magnitude v >= 0 (already saturated), with the sign of the input.
fn FMT_elem_code(v: f32, neg: bool) -> u32 {
  if (v == 0.0) { return 0u; }
  let m = FMT_EM;
  let eb = FMT_BITS - 1u - m;
  let emin = -i32(FMT_EMIN_BIAS);
  var ex: u32;
  var man: u32;
  if (v < ldexp(1.0, emin)) {
    ex = 0u;
    man = u32(v * ldexp(1.0, i32(m) - emin));
  } else {
    let e = i32((bitcast<u32>(v) >> 23u) & 0xffu) - 127;
    ex = u32(e - emin + 1);
    man = u32(v * ldexp(1.0, i32(m) - e)) - (1u << m);
  }
  return (select(0u, 1u, neg) << (eb + m)) | (ex << m) | man;
}

// Nearest grid point to the real quotient x/s (exact), saturating at FMT_VMAX.
fn FMT_elem_encode(x: f32, s: f32) -> u32 {
  let a = abs(ftz(x));
  if (s == 0.0 || a == 0.0) { return 0u; }
  let emin = -i32(FMT_EMIN_BIAS);
  let emax = i32(FMT_EMAX_BINADE) - 64;
  // The binade: the largest e in [emin, emax] with a >= 2^e * s, found from an estimate and exact checks.
  var e = clamp(i32(floor(log2(a / s))), emin, emax);
  for (var i = 0; i < 8; i++) {
    if (e > emin && cmp_scaled(a, ldexp(1.0, e), s) < 0) { e -= 1; } else { break; }
  }
  for (var i = 0; i < 8; i++) {
    if (e < emax && cmp_scaled(a, ldexp(1.0, e + 1), s) >= 0) { e += 1; } else { break; }
  }
  let step = ldexp(1.0, e - i32(FMT_EM));
  let v = min(rne_quotient(a, s, step) * step, FMT_VMAX);
  return FMT_elem_code(v, x < 0.0);
}
