/**
 * OCR experiments on the graph runner: the PP-OCRv4 recogniser reads rendered lines on the GPU with its
 * linear weights (and optionally its activations) quantized by the engine, and — for weight-only
 * configurations — onnxruntime-web (wasm) reads the same lines with the runner's decoded weights swapped
 * into the model file, so every figure can be checked against the path the project used before. A
 * configuration can also read a generated page end to end (detector + recogniser, src/model/ocr/), both
 * networks in its formats. One engine for all configurations; calibration runs the f32 models on the runner.
 */
import { loadOcrAssets, recogniser, type OcrAssets } from '../demo/ocr-runner.js';
import { showPageResult } from '../demo/ocr-view.js';
import { renderLine, renderPage, textWidth, type RenderedPage } from '../demo/render-text.js';
import { createEngine, type Engine } from '../src/engine.js';
import {
  calibratedWeights,
  layerCovariances,
  type CalibratedMethod,
  type CalibratedWeights,
} from '../src/graph/calibrate.js';
import type { GraphModel, ModelReport } from '../src/graph/model.js';
import type * as Ort from 'onnxruntime-web';
import { parseFormat } from '../src/formats/registry.js';
import { fromWeightMatrix, patchOnnxFloats, readOnnxWeights, weightMatrix } from '../src/io/onnx.js';
import { toMatMulNBits } from '../src/io/onnx-nbits.js';
import { detectorInput, detectorSize } from '../src/model/ocr/detect.js';
import { OcrPipeline, type OcrResult, type OcrTimings } from '../src/model/ocr/pipeline.js';
import { ctcGreedy, OCR_HEIGHT, ocrInput } from '../src/model/ocr/recognise.js';
import type { CovarianceAccumulator } from '../src/weightonly/calibration.js';
import {
  CALIBRATION_LINES,
  CALIBRATION_PAGE,
  EXPERIMENTS,
  OCR_LINES,
  OCR_PAGE,
  PAGE_FONT_SIZE,
} from './ocr-experiments.js';

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
  /** The detector's calibrated method when it differs from `calibrated` (page reads only). */
  readonly detectorCalibrated?: CalibratedMethod;
  /** Also read the lines with onnxruntime-web on the runner's decoded weights. */
  readonly ort?: boolean;
  /** Read the 20 lines (default true; false: the page only). */
  readonly lines?: boolean;
  /** Also read the generated page end to end, the detector in the same formats (calibrated: on its own Σ_X). */
  readonly page?: boolean;
}

/** What one network holds: GPU bytes of its linear weights, mean bits per weight in a file and on the GPU. */
export interface NetworkWeights {
  readonly weightBytes: number;
  readonly fileBits: number;
  readonly gpuBits: number;
  readonly params: number;
}

/** The generated page read end to end. */
export interface PageReading {
  readonly lines: { text: string; confidence: number; box: { x: number; y: number; w: number; h: number } }[];
  readonly timings: OcrTimings;
  readonly detectorSize: { width: number; height: number };
  readonly detector: NetworkWeights;
  readonly recogniser: NetworkWeights;
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
  readonly page: PageReading | null;
  readonly ms: number;
}

export interface OcrSetup {
  readonly adapter: string;
  readonly width: number;
  /** The runner's f32 readings (when asked for: the graph kernel test already compares f32 with ORT). */
  readonly runnerF32: LineReading[] | null;
  readonly ortF32: LineReading[];
  readonly calibrationRows: number;
  /** The page's lines as drawn, and its f32 reading (when a page is read). */
  readonly pageTruth: string[];
  readonly pageF32: PageReading | null;
  readonly pageSize: { width: number; height: number };
  readonly ms: number;
}

export interface ExportCheck {
  readonly layers: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** The lines through the exported model, and through the decoded-weights model (onnxruntime-web wasm). */
  readonly exported: LineReading[];
  readonly swapped: LineReading[];
  /** The first lines through the WebGPU EP on the exported model, and its worst relative error against wasm. */
  readonly webgpu: LineReading[];
  readonly webgpuRelErr: number;
  readonly ms: number;
}

declare global {
  interface Window {
    ocrSuite: {
      setup(req: { lines: string[]; calibLines: string[]; page?: boolean; runnerF32?: boolean }): Promise<OcrSetup>;
      config(c: OcrConfig): Promise<OcrConfigResult>;
      /**
       * The recogniser exported with MatMulNBits (src/io/onnx-nbits.ts) read by onnxruntime-web: every line
       * through wasm, against the model with the same decoded weights swapped in; the first `webgpuLines`
       * through the default entry's WebGPU EP too, against wasm on the exported model.
       */
      exportCheck(req: { format: string; webgpuLines: number }): Promise<ExportCheck>;
      /** Shows a page reading beside the f32 one (demo/ocr-view.ts), for the screenshot. */
      show(label: string, reading: PageReading): void;
      teardown(): Promise<void>;
    };
    /** npm run bench:ocr: setup, every experiment (or those named), teardown. */
    ocrSweep(opts: { only?: string[] }): Promise<{ setup: OcrSetup; results: OcrConfigResult[] }>;
    __benchProgress?: (msg: string) => void;
    __ready?: boolean;
  }
}

const LINE_FONT = '30px sans-serif';

interface State {
  engine: Engine;
  assets: OcrAssets;
  width: number;
  inputs: Float32Array[];
  /** The f32 pipeline: its recogniser calibrates and reads; its detector (once the page is read) calibrates. */
  f32: OcrPipeline;
  sigmas: Map<string, CovarianceAccumulator>;
  page: RenderedPage | null;
  pageF32: PageReading | null;
  detSigmas: Map<string, CovarianceAccumulator> | null;
}
let state: State | null = null;

const models = (a: OcrAssets) => ({ detector: a.detector, recogniser: a.model, labels: a.labels });

async function readWithRunner(net: GraphModel, s: State): Promise<LineReading[]> {
  const out: LineReading[] = [];
  const input = net.graph.inputs[0].name;
  for (const x of s.inputs) {
    const y = Object.values(await net.run({ [input]: x }))[0];
    const [, steps, classes] = y.dims;
    out.push(ctcGreedy(y.data, steps, classes, s.assets.labels));
  }
  return out;
}

async function readWithOrt(modelBytes: Uint8Array, s: State): Promise<LineReading[]> {
  const r = await recogniser(modelBytes, s.assets.labels);
  const out: LineReading[] = [];
  for (const x of s.inputs) out.push(await r.read(x, s.width));
  await r.release();
  return out;
}

/** Weight-count-weighted means over a network's layers: bits in a file (calibrated: coded) and on the GPU. */
function networkWeights(report: ModelReport, pre?: Map<string, CalibratedWeights>): NetworkWeights {
  const params = report.layers.reduce((a, l) => a + l.rows * l.cols, 0);
  const mean = (f: (l: ModelReport['layers'][number]) => number) =>
    report.layers.reduce((a, l) => a + f(l) * l.rows * l.cols, 0) / params;
  return {
    weightBytes: report.weightBytes,
    fileBits: mean((l) => pre?.get(l.name)?.fileBits ?? l.bitsPerEntry),
    gpuBits: mean((l) => (8 * l.weightBytes) / (l.rows * l.cols)),
    params,
  };
}

function pageReading(
  r: OcrResult,
  p: OcrPipeline,
  pre: { det?: Map<string, CalibratedWeights>; rec?: Map<string, CalibratedWeights> },
): PageReading {
  const rep = p.report();
  return {
    lines: r.lines.map((l) => ({
      text: l.text,
      confidence: l.confidence,
      box: { x: l.box.x, y: l.box.y, w: l.box.w, h: l.box.h },
    })),
    timings: r.timings,
    detectorSize: r.detectorSize,
    detector: networkWeights(rep.detector!, pre.det),
    recogniser: networkWeights(rep.recogniser, pre.rec),
  };
}

window.ocrSuite = {
  async setup({ lines, calibLines, page, runnerF32 }) {
    const t0 = performance.now();
    const engine = await createEngine();
    const assets = await loadOcrAssets();
    // One width for the lines read (the runner is resolved for one input shape): the widest, to a multiple of 8.
    const widthOf = (l: string) => Math.ceil((textWidth(l, LINE_FONT) + 16) / 8) * 8;
    const width = Math.max(...lines.map(widthOf));
    const inputs = lines.map((l) => ocrInput(renderLine(l, { width, font: LINE_FONT }).data, width));
    const f32 = await OcrPipeline.create(engine, models(assets), { lineWidth: width });
    const rec = f32.networks().recogniser;
    // Σ_X from each calibration line at its own width (padding would fill Σ_X with blank background).
    const sigmas = new Map<string, CovarianceAccumulator>();
    for (const l of calibLines) {
      const w = widthOf(l);
      const net = await engine.loadOnnx(assets.model, {
        inputs: { [rec.graph.inputs[0].name]: [1, 3, OCR_HEIGHT, w] },
        keepAll: true,
      });
      await layerCovariances(net, [{ x: ocrInput(renderLine(l, { width: w, font: LINE_FONT }).data, w) }], sigmas);
      net.destroy();
    }
    state = { engine, assets, width, inputs, f32, sigmas, page: null, pageF32: null, detSigmas: null };
    let pageSize = { width: 0, height: 0 };
    if (page) {
      state.page = renderPage(OCR_PAGE, { size: PAGE_FONT_SIZE });
      pageSize = { width: state.page.width, height: state.page.height };
      state.pageF32 = pageReading(await f32.read(state.page), f32, {});
      // The detector's Σ_X from a calibration page with other text, at its own size.
      const calib = renderPage(CALIBRATION_PAGE, { size: PAGE_FONT_SIZE });
      const size = detectorSize(calib.width, calib.height);
      const net = await engine.loadOnnx(assets.detector, {
        inputs: { x: [1, 3, size.height, size.width] },
        keepAll: true,
      });
      state.detSigmas = await layerCovariances(net, [{ x: detectorInput(calib, size.width, size.height) }]);
      net.destroy();
    }
    const info = engine.adapterInfo;
    return {
      adapter: info?.architecture || info?.vendor || 'unknown',
      width,
      runnerF32: runnerF32 ? await readWithRunner(rec, state) : null,
      ortF32: await readWithOrt(assets.model, state),
      calibrationRows: Math.min(...[...sigmas.values()].map((a) => a.count)),
      pageTruth: state.page?.lines.map((l) => l.text) ?? [],
      pageF32: state.pageF32,
      pageSize,
      ms: performance.now() - t0,
    };
  },

  async config(c) {
    const s = state!;
    const t0 = performance.now();
    const f32 = s.f32.networks();
    const preRec = c.calibrated ? await calibratedWeights(f32.recogniser, s.sigmas, c.calibrated) : undefined;
    const detMethod = c.detectorCalibrated ?? c.calibrated;
    const preDet =
      detMethod && c.page && s.detSigmas ? await calibratedWeights(f32.detector!, s.detSigmas, detMethod) : undefined;
    const p = await OcrPipeline.create(s.engine, models(s.assets), {
      lineWidth: s.width,
      weights: c.weights ?? null,
      activations: c.activations ?? null,
      recogniser: { quantized: preRec },
      detector: { quantized: preDet },
    });
    try {
      const net = p.networks().recogniser;
      const runner = c.lines === false ? [] : await readWithRunner(net, s);
      let ort: LineReading[] | null = null;
      if (c.ort && c.lines !== false) {
        const decoded = await net.decodedInitializers();
        ort = await readWithOrt(patchOnnxFloats(s.assets.model, readOnnxWeights(s.assets.model), decoded), s);
      }
      const report = net.report();
      const rec = networkWeights(report, preRec);
      const page = c.page && s.page ? pageReading(await p.read(s.page), p, { det: preDet, rec: preRec }) : null;
      return {
        config: c,
        runner,
        ort,
        layers: report.layers,
        fileBits: rec.fileBits,
        gpuBits: rec.gpuBits,
        weightBytes: report.weightBytes,
        activationBytes: report.activationBytes,
        page,
        ms: performance.now() - t0,
      };
    } finally {
      p.destroy();
    }
  },

  async exportCheck({ format, webgpuLines }) {
    const s = state!;
    const t0 = performance.now();
    const f = parseFormat(format);
    const { bytes, layers } = toMatMulNBits(s.assets.model, 'recogniser', { format });
    const tensors = readOnnxWeights(s.assets.model);
    const decoded = new Map(
      layers.map((l) => {
        const t = tensors.find((u) => u.name === l.weight)!;
        return [l.weight, fromWeightMatrix(t, f.decode(f.encode(weightMatrix(t))))] as const;
      }),
    );
    const exported = await readWithOrt(bytes, s);
    const swapped = await readWithOrt(patchOnnxFloats(s.assets.model, tensors, decoded), s);
    // The default entry (JSEP): its WebGPU EP and its wasm EP on the same exported model.
    const ort = (await import('onnxruntime-web')) as unknown as typeof Ort;
    ort.env.wasm.wasmPaths = new URL('/node_modules/onnxruntime-web/dist/', location.href).href;
    ort.env.wasm.numThreads = 1;
    const gpu = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'] });
    const cpu = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const webgpu: LineReading[] = [];
    let webgpuRelErr = 0;
    try {
      for (const x of s.inputs.slice(0, webgpuLines)) {
        const out = async (sess: Ort.InferenceSession) => {
          const input = new ort.Tensor('float32', x, [1, 3, OCR_HEIGHT, s.width]);
          return (await sess.run({ [sess.inputNames[0]]: input }))[sess.outputNames[0]];
        };
        const [a, b] = [await out(gpu), await out(cpu)];
        const [ya, yb] = [a.data as Float32Array, b.data as Float32Array];
        let e = 0;
        let n = 0;
        for (let i = 0; i < yb.length; i++) {
          e += (ya[i] - yb[i]) ** 2;
          n += yb[i] ** 2;
        }
        webgpuRelErr = Math.max(webgpuRelErr, Math.sqrt(e / n));
        webgpu.push(ctcGreedy(ya, a.dims[1], a.dims[2], s.assets.labels));
      }
    } finally {
      await gpu.release();
      await cpu.release();
    }
    return {
      layers: layers.length,
      bytesIn: s.assets.model.length,
      bytesOut: bytes.length,
      exported,
      swapped,
      webgpu,
      webgpuRelErr,
      ms: performance.now() - t0,
    };
  },

  show(label, reading) {
    const s = state!;
    showPageResult(document.body, s.page!, [
      {
        label: 'f32',
        lines: s.pageF32!.lines,
        timings: s.pageF32!.timings,
        weightBytes: s.pageF32!.detector.weightBytes + s.pageF32!.recogniser.weightBytes,
      },
      {
        label,
        lines: reading.lines,
        timings: reading.timings,
        weightBytes: reading.detector.weightBytes + reading.recogniser.weightBytes,
      },
    ]);
  },

  async teardown() {
    state?.f32.destroy();
    state?.engine.destroy();
    state = null;
  },
};
window.ocrSweep = async ({ only }) => {
  const progress = (m: string) => window.__benchProgress?.(m);
  progress(`setup: ${OCR_LINES.length} lines, calibration on ${CALIBRATION_LINES.length}, the page`);
  const setup = await window.ocrSuite.setup({
    lines: OCR_LINES,
    calibLines: CALIBRATION_LINES,
    page: true,
    runnerF32: true,
  });
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
