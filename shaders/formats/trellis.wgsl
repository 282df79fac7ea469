// Trellis-coded weights (twin of src/formats/trellis/format.ts and code.ts; docs/trellis.md): weight k of a
// row decodes from the L-bit window at bit (k / SEGMENT)·(SEGMENT·KBITS + L − KBITS) + (k % SEGMENT)·KBITS
// of its codes: value = fl(fl(code·STEP)·σ), code = the byte sum of a·s + b (mod 2^32) minus 510 (QTIP's
// 1MAD), σ the row's f32 scale. Integer code, two single-rounded multiplies: exact on every device.

fn FMT_sigma(row: u32) -> f32 {
  return bitcast<f32>(FMT_scales[FMT_meta.scales_base + row * FMT_meta.scales_stride]);
}

// The L-bit state of weight k (L ≤ 16: a window straddles at most two words).
fn FMT_state(row: u32, k: u32) -> u32 {
  let bit = (k / FMT_SEGMENT) * (FMT_SEGMENT * FMT_KBITS + FMT_L - FMT_KBITS) + (k % FMT_SEGMENT) * FMT_KBITS;
  let w = FMT_meta.codes_base + row * FMT_meta.codes_stride + (bit >> 5u);
  let sh = bit & 31u;
  var v = FMT_codes[w] >> sh;
  if (sh + FMT_L > 32u) { v |= FMT_codes[w + 1u] << (32u - sh); }
  return v & ((1u << FMT_L) - 1u);
}

// 1MAD: (sum of the bytes of 34038481·s + 76625530 mod 2^32) − 510.
fn FMT_code_of(s: u32) -> f32 {
  let x = s * 34038481u + 76625530u;
  return f32(i32((x & 255u) + ((x >> 8u) & 255u) + ((x >> 16u) & 255u) + (x >> 24u)) - 510);
}

fn FMT_decode(row: u32, k: u32) -> f32 {
  return ftz(FMT_code_of(FMT_state(row, k)) * FMT_STEP * FMT_sigma(row));
}

// Entries k..k+7 (k a multiple of 8).
fn FMT_decode8(row: u32, k: u32) -> Vals8 {
  let sigma = FMT_sigma(row);
  var v: array<f32, 8>;
  for (var i = 0u; i < 8u; i++) { v[i] = ftz(FMT_code_of(FMT_state(row, k + i)) * FMT_STEP * sigma); }
  return vals8(v);
}
