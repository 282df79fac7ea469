/**
 * Calibrated weight-only quantization of the OCR recogniser: each linear layer's input covariance Σ_X
 * is collected by running the f32 model on calibration lines with the layer inputs exposed as extra
 * graph outputs, then every linear weight is quantized by WaterSIC or GPTQ (src/weightonly/) for its
 * own Σ_X and swapped into the model.
 */
import { InternalError } from '../errors.js';
import {
  addGraphOutputs,
  fromWeightMatrix,
  onnxNodes,
  patchOnnxFloats,
  readOnnxWeights,
  weightMatrix,
} from '../io/onnx.js';
import type { Matrix } from '../matrix.js';
import { CovarianceAccumulator } from '../weightonly/calibration.js';
import { quantizeWeightOnly, type WeightOnlyMethod } from '../weightonly/watersic.js';
import { linearWeights } from './ocr.js';

export interface LinearLayer {
  weight: string;
  /** Name of the activation the layer multiplies. */
  input: string;
  op: 'MatMul' | 'Conv';
}

/** The activation input of every linear weight (MatMul(x, W) and 1×1 Conv(x, W)). */
export function linearLayers(bytes: Uint8Array): LinearLayer[] {
  const weights = new Set(linearWeights(readOnnxWeights(bytes)).map((t) => t.name));
  const layers: LinearLayer[] = [];
  for (const n of onnxNodes(bytes)) {
    if ((n.op === 'MatMul' || n.op === 'Conv') && weights.has(n.inputs[1]))
      layers.push({ weight: n.inputs[1], input: n.inputs[0], op: n.op });
  }
  return layers;
}

/** The model with every layer input exposed as a graph output. */
export function withLayerInputs(bytes: Uint8Array, layers: readonly LinearLayer[]): Uint8Array {
  return addGraphOutputs(bytes, [...new Set(layers.map((l) => l.input))]);
}

/**
 * An activation tensor as rows of the layer's input dimension: MatMul [..., C]; Conv [B, C, H, W] → B·H·W rows of C.
 */
function activationRows(op: LinearLayer['op'], dims: readonly number[], data: Float32Array): Matrix {
  if (op === 'MatMul') {
    const C = dims[dims.length - 1];
    return { rows: data.length / C, cols: C, data };
  }
  const [B, C, H, W] = dims;
  const out = new Float32Array(B * C * H * W);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++)
      for (let p = 0; p < H * W; p++) out[(b * H * W + p) * C + c] = data[(b * C + c) * H * W + p];
  return { rows: B * H * W, cols: C, data: out };
}

/** Accumulates Σ_X per layer from one run's outputs (name → dims and data). */
export function accumulateLayerInputs(
  acc: Map<string, CovarianceAccumulator>,
  layers: readonly LinearLayer[],
  outputs: ReadonlyMap<string, { dims: readonly number[]; data: Float32Array }>,
): void {
  for (const l of layers) {
    const t = outputs.get(l.input);
    if (!t) throw new InternalError(`layer ${l.weight}: the run did not return its input ${l.input}`);
    const x = activationRows(l.op, t.dims, t.data);
    let a = acc.get(l.weight);
    if (!a) acc.set(l.weight, (a = new CovarianceAccumulator(x.cols)));
    a.add(x);
  }
}

export interface CalibratedLayer {
  name: string;
  rows: number;
  cols: number;
  /** Coded bits of the codes and side information per entry. */
  codedBits: number;
  totalBits: number;
  /** ‖W − Ŵ‖²/‖W‖² and the Σ_X-weighted error relative to tr(WΣWᵀ). */
  nmse: number;
  wnmse: number;
}

/** The model with every linear weight quantized for its Σ_X by WaterSIC or GPTQ at `rate` bits of code entropy. */
export function quantizeOcrModelCalibrated(
  bytes: Uint8Array,
  sigmas: ReadonlyMap<string, CovarianceAccumulator>,
  rate: number,
  method: WeightOnlyMethod,
  onLayer?: (name: string) => void,
): { bytes: Uint8Array; layers: CalibratedLayer[] } {
  const tensors = readOnnxWeights(bytes);
  const values = new Map<string, Float32Array>();
  const layers: CalibratedLayer[] = [];
  for (const t of linearWeights(tensors)) {
    onLayer?.(t.name);
    const w = weightMatrix(t);
    const acc = sigmas.get(t.name);
    if (!acc) throw new InternalError(`no calibration statistics for ${t.name}`);
    const S = acc.covariance();
    const W = Float64Array.from(w.data);
    const r = quantizeWeightOnly(W, w.rows, w.cols, S, rate, method);
    let err = 0;
    let energy = 0;
    for (let i = 0; i < W.length; i++) {
      err += (W[i] - r.What[i]) ** 2;
      energy += W[i] ** 2;
    }
    let wEnergy = 0;
    const n = w.cols;
    for (let row = 0; row < w.rows; row++) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += S[i * n + j] * W[row * n + j];
        wEnergy += W[row * n + i] * s;
      }
    }
    values.set(t.name, fromWeightMatrix(t, { rows: w.rows, cols: w.cols, data: Float32Array.from(r.What) }));
    layers.push({
      name: t.name,
      rows: w.rows,
      cols: w.cols,
      codedBits: r.codedBits,
      totalBits: r.totalBits,
      nmse: err / energy,
      wnmse: (r.wmse * w.rows * n) / wEnergy,
    });
  }
  return { bytes: patchOnnxFloats(bytes, tensors, values), layers };
}
