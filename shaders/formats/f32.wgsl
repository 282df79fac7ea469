// Plain f32 operand (row-major, K contiguous): the "format" of unquantized matrices, so the GEMM
// template reads every operand through FMT_decode.
#include "common/block8.wgsl"
struct FMT_Meta {
  k: u32,
  stride: u32,
  base: u32,
}
@group(0) @binding(AUTO) var<uniform> FMT_meta: FMT_Meta;
@group(0) @binding(AUTO) var<storage, read> FMT_data: array<f32>;

fn FMT_decode(row: u32, k: u32) -> f32 {
  return FMT_data[FMT_meta.base + row * FMT_meta.stride + k];
}

fn FMT_decode8(row: u32, k: u32) -> Vals8 {
  let i = FMT_meta.base + row * FMT_meta.stride + k;
  let lo = vec4<f32>(FMT_data[i], FMT_data[i + 1u], FMT_data[i + 2u], FMT_data[i + 3u]);
  let hi = vec4<f32>(FMT_data[i + 4u], FMT_data[i + 5u], FMT_data[i + 6u], FMT_data[i + 7u]);
  return Vals8(lo, hi);
}
