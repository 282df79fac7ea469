// What every matmul template shares: the common snippets the format decoders use, the shape uniform
// and the output. Y (a window of it) is M×N row-major: Y[m, n] at y_base + m·y_stride + n.
#include "common/bits.wgsl"
#include "common/f16.wgsl"
#include "common/rounding.wgsl"
#include "common/block8.wgsl"

struct MatmulParams {
  m: u32,
  n: u32,
  k: u32,
  y_base: u32,
  y_stride: u32,
}
@group(0) @binding(AUTO) var<uniform> params: MatmulParams;
@group(0) @binding(AUTO) var<storage, read_write> y: array<f32>;
