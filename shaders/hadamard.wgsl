// Random Hadamard rotation along K (twin of src/transforms/hadamard.ts, butterfly for butterfly).
// Forward: rows×K → rows×Kp: zero-pad, flip signs, unnormalised Walsh–Hadamard on each h-chunk, ·fl(h^-1/2).
// Inverse: rows×Kp → rows×K: butterflies, ·fl(h^-1/2), flip signs, drop the padding.
// One workgroup per segment of SEGMENT entries (whole chunks) of one row; h ≤ SEGMENT = 4096.
#include "common/bits.wgsl"

struct RotateParams {
  rows: u32,
  k: u32,
  kp: u32,
  h: u32,
  norm: f32,
  inverse: u32,
  src_base: u32,
  src_stride: u32,
  dst_base: u32,
  dst_stride: u32,
  segment0: u32,
}
@group(0) @binding(AUTO) var<uniform> params: RotateParams;
@group(0) @binding(AUTO) var<storage, read> src: array<f32>;
@group(0) @binding(AUTO) var<storage, read_write> dst: array<f32>;
@group(0) @binding(AUTO) var<storage, read> signs: array<u32>;

const SEGMENT: u32 = 4096u;
const THREADS: u32 = 256u;
var<workgroup> buf: array<f32, SEGMENT>;

fn negated(k: u32) -> bool {
  return ((signs[k >> 5u] >> (k & 31u)) & 1u) == 1u;
}

@compute @workgroup_size(256)
fn rotate(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wg.y;
  let seg = max(params.h, min(SEGMENT, params.kp)); // a multiple of h
  let s0 = (params.segment0 + wg.x) * seg;
  let live = row < params.rows;
  for (var i = lid; i < seg; i += THREADS) {
    let k = s0 + i;
    var v = 0.0;
    if (live && k < params.kp) {
      if (params.inverse == 0u) {
        if (k < params.k) {
          v = src[params.src_base + row * params.src_stride + k];
          if (negated(k)) { v = -v; }
        }
      } else {
        v = src[params.src_base + row * params.src_stride + k];
      }
    }
    buf[i] = v;
  }
  workgroupBarrier();
  let half = params.h / 2u;
  for (var len = 1u; len < params.h; len *= 2u) {
    for (var p = lid; p < seg / 2u; p += THREADS) {
      let chunk = p / half;
      let pp = p % half;
      let j = chunk * params.h + (pp / len) * 2u * len + (pp % len);
      let a = buf[j];
      let b = buf[j + len];
      buf[j] = a + b;
      buf[j + len] = a - b;
    }
    workgroupBarrier();
  }
  for (var i = lid; i < seg; i += THREADS) {
    let k = s0 + i;
    if (!live || k >= params.kp) { continue; }
    var v = buf[i] * params.norm;
    if (params.inverse == 0u) {
      dst[params.dst_base + row * params.dst_stride + k] = v;
    } else if (k < params.k) {
      if (negated(k)) { v = -v; }
      dst[params.dst_base + row * params.dst_stride + k] = v;
    }
  }
}
