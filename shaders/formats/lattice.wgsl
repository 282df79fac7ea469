// Nested-lattice format decode (coding domain: rotated, padded rows). Composed after formats/streams.wgsl,
// lattice/closest.wgsl and lattice/nested.wgsl. Value = fl(fl(2λ̂_i · fl(β_j/(2q))) · σ); the universal
// scheme (lattice/universal.wgsl) subtracts its dither first: fl(fl((128·2λ̂_i − d_i) · fl(αβ_j/(256q))) · σ).

// The integers the decode scales: 2λ̂, or 128·2λ̂ − d for the universal scheme.
fn FMT_dithered(row: u32, blk: u32, lam: FMT_Vec) -> FMT_Vec {
  if (!FMT_UNIVERSAL) { return lam; }
  let d = FMT_dither(row, blk);
  var v: FMT_Vec;
  for (var i = 0u; i < FMT_DIM; i++) { v[i] = 128 * lam[i] - d[i]; }
  return v;
}

fn FMT_decode(row: u32, k: u32) -> f32 {
  let blk = k / FMT_DIM;
  let lam = FMT_dithered(row, blk, FMT_voronoi_decode_twice(FMT_digits(row, blk)));
  let j = FMT_beta_index(row, blk);
  return ftz(f32(lam[k % FMT_DIM]) * FMT_DEC_STEPS[j] * FMT_sigma(row));
}

// Entries k..k+7 (k a multiple of 8): each lattice block decoded once (8/DIM blocks).
fn FMT_decode8(row: u32, k: u32) -> Vals8 {
  if (FMT_E8_FAST) {
    let blk = k / 8u;
    var lam = FMT_e8_decode_twice(row, blk);
    if (FMT_UNIVERSAL) {
      let d = FMT_dither(row, blk);
      lam.lo = 128 * lam.lo - vec4<i32>(d[0], d[1], d[2], d[3]);
      lam.hi = 128 * lam.hi - vec4<i32>(d[4], d[5], d[6], d[7]);
    }
    let st = FMT_DEC_STEPS[FMT_beta_index(row, blk)];
    let sigma = FMT_sigma(row);
    return Vals8(ftz4(vec4<f32>(lam.lo) * st * sigma), ftz4(vec4<f32>(lam.hi) * st * sigma));
  }
  var v: array<f32, 8>;
  if (8u % FMT_DIM == 0u) {
    let sigma = FMT_sigma(row);
    for (var b = 0u; b < 8u / FMT_DIM; b++) {
      let blk = k / FMT_DIM + b;
      let lam = FMT_dithered(row, blk, FMT_voronoi_decode_twice(FMT_digits(row, blk)));
      let st = FMT_DEC_STEPS[FMT_beta_index(row, blk)];
      for (var i = 0u; i < FMT_DIM; i++) { v[b * FMT_DIM + i] = ftz(f32(lam[i]) * st * sigma); }
    }
  } else {
    for (var i = 0u; i < 8u; i++) { v[i] = FMT_decode(row, k + i); }
  }
  return vals8(v);
}

// 8-dim lattice blocks as integers: the doubled point 2λ̂ (|2λ̂_i| ≤ 2q ≤ 126, offered for q ≤ 63)
// and the factor β_j/(2q)·σ, so an 8-block inner product is one integer dot product times two factors.
fn FMT_int8x8(row: u32, k: u32) -> Int8x8 {
  let blk = k / 8u;
  if (FMT_E8_FAST) {
    let lam = FMT_e8_decode_twice(row, blk);
    let j = FMT_beta_index(row, blk);
    let factor = FMT_DEC_STEPS[j] * FMT_sigma(row);
    return Int8x8(pack_i8x4(lam.lo), pack_i8x4(lam.hi), factor);
  }
  let lam = FMT_voronoi_decode_twice(FMT_digits(row, blk));
  let p = pack_i8x8(lam);
  // (calls kept out of the constructor: wgsl_reflect does not trace resource use through its arguments)
  let j = FMT_beta_index(row, blk);
  let factor = FMT_DEC_STEPS[j] * FMT_sigma(row);
  return Int8x8(p.x, p.y, factor);
}
