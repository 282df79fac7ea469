/**
 * OCR end-to-end page: the PP-OCRv4 recogniser reads rendered lines with its f32 weights and with its
 * linear weights quantized by the engine, per scheme × rate. The weights go through the CPU reference
 * (format.decode(format.encode(W))); `gpuCheck` formats also go through the GPU (quantize → dequantize
 * → read back) and must give the same weights bit for bit (the kernel tests prove that for every
 * format; here it is checked on the real tensors).
 */
import { loadOcrAssets, outputsSession, recogniser, renderLine, type RenderedLine } from '../demo/ocr-runner.js';
import {
  accumulateLayerInputs,
  linearLayers,
  quantizeOcrModelCalibrated,
  withLayerInputs,
  type CalibratedLayer,
} from '../src/model/ocr-calibrate.js';
import type { CovarianceAccumulator } from '../src/weightonly/calibration.js';
import { createEngine } from '../src/engine.js';
import { formatForScheme } from '../src/formats/schemes.js';
import type { QuantFormat } from '../src/formats/format.js';
import type { Matrix } from '../src/matrix.js';
import { quantizeOcrModel } from '../src/model/ocr.js';

export interface OcrLineResult {
  text: string;
  meanProb: number;
}
export interface OcrConfigResult {
  scheme: string;
  rate: number;
  format: string;
  lines: OcrLineResult[];
  layers: { name: string; rows: number; cols: number; nmse: number; bitsPerEntry: number }[];
  ms: number;
}
export interface OcrRun {
  adapter: string;
  /** Per gpuCheck format: weights that differed between the GPU and the CPU path (0 expected). */
  gpuMismatches: Record<string, number>;
  f32: OcrLineResult[];
  configs: OcrConfigResult[];
}

declare global {
  interface Window {
    ocrSuite: {
      calibrated(req: {
        calibLines: string[];
        lines: string[];
        configs: { method: 'watersic' | 'gptq'; rate: number }[];
      }): Promise<{
        f32: OcrLineResult[];
        configs: { method: string; rate: number; lines: OcrLineResult[]; layers: CalibratedLayer[]; ms: number }[];
        calibRows: Record<string, number>;
      }>;
      run(req: { lines: string[]; configs: { scheme: string; rate: number }[]; gpuCheck: string[] }): Promise<OcrRun>;
    };
    __ready?: boolean;
    __ocrProgress?: (msg: string) => void;
  }
}

/** Reads every rendered line with one recogniser session on `modelBytes`. */
async function readLines(
  modelBytes: Uint8Array,
  labels: readonly string[],
  rendered: readonly RenderedLine[],
): Promise<OcrLineResult[]> {
  const r = await recogniser(modelBytes, labels);
  const out: OcrLineResult[] = [];
  for (const line of rendered) out.push(await r.read(line));
  await r.release();
  return out;
}

window.ocrSuite = {
  async calibrated({ calibLines, lines, configs }) {
    const progress = (m: string) => window.__ocrProgress?.(m);
    const assets = await loadOcrAssets();
    const layers = linearLayers(assets.model);
    const probe = await outputsSession(withLayerInputs(assets.model, layers));
    const acc = new Map<string, CovarianceAccumulator>();
    for (const [i, text] of calibLines.entries()) {
      progress(`calibration line ${i + 1}/${calibLines.length}`);
      accumulateLayerInputs(acc, layers, await probe.run(renderLine(text)));
    }
    await probe.release();
    const rendered = lines.map((l) => renderLine(l));
    const readAll = (bytes: Uint8Array) => readLines(bytes, assets.labels, rendered);
    const f32 = await readAll(assets.model);
    const results = [];
    for (const c of configs) {
      const t0 = performance.now();
      const q = quantizeOcrModelCalibrated(assets.model, acc, c.rate, c.method, (name) =>
        progress(`${c.method} ${c.rate} bits: ${name}`),
      );
      results.push({
        method: c.method,
        rate: c.rate,
        lines: await readAll(q.bytes),
        layers: q.layers,
        ms: performance.now() - t0,
      });
    }
    return { f32, configs: results, calibRows: Object.fromEntries([...acc].map(([k, a]) => [k, a.count])) };
  },
  async run({ lines, configs, gpuCheck }) {
    const progress = (m: string) => window.__ocrProgress?.(m);
    const engine = await createEngine();
    const assets = await loadOcrAssets();
    const rendered = lines.map((l) => renderLine(l));
    const readAll = (bytes: Uint8Array) => readLines(bytes, assets.labels, rendered);
    progress('f32 model');
    const f32 = await readAll(assets.model);
    const cpuRoundTrip = async (w: Matrix, f: QuantFormat) => f.decode(f.encode(w)).data;
    const gpuMismatches: Record<string, number> = {};
    for (const id of gpuCheck) {
      progress(`GPU vs CPU weights for ${id}`);
      const format = formatForScheme(id);
      const [a, b] = [
        await quantizeOcrModel(assets.model, format, cpuRoundTrip),
        await quantizeOcrModel(assets.model, format, (w, f) => engine.roundTrip(w, f)),
      ];
      gpuMismatches[id] = a.bytes.reduce((n, v, i) => n + (v !== b.bytes[i] ? 1 : 0), 0);
    }
    const results: OcrConfigResult[] = [];
    for (const c of configs) {
      const t0 = performance.now();
      const format = formatForScheme(c.scheme, c.rate);
      progress(`${c.scheme} at ${c.rate} bits (${format.id})`);
      const q = await quantizeOcrModel(assets.model, format, cpuRoundTrip);
      results.push({
        scheme: c.scheme,
        rate: c.rate,
        format: format.id,
        lines: await readAll(q.bytes),
        layers: q.layers,
        ms: performance.now() - t0,
      });
    }
    const adapter = engine.adapterInfo?.architecture || engine.adapterInfo?.vendor || 'unknown';
    engine.destroy();
    return { adapter, gpuMismatches, f32, configs: results };
  },
};
window.__ready = true;
