// Plain f32 operand whose rows start on 16-byte boundaries (K and the window base multiples of 4), read
// as vec4: one load (and one robustness clamp) per 4 entries instead of 4. Same functions as f32.wgsl.
#include "common/block8.wgsl"
struct FMT_Meta {
  k: u32,
  stride: u32,
  base: u32,
}
@group(0) @binding(AUTO) var<uniform> FMT_meta: FMT_Meta;
@group(0) @binding(AUTO) var<storage, read> FMT_data: array<vec4<f32>>;

fn FMT_decode(row: u32, k: u32) -> f32 {
  let i = FMT_meta.base + row * FMT_meta.stride + k;
  return FMT_data[i / 4u][i % 4u];
}

fn FMT_decode8(row: u32, k: u32) -> Vals8 {
  let i = (FMT_meta.base + row * FMT_meta.stride + k) / 4u;
  return Vals8(FMT_data[i], FMT_data[i + 1u]);
}
