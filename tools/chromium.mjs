// Launches headless Chromium with WebGPU on the software adapter, and a vite server for the pages.
// Shared by the kernel tests (vitest globalSetup) and the benchmark runner.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer';
import { createServer } from 'vite';

import { INSTALL_HINT, SYSTEM_CHROMIUM } from './chromium-paths.mjs';

export { INSTALL_HINT, SYSTEM_CHROMIUM };

/**
 * PUPPETEER_EXECUTABLE_PATH, then Debian's Chromium, then puppeteer's own download; otherwise an error
 * naming the install command. `candidates` and `env` are parameters so the failure path is testable.
 */
export function findChromium({
  env = process.env,
  candidates = SYSTEM_CHROMIUM,
  puppeteerPath = () => puppeteer.executablePath(),
} = {}) {
  const tried = [];
  const fromEnv = env.PUPPETEER_EXECUTABLE_PATH;
  if (fromEnv) {
    if (fs.existsSync(fromEnv)) return fromEnv;
    tried.push(`PUPPETEER_EXECUTABLE_PATH=${fromEnv} (missing)`);
  }
  for (const p of candidates) {
    if (fs.existsSync(p)) return p;
    tried.push(p);
  }
  try {
    const own = puppeteerPath();
    if (own && fs.existsSync(own)) return own;
    tried.push(`puppeteer's download ${own}`);
  } catch (e) {
    tried.push(`puppeteer's download (${String(e.message).split('\n')[0]})`);
  }
  throw new Error(
    `No Chromium found for the WebGPU kernel tests (tried: ${tried.join('; ')}). Install it with: ` +
      `${INSTALL_HINT}  (or set PUPPETEER_EXECUTABLE_PATH)`,
  );
}

export const CHROMIUM_FLAGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wq-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: findChromium(),
    headless: true,
    args: [...CHROMIUM_FLAGS, `--user-data-dir=${userDataDir}`],
    // A bench sweep is one page call (bench:ocr runs ~35 min on SwiftShader): allow 3 hours.
    protocolTimeout: 3 * 60 * 60 * 1000,
  });
  const close = async () => {
    await browser.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { browser, close };
}

/** Starts vite on a free loopback port; returns its base URL and a close function. */
export async function startViteServer() {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const server = await createServer({
    root,
    configFile: path.join(root, 'vite.config.ts'),
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  const addr = server.httpServer?.address();
  if (!addr || typeof addr === 'string') throw new Error('vite server has no TCP address');
  return { url: `http://127.0.0.1:${addr.port}`, close: () => server.close() };
}

/** Opens `pagePath` and waits until the page sets window.__ready (or reports an error). */
export async function openPage(browser, baseUrl, pagePath, log = () => {}) {
  const page = await browser.newPage();
  page.on('console', (msg) => log(`[page ${msg.type()}] ${msg.text()}`));
  page.on('pageerror', (err) => log(`[page error] ${err.message}`));
  await page.goto(`${baseUrl}${pagePath}`, { waitUntil: 'load', timeout: 120000 });
  await page.waitForFunction('window.__ready === true || typeof window.__initError === "string"', { timeout: 120000 });
  const initError = await page.evaluate(() => window.__initError);
  if (initError) throw new Error(`page ${pagePath} failed to initialise: ${initError}`);
  return page;
}
