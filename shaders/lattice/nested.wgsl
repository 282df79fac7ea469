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

// ---- Dense digit packing (`-dense`; twin of densePacking in src/lattice/digit-packing.ts) ----
// Row codes: the Kp digits' DENSE_E high bits, then their low parts (radix DENSE_M) in fields of DENSE_G
// digits, DENSE_FIELD_BITS ≤ 60 bits each (the last one DENSE_TAIL_BITS[r] for its r digits).

// `width` ≤ 32 bits at bit `bit` of row `row`'s codes.
fn FMT_row_bits(row: u32, bit: u32, width: u32) -> u32 {
  if (width == 0u) { return 0u; }
  let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + bit_word(bit);
  var v = FMT_codes[w] >> bit_shift(bit);
  if (straddles(bit, width)) { v |= FMT_codes[w + 1u] << (32u - bit_shift(bit)); }
  return v & bits_mask(width);
}

// One long-division step by D (< 2^20) in 12-bit limbs: (r·2^12 + limb) / D and its remainder; the
// partial value is < 2^32 and the quotient digit < 2^12, so div_mod_u32's f32 estimate is exact after one
// correction.
fn FMT_dense_div_step(r: u32, limb: u32) -> vec2<u32> {
  return div_mod_u32(r * 4096u + limb, FMT_DENSE_D, 1.0 / f32(FMT_DENSE_D));
}

// Field f as (C, B, A), v = A·D² + B·D + C (D = m^c < 2^20): v (< 2^60) in five 12-bit limbs, divided by
// D twice (straight-line: CPU-backed adapters keep indexed arrays in memory).
fn FMT_dense_field(row: u32, f: u32) -> vec3<u32> {
  let kp = FMT_meta.k;
  let full = kp / FMT_DENSE_G;
  let width = select(u32(FMT_DENSE_TAIL_BITS[kp - full * FMT_DENSE_G]), FMT_DENSE_FIELD_BITS, f < full);
  let bit = kp * FMT_DENSE_E + f * FMT_DENSE_FIELD_BITS;
  let lo = FMT_row_bits(row, bit, min(width, 32u));
  let hi = FMT_row_bits(row, bit + 32u, max(width, 32u) - 32u);
  let a0 = FMT_dense_div_step(0u, hi >> 16u);
  let a1 = FMT_dense_div_step(a0.y, (hi >> 4u) & 0xfffu);
  let a2 = FMT_dense_div_step(a1.y, ((hi & 0xfu) << 8u) | (lo >> 24u));
  let a3 = FMT_dense_div_step(a2.y, (lo >> 12u) & 0xfffu);
  let a4 = FMT_dense_div_step(a3.y, lo & 0xfffu);
  // v / D has the limbs a0.x … a4.x; divide it by D again
  let b0 = FMT_dense_div_step(0u, a0.x);
  let b1 = FMT_dense_div_step(b0.y, a1.x);
  let b2 = FMT_dense_div_step(b1.y, a2.x);
  let b3 = FMT_dense_div_step(b2.y, a3.x);
  let b4 = FMT_dense_div_step(b3.y, a4.x);
  let A = (((b0.x * 4096u + b1.x) * 4096u + b2.x) * 4096u + b3.x) * 4096u + b4.x;
  return vec3<u32>(a4.y, b4.y, A);
}

// Coset digits of block `blk`: its DIM ≤ 8 positions lie in one field or straddle two.
fn FMT_dense_digits(row: u32, blk: u32) -> FMT_Vec {
  var c: FMT_Vec;
  let g0 = blk * FMT_DIM;
  let f0 = g0 / FMT_DENSE_G;
  let p0 = g0 - f0 * FMT_DENSE_G;
  let ch0 = FMT_dense_field(row, f0);
  var ch1 = ch0;
  if (p0 + FMT_DIM > FMT_DENSE_G) { ch1 = FMT_dense_field(row, f0 + 1u); }
  for (var i = 0u; i < FMT_DIM; i++) {
    let next = p0 + i >= FMT_DENSE_G;
    let p = select(p0 + i, p0 + i - FMT_DENSE_G, next);
    let ch = select(ch0, ch1, next);
    let k = p / FMT_DENSE_C;
    let j = p - k * FMT_DENSE_C;
    let v = i32(select(select(ch.z, ch.y, k == 1u), ch.x, k == 0u));
    // digit j of v < 2^20: ⌊v/m^j⌋ − m·⌊v/m^(j+1)⌋, both floors exact (floor_div_small, fl(1/m^j) host-rounded)
    let lo = floor_div_small(v, FMT_DENSE_INV_POW[j]) - i32(FMT_DENSE_M) * floor_div_small(v, FMT_DENSE_INV_POW[j + 1u]);
    c[i] = lo + i32(FMT_DENSE_M * FMT_row_bits(row, (g0 + i) * FMT_DENSE_E, FMT_DENSE_E));
  }
  return c;
}

fn FMT_digits(row: u32, blk: u32) -> FMT_Vec {
  var c: FMT_Vec;
  if (FMT_DENSE) {
    c = FMT_dense_digits(row, blk);
  } else if (FMT_RADIX && FMT_SPLIT_DIGITS > 0u) {
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
