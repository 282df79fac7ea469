/**
 * RGBA images for the OCR pipeline, on the CPU: a rectangle cut out and resized bilinearly in one pass
 * (detector input, line crops), and the checks that make a bad image a clear error.
 */
import { ShapeError } from '../../errors.js';

/** 8-bit RGBA pixels, row-major (an ImageData, a decoded PNG). */
export interface RgbaImage {
  readonly data: Uint8ClampedArray | Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** An axis-aligned rectangle in pixels (may be fractional). */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Throws a ShapeError naming what is wrong with `img` (size, byte count). */
export function checkImage(img: RgbaImage, what = 'image'): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new ShapeError(`${what}: size ${width}×${height} is not a positive whole number of pixels`);
  if (data.length !== width * height * 4)
    throw new ShapeError(`${what}: ${data.length} bytes for ${width}×${height} RGBA (expected ${width * height * 4})`);
}

/**
 * The part `box` of `img` resized to `w`×`h` (bilinear, pixel centres aligned as image resizers do;
 * outside the image the edge pixel repeats). Returns RGBA.
 */
export function resizeRegion(img: RgbaImage, box: Box, w: number, h: number): RgbaImage {
  if (!(w >= 1 && h >= 1 && Number.isInteger(w) && Number.isInteger(h)))
    throw new ShapeError(`resize: target size ${w}×${h} is not a positive whole number of pixels`);
  const out = new Uint8ClampedArray(w * h * 4);
  const sx = box.w / w;
  const sy = box.h / h;
  const clampX = (v: number) => Math.min(img.width - 1, Math.max(0, v));
  const clampY = (v: number) => Math.min(img.height - 1, Math.max(0, v));
  const src = img.data;
  for (let y = 0; y < h; y++) {
    const fy = box.y + (y + 0.5) * sy - 0.5;
    const y0 = Math.floor(fy);
    const ty = fy - y0;
    const r0 = clampY(y0) * img.width;
    const r1 = clampY(y0 + 1) * img.width;
    for (let x = 0; x < w; x++) {
      const fx = box.x + (x + 0.5) * sx - 0.5;
      const x0 = Math.floor(fx);
      const tx = fx - x0;
      const c0 = clampX(x0);
      const c1 = clampX(x0 + 1);
      const o = 4 * (y * w + x);
      for (let c = 0; c < 4; c++) {
        const top = src[4 * (r0 + c0) + c] * (1 - tx) + src[4 * (r0 + c1) + c] * tx;
        const bottom = src[4 * (r1 + c0) + c] * (1 - tx) + src[4 * (r1 + c1) + c] * tx;
        out[o + c] = top * (1 - ty) + bottom * ty;
      }
    }
  }
  return { data: out, width: w, height: h };
}
