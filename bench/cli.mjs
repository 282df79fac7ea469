// Shared by the benchmark runners (run.mjs, gpu.mjs): number formatting, markdown tables, and running
// a benchmark page in headless Chromium served by vite.
import { launchChromium, openPage, startViteServer } from '../tools/chromium.mjs';

/** `digits` significant digits; exponent form outside [1e-3, 1e5). */
export function fmt(v, digits = 4) {
  if (typeof v !== 'number') return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-3 && a < 1e5
    ? v.toFixed(Math.max(0, digits - Math.max(0, Math.floor(Math.log10(a)) + 1)))
    : v.toExponential(digits - 1);
}

/** A markdown table of `rows` with columns [header, cell(row)]; the first `leftColumns` are left-aligned. */
export function renderTable(rows, cols, leftColumns = 1) {
  const cells = rows.map((r) => cols.map(([, f]) => f(r)));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const left = (i) => i < leftColumns;
  const line = (vals) =>
    `| ${vals.map((v, i) => (left(i) ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
  const out = [
    line(cols.map(([h]) => h)),
    `|${widths.map((w, i) => (left(i) ? ':' : '') + '-'.repeat(w + 1) + (left(i) ? '' : ':')).join('|')}|`,
  ];
  for (const c of cells) out.push(line(c));
  return out.join('\n');
}

/**
 * Opens `pagePath`, forwards its log and `window.__benchProgress(msg)` to stderr under `[tag]`, and
 * returns what `window[entry](opts)` resolves to.
 */
export async function runBenchPage(pagePath, entry, opts, tag) {
  const vite = await startViteServer();
  const chrome = await launchChromium();
  try {
    const page = await openPage(chrome.browser, vite.url, pagePath, (line) => process.stderr.write(`${line}\n`));
    await page.exposeFunction('__benchProgress', (msg) => process.stderr.write(`[${tag}] ${msg}\n`));
    return await page.evaluate((name, o) => window[name](o), entry, opts);
  } finally {
    await chrome.close();
    await vite.close();
  }
}

/**
 * Command-line options of a benchmark runner: `--json` and `--help`/`-h` (prints `usage`, exits) are
 * common; every other option `--x` calls `handlers['--x'](next, opts)`, where `next()` takes its value.
 */
export function parseCli(argv, handlers, usage) {
  const opts = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--json') json = true;
    else if (a === '--help' || a === '-h') {
      process.stderr.write(usage);
      process.exit(0);
    } else if (Object.hasOwn(handlers, a)) handlers[a](next, opts);
    else throw new Error(`unknown option ${a}`);
  }
  return { opts, json };
}

/** `a,b,c` → ['a', 'b', 'c'] (empty entries dropped). */
export const list = (s) => s.split(',').filter(Boolean);

/** `k=1,j=2` → { k: 1, j: 2 }. */
export const numbersByKey = (s) =>
  Object.fromEntries(
    s.split(',').map((kv) => {
      const [k, v] = kv.split('=');
      return [k, Number(v)];
    }),
  );
