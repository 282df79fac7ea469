import type { TestProject } from 'vitest/node';
import { launchChromium, startViteServer } from '../tools/chromium.mjs';

// One vite server and one headless Chromium for the whole kernel-test run (SwiftShader devices are
// expensive to create and flaky to tear down repeatedly).
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const vite = await startViteServer();
  const chrome = await launchChromium();
  const version = await chrome.browser.version();
  console.log(`[kernels] ${version}, pages from ${vite.url}`);
  project.provide('baseUrl', vite.url);
  project.provide('wsEndpoint', chrome.browser.wsEndpoint());
  return async () => {
    await chrome.close();
    await vite.close();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    wsEndpoint: string;
  }
}
