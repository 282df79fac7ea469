// GEMV blocks for f32 (or any decoded) X times a W with affine blocks (value = scale·(code − offset),
// e.g. INT): x·w = scale·(x·c − offset·Σx). Σx is formed once per X block and shared by every row a
// thread covers, so each W entry costs an unpack and an FMA, not an unpack, a subtract, a multiply and
// an FMA. Entries of X at or past k_end are zeroed, which zeroes their terms (W needs no mask).
struct XSum8 {
  v: Vals8,
  sum: f32,
}
alias GemvX = XSum8;
alias GemvW = Affine8;

fn gemv_x(m: u32, k: u32, k_end: u32) -> XSum8 {
  let v = mask8(x_decode8(m, k), k, k_end);
  return XSum8(v, dot(v.lo + v.hi, vec4<f32>(1.0)));
}
fn gemv_w(n: u32, k: u32, k_end: u32) -> Affine8 { return w_affine8(n, k); }
alias GemvPartial = f32;
fn gemv_fma(p: f32, x: XSum8, w: Affine8) -> f32 {
  return p + w.scale * (dot(x.v.lo, w.c.lo) + dot(x.v.hi, w.c.hi) - w.offset * x.sum);
}
fn gemv_total(p: f32) -> f32 { return p; }
