/**
 * PP-OCRv4's text detector (DB, "differentiable binarisation") around the network, on the CPU: the page
 * resized to a multiple of 32 and normalised as the model was trained, and its probability map turned into
 * text boxes — threshold, connected components, a score per box, the "unclip" expansion that undoes the
 * shrinking of the training targets, and reading order. Boxes are axis-aligned (pages at 0°): the
 * docs/ocr.md section "Detector post-processing" gives the formulas.
 */
import { ShapeError } from '../../errors.js';
import { type Box, checkImage, type RgbaImage, resizeRegion } from './image.js';

/** A detected text box in the page's pixels, with the mean text probability inside it. */
export interface TextBox extends Box {
  readonly score: number;
}

/** The detector's post-processing parameters (defaults: PP-OCR's). */
export interface DetectOptions {
  /** Pixels with probability above this are text (0.3). */
  readonly threshold?: number;
  /** A box is kept when the mean probability inside it is at least this (0.6). */
  readonly boxThreshold?: number;
  /** Expansion: each side moves out by area·ratio / perimeter (1.5). */
  readonly unclipRatio?: number;
  /** Boxes whose shorter side is below this many map pixels are noise (3). */
  readonly minSize?: number;
  /** At most this many components are considered, largest first (1000). */
  readonly maxCandidates?: number;
}

/** ImageNet statistics, applied to the B, G, R planes in that order (the model was trained on BGR images). */
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/**
 * The detector's input size for a `width`×`height` page: scaled down so its longer side is at most
 * `maxSide`, each side then rounded to a multiple of 32 (the network downsamples 32×), at least 32.
 */
export function detectorSize(width: number, height: number, maxSide = 960): { width: number; height: number } {
  if (!(maxSide >= 32)) throw new ShapeError(`detector: maxSide ${maxSide} is below 32`);
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const round32 = (v: number) => Math.max(32, Math.round((v * scale) / 32) * 32);
  return { width: round32(width), height: round32(height) };
}

/** The page resized to `width`×`height` as the detector's input [1, 3, height, width]. */
export function detectorInput(img: RgbaImage, width: number, height: number): Float32Array {
  checkImage(img, 'detector input');
  const small = resizeRegion(img, { x: 0, y: 0, w: img.width, h: img.height }, width, height);
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const src = 2 - c; // B, G, R
    for (let i = 0; i < plane; i++) out[c * plane + i] = (small.data[4 * i + src] / 255 - MEAN[c]) / STD[c];
  }
  return out;
}

interface Component {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  pixels: number;
}

/** 8-connected components of `mask` (row-major, `width` wide), each as its bounding box and pixel count. */
export function components(mask: Uint8Array, width: number, height: number): Component[] {
  if (mask.length !== width * height) throw new ShapeError(`components: ${mask.length} cells for ${width}×${height}`);
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  const out: Component[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    const c = { x0: width, y0: height, x1: -1, y1: -1, pixels: 0 };
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const p = stack[--top];
      const x = p % width;
      const y = (p - x) / width;
      c.pixels++;
      if (x < c.x0) c.x0 = x;
      if (x > c.x1) c.x1 = x;
      if (y < c.y0) c.y0 = y;
      if (y > c.y1) c.y1 = y;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const q = yy * width + xx;
          if (mask[q] && !seen[q]) {
            seen[q] = 1;
            stack[top++] = q;
          }
        }
      }
    }
    out.push(c);
  }
  return out;
}

/**
 * Text boxes from the detector's probability map (`width`×`height`, values in [0, 1]) in map pixels:
 * components of the thresholded map; a box's score is the mean probability over its rectangle; kept boxes
 * grow by d = area·unclipRatio / perimeter on every side (the offset of a rectangle by d, whose bounding
 * rectangle is what the recogniser needs) and are clipped to the map.
 */
export function textBoxes(prob: Float32Array, width: number, height: number, options: DetectOptions = {}): TextBox[] {
  if (prob.length !== width * height)
    throw new ShapeError(`textBoxes: ${prob.length} probabilities for a ${width}×${height} map`);
  const { threshold = 0.3, boxThreshold = 0.6, unclipRatio = 1.5, minSize = 3, maxCandidates = 1000 } = options;
  const mask = new Uint8Array(prob.length);
  for (let i = 0; i < prob.length; i++) mask[i] = prob[i] > threshold ? 1 : 0;
  const found = components(mask, width, height)
    .sort((a, b) => b.pixels - a.pixels)
    .slice(0, maxCandidates);
  const boxes: TextBox[] = [];
  for (const c of found) {
    const w = c.x1 - c.x0 + 1;
    const h = c.y1 - c.y0 + 1;
    if (Math.min(w, h) < minSize) continue;
    let sum = 0;
    for (let y = c.y0; y <= c.y1; y++) for (let x = c.x0; x <= c.x1; x++) sum += prob[y * width + x];
    const score = sum / (w * h);
    if (score < boxThreshold) continue;
    const d = (w * h * unclipRatio) / (2 * (w + h));
    if (Math.min(w, h) + 2 * d < minSize + 2) continue;
    const x0 = Math.max(0, c.x0 - d);
    const y0 = Math.max(0, c.y0 - d);
    const x1 = Math.min(width, c.x1 + 1 + d);
    const y1 = Math.min(height, c.y1 + 1 + d);
    boxes.push({ x: x0, y: y0, w: x1 - x0, h: y1 - y0, score });
  }
  return boxes;
}

/** `boxes` scaled by (sx, sy), e.g. from the detector's map to the page. */
export function scaleBoxes(boxes: readonly TextBox[], sx: number, sy: number): TextBox[] {
  return boxes.map((b) => ({ x: b.x * sx, y: b.y * sy, w: b.w * sx, h: b.h * sy, score: b.score }));
}

/**
 * Reading order for a page at 0°: boxes whose vertical extents overlap by more than half the shorter
 * height share a row; rows top to bottom, boxes in a row left to right.
 */
export function readingOrder<T extends Box>(boxes: readonly T[]): T[] {
  const byTop = [...boxes].sort((a, b) => a.y - b.y || a.x - b.x);
  const rows: T[][] = [];
  for (const b of byTop) {
    const row = rows.find((r) =>
      r.some((o) => Math.min(o.y + o.h, b.y + b.h) - Math.max(o.y, b.y) > 0.5 * Math.min(o.h, b.h)),
    );
    if (row) row.push(b);
    else rows.push([b]);
  }
  return rows.flatMap((r) => r.sort((a, b) => a.x - b.x));
}
