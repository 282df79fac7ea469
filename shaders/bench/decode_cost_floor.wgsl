// decode_cost.wgsl's floor: one code word per 8-block, converted, no decoding — the loop, the load and
// the sum that every format's figure includes, timed so they can be taken off.
fn decode_cost_block(row: u32, k: u32) -> Vals8 {
  let v = vec4<f32>(f32(q_codes[q_meta.codes_base + row * q_meta.codes_stride + (k >> 3u)]));
  return Vals8(v, v);
}
