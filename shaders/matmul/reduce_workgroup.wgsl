// Row reduction of the GEMV templates without subgroups: ROWS output rows per workgroup, LANES threads
// per row (thread t works on row t / LANES), each with a vec4 partial (one component per row of X);
// partials go through workgroup memory and lane 0 of each row adds its row's values.
var<workgroup> partials: array<vec4<f32>, ROWS * LANES>;

// Lane 0 of each row sums partials[row·LANES + j] for j = 0, step, 2·step, … (other lanes: 0).
// One thread per row (LANES = 1): nothing to add. Called once per row of a thread's register tile, so
// it waits for the previous call's reads before it overwrites `partials`.
fn sum_row_partials(v: vec4<f32>, tid: u32, step: u32) -> vec4<f32> {
  if (LANES == 1u) { return v; }
  workgroupBarrier();
  partials[tid] = v;
  workgroupBarrier();
  var sum = vec4<f32>(0.0);
  if (tid % LANES == 0u) {
    for (var j = 0u; j < LANES; j += step) { sum += partials[tid + j]; }
  }
  return sum;
}

fn reduce_rows(acc: vec4<f32>, tid: u32) -> vec4<f32> {
  return sum_row_partials(acc, tid, 1u);
}
