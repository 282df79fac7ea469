import { launchChromium, openPage, startViteServer } from '/work/main/tools/chromium.mjs';
const vite = await startViteServer();
const chrome = await launchChromium();
try {
  const page = await openPage(chrome.browser, vite.url, '/kernels-test/ocr.html', (l) => process.stderr.write(l + '\n'));
  await page.exposeFunction('__ocrProgress', (m) => process.stderr.write(`[ocr] ${m}\n`));
  const lines = JSON.parse(process.argv[2]);
  const configs = JSON.parse(process.argv[3]);
  const t0 = Date.now();
  const r = await page.evaluate((req) => window.ocrSuite.run(req), { lines, configs });
  console.log(JSON.stringify({ f32: r.f32, configs: r.configs.map((c) => ({ ...c, layers: undefined })) }, null, 1));
  console.error('ms', Date.now() - t0);
} finally { await chrome.close(); await vite.close(); }
