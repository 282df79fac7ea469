// Per-row RMS scale: sigma = RNE to 11 significant bits of sqrt(fl(sum_k top12(x_k)^2) * inv_n), f32 bits,
// over entries 0..n of the template's src_value(row, k). Sequential sum of exact squares (each
// top12(x)^2 is exact in f32, so fusing cannot change it) in k order, then the exactly rounded square
// root: identical on every device and on the CPU (twin of rmsScale11 in src/formats/rounding.ts).
#include "common/rounding.wgsl"

fn row_rms_bits(row: u32, n: u32, inv_n: f32) -> u32 {
  var acc = 0.0;
  for (var k = 0u; k < n; k++) {
    let h = top12_bits(ftz(src_value(row, k)));
    acc = acc + ftz(h * h);
  }
  return bitcast<u32>(flush_scale(rne_sqrt11(ftz(acc * inv_n))));
}
