/** Node side of the kernel tests: connects to the shared Chromium, opens the page, runs cases. */
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { afterAll, expect, inject } from 'vitest';
import { openPage } from '../tools/chromium.mjs';
import type { CaseResult } from './protocol.js';

/** Master seed: KERNEL_SEED to reproduce a failure, otherwise fresh every run. */
const MASTER_SEED =
  process.env.KERNEL_SEED !== undefined ? Number(process.env.KERNEL_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;

let browser: Browser | null = null;
let page: Page | null = null;
let counter = 0;
const totals = { cases: 0, codes: 0, floats: 0, shapes: new Set<string>() };

async function kernelPage(): Promise<Page> {
  if (!page) {
    browser = await puppeteer.connect({ browserWSEndpoint: inject('wsEndpoint'), protocolTimeout: 30 * 60 * 1000 });
    page = await openPage(browser, inject('baseUrl'), '/kernels-test/index.html', (line) => {
      if (/error|warn/i.test(line)) console.log(line);
    });
    const adapter = await page.evaluate(() => window.kernelSuite.adapter());
    console.log(
      `[kernels] adapter ${JSON.stringify(adapter)}; master seed ${MASTER_SEED} (set KERNEL_SEED=${MASTER_SEED} ` +
        `to reproduce)`,
    );
  }
  return page;
}

function caseSeed(): number {
  counter++;
  return (Math.imul(MASTER_SEED ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(counter, 0xc2b2ae35)) >>> 0;
}

/** Runs one case in the page with a fresh seed and asserts it passed; failures print the seeds. */
export async function runCase(name: string, params: Record<string, unknown>, shape?: string): Promise<CaseResult> {
  const p = await kernelPage();
  const seed = caseSeed();
  const res = await p.evaluate((req) => window.kernelSuite.run(req), { name, seed, params });
  totals.cases++;
  totals.codes += res.codesCompared;
  totals.floats += res.floatsCompared;
  if (shape) totals.shapes.add(shape);
  expect(
    res.failures,
    `case ${name} ${JSON.stringify(params)} failed with case seed ${seed} ` +
      `(KERNEL_SEED=${MASTER_SEED}):\n${res.failures.join('\n')}`,
  ).toEqual([]);
  expect(res.ok).toBe(true);
  return res;
}

afterAll(async () => {
  console.log(
    `[kernels] summary: ${totals.cases} cases, ${totals.shapes.size} distinct shapes, ${totals.codes} integer ` +
      `words compared bit for bit, ${totals.floats} floats compared (master seed ${MASTER_SEED})`,
  );
  await page?.close().catch(() => {});
  await browser?.disconnect();
  page = null;
  browser = null;
});
