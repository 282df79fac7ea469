// Plain f32 operand (row-major, K contiguous): the "format" of unquantized matrices, so the GEMM
// template reads every operand through FMT_decode.
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
