// Nested-lattice format decode (coding domain: rotated, padded rows). Composed after formats/streams.wgsl,
// lattice/closest.wgsl and lattice/nested.wgsl. Value = fl(fl(2λ̂_i · fl(β_j/(2q))) · σ).

fn FMT_decode(row: u32, k: u32) -> f32 {
  let blk = k / FMT_DIM;
  let lam = FMT_voronoi_decode_twice(FMT_digits(row, blk));
  let j = FMT_beta_index(row, blk);
  return ftz(f32(lam[k % FMT_DIM]) * FMT_DEC_STEPS[j] * FMT_sigma(row));
}
