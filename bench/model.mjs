#!/usr/bin/env node
// npm run bench:model [-- --json] [--reps 7] [--width 400]
// One PP-OCRv4 recogniser line end to end: the graph runner (f32, int4-g32, e8-q14-k4 weights, int8 × int4
// W+A) beside onnxruntime-web — its default entry's WebGPU (JSEP), onnxruntime-web/webgpu, and wasm — on the
// f32 model and on the model with its MatMuls as MatMulNBits (4-bit, block 32). Every output is checked
// before any time counts; then one call of every configuration per round, round-robin across the pages
// (each ORT build in its own page), a warm-up round first, medians over --reps rounds.
import { fmt, parseCli, renderTable } from './cli.mjs';
import { launchChromium, openPage, startViteServer } from '../tools/chromium.mjs';

const { opts, json } = parseCli(
  process.argv.slice(2),
  {
    '--reps': (next, o) => (o.reps = Number(next())),
    '--width': (next, o) => (o.width = Number(next())),
  },
  'usage: npm run bench:model -- [--json] [--reps 7] [--width 400]\n',
);
const reps = opts.reps ?? 7;
const width = opts.width ?? 400;
if (!Number.isInteger(width) || width % 8 || width < 48)
  throw new Error('--width must be a multiple of 8, at least 48');
const log = (m) => process.stderr.write(`[bench:model] ${m}\n`);

const RUNNER = [
  { weights: 'f32' },
  { weights: 'int4-g32' },
  { weights: 'e8-q14-k4' },
  { weights: 'int4-g32', activations: 'int8-g32' },
];
const ORT = [
  ['jsep', 'f32'],
  ['jsep', 'nbits'],
  ['webgpu', 'f32'],
  ['webgpu', 'nbits'],
  ['wasm', 'f32'],
  ['wasm', 'nbits'],
];

const rel = (a, b) => {
  let e = 0;
  let r = 0;
  for (let i = 0; i < b.length; i++) {
    e += (a[i] - b[i]) ** 2;
    r += b[i] ** 2;
  }
  return Math.sqrt(e / r);
};

const vite = await startViteServer();
const chrome = await launchChromium();
const rows = [];
try {
  const pages = {};
  for (const part of ['runner', 'wasm', 'jsep', 'webgpu']) {
    pages[part] = await openPage(chrome.browser, vite.url, `/bench/model.html?part=${part}`, (l) =>
      /error/i.test(l) ? log(`${part}: ${l}`) : undefined,
    );
  }
  const prepare = (part, c) => pages[part].evaluate((x) => window.modelBench.prepare(x), { ...c, width });
  // References: onnxruntime wasm (the CPU build) on the f32 model and on the MatMulNBits model.
  log('preparing onnxruntime wasm (the references)');
  const ref = {};
  for (const [part, w] of ORT.filter(([p]) => p === 'wasm')) {
    const p = await prepare(part, { weights: w });
    ref[w] = p.output;
    rows.push({ part, weights: w, ...p, check: 'reference', relErr: 0 });
  }
  for (const [part, w] of ORT.filter(([p]) => p !== 'wasm')) {
    log(`preparing onnxruntime ${part} ${w}`);
    try {
      const p = await prepare(part, { weights: w });
      rows.push({ part, weights: w, ...p, check: `ort wasm ${w}`, relErr: rel(p.output, ref[w]) });
    } catch (e) {
      log(`onnxruntime ${part} ${w} unavailable: ${e.message.split('\n')[0]}`);
    }
  }
  for (const c of RUNNER) {
    log(`preparing the runner: ${c.weights}${c.activations ? ` × ${c.activations}` : ''}`);
    const p = await prepare('runner', c);
    // f32 against onnxruntime on the f32 model; quantized weights against onnxruntime on the model
    // with the runner's decoded weights swapped in (W+A: the same, its activation error included).
    const want =
      c.weights === 'f32' ? ref.f32 : await pages.runner.evaluate((id) => window.modelBench.decodedReference(id), p.id);
    const check = c.weights === 'f32' ? 'ort wasm f32' : 'ort wasm, decoded weights';
    rows.push({
      part: 'runner',
      weights: c.weights,
      activations: c.activations,
      ...p,
      check,
      relErr: rel(p.output, want),
    });
  }
  for (const r of rows) {
    const limit = r.activations ? Infinity : r.part === 'runner' && r.weights !== 'f32' ? 1e-3 : 1e-4;
    r.ok = r.relErr <= limit;
    if (!r.ok) log(`CHECK FAILED: ${r.label}: relErr ${r.relErr} vs ${r.check} (limit ${limit}); not timed`);
  }
  const timed = rows.filter((r) => r.ok);
  const samples = new Map(timed.map((r) => [r, []]));
  for (let round = 0; round <= reps; round++) {
    log(`round ${round}/${reps}${round === 0 ? ' (warm-up)' : ''}`);
    for (const r of timed) {
      const ms = await pages[r.part].evaluate((id) => window.modelBench.sample(id), r.id);
      if (round > 0) samples.get(r).push(ms);
    }
  }
  for (const r of timed) {
    const s = samples.get(r).sort((a, b) => a - b);
    r.ms = s[s.length >> 1];
  }
  for (const p of Object.values(pages)) await p.evaluate(() => window.modelBench.release());
} finally {
  await chrome.close();
  await vite.close();
}

// Ratios against the faster correct WebGPU build of onnxruntime, f32 and MatMulNBits.
const fastest = (w) =>
  rows
    .filter((r) => (r.part === 'jsep' || r.part === 'webgpu') && r.weights === w && r.ms)
    .sort((a, b) => a.ms - b.ms)[0];
const ortF32 = fastest('f32');
const ortNbits = fastest('nbits');
const out = rows.map((r) => ({
  label: r.label,
  engine: r.part,
  weights: r.weights,
  activations: r.activations ?? 'f32',
  ms: r.ms ?? null,
  vsOrtWebgpuF32: r.ms && ortF32 ? ortF32.ms / r.ms : null,
  vsOrtWebgpuNbits: r.ms && ortNbits ? ortNbits.ms / r.ms : null,
  check: r.check,
  relErr: r.relErr,
  weightBytes: r.weightBytes ?? null,
  expectedWeightBytes: r.expectedWeightBytes ?? null,
  constantBytes: r.constantBytes ?? null,
  activationBytes: r.activationBytes ?? null,
  path: r.path ?? null,
  width,
}));
if (json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
else {
  process.stdout.write(
    `One recogniser line (48×${width}) end to end (input upload, forward pass, output read back); median ms ` +
      `over ${reps} rounds. Ratios: > 1 means faster than the faster correct onnxruntime WebGPU build ` +
      `(f32: ${ortF32?.label ?? 'none'}; MatMulNBits: ${ortNbits?.label ?? 'none'}).\n\n`,
  );
  process.stdout.write(
    `${renderTable(out, [
      ['configuration', (r) => r.label],
      ['ms', (r) => (r.ms === null ? 'not timed' : fmt(r.ms))],
      ['vs ORT-WebGPU f32', (r) => (r.vsOrtWebgpuF32 === null ? '—' : fmt(r.vsOrtWebgpuF32, 3))],
      ['vs ORT-WebGPU NBits', (r) => (r.vsOrtWebgpuNbits === null ? '—' : fmt(r.vsOrtWebgpuNbits, 3))],
      ['checked against', (r) => r.check],
      ['rel. err', (r) => fmt(r.relErr, 2)],
      ['weight bytes (GPU)', (r) => (r.weightBytes === null ? '—' : String(r.weightBytes))],
      ['bits·params/8', (r) => (r.expectedWeightBytes === null ? '—' : String(Math.round(r.expectedWeightBytes)))],
      ['other constants', (r) => (r.constantBytes === null ? '—' : String(r.constantBytes))],
      ['peak activations', (r) => (r.activationBytes === null ? '—' : String(r.activationBytes))],
    ])}\n`,
  );
}
