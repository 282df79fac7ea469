import puppeteer, { type Browser } from 'puppeteer';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { openPage } from '../tools/chromium.mjs';

// The demo page (`npm start`) and the benchmark page run end to end in the browser.
let browser: Browser;
beforeAll(async () => {
  browser = await puppeteer.connect({ browserWSEndpoint: inject('wsEndpoint'), protocolTimeout: 30 * 60 * 1000 });
});
afterAll(async () => {
  await browser.disconnect();
});

describe('demo page', () => {
  test('the Run button quantizes on the GPU, multiplies, and shows a PASS badge against the CPU', async () => {
    const page = await openPage(browser, inject('baseUrl'), '/');
    await page.select('select[name=format]', 'int3-asym-g64');
    await page.select('select[name=operands]', 'both');
    await page.$eval('input[name=K]', (el) => ((el as HTMLInputElement).value = '200'));
    await page.click('button[type=submit]');
    await page.waitForSelector('#badge', { timeout: 120000 });
    const badge = await page.$eval('#badge', (el) => el.textContent);
    const text = await page.$eval('#result', (el) => el.textContent ?? '');
    expect(text).toContain('int3-asym-g64');
    expect(text).toMatch(/codes bit-identical/);
    expect(badge).toBe('PASS');
    const device = await page.$eval('#device', (el) => el.textContent ?? '');
    expect(device).toMatch(/subgroups (yes|no)/);
    await page.close();
  });
});

describe('benchmark page', () => {
  test('rows carry the documented fields with finite values', async () => {
    const page = await openPage(browser, inject('baseUrl'), '/bench/index.html');
    const rows = await page.evaluate(() => window.runBench({ formats: ['int4-g32', 'int2-asym-grow', 'mxfp4', 'nf4-g64', 'sq16-opt-r0.9'], samples: 8192, M: 16, K: 128, N: 32, reps: 1 }));
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      for (const k of ['bitsPerEntry', 'mse', 'deltaR', 'productNmse', 'gamma', 'gapBits', 'gemmMs', 'f32GemmMs', 'gemmRatio'] as const) {
        expect(Number.isFinite(r[k]), `${r.format}.${k} = ${r[k]}`).toBe(true);
      }
      expect(Number.isFinite(r.predictedMse), `${r.format}.predictedMse`).toBe(true);
      expect(r.gapBits).toBeGreaterThan(0); // no scheme beats the bound
    }
    expect(rows[0].bitsPerEntry).toBe(4.5);
    expect(rows[0].pairMeanSquare).toBeNull();
    const sq = rows[4];
    for (const k of ['pairMeanSquare', 'pairBias', 'pairExact', 'k2Prediction'] as const) expect(Number.isFinite(sq[k]), k).toBe(true);
    expect(sq.pairRho).toBe(0.9);
    await page.close();
  });
});
