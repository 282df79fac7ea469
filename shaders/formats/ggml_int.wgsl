// The integer-block contract (WgslSpec.intBlocks) for the ggml types whose element is a small signed
// integer times one factor shared by at least 8 consecutive entries (q4_0 q5_0 q8_0 iq4_nl: the block's d;
// q3_K q6_K: d times a 16-entry sub-scale; iq4_xs: d times a 32-entry sub-scale). The type's part defines
// FMT_block_int(bb, j) and FMT_block_factor(bb, j); value = factor · int exactly (the products are exact:
// formats/ggml.wgsl), so the integer path multiplies exactly what the float path decodes — which is
// this value.
fn FMT_block_value(bb: u32, j: u32) -> f32 {
  return FMT_block_factor(bb, j) * f32(FMT_block_int(bb, j));
}

fn FMT_int8x8(row: u32, k: u32) -> Int8x8 {
  let bb = 4u * row * FMT_meta.codes_stride + (k / FMT_BLOCK) * FMT_BLOCK_BYTES;
  let j = k % FMT_BLOCK;
  var v: array<i32, 8>;
  for (var i = 0u; i < 8u; i++) { v[i] = FMT_block_int(bb, j + i); }
  let p = pack_i8x8(v);
  return Int8x8(p.x, p.y, FMT_block_factor(bb, j));
}
