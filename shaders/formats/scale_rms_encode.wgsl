// Sequential sum of exact squares (each top12(x)^2 is exact in f32, so fusing cannot change it) in
// k order, then the exactly rounded square root: identical on every device and on the CPU.
fn FMT_group_scale_bits(row: u32, g: u32) -> u32 {
  var acc = 0.0;
  for (var k = 0u; k < FMT_meta.k; k++) {
    let h = top12_bits(ftz(src_value(row, k)));
    acc = acc + ftz(h * h);
  }
  return bitcast<u32>(flush_scale(rne_sqrt11(ftz(acc * FMT_meta.inv_k))));
}

fn FMT_encode_aux_word(row: u32, word: u32) -> u32 {
  return 0u;
}
