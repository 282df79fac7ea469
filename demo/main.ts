/**
 * The demo page (`npm start`): device, rate–distortion, optimal density, live-run and OCR panels. With WebGPU,
 * a small rate–distortion measurement and an OCR read of a generated page run at first load.
 */
import type uPlot from 'uplot';
import { createEngine, type Engine } from '../src/engine.js';
import { FORMAT_FAMILIES } from '../src/formats/traits.js';
import { densityView } from './density-panel.js';
import { setupOcr, type OcrPanelResult } from './ocr-panel.js';
import { DISTRIBUTIONS, type Distribution } from './inputs.js';
import { densityPlot, fitPlot, rdPlot } from './plots.js';
import { measureRd, type RdPoint, type RdRequest } from './rd.js';
import { DEMO_STEPS, GPU_VS_CPU_TOLERANCE, runDemo, type DemoRequest, type DemoResult } from './run.js';

declare global {
  interface Window {
    demo?: {
      run(req: DemoRequest): Promise<DemoResult>;
      measureRd(req: RdRequest): Promise<RdPoint[]>;
      rdPointsPlotted(): number;
      /** Reads the panel's current image with f32 and with `scheme` at `rate`. */
      ocr(scheme: string, rate: number): Promise<OcrPanelResult>;
      /** The runs started at first load: the small rate–distortion measurement and the OCR read. */
      firstLoad: Promise<{ rd: RdPoint[]; ocr: OcrPanelResult }>;
    };
    __ready?: boolean;
    __initError?: string;
  }
}

const $ = <T extends Element>(sel: string) => document.querySelector(sel) as T;
const fmtNum = (v: number, d = 4) => {
  const a = Math.abs(v);
  if (a >= 10 ** d && a < 1e9) return v.toFixed(0);
  return a >= 1e-3 && a < 1e9 ? v.toPrecision(d) : v.toExponential(d - 1);
};
const field = (form: HTMLFormElement, name: string) => form.elements.namedItem(name) as HTMLInputElement;

function fillFormats(select: HTMLSelectElement): void {
  // Every family's test members and its rate–distortion series (f16-scale INT members only: the f32
  // twins decode the same values).
  const ids = new Set<string>();
  for (const f of FORMAT_FAMILIES)
    for (const id of [...f.examples, ...Object.values(f.rdSeries).flat()])
      if (!(f.name === 'int' && id.endsWith('-f32'))) ids.add(id);
  for (const id of ids) select.add(new Option(id, id, false, id === 'int4-g32'));
}

function fillDistributions(select: HTMLSelectElement): void {
  for (const [k, label] of Object.entries(DISTRIBUTIONS)) select.add(new Option(label, k));
}

/** Runs `job` with the form's Cancel button wired to an AbortController; shows AbortError as "cancelled". */
async function cancellable<T>(
  form: HTMLFormElement,
  out: HTMLElement,
  job: (signal: AbortSignal) => Promise<T>,
): Promise<T | undefined> {
  const ctl = new AbortController();
  const cancel = form.querySelector<HTMLButtonElement>('button[name=cancel]')!;
  const submit = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
  const onCancel = () => ctl.abort();
  cancel.disabled = false;
  submit.disabled = true;
  cancel.addEventListener('click', onCancel);
  try {
    return await job(ctl.signal);
  } catch (e) {
    const err = e as Error;
    out.innerHTML =
      err.name === 'AbortError'
        ? '<p class="muted">Cancelled.</p>'
        : `<p class="error">${err.name}: ${err.message}</p>`;
    return undefined;
  } finally {
    cancel.removeEventListener('click', onCancel);
    cancel.disabled = true;
    submit.disabled = false;
  }
}

function showRun(r: DemoResult, req: DemoRequest): void {
  const bound = req.operands === 'both' ? 'Γ(R)' : 'D(R) = 2^(−2R)';
  $('#result').innerHTML = `
    <p><span class="badge ${r.pass ? 'pass' : 'fail'}" id="badge">${r.pass ? 'PASS' : 'FAIL'}</span>
      GPU vs CPU reference: codes ${r.codesMatch ? 'bit-identical' : '<b>differ</b>'},
      relative error of Y ${fmtNum(r.gpuVsCpuRelErr, 3)} (tolerance ${GPU_VS_CPU_TOLERANCE})</p>
    <table>
      <tr><th>format</th><td>${r.format}</td></tr>
      <tr><th>shape M×K×N</th><td>${r.M}×${r.K}×${r.N}</td></tr>
      <tr><th>bits per entry (everything counted)</th><td>${fmtNum(r.bitsPerEntry, 5)}</td></tr>
      <tr><th>MSE of W (per entry)</th><td>${fmtNum(r.weightMse)}</td></tr>
      <tr><th>product NMSE ‖XWᵀ − X̂Ŵᵀ‖²/(‖X‖²‖W‖²/K)</th><td>${fmtNum(r.productNmse)}</td></tr>
      <tr><th>bound ${bound} at this rate</th><td>${fmtNum(r.gamma)}</td></tr>
      <tr><th>gap to the bound</th><td>${fmtNum(r.gapBits, 3)} bit</td></tr>
      <tr><th>GPU matmul time</th><td>${fmtNum(r.gemmMs, 3)} ms ·${fmtNum(r.gflops, 3)} GFLOP/s ·
        ${fmtNum(r.weightGBps, 3)} GB/s of stored weights</td></tr>
    </table>`;
}

function rdTable(points: readonly RdPoint[]): string {
  const rows = [...points].sort((a, b) => a.bitsPerEntry - b.bitsPerEntry);
  return (
    `<table id="rd-rows"><tr><th>scheme</th><th>family</th><th>bits/entry</th><th>product ` +
    `NMSE</th><th>Γ(R)</th><th>ΔR to Γ (bit)</th></tr>${rows
      .map(
        (p) =>
          `<tr><td>${p.format}</td><td>${p.family}</td><td>${fmtNum(p.bitsPerEntry, 4)}</td>
            <td>${fmtNum(p.productNmse, 4)}</td><td>${fmtNum(p.gamma, 4)}</td><td>${fmtNum(p.deltaR, 3)}</td></tr>`,
      )
      .join('')}</table>`
  );
}

function setupDensity(): void {
  const form = $<HTMLFormElement>('#density-controls');
  let plot: uPlot | undefined;
  const render = () => {
    const rho = Number(field(form, 'rho').value);
    const K = Number(field(form, 'K').value);
    (form.elements.namedItem('rhoOut') as HTMLOutputElement).value = rho.toFixed(2);
    const v = densityView(rho, K);
    $('#density-note').textContent = v.bimodal
      ? `|ρ| > 1/√3 ≈ 0.577: λ* is bimodal, peaks at u = ±${v.peak.toFixed(3)} (√(3 − 1/ρ²)).`
      : `|ρ| ≤ 1/√3 ≈ 0.577: λ* is unimodal (peak at 0).`;
    plot = densityPlot($('#density-plot'), v.us, v.density, v.quantizer.thresholds, plot);
    $('#density-table').innerHTML =
      `<table><tr><th>K</th><th>E[D²] of the K-level optimal quantizer (exact)</th><th>prediction ` +
      `2·C_opt(ρ)/K²</th><th>ratio</th></tr>${v.rows
        .map(
          (r) =>
            `<tr><td>${r.K}</td><td>${fmtNum(r.measured)}</td><td>${fmtNum(r.predicted)}</td>
              <td>${fmtNum(r.ratio, 3)}</td></tr>`,
        )
        .join('')}</table>`;
  };
  form.addEventListener('input', render);
  window.addEventListener('resize', () => fitPlot(plot, $('#density-plot')));
  render();
}

async function main(): Promise<void> {
  const runForm = $<HTMLFormElement>('#controls');
  const rdForm = $<HTMLFormElement>('#rd-controls');
  fillFormats(field(runForm, 'format') as unknown as HTMLSelectElement);
  for (const f of [runForm, rdForm]) fillDistributions(field(f, 'dist') as unknown as HTMLSelectElement);
  setupDensity(); // CPU only: works without WebGPU
  let gpu: Engine | null = null;
  const ocr = setupOcr($('#ocr-panel'), () => gpu); // runs nothing until (unless) the GPU is up

  let engine: Engine;
  try {
    engine = await createEngine();
  } catch (e) {
    $('#device').innerHTML =
      `<p class="error">${(e as Error).message}</p><p>The density panel above still works (it runs on the CPU); ` +
      `the GPU panels need WebGPU.</p>`;
    for (const f of [runForm, rdForm, $<HTMLElement>('#ocr-panel')])
      for (const b of Array.from(f.querySelectorAll('button'))) b.disabled = true;
    $('#ocr-panel .ocr-status').textContent =
      'This browser has no WebGPU. The OCR panel runs both networks on the GPU, so it runs nothing here.';
    window.__initError = (e as Error).message;
    window.__ready = true;
    return;
  }
  gpu = engine;
  const info = engine.adapterInfo;
  const f = engine.features;
  const l = engine.limits;
  $('#device').innerHTML = `<table>
    <tr><th>adapter</th>
      <td>${info?.vendor || '?'} / ${info?.architecture || '?'}
        ${info?.description ? `(${info.description})` : ''}</td></tr>
    <tr><th>features</th><td>subgroups ${f.subgroups ? 'yes' : 'no'} ·shader-f16 ${f.shaderF16 ? 'yes' : 'no'} ·
      DP4A (packed_4x8_integer_dot_product) ${f.dp4a ? 'yes' : 'no'} ·
      timestamp-query ${f.timestampQuery ? 'yes' : 'no'}</td></tr>
    <tr><th>limits</th><td>max storage binding ${(l.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB ·
      max buffer ${(l.maxBufferSize / 2 ** 20).toFixed(0)} MiB ·
      workgroups/dim ${l.maxComputeWorkgroupsPerDimension}</td></tr>
  </table>`;

  const run = async (req: DemoRequest, onStep?: (i: number) => void, signal?: AbortSignal) => {
    const r = await runDemo(engine, req, onStep, signal);
    showRun(r, req);
    return r;
  };
  let rdChart: uPlot | undefined;
  const rd = async (req: RdRequest, signal?: AbortSignal) => {
    const progress = $('#rd-progress');
    const points = await measureRd(
      engine,
      req,
      (done, total, id) =>
        (progress.textContent = done < total ? `${done}/${total}: ${id}…` : `${total} schemes measured.`),
      signal,
    );
    rdChart = rdPlot($('#rd-plot'), points, rdChart);
    $('#rd-table').innerHTML = rdTable(points);
    return points;
  };
  window.addEventListener('resize', () => fitPlot(rdChart, $('#rd-plot')));
  window.demo = {
    run: (req) => run(req),
    measureRd: (req) => rd(req),
    ocr: (scheme, rate) => ocr.read(scheme, rate),
    firstLoad: Promise.resolve() as never,
    rdPointsPlotted: () =>
      rdChart
        ? rdChart.data
            .slice(3)
            .reduce((n, s) => n + Array.from(s as ArrayLike<number | null>).filter((v) => v != null).length, 0)
        : 0,
  };

  runForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = (n: string) => field(runForm, n).value;
    const req: DemoRequest = {
      format: v('format'),
      operands: v('operands') as 'w' | 'both',
      M: Number(v('M')),
      K: Number(v('K')),
      N: Number(v('N')),
      seed: Number(v('seed')),
      dist: v('dist') as Distribution,
    };
    const out = $<HTMLElement>('#result');
    out.textContent = 'Running…';
    void cancellable(runForm, out, (signal) =>
      run(req, (i) => (out.textContent = `Step ${i + 1}/${DEMO_STEPS.length}: ${DEMO_STEPS[i]}…`), signal),
    );
  });
  rdForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = (n: string) => field(rdForm, n).value;
    const req: RdRequest = {
      dist: v('dist') as Distribution,
      M: Number(v('M')),
      K: Number(v('K')),
      N: Number(v('N')),
      seed: Number(v('seed')),
    };
    void cancellable(rdForm, $('#rd-progress'), (signal) => rd(req, signal));
  });
  // First load: the rate–distortion panel's small measurement (the form's sizes) and a generated page read
  // (two paragraphs), so a visitor sees a plot and an OCR result without clicking.
  const firstRd = new Promise<RdPoint[]>((resolve, reject) => {
    const req: RdRequest = {
      dist: field(rdForm, 'dist').value as Distribution,
      M: Number(field(rdForm, 'M').value),
      K: Number(field(rdForm, 'K').value),
      N: Number(field(rdForm, 'N').value),
      seed: Number(field(rdForm, 'seed').value),
    };
    void cancellable(rdForm, $('#rd-progress'), (signal) => rd(req, signal)).then(
      (p) => (p ? resolve(p) : reject(new Error('the first rate–distortion measurement did not finish'))),
      reject,
    );
  });
  const firstOcr = ocr.generate(2);
  firstOcr.catch((e: Error) => ($('#ocr-panel .ocr-status').textContent = e.message));
  window.demo.firstLoad = Promise.all([firstRd, firstOcr]).then(([rdPoints, ocrResult]) => ({
    rd: rdPoints,
    ocr: ocrResult,
  }));
  window.demo.firstLoad.catch(() => {}); // shown in the panels; a caller awaiting it sees the rejection
  window.__ready = true;
}

void main();
