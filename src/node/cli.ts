/**
 * The `wqe` command line (bin/wqe.mjs loads this through vite, so it runs the TypeScript sources):
 *
 *   wqe quantize <model.onnx|.safetensors> --format <scheme|format id> [--rate R] -o <out.safetensors>
 *   wqe report   <model.onnx|.safetensors> --format <scheme|format id> [--rate R]
 *   wqe inspect  <container.safetensors>
 *
 * Options: --cpu (skip the GPU), --only <regex> (tensor names to quantize), --json <file> (report
 * path; quantize writes <out>.report.json by default), --chunk-mib <n> (rows read per chunk).
 */
import { readFile } from 'node:fs/promises';
import type { Engine } from '../engine.js';
import { QuantEngineError } from '../errors.js';
import { formatForScheme, SCHEMES } from '../formats/schemes.js';
import { ContainerReader } from '../io/container.js';
import { quantizeModel, type LayerReport, type QuantizeProgress } from '../model/quantize-model.js';
import { onnxWeightSource, safetensorsWeightSource, type WeightSource } from '../model/weights.js';
import { fileSink, fileSource } from './file-io.js';
import { nodeEngine } from './gpu.js';
import { writeFile } from 'node:fs/promises';

export const USAGE = `usage:
  wqe quantize <model.onnx|model.safetensors> --format <scheme|format id> [--rate R] -o <out.safetensors> [options]
  wqe report   <model.onnx|model.safetensors> --format <scheme|format id> [--rate R] [options]
  wqe inspect  <quantized.safetensors>

schemes (with --rate): ${Object.entries(SCHEMES).map(([k, s]) => `${k} (${Object.keys(s.rates).join('/')})`).join(', ')}
or a format id without --rate, e.g. int4-g32, e8-q14-k4, nvfp4, sq16-lm.

options:
  --cpu            quantize on the CPU reference even when a WebGPU adapter exists
  --swiftshader    no GPU driver here: run WebGPU on Chromium's SwiftShader (experimental, see README)
  --only <regex>   quantize only the linear tensors whose name matches
  --json <file>    where to save the per-layer report (quantize: <out>.report.json by default)
  --chunk-mib <n>  MiB of f32 rows read per chunk (default 8): bounds memory on big tensors
`;

class UsageError extends Error {}

interface Args {
  command: string;
  input: string;
  format?: string;
  rate?: number;
  out?: string;
  json?: string;
  cpu: boolean;
  only?: RegExp;
  chunkMiB: number;
}

function parseArgs(argv: string[]): Args {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') throw new UsageError('');
  if (!['quantize', 'report', 'inspect'].includes(command)) throw new UsageError(`unknown command '${command}'`);
  const a: Args = { command, input: '', cpu: false, chunkMiB: 8 };
  for (let i = 0; i < rest.length; i++) {
    const opt = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${opt} needs a value`);
      return v;
    };
    if (opt === '--format' || opt === '-f') a.format = value();
    else if (opt === '--rate' || opt === '-r') {
      a.rate = Number(value());
      if (!Number.isFinite(a.rate)) throw new UsageError(`--rate must be a number`);
    } else if (opt === '-o' || opt === '--out') a.out = value();
    else if (opt === '--json') a.json = value();
    else if (opt === '--cpu') a.cpu = true;
    else if (opt === '--swiftshader') continue; // handled by bin/wqe.mjs (Vulkan settings need a fresh process)
    else if (opt === '--only') a.only = new RegExp(value());
    else if (opt === '--chunk-mib') a.chunkMiB = Number(value());
    else if (opt.startsWith('-')) throw new UsageError(`unknown option ${opt}`);
    else if (!a.input) a.input = opt;
    else throw new UsageError(`unexpected argument ${opt}`);
  }
  if (!a.input) throw new UsageError(`${command} needs a file`);
  if (command !== 'inspect' && !a.format) throw new UsageError(`${command} needs --format`);
  if (command === 'quantize' && !a.out) throw new UsageError('quantize needs -o <out.safetensors>');
  if (!(a.chunkMiB > 0)) throw new UsageError('--chunk-mib must be positive');
  return a;
}

async function openModel(path: string): Promise<{ src: WeightSource; close(): Promise<void> }> {
  if (path.endsWith('.onnx')) return { src: onnxWeightSource(new Uint8Array(await readFile(path)), path), close: async () => {} };
  if (path.endsWith('.safetensors')) {
    const f = await fileSource(path);
    return { src: await safetensorsWeightSource(f), close: () => f.close() };
  }
  throw new UsageError(`${path}: expected a .onnx or .safetensors file`);
}

const fmt = (v: number, d = 4) => (Number.isFinite(v) ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(d) : v.toExponential(2)) : String(v));

/** The per-layer report as a markdown table. */
export function reportTable(rows: readonly LayerReport[]): string {
  const head = ['layer', 'N×K', 'format', 'bits/entry', 'NMSE', 'D(R) bound', 'ΔR (bits)', 'on'];
  const cells = rows.map((r) => [r.name, `${r.rows}×${r.cols}`, r.format, fmt(r.bitsPerEntry, 3), fmt(r.nmse, 6), fmt(r.boundNmse, 6), fmt(r.deltaR, 3), r.backend]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => '| ' + c.map((v, i) => (i < 3 ? v.padEnd(w[i]) : v.padStart(w[i]))).join(' | ') + ' |';
  return [line(head), '|' + w.map((n, i) => (i < 3 ? ':' + '-'.repeat(n + 1) : '-'.repeat(n + 1) + ':')).join('|') + '|', ...cells.map(line)].join('\n');
}

/** Progress on stderr: a redrawn bar per tensor on a terminal, one line per finished tensor otherwise. */
function progressPrinter(err: NodeJS.WriteStream) {
  return (p: QuantizeProgress) => {
    const frac = p.rowsDone / p.rows;
    if (err.isTTY) {
      const width = 30;
      const fill = Math.round(frac * width);
      err.write(`\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${(100 * frac).toFixed(0).padStart(3)}%  tensor ${p.index + 1}/${p.count} ${p.tensor}\x1b[K`);
      if (frac === 1) err.write('\n');
    } else if (frac === 1) err.write(`quantized ${p.index + 1}/${p.count} ${p.tensor}\n`);
  };
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WriteStream = process.stderr): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) err.write(`wqe: ${e.message}\n`);
    (e.message ? err : out).write(USAGE);
    return e.message ? 2 : 0;
  }
  let engine: Engine | null = null;
  try {
    if (args.command === 'inspect') {
      const f = await fileSource(args.input);
      try {
        const c = await ContainerReader.open(f);
        for (const [name, t] of Object.entries(c.tensors)) out.write(t.kind === 'quantized' ? `${name}: ${t.format} ${t.rows}×${t.cols} (${t.bitsPerEntry.toFixed(3)} bits/entry${t.transposed ? ', transposed' : ''}) crc32 ${t.crc32}\n` : `${name}: f32 ${JSON.stringify(t.shape)} crc32 ${t.crc32}\n`);
        for (const name of Object.keys(c.tensors)) if (c.tensors[name].kind === 'quantized') await c.readQuantized(name); else await c.readFloat(name);
        out.write(`all ${Object.keys(c.tensors).length} checksums verified\n`);
      } finally {
        await f.close();
      }
      return 0;
    }
    const format = formatForScheme(args.format!, args.rate);
    if (args.cpu) err.write('backend: CPU reference (--cpu)\n');
    else {
      const g = await nodeEngine();
      if (g.engine) {
        engine = g.engine;
        err.write(`backend: GPU, WebGPU through Dawn on ${g.adapter}\n`);
      } else err.write(`backend: CPU reference (${g.reason})\n`);
    }
    const model = await openModel(args.input);
    let rows: LayerReport[];
    try {
      const linear = model.src.tensors.filter((t) => t.role === 'linear' && (!args.only || args.only.test(t.name)));
      err.write(`${args.input}: ${model.src.tensors.length} tensors, ${linear.length} linear to quantize as ${format.id}\n`);
      const sink = args.command === 'quantize' ? await fileSink(args.out!) : undefined;
      rows = await quantizeModel(model.src, { format, engine, sink, select: (t) => !args.only || args.only.test(t.name), chunkBytes: args.chunkMiB * (1 << 20), onProgress: progressPrinter(err) });
    } finally {
      await model.close();
    }
    out.write(reportTable(rows) + '\n');
    const jsonPath = args.json ?? (args.out ? `${args.out}.report.json` : undefined);
    if (jsonPath) await writeFile(jsonPath, JSON.stringify(rows, null, 2) + '\n');
    const rss = process.resourceUsage().maxRSS / 1024;
    err.write(`${args.out ? `wrote ${args.out}; ` : ''}${jsonPath ? `report ${jsonPath}; ` : ''}peak RSS ${rss.toFixed(0)} MiB\n`);
    return 0;
  } catch (e) {
    if (e instanceof QuantEngineError || e instanceof UsageError) {
      err.write(`wqe: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    engine?.destroy();
  }
}
