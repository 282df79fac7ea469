import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { findChromium } from '../tools/chromium.mjs';

describe('finding a browser for the kernel tests', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'finder-'));
  const fake = path.join(dir, 'chromium');
  fs.writeFileSync(fake, '');

  test('PUPPETEER_EXECUTABLE_PATH wins, then the system candidates, then puppeteer’s download', () => {
    expect(
      findChromium({ env: { PUPPETEER_EXECUTABLE_PATH: fake }, candidates: [], puppeteerPath: () => '/nope' }),
    ).toBe(fake);
    expect(findChromium({ env: {}, candidates: ['/nope', fake], puppeteerPath: () => '/nope' })).toBe(fake);
    expect(findChromium({ env: {}, candidates: [], puppeteerPath: () => fake })).toBe(fake);
  });

  test('no browser anywhere: the error names the install command and what was tried', () => {
    const run = () =>
      findChromium({
        env: { PUPPETEER_EXECUTABLE_PATH: '/missing/chrome' },
        candidates: ['/missing/chromium'],
        puppeteerPath: () => {
          throw new Error('Could not find Chrome');
        },
      });
    expect(run).toThrow(/apt-get update && apt-get install -y chromium/);
    expect(run).toThrow(
      new RegExp(
        String.raw`PUPPETEER_EXECUTABLE_PATH=/missing/chrome \(missing\); /missing/chromium; ` +
          String.raw`puppeteer's download \(Could not find Chrome\)`,
      ),
    );
  });
});
