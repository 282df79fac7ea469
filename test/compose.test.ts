import { describe, expect, test } from 'vitest';
import { composeKey, composeWgsl, expandUnroll } from '../src/gpu/compose.js';
import { packUniform, reflectModule } from '../src/gpu/reflect.js';
import { IntFormat } from '../src/formats/int.js';
import { parseFormat } from '../src/formats/registry.js';
import { CPU_ADAPTER_TILES, defaultTiles, gemmWorkgroupBytes, GPU_TILES } from '../src/ops/plan.js';

const int4 = parseFormat('int4-asym-g32').wgsl;
const f32 = { snippet: 'formats/f32.wgsl', constants: {} };

describe('WGSL composition and reflection', () => {
  const code = composeWgsl({
    template: 'matmul/gemm.wgsl',
    operands: { x: { wgsl: f32, access: 'read' }, w: { wgsl: int4, access: 'read' } },
    constants: { WG_X: 8, WG_Y: 8, RQ_M: 1, RQ_N: 1, TILE_K: 32 },
  });

  test('snippets are instantiated per operand, shared snippets included once, bindings numbered', () => {
    expect(code).toContain('fn x_decode(row: u32, k: u32) -> f32');
    expect(code).toContain('fn w_decode(row: u32, k: u32) -> f32');
    expect(code).toContain('const w_BITS: u32 = 4u;');
    expect(code).toContain('const w_SYMMETRIC: bool = false;');
    expect(code).toMatch(/const w_INV_QMAX: f32 = bitcast<f32>\(0x3d888889u\);/); // fl(1/15)
    expect(code).not.toMatch(/FMT_|AUTO|#include/);
    expect(code.match(/fn f32_to_f16_bits/g)).toHaveLength(1);
    const slots = [...code.matchAll(/@binding\((\d+)\)/g)].map((m) => Number(m[1]));
    expect(slots).toEqual(slots.map((_, i) => i));
    // the decode-only instantiation has no encoder
    expect(code).not.toContain('w_encode_codes_word');
  });

  test('reflection gives each entry point its resources, and uniform fields with offsets', () => {
    const gemm = reflectModule(code).get('gemm')!;
    expect(gemm.workgroupSize).toEqual([8, 8, 1]);
    const names = gemm.resources.map((r) => r.name).sort();
    expect(names).toEqual(['params', 'w_aux', 'w_codes', 'w_meta', 'w_scales', 'x_data', 'x_meta', 'y'].sort());
    const y = gemm.resources.find((r) => r.name === 'y')!;
    expect(y.kind).toBe('storage');
    expect(gemm.resources.find((r) => r.name === 'w_codes')!.kind).toBe('read-only-storage');
    const meta = gemm.resources.find((r) => r.name === 'w_meta')!;
    expect(meta.kind).toBe('uniform');
    expect(meta.fields.map((f) => [f.name, f.offset])).toEqual([
      ['k', 0],
      ['group_size', 4],
      ['groups', 8],
      ['codes_stride', 12],
      ['scales_stride', 16],
      ['aux_stride', 20],
      ['codes_base', 24],
      ['scales_base', 28],
      ['aux_base', 32],
      ['inv_k', 36],
      ['row0', 40],
    ]);
    expect(meta.size).toBe(48);
  });

  test('uniforms are written by field name; unknown or missing fields are errors', () => {
    const params = reflectModule(code)
      .get('gemm')!
      .resources.find((r) => r.name === 'params')!;
    const buf = packUniform(params, { m: 3, n: 5, k: 7, y_base: 11, y_stride: 13 });
    expect(Array.from(new Uint32Array(buf).slice(0, 5))).toEqual([3, 5, 7, 11, 13]);
    expect(() => packUniform(params, { m: 3, n: 5, k: 7, y_base: 11 })).toThrow(/y_stride was not given/);
    expect(() => packUniform(params, { m: 3, n: 5, k: 7, y_base: 11, y_stride: 1, bogus: 1 })).toThrow(
      /no field 'bogus'/,
    );
    expect(() => packUniform(params, { m: -1, n: 5, k: 7, y_base: 11, y_stride: 1 })).toThrow(/not a u32/);
  });

  test('the encoder is composed only for writable operands; keys differ by specialisation', () => {
    const enc = composeWgsl({ template: 'quantize.wgsl', operands: { q: { wgsl: int4, access: 'read_write' } } });
    expect(enc).toContain('fn q_encode_codes_word');
    expect(enc).toContain('var<storage, read_write> q_codes');
    const entries = reflectModule(enc);
    expect([...entries.keys()].sort()).toEqual([
      'quantize_aux',
      'quantize_codes',
      'quantize_scales',
      'quantize_tensor_max',
    ]);
    // only the passes that use the tensor max bind it
    expect(entries.get('quantize_tensor_max')!.resources.map((r) => r.name)).toContain('tensor_max');
    expect(entries.get('quantize_codes')!.resources.map((r) => r.name)).not.toContain('tensor_max');
    const k1 = composeKey({
      template: 'gemm.wgsl',
      operands: { x: { wgsl: f32, access: 'read' }, w: { wgsl: int4, access: 'read' } },
    });
    const k2 = composeKey({
      template: 'gemm.wgsl',
      operands: { x: { wgsl: f32, access: 'read' }, w: { wgsl: parseFormat('int4-asym-g64').wgsl, access: 'read' } },
    });
    const k3 = composeKey({
      template: 'gemm.wgsl',
      operands: { x: { wgsl: f32, access: 'read' }, w: { wgsl: parseFormat('int3-asym-g32').wgsl, access: 'read' } },
    });
    // the group size is a compile-time constant (a constant divisor is a shift; a uniform one cost a
    // scalarised division per lane on CPU adapters, docs/kernels.md §6), so it is part of the key
    expect(k1).not.toBe(k2);
    expect(k1).not.toBe(k3);
    const again = composeKey({
      template: 'gemm.wgsl',
      operands: {
        x: { wgsl: f32, access: 'read' },
        w: { wgsl: new IntFormat({ bits: 4, symmetric: false, group: 64, scale: 'f16' }).wgsl, access: 'read' },
      },
    });
    expect(again).toBe(k2); // another object of the same specialisation: the same pipeline
  });
});

test('#unroll blocks repeat their lines per index (nested, counts from constants); malformed blocks are errors', () => {
  const src = ['a', '#unroll r R', '#unroll m 2', '  p{r}_{m}', '#end', '  q{r}', '#end', 'b'].join('\n');
  expect(expandUnroll(src, { R: 3 }).split('\n')).toEqual([
    'a',
    '  p0_0',
    '  p0_1',
    '  q0',
    '  p1_0',
    '  p1_1',
    '  q1',
    '  p2_0',
    '  p2_1',
    '  q2',
    'b',
  ]);
  expect(expandUnroll('#unroll r R\nx{r}\n#end', { R: 0 })).toBe('');
  expect(() => expandUnroll('#unroll r 2\nx', {})).toThrow(/no #end/);
  expect(() => expandUnroll('x\n#end', {})).toThrow(/#end without #unroll/);
  expect(() => expandUnroll('#unroll r FLAG\nx\n#end', { FLAG: true })).toThrow(/not an integer constant/);
});

describe('GEMM tiles', () => {
  test(
    'the CPU-class float tile unrolls to one vec4 accumulator per 4 outputs and stages what ' +
      'gemmWorkgroupBytes says',
    () => {
      const t = CPU_ADAPTER_TILES.gemm;
      const code = composeWgsl({
        template: 'matmul/gemm.wgsl',
        operands: { x: { wgsl: f32, access: 'read' }, w: { wgsl: int4, access: 'read' } },
        constants: { WG_X: t.wgX, WG_Y: t.wgY, RQ_M: t.rqM, RQ_N: t.rqN, TILE_K: t.tileK },
      });
      expect(code.match(/^\s*acc_\d+_\d+_\d+: vec4<f32>,$/gm)).toHaveLength(4 * t.rqM * t.rqN);
      expect(code.replace(/\/\/.*$/gm, '')).not.toMatch(/#unroll|#end|\{[abijl]\}/);
      expect(reflectModule(code).get('gemm')!.workgroupSize).toEqual([t.wgX, t.wgY, 1]);
      // x_tile TILE_K × QM vec4 + w_tile TILE_K × QN vec4
      expect(gemmWorkgroupBytes(t, false)).toBe(t.tileK * 16 * (t.rqM * t.wgY + t.rqN * t.wgX));
    },
  );

  test('a device whose workgroup memory cannot hold the CPU-class tile gets the small GPU-class GEMM tile', () => {
    const limits = {
      maxComputeWorkgroupStorageSize: 16384,
      maxComputeInvocationsPerWorkgroup: 256,
    } as GPUSupportedLimits;
    expect(gemmWorkgroupBytes(CPU_ADAPTER_TILES.gemm, false)).toBeGreaterThan(16384);
    const tiles = defaultTiles(true, limits);
    expect(tiles.gemm).toEqual(GPU_TILES.gemm);
    expect(tiles.gemmInt).toEqual(CPU_ADAPTER_TILES.gemmInt);
    expect(
      defaultTiles(true, {
        maxComputeWorkgroupStorageSize: 32768,
        maxComputeInvocationsPerWorkgroup: 256,
      } as GPUSupportedLimits).gemm,
    ).toEqual(CPU_ADAPTER_TILES.gemm);
    expect(defaultTiles(false, limits)).toBe(GPU_TILES);
  });
});
