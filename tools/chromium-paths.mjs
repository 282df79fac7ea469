// Where the kernel tests look for a browser, and how to install one: shared by the launcher
// (chromium.mjs) and npm test's set-up step (ensure-chromium.mjs), which must not load puppeteer.
export const INSTALL_HINT = 'apt-get update && apt-get install -y chromium';
export const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
