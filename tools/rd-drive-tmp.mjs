import { launchChromium, openPage, startViteServer } from './chromium.mjs';
const vite = await startViteServer();
const chrome = await launchChromium();
try {
  const page = await openPage(chrome.browser, vite.url, '/index.html', () => {});
  for (const req of JSON.parse(process.argv[2])) {
    const pts = await page.evaluate((r) => window.demo.measureRd(r), req);
    console.log(JSON.stringify(req));
    for (const p of pts) console.log(JSON.stringify(p));
  }
} finally { await chrome.close(); await vite.close(); }
