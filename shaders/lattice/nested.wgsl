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

const FMT_INV_Q: f32 = 1.0 / f32(FMT_Q);

// Digits i0.. of a mixed-radix value v < 2^21 (no integer division: see common/bits.wgsl).
fn FMT_small_digits(v0: u32, i0: u32, i1: u32, c: ptr<function, FMT_Vec>) {
  var v = i32(v0);
  for (var i = i0; i < i1; i++) {
    let quo = floor_div_small(v, FMT_INV_Q);
    (*c)[i] = v - quo * i32(FMT_Q);
    v = quo;
  }
}

fn FMT_digits(row: u32, blk: u32) -> FMT_Vec {
  var c: FMT_Vec;
  if (FMT_RADIX && FMT_SPLIT_DIGITS > 0u) {
    // v = hi·q^h + lo with both halves < 2^21 (host: FMT_SPLIT = q^h, h = ⌊DIM/2⌋)
    let hl = div_mod_u32(FMT_field(row, blk), FMT_SPLIT, 1.0 / f32(FMT_SPLIT));
    FMT_small_digits(hl.y, 0u, FMT_SPLIT_DIGITS, &c);
    FMT_small_digits(hl.x, FMT_SPLIT_DIGITS, FMT_DIM, &c);
  } else if (FMT_RADIX) {
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
