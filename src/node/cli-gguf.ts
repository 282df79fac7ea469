/**
 * `wqe inspect model.gguf` and `wqe report model.gguf [--against original]`: a GGUF file's metadata and
 * tensors (type, ggml dimensions, bits per entry), and with --against the error of each quantized
 * tensor against the tensor of the same name in the original model (docs/interop.md).
 */
import { BLOCK_CODECS, decodeBlocks } from '../formats/ggml/blocks.js';
import type { GgufArray, GgufFile, GgufKv } from '../io/gguf.js';
import { readGguf, readGgufTensorBytes } from '../io/gguf.js';
import type { WeightSource } from '../model/weights.js';
import { errorAgainstBound, squaredError } from '../model/quantize-model.js';
import { CliError, EXIT, markdownTable } from './cli-common.js';
import { fileSource } from './file-io.js';

/** A metadata value in one short line (long arrays and strings abbreviated). */
function shortValue(kv: GgufKv): string {
  const one = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  if (kv.type !== 'arr') {
    const s = one(kv.value);
    return s.length > 80 ? `${s.slice(0, 77)}…` : s;
  }
  const a = kv.value as GgufArray;
  const head = a.values.slice(0, 4).map((v) => (typeof v === 'object' ? '[…]' : one(v)));
  return `${a.itemType}[${a.values.length}] [${head.join(', ')}${a.values.length > 4 ? ', …' : ''}]`;
}

const bitsOf = (t: GgufFile['tensors'][number]) => (8 * t.type.bytes) / t.type.block;

export async function inspectGguf(path: string, out: NodeJS.WritableStream): Promise<number> {
  const f = await fileSource(path);
  try {
    const g = await readGguf(f);
    out.write(
      `GGUF v${g.version}, alignment ${g.alignment}, ${g.kv.length} metadata entries, ${g.tensors.length} tensors\n`,
    );
    for (const kv of g.kv) out.write(`  ${kv.key} (${kv.type}) = ${shortValue(kv)}\n`);
    for (const t of g.tensors)
      out.write(
        `${t.name}: ${t.type.name} ne [${t.ne.join(', ')}] ${t.nbytes} bytes (${bitsOf(t).toFixed(3)} bits/entry) ` +
          `at ${t.absoluteOffset}\n`,
      );
  } finally {
    await f.close();
  }
  return EXIT.ok;
}

/**
 * Per tensor: type and bits; with `against` (a weight source of the original model), ‖W − Ŵ‖²/‖W‖²,
 * the Gaussian D(R) at the tensor's rate and ΔR, for every GGUF tensor of a block type whose name and
 * size match a tensor of the original (a weight [K, N] stored transposed in an ONNX MatMul is compared as W).
 */
export async function reportGguf(
  path: string,
  against: WeightSource | null,
  out: NodeJS.WritableStream,
): Promise<number> {
  const f = await fileSource(path);
  try {
    const g = await readGguf(f);
    const originals = new Map(against?.tensors.map((t) => [t.name, t]) ?? []);
    const rows: string[][] = [];
    let compared = 0;
    for (const t of g.tensors) {
      const codec = BLOCK_CODECS.get(t.type.name);
      const row = [t.name, t.type.name, `[${t.ne.join(', ')}]`, bitsOf(t).toFixed(3), '', '', ''];
      const o = originals.get(t.name);
      if (codec && o && o.role === 'linear' && t.ne.length === 2 && t.ne[0] === o.cols && t.ne[1] === o.rows) {
        const back = decodeBlocks(codec, await readGgufTensorBytes(f, t), o.rows, o.cols);
        const w = await against!.readRows(o, 0, o.rows);
        const { err, energy } = squaredError(w, back);
        const e = errorAgainstBound(bitsOf(t), err, energy);
        row[4] = e.nmse.toExponential(3);
        row[5] = e.boundNmse.toExponential(3);
        row[6] = Number.isFinite(e.deltaR) ? e.deltaR.toFixed(3) : '-inf';
        compared++;
      }
      rows.push(row);
    }
    out.write(`${markdownTable(['tensor', 'type', 'ne', 'bits/entry', 'NMSE', 'D(R) bound', 'ΔR (bits)'], rows, 3)}\n`);
    if (against && !compared)
      throw new CliError(
        `no tensor of ${path} matches one of ${against.name} by name and shape; nothing to compare`,
        EXIT.input,
      );
  } finally {
    await f.close();
  }
  return EXIT.ok;
}
