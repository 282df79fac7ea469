import type { Browser, Page } from 'puppeteer';
export declare const INSTALL_HINT: string;
export declare const CHROMIUM_FLAGS: string[];
export declare const SYSTEM_CHROMIUM: string[];
export declare function findChromium(opts?: {
  env?: Record<string, string | undefined>;
  candidates?: string[];
  puppeteerPath?: () => string;
}): string;
export declare function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }>;
export declare function startViteServer(): Promise<{ url: string; close: () => Promise<void> }>;
export declare function openPage(
  browser: Browser,
  baseUrl: string,
  pagePath: string,
  log?: (line: string) => void,
): Promise<Page>;
