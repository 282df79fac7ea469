/**
 * PNG decoding to RGBA for `wqe ocr` (no image library in Node): chunks checked by CRC, IDAT inflated
 * with node:zlib, the five scanline filters undone, then every colour type at 8 bits (and 16 bits, by its
 * high byte; 1/2/4-bit grey and palette) widened to RGBA. Interlaced (Adam7) images are refused.
 * docs/ocr.md cites the PNG specification's sections used.
 */
import { inflateSync } from 'node:zlib';
import { CorruptFileError } from '../errors.js';
import { crc32 } from '../io/crc32.js';
import type { RgbaImage } from '../model/ocr/image.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel for each colour type (0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Decodes a PNG file's bytes to RGBA; `what` names the file in errors. */
export function decodePng(bytes: Uint8Array, what = 'PNG image'): RgbaImage {
  let at = 8;
  let field = 'signature';
  const fail = (msg: string): never => {
    throw new CorruptFileError(what, field, at, msg);
  };
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b))
    fail('not a PNG file (its first 8 bytes are not the PNG signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  let depth = 0;
  let type = -1;
  let palette: Uint8Array | null = null;
  let transparency: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (at < bytes.length && !ended) {
    if (at + 12 > bytes.length) fail('a chunk is cut short');
    const length = view.getUint32(at);
    const name = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    field = `chunk ${name}`;
    if (at + 12 + length > bytes.length) fail('the chunk runs past the end of the file');
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length))
      fail('the chunk fails its CRC');
    if (name === 'IHDR') {
      if (length !== 13) fail(`IHDR has ${length} bytes, expected 13`);
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      depth = body[8];
      type = body[9];
      if (body[12] !== 0) fail('interlaced (Adam7) PNGs are not supported; save it without interlacing');
      if (!(type in CHANNELS)) fail(`colour type ${type} is not a PNG colour type`);
      if (![1, 2, 4, 8, 16].includes(depth) || (type !== 0 && type !== 3 && depth < 8))
        fail(`bit depth ${depth} is not allowed for colour type ${type}`);
      if (width < 1 || height < 1 || width * height > 1 << 28) fail(`size ${width}×${height} is out of range`);
    } else if (name === 'PLTE') palette = body.slice();
    else if (name === 'tRNS') transparency = body.slice();
    else if (name === 'IDAT') idat.push(body);
    else if (name === 'IEND') ended = true;
    at += 12 + length;
  }
  field = 'pixel data';
  if (type < 0) fail('no IHDR chunk');
  if (!idat.length) fail('no IDAT chunk (no pixels)');
  if (type === 3 && !palette) fail('a palette image without a PLTE chunk');
  let raw: Uint8Array;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (e) {
    return fail(`its pixel data does not inflate (${(e as Error).message})`);
  }
  const channels = CHANNELS[type];
  const bitsPerPixel = channels * depth;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  if (raw.length < height * (stride + 1))
    fail(`pixel data has ${raw.length} bytes, ${height * (stride + 1)} expected for ${width}×${height}`);
  const rows = unfilter(raw, height, stride, Math.max(1, bitsPerPixel >> 3), fail);
  return { data: toRgba(rows, width, height, stride, type, depth, palette, transparency), width, height };
}

/** Undoes the per-row filters (None, Sub, Up, Average, Paeth) in place of a copy. */
function unfilter(
  raw: Uint8Array,
  height: number,
  stride: number,
  bpp: number,
  fail: (m: string) => never,
): Uint8Array {
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? out.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? row[i - bpp] : 0;
      const b = up[i];
      const c = i >= bpp ? up[i - bpp] : 0;
      let p: number;
      if (filter === 0) p = 0;
      else if (filter === 1) p = a;
      else if (filter === 2) p = b;
      else if (filter === 3) p = (a + b) >> 1;
      else if (filter === 4) {
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else return fail(`row ${y} has filter type ${filter} (0 to 4 exist)`);
      row[i] = (src[i] + p) & 255;
    }
  }
  return out;
}

function toRgba(
  rows: Uint8Array,
  width: number,
  height: number,
  stride: number,
  type: number,
  depth: number,
  palette: Uint8Array | null,
  transparency: Uint8Array | null,
): Uint8ClampedArray {
  const channels = CHANNELS[type];
  const out = new Uint8ClampedArray(4 * width * height);
  // Sample k of a row: 16-bit keeps the high byte; below 8 bits, grey is scaled to 0…255 and indices stay.
  const sample = (row: number, k: number): number => {
    const base = row * stride;
    if (depth === 8) return rows[base + k];
    if (depth === 16) return rows[base + 2 * k];
    const bit = k * depth;
    return (rows[base + (bit >> 3)] >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const greyScale = depth < 8 ? 255 / ((1 << depth) - 1) : 1;
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const o = 4 * (y * width + x);
      const s = (c: number) => sample(y, x * channels + c);
      if (type === 3) {
        const i = s(0);
        out[o] = palette![3 * i] ?? 0;
        out[o + 1] = palette![3 * i + 1] ?? 0;
        out[o + 2] = palette![3 * i + 2] ?? 0;
        out[o + 3] = transparency?.[i] ?? 255;
      } else if (type === 0 || type === 4) {
        const g = s(0) * (type === 0 ? greyScale : 1);
        out[o] = out[o + 1] = out[o + 2] = g;
        out[o + 3] = type === 4 ? s(1) : 255;
      } else {
        out[o] = s(0);
        out[o + 1] = s(1);
        out[o + 2] = s(2);
        out[o + 3] = type === 6 ? s(3) : 255;
      }
    }
  return out;
}
