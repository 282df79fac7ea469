// Nested-lattice encoder (twin of NestedLatticeFormat.encode): passes scales (σ per row), aux (β index
// per block, argmin of err_j·w_j in exact 64-bit integer arithmetic), codes (digits at the chosen β).
// The source is the coding-domain matrix (rotated and padded by shaders/hadamard.wgsl).

const FMT_T_CLAMP: f32 = 1048576.0; // 2^20, block-coder.ts T_CLAMP
const FMT_ERR_TERM_CAP: u32 = 33554432u; // 2^25
const FMT_DIFF_CAP: i32 = 5792;

// fl(1/σ) for an 11-significant-bit σ > 0: table fl(1/M), M = 1024..2047, times 2^−e (exact).
fn FMT_reciprocal_sigma(sigma: f32) -> f32 {
  let bits = bitcast<u32>(sigma);
  let e = i32((bits >> 23u) & 0xffu) - 127 - 10;
  let m = (bits >> 13u) & 1023u;
  return ldexp(FMT_RECIP11[m], -e);
}

// t_i = clamp(RNE(fl(y_i·m)), ±2^20).
fn FMT_fixed_point(row: u32, blk: u32, m: f32) -> FMT_Vec {
  var t: FMT_Vec;
  for (var i = 0u; i < FMT_DIM; i++) {
    t[i] = i32(clamp(round(src_value(row, blk * FMT_DIM + i) * m), -FMT_T_CLAMP, FMT_T_CLAMP));
  }
  return t;
}

struct FMT_Coded {
  digits: FMT_Vec,
  err: u32,
}

fn FMT_encode_block(t: FMT_Vec) -> FMT_Coded {
  let y = FMT_closest_twice(t, 256);
  let z = FMT_coords(y);
  var out: FMT_Coded;
  let q = i32(FMT_Q);
  for (var i = 0u; i < FMT_DIM; i++) { out.digits[i] = z[i] - q * floor_div_small(z[i], FMT_INV_Q); } // z mod q
  let coarse = FMT_closest_twice(y, 2 * q);
  var overload = false;
  for (var i = 0u; i < FMT_DIM; i++) { overload = overload || coarse[i] != 0; }
  var dec = y;
  if (overload) { dec = FMT_voronoi_decode_twice(out.digits); }
  var err = 0u;
  for (var i = 0u; i < FMT_DIM; i++) {
    let diff = t[i] - 128 * dec[i];
    err += select(u32(diff * diff), FMT_ERR_TERM_CAP, abs(diff) > FMT_DIFF_CAP);
  }
  out.err = err;
  return out;
}

// a·b as (hi, lo) 32-bit halves.
fn FMT_mul_wide(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2<u32>(a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u), (p00 & 0xffffu) | (mid << 16u));
}

fn FMT_block_beta(row: u32, blk: u32, rho: f32) -> u32 {
  if (FMT_UNIVERSAL) {
    // the smallest β whose block no dither can overload (universal.ts chooseBeta)
    for (var j = 0u; j + 1u < FMT_NBETA; j++) {
      if (FMT_gauge_twice(FMT_fixed_point(row, blk, FMT_ENC_FACTORS[j] * rho)) < i32(FMT_GAUGE_LIMIT2)) { return j; }
    }
    return FMT_NBETA - 1u;
  }
  var best = 0u;
  var best_score = vec2<u32>(0xffffffffu, 0xffffffffu);
  for (var j = 0u; j < FMT_NBETA; j++) {
    let coded = FMT_encode_block(FMT_fixed_point(row, blk, FMT_ENC_FACTORS[j] * rho));
    let s = FMT_mul_wide(coded.err, u32(FMT_ERR_WEIGHTS[j]));
    if (s.x < best_score.x || (s.x == best_score.x && s.y < best_score.y)) {
      best = j;
      best_score = s;
    }
  }
  return best;
}

fn FMT_encode_scales_word(row: u32, word: u32) -> u32 {
  // word 1 (universal scheme): the row mean, written by the centring pass (shaders/centre_rows.wgsl)
  if (word == 1u) { return FMT_scale_field(row, 1u, 32u); }
  return FMT_row_rms_bits(row);
}

fn FMT_encode_aux_word(row: u32, word: u32) -> u32 {
  let sigma = FMT_sigma(row);
  if (sigma == 0.0) { return 0u; }
  let rho = FMT_reciprocal_sigma(sigma);
  let ib = max(FMT_INDEX_BITS, 1u); // the aux pass only runs when FMT_INDEX_BITS > 0
  let blocks = FMT_meta.k / FMT_DIM;
  let b_first = (word * 32u) / ib;
  let b_end = min(blocks, (word * 32u + 31u) / ib + 1u);
  var out = 0u;
  for (var b = b_first; b < b_end; b++) { out |= bits_in_word(FMT_block_beta(row, b, rho), b * ib, ib, word); }
  return out;
}

fn FMT_encode_codes_word(row: u32, word: u32) -> u32 {
  let sigma = FMT_sigma(row);
  if (sigma == 0.0) { return 0u; }
  let rho = FMT_reciprocal_sigma(sigma);
  let fb = FMT_FIELD_BITS;
  let total = (FMT_meta.k / FMT_DIM) * FMT_FIELDS;
  let f_first = (word * 32u) / fb;
  let f_end = min(total, (word * 32u + 31u) / fb + 1u);
  var out = 0u;
  var cached = 0xffffffffu;
  var digits: FMT_Vec;
  for (var f = f_first; f < f_end; f++) {
    let blk = f / FMT_FIELDS;
    if (blk != cached) {
      cached = blk;
      let j = FMT_beta_index(row, blk);
      var t = FMT_fixed_point(row, blk, FMT_ENC_FACTORS[j] * rho);
      if (FMT_UNIVERSAL) {
        let d = FMT_dither(row, blk);
        for (var i = 0u; i < FMT_DIM; i++) { t[i] += d[i]; }
      }
      digits = FMT_encode_block(t).digits;
    }
    var v = 0u;
    if (FMT_RADIX) {
      for (var i = i32(FMT_DIM) - 1; i >= 0; i--) { v = v * FMT_Q + u32(digits[i]); }
    } else {
      v = u32(digits[f % FMT_FIELDS]);
    }
    out |= bits_in_word(v, f * fb, fb, word);
  }
  return out;
}
