import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../src/node/file-io.js';
import puppeteer, { type Browser } from 'puppeteer';
import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { openPage } from '../tools/chromium.mjs';
import type { OcrRun } from './ocr-page.js';

// Rendered in the page with canvas fillText; the f32 recogniser reads every one of them exactly.
const OCR_LINES = [
  'Quantize 4-bit weights 2024',
  'The quick brown fox jumps',
  'Hello World 12345',
  'Lattice codes beat scalar ones',
  'WebGPU runs in the browser',
  'Matrix multiply 4096 x 4096',
  'Rate distortion theory',
  'Gaussian source at 3 bits',
  'Error 0.0123 and 98.7%',
  'Phone 555-0199 ext 42',
  'Monday 24 November 2026',
  'Invoice No. 7731 paid',
  'Open the door slowly',
  'Keep calm and carry on',
  'Nested lattice E8 code',
  'Meeting at 10 today',
  'Please call back later',
  'Version 1.30.0 released',
  'Data compression works',
  'Blue sky over the river',
];

// Each scheme family at 8, 4, 3 and 2 bits where it has that rate (formats/schemes.ts); int-asym and sq
// (measured once: README) are left out to keep the suite's time.
const CONFIGS = [
  ...['int', 'e8'].flatMap((scheme) => [8, 4, 3, 2].map((rate) => ({ scheme, rate }))),
  { scheme: 'mx', rate: 8 },
  { scheme: 'mx', rate: 4 },
  { scheme: 'nf4', rate: 4 },
  { scheme: 'nvfp4', rate: 4 },
];

/** A scheme holds at a rate when ≥ 95% of lines come out identical to the f32 model's reading. */
const HOLD = 0.95;
/** The reading of a line, without the spaces the recogniser sometimes adds for the right margin. */
const reading = (l: { text: string }) => l.text.trim();

let browser: Browser;
beforeAll(async () => {
  browser = await puppeteer.connect({ browserWSEndpoint: inject('wsEndpoint'), protocolTimeout: 30 * 60 * 1000 });
});
afterAll(async () => {
  await browser.disconnect();
});

test(
  'OCR end to end: the PP-OCRv4 recogniser with its 30 linear weights quantized by each scheme at 8, 4, 3, 2 ' + 'bits',
  async () => {
    const page = await openPage(browser, inject('baseUrl'), '/kernels-test/ocr.html', (line) => {
      if (/error/i.test(line)) console.log(line);
    });
    const run: OcrRun = await page.evaluate((req) => window.ocrSuite.run(req), {
      lines: OCR_LINES,
      configs: CONFIGS,
      gpuCheck: ['int4-g32'],
    }); // E8's GPU encode is bit-checked by the kernel tests; on all 30 tensors it would add a minute
    await page.close();
    await mkdir('test-artifacts', { recursive: true });
    await writeFileAtomic('test-artifacts/ocr.json', JSON.stringify(run, null, 1));

    const rows = run.configs.map((c) => {
      const same = c.lines.filter((l, i) => reading(l) === reading(run.f32[i])).length;
      const meanProb = c.lines.reduce((a, l) => a + l.meanProb, 0) / c.lines.length;
      const bits =
        c.layers.reduce((a, l) => a + l.bitsPerEntry * l.rows * l.cols, 0) /
        c.layers.reduce((a, l) => a + l.rows * l.cols, 0);
      return { ...c, same, frac: same / c.lines.length, meanProb, bits, holds: same / c.lines.length >= HOLD };
    });
    const f32Prob = run.f32.reduce((a, l) => a + l.meanProb, 0) / run.f32.length;
    console.log(
      `[ocr] ${OCR_LINES.length} lines on ${run.adapter}; f32 mean char prob ${f32Prob.toFixed(4)}\n` +
        '| scheme | rate | format | bits/entry (all linear weights) | lines identical to f32 | mean char prob | ' +
        'holds |\n|:--|--:|:--|--:|--:|--:|:--|\n' +
        rows
          .map(
            (r) =>
              `| ${r.scheme} | ${r.rate} | ${r.format} | ${r.bits.toFixed(3)} | ${r.same}/${r.lines.length} | ` +
              `${r.meanProb.toFixed(4)} | ${r.holds ? 'yes' : 'no'} |`,
          )
          .join('\n') +
        '\nexamples at 2 bits: ' +
        rows
          .filter((r) => r.rate === 2)
          .map((r) => `${r.format}: "${r.lines[0].text}"`)
          .join('; '),
    );

    // The GPU produces the same weights as the CPU path on the real tensors.
    expect(run.gpuMismatches).toEqual({ 'int4-g32': 0 });
    // f32 reads every rendered line.
    expect(run.f32.map(reading)).toEqual(OCR_LINES);
    // Every linear weight (9 MatMul + 21 1×1 convolutions) was quantized, with a finite error.
    for (const c of run.configs) {
      expect(c.layers.length, c.format).toBe(30);
      for (const l of c.layers) expect(Number.isFinite(l.nmse) && l.nmse >= 0, `${c.format} ${l.name}`).toBe(true);
    }
    expect(rows.find((r) => r.format === 'int8-g32')!.holds).toBe(true);
    const best3 = rows.filter((r) => r.rate === 3).sort((a, b) => b.frac - a.frac || b.meanProb - a.meanProb)[0];
    console.log(`[ocr] best 3-bit scheme: ${best3.format} (${best3.same}/${best3.lines.length} lines)`);
    // Fewer bits never read more lines, scheme by scheme.
    for (const scheme of new Set(rows.map((r) => r.scheme))) {
      const byRate = rows.filter((r) => r.scheme === scheme).sort((a, b) => b.rate - a.rate);
      for (let i = 1; i < byRate.length; i++)
        expect(byRate[i].same, `${scheme}: ${byRate[i].rate} vs ${byRate[i - 1].rate} bits`).toBeLessThanOrEqual(
          byRate[i - 1].same,
        );
    }
    // At 4 bits E8 (lower weight error at fewer bits, lattice theory) reads more lines than INT4-g32.
    const e8 = rows.find((r) => r.format === 'e8-q14-k4')!;
    const int4 = rows.find((r) => r.format === 'int4-g32')!;
    expect(e8.bits).toBeLessThan(int4.bits + 0.2);
    expect(e8.same).toBeGreaterThan(int4.same);
  },
);

// Lines for calibration only (none of them is read in the accuracy check).
const CALIBRATION_LINES = [
  'Calibrate the quantizer now',
  'Activation statistics 2025',
  'Numbers 0123456789 and more',
  'THE LAZY DOG SLEEPS',
  'mixed Case words, commas; colons',
  'Seven sailors sang 42 songs',
  'Zebra quartz vexing jumbo flight',
  'Open source models everywhere',
];

test(
  'OCR end to end, calibrated: WaterSIC with each layer’s ' + 'Σ_X holds at ≤ 3 bits per weight, everything counted',
  async () => {
    const page = await openPage(browser, inject('baseUrl'), '/kernels-test/ocr.html', (line) => {
      if (/error/i.test(line)) console.log(line);
    });
    // Code entropy 2.3 bits; per-column scales and rANS tables bring the total to just under 3.
    const run = await page.evaluate((req) => window.ocrSuite.calibrated(req), {
      calibLines: CALIBRATION_LINES,
      lines: OCR_LINES,
      configs: [{ method: 'watersic' as const, rate: 2.3 }],
    });
    await page.close();
    const c = run.configs[0];
    const entries = c.layers.reduce((a, l) => a + l.rows * l.cols, 0);
    const total = c.layers.reduce((a, l) => a + l.totalBits * l.rows * l.cols, 0) / entries;
    const same = c.lines.filter((l, i) => reading(l) === reading(run.f32[i])).length;
    const meanNmse = c.layers.reduce((a, l) => a + l.nmse, 0) / c.layers.length;
    const meanWnmse = c.layers.reduce((a, l) => a + l.wnmse, 0) / c.layers.length;
    console.log(
      `[ocr] calibrated WaterSIC: ${total.toFixed(3)} bits/weight in all (codes + scales + rANS tables), ` +
        `${same}/${c.lines.length} lines as f32, mean char prob ` +
        `${(c.lines.reduce((a, l) => a + l.meanProb, 0) / c.lines.length).toFixed(4)}; mean plain NMSE ` +
        `${meanNmse.toExponential(2)}, mean Σ_X-weighted NMSE ${meanWnmse.toExponential(2)}; calibration ` +
        `vectors per layer ${Math.min(...Object.values(run.calibRows))}–${Math.max(...Object.values(run.calibRows))}`,
    );
    expect(c.layers).toHaveLength(30);
    expect(Object.keys(run.calibRows)).toHaveLength(30);
    expect(total).toBeLessThanOrEqual(3);
    expect(same / c.lines.length).toBeGreaterThanOrEqual(HOLD);
    // The error sits where the activations do not look: the plain weight error is large, the weighted one small.
    expect(meanWnmse).toBeLessThan(meanNmse / 10);
  },
);
