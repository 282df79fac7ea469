/**
 * The ONNX operators the graph runner knows: for each, its output shapes from its input shapes and
 * attributes, and a CPU evaluation in f32. The CPU side folds constant subgraphs at load (shape
 * arithmetic: Shape → Cast → Slice → Concat → Reshape…) and is the reference the GPU kernels are checked
 * against (src/graph/reference.ts). Semantics follow the ONNX operator specification for the opsets the
 * PP-OCRv4 models use (9 and 11); docs/graph.md lists them.
 */
import { ShapeError } from '../errors.js';
import type { AttributeValue, GraphTensor } from '../io/onnx-graph.js';
import {
  asFloats,
  asInts,
  broadcastDims,
  broadcastStrides,
  f32Tensor,
  type HostTensor,
  intTensor,
  normAxis,
  numel,
  stridesOf,
} from './host.js';

/** Attribute access for one node, with ONNX's defaults given by the caller. */
export class Attrs {
  constructor(
    private readonly map: ReadonlyMap<string, AttributeValue>,
    readonly where: string,
  ) {}
  private get(name: string): AttributeValue | undefined {
    return this.map.get(name);
  }
  int(name: string, dflt?: number): number {
    const v = this.get(name) ?? dflt;
    if (typeof v !== 'number')
      throw new ShapeError(`${this.where}: attribute ${name} must be an int, got ${JSON.stringify(v)}`);
    return v;
  }
  float(name: string, dflt?: number): number {
    return this.int(name, dflt);
  }
  ints(name: string, dflt?: readonly number[]): number[] {
    const v = this.get(name) ?? dflt;
    if (!Array.isArray(v))
      throw new ShapeError(`${this.where}: attribute ${name} must be a list of ints, got ${JSON.stringify(v)}`);
    return v as unknown as number[];
  }
  str(name: string, dflt?: string): string {
    const v = this.get(name) ?? dflt;
    if (typeof v !== 'string')
      throw new ShapeError(`${this.where}: attribute ${name} must be a string, got ${JSON.stringify(v)}`);
    return v;
  }
  has(name: string): boolean {
    return this.map.has(name);
  }
  tensor(name: string): GraphTensor {
    const v = this.get(name);
    if (typeof v !== 'object' || v === null || Array.isArray(v))
      throw new ShapeError(`${this.where}: attribute ${name} must be a tensor`);
    return v as GraphTensor;
  }
}

/** What an op is given: its attributes, the input shapes, and the values of inputs known at load. */
export interface OpInput {
  readonly attrs: Attrs;
  readonly dims: readonly (readonly number[])[];
  readonly consts: readonly (HostTensor | undefined)[];
  readonly opset: number;
}

export interface OpDef {
  /** Output shapes. */
  infer(x: OpInput): number[][];
  /** CPU evaluation in f32 (integers for shape arithmetic). */
  cpu(x: OpInput, inputs: readonly HostTensor[]): HostTensor[];
  /** At run time the output is the input's buffer under another shape (Reshape, Squeeze…). */
  readonly view?: boolean;
}

const constInts = (x: OpInput, i: number, what: string): number[] => {
  const c = x.consts[i];
  if (!c)
    throw new ShapeError(
      `${x.attrs.where}: input ${i} (${what}) must be known at load; a runtime ${what} is not supported`,
    );
  return asInts(c);
};

// ---- shape arithmetic and views ----

function reshapeDims(x: OpInput): number[] {
  const input = x.dims[0];
  const target = constInts(x, 1, 'shape');
  const out = target.map((d, i) => (d === 0 ? input[i] : d));
  const known = out.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const at = out.indexOf(-1);
  if (at >= 0) out[at] = numel(input) / known;
  if (numel(out) !== numel(input) || !out.every((d) => Number.isInteger(d) && d >= 0))
    throw new ShapeError(`${x.attrs.where}: cannot reshape ${JSON.stringify(input)} to ${JSON.stringify(target)}`);
  return out;
}

const reshapeLike = (t: HostTensor, dims: number[]): HostTensor =>
  t.kind === 'f32' ? f32Tensor(dims, t.data) : intTensor(dims, t.data);

function squeezeAxes(x: OpInput): number[] {
  const r = x.dims[0].length;
  const axes = x.opset >= 13 && x.dims.length > 1 ? constInts(x, 1, 'axes') : x.attrs.ints('axes', []);
  return (axes.length ? axes : x.dims[0].flatMap((d, i) => (d === 1 ? [i] : []))).map((a) =>
    normAxis(a, r, x.attrs.where),
  );
}

function unsqueezeDims(x: OpInput): number[] {
  const axes = x.opset >= 13 && x.dims.length > 1 ? constInts(x, 1, 'axes') : x.attrs.ints('axes');
  const rank = x.dims[0].length + axes.length;
  const set = new Set(axes.map((a) => normAxis(a, rank, x.attrs.where)));
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(set.has(i) ? 1 : x.dims[0][j++]);
  return out;
}

/** The elements a strided view picks: for each output coordinate, the input element (row-major). */
function gatherBy(
  dims: readonly number[],
  inStrides: readonly number[],
  base: number,
  pick: (src: number) => void,
): void {
  const total = numel(dims);
  const coord = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < total; i++) {
    let off = base;
    for (let d = 0; d < dims.length; d++) off += coord[d] * inStrides[d];
    pick(off);
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++coord[d] < dims[d]) break;
      coord[d] = 0;
    }
  }
}

/** A strided view of `t` copied out: out[c] = t[base + Σ c_d·strides_d]. */
function stridedCopy(t: HostTensor, dims: readonly number[], strides: readonly number[], base: number): HostTensor {
  if (t.kind === 'f32') {
    const out = new Float32Array(numel(dims));
    let i = 0;
    gatherBy(dims, strides, base, (s) => {
      out[i++] = t.data[s];
    });
    return f32Tensor(dims, out);
  }
  const out: number[] = [];
  gatherBy(dims, strides, base, (s) => out.push(t.data[s]));
  return intTensor(dims, out);
}

/** Slice parameters resolved against a shape: per axis start, step and output length. */
export function sliceParams(x: OpInput): { starts: number[]; steps: number[]; dims: number[] } {
  const input = x.dims[0];
  const r = input.length;
  let starts: number[];
  let ends: number[];
  let axes: number[];
  let steps: number[];
  if (x.opset < 10) {
    starts = x.attrs.ints('starts');
    ends = x.attrs.ints('ends');
    axes = x.attrs.ints(
      'axes',
      starts.map((_s, i) => i),
    );
    steps = starts.map(() => 1);
  } else {
    starts = constInts(x, 1, 'starts');
    ends = constInts(x, 2, 'ends');
    axes = x.dims.length > 3 && x.consts[3] ? asInts(x.consts[3]) : starts.map((_s, i) => i);
    steps = x.dims.length > 4 && x.consts[4] ? asInts(x.consts[4]) : starts.map(() => 1);
  }
  const st = new Array<number>(r).fill(0);
  const sp = new Array<number>(r).fill(1);
  const out = [...input];
  axes.forEach((a0, i) => {
    const a = normAxis(a0, r, x.attrs.where);
    const d = input[a];
    const step = steps[i];
    if (step === 0) throw new ShapeError(`${x.attrs.where}: slice step 0`);
    const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
    let s = starts[i] < 0 ? starts[i] + d : starts[i];
    let e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (step > 0) {
      s = clamp(s, 0, d);
      e = clamp(e, 0, d);
    } else {
      s = clamp(s, -1, d - 1);
      e = clamp(e, -1, d - 1);
    }
    st[a] = s;
    sp[a] = step;
    out[a] = Math.max(0, Math.ceil((e - s) / step));
  });
  return { starts: st, steps: sp, dims: out };
}

function concatCpu(x: OpInput, inputs: readonly HostTensor[]): HostTensor[] {
  const out = x.dims.length ? concatDims(x) : [];
  const axis = normAxis(x.attrs.int('axis'), out.length, x.attrs.where);
  const outer = numel(out.slice(0, axis));
  const parts = inputs.map((t, i) => ({ t, block: numel(x.dims[i].slice(axis)) }));
  const isFloat = inputs.some((t) => t.kind === 'f32');
  const data: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const { t, block } of parts) for (let k = 0; k < block; k++) data.push(t.data[o * block + k]);
  return [isFloat ? f32Tensor(out, Float32Array.from(data)) : intTensor(out, data)];
}

function concatDims(x: OpInput): number[] {
  const r = x.dims[0].length;
  const axis = normAxis(x.attrs.int('axis'), r, x.attrs.where);
  const out = [...x.dims[0]];
  out[axis] = x.dims.reduce((a, d) => a + d[axis], 0);
  return out;
}

function gatherCpu(x: OpInput, inputs: readonly HostTensor[]): HostTensor[] {
  const [data, idx] = inputs;
  const r = data.dims.length;
  const axis = normAxis(x.attrs.int('axis', 0), r, x.attrs.where);
  const indices = asInts(idx).map((i) => (i < 0 ? i + data.dims[axis] : i));
  const outer = numel(data.dims.slice(0, axis));
  const inner = numel(data.dims.slice(axis + 1));
  const out: number[] = [];
  for (let o = 0; o < outer; o++)
    for (const i of indices) for (let k = 0; k < inner; k++) out.push(data.data[(o * data.dims[axis] + i) * inner + k]);
  const dims = [...data.dims.slice(0, axis), ...idx.dims, ...data.dims.slice(axis + 1)];
  return [data.kind === 'f32' ? f32Tensor(dims, Float32Array.from(out)) : intTensor(dims, out)];
}

// ---- element-wise ----

type Binary = (a: number, b: number) => number;
const BINARY: Readonly<Record<string, { f: Binary; i: Binary }>> = {
  Add: { f: (a, b) => a + b, i: (a, b) => a + b },
  Sub: { f: (a, b) => a - b, i: (a, b) => a - b },
  Mul: { f: (a, b) => a * b, i: (a, b) => a * b },
  Div: { f: (a, b) => a / b, i: (a, b) => Math.trunc(a / b) },
  Pow: { f: (a, b) => Math.pow(a, b), i: (a, b) => Math.pow(a, b) },
  Equal: { f: (a, b) => (a === b ? 1 : 0), i: (a, b) => (a === b ? 1 : 0) },
};

function binaryDef(op: string): OpDef {
  return {
    infer: (x) => [broadcastDims(x.dims[0], x.dims[1], x.attrs.where)],
    cpu: (x, [a, b]) => {
      const dims = broadcastDims(a.dims, b.dims, x.attrs.where);
      const sa = broadcastStrides(a.dims, dims);
      const sb = broadcastStrides(b.dims, dims);
      const fn = BINARY[op];
      const ints = a.kind === 'int' && b.kind === 'int';
      const out = ints ? new Array<number>(numel(dims)) : new Float32Array(numel(dims));
      const coord = new Array<number>(dims.length).fill(0);
      for (let i = 0; i < out.length; i++) {
        let ia = 0;
        let ib = 0;
        for (let d = 0; d < dims.length; d++) {
          ia += coord[d] * sa[d];
          ib += coord[d] * sb[d];
        }
        out[i] = ints ? fn.i(a.data[ia], b.data[ib]) : fn.f(a.data[ia], b.data[ib]);
        for (let d = dims.length - 1; d >= 0; d--) {
          if (++coord[d] < dims[d]) break;
          coord[d] = 0;
        }
      }
      return [ints ? intTensor(dims, out as number[]) : f32Tensor(dims, out as Float32Array)];
    },
  };
}

/** Parameters of the unary ops that have them (Clip's bounds come from attributes or constant inputs). */
export function unaryParams(op: string, x: OpInput): [number, number] {
  if (op === 'HardSigmoid') return [x.attrs.float('alpha', 0.2), x.attrs.float('beta', 0.5)];
  if (op === 'Clip') {
    if (x.opset < 11)
      return [x.attrs.float('min', -3.4028234663852886e38), x.attrs.float('max', 3.4028234663852886e38)];
    const bound = (i: number, d: number) => (x.dims.length > i && x.consts[i] ? asFloats(x.consts[i]!)[0] : d);
    return [bound(1, -3.4028234663852886e38), bound(2, 3.4028234663852886e38)];
  }
  return [0, 0];
}

const UNARY: Readonly<Record<string, (v: number, p: [number, number]) => number>> = {
  Relu: (v) => Math.max(0, v),
  Sigmoid: (v) => 1 / (1 + Math.exp(-v)),
  HardSigmoid: (v, [a, b]) => Math.max(0, Math.min(1, a * v + b)),
  Clip: (v, [lo, hi]) => Math.min(hi, Math.max(lo, v)),
  Sqrt: (v) => Math.sqrt(v),
  Identity: (v) => v,
};

function unaryDef(op: string): OpDef {
  return {
    infer: (x) => [[...x.dims[0]]],
    cpu: (x, [a]) => {
      const p = unaryParams(op, x);
      const data = Float32Array.from(asFloats(a), (v) => UNARY[op](v, p));
      return [f32Tensor(a.dims, data)];
    },
  };
}

// ---- reductions, normalisation ----

/** Softmax over the trailing block from `axis` (opset < 13 flattens [..axis) × [axis..)), or over `axis` alone. */
export function softmaxShape(x: OpInput): { rows: number; len: number; inner: number } {
  const dims = x.dims[0];
  const axis = normAxis(x.attrs.int('axis', x.opset >= 13 ? -1 : 1), dims.length, x.attrs.where);
  if (x.opset >= 13) return { rows: numel(dims.slice(0, axis)), len: dims[axis], inner: numel(dims.slice(axis + 1)) };
  return { rows: numel(dims.slice(0, axis)), len: numel(dims.slice(axis)), inner: 1 };
}

function softmaxCpu(x: OpInput, [a]: readonly HostTensor[]): HostTensor[] {
  const { rows, len, inner } = softmaxShape(x);
  const v = asFloats(a);
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < inner; j++) {
      const at = (k: number) => (r * len + k) * inner + j;
      let m = -Infinity;
      for (let k = 0; k < len; k++) m = Math.max(m, v[at(k)]);
      let s = 0;
      for (let k = 0; k < len; k++) s += Math.exp(v[at(k)] - m);
      for (let k = 0; k < len; k++) out[at(k)] = Math.exp(v[at(k)] - m) / s;
    }
  return [f32Tensor(a.dims, out)];
}

/** ReduceMean: the reduced axes and the output shape. */
export function reduceShape(x: OpInput): { axes: number[]; dims: number[] } {
  const dims = x.dims[0];
  const axes = (x.attrs.has('axes') ? x.attrs.ints('axes') : dims.map((_d, i) => i)).map((a) =>
    normAxis(a, dims.length, x.attrs.where),
  );
  const keep = x.attrs.int('keepdims', 1) === 1;
  const out = dims.flatMap((d, i) => (axes.includes(i) ? (keep ? [1] : []) : [d]));
  return { axes, dims: out };
}

function reduceMeanCpu(x: OpInput, [a]: readonly HostTensor[]): HostTensor[] {
  const { axes, dims } = reduceShape(x);
  const inDims = a.dims;
  const v = asFloats(a);
  const keptDims = inDims.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(numel(dims));
  const outStrides = stridesOf(keptDims);
  const coord = new Array<number>(inDims.length).fill(0);
  for (let i = 0; i < v.length; i++) {
    let o = 0;
    for (let d = 0; d < inDims.length; d++) if (!axes.includes(d)) o += coord[d] * outStrides[d];
    out[o] += v[i];
    for (let d = inDims.length - 1; d >= 0; d--) {
      if (++coord[d] < inDims[d]) break;
      coord[d] = 0;
    }
  }
  const count = numel(axes.map((ax) => inDims[ax]));
  return [
    f32Tensor(
      dims,
      Float32Array.from(out, (s) => s / count),
    ),
  ];
}

function batchNormCpu(x: OpInput, [a, scale, bias, mean, variance]: readonly HostTensor[]): HostTensor[] {
  const eps = x.attrs.float('epsilon', 1e-5);
  const c = a.dims[1];
  const inner = numel(a.dims.slice(2));
  const v = asFloats(a);
  const [g, b, m, s] = [scale, bias, mean, variance].map(asFloats);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const ch = Math.floor(i / inner) % c;
    out[i] = ((v[i] - m[ch]) / Math.sqrt(s[ch] + eps)) * g[ch] + b[ch];
  }
  return [f32Tensor(a.dims, out)];
}

// ---- convolution and pooling ----

/** Conv/pool geometry of a 2-D spatial op (NCHW). */
export interface Geometry {
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  /** Pads: top, left, bottom, right. */
  readonly pt: number;
  readonly pl: number;
  readonly pb: number;
  readonly pr: number;
}

function geometry(x: OpInput, kernel: readonly number[]): Geometry {
  const where = x.attrs.where;
  if (x.attrs.has('auto_pad') && x.attrs.str('auto_pad') !== 'NOTSET')
    throw new ShapeError(`${where}: auto_pad is not supported; export with explicit pads`);
  if (kernel.length !== 2)
    throw new ShapeError(`${where}: only 2-D spatial ops are supported (kernel ${JSON.stringify(kernel)})`);
  const [sh, sw] = x.attrs.ints('strides', [1, 1]);
  const [dh, dw] = x.attrs.ints('dilations', [1, 1]);
  const [pt, pl, pb, pr] = x.attrs.ints('pads', [0, 0, 0, 0]);
  return { kh: kernel[0], kw: kernel[1], sh, sw, dh, dw, pt, pl, pb, pr };
}

function outSize(n: number, k: number, s: number, d: number, p0: number, p1: number, ceil = false): number {
  const span = n + p0 + p1 - d * (k - 1) - 1;
  return (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
}

/** Conv: [N, C, H, W] × [O, C/group, kh, kw] (+ bias [O]) → [N, O, OH, OW]. */
export function convShape(x: OpInput): { g: Geometry; group: number; dims: number[] } {
  const [n, c, h, w] = x.dims[0];
  const wd = x.dims[1];
  const group = x.attrs.int('group', 1);
  if (wd.length !== 4 || c !== wd[1] * group)
    throw new ShapeError(
      `${x.attrs.where}: weight ${JSON.stringify(wd)} does not fit input ${JSON.stringify(x.dims[0])} with ` +
        `group ${group}`,
    );
  const g = geometry(x, x.attrs.ints('kernel_shape', wd.slice(2)));
  return {
    g,
    group,
    dims: [n, wd[0], outSize(h, g.kh, g.sh, g.dh, g.pt, g.pb), outSize(w, g.kw, g.sw, g.dw, g.pl, g.pr)],
  };
}

function convCpu(x: OpInput, [a, wt, bias]: readonly HostTensor[]): HostTensor[] {
  const { g, group, dims } = convShape(x);
  const [n, c, h, w] = a.dims;
  const [, o, oh, ow] = dims;
  const xv = asFloats(a);
  const wv = asFloats(wt);
  const bv = bias ? asFloats(bias) : null;
  const cg = c / group;
  const og = o / group;
  const out = new Float32Array(numel(dims));
  const acc = new Float64Array(oh * ow);
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++) {
      acc.fill(bv ? bv[oc] : 0);
      const gi = Math.floor(oc / og);
      for (let ic = 0; ic < cg; ic++) {
        const plane = (b * c + gi * cg + ic) * h * w;
        for (let ky = 0; ky < g.kh; ky++)
          for (let kx = 0; kx < g.kw; kx++) {
            const wgt = wv[((oc * cg + ic) * g.kh + ky) * g.kw + kx];
            for (let y = 0; y < oh; y++) {
              const iy = y * g.sh - g.pt + ky * g.dh;
              if (iy < 0 || iy >= h) continue;
              for (let xx = 0; xx < ow; xx++) {
                const ix = xx * g.sw - g.pl + kx * g.dw;
                if (ix >= 0 && ix < w) acc[y * ow + xx] += wgt * xv[plane + iy * w + ix];
              }
            }
          }
      }
      out.set(acc, (b * o + oc) * oh * ow);
    }
  return [f32Tensor(dims, out)];
}

/** ConvTranspose: [N, C, H, W] × [C, O/group, kh, kw] → [N, O, OH, OW]. */
export function convTransposeShape(x: OpInput): { g: Geometry; group: number; dims: number[] } {
  const [n, c, h, w] = x.dims[0];
  const wd = x.dims[1];
  const group = x.attrs.int('group', 1);
  if (group !== 1 || wd[0] !== c)
    throw new ShapeError(
      `${x.attrs.where}: ConvTranspose with group ${group} and weight ${JSON.stringify(wd)} is not supported ` +
        `(group 1 only)`,
    );
  const g = geometry(x, x.attrs.ints('kernel_shape', wd.slice(2)));
  const [oph, opw] = x.attrs.ints('output_padding', [0, 0]);
  const size = (n0: number, k: number, s: number, d: number, p0: number, p1: number, op: number) =>
    s * (n0 - 1) + op + (k - 1) * d + 1 - p0 - p1;
  return {
    g,
    group,
    dims: [n, wd[1], size(h, g.kh, g.sh, g.dh, g.pt, g.pb, oph), size(w, g.kw, g.sw, g.dw, g.pl, g.pr, opw)],
  };
}

function convTransposeCpu(x: OpInput, [a, wt, bias]: readonly HostTensor[]): HostTensor[] {
  const { g, dims } = convTransposeShape(x);
  const [n, c, h, w] = a.dims;
  const [, o, oh, ow] = dims;
  const xv = asFloats(a);
  const wv = asFloats(wt);
  const bv = bias ? asFloats(bias) : null;
  const out = new Float32Array(numel(dims));
  for (let b = 0; b < n; b++)
    for (let oc = 0; oc < o; oc++) {
      const base = (b * o + oc) * oh * ow;
      if (bv) out.fill(bv[oc], base, base + oh * ow);
      for (let ic = 0; ic < c; ic++)
        for (let y = 0; y < h; y++)
          for (let xx = 0; xx < w; xx++) {
            const v = xv[((b * c + ic) * h + y) * w + xx];
            for (let ky = 0; ky < g.kh; ky++) {
              const oy = y * g.sh - g.pt + ky * g.dh;
              if (oy < 0 || oy >= oh) continue;
              for (let kx = 0; kx < g.kw; kx++) {
                const ox = xx * g.sw - g.pl + kx * g.dw;
                if (ox >= 0 && ox < ow) out[base + oy * ow + ox] += v * wv[((ic * o + oc) * g.kh + ky) * g.kw + kx];
              }
            }
          }
    }
  return [f32Tensor(dims, out)];
}

/** AveragePool geometry and output shape. */
export function poolShape(x: OpInput): { g: Geometry; dims: number[]; countPad: boolean } {
  const [n, c, h, w] = x.dims[0];
  const g = geometry(x, x.attrs.ints('kernel_shape'));
  const ceil = x.attrs.int('ceil_mode', 0) === 1;
  const dims = [n, c, outSize(h, g.kh, g.sh, 1, g.pt, g.pb, ceil), outSize(w, g.kw, g.sw, 1, g.pl, g.pr, ceil)];
  return { g, dims, countPad: x.attrs.int('count_include_pad', 0) === 1 };
}

function avgPoolCpu(x: OpInput, [a]: readonly HostTensor[]): HostTensor[] {
  const { g, dims, countPad } = poolShape(x);
  const [n, c, h, w] = a.dims;
  const [, , oh, ow] = dims;
  const v = asFloats(a);
  const out = new Float32Array(numel(dims));
  for (let p = 0; p < n * c; p++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++) {
        let s = 0;
        let cnt = 0;
        for (let ky = 0; ky < g.kh; ky++)
          for (let kx = 0; kx < g.kw; kx++) {
            const iy = y * g.sh - g.pt + ky;
            const ix = xx * g.sw - g.pl + kx;
            const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
            if (inside) s += v[(p * h + iy) * w + ix];
            if (inside || (countPad && iy < h + g.pb && ix < w + g.pr)) cnt++;
          }
        out[(p * oh + y) * ow + xx] = s / cnt;
      }
  return [f32Tensor(dims, out)];
}

/** MatMul (numpy semantics; 1-D operands are not supported): the broadcast batch shape and M, K, N. */
export function matmulShape(x: OpInput): { batch: number[]; m: number; k: number; n: number; dims: number[] } {
  const [a, b] = x.dims;
  if (a.length < 2 || b.length < 2)
    throw new ShapeError(
      `${x.attrs.where}: MatMul of ${JSON.stringify(a)} and ${JSON.stringify(b)}: 1-D operands are not supported`,
    );
  const [m, k] = a.slice(-2);
  const [k2, n] = b.slice(-2);
  if (k !== k2)
    throw new ShapeError(
      `${x.attrs.where}: MatMul inner dimensions differ: ${JSON.stringify(a)} × ${JSON.stringify(b)}`,
    );
  const batch = broadcastDims(a.slice(0, -2), b.slice(0, -2), x.attrs.where);
  return { batch, m, k, n, dims: [...batch, m, n] };
}

function matmulCpu(x: OpInput, [a, b]: readonly HostTensor[]): HostTensor[] {
  const { batch, m, k, n, dims } = matmulShape(x);
  const av = asFloats(a);
  const bv = asFloats(b);
  const sa = broadcastStrides(a.dims.slice(0, -2), batch);
  const sb = broadcastStrides(b.dims.slice(0, -2), batch);
  const out = new Float32Array(numel(dims));
  const coord = new Array<number>(batch.length).fill(0);
  for (let p = 0; p < numel(batch); p++) {
    let oa = 0;
    let ob = 0;
    for (let d = 0; d < batch.length; d++) {
      oa += coord[d] * sa[d];
      ob += coord[d] * sb[d];
    }
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let t = 0; t < k; t++) s += av[oa * m * k + i * k + t] * bv[ob * k * n + t * n + j];
        out[(p * m + i) * n + j] = s;
      }
    for (let d = batch.length - 1; d >= 0; d--) {
      if (++coord[d] < batch[d]) break;
      coord[d] = 0;
    }
  }
  return [f32Tensor(dims, out)];
}

/** Resize (nearest): output shape from scales or sizes, and the source coordinate rule. */
export function resizeShape(x: OpInput): { dims: number[]; scales: number[]; ctm: string; nearest: string } {
  const where = x.attrs.where;
  const mode = x.attrs.str('mode', 'nearest');
  if (mode !== 'nearest') throw new ShapeError(`${where}: Resize mode '${mode}' is not supported (nearest only)`);
  const input = x.dims[0];
  let scales: number[];
  let dims: number[];
  const sizes =
    x.opset >= 11 && x.dims.length > 3 && x.consts[3] && numel(x.consts[3].dims) ? asInts(x.consts[3]) : null;
  if (sizes) {
    dims = sizes;
    scales = sizes.map((s, i) => s / input[i]);
  } else {
    const si = x.opset >= 11 ? 2 : 1;
    const c = x.consts[si];
    if (!c) throw new ShapeError(`${where}: Resize scales must be known at load`);
    scales = Array.from(asFloats(c));
    dims = input.map((d, i) => Math.floor(d * scales[i]));
  }
  const ctm = x.opset >= 11 ? x.attrs.str('coordinate_transformation_mode', 'half_pixel') : 'asymmetric';
  const nearest = x.opset >= 11 ? x.attrs.str('nearest_mode', 'round_prefer_floor') : 'floor';
  if (!['asymmetric', 'half_pixel', 'pytorch_half_pixel', 'align_corners'].includes(ctm))
    throw new ShapeError(`${where}: coordinate_transformation_mode '${ctm}' is not supported`);
  if (!['floor', 'ceil', 'round_prefer_floor', 'round_prefer_ceil'].includes(nearest))
    throw new ShapeError(`${where}: nearest_mode '${nearest}' is not supported`);
  return { dims, scales, ctm, nearest };
}

/** The source index of output index `o` along an axis (nearest mode). */
export function nearestSource(
  o: number,
  inSize: number,
  outSize: number,
  scale: number,
  ctm: string,
  nearest: string,
): number {
  let s: number;
  if (ctm === 'asymmetric') s = o / scale;
  else if (ctm === 'align_corners') s = outSize === 1 ? 0 : (o * (inSize - 1)) / (outSize - 1);
  else if (ctm === 'pytorch_half_pixel') s = outSize > 1 ? (o + 0.5) / scale - 0.5 : 0;
  else s = (o + 0.5) / scale - 0.5;
  let i: number;
  if (nearest === 'floor') i = Math.floor(s);
  else if (nearest === 'ceil') i = Math.ceil(s);
  else if (nearest === 'round_prefer_ceil') i = Math.floor(s + 0.5);
  else i = Math.ceil(s - 0.5);
  return Math.min(inSize - 1, Math.max(0, i));
}

function resizeCpu(x: OpInput, [a]: readonly HostTensor[]): HostTensor[] {
  const { dims, scales, ctm, nearest } = resizeShape(x);
  const maps = dims.map((d, ax) =>
    Array.from({ length: d }, (_v, o) => nearestSource(o, a.dims[ax], d, scales[ax], ctm, nearest)),
  );
  const inStrides = stridesOf(a.dims);
  const v = asFloats(a);
  const out = new Float32Array(numel(dims));
  const coord = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let d = 0; d < dims.length; d++) s += maps[d][coord[d]] * inStrides[d];
    out[i] = v[s];
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++coord[d] < dims[d]) break;
      coord[d] = 0;
    }
  }
  return [f32Tensor(dims, out)];
}

function transposePerm(x: OpInput): number[] {
  const r = x.dims[0].length;
  return x.attrs.ints(
    'perm',
    Array.from({ length: r }, (_v, i) => r - 1 - i),
  );
}

/** Every op the runner knows, by ONNX type. */
export const OPS: ReadonlyMap<string, OpDef> = new Map<string, OpDef>([
  [
    'Constant',
    {
      infer: (x) => [[...x.attrs.tensor('value').dims]],
      cpu: (x) => {
        const t = x.attrs.tensor('value');
        return [[1, 10, 11, 16].includes(t.onnxType) ? f32Tensor(t.dims, t.floats()) : intTensor(t.dims, t.ints())];
      },
    },
  ],
  ['Identity', { infer: (x) => [[...x.dims[0]]], cpu: (_x, [a]) => [a], view: true }],
  ['Shape', { infer: (x) => [[x.dims[0].length]], cpu: (x) => [intTensor([x.dims[0].length], [...x.dims[0]])] }],
  [
    'Cast',
    {
      infer: (x) => [[...x.dims[0]]],
      cpu: (x, [a]) => {
        const to = x.attrs.int('to');
        return [to === 1 || to === 10 || to === 11 ? f32Tensor(a.dims, asFloats(a)) : intTensor(a.dims, asInts(a))];
      },
    },
  ],
  ['Reshape', { infer: (x) => [reshapeDims(x)], cpu: (x, [a]) => [reshapeLike(a, reshapeDims(x))], view: true }],
  [
    'Flatten',
    {
      infer: (x) => {
        const axis = normAxis(x.attrs.int('axis', 1), x.dims[0].length + 1, x.attrs.where);
        return [[numel(x.dims[0].slice(0, axis)), numel(x.dims[0].slice(axis))]];
      },
      cpu: (x, [a]) => [reshapeLike(a, OPS.get('Flatten')!.infer(x)[0])],
      view: true,
    },
  ],
  [
    'Squeeze',
    {
      infer: (x) => {
        const axes = squeezeAxes(x);
        return [x.dims[0].filter((_d, i) => !axes.includes(i))];
      },
      cpu: (x, [a]) => [reshapeLike(a, OPS.get('Squeeze')!.infer(x)[0])],
      view: true,
    },
  ],
  ['Unsqueeze', { infer: (x) => [unsqueezeDims(x)], cpu: (x, [a]) => [reshapeLike(a, unsqueezeDims(x))], view: true }],
  [
    'Slice',
    {
      infer: (x) => [sliceParams(x).dims],
      cpu: (x, [a]) => {
        const { starts, steps, dims } = sliceParams(x);
        const s = stridesOf(a.dims);
        return [
          stridedCopy(
            a,
            dims,
            s.map((v, i) => v * steps[i]),
            starts.reduce((acc, st, i) => acc + st * s[i], 0),
          ),
        ];
      },
    },
  ],
  [
    'Gather',
    {
      infer: (x) => {
        const axis = normAxis(x.attrs.int('axis', 0), x.dims[0].length, x.attrs.where);
        return [[...x.dims[0].slice(0, axis), ...x.dims[1], ...x.dims[0].slice(axis + 1)]];
      },
      cpu: gatherCpu,
    },
  ],
  ['Concat', { infer: (x) => [concatDims(x)], cpu: concatCpu }],
  [
    'Transpose',
    {
      infer: (x) => [transposePerm(x).map((p) => x.dims[0][p])],
      cpu: (x, [a]) => {
        const perm = transposePerm(x);
        const s = stridesOf(a.dims);
        return [
          stridedCopy(
            a,
            perm.map((p) => a.dims[p]),
            perm.map((p) => s[p]),
            0,
          ),
        ];
      },
    },
  ],
  ...Object.keys(BINARY).map((op): [string, OpDef] => [op, binaryDef(op)]),
  ...Object.keys(UNARY)
    .filter((op) => op !== 'Identity')
    .map((op): [string, OpDef] => [op, unaryDef(op)]),
  ['Softmax', { infer: (x) => [[...x.dims[0]]], cpu: softmaxCpu }],
  ['ReduceMean', { infer: (x) => [reduceShape(x).dims], cpu: reduceMeanCpu }],
  [
    'GlobalAveragePool',
    {
      infer: (x) => [[x.dims[0][0], x.dims[0][1], ...x.dims[0].slice(2).map(() => 1)]],
      cpu: (x, [a]) => {
        const inner = numel(a.dims.slice(2));
        const v = asFloats(a);
        const out = new Float32Array(a.dims[0] * a.dims[1]);
        for (let p = 0; p < out.length; p++) {
          let s = 0;
          for (let k = 0; k < inner; k++) s += v[p * inner + k];
          out[p] = s / inner;
        }
        return [f32Tensor(OPS.get('GlobalAveragePool')!.infer(x)[0], out)];
      },
    },
  ],
  ['AveragePool', { infer: (x) => [poolShape(x).dims], cpu: avgPoolCpu }],
  ['BatchNormalization', { infer: (x) => [[...x.dims[0]]], cpu: batchNormCpu }],
  ['Conv', { infer: (x) => [convShape(x).dims], cpu: convCpu }],
  ['ConvTranspose', { infer: (x) => [convTransposeShape(x).dims], cpu: convTransposeCpu }],
  ['MatMul', { infer: (x) => [matmulShape(x).dims], cpu: matmulCpu }],
  ['Resize', { infer: (x) => [resizeShape(x).dims], cpu: resizeCpu }],
]);
