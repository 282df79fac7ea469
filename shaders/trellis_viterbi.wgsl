// Viterbi encoding of trellis-coded rows on the GPU (twin of TrellisFormat.encode and
// src/formats/trellis/viterbi.ts; docs/trellis.md §2). One workgroup per row, rows in parallel: σ (the
// row's RMS scale), then per segment a forward pass over its steps and a traceback, then the code words.
//
// Same path as the CPU: targets and levels are the format's integers (TrellisFormat.targets, .levels), so
// every path metric is an exact integer; ties go to the smallest predecessor and the smallest final state.
// The CPU sums in f64; here the metrics are u32, and every RENORM steps the minimum of the step before is
// subtracted from all of them (the same amount from every path: no comparison changes). Why they fit:
// a step costs ≤ (TARGET_CLAMP + 510·TARGET_UNIT)² < 1.05e8, every state is reachable from the cheapest
// one in ⌈L/KBITS⌉ ≤ 20 steps, so metrics spread ≤ 20 steps' cost, and RENORM + 2 steps more accrue
// before the next subtraction: < 31 · 1.05e8 < 2^32.
//
// A step: each thread owns words of back-pointers (PTRS_PER_WORD groups of states sharing their low
// L − KBITS bits, PTR_BITS each), takes each group's cheapest predecessor among the FAN states whose high
// bits are the group, and writes the FAN successors' costs into the other half of the double-buffered
// costs: one barrier per step. The costs live in workgroup memory (IN_WORKGROUP, L ≤ 10) or in `spill`.
#include "common/rounding.wgsl"
#include "common/row_rms.wgsl"
#include "common/mad.wgsl"

struct ViterbiParams {
  rows: u32,
  src_base: u32,
  kp: u32,
  inv_kp: f32,
  codes_base: u32,
  codes_stride: u32,
  scales_base: u32,
  scales_stride: u32,
  states_base: u32,
  back_base: u32,
  back_row: u32,
  spill_base: u32,
}
@group(0) @binding(AUTO) var<uniform> params: ViterbiParams;
@group(0) @binding(AUTO) var<storage, read> src: array<f32>;
@group(0) @binding(AUTO) var<storage, read_write> codes: array<u32>;
@group(0) @binding(AUTO) var<storage, read_write> scales: array<u32>;
// rows × kp: the chosen state of every entry (traceback, then packed into codes)
@group(0) @binding(AUTO) var<storage, read_write> states: array<u32>;
// rows × back_row: a segment's back-pointers, BACK_WORDS words per step
@group(0) @binding(AUTO) var<storage, read_write> back: array<u32>;
// rows × 2·STATES: the double-buffered costs when they do not fit workgroup memory
@group(0) @binding(AUTO) var<storage, read_write> spill: array<u32>;

const STATES: u32 = 1u << L;
const FAN: u32 = 1u << KBITS;
const GROUPS: u32 = STATES >> KBITS;
const LOW_MASK: u32 = GROUPS - 1u;
const BACK_WORDS: u32 = GROUPS / PTRS_PER_WORD;
const SEG_BITS: u32 = SEGMENT * KBITS + L - KBITS;

var<workgroup> wg_cost: array<u32, WG_COST_WORDS>;
var<workgroup> red_v: array<u32, WG>;
var<workgroup> red_i: array<u32, WG>;
var<workgroup> wg_sigma: u32;
var<private> spill_row: u32;

fn src_value(row: u32, k: u32) -> f32 {
  return src[params.src_base + row * params.kp + k];
}

// Costs i ∈ [0, 2·STATES): two halves, the current step's and the next one's.
fn cost_at(i: u32) -> u32 {
  if (IN_WORKGROUP) { return wg_cost[i]; }
  return spill[spill_row + i];
}

fn cost_set(i: u32, v: u32) {
  if (IN_WORKGROUP) { wg_cost[i] = v; } else { spill[spill_row + i] = v; }
}

fn sync() {
  storageBarrier();
  workgroupBarrier();
}

// fl(1/σ) for an 11-significant-bit σ > 0: table fl(1/M) times 2^−e, exact (reciprocalSigma).
fn reciprocal_sigma(sigma: f32) -> f32 {
  let bits = bitcast<u32>(sigma);
  let e = i32((bits >> 23u) & 0xffu) - 127 - 10;
  return ldexp(RECIP11[(bits >> 13u) & 1023u], -e);
}

// clamp(RNE(fl(fl(y·ρ)·TARGET_SCALE)), ±TARGET_CLAMP): TrellisFormat.targets.
fn search_target(row: u32, k: u32, rho: f32) -> i32 {
  let u = ftz(ftz(src_value(row, k)) * rho);
  let c = f32(TARGET_CLAMP);
  return i32(clamp(round(u * TARGET_SCALE), -c, c));
}

// (target − level of s)², level = TARGET_UNIT·code.
fn step_cost(x: i32, s: u32) -> u32 {
  let d = x - i32(TARGET_UNIT) * (i32(mad_byte_sum(s)) - 510);
  return u32(d * d);
}

fn workgroup_min(v: u32, tid: u32) -> u32 {
  red_v[tid] = v;
  workgroupBarrier();
  for (var h = WG / 2u; h > 0u; h >>= 1u) {
    if (tid < h) { red_v[tid] = min(red_v[tid], red_v[tid + h]); }
    workgroupBarrier();
  }
  return red_v[0];
}

// The state of least cost (v), ties to the smallest (i).
fn workgroup_argmin(v: u32, i: u32, tid: u32) -> u32 {
  red_v[tid] = v;
  red_i[tid] = i;
  workgroupBarrier();
  for (var h = WG / 2u; h > 0u; h >>= 1u) {
    if (tid < h) {
      let v2 = red_v[tid + h];
      let i2 = red_i[tid + h];
      if (v2 < red_v[tid] || (v2 == red_v[tid] && i2 < red_i[tid])) {
        red_v[tid] = v2;
        red_i[tid] = i2;
      }
    }
    workgroupBarrier();
  }
  return red_i[0];
}

// One segment of T entries from s0: forward pass, then the traceback into `states` (thread 0).
fn search_segment(row: u32, s0: u32, T: u32, rho: f32, bk: u32, st: u32, tid: u32) {
  let x0 = search_target(row, s0, rho);
  for (var s = tid; s < STATES; s += WG) { cost_set(s, step_cost(x0, s)); }
  var cur = 0u;
  var shift = 0u;
  sync();
  for (var t = 1u; t < T; t++) {
    let xt = search_target(row, s0 + t, rho);
    let cur_half = cur * STATES;
    let next_half = (1u - cur) * STATES;
    var lmin = 0xffffffffu;
    for (var w = tid; w < BACK_WORDS; w += WG) {
      var word = 0u;
      for (var j = 0u; j < PTRS_PER_WORD; j++) {
        let g = w * PTRS_PER_WORD + j;
        var m = cost_at(cur_half + g * FAN);
        var arg = 0u;
        for (var i = 1u; i < FAN; i++) {
          let c = cost_at(cur_half + g * FAN + i);
          if (c < m) {
            m = c;
            arg = i;
          }
        }
        lmin = min(lmin, m);
        word |= arg << (j * PTR_BITS);
        m -= shift;
        for (var c = 0u; c < FAN; c++) {
          let s = g | (c << (L - KBITS));
          cost_set(next_half + s, m + step_cost(xt, s));
        }
      }
      back[bk + t * BACK_WORDS + w] = word;
    }
    cur = 1u - cur;
    // lmin is the least cost of step t − 1, a lower bound of every cost of step t: subtracted at t + 1
    shift = 0u;
    if (t % RENORM == 0u) { shift = workgroup_min(lmin, tid); }
    sync();
  }
  var bv = 0xffffffffu;
  var bi = 0u;
  for (var s = tid; s < STATES; s += WG) {
    let c = cost_at(cur * STATES + s);
    if (c < bv) {
      bv = c;
      bi = s;
    }
  }
  let end = workgroup_argmin(bv, bi, tid);
  if (tid == 0u) {
    var s = end;
    states[st + s0 + T - 1u] = s;
    for (var t = T - 1u; t > 0u; t--) {
      let g = s & LOW_MASK;
      let word = back[bk + t * BACK_WORDS + g / PTRS_PER_WORD];
      s = g * FAN + ((word >> ((g % PTRS_PER_WORD) * PTR_BITS)) & (FAN - 1u));
      states[st + s0 + t - 1u] = s;
    }
  }
  sync();
}

@compute @workgroup_size(WG)
fn viterbi(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let row = wid.x;
  if (row >= params.rows) { return; }
  spill_row = params.spill_base + row * 2u * STATES;
  let out = params.codes_base + row * params.codes_stride;
  if (tid == 0u) {
    wg_sigma = row_rms_bits(row, params.kp, params.inv_kp);
    scales[params.scales_base + row * params.scales_stride] = wg_sigma;
  }
  let sigma = bitcast<f32>(workgroupUniformLoad(&wg_sigma));
  if (sigma == 0.0) {
    // state 0 throughout (as the CPU leaves it): every code word 0
    for (var w = tid; w < params.codes_stride; w += WG) { codes[out + w] = 0u; }
    return;
  }
  let rho = reciprocal_sigma(sigma);
  let st = params.states_base + row * params.kp;
  let bk = params.back_base + row * params.back_row;
  for (var s0 = 0u; s0 < params.kp; s0 += SEGMENT) {
    search_segment(row, s0, min(SEGMENT, params.kp - s0), rho, bk, st, tid);
  }
  // Code words: bit o of a segment is bit o − t·KBITS of state t = min(o / KBITS, T − 1) (the first
  // state's L bits, then each later state's top KBITS); bits past the row's last segment are padding.
  for (var w = tid; w < params.codes_stride; w += WG) {
    var word = 0u;
    for (var b = 0u; b < 32u; b++) {
      let bit = w * 32u + b;
      let seg = bit / SEG_BITS;
      let s0 = seg * SEGMENT;
      if (s0 >= params.kp) { break; }
      let o = bit - seg * SEG_BITS;
      let T = min(SEGMENT, params.kp - s0);
      if (o >= (T - 1u) * KBITS + L) { break; }
      let t = min(o / KBITS, T - 1u);
      word |= ((states[st + s0 + t] >> (o - t * KBITS)) & 1u) << b;
    }
    codes[out + w] = word;
  }
}
