/**
 * OCR experiments on the graph runner: the PP-OCRv4 recogniser reads rendered lines on the GPU with its
 * linear weights (and optionally its activations) quantized by the engine, and — for weight-only
 * configurations — onnxruntime-web (wasm) reads the same lines with the runner's decoded weights swapped
 * into the model file, so every figure can be checked against the path the project used before. One
 * engine and one model for all configurations; calibration runs the f32 model on the runner.
 */
import { loadOcrAssets, recogniser, type OcrAssets, type RenderedLine } from '../demo/ocr-runner.js';
import { createEngine, type Engine } from '../src/engine.js';
import { calibratedWeights, layerCovariances, type CalibratedMethod } from '../src/graph/calibrate.js';
import { GraphModel, type ModelReport } from '../src/graph/model.js';
import { patchOnnxFloats, readOnnxWeights } from '../src/io/onnx.js';
import { ctcGreedy, OCR_HEIGHT, ocrInput } from '../src/model/ocr.js';
import type { CovarianceAccumulator } from '../src/weightonly/calibration.js';
import { CALIBRATION_LINES, EXPERIMENTS, OCR_LINES } from './ocr-experiments.js';

export interface LineReading {
  text: string;
  meanProb: number;
}

/** One configuration: weight format (or a calibrated method), activation format, and whether ORT checks it. */
export interface OcrConfig {
  readonly label: string;
  readonly weights?: string;
  readonly activations?: string;
  readonly calibrated?: CalibratedMethod;
  /** Also read the lines with onnxruntime-web on the runner's decoded weights. */
  readonly ort?: boolean;
}

export interface OcrConfigResult {
  readonly config: OcrConfig;
  readonly runner: LineReading[];
  readonly ort: LineReading[] | null;
  readonly layers: ModelReport['layers'];
  /** Bits a file would hold per weight (calibrated: WaterSIC's coded rate), and bits on the GPU. */
  readonly fileBits: number;
  readonly gpuBits: number;
  readonly weightBytes: number;
  readonly activationBytes: number;
  readonly ms: number;
}

export interface OcrSetup {
  readonly adapter: string;
  readonly width: number;
  /** The runner's f32 readings (when asked for: the graph kernel test already compares f32 with ORT). */
  readonly runnerF32: LineReading[] | null;
  readonly ortF32: LineReading[];
  readonly calibrationRows: number;
  readonly ms: number;
}

declare global {
  interface Window {
    ocrSuite: {
      setup(req: { lines: string[]; calibLines: string[]; runnerF32?: boolean }): Promise<OcrSetup>;
      config(c: OcrConfig): Promise<OcrConfigResult>;
      teardown(): Promise<void>;
    };
    /** npm run bench:ocr: setup, every experiment (or those named), teardown. */
    ocrSweep(opts: { only?: string[] }): Promise<{ setup: OcrSetup; results: OcrConfigResult[] }>;
    __benchProgress?: (msg: string) => void;
    __ready?: boolean;
  }
}

/** Black text on white, 30 px sans-serif at x = 8, on a canvas `width` wide (every line the same width). */
function renderPadded(text: string, width: number): RenderedLine {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = OCR_HEIGHT;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, OCR_HEIGHT);
  ctx.fillStyle = '#000';
  ctx.font = '30px sans-serif';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 8, OCR_HEIGHT / 2);
  return { rgba: ctx.getImageData(0, 0, width, OCR_HEIGHT).data, width, canvas };
}

function textWidth(text: string): number {
  const ctx = document.createElement('canvas').getContext('2d')!;
  ctx.font = '30px sans-serif';
  return Math.ceil(ctx.measureText(text).width) + 16;
}

interface State {
  engine: Engine;
  assets: OcrAssets;
  width: number;
  rendered: RenderedLine[];
  inputs: Float32Array[];
  f32: GraphModel;
  sigmas: Map<string, CovarianceAccumulator>;
}
let state: State | null = null;

async function readWithRunner(net: GraphModel, s: State): Promise<LineReading[]> {
  const out: LineReading[] = [];
  for (const x of s.inputs) {
    const y = Object.values(await net.run({ x }))[0];
    const [, steps, classes] = y.dims;
    out.push(ctcGreedy(y.data, steps, classes, s.assets.labels));
  }
  return out;
}

async function readWithOrt(modelBytes: Uint8Array, s: State): Promise<LineReading[]> {
  const r = await recogniser(modelBytes, s.assets.labels);
  const out: LineReading[] = [];
  for (const line of s.rendered) out.push(await r.read(line));
  await r.release();
  return out;
}

window.ocrSuite = {
  async setup({ lines, calibLines, runnerF32 }) {
    const t0 = performance.now();
    const engine = await createEngine();
    const assets = await loadOcrAssets();
    // One width for the lines read (the runner is resolved for one input shape): the widest, to a multiple of 8.
    const widthOf = (l: string) => Math.ceil(textWidth(l) / 8) * 8;
    const width = Math.max(...lines.map(widthOf));
    const rendered = lines.map((l) => renderPadded(l, width));
    const inputs = rendered.map((r) => ocrInput(r.rgba, width));
    const shape = (w: number) => ({ x: [1, 3, OCR_HEIGHT, w] });
    // Σ_X from each calibration line at its own width (padding would fill Σ_X with blank background).
    const sigmas = new Map<string, CovarianceAccumulator>();
    for (const l of calibLines) {
      const w = widthOf(l);
      const net = await GraphModel.load(engine, assets.model, { inputs: shape(w), keepAll: true });
      await layerCovariances(net, [{ x: ocrInput(renderPadded(l, w).rgba, w) }], sigmas);
      net.destroy();
    }
    const f32 = await GraphModel.load(engine, assets.model, { inputs: shape(width) });
    state = { engine, assets, width, rendered, inputs, f32, sigmas };
    const info = engine.adapterInfo;
    return {
      adapter: info?.architecture || info?.vendor || 'unknown',
      width,
      runnerF32: runnerF32 ? await readWithRunner(f32, state) : null,
      ortF32: await readWithOrt(assets.model, state),
      calibrationRows: Math.min(...[...sigmas.values()].map((a) => a.count)),
      ms: performance.now() - t0,
    };
  },

  async config(c) {
    const s = state!;
    const t0 = performance.now();
    const pre = c.calibrated ? await calibratedWeights(s.f32, s.sigmas, c.calibrated) : undefined;
    const net = await GraphModel.load(s.engine, s.assets.model, {
      inputs: { x: [1, 3, OCR_HEIGHT, s.width] },
      weights: c.weights ?? null,
      activations: c.activations ?? null,
      quantized: pre,
    });
    try {
      const runner = await readWithRunner(net, s);
      let ort: LineReading[] | null = null;
      if (c.ort) {
        const decoded = await net.decodedInitializers();
        ort = await readWithOrt(patchOnnxFloats(s.assets.model, readOnnxWeights(s.assets.model), decoded), s);
      }
      const report = net.report();
      const entries = report.layers.reduce((a, l) => a + l.rows * l.cols, 0);
      const mean = (f: (l: ModelReport['layers'][number]) => number) =>
        report.layers.reduce((a, l) => a + f(l) * l.rows * l.cols, 0) / entries;
      return {
        config: c,
        runner,
        ort,
        layers: report.layers,
        fileBits: mean((l) => pre?.get(l.name)?.fileBits ?? l.bitsPerEntry),
        gpuBits: mean((l) => (8 * l.weightBytes) / (l.rows * l.cols)),
        weightBytes: report.weightBytes,
        activationBytes: report.activationBytes,
        ms: performance.now() - t0,
      };
    } finally {
      net.destroy();
    }
  },

  async teardown() {
    state?.f32.destroy();
    state?.engine.destroy();
    state = null;
  },
};
window.ocrSweep = async ({ only }) => {
  const progress = (m: string) => window.__benchProgress?.(m);
  progress(`setup: ${OCR_LINES.length} lines, calibration on ${CALIBRATION_LINES.length}`);
  const setup = await window.ocrSuite.setup({ lines: OCR_LINES, calibLines: CALIBRATION_LINES, runnerF32: true });
  const results: OcrConfigResult[] = [];
  for (const e of EXPERIMENTS) {
    if (only?.length && !only.some((o) => e.label.includes(o))) continue;
    progress(e.label);
    results.push(await window.ocrSuite.config(e));
  }
  await window.ocrSuite.teardown();
  return { setup, results };
};
window.__ready = true;
