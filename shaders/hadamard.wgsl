// Random Hadamard rotation along K (twin of src/transforms/hadamard.ts, butterfly for butterfly).
// Forward: rows×K → rows×Kp: zero-pad, flip signs, unnormalised Walsh–Hadamard on each h-chunk, ·fl(h^-1/2).
// Inverse: rows×Kp → rows×K: butterflies, ·fl(h^-1/2), flip signs, drop the padding.
// One workgroup per segment of SEGMENT entries (whole chunks) of one row, or per several short rows;
// h ≤ SEGMENT = 4096.
// The log2(h) butterfly levels run three at a time in registers (each thread takes the 8 entries that differ in
// three index bits), so a chunk needs ⌈log2(h)/3⌉ workgroup barriers instead of log2(h): CPU-backed adapters
// switch every thread of the workgroup at each barrier. The levels still run in order with the same adds and
// subtracts, so the result is bit-identical to the one-level-at-a-time CPU twin.
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
  rows_per_group: u32,
}
@group(0) @binding(AUTO) var<uniform> params: RotateParams;
@group(0) @binding(AUTO) var<storage, read> src: array<f32>;
@group(0) @binding(AUTO) var<storage, read_write> dst: array<f32>;
@group(0) @binding(AUTO) var<storage, read> signs: array<u32>;

const SEGMENT: u32 = 4096u;
const THREADS: u32 = 64u;
var<workgroup> buf: array<f32, SEGMENT>;

fn negated(k: u32) -> bool {
  return ((signs[k >> 5u] >> (k & 31u)) & 1u) == 1u;
}

// x with a zero bit inserted at position b.
fn insert_zero(x: u32, b: u32) -> u32 {
  return ((x >> b) << (b + 1u)) | (x & ((1u << b) - 1u));
}

fn butterfly(v: ptr<function, array<f32, 8>>, i: u32, j: u32) {
  let a = (*v)[i];
  let b = (*v)[j];
  (*v)[i] = a + b;
  (*v)[j] = a - b;
}

@compute @workgroup_size(64)
fn rotate(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let seg = max(params.h, min(SEGMENT, params.kp)); // a multiple of h
  // Short rows share a workgroup (rows_per_group of them, one after another in buf), so the barriers and
  // the workgroup's start-up are paid once for all of them.
  let total = seg * params.rows_per_group;
  let row0 = wg.y * params.rows_per_group;
  let s0 = (params.segment0 + wg.x) * seg;
  for (var i = lid; i < total; i += THREADS) {
    let row = row0 + i / seg;
    let k = s0 + i % seg;
    var v = 0.0;
    if (row < params.rows && k < params.kp) {
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
  let m = countTrailingZeros(params.h); // h = 2^m
  // Chunks of 2 or 4 (D4's rows): one thread per chunk, levels in order.
  for (var c = lid * params.h; m < 3u && c < total; c += THREADS * params.h) {
    for (var len = 1u; len < params.h; len *= 2u) {
      for (var j = c; j < c + params.h; j++) {
        if ((j & len) == 0u) {
          let a = buf[j];
          let b = buf[j + len];
          buf[j] = a + b;
          buf[j + len] = a - b;
        }
      }
    }
  }
  workgroupBarrier();
  let octets = params.h / 8u;
  for (var l0 = 0u; m >= 3u && l0 < m; l0 += 3u) {
    // The three bits this stage's threads vary, ascending; in the last stage bits past m are swapped for
    // low bits whose levels are done (present, not butterflied).
    let n_active = min(3u, m - l0);
    var bits = vec3<u32>(l0, l0 + 1u, l0 + 2u);
    if (n_active == 1u) { bits = vec3<u32>(0u, 1u, l0); }
    if (n_active == 2u) { bits = vec3<u32>(0u, l0, l0 + 1u); }
    let first = 3u - n_active; // bits[first..] are this stage's levels
    for (var t = lid; t < total / 8u; t += THREADS) {
      let chunk = t / octets;
      let base = chunk * params.h + insert_zero(insert_zero(insert_zero(t % octets, bits.x), bits.y), bits.z);
      var v: array<f32, 8>;
      #unroll i 8
      v[{i}] = buf[base + (({i}u & 1u) << bits.x) + ((({i}u >> 1u) & 1u) << bits.y) + (({i}u >> 2u) << bits.z)];
      #end
      if (first == 0u) {
        butterfly(&v, 0u, 1u); butterfly(&v, 2u, 3u); butterfly(&v, 4u, 5u); butterfly(&v, 6u, 7u);
      }
      if (first <= 1u) {
        butterfly(&v, 0u, 2u); butterfly(&v, 1u, 3u); butterfly(&v, 4u, 6u); butterfly(&v, 5u, 7u);
      }
      butterfly(&v, 0u, 4u); butterfly(&v, 1u, 5u); butterfly(&v, 2u, 6u); butterfly(&v, 3u, 7u);
      #unroll i 8
      buf[base + (({i}u & 1u) << bits.x) + ((({i}u >> 1u) & 1u) << bits.y) + (({i}u >> 2u) << bits.z)] = v[{i}];
      #end
    }
    workgroupBarrier();
  }
  for (var i = lid; i < total; i += THREADS) {
    let row = row0 + i / seg;
    let k = s0 + i % seg;
    if (row >= params.rows || k >= params.kp) { continue; }
    var v = buf[i] * params.norm;
    if (params.inverse == 0u) {
      dst[params.dst_base + row * params.dst_stride + k] = v;
    } else if (k < params.k) {
      if (negated(k)) { v = -v; }
      dst[params.dst_base + row * params.dst_stride + k] = v;
    }
  }
}
