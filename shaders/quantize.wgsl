// Quantize rows of an f32 matrix into operand `q` (any format with the encoder contract:
// q_encode_scales_word / q_encode_aux_word / q_encode_codes_word). One entry point per stream, one
// thread per output word, dispatched in the format's encode order (each pass may read earlier ones).
// Formats that need the tensor's max |x| (NVFP4) get quantize_tensor_max first, over all rows.
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

// max |x| over the whole tensor, as f32 bits (for non-negative floats, u32 order is value order).
@group(0) @binding(AUTO) var<storage, read_write> tensor_max: array<atomic<u32>>;

fn tensor_amax() -> f32 {
  return bitcast<f32>(atomicLoad(&tensor_max[0]));
}

const TENSOR_MAX_STRIP: u32 = 256u;

@compute @workgroup_size(64)
fn quantize_tensor_max(@builtin(global_invocation_id) id: vec3<u32>) {
  let k0 = (params.word0 + id.x) * TENSOR_MAX_STRIP;
  if (id.y >= params.rows || k0 >= params.src_stride) { return; }
  var m = 0.0;
  for (var k = k0; k < min(params.src_stride, k0 + TENSOR_MAX_STRIP); k++) { m = max(m, abs(ftz(src_value(id.y, k)))); }
  atomicMax(&tensor_max[0], bitcast<u32>(m));
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
