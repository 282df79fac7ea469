import { test } from 'vitest';
import { composeWgsl } from '../src/gpu/compose.js';
import { reflectModule } from '../src/gpu/reflect.js';
import { parseFormat } from '../src/formats/registry.js';
test('compose', () => {
  const f32 = { wgsl: { snippet: 'formats/f32.wgsl', constants: {} }, access: 'read' as const };
  const q = { wgsl: parseFormat('int4-g32').wgsl, access: 'read' as const };
  for (const [t, inc, en] of [['matmul/gemv.wgsl', ['matmul/gemv_float.wgsl'], []], ['matmul/gemv_sg.wgsl', ['matmul/gemv_float.wgsl'], ['subgroups']], ['matmul/gemm.wgsl', [], []]] as const) {
    const code = composeWgsl({ template: t, operands: { x: f32, w: q }, constants: { ROWS: 8, LANES: 32, GEMV_THREADS: 256, WG_X: 8, WG_Y: 8, RQ_M: 1, RQ_N: 1, TILE_K: 32 }, enables: [...en], includes: [...inc] });
    const t0 = Date.now();
    const r = reflectModule(code);
    console.log(t, Date.now() - t0, JSON.stringify([...r.values()].map((e) => [e.name, e.workgroupSize])));
  }
});
