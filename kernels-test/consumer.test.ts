/**
 * The engine as another project gets it: `npm pack` the package (dist/ must be built: npm test runs
 * build:lib first), install the tarball offline into a fresh project, build a page with vite, run a
 * quantize + matmul in headless Chromium checked against the CPU reference, and import the package from
 * a Node script. Prints the consumer's bundle size and checks what tree-shaking keeps out.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import puppeteer from 'puppeteer';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { build } from 'vite';
import { openPage } from '../tools/chromium.mjs';
import { serveStatic } from '../tools/static-server.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const work = mkdtempSync(join(tmpdir(), 'wqe-consumer-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} (in ${cwd}) failed with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`,
    );
  return r.stdout;
}

type LockEntry = {
  version: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  [k: string]: unknown;
};

/**
 * A lockfile for a project depending on the packed tarball: the tarball's entry (with its integrity) and,
 * copied from this repository's own lockfile, every package it needs. npm ci can then install all of it
 * from npm's cache, with no network.
 */
function consumerLock(spec: string, integrity: string): object {
  const own = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license: string;
    dependencies: Record<string, string>;
    optionalDependencies?: Record<string, string>;
    bin?: object;
    engines?: object;
  };
  const packages: Record<string, unknown> = {
    '': { name: 'consumer-app', dependencies: { [pkg.name]: spec } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: spec,
      integrity,
      license: pkg.license,
      dependencies: pkg.dependencies,
      optionalDependencies: pkg.optionalDependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  const todo = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})];
  while (todo.length) {
    const name = todo.pop()!;
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    const entry = own.packages[key];
    if (!entry) throw new Error(`package-lock.json has no ${key}`);
    packages[key] = entry;
    todo.push(...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}));
  }
  return { name: 'consumer-app', lockfileVersion: 3, requires: true, packages };
}

/** Packs the repository and installs the tarball into a fresh project from npm's cache (no network). */
function installedProject(): string {
  if (!existsSync(join(root, 'dist/index.js')))
    throw new Error('dist/ is missing: run npm run build:lib (npm test does) before this test');
  const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], root)) as {
    filename: string;
    size: number;
    integrity: string;
    files: { path: string }[];
  }[];
  const { filename, size, files, integrity } = packed[0];
  console.log(`[consumer] ${filename}: ${(size / 1024).toFixed(0)} KiB packed, ${files.length} files`);
  const app = join(work, 'app');
  run('mkdir', ['-p', app], work);
  const spec = `file:../${filename}`;
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'consumer-app',
      private: true,
      type: 'module',
      dependencies: { 'webgpu-quant-engine': spec },
    }),
  );
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(consumerLock(spec, integrity), null, 1));
  run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], app);
  return app;
}

const PAGE = `
import { createEngine, parseFormat, gaussianMatrix, Rng, matmulF64, relativeFrobeniusError } from 'webgpu-quant-engine';
async function main() {
  const engine = await createEngine();
  const rng = new Rng(SEED);
  const X = gaussianMatrix(5, 256, rng);
  const W = gaussianMatrix(48, 256, rng);
  const out = {};
  for (const id of ['int4-g32', 'e8-q14-k4']) {
    const f = parseFormat(id);
    const cpu = f.encode(W);
    const q = await engine.quantize(W, f);
    const gpu = await engine.readQuantized(q);
    const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
    const codesEqual = same(gpu.codes, cpu.codes) && same(gpu.scales, cpu.scales) && same(gpu.aux, cpu.aux);
    const y = await engine.read(await engine.matmul(X, q));
    out[id] = { codesEqual, relErr: relativeFrobeniusError(y, matmulF64(X, f.decode(cpu))) };
  }
  window.__result = out;
}
main().then(() => (window.__ready = true), (e) => (window.__initError = String(e?.stack ?? e)));
`;

const NODE_SCRIPT = `
import {
  parseFormat, gaussianMatrix, Rng, matmulF64, relativeFrobeniusError, memorySink, memorySource,
  SafetensorsWriter, safetensorsWeightSource, quantizeModel, ContainerReader, nodeEngine,
} from 'webgpu-quant-engine/node';
const rng = new Rng(SEED);
const W = gaussianMatrix(16, 64, rng);
const f = parseFormat('int4-g32');
const back = f.decode(f.encode(W)).data;
let err = 0, energy = 0;
for (let i = 0; i < back.length; i++) { err += (back[i] - W.data[i]) ** 2; energy += W.data[i] ** 2; }
const model = memorySink();
const w = await SafetensorsWriter.begin(model, [{ name: 'fc.weight', dtype: 'F32', shape: [16, 64] }], {});
await w.write(new Uint8Array(W.data.buffer));
await w.finish({});
const container = memorySink();
const source = await safetensorsWeightSource(memorySource(model.bytes()));
const report = await quantizeModel(source, { format: f, sink: container });
const read = await (await ContainerReader.open(memorySource(container.bytes()))).readQuantized('fc.weight');
const codesEqual = read.codes.every((v, i) => v === f.encode(W).codes[i]);
const g = await nodeEngine();
let gpu = g.engine ? 'adapter ' + g.adapter : 'none: ' + g.reason;
if (g.engine) {
  const X = gaussianMatrix(3, 64, rng);
  const y = await g.engine.read(await g.engine.matmul(X, await g.engine.quantize(W, f)));
  gpu += '; relErr ' + relativeFrobeniusError(y, matmulF64(X, f.decode(f.encode(W))));
  g.engine.destroy();
}
console.log(JSON.stringify({ nmse: err / energy, reportNmse: report.layers[0].nmse, codesEqual, gpu }));
process.exit(0);
`;

describe('a project that installs the packed package', () => {
  const seed = (Math.random() * 2 ** 32) >>> 0;
  let app = '';

  test(
    'vite builds its page; in Chromium, int4-g32 and e8-q14-k4 quantize bit-exactly and multiply to the CPU ' +
      'reference; unused subsystems stay out of the bundle',
    async () => {
      console.log(`[consumer] seed ${seed}`);
      app = installedProject();
      writeFileSync(
        join(app, 'index.html'),
        '<!doctype html><meta charset="utf-8"><title>consumer</title><script type="module" src="./main.js"></script>',
      );
      writeFileSync(join(app, 'main.js'), PAGE.replace('SEED', String(seed)));
      // The repository's vite builds the consumer project: the package must need no loader or plugin.
      await build({
        root: app,
        configFile: false,
        logLevel: 'warn',
        base: './',
        build: { outDir: join(app, 'dist'), emptyOutDir: true, target: 'es2022' },
      });
      const assets = join(app, 'dist/assets');
      // What the page loads: the scripts index.html names (entry and modulepreloads); chunks behind a dynamic
      // import (the graph runner behind engine.loadOnnx) load only when called and are counted apart.
      const html = readFileSync(join(app, 'dist/index.html'), 'utf8');
      const all = readdirSync(assets).filter((f) => f.endsWith('.js'));
      const js = all.filter((f) => html.includes(`assets/${f}`));
      const lazy = all.filter((f) => !js.includes(f));
      const code = js.map((f) => readFileSync(join(assets, f), 'utf8')).join('\n');
      const min = js.reduce((n, f) => n + statSync(join(assets, f)).size, 0);
      const lazyMin = lazy.reduce((n, f) => n + statSync(join(assets, f)).size, 0);
      const gz = gzipSync(code, { level: 9 }).length;
      console.log(
        `[consumer] bundle of a page using int4-g32 and e8-q14-k4: ${(min / 1024).toFixed(1)} KiB minified, ` +
          `${(gz / 1024).toFixed(1)} KiB gzip (${js.length} file${js.length > 1 ? 's' : ''}); loaded on demand: ` +
          `${(lazyMin / 1024).toFixed(1)} KiB in ${lazy.length} chunk${lazy.length === 1 ? '' : 's'} (engine.loadOnnx)`,
      );
      expect(js.length).toBeGreaterThan(0);
      // Tree-shaking: what the page does not import must not be in it (strings only those modules hold).
      const absent = {
        'the container (io/container)': 'wqe.header_crc32',
        'the safetensors reader (io/safetensors)': 'header length',
        'the ONNX reader (io/onnx)': 'ModelProto.graph',
        'WaterSIC/GPTQ (weightonly)': 'not positive definite',
        'rANS (entropy)': 'rANS',
        'the CLI (node)': 'exit codes',
        'the graph runner (graph)': 'load with keepAll',
      };
      for (const [what, marker] of Object.entries(absent))
        expect(code.includes(marker), `${what} ('${marker}') is in the consumer bundle`).toBe(false);
      for (const marker of ['int4-g32', 'FMT_decode8'])
        expect(code.includes(marker), `'${marker}' missing from the bundle`).toBe(true);

      const site = await serveStatic(join(app, 'dist'));
      const browser = await puppeteer.connect({
        browserWSEndpoint: inject('wsEndpoint'),
        protocolTimeout: 10 * 60 * 1000,
      });
      try {
        const page = await openPage(browser, site.url, '/index.html');
        const result = (await page.evaluate(() => (window as unknown as { __result: unknown }).__result)) as Record<
          string,
          { codesEqual: boolean; relErr: number }
        >;
        await page.close();
        for (const id of ['int4-g32', 'e8-q14-k4']) {
          expect(result[id].codesEqual, id).toBe(true);
          expect(result[id].relErr, id).toBeLessThan(1e-5);
        }
      } finally {
        await browser.disconnect();
        await site.close();
      }
    },
  );

  test(
    'a Node script imports webgpu-quant-engine/node: CPU reference, a container round trip, and the GPU ' +
      'where Dawn finds an adapter',
    () => {
      if (!app) app = installedProject();
      writeFileSync(join(app, 'script.mjs'), NODE_SCRIPT.replace('SEED', String(seed)));
      const out = JSON.parse(run(process.execPath, ['script.mjs'], app).trim().split('\n').pop()!) as {
        nmse: number;
        reportNmse: number;
        codesEqual: boolean;
        gpu: string;
      };
      console.log(`[consumer] node script: ${JSON.stringify(out)}`);
      expect(out.nmse).toBeGreaterThan(0);
      expect(out.nmse).toBeLessThan(0.02); // int4 absmax on Gaussian rows: ≈ 0.01
      expect(out.reportNmse).toBeCloseTo(out.nmse, 12);
      expect(out.codesEqual).toBe(true);
      if (out.gpu.startsWith('adapter')) expect(Number(out.gpu.split('relErr ')[1])).toBeLessThan(1e-5);
    },
  );
});
