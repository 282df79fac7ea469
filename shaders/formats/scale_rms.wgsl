// Per-row RMS scale (one group per row; twin of ScaledFormat rule 'rms'): sigma = RNE to 11 significant
// bits of sqrt(fl(sum_k top12(x_k)^2) * fl(1/K)), stored as f32. The codebook levels are in sigma units.

fn FMT_scale(row: u32, g: u32) -> f32 {
  return bitcast<f32>(FMT_scale_field(row, g, 32u));
}
