// Row centring of the universal scheme (twin of src/lattice/universal.ts rowMean and
// NestedLatticeFormat.centreRows): μ from two sequential passes in k order in one thread (plain adds,
// nothing to fuse, so every device rounds as the CPU does); dst = fl(x − μ); μ's bits go to word
// `mean_word` of each row of `means` (the quantized matrix's scales stream). centre = 0: μ = 0 (the
// uncentred ablation).
#include "common/rounding.wgsl"

struct CentreParams {
  rows: u32,
  k: u32,
  inv_k: f32,
  src_base: u32,
  src_stride: u32,
  dst_base: u32,
  dst_stride: u32,
  mean_base: u32,
  mean_stride: u32,
  mean_word: u32,
  centre: u32,
}
@group(0) @binding(AUTO) var<uniform> params: CentreParams;
@group(0) @binding(AUTO) var<storage, read> src: array<f32>;
@group(0) @binding(AUTO) var<storage, read_write> dst: array<f32>;
@group(0) @binding(AUTO) var<storage, read_write> means: array<u32>;

var<workgroup> row_mean: f32;

// One workgroup per row: thread 0 sums, all write.
@compute @workgroup_size(64)
fn centre_rows(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wg.x;
  let valid = row < params.rows;
  if (lid == 0u && valid) {
    var acc = 0.0;
    for (var k = 0u; k < params.k; k++) { acc = acc + ftz(src[params.src_base + row * params.src_stride + k]); }
    let mu1 = ftz(acc * params.inv_k);
    // second pass over the residuals: μ accurate to the row's spread, not its offset
    var res = 0.0;
    for (var k = 0u; k < params.k; k++) { res = res + ftz(ftz(src[params.src_base + row * params.src_stride + k]) - mu1); }
    let corr = ftz(res * params.inv_k);
    var mu = ftz(mu1 + corr);
    if (params.centre == 0u) { mu = 0.0; }
    row_mean = mu;
    means[params.mean_base + row * params.mean_stride + params.mean_word] = bitcast<u32>(mu);
  }
  workgroupBarrier();
  if (!valid) { return; }
  let mu = row_mean;
  for (var k = lid; k < params.k; k += 64u) {
    dst[params.dst_base + row * params.dst_stride + k] = ftz(ftz(src[params.src_base + row * params.src_stride + k]) - mu);
  }
}
