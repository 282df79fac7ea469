/**
 * Calibration on the runner (docs/graph.md, *Calibration*): each linear layer's input covariance Σ_X over
 * the rows its GEMM multiplies — a MatMul's input rows, a Conv's im2col rows (C·kh·kw entries each), a
 * ConvTranspose's input pixels — read from the runner's own runs of the model, loaded with keepAll so
 * every layer input can be read back. WaterSIC, GPTQ and block-LDLQ onto a lattice or a trellis
 * (src/weightonly/) take these Σ_X.
 */
import { OptionsError, ShapeError } from '../errors.js';
import type { QuantFormat } from '../formats/format.js';
import type { IntFormat } from '../formats/int.js';
import { parseFormat } from '../formats/registry.js';
import type { TrellisFormat } from '../formats/trellis/format.js';
import type { NestedLatticeFormat } from '../lattice/format.js';
import type { Matrix } from '../matrix.js';
import { blockLdlq } from '../weightonly/block-ldlq.js';
import { CovarianceAccumulator } from '../weightonly/calibration.js';
import { gptqInt } from '../weightonly/gptq-format.js';
import { intOperand } from '../weightonly/operand.js';
import { trellisLdlq } from '../weightonly/trellis-ldlq.js';
import { quantizeWeightOnly } from '../weightonly/watersic.js';
import { convShape, type Geometry } from './ops.js';
import type { GraphModel, PreQuantized } from './model.js';
import type { RuntimeNode } from './resolve.js';

/** The rows a Conv's GEMM multiplies for one NCHW image: (oy, ox) × (c, ky, kx), zero outside the image. */
export function im2colRows(
  image: Float32Array,
  c: number,
  h: number,
  w: number,
  g: Geometry,
  oh: number,
  ow: number,
): Matrix {
  const K = c * g.kh * g.kw;
  const data = new Float32Array(oh * ow * K);
  for (let oy = 0; oy < oh; oy++)
    for (let ox = 0; ox < ow; ox++) {
      const row = (oy * ow + ox) * K;
      for (let ci = 0; ci < c; ci++)
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.sh + ky * g.dh - g.pt;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.sw + kx * g.dw - g.pl;
            if (ix >= 0 && ix < w) data[row + (ci * g.kh + ky) * g.kw + kx] = image[(ci * h + iy) * w + ix];
          }
        }
    }
  return { rows: oh * ow, cols: K, data };
}

/** The GEMM rows of `node` (a linear layer) for its input of `dims`, one matrix per batch image. */
function gemmRows(node: RuntimeNode, dims: readonly number[], data: Float32Array): Matrix[] {
  const op = node.node.op;
  if (op === 'MatMul') {
    const k = dims[dims.length - 1];
    return [{ rows: data.length / k, cols: k, data }];
  }
  const [b, c, h, w] = dims;
  const plane = c * h * w;
  const out: Matrix[] = [];
  for (let i = 0; i < b; i++) {
    const image = data.subarray(i * plane, (i + 1) * plane);
    if (op === 'Conv') {
      const { g, dims: od } = convShape(node.x);
      out.push(im2colRows(image, c, h, w, g, od[2], od[3]));
    } else {
      const t = new Float32Array(plane);
      for (let ci = 0; ci < c; ci++) for (let p = 0; p < h * w; p++) t[p * c + ci] = image[ci * h * w + p];
      out.push({ rows: h * w, cols: c, data: t });
    }
  }
  return out;
}

/**
 * Runs `net` (loaded with keepAll) on each of `feeds` and adds every linear layer's GEMM input rows to its
 * Σ_X accumulator (created on first use), keyed by layer name.
 */
export async function layerCovariances(
  net: GraphModel,
  feeds: Iterable<Readonly<Record<string, Float32Array>>>,
  acc: Map<string, CovarianceAccumulator> = new Map(),
): Promise<Map<string, CovarianceAccumulator>> {
  const layers = net.report().layers;
  const nodes = new Map(net.graph.nodes.map((n) => [n.node.name || n.outputs[0].name, n]));
  for (const feed of feeds) {
    await net.run(feed);
    for (const l of layers) {
      const node = nodes.get(l.name);
      if (!node) throw new ShapeError(`layer ${l.name} is not a node of the model`);
      const x = await net.read(l.input);
      for (const m of gemmRows(node, x.dims, x.data)) {
        let a = acc.get(l.name);
        if (!a) acc.set(l.name, (a = new CovarianceAccumulator(m.cols)));
        a.add(m);
      }
    }
  }
  return acc;
}

/** A calibrated quantizer of the runner's layers (src/weightonly/). */
export type CalibratedMethod =
  | { readonly method: 'watersic'; readonly rate: number }
  | { readonly method: 'gptq'; readonly format: string }
  | { readonly method: 'ldlq'; readonly format: string };

/** A layer's calibrated weights and what they cost. */
export interface CalibratedWeights extends PreQuantized {
  /** Bits per weight a file would hold: WaterSIC's rANS-coded codes and side information; else the format's. */
  readonly fileBits: number;
}

/**
 * Quantizes every linear layer of `net` for its Σ_X (from layerCovariances): WaterSIC at a code entropy
 * of `rate` bits (an integer operand with column scales, integers clamped to ±127 inside the SIC loop),
 * GPTQ onto an INT format's grid, or block-LDLQ onto a nested-lattice or trellis format. W is the layer's as `net`
 * holds it (load it with f32 weights). Pass the result as LoadOptions.quantized.
 */
export async function calibratedWeights(
  net: GraphModel,
  sigmas: ReadonlyMap<string, CovarianceAccumulator>,
  how: CalibratedMethod,
  onLayer?: (name: string) => void,
): Promise<Map<string, CalibratedWeights>> {
  const out = new Map<string, CalibratedWeights>();
  for (const l of net.report().layers) {
    onLayer?.(l.name);
    const acc = sigmas.get(l.name);
    if (!acc) throw new ShapeError(`no calibration statistics for layer ${l.name}`);
    const w = await net.layerWeight(l.name);
    const W = Float64Array.from(w.data);
    const S = acc.covariance();
    if (how.method === 'watersic') {
      // Integers within ±127 so Z is an int8 operand (WaterSIC's are unbounded; a few reach ±700 here).
      // rANS tables one per layer where that is smaller (a 60-row column's own table costs more than it saves).
      const r = quantizeWeightOnly(W, w.rows, w.cols, S, how.rate, 'watersic', { maxAbs: 127, tables: 'smaller' });
      const op = intOperand(r);
      out.set(l.name, { w: op.w, columnScales: op.columnScales, fileBits: r.totalBits });
      continue;
    }
    const format = parseFormat(how.format);
    const q =
      how.method === 'gptq'
        ? gptqInt(W, w.rows, w.cols, S, asInt(format, how.format))
        : format.family === 'trellis'
          ? trellisLdlq(W, w.rows, w.cols, S, format as TrellisFormat)
          : blockLdlq(W, w.rows, w.cols, S, asLattice(format, how.format));
    out.set(l.name, { w: q, fileBits: format.layout(w.cols).bitsPerEntry });
  }
  return out;
}

function asInt(f: QuantFormat, id: string): IntFormat {
  if (f.family !== 'int') throw new OptionsError('format', `GPTQ rounds onto an INT format's grid; ${id} is not one`);
  return f as IntFormat;
}

function asLattice(f: QuantFormat, id: string): NestedLatticeFormat {
  if (f.family !== 'lattice')
    throw new OptionsError('format', `block-LDLQ codes onto a nested-lattice or trellis format; ${id} is neither`);
  return f as NestedLatticeFormat;
}
