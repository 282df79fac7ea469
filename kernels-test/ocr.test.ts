/**
 * OCR experiments on the graph runner (kernels-test/ocr-experiments.ts; the full sweep is npm run
 * bench:ocr): the recogniser reads 20 rendered lines on the GPU with f32, int8, e8 4-bit and calibrated
 * WaterSIC weights and with int8 × int8 W+A; onnxruntime-web reads them with the runner's decoded
 * weights swapped into the model file.
 */
import { mkdir } from 'node:fs/promises';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { writeFileAtomic } from '../src/node/file-io.js';
import { openPage } from '../tools/chromium.mjs';
import { CALIBRATION_LINES, EXPERIMENTS, HOLD, OCR_LINES } from './ocr-experiments.js';
import type { LineReading, OcrConfigResult, OcrSetup } from './ocr-page.js';

/** The reading of a line, without the spaces the recogniser sometimes adds at the margins. */
const reading = (l: LineReading) => l.text.trim();

let browser: Browser;
let page: Page;
let setup: OcrSetup;
const results: OcrConfigResult[] = [];
beforeAll(async () => {
  browser = await puppeteer.connect({ browserWSEndpoint: inject('wsEndpoint'), protocolTimeout: 30 * 60 * 1000 });
  page = await openPage(browser, inject('baseUrl'), '/kernels-test/ocr.html', (line) => {
    if (/error/i.test(line)) console.log(line);
  });
  setup = await page.evaluate((r) => window.ocrSuite.setup(r), { lines: OCR_LINES, calibLines: CALIBRATION_LINES });
  console.log(
    `[ocr] ${OCR_LINES.length} lines at 48×${setup.width} on ${setup.adapter}; Σ_X from the runner's own layer ` +
      `inputs on ${CALIBRATION_LINES.length} lines (≥ ${setup.calibrationRows} rows per layer); ` +
      `${Math.round(setup.ms)} ms`,
  );
});
afterAll(async () => {
  await page?.evaluate(() => window.ocrSuite.teardown()).catch(() => {});
  await page?.close().catch(() => {});
  await mkdir('test-artifacts', { recursive: true });
  await writeFileAtomic('test-artifacts/ocr.json', JSON.stringify({ setup, results }, null, 1));
  await browser?.disconnect();
});

async function run(label: string): Promise<OcrConfigResult & { same: number; frac: number }> {
  const e = EXPERIMENTS.find((x) => x.label === label)!;
  const r = await page.evaluate((c) => window.ocrSuite.config(c), e);
  results.push(r);
  const same = r.runner.filter((l, i) => reading(l) === OCR_LINES[i]).length;
  const differ = r.ort ? r.runner.filter((l, i) => reading(l) !== reading(r.ort![i])).length : null;
  console.log(
    `[ocr] ${label}: ${same}/${OCR_LINES.length} lines as f32; ${r.fileBits.toFixed(3)} bits/weight in a file, ` +
      `${r.gpuBits.toFixed(3)} on the GPU (${r.weightBytes} B of weights); ` +
      (differ === null ? 'no ORT check' : `runner and ORT (decoded weights) differ on ${differ} lines`) +
      `; e.g. "${reading(r.runner[3])}"; ${Math.round(r.ms)} ms`,
  );
  return { ...r, same, frac: same / OCR_LINES.length };
}

/** Every line read the same by the runner and by onnxruntime-web on the runner's decoded weights. */
function expectOrtAgrees(r: OcrConfigResult) {
  expect(r.ort).not.toBeNull();
  expect(r.runner.map(reading)).toEqual(r.ort!.map(reading));
}

describe('PP-OCRv4 recogniser on the graph runner, 20 rendered lines', () => {
  test('f32: onnxruntime-web reads every line (the runner matches it to 1e-4: graph.test.ts)', () => {
    expect(setup.ortF32.map(reading)).toEqual(OCR_LINES);
  });

  test('weights int8-g32 on every one of the 33 linear layers: holds', async () => {
    const r = await run('W int8-g32');
    expect(r.layers).toHaveLength(33);
    for (const l of r.layers) expect(l.format, l.name).toBe('int8-g32');
    expect(r.frac).toBeGreaterThanOrEqual(HOLD);
  });

  test('weights e8-q14-k4: the runner reads what onnxruntime reads on the decoded weights', async () => {
    const r = await run('W e8-q14-k4');
    expectOrtAgrees(r);
    // Held on the GPU at the format's rate: ≈ bitsPerEntry·params/8 (biases and depthwise kernels apart).
    expect(r.gpuBits).toBeCloseTo(r.fileBits, 6);
  });

  test('WaterSIC calibrated on the runner’s own layer inputs: ≤ 3 bits per weight in a file, holds', async () => {
    const r = await run('WaterSIC 2.55 bits entropy');
    expect(r.fileBits).toBeLessThanOrEqual(3);
    expect(r.frac).toBeGreaterThanOrEqual(HOLD);
    expectOrtAgrees(r);
  });

  test('W8A8: int8 weights × int8 activations on the integer path: holds', async () => {
    const r = await run('W8A8 int8 × int8');
    expect(r.frac).toBeGreaterThanOrEqual(HOLD);
    for (const l of r.layers) expect(l.activations, l.name).toBe('int8-g32');
    expect(r.layers.filter((l) => l.path.includes('int')).length).toBeGreaterThan(20);
  });
});
