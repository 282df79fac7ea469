// OCP MX INT8 element codec: two's complement k, value k/64, |k| <= 127 (twin of MxInt8Codec).

fn FMT_elem_value(code: u32) -> f32 {
  return f32(i32(code << 24u) >> 24u) * 0.015625;
}

fn FMT_elem_encode(x: f32, s: f32) -> u32 {
  if (s == 0.0) { return 0u; }
  let n = i32(min(127.0, rne_quotient(abs(ftz(x)), s, 0.015625)));
  return u32(select(n, -n, x < 0.0)) & 0xffu;
}
