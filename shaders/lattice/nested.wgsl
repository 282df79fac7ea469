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

// `width` ≤ 32 bits at bit `bit` of row `row`'s codes.
fn FMT_row_bits(row: u32, bit: u32, width: u32) -> u32 {
  if (width == 0u) { return 0u; }
  let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + bit_word(bit);
  var v = FMT_codes[w] >> bit_shift(bit);
  if (straddles(bit, width)) { v |= FMT_codes[w + 1u] << (32u - bit_shift(bit)); }
  return v & bits_mask(width);
}

// Field f of the codes stream of `row` (FMT_FIELD_BITS wide, may straddle words).
fn FMT_field(row: u32, f: u32) -> u32 {
  return FMT_row_bits(row, f * FMT_FIELD_BITS, FMT_FIELD_BITS);
}

const FMT_INV_Q: f32 = 1.0 / f32(FMT_Q);

// Digits i0.. of a value v < 2^21 in radix `radix` (inv_radix = fl(1/radix), a const; no integer
// division: see common/bits.wgsl).
fn FMT_small_digits(v0: u32, i0: u32, i1: u32, radix: u32, inv_radix: f32, c: ptr<function, FMT_Vec>) {
  var v = i32(v0);
  for (var i = i0; i < i1; i++) {
    let quo = floor_div_small(v, inv_radix);
    (*c)[i] = v - quo * i32(radix);
    v = quo;
  }
}

// The DIM radix digits of v = hi·radix^h + lo with both halves < 2^21 (split = radix^h, h = split_digits).
fn FMT_split_digits(v: u32, radix: u32, inv_radix: f32, split: u32, split_digits: u32) -> FMT_Vec {
  var c: FMT_Vec;
  let hl = div_mod_u32(v, split, 1.0 / f32(split));
  FMT_small_digits(hl.y, 0u, split_digits, radix, inv_radix, &c);
  FMT_small_digits(hl.x, split_digits, FMT_DIM, radix, inv_radix, &c);
  return c;
}

// ---- Dense digit packing (`-dense`; twin of densePacking in src/lattice/digit-packing.ts) ----
// Row codes: the Kp digits' DENSE_E high bits, then per pair of blocks v = x_even + M·x_odd in
// DENSE_PAIR_BITS (a lone last block: x in DENSE_ONE_BITS), x = a block's low parts in radix m, M = m^DIM.

// x of block `blk`: its half of the pair's field, by long division of the field by M in DENSE_LIMB-bit
// limbs from the top (remainder·2^LIMB + limb < 2^32, quotient digits < 2^LIMB ≤ 2^22: div_mod_u32 exact).
fn FMT_dense_x(row: u32, blk: u32) -> u32 {
  let kp = FMT_meta.k;
  let pair = blk / 2u;
  let bit = kp * FMT_DENSE_E + pair * FMT_DENSE_PAIR_BITS;
  if (2u * pair + 1u >= kp / FMT_DIM) { return FMT_row_bits(row, bit, FMT_DENSE_ONE_BITS); }
  let lo = FMT_row_bits(row, bit, min(FMT_DENSE_PAIR_BITS, 32u));
  let hi = FMT_row_bits(row, bit + 32u, max(FMT_DENSE_PAIR_BITS, 32u) - 32u);
  let inv_m = 1.0 / f32(FMT_DENSE_MN);
  var quo = 0u;
  var rem = 0u;
  for (var s = FMT_DENSE_STEPS; s > 0u; s--) {
    let limb = bits64_window(lo, hi, (s - 1u) * FMT_DENSE_LIMB, FMT_DENSE_LIMB);
    let qr = div_mod_u32((rem << FMT_DENSE_LIMB) | limb, FMT_DENSE_MN, inv_m);
    quo = (quo << FMT_DENSE_LIMB) | qr.x;
    rem = qr.y;
  }
  return select(rem, quo, (blk & 1u) == 1u);
}

// The high part of digit i of block `blk` (DENSE_E raw bits), times m.
fn FMT_dense_high(row: u32, blk: u32, i: u32) -> i32 {
  return i32(FMT_DENSE_M * FMT_row_bits(row, (blk * FMT_DIM + i) * FMT_DENSE_E, FMT_DENSE_E));
}

const FMT_DENSE_INV_M: f32 = 1.0 / f32(FMT_DENSE_M);

fn FMT_dense_digits(row: u32, blk: u32) -> FMT_Vec {
  // x's radix-m digits as the plain field's radix-q ones, plus m times each digit's raw high bits
  let x = FMT_dense_x(row, blk);
  var c = FMT_split_digits(x, FMT_DENSE_M, FMT_DENSE_INV_M, FMT_DENSE_SPLIT, FMT_DENSE_SPLIT_DIGITS);
  for (var i = 0u; i < FMT_DIM; i++) { c[i] += FMT_dense_high(row, blk, i); }
  return c;
}

fn FMT_digits(row: u32, blk: u32) -> FMT_Vec {
  var c: FMT_Vec;
  if (FMT_DENSE) {
    c = FMT_dense_digits(row, blk);
  } else if (FMT_RADIX && FMT_SPLIT_DIGITS > 0u) {
    // v = hi·q^h + lo with both halves < 2^21 (host: FMT_SPLIT = q^h, h = ⌊DIM/2⌋)
    c = FMT_split_digits(FMT_field(row, blk), FMT_Q, FMT_INV_Q, FMT_SPLIT, FMT_SPLIT_DIGITS);
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
