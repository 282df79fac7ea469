/**
 * The input files of `wqe ocr` and `wqe run`: PNG decoding (every colour type and bit depth, all five
 * scanline filters, against images encoded here) and .npy / raw f32 tensors, with their errors.
 */
import { deflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { CorruptFileError, ShapeError } from '../src/errors.js';
import { crc32 } from '../src/io/crc32.js';
import { decodePng } from '../src/node/png.js';
import { readNpy, readRawF32 } from '../src/node/tensor-file.js';
import type { Rng } from '../src/reference/random.js';
import { seededRng } from './seed.js';

function chunk(name: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = name.charCodeAt(i);
  out.set(body, 8);
  v.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * A PNG of random samples (`samples` per row, packed at `depth` bits), each row with filter (row mod 5)
 * applied as an encoder would; returns the bytes and the unfiltered rows.
 */
function encodePng(
  rng: Rng,
  w: number,
  h: number,
  type: number,
  depth: number,
  extra: Uint8Array[] = [],
): { png: Uint8Array; rows: Uint8Array } {
  const stride = Math.ceil((w * CHANNELS[type] * depth) / 8);
  const bpp = Math.max(1, (CHANNELS[type] * depth) >> 3);
  const rows = Uint8Array.from({ length: h * stride }, () => rng.int(0, 255));
  if (depth < 8) {
    // keep palette indices below the palette size (4 entries) for type 3
    const mask = type === 3 ? [0, 0x55, 0x55, 0, 0x55][Math.min(depth, 4)] || 0x55 : 0xff;
    for (let i = 0; i < rows.length; i++) rows[i] &= mask;
  }
  const raw = new Uint8Array(h * (stride + 1));
  for (let y = 0; y < h; y++) {
    const f = y % 5;
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const x = rows[y * stride + i];
      const a = i >= bpp ? rows[y * stride + i - bpp] : 0;
      const b = y > 0 ? rows[(y - 1) * stride + i] : 0;
      const c = i >= bpp && y > 0 ? rows[(y - 1) * stride + i - bpp] : 0;
      const pa = Math.abs(b - c);
      const pb = Math.abs(a - c);
      const pc = Math.abs(a + b - 2 * c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f];
      raw[y * (stride + 1) + 1 + i] = (x - pred) & 255;
    }
  }
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, w);
  new DataView(ihdr.buffer).setUint32(4, h);
  ihdr.set([depth, type, 0, 0, 0], 8);
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...extra,
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array()),
  ];
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    png.set(p, at);
    at += p.length;
  }
  return { png, rows };
}

describe('PNG', () => {
  test('RGB, RGBA, grey, grey+alpha at 8 bits and RGB at 16: pixels exact through all five filters', () => {
    const rng = seededRng();
    for (const [type, depth] of [
      [2, 8],
      [6, 8],
      [0, 8],
      [4, 8],
      [2, 16],
    ]) {
      const w = 13;
      const h = 11;
      const { png, rows } = encodePng(rng, w, h, type, depth);
      const img = decodePng(png);
      expect([img.width, img.height]).toEqual([w, h]);
      const bytes = depth / 8;
      const stride = w * CHANNELS[type] * bytes;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const s = (c: number) => rows[y * stride + (x * CHANNELS[type] + c) * bytes];
          const want =
            type === 2
              ? [s(0), s(1), s(2), 255]
              : type === 6
                ? [s(0), s(1), s(2), s(3)]
                : type === 0
                  ? [s(0), s(0), s(0), 255]
                  : [s(0), s(0), s(0), s(1)];
          expect(
            Array.from(img.data.subarray(4 * (y * w + x), 4 * (y * w + x) + 4)),
            `type ${type} (${x},${y})`,
          ).toEqual(want);
        }
    }
  });

  test('1-bit grey scales to 0/255; 2-bit palette with transparency', () => {
    const rng = seededRng();
    const grey = encodePng(rng, 19, 3, 0, 1);
    const g = decodePng(grey.png);
    for (let x = 0; x < 19; x++) {
      const bit = (grey.rows[Math.floor(x / 8)] >> (7 - (x % 8))) & 1;
      expect(g.data[4 * x]).toBe(bit * 255);
    }
    const plte = chunk('PLTE', Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]));
    const trns = chunk('tRNS', Uint8Array.from([0, 128]));
    const pal = encodePng(rng, 9, 4, 3, 2, [plte, trns]);
    const p = decodePng(pal.png);
    for (let y = 0; y < 4; y++)
      for (let x = 0; x < 9; x++) {
        const stride = Math.ceil(18 / 8);
        const i = (pal.rows[y * stride + (x >> 2)] >> (6 - 2 * (x % 4))) & 3;
        expect(Array.from(p.data.subarray(4 * (y * 9 + x), 4 * (y * 9 + x) + 4))).toEqual([
          10 + 30 * i,
          20 + 30 * i,
          30 + 30 * i,
          i < 2 ? [0, 128][i] : 255,
        ]);
      }
  });

  test('not a PNG, a flipped bit, an interlaced or cut file: CorruptFileError naming what and where', () => {
    const rng = seededRng();
    const { png } = encodePng(rng, 8, 8, 2, 8);
    expect(() => decodePng(Uint8Array.from([1, 2, 3]), 'a.png')).toThrow(/a\.png: not a PNG file/);
    const flipped = png.slice();
    flipped[45] ^= 4; // inside IDAT's data (the chunk starts at byte 33)
    expect(() => decodePng(flipped, 'a.png')).toThrow(CorruptFileError);
    expect(() => decodePng(flipped, 'a.png')).toThrow(/fails its CRC \(reading chunk IDAT at byte 33\)/);
    const interlaced = encodePng(rng, 8, 8, 2, 8).png;
    interlaced[28] = 1; // IHDR's interlace byte; fix its CRC
    new DataView(interlaced.buffer).setUint32(29, crc32(interlaced.subarray(12, 29)));
    expect(() => decodePng(interlaced)).toThrow(/interlaced \(Adam7\) PNGs are not supported/);
    expect(() => decodePng(png.subarray(0, 50))).toThrow(/runs past the end of the file/);
  });
});

function npy(descr: string, shape: number[], data: ArrayBufferView, version = 1, fortran = false): Uint8Array {
  const dims = `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${dims}, }`;
  const pre = version === 1 ? 10 : 12;
  header += `${' '.repeat(63 - ((pre + header.length) % 64))}\n`;
  const out = new Uint8Array(pre + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const v = new DataView(out.buffer);
  if (version === 1) v.setUint16(8, header.length, true);
  else v.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), pre);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pre + header.length);
  return out;
}

describe('.npy and raw f32 inputs', () => {
  test('f4, f8, i8 in versions 1 and 2 read to f32 with their shape', () => {
    const rng = seededRng();
    const f = Float32Array.from({ length: 24 }, () => rng.normal());
    expect(readNpy(npy('<f4', [2, 3, 4], f))).toEqual({ dims: [2, 3, 4], data: f });
    const d = Float64Array.from(f);
    expect(readNpy(npy('<f8', [24], d, 2))).toEqual({ dims: [24], data: f });
    const i = BigInt64Array.from({ length: 6 }, () => BigInt(rng.int(-1000, 1000)));
    expect(readNpy(npy('<i8', [3, 2], i)).data).toEqual(Float32Array.from(i, Number));
    expect(readRawF32(new Uint8Array(f.buffer), [4, 6])).toEqual({ dims: [4, 6], data: f });
  });

  test('Fortran order, an unknown dtype, a short file, a wrong .bin size: typed one-line errors', () => {
    const f = new Float32Array(6);
    expect(() => readNpy(npy('<f4', [2, 3], f, 1, true), 'x.npy')).toThrow(/x\.npy: Fortran-order arrays/);
    expect(() => readNpy(npy('>f4', [2, 3], f))).toThrow(/dtype '>f4' is not one of/);
    expect(() => readNpy(npy('<f4', [2, 4], f))).toThrow(CorruptFileError);
    expect(() => readNpy(npy('<f4', [2, 4], f))).toThrow(/24 bytes of data for shape \(2, 4\) of <f4, expected 32/);
    expect(() => readRawF32(new Uint8Array(20), [1, 6], 'x.bin')).toThrow(ShapeError);
    expect(() => readRawF32(new Uint8Array(20), [1, 6], 'x.bin')).toThrow(/x\.bin: 20 bytes, expected 24/);
  });
});
