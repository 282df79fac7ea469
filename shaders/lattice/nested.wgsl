// Block layout of the nested-lattice format (twin of src/lattice/format.ts and block-coder.ts): per block
// (Identifiers avoid the name `block`: wgsl_reflect treats it as a keyword.)
// the coset digits (one mixed-radix field of FMT_FIELD_BITS when FMT_RADIX, else FMT_FIELDS fields),
// per block a β index of FMT_INDEX_BITS in the aux stream, per row σ as f32 in the scales stream.

fn FMT_sigma(row: u32) -> f32 {
  return bitcast<f32>(FMT_scale_field(row, 0u, 32u));
}

fn FMT_beta_index(row: u32, blk: u32) -> u32 {
  if (FMT_INDEX_BITS == 0u) { return 0u; }
  return FMT_aux_field(row, blk, FMT_INDEX_BITS);
}

// Field f of the codes stream of `row` (FMT_FIELD_BITS wide, may straddle words).
fn FMT_field(row: u32, f: u32) -> u32 {
  let bits = FMT_FIELD_BITS;
  let bit = f * bits;
  let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + bit_word(bit);
  var v = FMT_codes[w] >> bit_shift(bit);
  if (straddles(bit, bits)) { v |= FMT_codes[w + 1u] << (32u - bit_shift(bit)); }
  return v & bits_mask(bits);
}

fn FMT_digits(row: u32, blk: u32) -> FMT_Vec {
  var c: FMT_Vec;
  if (FMT_RADIX) {
    var v = FMT_field(row, blk);
    for (var i = 0u; i < FMT_DIM; i++) {
      c[i] = i32(v % FMT_Q);
      v = v / FMT_Q;
    }
  } else {
    for (var i = 0u; i < FMT_DIM; i++) { c[i] = i32(FMT_field(row, blk * FMT_DIM + i)); }
  }
  return c;
}
