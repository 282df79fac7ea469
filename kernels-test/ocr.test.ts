/**
 * OCR on the graph runner (kernels-test/ocr-experiments.ts; the full sweep is npm run bench:ocr): the
 * recogniser reads 20 rendered lines on the GPU with f32, int8, e8 4-bit and calibrated WaterSIC weights
 * and with int8 × int8 W+A, onnxruntime-web reading them with the runner's decoded weights swapped into
 * the model file; the model exported with MatMulNBits (src/io/onnx-nbits.ts) reads the same lines in
 * onnxruntime-web (wasm, and its WebGPU EP on one line); and a generated page is read end to end
 * (detector + recogniser, src/model/ocr/) with both networks in f32, int8 and calibrated WaterSIC (the last
 * shown for the screenshot); the 4-bit pages are bench:ocr's.
 */
import { mkdir } from 'node:fs/promises';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { writeFileAtomic } from '../src/node/file-io.js';
import { openPage } from '../tools/chromium.mjs';
import { CALIBRATION_LINES, EXPERIMENTS, HOLD, OCR_LINES, PAGE_HOLD, PAGE_TRUTH } from './ocr-experiments.js';
import type { ExportCheck, LineReading, OcrConfig, OcrConfigResult, OcrSetup, PageReading } from './ocr-page.js';

/** The reading of a line, without the spaces the recogniser sometimes adds at the margins. */
const reading = (l: LineReading) => l.text.trim();

let browser: Browser;
let page: Page;
let setup: OcrSetup;
const results: OcrConfigResult[] = [];
// Setup loads both models, calibrates both networks and reads the f32 page: ~90 s alone, 3–4× that beside the
// other browser tests on two cores.
beforeAll(async () => {
  browser = await puppeteer.connect({ browserWSEndpoint: inject('wsEndpoint'), protocolTimeout: 30 * 60 * 1000 });
  page = await openPage(browser, inject('baseUrl'), '/kernels-test/ocr.html', (line) => {
    if (/error/i.test(line)) console.log(line);
  });
  setup = await page.evaluate((r) => window.ocrSuite.setup(r), {
    lines: OCR_LINES,
    calibLines: CALIBRATION_LINES,
    page: true,
  });
  console.log(
    `[ocr] ${OCR_LINES.length} lines at 48×${setup.width} on ${setup.adapter}; Σ_X from the runner's own layer ` +
      `inputs on ${CALIBRATION_LINES.length} lines (≥ ${setup.calibrationRows} rows per layer); ` +
      `${Math.round(setup.ms)} ms`,
  );
  console.log(
    `[ocr] page ${setup.pageSize.width}×${setup.pageSize.height}: ${pageLine(setup.pageF32!, setup.pageTruth)}`,
  );
}, 900_000);
afterAll(async () => {
  await page?.evaluate(() => window.ocrSuite.teardown()).catch(() => {});
  await page?.close().catch(() => {});
  await mkdir('test-artifacts', { recursive: true });
  await writeFileAtomic('test-artifacts/ocr.json', JSON.stringify({ setup, results }, null, 1));
  await browser?.disconnect();
});

/** How many of the page's lines `r` reads as `base` does (lines matched in reading order). */
function pageSame(r: PageReading, base: readonly string[]): number {
  return base.filter((t, i) => r.lines[i]?.text === t).length;
}

function pageLine(r: PageReading, base: readonly string[], against = 'as drawn'): string {
  const t = r.timings;
  const kib = (b: number) => `${Math.round(b / 1024)} KiB`;
  return (
    `${pageSame(r, base)}/${base.length} lines ${against}; ${r.lines.length} boxes; detector ` +
    `${r.detectorSize.width}×${r.detectorSize.height}; ms: detect ${Math.round(t.detect)}, ` +
    `boxes ${Math.round(t.boxes)}, recognise ${Math.round(t.recognise)} (${r.lines.length} lines), ` +
    `total ${Math.round(t.total - t.load)} (+ loading the detector ${Math.round(t.load)}); ` +
    `weights det ${kib(r.detector.weightBytes)} (${r.detector.fileBits.toFixed(3)} bits in a file), ` +
    `rec ${kib(r.recogniser.weightBytes)} (${r.recogniser.fileBits.toFixed(3)} bits)`
  );
}

const runs = new Map<string, Promise<OcrConfigResult & { same: number; frac: number }>>();

/** Runs a configuration of EXPERIMENTS once (tests sharing it share the result). */
function run(
  label: string,
  override: Partial<OcrConfig> = {},
): Promise<OcrConfigResult & { same: number; frac: number }> {
  let r = runs.get(label);
  if (!r) runs.set(label, (r = runOnce(label, override)));
  return r;
}

async function runOnce(label: string, override: Partial<OcrConfig>) {
  const e = { ...EXPERIMENTS.find((x) => x.label === label)!, ...override };
  const r = await page.evaluate((c) => window.ocrSuite.config(c), e);
  results.push(r);
  if (r.page)
    console.log(
      `[ocr page] ${label}: ${pageLine(
        r.page,
        setup.pageF32!.lines.map((l) => l.text),
        'as f32',
      )}`,
    );
  if (e.lines === false) return { ...r, same: 0, frac: 0 };
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
    // (its page read, 12/12 as f32 with both networks in e8, is bench:ocr's: a minute of the suite)
    const r = await run('W e8-q14-k4', { page: false });
    expectOrtAgrees(r);
    // Held on the GPU at the format's rate: ≈ bitsPerEntry·params/8 (biases and depthwise kernels apart).
    expect(r.gpuBits).toBeCloseTo(r.fileBits, 6);
  });

  test('WaterSIC calibrated on the runner’s own layer inputs: ≤ 3 bits per weight in a file, holds', async () => {
    const r = await run('WaterSIC 2.65 bits entropy');
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

describe('the recogniser exported for onnxruntime with MatMulNBits (int4-g32, src/io/onnx-nbits.ts)', () => {
  const EXPORT =
    'onnxruntime-web reads the 20 lines through the export as with the decoded weights swapped in; its WebGPU ' +
    'EP agrees with wasm';
  test(EXPORT, async () => {
    const r: ExportCheck = await page.evaluate((o) => window.ocrSuite.exportCheck(o), {
      format: 'int4-g32',
      webgpuLines: 1,
    });
    console.log(
      `[ocr export] ${r.layers} MatMuls as MatMulNBits, ${r.bytesIn} → ${r.bytesOut} bytes; lines read alike: ` +
        `${r.exported.filter((l, i) => reading(l) === reading(r.swapped[i])).length}/${r.exported.length}; WebGPU EP ` +
        `vs wasm rel. error ${r.webgpuRelErr.toExponential(2)}; ${Math.round(r.ms)} ms`,
    );
    expect(r.layers).toBe(9);
    expect(r.bytesOut).toBeLessThan(r.bytesIn);
    expect(r.exported.map(reading)).toEqual(r.swapped.map(reading));
    expect(r.webgpuRelErr).toBeLessThan(1e-4);
    expect(r.webgpu.map(reading)).toEqual(r.exported.slice(0, r.webgpu.length).map(reading));
  });
});

describe('a generated page of 12 lines end to end: PP-OCRv4 detector + recogniser on the runner', () => {
  const f32Lines = () => setup.pageF32!.lines.map((l) => l.text);
  const holds = (r: PageReading) => pageSame(r, f32Lines()) / setup.pageTruth.length;

  test('f32: ≥ 95% of the lines read exactly as drawn, in reading order', () => {
    expect(setup.pageTruth.length).toBeGreaterThanOrEqual(10);
    expect(pageSame(setup.pageF32!, setup.pageTruth) / setup.pageTruth.length).toBeGreaterThanOrEqual(PAGE_TRUTH);
  });

  test('int8-g32 weights in both networks: ≥ 90% of lines as f32 reads them', async () => {
    const r = (await run('W int8-g32')).page!;
    expect(r.detector.gpuBits).toBeLessThan(8.6);
    // both networks hold their weights at the format's rate on the GPU
    for (const net of [r.detector, r.recogniser]) expect(net.gpuBits).toBeCloseTo(net.fileBits, 2);
    expect(holds(r)).toBeGreaterThanOrEqual(PAGE_HOLD);
  });

  test('WaterSIC calibrated on each network’s own layer inputs, ≤ 3 bits per weight: ≥ 90% as f32', async () => {
    const r = (await run('WaterSIC 2.65 bits entropy')).page!;
    expect(r.detector.fileBits).toBeLessThanOrEqual(3);
    expect(r.recogniser.fileBits).toBeLessThanOrEqual(3);
    expect(holds(r)).toBeGreaterThanOrEqual(PAGE_HOLD);
    await page.evaluate((p) => window.ocrSuite.show('WaterSIC ≤ 3 bits', p), r);
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/ocr-page.png', fullPage: true });
  });
});
