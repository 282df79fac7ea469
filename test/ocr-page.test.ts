/**
 * Full-page OCR around the networks (src/model/ocr/): the detector's input size and normalisation, text
 * boxes from a probability map (components, score, unclip), reading order, crops for the recogniser, and
 * the demo's character diff. The networks themselves run in kernels-test/ocr.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { markDifferences } from '../demo/ocr-view.js';
import { ShapeError } from '../src/errors.js';
import { components, detectorInput, detectorSize, readingOrder, textBoxes } from '../src/model/ocr/detect.js';
import { resizeRegion, type RgbaImage } from '../src/model/ocr/image.js';
import { OCR_HEIGHT, ocrInput, recogniserInput } from '../src/model/ocr/recognise.js';
import { seededRng } from './seed.js';

/** A w×h RGBA image whose red channel is f(x, y) (green = 255 − red, blue = x, alpha 255). */
function image(w: number, h: number, f: (x: number, y: number) => number): RgbaImage {
  const data = new Uint8ClampedArray(4 * w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = 4 * (y * w + x);
      data[o] = f(x, y);
      data[o + 1] = 255 - f(x, y);
      data[o + 2] = x;
      data[o + 3] = 255;
    }
  return { data, width: w, height: h };
}

describe('detector pre-processing', () => {
  test('input size: longer side capped, both sides multiples of 32, at least 32', () => {
    expect(detectorSize(1000, 600)).toEqual({ width: 960, height: 576 });
    expect(detectorSize(600, 1000, 640)).toEqual({ width: 384, height: 640 });
    expect(detectorSize(100, 50)).toEqual({ width: 96, height: 64 });
    expect(detectorSize(10, 3)).toEqual({ width: 32, height: 32 });
    expect(() => detectorSize(100, 100, 16)).toThrow(ShapeError);
  });

  test('input planes are B, G, R with ImageNet mean and deviation; a bad image is a ShapeError', () => {
    const rng = seededRng();
    const [r, g, b] = [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
    const data = new Uint8ClampedArray(4 * 40 * 20);
    for (let i = 0; i < 40 * 20; i++) data.set([r, g, b, 255], 4 * i);
    const x = detectorInput({ data, width: 40, height: 20 }, 64, 32);
    expect(x).toHaveLength(3 * 64 * 32);
    const plane = 64 * 32;
    expect(x[5]).toBeCloseTo((b / 255 - 0.485) / 0.229, 5);
    expect(x[plane + 7]).toBeCloseTo((g / 255 - 0.456) / 0.224, 5);
    expect(x[2 * plane + 9]).toBeCloseTo((r / 255 - 0.406) / 0.225, 5);
    expect(() => detectorInput({ data: data.subarray(4), width: 40, height: 20 }, 64, 32)).toThrow(
      /3196 bytes for 40×20 RGBA/,
    );
  });
});

describe('text boxes from the probability map', () => {
  test('8-connected components: a diagonal chain is one, separate blobs are separate', () => {
    const w = 12;
    const mask = new Uint8Array(w * 8);
    for (let i = 0; i < 5; i++) mask[i * w + i] = 1; // diagonal from (0,0) to (4,4)
    for (let y = 1; y < 3; y++) for (let x = 8; x < 11; x++) mask[y * w + x] = 1;
    mask[7 * w + 11] = 1;
    const c = components(mask, w, 8).sort((a, b) => b.pixels - a.pixels);
    expect(c).toEqual([
      { x0: 8, y0: 1, x1: 10, y1: 2, pixels: 6 },
      { x0: 0, y0: 0, x1: 4, y1: 4, pixels: 5 },
      { x0: 11, y0: 7, x1: 11, y1: 7, pixels: 1 },
    ]);
  });

  test('boxes: kept by size and mean probability, grown by area·1.5/perimeter, clipped to the map', () => {
    const rng = seededRng();
    const w = 160;
    const h = 60;
    const prob = Float32Array.from({ length: w * h }, () => rng.uniform() * 0.2); // background below 0.3
    const fill = (x0: number, y0: number, bw: number, bh: number, p: number) => {
      for (let y = y0; y < y0 + bh; y++) for (let x = x0; x < x0 + bw; x++) prob[y * w + x] = p + rng.uniform() * 0.05;
    };
    fill(20, 10, 100, 10, 0.9); // a line
    fill(2, 40, 40, 8, 0.8); // a line near the left edge: its growth is clipped at x = 0
    fill(130, 40, 20, 2, 0.95); // 2 px high: below minSize 3
    fill(60, 40, 30, 10, 0.35); // above the threshold, mean below 0.6
    const boxes = textBoxes(prob, w, h);
    expect(boxes).toHaveLength(2);
    const [a, b] = boxes.sort((p, q) => p.y - q.y);
    const d1 = (100 * 10 * 1.5) / (2 * 110);
    expect(a.x).toBeCloseTo(20 - d1, 5);
    expect(a.y).toBeCloseTo(10 - d1, 5);
    expect(a.w).toBeCloseTo(100 + 2 * d1, 5);
    expect(a.h).toBeCloseTo(10 + 2 * d1, 5);
    expect(a.score).toBeGreaterThan(0.9);
    expect(a.score).toBeLessThan(0.95);
    const d2 = (40 * 8 * 1.5) / (2 * 48);
    expect(b.x).toBe(0);
    expect(b.w).toBeCloseTo(42 + d2, 5);
    expect(b.y + b.h).toBeCloseTo(Math.min(h, 48 + d2), 5);
    expect(() => textBoxes(prob.subarray(1), w, h)).toThrow(ShapeError);
  });

  test('reading order: rows top to bottom (jittered heights), left to right within a row', () => {
    const rng = seededRng();
    const truth: { x: number; y: number; w: number; h: number; id: number }[] = [];
    for (let row = 0; row < 5; row++)
      for (let col = 0; col < 3; col++)
        truth.push({
          x: 10 + 150 * col,
          y: 40 * row + rng.uniform() * 8,
          w: 120,
          h: 28 + rng.uniform() * 6,
          id: truth.length,
        });
    const shuffled = [...truth].sort(() => rng.uniform() - 0.5);
    expect(readingOrder(shuffled).map((b) => b.id)).toEqual(truth.map((b) => b.id));
  });
});

describe('crops and resizing', () => {
  test('bilinear resize: identity is exact, a linear ramp stays linear, constant stays constant', () => {
    const rng = seededRng();
    const img = image(37, 23, () => rng.int(0, 255));
    expect(resizeRegion(img, { x: 0, y: 0, w: 37, h: 23 }, 37, 23).data).toEqual(img.data);
    const ramp = image(64, 8, (x) => 2 * x + 40);
    const half = resizeRegion(ramp, { x: 0, y: 0, w: 64, h: 8 }, 32, 4);
    for (let x = 0; x < 32; x++) expect(half.data[4 * x]).toBe(Math.round(2 * (2 * x + 0.5) + 40));
    const flat = resizeRegion(
      image(50, 50, () => 77),
      { x: 3.5, y: 4.25, w: 20, h: 9 },
      13,
      7,
    );
    for (let i = 0; i < flat.data.length; i += 4) expect(flat.data[i]).toBe(77);
  });

  test('recogniser input: height 48 at the aspect ratio, squeezed when longer, zero to the right', () => {
    const rng = seededRng();
    const page = image(300, 100, () => rng.int(0, 255));
    const box = { x: 10, y: 20, w: 120, h: 24 }; // 48/24 → 240 wide
    const x = recogniserInput(page, box, 320);
    const direct = ocrInput(resizeRegion(page, box, 240, OCR_HEIGHT).data, 240);
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < OCR_HEIGHT; y += 7) {
        const row = (c * OCR_HEIGHT + y) * 320;
        expect(x.subarray(row, row + 240)).toEqual(
          direct.subarray((c * OCR_HEIGHT + y) * 240, (c * OCR_HEIGHT + y + 1) * 240),
        );
        expect(x.subarray(row + 240, row + 320).every((v) => v === 0)).toBe(true);
      }
    const squeezed = recogniserInput(page, { x: 0, y: 0, w: 300, h: 20 }, 320);
    expect(squeezed).toEqual(ocrInput(resizeRegion(page, { x: 0, y: 0, w: 300, h: 20 }, 320, OCR_HEIGHT).data, 320));
    expect(() => recogniserInput(page, { x: 0, y: 0, w: 0, h: 20 }, 320)).toThrow(/empty box/);
  });
});

test('the demo marks exactly the characters outside a longest common subsequence', () => {
  expect(markDifferences('Hello World', 'Hello World')).toBe('Hello World');
  expect(markDifferences('Hello World', 'Helo Wor1d')).toBe('Helo Wor<mark>1</mark>d');
  expect(markDifferences('48.90', '48,90x')).toBe('48<mark>,</mark>90<mark>x</mark>');
  expect(markDifferences('', 'ab')).toBe('<mark>a</mark><mark>b</mark>');
  expect(markDifferences('a<b', 'a<c')).toBe('a&#60;<mark>c</mark>');
});
