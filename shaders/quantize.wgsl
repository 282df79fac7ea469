// Quantize rows of an f32 matrix into operand `q` (any format with the encoder contract:
// q_encode_scales_word / q_encode_aux_word / q_encode_codes_word). Three entry points, dispatched in
// this order, one thread per output word: scales, then aux (reads scales), then codes (reads both).
#include "common/bits.wgsl"
#include "common/f16.wgsl"
#include "common/rounding.wgsl"

struct QuantizeParams {
  rows: u32,
  src_base: u32,
  src_stride: u32,
  word0: u32,
}
@group(0) @binding(AUTO) var<uniform> params: QuantizeParams;
@group(0) @binding(AUTO) var<storage, read> src: array<f32>;

fn src_value(row: u32, k: u32) -> f32 {
  return src[params.src_base + row * params.src_stride + k];
}

@compute @workgroup_size(64)
fn quantize_scales(@builtin(global_invocation_id) id: vec3<u32>) {
  let word = params.word0 + id.x;
  if (id.y >= params.rows || word >= q_meta.scales_stride) { return; }
  q_scales[q_meta.scales_base + id.y * q_meta.scales_stride + word] = q_encode_scales_word(id.y, word);
}

@compute @workgroup_size(64)
fn quantize_aux(@builtin(global_invocation_id) id: vec3<u32>) {
  let word = params.word0 + id.x;
  if (id.y >= params.rows || word >= q_meta.aux_stride) { return; }
  q_aux[q_meta.aux_base + id.y * q_meta.aux_stride + word] = q_encode_aux_word(id.y, word);
}

@compute @workgroup_size(64)
fn quantize_codes(@builtin(global_invocation_id) id: vec3<u32>) {
  let word = params.word0 + id.x;
  if (id.y >= params.rows || word >= q_meta.codes_stride) { return; }
  q_codes[q_meta.codes_base + id.y * q_meta.codes_stride + word] = q_encode_codes_word(id.y, word);
}
