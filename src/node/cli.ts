/**
 * The `wqe` command line:
 *
 *   wqe quantize <model.onnx|.safetensors> --format <scheme|format id> [--rate R] -o <out.safetensors|out.gguf>
 *   wqe report   <model.onnx|.safetensors> --format <scheme|format id> [--rate R]
 *   wqe report   <model.gguf> [--against <original.onnx|.safetensors>]   (cli-gguf.ts)
 *   wqe inspect  <container.safetensors|model.gguf>
 *   wqe run      <model.onnx> --input x.npy …   (cli-graph.ts: the graph runner on WebGPU)
 *   wqe ocr      <image.png> [--format F]        (cli-graph.ts: PP-OCRv4 detector + recogniser on WebGPU)
 *
 * Every output goes through a temporary file and a rename (file-io.ts), and an output path that is the
 * input or another output of the same run is refused before anything is opened. Errors are one line;
 * `--debug` adds the stack trace. Exit codes: EXIT below.
 */
import { parseArgs as parseArgv } from 'node:util';
import type { Engine } from '../engine.js';
import { FileError, FormatError, QuantEngineError } from '../errors.js';
import { nbitsFormat, toMatMulNBits } from '../io/onnx-nbits.js';
import type { QuantFormat } from '../formats/format.js';
import { formatForScheme, SCHEMES } from '../formats/schemes.js';
import { ContainerReader } from '../io/container.js';
import { GgmlFormat } from '../formats/ggml/format.js';
import { exportGguf } from '../model/gguf-export.js';
import { quantizeModel, type LayerReport, type ModelReport, type QuantizeProgress } from '../model/quantize-model.js';
import { onnxWeightSource, safetensorsWeightSource, type WeightSource } from '../model/weights.js';
import {
  atomicFileSink,
  fileIdentity,
  fileSource,
  readInputFile,
  writeFileAtomic,
  type AtomicSink,
} from './file-io.js';
import { CliError, EXIT, markdownTable } from './cli-common.js';
import { inspectGguf, reportGguf } from './cli-gguf.js';
import { type GraphArgs, runModel, runOcr } from './cli-graph.js';
import { nodeEngine } from './gpu.js';

export { EXIT };

/** The `wqe --help` text. */
export const USAGE = `usage:
  wqe quantize <model.onnx|model.safetensors> --format <scheme|format id> [--rate R] -o <out.safetensors> [options]
  wqe quantize <model.onnx|model.safetensors> --format <ggml type> -o <out.gguf> [--only regex]
  wqe quantize <model.onnx> --format <int2|int4|int8[-asym]-g<16|32|…>> -o <out.onnx> [--accuracy-level 0-4]
  wqe report   <model.onnx|model.safetensors> --format <scheme|format id> [--rate R] [options]
  wqe report   <model.gguf> [--against <original.onnx|original.safetensors>]
  wqe inspect  <quantized.safetensors|model.gguf>
  wqe run      <model.onnx> --input [name=]x.npy [--input …] [--format …] [--activations id] [--profile]
  wqe ocr      <image.png> [--format <scheme|format id> [--rate R]] [--det d.onnx --rec r.onnx --dict keys.txt]

schemes (with --rate): ${Object.entries(SCHEMES)
  .map(([k, s]) => `${k} (${Object.keys(s.rates).join('/')})`)
  .join(', ')}
or a format id without --rate, e.g. int4-g32, e8-q14-k4, nvfp4, sq16-lm, q4_K (a ggml type; .gguf output
takes ggml types: q4_0 q4_1 q5_0 q8_0 q2_K q3_K q4_K q5_K q6_K iq4_nl iq4_xs).

options:
  --cpu            quantize on the CPU reference even when a WebGPU adapter exists
  --swiftshader    no GPU driver here: run WebGPU on Chromium's SwiftShader (experimental, see README)
  --only <regex>   quantize only the linear tensors whose name matches (the others are copied unchanged)
  --json <file>    where to save the report (quantize: <out>.report.json by default)
  --chunk-mib <n>  MiB of f32 rows read per chunk (default 8): bounds memory on big tensors
  --against <file> report of a .gguf: the original model, to measure each tensor's error against
  --accuracy-level <0-4>  .onnx output: MatMulNBits' accuracy_level (the precision ORT may compute in)
  --debug          print the stack trace of an error

run / ocr (on WebGPU only; --format absent keeps f32):
  --input <[name=]file>  a model input: .npy (f4/f8/i4/i8/u1), or raw little-endian f32 .bin with --shape
  --shape <d0,d1,…>      the shape of a .bin input
  --activations <id>     quantize each linear layer's input in this format first (W+A)
  --profile              time every layer (the report's ms column)
  --max-side <px>        ocr: the page's longer side is scaled to at most this for the detector (960)
  --line-width <px>      ocr: recogniser input width (480)
  --json <file>          save outputs' statistics and the report (run), or the lines and timings (ocr)

exit codes: 0 ok, 1 internal error, 2 usage, 3 bad input, 4 cannot write an output, 5 no WebGPU adapter
`;

class UsageError extends Error {}

interface Args {
  command: string;
  graph?: GraphArgs;
  input: string;
  format?: QuantFormat;
  out?: string;
  json?: string;
  cpu: boolean;
  debug: boolean;
  only?: RegExp;
  chunkMiB: number;
  /** report of a .gguf: the original model. */
  against?: string;
  /** .onnx output: MatMulNBits' accuracy_level. */
  accuracyLevel?: number;
}

const OPTIONS = {
  format: { type: 'string', short: 'f' },
  rate: { type: 'string', short: 'r' },
  out: { type: 'string', short: 'o' },
  json: { type: 'string' },
  cpu: { type: 'boolean' },
  debug: { type: 'boolean' },
  swiftshader: { type: 'boolean' }, // handled by bin/wqe.mjs (Vulkan settings need a fresh process)
  only: { type: 'string' },
  against: { type: 'string' },
  'accuracy-level': { type: 'string' },
  'chunk-mib': { type: 'string' },
  input: { type: 'string', multiple: true },
  shape: { type: 'string' },
  activations: { type: 'string' },
  profile: { type: 'boolean' },
  det: { type: 'string' },
  rec: { type: 'string' },
  dict: { type: 'string' },
  'max-side': { type: 'string' },
  'line-width': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parseArgs(argv: string[]): Args {
  let parsed: ReturnType<
    typeof parseArgv<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgv({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    // node:util's messages name the option; keep their first sentence.
    throw new UsageError((e as Error).message.split('. ')[0].replace(/\.$/, ''));
  }
  const { values: v, positionals } = parsed;
  const [command, ...files] = positionals;
  if (!command || v.help) throw new UsageError('');
  if (!['quantize', 'report', 'inspect', 'run', 'ocr'].includes(command))
    throw new UsageError(`unknown command '${command}'`);
  if (files.length > 1) throw new UsageError(`unexpected argument ${files[1]}`);
  if (command === 'run' || command === 'ocr') return graphArgs(command, files[0], v);
  for (const o of GRAPH_ONLY)
    if (v[o] !== undefined) throw new UsageError(`--${o} is an option of run and ocr, not of ${command}`);
  const a: Args = {
    command,
    input: files[0] ?? '',
    cpu: !!v.cpu,
    debug: !!v.debug,
    chunkMiB: 8,
    out: v.out,
    json: v.json,
  };
  if (!a.input) throw new UsageError(`${command} needs a file`);
  if (v['chunk-mib'] !== undefined) {
    a.chunkMiB = Number(v['chunk-mib']);
    if (!(a.chunkMiB > 0) || !Number.isFinite(a.chunkMiB))
      throw new UsageError(`--chunk-mib must be a positive number, got '${v['chunk-mib']}'`);
  }
  if (v.only !== undefined) {
    try {
      a.only = new RegExp(v.only);
    } catch (e) {
      throw new UsageError(
        `--only '${v.only}' is not a valid regular expression ` +
          `(${(e as Error).message.replace(/^Invalid regular expression: /, '')})`,
      );
    }
  }
  if (command === 'inspect') {
    if (v.format !== undefined || a.out !== undefined) throw new UsageError('inspect takes only a file');
    return a;
  }
  const gguf = a.input.endsWith('.gguf');
  if (v.against !== undefined && !(command === 'report' && gguf))
    throw new UsageError('--against is an option of report on a .gguf file');
  if (command === 'report' && gguf) {
    if (v.format !== undefined || a.out !== undefined)
      throw new UsageError('report of a .gguf reads the types it holds: no --format or -o');
    a.against = v.against;
    return a;
  }
  const rate = parseRate(v.rate);
  if (v.format === undefined) throw new UsageError(`${command} needs --format`);
  if (command === 'quantize' && !a.out) throw new UsageError('quantize needs -o <out.safetensors|out.gguf>');
  if (command === 'report' && a.out) throw new UsageError('report writes no model; use quantize for -o');
  a.format = schemeFormat('--format', v.format, rate);
  if (v['accuracy-level'] !== undefined) {
    if (!a.out?.endsWith('.onnx')) throw new UsageError('--accuracy-level is an option of quantize -o <out.onnx>');
    a.accuracyLevel = Number(v['accuracy-level']);
    if (!(Number.isInteger(a.accuracyLevel) && a.accuracyLevel >= 0 && a.accuracyLevel <= 4))
      throw new UsageError(`--accuracy-level must be 0, 1, 2, 3 or 4, got '${v['accuracy-level']}'`);
  }
  if (a.out?.endsWith('.onnx')) {
    if (!a.input.endsWith('.onnx')) throw new UsageError(`-o ${a.out}: an ONNX output needs an ONNX input`);
    try {
      nbitsFormat(a.format);
    } catch (e) {
      if (e instanceof FormatError) throw new UsageError(`-o ${a.out}: ${e.message}`);
      throw e;
    }
  }
  if (a.out?.endsWith('.gguf') && !(a.format instanceof GgmlFormat))
    throw new UsageError(
      `-o ${a.out}: a GGUF file holds ggml's types (q4_0 q4_1 q5_0 q8_0 q2_K q3_K q4_K q5_K q6_K iq4_nl iq4_xs); ` +
        `${a.format.id} is not one (write .safetensors for it)`,
    );
  return a;
}

const GRAPH_ONLY = [
  'input',
  'shape',
  'activations',
  'profile',
  'det',
  'rec',
  'dict',
  'max-side',
  'line-width',
] as const;

function parseRate(rate: string | undefined): number | undefined {
  if (rate === undefined) return undefined;
  const r = Number(rate);
  if (!Number.isFinite(r) || rate.trim() === '') throw new UsageError(`--rate must be a number, got '${rate}'`);
  return r;
}

/** A scheme at `rate`, or a format id; a bad one is a usage error naming `flag`. */
function schemeFormat(flag: string, value: string, rate: number | undefined): QuantFormat {
  try {
    return formatForScheme(value, rate);
  } catch (e) {
    if (e instanceof QuantEngineError) throw new UsageError(`${flag}: ${e.message}`);
    throw e;
  }
}

/** A format option of run / ocr (scheme with --rate, or a format id); absent: null (f32). */
function formatOption(flag: string, value: string | undefined, rate?: string): QuantFormat | null {
  if (value !== undefined) return schemeFormat(flag, value, parseRate(rate));
  if (rate !== undefined) throw new UsageError('--rate needs --format');
  return null;
}

function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number, got '${value}'`);
  return n;
}

function graphArgs(
  command: 'run' | 'ocr',
  input: string | undefined,
  v: ReturnType<
    typeof parseArgv<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>
  >['values'],
): Args {
  if (!input) throw new UsageError(`${command} needs a file`);
  if (v.out !== undefined) throw new UsageError(`${command} writes no model (-o); --json saves its report`);
  const only = [
    'cpu', // nothing runs on the CPU instead
    'only',
    'chunk-mib',
    ...(command === 'run' ? ['det', 'rec', 'dict', 'max-side', 'line-width'] : ['input', 'shape', 'profile']),
  ];
  for (const o of only)
    if (v[o as keyof typeof v] !== undefined) throw new UsageError(`--${o} is not an option of ${command}`);
  const tensors = (v.input ?? []).map((s) => {
    const eq = s.indexOf('=');
    return eq > 0 ? { name: s.slice(0, eq), path: s.slice(eq + 1) } : { path: s };
  });
  if (command === 'run' && !tensors.length) throw new UsageError("run needs --input <file> for the model's input");
  let shape: number[] | undefined;
  if (v.shape !== undefined) {
    shape = v.shape.split(',').map(Number);
    if (!shape.every((d) => Number.isInteger(d) && d >= 1))
      throw new UsageError(`--shape must be positive whole numbers separated by commas, got '${v.shape}'`);
  }
  const graph: GraphArgs = {
    command,
    input,
    format: formatOption('--format', v.format, v.rate),
    activations: formatOption('--activations', v.activations),
    tensors,
    shape,
    profile: !!v.profile,
    json: v.json,
    det: v.det,
    rec: v.rec,
    dict: v.dict,
    maxSide: positiveInteger('--max-side', v['max-side']),
    lineWidth: positiveInteger('--line-width', v['line-width']),
  };
  return { command, input, graph, cpu: false, debug: !!v.debug, chunkMiB: 8, json: v.json };
}

/** Refuses, before anything is opened, an output that is the input or another output of the run. */
async function checkOutputPaths(input: string, outputs: readonly { flag: string; path: string }[]): Promise<void> {
  const seen = new Map<string, string>([[await fileIdentity(input), 'the input']]);
  for (const o of outputs) {
    const id = await fileIdentity(o.path);
    const clash = seen.get(id);
    if (clash)
      throw new UsageError(
        `${o.flag} ${o.path} is ${clash} (${input}); choose another path: an output never replaces an input or ` +
          `another output`,
      );
    seen.set(id, `${o.flag}'s file`);
  }
}

async function openModel(path: string): Promise<{ src: WeightSource; close(): Promise<void> }> {
  if (path.endsWith('.onnx')) {
    return {
      src: onnxWeightSource(await readInputFile(path), path),
      close: async () => {},
    };
  }
  if (path.endsWith('.safetensors')) {
    const f = await fileSource(path);
    try {
      return { src: await safetensorsWeightSource(f), close: () => f.close() };
    } catch (e) {
      await f.close();
      throw e;
    }
  }
  throw new UsageError(`${path}: expected a .onnx or .safetensors file`);
}

const fmt = (v: number, d = 4) =>
  Number.isFinite(v) ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(d) : v.toExponential(2)) : String(v);

/** The per-layer report as a markdown table. */
export function reportTable(rows: readonly LayerReport[]): string {
  const head = ['layer', 'N×K', 'format', 'bits/entry', 'NMSE', 'D(R) bound', 'ΔR (bits)', 'on'];
  const cells = rows.map((r) => [
    r.name,
    `${r.rows}×${r.cols}`,
    r.format,
    fmt(r.bitsPerEntry, 3),
    fmt(r.nmse, 6),
    fmt(r.boundNmse, 6),
    fmt(r.deltaR, 3),
    r.backend,
  ]);
  return markdownTable(head, cells, 3);
}

/** One line about the tensors that were not quantized, by reason. */
function keptSummary(r: ModelReport, writing: boolean): string {
  if (!r.kept.length) return '';
  const byReason = new Map<string, number>();
  for (const k of r.kept) byReason.set(k.reason, (byReason.get(k.reason) ?? 0) + 1);
  const reasons = [...byReason].map(([why, n]) => `${n} ${why}`).join(', ');
  return (
    `${writing ? 'copied unchanged' : 'not quantized'}: ${r.kept.length} tensors (${reasons}); the report ` +
    `lists them\n`
  );
}

/** Progress on stderr: a redrawn bar per tensor on a terminal, one line per finished tensor otherwise. */
function progressPrinter(err: NodeJS.WriteStream) {
  return (p: QuantizeProgress) => {
    const frac = p.rowsDone / p.rows;
    if (err.isTTY) {
      const width = 30;
      const fill = Math.round(frac * width);
      err.write(
        `\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${(100 * frac).toFixed(0).padStart(3)}%  tensor ` +
          `${p.index + 1}/${p.count} ${p.tensor}\x1b[K`,
      );
      if (frac === 1) err.write('\n');
    } else if (frac === 1) err.write(`quantized ${p.index + 1}/${p.count} ${p.tensor}\n`);
  };
}

async function inspect(args: Args, out: NodeJS.WritableStream): Promise<number> {
  if (args.input.endsWith('.gguf')) return inspectGguf(args.input, out);
  const f = await fileSource(args.input);
  try {
    const c = await ContainerReader.open(f);
    for (const [name, t] of c.tensors) {
      out.write(
        t.kind === 'quantized'
          ? `${name}: ${t.format} ${t.rows}×${t.cols} (${t.bitsPerEntry.toFixed(3)} ` +
              `bits/entry${t.transposed ? ', transposed' : ''}) crc32 ${t.crc32}\n`
          : `${name}: ${t.dtype} ${JSON.stringify(t.shape)} (copied) crc32 ${t.crc32}\n`,
      );
    }
    out.write(`header checksum verified; all ${await c.verifyAll()} tensor checksums verified\n`);
  } finally {
    await f.close();
  }
  return EXIT.ok;
}

async function quantizeOrReport(args: Args, out: NodeJS.WritableStream, err: NodeJS.WriteStream): Promise<number> {
  const format = args.format!;
  const jsonPath = args.json ?? (args.out ? `${args.out}.report.json` : undefined);
  await checkOutputPaths(args.input, [
    ...(args.out ? [{ flag: '-o', path: args.out }] : []),
    ...(jsonPath ? [{ flag: args.json ? '--json' : 'the report (<out>.report.json)', path: jsonPath }] : []),
  ]);
  if (args.out?.endsWith('.onnx')) return exportOnnx(args, out, err, jsonPath);
  const model = await openModel(args.input);
  let sink: AtomicSink | undefined;
  let engine: Engine | null = null;
  let report: ModelReport;
  try {
    const linear = model.src.tensors.filter((t) => t.role === 'linear');
    const chosen = linear.filter((t) => !args.only || args.only.test(t.name));
    err.write(
      `${args.input}: ${model.src.tensors.length} tensors, ${chosen.length} linear to quantize as ${format.id}\n`,
    );
    if (!chosen.length) {
      const why = linear.length
        ? `none of its ${linear.length} linear weights matches --only ${args.only}`
        : 'it has no linear weight this tool quantizes ' +
          '(2-D MatMul/safetensors weights and convolution kernels; depthwise kernels stay f32)';
      throw new CliError(`nothing to quantize in ${args.input}: ${why}; nothing was written`, EXIT.input);
    }
    const toGguf = !!args.out?.endsWith('.gguf');
    if (toGguf) err.write("backend: CPU (ggml's quantizers, bit-exact with ggml's)\n");
    else if (!args.cpu) {
      const g = await nodeEngine();
      if (g.engine) {
        engine = g.engine;
        err.write(`backend: GPU, WebGPU through Dawn on ${g.adapter}\n`);
      } else err.write(`backend: CPU reference (${g.reason})\n`);
    } else err.write('backend: CPU reference (--cpu)\n');
    if (args.out) sink = await atomicFileSink(args.out);
    if (toGguf) {
      // ggml's quantizers run on the CPU (bit-exact with ggml's); the file is written in one pass
      report = await exportGguf(model.src, {
        format,
        sink,
        name: args.input,
        select: (t) => !args.only || args.only.test(t.name),
      });
      await sink?.close();
      sink = undefined;
    } else
      report = await quantizeModel(model.src, {
        format,
        engine,
        sink,
        select: (t) => !args.only || args.only.test(t.name),
        chunkBytes: args.chunkMiB * (1 << 20),
        onProgress: progressPrinter(err),
      });
  } catch (e) {
    await sink?.abort();
    throw e;
  } finally {
    engine?.destroy();
    await model.close();
  }
  out.write(`${reportTable(report.layers)}\n`);
  err.write(keptSummary(report, !!args.out));
  for (const l of report.layers)
    if (l.zeroedGroups > 0)
      err.write(
        `warning: ${l.name}: ${l.zeroedGroups} groups of non-zero weights decode to zero (their scale ` +
          `underflowed ${format.id}'s scale type)\n`,
      );
  if (jsonPath)
    await writeFileAtomic(
      jsonPath,
      `${JSON.stringify({ input: args.input, format: format.id, ...report }, null, 2)}\n`,
    );
  const rss = process.resourceUsage().maxRSS / 1024;
  err.write(
    `${args.out ? `wrote ${args.out}; ` : ''}${jsonPath ? `report ${jsonPath}; ` : ''}peak RSS ${rss.toFixed(0)} MiB\n`,
  );
  return EXIT.ok;
}

/**
 * quantize -o model.onnx: every MatMul on a constant weight as com.microsoft.MatMulNBits in the INT
 * format (src/io/onnx-nbits.ts), the rest of the model unchanged; reports the layers and the sizes.
 */
async function exportOnnx(
  args: Args,
  out: NodeJS.WritableStream,
  err: NodeJS.WriteStream,
  jsonPath: string | undefined,
): Promise<number> {
  const format = args.format!;
  const input = await readInputFile(args.input);
  const { bytes, layers } = toMatMulNBits(input, args.input, { format, accuracyLevel: args.accuracyLevel });
  if (!layers.length)
    throw new CliError(
      `nothing to convert in ${args.input}: no MatMul on a 2-D f32 weight; nothing was written`,
      EXIT.input,
    );
  await writeFileAtomic(args.out!, bytes);
  const { bits, block } = nbitsFormat(format);
  out.write(
    `${markdownTable(
      ['MatMul', 'weight', 'K×N'],
      layers.map((l) => [l.node, l.weight, `${l.K}×${l.N}`]),
      2,
    )}\n`,
  );
  err.write(
    `${layers.length} MatMuls as MatMulNBits (bits ${bits}, block ${block}, ${format.id}); other nodes unchanged; ` +
      `${input.length} → ${bytes.length} bytes\n`,
  );
  const summary = { input: args.input, format: format.id, bytesIn: input.length, bytesOut: bytes.length, layers };
  if (jsonPath) await writeFileAtomic(jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
  err.write(`wrote ${args.out}${jsonPath ? `; report ${jsonPath}` : ''}\n`);
  return EXIT.ok;
}

/** The exit code and one-line message for an error. */
function classify(e: unknown): { code: number; message: string } {
  if (e instanceof CliError) return { code: e.exitCode, message: e.message };
  if (e instanceof UsageError) return { code: EXIT.usage, message: e.message };
  if (e instanceof FileError) return { code: e.role === 'output' ? EXIT.output : EXIT.input, message: e.message };
  if (e instanceof QuantEngineError) return { code: EXIT.input, message: e.message };
  return {
    code: EXIT.internal,
    message:
      `internal error: ${e instanceof Error ? e.message : String(e)} (run with --debug for the stack ` +
      `trace, and please report it)`,
  };
}

/** Runs the CLI; returns the exit code. */
export async function main(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  const debug = argv.includes('--debug');
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) err.write(`wqe: ${e.message}\n`);
    (e.message ? err : out).write(USAGE);
    return e.message ? EXIT.usage : EXIT.ok;
  }
  try {
    if (args.command === 'inspect') return await inspect(args, out);
    if (args.command === 'report' && args.input.endsWith('.gguf')) {
      const original = args.against ? await openModel(args.against) : null;
      try {
        return await reportGguf(args.input, original?.src ?? null, out);
      } finally {
        await original?.close();
      }
    }
    if (args.graph) {
      const g = args.graph;
      if (g.json) await checkOutputPaths(args.input, [{ flag: '--json', path: g.json }]);
      return await (g.command === 'run' ? runModel(g, out, err) : runOcr(g, out, err));
    }
    return await quantizeOrReport(args, out, err);
  } catch (e) {
    const { code, message } = classify(e);
    err.write(`wqe: ${message.split('\n')[0]}\n`);
    if (debug && e instanceof Error && e.stack) err.write(`${e.stack}\n`);
    return code;
  }
}
