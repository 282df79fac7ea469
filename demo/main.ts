/** First demo page (`npm start`): pick a format and a shape, run on the GPU, compare with the CPU. */
import { createEngine, type Engine } from '../src/engine.js';
import { GROUP_SIZES, INT_BITS, intFormatId } from '../src/formats/int.js';
import { GPU_VS_CPU_TOLERANCE, runDemo, type DemoRequest, type DemoResult } from './run.js';

declare global {
  interface Window {
    demo?: { run(req: DemoRequest): Promise<DemoResult> };
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

function fillFormats(select: HTMLSelectElement): void {
  for (const bits of INT_BITS)
    for (const symmetric of [true, false])
      for (const group of GROUP_SIZES) {
        const id = intFormatId({ bits, group, symmetric, scale: 'f16' });
        select.add(new Option(id, id, false, id === 'int4-g32'));
      }
}

function show(r: DemoResult, req: DemoRequest): void {
  const bound = req.operands === 'both' ? 'Γ(R)' : 'D(R) = 2^(−2R)';
  $('#result').innerHTML = `
    <p><span class="badge ${r.pass ? 'pass' : 'fail'}" id="badge">${r.pass ? 'PASS' : 'FAIL'}</span>
      GPU vs CPU reference: codes ${r.codesMatch ? 'bit-identical' : '<b>differ</b>'}, relative error of Y ${fmtNum(r.gpuVsCpuRelErr, 3)} (tolerance ${GPU_VS_CPU_TOLERANCE})</p>
    <table>
      <tr><th>format</th><td>${r.format}</td></tr>
      <tr><th>bits per entry (everything counted)</th><td>${fmtNum(r.bitsPerEntry, 5)}</td></tr>
      <tr><th>MSE of W (per entry)</th><td>${fmtNum(r.weightMse)}</td></tr>
      <tr><th>product NMSE ‖XWᵀ − X̂Ŵᵀ‖²/(‖X‖²‖W‖²/K)</th><td>${fmtNum(r.productNmse)}</td></tr>
      <tr><th>bound ${bound} at this rate</th><td>${fmtNum(r.gamma)}</td></tr>
      <tr><th>gap to the bound</th><td>${fmtNum(r.gapBits, 3)} bit</td></tr>
      <tr><th>GPU GEMM time</th><td>${fmtNum(r.gemmMs, 3)} ms (${fmtNum(r.gflops, 3)} GFLOP/s)</td></tr>
    </table>`;
}

async function main(): Promise<void> {
  const form = $<HTMLFormElement>('#controls');
  fillFormats(form.elements.namedItem('format') as HTMLSelectElement);
  let engine: Engine;
  try {
    engine = await createEngine();
  } catch (e) {
    $('#device').innerHTML = `<p class="error">${(e as Error).message}</p>`;
    form.querySelector('button')!.disabled = true;
    window.__initError = (e as Error).message;
    return;
  }
  const info = engine.adapterInfo;
  const f = engine.features;
  $('#device').textContent =
    `Adapter: ${info?.vendor || '?'} / ${info?.architecture || '?'} ${info?.description ? `(${info.description})` : ''} · ` +
    `subgroups ${f.subgroups ? 'yes' : 'no'} · shader-f16 ${f.shaderF16 ? 'yes' : 'no'} · DP4A ${f.dp4a ? 'yes' : 'no'} · ` +
    `max storage binding ${(engine.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB`;
  const run = async (req: DemoRequest) => {
    const r = await runDemo(engine, req);
    show(r, req);
    return r;
  };
  window.demo = { run };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const v = (n: string) => (form.elements.namedItem(n) as HTMLInputElement).value;
    const req: DemoRequest = { format: v('format'), operands: v('operands') as 'w' | 'both', M: Number(v('M')), K: Number(v('K')), N: Number(v('N')), seed: Number(v('seed')) };
    $('#result').textContent = 'Running…';
    run(req).catch((e: Error) => ($('#result').innerHTML = `<p class="error">${e.name}: ${e.message}</p>`));
  });
  window.__ready = true;
}

void main();
